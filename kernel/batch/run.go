package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/golab-dev/golab/kernel/client"
)

// ErrCellFailed reports a notebook run in which a cell failed.
var ErrCellFailed = errors.New("batch: cell failed")

// Tags with a meaning for a run, as in papermill and nbclient.
const (
	TagParameters         = "parameters"
	TagInjectedParameters = "injected-parameters"
	TagRaisesException    = "raises-exception"
)

// Cell statuses in metadata.papermill.status.
const (
	StatusPending   = "pending"
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Kernel runs code; *client.Client is one.
type Kernel interface {
	Execute(ctx context.Context, code string) (*client.Result, error)
}

// Options configures Run. The zero value runs every code cell once, with
// no time limit, stopping at the first failure.
type Options struct {
	// Params are injected after the cell tagged "parameters".
	Params []Param
	// Timeout bounds the whole run; CellTimeout each cell. Zero means none.
	Timeout, CellTimeout time.Duration
	// AllowErrors runs the remaining cells after a failed one (the run
	// still fails).
	AllowErrors bool
	// InputPath and OutputPath are recorded in metadata.papermill.
	InputPath, OutputPath string
	// Version is recorded in metadata.papermill.version.
	Version string
	// Progress receives one line per code cell; nil is silent.
	Progress io.Writer
	// AfterCell, if set, is called after each executed code cell (e.g. to
	// save the notebook so far, as papermill does).
	AfterCell func(CellReport)
}

// CellReport is the outcome of one code cell.
type CellReport struct {
	// Index is the cell's 1-based position in the notebook (all cell types).
	Index     int
	FirstLine string
	// Status is completed, failed or pending (not run).
	Status string
	// ExpectedError is set when a raises-exception cell failed as it should.
	ExpectedError bool
	EName, EValue string
	Traceback     []string
	Start         time.Time
	Duration      time.Duration
}

// Message describes a failed cell: its index, first line and error.
func (c CellReport) Message() string {
	return fmt.Sprintf("cell %d (%s): %s: %s", c.Index, c.FirstLine, c.EName, firstLines(stripANSI(c.EValue), 5))
}

// Report is the outcome of a run.
type Report struct {
	Cells      []CellReport // code cells, in order
	Start, End time.Time
}

// Failed returns the failed cells.
func (r *Report) Failed() []CellReport {
	var out []CellReport
	for _, c := range r.Cells {
		if c.Status == StatusFailed {
			out = append(out, c)
		}
	}
	return out
}

// Counts returns how many code cells completed, failed and did not run.
func (r *Report) Counts() (ok, failed, pending int) {
	for _, c := range r.Cells {
		switch c.Status {
		case StatusCompleted:
			ok++
		case StatusFailed:
			failed++
		default:
			pending++
		}
	}
	return
}

// InjectParams inserts (or replaces) the injected-parameters cell as
// papermill does: it replaces an existing injected-parameters cell, else
// goes after the cell tagged parameters, else first. It records the
// parameters in metadata.papermill.parameters. With no params it does
// nothing.
func InjectParams(nb *Notebook, params []Param) error {
	if len(params) == 0 {
		return nil
	}
	paramIdx, injIdx := -1, -1
	for i, c := range nb.Cells {
		if paramIdx < 0 && c.HasTag(TagParameters) {
			paramIdx = i
		}
		if injIdx < 0 && c.HasTag(TagInjectedParameters) {
			injIdx = i
		}
	}
	declared := map[string]bool{}
	if paramIdx >= 0 {
		declared = DeclaredVars(nb.Cells[paramIdx].Source)
	}
	src, err := InjectedSource(params, declared)
	if err != nil {
		return err
	}
	cell := &Cell{ID: newCellID(), Type: "code", Source: src,
		Metadata: map[string]any{"tags": []any{TagInjectedParameters}}}
	switch {
	case injIdx >= 0:
		nb.Cells[injIdx] = cell
	case paramIdx >= 0:
		nb.Cells = append(nb.Cells[:paramIdx+1], append([]*Cell{cell}, nb.Cells[paramIdx+1:]...)...)
	default:
		nb.Cells = append([]*Cell{cell}, nb.Cells...)
	}
	pm := papermillMeta(nb)
	m := make(map[string]any, len(params))
	for _, p := range params {
		m[p.Name] = jsonSafe(p.Value)
	}
	pm["parameters"] = m
	return nil
}

// jsonSafe makes a parameter value encodable: *big.Int stays (it
// marshals as a number), NaN and ±Inf become "NaN", "Infinity" and
// "-Infinity".
func jsonSafe(v any) any {
	switch v := v.(type) {
	case float64:
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 1):
			return "Infinity"
		case math.IsInf(v, -1):
			return "-Infinity"
		}
	case *big.Int:
		return v
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = jsonSafe(v[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k := range v {
			out[k] = jsonSafe(v[k])
		}
		return out
	}
	return v
}

func papermillMeta(nb *Notebook) map[string]any {
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	pm, ok := nb.Metadata["papermill"].(map[string]any)
	if !ok {
		pm = map[string]any{}
		nb.Metadata["papermill"] = pm
	}
	return pm
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// Run injects opts.Params, executes every code cell on k in order and
// stores outputs, execution counts and metadata.papermill timing in nb.
// It returns an error wrapping ErrCellFailed, naming the first failed
// cell, when any cell failed (a cell tagged raises-exception fails when it
// succeeds); the report is complete either way.
func Run(ctx context.Context, nb *Notebook, k Kernel, opts Options) (*Report, error) {
	if err := InjectParams(nb, opts.Params); err != nil {
		return nil, err
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	rep := &Report{Start: time.Now()}
	pm := papermillMeta(nb)
	if _, ok := pm["parameters"]; !ok {
		pm["parameters"] = map[string]any{}
	}
	pm["start_time"], pm["end_time"], pm["duration"], pm["exception"] = isoTime(rep.Start), nil, nil, nil
	pm["input_path"], pm["output_path"] = opts.InputPath, opts.OutputPath
	pm["version"] = "golab " + opts.Version
	pm["environment_variables"], pm["default_parameters"] = map[string]any{}, map[string]any{}
	codeCells := 0
	for _, c := range nb.Cells {
		if c.Metadata == nil {
			c.Metadata = map[string]any{}
		}
		c.Metadata["papermill"] = map[string]any{"exception": nil, "start_time": nil, "end_time": nil, "duration": nil, "status": StatusPending}
		if c.Type == "code" {
			c.ExecutionCount, c.Outputs = nil, nil
			codeCells++
		}
	}

	stop := false
	n := 0
	for i, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		n++
		cr := CellReport{Index: i + 1, FirstLine: c.FirstLine(), Status: StatusPending}
		if stop {
			rep.Cells = append(rep.Cells, cr)
			continue
		}
		cr, stop = runCell(ctx, c, k, cr, opts)
		rep.Cells = append(rep.Cells, cr)
		if opts.Progress != nil {
			status := "ok"
			if cr.Status == StatusFailed {
				status = "FAILED"
			} else if cr.ExpectedError {
				status = "ok (raised as expected)"
			}
			fmt.Fprintf(opts.Progress, "[%d/%d] cell %d %s %v: %s\n", n, codeCells, cr.Index, status, cr.Duration.Round(time.Millisecond), cr.FirstLine)
		}
		if opts.AfterCell != nil {
			opts.AfterCell(cr)
		}
		if cr.Status == StatusFailed && !opts.AllowErrors {
			stop = true
		}
	}

	rep.End = time.Now()
	pm["end_time"] = isoTime(rep.End)
	pm["duration"] = rep.End.Sub(rep.Start).Seconds()
	failed := rep.Failed()
	pm["exception"] = len(failed) > 0
	for _, c := range nb.Cells {
		if c.Type != "code" {
			c.Metadata["papermill"].(map[string]any)["status"] = StatusCompleted
		}
	}
	if len(failed) > 0 {
		msg := failed[0].Message()
		if len(failed) > 1 {
			msg += fmt.Sprintf(" (and %d more failed cells)", len(failed)-1)
		}
		return rep, fmt.Errorf("%w: %s", ErrCellFailed, msg)
	}
	return rep, nil
}

// runCell executes one code cell and reports whether the run must stop
// regardless of AllowErrors (timeout of the run, kernel gone).
func runCell(ctx context.Context, c *Cell, k Kernel, cr CellReport, opts Options) (CellReport, bool) {
	meta := c.Metadata["papermill"].(map[string]any)
	cr.Start = time.Now()
	meta["start_time"], meta["status"], meta["exception"] = isoTime(cr.Start), StatusRunning, false
	if err := ctx.Err(); err != nil {
		cr.Status, cr.EName, cr.EValue = StatusFailed, "Timeout", fmt.Sprintf("the run exceeded --timeout %v before this cell started", opts.Timeout)
		return finish(c, cr, meta), true
	}
	cctx := ctx
	if opts.CellTimeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, opts.CellTimeout)
		defer cancel()
	}
	res, err := k.Execute(cctx, c.Source)
	if res != nil {
		for _, o := range res.Outputs {
			c.Outputs = append(c.Outputs, map[string]any(o))
		}
		if res.ExecutionCount > 0 {
			n := res.ExecutionCount
			c.ExecutionCount = &n
		}
	}
	mustStop := false
	switch {
	case err != nil:
		cr.Status = StatusFailed
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
			cr.EName, cr.EValue = "Timeout", fmt.Sprintf("the run exceeded --timeout %v; the cell was interrupted", opts.Timeout)
			mustStop = true
		case errors.Is(err, context.Canceled):
			cr.EName, cr.EValue = "Interrupted", "the run was cancelled (interrupt or termination signal); the cell was interrupted"
			mustStop = true
		case errors.Is(err, context.DeadlineExceeded):
			cr.EName, cr.EValue = "CellTimeout", fmt.Sprintf("the cell ran longer than --cell-timeout %v and was interrupted", opts.CellTimeout)
		default:
			cr.EName, cr.EValue = "KernelError", err.Error()
			mustStop = true
		}
		if errors.Is(err, client.ErrTimeout) || errors.Is(err, client.ErrKernelExited) {
			cr.EValue += " (" + err.Error() + ")"
			mustStop = true
		}
		if res != nil {
			cr.Traceback = res.Traceback
		}
	case res.Status == "ok" && c.HasTag(TagRaisesException):
		cr.Status, cr.EName = StatusFailed, "NoException"
		cr.EValue = "the cell is tagged raises-exception but ran without error"
	case res.Status == "ok":
		cr.Status = StatusCompleted
	case c.HasTag(TagRaisesException):
		cr.Status, cr.ExpectedError = StatusCompleted, true
		cr.EName, cr.EValue, cr.Traceback = res.EName, res.EValue, res.Traceback
	default:
		cr.Status = StatusFailed
		cr.EName, cr.EValue, cr.Traceback = res.EName, res.EValue, res.Traceback
		if cr.EName == "" {
			cr.EName = "Error"
		}
		if res.Status == "aborted" {
			cr.EValue = "the kernel aborted the cell"
		}
	}
	return finish(c, cr, meta), mustStop
}

func finish(c *Cell, cr CellReport, meta map[string]any) CellReport {
	end := time.Now()
	cr.Duration = end.Sub(cr.Start)
	meta["end_time"], meta["duration"], meta["status"] = isoTime(end), cr.Duration.Seconds(), cr.Status
	meta["exception"] = cr.Status == StatusFailed
	return cr
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}
