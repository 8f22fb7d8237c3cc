package optimize

import (
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// PredicatePushdown moves filter conjuncts as close to the scans as their
// columns allow: through projections that pass the columns through,
// sorts, renames, drops, group-by keys and the row-preserving side of
// joins, and finally into Scan.Filters, where sources may use them to skip
// data (Parquet row groups, Hive partitions).
type PredicatePushdown struct{}

// Name implements Rule.
func (PredicatePushdown) Name() string { return "predicate_pushdown" }

// Apply implements Rule.
func (r PredicatePushdown) Apply(n plan.Node) (plan.Node, error) { return push(n, nil) }

func within(cols []string, n plan.Node) bool {
	s := n.Schema()
	for _, c := range cols {
		if len(s.FieldIndices(c)) == 0 {
			return false
		}
	}
	return true
}

func pushable(p expr.Expr) bool { return !expr.HasWindow(p) && !expr.HasAgg(p) }

func wrap(n plan.Node, preds []expr.Expr) (plan.Node, error) {
	if len(preds) == 0 {
		return n, nil
	}
	return plan.NewFilter(n, expr.JoinAnd(preds))
}

// passThrough returns the names a projection forwards unchanged.
func passThrough(es []expr.Expr) map[string]bool {
	out := map[string]bool{}
	for _, e := range es {
		if c, ok := e.(expr.Column); ok {
			out[c.Name] = true
		}
	}
	return out
}

func split(preds []expr.Expr, ok func(expr.Expr) bool) (down, stay []expr.Expr) {
	for _, p := range preds {
		if pushable(p) && ok(p) {
			down = append(down, p)
		} else {
			stay = append(stay, p)
		}
	}
	return down, stay
}

func push(n plan.Node, preds []expr.Expr) (plan.Node, error) {
	switch x := n.(type) {
	case *plan.Filter:
		return push(x.Input, append(append([]expr.Expr(nil), preds...), expr.SplitAnd(x.Pred)...))
	case *plan.Scan:
		if len(preds) == 0 {
			return x, nil
		}
		filters := append(append([]expr.Expr(nil), x.Filters...), preds...)
		return plan.NewScan(x.Source, x.Projection, filters)
	case *plan.Select, *plan.WithColumns:
		var es []expr.Expr
		var input plan.Node
		var computed map[string]bool
		if s, ok := x.(*plan.Select); ok {
			es, input = s.Exprs, s.Input
		} else {
			w := x.(*plan.WithColumns)
			es, input = w.Exprs, w.Input
		}
		pt := passThrough(es)
		computed = map[string]bool{}
		for _, e := range es {
			if _, ok := e.(expr.Column); !ok {
				computed[expr.OutputName(e)] = true
			}
		}
		_, isWith := x.(*plan.WithColumns)
		windowed := false
		for _, e := range es {
			if expr.HasWindow(e) || expr.HasAgg(e) {
				windowed = true // rows feed the window/aggregate: a barrier
			}
		}
		down, stay := split(preds, func(p expr.Expr) bool {
			if windowed {
				return false
			}
			for _, c := range expr.Columns(p) {
				if computed[c] || (!isWith && !pt[c]) {
					return false
				}
			}
			return true
		})
		in, err := push(input, down)
		if err != nil {
			return nil, err
		}
		nn, err := rebuild(x, in)
		if err != nil {
			return nil, err
		}
		return wrap(nn, stay)
	case *plan.Sort, *plan.Drop:
		in, err := push(x.Inputs()[0], preds)
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Rename:
		back := map[string]string{}
		for i := range x.New {
			back[x.New[i]] = x.Old[i]
		}
		down := make([]expr.Expr, 0, len(preds))
		var stay []expr.Expr
		for _, p := range preds {
			if !pushable(p) {
				stay = append(stay, p)
				continue
			}
			down = append(down, expr.Transform(p, func(e expr.Expr) expr.Expr {
				if c, ok := e.(expr.Column); ok {
					if o, ok := back[c.Name]; ok {
						return expr.Column{Name: o}
					}
				}
				return e
			}))
		}
		in, err := push(x.Input, down)
		if err != nil {
			return nil, err
		}
		nn, err := rebuild(x, in)
		if err != nil {
			return nil, err
		}
		return wrap(nn, stay)
	case *plan.Aggregate:
		keys := passThrough(x.Keys)
		down, stay := split(preds, func(p expr.Expr) bool {
			for _, c := range expr.Columns(p) {
				if !keys[c] {
					return false
				}
			}
			return true
		})
		in, err := push(x.Input, down)
		if err != nil {
			return nil, err
		}
		nn, err := rebuild(x, in)
		if err != nil {
			return nil, err
		}
		return wrap(nn, stay)
	case *plan.Join:
		var left, right, stay []expr.Expr
		leftOK := x.How == plan.Inner || x.How == plan.Left || x.How == plan.Semi || x.How == plan.Anti
		rightOK := x.How == plan.Inner || x.How == plan.Right
		ls, rs := x.Left.Schema(), x.Right.Schema()
		for _, p := range preds {
			cols := expr.Columns(p)
			switch {
			case !pushable(p):
				stay = append(stay, p)
			case leftOK && within(cols, x.Left):
				left = append(left, p)
			case rightOK && within(cols, x.Right) && noneIn(cols, ls) && allIn(cols, rs):
				right = append(right, p)
			default:
				stay = append(stay, p)
			}
		}
		l, err := push(x.Left, left)
		if err != nil {
			return nil, err
		}
		r, err := push(x.Right, right)
		if err != nil {
			return nil, err
		}
		nn, err := rebuildInputs(x, []plan.Node{l, r})
		if err != nil {
			return nil, err
		}
		return wrap(nn, stay)
	}
	// Barrier: optimize below with no predicates, keep ours on top.
	nn, err := rewriteInputs(n, func(c plan.Node) (plan.Node, error) { return push(c, nil) })
	if err != nil {
		return nil, err
	}
	return wrap(nn, preds)
}

func noneIn(cols []string, s interface{ FieldIndices(string) []int }) bool {
	for _, c := range cols {
		if len(s.FieldIndices(c)) > 0 {
			return false
		}
	}
	return true
}

func allIn(cols []string, s interface{ FieldIndices(string) []int }) bool {
	for _, c := range cols {
		if len(s.FieldIndices(c)) == 0 {
			return false
		}
	}
	return true
}

func rebuild(n plan.Node, in plan.Node) (plan.Node, error) {
	if n.Inputs()[0] == in {
		return n, nil
	}
	return n.WithInputs([]plan.Node{in})
}

func rebuildInputs(n plan.Node, ins []plan.Node) (plan.Node, error) {
	same := true
	for i, in := range n.Inputs() {
		if in != ins[i] {
			same = false
		}
	}
	if same {
		return n, nil
	}
	return n.WithInputs(ins)
}
