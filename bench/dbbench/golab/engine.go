// Package golab runs the db-benchmark questions on GoLab's dataframe
// engine: it implements dbbench.Engine.
//
// The questions are written exactly as groupby-polars.py and join-polars.py
// write them (same aggregates, output names, join kinds and suffixes), so
// the answers' shapes and checksums compare one to one with Polars'.
//
// TODO(dataframe API): the public notebook API of package dataframe
// (ReadParquet, Frame.Lazy, LazyFrame.GroupBy/Agg/Join, Collect) is not
// published yet, so this engine builds logical plans with dataframe/plan and
// dataframe/expr, optimizes them with dataframe/optimize and runs them on
// the executor from ctx (dataframe/exec) - the path Collect takes. Loading
// reads the Parquet files with arrow-go's pqarrow into an in-memory
// plan.Source. When the public API lands, replace load with
// dataframe.ReadParquet / ReadCSV and the plan builders with the LazyFrame
// calls; Run's checksum code stays.
package golab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/golab-dev/golab/bench/dbbench"
	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/optimize"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// Engine is GoLab's dataframe engine as a dbbench.Engine. The zero value is
// not usable; call New.
type Engine struct {
	mem    memory.Allocator
	tables map[string]*table
}

// New returns an Engine allocating from mem (memory.DefaultAllocator when nil).
func New(mem memory.Allocator) *Engine {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Engine{mem: mem, tables: map[string]*table{}}
}

// Name implements dbbench.Engine.
func (e *Engine) Name() string { return "golab" }

// Load implements dbbench.Engine: it reads each Parquet file into memory,
// one single-chunk array per column.
func (e *Engine) Load(ctx context.Context, task dbbench.Task, paths map[string]string) error {
	e.Close()
	for key, path := range paths {
		if !strings.HasSuffix(path, ".parquet") {
			// TODO(dataframe API): load CSV with dataframe.ReadCSV once it exists.
			return fmt.Errorf("golab: only Parquet input is supported until dataframe.ReadCSV exists, got %s", path)
		}
		t, err := readParquet(ctx, e.mem, path)
		if err != nil {
			return err
		}
		e.tables[key] = t
	}
	return nil
}

// Close implements dbbench.Engine.
func (e *Engine) Close() error {
	for k, t := range e.tables {
		t.release()
		delete(e.tables, k)
	}
	return nil
}

// table is an in-memory plan.Source.
type table struct {
	name   string
	schema *arrow.Schema
	cols   []arrow.Array
	rows   int
}

func (t *table) Schema() *arrow.Schema { return t.schema }
func (t *table) String() string        { return t.name }

// Scan implements plan.Source: retained references to the requested columns.
func (t *table) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	names := req.Columns
	if names == nil {
		for _, f := range t.schema.Fields() {
			names = append(names, f.Name)
		}
	}
	out := make([]arrow.Array, len(names))
	for i, n := range names {
		idx := t.schema.FieldIndices(n)
		if len(idx) == 0 {
			for _, a := range out[:i] {
				a.Release()
			}
			return nil, 0, expr.ColumnNotFound(n, t.schema)
		}
		a := t.cols[idx[0]]
		a.Retain()
		out[i] = a
	}
	return out, t.rows, nil
}

func (t *table) release() {
	for _, c := range t.cols {
		c.Release()
	}
	t.cols = nil
}

func readParquet(ctx context.Context, mem memory.Allocator, path string) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("golab: %w", err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, fmt.Errorf("golab: reading %s: %w", path, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{Parallel: true, BatchSize: 1 << 20}, mem)
	if err != nil {
		return nil, fmt.Errorf("golab: reading %s: %w", path, err)
	}
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		return nil, fmt.Errorf("golab: reading %s: %w", path, err)
	}
	defer tbl.Release()
	t := &table{name: strings.TrimSuffix(filepath.Base(path), ".parquet"), schema: tbl.Schema(), rows: int(tbl.NumRows())}
	for i := range int(tbl.NumCols()) {
		chunks := tbl.Column(i).Data().Chunks()
		var a arrow.Array
		if len(chunks) == 1 {
			a = chunks[0]
			a.Retain()
		} else {
			a, err = array.Concatenate(chunks, mem)
			if err != nil {
				t.release()
				return nil, fmt.Errorf("golab: reading %s: %w", path, err)
			}
		}
		t.cols = append(t.cols, a)
	}
	return t, nil
}

func col(name string) expr.Expr { return expr.Column{Name: name} }

func agg(f expr.AggFunc, x, alias string) expr.Expr {
	a := expr.Agg{Func: f, X: col(x)}
	if f == expr.AggStd || f == expr.AggVar {
		a.Param = 1 // ddof=1, as polars' default
	}
	return expr.Alias{X: a, Name: alias}
}

func cols(names ...string) []expr.Expr {
	out := make([]expr.Expr, len(names))
	for i, n := range names {
		out[i] = col(n)
	}
	return out
}

// query returns q's plan and the columns whose sums make its checksum.
func (e *Engine) query(q dbbench.Question) (plan.Node, []string, error) {
	scan := func(key string) (plan.Node, error) {
		t, ok := e.tables[key]
		if !ok {
			return nil, fmt.Errorf("golab: table %q not loaded", key)
		}
		return plan.NewScan(t, nil, nil)
	}
	x, err := scan("x")
	if err != nil {
		return nil, nil, err
	}
	groupBy := func(keys []string, aggs ...expr.Expr) (plan.Node, error) {
		return plan.NewAggregate(x, cols(keys...), aggs)
	}
	var n plan.Node
	var chk []string
	if q.Task == dbbench.Groupby {
		switch q.ID {
		case "q1":
			n, err = groupBy([]string{"id1"}, agg(expr.AggSum, "v1", "v1_sum"))
			chk = []string{"v1_sum"}
		case "q2":
			n, err = groupBy([]string{"id1", "id2"}, agg(expr.AggSum, "v1", "v1_sum"))
			chk = []string{"v1_sum"}
		case "q3":
			n, err = groupBy([]string{"id3"}, agg(expr.AggSum, "v1", "v1_sum"), agg(expr.AggMean, "v3", "v3_mean"))
			chk = []string{"v1_sum", "v3_mean"}
		case "q4":
			n, err = groupBy([]string{"id4"}, agg(expr.AggMean, "v1", "v1_mean"), agg(expr.AggMean, "v2", "v2_mean"), agg(expr.AggMean, "v3", "v3_mean"))
			chk = []string{"v1_mean", "v2_mean", "v3_mean"}
		case "q5":
			n, err = groupBy([]string{"id6"}, agg(expr.AggSum, "v1", "v1_sum"), agg(expr.AggSum, "v2", "v2_sum"), agg(expr.AggSum, "v3", "v3_sum"))
			chk = []string{"v1_sum", "v2_sum", "v3_sum"}
		case "q6":
			n, err = groupBy([]string{"id4", "id5"}, agg(expr.AggMedian, "v3", "v3_median"), agg(expr.AggStd, "v3", "v3_std"))
			chk = []string{"v3_median", "v3_std"}
		case "q7":
			rng := expr.Alias{X: expr.Binary{Op: expr.Sub, L: expr.Agg{Func: expr.AggMax, X: col("v1")}, R: expr.Agg{Func: expr.AggMin, X: col("v2")}}, Name: "range_v1_v2"}
			n, err = groupBy([]string{"id3"}, rng)
			chk = []string{"range_v1_v2"}
		case "q8":
			// x.drop_nulls("v3").group_by("id6").agg(col("v3").top_k(2)).explode(...)
			var f plan.Node
			if f, err = plan.NewFilter(x, expr.Unary{Op: expr.IsNotNull, X: col("v3")}); err == nil {
				top := expr.Alias{X: expr.Agg{Func: expr.AggTopK, X: col("v3"), Param: 2}, Name: "largest2_v3"}
				var a plan.Node
				if a, err = plan.NewAggregate(f, cols("id6"), []expr.Expr{top}); err == nil {
					n, err = plan.NewExplode(a, "largest2_v3")
				}
			}
			chk = []string{"largest2_v3"}
		case "q9":
			corr := expr.Agg{Func: expr.AggCorr, X: col("v1"), Y: col("v2")}
			r2 := expr.Alias{X: expr.Binary{Op: expr.Mul, L: corr, R: corr}, Name: "r2"}
			n, err = groupBy([]string{"id2", "id4"}, r2)
			chk = []string{"r2"}
		case "q10":
			n, err = groupBy([]string{"id1", "id2", "id3", "id4", "id5", "id6"}, agg(expr.AggSum, "v3", "v3"), agg(expr.AggCount, "v1", "count"))
			chk = []string{"v3", "count"}
		default:
			return nil, nil, fmt.Errorf("golab: unknown question %s", q.Name())
		}
		return n, chk, err
	}

	var right, key string
	how := plan.Inner
	switch q.ID {
	case "q1":
		right, key = "small", "id1"
	case "q2":
		right, key = "medium", "id2"
	case "q3":
		right, key, how = "medium", "id2", plan.Left
	case "q4":
		right, key = "medium", "id5"
	case "q5":
		right, key = "big", "id3"
	default:
		return nil, nil, fmt.Errorf("golab: unknown question %s", q.Name())
	}
	r, err := scan(right)
	if err != nil {
		return nil, nil, err
	}
	n, err = plan.NewJoin(x, r, []string{key}, []string{key}, how, "_right")
	return n, []string{"v1", "v2"}, err
}

// Run implements dbbench.Engine: optimize the question's plan, execute it
// on the executor from ctx, and sum the answer's measure columns.
func (e *Engine) Run(ctx context.Context, q dbbench.Question) (dbbench.Answer, error) {
	n, chkCols, err := e.query(q)
	if err != nil {
		return dbbench.Answer{}, err
	}
	if n, err = optimize.Optimize(n, nil); err != nil {
		return dbbench.Answer{}, err
	}
	ctx = exec.WithAllocator(ctx, e.mem)
	res, err := exec.FromContext(ctx).Execute(ctx, n)
	if err != nil {
		return dbbench.Answer{}, err
	}
	defer res.Release()
	return answer(res, chkCols)
}

func answer(t *physical.Table, chkCols []string) (dbbench.Answer, error) {
	a := dbbench.Answer{Rows: t.Rows, Cols: t.Schema.NumFields()}
	for _, name := range chkCols {
		c := t.Col(name)
		if c == nil {
			return a, expr.ColumnNotFound(name, t.Schema)
		}
		s, err := Sum(c)
		if err != nil {
			return a, fmt.Errorf("golab: checksum of %s: %w", name, err)
		}
		a.Chk = append(a.Chk, s)
	}
	return a, nil
}

// Sum returns the sum of the non-null values of a numeric array, integers
// summed exactly in int64.
func Sum(a arrow.Array) (float64, error) {
	var si int64
	var sf float64
	isInt := true
	valid := func(i int) bool { return a.NullN() == 0 || a.IsValid(i) }
	switch v := a.(type) {
	case *array.Int64:
		for i, x := range v.Int64Values() {
			if valid(i) {
				si += x
			}
		}
	case *array.Int32:
		for i, x := range v.Int32Values() {
			if valid(i) {
				si += int64(x)
			}
		}
	case *array.Int16:
		for i, x := range v.Int16Values() {
			if valid(i) {
				si += int64(x)
			}
		}
	case *array.Int8:
		for i, x := range v.Int8Values() {
			if valid(i) {
				si += int64(x)
			}
		}
	case *array.Uint64:
		for i, x := range v.Uint64Values() {
			if valid(i) {
				si += int64(x)
			}
		}
	case *array.Uint32:
		for i, x := range v.Uint32Values() {
			if valid(i) {
				si += int64(x)
			}
		}
	case *array.Float64:
		isInt = false
		for i, x := range v.Float64Values() {
			if valid(i) {
				sf += x
			}
		}
	case *array.Float32:
		isInt = false
		for i, x := range v.Float32Values() {
			if valid(i) {
				sf += float64(x)
			}
		}
	default:
		return 0, fmt.Errorf("not a numeric column: %s", a.DataType())
	}
	if isInt {
		return float64(si), nil
	}
	return sf, nil
}
