package cluster

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// This file is the wire form of plan fragments: logical plan nodes and
// expressions as JSON. Leaves are Scans of named task inputs (inputSource);
// any other Source cannot be shipped and makes the fragment run on the
// coordinator instead.

// exprJSON is one expression node. K names the kind.
type exprJSON struct {
	K      string      `json:"k"`
	Name   string      `json:"name,omitempty"`
	Lit    *litJSON    `json:"lit,omitempty"`
	Op     uint8       `json:"op,omitempty"`
	L      *exprJSON   `json:"l,omitempty"`
	R      *exprJSON   `json:"r,omitempty"`
	X      *exprJSON   `json:"x,omitempty"`
	Y      *exprJSON   `json:"y,omitempty"`
	Type   []byte      `json:"type,omitempty"`
	Param  uint64      `json:"param,omitempty"` // float64 bits
	Args   []*exprJSON `json:"args,omitempty"`
	Params []*litJSON  `json:"params,omitempty"`
	Part   []*exprJSON `json:"part,omitempty"`
	Offset int         `json:"offset,omitempty"`
	Desc   bool        `json:"desc,omitempty"`
}

// litJSON is a literal value; floats travel as bits so NaN and Inf survive.
type litJSON struct {
	T string `json:"t"` // null bool int int64 float64 string time
	B bool   `json:"b,omitempty"`
	I int64  `json:"i,omitempty"`
	U uint64 `json:"u,omitempty"`
	S string `json:"s,omitempty"`
}

// nodeJSON is one plan node. K names the kind.
type nodeJSON struct {
	K          string      `json:"k"`
	Input      string      `json:"input,omitempty"` // scan: task input name
	Projection []string    `json:"projection,omitempty"`
	AllCols    bool        `json:"all_cols,omitempty"` // scan: Projection == nil
	Filters    []*exprJSON `json:"filters,omitempty"`
	Ins        []*nodeJSON `json:"ins,omitempty"`
	Exprs      []*exprJSON `json:"exprs,omitempty"`
	Keys       []*exprJSON `json:"keys,omitempty"`
	Pred       *exprJSON   `json:"pred,omitempty"`
	LeftOn     []string    `json:"left_on,omitempty"`
	RightOn    []string    `json:"right_on,omitempty"`
	How        uint8       `json:"how,omitempty"`
	Suffix     string      `json:"suffix,omitempty"`
	Desc       []bool      `json:"desc,omitempty"`
	NullsLast  []bool      `json:"nulls_last,omitempty"`
	Stable     bool        `json:"stable,omitempty"`
	Offset     int         `json:"offset,omitempty"`
	Len        int         `json:"len,omitempty"`
	Old        []string    `json:"old,omitempty"`
	New        []string    `json:"new,omitempty"`
	Names      []string    `json:"names,omitempty"`
	Column     string      `json:"column,omitempty"`
}

func encodeLit(v any) (*litJSON, error) {
	switch v := v.(type) {
	case nil:
		return &litJSON{T: "null"}, nil
	case bool:
		return &litJSON{T: "bool", B: v}, nil
	case int:
		return &litJSON{T: "int", I: int64(v)}, nil
	case int64:
		return &litJSON{T: "int64", I: v}, nil
	case float64:
		return &litJSON{T: "float64", U: math.Float64bits(v)}, nil
	case string:
		return &litJSON{T: "string", S: v}, nil
	case time.Time:
		b, err := v.MarshalText()
		if err != nil {
			return nil, err
		}
		return &litJSON{T: "time", S: string(b)}, nil
	}
	return nil, fmt.Errorf("%w: literal of type %T", ErrNotShippable, v)
}

func decodeLit(l *litJSON) (any, error) {
	if l == nil {
		return nil, fmt.Errorf("%w: missing literal", ErrProtocol)
	}
	switch l.T {
	case "null":
		return nil, nil
	case "bool":
		return l.B, nil
	case "int":
		return int(l.I), nil
	case "int64":
		return l.I, nil
	case "float64":
		return math.Float64frombits(l.U), nil
	case "string":
		return l.S, nil
	case "time":
		var t time.Time
		err := t.UnmarshalText([]byte(l.S))
		return t, err
	}
	return nil, fmt.Errorf("%w: unknown literal kind %q", ErrProtocol, l.T)
}

// encodeType ships an Arrow type as a one-field IPC schema.
func encodeType(t arrow.DataType) []byte {
	return flight.SerializeSchema(arrow.NewSchema([]arrow.Field{{Name: "t", Type: t, Nullable: true}}, nil), memory.DefaultAllocator)
}

func decodeType(b []byte) (arrow.DataType, error) {
	s, err := flight.DeserializeSchema(b, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%w: type: %v", ErrProtocol, err)
	}
	if s.NumFields() != 1 {
		return nil, fmt.Errorf("%w: type schema has %d fields", ErrProtocol, s.NumFields())
	}
	return s.Field(0).Type, nil
}

func encodeExprs(es []expr.Expr) ([]*exprJSON, error) {
	out := make([]*exprJSON, len(es))
	for i, e := range es {
		j, err := encodeExpr(e)
		if err != nil {
			return nil, err
		}
		out[i] = j
	}
	return out, nil
}

func encodeExpr(e expr.Expr) (*exprJSON, error) {
	if e == nil {
		return nil, nil
	}
	var err error
	sub := func(x expr.Expr) *exprJSON {
		if err != nil || x == nil {
			return nil
		}
		var j *exprJSON
		j, err = encodeExpr(x)
		return j
	}
	var j *exprJSON
	switch n := e.(type) {
	case expr.Column:
		j = &exprJSON{K: "col", Name: n.Name}
	case expr.Literal:
		l, lerr := encodeLit(n.Value)
		if lerr != nil {
			return nil, lerr
		}
		j = &exprJSON{K: "lit", Lit: l}
	case expr.Binary:
		j = &exprJSON{K: "bin", Op: uint8(n.Op), L: sub(n.L), R: sub(n.R)}
	case expr.Unary:
		j = &exprJSON{K: "un", Op: uint8(n.Op), X: sub(n.X)}
	case expr.Alias:
		j = &exprJSON{K: "alias", Name: n.Name, X: sub(n.X)}
	case expr.Cast:
		j = &exprJSON{K: "cast", X: sub(n.X), Type: encodeType(n.To)}
	case expr.Agg:
		j = &exprJSON{K: "agg", Name: string(n.Func), X: sub(n.X), Y: sub(n.Y), Param: math.Float64bits(n.Param)}
	case expr.Func:
		j = &exprJSON{K: "func", Name: n.Name}
		for _, a := range n.Args {
			j.Args = append(j.Args, sub(a))
		}
		for _, p := range n.Params {
			l, lerr := encodeLit(p)
			if lerr != nil {
				return nil, lerr
			}
			j.Params = append(j.Params, l)
		}
	case expr.Window:
		j = &exprJSON{K: "win", Name: n.Name, X: sub(n.X), Offset: n.Offset, Desc: n.Desc}
		for _, p := range n.PartitionBy {
			j.Part = append(j.Part, sub(p))
		}
	default:
		return nil, fmt.Errorf("%w: expression %T", ErrNotShippable, e)
	}
	return j, err
}

func decodeExprs(js []*exprJSON) ([]expr.Expr, error) {
	if js == nil {
		return nil, nil
	}
	out := make([]expr.Expr, len(js))
	for i, j := range js {
		e, err := decodeExpr(j)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func decodeExpr(j *exprJSON) (expr.Expr, error) {
	if j == nil {
		return nil, nil
	}
	var err error
	sub := func(x *exprJSON) expr.Expr {
		if err != nil || x == nil {
			return nil
		}
		var e expr.Expr
		e, err = decodeExpr(x)
		return e
	}
	need := func(e expr.Expr) expr.Expr {
		if e == nil && err == nil {
			err = fmt.Errorf("%w: %s expression misses an operand", ErrProtocol, j.K)
		}
		return e
	}
	var e expr.Expr
	switch j.K {
	case "col":
		e = expr.Column{Name: j.Name}
	case "lit":
		v, lerr := decodeLit(j.Lit)
		if lerr != nil {
			return nil, lerr
		}
		e = expr.Literal{Value: v}
	case "bin":
		if j.Op > uint8(expr.Or) {
			return nil, fmt.Errorf("%w: binary operator %d", ErrProtocol, j.Op)
		}
		e = expr.Binary{Op: expr.BinOp(j.Op), L: need(sub(j.L)), R: need(sub(j.R))}
	case "un":
		if j.Op > uint8(expr.IsNotNull) {
			return nil, fmt.Errorf("%w: unary operator %d", ErrProtocol, j.Op)
		}
		e = expr.Unary{Op: expr.UnOp(j.Op), X: need(sub(j.X))}
	case "alias":
		e = expr.Alias{X: need(sub(j.X)), Name: j.Name}
	case "cast":
		t, terr := decodeType(j.Type)
		if terr != nil {
			return nil, terr
		}
		e = expr.Cast{X: need(sub(j.X)), To: t}
	case "agg":
		e = expr.Agg{Func: expr.AggFunc(j.Name), X: sub(j.X), Y: sub(j.Y), Param: math.Float64frombits(j.Param)}
	case "func":
		f := expr.Func{Name: j.Name}
		for _, a := range j.Args {
			f.Args = append(f.Args, need(sub(a)))
		}
		for _, p := range j.Params {
			v, lerr := decodeLit(p)
			if lerr != nil {
				return nil, lerr
			}
			f.Params = append(f.Params, v)
		}
		if len(f.Args) == 0 && err == nil {
			err = fmt.Errorf("%w: function %s without arguments", ErrProtocol, j.Name)
		}
		e = f
	case "win":
		w := expr.Window{Name: j.Name, X: sub(j.X), Offset: j.Offset, Desc: j.Desc}
		for _, p := range j.Part {
			w.PartitionBy = append(w.PartitionBy, need(sub(p)))
		}
		e = w
	default:
		return nil, fmt.Errorf("%w: unknown expression kind %q", ErrProtocol, j.K)
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// encodeNode encodes a fragment whose Scans read inputSources.
func encodeNode(n plan.Node) (*nodeJSON, error) {
	var err error
	ex := func(es []expr.Expr) []*exprJSON {
		if err != nil {
			return nil
		}
		var j []*exprJSON
		j, err = encodeExprs(es)
		return j
	}
	var j *nodeJSON
	switch n := n.(type) {
	case *plan.Scan:
		src, ok := n.Source.(*inputSource)
		if !ok {
			return nil, fmt.Errorf("%w: scan of %s", ErrNotShippable, n.Source)
		}
		j = &nodeJSON{K: "scan", Input: src.name, Projection: n.Projection, AllCols: n.Projection == nil, Filters: ex(n.Filters)}
	case *plan.Select:
		j = &nodeJSON{K: "select", Exprs: ex(n.Exprs)}
	case *plan.WithColumns:
		j = &nodeJSON{K: "with_columns", Exprs: ex(n.Exprs)}
	case *plan.Filter:
		p := ex([]expr.Expr{n.Pred})
		j = &nodeJSON{K: "filter"}
		if len(p) == 1 {
			j.Pred = p[0]
		}
	case *plan.Aggregate:
		j = &nodeJSON{K: "aggregate", Keys: ex(n.Keys), Exprs: ex(n.Aggs)}
	case *plan.Join:
		j = &nodeJSON{K: "join", LeftOn: n.LeftOn, RightOn: n.RightOn, How: uint8(n.How), Suffix: n.Suffix}
	case *plan.Sort:
		j = &nodeJSON{K: "sort", Exprs: ex(n.By), Desc: n.Desc, NullsLast: n.NullsLast, Stable: n.Stable}
	case *plan.Slice:
		j = &nodeJSON{K: "slice", Offset: n.Offset, Len: n.Len}
	case *plan.Rename:
		j = &nodeJSON{K: "rename", Old: n.Old, New: n.New}
	case *plan.Drop:
		j = &nodeJSON{K: "drop", Names: n.Names}
	case *plan.Distinct:
		j = &nodeJSON{K: "distinct", Names: n.Subset}
	case *plan.Union:
		j = &nodeJSON{K: "union"}
	case *plan.Explode:
		j = &nodeJSON{K: "explode", Column: n.Column}
	default:
		return nil, fmt.Errorf("%w: plan node %T", ErrNotShippable, n)
	}
	if err != nil {
		return nil, err
	}
	for _, in := range n.Inputs() {
		c, err := encodeNode(in)
		if err != nil {
			return nil, err
		}
		j.Ins = append(j.Ins, c)
	}
	return j, nil
}

// decodeNode rebuilds a fragment through plan's validating constructors;
// inputs maps task input names to their sources.
func decodeNode(j *nodeJSON, inputs map[string]plan.Source) (plan.Node, error) {
	if j == nil {
		return nil, fmt.Errorf("%w: missing plan node", ErrProtocol)
	}
	ins := make([]plan.Node, len(j.Ins))
	for i, c := range j.Ins {
		n, err := decodeNode(c, inputs)
		if err != nil {
			return nil, err
		}
		ins[i] = n
	}
	arity := func(k int) error {
		if len(ins) != k {
			return fmt.Errorf("%w: %s node with %d inputs, want %d", ErrProtocol, j.K, len(ins), k)
		}
		return nil
	}
	exprs, err := decodeExprs(j.Exprs)
	if err != nil {
		return nil, err
	}
	switch j.K {
	case "scan":
		src, ok := inputs[j.Input]
		if !ok {
			return nil, fmt.Errorf("%w: task input %q was not uploaded", ErrProtocol, j.Input)
		}
		filters, err := decodeExprs(j.Filters)
		if err != nil {
			return nil, err
		}
		proj := j.Projection
		if j.AllCols {
			proj = nil
		} else if proj == nil {
			proj = []string{}
		}
		return plan.NewScan(src, proj, filters)
	case "union":
		return plan.NewUnion(ins)
	case "join":
		if err := arity(2); err != nil {
			return nil, err
		}
		if j.How > uint8(plan.Cross) {
			return nil, fmt.Errorf("%w: join type %d", ErrProtocol, j.How)
		}
		return plan.NewJoin(ins[0], ins[1], j.LeftOn, j.RightOn, plan.JoinType(j.How), j.Suffix)
	}
	if err := arity(1); err != nil {
		return nil, err
	}
	in := ins[0]
	switch j.K {
	case "select":
		return plan.NewSelect(in, exprs)
	case "with_columns":
		return plan.NewWithColumns(in, exprs)
	case "filter":
		p, err := decodeExpr(j.Pred)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, fmt.Errorf("%w: filter without predicate", ErrProtocol)
		}
		return plan.NewFilter(in, p)
	case "aggregate":
		keys, err := decodeExprs(j.Keys)
		if err != nil {
			return nil, err
		}
		return plan.NewAggregate(in, keys, exprs)
	case "sort":
		return plan.NewSort(in, exprs, j.Desc, j.NullsLast, j.Stable)
	case "slice":
		return &plan.Slice{Input: in, Offset: j.Offset, Len: j.Len}, nil
	case "rename":
		return plan.NewRename(in, j.Old, j.New)
	case "drop":
		return plan.NewDrop(in, j.Names)
	case "distinct":
		return plan.NewDistinct(in, j.Names)
	case "explode":
		return plan.NewExplode(in, j.Column)
	}
	return nil, fmt.Errorf("%w: unknown plan node kind %q", ErrProtocol, j.K)
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled
	}
	return b
}
