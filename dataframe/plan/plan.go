package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
)

// ScanRequest is what a Scan asks of its Source. Columns == nil means all
// columns. Filters are advisory: a Source may use them to skip data (row
// groups, partitions) but need not apply them row by row; the executor
// always re-applies them.
type ScanRequest struct {
	Columns []string
	Filters []expr.Expr
}

// Source is a table a Scan reads: an in-memory frame, a CSV or Parquet file,
// a directory of partitioned files. Scan returns single-chunk columns in
// the order of req.Columns (or of Schema when nil), all of the returned row
// count; the caller owns (must Release) the returned arrays.
type Source interface {
	Schema() *arrow.Schema
	String() string
	Scan(ctx context.Context, mem memory.Allocator, req ScanRequest) ([]arrow.Array, int, error)
}

// Node is a logical plan operator. Nodes are immutable values; optimizer
// rules return new trees. Schema is the node's output schema, computed and
// validated when the node was built.
type Node interface {
	Schema() *arrow.Schema
	Inputs() []Node
	// WithInputs returns a copy of the node over new inputs, re-validated.
	WithInputs(in []Node) (Node, error)
	describe() string
}

// JoinType enumerates join kinds.
type JoinType uint8

// Join kinds.
const (
	Inner JoinType = iota
	Left
	Right
	Full
	Semi
	Anti
	Cross
)

var joinText = [...]string{"inner", "left", "right", "full", "semi", "anti", "cross"}

func (j JoinType) String() string { return joinText[j] }

// Scan reads a Source. Projection (nil = all) and Filters are filled by
// the optimizer's pushdown rules.
type Scan struct {
	Source     Source
	Projection []string
	Filters    []expr.Expr
	out        *arrow.Schema
}

// Select computes Exprs (a projection; aggregates make it a global aggregation).
type Select struct {
	Input Node
	Exprs []expr.Expr
	out   *arrow.Schema
}

// WithColumns appends or replaces columns.
type WithColumns struct {
	Input Node
	Exprs []expr.Expr
	out   *arrow.Schema
}

// Filter keeps rows where Pred is true.
type Filter struct {
	Input Node
	Pred  expr.Expr
}

// Aggregate groups by Keys and evaluates Aggs (expressions over aggregates)
// per group. Output: key columns then aggregate columns.
type Aggregate struct {
	Input Node
	Keys  []expr.Expr
	Aggs  []expr.Expr
	out   *arrow.Schema
}

// Join joins Left and Right on equal key columns.
type Join struct {
	Left, Right     Node
	LeftOn, RightOn []string
	How             JoinType
	Suffix          string
	out             *arrow.Schema
}

// Sort orders rows by By.
type Sort struct {
	Input     Node
	By        []expr.Expr
	Desc      []bool
	NullsLast []bool
	Stable    bool
}

// Slice keeps rows [Offset, Offset+Len); negative Offset counts from the end.
type Slice struct {
	Input  Node
	Offset int
	Len    int
}

// Rename renames columns Old[i] to New[i].
type Rename struct {
	Input    Node
	Old, New []string
	out      *arrow.Schema
}

// Drop removes columns.
type Drop struct {
	Input Node
	Names []string
	out   *arrow.Schema
}

// Distinct keeps the first row of each distinct combination of Subset
// (all columns when empty).
type Distinct struct {
	Input  Node
	Subset []string
}

// Union concatenates inputs with equal schemas.
type Union struct {
	Ins []Node
}

// Explode unnests list column Column into one row per element.
type Explode struct {
	Input  Node
	Column string
	out    *arrow.Schema
}

func fieldsOf(exprs []expr.Expr, in *arrow.Schema) ([]arrow.Field, error) {
	fields := make([]arrow.Field, 0, len(exprs))
	seen := map[string]bool{}
	for _, e := range exprs {
		t, err := expr.TypeOf(e, in)
		if err != nil {
			return nil, err
		}
		name := expr.OutputName(e)
		if seen[name] {
			return nil, fmt.Errorf("%w: %q produced twice; use Alias to rename one of them", expr.ErrDuplicateColumn, name)
		}
		seen[name] = true
		fields = append(fields, arrow.Field{Name: name, Type: t, Nullable: true})
	}
	return fields, nil
}

// NewScan builds a Scan.
func NewScan(src Source, projection []string, filters []expr.Expr) (*Scan, error) {
	s := src.Schema()
	if projection != nil {
		fields := make([]arrow.Field, len(projection))
		for i, p := range projection {
			idx := s.FieldIndices(p)
			if len(idx) == 0 {
				return nil, expr.ColumnNotFound(p, s)
			}
			fields[i] = s.Field(idx[0])
		}
		s = arrow.NewSchema(fields, nil)
	}
	for _, f := range filters {
		if _, err := expr.TypeOf(f, src.Schema()); err != nil {
			return nil, err
		}
	}
	return &Scan{Source: src, Projection: projection, Filters: filters, out: s}, nil
}

// NewSelect builds a Select.
func NewSelect(in Node, exprs []expr.Expr) (*Select, error) {
	f, err := fieldsOf(exprs, in.Schema())
	if err != nil {
		return nil, err
	}
	return &Select{Input: in, Exprs: exprs, out: arrow.NewSchema(f, nil)}, nil
}

// NewWithColumns builds a WithColumns.
func NewWithColumns(in Node, exprs []expr.Expr) (*WithColumns, error) {
	f, err := fieldsOf(exprs, in.Schema())
	if err != nil {
		return nil, err
	}
	fields := append([]arrow.Field(nil), in.Schema().Fields()...)
	for _, nf := range f {
		replaced := false
		for i := range fields {
			if fields[i].Name == nf.Name {
				fields[i] = nf
				replaced = true
			}
		}
		if !replaced {
			fields = append(fields, nf)
		}
	}
	return &WithColumns{Input: in, Exprs: exprs, out: arrow.NewSchema(fields, nil)}, nil
}

// NewFilter builds a Filter.
func NewFilter(in Node, pred expr.Expr) (*Filter, error) {
	t, err := expr.TypeOf(pred, in.Schema())
	if err != nil {
		return nil, err
	}
	if t.ID() != arrow.BOOL {
		return nil, fmt.Errorf("%w: filter predicate %s is %s, want bool", expr.ErrTypeMismatch, pred, t)
	}
	if expr.HasAgg(pred) {
		return nil, fmt.Errorf("%w: aggregate in filter predicate %s", expr.ErrInvalidArgument, pred)
	}
	return &Filter{Input: in, Pred: pred}, nil
}

// NewAggregate builds an Aggregate.
func NewAggregate(in Node, keys, aggs []expr.Expr) (*Aggregate, error) {
	kf, err := fieldsOf(keys, in.Schema())
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if expr.HasAgg(k) {
			return nil, fmt.Errorf("%w: aggregate in group key %s", expr.ErrInvalidArgument, k)
		}
	}
	af, err := fieldsOf(aggs, in.Schema())
	if err != nil {
		return nil, err
	}
	for i, a := range aggs {
		if !expr.HasAgg(a) {
			// A bare column in agg: polars collects a list; we take first.
			return nil, fmt.Errorf("%w: %s in Agg is not an aggregate; use e.g. .First() or .Sum()", expr.ErrInvalidArgument, aggs[i])
		}
	}
	all := append(kf, af...)
	seen := map[string]bool{}
	for _, f := range all {
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: %q in group-by output; use Alias", expr.ErrDuplicateColumn, f.Name)
		}
		seen[f.Name] = true
	}
	return &Aggregate{Input: in, Keys: keys, Aggs: aggs, out: arrow.NewSchema(all, nil)}, nil
}

// NewJoin builds a Join. Right-side columns whose names clash with left
// ones get Suffix (default "_right"); right key columns are dropped for
// all joins except Full (polars' rule), and Semi/Anti output only Left.
func NewJoin(l, r Node, leftOn, rightOn []string, how JoinType, suffix string) (*Join, error) {
	if suffix == "" {
		suffix = "_right"
	}
	if how != Cross && (len(leftOn) == 0 || len(leftOn) != len(rightOn)) {
		return nil, fmt.Errorf("%w: join needs the same number (>0) of left and right keys, got %d and %d", expr.ErrInvalidArgument, len(leftOn), len(rightOn))
	}
	ls, rs := l.Schema(), r.Schema()
	for i := range leftOn {
		lt, err := expr.TypeOf(expr.Column{Name: leftOn[i]}, ls)
		if err != nil {
			return nil, err
		}
		rt, err := expr.TypeOf(expr.Column{Name: rightOn[i]}, rs)
		if err != nil {
			return nil, err
		}
		if !joinCompatible(lt, rt) {
			return nil, fmt.Errorf("%w: join key %q is %s on the left but %q is %s on the right", expr.ErrSchemaMismatch, leftOn[i], lt, rightOn[i], rt)
		}
	}
	fields := append([]arrow.Field(nil), ls.Fields()...)
	if how != Semi && how != Anti {
		isKey := map[string]bool{}
		if how != Full {
			for _, k := range rightOn {
				isKey[k] = true
			}
		}
		names := map[string]bool{}
		for _, f := range fields {
			names[f.Name] = true
		}
		for _, f := range rs.Fields() {
			if isKey[f.Name] {
				continue
			}
			if names[f.Name] {
				f.Name += suffix
			}
			f.Nullable = true
			names[f.Name] = true
			fields = append(fields, f)
		}
	}
	return &Join{Left: l, Right: r, LeftOn: leftOn, RightOn: rightOn, How: how, Suffix: suffix, out: arrow.NewSchema(fields, nil)}, nil
}

func joinCompatible(a, b arrow.DataType) bool {
	switch {
	case expr.IsInteger(a) && expr.IsInteger(b), expr.IsString(a) && expr.IsString(b), expr.IsNullType(a), expr.IsNullType(b):
		return true
	}
	return arrow.TypeEqual(a, b)
}

// NewSort builds a Sort; desc and nullsLast are broadcast when of length 1.
func NewSort(in Node, by []expr.Expr, desc, nullsLast []bool, stable bool) (*Sort, error) {
	if len(by) == 0 {
		return nil, fmt.Errorf("%w: sort needs at least one key", expr.ErrInvalidArgument)
	}
	for _, b := range by {
		if _, err := expr.TypeOf(b, in.Schema()); err != nil {
			return nil, err
		}
	}
	bc := func(v []bool, name string) ([]bool, error) {
		switch len(v) {
		case 0:
			return make([]bool, len(by)), nil
		case 1:
			out := make([]bool, len(by))
			for i := range out {
				out[i] = v[0]
			}
			return out, nil
		case len(by):
			return v, nil
		}
		return nil, fmt.Errorf("%w: %d sort keys but %d %s flags", expr.ErrInvalidArgument, len(by), len(v), name)
	}
	d, err := bc(desc, "descending")
	if err != nil {
		return nil, err
	}
	n, err := bc(nullsLast, "nulls-last")
	if err != nil {
		return nil, err
	}
	return &Sort{Input: in, By: by, Desc: d, NullsLast: n, Stable: stable}, nil
}

// NewRename builds a Rename.
func NewRename(in Node, old, nw []string) (*Rename, error) {
	if len(old) != len(nw) {
		return nil, fmt.Errorf("%w: rename needs as many new names as old ones", expr.ErrInvalidArgument)
	}
	s := in.Schema()
	fields := append([]arrow.Field(nil), s.Fields()...)
	for i, o := range old {
		idx := s.FieldIndices(o)
		if len(idx) == 0 {
			return nil, expr.ColumnNotFound(o, s)
		}
		fields[idx[0]].Name = nw[i]
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: %q after rename", expr.ErrDuplicateColumn, f.Name)
		}
		seen[f.Name] = true
	}
	return &Rename{Input: in, Old: old, New: nw, out: arrow.NewSchema(fields, nil)}, nil
}

// NewDrop builds a Drop.
func NewDrop(in Node, names []string) (*Drop, error) {
	s := in.Schema()
	drop := map[string]bool{}
	for _, n := range names {
		if len(s.FieldIndices(n)) == 0 {
			return nil, expr.ColumnNotFound(n, s)
		}
		drop[n] = true
	}
	var fields []arrow.Field
	for _, f := range s.Fields() {
		if !drop[f.Name] {
			fields = append(fields, f)
		}
	}
	return &Drop{Input: in, Names: names, out: arrow.NewSchema(fields, nil)}, nil
}

// NewDistinct builds a Distinct.
func NewDistinct(in Node, subset []string) (*Distinct, error) {
	for _, n := range subset {
		if len(in.Schema().FieldIndices(n)) == 0 {
			return nil, expr.ColumnNotFound(n, in.Schema())
		}
	}
	return &Distinct{Input: in, Subset: subset}, nil
}

// NewUnion builds a Union; all inputs must have the same column names and types.
func NewUnion(ins []Node) (*Union, error) {
	if len(ins) == 0 {
		return nil, fmt.Errorf("%w: concat of no frames", expr.ErrInvalidArgument)
	}
	s0 := ins[0].Schema()
	for _, in := range ins[1:] {
		s := in.Schema()
		if s.NumFields() != s0.NumFields() {
			return nil, fmt.Errorf("%w: concat of %d and %d columns", expr.ErrSchemaMismatch, s0.NumFields(), s.NumFields())
		}
		for i, f := range s.Fields() {
			g := s0.Field(i)
			if f.Name != g.Name || !arrow.TypeEqual(f.Type, g.Type) {
				return nil, fmt.Errorf("%w: concat column %d is %s %s in the first frame but %s %s in another", expr.ErrSchemaMismatch, i, g.Name, g.Type, f.Name, f.Type)
			}
		}
	}
	return &Union{Ins: ins}, nil
}

// NewExplode builds an Explode.
func NewExplode(in Node, column string) (*Explode, error) {
	s := in.Schema()
	idx := s.FieldIndices(column)
	if len(idx) == 0 {
		return nil, expr.ColumnNotFound(column, s)
	}
	fields := append([]arrow.Field(nil), s.Fields()...)
	lt, ok := fields[idx[0]].Type.(*arrow.ListType)
	if !ok {
		return nil, fmt.Errorf("%w: explode needs a list column, %q is %s", expr.ErrTypeMismatch, column, fields[idx[0]].Type)
	}
	fields[idx[0]].Type = lt.Elem()
	return &Explode{Input: in, Column: column, out: arrow.NewSchema(fields, nil)}, nil
}

func (n *Scan) Schema() *arrow.Schema        { return n.out }
func (n *Select) Schema() *arrow.Schema      { return n.out }
func (n *WithColumns) Schema() *arrow.Schema { return n.out }
func (n *Filter) Schema() *arrow.Schema      { return n.Input.Schema() }
func (n *Aggregate) Schema() *arrow.Schema   { return n.out }
func (n *Join) Schema() *arrow.Schema        { return n.out }
func (n *Sort) Schema() *arrow.Schema        { return n.Input.Schema() }
func (n *Slice) Schema() *arrow.Schema       { return n.Input.Schema() }
func (n *Rename) Schema() *arrow.Schema      { return n.out }
func (n *Drop) Schema() *arrow.Schema        { return n.out }
func (n *Distinct) Schema() *arrow.Schema    { return n.Input.Schema() }
func (n *Union) Schema() *arrow.Schema       { return n.Ins[0].Schema() }
func (n *Explode) Schema() *arrow.Schema     { return n.out }

func (n *Scan) Inputs() []Node        { return nil }
func (n *Select) Inputs() []Node      { return []Node{n.Input} }
func (n *WithColumns) Inputs() []Node { return []Node{n.Input} }
func (n *Filter) Inputs() []Node      { return []Node{n.Input} }
func (n *Aggregate) Inputs() []Node   { return []Node{n.Input} }
func (n *Join) Inputs() []Node        { return []Node{n.Left, n.Right} }
func (n *Sort) Inputs() []Node        { return []Node{n.Input} }
func (n *Slice) Inputs() []Node       { return []Node{n.Input} }
func (n *Rename) Inputs() []Node      { return []Node{n.Input} }
func (n *Drop) Inputs() []Node        { return []Node{n.Input} }
func (n *Distinct) Inputs() []Node    { return []Node{n.Input} }
func (n *Union) Inputs() []Node       { return n.Ins }
func (n *Explode) Inputs() []Node     { return []Node{n.Input} }

func (n *Scan) WithInputs([]Node) (Node, error) { return n, nil }
func (n *Select) WithInputs(in []Node) (Node, error) {
	return NewSelect(in[0], n.Exprs)
}
func (n *WithColumns) WithInputs(in []Node) (Node, error) { return NewWithColumns(in[0], n.Exprs) }
func (n *Filter) WithInputs(in []Node) (Node, error)      { return NewFilter(in[0], n.Pred) }
func (n *Aggregate) WithInputs(in []Node) (Node, error) {
	return NewAggregate(in[0], n.Keys, n.Aggs)
}
func (n *Join) WithInputs(in []Node) (Node, error) {
	return NewJoin(in[0], in[1], n.LeftOn, n.RightOn, n.How, n.Suffix)
}
func (n *Sort) WithInputs(in []Node) (Node, error) {
	return NewSort(in[0], n.By, n.Desc, n.NullsLast, n.Stable)
}
func (n *Slice) WithInputs(in []Node) (Node, error) {
	return &Slice{Input: in[0], Offset: n.Offset, Len: n.Len}, nil
}
func (n *Rename) WithInputs(in []Node) (Node, error)   { return NewRename(in[0], n.Old, n.New) }
func (n *Drop) WithInputs(in []Node) (Node, error)     { return NewDrop(in[0], n.Names) }
func (n *Distinct) WithInputs(in []Node) (Node, error) { return NewDistinct(in[0], n.Subset) }
func (n *Union) WithInputs(in []Node) (Node, error)    { return NewUnion(in) }
func (n *Explode) WithInputs(in []Node) (Node, error)  { return NewExplode(in[0], n.Column) }

func exprList(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (n *Scan) describe() string {
	s := "SCAN " + n.Source.String()
	if n.Projection != nil {
		s += " PROJECT [" + strings.Join(n.Projection, ", ") + "]"
	} else {
		s += fmt.Sprintf(" PROJECT */%d COLUMNS", n.Source.Schema().NumFields())
	}
	if len(n.Filters) > 0 {
		s += " SELECTION " + expr.JoinAnd(n.Filters).String()
	}
	return s
}
func (n *Select) describe() string      { return "SELECT " + exprList(n.Exprs) }
func (n *WithColumns) describe() string { return "WITH_COLUMNS " + exprList(n.Exprs) }
func (n *Filter) describe() string      { return "FILTER " + n.Pred.String() }
func (n *Aggregate) describe() string {
	return "AGGREGATE " + exprList(n.Aggs) + " BY " + exprList(n.Keys)
}
func (n *Join) describe() string {
	if n.How == Cross {
		return "CROSS JOIN"
	}
	return fmt.Sprintf("%s JOIN ON left [%s] = right [%s]", strings.ToUpper(n.How.String()), strings.Join(n.LeftOn, ", "), strings.Join(n.RightOn, ", "))
}
func (n *Sort) describe() string {
	return fmt.Sprintf("SORT BY %s DESC %v NULLS_LAST %v", exprList(n.By), n.Desc, n.NullsLast)
}
func (n *Slice) describe() string { return fmt.Sprintf("SLICE offset=%d len=%d", n.Offset, n.Len) }
func (n *Rename) describe() string {
	parts := make([]string, len(n.Old))
	for i := range n.Old {
		parts[i] = n.Old[i] + " -> " + n.New[i]
	}
	return "RENAME [" + strings.Join(parts, ", ") + "]"
}
func (n *Drop) describe() string     { return "DROP [" + strings.Join(n.Names, ", ") + "]" }
func (n *Distinct) describe() string { return "UNIQUE [" + strings.Join(n.Subset, ", ") + "]" }
func (n *Union) describe() string    { return fmt.Sprintf("UNION %d inputs", len(n.Ins)) }
func (n *Explode) describe() string  { return "EXPLODE " + n.Column }

// Explain renders the tree, one node per line, children indented by two spaces.
func Explain(n Node) string {
	var sb strings.Builder
	var rec func(Node, int)
	rec = func(n Node, depth int) {
		sb.WriteString(strings.Repeat("  ", depth))
		sb.WriteString(n.describe())
		sb.WriteByte('\n')
		for _, c := range n.Inputs() {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return sb.String()
}
