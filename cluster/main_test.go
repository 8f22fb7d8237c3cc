package cluster

import (
	"context"
	"fmt"
	"github.com/golab-dev/golab/internal/testbin"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// golabBin is the golab binary the tests start as workers: $GOLAB_BIN,
// else built once per test binary into a temporary directory.
var golabBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if os.Getenv("GOLAB_CLUSTER_TEST_HELPER") == "orphans" {
		orphanHelper()
		return 0
	}
	// testbin.Main also sets $GOLAB_BIN, which the examples need: they
	// call Start without Binary.
	return testbin.Main(m, &golabBin)
}

// orphanHelper starts a cluster, prints its worker pids and waits to be
// killed (TestNoOrphans).
func orphanHelper() {
	c, err := Start(context.Background(), Config{Workers: 2, MemoryPerWorker: "128MiB"})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println("pids", strings.Trim(fmt.Sprint(c.WorkerPIDs()), "[]"))
	time.Sleep(time.Minute)
}

// startCluster starts n workers and closes them when the test ends, then
// checks that no goroutine of the test leaked.
func startCluster(t *testing.T, cfg Config) *Cluster {
	t.Helper()
	checkGoroutines(t)
	cfg.Binary = golabBin
	if cfg.Log == nil {
		cfg.Log = testLog{t}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	defer func() { recover() }() // the test may have ended
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// checkGoroutines registers a cleanup (run after later cleanups, such as
// Close) that fails the test if goroutines remain beyond those present now.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutine leak: %d goroutines, %d before the test\n%s", n, before, buf)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
