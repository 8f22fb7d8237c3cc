package physical

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/golab-dev/golab/dataframe/expr"
)

// sortKey is one key column turned into order-preserving uint64 codes.
type sortKey struct {
	codes     []uint64
	bits      int    // significant bits (64 when unbounded)
	null      []bool // nil: no nulls
	desc      bool
	nullsLast bool
}

func orderCodes(ctx context.Context, env *Env, a arrow.Array) (codes []uint64, nbits int, err error) {
	n := a.Len()
	codes = make([]uint64, n)
	switch kindOf(a.DataType()) {
	case kInt:
		vals := asInt64(a)
		lo, hi := minMaxInt(ctx, env, a, vals, a.NullN() > 0)
		if lo > hi {
			return codes, 0, ctx.Err()
		}
		rng := uint64(hi - lo)
		err := parallelFor(ctx, env.Workers, n, func(_, l, h int) {
			for i := l; i < h; i++ {
				codes[i] = uint64(vals[i] - lo)
			}
		})
		return codes, bitsFor(rng + 1), err
	case kFloat:
		fs := asFloat64(a)
		err := parallelFor(ctx, env.Workers, n, func(_, l, h int) {
			for i := l; i < h; i++ {
				f := fs[i]
				if f == 0 {
					f = 0
				}
				b := math.Float64bits(f)
				if f != f {
					b = math.Float64bits(math.Inf(1)) + 1
				}
				if b>>63 == 1 {
					b = ^b
				} else {
					b |= 1 << 63
				}
				codes[i] = b
			}
		})
		return codes, 64, err
	case kBool:
		b := a.(*array.Boolean)
		for i := range codes {
			if b.IsValid(i) && b.Value(i) {
				codes[i] = 1
			}
		}
		return codes, 1, nil
	case kStr:
		s, err := newStrs(a)
		if err != nil {
			return nil, 0, err
		}
		dc, ng, first, err := denseEncode(ctx, env, n, s.keyFunc(), hashString)
		if err != nil {
			return nil, 0, err
		}
		order := make([]int32, ng)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(x, y int32) int { return strings.Compare(s.at(int(first[x])), s.at(int(first[y]))) })
		rank := make([]uint64, ng)
		for r, c := range order {
			rank[c] = uint64(r)
		}
		for i, c := range dc {
			codes[i] = rank[c]
		}
		return codes, bitsFor(uint64(ng)), nil
	}
	return nil, 0, errUnsortable(a.DataType())
}

// sortIndices returns the permutation that orders rows by keys.
func sortIndices(ctx context.Context, env *Env, keys []arrow.Array, desc, nullsLast []bool, n int) ([]int32, error) {
	sks := make([]sortKey, len(keys))
	total := 0
	for k, a := range keys {
		codes, nb, err := orderCodes(ctx, env, a)
		if err != nil {
			return nil, err
		}
		sk := sortKey{codes: codes, bits: nb, null: validNulls(a), desc: desc[k], nullsLast: nullsLast[k]}
		if sk.desc {
			mask := uint64(math.MaxUint64)
			if nb < 64 {
				mask = 1<<nb - 1
			}
			if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
				for i := lo; i < hi; i++ {
					codes[i] = mask - codes[i]
				}
			}); err != nil {
				return nil, err
			}
		}
		if sk.null != nil && sk.bits < 64 {
			// shift codes up by one and give nulls 0 or the max.
			sk.bits = bitsFor(1<<sk.bits + 2) // values 1..2^bits, nulls 0 or 2^bits+1
			nullCode := uint64(0)
			if sk.nullsLast {
				nullCode = 1<<sk.bits - 1
			}
			for i := range codes {
				if sk.null[i] {
					codes[i] = nullCode
				} else {
					codes[i]++
				}
			}
			sk.null = nil
		}
		total += sk.bits
		sks[k] = sk
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	if total <= 64 && allNoNull(sks) {
		packed := make([]uint64, n)
		for _, sk := range sks {
			if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
				for i := lo; i < hi; i++ {
					packed[i] = packed[i]<<sk.bits | sk.codes[i]
				}
			}); err != nil {
				return nil, err
			}
		}
		if err := radixSort(ctx, packed, idx); err != nil {
			return nil, err
		}
		return idx, ctx.Err()
	}
	if err := sortStableCtx(ctx, idx, func(x, y int32) int {
		for _, sk := range sks {
			if sk.null != nil {
				nx, ny := sk.null[x], sk.null[y]
				if nx != ny {
					if nx == sk.nullsLast {
						return 1
					}
					return -1
				}
				if nx {
					continue
				}
			}
			a, b := sk.codes[x], sk.codes[y]
			if a < b {
				return -1
			}
			if a > b {
				return 1
			}
		}
		return 0
	}); err != nil {
		return nil, err
	}
	return idx, ctx.Err()
}

// errSortCancelled unwinds a comparison sort whose ctx was cancelled; it
// never leaves sortStableCtx.
type errSortCancelled struct{ err error }

// sortStableCtx is slices.SortStableFunc that checks ctx every 64K
// comparisons and returns ctx's error (leaving idx in some order) once it
// is cancelled.
func sortStableCtx(ctx context.Context, idx []int32, cmp func(x, y int32) int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(errSortCancelled)
			if !ok {
				panic(r)
			}
			err = c.err
		}
	}()
	calls := 0
	slices.SortStableFunc(idx, func(x, y int32) int {
		calls++
		if calls&(1<<16-1) == 0 {
			if err := ctx.Err(); err != nil {
				panic(errSortCancelled{err})
			}
		}
		return cmp(x, y)
	})
	return nil
}

func allNoNull(sks []sortKey) bool {
	for _, s := range sks {
		if s.null != nil {
			return false
		}
	}
	return true
}

func validNulls(a arrow.Array) []bool {
	if a.NullN() == 0 {
		return nil
	}
	out := make([]bool, a.Len())
	for i := range out {
		out[i] = a.IsNull(i)
	}
	return out
}

// radixSort sorts keys ascending (stable LSD, 8 bits per pass, skipping
// constant bytes) and permutes idx alongside.
func radixSort(ctx context.Context, keys []uint64, idx []int32) error {
	n := len(keys)
	if n < 256 {
		type kv struct {
			k uint64
			i int32
		}
		tmp := make([]kv, n)
		for i := range tmp {
			tmp[i] = kv{keys[i], idx[i]}
		}
		slices.SortStableFunc(tmp, func(a, b kv) int {
			if a.k < b.k {
				return -1
			}
			if a.k > b.k {
				return 1
			}
			return 0
		})
		for i := range tmp {
			keys[i], idx[i] = tmp[i].k, tmp[i].i
		}
		return nil
	}
	var hist [8][256]int
	for i, k := range keys {
		if i&(MorselSize-1) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		for b := 0; b < 8; b++ {
			hist[b][byte(k>>(8*b))]++
		}
	}
	origK, origI := keys, idx
	k2 := make([]uint64, n)
	i2 := make([]int32, n)
	for b := 0; b < 8; b++ {
		h := &hist[b]
		skip := false
		for _, c := range h {
			if c == n {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		var pos [256]int
		s := 0
		for v := 0; v < 256; v++ {
			pos[v] = s
			s += h[v]
		}
		shift := uint(8 * b)
		for i, k := range keys {
			if i&(MorselSize-1) == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			d := byte(k >> shift)
			p := pos[d]
			k2[p], i2[p] = k, idx[i]
			pos[d] = p + 1
		}
		keys, k2 = k2, keys
		idx, i2 = i2, idx
	}
	if &keys[0] != &origK[0] {
		copy(origK, keys)
		copy(origI, idx)
	}
	return nil
}

func errUnsortable(t arrow.DataType) error {
	return fmt.Errorf("%w: cannot sort by a %s column", expr.ErrUnsupported, t)
}
