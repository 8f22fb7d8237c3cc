package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golab-dev/golab/kernel/batch"
	"github.com/golab-dev/golab/kernel/client"
)

const runUsage = `usage: golab run IN.ipynb [-o OUT.ipynb] [-p name=value]... [--timeout 10m]
       [--cell-timeout 60s] [--allow-errors] [--junit report.xml] [--cwd DIR] [-q]

Executes every code cell of IN.ipynb with the GoLab kernel (no Python or
Jupyter needed) and writes the executed notebook with outputs, execution
counts and papermill-style timing metadata.

Output: -o OUT.ipynb, "-o -" for stdout; without -o the result goes next to
the input as IN.out.ipynb (the input is never overwritten). The notebook is
written even when a cell fails, so the failure can be inspected, and saved
every 10s while a long run goes on.

Parameters follow papermill: the cell tagged "parameters" keeps the
defaults, an "injected-parameters" cell after it sets the -p values as Go
(ints, floats incl. nan/inf, True/False/true/false, None, JSON lists,
strings otherwise).

A cell tagged "raises-exception" must fail. The exit status is 0 only when
every cell succeeded; a failure names the cell (1-based index among all
cells), its first line and the error.

Flags:
`

// paramFlags collects repeated -p name=value flags.
type paramFlags []batch.Param

func (p *paramFlags) String() string { return fmt.Sprint(len(*p), " parameters") }

func (p *paramFlags) Set(s string) error {
	param, err := batch.ParseParam(s)
	if err != nil {
		return err
	}
	*p = append(*p, param)
	return nil
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fs.PrintDefaults()
	}
	var params paramFlags
	out := fs.String("o", "", "write the executed notebook to `OUT.ipynb` (\"-\" for stdout; default IN.out.ipynb)")
	fs.Var(&params, "p", "set a parameter, `name=value` (repeatable)")
	timeout := fs.Duration("timeout", 0, "stop the whole run after `D` (0: no limit)")
	cellTimeout := fs.Duration("cell-timeout", 0, "interrupt and fail a cell that runs longer than `D` (0: no limit)")
	allowErrors := fs.Bool("allow-errors", false, "run the remaining cells after a failed one (the exit status still reports it)")
	junit := fs.String("junit", "", "write a JUnit XML report with one testcase per code cell to `FILE`")
	cwd := fs.String("cwd", "", "run the kernel in `DIR` (default: the notebook's directory)")
	quiet := fs.Bool("q", false, "do not print a line per cell on stderr")
	kernelLog := fs.Bool("kernel-log", false, "copy the kernel's log to stderr")

	// Flags may come before or after the notebook path.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("want one notebook, got %d arguments %q", len(pos), pos)
	}
	in := pos[0]
	nb, err := batch.ReadFile(in)
	if err != nil {
		return err
	}
	if ks, ok := nb.Metadata["kernelspec"].(map[string]any); ok {
		if lang, _ := ks["language"].(string); lang != "" && lang != "go" {
			fmt.Fprintf(stderr, "golab run: warning: %s declares the kernel language %q; running it with the GoLab (Go) kernel anyway\n", in, lang)
		}
	}
	outPath := *out
	if outPath == "" {
		outPath = strings.TrimSuffix(in, ".ipynb") + ".out.ipynb"
	}
	dir := *cwd
	if dir == "" {
		dir = filepath.Dir(in)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	klog := &tailBuffer{max: 64 << 10}
	var logw io.Writer = klog
	if *kernelLog {
		logw = io.MultiWriter(klog, stderr)
	}
	k, err := client.Start(ctx, client.Config{
		Argv:   []string{exe, "kernel", "--connection-file", "{connection_file}"},
		Dir:    dir,
		Stderr: logw,
	})
	if err != nil {
		return fmt.Errorf("start the kernel: %w%s", err, klog.suffix())
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = k.Shutdown(sctx)
		k.Close()
	}()

	opts := batch.Options{
		Params: params, Timeout: *timeout, CellTimeout: *cellTimeout, AllowErrors: *allowErrors,
		InputPath: in, OutputPath: outPath, Version: version,
	}
	if !*quiet {
		opts.Progress = stderr
	}
	if outPath != "-" {
		// Save progress every 10s, so a long run that gets killed leaves
		// its outputs so far (papermill autosaves likewise).
		last := time.Now()
		opts.AfterCell = func(batch.CellReport) {
			if time.Since(last) >= 10*time.Second {
				if err := nb.WriteFile(outPath); err != nil {
					fmt.Fprintf(stderr, "golab run: autosave: %v\n", err)
				}
				last = time.Now()
			}
		}
	}
	rep, runErr := batch.Run(ctx, nb, k, opts)
	if rep == nil { // parameters could not be rendered
		return runErr
	}

	if outPath == "-" {
		if err := nb.Encode(stdout); err != nil {
			return err
		}
	} else if err := nb.WriteFile(outPath); err != nil {
		return err
	}
	if *junit != "" {
		var buf bytes.Buffer
		if err := batch.WriteJUnit(&buf, filepath.Base(in), rep); err != nil {
			return err
		}
		if err := os.WriteFile(*junit, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write JUnit report: %w", err)
		}
	}
	ok, failed, pending := rep.Counts()
	where := outPath
	if outPath == "-" {
		where = "stdout"
	}
	fmt.Fprintf(stderr, "golab run: %s: %d code cells ok, %d failed, %d not run in %v; wrote %s\n",
		in, ok, failed, pending, rep.End.Sub(rep.Start).Round(time.Millisecond), where)
	if runErr != nil {
		for _, c := range rep.Failed() {
			fmt.Fprintf(stderr, "  FAILED %s\n", indent(c.Message()))
		}
		select {
		case <-k.Exited():
			runErr = fmt.Errorf("%w%s", runErr, klog.suffix())
		default:
		}
		if f := rep.Failed(); errors.Is(runErr, batch.ErrCellFailed) && len(f) > 0 {
			// The cells are listed above; keep the last line short.
			return fmt.Errorf("%s: %d of %d code cells failed, first cell %d (%s): %w",
				in, len(f), len(rep.Cells), f[0].Index, f[0].FirstLine, batch.ErrCellFailed)
		}
		return runErr
	}
	return nil
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// suffix returns the kernel log for an error message, or "".
func (t *tailBuffer) suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(bytes.TrimSpace(t.buf)) == 0 {
		return ""
	}
	return "\nkernel log:\n" + string(bytes.TrimRight(t.buf, "\n"))
}
