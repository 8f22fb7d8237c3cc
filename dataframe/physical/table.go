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

// fixSchema makes t.Schema's field types match its arrays (a source may
// widen a type it inferred from a sample, e.g. int64 to float64 in CSV).
func fixSchema(t *Table) *Table {
	if t == nil {
		return t
	}
	changed := false
	fields := append([]arrow.Field(nil), t.Schema.Fields()...)
	for i, c := range t.Cols {
		if i < len(fields) && !arrow.TypeEqual(fields[i].Type, c.DataType()) {
			fields[i].Type = c.DataType()
			changed = true
		}
	}
	if changed {
		t.Schema = arrow.NewSchema(fields, nil)
	}
	return t
}
