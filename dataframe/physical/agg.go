package physical

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
)

// partials returns how many per-worker partial states an aggregation over
// ng groups may use without blowing memory.
func partials(env *Env, ng, n int) int {
	w := env.Workers
	if n < MorselSize*2 {
		return 1
	}
	if ng*w > 1<<22 {
		return 1
	}
	return w
}

// accumulate runs body over morsels of [0,n) with per-worker states made
// by mk and merges them into the first.
func accumulate[S any](ctx context.Context, env *Env, n, ng int, mk func() S, body func(s S, lo, hi int), merge func(dst, src S)) (S, error) {
	p := partials(env, ng, n)
	states := make([]S, p)
	used := make([]bool, p)
	for i := range states {
		states[i] = mk()
	}
	err := parallelFor(ctx, p, n, func(w, lo, hi int) {
		used[w] = true
		body(states[w], lo, hi)
	})
	for i := 1; i < p; i++ {
		if used[i] {
			merge(states[0], states[i])
		}
	}
	return states[0], err
}

// sizes returns the number of rows of every group, counted on first use
// and kept (aggregates of one group-by run one after another).
func (g *Groups) sizes(ctx context.Context, env *Env) ([]int64, error) {
	if g.size != nil {
		return g.size, nil
	}
	cnt, err := accumulate(ctx, env, len(g.IDs), g.N, func() []int64 { return make([]int64, g.N) },
		func(s []int64, lo, hi int) {
			for _, id := range g.IDs[lo:hi] {
				s[id]++
			}
		},
		func(d, s []int64) {
			for i := range d {
				d[i] += s[i]
			}
		})
	if err != nil {
		return nil, err
	}
	g.size = cnt
	return cnt, nil
}

type sumI struct {
	s []int64
	c []int64
}
type sumF struct {
	s []float64
	c []int64
}

func groupSumInt(ctx context.Context, env *Env, g *Groups, v *vec) (*sumI, error) {
	ids, vals, valid := g.IDs, v.i, v.valid
	return accumulate(ctx, env, len(ids), g.N,
		func() *sumI { return &sumI{make([]int64, g.N), make([]int64, g.N)} },
		func(s *sumI, lo, hi int) {
			if valid == nil {
				sum, cnt := s.s, s.c
				for i := lo; i < hi; i++ {
					id := ids[i]
					sum[id] += vals[i]
					cnt[id]++
				}
				return
			}
			for i := lo; i < hi; i++ {
				if valid[i] {
					s.s[ids[i]] += vals[i]
					s.c[ids[i]]++
				}
			}
		},
		func(d, s *sumI) {
			for i := range d.s {
				d.s[i] += s.s[i]
				d.c[i] += s.c[i]
			}
		})
}

func groupSumFloat(ctx context.Context, env *Env, g *Groups, vals []float64, valid []bool) (*sumF, error) {
	ids := g.IDs
	return accumulate(ctx, env, len(ids), g.N,
		func() *sumF { return &sumF{make([]float64, g.N), make([]int64, g.N)} },
		func(s *sumF, lo, hi int) {
			if valid == nil {
				sum, cnt := s.s, s.c
				for i := lo; i < hi; i++ {
					id := ids[i]
					sum[id] += vals[i]
					cnt[id]++
				}
				return
			}
			for i := lo; i < hi; i++ {
				if valid[i] {
					s.s[ids[i]] += vals[i]
					s.c[ids[i]]++
				}
			}
		},
		func(d, s *sumF) {
			for i := range d.s {
				d.s[i] += s.s[i]
				d.c[i] += s.c[i]
			}
		})
}

type mm[T int32 | int64 | float64] struct {
	v   []T
	has []bool
}

func groupMinMax[T int64 | float64](ctx context.Context, env *Env, g *Groups, vals []T, valid []bool, isMax bool) (*mm[T], error) {
	if valid == nil {
		return groupMinMaxT(ctx, env, g, vals, isMax)
	}
	ids := g.IDs
	return accumulate(ctx, env, len(ids), g.N,
		func() *mm[T] { return &mm[T]{make([]T, g.N), make([]bool, g.N)} },
		func(s *mm[T], lo, hi int) {
			for i := lo; i < hi; i++ {
				if !valid[i] {
					continue
				}
				s.add(ids[i], vals[i], isMax)
			}
		},
		func(d, s *mm[T]) { d.merge(s, isMax) })
}

// groupMinMaxT is groupMinMax over null-free values.
func groupMinMaxT[T int32 | int64 | float64](ctx context.Context, env *Env, g *Groups, vals []T, isMax bool) (*mm[T], error) {
	ids := g.IDs
	return accumulate(ctx, env, len(ids), g.N,
		func() *mm[T] { return &mm[T]{make([]T, g.N), make([]bool, g.N)} },
		func(s *mm[T], lo, hi int) {
			v := vals[lo:hi]
			for j, id := range ids[lo:hi] {
				s.add(id, v[j], isMax)
			}
		},
		func(d, s *mm[T]) { d.merge(s, isMax) })
}

func (s *mm[T]) add(id uint32, x T, isMax bool) {
	if !s.has[id] {
		s.has[id], s.v[id] = true, x
	} else if isMax {
		if x > s.v[id] {
			s.v[id] = x
		}
	} else if x < s.v[id] {
		s.v[id] = x
	}
}

func (d *mm[T]) merge(s *mm[T], isMax bool) {
	for i := range d.v {
		if !s.has[i] {
			continue
		}
		if !d.has[i] || (isMax && s.v[i] > d.v[i]) || (!isMax && s.v[i] < d.v[i]) {
			d.v[i], d.has[i] = s.v[i], true
		}
	}
}

// groupCSR returns the rows of every group contiguous: rows[off[g]:off[g+1]]
// in increasing row order.
func groupCSR(g *Groups) (off []int32, rows []int32) {
	return groupCSRPar(context.Background(), &Env{Workers: 1}, g)
}

// groupValues scatters the non-null values of every group contiguously:
// vals of group g are out[off[g]:off[g+1]] (radix-partition style, so
// later per-group work reads sequential memory).
func groupValues(ctx context.Context, env *Env, g *Groups, vals []float64, valid []bool) (off []int32, out []float64) {
	n := len(g.IDs)
	w := env.Workers
	if n < 1<<16 || g.N*w > 1<<22 {
		w = 1
	}
	hist := make([][]int32, w)
	bounds := func(i int) (int, int) { return i * n / w, (i + 1) * n / w }
	_ = parallelTasks(ctx, w, w, func(_, i int) {
		h := make([]int32, g.N)
		lo, hi := bounds(i)
		for r := lo; r < hi; r++ {
			if valid == nil || valid[r] {
				h[g.IDs[r]]++
			}
		}
		hist[i] = h
	})
	off = make([]int32, g.N+1)
	pos := int32(0)
	for gi := 0; gi < g.N; gi++ {
		off[gi] = pos
		for i := 0; i < w; i++ {
			c := hist[i][gi]
			hist[i][gi] = pos
			pos += c
		}
	}
	off[g.N] = pos
	out = make([]float64, pos)
	_ = parallelTasks(ctx, w, w, func(_, i int) {
		h := hist[i]
		lo, hi := bounds(i)
		for r := lo; r < hi; r++ {
			if valid == nil || valid[r] {
				id := g.IDs[r]
				out[h[id]] = vals[r]
				h[id]++
			}
		}
	})
	return off, out
}

// groupCSRPar is groupCSR with per-worker contiguous ranges when the
// per-worker histograms fit in memory.
func groupCSRPar(ctx context.Context, env *Env, g *Groups) (off []int32, rows []int32) {
	n := len(g.IDs)
	w := env.Workers
	if w <= 1 || n < 1<<16 || g.N*w > 1<<22 {
		off = make([]int32, g.N+1)
		for _, id := range g.IDs {
			off[id+1]++
		}
		for i := 1; i <= g.N; i++ {
			off[i] += off[i-1]
		}
		pos := slices.Clone(off[:g.N])
		rows = make([]int32, n)
		for i, id := range g.IDs {
			rows[pos[id]] = int32(i)
			pos[id]++
		}
		return off, rows
	}
	hist := make([][]int32, w)
	bounds := func(i int) (int, int) { return i * n / w, (i + 1) * n / w }
	_ = parallelTasks(ctx, w, w, func(_, i int) {
		h := make([]int32, g.N)
		lo, hi := bounds(i)
		for _, id := range g.IDs[lo:hi] {
			h[id]++
		}
		hist[i] = h
	})
	off = make([]int32, g.N+1)
	pos := int32(0)
	for gi := 0; gi < g.N; gi++ {
		off[gi] = pos
		for i := 0; i < w; i++ {
			c := hist[i][gi]
			hist[i][gi] = pos
			pos += c
		}
	}
	off[g.N] = pos
	rows = make([]int32, n)
	_ = parallelTasks(ctx, w, w, func(_, i int) {
		h := hist[i]
		lo, hi := bounds(i)
		for r := lo; r < hi; r++ {
			id := g.IDs[r]
			rows[h[id]] = int32(r)
			h[id]++
		}
	})
	return off, rows
}

func countsToValid(c []int64) []bool {
	var valid []bool
	for i, x := range c {
		if x == 0 {
			if valid == nil {
				valid = make([]bool, len(c))
				for j := range valid {
					valid[j] = true
				}
			}
			valid[i] = false
		}
	}
	return valid
}

func hasToValid(h []bool) []bool {
	for _, x := range h {
		if !x {
			return h
		}
	}
	return nil
}

// quantileSorted interpolates linearly between closest ranks.
func quantileSorted(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(xs)-1)
	frac := pos - float64(lo)
	return xs[lo] + (xs[hi]-xs[lo])*frac
}

// quantileSelect computes the linear-interpolated quantile of xs (reordered).
func quantileSelect(xs []float64, q float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	if n <= 32 {
		slices.Sort(xs)
		return quantileSorted(xs, q)
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	a := nthElement(xs, lo)
	if lo+1 >= n || pos == float64(lo) {
		return a
	}
	// smallest of the upper part
	b := xs[lo+1]
	for _, x := range xs[lo+1:] {
		if x < b {
			b = x
		}
	}
	return a + (b-a)*(pos-float64(lo))
}

// nthElement partially sorts xs so xs[k] is the k-th smallest; returns it.
func nthElement(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		p := xs[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < p {
				i++
			}
			for xs[j] > p {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		if k <= j {
			hi = j
		} else if k >= i {
			lo = i
		} else {
			break
		}
	}
	return xs[k]
}

// aggregate evaluates one aggregate over groups g of table t.
func aggregate(ctx context.Context, env *Env, t *Table, g *Groups, a expr.Agg) (arrow.Array, error) {
	mem := env.Mem
	if a.Func == expr.AggLen || a.X == nil {
		cnt, err := g.sizes(ctx, env)
		if err != nil {
			return nil, err
		}
		return int64Array(mem, arrow.PrimitiveTypes.Int64, cnt, nil), nil
	}
	if arr, ok, err := aggregateFast(ctx, env, t, g, a); ok || err != nil {
		return arr, err
	}
	ev := &evaluator{ctx: ctx, env: env, t: t}
	defer func() {
		for _, o := range ev.owned {
			o.Release()
		}
	}()
	x, err := ev.eval(a.X)
	if err != nil {
		return nil, err
	}
	if x.scalar {
		arr := x.toArray(env, t.Rows)
		ev.owned = append(ev.owned, arr)
		if x, err = vecFromArray(arr); err != nil {
			return nil, err
		}
	}
	if x.k == kNull {
		switch a.Func {
		case expr.AggCount, expr.AggSum:
			return int64Array(mem, arrow.PrimitiveTypes.Int64, make([]int64, g.N), nil), nil
		case expr.AggNUnique:
			ones := make([]int64, g.N)
			for i := range ones {
				ones[i] = 1
			}
			return int64Array(mem, arrow.PrimitiveTypes.Int64, ones, nil), nil
		}
		return float64Array(mem, make([]float64, g.N), make([]bool, g.N)), nil
	}
	switch a.Func {
	case expr.AggCount:
		if x.valid == nil {
			return aggregate(ctx, env, t, g, expr.Agg{Func: expr.AggLen})
		}
		s, err := groupSumFloat(ctx, env, g, make([]float64, t.Rows), x.valid)
		if err != nil {
			return nil, err
		}
		return int64Array(mem, arrow.PrimitiveTypes.Int64, s.c, nil), nil
	case expr.AggSum:
		if x.k == kInt {
			s, err := groupSumInt(ctx, env, g, x)
			if err != nil {
				return nil, err
			}
			return int64Array(mem, arrow.PrimitiveTypes.Int64, s.s, nil), nil
		}
		s, err := groupSumFloat(ctx, env, g, x.floats(), x.valid)
		if err != nil {
			return nil, err
		}
		if x.k == kBool {
			iv := make([]int64, len(s.s))
			for i, f := range s.s {
				iv[i] = int64(f)
			}
			return int64Array(mem, arrow.PrimitiveTypes.Int64, iv, nil), nil
		}
		return float64Array(mem, s.s, nil), nil
	case expr.AggMean:
		var sums []float64
		var cnt []int64
		if x.k == kInt {
			s, err := groupSumInt(ctx, env, g, x)
			if err != nil {
				return nil, err
			}
			sums = make([]float64, len(s.s))
			for i, v := range s.s {
				sums[i] = float64(v)
			}
			cnt = s.c
		} else {
			s, err := groupSumFloat(ctx, env, g, x.floats(), x.valid)
			if err != nil {
				return nil, err
			}
			sums, cnt = s.s, s.c
		}
		for i := range sums {
			sums[i] /= float64(cnt[i])
		}
		return float64Array(mem, sums, countsToValid(cnt)), nil
	case expr.AggMin, expr.AggMax:
		isMax := a.Func == expr.AggMax
		switch x.k {
		case kInt:
			s, err := groupMinMax(ctx, env, g, x.i, x.valid, isMax)
			if err != nil {
				return nil, err
			}
			dt := x.dt
			return int64Array(mem, dt, s.v, hasToValid(s.has)), nil
		case kFloat:
			s, err := groupMinMax(ctx, env, g, x.f, x.valid, isMax)
			if err != nil {
				return nil, err
			}
			return float64Array(mem, s.v, hasToValid(s.has)), nil
		case kStr:
			return minMaxString(ctx, g, x, isMax, env.Mem)
		case kBool:
			s, err := groupMinMax(ctx, env, g, x.floats(), x.valid, isMax)
			if err != nil {
				return nil, err
			}
			b := make([]bool, len(s.v))
			for i, v := range s.v {
				b[i] = v != 0
			}
			return boolArray(mem, b, hasToValid(s.has)), nil
		}
	case expr.AggVar, expr.AggStd:
		vals := x.floats()
		s, err := groupSumFloat(ctx, env, g, vals, x.valid)
		if err != nil {
			return nil, err
		}
		mean := make([]float64, g.N)
		for i := range mean {
			mean[i] = s.s[i] / float64(s.c[i])
		}
		ids, valid := g.IDs, x.valid
		sq, err := accumulate(ctx, env, len(ids), g.N, func() []float64 { return make([]float64, g.N) },
			func(acc []float64, lo, hi int) {
				for i := lo; i < hi; i++ {
					if valid == nil || valid[i] {
						d := vals[i] - mean[ids[i]]
						acc[ids[i]] += d * d
					}
				}
			},
			func(d, s []float64) {
				for i := range d {
					d[i] += s[i]
				}
			})
		if err != nil {
			return nil, err
		}
		ddof := a.Param
		out := make([]float64, g.N)
		ok := make([]bool, g.N)
		for i := range out {
			den := float64(s.c[i]) - ddof
			if den > 0 {
				out[i] = sq[i] / den
				if a.Func == expr.AggStd {
					out[i] = math.Sqrt(out[i])
				}
				ok[i] = true
			}
		}
		return float64Array(mem, out, hasToValid(ok)), nil
	case expr.AggCorr:
		y, err := ev.eval(a.Y)
		if err != nil {
			return nil, err
		}
		return corr(ctx, env, g, x, y)
	case expr.AggMedian, expr.AggQuantile:
		q := a.Param
		if a.Func == expr.AggMedian {
			q = 0.5
		}
		if q < 0 || q > 1 {
			return nil, fmt.Errorf("%w: quantile %g outside [0, 1]", expr.ErrInvalidArgument, q)
		}
		off, gv := groupValues(ctx, env, g, x.floats(), x.valid)
		out := make([]float64, g.N)
		ok := make([]bool, g.N)
		err := parallelTasks(ctx, env.Workers, (g.N+1023)/1024, func(_, task int) {
			for gi := task * 1024; gi < min(g.N, (task+1)*1024); gi++ {
				buf := gv[off[gi]:off[gi+1]]
				if len(buf) > 0 {
					out[gi] = quantileSelect(buf, q)
					ok[gi] = true
				}
			}
		})
		if err != nil {
			return nil, err
		}
		return float64Array(mem, out, hasToValid(ok)), nil
	case expr.AggFirst, expr.AggLast:
		idx := g.First
		if a.Func == expr.AggLast {
			idx = make([]int32, g.N)
			for i, id := range g.IDs {
				idx[id] = int32(i)
			}
		}
		arr := x.toArray(env, t.Rows)
		defer arr.Release()
		return take(ctx, env, arr, idx)
	case expr.AggNUnique:
		arr := x.toArray(env, t.Rows)
		defer arr.Release()
		kc, err := encodeColumn(ctx, env, arr)
		if err != nil {
			return nil, err
		}
		gc := keyCodes{codes: make([]uint64, len(g.IDs)), card: uint64(g.N)}
		for i, id := range g.IDs {
			gc.codes[i] = uint64(id)
		}
		pair, err := combine(ctx, env, gc, kc)
		if err != nil {
			return nil, err
		}
		_, _, first, err := denseEncode(ctx, env, len(pair.codes), func(i int) uint64 { return pair.codes[i] }, hashU64)
		if err != nil {
			return nil, err
		}
		cnt := make([]int64, g.N)
		for i, r := range first {
			if i&(MorselSize-1) == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			cnt[g.IDs[r]]++
		}
		return int64Array(mem, arrow.PrimitiveTypes.Int64, cnt, nil), nil
	case expr.AggTopK, expr.AggBottomK:
		return topK(ctx, env, g, x, int(a.Param), a.Func == expr.AggTopK)
	}
	return nil, fmt.Errorf("%w: aggregate %s of %s", expr.ErrUnsupported, a.Func, x.dt)
}

func minMaxString(ctx context.Context, g *Groups, x *vec, isMax bool, mem memory.Allocator) (arrow.Array, error) {
	out := make([]string, g.N)
	has := make([]bool, g.N)
	for i, id := range g.IDs {
		if i&(MorselSize-1) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !x.isValid(i) {
			continue
		}
		s := x.str(i)
		if !has[id] || (isMax && s > out[id]) || (!isMax && s < out[id]) {
			out[id], has[id] = s, true
		}
	}
	return stringArrayFrom(mem, out, hasToValid(has)), nil
}

func corr(ctx context.Context, env *Env, g *Groups, x, y *vec) (arrow.Array, error) {
	xs, ys := x.floats(), y.floats()
	n := len(g.IDs)
	valid := mergeValid(n, x, y)
	sx, err := groupSumFloat(ctx, env, g, xs, valid)
	if err != nil {
		return nil, err
	}
	sy, err := groupSumFloat(ctx, env, g, ys, valid)
	if err != nil {
		return nil, err
	}
	mx, my := make([]float64, g.N), make([]float64, g.N)
	for i := range mx {
		mx[i] = sx.s[i] / float64(sx.c[i])
		my[i] = sy.s[i] / float64(sy.c[i])
	}
	type st struct{ xy, xx, yy []float64 }
	ids := g.IDs
	s, err := accumulate(ctx, env, n, g.N, func() *st {
		return &st{make([]float64, g.N), make([]float64, g.N), make([]float64, g.N)}
	}, func(s *st, lo, hi int) {
		for i := lo; i < hi; i++ {
			if valid != nil && !valid[i] {
				continue
			}
			id := ids[i]
			dx, dy := xs[i]-mx[id], ys[i]-my[id]
			s.xy[id] += dx * dy
			s.xx[id] += dx * dx
			s.yy[id] += dy * dy
		}
	}, func(d, s *st) {
		for i := range d.xy {
			d.xy[i] += s.xy[i]
			d.xx[i] += s.xx[i]
			d.yy[i] += s.yy[i]
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]float64, g.N)
	ok := make([]bool, g.N)
	for i := range out {
		if sx.c[i] > 0 {
			out[i] = s.xy[i] / math.Sqrt(s.xx[i]*s.yy[i])
			ok[i] = true
		}
	}
	return float64Array(env.Mem, out, hasToValid(ok)), nil
}

func topK(ctx context.Context, env *Env, g *Groups, x *vec, k int, largest bool) (arrow.Array, error) {
	if k < 0 {
		return nil, fmt.Errorf("%w: top_k with k=%d", expr.ErrInvalidArgument, k)
	}
	if k > 0 && k <= 16 {
		if x.k == kInt {
			st, err := topKSmall(ctx, env, g, x.i, x.valid, k, largest)
			if err != nil {
				return nil, err
			}
			return topKList(env, st, g.N, func(v []int64) arrow.Array { return int64Array(env.Mem, arrow.PrimitiveTypes.Int64, v, nil) }), nil
		}
		st, err := topKSmall(ctx, env, g, x.floats(), x.valid, k, largest)
		if err != nil {
			return nil, err
		}
		return topKList(env, st, g.N, func(v []float64) arrow.Array { return float64Array(env.Mem, v, nil) }), nil
	}
	off, rows := groupCSRPar(ctx, env, g)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	offsets := make([]int32, g.N+1)
	for gi := 0; gi < g.N; gi++ {
		cnt := 0
		for _, r := range rows[off[gi]:off[gi+1]] {
			if x.isValid(int(r)) {
				cnt++
			}
		}
		offsets[gi+1] = offsets[gi] + int32(min(cnt, k))
	}
	total := int(offsets[g.N])
	isInt := x.k == kInt
	fv := x.floats()
	outF := make([]float64, total)
	outI := make([]int64, total)
	err := parallelTasks(ctx, env.Workers, (g.N+1023)/1024, func(_, task int) {
		var buf []float64
		var ibuf []int64
		for gi := task * 1024; gi < min(g.N, (task+1)*1024); gi++ {
			buf, ibuf = buf[:0], ibuf[:0]
			for _, r := range rows[off[gi]:off[gi+1]] {
				if x.isValid(int(r)) {
					if isInt {
						ibuf = append(ibuf, x.i[r])
					} else {
						buf = append(buf, fv[r])
					}
				}
			}
			lo := offsets[gi]
			if isInt {
				slices.Sort(ibuf)
				if largest {
					slices.Reverse(ibuf)
				}
				copy(outI[lo:offsets[gi+1]], ibuf)
			} else {
				slices.Sort(buf)
				if largest {
					slices.Reverse(buf)
				}
				copy(outF[lo:offsets[gi+1]], buf)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	var values arrow.Array
	if isInt {
		values = int64Array(env.Mem, arrow.PrimitiveTypes.Int64, outI, nil)
	} else {
		values = float64Array(env.Mem, outF, nil)
	}
	defer values.Release()
	ob := allocBuf(env.Mem, len(offsets)*4)
	copy(bytesAs[int32](ob.Bytes()), offsets)
	d := array.NewData(arrow.ListOf(values.DataType()), g.N, []*memory.Buffer{nil, ob}, []arrow.ArrayData{values.Data()}, 0, 0)
	ob.Release()
	defer d.Release()
	return array.MakeFromData(d), nil
}
