package physical

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// Operator is a node of the physical plan. Run materializes the operator's
// output; the caller owns the returned Table.
type Operator interface {
	Run(ctx context.Context, env *Env) (*Table, error)
	// Describe is the one-line text used by physical explain output.
	Describe() string
	Children() []Operator
}

// Lower translates an (optimized) logical plan into physical operators.
func Lower(n plan.Node) (Operator, error) {
	var ins []Operator
	for _, c := range n.Inputs() {
		op, err := Lower(c)
		if err != nil {
			return nil, err
		}
		ins = append(ins, op)
	}
	switch x := n.(type) {
	case *plan.Scan:
		return &ScanOp{Node: x}, nil
	case *plan.Select:
		anyAgg := false
		for _, e := range x.Exprs {
			if expr.HasAgg(e) {
				anyAgg = true
			}
		}
		if anyAgg {
			for _, e := range x.Exprs {
				if !expr.HasAgg(e) {
					if _, lit := expr.StripAlias(e).(expr.Literal); !lit {
						return nil, fmt.Errorf("%w: select mixes aggregates with the non-aggregate %s; use GroupBy or WithColumns(... .Over(...))", expr.ErrInvalidArgument, e)
					}
				}
			}
			return &HashAggOp{In: ins[0], Aggs: x.Exprs, Out: x.Schema()}, nil
		}
		return &ProjectOp{In: ins[0], Exprs: x.Exprs, Out: x.Schema()}, nil
	case *plan.WithColumns:
		return &ProjectOp{In: ins[0], Exprs: x.Exprs, Out: x.Schema(), Keep: true}, nil
	case *plan.Filter:
		return &FilterOp{In: ins[0], Pred: x.Pred}, nil
	case *plan.Aggregate:
		return &HashAggOp{In: ins[0], Keys: x.Keys, Aggs: x.Aggs, Out: x.Schema()}, nil
	case *plan.Join:
		return &HashJoinOp{L: ins[0], R: ins[1], Node: x}, nil
	case *plan.Sort:
		return &SortOp{In: ins[0], Node: x}, nil
	case *plan.Slice:
		return &SliceOp{In: ins[0], Offset: x.Offset, Len: x.Len}, nil
	case *plan.Rename:
		return &SchemaOp{In: ins[0], Out: x.Schema(), What: "RENAME"}, nil
	case *plan.Drop:
		keep := make([]string, 0)
		for _, f := range x.Schema().Fields() {
			keep = append(keep, f.Name)
		}
		return &ProjectOp{In: ins[0], Exprs: cols(keep), Out: x.Schema()}, nil
	case *plan.Distinct:
		return &DistinctOp{In: ins[0], Subset: x.Subset}, nil
	case *plan.Union:
		return &UnionOp{Ins: ins, Out: x.Schema()}, nil
	case *plan.Explode:
		return &ExplodeOp{In: ins[0], Column: x.Column, Out: x.Schema()}, nil
	}
	return nil, fmt.Errorf("%w: plan node %T", expr.ErrUnsupported, n)
}

func cols(names []string) []expr.Expr {
	out := make([]expr.Expr, len(names))
	for i, n := range names {
		out[i] = expr.Column{Name: n}
	}
	return out
}

// Explain renders a physical plan tree.
func Explain(op Operator) string {
	var sb strings.Builder
	var rec func(Operator, int)
	rec = func(o Operator, d int) {
		sb.WriteString(strings.Repeat("  ", d))
		sb.WriteString(o.Describe())
		sb.WriteByte('\n')
		for _, c := range o.Children() {
			rec(c, d+1)
		}
	}
	rec(op, 0)
	return sb.String()
}

// ScanOp reads a Source and applies pushed-down filters.
type ScanOp struct{ Node *plan.Scan }

func (s *ScanOp) Describe() string     { return "SCAN " + s.Node.Source.String() }
func (s *ScanOp) Children() []Operator { return nil }
func (s *ScanOp) Run(ctx context.Context, env *Env) (*Table, error) {
	cols, n, err := s.Node.Source.Scan(ctx, env.Mem, plan.ScanRequest{Columns: s.Node.Projection, Filters: s.Node.Filters})
	if err != nil {
		return nil, err
	}
	t := fixSchema(&Table{Schema: s.Node.Schema(), Cols: cols, Rows: n})
	if len(s.Node.Filters) > 0 {
		// Filters may reference columns outside the projection only if the
		// optimizer kept them; it always does (projection includes filter columns).
		out, err := filterTable(ctx, env, t, expr.JoinAnd(s.Node.Filters))
		t.Release()
		return out, err
	}
	return t, nil
}

// ProjectOp evaluates expressions (Select) or appends/replaces columns (Keep).
type ProjectOp struct {
	In    Operator
	Exprs []expr.Expr
	Out   *arrow.Schema
	Keep  bool
}

func (p *ProjectOp) Describe() string {
	if p.Keep {
		return "WITH_COLUMNS " + exprList(p.Exprs)
	}
	return "PROJECT " + exprList(p.Exprs)
}
func (p *ProjectOp) Children() []Operator { return []Operator{p.In} }
func (p *ProjectOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := p.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	return project(ctx, env, in, p.Exprs, p.Out, p.Keep)
}

func project(ctx context.Context, env *Env, in *Table, exprs []expr.Expr, out *arrow.Schema, keep bool) (*Table, error) {
	names := make([]string, len(exprs))
	for i, e := range exprs {
		names[i] = expr.OutputName(e)
	}
	src, exprs, err := materializeWindows(ctx, env, in, exprs)
	if err != nil {
		return nil, err
	}
	if src != in {
		defer src.Release()
	}
	computed := map[string]arrow.Array{}
	defer func() {
		for _, a := range computed {
			a.Release()
		}
	}()
	for i, e := range exprs {
		a, err := EvalArray(ctx, env, src, e)
		if err != nil {
			return nil, err
		}
		computed[names[i]] = a
	}
	t := &Table{Schema: out, Rows: in.Rows}
	if len(exprs) == 0 && !keep {
		t.Rows = 0
	}
	for _, f := range out.Fields() {
		a, ok := computed[f.Name]
		if !ok {
			a = in.Col(f.Name)
		}
		if a.Len() != t.Rows && a.Len() == 1 {
			// broadcast a scalar result (e.g. literal) — rare; use take.
			idx := make([]int32, t.Rows)
			b, err := take(ctx, env, a, idx)
			if err != nil {
				t.Release()
				return nil, err
			}
			t.Cols = append(t.Cols, b)
			continue
		}
		a.Retain()
		t.Cols = append(t.Cols, a)
	}
	return fixSchema(t), nil
}

func exprList(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// FilterOp keeps rows where Pred holds.
type FilterOp struct {
	In   Operator
	Pred expr.Expr
}

func (f *FilterOp) Describe() string     { return "FILTER " + f.Pred.String() }
func (f *FilterOp) Children() []Operator { return []Operator{f.In} }
func (f *FilterOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := f.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	return filterTable(ctx, env, in, f.Pred)
}

func filterTable(ctx context.Context, env *Env, in *Table, pred expr.Expr) (*Table, error) {
	src, es, err := materializeWindows(ctx, env, in, []expr.Expr{pred})
	if err != nil {
		return nil, err
	}
	if src != in {
		defer src.Release()
	}
	ev := &evaluator{ctx: ctx, env: env, t: src}
	defer func() {
		for _, o := range ev.owned {
			o.Release()
		}
	}()
	v, err := ev.eval(es[0])
	if err != nil {
		return nil, err
	}
	if v.k != kBool && v.k != kNull {
		return nil, fmt.Errorf("%w: filter predicate %s is %s, want bool", expr.ErrTypeMismatch, pred, v.dt)
	}
	n := in.Rows
	keep := func(i int) bool {
		if v.k == kNull {
			return false
		}
		j := i
		if v.scalar {
			j = 0
		}
		return v.b[j] && (v.valid == nil || v.valid[j])
	}
	nm := (n + MorselSize - 1) / MorselSize
	counts := make([]int, nm+1)
	if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
		c := 0
		for i := lo; i < hi; i++ {
			if keep(i) {
				c++
			}
		}
		counts[lo/MorselSize+1] = c
	}); err != nil {
		return nil, err
	}
	for m := 1; m <= nm; m++ {
		counts[m] += counts[m-1]
	}
	if counts[nm] == n {
		for _, c := range in.Cols {
			c.Retain()
		}
		return &Table{Schema: in.Schema, Cols: slices.Clone(in.Cols), Rows: n}, nil
	}
	idx := make([]int32, counts[nm])
	if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
		p := counts[lo/MorselSize]
		for i := lo; i < hi; i++ {
			if keep(i) {
				idx[p] = int32(i)
				p++
			}
		}
	}); err != nil {
		return nil, err
	}
	return takeTable(ctx, env, in, idx)
}

// HashAggOp groups by Keys (none: one global group) and evaluates Aggs.
type HashAggOp struct {
	In   Operator
	Keys []expr.Expr
	Aggs []expr.Expr
	Out  *arrow.Schema
}

func (h *HashAggOp) Describe() string {
	return "HASH_AGGREGATE " + exprList(h.Aggs) + " BY " + exprList(h.Keys)
}
func (h *HashAggOp) Children() []Operator { return []Operator{h.In} }
func (h *HashAggOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := h.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	return groupBy(ctx, env, in, h.Keys, h.Aggs, h.Out)
}

func groupBy(ctx context.Context, env *Env, in *Table, keys, aggs []expr.Expr, out *arrow.Schema) (*Table, error) {
	var keyArrs []arrow.Array
	defer func() {
		for _, a := range keyArrs {
			a.Release()
		}
	}()
	for _, k := range keys {
		a, err := EvalArray(ctx, env, in, k)
		if err != nil {
			return nil, err
		}
		keyArrs = append(keyArrs, a)
	}
	g, err := groupKeys(ctx, env, keyArrs, in.Rows)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 && in.Rows == 0 {
		g = &Groups{N: 1, First: []int32{-1}}
	}
	// Intermediate table: key columns, then one column per distinct aggregate.
	var fields []arrow.Field
	var cols []arrow.Array
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if len(keyArrs) > 0 {
		fix, err := newIndex(ctx, env, g.First)
		if err != nil {
			return nil, err
		}
		ks, err := takeColumns(ctx, env, keyArrs, fix, len(g.First))
		fix.release()
		if err != nil {
			return nil, err
		}
		for i, k := range ks {
			cols = append(cols, k)
			fields = append(fields, arrow.Field{Name: expr.OutputName(keys[i]), Type: k.DataType(), Nullable: true})
		}
	}
	aggIdx := map[string]string{}
	var rewritten []expr.Expr
	for _, a := range aggs {
		var aerr error
		r := expr.Transform(a, func(e expr.Expr) expr.Expr {
			ag, ok := e.(expr.Agg)
			if !ok || aerr != nil {
				return e
			}
			key := ag.String()
			name, seen := aggIdx[key]
			if !seen {
				name = fmt.Sprintf("__agg_%d", len(aggIdx))
				aggIdx[key] = name
				arr, err := aggregate(ctx, env, in, g, ag)
				if err != nil {
					aerr = err
					return e
				}
				cols = append(cols, arr)
				fields = append(fields, arrow.Field{Name: name, Type: arr.DataType(), Nullable: true})
			}
			return expr.Column{Name: name}
		})
		if aerr != nil {
			release()
			return nil, aerr
		}
		rewritten = append(rewritten, expr.Alias{X: r, Name: expr.OutputName(a)})
	}
	mid := &Table{Schema: arrow.NewSchema(fields, nil), Cols: cols, Rows: g.N}
	defer mid.Release()
	res := &Table{Schema: out, Rows: g.N}
	for i := range keys {
		cols[i].Retain()
		res.Cols = append(res.Cols, cols[i])
	}
	for _, e := range rewritten {
		a, err := EvalArray(ctx, env, mid, e)
		if err != nil {
			res.Release()
			return nil, err
		}
		res.Cols = append(res.Cols, a)
	}
	// Types may differ from the plan's (e.g. storage types); rebuild schema.
	fs := make([]arrow.Field, len(res.Cols))
	for i, c := range res.Cols {
		fs[i] = arrow.Field{Name: out.Field(i).Name, Type: c.DataType(), Nullable: true}
	}
	res.Schema = arrow.NewSchema(fs, nil)
	return res, nil
}

// HashJoinOp joins L and R.
type HashJoinOp struct {
	L, R Operator
	Node *plan.Join
}

func (j *HashJoinOp) Describe() string {
	return fmt.Sprintf("HASH_JOIN %s left [%s] right [%s]", j.Node.How, strings.Join(j.Node.LeftOn, ", "), strings.Join(j.Node.RightOn, ", "))
}
func (j *HashJoinOp) Children() []Operator { return []Operator{j.L, j.R} }
func (j *HashJoinOp) Run(ctx context.Context, env *Env) (*Table, error) {
	l, err := j.L.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	r, err := j.R.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	return hashJoin(ctx, env, l, r, j.Node)
}

func hashJoin(ctx context.Context, env *Env, l, r *Table, n *plan.Join) (*Table, error) {
	how := n.How
	var li, ri []int32
	if how == plan.Cross {
		total := l.Rows * r.Rows
		li, ri = make([]int32, total), make([]int32, total)
		for i := 0; i < l.Rows; i++ {
			if i&1023 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			for k := 0; k < r.Rows; k++ {
				li[i*r.Rows+k], ri[i*r.Rows+k] = int32(i), int32(k)
			}
		}
	} else {
		lk := make([]arrow.Array, len(n.LeftOn))
		rk := make([]arrow.Array, len(n.RightOn))
		for i := range lk {
			lk[i], rk[i] = l.Col(n.LeftOn[i]), r.Col(n.RightOn[i])
		}
		var err error
		if how == plan.Right {
			ri, li, err = joinIndices(ctx, env, plan.Left, rk, lk, r.Rows, l.Rows)
		} else {
			li, ri, err = joinIndices(ctx, env, how, lk, rk, l.Rows, r.Rows)
		}
		if err != nil {
			return nil, err
		}
	}
	rows := len(li)
	if li == nil {
		rows = len(ri) // li is the identity
	}
	out := &Table{Schema: n.Schema(), Rows: rows}
	lix, err := newIndex(ctx, env, li)
	if err != nil {
		return nil, err
	}
	defer lix.release()
	rix, err := newIndex(ctx, env, ri)
	if err != nil {
		return nil, err
	}
	defer rix.release()
	isRightKey := map[string]int{}
	for i, k := range n.RightOn {
		isRightKey[k] = i
	}
	isLeftKey := map[string]int{}
	for i, k := range n.LeftOn {
		isLeftKey[k] = i
	}
	// Output columns in order, each gathered by the left or right index;
	// the columns of one side are gathered together (takeColumns).
	var bySide [2][]arrow.Array
	var slot [2][]int
	add := func(side int, src arrow.Array) {
		bySide[side] = append(bySide[side], src)
		slot[side] = append(slot[side], len(slot[0])+len(slot[1]))
	}
	for _, f := range l.Schema.Fields() {
		if k, ok := isLeftKey[f.Name]; ok && (how == plan.Right) {
			add(1, r.Col(n.RightOn[k]))
		} else {
			add(0, l.Col(f.Name))
		}
	}
	if how != plan.Semi && how != plan.Anti {
		for _, f := range r.Schema.Fields() {
			if _, ok := isRightKey[f.Name]; ok && how != plan.Full {
				continue
			}
			add(1, r.Col(f.Name))
		}
	}
	out.Cols = make([]arrow.Array, len(slot[0])+len(slot[1]))
	for side, ix := range []*index{lix, rix} {
		got, err := takeColumns(ctx, env, bySide[side], ix, rows)
		if err != nil {
			out.Release()
			return nil, err
		}
		for k, a := range got {
			out.Cols[slot[side][k]] = a
		}
	}
	return fixSchema(out), nil
}

// SortOp orders rows.
type SortOp struct {
	In   Operator
	Node *plan.Sort
}

func (s *SortOp) Describe() string     { return "SORT " + exprList(s.Node.By) }
func (s *SortOp) Children() []Operator { return []Operator{s.In} }
func (s *SortOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := s.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	var keys []arrow.Array
	defer func() {
		for _, k := range keys {
			k.Release()
		}
	}()
	for _, b := range s.Node.By {
		a, err := EvalArray(ctx, env, in, b)
		if err != nil {
			return nil, err
		}
		keys = append(keys, a)
	}
	idx, err := sortIndices(ctx, env, keys, s.Node.Desc, s.Node.NullsLast, in.Rows)
	if err != nil {
		return nil, err
	}
	return takeTable(ctx, env, in, idx)
}

// SliceOp keeps a row range.
type SliceOp struct {
	In          Operator
	Offset, Len int
}

func (s *SliceOp) Describe() string     { return fmt.Sprintf("SLICE offset=%d len=%d", s.Offset, s.Len) }
func (s *SliceOp) Children() []Operator { return []Operator{s.In} }
func (s *SliceOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := s.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	lo := s.Offset
	if lo < 0 {
		lo += in.Rows
	}
	lo = max(0, min(lo, in.Rows))
	hi := in.Rows
	if s.Len >= 0 {
		hi = min(in.Rows, lo+s.Len)
	}
	return sliceTable(in, lo, hi), nil
}

// SchemaOp relabels columns (rename) without touching data.
type SchemaOp struct {
	In   Operator
	Out  *arrow.Schema
	What string
}

func (s *SchemaOp) Describe() string     { return s.What }
func (s *SchemaOp) Children() []Operator { return []Operator{s.In} }
func (s *SchemaOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := s.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	fs := make([]arrow.Field, len(in.Cols))
	for i, c := range in.Cols {
		fs[i] = s.Out.Field(i)
		fs[i].Type = c.DataType()
	}
	in.Schema = arrow.NewSchema(fs, nil)
	return in, nil
}

// DistinctOp keeps the first row of every distinct key.
type DistinctOp struct {
	In     Operator
	Subset []string
}

func (d *DistinctOp) Describe() string     { return "UNIQUE [" + strings.Join(d.Subset, ", ") + "]" }
func (d *DistinctOp) Children() []Operator { return []Operator{d.In} }
func (d *DistinctOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := d.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	var keys []arrow.Array
	if len(d.Subset) == 0 {
		keys = in.Cols
	} else {
		for _, s := range d.Subset {
			keys = append(keys, in.Col(s))
		}
	}
	g, err := groupKeys(ctx, env, keys, in.Rows)
	if err != nil {
		return nil, err
	}
	first := slices.Clone(g.First)
	slices.Sort(first)
	return takeTable(ctx, env, in, first)
}

// UnionOp concatenates its inputs.
type UnionOp struct {
	Ins []Operator
	Out *arrow.Schema
}

func (u *UnionOp) Describe() string     { return fmt.Sprintf("UNION %d", len(u.Ins)) }
func (u *UnionOp) Children() []Operator { return u.Ins }
func (u *UnionOp) Run(ctx context.Context, env *Env) (*Table, error) {
	var ts []*Table
	defer func() {
		for _, t := range ts {
			t.Release()
		}
	}()
	rows := 0
	for _, in := range u.Ins {
		t, err := in.Run(ctx, env)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		rows += t.Rows
	}
	out := &Table{Schema: ts[0].Schema, Rows: rows}
	for c := range ts[0].Cols {
		parts := make([]arrow.Array, len(ts))
		for i, t := range ts {
			parts[i] = t.Cols[c]
		}
		a, err := array.Concatenate(parts, env.Mem)
		if err != nil {
			out.Release()
			return nil, fmt.Errorf("%w: concat column %q: %v", expr.ErrSchemaMismatch, ts[0].Schema.Field(c).Name, err)
		}
		out.Cols = append(out.Cols, a)
	}
	return out, nil
}

// ExplodeOp unnests a list column.
type ExplodeOp struct {
	In     Operator
	Column string
	Out    *arrow.Schema
}

func (e *ExplodeOp) Describe() string     { return "EXPLODE " + e.Column }
func (e *ExplodeOp) Children() []Operator { return []Operator{e.In} }
func (e *ExplodeOp) Run(ctx context.Context, env *Env) (*Table, error) {
	in, err := e.In.Run(ctx, env)
	if err != nil {
		return nil, err
	}
	defer in.Release()
	list, ok := in.Col(e.Column).(*array.List)
	if !ok {
		return nil, fmt.Errorf("%w: explode of non-list column %q", expr.ErrTypeMismatch, e.Column)
	}
	offs := list.Offsets()
	var rowIdx, valIdx []int32
	for i := 0; i < in.Rows; i++ {
		if i&(MorselSize-1) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		lo, hi := offs[i], offs[i+1]
		if list.IsNull(i) || lo == hi {
			rowIdx = append(rowIdx, int32(i))
			valIdx = append(valIdx, -1)
			continue
		}
		for j := lo; j < hi; j++ {
			rowIdx = append(rowIdx, int32(i))
			valIdx = append(valIdx, j)
		}
	}
	out := &Table{Schema: e.Out, Rows: len(rowIdx)}
	for i, f := range in.Schema.Fields() {
		var a arrow.Array
		var err error
		if f.Name == e.Column {
			a, err = take(ctx, env, list.ListValues(), valIdx)
		} else {
			a, err = take(ctx, env, in.Cols[i], rowIdx)
		}
		if err != nil {
			out.Release()
			return nil, err
		}
		out.Cols = append(out.Cols, a)
	}
	return fixSchema(out), nil
}

// Run executes a physical plan.
func Run(ctx context.Context, env *Env, op Operator) (*Table, error) { return op.Run(ctx, env) }
