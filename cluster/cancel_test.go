package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/golab-dev/golab/dataframe"
)

// bigFrame is n rows of an int64 key with k distinct values and two
// float64 values, built without boxing (fast enough for millions of rows).
func bigFrame(t testing.TB, n, k int) *dataframe.Frame {
	r := rand.New(rand.NewPCG(3, 5))
	keys, a, b := make([]int64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		keys[i] = int64(r.IntN(k))
		a[i] = r.Float64()
		b[i] = float64(r.IntN(1000))
	}
	f, err := dataframe.New(dataframe.NewInt64Series("k", keys), dataframe.NewFloat64Series("a", a), dataframe.NewFloat64Series("b", b))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// workersBusy returns the number of tasks the workers themselves report
// running (not the coordinator's count, which drops as soon as the
// coordinator gives up on an attempt).
func workersBusy(c *Cluster) int {
	busy := 0
	for _, s := range c.Status(context.Background()) {
		busy += s.RunningOnWorker
	}
	return busy
}

// TestCancelQuery cancels query jobs at several points (tasks running on
// the workers in each stage, the coordinator sorting gathered rows):
// Collect returns context.Canceled within a second, and within a second
// no worker runs a task any more.
func TestCancelQuery(t *testing.T) {
	c := startCluster(t, Config{Workers: 3, MemoryPerWorker: "1GiB", Partitions: 6, BroadcastRows: 10})
	x := bigFrame(t, 3_000_000, 1_000_000)
	y := bigFrame(t, 1_000_000, 1_000_000)
	// when says where to cancel: given the job's progress and the number
	// of tasks the workers run, is this the point?
	type point struct {
		name string
		when func(p JobProgress, busy int, running time.Duration) bool
	}
	stage := func(n int) point {
		return point{fmt.Sprintf("tasks running in stage %d", n), func(p JobProgress, busy int, _ time.Duration) bool { return p.Stage >= n && busy > 0 }}
	}
	// An in-memory frame that only needs sorting never leaves the
	// coordinator (no stage runs); cancel while it sorts.
	coordinator := point{"coordinator sorting", func(p JobProgress, busy int, running time.Duration) bool {
		return running > 500*time.Millisecond && p.Stage == 0
	}}
	cases := []struct {
		name   string
		lf     *dataframe.LazyFrame
		points []point
	}{
		// Rows are shuffled by key (median is not decomposable), then
		// every bucket aggregates ~1/6 of a million groups.
		{"median by key", x.Lazy().GroupBy("k").Agg(col("a").Median().Alias("med"), col("b").NUnique().Alias("nu"), col("a").Std().Alias("sd")), []point{stage(1), stage(2)}},
		// Both sides shuffled by key, joined per bucket, partial sums.
		{"shuffle join then sum", x.Lazy().Join(y.Lazy(), dataframe.JoinOptions{On: []string{"k"}}).GroupBy("k").Agg(col("a").Sum(), col("b_right").Sum()), []point{stage(1), stage(3)}},
		// Split by range on the workers, each range sorted on a worker.
		{"range sort", x.Lazy().Sort(dataframe.SortOptions{By: []any{"k"}, Descending: []bool{true}}), []point{stage(1), stage(2)}},
		// Gathered on the coordinator (float key), which sorts 3M rows.
		{"sort on the coordinator", x.Lazy().Sort(dataframe.SortOptions{By: []any{"a", "k"}}), []point{coordinator}},
	}
	for _, tc := range cases {
		if err := tc.lf.Err(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, pt := range tc.points {
			cancelAt(t, c, tc.name+", "+pt.name, tc.lf, pt.when)
		}
	}
}

// cancelAt runs lf on c, cancels it once when reports true, and checks
// that Collect returns context.Canceled and the workers stop their tasks
// within a second.
func cancelAt(t *testing.T, c *Cluster, name string, lf *dataframe.LazyFrame, when func(p JobProgress, busy int, running time.Duration) bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		_, err := c.Collect(ctx, lf)
		done <- result{err, time.Now()}
	}()
	begin := time.Now()
	deadline := begin.Add(60 * time.Second)
	var where string
	for {
		if p := jobProgress(c); when(p, workersBusy(c), time.Since(begin)) {
			where = fmt.Sprintf("stage %d (%s) %d/%d", p.Stage, p.StageName, p.StageDone, p.StageTasks)
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("%s: the cancel point did not come within 60 s", name)
		}
		select {
		case r := <-done:
			t.Fatalf("%s: the job ended (%v) before the cancel point; make it bigger", name, r.err)
		case <-time.After(2 * time.Millisecond):
		}
	}
	start := time.Now()
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Collect did not return within 10 s of the cancel", name)
	}
	if r.err == nil {
		t.Logf("%s: the job finished before the cancel took effect", name)
		return
	}
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("%s: got %v, want context.Canceled", name, r.err)
	}
	returned := r.at.Sub(start)
	for workersBusy(c) > 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: workers still run %d tasks 5 s after the cancel", name, workersBusy(c))
		}
		time.Sleep(2 * time.Millisecond)
	}
	idle := time.Since(start)
	t.Logf("%s: cancelled in %s: Collect returned after %v, workers idle after %v", name, where, returned.Round(time.Millisecond), idle.Round(time.Millisecond))
	if returned > time.Second {
		t.Errorf("%s: Collect returned %v after the cancel, want <= 1 s", name, returned)
	}
	if idle > time.Second {
		t.Errorf("%s: workers idle %v after the cancel, want <= 1 s", name, idle)
	}
}

// jobProgress is the progress of the (one) running job (zero before
// its first stage).
func jobProgress(c *Cluster) JobProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.mu.running {
		return p
	}
	return JobProgress{}
}
