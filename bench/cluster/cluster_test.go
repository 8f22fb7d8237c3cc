package clusterbench_test

import (
	"context"
	"github.com/golab-dev/golab/internal/testbin"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	clusterbench "github.com/golab-dev/golab/bench/cluster"
	"github.com/golab-dev/golab/bench/dbbench"
	"github.com/golab-dev/golab/bench/dbbench/gen"
	"github.com/golab-dev/golab/cluster"
	"github.com/golab-dev/golab/dataframe/physical"
)

var golabBin string

// TestMain builds the golab binary the workers run ($GOLAB_BIN when set).
func TestMain(m *testing.M) { os.Exit(testbin.Main(m, &golabBin)) }

// Smoke run of the GoLab side at 1e5 rows: the ten group-by questions
// locally and on clusters of 1 and 2 workers give the same answer shapes
// and checksums (bench/dbbench's ChkEqual).
func TestSmokeLocalVsWorkers(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	dir := t.TempDir()
	g, err := gen.GenerateGroupby(n, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.WriteFiles(dir, g.Table(), gen.Format{Parquet: true}); err != nil {
		t.Fatal(err)
	}
	systems, err := clusterbench.ParseSystems("local,w1,w2")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	var log strings.Builder
	got := map[string]map[string]dbbench.Result{}
	cfg := clusterbench.Config{Binary: golabBin, MemoryPerWorker: "512MiB", Options: dbbench.Options{Runs: 1, Log: &log}}
	err = clusterbench.Run(ctx, systems, dbbench.Paths(dir, dbbench.Groupby, n, 100, "parquet"), cfg, func(r dbbench.Result) error {
		if got[r.System] == nil {
			got[r.System] = map[string]dbbench.Result{}
		}
		got[r.System][r.Question] = r
		return nil
	})
	t.Log("\n" + log.String())
	if err != nil {
		t.Fatal(err)
	}
	local := got["golab"]
	if len(local) != 10 {
		t.Fatalf("local answered %d questions, want 10", len(local))
	}
	for _, s := range []string{"golab-w1", "golab-w2"} {
		for q, want := range local {
			r, ok := got[s][q]
			if !ok {
				t.Errorf("%s: no answer to %s", s, q)
				continue
			}
			if r.OutRows != want.OutRows || r.OutCols != want.OutCols || !dbbench.ChkEqual(parseChk(t, r.Chk), parseChk(t, want.Chk)) {
				t.Errorf("%s %s: %d x %d chk=%s, local %d x %d chk=%s", s, q, r.OutRows, r.OutCols, r.Chk, want.OutRows, want.OutCols, want.Chk)
			}
		}
	}
}

func parseChk(t *testing.T, s string) []float64 {
	var out []float64
	for _, p := range strings.Split(s, ";") {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			t.Fatalf("checksum %q: %v", s, err)
		}
		out = append(out, v)
	}
	return out
}

// The transport echoes a table intact and LoopbackCopy moves every byte.
func TestShuffleHelpers(t *testing.T) {
	tbl := clusterbench.ShuffleTable(memory.DefaultAllocator, 200_000)
	defer tbl.Release()
	data, err := clusterbench.IPCBytes(tbl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clusterbench.LoopbackCopy(data, 2); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Config{Workers: 2, MemoryPerWorker: "512MiB", Binary: golabBin})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	parts := clusterbench.Split(tbl, 2)
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	if _, err := clusterbench.TransportEcho(ctx, c, parts); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTransportEcho: bytes/s of IPC batches up to a worker and back
// (SetBytes counts both directions). Compare with BenchmarkLoopbackCopy.
func BenchmarkTransportEcho(b *testing.B) {
	tbl := clusterbench.ShuffleTable(memory.DefaultAllocator, 1_000_000)
	defer tbl.Release()
	data, err := clusterbench.IPCBytes(tbl)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Config{Workers: 1, MemoryPerWorker: "2GiB", Binary: golabBin})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.SetBytes(2 * int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := clusterbench.TransportEcho(ctx, c, []*physical.Table{tbl}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoopbackCopy: bytes/s of io.Copy of the same IPC bytes (twice,
// as the echo moves them up and down) over a loopback TCP connection.
func BenchmarkLoopbackCopy(b *testing.B) {
	tbl := clusterbench.ShuffleTable(memory.DefaultAllocator, 1_000_000)
	defer tbl.Release()
	data, err := clusterbench.IPCBytes(tbl)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(2 * int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := clusterbench.LoopbackCopy(data, 2); err != nil {
			b.Fatal(err)
		}
	}
}
