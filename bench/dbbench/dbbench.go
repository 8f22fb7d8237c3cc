package dbbench

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/golab-dev/golab/bench/dbbench/gen"
)

// Task is a db-benchmark task.
type Task string

// The two tasks.
const (
	Groupby Task = "groupby"
	Join    Task = "join"
)

// Question is one benchmark question, e.g. {Groupby, "q1", "sum v1 by id1"}.
type Question struct {
	Task Task
	ID   string
	Text string
}

// Name returns "<task>_<id>", the question column of the results CSV.
func (q Question) Name() string { return string(q.Task) + "_" + q.ID }

// Questions returns the questions of task in benchmark order.
func Questions(task Task) []Question {
	var texts []string
	switch task {
	case Groupby:
		texts = []string{
			"sum v1 by id1",
			"sum v1 by id1:id2",
			"sum v1 mean v3 by id3",
			"mean v1:v3 by id4",
			"sum v1:v3 by id6",
			"median v3 sd v3 by id4 id5",
			"max v1 - min v2 by id3",
			"largest two v3 by id6",
			"regression v1 v2 by id2 id4",
			"sum v3 count by id1:id6",
		}
	case Join:
		texts = []string{
			"small inner on int",
			"medium inner on int",
			"medium outer on int",
			"medium inner on factor",
			"big inner on int",
		}
	}
	qs := make([]Question, len(texts))
	for i, t := range texts {
		qs[i] = Question{Task: task, ID: "q" + strconv.Itoa(i+1), Text: t}
	}
	return qs
}

// Answer is the shape and checksum of one answer. Chk holds the sums of the
// answer's measure columns in the benchmark's order (nulls skipped).
type Answer struct {
	Rows, Cols int
	Chk        []float64
}

// ChkString formats a checksum as the results CSV holds it: values joined by
// ';', integral values without a fraction, others with the shortest digits
// that read back exactly.
func ChkString(chk []float64) string {
	parts := make([]string, len(chk))
	for i, v := range chk {
		switch {
		case math.IsNaN(v):
			parts[i] = "nan"
		case v == math.Trunc(v) && math.Abs(v) < 1<<53:
			parts[i] = strconv.FormatInt(int64(v), 10)
		case math.Abs(v) < 1e16:
			parts[i] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return strings.Join(parts, ";")
}

// ChkEqual reports whether two checksums agree: same length, integers
// equal, floats within a relative 1e-11 (sums in another order differ in the
// last bits), NaN equal to NaN.
func ChkEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.IsNaN(x) || math.IsNaN(y) {
			if math.IsNaN(x) != math.IsNaN(y) {
				return false
			}
			continue
		}
		if math.Abs(x-y) > 1e-11*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
			return false
		}
	}
	return true
}

// Engine is one system under test. Load is not timed; Run must return a
// materialized answer (the time of Run is the question's time).
type Engine interface {
	// Name is the system column of the results CSV, e.g. "golab".
	Name() string
	// Load reads the tables of task; paths maps "x" (and for joins
	// "small", "medium", "big") to files.
	Load(ctx context.Context, task Task, paths map[string]string) error
	// Run answers q on the loaded tables.
	Run(ctx context.Context, q Question) (Answer, error)
	// Close releases the loaded tables.
	Close() error
}

// DataNames returns the data file names (without extension) of task for a
// data set of n rows: key "x" for the group-by table, and "x", "small",
// "medium", "big" for joins.
func DataNames(task Task, n, k int) map[string]string {
	p := gen.PrettySci(n)
	if task == Groupby {
		return map[string]string{"x": fmt.Sprintf("G1_%s_%s_0_0", p, gen.PrettySci(k))}
	}
	s, m, b := gen.JoinSizes(n)
	return map[string]string{
		"x":      fmt.Sprintf("J1_%s_NA_0_0", p),
		"small":  fmt.Sprintf("J1_%s_%s_0_0", p, gen.PrettySci(s)),
		"medium": fmt.Sprintf("J1_%s_%s_0_0", p, gen.PrettySci(m)),
		"big":    fmt.Sprintf("J1_%s_%s_0_0", p, gen.PrettySci(b)),
	}
}

// Paths returns DataNames as file paths under dir with extension ext
// ("parquet" or "csv").
func Paths(dir string, task Task, n, k int, ext string) map[string]string {
	out := map[string]string{}
	for key, name := range DataNames(task, n, k) {
		out[key] = filepath.Join(dir, name+"."+ext)
	}
	return out
}

// Result is one row of the results CSV.
type Result struct {
	System   string
	Question string
	Run      int
	Seconds  float64
	OutRows  int
	OutCols  int
	Chk      string
}

// Header is the results CSV header.
var Header = []string{"system", "question", "run", "seconds", "out_rows", "out_cols", "chk"}

// Record returns r as a CSV record in Header order.
func (r Result) Record() []string {
	return []string{r.System, r.Question, strconv.Itoa(r.Run), strconv.FormatFloat(r.Seconds, 'f', 6, 64),
		strconv.Itoa(r.OutRows), strconv.Itoa(r.OutCols), r.Chk}
}

// Options configure RunEngine.
type Options struct {
	Runs      int             // runs per question (the benchmark's 2 when 0)
	Questions map[string]bool // question IDs to run ("q1"); all when empty
	Log       io.Writer       // progress lines; none when nil
	Loaded    func()          // called once the tables are loaded (e.g. to start a profile); may be nil
}

// RunEngine loads task's tables into e and runs each question Runs times,
// calling emit with every result as soon as it is known.
func RunEngine(ctx context.Context, e Engine, task Task, paths map[string]string, opt Options, emit func(Result) error) error {
	runs := opt.Runs
	if runs <= 0 {
		runs = 2
	}
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format, a...)
		}
	}
	t0 := time.Now()
	if err := e.Load(ctx, task, paths); err != nil {
		return fmt.Errorf("dbbench: %s: loading %s data: %w", e.Name(), task, err)
	}
	logf("# %s %s loaded in %.1fs\n", e.Name(), task, time.Since(t0).Seconds())
	if opt.Loaded != nil {
		opt.Loaded()
	}
	for _, q := range Questions(task) {
		if len(opt.Questions) > 0 && !opt.Questions[q.ID] {
			continue
		}
		for run := 1; run <= runs; run++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			t := time.Now()
			ans, err := e.Run(ctx, q)
			secs := time.Since(t).Seconds()
			if err != nil {
				return fmt.Errorf("dbbench: %s: %s (%s): %w", e.Name(), q.Name(), q.Text, err)
			}
			r := Result{System: e.Name(), Question: q.Name(), Run: run, Seconds: secs, OutRows: ans.Rows, OutCols: ans.Cols, Chk: ChkString(ans.Chk)}
			logf("%-7s %-12s run %d %8.3fs %10d x %-3d chk=%s  (%s)\n", r.System, r.Question, run, secs, r.OutRows, r.OutCols, r.Chk, q.Text)
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// PeakRSSMB returns this process's peak resident set size in MiB.
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

//go:embed published.csv
var publishedCSV string

// Published is a known answer of the benchmark at Rows input rows. OutRows
// or OutCols are 0 when unknown; ChkFloor holds floor(chk) per value, NaN
// when unknown.
type Published struct {
	Rows, OutRows, OutCols int
	ChkFloor               []float64
}

// PublishedAnswers returns the known answers keyed by Question.Name(): the
// shapes stated in issue 4, group-by checksums that follow from the column
// sums of G1_1e7_1e2_0_0 (sum(v1), sum(v2), sum(v3)), and the join answers
// (row counts, floor of sum(v1) and sum(v2)) asserted by DuckDB's Python
// test TestH2OAIArrow on the published J1_1e7_NA_0_0 files.
func PublishedAnswers() (map[string]Published, error) {
	recs, err := csv.NewReader(strings.NewReader(publishedCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("dbbench: published.csv: %w", err)
	}
	out := map[string]Published{}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, r := range recs[1:] {
		p := Published{Rows: atoi(r[2]), OutRows: atoi(r[3]), OutCols: atoi(r[4])}
		for _, s := range strings.Split(r[5], ";") {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				v = math.NaN()
			}
			p.ChkFloor = append(p.ChkFloor, v)
		}
		out[r[0]+"_"+r[1]] = p
	}
	return out, nil
}

// Check compares a with p and returns what differs, or "" when a agrees.
func (p Published) Check(a Answer) string {
	var bad []string
	if p.OutRows > 0 && a.Rows != p.OutRows {
		bad = append(bad, fmt.Sprintf("out_rows %d, published %d", a.Rows, p.OutRows))
	}
	if p.OutCols > 0 && a.Cols != p.OutCols {
		bad = append(bad, fmt.Sprintf("out_cols %d, published %d", a.Cols, p.OutCols))
	}
	if len(a.Chk) != len(p.ChkFloor) {
		bad = append(bad, fmt.Sprintf("chk has %d values, published %d", len(a.Chk), len(p.ChkFloor)))
	} else {
		for i, f := range p.ChkFloor {
			if !math.IsNaN(f) && math.Floor(a.Chk[i]) != f {
				bad = append(bad, fmt.Sprintf("floor(chk[%d]) %.0f, published %.0f", i, math.Floor(a.Chk[i]), f))
			}
		}
	}
	return strings.Join(bad, "; ")
}
