// Command shufflebench measures the cluster transport's throughput: bytes
// per second of Arrow IPC batches sent to workers and back through the
// built-in echo task (DoPut up, DoGet down, over loopback gRPC), against
// io.Copy of the same IPC bytes over a loopback TCP connection.
//
//	go run ./bench/cluster/cmd/shufflebench -bin bin/golab -rows 4e6 -workers 1
//
// Both sides count the IPC stream bytes of the data once per direction: an
// echo of B bytes moves 2B (up and down); the raw copy sends 2B bytes in
// sequence. The ratio is transport bytes/s over raw bytes/s (target >= 0.5).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/memory"

	clusterbench "github.com/golab-dev/golab/bench/cluster"
	"github.com/golab-dev/golab/cluster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "shufflebench:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "", "golab executable for the workers (default $GOLAB_BIN)")
	rowsFlag := flag.String("rows", "4e6", "rows of the table sent")
	workers := flag.Int("workers", 1, "workers")
	perWorker := flag.Int("parts", 1, "parts per worker (the table is split into workers x parts tasks, run concurrently)")
	reps := flag.Int("reps", 5, "repetitions (the median is reported)")
	mem := flag.String("memory", "3GiB", "memory per worker")
	cpuprofile := flag.String("cpuprofile", "", "write the coordinator's CPU profile of the timed rounds to `FILE`")
	flag.Parse()
	v, err := strconv.ParseFloat(*rowsFlag, 64)
	if err != nil || v < 1 || v != float64(int(v)) {
		return fmt.Errorf("-rows: want a positive integer such as 4e6, got %q", *rowsFlag)
	}
	rows := int(v)

	tbl := clusterbench.ShuffleTable(memory.DefaultAllocator, rows)
	defer tbl.Release()
	data, err := clusterbench.IPCBytes(tbl)
	if err != nil {
		return err
	}
	moved := 2 * int64(len(data))
	fmt.Printf("table: %d rows, %d columns, IPC stream %.1f MiB in %d-row batches; %d worker(s)\n",
		rows, len(tbl.Cols), float64(len(data))/(1<<20), clusterbench.BatchRows, *workers)

	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Config{Workers: *workers, MemoryPerWorker: *mem, CoresPerWorker: 1, Binary: *bin})
	if err != nil {
		return err
	}
	defer c.Close()
	parts := clusterbench.Split(tbl, *workers**perWorker)
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()

	var echo, raw []float64
	if _, err := clusterbench.TransportEcho(ctx, c, parts); err != nil { // warm-up
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for range *reps {
		d, err := clusterbench.TransportEcho(ctx, c, parts)
		if err != nil {
			return err
		}
		echo = append(echo, d.Seconds())
		d, err = clusterbench.LoopbackCopy(data, 2)
		if err != nil {
			return err
		}
		raw = append(raw, d.Seconds())
	}
	med := func(xs []float64) float64 { slices.Sort(xs); return xs[len(xs)/2] }
	te, tr := med(echo), med(raw)
	mb := float64(moved) / (1 << 20)
	fmt.Printf("cluster transport (echo task, up+down): %8.1f MiB in %7.3fs = %8.1f MiB/s\n", mb, te, mb/te)
	fmt.Printf("raw loopback TCP io.Copy:               %8.1f MiB in %7.3fs = %8.1f MiB/s\n", mb, tr, mb/tr)
	ratio := tr / te
	verdict := "ok"
	if ratio < 0.5 {
		verdict = "BELOW target 0.5"
	}
	fmt.Printf("ratio transport/raw: %.3f (%s)\n", ratio, verdict)
	return nil
}
