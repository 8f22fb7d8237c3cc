package physical

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// directKey is one key column read in place for the packed group-by
// paths: int32 storage (dictionary indices or int32 values) turned into its
// 1-based code (0 is null, never used here) through a lookup table
// (dictionaries) or by offset (integers), so no per-row code array is
// materialized.
type directKey struct {
	vals  []int32
	base  int32    // integers: code = vals[i]-base+1
	lut   []uint32 // dictionaries: code = lut[vals[i]]
	shift int      // bits of the codes of the columns after this one
}

// packedKeys prepares the key columns for the packed paths: every column
// must be null-free and either a dictionary with int32 indices or an int32
// column, and their codes packed as combine packs them must fit 63 bits.
// card bounds the packed codes. ok is false otherwise.
func packedKeys(ctx context.Context, env *Env, cols []arrow.Array) (keys []directKey, card uint64, ok bool, err error) {
	bits := 0
	cards := make([]uint64, len(cols))
	for _, c := range cols {
		if c.NullN() > 0 {
			return nil, 0, false, nil
		}
		switch a := c.(type) {
		case *array.Dictionary:
			if _, isI32 := a.Indices().(*array.Int32); !isI32 || a.Dictionary().NullN() > 0 {
				return nil, 0, false, nil
			}
		case *array.Int32:
		default:
			return nil, 0, false, nil
		}
	}
	for i, c := range cols {
		var k directKey
		switch a := c.(type) {
		case *array.Dictionary:
			dk, err := encodeColumn(ctx, env, a.Dictionary()) // dictionaries may hold duplicates
			if err != nil {
				return nil, 0, false, err
			}
			k.vals = a.Indices().(*array.Int32).Int32Values()
			k.lut = make([]uint32, len(dk.codes))
			for j, code := range dk.codes {
				k.lut[j] = uint32(code)
			}
			cards[i] = dk.card
		case *array.Int32:
			vals := a.Int32Values()
			lo, hi := minMaxInts(ctx, env, a, vals, nil)
			if lo > hi {
				lo, hi = 0, 0
			}
			k.vals, k.base = vals, int32(lo)
			cards[i] = uint64(hi-lo) + 2 // as encodeColumn: code 0 is null
		}
		if err := ctx.Err(); err != nil {
			return nil, 0, false, err
		}
		keys = append(keys, k)
		bits += bitsFor(cards[i])
		if bits > 63 {
			return nil, 0, false, nil
		}
	}
	shift := 0
	for i := len(keys) - 1; i >= 0; i-- {
		keys[i].shift = shift
		shift += bitsFor(cards[i])
	}
	// The packed card, as combine computes it.
	card = cards[0]
	for i := 1; i < len(cards); i++ {
		card = (card-1)<<bitsFor(cards[i]) | (cards[i] - 1) + 1
	}
	return keys, card, true, nil
}

// code returns the 1-based code of row i.
func (d *directKey) code(i int) uint64 {
	if d.lut != nil {
		return uint64(d.lut[d.vals[i]])
	}
	return uint64(uint32(d.vals[i]-d.base)) + 1
}

// packedCode returns the packed key of row i.
func packedCode(keys []directKey, i int) uint64 {
	var c uint64
	for k := range keys {
		c |= keys[k].code(i) << keys[k].shift
	}
	return c
}

// groupKeysPacked groups by packed keys (see packedKeys): directly when
// card is small, else through denseEncode over codes computed on the fly.
func groupKeysPacked(ctx context.Context, env *Env, keys []directKey, card uint64, n int) (*Groups, error) {
	if card <= directLimit(n) {
		return groupKeysDirect(ctx, env, keys, card, n)
	}
	key := func(i int) uint64 { return packedCode(keys, i) }
	if len(keys) >= 3 {
		// denseEncode reads every key two or three times: with many
		// columns one stored code is cheaper than packing it again.
		codes := make([]uint64, n)
		if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				codes[i] = packedCode(keys, i)
			}
		}); err != nil {
			return nil, err
		}
		key = func(i int) uint64 { return codes[i] }
	}
	ids, ng, first, err := denseEncode(ctx, env, n, key, hashU64)
	if err != nil {
		return nil, err
	}
	return &Groups{IDs: ids, N: ng, First: first}, nil
}

// groupKeysDirect numbers the groups of null-free low-cardinality keys
// (see packedKeys; card at most directLimit) in packed-key order, as groupKeys' direct path does,
// reading the key columns in place: one pass finds each key's first row
// (per-worker partial results merged), one pass writes the group ids.
func groupKeysDirect(ctx context.Context, env *Env, keys []directKey, card uint64, n int) (*Groups, error) {
	w := env.Workers
	if card*uint64(w) > 1<<22 {
		w = 1
	}
	firsts := make([][]int32, w)
	for i := range firsts {
		f := make([]int32, card)
		for j := range f {
			f[j] = math.MaxInt32
		}
		firsts[i] = f
	}
	one := len(keys) == 1
	err := parallelFor(ctx, w, n, func(wk, lo, hi int) {
		first := firsts[wk]
		if one {
			d := &keys[0]
			for i := lo; i < hi; i++ {
				c := d.code(i)
				if first[c] == math.MaxInt32 {
					first[c] = int32(i)
				}
			}
			return
		}
		for i := lo; i < hi; i++ {
			c := packedCode(keys, i)
			if first[c] == math.MaxInt32 {
				first[c] = int32(i)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	// Morsels reach a worker in increasing order, so each worker's first
	// is its smallest row; the minimum over workers is the first row.
	first := firsts[0]
	for _, f := range firsts[1:] {
		for c, r := range f {
			first[c] = min(first[c], r)
		}
	}
	remap := make([]uint32, card)
	var fr []int32
	for c, r := range first {
		if r != math.MaxInt32 {
			remap[c] = uint32(len(fr))
			fr = append(fr, r)
		}
	}
	ids := make([]uint32, n)
	if d := &keys[0]; one && d.lut != nil {
		// Compose the dictionary's lookup table with the numbering.
		lut := make([]uint32, len(d.lut))
		for j, c := range d.lut {
			lut[j] = remap[c]
		}
		err = parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				ids[i] = lut[d.vals[i]]
			}
		})
	} else if one {
		// remap is indexed by v-base+1: shift it by one.
		r1 := remap[1:]
		err = parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				ids[i] = r1[uint32(d.vals[i]-d.base)]
			}
		})
	} else {
		err = parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				ids[i] = remap[packedCode(keys, i)]
			}
		})
	}
	if err != nil {
		return nil, err
	}
	return &Groups{IDs: ids, N: len(fr), First: fr}, nil
}
