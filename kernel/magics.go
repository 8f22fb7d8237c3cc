package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/golab-dev/golab/kernel/magic"
)

// magic runs a %magic or !shell cell; ok is false for ordinary Go.
func (ev *evaluator) magic(ctx context.Context, code string) (executeResult, bool, error) {
	if !magic.IsMagic(code) {
		return executeResult{}, false, nil
	}
	m, err := magic.Parse(code)
	if err != nil {
		return executeResult{}, true, err
	}
	stdout, stderr := ev.stream("stdout"), ev.stream("stderr")
	switch m.Kind {
	case magic.Help:
		fmt.Fprint(stdout, magic.HelpText())
	case magic.Env:
		return executeResult{Status: "ok"}, true, runEnv(stdout, m.Args)
	case magic.Time:
		start := time.Now()
		res := ev.runGo(ctx, m.Body)
		fmt.Fprintf(stdout, "Wall time: %s\n", formatDuration(time.Since(start)))
		return res, true, nil
	case magic.Timeit:
		return executeResult{Status: "ok"}, true, ev.timeit(ctx, stdout, m)
	case magic.Who:
		vars := ev.sess.Vars()
		if len(vars) == 0 {
			fmt.Fprintln(stdout, "no variables are defined")
			break
		}
		// tabwriter writes a table in many small pieces; build it whole so it
		// reaches the notebook as one stream message.
		var table bytes.Buffer
		tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "Variable\tType")
		for _, v := range vars {
			fmt.Fprintf(tw, "%s\t%s\n", v.Name, v.Type)
		}
		tw.Flush()
		stdout.Write(table.Bytes())
	case magic.Reset:
		if err := ev.sess.Reset(); err != nil {
			return executeResult{}, true, err
		}
		fmt.Fprintln(stdout, "session reset: variables, functions, types and imports are gone")
	case magic.Shell:
		return executeResult{Status: "ok"}, true, runShell(ctx, m.Body, stdout, stderr)
	case magic.WriteFile:
		return executeResult{Status: "ok"}, true, writeFile(stdout, m)
	default:
		return executeResult{}, true, fmt.Errorf("magic %s is parsed but not implemented", m.Kind)
	}
	return executeResult{Status: "ok"}, true, nil
}

func runEnv(w io.Writer, args []string) error {
	switch len(args) {
	case 0:
		env := os.Environ()
		sort.Strings(env)
		for _, kv := range env {
			fmt.Fprintln(w, kv)
		}
	case 1:
		v, ok := os.LookupEnv(args[0])
		if !ok {
			return fmt.Errorf("%%env: %s is not set", args[0])
		}
		fmt.Fprintln(w, v)
	default:
		if err := os.Setenv(args[0], args[1]); err != nil {
			return fmt.Errorf("%%env: %w", err)
		}
		fmt.Fprintf(w, "env: %s=%s\n", args[0], args[1])
	}
	return nil
}

// timeitFunc is the interpreted function %timeit wraps its statement in,
// so the statement is parsed once and not on every run.
const timeitFunc = "golabTimeitBody"

func (ev *evaluator) timeit(ctx context.Context, w io.Writer, m magic.Magic) error {
	if _, err := ev.sess.Eval(ctx, "func "+timeitFunc+"() {\n"+m.Body+"\n}"); err != nil {
		return err
	}
	runOnce := func(loops int) (time.Duration, error) {
		start := time.Now()
		_, err := ev.sess.Eval(ctx, fmt.Sprintf("for golabI := 0; golabI < %d; golabI++ {\n%s()\n}", loops, timeitFunc))
		return time.Since(start), err
	}
	loops := m.N
	if loops <= 0 {
		// Grow the loop count until one run takes at least 0.2 s, as IPython does.
		for loops = 1; ; loops *= 10 {
			d, err := runOnce(loops)
			if err != nil {
				return err
			}
			if d >= 200*time.Millisecond || loops >= 1e7 {
				break
			}
		}
	}
	const runs = 7
	per := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		d, err := runOnce(loops)
		if err != nil {
			return err
		}
		per = append(per, float64(d)/float64(loops))
	}
	mean, std := meanStd(per)
	fmt.Fprintf(w, "%s ± %s per loop (mean ± std. dev. of %d runs, %d loops each)\n",
		formatDuration(time.Duration(mean)), formatDuration(time.Duration(std)), runs, loops)
	return nil
}

func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return fmt.Sprintf("%.2f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// runShell runs cmd with sh -c, streaming its output; interrupting the
// cell kills the command.
func runShell(ctx context.Context, cmdline string, stdout, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("!%s: interrupted", firstWord(cmdline))
	case errors.As(err, &exit):
		return fmt.Errorf("!%s: exited with status %d", firstWord(cmdline), exit.ExitCode())
	}
	return fmt.Errorf("!%s: %w", firstWord(cmdline), err)
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return s
}

func writeFile(w io.Writer, m magic.Magic) error {
	name := m.Args[0]
	body := m.Body
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	_, statErr := os.Stat(name)
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	verb := "Writing"
	switch {
	case m.Append:
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		verb = "Appending to"
	case statErr == nil:
		verb = "Overwriting"
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return fmt.Errorf("%%%%writefile: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("%%%%writefile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%%%%writefile: %w", err)
	}
	fmt.Fprintf(w, "%s %s\n", verb, name)
	return nil
}
