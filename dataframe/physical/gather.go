package physical

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// gatherInto writes out[i] = vals[idx[i]] for i in [lo,hi); with neg,
// negative entries write the zero value.
func gatherInto[T any](out, vals []T, idx []int32, lo, hi int, neg bool) {
	if !neg {
		out, idx := out[lo:hi], idx[lo:hi]
		for i, x := range idx {
			out[i] = vals[x]
		}
		return
	}
	var zero T
	for i := lo; i < hi; i++ {
		if x := idx[i]; x >= 0 {
			out[i] = vals[x]
		} else {
			out[i] = zero
		}
	}
}

// fixedValues returns the value buffer of a null-free-or-not fixed-width
// array of 4 or 8 byte values (dictionary: its indices) as int32 or int64
// slices starting at the array's offset; ok is false for other types.
func fixedValues(a arrow.Array) (v32 []int32, v64 []int64, ok bool) {
	switch a.(type) {
	case *array.Int64, *array.Timestamp, *array.Date64, *array.Duration, *array.Float64, *array.Uint64:
		d := a.Data()
		b := d.Buffers()[1]
		if b == nil || a.Len() == 0 {
			return nil, nil, false
		}
		return nil, bytesAs[int64](b.Bytes())[d.Offset() : d.Offset()+d.Len()], true
	case *array.Int32, *array.Date32, *array.Float32, *array.Uint32:
		d := a.Data()
		b := d.Buffers()[1]
		if b == nil || a.Len() == 0 {
			return nil, nil, false
		}
		return bytesAs[int32](b.Bytes())[d.Offset() : d.Offset()+d.Len()], nil, true
	}
	return nil, nil, false
}

// takeColumns gathers every column of cols by ix (a nil ix.idx is the
// identity over n rows: columns are shared). Fixed-width columns and
// dictionaries with fixed-width indices are gathered in one pass over the
// index, so each morsel of it is read once for all of them; the other
// columns go through takeIdx. The caller owns the results.
func takeColumns(ctx context.Context, env *Env, cols []arrow.Array, ix *index, n int) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(cols))
	release := func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}
	if ix.idx == nil {
		for i, c := range cols {
			a, err := gather(ctx, env, c, ix, n)
			if err != nil {
				release()
				return nil, err
			}
			out[i] = a
		}
		return out, nil
	}
	type job struct {
		col      int
		src      arrow.Array // the array whose values are gathered (dictionary: indices)
		v32, o32 []int32
		v64, o64 []int64
		buf, vb  *memory.Buffer
		nulls    int
	}
	var jobs []*job
	for i, c := range cols {
		src := c
		if d, ok := c.(*array.Dictionary); ok {
			src = d.Indices()
		}
		v32, v64, ok := fixedValues(src)
		if !ok || len(ix.idx) == 0 {
			a, err := takeIdx(ctx, env, c, ix)
			if err != nil {
				release()
				return nil, err
			}
			out[i] = a
			continue
		}
		j := &job{col: i, src: src, v32: v32, v64: v64}
		if v32 != nil {
			j.buf = allocBuf(env.Mem, len(ix.idx)*4)
			j.o32 = bytesAs[int32](j.buf.Bytes())
		} else {
			j.buf = allocBuf(env.Mem, len(ix.idx)*8)
			j.o64 = bytesAs[int64](j.buf.Bytes())
		}
		jobs = append(jobs, j)
	}
	freeJobs := func() {
		for _, j := range jobs {
			j.buf.Release()
			if j.vb != nil {
				j.vb.Release()
			}
		}
	}
	idx := ix.idx
	err := parallelFor(ctx, env.Workers, len(idx), func(_, lo, hi int) {
		for _, j := range jobs {
			if j.v32 != nil {
				gatherInto(j.o32, j.v32, idx, lo, hi, ix.hasNeg)
			} else {
				gatherInto(j.o64, j.v64, idx, lo, hi, ix.hasNeg)
			}
		}
	})
	if err == nil {
		for _, j := range jobs {
			src := j.src
			switch {
			case src.NullN() > 0:
				j.vb, j.nulls, err = validityOf(ctx, env, len(idx), func(i int) bool {
					x := idx[i]
					return x >= 0 && src.IsValid(int(x))
				})
				if err == nil && j.nulls == 0 {
					j.vb.Release()
					j.vb = nil
				}
			case ix.hasNeg:
				j.vb, j.nulls = ix.mask, ix.nulls
				j.vb.Retain()
			}
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		freeJobs()
		release()
		return nil, err
	}
	for _, j := range jobs {
		a := finish(j.src.DataType(), len(idx), []*memory.Buffer{j.vb, j.buf}, j.nulls)
		if d, ok := cols[j.col].(*array.Dictionary); ok {
			out[j.col] = array.NewDictionaryArray(d.DataType(), a, d.Dictionary())
			a.Release()
		} else {
			out[j.col] = a
		}
	}
	return out, nil
}
