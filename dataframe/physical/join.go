package physical

import (
	"context"
	"fmt"
	"math"

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
// For semi/anti joins only li is filled.
func joinIndices(ctx context.Context, env *Env, how plan.JoinType, lk, rk []arrow.Array, nl, nr int) (li, ri []int32, err error) {
	var lc, rc []uint64
	var card uint64
	var nullKey []bool
	skip := uint64(math.MaxUint64)
	if len(lk) == 1 {
		var ok bool
		if lc, rc, card, ok, err = joinCodesFast(ctx, env, lk[0], rk[0]); err != nil {
			return nil, nil, err
		}
		if ok {
			// Rows without a partner or with a null key carry code card-1,
			// which the build below never chains.
			skip = card - 1
		} else {
			lc = nil
		}
	}
	if lc == nil {
		codes, c, nk, err := joinCodes(ctx, env, lk, rk, nl, nr)
		if err != nil {
			return nil, nil, err
		}
		lc, rc, card, nullKey = codes[:nl], codes[nl:], c, nk
	}
	isNull := func(row int) bool { return nullKey != nil && nullKey[row] }
	// Build: chains over right rows, in row order.
	heads := make([]int32, card)
	for i := range heads {
		heads[i] = -1
	}
	next := make([]int32, nr)
	// Chain build rows (descending, so chains come out in row order).
	// Large builds split the code space between workers: each scans all
	// rows but only links codes it owns, spreading the random writes.
	bw := 1
	if nr >= 1<<20 {
		bw = env.Workers
	}
	if err := parallelTasks(ctx, bw, bw, func(_, w int) {
		clo, chi := card*uint64(w)/uint64(bw), card*uint64(w+1)/uint64(bw)
		for r := nr - 1; r >= 0; r-- {
			c := rc[r]
			if c < clo || c >= chi || c == skip || isNull(nl+r) {
				continue
			}
			next[r] = heads[c]
			heads[c] = int32(r)
		}
	}); err != nil {
		return nil, nil, err
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
				for r := h; r >= 0; r = next[r] {
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
				for r := h; r >= 0; r = next[r] {
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
		for _, r := range ri {
			if r >= 0 {
				matched[r] = true
			}
		}
		for r := 0; r < nr; r++ {
			if !matched[r] {
				li = append(li, -1)
				ri = append(ri, int32(r))
			}
		}
	}
	return li, ri, nil
}

// joinCodesFast encodes one key column pair without concatenating the
// sides: integers by offset from the build side's minimum, strings by a
// table of the (small) build side probed in parallel. The last code
// (card-1) means "no partner / null" and is never used by build rows.
// ok is false when neither fast path applies.
func joinCodesFast(ctx context.Context, env *Env, l, r arrow.Array) (lc, rc []uint64, card uint64, ok bool, err error) {
	nl, nr := l.Len(), r.Len()
	lt, rt := l.DataType(), r.DataType()
	switch {
	case kindOf(lt) == kInt && kindOf(rt) == kInt && expr.IsInteger(lt) == expr.IsInteger(rt):
		rv := asInt64(r)
		lo, hi := minMaxInt(ctx, env, r, rv, r.NullN() > 0)
		if lo > hi {
			lo, hi = 0, 0
		}
		span := uint64(hi - lo)
		if hi-lo < 0 || span >= uint64(max(4*nr, 1<<20)) {
			return nil, nil, 0, false, nil
		}
		card = span + 2
		none := card - 1
		rc = make([]uint64, nr)
		rnull := r.NullN() > 0
		if err := parallelFor(ctx, env.Workers, nr, func(_, a, b int) {
			for i := a; i < b; i++ {
				if rnull && r.IsNull(i) {
					rc[i] = none
				} else {
					rc[i] = uint64(rv[i] - lo)
				}
			}
		}); err != nil {
			return nil, nil, 0, false, err
		}
		lv := asInt64(l)
		lnull := l.NullN() > 0
		lc = make([]uint64, nl)
		err = parallelFor(ctx, env.Workers, nl, func(_, a, b int) {
			for i := a; i < b; i++ {
				v := lv[i]
				if (lnull && l.IsNull(i)) || v < lo || v > hi {
					lc[i] = none
				} else {
					lc[i] = uint64(v - lo)
				}
			}
		})
		return lc, rc, card, true, err
	case kindOf(lt) == kStr && kindOf(rt) == kStr && (nr <= 1<<20 || rt.ID() == arrow.DICTIONARY):
		// Build: a table of the right side's distinct strings (its
		// dictionary when dictionary-encoded).
		t := newStrTable(256)
		var none uint64
		rc = make([]uint64, nr)
		if rd, isDict := r.(*array.Dictionary); isDict {
			ds, err := newStrs(rd.Dictionary())
			if err != nil {
				return nil, nil, 0, false, err
			}
			dcode := make([]uint64, rd.Dictionary().Len())
			for j := range dcode {
				k := ds.at(j)
				c, _ := t.insert(k, hashString(k))
				dcode[j] = uint64(c)
			}
			card = uint64(t.len()) + 1
			none = card - 1
			for i := range rc {
				if rd.IsNull(i) {
					rc[i] = none
				} else {
					rc[i] = dcode[rd.GetValueIndex(i)]
				}
			}
		} else {
			rs, err := newStrs(r)
			if err != nil {
				return nil, nil, 0, false, err
			}
			rk := rs.keyFunc()
			var nulls []int
			for i := 0; i < nr; i++ {
				if r.IsNull(i) {
					nulls = append(nulls, i)
					continue
				}
				k := rk(i)
				c, _ := t.insert(k, hashString(k))
				rc[i] = uint64(c)
			}
			card = uint64(t.len()) + 1
			none = card - 1
			for _, i := range nulls {
				rc[i] = none
			}
		}
		// Probe: per row, or once per dictionary entry.
		lnull := l.NullN() > 0
		lc = make([]uint64, nl)
		if ld, isDict := l.(*array.Dictionary); isDict {
			ds, err := newStrs(ld.Dictionary())
			if err != nil {
				return nil, nil, 0, false, err
			}
			dmap := make([]uint64, ld.Dictionary().Len())
			for j := range dmap {
				k := ds.at(j)
				if c := t.find(k, hashString(k)); c >= 0 {
					dmap[j] = uint64(c)
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
			return lc, rc, card, true, err
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
					lc[i] = uint64(c)
				} else {
					lc[i] = none
				}
			}
		})
		return lc, rc, card, true, err
	}
	return nil, nil, 0, false, nil
}
