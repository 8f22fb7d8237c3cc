package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// genFrame builds the db-benchmark group-by table shape (id1..id6, v1..v3)
// with n rows, k groups per key and a fixed seed.
func genFrame(n, k int, seed uint64) *dataframe.Frame {
	r := rand.New(rand.NewPCG(seed, 1))
	id1, id2, id3 := make([]any, n), make([]any, n), make([]any, n)
	id4, id5, id6 := make([]any, n), make([]any, n), make([]any, n)
	v1, v2, v3 := make([]any, n), make([]any, n), make([]any, n)
	for i := range n {
		id1[i] = fmt.Sprintf("id%03d", r.IntN(k))
		id2[i] = fmt.Sprintf("id%03d", r.IntN(k))
		id3[i] = fmt.Sprintf("id%010d", r.IntN(n/k+1))
		id4[i] = int64(r.IntN(k))
		id5[i] = int64(r.IntN(k))
		id6[i] = int64(r.IntN(n/k + 1))
		if r.IntN(50) == 0 {
			v1[i] = nil // a few nulls
		} else {
			v1[i] = int64(r.IntN(5) + 1)
		}
		v2[i] = int64(r.IntN(15) + 1)
		v3[i] = float64(r.IntN(10000)) / 100
	}
	f, err := dataframe.FromColumns(map[string]any{"id1": id1, "id2": id2, "id3": id3, "id4": id4, "id5": id5, "id6": id6, "v1": v1, "v2": v2, "v3": v3})
	if err != nil {
		panic(err)
	}
	return f
}

// rows renders a frame as sorted lines, floats with 9 significant digits
// (partial sums add in another order than a local run).
func rows(t *testing.T, f *dataframe.Frame) []string {
	t.Helper()
	out := make([]string, f.NumRows())
	cols := f.Columns()
	for i := range out {
		parts := make([]string, len(cols))
		for k, c := range cols {
			v, err := f.Value(i, c)
			if err != nil {
				t.Fatal(err)
			}
			if x, ok := v.(float64); ok {
				v = fmt.Sprintf("%.9g", x)
			}
			parts[k] = fmt.Sprintf("%s=%v", c, v)
		}
		out[i] = strings.Join(parts, " ")
	}
	sort.Strings(out)
	return out
}

func diffRows(t *testing.T, name string, local, dist *dataframe.Frame) {
	t.Helper()
	if !sameSchema(local.Schema(), dist.Schema()) {
		t.Errorf("%s: schema\n got %v\nwant %v", name, dist.Schema(), local.Schema())
	}
	a, b := rows(t, local), rows(t, dist)
	if len(a) != len(b) {
		t.Errorf("%s: %d rows on the cluster, %d locally", name, len(b), len(a))
		return
	}
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("%s: row %d\n got %s\nwant %s", name, i, b[i], a[i])
			return
		}
	}
}

func sameSchema(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		if a.Field(i).Name != b.Field(i).Name || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

type query struct {
	name string
	lf   func(x, small, big *dataframe.LazyFrame) *dataframe.LazyFrame
}

var col = dataframe.Col

// queries are the db-benchmark group-by and join questions plus the other
// plan shapes the executor distributes or runs on the coordinator.
var queries = []query{
	{"groupby q1 sum v1 by id1", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id1").Agg(col("v1").Sum().Alias("v1"))
	}},
	{"groupby q2 sum v1 by id1:id2", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id1", "id2").Agg(col("v1").Sum().Alias("v1"))
	}},
	{"groupby q3 sum v1 mean v3 by id3", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id3").Agg(col("v1").Sum().Alias("v1"), col("v3").Mean().Alias("v3"))
	}},
	{"groupby q4 mean v1:v3 by id4", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id4").Agg(col("v1").Mean(), col("v2").Mean(), col("v3").Mean())
	}},
	{"groupby q5 sum v1:v3 by id6", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id6").Agg(col("v1").Sum(), col("v2").Sum(), col("v3").Sum())
	}},
	{"groupby q6 median sd v3 by id4 id5", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id4", "id5").Agg(col("v3").Median().Alias("median_v3"), col("v3").Std().Alias("sd_v3"))
	}},
	{"groupby q7 max v1 - min v2 by id3", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id3").Agg(col("v1").Max().Sub(col("v2").Min()).Alias("range_v1_v2"))
	}},
	{"groupby q8 top 2 v3 by id6", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Filter(col("v3").IsNotNull()).GroupBy("id6").Agg(col("v3").TopK(2).Alias("largest2_v3")).Explode("largest2_v3")
	}},
	{"groupby q9 corr^2 by id2 id4", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id2", "id4").Agg(dataframe.Corr(col("v1"), col("v2")).Mul(dataframe.Corr(col("v1"), col("v2"))).Alias("r2"))
	}},
	{"groupby q10 sum count by id1:id6", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id1", "id2", "id3", "id4", "id5", "id6").Agg(col("v3").Sum().Alias("v3"), col("v1").Count().Alias("count"))
	}},
	{"groupby count len first n_unique", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("id2").Agg(col("v1").Count(), dataframe.Len(), col("v2").First().Alias("first"), col("id3").NUnique().Alias("nu"))
	}},
	{"global aggregate", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Select(col("v1").Sum(), col("v3").Mean().Alias("m"), dataframe.Len())
	}},
	{"filter project sort head", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Filter(col("v2").Gt(7)).WithColumns(col("v3").Mul(2).Alias("v3x2")).Select("id1", "id4", "v3x2").
			Sort(dataframe.SortOptions{By: []any{"v3x2", "id1", "id4"}}).Head(50)
	}},
	{"join q1 inner small (broadcast)", func(x, small, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Join(small, dataframe.JoinOptions{On: []string{"id4"}})
	}},
	{"join q2 inner big (shuffle)", func(x, _, big *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Join(big, dataframe.JoinOptions{On: []string{"id6"}})
	}},
	{"join q3 left big (shuffle)", func(x, _, big *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Join(big, dataframe.JoinOptions{On: []string{"id6"}, How: dataframe.Left})
	}},
	{"join full on string key", func(x, _, big *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Join(big, dataframe.JoinOptions{LeftOn: []string{"id3"}, RightOn: []string{"key3"}, How: dataframe.Full})
	}},
	{"join semi anti then group", func(x, small, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		s := x.Join(small.Filter(col("id4").Lt(5)), dataframe.JoinOptions{On: []string{"id4"}, How: dataframe.Semi})
		a := x.Join(small.Filter(col("id4").Lt(5)), dataframe.JoinOptions{On: []string{"id4"}, How: dataframe.Anti})
		return dataframe.Concat(s, a).GroupBy("id4").Agg(dataframe.Len())
	}},
	{"right join small left (broadcast left)", func(x, small, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return small.Join(x, dataframe.JoinOptions{On: []string{"id4"}, How: dataframe.Right})
	}},
	{"group by nullable key", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.GroupBy("v1").Agg(dataframe.Len(), col("v3").Median().Alias("med"))
	}},
	{"left join on nullable key (shuffle)", func(x, _, big *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Join(big, dataframe.JoinOptions{LeftOn: []string{"v1"}, RightOn: []string{"id6"}, How: dataframe.Left})
	}},
	{"empty filter then group and join", func(x, small, big *dataframe.LazyFrame) *dataframe.LazyFrame {
		e := x.Filter(col("v2").Gt(1000))
		return e.Join(big, dataframe.JoinOptions{On: []string{"id6"}}).GroupBy("id1").Agg(col("v1").Sum(), col("v3").Median())
	}},
	{"unique", func(x, _, _ *dataframe.LazyFrame) *dataframe.LazyFrame {
		return x.Select("id1", "id4").Unique()
	}},
}

func testTables(n int) (x, small, big *dataframe.Frame) {
	x = genFrame(n, 10, 42)
	r := rand.New(rand.NewPCG(7, 7))
	var sk, sv []any
	for i := range 10 {
		sk = append(sk, int64(i))
		sv = append(sv, fmt.Sprintf("small%d", r.IntN(100)))
	}
	small, _ = dataframe.FromColumns(map[string]any{"id4": sk, "name": sv})
	var bk, bs, bv []any
	for i := range n / 10 {
		bk = append(bk, int64(i))
		bs = append(bs, fmt.Sprintf("id%010d", i))
		bv = append(bv, float64(r.IntN(1000))/10)
	}
	big, _ = dataframe.FromColumns(map[string]any{"id6": bk, "key3": bs, "v3": bv})
	return
}

// TestDifferential runs every query locally and on a 3-worker cluster
// and compares the sorted results.
func TestDifferential(t *testing.T) {
	c := startCluster(t, Config{Workers: 3, MemoryPerWorker: "512MiB", BroadcastRows: 100})
	x, small, big := testTables(5000)
	ctx := context.Background()
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			lf := q.lf(x.Lazy(), small.Lazy(), big.Lazy())
			if lf.Err() != nil {
				t.Skipf("query does not build here: %v", lf.Err())
			}
			local, err := lf.Collect(ctx)
			if err != nil {
				t.Fatalf("local: %v", err)
			}
			dist, err := c.Collect(ctx, lf)
			if err != nil {
				t.Fatalf("cluster: %v", err)
			}
			diffRows(t, q.name, local, dist)
			// Unoptimized plans (scans without pushdown) too.
			local2, err1 := lf.CollectWith(ctx, dataframe.CollectOptions{NoOptimize: true})
			dist2, err2 := lf.CollectWith(Context(ctx, c), dataframe.CollectOptions{NoOptimize: true})
			if err1 != nil || err2 != nil {
				t.Fatalf("no-optimize: local %v, cluster %v", err1, err2)
			}
			diffRows(t, q.name+" (not optimized)", local2, dist2)
		})
	}
}

// TestPlanErrorsKeepSentinels checks that an error found at run time on a
// worker carries the same dataframe sentinel as the local error.
func TestPlanErrorsKeepSentinels(t *testing.T) {
	c := startCluster(t, Config{Workers: 1})
	x, _, _ := testTables(100)
	lf := x.Lazy().Select(col("id1").Cast(arrow.PrimitiveTypes.Int64))
	_, lerr := lf.Collect(context.Background())
	_, err := c.Collect(context.Background(), lf)
	if (err == nil) != (lerr == nil) {
		t.Fatalf("cluster error %v, local error %v", err, lerr)
	}
	for _, k := range errKinds {
		if errors.Is(err, k.err) != errors.Is(lerr, k.err) {
			t.Errorf("errors.Is(%v): cluster %v (%v), local %v (%v)", k.err, errors.Is(err, k.err), err, errors.Is(lerr, k.err), lerr)
		}
	}
	if errors.Is(err, ErrTaskFailed) {
		t.Errorf("a plan error was retried: %v", err)
	}
	t.Logf("local: %v\ncluster: %v", lerr, err)
}

func TestRegisteredTask(t *testing.T) {
	c := startCluster(t, Config{Workers: 2})
	x, _, _ := testTables(1000)
	tb := frameTable(x)
	parts := splitTable(tb, 4)
	defer releaseTables(parts)
	defer tb.Release()
	var calls []TaskCall
	for _, p := range parts {
		calls = append(calls, TaskCall{Inputs: []*physical.Table{p}})
	}
	out, err := c.RunTask(context.Background(), EchoTask, map[string]int{"sleep_ms": 10}, calls)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseTables(out)
	n := 0
	for _, o := range out {
		n += o.Rows
	}
	if n != x.NumRows() {
		t.Fatalf("echo returned %d rows, want %d", n, x.NumRows())
	}
	_, err = c.RunTask(context.Background(), "no.such.task", nil, calls[:1])
	if !errors.Is(err, ErrUnknownTask) {
		t.Fatalf("unknown task: got %v, want ErrUnknownTask", err)
	}
}

// TestWorkerKilled kills a worker with SIGKILL while it runs a task; the
// task re-runs on the other workers and the job still returns everything.
func TestWorkerKilled(t *testing.T) {
	c := startCluster(t, Config{Workers: 3})
	x, _, _ := testTables(3000)
	tb := frameTable(x)
	defer tb.Release()
	parts := splitTable(tb, 9)
	defer releaseTables(parts)
	var calls []TaskCall
	for _, p := range parts {
		calls = append(calls, TaskCall{Inputs: []*physical.Table{p}})
	}
	killed := make(chan int, 1)
	go func() {
		pid := waitRunning(c, 5*time.Second)
		if pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		killed <- pid
	}()
	out, err := c.RunTask(context.Background(), EchoTask, map[string]int{"sleep_ms": 400}, calls)
	pid := <-killed
	if err != nil {
		t.Fatalf("RunTask after killing worker %d: %v", pid, err)
	}
	defer releaseTables(out)
	if pid <= 0 {
		t.Fatal("no worker was running a task to kill")
	}
	for i, o := range out {
		if o.Rows != parts[i].Rows {
			t.Fatalf("call %d: %d rows, want %d", i, o.Rows, parts[i].Rows)
		}
	}
	// A query after the loss runs on the two survivors.
	lf := queries[1].lf(x.Lazy(), nil, nil)
	local, _ := lf.Collect(context.Background())
	dist, err := c.Collect(context.Background(), lf)
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, "after kill", local, dist)
	st := c.Status(context.Background())
	dead := 0
	for _, s := range st {
		if s.Err != nil {
			dead++
		}
	}
	if dead != 1 {
		t.Fatalf("%d dead workers in status, want 1: %+v", dead, st)
	}
}

// TestWorkerKilledDuringQuery kills a worker while a group-by and join
// query runs; the answer must equal the local one.
func TestWorkerKilledDuringQuery(t *testing.T) {
	c := startCluster(t, Config{Workers: 3, Partitions: 24, BroadcastRows: 10})
	x, small, big := testTables(60000)
	lf := x.Lazy().Join(big.Lazy(), dataframe.JoinOptions{On: []string{"id6"}}).GroupBy("id1", "id4").
		Agg(col("v1").Sum(), col("v3").Mean(), col("v3_right").Median().Alias("med"))
	_ = small
	local, err := lf.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	killed := make(chan int, 1)
	go func() {
		pid := waitRunning(c, 10*time.Second)
		if pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		killed <- pid
	}()
	dist, err := c.Collect(context.Background(), lf)
	pid := <-killed
	if err != nil {
		t.Fatalf("query after killing worker %d: %v", pid, err)
	}
	diffRows(t, "killed during query", local, dist)
	t.Logf("killed worker pid %d during the query", pid)
}

// waitRunning returns the pid of a worker that runs a task (0 on timeout).
func waitRunning(c *Cluster, d time.Duration) int {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, w := range c.mu.workers {
			if w.running > 0 && w.dead == nil && w.proc != nil {
				pid := w.proc.cmd.Process.Pid
				c.mu.Unlock()
				return pid
			}
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	return 0
}

func TestCancel(t *testing.T) {
	c := startCluster(t, Config{Workers: 2})
	x, _, _ := testTables(100)
	tb := frameTable(x)
	defer tb.Release()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.RunTask(ctx, EchoTask, map[string]int{"sleep_ms": 60000}, []TaskCall{{Inputs: []*physical.Table{tb}}, {Inputs: []*physical.Table{tb}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 1300*time.Millisecond {
		t.Fatalf("cancel took %v", el-300*time.Millisecond)
	}
	// Every worker stops its tasks within a second.
	deadline := time.Now().Add(time.Second)
	for {
		busy := 0
		for _, s := range c.Status(context.Background()) {
			busy += s.RunningOnWorker
		}
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks still running on workers 1 s after cancel", busy)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWrongToken(t *testing.T) {
	c := startCluster(t, Config{Workers: 1})
	ctx := context.Background()
	_, err := Connect(ctx, Config{Addrs: c.Addrs(), Token: "not-the-token"})
	if !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("got %v, want ErrUnauthenticated", err)
	}
	if !strings.Contains(err.Error(), "token") {
		t.Fatalf("error does not mention the token: %v", err)
	}
	// The right token works, from a file.
	f := filepath.Join(t.TempDir(), "token")
	os.WriteFile(f, []byte(c.Token()+"\n"), 0o600)
	c2, err := Connect(ctx, Config{Addrs: c.Addrs(), TokenFile: f})
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
}

func TestUnreachable(t *testing.T) {
	checkGoroutines(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = Connect(context.Background(), Config{Addrs: []string{closed}, Token: "x", DialTimeout: 2 * time.Second})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
	// A black-holed address (nothing answers) hits the timeout.
	start = time.Now()
	_, err = Connect(context.Background(), Config{Addrs: []string{"10.255.255.1:7070"}, Token: "x", DialTimeout: 500 * time.Millisecond})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("got %v, want ErrUnreachable", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestDeadCluster(t *testing.T) {
	c := startCluster(t, Config{Workers: 2})
	for _, pid := range c.WorkerPIDs() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	x, _, _ := testTables(100)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Collect(ctx, x.Lazy().GroupBy("id1").Agg(col("v1").Sum()))
	if !errors.Is(err, ErrNoWorkers) && !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("got %v, want ErrNoWorkers or ErrTaskFailed", err)
	}
	if ctx.Err() != nil {
		t.Fatal("hung until the deadline")
	}
	c.Close()
	if _, err := c.Collect(context.Background(), x.Lazy()); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: got %v, want ErrClosed", err)
	}
}

func TestVersionMismatch(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	tf := filepath.Join(dir, "token")
	os.WriteFile(tf, []byte("secret"), 0o600)
	cmd := exec.Command(golabBin, "worker", "--token-file", tf, "--memory", "256MiB")
	cmd.Env = append(os.Environ(), "GOLAB_CLUSTER_BUILD=proto=0 go=go1.0 arrow=v0 rev=abc")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 128)
	n, _ := out.Read(buf)
	addr := strings.TrimSpace(strings.TrimPrefix(string(buf[:n]), "listening on "))
	_, err := Connect(context.Background(), Config{Addrs: []string{addr}, TokenFile: tf})
	if !errors.Is(err, ErrVersionMismatch) {
		t.Fatalf("got %v, want ErrVersionMismatch", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	c := startCluster(t, Config{Workers: 1, MemoryPerWorker: "1MiB", MaxAttempts: 2})
	b := array.NewInt64Builder(memory.DefaultAllocator)
	for i := range 1 << 18 {
		b.Append(int64(i))
	}
	a := b.NewArray()
	b.Release()
	tb := &physical.Table{Schema: arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil), Cols: []arrow.Array{a}, Rows: a.Len()}
	defer tb.Release()
	_, err := c.RunTask(context.Background(), EchoTask, nil, []TaskCall{{Inputs: []*physical.Table{tb}}})
	if !errors.Is(err, ErrMemoryLimit) || !errors.Is(err, ErrTaskFailed) {
		t.Fatalf("got %v, want ErrTaskFailed wrapping ErrMemoryLimit", err)
	}
	if !strings.Contains(err.Error(), "1.0 MiB") || !strings.Contains(err.Error(), "--memory") {
		t.Fatalf("error does not name the limit and how to raise it: %v", err)
	}
}

func TestMIMEBundle(t *testing.T) {
	c := startCluster(t, Config{Workers: 2, MemoryPerWorker: "256MiB"})
	b := c.MIMEBundle()
	h, _ := b["text/html"].(string)
	for _, a := range c.Addrs() {
		if !strings.Contains(h, a) {
			t.Fatalf("html does not list worker %s:\n%s", a, h)
		}
	}
	if !strings.Contains(h, "256.0 MiB") {
		t.Fatalf("html does not show the memory limit:\n%s", h)
	}
}

func TestConcurrentJobs(t *testing.T) {
	c := startCluster(t, Config{Workers: 2})
	x, small, big := testTables(5000)
	var wg sync.WaitGroup
	for _, q := range queries[:6] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lf := q.lf(x.Lazy(), small.Lazy(), big.Lazy())
			local, err := lf.Collect(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			dist, err := c.Collect(context.Background(), lf)
			if err != nil {
				t.Error(err)
				return
			}
			diffRows(t, q.name, local, dist)
		}()
	}
	wg.Wait()
}

// TestNoOrphans kills (SIGKILL) a process that started a cluster and
// checks that its workers exit too.
func TestNoOrphans(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GOLAB_CLUSTER_TEST_HELPER=orphans", "GOLAB_BIN="+golabBin)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 256)
	n, _ := out.Read(buf)
	line := strings.TrimSpace(string(buf[:n]))
	fields := strings.Fields(line)
	if len(fields) != 3 || fields[0] != "pids" {
		t.Fatalf("helper said %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for _, f := range fields[1:] {
		var pid int
		fmt.Sscan(f, &pid)
		for alive(pid) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("worker %d outlived the process that started it", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether pid runs (zombies count as dead).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestTaskMemoryLimit runs a join whose output exceeds the worker's
// limit: the task is stopped with ErrMemoryLimit instead of the worker
// being OOM-killed, and the worker keeps serving.
func TestTaskMemoryLimit(t *testing.T) {
	c := startCluster(t, Config{Workers: 1, MemoryPerWorker: "4MiB", MaxAttempts: 2, BroadcastRows: 1 << 20})
	keys := make([]any, 3000)
	vals := make([]any, 3000)
	for i := range keys {
		keys[i] = int64(1)
		vals[i] = int64(i)
	}
	f, _ := dataframe.FromColumns(map[string]any{"k": keys, "v": vals})
	_, err := c.Collect(context.Background(), f.Lazy().Join(f.Lazy(), dataframe.JoinOptions{On: []string{"k"}}))
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("got %v, want ErrMemoryLimit", err)
	}
	t.Log(err)
	// The worker is still alive and answers.
	out, err := c.Collect(context.Background(), f.Lazy().GroupBy("k").Agg(col("v").Sum()))
	if err != nil {
		t.Fatal(err)
	}
	if out.NumRows() != 1 {
		t.Fatalf("got %d rows", out.NumRows())
	}
}

// TestSSHLaunch starts workers through the ssh launcher with a stand-in
// ssh that runs the remote command locally (no sshd in tests): the token
// goes over the session's stdin and wildcard addresses become the host.
func TestSSHLaunch(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "fake-ssh")
	script := "#!/bin/sh\n# drop options and host, run the remote command here\nwhile [ \"$1\" != \"--\" ]; do shift; done\nshift\nexec sh -c \"$*\"\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, Config{SSHHosts: []string{"someone@127.0.0.1", "127.0.0.1"}, SSHCommand: []string{fake}, MemoryPerWorker: "256MiB"})
	for _, a := range c.Addrs() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Fatalf("address %q does not name the host", a)
		}
	}
	x, _, _ := testTables(2000)
	lf := queries[2].lf(x.Lazy(), nil, nil)
	local, _ := lf.Collect(context.Background())
	dist, err := c.Collect(context.Background(), lf)
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, "ssh cluster", local, dist)
	pids := c.WorkerPIDs()
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("remote worker %d still runs after Close", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestKeptOutputLost kills a worker after a shuffle stage, when it holds
// output buckets the next stage has to fetch: the tasks that made them
// run again on the live workers (also two stages back, for the join
// inputs the killed worker held) and the answer equals the local one.
func TestKeptOutputLost(t *testing.T) {
	for _, after := range []string{"shuffle join right", "partial aggregate"} {
		t.Run(after, func(t *testing.T) {
			var log strings.Builder
			c := startCluster(t, Config{Workers: 3, Partitions: 6, BroadcastRows: 10, Log: &syncWriter{w: &log}})
			x, _, big := testTables(30000)
			lf := x.Lazy().Join(big.Lazy(), dataframe.JoinOptions{On: []string{"id6"}}).GroupBy("id1", "id4").
				Agg(col("v1").Sum(), col("v3").Mean(), col("v3_right").Max().Alias("mx"))
			local, err := lf.Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			killed := 0
			c.afterStage = func(stage string) {
				if stage != after || killed != 0 {
					return
				}
				c.mu.Lock()
				w := c.mu.workers[1]
				c.mu.Unlock()
				killed = w.proc.cmd.Process.Pid
				syscall.Kill(killed, syscall.SIGKILL)
				<-w.proc.done
			}
			dist, err := c.Collect(context.Background(), lf)
			if err != nil {
				t.Fatalf("query after killing worker %d: %v\nlog:\n%s", killed, err, log.String())
			}
			diffRows(t, "kept output lost", local, dist)
			t.Logf("killed worker %d after %q; log:\n%s", killed, after, log.String())
			if killed == 0 || !strings.Contains(log.String(), "recomputing the output of task") {
				t.Fatalf("no worker killed (%d) or no output recomputed; log:\n%s", killed, log.String())
			}
		})
	}
}

// syncWriter serializes writes (the cluster logs from many goroutines).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestCache keeps a filtered frame on the workers: later queries read it
// where it is (nothing is uploaded) and equal local runs, also after a
// worker holding part of it is killed; a local Collect fetches it; after
// Uncache a query fails with ErrClosed.
func TestCache(t *testing.T) {
	c := startCluster(t, Config{Workers: 3, Partitions: 6})
	x, _, _ := testTables(20000)
	ctx := context.Background()
	base := x.Lazy().Filter(col("v1").Gt(1))
	cached, err := c.Cache(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(mustPlan(t, cached)); !strings.Contains(got, "cached on the cluster: 6 partitions") {
		t.Fatalf("plan of the cached frame: %s", got)
	}
	// recomputing: the first query may upload what the lost partitions
	// were computed from; the recomputed partitions are cached again.
	check := func(what string, recomputing bool) {
		t.Helper()
		for i, q := range queries[:4] {
			want, err := q.lf(base, nil, nil).Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := c.uploads.Load()
			got, err := c.Collect(ctx, q.lf(cached, nil, nil))
			if err != nil {
				t.Fatalf("%s: %s: %v", what, q.name, err)
			}
			diffRows(t, what+": "+q.name, want, got)
			if n := c.uploads.Load() - before; n != 0 && !(recomputing && i == 0) {
				t.Errorf("%s: %s uploaded %d inputs; the cached partitions should be read in place", what, q.name, n)
			}
		}
	}
	check("cached", false)
	if got := c.MIMEBundle()["text/plain"].(string); !strings.Contains(got, "cached results (Cache): 1; cached on the cluster: 6 partitions") {
		t.Errorf("the cluster's display does not list the cached result:\n%s", got)
	}

	local, err := cached.Collect(ctx) // no cluster in ctx: fetched here
	if err != nil {
		t.Fatal(err)
	}
	want, _ := base.Collect(ctx)
	diffRows(t, "local collect of the cached frame", want, local)

	c.mu.Lock()
	w := c.mu.workers[2]
	c.mu.Unlock()
	syscall.Kill(w.proc.cmd.Process.Pid, syscall.SIGKILL)
	<-w.proc.done
	check("after a worker died", true)

	if err := c.Uncache(cached); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Collect(ctx, queries[0].lf(cached, nil, nil)); !errors.Is(err, ErrClosed) {
		t.Fatalf("query after Uncache: %v, want ErrClosed", err)
	}
	if err := c.Uncache(x.Lazy()); !errors.Is(err, ErrConfig) {
		t.Fatalf("Uncache of an uncached frame: %v, want ErrConfig", err)
	}
}

func mustPlan(t *testing.T, lf *dataframe.LazyFrame) plan.Node {
	t.Helper()
	n, err := lf.Plan()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSpillKeptOutputs: the shuffled rows a worker keeps for the next
// stage add up to more than its memory limit (each task alone fits), so
// they go to disk; the query still gives the local answer.
func TestSpillKeptOutputs(t *testing.T) {
	c := startCluster(t, Config{Workers: 2, MemoryPerWorker: "32MiB", Partitions: 16})
	x := genFrame(1_500_000, 100, 5)
	// Median does not split into partial aggregates: the input rows of
	// the needed columns are shuffled.
	lf := x.Lazy().GroupBy("id4", "id5").Agg(col("v3").Median().Alias("med"), col("id3").Max().Alias("max_id3"), col("v1").Sum())
	ctx := context.Background()
	local, err := lf.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dist, err := c.Collect(ctx, lf)
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	diffRows(t, "spilled shuffle", local, dist)
	var spilled int64
	for _, s := range c.Status(ctx) {
		if s.Err != nil {
			t.Fatal(s.Err)
		}
		spilled += s.Spilled
	}
	if spilled == 0 {
		t.Fatal("no worker spilled: the test does not exercise spilling (make the data larger or the limit smaller)")
	}
	t.Logf("%d task outputs spilled", spilled)
}

// TestPartitionsFitMemory: a frame several times a worker's memory limit
// is cut into enough partitions (and shuffle buckets) that every task
// fits, where the default 2 per worker would each need more than the
// limit.
func TestPartitionsFitMemory(t *testing.T) {
	c := startCluster(t, Config{Workers: 2, MemoryPerWorker: "24MiB"})
	const n = 3_000_000
	kb := array.NewInt64Builder(memory.DefaultAllocator)
	vb := array.NewFloat64Builder(memory.DefaultAllocator)
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	for i := range n {
		kb.Append(int64(i*7919) % 5000)
		vb.Append(float64(i%1000) / 8)
		sb.Append(fmt.Sprintf("s%07d", (i*31)%n))
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Float64}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{kb.NewArray(), vb.NewArray(), sb.NewArray()}, n)
	f := dataframe.FromRecord(rec)
	// Median does not split into partial aggregates: all rows shuffle.
	lf := f.Lazy().GroupBy("k").Agg(col("v").Median().Alias("med"), col("s").Max().Alias("smax"), dataframe.Len().Alias("n"))
	ctx := context.Background()
	local, err := lf.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tasks int
	c.cfg.OnProgress = func(p JobProgress) { tasks = max(tasks, p.Tasks) }
	dist, err := c.Collect(ctx, lf)
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	diffRows(t, "partitions sized to memory", local, dist)
	if tasks <= 2*4 {
		t.Fatalf("the job ran %d tasks; a frame of %s on workers of 24 MiB needs more than the default 4 partitions", tasks, FormatBytes(frameBytes(f)))
	}
	t.Logf("%d tasks for %s", tasks, FormatBytes(frameBytes(f)))
}

func frameBytes(f *dataframe.Frame) int64 {
	t := frameTable(f)
	defer t.Release()
	return tableBytes(t)
}
