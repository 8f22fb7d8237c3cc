// Package testbin gives tests the golab binary that real kernel, worker
// and batch processes run: $GOLAB_BIN when set (make test sets it), else a
// fresh `go build` of cmd/golab into a temporary directory.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Golab returns the path of a golab binary and a cleanup that removes it
// if Golab built it. Call it once from TestMain.
func Golab() (path string, cleanup func(), err error) {
	if p := os.Getenv("GOLAB_BIN"); p != "" {
		return p, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "golab-test-bin-")
	if err != nil {
		return "", nil, fmt.Errorf("testbin: %w", err)
	}
	path = filepath.Join(dir, "golab")
	cmd := exec.Command("go", "build", "-o", path, "github.com/golab-dev/golab/cmd/golab")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("testbin: build golab: %w", err)
	}
	return path, func() { os.RemoveAll(dir) }, nil
}

// Main is a TestMain body for packages whose tests start golab processes:
// it gets the binary (Golab), stores its path in *path and in $GOLAB_BIN
// (for code under test that finds the binary itself), runs the tests and
// removes a binary it built. It returns the exit code for os.Exit.
func Main(m *testing.M, path *string) int {
	bin, cleanup, err := Golab()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cleanup()
	*path = bin
	os.Setenv("GOLAB_BIN", bin)
	return m.Run()
}
