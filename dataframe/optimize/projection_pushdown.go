package optimize

import (
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// ProjectionPushdown narrows every Scan to the columns the query uses and
// drops computed columns nobody reads. Nodes may end up producing a
// superset of the columns their parent needs, never a subset; the root
// gets a final projection when its columns changed.
type ProjectionPushdown struct{}

// Name implements Rule.
func (ProjectionPushdown) Name() string { return "projection_pushdown" }

// Apply implements Rule.
func (ProjectionPushdown) Apply(n plan.Node) (plan.Node, error) {
	out, err := prune(n, nil)
	if err != nil {
		return nil, err
	}
	want := n.Schema()
	got := out.Schema()
	if got.NumFields() == want.NumFields() {
		same := true
		for i, f := range want.Fields() {
			if got.Field(i).Name != f.Name {
				same = false
			}
		}
		if same {
			return out, nil
		}
	}
	names := make([]expr.Expr, want.NumFields())
	for i, f := range want.Fields() {
		names[i] = expr.Column{Name: f.Name}
	}
	return plan.NewSelect(out, names)
}

type colset map[string]bool // nil means all columns

func (s colset) has(c string) bool { return s == nil || s[c] }

func (s colset) with(cols ...string) colset {
	if s == nil {
		return nil
	}
	out := colset{}
	for c := range s {
		out[c] = true
	}
	for _, c := range cols {
		out[c] = true
	}
	return out
}

func exprCols(es []expr.Expr) []string {
	var out []string
	for _, e := range es {
		out = append(out, expr.Columns(e)...)
	}
	return out
}

func prune(n plan.Node, req colset) (plan.Node, error) {
	switch x := n.(type) {
	case *plan.Scan:
		if req == nil {
			return x, nil
		}
		need := req.with(exprCols(x.Filters)...)
		var proj []string
		for _, f := range x.Source.Schema().Fields() {
			if need[f.Name] && (x.Projection == nil || contains(x.Projection, f.Name)) {
				proj = append(proj, f.Name)
			}
		}
		if proj == nil {
			proj = []string{}
		}
		if x.Projection != nil && len(proj) == len(x.Projection) {
			return x, nil
		}
		if x.Projection == nil && len(proj) == x.Source.Schema().NumFields() {
			return x, nil
		}
		return plan.NewScan(x.Source, proj, x.Filters)
	case *plan.Select:
		kept := x.Exprs
		if req != nil {
			kept = nil
			for _, e := range x.Exprs {
				if req[expr.OutputName(e)] {
					kept = append(kept, e)
				}
			}
			if len(kept) == 0 {
				kept = x.Exprs
			}
		}
		in, err := prune(x.Input, colset{}.with(exprCols(kept)...))
		if err != nil {
			return nil, err
		}
		if len(kept) == len(x.Exprs) && in == x.Input {
			return x, nil
		}
		return plan.NewSelect(in, kept)
	case *plan.WithColumns:
		var kept []expr.Expr
		produced := map[string]bool{}
		for _, e := range x.Exprs {
			if req.has(expr.OutputName(e)) || expr.HasWindow(e) {
				kept = append(kept, e)
				produced[expr.OutputName(e)] = true
			}
		}
		var inReq colset
		if req != nil {
			inReq = colset{}
			for c := range req {
				if !produced[c] {
					inReq[c] = true
				}
			}
			inReq = inReq.with(exprCols(kept)...)
		}
		in, err := prune(x.Input, inReq)
		if err != nil {
			return nil, err
		}
		if len(kept) == 0 {
			return in, nil
		}
		if len(kept) == len(x.Exprs) && in == x.Input {
			return x, nil
		}
		return plan.NewWithColumns(in, kept)
	case *plan.Filter:
		in, err := prune(x.Input, req.with(expr.Columns(x.Pred)...))
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Aggregate:
		in, err := prune(x.Input, colset{}.with(append(exprCols(x.Keys), exprCols(x.Aggs)...)...))
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Sort:
		in, err := prune(x.Input, req.with(exprCols(x.By)...))
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Slice:
		in, err := prune(x.Input, req)
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Explode:
		in, err := prune(x.Input, req.with(x.Column))
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Rename:
		var inReq colset
		if req != nil {
			back := map[string]string{}
			for i := range x.New {
				back[x.New[i]] = x.Old[i]
			}
			inReq = colset{}
			for c := range req {
				if o, ok := back[c]; ok {
					inReq[o] = true
				} else {
					inReq[c] = true
				}
			}
			inReq = inReq.with(x.Old...) // keep rename valid
		}
		in, err := prune(x.Input, inReq)
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Drop:
		in, err := prune(x.Input, req.with(x.Names...))
		if err != nil {
			return nil, err
		}
		return rebuild(x, in)
	case *plan.Join:
		if req == nil {
			l, err := prune(x.Left, nil)
			if err != nil {
				return nil, err
			}
			r, err := prune(x.Right, nil)
			if err != nil {
				return nil, err
			}
			return rebuildInputs(x, []plan.Node{l, r})
		}
		ls, rs := x.Left.Schema(), x.Right.Schema()
		lreq := colset{}.with(x.LeftOn...)
		rreq := colset{}.with(x.RightOn...)
		for _, f := range ls.Fields() {
			if req[f.Name] {
				lreq[f.Name] = true
			}
		}
		for _, f := range rs.Fields() {
			clash := len(ls.FieldIndices(f.Name)) > 0
			if req[f.Name+x.Suffix] || (!clash && req[f.Name]) {
				rreq[f.Name] = true
				if clash {
					lreq[f.Name] = true // keep the suffix decision stable
				}
			}
		}
		l, err := prune(x.Left, lreq)
		if err != nil {
			return nil, err
		}
		r, err := prune(x.Right, rreq)
		if err != nil {
			return nil, err
		}
		return rebuildInputs(x, []plan.Node{l, r})
	}
	// Distinct, Union and unknown nodes need all their input columns.
	return rewriteInputs(n, func(c plan.Node) (plan.Node, error) { return prune(c, nil) })
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
