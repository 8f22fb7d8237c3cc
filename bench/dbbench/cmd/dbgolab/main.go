// Command dbgolab runs the db-benchmark questions on GoLab's dataframe
// engine over data written by dbgen, and appends one CSV row per run
// (system,question,run,seconds,out_rows,out_cols,chk) to -out.
//
//	go run ./bench/dbbench/cmd/dbgolab -data bench/data -rows 1e7 -task groupby -out bench/out/dbbench.csv
//
// Run one task per process: -mem then records that task's peak RSS.
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/golab-dev/golab/bench/dbbench"
	"github.com/golab-dev/golab/bench/dbbench/golab"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dbgolab:", err)
		os.Exit(1)
	}
}

func run() error {
	data := flag.String("data", "bench/data", "directory with the dbgen files")
	rowsFlag := flag.String("rows", "1e7", "rows of the data set (1e7, 1e6, ...)")
	k := flag.Int("k", 100, "K of the group-by data set")
	tasks := flag.String("task", "groupby", "comma-separated tasks: groupby, join")
	format := flag.String("format", "parquet", "input format: parquet or csv")
	categorical := flag.Bool("categorical", true, "read the string keys as Categorical, as the benchmark's Polars script casts them")
	runs := flag.Int("runs", 2, "runs per question")
	questions := flag.String("questions", "", "comma-separated subset of question IDs, e.g. q1,q3")
	out := flag.String("out", "", "CSV file to append results to (stdout when empty)")
	memOut := flag.String("mem", "", "CSV file to append system,task,peak_rss_mb to")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the questions (loading excluded) to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile taken right after loading to this file")
	flag.Parse()

	var loaded func()
	if *memProfile != "" {
		loaded = func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				runtime.GC()
				err = pprof.WriteHeapProfile(f)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "dbgolab: -memprofile:", err)
			}
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		heap := loaded
		loaded = func() {
			if heap != nil {
				heap()
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintln(os.Stderr, "dbgolab: -cpuprofile:", err)
			}
		}
		defer pprof.StopCPUProfile()
	}

	v, err := strconv.ParseFloat(*rowsFlag, 64)
	if err != nil || v < 1 || v != float64(int(v)) {
		return fmt.Errorf("-rows: want a positive integer such as 1e7, got %q", *rowsFlag)
	}
	n := int(v)
	opt := dbbench.Options{Runs: *runs, Questions: map[string]bool{}, Log: os.Stderr, Loaded: loaded}
	for _, q := range strings.Split(*questions, ",") {
		if q = strings.TrimSpace(q); q != "" {
			opt.Questions[q] = true
		}
	}

	w, closeOut, err := openCSV(*out, dbbench.Header)
	if err != nil {
		return err
	}
	defer closeOut()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var taskNames []string
	for _, t := range strings.Split(*tasks, ",") {
		task := dbbench.Task(strings.TrimSpace(t))
		if task != dbbench.Groupby && task != dbbench.Join {
			return fmt.Errorf("-task: unknown task %q (want groupby or join)", t)
		}
		taskNames = append(taskNames, string(task))
		paths := dbbench.Paths(*data, task, n, *k, *format)
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				return fmt.Errorf("missing %s; generate it with: go run ./bench/dbbench/cmd/dbgen -dir %s -rows %s", p, *data, *rowsFlag)
			}
		}
		e := golab.New(nil)
		e.Categorical = *categorical
		err := dbbench.RunEngine(ctx, e, task, paths, opt, func(r dbbench.Result) error {
			if err := w.Write(r.Record()); err != nil {
				return err
			}
			w.Flush()
			return w.Error()
		})
		e.Close()
		if err != nil {
			return err
		}
	}
	peak := dbbench.PeakRSSMB()
	fmt.Fprintf(os.Stderr, "# golab %s peak RSS %.0f MB\n", strings.Join(taskNames, ","), peak)
	if *memOut != "" {
		mw, closeMem, err := openCSV(*memOut, []string{"system", "task", "peak_rss_mb"})
		if err != nil {
			return err
		}
		defer closeMem()
		mw.Write([]string{"golab", strings.Join(taskNames, "+"), fmt.Sprintf("%.0f", peak)})
		mw.Flush()
		return mw.Error()
	}
	return nil
}

// openCSV opens path for appending (stdout when empty), writing header when
// the file is new or empty.
func openCSV(path string, header []string) (*csv.Writer, func(), error) {
	if path == "" {
		w := csv.NewWriter(os.Stdout)
		w.Write(header)
		return w, func() { w.Flush() }, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, err
	}
	w := csv.NewWriter(f)
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		w.Write(header)
	}
	return w, func() { w.Flush(); f.Close() }, nil
}
