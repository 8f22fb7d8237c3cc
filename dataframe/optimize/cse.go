package optimize

import (
	"fmt"
	"sort"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// CSE (common-subexpression elimination) computes a non-trivial
// sub-expression that occurs more than once in one Select or WithColumns
// a single time, in a WithColumns below it named __cse_<i>, and rewrites the
// occurrences to reference that column. Aggregates and windows are left
// alone (the executor already shares identical aggregates).
type CSE struct{}

// Name implements Rule.
func (CSE) Name() string { return "cse" }

// Apply implements Rule.
func (r CSE) Apply(n plan.Node) (plan.Node, error) {
	n, err := rewriteInputs(n, r.Apply)
	if err != nil {
		return nil, err
	}
	switch x := n.(type) {
	case *plan.Select:
		pre, es := eliminate(x.Exprs)
		if pre == nil {
			return x, nil
		}
		in, err := plan.NewWithColumns(x.Input, pre)
		if err != nil {
			return nil, err
		}
		return plan.NewSelect(in, es)
	case *plan.WithColumns:
		pre, es := eliminate(x.Exprs)
		if pre == nil {
			return x, nil
		}
		in, err := plan.NewWithColumns(x.Input, pre)
		if err != nil {
			return nil, err
		}
		w, err := plan.NewWithColumns(in, es)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(pre))
		for i, p := range pre {
			names[i] = expr.OutputName(p)
		}
		return plan.NewDrop(w, names)
	}
	return n, nil
}

func trivial(e expr.Expr) bool {
	switch e.(type) {
	case expr.Column, expr.Literal, expr.Alias:
		return true
	}
	return expr.HasAgg(e) || expr.HasWindow(e)
}

func eliminate(es []expr.Expr) (pre, out []expr.Expr) {
	count := map[string]int{}
	byKey := map[string]expr.Expr{}
	for _, e := range es {
		expr.Walk(e, func(n expr.Expr) bool {
			if !trivial(n) {
				k := n.String()
				count[k]++
				byKey[k] = n
			}
			return true
		})
	}
	var cands []string
	for k, c := range count {
		if c > 1 {
			cands = append(cands, k)
		}
	}
	if len(cands) == 0 {
		return nil, es
	}
	sort.Slice(cands, func(i, j int) bool {
		if len(cands[i]) != len(cands[j]) {
			return len(cands[i]) > len(cands[j])
		}
		return cands[i] < cands[j]
	})
	out = es
	for _, k := range cands {
		// Still repeated after earlier (larger) replacements?
		n := 0
		for _, e := range out {
			expr.Walk(e, func(x expr.Expr) bool {
				if x.String() == k {
					n++
					return false
				}
				return true
			})
		}
		if n < 2 {
			continue
		}
		name := fmt.Sprintf("__cse_%d", len(pre))
		pre = append(pre, expr.Alias{X: byKey[k], Name: name})
		next := make([]expr.Expr, len(out))
		for i, e := range out {
			r := replace(e, k, expr.Column{Name: name})
			if expr.OutputName(r) != expr.OutputName(e) {
				r = expr.Alias{X: r, Name: expr.OutputName(e)}
			}
			next[i] = r
		}
		out = next
	}
	if pre == nil {
		return nil, es
	}
	return pre, out
}

// replace substitutes top-down every sub-expression whose text is key.
func replace(e expr.Expr, key string, with expr.Expr) expr.Expr {
	if e == nil {
		return nil
	}
	if e.String() == key {
		return with
	}
	switch n := e.(type) {
	case expr.Binary:
		n.L, n.R = replace(n.L, key, with), replace(n.R, key, with)
		return n
	case expr.Unary:
		n.X = replace(n.X, key, with)
		return n
	case expr.Alias:
		n.X = replace(n.X, key, with)
		return n
	case expr.Cast:
		n.X = replace(n.X, key, with)
		return n
	case expr.Func:
		args := make([]expr.Expr, len(n.Args))
		for i, a := range n.Args {
			args[i] = replace(a, key, with)
		}
		n.Args = args
		return n
	}
	return e
}
