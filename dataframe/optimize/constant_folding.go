package optimize

import (
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// ConstantFolding evaluates operators whose operands are all literals and
// simplifies boolean identities (x & true -> x, x | false -> x,
// x & false -> false, x | true -> true, not(literal)); a filter that folds
// to true disappears.
type ConstantFolding struct{}

// Name implements Rule.
func (ConstantFolding) Name() string { return "constant_folding" }

// Apply implements Rule.
func (r ConstantFolding) Apply(n plan.Node) (plan.Node, error) {
	n, err := rewriteInputs(n, r.Apply)
	if err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case *plan.Filter:
		p := Fold(x.Pred)
		if l, ok := p.(expr.Literal); ok && l.Value == true {
			return x.Input, nil
		}
		if p.String() != x.Pred.String() {
			return plan.NewFilter(x.Input, p)
		}
	case *plan.Select:
		if es, ok := foldAll(x.Exprs); ok {
			return plan.NewSelect(x.Input, es)
		}
	case *plan.WithColumns:
		if es, ok := foldAll(x.Exprs); ok {
			return plan.NewWithColumns(x.Input, es)
		}
	case *plan.Aggregate:
		if es, ok := foldAll(x.Aggs); ok {
			return plan.NewAggregate(x.Input, x.Keys, es)
		}
	}
	return n, nil
}

func foldAll(es []expr.Expr) ([]expr.Expr, bool) {
	changed := false
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		out[i] = Fold(e)
		if out[i].String() != e.String() {
			// keep the output name stable
			if expr.OutputName(out[i]) != expr.OutputName(e) {
				out[i] = expr.Alias{X: out[i], Name: expr.OutputName(e)}
			}
			changed = true
		}
	}
	return out, changed
}

// Fold returns e with constant sub-expressions evaluated.
func Fold(e expr.Expr) expr.Expr {
	return expr.Transform(e, func(n expr.Expr) expr.Expr {
		switch x := n.(type) {
		case expr.Unary:
			if l, ok := x.X.(expr.Literal); ok {
				switch x.Op {
				case expr.Not:
					if b, ok := l.Value.(bool); ok {
						return expr.Literal{Value: !b}
					}
				case expr.Neg:
					switch v := l.Value.(type) {
					case int64:
						return expr.Literal{Value: -v}
					case float64:
						return expr.Literal{Value: -v}
					}
				case expr.IsNull:
					return expr.Literal{Value: l.Value == nil}
				case expr.IsNotNull:
					return expr.Literal{Value: l.Value != nil}
				}
			}
		case expr.Binary:
			ll, lok := x.L.(expr.Literal)
			rl, rok := x.R.(expr.Literal)
			if lok && rok {
				if v, ok := foldBinary(x.Op, ll.Value, rl.Value); ok {
					return expr.Literal{Value: v}
				}
			}
			if x.Op == expr.And || x.Op == expr.Or {
				isAnd := x.Op == expr.And
				for _, side := range [2]struct {
					lit   expr.Literal
					ok    bool
					other expr.Expr
				}{{ll, lok, x.R}, {rl, rok, x.L}} {
					if !side.ok {
						continue
					}
					b, isBool := side.lit.Value.(bool)
					if !isBool {
						continue
					}
					if b == isAnd { // x & true, x | false
						return side.other
					}
					return expr.Literal{Value: b} // x & false, x | true
				}
			}
		}
		return n
	})
}

func foldBinary(op expr.BinOp, a, b any) (any, bool) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			switch op {
			case expr.Add:
				return x + y, true
			case expr.Sub:
				return x - y, true
			case expr.Mul:
				return x * y, true
			case expr.Div:
				return float64(x) / float64(y), true
			}
			return cmpFold(op, cmp3(float64(x), float64(y)))
		case float64:
			return foldBinary(op, float64(x), y)
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return foldBinary(op, x, float64(y))
		case float64:
			switch op {
			case expr.Add:
				return x + y, true
			case expr.Sub:
				return x - y, true
			case expr.Mul:
				return x * y, true
			case expr.Div:
				return x / y, true
			}
			if x != x || y != y {
				return nil, false
			}
			return cmpFold(op, cmp3(x, y))
		}
	case string:
		if y, ok := b.(string); ok {
			if op == expr.Add {
				return x + y, true
			}
			c := 0
			if x < y {
				c = -1
			} else if x > y {
				c = 1
			}
			return cmpFold(op, c)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch op {
			case expr.And:
				return x && y, true
			case expr.Or:
				return x || y, true
			case expr.Eq:
				return x == y, true
			case expr.NotEq:
				return x != y, true
			}
		}
	}
	return nil, false
}

func cmp3(x, y float64) int {
	if x < y {
		return -1
	}
	if x > y {
		return 1
	}
	return 0
}

func cmpFold(op expr.BinOp, c int) (any, bool) {
	switch op {
	case expr.Eq:
		return c == 0, true
	case expr.NotEq:
		return c != 0, true
	case expr.Lt:
		return c < 0, true
	case expr.LtEq:
		return c <= 0, true
	case expr.Gt:
		return c > 0, true
	case expr.GtEq:
		return c >= 0, true
	}
	return nil, false
}
