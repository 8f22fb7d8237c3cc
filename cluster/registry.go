package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/physical"
)

// TaskFunc is a named task compiled into the golab binary. It receives
// the parameters the coordinator passed to RunTask (JSON) and the task's
// input tables, which it must not release or keep; it returns a table
// the caller owns. Allocate Arrow buffers from
// exec.AllocatorFromContext(ctx) (the worker's memory-limited allocator)
// and return ctx.Err() promptly when ctx is cancelled.
type TaskFunc func(ctx context.Context, params json.RawMessage, inputs []*physical.Table) (*physical.Table, error)

var registry struct {
	sync.RWMutex
	m map[string]TaskFunc
}

// RegisterTask makes fn callable by name on every worker. Call it from an
// init function of a package linked into cmd/golab (so coordinator and
// workers, being the same binary, both know the name). It panics if name
// is empty or registered twice, like database/sql.Register.
func RegisterTask(name string, fn TaskFunc) {
	registry.Lock()
	defer registry.Unlock()
	if name == "" || fn == nil {
		panic("cluster: RegisterTask needs a name and a function")
	}
	if registry.m == nil {
		registry.m = map[string]TaskFunc{}
	}
	if _, dup := registry.m[name]; dup {
		panic("cluster: RegisterTask called twice for " + name)
	}
	registry.m[name] = fn
}

// Tasks returns the registered task names, sorted.
func Tasks() []string {
	registry.RLock()
	defer registry.RUnlock()
	var out []string
	for n := range registry.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func runRegistered(ctx context.Context, name string, params json.RawMessage, inputs []*physical.Table, mem memory.Allocator) (*physical.Table, error) {
	registry.RLock()
	fn := registry.m[name]
	registry.RUnlock()
	if fn == nil {
		return nil, fmt.Errorf("%w: %q is not registered in this worker (registered: %v); RegisterTask must run in an init function of a package cmd/golab links", ErrUnknownTask, name, Tasks())
	}
	t, err := fn(exec.WithAllocator(ctx, mem), params, inputs)
	if err == nil && t == nil {
		err = fmt.Errorf("cluster: task function %q returned no table and no error", name)
	}
	return t, err
}

// TaskCall is one invocation of a registered task: its input tables
// (borrowed; RunTask does not release them).
type TaskCall struct {
	Inputs []*physical.Table
}

// RunTask runs the registered task name once per call, spread over the
// workers, with params marshalled to JSON, and returns the results in
// call order; the caller owns (must Release) them. Failed attempts are
// retried on other workers as for queries.
func (c *Cluster) RunTask(ctx context.Context, name string, params any, calls []TaskCall) (_ []*physical.Table, err error) {
	p, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("%w: task %q parameters: %v", ErrConfig, name, err)
	}
	j, err := c.newJob(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { j.finish(err) }()
	ts := make([]*task, len(calls))
	for i, call := range calls {
		ts[i] = &task{id: fmt.Sprintf("%s.%d", name, i), fn: name, params: p, inputs: call.Inputs}
	}
	res, err := j.runStage(ctx, "task "+name, ts)
	if err != nil {
		return nil, err
	}
	out := make([]*physical.Table, len(res))
	for i, r := range res {
		out[i] = r[0]
	}
	return out, nil
}

// EchoTask is the name of a built-in task: it returns its inputs
// concatenated, after sleeping params.sleep_ms milliseconds (stopping
// early when cancelled). Tests and health checks use it.
const EchoTask = "cluster.echo"

func init() {
	RegisterTask(EchoTask, func(ctx context.Context, params json.RawMessage, inputs []*physical.Table) (*physical.Table, error) {
		var p struct {
			SleepMS int `json:"sleep_ms"`
		}
		if len(params) > 0 {
			if err := json.Unmarshal(params, &p); err != nil {
				return nil, fmt.Errorf("%w: %s parameters: %v", expr.ErrInvalidArgument, EchoTask, err)
			}
		}
		if p.SleepMS > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(p.SleepMS) * time.Millisecond):
			}
		}
		if len(inputs) == 0 {
			return nil, fmt.Errorf("%w: %s needs at least one input", expr.ErrInvalidArgument, EchoTask)
		}
		return concatTables(exec.AllocatorFromContext(ctx), inputs[0].Schema, inputs)
	})
}
