package dataframe

import (
	"context"
	"fmt"
	"runtime"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/physical"
)

func runtimeGOMAXPROCS() int { return runtime.GOMAXPROCS(0) }

// castTo converts a to t through the engine's Cast (dictionary encoding
// included); the result is owned by the caller.
func castTo(ctx context.Context, a arrow.Array, t arrow.DataType) (arrow.Array, error) {
	return castWith(ctx, memory.DefaultAllocator, a, t)
}

func castInts(ctx context.Context, mem memory.Allocator, a arrow.Array, t arrow.DataType) (arrow.Array, error) {
	return castWith(ctx, mem, a, t)
}

func castWith(ctx context.Context, mem memory.Allocator, a arrow.Array, t arrow.DataType) (arrow.Array, error) {
	tbl := &physical.Table{Schema: arrow.NewSchema([]arrow.Field{{Name: "x", Type: a.DataType(), Nullable: true}}, nil), Cols: []arrow.Array{a}, Rows: a.Len()}
	env := &physical.Env{Mem: mem, Workers: runtime.GOMAXPROCS(0)}
	out, err := physical.EvalArray(ctx, env, tbl, expr.Cast{X: expr.Column{Name: "x"}, To: t})
	if err != nil {
		return nil, fmt.Errorf("%w: reading column as %s: %v", ErrTypeMismatch, t, err)
	}
	return out, nil
}
