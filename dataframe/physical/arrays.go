package physical

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
)

// allocBuf returns an allocator-accounted buffer of size bytes (not zeroed).
func allocBuf(mem memory.Allocator, size int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(size)
	return b
}

func bytesAs[T any](b []byte) []T {
	var z T
	sz := int(unsafe.Sizeof(z))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/sz)
}

// validityFromBools packs valid flags into a bitmap buffer; nil, 0 when all valid.
func validityFromBools(mem memory.Allocator, valid []bool) (*memory.Buffer, int) {
	if valid == nil {
		return nil, 0
	}
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := allocBuf(mem, int(bitutil.BytesForBits(int64(len(valid)))))
	bm := buf.Bytes()
	for i := range bm {
		bm[i] = 0
	}
	for i, v := range valid {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	return buf, nulls
}

func finish(dt arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(dt, n, bufs, nil, nulls, 0)
	a := array.MakeFromData(d)
	d.Release()
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	return a
}

// int64Array copies vals into a new Arrow array of type dt. Values are
// computed as int64; a narrower integer type (date32, int32, time32, int16,
// int8 and their unsigned kin) gets them narrowed to its width.
func int64Array(mem memory.Allocator, dt arrow.DataType, vals []int64, valid []bool) arrow.Array {
	if fw, ok := dt.(arrow.FixedWidthDataType); ok && dt.ID() != arrow.BOOL && !arrow.IsFloating(dt.ID()) {
		switch fw.BitWidth() {
		case 32:
			buf := allocBuf(mem, len(vals)*4)
			narrowInto(bytesAs[int32](buf.Bytes()), vals)
			vb, nulls := validityFromBools(mem, valid)
			return finish(dt, len(vals), []*memory.Buffer{vb, buf}, nulls)
		case 16:
			buf := allocBuf(mem, len(vals)*2)
			narrowInto(bytesAs[int16](buf.Bytes()), vals)
			vb, nulls := validityFromBools(mem, valid)
			return finish(dt, len(vals), []*memory.Buffer{vb, buf}, nulls)
		case 8:
			buf := allocBuf(mem, len(vals))
			narrowInto(bytesAs[int8](buf.Bytes()), vals)
			vb, nulls := validityFromBools(mem, valid)
			return finish(dt, len(vals), []*memory.Buffer{vb, buf}, nulls)
		}
	}
	buf := allocBuf(mem, len(vals)*8)
	copy(bytesAs[int64](buf.Bytes()), vals)
	vb, nulls := validityFromBools(mem, valid)
	return finish(dt, len(vals), []*memory.Buffer{vb, buf}, nulls)
}

func float64Array(mem memory.Allocator, vals []float64, valid []bool) arrow.Array {
	buf := allocBuf(mem, len(vals)*8)
	copy(bytesAs[float64](buf.Bytes()), vals)
	vb, nulls := validityFromBools(mem, valid)
	return finish(arrow.PrimitiveTypes.Float64, len(vals), []*memory.Buffer{vb, buf}, nulls)
}

func boolArray(mem memory.Allocator, vals []bool, valid []bool) arrow.Array {
	buf := allocBuf(mem, int(bitutil.BytesForBits(int64(len(vals)))))
	bm := buf.Bytes()
	for i := range bm {
		bm[i] = 0
	}
	for i, v := range vals {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	vb, nulls := validityFromBools(mem, valid)
	return finish(arrow.FixedWidthTypes.Boolean, len(vals), []*memory.Buffer{vb, buf}, nulls)
}

// narrowInto stores vals in a narrower integer slice of the same length.
func narrowInto[T int8 | int16 | int32](dst []T, vals []int64) {
	for i, v := range vals {
		dst[i] = T(v)
	}
}

func int32Array(mem memory.Allocator, dt arrow.DataType, vals []int32, valid []bool) arrow.Array {
	buf := allocBuf(mem, len(vals)*4)
	copy(bytesAs[int32](buf.Bytes()), vals)
	vb, nulls := validityFromBools(mem, valid)
	return finish(dt, len(vals), []*memory.Buffer{vb, buf}, nulls)
}

// stringArrayFrom builds a utf8 array from Go strings.
func stringArrayFrom(mem memory.Allocator, vals []string, valid []bool) arrow.Array {
	total := 0
	for _, s := range vals {
		total += len(s)
	}
	ob := allocBuf(mem, (len(vals)+1)*4)
	offs := bytesAs[int32](ob.Bytes())
	db := allocBuf(mem, max(total, 1))
	data := db.Bytes()
	pos := 0
	for i, s := range vals {
		offs[i] = int32(pos)
		pos += copy(data[pos:], s)
	}
	offs[len(vals)] = int32(pos)
	vb, nulls := validityFromBools(mem, valid)
	return finish(arrow.BinaryTypes.String, len(vals), []*memory.Buffer{vb, ob, db}, nulls)
}

// strs gives zero-copy string access to utf8, large utf8 and dictionary arrays.
type strs struct {
	offs32 []int32
	offs64 []int64
	data   []byte
	dict   *strs
	idx    func(i int) int
	arr    arrow.Array
}

func newStrs(a arrow.Array) (*strs, error) {
	switch a := a.(type) {
	case *array.String:
		return &strs{offs32: a.ValueOffsets(), data: valueData(a), arr: a}, nil
	case *array.LargeString:
		return &strs{offs64: a.ValueOffsets(), data: valueData(a), arr: a}, nil
	case *array.Dictionary:
		d, err := newStrs(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return &strs{dict: d, idx: a.GetValueIndex, arr: a}, nil
	}
	return nil, fmt.Errorf("%w: %s is not a string type", expr.ErrTypeMismatch, a.DataType())
}

// valueData returns the whole data buffer of a (large) string array: the
// offsets of ValueOffsets index it. (ValueBytes starts at the first
// value's offset, which is not 0 in a sliced array.)
func valueData(a arrow.Array) []byte {
	bufs := a.Data().Buffers()
	if len(bufs) < 3 || bufs[2] == nil {
		return nil
	}
	return bufs[2].Bytes()
}

// keyFunc returns a fast accessor for string i.
func (s *strs) keyFunc() func(i int) string {
	if s.offs32 != nil && s.dict == nil {
		offs, data := s.offs32, s.data
		return func(i int) string {
			lo, hi := offs[i], offs[i+1]
			return unsafe.String(unsafe.SliceData(data[lo:hi]), hi-lo)
		}
	}
	return s.at
}

func (s *strs) at(i int) string {
	if s.dict != nil {
		return s.dict.at(s.idx(i))
	}
	var lo, hi int
	if s.offs32 != nil {
		lo, hi = int(s.offs32[i]), int(s.offs32[i+1])
	} else {
		lo, hi = int(s.offs64[i]), int(s.offs64[i+1])
	}
	if lo == hi {
		return ""
	}
	return unsafe.String(&s.data[lo], hi-lo)
}

// asInt64 returns the values of an integer-like array as int64 (zero-copy
// for int64-backed types). Null slots hold arbitrary values.
func asInt64(a arrow.Array) []int64 {
	switch a := a.(type) {
	case *array.Int64:
		return a.Int64Values()
	case *array.Timestamp:
		return bytesAs64(a)
	case *array.Date64:
		return bytesAs64(a)
	case *array.Duration:
		return bytesAs64(a)
	}
	out := make([]int64, a.Len())
	switch a := a.(type) {
	case *array.Int32:
		vals := a.Int32Values()
		convertPar(len(vals), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = int64(vals[i])
			}
		})
	case *array.Int16:
		for i, v := range a.Int16Values() {
			out[i] = int64(v)
		}
	case *array.Int8:
		for i, v := range a.Int8Values() {
			out[i] = int64(v)
		}
	case *array.Uint64:
		for i, v := range a.Uint64Values() {
			out[i] = int64(v)
		}
	case *array.Uint32:
		for i, v := range a.Uint32Values() {
			out[i] = int64(v)
		}
	case *array.Uint16:
		for i, v := range a.Uint16Values() {
			out[i] = int64(v)
		}
	case *array.Uint8:
		for i, v := range a.Uint8Values() {
			out[i] = int64(v)
		}
	case *array.Date32:
		for i, v := range a.Date32Values() {
			out[i] = int64(v)
		}
	case *array.Boolean:
		for i := range out {
			if a.Value(i) {
				out[i] = 1
			}
		}
	case *array.Float64:
		for i, v := range a.Float64Values() {
			out[i] = int64(v)
		}
	case *array.Float32:
		for i, v := range a.Float32Values() {
			out[i] = int64(v)
		}
	}
	return out
}

func bytesAs64(a arrow.Array) []int64 {
	d := a.Data()
	b := d.Buffers()[1]
	if b == nil {
		return make([]int64, a.Len())
	}
	all := bytesAs[int64](b.Bytes())
	return all[d.Offset() : d.Offset()+d.Len()]
}

// asFloat64 returns numeric values as float64 (zero-copy for float64).
func asFloat64(a arrow.Array) []float64 {
	switch a := a.(type) {
	case *array.Float64:
		return a.Float64Values()
	case *array.Float32:
		out := make([]float64, a.Len())
		for i, v := range a.Float32Values() {
			out[i] = float64(v)
		}
		return out
	}
	iv := asInt64(a)
	out := make([]float64, len(iv))
	for i, v := range iv {
		out[i] = float64(v)
	}
	if u, ok := a.(*array.Uint64); ok {
		for i, v := range u.Uint64Values() {
			out[i] = float64(v)
		}
	}
	return out
}

// validBools returns per-row validity, or nil when a has no nulls.
func validBools(a arrow.Array) []bool {
	if a.NullN() == 0 {
		return nil
	}
	out := make([]bool, a.Len())
	for i := range out {
		out[i] = a.IsValid(i)
	}
	return out
}

func nan() float64 { return math.NaN() }

// convertPar runs fn over [0,n) in GOMAXPROCS contiguous parts when n is
// large (a column conversion: no ctx, bounded time).
func convertPar(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < 1<<18 || w == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			fn(k*n/w, (k+1)*n/w)
		}(k)
	}
	wg.Wait()
}
