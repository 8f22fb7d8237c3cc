// Command golab is GoLab's single binary: the Jupyter kernel, its
// installer, the evaluator process the kernel starts, and (as their
// issues land) cluster workers, batch notebook runs and a demo broker.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/golab-dev/golab/install"
	"github.com/golab-dev/golab/kernel"
	"github.com/golab-dev/golab/kernel/symbols"
	"github.com/golab-dev/golab/kernel/wire"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// evaluatorCommand is the hidden sub-command the kernel starts its
// evaluator process with.
const evaluatorCommand = "__evaluator"

type command struct {
	name, usage, summary string
	run                  func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"kernel", "kernel --connection-file FILE", "run the Jupyter kernel (started by Jupyter from kernel.json)", runKernel},
		{"install", "install [--user|--sys-prefix|--prefix DIR]", "install the Jupyter kernelspec \"Go (GoLab)\"", runInstall},
		{"run", "run NB.ipynb [-o OUT.ipynb] [-p name=value]...", "execute a notebook headless (papermill-style parameters; see golab run -h)", runRun},
		{"worker", "worker --listen ADDR --memory 2GiB --token-file F", "run a cluster worker (started by cluster.Start, systemd or ssh)", runWorker},
		{"version", "version", "print the version, Go version and dependency versions", runVersion},
	}
}

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

func mainErr(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == evaluatorCommand {
		if err := kernel.RunEvaluator(kernel.EvaluatorConfig{Symbols: symbols.All()}); err != nil {
			fmt.Fprintln(stderr, "golab evaluator:", err)
			return 1
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if err := c.run(args[1:], stdout, stderr); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return 0
				}
				fmt.Fprintf(stderr, "golab %s: %v\n", c.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "golab: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "GoLab: a data-science lab in Go.\n\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  golab %-46s %s\n", c.usage, c.summary)
	}
}

func runKernel(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	connFile := fs.String("connection-file", "", "Jupyter connection file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *connFile == "" && fs.NArg() == 1 {
		*connFile = fs.Arg(0)
	}
	if *connFile == "" {
		return errors.New("--connection-file is required (Jupyter passes it from kernel.json)")
	}
	ci, err := wire.ReadConnectionFile(*connFile)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	// Interrupts arrive as messages; a SIGINT from a terminal must not kill
	// the kernel.
	signal.Ignore(syscall.SIGINT)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return kernel.Serve(ctx, kernel.Config{Conn: ci, Evaluator: []string{exe, evaluatorCommand}, Version: version})
}

func runInstall(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.Bool("user", false, "install for the current user (default)")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the active Python environment")
	prefix := fs.String("prefix", "", "install under `DIR`/share/jupyter/kernels")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := install.Options{Scope: install.User}
	n := 0
	if *user {
		n++
	}
	if *sysPrefix {
		opts.Scope = install.SysPrefix
		n++
	}
	if *prefix != "" {
		opts.Scope, opts.Prefix = install.Prefix, *prefix
		n++
	}
	if n > 1 {
		return errors.New("choose one of --user, --sys-prefix and --prefix")
	}
	dir, err := install.Install(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed kernelspec %q (%s) in %s\n", install.KernelName, install.DisplayName, dir)
	return nil
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "golab %s\n%s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	var deps []string
	for _, d := range info.Deps {
		if isMainDependency(d.Path) {
			deps = append(deps, fmt.Sprintf("  %s %s", d.Path, d.Version))
		}
	}
	sort.Strings(deps)
	fmt.Fprintln(stdout, "dependencies:\n"+strings.Join(deps, "\n"))
	return nil
}

func isMainDependency(path string) bool {
	for _, p := range []string{"github.com/go-zeromq/zmq4", "github.com/traefik/yaegi", "gonum.org/v1/gonum",
		"gonum.org/v1/plot", "github.com/apache/arrow-go/v18", "github.com/segmentio/kafka-go"} {
		if path == p {
			return true
		}
	}
	return false
}
