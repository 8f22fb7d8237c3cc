// Command dbgen writes the db-benchmark data sets (group-by G1_<N>_<K>_0_0 and
// join J1_<N>_NA_0_0 with its small, medium and big tables) as CSV and
// Parquet into a cache directory, skipping files that already exist.
//
//	go run ./bench/dbbench/cmd/dbgen -dir bench/data -rows 1e7
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golab-dev/golab/bench/dbbench/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dbgen:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "bench/data", "cache directory for the data files")
	rowsFlag := flag.String("rows", "1e7", "rows of the group-by table and of the join LHS (e.g. 1e7, 1e6, 100000)")
	k := flag.Int("k", 100, "K, the number of groups of id1, id2, id4, id5")
	tasks := flag.String("task", "groupby,join", "comma-separated tasks to generate: groupby, join")
	formats := flag.String("format", "csv,parquet", "comma-separated formats: csv, parquet")
	force := flag.Bool("force", false, "regenerate files that already exist")
	flag.Parse()

	n, err := ParseRows(*rowsFlag)
	if err != nil {
		return err
	}
	var f gen.Format
	for _, s := range strings.Split(*formats, ",") {
		switch strings.TrimSpace(s) {
		case "csv":
			f.CSV = true
		case "parquet":
			f.Parquet = true
		default:
			return fmt.Errorf("unknown format %q (want csv or parquet)", s)
		}
	}
	for _, task := range strings.Split(*tasks, ",") {
		switch strings.TrimSpace(task) {
		case "groupby":
			name := fmt.Sprintf("G1_%s_%s_0_0", gen.PrettySci(n), gen.PrettySci(*k))
			if !*force && gen.Exists(*dir, name, f) {
				fmt.Printf("%s: cached in %s\n", name, *dir)
				continue
			}
			t0 := time.Now()
			g, err := gen.GenerateGroupby(n, *k)
			if err != nil {
				return err
			}
			var s1, s2 int64
			var s3 float64
			for i := range g.V1 {
				s1 += int64(g.V1[i])
				s2 += int64(g.V2[i])
				s3 += g.V3[i]
			}
			fmt.Printf("%s: generated in %.1fs: sum(v1)=%d sum(v2)=%d sum(v3)=%.3f\n", name, time.Since(t0).Seconds(), s1, s2, s3)
			t0 = time.Now()
			if err := gen.WriteFiles(*dir, g.Table(), f); err != nil {
				return err
			}
			fmt.Printf("%s: written in %.1fs\n", name, time.Since(t0).Seconds())
		case "join":
			ns, nm, nb := gen.JoinSizes(n)
			names := []string{fmt.Sprintf("J1_%s_NA_0_0", gen.PrettySci(n))}
			for _, m := range []int{ns, nm, nb} {
				names = append(names, fmt.Sprintf("J1_%s_%s_0_0", gen.PrettySci(n), gen.PrettySci(m)))
			}
			cached := !*force
			for _, name := range names {
				cached = cached && gen.Exists(*dir, name, f)
			}
			if cached {
				fmt.Printf("%s: cached in %s\n", strings.Join(names, ", "), *dir)
				continue
			}
			t0 := time.Now()
			j, err := gen.GenerateJoin(n)
			if err != nil {
				return err
			}
			fmt.Printf("%s: generated in %.1fs\n", names[0], time.Since(t0).Seconds())
			t0 = time.Now()
			for _, t := range j.Tables() {
				if err := gen.WriteFiles(*dir, t.Table(), f); err != nil {
					return err
				}
			}
			fmt.Printf("%s: written in %.1fs\n", strings.Join(names, ", "), time.Since(t0).Seconds())
		default:
			return fmt.Errorf("unknown task %q (want groupby or join)", task)
		}
	}
	return nil
}

// ParseRows parses a row count written as an integer or in R's notation
// ("1e7").
func ParseRows(s string) (int, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 1 || v != float64(int(v)) {
		return 0, fmt.Errorf("rows: want a positive integer such as 1e7 or 100000, got %q", s)
	}
	return int(v), nil
}
