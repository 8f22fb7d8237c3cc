package physical

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// joinCodes encodes left and right key columns into one code space: equal
// keys get equal codes; rows with a null key get ok=false.
func joinCodes(ctx context.Context, env *Env, lk, rk []arrow.Array, nl, nr int) (codes []uint64, card uint64, nullKey []bool, err error) {
	var kc keyCodes
	for i := range lk {
		l, r := lk[i], rk[i]
		norm := func(a arrow.Array) (arrow.Array, error) {
			t := a.DataType()
			switch {
			case expr.IsInteger(t) && t.ID() != arrow.INT64:
				return compute.CastArray(ctx, a, compute.SafeCastOptions(arrow.PrimitiveTypes.Int64))
			case expr.IsString(t) && t.ID() != arrow.STRING:
				return compute.CastArray(ctx, a, compute.SafeCastOptions(arrow.BinaryTypes.String))
			}
			a.Retain()
			return a, nil
		}
		if l.DataType().ID() == arrow.NULL && r.DataType().ID() != arrow.NULL {
			l = array.MakeArrayOfNull(env.Mem, r.DataType(), l.Len())
			defer l.Release()
		} else if r.DataType().ID() == arrow.NULL && l.DataType().ID() != arrow.NULL {
			r = array.MakeArrayOfNull(env.Mem, l.DataType(), r.Len())
			defer r.Release()
		}
		l2, err := norm(l)
		if err != nil {
			return nil, 0, nil, err
		}
		r2, err := norm(r)
		if err != nil {
			l2.Release()
			return nil, 0, nil, err
		}
		both, err := array.Concatenate([]arrow.Array{l2, r2}, env.Mem)
		l2.Release()
		r2.Release()
		if err != nil {
			return nil, 0, nil, fmt.Errorf("%w: join keys %s and %s: %v", expr.ErrSchemaMismatch, l.DataType(), r.DataType(), err)
		}
		k, err := encodeColumn(ctx, env, both)
		if both.NullN() > 0 {
			if nullKey == nil {
				nullKey = make([]bool, nl+nr)
			}
			for j := range nullKey {
				if both.IsNull(j) {
					nullKey[j] = true
				}
			}
		}
		both.Release()
		if err != nil {
			return nil, 0, nil, err
		}
		if i == 0 {
			kc = k
		} else if kc, err = combine(ctx, env, kc, k); err != nil {
			return nil, 0, nil, err
		}
	}
	if kc.card > directLimit(nl+nr) {
		if kc, err = densify(ctx, env, kc); err != nil {
			return nil, 0, nil, err
		}
	}
	return kc.codes, kc.card, nullKey, nil
}

// joinIndices returns matching (left,right) row pairs; right index -1
// means no match (left/full joins), left index -1 likewise (full joins).
// For semi/anti joins only li is filled. li is nil when it would be the
// identity 0..len(ri)-1 (every left row exactly once, in order: a left
// join, or an inner join where all rows match, against a build side with
// unique keys); callers gather with gather, which shares the column then.
func joinIndices(ctx context.Context, env *Env, how plan.JoinType, lk, rk []arrow.Array, nl, nr int) (li, ri []int32, err error) {
	var lc, rc []uint32
	var card uint64
	var nullKey []bool
	skip := uint32(1<<32 - 1)
	if len(lk) == 1 {
		var ok bool
		if lc, rc, card, ok, err = joinCodesFast(ctx, env, lk[0], rk[0]); err != nil {
			return nil, nil, err
		}
		if ok {
			// Rows without a partner or with a null key carry code card-1,
			// which the build below never links.
			skip = uint32(card - 1)
		} else {
			lc = nil
		}
	}
	if lc == nil {
		codes, c, nk, err := joinCodes(ctx, env, lk, rk, nl, nr)
		if err != nil {
			return nil, nil, err
		}
		c32 := make([]uint32, len(codes))
		if err := parallelFor(ctx, env.Workers, len(codes), func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				c32[i] = uint32(codes[i])
			}
		}); err != nil {
			return nil, nil, err
		}
		lc, rc, card, nullKey = c32[:nl], c32[nl:], c, nk
	}
	isNull := func(row int) bool { return nullKey != nil && nullKey[row] }
	// Build: heads[code] is the first right row with that code. Large
	// builds split the code space between workers: each scans all rows
	// but only writes codes it owns, spreading the random writes.
	heads := make([]int32, card)
	for i := range heads {
		heads[i] = -1
	}
	bw := 1
	if nr >= 1<<20 {
		bw = env.Workers
	}
	var dup atomic.Bool
	build := func(next []int32) error {
		return parallelTasks(ctx, bw, bw, func(_, w int) {
			clo, chi := uint32(card*uint64(w)/uint64(bw)), uint32(card*uint64(w+1)/uint64(bw))
			seen := false
			// Descending, so chains come out in row order.
			for r := nr - 1; r >= 0; r-- {
				if r&(MorselSize-1) == 0 && ctx.Err() != nil {
					return
				}
				c := rc[r]
				if c < clo || c >= chi || c == skip || isNull(nl+r) {
					continue
				}
				if next != nil {
					next[r] = heads[c]
				} else if heads[c] >= 0 {
					seen = true
				}
				heads[c] = int32(r)
			}
			if seen {
				dup.Store(true)
			}
		})
	}
	if err := build(nil); err != nil {
		return nil, nil, err
	}
	if !dup.Load() && how != plan.Full {
		return probeUnique(ctx, env, how, lc, heads, nullKey)
	}
	var next []int32
	if dup.Load() {
		// Duplicate build keys: chain them (rebuild with next links).
		for i := range heads {
			heads[i] = -1
		}
		next = make([]int32, nr)
		if err := build(next); err != nil {
			return nil, nil, err
		}
	} else {
		next = make([]int32, 0)
	}
	chain := func(r int32) int32 {
		if len(next) == 0 {
			return -1
		}
		return next[r]
	}
	// Probe in morsels: count, then fill.
	nm := (nl + MorselSize - 1) / MorselSize
	counts := make([]int, nm)
	emitUnmatched := how == plan.Left || how == plan.Full
	err = parallelFor(ctx, env.Workers, nl, func(_, lo, hi int) {
		cnt := 0
		for i := lo; i < hi; i++ {
			h := int32(-1)
			if !isNull(i) {
				h = heads[lc[i]]
			}
			switch how {
			case plan.Semi:
				if h >= 0 {
					cnt++
				}
			case plan.Anti:
				if h < 0 {
					cnt++
				}
			default:
				m := 0
				for r := h; r >= 0; r = chain(r) {
					m++
				}
				if m == 0 && emitUnmatched {
					m = 1
				}
				cnt += m
			}
		}
		counts[lo/MorselSize] = cnt
	})
	if err != nil {
		return nil, nil, err
	}
	starts := make([]int, nm+1)
	for m := 0; m < nm; m++ {
		starts[m+1] = starts[m] + counts[m]
	}
	total := starts[nm]
	li = make([]int32, total)
	semi := how == plan.Semi || how == plan.Anti
	if !semi {
		ri = make([]int32, total)
	}
	err = parallelFor(ctx, env.Workers, nl, func(_, lo, hi int) {
		p := starts[lo/MorselSize]
		for i := lo; i < hi; i++ {
			h := int32(-1)
			if !isNull(i) {
				h = heads[lc[i]]
			}
			switch how {
			case plan.Semi:
				if h >= 0 {
					li[p] = int32(i)
					p++
				}
			case plan.Anti:
				if h < 0 {
					li[p] = int32(i)
					p++
				}
			default:
				if h < 0 && emitUnmatched {
					li[p], ri[p] = int32(i), -1
					p++
				}
				for r := h; r >= 0; r = chain(r) {
					li[p], ri[p] = int32(i), r
					p++
				}
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if how == plan.Full {
		matched := make([]bool, nr)
		for i, r := range ri {
			if i&(MorselSize-1) == 0 && ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if r >= 0 {
				matched[r] = true
			}
		}
		for r := 0; r < nr; r++ {
			if r&(MorselSize-1) == 0 && ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if !matched[r] {
				li = append(li, -1)
				ri = append(ri, int32(r))
			}
		}
	}
	return li, ri, nil
}

// probeUnique probes a build side whose keys are unique (heads[code] is
// the only right row of code), in one pass: a left row has at most one
// partner. Inner, semi and anti joins write each morsel's pairs at the
// morsel's own offset, then close the gaps; a left join keeps every left
// row, so li is the identity (nil).
func probeUnique(ctx context.Context, env *Env, how plan.JoinType, lc []uint32, heads []int32, nullKey []bool) (li, ri []int32, err error) {
	nl := len(lc)
	if how == plan.Left {
		ri = make([]int32, nl)
		err = parallelFor(ctx, env.Workers, nl, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				ri[i] = heads[lc[i]]
			}
			if nullKey != nil {
				for i := lo; i < hi; i++ {
					if nullKey[i] {
						ri[i] = -1
					}
				}
			}
		})
		return nil, ri, err
	}
	nm := (nl + MorselSize - 1) / MorselSize
	counts := make([]int, nm)
	li = make([]int32, nl)
	if how == plan.Inner {
		ri = make([]int32, nl)
	}
	err = parallelFor(ctx, env.Workers, nl, func(_, lo, hi int) {
		p := lo
		switch how {
		case plan.Inner:
			for i := lo; i < hi; i++ {
				h := heads[lc[i]]
				if h >= 0 && (nullKey == nil || !nullKey[i]) {
					li[p], ri[p] = int32(i), h
					p++
				}
			}
		case plan.Semi:
			for i := lo; i < hi; i++ {
				if heads[lc[i]] >= 0 && (nullKey == nil || !nullKey[i]) {
					li[p] = int32(i)
					p++
				}
			}
		case plan.Anti:
			for i := lo; i < hi; i++ {
				if heads[lc[i]] < 0 || (nullKey != nil && nullKey[i]) {
					li[p] = int32(i)
					p++
				}
			}
		}
		counts[lo/MorselSize] = p - lo
	})
	if err != nil {
		return nil, nil, err
	}
	// Close the gaps between morsels (each moves left, in order).
	p := 0
	for m, c := range counts {
		lo := m * MorselSize
		if p != lo {
			copy(li[p:p+c], li[lo:lo+c])
			if ri != nil {
				copy(ri[p:p+c], ri[lo:lo+c])
			}
		}
		p += c
	}
	if how == plan.Inner && p == nl {
		return nil, ri, nil
	}
	li = shrink(li[:p])
	if ri != nil {
		ri = shrink(ri[:p])
	}
	return li, ri, nil
}

// shrink returns s, copied into a right-sized slice when it uses less
// than half of its capacity (so a selective join does not keep memory
// for every probe row).
func shrink(s []int32) []int32 {
	if len(s) < cap(s)/2 {
		return append(make([]int32, 0, len(s)), s...)
	}
	return s
}

// intVals returns the values of an integer array without converting
// int32 and int64 columns (i32 or i64 set), other integer types widened.
func intVals(a arrow.Array) (i32 []int32, i64 []int64) {
	if v, ok := a.(*array.Int32); ok {
		return v.Int32Values(), nil
	}
	return nil, asInt64(a)
}

// minMaxInts returns the range of the non-null values of a (lo > hi when
// none).
func minMaxInts(ctx context.Context, env *Env, a arrow.Array, i32 []int32, i64 []int64) (int64, int64) {
	if i64 != nil {
		return minMaxInt(ctx, env, a, i64, a.NullN() > 0)
	}
	type mm struct{ lo, hi int64 }
	parts := make([]mm, env.Workers)
	for i := range parts {
		parts[i] = mm{math.MaxInt64, math.MinInt64}
	}
	hasNull := a.NullN() > 0
	_ = parallelFor(ctx, env.Workers, len(i32), func(w, l, h int) {
		var lo, hi int32
		found := false
		if !hasNull {
			lo, hi = spanOf(i32[l:h])
			found = true
		} else {
			lo, hi = int32(math.MaxInt32), int32(math.MinInt32)
			for i := l; i < h; i++ {
				if a.IsNull(i) {
					continue
				}
				v := i32[i]
				lo, hi, found = min(lo, v), max(hi, v), true
			}
		}
		if found {
			parts[w] = mm{min(parts[w].lo, int64(lo)), max(parts[w].hi, int64(hi))}
		}
	})
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, p := range parts {
		lo, hi = min(lo, p.lo), max(hi, p.hi)
	}
	return lo, hi
}

// spanOf returns the minimum and maximum of the non-empty xs. Branches,
// not min/max: a new extreme is rare, so they predict well and the loop
// carries no dependency from one element to the next.
func spanOf[T int32 | int64](xs []T) (lo, hi T) {
	lo, hi = xs[0], xs[0]
	for _, x := range xs[1:] {
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi
}

// offsetCodes writes v-lo for the values of a within [lo, hi] and none
// for the others and for nulls.
func offsetCodes(ctx context.Context, env *Env, a arrow.Array, i32 []int32, i64 []int64, lo, hi int64, none uint32) ([]uint32, error) {
	n := a.Len()
	out := make([]uint32, n)
	hasNull := a.NullN() > 0
	err := parallelFor(ctx, env.Workers, n, func(_, l, h int) {
		if i32 != nil {
			for i := l; i < h; i++ {
				v := int64(i32[i])
				if v < lo || v > hi {
					out[i] = none
				} else {
					out[i] = uint32(v - lo)
				}
			}
		} else {
			for i := l; i < h; i++ {
				v := i64[i]
				if v < lo || v > hi {
					out[i] = none
				} else {
					out[i] = uint32(v - lo)
				}
			}
		}
		if hasNull {
			for i := l; i < h; i++ {
				if a.IsNull(i) {
					out[i] = none
				}
			}
		}
	})
	return out, err
}

// joinCodesFast encodes one key column pair without concatenating the
// sides: integers by offset from the build side's minimum, strings by a
// table of the (small) build side probed in parallel. The last code
// (card-1) means "no partner / null" and is never used by build rows.
// ok is false when neither fast path applies.
func joinCodesFast(ctx context.Context, env *Env, l, r arrow.Array) (lc, rc []uint32, card uint64, ok bool, err error) {
	nl, nr := l.Len(), r.Len()
	lt, rt := l.DataType(), r.DataType()
	switch {
	case kindOf(lt) == kInt && kindOf(rt) == kInt && expr.IsInteger(lt) == expr.IsInteger(rt):
		r32, r64 := intVals(r)
		lo, hi := minMaxInts(ctx, env, r, r32, r64)
		if lo > hi {
			lo, hi = 0, 0
		}
		span := uint64(hi - lo)
		if hi-lo < 0 || span >= uint64(max(4*nr, 1<<20)) || span >= 1<<31 {
			return nil, nil, 0, false, nil
		}
		card = span + 2
		none := uint32(card - 1)
		if rc, err = offsetCodes(ctx, env, r, r32, r64, lo, hi, none); err != nil {
			return nil, nil, 0, false, err
		}
		l32, l64 := intVals(l)
		lc, err = offsetCodes(ctx, env, l, l32, l64, lo, hi, none)
		return lc, rc, card, err == nil, err
	case kindOf(lt) == kStr && kindOf(rt) == kStr && (nr <= 1<<20 || rt.ID() == arrow.DICTIONARY):
		// Build: a table of the right side's distinct strings (its
		// dictionary when dictionary-encoded).
		t := newStrTable(256)
		var none uint32
		rc = make([]uint32, nr)
		if rd, isDict := r.(*array.Dictionary); isDict {
			ds, err := newStrs(rd.Dictionary())
			if err != nil {
				return nil, nil, 0, false, err
			}
			dcode := make([]uint32, rd.Dictionary().Len())
			for j := range dcode {
				k := ds.at(j)
				c, _ := t.insert(k, hashString(k))
				dcode[j] = uint32(c)
			}
			card = uint64(t.len()) + 1
			none = uint32(card - 1)
			rnull := rd.NullN() > 0
			if err := parallelFor(ctx, env.Workers, nr, func(_, a, b int) {
				for i := a; i < b; i++ {
					if rnull && rd.IsNull(i) {
						rc[i] = none
					} else {
						rc[i] = dcode[rd.GetValueIndex(i)]
					}
				}
			}); err != nil {
				return nil, nil, 0, false, err
			}
		} else {
			rs, err := newStrs(r)
			if err != nil {
				return nil, nil, 0, false, err
			}
			rk := rs.keyFunc()
			var nulls []int
			for i := 0; i < nr; i++ {
				if i&(MorselSize-1) == 0 && ctx.Err() != nil {
					return nil, nil, 0, false, ctx.Err()
				}
				if r.IsNull(i) {
					nulls = append(nulls, i)
					continue
				}
				k := rk(i)
				c, _ := t.insert(k, hashString(k))
				rc[i] = uint32(c)
			}
			card = uint64(t.len()) + 1
			none = uint32(card - 1)
			for _, i := range nulls {
				rc[i] = none
			}
		}
		// Probe: per row, or once per dictionary entry.
		lnull := l.NullN() > 0
		lc = make([]uint32, nl)
		if ld, isDict := l.(*array.Dictionary); isDict {
			ds, err := newStrs(ld.Dictionary())
			if err != nil {
				return nil, nil, 0, false, err
			}
			dmap := make([]uint32, ld.Dictionary().Len())
			for j := range dmap {
				k := ds.at(j)
				if c := t.find(k, hashString(k)); c >= 0 {
					dmap[j] = uint32(c)
				} else {
					dmap[j] = none
				}
			}
			var i32 []int32
			if ia, ok := ld.Indices().(*array.Int32); ok {
				i32 = ia.Int32Values()
			}
			err = parallelFor(ctx, env.Workers, nl, func(_, a, b int) {
				for i := a; i < b; i++ {
					switch {
					case lnull && ld.IsNull(i):
						lc[i] = none
					case i32 != nil:
						lc[i] = dmap[i32[i]]
					default:
						lc[i] = dmap[ld.GetValueIndex(i)]
					}
				}
			})
			return lc, rc, card, err == nil, err
		}
		ls, err := newStrs(l)
		if err != nil {
			return nil, nil, 0, false, err
		}
		lk := ls.keyFunc()
		err = parallelFor(ctx, env.Workers, nl, func(_, a, b int) {
			for i := a; i < b; i++ {
				if lnull && l.IsNull(i) {
					lc[i] = none
					continue
				}
				k := lk(i)
				if c := t.find(k, hashString(k)); c >= 0 {
					lc[i] = uint32(c)
				} else {
					lc[i] = none
				}
			}
		})
		return lc, rc, card, err == nil, err
	}
	return nil, nil, 0, false, nil
}
