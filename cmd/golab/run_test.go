package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golab-dev/golab/internal/testbin"
	"github.com/golab-dev/golab/kernel/batch"
)

var (
	binOnce    sync.Once
	binPath    string
	binCleanup = func() {}
	binErr     error
)

// golabBinary returns $GOLAB_BIN or a golab built once for these tests.
func golabBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() { binPath, binCleanup, binErr = testbin.Golab() })
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	binCleanup()
	os.Exit(code)
}

// cell describes a test cell: source and tags.
type cell struct {
	src  string
	tags []string
}

func writeNotebook(t *testing.T, cells ...cell) string {
	t.Helper()
	nb := &batch.Notebook{NBFormat: 4, NBFormatMinor: 5, Metadata: map[string]any{
		"kernelspec": map[string]any{"name": "golab", "display_name": "Go (GoLab)", "language": "go"}}}
	for i, c := range cells {
		tags := make([]any, len(c.tags))
		for j, s := range c.tags {
			tags[j] = s
		}
		md := map[string]any{}
		if len(tags) > 0 {
			md["tags"] = tags
		}
		nb.Cells = append(nb.Cells, &batch.Cell{ID: "c" + string(rune('a'+i)), Type: "code", Source: c.src, Metadata: md})
	}
	path := filepath.Join(t.TempDir(), "nb.ipynb")
	if err := nb.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// golabRun runs `golab run` and returns the exit code, stderr and the
// output notebook.
func golabRun(t *testing.T, args ...string) (int, string, *batch.Notebook) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.ipynb")
	cmd := exec.Command(golabBinary(t), append([]string{"run", "-o", out}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	nb, rerr := batch.ReadFile(out)
	if rerr != nil {
		t.Fatalf("no output notebook (exit %d, stderr %s): %v", code, stderr.String(), rerr)
	}
	return code, stderr.String(), nb
}

func text(c *batch.Cell) string {
	var b strings.Builder
	for _, o := range c.Outputs {
		if s, ok := o["text"].(string); ok {
			b.WriteString(s)
		}
		if d, ok := o["data"].(map[string]any); ok {
			b.WriteString(d["text/plain"].(string))
		}
		if s, ok := o["evalue"].(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func TestRunParameters(t *testing.T) {
	nb := writeNotebook(t,
		cell{src: "alpha := 0.5\nn := 3\nname := \"world\"", tags: []string{"parameters"}},
		cell{src: "fmt.Printf(\"%T %v|%T %v|%s|%v|%v\\n\", alpha, alpha, n, n, name, extra, xs)"},
	)
	code, stderr, out := golabRun(t, nb, "-p", "alpha=2", "-p", "n=7", "-p", "name=caf\u00e9", "-p", "extra=nan", "-p", "xs=[1, 2.5]")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if len(out.Cells) != 3 || !out.Cells[1].HasTag("injected-parameters") {
		t.Fatalf("want the injected cell second, got %d cells", len(out.Cells))
	}
	want := "float64 2|int 7|caf\u00e9|NaN|[1 2.5]\n"
	if got := text(out.Cells[2]); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	pm := out.Metadata["papermill"].(map[string]any)
	if pm["parameters"].(map[string]any)["name"] != "caf\u00e9" || pm["exception"] != false {
		t.Errorf("metadata.papermill %v", pm)
	}
	cm := out.Cells[2].Metadata["papermill"].(map[string]any)
	if cm["status"] != "completed" || cm["duration"] == nil || out.Cells[2].ExecutionCount == nil {
		t.Errorf("cell metadata %v, execution count %v", cm, out.Cells[2].ExecutionCount)
	}
}

func TestRunFailures(t *testing.T) {
	cells := []cell{
		{src: "x := 1"},
		{src: "panic(\"expected\")", tags: []string{"raises-exception"}},
		{src: "y := undefinedName + 1\n// more"},
		{src: "fmt.Println(\"after\", x)"},
	}
	nb := writeNotebook(t, cells...)

	code, stderr, out := golabRun(t, nb)
	if code == 0 {
		t.Fatalf("exit 0 with a failing cell; stderr:\n%s", stderr)
	}
	if !strings.Contains(stderr, "cell 3 (y := undefinedName + 1)") || !strings.Contains(stderr, "undefinedName") {
		t.Errorf("stderr does not name cell 3, its first line and the error:\n%s", stderr)
	}
	if out.Cells[3].ExecutionCount != nil || out.Cells[3].Metadata["papermill"].(map[string]any)["status"] != "pending" {
		t.Errorf("cell 4 ran after a failure without --allow-errors")
	}
	if out.Cells[1].Metadata["papermill"].(map[string]any)["status"] != "completed" {
		t.Errorf("raises-exception cell that failed is not completed: %v", out.Cells[1].Metadata)
	}

	report := filepath.Join(t.TempDir(), "report.xml")
	code, stderr, out = golabRun(t, nb, "--allow-errors", "--junit", report)
	if code == 0 {
		t.Fatalf("exit 0 with --allow-errors and a failing cell; stderr:\n%s", stderr)
	}
	if got := text(out.Cells[3]); got != "after 1\n" {
		t.Errorf("with --allow-errors the last cell printed %q, want %q", got, "after 1\n")
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil {
		t.Fatal(err)
	}
	s := suites.Suites[0]
	if s.Tests != 4 || s.Failures != 1 || s.Cases[2].Failure == nil || !strings.Contains(s.Cases[2].Failure.Message, "undefinedName") {
		t.Errorf("JUnit report:\n%s", raw)
	}

	// A raises-exception cell that succeeds fails the run.
	nb = writeNotebook(t, cell{src: "1 + 1", tags: []string{"raises-exception"}})
	if code, stderr, _ := golabRun(t, nb); code == 0 || !strings.Contains(stderr, "raises-exception") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestRunCellTimeout(t *testing.T) {
	nb := writeNotebook(t, cell{src: "for {}"}, cell{src: "fmt.Println(\"alive\")"})
	code, stderr, out := golabRun(t, nb, "--cell-timeout", "2s", "--allow-errors")
	if code == 0 || !strings.Contains(stderr, "cell-timeout") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if got := text(out.Cells[1]); got != "alive\n" {
		t.Errorf("the kernel did not survive the interrupt: next cell printed %q", got)
	}

	nb = writeNotebook(t, cell{src: "time.Sleep(time.Minute)"}, cell{src: "fmt.Println(\"never\")"})
	code, stderr, out = golabRun(t, nb, "--timeout", "2s", "--allow-errors")
	if code == 0 || !strings.Contains(stderr, "--timeout") || out.Cells[1].ExecutionCount != nil {
		t.Errorf("run timeout: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"a.ipynb", "b.ipynb"}, {"missing.ipynb"}, {"x.ipynb", "-p", "1bad=2"}} {
		cmd := exec.Command(golabBinary(t), append([]string{"run"}, args...)...)
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("golab run %q succeeded:\n%s", args, out)
		}
	}
}
