// Package dataframe is GoLab's dataframe library: Arrow-backed frames,
// lazy queries with an optimizer, and a parallel engine for group-by,
// join and sort. It is the notebook-facing API, so it uses no generics:
// arguments are concrete types, variadics and any.
//
//	df, err := dataframe.ReadCSV("x.csv", dataframe.CSVOptions{})
//	out, err := df.Lazy().
//		Filter(dataframe.Col("v1").Gt(2)).
//		GroupBy("id1").
//		Agg(dataframe.Col("v1").Sum().Alias("v1")).
//		Collect(ctx)
//
// # Types
//
//   - Frame: an immutable table (schema + one Arrow array per column).
//     New, FromColumns, FromRecord build one; ReadCSV, ReadParquet,
//     ReadIPC, ReadJSON, ReadNDJSON, ReadDir read one.
//   - Series: one named column (NewInt64Series, NewFloat64Series,
//     NewStringSeries, NewBoolSeries, NewSeries).
//   - Expr: column expressions (Col, Lit, Len, Corr and methods such as
//     Add, Gt, Sum, Mean, Median, Quantile, TopK, Over, Str().Contains,
//     Dt().Year).
//   - LazyFrame: a logical plan (Frame.Lazy, ScanCSV, ScanParquet,
//     ScanDir). Collect(ctx) optimizes it and runs it on the Executor
//     found in ctx (package exec; local by default). Explain shows plans.
//
// Eager Frame methods (Select, Filter, GroupBy(...).Agg, Join, Sort, ...)
// are thin wrappers over the lazy ones with context.Background().
//
// As in Polars, an aggregate in WithColumns, Filter or a Select that also
// has row-wise columns is broadcast: Col("f").Sub(Col("f").Mean()) centres
// f, and Filter(Col("f").Gt(Col("f").Mean())) keeps the rows above the
// mean (see broadcast.go). Over(keys...) computes it per group instead.
//
// # Core API
//
//	ReadCSV(path string, opts CSVOptions) (*Frame, error)        // ScanCSV -> *LazyFrame; ReadCSVBytes
//	ReadParquet(path string, opts ParquetOptions) (*Frame, error) // ScanParquet -> *LazyFrame
//	ReadIPC, ReadJSON, ReadNDJSON, ReadDir/ScanDir (Hive partitions)
//	(*Frame).WriteParquet / WriteIPC / WriteCSV / WriteNDJSON
//	(*Frame).Lazy() *LazyFrame
//	(*LazyFrame).Filter(preds ...Expr) / Select(cols ...any) / WithColumns(exprs ...Expr)
//	(*LazyFrame).GroupBy(keys ...any) *LazyGroupBy; (*LazyGroupBy).Agg(aggs ...Expr) *LazyFrame
//	(*LazyFrame).Join(other *LazyFrame, JoinOptions{On, LeftOn, RightOn, How, Suffix}) *LazyFrame
//	(*LazyFrame).Sort(SortOptions{By, Descending, NullsLast}) / SortBy / Head / Tail / Slice
//	(*LazyFrame).Rename / Drop / Unique / Explode / DropNulls / FillNull; Concat(...*LazyFrame)
//	(*LazyFrame).Collect(ctx) (*Frame, error); CollectWith(ctx, CollectOptions{NoOptimize, Allocator, Workers})
//	(*LazyFrame).Explain(optimized bool) (string, error); ExplainPhysical()
//	(*Frame).Pivot / Melt / Describe / ValueCounts and eager twins of the lazy methods
//
// Group keys and join keys may be integers, strings, dictionary-encoded
// strings (Categorical), booleans or floats, one or several. For
// low-cardinality string keys, Categorical columns (Cast(Categorical),
// CSVOptions.Types, ParquetOptions.Dictionary) are the fastest.
//
// # Invariants
//
//   - Frames, Series and LazyFrames are immutable; every operation returns
//     a new value. All three are safe for concurrent readers.
//   - A LazyFrame records the first error while it is built; Collect and
//     Explain return it. Builders never panic.
//   - Group-by output order is unspecified; sort when order matters. Joins
//     keep the left side's row order. Sort is stable.
//
// # Ownership
//
// Frames and Series hold Arrow references. Release returns the memory
// to the allocator; Retain adds a reference. With the default Go allocator
// forgetting Release only delays reclamation to the garbage collector;
// with a checked or pooled allocator (CollectOptions.Allocator) call
// Release on every Frame you own. Values returned by methods are owned by
// the caller; Column returns a Series sharing the frame's data.
//
// # Errors
//
// Errors wrap a sentinel (ErrColumnNotFound, ErrSchemaMismatch,
// ErrTypeMismatch, ErrInvalidArgument, ErrParse, ErrUnsupported,
// ErrDuplicateColumn) or a context error; test with errors.Is. An unknown
// column lists the existing columns and the closest name; a type mismatch
// names both types and the expression; a malformed CSV row names file,
// line and column. Nothing panics on user input.
//
// # Concurrency and cancellation
//
// Collect runs operators on GOMAXPROCS goroutines in morsels and checks
// ctx between morsels, so cancelling the cell's context stops a query
// quickly. No goroutine outlives the call that started it.
//
// # Display
//
// Frame.String renders a text table; Frame.MIMEBundle returns
// {"text/html", "text/plain"} for Jupyter (shape, types, first and last
// rows, long values cut). The package never imports the kernel.
package dataframe
