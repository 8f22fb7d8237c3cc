package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// KernelName is the kernelspec's directory name.
const KernelName = "golab"

// DisplayName is what notebook front ends show in their kernel pickers.
const DisplayName = "Go (GoLab)"

// Scope says where the kernelspec goes.
type Scope int

const (
	// User installs into the user's Jupyter data directory.
	User Scope = iota
	// SysPrefix installs into the active Python environment.
	SysPrefix
	// Prefix installs under Options.Prefix.
	Prefix
)

// Options configures Install. The zero value installs for the user with
// the running executable as the kernel binary.
type Options struct {
	Scope  Scope
	Prefix string // for Scope Prefix
	// Binary is the golab executable; empty means os.Executable.
	Binary string
	// Env is added to the kernel's environment (kernel.json "env").
	Env map[string]string
}

// Spec is the content of kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata"`
}

// NewSpec returns the kernelspec for binary.
func NewSpec(binary string, env map[string]string) Spec {
	return Spec{
		Argv:          []string{binary, "kernel", "--connection-file", "{connection_file}"},
		DisplayName:   DisplayName,
		Language:      "go",
		InterruptMode: "message",
		Env:           env,
		Metadata:      map[string]any{"debugger": false},
	}
}

// Install writes the kernelspec and returns its directory.
func Install(opts Options) (string, error) {
	bin := opts.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("install: find the golab binary: %w", err)
		}
		bin = exe
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(bin); err == nil {
		bin = resolved
	}
	root, err := kernelsDir(opts)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, KernelName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("install: create %s: %w", dir, err)
	}
	spec, err := json.MarshalIndent(NewSpec(bin, opts.Env), "", "  ")
	if err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(spec, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("install: write kernel.json in %s: %w", dir, err)
	}
	for _, size := range []int{32, 64} {
		if err := writeLogo(filepath.Join(dir, fmt.Sprintf("logo-%dx%d.png", size, size)), size); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// kernelsDir returns the share/jupyter/kernels directory of the scope.
func kernelsDir(opts Options) (string, error) {
	switch opts.Scope {
	case Prefix:
		if opts.Prefix == "" {
			return "", errors.New("install: --prefix needs a directory")
		}
		abs, err := filepath.Abs(opts.Prefix)
		if err != nil {
			return "", fmt.Errorf("install: %w", err)
		}
		return filepath.Join(abs, "share", "jupyter", "kernels"), nil
	case SysPrefix:
		prefix, err := pythonPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(prefix, "share", "jupyter", "kernels"), nil
	default:
		return filepath.Join(userDataDir(), "kernels"), nil
	}
}

// userDataDir follows jupyter_core's rules for the user data directory.
func userDataDir() string {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter")
	case "windows":
		return filepath.Join(os.Getenv("APPDATA"), "jupyter")
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter")
	}
	return filepath.Join(home, ".local", "share", "jupyter")
}

// pythonPrefix finds sys.prefix of the active Python environment.
func pythonPrefix() (string, error) {
	for _, env := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if p := os.Getenv(env); p != "" {
			return p, nil
		}
	}
	for _, py := range []string{"python3", "python"} {
		out, err := exec.Command(py, "-c", "import sys; print(sys.prefix)").Output()
		if err == nil {
			return strings.TrimSpace(string(out)), nil
		}
	}
	return "", errors.New("install: --sys-prefix needs an active Python environment (VIRTUAL_ENV, CONDA_PREFIX or python3 on PATH); use --user or --prefix DIR instead")
}

// writeLogo draws GoLab's logo: a Go-blue rounded square holding a white
// flask.
func writeLogo(path string, size int) error {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x00, 0xAD, 0xD8, 0xFF}
	white := color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	r := float64(size) / 6
	s := float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			if !inRoundedSquare(fx, fy, s, r) {
				continue
			}
			c := blue
			if inFlask(fx/s, fy/s) {
				c = white
			}
			img.SetNRGBA(x, y, c)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("install: write logo: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("install: encode logo: %w", err)
	}
	return f.Close()
}

func inRoundedSquare(x, y, s, r float64) bool {
	cx := clamp(x, r, s-r)
	cy := clamp(y, r, s-r)
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// inFlask reports whether the unit-square point lies in a flask: a neck
// on top of a triangle-like body.
func inFlask(x, y float64) bool {
	if y >= 0.18 && y < 0.45 {
		return x > 0.42 && x < 0.58
	}
	if y >= 0.45 && y < 0.82 {
		half := 0.08 + (y-0.45)*0.75
		return x > 0.5-half && x < 0.5+half
	}
	return false
}
