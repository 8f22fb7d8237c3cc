package dataframe

import "github.com/golab-dev/golab/dataframe/expr"

// Aggregates in row-wise contexts are broadcast, as in Polars: in
// WithColumns and Filter, and in a Select that also has row-wise
// columns, an aggregate such as col("f").mean() stands for its value over
// the whole frame, repeated on every row. That is a window over no
// partition keys, so
//
//	WithColumns(Col("f").Sub(Col("f").Mean()).Alias("centered"))
//
// is WithColumns(Col("f").Sub(Col("f").Mean().Over())...). A Select of
// aggregates only still gives one row.

// broadcastAggs wraps every aggregate of e that is not already inside a
// window in a window over the whole frame.
func broadcastAggs(e expr.Expr) expr.Expr {
	switch n := e.(type) {
	case expr.Agg:
		return expr.Window{Name: "over", X: n}
	case expr.Window:
		return n
	case expr.Binary:
		n.L, n.R = broadcastAggs(n.L), broadcastAggs(n.R)
		return n
	case expr.Unary:
		n.X = broadcastAggs(n.X)
		return n
	case expr.Alias:
		n.X = broadcastAggs(n.X)
		return n
	case expr.Cast:
		n.X = broadcastAggs(n.X)
		return n
	case expr.Func:
		args := make([]expr.Expr, len(n.Args))
		for i, a := range n.Args {
			args[i] = broadcastAggs(a)
		}
		n.Args = args
		return n
	}
	return e
}

func broadcastAll(es []expr.Expr) []expr.Expr {
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		out[i] = broadcastAggs(e)
	}
	return out
}

// mixesAggs reports whether a select list has both aggregates and
// row-wise expressions (other than literals), so it must broadcast.
func mixesAggs(es []expr.Expr) bool {
	agg, rowwise := false, false
	for _, e := range es {
		if expr.HasAgg(e) {
			agg = true
			continue
		}
		if _, lit := expr.StripAlias(e).(expr.Literal); !lit {
			rowwise = true
		}
	}
	return agg && rowwise
}
