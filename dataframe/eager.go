package dataframe

import (
	"context"
)

// The eager methods below are thin wrappers: f.Lazy().<Op>(...).Collect(context.Background()).

func (f *Frame) collect(lf *LazyFrame) (*Frame, error) { return lf.Collect(context.Background()) }

// Select evaluates columns (names) and expressions.
func (f *Frame) Select(columns ...any) (*Frame, error) { return f.collect(f.Lazy().Select(columns...)) }

// WithColumns adds or replaces columns.
func (f *Frame) WithColumns(exprs ...Expr) (*Frame, error) {
	return f.collect(f.Lazy().WithColumns(exprs...))
}

// Filter keeps rows where all predicates hold.
func (f *Frame) Filter(predicates ...Expr) (*Frame, error) {
	return f.collect(f.Lazy().Filter(predicates...))
}

// GroupBy starts an eager grouped aggregation.
func (f *Frame) GroupBy(keys ...any) *GroupBy { return &GroupBy{g: f.Lazy().GroupBy(keys...)} }

// GroupBy is an eager group-by waiting for Agg.
type GroupBy struct{ g *LazyGroupBy }

// Agg evaluates aggregates per group.
func (g *GroupBy) Agg(aggs ...Expr) (*Frame, error) {
	return g.g.Agg(aggs...).Collect(context.Background())
}

// Join joins f with other.
func (f *Frame) Join(other *Frame, opts JoinOptions) (*Frame, error) {
	return f.collect(f.Lazy().Join(other.Lazy(), opts))
}

// Sort orders rows by opts.
func (f *Frame) Sort(opts SortOptions) (*Frame, error) { return f.collect(f.Lazy().Sort(opts)) }

// SortBy orders rows ascending by columns.
func (f *Frame) SortBy(columns ...any) (*Frame, error) { return f.collect(f.Lazy().SortBy(columns...)) }

// Head returns the first n rows (sharing memory with f).
func (f *Frame) Head(n int) *Frame { return f.mustSlice(0, n) }

// Tail returns the last n rows.
func (f *Frame) Tail(n int) *Frame { return f.mustSlice(max(0, f.rows-max(n, 0)), n) }

// Slice returns length rows from offset (negative offset counts from the end).
func (f *Frame) Slice(offset, length int) *Frame { return f.mustSlice(offset, length) }

func (f *Frame) mustSlice(offset, length int) *Frame {
	out, err := f.collect(f.Lazy().Slice(offset, length))
	if err != nil { // cannot happen for an in-memory slice; keep the contract
		return f.emptyLike()
	}
	return out
}

func (f *Frame) emptyLike() *Frame {
	out, _ := f.collect(f.Lazy().Slice(0, 0))
	return out
}

// Rename renames columns given as old, new pairs.
func (f *Frame) Rename(oldNew ...string) (*Frame, error) {
	return f.collect(f.Lazy().Rename(oldNew...))
}

// Drop removes columns.
func (f *Frame) Drop(columns ...string) (*Frame, error) { return f.collect(f.Lazy().Drop(columns...)) }

// Unique keeps the first row of each distinct subset combination.
func (f *Frame) Unique(subset ...string) (*Frame, error) {
	return f.collect(f.Lazy().Unique(subset...))
}

// DropNulls drops rows with nulls in columns (all when none given).
func (f *Frame) DropNulls(columns ...string) (*Frame, error) {
	return f.collect(f.Lazy().DropNulls(columns...))
}

// FillNull replaces nulls in every column whose type fits value.
func (f *Frame) FillNull(value any) (*Frame, error) { return f.collect(f.Lazy().FillNull(value)) }

// Explode turns list elements into rows.
func (f *Frame) Explode(column string) (*Frame, error) { return f.collect(f.Lazy().Explode(column)) }

// ConcatFrames stacks frames with equal schemas.
func ConcatFrames(frames ...*Frame) (*Frame, error) {
	lfs := make([]*LazyFrame, len(frames))
	for i, f := range frames {
		lfs[i] = f.Lazy()
	}
	return Concat(lfs...).Collect(context.Background())
}

// ValueCounts counts rows per distinct value of column, most frequent
// first; the count column is named "count".
func (f *Frame) ValueCounts(column string) (*Frame, error) {
	return f.collect(f.Lazy().GroupBy(column).Agg(Len().Alias("count")).
		Sort(SortOptions{By: []any{"count", column}, Descending: []bool{true, false}}))
}
