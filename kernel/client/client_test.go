package client_test

import (
	"context"
	"errors"
	"github.com/golab-dev/golab/internal/testbin"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golab-dev/golab/kernel/client"
)

var golabBin string

func TestMain(m *testing.M) { os.Exit(testbin.Main(m, &golabBin)) }

func start(t *testing.T) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := client.Start(ctx, client.Config{
		Argv:           []string{golabBin, "kernel", "--connection-file", "{connection_file}"},
		InterruptGrace: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec1(t *testing.T, c *client.Client, code string) *client.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := c.Execute(ctx, code)
	if err != nil {
		t.Fatalf("Execute(%q): %v", code, err)
	}
	return res
}

func TestExecuteOutputs(t *testing.T) {
	c := start(t)
	if got := c.KernelInfo()["implementation"]; got != "golab" {
		t.Errorf("implementation %v, want golab", got)
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer hcancel()
	if err := c.Heartbeat(hctx); err != nil {
		t.Errorf("Heartbeat: %v", err)
	}

	res := exec1(t, c, "fmt.Println(\"a\")\nfmt.Println(\"b\")")
	if res.Status != "ok" || len(res.Outputs) != 1 {
		t.Fatalf("got %+v, want one merged stream", res)
	}
	if got := res.Outputs[0]["text"]; got != "a\nb\n" {
		t.Errorf("stream %q, want %q", got, "a\nb\n")
	}

	res = exec1(t, c, `1 + 2`)
	if len(res.Outputs) != 1 || res.Outputs[0]["output_type"] != "execute_result" {
		t.Fatalf("got %+v, want an execute_result", res.Outputs)
	}
	if got := res.Outputs[0]["data"].(map[string]any)["text/plain"]; got != "3" {
		t.Errorf("text/plain %v, want 3", got)
	}
	if res.Outputs[0]["execution_count"] != res.ExecutionCount || res.ExecutionCount != 2 {
		t.Errorf("execution counts %v and %d, want 2", res.Outputs[0]["execution_count"], res.ExecutionCount)
	}

	res = exec1(t, c, `panic("boom")`)
	if res.Status != "error" || !strings.Contains(res.EValue, "boom") {
		t.Errorf("got status %q evalue %q, want error with boom", res.Status, res.EValue)
	}
	if n := len(res.Outputs); n == 0 || res.Outputs[n-1]["output_type"] != "error" {
		t.Errorf("outputs %+v, want an error output last", res.Outputs)
	}

	// A display handle shown in one cell and updated in the next: the
	// earlier output changes in place, the later cell has no output.
	first := exec1(t, c, "h := display.NewHandle()\nh.Show(display.Markdown(\"one\"))")
	second := exec1(t, c, `h.Update(display.Markdown("two"))`)
	if len(first.Outputs) != 1 || len(second.Outputs) != 0 {
		t.Fatalf("outputs %+v then %+v, want one then none", first.Outputs, second.Outputs)
	}
	if got := first.Outputs[0]["data"].(map[string]any)["text/markdown"]; got != "two" {
		t.Errorf("updated markdown %v, want two", got)
	}
	if c.Dropped() != 0 {
		t.Errorf("%d messages failed verification", c.Dropped())
	}
}

func TestExecuteTimeoutInterrupts(t *testing.T) {
	c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := c.Execute(ctx, "for {}")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want DeadlineExceeded", err)
	}
	if errors.Is(err, client.ErrTimeout) {
		t.Fatalf("kernel did not stop after interrupt: %v", err)
	}
	if res == nil || res.Status != "error" {
		t.Errorf("result %+v, want status error", res)
	}
	// The kernel is usable afterwards.
	if got := exec1(t, c, `40 + 2`).Outputs; len(got) != 1 {
		t.Errorf("after interrupt: outputs %+v", got)
	}
}

func TestShutdownAndNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 2 {
		c := start(t)
		exec1(t, c, `fmt.Println("x")`)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := c.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		cancel()
		c.Close()
		c.Close() // idempotent
		select {
		case <-c.Exited():
		default:
			t.Error("kernel still running after Close")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestStartFailsWhenKernelExits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := client.Start(ctx, client.Config{Argv: []string{"/bin/false"}})
	if !errors.Is(err, client.ErrKernelExited) {
		t.Errorf("err %v, want ErrKernelExited", err)
	}
}

func TestConfigFromKernelspec(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.json")
	spec := `{"argv": ["` + golabBin + `", "kernel", "--connection-file", "{connection_file}"], "env": {"B": "2", "A": "1"}, "language": "go"}`
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := client.ConfigFromKernelspec(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Argv) != 4 || strings.Join(cfg.Env, ",") != "A=1,B=2" {
		t.Fatalf("got %+v", cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := client.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := exec1(t, c, `os.Getenv("A") + os.Getenv("B")`).Outputs; len(got) != 1 || got[0]["data"].(map[string]any)["text/plain"] != `12` {
		t.Errorf("env not passed: %v", got)
	}
}
