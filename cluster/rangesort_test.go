package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe"
)

// orderedRows renders a frame's rows in order, for results whose row
// order matters (a sort moves values, it does not compute them).
func orderedRows(t *testing.T, f *dataframe.Frame) []string {
	t.Helper()
	out := make([]string, f.NumRows())
	for _, name := range f.Columns() {
		s, err := f.Column(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range out {
			out[i] += fmt.Sprint(s.Value(i)) + "|"
		}
	}
	return out
}

// TestRangeSort: sorts run range-partitioned on the workers and give the
// local result row for row (the sort is stable, so ties keep their input
// order): several keys, descending, nulls first and last, string keys,
// a filter before and a head after; float keys fall back to the
// coordinator, with the same result.
func TestRangeSort(t *testing.T) {
	var last JobProgress // the final report of the last job
	c := startCluster(t, Config{Workers: 3, Partitions: 5, BroadcastRows: 100, OnProgress: func(p JobProgress) {
		if p.Finished {
			last = p
		}
	}})
	x0, _, _ := testTables(20000)
	// w: a nullable key with many values (v1 has 2% nulls).
	x, err := x0.Lazy().WithColumns(col("v1").Mul(col("id6")).Alias("w")).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		opts   dataframe.SortOptions
		ranged bool // expect the range-partitioned plan
	}{
		{"int asc", dataframe.SortOptions{By: []any{"id4"}}, true},
		{"nullable int, nulls first", dataframe.SortOptions{By: []any{"v1", "id6"}}, true},
		{"nullable int desc, nulls last", dataframe.SortOptions{By: []any{"v1", "id1"}, Descending: []bool{true, false}, NullsLast: []bool{true}}, true},
		{"nullable int with many values desc, nulls last", dataframe.SortOptions{By: []any{"w", "id1"}, Descending: []bool{true, false}, NullsLast: []bool{true, false}}, true},
		{"nullable int with many values, nulls last", dataframe.SortOptions{By: []any{"w"}, NullsLast: []bool{true}}, true},
		{"string desc then int asc then int desc", dataframe.SortOptions{By: []any{"id2", "id5", "id6"}, Descending: []bool{true, false, true}}, true},
		{"string key with many values", dataframe.SortOptions{By: []any{"id3"}}, true},
		{"float key (coordinator)", dataframe.SortOptions{By: []any{"v3", "id6"}}, false},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.ranged
			for _, lf := range []*dataframe.LazyFrame{
				x.Lazy().Sort(tc.opts),
				x.Lazy().Filter(col("v2").Gt(3)).Sort(tc.opts).Head(777),
			} {
				local, err := lf.Collect(ctx)
				if err != nil {
					t.Fatal(err)
				}
				dist, err := c.Collect(ctx, lf)
				if err != nil {
					t.Fatal(err)
				}
				// The in-memory input needs no stage of its own; a range
				// sort has two (partition, sort and gather), a coordinator
				// sort at most one (the filter).
				if ranged := last.Stage >= 2; ranged != want {
					t.Errorf("%d stages (last %q): range partitioned %v, want %v", last.Stage, last.StageName, ranged, want)
				}
				lr, dr := orderedRows(t, local), orderedRows(t, dist)
				if len(lr) != len(dr) {
					t.Fatalf("%d rows, want %d", len(dr), len(lr))
				}
				for i := range lr {
					if lr[i] != dr[i] {
						t.Fatalf("row %d: got %s, want %s", i, dr[i], lr[i])
					}
				}
			}
		})
	}
}

// TestRangeSortEmpty: a sort whose input is empty after a filter on the
// workers (nothing to sample) still answers.
func TestRangeSortEmpty(t *testing.T) {
	c := startCluster(t, Config{Workers: 2, BroadcastRows: 10})
	x, _, _ := testTables(1000)
	lf := x.Lazy().Filter(col("v2").Gt(1000)).Sort(dataframe.SortOptions{By: []any{"id1", "id4"}})
	dist, err := c.Collect(context.Background(), lf)
	if err != nil {
		t.Fatal(err)
	}
	if dist.NumRows() != 0 || len(dist.Columns()) != len(x.Columns()) {
		t.Fatalf("got %d rows and columns %v, want none and %v", dist.NumRows(), dist.Columns(), x.Columns())
	}
}

// TestRangePartition checks the split itself: bucket b holds the rows
// from boundary b-1 (inclusive) to boundary b (exclusive) in input order;
// a malformed spec is a protocol error, not a panic.
func TestRangePartition(t *testing.T) {
	f, err := dataframe.FromColumns(map[string]any{
		"k": []any{int64(5), nil, int64(1), int64(9), int64(5), nil, int64(3)},
		"s": []any{"a", "b", "c", "d", "e", "f", "g"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tb := frameTable(f)
	defer tb.Release()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		name string
		r    rangeSpec
		want string
	}{
		{"asc nulls first", rangeSpec{Keys: []string{"k"}, Desc: []bool{false}, NullsLast: []bool{false},
			Bounds: [][]rangeVal{{{I: 3}}, {{I: 5}}}}, "[bcf] [g] [ade]"},
		{"desc nulls last", rangeSpec{Keys: []string{"k"}, Desc: []bool{true}, NullsLast: []bool{true},
			Bounds: [][]rangeVal{{{I: 5}}, {{Null: true}}}}, "[d] [aceg] [bf]"},
		{"two keys", rangeSpec{Keys: []string{"k", "s"}, Desc: []bool{false, true}, NullsLast: []bool{true, false},
			Bounds: [][]rangeVal{{{I: 5}, {S: "b"}}}}, "[ceg] [abdf]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := rangePartition(context.Background(), mem, tb, &tc.r)
			if err != nil {
				t.Fatal(err)
			}
			defer releaseTables(out)
			var got []string
			for _, o := range out {
				var b strings.Builder
				s := o.Col("s").(*array.String)
				for i := range s.Len() {
					b.WriteString(s.Value(i))
				}
				got = append(got, "["+b.String()+"]")
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Fatalf("got %s, want %s", g, tc.want)
			}
		})
	}
	bad := &rangeSpec{Keys: []string{"k"}, Desc: []bool{false}, NullsLast: []bool{false}, Bounds: [][]rangeVal{{}}}
	if _, err := rangePartition(context.Background(), mem, tb, bad); !errors.Is(err, ErrProtocol) {
		t.Fatalf("malformed spec: got %v, want ErrProtocol", err)
	}
}

// TestPartitionsFor: the default (2 per worker) until a task's share
// passes an eighth of the smallest limit, then a multiple of the
// workers, at most maxPartitions; no limit, no change.
func TestPartitionsFor(t *testing.T) {
	mk := func(limits ...int64) *job {
		c := &Cluster{}
		for _, l := range limits {
			c.mu.workers = append(c.mu.workers, &workerState{c: &workerClient{info: workerInfo{Limit: l}}})
		}
		return &job{c: c}
	}
	const mib = 1 << 20
	cases := []struct {
		j     *job
		bytes int64
		want  int
	}{
		{mk(64*mib, 64*mib), 10 * mib, 4},
		{mk(64*mib, 64*mib), 32 * mib, 4},
		{mk(64*mib, 64*mib), 33 * mib, 6},
		{mk(64*mib, 32*mib, 64*mib), 100 * mib, 27},
		{mk(64*mib, 0), 100 << 30, 4},
		{mk(8*mib, 8*mib), 100 << 30, maxPartitions},
	}
	for i, tc := range cases {
		if got := tc.j.partitionsFor(tc.bytes); got != tc.want {
			t.Errorf("case %d: %d partitions, want %d", i, got, tc.want)
		}
	}
}
