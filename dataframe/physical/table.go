package physical

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Table is a materialized intermediate result: one single-chunk Arrow array
// per column, all of length Rows. A Table owns one reference to each of its
// columns; Release drops them.
type Table struct {
	Schema *arrow.Schema
	Cols   []arrow.Array
	Rows   int
}

// Release releases every column. The Table must not be used afterwards.
func (t *Table) Release() {
	if t == nil {
		return
	}
	for _, c := range t.Cols {
		if c != nil {
			c.Release()
		}
	}
	t.Cols = nil
}

// Col returns the column named name, or nil.
func (t *Table) Col(name string) arrow.Array {
	idx := t.Schema.FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	return t.Cols[idx[0]]
}

// Env is what operators need from the executor: an allocator and the
// degree of parallelism.
type Env struct {
	Mem     memory.Allocator
	Workers int
}
