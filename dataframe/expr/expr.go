package expr

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expr is a node of an expression tree. All implementations are plain,
// comparable-by-String structs in this package; trees are immutable once
// built (rewrites build new trees).
type Expr interface {
	// String renders the expression in the canonical form used by
	// Explain output and for structural equality (CSE).
	String() string
	isExpr()
}

// Column references an input column by name.
type Column struct{ Name string }

// Literal is a constant. Value is one of nil, bool, int64, float64, string,
// time.Time.
type Literal struct{ Value any }

// BinOp is a binary operator.
type BinOp uint8

// Binary operators.
const (
	Add BinOp = iota
	Sub
	Mul
	Div
	Mod
	Eq
	NotEq
	Lt
	LtEq
	Gt
	GtEq
	And
	Or
)

var binOpText = [...]string{"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&", "|"}

func (o BinOp) String() string { return binOpText[o] }

// IsComparison reports whether o yields a boolean from two comparable operands.
func (o BinOp) IsComparison() bool { return o >= Eq && o <= GtEq }

// IsLogical reports whether o is And or Or.
func (o BinOp) IsLogical() bool { return o == And || o == Or }

// Binary applies Op to L and R element-wise.
type Binary struct {
	Op   BinOp
	L, R Expr
}

// UnOp is a unary operator.
type UnOp uint8

// Unary operators.
const (
	Not UnOp = iota
	Neg
	IsNull
	IsNotNull
)

var unOpText = [...]string{"not", "neg", "is_null", "is_not_null"}

func (o UnOp) String() string { return unOpText[o] }

// Unary applies Op to X element-wise.
type Unary struct {
	Op UnOp
	X  Expr
}

// Alias renames the output of X.
type Alias struct {
	X    Expr
	Name string
}

// Cast converts X to type To.
type Cast struct {
	X  Expr
	To arrow.DataType
}

// AggFunc names an aggregate function.
type AggFunc string

// Aggregate functions.
const (
	AggSum      AggFunc = "sum"
	AggMean     AggFunc = "mean"
	AggMin      AggFunc = "min"
	AggMax      AggFunc = "max"
	AggCount    AggFunc = "count" // non-null values of X; X == nil counts rows
	AggLen      AggFunc = "len"   // rows in the group
	AggStd      AggFunc = "std"
	AggVar      AggFunc = "var"
	AggMedian   AggFunc = "median"
	AggQuantile AggFunc = "quantile"
	AggNUnique  AggFunc = "n_unique"
	AggFirst    AggFunc = "first"
	AggLast     AggFunc = "last"
	AggTopK     AggFunc = "top_k"
	AggBottomK  AggFunc = "bottom_k"
	AggCorr     AggFunc = "corr"
)

// Agg is an aggregate of X (and Y for corr). Param is the quantile for
// AggQuantile, k for AggTopK/AggBottomK, ddof for std/var.
type Agg struct {
	Func  AggFunc
	X     Expr
	Y     Expr
	Param float64
}

// Func is a scalar function (string, datetime, fill_null, ...). Name is the
// dotted polars name ("str.contains", "dt.year", "fill_null"); Params are
// literal parameters.
type Func struct {
	Name   string
	Args   []Expr
	Params []any
}

// Window is a window function evaluated over partitions of the frame.
// Name is one of "rank", "cum_sum", "lag", "lead", "over" (X is an aggregate
// broadcast back to its partition's rows). Offset is the lag/lead distance.
type Window struct {
	Name        string
	X           Expr
	PartitionBy []Expr
	Offset      int
	Desc        bool
}

func (Column) isExpr()  {}
func (Literal) isExpr() {}
func (Binary) isExpr()  {}
func (Unary) isExpr()   {}
func (Alias) isExpr()   {}
func (Cast) isExpr()    {}
func (Agg) isExpr()     {}
func (Func) isExpr()    {}
func (Window) isExpr()  {}

func (c Column) String() string { return "col(" + strconv.Quote(c.Name) + ")" }

func (l Literal) String() string {
	switch v := l.Value.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case time.Time:
		return "dyn " + v.Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

func (b Binary) String() string {
	return "[(" + b.L.String() + ") " + b.Op.String() + " (" + b.R.String() + ")]"
}

func (u Unary) String() string {
	if u.Op == Neg {
		return "-(" + u.X.String() + ")"
	}
	return u.X.String() + "." + u.Op.String() + "()"
}

func (a Alias) String() string { return a.X.String() + ".alias(" + strconv.Quote(a.Name) + ")" }

func (c Cast) String() string { return c.X.String() + ".cast(" + c.To.String() + ")" }

func (a Agg) String() string {
	x := "len()"
	if a.X != nil {
		x = a.X.String()
	}
	switch a.Func {
	case AggLen:
		return "len()"
	case AggQuantile:
		return fmt.Sprintf("%s.quantile(%g)", x, a.Param)
	case AggTopK, AggBottomK:
		return fmt.Sprintf("%s.%s(%d)", x, a.Func, int(a.Param))
	case AggCorr:
		return fmt.Sprintf("pearson_corr(%s, %s)", x, a.Y.String())
	case AggStd, AggVar:
		if a.Param != 1 {
			return fmt.Sprintf("%s.%s(ddof=%g)", x, a.Func, a.Param)
		}
	}
	return x + "." + string(a.Func) + "()"
}

func (f Func) String() string {
	var sb strings.Builder
	if len(f.Args) > 0 {
		sb.WriteString(f.Args[0].String())
		sb.WriteByte('.')
	}
	sb.WriteString(f.Name)
	sb.WriteByte('(')
	n := 0
	for _, a := range f.Args[min(1, len(f.Args)):] {
		if n > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(a.String())
		n++
	}
	for _, p := range f.Params {
		if n > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(Literal{p}.String())
		n++
	}
	sb.WriteByte(')')
	return sb.String()
}

func (w Window) String() string {
	parts := make([]string, len(w.PartitionBy))
	for i, p := range w.PartitionBy {
		parts[i] = p.String()
	}
	x := ""
	if w.X != nil {
		x = w.X.String()
	}
	s := x
	switch w.Name {
	case "over":
	case "lag", "lead":
		s = fmt.Sprintf("%s.%s(%d)", x, w.Name, w.Offset)
	default:
		s = fmt.Sprintf("%s.%s(desc=%v)", x, w.Name, w.Desc)
	}
	return s + ".over([" + strings.Join(parts, ", ") + "])"
}

// Children returns the direct sub-expressions of e.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case Binary:
		return []Expr{e.L, e.R}
	case Unary:
		return []Expr{e.X}
	case Alias:
		return []Expr{e.X}
	case Cast:
		return []Expr{e.X}
	case Agg:
		var out []Expr
		if e.X != nil {
			out = append(out, e.X)
		}
		if e.Y != nil {
			out = append(out, e.Y)
		}
		return out
	case Func:
		return e.Args
	case Window:
		out := append([]Expr(nil), e.PartitionBy...)
		if e.X != nil {
			out = append(out, e.X)
		}
		return out
	}
	return nil
}

// Transform rebuilds e bottom-up, replacing each node n by f(n) after its
// children were transformed.
func Transform(e Expr, f func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	switch n := e.(type) {
	case Binary:
		n.L, n.R = Transform(n.L, f), Transform(n.R, f)
		e = n
	case Unary:
		n.X = Transform(n.X, f)
		e = n
	case Alias:
		n.X = Transform(n.X, f)
		e = n
	case Cast:
		n.X = Transform(n.X, f)
		e = n
	case Agg:
		n.X, n.Y = Transform(n.X, f), Transform(n.Y, f)
		e = n
	case Func:
		args := make([]Expr, len(n.Args))
		for i, a := range n.Args {
			args[i] = Transform(a, f)
		}
		n.Args = args
		e = n
	case Window:
		parts := make([]Expr, len(n.PartitionBy))
		for i, a := range n.PartitionBy {
			parts[i] = Transform(a, f)
		}
		n.PartitionBy = parts
		n.X = Transform(n.X, f)
		e = n
	}
	return f(e)
}

// Walk calls f for e and every descendant, parents first. It stops
// descending below a node when f returns false.
func Walk(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, f)
	}
}

// Columns returns the distinct column names e references, in first-use order.
func Columns(e Expr) []string {
	var out []string
	seen := map[string]bool{}
	Walk(e, func(n Expr) bool {
		if c, ok := n.(Column); ok && !seen[c.Name] {
			seen[c.Name] = true
			out = append(out, c.Name)
		}
		return true
	})
	return out
}

// StripAlias returns e without the aliases around it.
func StripAlias(e Expr) Expr {
	for {
		a, ok := e.(Alias)
		if !ok {
			return e
		}
		e = a.X
	}
}

// HasAgg reports whether e contains an aggregate outside a window.
func HasAgg(e Expr) bool {
	found := false
	Walk(e, func(n Expr) bool {
		switch n.(type) {
		case Agg:
			found = true
			return false
		case Window:
			return false
		}
		return !found
	})
	return found
}

// HasWindow reports whether e contains a window function.
func HasWindow(e Expr) bool {
	found := false
	Walk(e, func(n Expr) bool {
		if _, ok := n.(Window); ok {
			found = true
		}
		return !found
	})
	return found
}

// OutputName is the column name e produces: the alias, else the name of the
// left-most column it references, else "literal" (polars' rule).
func OutputName(e Expr) string {
	switch n := e.(type) {
	case Alias:
		return n.Name
	case Column:
		return n.Name
	case Literal:
		return "literal"
	case Agg:
		if n.X == nil {
			return "len"
		}
		return OutputName(n.X)
	case Binary:
		return OutputName(n.L)
	case Window:
		if n.X != nil {
			return OutputName(n.X)
		}
	}
	for _, c := range Children(e) {
		if name := OutputName(c); name != "literal" {
			return name
		}
	}
	return "literal"
}

// SplitAnd splits a conjunction into its terms.
func SplitAnd(e Expr) []Expr {
	if b, ok := e.(Binary); ok && b.Op == And {
		return append(SplitAnd(b.L), SplitAnd(b.R)...)
	}
	return []Expr{e}
}

// JoinAnd builds the conjunction of terms (nil for none).
func JoinAnd(terms []Expr) Expr {
	var out Expr
	for _, t := range terms {
		if out == nil {
			out = t
		} else {
			out = Binary{Op: And, L: out, R: t}
		}
	}
	return out
}

// Equal reports structural equality.
func Equal(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.String() == b.String()
}
