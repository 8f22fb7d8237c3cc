package physical

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/golab-dev/golab/dataframe/expr"
)

// directLimit bounds the key space for which group ids come from a dense
// array indexed by the packed key instead of a hash table.
func directLimit(n int) uint64 { return uint64(max(1<<16, min(4*n, 1<<24))) }

// keyCodes are per-row codes of one or more key columns: equal keys have
// equal codes, code 0 is null; card bounds the codes when > 0.
type keyCodes struct {
	codes []uint64
	card  uint64
}

// encodeColumn computes keyCodes for one column.
func encodeColumn(ctx context.Context, env *Env, a arrow.Array) (keyCodes, error) {
	n := a.Len()
	codes := make([]uint64, n)
	hasNull := a.NullN() > 0
	switch kindOf(a.DataType()) {
	case kNull:
		return keyCodes{codes: codes, card: 1}, nil
	case kInt:
		i32, vals := intVals(a)
		lo, hi := minMaxInts(ctx, env, a, i32, vals)
		if lo > hi { // all null
			return keyCodes{codes: codes, card: 1}, nil
		}
		if uint64(hi-lo) < 1<<40 {
			err := parallelFor(ctx, env.Workers, n, func(_, l, h int) {
				if i32 != nil {
					for i := l; i < h; i++ {
						codes[i] = uint64(int64(i32[i])-lo) + 1
					}
				} else {
					for i := l; i < h; i++ {
						codes[i] = uint64(vals[i]-lo) + 1
					}
				}
				if hasNull {
					for i := l; i < h; i++ {
						if a.IsNull(i) {
							codes[i] = 0
						}
					}
				}
			})
			return keyCodes{codes: codes, card: uint64(hi-lo) + 2}, err
		}
		if vals == nil {
			vals = asInt64(a)
		}
		dc, ng, _, err := denseEncode(ctx, env, n, func(i int) uint64 { return uint64(vals[i]) }, hashU64)
		if err != nil {
			return keyCodes{}, err
		}
		for i, c := range dc {
			if hasNull && a.IsNull(i) {
				codes[i] = 0
			} else {
				codes[i] = uint64(c) + 1
			}
		}
		return keyCodes{codes: codes, card: uint64(ng) + 1}, nil
	case kFloat:
		vals := asFloat64(a)
		dc, ng, _, err := denseEncode(ctx, env, n, func(i int) uint64 {
			v := vals[i]
			if v == 0 {
				v = 0 // -0 == 0
			}
			if v != v {
				return 0x7ff8000000000001
			}
			return math.Float64bits(v)
		}, hashU64)
		if err != nil {
			return keyCodes{}, err
		}
		for i, c := range dc {
			if hasNull && a.IsNull(i) {
				codes[i] = 0
			} else {
				codes[i] = uint64(c) + 1
			}
		}
		return keyCodes{codes: codes, card: uint64(ng) + 1}, nil
	case kBool:
		b := a.(*array.Boolean)
		for i := range codes {
			switch {
			case hasNull && b.IsNull(i):
			case b.Value(i):
				codes[i] = 2
			default:
				codes[i] = 1
			}
		}
		return keyCodes{codes: codes, card: 3}, nil
	case kStr:
		if d, ok := a.(*array.Dictionary); ok {
			dict := d.Dictionary()
			dk, err := encodeColumn(ctx, env, dict) // dictionaries may hold duplicates
			if err != nil {
				return keyCodes{}, err
			}
			var i32 []int32
			if ia, ok := d.Indices().(*array.Int32); ok {
				i32 = ia.Int32Values()
			}
			err = parallelFor(ctx, env.Workers, n, func(_, l, h int) {
				if i32 != nil && !hasNull {
					for i := l; i < h; i++ {
						codes[i] = dk.codes[i32[i]]
					}
					return
				}
				for i := l; i < h; i++ {
					if hasNull && d.IsNull(i) {
						codes[i] = 0
					} else {
						codes[i] = dk.codes[d.GetValueIndex(i)]
					}
				}
			})
			return keyCodes{codes: codes, card: dk.card}, err
		}
		s, err := newStrs(a)
		if err != nil {
			return keyCodes{}, err
		}
		var dc []uint32
		var ng int
		if sk := shortKeyFunc(s, n); sk != nil {
			dc, ng, _, err = denseEncode(ctx, env, n, sk, hashShort)
		} else {
			dc, ng, _, err = denseEncode(ctx, env, n, s.keyFunc(), hashString)
		}
		if err != nil {
			return keyCodes{}, err
		}
		err = parallelFor(ctx, env.Workers, n, func(_, l, h int) {
			for i := l; i < h; i++ {
				if hasNull && a.IsNull(i) {
					codes[i] = 0
				} else {
					codes[i] = uint64(dc[i]) + 1
				}
			}
		})
		return keyCodes{codes: codes, card: uint64(ng) + 1}, err
	}
	return keyCodes{}, fmt.Errorf("%w: cannot group or join by a %s column", expr.ErrUnsupported, a.DataType())
}

// combine packs a and b into one keyCodes, re-encoding densely when the
// product of their cardinalities does not fit 63 bits.
func combine(ctx context.Context, env *Env, a, b keyCodes) (keyCodes, error) {
	var err error
	if bitsFor(a.card)+bitsFor(b.card) > 63 {
		if a, err = densify(ctx, env, a); err != nil {
			return a, err
		}
		if bitsFor(a.card)+bitsFor(b.card) > 63 {
			if b, err = densify(ctx, env, b); err != nil {
				return b, err
			}
		}
	}
	shift := bitsFor(b.card)
	out := a.codes // reuse
	err = parallelFor(ctx, env.Workers, len(out), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = out[i]<<shift | b.codes[i]
		}
	})
	return keyCodes{codes: out, card: (a.card-1)<<shift | (b.card - 1) + 1}, err
}

func densify(ctx context.Context, env *Env, k keyCodes) (keyCodes, error) {
	dc, ng, _, err := denseEncode(ctx, env, len(k.codes), func(i int) uint64 { return k.codes[i] }, hashU64)
	if err != nil {
		return k, err
	}
	for i, c := range dc {
		k.codes[i] = uint64(c)
	}
	return keyCodes{codes: k.codes, card: uint64(ng)}, nil
}

// Groups assigns every row a group id in [0, N).
type Groups struct {
	IDs   []uint32 // per row
	N     int      // number of groups
	First []int32  // first row of each group

	size []int64 // rows per group, once sizes has counted them
}

// groupKeys computes group ids for the rows of key columns cols (n rows).
// With no key columns every row is in group 0.
func groupKeys(ctx context.Context, env *Env, cols []arrow.Array, n int) (*Groups, error) {
	if len(cols) == 0 {
		g := &Groups{IDs: make([]uint32, n), N: 1, First: []int32{0}}
		return g, nil
	}
	if keys, card, ok, err := packedKeys(ctx, env, cols); err != nil {
		return nil, err
	} else if ok {
		return groupKeysPacked(ctx, env, keys, card, n)
	}
	return groupKeysCodes(ctx, env, cols, n)
}

// groupKeysCodes is groupKeys through per-row key codes: every key type,
// nulls, any cardinality.
func groupKeysCodes(ctx context.Context, env *Env, cols []arrow.Array, n int) (*Groups, error) {
	var kc keyCodes
	for i, c := range cols {
		k, err := encodeColumn(ctx, env, c)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			kc = k
			continue
		}
		if kc, err = combine(ctx, env, kc, k); err != nil {
			return nil, err
		}
	}
	if kc.card <= directLimit(n) {
		// Direct: the packed code is the slot; number used slots in key order.
		card := int(kc.card)
		first := make([]int32, card)
		for i := range first {
			first[i] = -1
		}
		for i, c := range kc.codes {
			if i&(MorselSize-1) == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if first[c] < 0 {
				first[c] = int32(i)
			}
		}
		remap := make([]uint32, card)
		var firsts []int32
		for c, f := range first {
			if f >= 0 {
				remap[c] = uint32(len(firsts))
				firsts = append(firsts, f)
			}
		}
		ids := make([]uint32, n)
		err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				ids[i] = remap[kc.codes[i]]
			}
		})
		return &Groups{IDs: ids, N: len(firsts), First: firsts}, err
	}
	codes := kc.codes
	ids, ng, first, err := denseEncode(ctx, env, n, func(i int) uint64 { return codes[i] }, hashU64)
	if err != nil {
		return nil, err
	}
	return &Groups{IDs: ids, N: ng, First: first}, nil
}

// minMaxInt returns the range of the non-null values (lo > hi when none).
func minMaxInt(ctx context.Context, env *Env, a arrow.Array, vals []int64, hasNull bool) (int64, int64) {
	type mm struct{ lo, hi int64 }
	parts := make([]mm, env.Workers)
	for i := range parts {
		parts[i] = mm{math.MaxInt64, math.MinInt64}
	}
	_ = parallelFor(ctx, env.Workers, len(vals), func(w, l, h int) {
		lo, hi := parts[w].lo, parts[w].hi
		if !hasNull {
			a, b := spanOf(vals[l:h])
			parts[w] = mm{min(lo, a), max(hi, b)}
			return
		}
		for i := l; i < h; i++ {
			if hasNull && a.IsNull(i) {
				continue
			}
			v := vals[i]
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
		}
		parts[w] = mm{lo, hi}
	})
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, p := range parts {
		lo, hi = min(lo, p.lo), max(hi, p.hi)
	}
	return lo, hi
}
