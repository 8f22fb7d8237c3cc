package cluster_test

import (
	"context"
	"fmt"

	"github.com/golab-dev/golab/cluster"
	"github.com/golab-dev/golab/dataframe"
)

// Start a small dedicated cluster and run a group-by on it. (The example
// needs the golab binary: the tests build it and set $GOLAB_BIN.)
func ExampleStart() {
	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Config{Workers: 2, MemoryPerWorker: "256MiB", CoresPerWorker: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	df, _ := dataframe.FromColumns(map[string]any{"k": []string{"a", "b", "a", "c"}, "v": []int64{1, 2, 3, 4}})
	out, err := c.Collect(ctx, df.Lazy().GroupBy("k").Agg(dataframe.Col("v").Sum()).SortBy("k"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)
	// Output:
	// shape: (3, 2)
	// +-----+-----+
	// | k   | v   |
	// | str | i64 |
	// +=====+=====+
	// | "a" | 4   |
	// | "b" | 2   |
	// | "c" | 4   |
	// +-----+-----+
}

// Follow a job's progress with Config.OnProgress (in a notebook, a job
// shows a progress bar without it). The last report has Finished set.
func ExampleConfig_onProgress() {
	ctx := context.Background()
	var last cluster.JobProgress
	c, err := cluster.Start(ctx, cluster.Config{Workers: 2, MemoryPerWorker: "256MiB",
		OnProgress: func(p cluster.JobProgress) { last = p }})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	df, _ := dataframe.FromColumns(map[string]any{"k": []string{"a", "b", "a", "c"}, "v": []int64{1, 2, 3, 4}})
	if _, err := c.Collect(ctx, df.Lazy().GroupBy("k").Agg(dataframe.Col("v").Sum())); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(last.Finished, last.Err, last.TasksDone == last.Tasks, last.Stage >= 2)
	// Output:
	// true <nil> true true
}
