package cluster

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/zeebo/xxh3"

	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// inputSource is a plan.Source over a table a task received (on a worker)
// or a partition the coordinator holds. It does not own t.
type inputSource struct {
	name string
	t    *physical.Table
}

func (s *inputSource) Schema() *arrow.Schema { return s.t.Schema }
func (s *inputSource) String() string {
	return fmt.Sprintf("task input %q (%d rows)", s.name, s.t.Rows)
}

func (s *inputSource) Scan(ctx context.Context, _ memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	names := req.Columns
	if names == nil {
		for _, f := range s.t.Schema.Fields() {
			names = append(names, f.Name)
		}
	}
	out := make([]arrow.Array, len(names))
	for i, n := range names {
		c := s.t.Col(n)
		if c == nil {
			for _, o := range out[:i] {
				o.Release()
			}
			return nil, 0, fmt.Errorf("%w: task input %q has no column %q", ErrProtocol, s.name, n)
		}
		c.Retain()
		out[i] = c
	}
	return out, s.t.Rows, nil
}

// sliceTable returns rows [lo, hi) of t sharing t's buffers.
func sliceTable(t *physical.Table, lo, hi int) *physical.Table {
	out := &physical.Table{Schema: t.Schema, Rows: hi - lo, Cols: make([]arrow.Array, len(t.Cols))}
	for i, c := range t.Cols {
		out.Cols[i] = array.NewSlice(c, int64(lo), int64(hi))
	}
	return out
}

// retainTable returns a second reference to t.
func retainTable(t *physical.Table) *physical.Table {
	out := &physical.Table{Schema: t.Schema, Rows: t.Rows, Cols: make([]arrow.Array, len(t.Cols))}
	for i, c := range t.Cols {
		c.Retain()
		out.Cols[i] = c
	}
	return out
}

// splitTable cuts t into n nearly equal slices (fewer when t is short).
func splitTable(t *physical.Table, n int) []*physical.Table {
	if n < 1 {
		n = 1
	}
	if t.Rows < n {
		n = max(1, t.Rows)
	}
	out := make([]*physical.Table, n)
	for i := range n {
		out[i] = sliceTable(t, t.Rows*i/n, t.Rows*(i+1)/n)
	}
	return out
}

// concatTables concatenates tables of one schema into a new table; the
// inputs are not released. With no tables it returns an empty table.
func concatTables(mem memory.Allocator, schema *arrow.Schema, ts []*physical.Table) (*physical.Table, error) {
	if len(ts) == 1 {
		return retainTable(ts[0]), nil
	}
	if len(ts) > 0 {
		schema = ts[0].Schema
	}
	out := &physical.Table{Schema: schema, Cols: make([]arrow.Array, schema.NumFields())}
	for i, f := range schema.Fields() {
		if len(ts) == 0 {
			out.Cols[i] = array.MakeArrayOfNull(mem, f.Type, 0)
			continue
		}
		parts := make([]arrow.Array, len(ts))
		for k, t := range ts {
			parts[k] = t.Cols[i]
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			out.Release()
			return nil, fmt.Errorf("cluster: concatenate column %q: %w", f.Name, err)
		}
		out.Cols[i] = c
	}
	for _, t := range ts {
		out.Rows += t.Rows
	}
	return out, nil
}

func releaseTables(ts []*physical.Table) {
	for _, t := range ts {
		t.Release()
	}
}

// batchRows is the least row count of one IPC record batch on the wire.
// Batches of tables the receiver cannot assemble (assemble.go) grow up
// to maxBytes (at most maxBatchBytes): such a table sent in one batch
// needs no concatenation on arrival, which costs more than the overlap
// of smaller batches gains. The receiver holds such a batch twice while
// it arrives (gRPC's frames and the batch), so uploads to a worker with
// a memory limit use batches of at most an eighth of it.
const (
	batchRows     = 64 * 1024
	maxBatchBytes = 512 << 20
)

// batchBytesFor returns the batch size cap for a receiver with memory
// limit limit (0: none).
func batchBytesFor(limit int64) int64 {
	if limit > 0 {
		return min(maxBatchBytes, limit/8)
	}
	return maxBatchBytes
}

// eachRecord calls fn with record batches covering t, in order, of about
// maxBytes each (at least minRows rows, a multiple of 64 so that bitmaps
// are cut at byte boundaries; one empty batch for an empty table).
func eachRecord(t *physical.Table, maxBytes int64, minRows int, fn func(arrow.RecordBatch) error) error {
	step := minRows
	if t.Rows > minRows {
		if per := tableBytes(t) / int64(t.Rows); per > 0 {
			step = max(minRows, int(maxBytes/per)/64*64)
		} else {
			step = t.Rows
		}
	}
	for lo := 0; lo < t.Rows || lo == 0; lo += step {
		hi := min(lo+step, t.Rows)
		var rec arrow.RecordBatch
		if lo == 0 && hi == t.Rows {
			rec = array.NewRecordBatch(t.Schema, t.Cols, int64(t.Rows))
		} else {
			cols := make([]arrow.Array, len(t.Cols))
			for i, c := range t.Cols {
				cols[i] = array.NewSlice(c, int64(lo), int64(hi))
			}
			rec = array.NewRecordBatch(t.Schema, cols, int64(hi-lo))
			for _, c := range cols {
				c.Release()
			}
		}
		err := fn(rec)
		rec.Release()
		if err != nil || t.Rows == 0 {
			return err
		}
	}
	return nil
}

// tableFromRecords concatenates records of schema into one table.
func tableFromRecords(mem memory.Allocator, schema *arrow.Schema, recs []arrow.RecordBatch) (*physical.Table, error) {
	ts := make([]*physical.Table, len(recs))
	for i, r := range recs {
		ts[i] = &physical.Table{Schema: schema, Cols: r.Columns(), Rows: int(r.NumRows())}
	}
	if len(ts) == 1 {
		return retainTable(ts[0]), nil
	}
	return concatTables(mem, schema, ts)
}

// hashPartition splits t into n tables by a hash of the key columns that
// is the same in every process and for every integer width, so equal keys
// of two join sides land in the same partition. Rows keep their order.
func hashPartition(ctx context.Context, mem memory.Allocator, t *physical.Table, keys []string, n int) ([]*physical.Table, error) {
	if n <= 1 {
		return []*physical.Table{retainTable(t)}, nil
	}
	h := make([]uint64, t.Rows)
	for _, k := range keys {
		c := t.Col(k)
		if c == nil {
			return nil, fmt.Errorf("%w: partition key %q not in %v", ErrProtocol, k, t.Schema)
		}
		if err := hashInto(h, c); err != nil {
			return nil, err
		}
	}
	idx := make([][]int64, n)
	for i, v := range h {
		b := int(mix(v) % uint64(n))
		idx[b] = append(idx[b], int64(i))
	}
	return takeBuckets(ctx, mem, t, idx)
}

// takeBuckets returns one table per bucket with the rows idx[b] of t.
func takeBuckets(ctx context.Context, mem memory.Allocator, t *physical.Table, idx [][]int64) ([]*physical.Table, error) {
	n := len(idx)
	ctx = compute.WithAllocator(ctx, mem)
	out := make([]*physical.Table, n)
	for b := range n {
		ib := array.NewInt64Builder(mem)
		ib.AppendValues(idx[b], nil)
		ind := ib.NewArray()
		ib.Release()
		pt := &physical.Table{Schema: t.Schema, Rows: len(idx[b]), Cols: make([]arrow.Array, len(t.Cols))}
		for i, c := range t.Cols {
			taken, err := compute.TakeArray(ctx, c, ind)
			if err != nil {
				ind.Release()
				pt.Release()
				releaseTables(out[:b])
				return nil, fmt.Errorf("cluster: partition column %q: %w", t.Schema.Field(i).Name, err)
			}
			pt.Cols[i] = taken
		}
		ind.Release()
		out[b] = pt
	}
	return out, nil
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb3f99e7ad463
	x ^= x >> 33
	return x
}

const nullHash = 0x9e3779b97f4a7c15

// hashInto folds the values of c into h.
func hashInto(h []uint64, c arrow.Array) error {
	comb := func(i int, v uint64) { h[i] = mix(h[i]*31 + v) }
	if d, ok := c.(*array.Dictionary); ok {
		vals := d.Dictionary()
		vh := make([]uint64, vals.Len())
		if err := hashInto(vh, vals); err != nil {
			return err
		}
		for i := range h {
			if d.IsNull(i) {
				comb(i, nullHash)
			} else {
				comb(i, vh[d.GetValueIndex(i)])
			}
		}
		return nil
	}
	var val func(i int) uint64
	switch a := c.(type) {
	case *array.Int8:
		val = func(i int) uint64 { return uint64(int64(a.Value(i))) }
	case *array.Int16:
		val = func(i int) uint64 { return uint64(int64(a.Value(i))) }
	case *array.Int32:
		val = func(i int) uint64 { return uint64(int64(a.Value(i))) }
	case *array.Int64:
		val = func(i int) uint64 { return uint64(a.Value(i)) }
	case *array.Uint8:
		val = func(i int) uint64 { return uint64(a.Value(i)) }
	case *array.Uint16:
		val = func(i int) uint64 { return uint64(a.Value(i)) }
	case *array.Uint32:
		val = func(i int) uint64 { return uint64(a.Value(i)) }
	case *array.Uint64:
		val = func(i int) uint64 { return a.Value(i) }
	case *array.Float32:
		val = func(i int) uint64 { return floatBits(float64(a.Value(i))) }
	case *array.Float64:
		val = func(i int) uint64 { return floatBits(a.Value(i)) }
	case *array.Boolean:
		val = func(i int) uint64 {
			if a.Value(i) {
				return 1
			}
			return 0
		}
	case *array.String:
		val = func(i int) uint64 { return xxh3.HashString(a.Value(i)) }
	case *array.LargeString:
		val = func(i int) uint64 { return xxh3.HashString(a.Value(i)) }
	case *array.Binary:
		val = func(i int) uint64 { return xxh3.Hash(a.Value(i)) }
	case *array.Date32:
		val = func(i int) uint64 { return uint64(int64(a.Value(i))) }
	case *array.Date64:
		val = func(i int) uint64 { return uint64(int64(a.Value(i))) }
	case *array.Timestamp:
		val = func(i int) uint64 { return uint64(int64(a.Value(i))) }
	case *array.Null:
		val = func(int) uint64 { return nullHash }
	default:
		return fmt.Errorf("%w: cannot hash-partition on %s", ErrNotShippable, c.DataType())
	}
	for i := range h {
		if c.IsNull(i) {
			comb(i, nullHash)
		} else {
			comb(i, val(i))
		}
	}
	return nil
}

func floatBits(f float64) uint64 {
	if f == 0 {
		return 0 // -0 == +0
	}
	if math.IsNaN(f) {
		return 0x7ff8000000000001
	}
	return math.Float64bits(f)
}
