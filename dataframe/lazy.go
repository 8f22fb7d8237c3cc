package dataframe

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/optimize"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// LazyFrame is a query plan. Methods return new LazyFrames and never fail:
// an error in building (unknown column, type mismatch) is kept and
// returned by Collect or Explain. A LazyFrame is immutable and safe to
// share between goroutines.
type LazyFrame struct {
	node plan.Node
	err  error
}

func (lf *LazyFrame) then(f func(plan.Node) (plan.Node, error)) *LazyFrame {
	if lf.err != nil {
		return lf
	}
	n, err := f(lf.node)
	if err != nil {
		return &LazyFrame{err: err}
	}
	return &LazyFrame{node: n}
}

// Err returns the first error recorded while building the plan.
func (lf *LazyFrame) Err() error { return lf.err }

// Select evaluates columns (names) and expressions. Aggregates without
// GroupBy reduce the frame to one row.
func (lf *LazyFrame) Select(columns ...any) *LazyFrame {
	es := toExprs(columns)
	if mixesAggs(es) {
		es = broadcastAll(es) // see broadcast.go
	}
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewSelect(n, es) })
}

// WithColumns adds or replaces columns.
func (lf *LazyFrame) WithColumns(exprs ...Expr) *LazyFrame {
	es := broadcastAll(unwrap(exprs)) // an aggregate repeats on every row (broadcast.go)
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewWithColumns(n, es) })
}

// WithColumn adds or replaces one column.
func (lf *LazyFrame) WithColumn(e Expr) *LazyFrame { return lf.WithColumns(e) }

// Filter keeps rows where all predicates are true (null counts as false).
func (lf *LazyFrame) Filter(predicates ...Expr) *LazyFrame {
	if len(predicates) == 0 {
		return lf
	}
	p := broadcastAggs(expr.JoinAnd(unwrap(predicates))) // broadcast.go
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewFilter(n, p) })
}

// GroupBy starts a grouped aggregation by key columns (names or Exprs).
func (lf *LazyFrame) GroupBy(keys ...any) *LazyGroupBy {
	return &LazyGroupBy{lf: lf, keys: toExprs(keys)}
}

// LazyGroupBy is a LazyFrame waiting for Agg.
type LazyGroupBy struct {
	lf   *LazyFrame
	keys []expr.Expr
}

// Agg evaluates aggregate expressions per group. The result has the key
// columns then one column per expression. Group order is unspecified
// (sort afterwards when it matters).
func (g *LazyGroupBy) Agg(aggs ...Expr) *LazyFrame {
	es := unwrap(aggs)
	return g.lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewAggregate(n, g.keys, es) })
}

// JoinType selects the kind of join.
type JoinType = plan.JoinType

// Join kinds.
const (
	Inner = plan.Inner
	Left  = plan.Left
	Right = plan.Right
	Full  = plan.Full
	Semi  = plan.Semi
	Anti  = plan.Anti
	Cross = plan.Cross
)

// JoinOptions configures Join. On names key columns present on both
// sides; LeftOn/RightOn name them per side instead. How defaults to Inner.
// Suffix (default "_right") is appended to right column names that clash.
type JoinOptions struct {
	On      []string
	LeftOn  []string
	RightOn []string
	How     JoinType
	Suffix  string
}

// Join joins lf (left) with other (right). Null keys never match.
func (lf *LazyFrame) Join(other *LazyFrame, opts JoinOptions) *LazyFrame {
	if other.err != nil {
		return &LazyFrame{err: other.err}
	}
	lo, ro := opts.LeftOn, opts.RightOn
	if len(opts.On) > 0 {
		lo, ro = opts.On, opts.On
	}
	return lf.then(func(n plan.Node) (plan.Node, error) {
		return plan.NewJoin(n, other.node, lo, ro, opts.How, opts.Suffix)
	})
}

// SortOptions configures Sort. By holds column names or Exprs; Descending
// and NullsLast have one entry per key or one for all.
type SortOptions struct {
	By         []any
	Descending []bool
	NullsLast  []bool
}

// Sort orders rows (stable).
func (lf *LazyFrame) Sort(opts SortOptions) *LazyFrame {
	by := toExprs(opts.By)
	return lf.then(func(n plan.Node) (plan.Node, error) {
		return plan.NewSort(n, by, opts.Descending, opts.NullsLast, true)
	})
}

// SortBy orders rows ascending by columns (names or Exprs).
func (lf *LazyFrame) SortBy(columns ...any) *LazyFrame { return lf.Sort(SortOptions{By: columns}) }

// Limit keeps the first n rows (alias Head).
func (lf *LazyFrame) Limit(n int) *LazyFrame { return lf.Slice(0, n) }

// Head keeps the first n rows.
func (lf *LazyFrame) Head(n int) *LazyFrame { return lf.Slice(0, n) }

// Tail keeps the last n rows.
func (lf *LazyFrame) Tail(n int) *LazyFrame {
	if n < 0 {
		return &LazyFrame{err: fmt.Errorf("%w: Tail(%d)", ErrInvalidArgument, n)}
	}
	return lf.Slice(-n, n)
}

// Slice keeps length rows from offset (negative offset counts from the
// end; negative length means to the end).
func (lf *LazyFrame) Slice(offset, length int) *LazyFrame {
	return lf.then(func(n plan.Node) (plan.Node, error) {
		return &plan.Slice{Input: n, Offset: offset, Len: length}, nil
	})
}

// Rename renames columns: pairs of old, new names, e.g. Rename("a", "x", "b", "y").
func (lf *LazyFrame) Rename(oldNew ...string) *LazyFrame {
	if len(oldNew)%2 != 0 {
		return &LazyFrame{err: fmt.Errorf("%w: Rename needs pairs of old and new names, got %d names", ErrInvalidArgument, len(oldNew))}
	}
	var o, nw []string
	for i := 0; i < len(oldNew); i += 2 {
		o, nw = append(o, oldNew[i]), append(nw, oldNew[i+1])
	}
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewRename(n, o, nw) })
}

// Drop removes columns.
func (lf *LazyFrame) Drop(columns ...string) *LazyFrame {
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewDrop(n, columns) })
}

// Unique keeps the first row of each distinct combination of subset
// columns (all columns when none given), in first-occurrence order.
func (lf *LazyFrame) Unique(subset ...string) *LazyFrame {
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewDistinct(n, subset) })
}

// Explode turns each element of list column into its own row.
func (lf *LazyFrame) Explode(column string) *LazyFrame {
	return lf.then(func(n plan.Node) (plan.Node, error) { return plan.NewExplode(n, column) })
}

// DropNulls drops rows with a null in any of columns (all when none given).
func (lf *LazyFrame) DropNulls(columns ...string) *LazyFrame {
	if lf.err != nil {
		return lf
	}
	if len(columns) == 0 {
		for _, f := range lf.node.Schema().Fields() {
			columns = append(columns, f.Name)
		}
	}
	var preds []Expr
	for _, c := range columns {
		preds = append(preds, Col(c).IsNotNull())
	}
	return lf.Filter(preds...)
}

// FillNull replaces nulls in every column whose type fits value.
func (lf *LazyFrame) FillNull(value any) *LazyFrame {
	if lf.err != nil {
		return lf
	}
	lit := toExpr(value)
	lt := expr.LiteralType(normLit(value))
	var es []Expr
	for _, f := range lf.node.Schema().Fields() {
		ok := (expr.IsNumeric(f.Type) && expr.IsNumeric(lt)) || (expr.IsString(f.Type) && expr.IsString(lt)) || f.Type.ID() == lt.ID()
		if ok {
			es = append(es, Expr{expr.Func{Name: "fill_null", Args: []expr.Expr{expr.Column{Name: f.Name}, lit}}})
		}
	}
	if len(es) == 0 {
		return lf
	}
	return lf.WithColumns(es...)
}

// Concat stacks frames with the same columns vertically.
func Concat(frames ...*LazyFrame) *LazyFrame {
	var ns []plan.Node
	for _, f := range frames {
		if f.err != nil {
			return f
		}
		ns = append(ns, f.node)
	}
	n, err := plan.NewUnion(ns)
	if err != nil {
		return &LazyFrame{err: err}
	}
	return &LazyFrame{node: n}
}

// Columns returns the output column names (nil when the plan has an error).
func (lf *LazyFrame) Columns() []string {
	if lf.err != nil {
		return nil
	}
	var out []string
	for _, f := range lf.node.Schema().Fields() {
		out = append(out, f.Name)
	}
	return out
}

// CollectOptions tunes Collect. The zero value optimizes and runs on the
// executor from the context (local by default).
type CollectOptions struct {
	// NoOptimize runs the plan as written (for differential testing).
	NoOptimize bool
	// Allocator for result and intermediate buffers (default: from ctx,
	// else memory.DefaultAllocator).
	Allocator memory.Allocator
	// Workers overrides the local executor's parallelism (0: GOMAXPROCS).
	Workers int
}

// Collect optimizes and runs the plan and returns the result, which the
// caller owns. Cancelling ctx stops the query between morsels.
func (lf *LazyFrame) Collect(ctx context.Context) (*Frame, error) {
	return lf.CollectWith(ctx, CollectOptions{})
}

// CollectWith is Collect with options.
func (lf *LazyFrame) CollectWith(ctx context.Context, opts CollectOptions) (*Frame, error) {
	if lf.err != nil {
		return nil, lf.err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	n := lf.node
	if !opts.NoOptimize {
		var err error
		if n, err = optimize.Optimize(n, nil); err != nil {
			return nil, err
		}
	}
	if opts.Allocator != nil {
		ctx = exec.WithAllocator(ctx, opts.Allocator)
	}
	e := exec.FromContext(ctx)
	if opts.Workers > 0 {
		if _, ok := e.(exec.Local); ok {
			e = exec.Local{Workers: opts.Workers}
		}
	}
	t, err := e.Execute(ctx, n)
	if err != nil {
		return nil, err
	}
	return frameFromTable(t), nil
}

// Explain returns the logical plan as text, optimized unless optimized is false.
func (lf *LazyFrame) Explain(optimized bool) (string, error) {
	if lf.err != nil {
		return "", lf.err
	}
	n := lf.node
	if optimized {
		var err error
		if n, err = optimize.Optimize(n, nil); err != nil {
			return "", err
		}
	}
	return plan.Explain(n), nil
}

// ExplainPhysical returns the physical operator tree for the local executor.
func (lf *LazyFrame) ExplainPhysical() (string, error) {
	if lf.err != nil {
		return "", lf.err
	}
	n, err := optimize.Optimize(lf.node, nil)
	if err != nil {
		return "", err
	}
	op, err := physical.Lower(n)
	if err != nil {
		return "", err
	}
	return physical.Explain(op), nil
}

// Plan returns the logical plan root (for executors and tools).
func (lf *LazyFrame) Plan() (plan.Node, error) { return lf.node, lf.err }

// ScanSource returns a LazyFrame reading src, a plan.Source made outside
// this package (a cluster's cached partitions, for one). The optimizer
// pushes projections and filters into the Scan as hints, as for files.
func ScanSource(src plan.Source) *LazyFrame {
	n, err := plan.NewScan(src, nil, nil)
	return &LazyFrame{node: n, err: err}
}
