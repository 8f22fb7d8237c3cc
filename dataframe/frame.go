package dataframe

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// Frame is an immutable table: a schema and one single-chunk Arrow array
// per column, all of the same length.
//
// Ownership: a Frame holds one reference to each column array. Release
// drops them (call it when using a checked or pooled allocator); Retain
// adds a reference. Methods that return a new Frame return one the caller
// owns; the receiver is never modified. A Frame is safe for concurrent
// readers.
type Frame struct {
	schema *arrow.Schema
	cols   []arrow.Array
	rows   int
	refs   atomic.Int64
}

func newFrame(schema *arrow.Schema, cols []arrow.Array, rows int) *Frame {
	f := &Frame{schema: schema, cols: cols, rows: rows}
	f.refs.Store(1)
	return f
}

func frameFromTable(t *physical.Table) *Frame {
	return newFrame(t.Schema, t.Cols, t.Rows)
}

// New builds a Frame from series of equal length (retaining them).
// Errors wrap ErrInvalidArgument or ErrDuplicateColumn.
func New(series ...*Series) (*Frame, error) {
	fields := make([]arrow.Field, len(series))
	cols := make([]arrow.Array, len(series))
	seen := map[string]bool{}
	rows := 0
	for i, s := range series {
		if s == nil {
			return nil, fmt.Errorf("%w: series %d is nil", ErrInvalidArgument, i)
		}
		if i == 0 {
			rows = s.Len()
		} else if s.Len() != rows {
			return nil, fmt.Errorf("%w: series %q has %d values, %q has %d; all columns need the same length", ErrInvalidArgument, s.Name(), s.Len(), series[0].Name(), rows)
		}
		if seen[s.Name()] {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateColumn, s.Name())
		}
		seen[s.Name()] = true
		fields[i] = arrow.Field{Name: s.Name(), Type: s.DataType(), Nullable: true}
		s.arr.Retain()
		cols[i] = s.arr
	}
	return newFrame(arrow.NewSchema(fields, nil), cols, rows), nil
}

// FromColumns builds a Frame from a map of column name to Go slice (see
// NewSeries; columns in name order), or from []*Series (in order).
func FromColumns(columns any) (*Frame, error) {
	switch c := columns.(type) {
	case []*Series:
		return New(c...)
	case map[string]any:
		names := make([]string, 0, len(c))
		for k := range c {
			names = append(names, k)
		}
		sort.Strings(names)
		ss := make([]*Series, len(names))
		for i, n := range names {
			s, err := NewSeries(n, c[n])
			if err != nil {
				return nil, err
			}
			defer s.Release()
			ss[i] = s
		}
		return New(ss...)
	}
	return nil, fmt.Errorf("%w: FromColumns(%T); want map[string]any or []*Series", ErrInvalidArgument, columns)
}

// FromRecord builds a Frame from an Arrow record batch (retaining its columns).
func FromRecord(rec arrow.RecordBatch) *Frame {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		cols[i] = rec.Column(i)
		cols[i].Retain()
	}
	return newFrame(rec.Schema(), cols, int(rec.NumRows()))
}

// FromRecords concatenates record batches of one schema into a Frame.
func FromRecords(schema *arrow.Schema, recs []arrow.RecordBatch, mem memory.Allocator) (*Frame, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	cols := make([]arrow.Array, schema.NumFields())
	rows := 0
	for _, r := range recs {
		rows += int(r.NumRows())
	}
	for i := range cols {
		parts := make([]arrow.Array, len(recs))
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		if len(parts) == 1 {
			parts[0].Retain()
			cols[i] = parts[0]
			continue
		}
		if len(parts) == 0 {
			cols[i] = array.MakeArrayOfNull(mem, schema.Field(i).Type, 0)
			continue
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, fmt.Errorf("%w: %v", ErrSchemaMismatch, err)
		}
		cols[i] = a
	}
	return newFrame(schema, cols, rows), nil
}

// Retain adds a reference to the frame's columns.
func (f *Frame) Retain() {
	f.refs.Add(1)
	for _, c := range f.cols {
		c.Retain()
	}
}

// Release drops a reference; the frame must not be used after its last Release.
func (f *Frame) Release() {
	if f == nil || f.refs.Add(-1) < 0 {
		return
	}
	for _, c := range f.cols {
		c.Release()
	}
}

// NumRows returns the number of rows.
func (f *Frame) NumRows() int { return f.rows }

// NumCols returns the number of columns.
func (f *Frame) NumCols() int { return len(f.cols) }

// Shape returns (rows, columns).
func (f *Frame) Shape() (int, int) { return f.rows, len(f.cols) }

// Schema returns the Arrow schema.
func (f *Frame) Schema() *arrow.Schema { return f.schema }

// Columns returns the column names in order.
func (f *Frame) Columns() []string {
	out := make([]string, len(f.cols))
	for i, fl := range f.schema.Fields() {
		out[i] = fl.Name
	}
	return out
}

// Column returns the named column (sharing data; Release it when done if
// you track memory). Errors wrap ErrColumnNotFound.
func (f *Frame) Column(name string) (*Series, error) {
	idx := f.schema.FieldIndices(name)
	if len(idx) == 0 {
		return nil, columnNotFound(name, f.schema)
	}
	return NewSeriesFromArrow(name, f.cols[idx[0]]), nil
}

// ColumnAt returns column i (0-based); it panics like a slice index when
// out of range.
func (f *Frame) ColumnAt(i int) *Series {
	return NewSeriesFromArrow(f.schema.Field(i).Name, f.cols[i])
}

// Record returns the frame as one Arrow record batch the caller owns.
func (f *Frame) Record() arrow.RecordBatch {
	return array.NewRecordBatch(f.schema, f.cols, int64(f.rows))
}

// Value returns the value at (row, column name), nil for null.
func (f *Frame) Value(row int, column string) (any, error) {
	idx := f.schema.FieldIndices(column)
	if len(idx) == 0 {
		return nil, columnNotFound(column, f.schema)
	}
	if row < 0 || row >= f.rows {
		return nil, fmt.Errorf("%w: row %d outside [0, %d)", ErrInvalidArgument, row, f.rows)
	}
	a := f.cols[idx[0]]
	if a.IsNull(row) || a.DataType().ID() == arrow.NULL {
		return nil, nil
	}
	return valueAt(a, row), nil
}

// Lazy starts a lazy query over the frame.
func (f *Frame) Lazy() *LazyFrame {
	n, err := plan.NewScan(&frameSource{f: f}, nil, nil)
	return &LazyFrame{node: n, err: err}
}

// frameSource is a plan.Source over an in-memory Frame.
type frameSource struct{ f *Frame }

func (s *frameSource) Schema() *arrow.Schema { return s.f.schema }
func (s *frameSource) String() string {
	return fmt.Sprintf("memory frame (%d rows)", s.f.rows)
}
func (s *frameSource) Scan(ctx context.Context, _ memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	if req.Columns == nil {
		out := make([]arrow.Array, len(s.f.cols))
		for i, c := range s.f.cols {
			c.Retain()
			out[i] = c
		}
		return out, s.f.rows, nil
	}
	out := make([]arrow.Array, len(req.Columns))
	for i, name := range req.Columns {
		idx := s.f.schema.FieldIndices(name)
		if len(idx) == 0 {
			for _, c := range out[:i] {
				c.Release()
			}
			return nil, 0, columnNotFound(name, s.f.schema)
		}
		c := s.f.cols[idx[0]]
		c.Retain()
		out[i] = c
	}
	return out, s.f.rows, nil
}

func valueAt(a arrow.Array, i int) any {
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Uint64:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		u := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(u).UTC()
	case *array.Date32:
		return a.Value(i).ToTime().UTC()
	case *array.Date64:
		return a.Value(i).ToTime().UTC()
	case *array.Dictionary:
		return valueAt(a.Dictionary(), a.GetValueIndex(i))
	case *array.List:
		lo, hi := a.ValueOffsets(i)
		vals := a.ListValues()
		out := make([]any, 0, hi-lo)
		for j := lo; j < hi; j++ {
			if vals.IsNull(int(j)) {
				out = append(out, nil)
			} else {
				out = append(out, valueAt(vals, int(j)))
			}
		}
		return out
	}
	return a.ValueStr(i)
}

func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05.999999")
	case []any:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += ", "
			}
			s += formatValue(e)
		}
		return s + "]"
	}
	return fmt.Sprint(v)
}

func nan() float64 { return math.NaN() }

func sortStrings(xs []string) { sort.Strings(xs) }
