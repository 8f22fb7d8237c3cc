package physical

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
)

// take gathers a[idx[i]] for every i; idx[i] < 0 yields null. The result
// is owned by the caller.
func take(ctx context.Context, env *Env, a arrow.Array, idx []int32) (arrow.Array, error) {
	ix, err := newIndex(ctx, env, idx)
	if err != nil {
		return nil, err
	}
	defer ix.release()
	return takeIdx(ctx, env, a, ix)
}

// index is a gather index with what every column gathered by it shares:
// whether some entry is negative (a null row) and, then, the validity
// bitmap of the non-negative entries. Build it once per index with
// newIndex when gathering many columns; release drops the bitmap.
type index struct {
	idx    []int32
	hasNeg bool
	mask   *memory.Buffer // bit i set when idx[i] >= 0; nil unless hasNeg
	nulls  int            // negative entries
}

func newIndex(ctx context.Context, env *Env, idx []int32) (*index, error) {
	ix := &index{idx: idx}
	var neg atomic.Bool
	if err := parallelFor(ctx, env.Workers, len(idx), func(_, lo, hi int) {
		if neg.Load() {
			return
		}
		for _, x := range idx[lo:hi] {
			if x < 0 {
				neg.Store(true)
				return
			}
		}
	}); err != nil {
		return nil, err
	}
	if !neg.Load() {
		return ix, nil
	}
	ix.hasNeg = true
	var err error
	ix.mask, ix.nulls, err = validityOf(ctx, env, len(idx), func(i int) bool { return idx[i] >= 0 })
	return ix, err
}

func (ix *index) release() {
	if ix.mask != nil {
		ix.mask.Release()
		ix.mask = nil
	}
}

// validityOf builds a validity bitmap of n bits from ok, a byte at a time
// (morsels are multiples of 8 rows, so workers own whole bytes). It
// returns the bitmap and the number of unset bits.
func validityOf(ctx context.Context, env *Env, n int, ok func(i int) bool) (*memory.Buffer, int, error) {
	vb := allocBuf(env.Mem, int(bitutil.BytesForBits(int64(n))))
	bm := vb.Bytes()
	nm := (n + MorselSize - 1) / MorselSize
	nullsAt := make([]int, nm)
	err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
		c := 0
		for i := lo; i < hi; i += 8 {
			var b byte
			for k := 0; k < 8 && i+k < hi; k++ {
				if ok(i + k) {
					b |= 1 << k
				} else {
					c++
				}
			}
			bm[i/8] = b
		}
		nullsAt[lo/MorselSize] = c
	})
	if err != nil {
		vb.Release()
		return nil, 0, err
	}
	nulls := 0
	for _, c := range nullsAt {
		nulls += c
	}
	return vb, nulls, nil
}

// takeIdx is take by a prepared index, so a caller gathering many columns
// by the same indices scans them once.
func takeIdx(ctx context.Context, env *Env, a arrow.Array, ix *index) (arrow.Array, error) {
	idx := ix.idx
	n := len(idx)
	srcNulls := a.NullN() > 0
	var vb *memory.Buffer
	nulls := 0
	switch {
	case srcNulls:
		var err error
		vb, nulls, err = validityOf(ctx, env, n, func(i int) bool {
			x := idx[i]
			return x >= 0 && a.IsValid(int(x))
		})
		if err != nil {
			return nil, err
		}
		if nulls == 0 {
			vb.Release()
			vb = nil
		}
	case ix.hasNeg:
		vb, nulls = ix.mask, ix.nulls
		vb.Retain()
	}
	switch src := a.(type) {
	case *array.Int64, *array.Timestamp, *array.Date64, *array.Duration:
		vals := bytesAs64(a)
		buf := allocBuf(env.Mem, n*8)
		out := bytesAs[int64](buf.Bytes())
		err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				if x := idx[i]; x >= 0 {
					out[i] = vals[x]
				} else {
					out[i] = 0
				}
			}
		})
		return finish(a.DataType(), n, []*memory.Buffer{vb, buf}, nulls), err
	case *array.Float64:
		vals := src.Float64Values()
		buf := allocBuf(env.Mem, n*8)
		out := bytesAs[float64](buf.Bytes())
		err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				if x := idx[i]; x >= 0 {
					out[i] = vals[x]
				} else {
					out[i] = 0
				}
			}
		})
		return finish(a.DataType(), n, []*memory.Buffer{vb, buf}, nulls), err
	case *array.Int32, *array.Date32:
		d := a.Data()
		vals := bytesAs[int32](d.Buffers()[1].Bytes())[d.Offset():]
		buf := allocBuf(env.Mem, n*4)
		out := bytesAs[int32](buf.Bytes())
		err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				if x := idx[i]; x >= 0 {
					out[i] = vals[x]
				} else {
					out[i] = 0
				}
			}
		})
		return finish(a.DataType(), n, []*memory.Buffer{vb, buf}, nulls), err
	case *array.String:
		offs := src.ValueOffsets()
		data := valueData(src)
		ob := allocBuf(env.Mem, (n+1)*4)
		oo := bytesAs[int32](ob.Bytes())
		nm := (n + MorselSize - 1) / MorselSize
		sizes := make([]int, nm+1)
		// Pass 1 (parallel): lengths into oo, bytes per morsel.
		if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			tot := 0
			for i := lo; i < hi; i++ {
				l := int32(0)
				if x := idx[i]; x >= 0 {
					l = offs[x+1] - offs[x]
				}
				oo[i] = l
				tot += int(l)
			}
			sizes[lo/MorselSize+1] = tot
		}); err != nil {
			ob.Release()
			if vb != nil {
				vb.Release()
			}
			return nil, err
		}
		for m := 1; m <= nm; m++ {
			sizes[m] += sizes[m-1]
		}
		total := sizes[nm]
		if total > math.MaxInt32 {
			ob.Release()
			if vb != nil {
				vb.Release()
			}
			return nil, fmt.Errorf("%w: gathered string column exceeds 2 GiB", expr.ErrUnsupported)
		}
		db := allocBuf(env.Mem, max(total, 1))
		dd := db.Bytes()
		// Pass 2 (parallel): offsets and bytes.
		err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
			pos := int32(sizes[lo/MorselSize])
			for i := lo; i < hi; i++ {
				l := oo[i]
				oo[i] = pos
				if l > 0 {
					x := idx[i]
					s := offs[x]
					if l <= 16 {
						for k := int32(0); k < l; k++ {
							dd[pos+k] = data[s+k]
						}
					} else {
						copy(dd[pos:pos+l], data[s:s+l])
					}
					pos += l
				}
			}
		})
		oo[n] = int32(total)
		return finish(a.DataType(), n, []*memory.Buffer{vb, ob, db}, nulls), err
	case *array.Dictionary:
		if vb != nil {
			vb.Release()
		}
		ind, err := takeIdx(ctx, env, src.Indices(), ix)
		if err != nil {
			return nil, err
		}
		defer ind.Release()
		return array.NewDictionaryArray(a.DataType(), ind, src.Dictionary()), nil
	}
	if vb != nil {
		vb.Release()
	}
	// Fallback: arrow's compute Take (nulls for negative indices handled by
	// building a nullable index array).
	ib := array.NewInt32Builder(env.Mem)
	defer ib.Release()
	ib.Reserve(n)
	for _, x := range idx {
		if x < 0 {
			ib.AppendNull()
		} else {
			ib.UnsafeAppend(x)
		}
	}
	ia := ib.NewArray()
	defer ia.Release()
	return compute.TakeArray(ctx, a, ia)
}

// gather is takeIdx where a nil index means the identity over n rows:
// the column is shared (one more reference) instead of copied.
func gather(ctx context.Context, env *Env, a arrow.Array, ix *index, n int) (arrow.Array, error) {
	if ix.idx == nil && a.Len() == n {
		a.Retain()
		return a, nil
	}
	if ix.idx == nil {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		ix = &index{idx: idx}
	}
	return takeIdx(ctx, env, a, ix)
}

// takeTable gathers all columns of t.
func takeTable(ctx context.Context, env *Env, t *Table, idx []int32) (*Table, error) {
	out := &Table{Schema: t.Schema, Rows: len(idx)}
	ix, err := newIndex(ctx, env, idx)
	if err != nil {
		return nil, err
	}
	defer ix.release()
	if out.Cols, err = takeColumns(ctx, env, t.Cols, ix, len(idx)); err != nil {
		return nil, err
	}
	return out, nil
}

// sliceTable returns rows [lo,hi) of t sharing its buffers.
func sliceTable(t *Table, lo, hi int) *Table {
	out := &Table{Schema: t.Schema, Rows: hi - lo}
	for _, c := range t.Cols {
		out.Cols = append(out.Cols, array.NewSlice(c, int64(lo), int64(hi)))
	}
	return out
}
