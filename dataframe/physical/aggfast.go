package physical

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/golab-dev/golab/dataframe/expr"
)

// Typed aggregation kernels over columns read in place: an aggregate of a
// bare column of int32, int64 or float64 storage without nulls skips the
// conversion to a vec (which widens int32 to a new int64 slice). Results
// equal the vec path's (sums of integers are exact in int64; float sums
// use the same per-worker partials).

// bareColumn returns the null-free int32, int64 or float64 column e names
// in t, or nil when e is anything else.
func bareColumn(t *Table, e expr.Expr) arrow.Array {
	c, ok := e.(expr.Column)
	if !ok {
		return nil
	}
	a := t.Col(c.Name)
	if a == nil || a.NullN() > 0 {
		return nil
	}
	switch a.(type) {
	case *array.Int32, *array.Int64, *array.Float64:
		return a
	}
	return nil
}

// sumGroups returns the per-group sums (in A) of vals.
func sumGroups[T int32 | int64 | float64, A int64 | float64](ctx context.Context, env *Env, g *Groups, vals []T) ([]A, error) {
	return accumulate(ctx, env, len(g.IDs), g.N,
		func() []A { return make([]A, g.N) },
		func(sum []A, lo, hi int) {
			v := vals[lo:hi]
			for j, id := range g.IDs[lo:hi] {
				sum[id] += A(v[j])
			}
		},
		func(d, s []A) {
			for i := range d {
				d[i] += s[i]
			}
		})
}

// minMaxTyped returns the per-group minimum (maximum with isMax) of vals
// and whether the group has a value, with groupMinMax's comparisons.
func minMaxTyped[T int32 | int64 | float64](ctx context.Context, env *Env, g *Groups, vals []T, isMax bool) ([]T, []bool, error) {
	s, err := groupMinMaxT(ctx, env, g, vals, isMax)
	if err != nil {
		return nil, nil, err
	}
	return s.v, s.has, nil
}

// aggregateFast evaluates sum, mean and count of a bare column (see
// bareColumn) and corr of two bare integer columns; ok is false when a is
// not one of those.
func aggregateFast(ctx context.Context, env *Env, t *Table, g *Groups, a expr.Agg) (arrow.Array, bool, error) {
	mem := env.Mem
	switch a.Func {
	case expr.AggSum, expr.AggMean, expr.AggCount, expr.AggMin, expr.AggMax:
	case expr.AggCorr:
		return corrFast(ctx, env, t, g, a)
	default:
		return nil, false, nil
	}
	col := bareColumn(t, a.X)
	if col == nil {
		return nil, false, nil
	}
	if a.Func == expr.AggMin || a.Func == expr.AggMax {
		isMax := a.Func == expr.AggMax
		switch c := col.(type) {
		case *array.Int32:
			v, has, err := minMaxTyped(ctx, env, g, c.Int32Values(), isMax)
			if err != nil {
				return nil, true, err
			}
			w := make([]int64, len(v))
			for i, x := range v {
				w[i] = int64(x)
			}
			return int64Array(mem, arrow.PrimitiveTypes.Int64, w, hasToValid(has)), true, nil
		case *array.Int64:
			v, has, err := minMaxTyped(ctx, env, g, c.Int64Values(), isMax)
			if err != nil {
				return nil, true, err
			}
			return int64Array(mem, arrow.PrimitiveTypes.Int64, v, hasToValid(has)), true, nil
		case *array.Float64:
			v, has, err := minMaxTyped(ctx, env, g, c.Float64Values(), isMax)
			if err != nil {
				return nil, true, err
			}
			return float64Array(mem, v, hasToValid(has)), true, nil
		}
	}
	if a.Func == expr.AggCount {
		// No nulls: the count is the group size.
		arr, err := aggregate(ctx, env, t, g, expr.Agg{Func: expr.AggLen})
		return arr, true, err
	}
	var sf []float64
	var si, cnt []int64
	var err error
	switch c := col.(type) {
	case *array.Int32:
		si, err = sumGroups[int32, int64](ctx, env, g, c.Int32Values())
	case *array.Int64:
		si, err = sumGroups[int64, int64](ctx, env, g, c.Int64Values())
	case *array.Float64:
		sf, err = sumGroups[float64, float64](ctx, env, g, c.Float64Values())
	}
	if err == nil && a.Func == expr.AggMean {
		cnt, err = g.sizes(ctx, env) // no nulls: every row counts
	}
	if err != nil {
		return nil, true, err
	}
	if a.Func == expr.AggSum {
		if si != nil {
			return int64Array(mem, arrow.PrimitiveTypes.Int64, si, nil), true, nil
		}
		return float64Array(mem, sf, nil), true, nil
	}
	avg := sf
	if si != nil {
		avg = make([]float64, len(si))
		for i, v := range si {
			avg[i] = float64(v)
		}
	}
	for i := range avg {
		avg[i] /= float64(cnt[i])
	}
	return float64Array(mem, avg, countsToValid(cnt)), true, nil
}

// intCol returns the values of a null-free int32 or int64 column and the
// largest absolute value.
func intCol(ctx context.Context, env *Env, a arrow.Array) (i32 []int32, i64 []int64, maxAbs float64) {
	switch c := a.(type) {
	case *array.Int32:
		i32 = c.Int32Values()
	case *array.Int64:
		i64 = c.Int64Values()
	default:
		return nil, nil, 0
	}
	lo, hi := minMaxInts(ctx, env, a, i32, i64)
	return i32, i64, math.Max(math.Abs(float64(lo)), math.Abs(float64(hi)))
}

// corrMoments are the integer moments of one group.
type corrMoments struct{ n, sx, sy, sxy, sxx, syy int64 }

func corrAcc[X, Y int32 | int64](ctx context.Context, env *Env, g *Groups, xs []X, ys []Y) ([]corrMoments, error) {
	return accumulate(ctx, env, len(g.IDs), g.N,
		func() []corrMoments { return make([]corrMoments, g.N) },
		func(s []corrMoments, lo, hi int) {
			x, y := xs[lo:hi], ys[lo:hi]
			for j, id := range g.IDs[lo:hi] {
				a, b := int64(x[j]), int64(y[j])
				m := &s[id]
				m.n++
				m.sx += a
				m.sy += b
				m.sxy += a * b
				m.sxx += a * a
				m.syy += b * b
			}
		},
		func(d, s []corrMoments) {
			for i := range d {
				d[i].n += s[i].n
				d[i].sx += s[i].sx
				d[i].sy += s[i].sy
				d[i].sxy += s[i].sxy
				d[i].sxx += s[i].sxx
				d[i].syy += s[i].syy
			}
		})
}

// corrFast computes corr(x, y) of two null-free integer columns in one
// pass from exact integer moments: r = (n·Σxy − Σx·Σy) /
// sqrt((n·Σx² − (Σx)²)(n·Σy² − (Σy)²)). It applies only when every
// intermediate fits int64 (rows² · max|x| · max|y| < 2^62), else ok is
// false and the two-pass float path runs.
func corrFast(ctx context.Context, env *Env, t *Table, g *Groups, a expr.Agg) (arrow.Array, bool, error) {
	xc, yc := bareColumn(t, a.X), bareColumn(t, a.Y)
	if xc == nil || yc == nil {
		return nil, false, nil
	}
	x32, x64, mx := intCol(ctx, env, xc)
	y32, y64, my := intCol(ctx, env, yc)
	if x32 == nil && x64 == nil || y32 == nil && y64 == nil {
		return nil, false, nil
	}
	n := float64(len(g.IDs))
	m := max(mx, my, 1)
	if n*n*m*m >= 1<<62 {
		return nil, false, nil
	}
	var s []corrMoments
	var err error
	switch {
	case x32 != nil && y32 != nil:
		s, err = corrAcc(ctx, env, g, x32, y32)
	case x32 != nil:
		s, err = corrAcc(ctx, env, g, x32, y64)
	case y32 != nil:
		s, err = corrAcc(ctx, env, g, x64, y32)
	default:
		s, err = corrAcc(ctx, env, g, x64, y64)
	}
	if err != nil {
		return nil, true, err
	}
	out := make([]float64, g.N)
	ok := make([]bool, g.N)
	for i, m := range s {
		if m.n == 0 {
			continue
		}
		cov := m.n*m.sxy - m.sx*m.sy
		vx := m.n*m.sxx - m.sx*m.sx
		vy := m.n*m.syy - m.sy*m.sy
		out[i] = float64(cov) / math.Sqrt(float64(vx)*float64(vy))
		ok[i] = true
	}
	return float64Array(env.Mem, out, hasToValid(ok)), true, nil
}
