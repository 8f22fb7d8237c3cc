package dataframe_test

import (
	"context"
	"fmt"

	"github.com/golab-dev/golab/dataframe"
)

func sample() *dataframe.Frame {
	df, err := dataframe.FromColumns(map[string]any{
		"id1": []string{"a", "b", "a", "c", "b", "a"},
		"v1":  []int64{1, 2, 3, 4, 5, 6},
		"v3":  []float64{0.5, 1.5, 2.5, 3.5, 4.5, 5.5},
	})
	if err != nil {
		panic(err)
	}
	return df
}

func ExampleLazyFrame_Collect() {
	df := sample()
	out, err := df.Lazy().
		Filter(dataframe.Col("v1").Gt(dataframe.Lit(1))).
		GroupBy("id1").
		Agg(dataframe.Col("v1").Sum().Alias("v1"), dataframe.Col("v3").Mean().Alias("v3")).
		SortBy("id1").
		Collect(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(out)
	// Output:
	// shape: (3, 3)
	// +-----+-----+-----+
	// | id1 | v1  | v3  |
	// | str | i64 | f64 |
	// +=====+=====+=====+
	// | "a" | 9   | 4.0 |
	// | "b" | 7   | 3.0 |
	// | "c" | 4   | 3.5 |
	// +-----+-----+-----+
}

func ExampleFrame_Join() {
	left := sample()
	right, _ := dataframe.FromColumns(map[string]any{"id1": []string{"a", "c"}, "name": []string{"alpha", "gamma"}})
	out, err := left.Join(right, dataframe.JoinOptions{On: []string{"id1"}, How: dataframe.Inner})
	if err != nil {
		panic(err)
	}
	fmt.Println(out.NumRows(), out.Columns())
	// Output: 4 [id1 v1 v3 name]
}

func ExampleFrame_Sort() {
	out, _ := sample().Sort(dataframe.SortOptions{By: []any{"id1", "v1"}, Descending: []bool{false, true}})
	c, _ := out.Column("v1")
	fmt.Println(c.Values())
	// Output: [6 3 1 5 2 4]
}

func ExampleLazyFrame_Explain() {
	plan, _ := sample().Lazy().
		Filter(dataframe.Col("v1").Gt(2)).
		Select("id1", "v1").
		Explain(true)
	fmt.Print(plan)
	// Output:
	// SELECT [col("id1"), col("v1")]
	//   SCAN memory frame (6 rows) PROJECT [id1, v1] SELECTION [(col("v1")) > (2)]
}

func ExampleReadCSVBytes() {
	df, err := dataframe.ReadCSVBytes("inline.csv", []byte("id,score\nx,1.5\ny,\n"), dataframe.CSVOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(df.Schema().Field(1).Type, df.NumRows())
	v, _ := df.Value(1, "score")
	fmt.Println(v)
	// Output:
	// float64 2
	// <nil>
}

func ExampleExpr_Over() {
	out, _ := sample().WithColumns(
		dataframe.Col("v1").Sum().Over("id1").Alias("total"),
		dataframe.Col("v1").CumSum().Over("id1").Alias("running"),
	)
	t, _ := out.Column("total")
	r, _ := out.Column("running")
	fmt.Println(t.Values(), r.Values())
	// Output: [10 7 10 4 7 10] [1 2 4 4 7 10]
}

func ExampleFrame_ValueCounts() {
	out, _ := sample().ValueCounts("id1")
	fmt.Println(out.ColumnAt(0).Values(), out.ColumnAt(1).Values())
	// Output: [a b c] [3 2 1]
}

func ExampleFrame_Pivot() {
	df, _ := dataframe.FromColumns(map[string]any{
		"city":  []string{"x", "x", "y"},
		"year":  []int64{2023, 2024, 2024},
		"sales": []float64{1, 2, 3},
	})
	out, err := df.Pivot([]string{"city"}, "year", "sales", "sum")
	if err != nil {
		panic(err)
	}
	fmt.Println(out.Columns(), out.ColumnAt(1).Values(), out.ColumnAt(2).Values())
	// Output: [city 2023 2024] [1 <nil>] [2 3]
}

func ExampleFrame_Melt() {
	df, _ := dataframe.FromColumns(map[string]any{"id": []string{"a", "b"}, "x": []int64{1, 2}, "y": []int64{3, 4}})
	out, _ := df.Melt([]string{"id"}, []string{"x", "y"})
	fmt.Println(out.Columns(), out.NumRows())
	v, _ := out.Column("value")
	fmt.Println(v.Values())
	// Output:
	// [id variable value] 4
	// [1 2 3 4]
}

func ExampleFrame_Describe() {
	df, _ := dataframe.FromColumns(map[string]any{"x": []float64{1, 2, 3, 4}})
	out, _ := df.Describe()
	fmt.Println(out.ColumnAt(0).Values())
	fmt.Println(out.ColumnAt(1).Values())
	// Output:
	// [count null_count mean std min 25% 50% 75% max]
	// [4 0 2.5 1.2909944487358056 1 1.75 2.5 3.25 4]
}

func ExampleFrame_MIMEBundle() {
	b := sample().Head(2).MIMEBundle()
	fmt.Println(len(b["text/html"].(string)) > 0)
	fmt.Println(b["text/plain"])
	// Output:
	// true
	// shape: (2, 3)
	// +-----+-----+-----+
	// | id1 | v1  | v3  |
	// | str | i64 | f64 |
	// +=====+=====+=====+
	// | "a" | 1   | 0.5 |
	// | "b" | 2   | 1.5 |
	// +-----+-----+-----+
}

func ExampleExpr_Str() {
	df, _ := dataframe.FromColumns(map[string]any{"s": []string{"Apple", "banana", "apricot"}})
	out, _ := df.Select(
		dataframe.Col("s").Str().StartsWith("a").Alias("a"),
		dataframe.Col("s").Str().Upper().Alias("up"),
		dataframe.Col("s").Str().Len().Alias("n"),
	)
	for _, c := range out.Columns() {
		s, _ := out.Column(c)
		fmt.Println(c, s.Values())
	}
	// Output:
	// a [false false true]
	// up [APPLE BANANA APRICOT]
	// n [5 6 7]
}
