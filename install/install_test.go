package install

import (
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestInstallPrefix(t *testing.T) {
	dir := t.TempDir()
	got, err := Install(Options{Scope: Prefix, Prefix: dir, Binary: "/usr/local/bin/golab"})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "share", "jupyter", "kernels", "golab")
	if got != want {
		t.Errorf("dir = %s, want %s", got, want)
	}
	raw, err := os.ReadFile(filepath.Join(got, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.DisplayName != "Go (GoLab)" || spec.Language != "go" || spec.InterruptMode != "message" {
		t.Errorf("spec = %+v", spec)
	}
	if spec.Argv[0] != "/usr/local/bin/golab" || spec.Argv[len(spec.Argv)-1] != "{connection_file}" {
		t.Errorf("argv = %q", spec.Argv)
	}
	for _, size := range []int{32, 64} {
		f, err := os.Open(filepath.Join(got, fmt.Sprintf("logo-%dx%d.png", size, size)))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != size || cfg.Height != size {
			t.Errorf("logo %d: %v %dx%d", size, err, cfg.Width, cfg.Height)
		}
	}
}

func TestPrefixNeedsDir(t *testing.T) {
	if _, err := Install(Options{Scope: Prefix}); err == nil {
		t.Fatal("want an error for an empty prefix")
	}
}
