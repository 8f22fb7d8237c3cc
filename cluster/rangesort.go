package cluster

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// This file is the range-partitioned distributed sort. The coordinator
// runs the sort's input on the workers, samples the sort keys of the
// partitions it gets back, picks Partitions-1 boundary rows at the
// sample's quantiles, and has the workers split every partition by range
// (rangePartition: a row goes to the bucket after the last boundary not
// greater than it, so equal keys always meet in one bucket). Each bucket,
// its pieces concatenated in partition order, is sorted on a worker, and
// the buckets are gathered in order. The local sort is stable, the range
// split keeps row order and ties never straddle buckets, so the result
// equals a local run's row for row.
//
// Keys must be plain columns of integer (up to 64-bit signed, 32-bit
// unsigned) or string type; other sorts and inputs of at most
// BroadcastRows rows run on the coordinator.

// rangeSpec travels in a taskSpec: the sort's key columns and order, and
// the boundary rows in sort order.
type rangeSpec struct {
	Keys      []string     `json:"keys"`
	Desc      []bool       `json:"desc"`
	NullsLast []bool       `json:"nulls_last"`
	Bounds    [][]rangeVal `json:"bounds"`
}

// rangeVal is one key value: null, an integer or a string (integers are
// not JSON numbers, which would lose precision past 2^53).
type rangeVal struct {
	Null bool   `json:"n,omitempty"`
	I    int64  `json:"i,omitempty"`
	S    string `json:"s,omitempty"`
}

// rangeKeyType reports whether t can be a key of a range-partitioned sort.
func rangeKeyType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.STRING, arrow.LARGE_STRING:
		return true
	}
	return false
}

// valueAt reads row i of a (a rangeKeyType array).
func valueAt(a arrow.Array, i int) rangeVal {
	if a.IsNull(i) {
		return rangeVal{Null: true}
	}
	switch a := a.(type) {
	case *array.Int8:
		return rangeVal{I: int64(a.Value(i))}
	case *array.Int16:
		return rangeVal{I: int64(a.Value(i))}
	case *array.Int32:
		return rangeVal{I: int64(a.Value(i))}
	case *array.Int64:
		return rangeVal{I: a.Value(i)}
	case *array.Uint8:
		return rangeVal{I: int64(a.Value(i))}
	case *array.Uint16:
		return rangeVal{I: int64(a.Value(i))}
	case *array.Uint32:
		return rangeVal{I: int64(a.Value(i))}
	case *array.String:
		return rangeVal{S: a.Value(i)}
	case *array.LargeString:
		return rangeVal{S: a.Value(i)}
	}
	panic(fmt.Sprintf("cluster: range key of type %s", a.DataType()))
}

// cmpVal orders x before (-1), with (0) or after (1) y under the local
// sort's rules: Desc reverses values, NullsLast alone places nulls.
func (r *rangeSpec) cmpVal(k int, x, y rangeVal) int {
	if x.Null || y.Null {
		switch {
		case x.Null && y.Null:
			return 0
		case x.Null == r.NullsLast[k]:
			return 1
		default:
			return -1
		}
	}
	c := 0
	if x.I != y.I {
		c = -1
		if x.I > y.I {
			c = 1
		}
	} else {
		c = strings.Compare(x.S, y.S)
	}
	if r.Desc[k] {
		c = -c
	}
	return c
}

func (r *rangeSpec) cmpRow(x, y []rangeVal) int {
	for k := range x {
		if c := r.cmpVal(k, x[k], y[k]); c != 0 {
			return c
		}
	}
	return 0
}

// rangePartition splits t into len(r.Bounds)+1 tables by range, keeping
// row order within each.
func rangePartition(ctx context.Context, mem memory.Allocator, t *physical.Table, r *rangeSpec) ([]*physical.Table, error) {
	nk := len(r.Keys)
	ok := nk > 0 && len(r.Desc) == nk && len(r.NullsLast) == nk
	for _, b := range r.Bounds {
		ok = ok && len(b) == nk
	}
	if !ok {
		return nil, fmt.Errorf("%w: range partition with %d keys, %d orders, %d null orders and bounds %v", ErrProtocol, nk, len(r.Desc), len(r.NullsLast), r.Bounds)
	}
	n := len(r.Bounds) + 1
	cols := make([]arrow.Array, len(r.Keys))
	for k, name := range r.Keys {
		if cols[k] = t.Col(name); cols[k] == nil || !rangeKeyType(cols[k].DataType()) {
			return nil, fmt.Errorf("%w: range key %q missing or not an integer or string column in %v", ErrProtocol, name, t.Schema)
		}
	}
	idx := make([][]int64, n)
	row := make([]rangeVal, len(cols))
	for i := range t.Rows {
		if i&(1<<14-1) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for k, c := range cols {
			row[k] = valueAt(c, i)
		}
		b := sort.Search(len(r.Bounds), func(j int) bool { return r.cmpRow(row, r.Bounds[j]) < 0 })
		idx[b] = append(idx[b], int64(i))
	}
	return takeBuckets(ctx, mem, t, idx)
}

// sort distributes n by range when its keys allow and its input is big
// enough; otherwise it sorts on the coordinator.
func (j *job) sort(ctx context.Context, n *plan.Sort) (*dset, error) {
	keys, ok := columnNames(n.By)
	if !ok {
		return j.fallback(ctx, n)
	}
	d, err := j.build(ctx, n.Input)
	if err != nil {
		return nil, err
	}
	schema := d.node.Schema()
	for _, k := range keys {
		f, ok := schema.FieldsByName(k)
		if !ok || !rangeKeyType(f[0].Type) {
			return j.localOver(ctx, n, []*dset{d})
		}
	}
	buckets := j.partitionsFor(j.estBytes(d))
	if d.rows() <= j.c.cfg.BroadcastRows || buckets < 2 {
		return j.localOver(ctx, n, []*dset{d})
	}
	parts, err := j.materialize(ctx, d, "sort input", nil, 0)
	if err != nil {
		return nil, err
	}
	r := &rangeSpec{Keys: keys, Desc: n.Desc, NullsLast: n.NullsLast}
	r.Bounds = sampleBounds(parts, r, buckets)
	pd, err := j.fromParts(parts)
	if err != nil {
		return nil, err
	}
	if len(r.Bounds) == 0 {
		return j.localOver(ctx, n, []*dset{pd})
	}
	ranged, err := j.materializeBy(ctx, pd, "range partition for sort", nil, len(r.Bounds)+1, r)
	if err != nil {
		return nil, err
	}
	fd, err := j.fromParts(ranged)
	if err != nil {
		return nil, err
	}
	if fd.node, err = plan.NewSort(fd.node, n.By, n.Desc, n.NullsLast, n.Stable); err != nil {
		fd.release()
		return nil, err
	}
	return fd, nil
}

// sampleBounds picks buckets-1 boundary rows (fewer when the keys have
// fewer distinct values) at the quantiles of an even sample of the keys.
func sampleBounds(parts []*physical.Table, r *rangeSpec, buckets int) [][]rangeVal {
	total := 0
	for _, p := range parts {
		total += p.Rows
	}
	if total == 0 {
		return nil
	}
	per := 64 * buckets // sample rows in all
	var sample [][]rangeVal
	for _, p := range parts {
		m := min(p.Rows, max(1, per*p.Rows/total))
		cols := make([]arrow.Array, len(r.Keys))
		for k, name := range r.Keys {
			cols[k] = p.Col(name)
		}
		for s := range m {
			i := s * p.Rows / m
			row := make([]rangeVal, len(cols))
			for k, c := range cols {
				row[k] = valueAt(c, i)
			}
			sample = append(sample, row)
		}
	}
	sort.SliceStable(sample, func(a, b int) bool { return r.cmpRow(sample[a], sample[b]) < 0 })
	var bounds [][]rangeVal
	for b := 1; b < buckets; b++ {
		v := sample[b*len(sample)/buckets]
		if len(bounds) > 0 && r.cmpRow(bounds[len(bounds)-1], v) == 0 {
			continue // equal keys share a bucket
		}
		bounds = append(bounds, v)
	}
	return bounds
}
