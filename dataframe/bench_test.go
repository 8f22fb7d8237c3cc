package dataframe

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// genGroupBy builds a frame shaped like db-benchmark's G1_<n>_1e2_0_0
// (same columns, cardinalities and value ranges; not the same RNG).
func genGroupBy(n, k int, seed uint64) *Frame {
	r := rand.New(rand.NewPCG(seed, 1))
	id1 := make([]string, n)
	id2 := make([]string, n)
	id3 := make([]string, n)
	id4 := make([]int64, n)
	id5 := make([]int64, n)
	id6 := make([]int64, n)
	v1 := make([]int64, n)
	v2 := make([]int64, n)
	v3 := make([]float64, n)
	k3 := max(1, n/k)
	s100 := make([]string, k)
	for i := range s100 {
		s100[i] = fmt.Sprintf("id%03d", i+1)
	}
	s3 := make([]string, k3)
	for i := range s3 {
		s3[i] = fmt.Sprintf("id%010d", i+1)
	}
	for i := 0; i < n; i++ {
		id1[i] = s100[r.IntN(k)]
		id2[i] = s100[r.IntN(k)]
		id3[i] = s3[r.IntN(k3)]
		id4[i] = int64(r.IntN(k) + 1)
		id5[i] = int64(r.IntN(k) + 1)
		id6[i] = int64(r.IntN(k3) + 1)
		v1[i] = int64(r.IntN(5) + 1)
		v2[i] = int64(r.IntN(15) + 1)
		v3[i] = math.Round(r.Float64()*100*1e6) / 1e6
	}
	f, err := New(NewStringSeries("id1", id1), NewStringSeries("id2", id2), NewStringSeries("id3", id3),
		NewInt64Series("id4", id4), NewInt64Series("id5", id5), NewInt64Series("id6", id6),
		NewInt64Series("v1", v1), NewInt64Series("v2", v2), NewFloat64Series("v3", v3))
	if err != nil {
		panic(err)
	}
	return f
}

// groupByQueries are db-benchmark's group-by questions q1..q10.
func groupByQueries(x *LazyFrame) []*LazyFrame {
	return []*LazyFrame{
		x.GroupBy("id1").Agg(Col("v1").Sum().Alias("v1")),
		x.GroupBy("id1", "id2").Agg(Col("v1").Sum().Alias("v1")),
		x.GroupBy("id3").Agg(Col("v1").Sum().Alias("v1"), Col("v3").Mean().Alias("v3")),
		x.GroupBy("id4").Agg(Col("v1").Mean().Alias("v1"), Col("v2").Mean().Alias("v2"), Col("v3").Mean().Alias("v3")),
		x.GroupBy("id6").Agg(Col("v1").Sum().Alias("v1"), Col("v2").Sum().Alias("v2"), Col("v3").Sum().Alias("v3")),
		x.GroupBy("id4", "id5").Agg(Col("v3").Median().Alias("median_v3"), Col("v3").Std().Alias("sd_v3")),
		x.GroupBy("id3").Agg(Col("v1").Max().Sub(Col("v2").Min()).Alias("range_v1_v2")),
		x.DropNulls("v3").GroupBy("id6").Agg(Col("v3").TopK(2).Alias("largest2_v3")).Explode("largest2_v3"),
		x.GroupBy("id2", "id4").Agg(Corr(Col("v1"), Col("v2")).Mul(Corr(Col("v1"), Col("v2"))).Alias("r2")),
		x.GroupBy("id1", "id2", "id3", "id4", "id5", "id6").Agg(Col("v3").Sum().Alias("v3"), Col("v1").Count().Alias("count")),
	}
}

func benchRows() int {
	if s := os.Getenv("DF_BENCH_ROWS"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return 1_000_000
}

func BenchmarkGroupBy(b *testing.B) {
	n := benchRows()
	x := genGroupBy(n, 100, 42)
	if os.Getenv("DF_BENCH_CAT") != "" {
		c, err := x.WithColumns(Col("id1").Cast(Categorical), Col("id2").Cast(Categorical), Col("id3").Cast(Categorical))
		if err != nil {
			b.Fatal(err)
		}
		x = c
	}
	defer x.Release()
	for qi, q := range groupByQueries(x.Lazy()) {
		b.Run(fmt.Sprintf("q%d", qi+1), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				out, err := q.Collect(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func TestDBBenchTiming(t *testing.T) {
	if os.Getenv("DF_BENCH_ROWS") == "" {
		t.Skip("set DF_BENCH_ROWS to time the db-benchmark shaped queries")
	}
	n := benchRows()
	t0 := time.Now()
	x := genGroupBy(n, 100, 42)
	defer x.Release()
	t.Logf("generate %d rows: %v", n, time.Since(t0))
	if os.Getenv("DF_BENCH_CAT") != "" {
		t0 = time.Now()
		c, err := x.WithColumns(Col("id1").Cast(Categorical), Col("id2").Cast(Categorical), Col("id3").Cast(Categorical))
		if err != nil {
			t.Fatal(err)
		}
		x.Release()
		x = c
		t.Logf("categorical: %v", time.Since(t0))
	}
	total := time.Duration(0)
	only := os.Getenv("DF_BENCH_Q")
	var totalCPU time.Duration
	for qi, q := range groupByQueries(x.Lazy()) {
		if only != "" && only != strconv.Itoa(qi+1) {
			continue
		}
		for run := 0; run < 2; run++ {
			t0, c0 := time.Now(), cpuTime()
			out, err := q.Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			d := time.Since(t0)
			if run == 1 {
				total += d
				totalCPU += cpuTime() - c0
			}
			t.Logf("q%d run %d: wall %v cpu %v -> %dx%d", qi+1, run+1, d.Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond), out.NumRows(), out.NumCols())
			out.Release()
		}
	}
	t.Logf("group-by total (second runs): wall %v cpu %v", total, totalCPU)
}

// genJoin builds db-benchmark J1-shaped tables: x (n rows) and small
// (n/1e6), medium (n/1e3), big (n) right tables keyed by id1/id2/id3 (int)
// and id4/id5/id6 (their "id"+number strings).
func genJoin(n int, seed uint64) (x, small, medium, big *Frame) {
	r := rand.New(rand.NewPCG(seed, 2))
	mk := func(rows int, nKeys int, keyRange [3]int, withAll bool) *Frame {
		ids := make([][]int64, 3)
		strs := make([][]string, 3)
		for k := 0; k < 3; k++ {
			ids[k] = make([]int64, rows)
			strs[k] = make([]string, rows)
		}
		v := make([]float64, rows)
		for i := 0; i < rows; i++ {
			for k := 0; k < 3; k++ {
				val := int64(r.IntN(keyRange[k]) + 1)
				ids[k][i] = val
				strs[k][i] = "id" + strconv.FormatInt(val, 10)
			}
			v[i] = math.Round(r.Float64()*100*1e6) / 1e6
		}
		var ss []*Series
		for k := 0; k < nKeys; k++ {
			ss = append(ss, NewInt64Series(fmt.Sprintf("id%d", k+1), ids[k]))
		}
		for k := 0; k < nKeys; k++ {
			ss = append(ss, NewStringSeries(fmt.Sprintf("id%d", k+4), strs[k]))
		}
		name := "v2"
		if withAll {
			name = "v1"
		}
		ss = append(ss, NewFloat64Series(name, v))
		f, err := New(ss...)
		if err != nil {
			panic(err)
		}
		return f
	}
	x = mk(n, 3, [3]int{max(1, n/1_000_000), max(1, n/1000), n}, true)
	small = mk(max(1, n/1_000_000), 1, [3]int{max(1, n/1_000_000), 1, 1}, false)
	medium = mk(max(1, n/1000), 2, [3]int{max(1, n/1_000_000), max(1, n/1000), 1}, false)
	big = mk(n, 3, [3]int{max(1, n/1_000_000), max(1, n/1000), n}, false)
	return
}

func joinQueries(x, small, medium, big *Frame) []*LazyFrame {
	return []*LazyFrame{
		x.Lazy().Join(small.Lazy(), JoinOptions{On: []string{"id1"}}),
		x.Lazy().Join(medium.Lazy(), JoinOptions{On: []string{"id2"}}),
		x.Lazy().Join(medium.Lazy(), JoinOptions{On: []string{"id2"}, How: Left}),
		x.Lazy().Join(medium.Lazy(), JoinOptions{On: []string{"id5"}}),
		x.Lazy().Join(big.Lazy(), JoinOptions{On: []string{"id3"}}),
	}
}

func TestDBBenchJoinTiming(t *testing.T) {
	if os.Getenv("DF_BENCH_ROWS") == "" {
		t.Skip("set DF_BENCH_ROWS to time the db-benchmark shaped joins")
	}
	n := benchRows()
	x, small, medium, big := genJoin(n, 7)
	if os.Getenv("DF_BENCH_CAT") != "" {
		cat := func(f *Frame) *Frame {
			var es []Expr
			for _, c := range []string{"id4", "id5", "id6"} {
				if len(f.Schema().FieldIndices(c)) > 0 {
					es = append(es, Col(c).Cast(Categorical))
				}
			}
			out, err := f.WithColumns(es...)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		x, small, medium, big = cat(x), cat(small), cat(medium), cat(big)
	}
	total, totalCPU := time.Duration(0), time.Duration(0)
	for qi, q := range joinQueries(x, small, medium, big) {
		for run := 0; run < 2; run++ {
			t0, c0 := time.Now(), cpuTime()
			out, err := q.Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			d := time.Since(t0)
			if run == 1 {
				total += d
				totalCPU += cpuTime() - c0
			}
			t.Logf("join q%d run %d: wall %v cpu %v -> %dx%d", qi+1, run+1, d.Round(time.Millisecond), (cpuTime() - c0).Round(time.Millisecond), out.NumRows(), out.NumCols())
			out.Release()
		}
	}
	t.Logf("join total (second runs): wall %v cpu %v", total, totalCPU)
}

func BenchmarkJoin(b *testing.B) {
	n := benchRows()
	x, small, medium, big := genJoin(n, 7)
	for qi, q := range joinQueries(x, small, medium, big) {
		b.Run(fmt.Sprintf("q%d", qi+1), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				out, err := q.Collect(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkReadCSV(b *testing.B) {
	n := benchRows()
	x := genGroupBy(n, 100, 3)
	path := b.TempDir() + "/g1.csv"
	raw, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	fh := bufio.NewWriterSize(raw, 1<<20)
	cols := make([]*Series, x.NumCols())
	for i := range cols {
		cols[i] = x.ColumnAt(i)
	}
	fmt.Fprintln(fh, "id1,id2,id3,id4,id5,id6,v1,v2,v3")
	for r := 0; r < n; r++ {
		for i, c := range cols {
			if i > 0 {
				fh.WriteString(",")
			}
			fmt.Fprint(fh, c.Value(r))
		}
		fh.WriteString("\n")
	}
	fh.Flush()
	raw.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := ReadCSV(path, CSVOptions{})
		if err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// cpuTime is the process's user+system CPU time (a load-independent
// measure on a shared machine).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
