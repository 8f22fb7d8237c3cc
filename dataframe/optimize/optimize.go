package optimize

import (
	"github.com/golab-dev/golab/dataframe/plan"
)

// Rule rewrites a logical plan. A rule returns the input unchanged (same
// value) when it does not apply; it never changes query results.
type Rule interface {
	Name() string
	Apply(n plan.Node) (plan.Node, error)
}

// Default is the rule order used by Optimize.
func Default() []Rule {
	return []Rule{ConstantFolding{}, CSE{}, PredicatePushdown{}, ProjectionPushdown{}}
}

// Optimize applies rules in order (Default() when rules is nil).
func Optimize(n plan.Node, rules []Rule) (plan.Node, error) {
	if rules == nil {
		rules = Default()
	}
	var err error
	for _, r := range rules {
		if n, err = r.Apply(n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// rewriteInputs applies f to every input of n and rebuilds n if any changed.
func rewriteInputs(n plan.Node, f func(plan.Node) (plan.Node, error)) (plan.Node, error) {
	ins := n.Inputs()
	if len(ins) == 0 {
		return n, nil
	}
	changed := false
	out := make([]plan.Node, len(ins))
	for i, in := range ins {
		o, err := f(in)
		if err != nil {
			return nil, err
		}
		out[i] = o
		if o != in {
			changed = true
		}
	}
	if !changed {
		return n, nil
	}
	return n.WithInputs(out)
}
