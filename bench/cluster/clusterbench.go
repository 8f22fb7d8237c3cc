// Package clusterbench runs the db-benchmark group-by questions
// (bench/dbbench) on GoLab's cluster executor: the same questions, engine
// and checksums as bench/dbbench/golab, collected locally and on clusters
// of 1 and 2 `golab worker` processes (cluster.Start). Spark (local mode)
// and Dask (LocalCluster) run the same questions in peers.py; run.sh runs
// them all and report.py compares them.
package clusterbench

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/golab-dev/golab/bench/dbbench"
	"github.com/golab-dev/golab/bench/dbbench/golab"
	"github.com/golab-dev/golab/cluster"
)

// System is one GoLab configuration: Workers 0 is the local executor.
type System struct {
	Name    string
	Workers int
}

// ParseSystems parses "local,w1,w2" (w<N> is a cluster of N workers).
func ParseSystems(s string) ([]System, error) {
	var out []System
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
		case f == "local":
			out = append(out, System{Name: "golab", Workers: 0})
		case strings.HasPrefix(f, "w"):
			n, err := strconv.Atoi(f[1:])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("clusterbench: bad system %q (want local or w<N>)", f)
			}
			out = append(out, System{Name: fmt.Sprintf("golab-w%d", n), Workers: n})
		default:
			return nil, fmt.Errorf("clusterbench: bad system %q (want local or w<N>)", f)
		}
	}
	return out, nil
}

// Config configures Run.
type Config struct {
	Binary          string // golab executable for the workers ($GOLAB_BIN when empty)
	MemoryPerWorker string // default "2GiB"
	CoresPerWorker  int    // default 1
	Options         dbbench.Options
	Log             io.Writer // cluster events and worker stderr (discarded when nil)
}

// engine is bench/dbbench/golab's Engine under another system name,
// collecting on the executor carried by ctx.
type engine struct {
	*golab.Engine
	name string
	ctx  func(context.Context) context.Context
}

func (e *engine) Name() string { return e.name }

func (e *engine) Run(ctx context.Context, q dbbench.Question) (dbbench.Answer, error) {
	return e.Engine.Run(e.ctx(ctx), q)
}

// Run runs the group-by questions on the group-by table at paths ("x" ->
// file, as dbbench.Paths) on each system, calling emit with every result.
// Each cluster is started before its system's questions (not timed) and
// closed after them.
func Run(ctx context.Context, systems []System, paths map[string]string, cfg Config, emit func(dbbench.Result) error) error {
	if cfg.MemoryPerWorker == "" {
		cfg.MemoryPerWorker = "2GiB"
	}
	if cfg.CoresPerWorker <= 0 {
		cfg.CoresPerWorker = 1
	}
	for _, s := range systems {
		if err := runOne(ctx, s, paths, cfg, emit); err != nil {
			return err
		}
	}
	return nil
}

func runOne(ctx context.Context, s System, paths map[string]string, cfg Config, emit func(dbbench.Result) error) error {
	e := &engine{Engine: golab.New(nil), name: s.Name, ctx: func(c context.Context) context.Context { return c }}
	defer e.Close()
	if s.Workers > 0 {
		c, err := cluster.Start(ctx, cluster.Config{
			Workers: s.Workers, MemoryPerWorker: cfg.MemoryPerWorker, CoresPerWorker: cfg.CoresPerWorker,
			Binary: cfg.Binary, Log: cfg.Log,
		})
		if err != nil {
			return fmt.Errorf("clusterbench: %s: %w", s.Name, err)
		}
		defer c.Close()
		e.ctx = func(ctx context.Context) context.Context { return cluster.Context(ctx, c) }
	}
	return dbbench.RunEngine(ctx, e, dbbench.Groupby, paths, cfg.Options, emit)
}
