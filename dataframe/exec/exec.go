package exec

import (
	"context"
	"runtime"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// Executor runs an optimized logical plan and returns its materialized
// result, which the caller owns (must Release). Implementations must be
// safe for concurrent use, must honour ctx cancellation, and must return
// errors (never panic) for any plan that plan's constructors accepted.
//
// The local executor is the default; package cluster provides another.
type Executor interface {
	Execute(ctx context.Context, root plan.Node) (*physical.Table, error)
}

type ctxKey struct{}
type memKey struct{}

// WithExecutor returns a context whose queries run on e.
func WithExecutor(ctx context.Context, e Executor) context.Context {
	return context.WithValue(ctx, ctxKey{}, e)
}

// FromContext returns the Executor stored in ctx, or the local executor.
func FromContext(ctx context.Context) Executor {
	if ctx != nil {
		if e, ok := ctx.Value(ctxKey{}).(Executor); ok && e != nil {
			return e
		}
	}
	return Local{}
}

// WithAllocator returns a context whose queries allocate from mem.
func WithAllocator(ctx context.Context, mem memory.Allocator) context.Context {
	return context.WithValue(ctx, memKey{}, mem)
}

// AllocatorFromContext returns the allocator stored in ctx or memory.DefaultAllocator.
func AllocatorFromContext(ctx context.Context) memory.Allocator {
	if ctx != nil {
		if m, ok := ctx.Value(memKey{}).(memory.Allocator); ok && m != nil {
			return m
		}
	}
	return memory.DefaultAllocator
}

// Local runs plans in this process, morsel-parallel on Workers goroutines
// (runtime.GOMAXPROCS(0) when zero).
type Local struct {
	Workers int
}

// Execute implements Executor.
func (l Local) Execute(ctx context.Context, root plan.Node) (*physical.Table, error) {
	w := l.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	env := &physical.Env{Mem: AllocatorFromContext(ctx), Workers: w}
	p, err := physical.Lower(root)
	if err != nil {
		return nil, err
	}
	return p.Run(ctx, env)
}
