package dataframe_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/golab-dev/golab/dataframe"
)

func ExampleFrame_WriteParquetDir() {
	dir, _ := os.MkdirTemp("", "sales")
	defer os.RemoveAll(dir)
	sales, _ := dataframe.FromColumns(map[string]any{
		"region": []string{"eu", "us", "eu"},
		"month":  []int64{1, 1, 2},
		"amount": []float64{10, 20, 30},
	})
	out := filepath.Join(dir, "sales")
	if err := sales.WriteParquetDir(out, dataframe.ParquetDirOptions{PartitionBy: []string{"region", "month"}}); err != nil {
		panic(err)
	}
	eu, err := dataframe.ScanDir(out, dataframe.DirOptions{}).
		Filter(dataframe.Col("region").Eq("eu")).
		SortBy("month").
		Collect(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(eu.Columns(), eu.NumRows())
	// Output: [amount region month] 2
}

func ExampleReadCSVContext() {
	dir, _ := os.MkdirTemp("", "csv")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "weather.csv")
	os.WriteFile(path, []byte("city,temp\nOslo,-3.5\n\"Rio, RJ\",31\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	df, err := dataframe.ReadCSVContext(ctx, path, dataframe.CSVOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(df.Schema().Field(1).Type, df.NumRows())
	v, _ := df.Value(1, "city")
	fmt.Println(v)
	// Output:
	// float64 2
	// Rio, RJ
}
