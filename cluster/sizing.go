package cluster

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/physical"
)

// This file sizes partitions to the workers' memory. A task holds its
// input, its output and its working memory at once, two tasks run on a
// worker at a time, and kept outputs may take 60% of the limit, so the
// planner aims at inputs of at most an eighth of the smallest worker
// limit: a stage over more data than Partitions such shares gets more
// partitions (or shuffle buckets), up to maxPartitions.

const maxPartitions = 512

// minLimit returns the smallest memory limit of the live workers (0
// when one of them has none) and the number of live workers.
func (j *job) minLimit() (limit int64, workers int) {
	j.c.mu.Lock()
	defer j.c.mu.Unlock()
	live := j.c.liveLocked()
	for _, w := range live {
		l := w.c.info.Limit
		if l <= 0 {
			return 0, len(live)
		}
		if limit == 0 || l < limit {
			limit = l
		}
	}
	return limit, len(live)
}

// partitionsFor returns the number of partitions for a stage over about
// bytes of input: Partitions (default 2 per worker), or more (a
// multiple of the workers) when that would give a task more than an
// eighth of the smallest worker limit.
func (j *job) partitionsFor(bytes int64) int {
	n := j.partitions()
	lim, workers := j.minLimit()
	if lim <= 0 || bytes <= 0 {
		return n
	}
	share := max(1, lim/8)
	need := (bytes + share - 1) / share
	if need <= int64(n) {
		return n
	}
	// A multiple of the workers, so that they get equal shares.
	w := int64(max(1, workers))
	need = (need + w - 1) / w * w
	return int(min(need, maxPartitions))
}

// estBytes estimates the bytes of d's inputs: exact for tables the
// coordinator holds, rows times an estimated row width for shuffle
// pieces and for splits that know their rows; splits that do not count
// nothing.
func (j *job) estBytes(d *dset) int64 {
	var n int64
	for _, p := range d.parts {
		for _, t := range p {
			if j.piecesOf(t) != nil {
				n += int64(t.Rows) * rowBytes(t.Schema)
			} else {
				n += viewBytes(t)
			}
		}
	}
	if d.splitName != "" {
		w := rowBytes(d.node.Schema())
		for _, run := range d.splits {
			for _, s := range run {
				if s.Rows > 0 {
					n += s.Rows * w
				}
			}
		}
	}
	return n
}

// rowBytes estimates the in-memory bytes of one row of schema.
func rowBytes(s *arrow.Schema) int64 {
	var n int64
	for _, f := range s.Fields() {
		switch t := f.Type.(type) {
		case *arrow.DictionaryType:
			n += int64(t.IndexType.(arrow.FixedWidthDataType).BitWidth() / 8)
		case *arrow.BooleanType:
			n++
		case arrow.FixedWidthDataType:
			n += int64(max(1, t.BitWidth()/8))
		default:
			n += 24 // strings, binary, nested: offsets and a short value
		}
	}
	return max(1, min(n, math.MaxInt32))
}

// viewBytes returns the bytes of the values t's columns show, which for
// slices of larger arrays is less than their buffers (tableBytes).
func viewBytes(t *physical.Table) int64 {
	var n int64
	for _, c := range t.Cols {
		rows := int64(c.Len())
		switch colKind(c.DataType()) {
		case kindFixed:
			n += rows * int64(c.DataType().(arrow.FixedWidthDataType).BitWidth()/8)
		case kindBool:
			n += rows / 8
		case kindBin32:
			n += (rows+1)*4 + valueBytes(c)
		case kindBin64:
			n += (rows+1)*8 + valueBytes(c)
		default:
			n += tableBytes(&physical.Table{Cols: []arrow.Array{c}})
		}
		if c.NullN() > 0 {
			n += rows / 8
		}
	}
	return n
}
