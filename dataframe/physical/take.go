package physical

import (
	"context"
	"fmt"
	"math"

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
	n := len(idx)
	hasNeg := false
	for _, x := range idx {
		if x < 0 {
			hasNeg = true
			break
		}
	}
	srcNulls := a.NullN() > 0
	var vb *memory.Buffer
	nulls := 0
	if hasNeg || srcNulls {
		vb = allocBuf(env.Mem, int(bitutil.BytesForBits(int64(n))))
		bm := vb.Bytes()
		for i := range bm {
			bm[i] = 0
		}
		for i, x := range idx {
			if x >= 0 && (!srcNulls || a.IsValid(int(x))) {
				bitutil.SetBit(bm, i)
			} else {
				nulls++
			}
		}
		if nulls == 0 {
			vb.Release()
			vb = nil
		}
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
		data := src.ValueBytes()
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
		ind, err := take(ctx, env, src.Indices(), idx)
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

// takeTable gathers all columns of t.
func takeTable(ctx context.Context, env *Env, t *Table, idx []int32) (*Table, error) {
	out := &Table{Schema: t.Schema, Rows: len(idx)}
	for _, c := range t.Cols {
		a, err := take(ctx, env, c, idx)
		if err != nil {
			out.Release()
			return nil, err
		}
		out.Cols = append(out.Cols, a)
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
