// Package golab runs the db-benchmark questions on GoLab's dataframe
// engine through its public API (ReadParquet/ReadCSV, LazyFrame.GroupBy /
// Agg / Join, CollectWith): it implements dbbench.Engine.
//
// The questions are written as groupby-polars.py and join-polars.py write
// them (same aggregates, output names, join kinds and "_right" suffix), and
// the string keys are read as Categorical as those scripts cast them, so
// shapes and checksums compare one to one with Polars'.
package golab

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/bench/dbbench"
	df "github.com/golab-dev/golab/dataframe"
)

// Engine is GoLab's dataframe engine as a dbbench.Engine. Create it with New.
type Engine struct {
	// Categorical reads the string keys as dictionary-encoded (Categorical)
	// columns, as the benchmark's Polars script casts them: id1-id3 of the
	// group-by table, id4-id6 of the join tables. New sets it.
	Categorical bool

	mem    memory.Allocator
	tables map[string]*df.Frame
}

// New returns an Engine allocating from mem (memory.DefaultAllocator when
// nil), with Categorical keys.
func New(mem memory.Allocator) *Engine {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Engine{Categorical: true, mem: mem, tables: map[string]*df.Frame{}}
}

// Name implements dbbench.Engine.
func (e *Engine) Name() string { return "golab" }

// Load implements dbbench.Engine: it reads each Parquet or CSV file into a
// Frame.
func (e *Engine) Load(ctx context.Context, task dbbench.Task, paths map[string]string) error {
	e.Close()
	for key, path := range paths {
		var cats []string
		if e.Categorical {
			cats = categoricalKeys(task, key)
		}
		var f *df.Frame
		var err error
		switch {
		case strings.HasSuffix(path, ".parquet"):
			f, err = df.ReadParquet(path, df.ParquetOptions{Dictionary: cats, Allocator: e.mem})
		case strings.HasSuffix(path, ".csv"):
			var types map[string]arrow.DataType
			if types, err = csvTypes(path, task, cats); err == nil {
				f, err = df.ReadCSV(path, df.CSVOptions{Types: types, Allocator: e.mem})
			}
		default:
			err = fmt.Errorf("golab: want a .parquet or .csv file, got %s", path)
		}
		if err != nil {
			e.Close()
			return err
		}
		e.tables[key] = f
	}
	return nil
}

// categoricalKeys returns the string key columns of table key ("x",
// "small", "medium", "big") that the benchmark's Polars script casts to
// Categorical.
func categoricalKeys(task dbbench.Task, key string) []string {
	if task == dbbench.Groupby {
		return []string{"id1", "id2", "id3"}
	}
	switch key {
	case "small":
		return []string{"id4"}
	case "medium":
		return []string{"id4", "id5"}
	}
	return []string{"id4", "id5", "id6"}
}

// csvTypes returns the types the benchmark's Polars script reads the
// columns of the CSV file at path as (integers Int32, measures Float64,
// cats Categorical), for the columns its header names.
func csvTypes(path string, task dbbench.Task, cats []string) (map[string]arrow.DataType, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("golab: %w", err)
	}
	defer f.Close()
	header, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("golab: reading the header of %s: %w", path, err)
	}
	want := map[string]arrow.DataType{}
	ints := []string{"id4", "id5", "id6", "v1", "v2"}
	floats := []string{"v3"}
	if task == dbbench.Join {
		ints, floats = []string{"id1", "id2", "id3"}, []string{"v1", "v2"}
	}
	for _, c := range ints {
		want[c] = df.Int32
	}
	for _, c := range floats {
		want[c] = df.Float64
	}
	for _, c := range cats {
		want[c] = df.Categorical
	}
	types := map[string]arrow.DataType{}
	for _, name := range strings.Split(strings.TrimSpace(header), ",") {
		if t, ok := want[name]; ok {
			types[name] = t
		}
	}
	return types, nil
}

// Close implements dbbench.Engine.
func (e *Engine) Close() error {
	for k, f := range e.tables {
		f.Release()
		delete(e.tables, k)
	}
	return nil
}

// query returns q as a LazyFrame and the columns whose sums make its
// checksum.
func (e *Engine) query(q dbbench.Question) (*df.LazyFrame, []string, error) {
	lazy := func(key string) (*df.LazyFrame, error) {
		f, ok := e.tables[key]
		if !ok {
			return nil, fmt.Errorf("golab: table %q not loaded", key)
		}
		return f.Lazy(), nil
	}
	x, err := lazy("x")
	if err != nil {
		return nil, nil, err
	}
	col := df.Col
	if q.Task == dbbench.Groupby {
		switch q.ID {
		case "q1":
			return x.GroupBy("id1").Agg(col("v1").Sum().Alias("v1_sum")), []string{"v1_sum"}, nil
		case "q2":
			return x.GroupBy("id1", "id2").Agg(col("v1").Sum().Alias("v1_sum")), []string{"v1_sum"}, nil
		case "q3":
			return x.GroupBy("id3").Agg(col("v1").Sum().Alias("v1_sum"), col("v3").Mean().Alias("v3_mean")),
				[]string{"v1_sum", "v3_mean"}, nil
		case "q4":
			return x.GroupBy("id4").Agg(col("v1").Mean().Alias("v1_mean"), col("v2").Mean().Alias("v2_mean"), col("v3").Mean().Alias("v3_mean")),
				[]string{"v1_mean", "v2_mean", "v3_mean"}, nil
		case "q5":
			return x.GroupBy("id6").Agg(col("v1").Sum().Alias("v1_sum"), col("v2").Sum().Alias("v2_sum"), col("v3").Sum().Alias("v3_sum")),
				[]string{"v1_sum", "v2_sum", "v3_sum"}, nil
		case "q6":
			return x.GroupBy("id4", "id5").Agg(col("v3").Median().Alias("v3_median"), col("v3").Std().Alias("v3_std")),
				[]string{"v3_median", "v3_std"}, nil
		case "q7":
			return x.GroupBy("id3").Agg(col("v1").Max().Sub(col("v2").Min()).Alias("range_v1_v2")), []string{"range_v1_v2"}, nil
		case "q8":
			return x.DropNulls("v3").GroupBy("id6").Agg(col("v3").TopK(2).Alias("largest2_v3")).Explode("largest2_v3"),
				[]string{"largest2_v3"}, nil
		case "q9":
			corr := df.Corr(col("v1"), col("v2"))
			return x.GroupBy("id2", "id4").Agg(corr.Mul(corr).Alias("r2")), []string{"r2"}, nil
		case "q10":
			return x.GroupBy("id1", "id2", "id3", "id4", "id5", "id6").Agg(col("v3").Sum().Alias("v3"), col("v1").Count().Alias("count")),
				[]string{"v3", "count"}, nil
		}
		return nil, nil, fmt.Errorf("golab: unknown question %s", q.Name())
	}

	var right, key string
	how := df.Inner
	switch q.ID {
	case "q1":
		right, key = "small", "id1"
	case "q2":
		right, key = "medium", "id2"
	case "q3":
		right, key, how = "medium", "id2", df.Left
	case "q4":
		right, key = "medium", "id5"
	case "q5":
		right, key = "big", "id3"
	default:
		return nil, nil, fmt.Errorf("golab: unknown question %s", q.Name())
	}
	r, err := lazy(right)
	if err != nil {
		return nil, nil, err
	}
	return x.Join(r, df.JoinOptions{On: []string{key}, How: how, Suffix: "_right"}), []string{"v1", "v2"}, nil
}

// Run implements dbbench.Engine: collect the question's LazyFrame (optimized,
// on the executor from ctx) and sum the answer's measure columns.
func (e *Engine) Run(ctx context.Context, q dbbench.Question) (dbbench.Answer, error) {
	lf, chkCols, err := e.query(q)
	if err != nil {
		return dbbench.Answer{}, err
	}
	res, err := lf.CollectWith(ctx, df.CollectOptions{Allocator: e.mem})
	if err != nil {
		return dbbench.Answer{}, err
	}
	defer res.Release()
	a := dbbench.Answer{Rows: res.NumRows(), Cols: res.NumCols()}
	for _, name := range chkCols {
		c, err := res.Column(name)
		if err != nil {
			return a, err
		}
		s, err := Sum(c.Arrow())
		c.Release() // Column shares the data and holds a reference
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
	noNulls := a.NullN() == 0
	valid := func(i int) bool { return noNulls || a.IsValid(i) }
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
		if noNulls {
			sf = sumFloats(v.Float64Values())
			break
		}
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

// sumFloats adds xs with four independent accumulators (the additions of
// one running sum wait for each other; four overlap).
func sumFloats(xs []float64) float64 {
	var a, b, c, d float64
	i := 0
	for ; i+4 <= len(xs); i += 4 {
		a += xs[i]
		b += xs[i+1]
		c += xs[i+2]
		d += xs[i+3]
	}
	for ; i < len(xs); i++ {
		a += xs[i]
	}
	return (a + b) + (c + d)
}
