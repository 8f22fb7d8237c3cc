package batch

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golab-dev/golab/kernel/client"
)

// fakeKernel answers cells by their source: "ok", "fail", "hang".
type fakeKernel struct{ n int }

func (k *fakeKernel) Execute(ctx context.Context, code string) (*client.Result, error) {
	k.n++
	switch {
	case strings.HasPrefix(code, "fail"):
		return &client.Result{Status: "error", ExecutionCount: k.n, EName: "Panic", EValue: "boom",
			Outputs: []client.Output{{"output_type": "error", "ename": "Panic", "evalue": "boom", "traceback": []string{}}}}, nil
	case strings.HasPrefix(code, "hang"):
		<-ctx.Done()
		return &client.Result{Status: "error", ExecutionCount: k.n}, ctx.Err()
	}
	return &client.Result{Status: "ok", ExecutionCount: k.n,
		Outputs: []client.Output{{"output_type": "stream", "name": "stdout", "text": code + "\n"}}}, nil
}

func notebookOf(cells ...string) *Notebook {
	nb := &Notebook{NBFormat: 4, NBFormatMinor: 5, Metadata: map[string]any{}}
	for _, c := range cells {
		src, tag, _ := strings.Cut(c, " #")
		md := map[string]any{}
		if tag != "" {
			md["tags"] = []any{tag}
		}
		nb.Cells = append(nb.Cells, &Cell{Type: "code", Source: src, Metadata: md})
	}
	return nb
}

func statuses(r *Report) string {
	var s []string
	for _, c := range r.Cells {
		s = append(s, c.Status)
	}
	return strings.Join(s, ",")
}

func TestRunOutcomes(t *testing.T) {
	for _, c := range []struct {
		name   string
		cells  []string
		opts   Options
		want   string
		failed bool
	}{
		{"all ok", []string{"ok1", "ok2"}, Options{}, "completed,completed", false},
		{"stop at failure", []string{"ok", "fail", "ok"}, Options{}, "completed,failed,pending", true},
		{"allow errors", []string{"ok", "fail", "ok"}, Options{AllowErrors: true}, "completed,failed,completed", true},
		{"expected failure", []string{"fail #raises-exception", "ok"}, Options{}, "completed,completed", false},
		{"unexpected success", []string{"ok #raises-exception", "ok"}, Options{}, "failed,pending", true},
		{"cell timeout", []string{"hang", "ok"}, Options{CellTimeout: 20 * time.Millisecond, AllowErrors: true}, "failed,completed", true},
		{"run timeout", []string{"hang", "ok"}, Options{Timeout: 20 * time.Millisecond, AllowErrors: true}, "failed,pending", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			nb := notebookOf(c.cells...)
			rep, err := Run(context.Background(), nb, &fakeKernel{}, c.opts)
			if got := statuses(rep); got != c.want {
				t.Errorf("statuses %s, want %s", got, c.want)
			}
			if c.failed != errors.Is(err, ErrCellFailed) {
				t.Errorf("err %v, want failed=%t", err, c.failed)
			}
			for i, cell := range nb.Cells {
				meta := cell.Metadata["papermill"].(map[string]any)
				if meta["status"] != rep.Cells[i].Status {
					t.Errorf("cell %d metadata status %v, report %s", i+1, meta["status"], rep.Cells[i].Status)
				}
				if (rep.Cells[i].Status == StatusPending) != (cell.ExecutionCount == nil) {
					t.Errorf("cell %d: status %s with execution count %v", i+1, rep.Cells[i].Status, cell.ExecutionCount)
				}
			}
			if nb.Metadata["papermill"].(map[string]any)["exception"] != c.failed {
				t.Errorf("notebook exception %v, want %t", nb.Metadata["papermill"], c.failed)
			}
			var buf bytes.Buffer
			if err := WriteJUnit(&buf, "nb.ipynb", rep); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(buf.String(), "<testcase "); got != len(c.cells) {
				t.Errorf("%d testcases, want %d:\n%s", got, len(c.cells), buf.String())
			}
		})
	}
}

func TestRunMessageNamesCell(t *testing.T) {
	nb := notebookOf("ok", "fail here\nsecond line")
	nb.Cells = append([]*Cell{{Type: "markdown", Source: "# title", Metadata: map[string]any{}}}, nb.Cells...)
	_, err := Run(context.Background(), nb, &fakeKernel{}, Options{})
	if err == nil || !strings.Contains(err.Error(), "cell 3 (fail here): Panic: boom") {
		t.Errorf("err %v, want it to name cell 3, its first line and the error", err)
	}
}
