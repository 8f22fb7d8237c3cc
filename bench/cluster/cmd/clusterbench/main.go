// Command clusterbench runs the db-benchmark group-by questions on GoLab
// locally and on clusters of worker processes, appending one CSV row per
// run (system,question,run,seconds,out_rows,out_cols,chk) to -out.
//
//	go run ./bench/cluster/cmd/clusterbench -data /tmp/dbdata -rows 1e7 -systems local,w1,w2 -bin bin/golab -out bench/out/cluster.csv
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"

	clusterbench "github.com/golab-dev/golab/bench/cluster"
	"github.com/golab-dev/golab/bench/dbbench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "clusterbench:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", "bench/data", "directory with the dbgen files")
	rowsFlag := flag.String("rows", "1e7", "rows of the data set (1e7, 1e6, ...)")
	format := flag.String("format", "parquet", "input format: parquet or csv")
	systems := flag.String("systems", "local,w1,w2", "comma-separated: local, w<N> (cluster of N workers)")
	bin := flag.String("bin", "", "golab executable for the workers (default $GOLAB_BIN)")
	mem := flag.String("memory", "2GiB", "memory per worker")
	cores := flag.Int("cores", 1, "cores (GOMAXPROCS) per worker")
	runs := flag.Int("runs", 2, "runs per question")
	questions := flag.String("questions", "", "comma-separated subset of question IDs, e.g. q1,q3")
	out := flag.String("out", "", "CSV file to append results to (stdout when empty)")
	verbose := flag.Bool("v", false, "print cluster events and worker stderr")
	flag.Parse()

	v, err := strconv.ParseFloat(*rowsFlag, 64)
	if err != nil || v < 1 || v != float64(int(v)) {
		return fmt.Errorf("-rows: want a positive integer such as 1e7, got %q", *rowsFlag)
	}
	n := int(v)
	sys, err := clusterbench.ParseSystems(*systems)
	if err != nil {
		return err
	}
	opt := dbbench.Options{Runs: *runs, Questions: map[string]bool{}, Log: os.Stderr}
	for _, q := range strings.Split(*questions, ",") {
		if q = strings.TrimSpace(q); q != "" {
			opt.Questions[q] = true
		}
	}
	paths := dbbench.Paths(*data, dbbench.Groupby, n, 100, *format)
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("missing %s; generate it with: go run ./bench/dbbench/cmd/dbgen -dir %s -rows %s -task groupby", p, *data, *rowsFlag)
		}
	}

	var w *csv.Writer
	if *out == "" {
		w = csv.NewWriter(os.Stdout)
	} else {
		st, statErr := os.Stat(*out)
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		w = csv.NewWriter(f)
		if statErr != nil || st.Size() == 0 {
			w.Write(dbbench.Header)
		}
	}
	defer w.Flush()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := clusterbench.Config{Binary: *bin, MemoryPerWorker: *mem, CoresPerWorker: *cores, Options: opt}
	if *verbose {
		cfg.Log = os.Stderr
	}
	return clusterbench.Run(ctx, sys, paths, cfg, func(r dbbench.Result) error {
		if err := w.Write(r.Record()); err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	})
}
