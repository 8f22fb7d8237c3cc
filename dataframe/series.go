package dataframe

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Series is a named, immutable column backed by one Arrow array.
//
// A Series holds one reference to its array. Release drops it; Retain adds
// one (each Retain needs a matching Release). Series that are never
// released are reclaimed by the garbage collector when the default Go
// allocator is used, so notebook code may ignore Release.
type Series struct {
	name string
	arr  arrow.Array
	refs atomic.Int64
}

func newSeries(name string, arr arrow.Array) *Series {
	s := &Series{name: name, arr: arr}
	s.refs.Store(1)
	return s
}

// NewSeriesFromArrow wraps arr (retaining it) as a Series named name.
func NewSeriesFromArrow(name string, arr arrow.Array) *Series {
	arr.Retain()
	return newSeries(name, arr)
}

// NewInt64Series builds an int64 Series from values (no nulls).
func NewInt64Series(name string, values []int64) *Series {
	return NewInt64SeriesWithAllocator(memory.DefaultAllocator, name, values, nil)
}

// NewInt64SeriesWithAllocator builds an int64 Series with mem; valid (nil
// or of len(values)) marks non-null slots.
func NewInt64SeriesWithAllocator(mem memory.Allocator, name string, values []int64, valid []bool) *Series {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(values, valid)
	return newSeries(name, b.NewArray())
}

// NewFloat64Series builds a float64 Series from values (no nulls).
func NewFloat64Series(name string, values []float64) *Series {
	return NewFloat64SeriesWithAllocator(memory.DefaultAllocator, name, values, nil)
}

// NewFloat64SeriesWithAllocator builds a float64 Series with mem and validity.
func NewFloat64SeriesWithAllocator(mem memory.Allocator, name string, values []float64, valid []bool) *Series {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(values, valid)
	return newSeries(name, b.NewArray())
}

// NewStringSeries builds a utf8 Series from values (no nulls).
func NewStringSeries(name string, values []string) *Series {
	return NewStringSeriesWithAllocator(memory.DefaultAllocator, name, values, nil)
}

// NewStringSeriesWithAllocator builds a utf8 Series with mem and validity.
func NewStringSeriesWithAllocator(mem memory.Allocator, name string, values []string, valid []bool) *Series {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(values, valid)
	return newSeries(name, b.NewArray())
}

// NewBoolSeries builds a boolean Series from values (no nulls).
func NewBoolSeries(name string, values []bool) *Series {
	b := array.NewBooleanBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(values, nil)
	return newSeries(name, b.NewArray())
}

// NewSeries builds a Series from a Go slice: []int64, []int, []int32,
// []float64, []float32, []string, []bool, []time.Time, or []any holding
// those (nil elements become nulls; the first non-nil element fixes the
// type). Errors wrap ErrInvalidArgument.
func NewSeries(name string, values any) (*Series, error) {
	mem := memory.DefaultAllocator
	switch v := values.(type) {
	case []int64:
		return NewInt64Series(name, v), nil
	case []int:
		x := make([]int64, len(v))
		for i, e := range v {
			x[i] = int64(e)
		}
		return NewInt64Series(name, x), nil
	case []int32:
		b := array.NewInt32Builder(mem)
		defer b.Release()
		b.AppendValues(v, nil)
		return newSeries(name, b.NewArray()), nil
	case []float64:
		return NewFloat64Series(name, v), nil
	case []float32:
		b := array.NewFloat32Builder(mem)
		defer b.Release()
		b.AppendValues(v, nil)
		return newSeries(name, b.NewArray()), nil
	case []string:
		return NewStringSeries(name, v), nil
	case []bool:
		return NewBoolSeries(name, v), nil
	case []time.Time:
		x := make([]any, len(v))
		for i, e := range v {
			x[i] = e
		}
		return NewSeries(name, x)
	case []any:
		return seriesFromAny(mem, name, v)
	}
	return nil, fmt.Errorf("%w: NewSeries(%q) of %T; want a slice of int64, float64, string, bool, time.Time or any", ErrInvalidArgument, name, values)
}

func seriesFromAny(mem memory.Allocator, name string, v []any) (*Series, error) {
	var proto any
	for _, e := range v {
		if e != nil {
			proto = e
			break
		}
	}
	valid := make([]bool, len(v))
	for i, e := range v {
		valid[i] = e != nil
	}
	bad := func(i int) error {
		return fmt.Errorf("%w: NewSeries(%q): element %d is %T, earlier elements are %T", ErrInvalidArgument, name, i, v[i], proto)
	}
	switch proto.(type) {
	case nil:
		return newSeries(name, array.MakeArrayOfNull(mem, arrow.Null, len(v))), nil
	case int, int64, int32:
		x := make([]int64, len(v))
		for i, e := range v {
			switch t := e.(type) {
			case nil:
			case int:
				x[i] = int64(t)
			case int64:
				x[i] = t
			case int32:
				x[i] = int64(t)
			default:
				return nil, bad(i)
			}
		}
		return NewInt64SeriesWithAllocator(mem, name, x, valid), nil
	case float64, float32:
		x := make([]float64, len(v))
		for i, e := range v {
			switch t := e.(type) {
			case nil:
			case float64:
				x[i] = t
			case float32:
				x[i] = float64(t)
			case int:
				x[i] = float64(t)
			case int64:
				x[i] = float64(t)
			default:
				return nil, bad(i)
			}
		}
		return NewFloat64SeriesWithAllocator(mem, name, x, valid), nil
	case string:
		x := make([]string, len(v))
		for i, e := range v {
			switch t := e.(type) {
			case nil:
			case string:
				x[i] = t
			default:
				return nil, bad(i)
			}
		}
		return NewStringSeriesWithAllocator(mem, name, x, valid), nil
	case bool:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for i, e := range v {
			switch t := e.(type) {
			case nil:
				b.AppendNull()
			case bool:
				b.Append(t)
			default:
				return nil, bad(i)
			}
		}
		return newSeries(name, b.NewArray()), nil
	case time.Time:
		b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
		defer b.Release()
		for i, e := range v {
			switch t := e.(type) {
			case nil:
				b.AppendNull()
			case time.Time:
				b.Append(arrow.Timestamp(t.UnixMicro()))
			default:
				return nil, bad(i)
			}
		}
		return newSeries(name, b.NewArray()), nil
	}
	return nil, fmt.Errorf("%w: NewSeries(%q): unsupported element type %T", ErrInvalidArgument, name, proto)
}

// Name returns the series name.
func (s *Series) Name() string { return s.name }

// Len returns the number of values.
func (s *Series) Len() int { return s.arr.Len() }

// NullCount returns the number of nulls.
func (s *Series) NullCount() int { return s.arr.NullN() }

// DataType returns the Arrow type.
func (s *Series) DataType() arrow.DataType { return s.arr.DataType() }

// Arrow returns the underlying array without retaining it; it stays valid
// while the Series is.
func (s *Series) Arrow() arrow.Array { return s.arr }

// Retain adds a reference.
func (s *Series) Retain() { s.refs.Add(1); s.arr.Retain() }

// Release drops a reference.
func (s *Series) Release() {
	if s.refs.Add(-1) >= 0 {
		s.arr.Release()
	}
}

// Rename returns a Series with a new name sharing the same data.
func (s *Series) Rename(name string) *Series { return NewSeriesFromArrow(name, s.arr) }

// IsNull reports whether value i is null.
func (s *Series) IsNull(i int) bool { return s.arr.IsNull(i) }

// Value returns value i as a Go value (nil for null): int64, float64,
// string, bool, time.Time, or the Arrow string form for other types.
func (s *Series) Value(i int) any {
	if i < 0 || i >= s.arr.Len() || s.arr.IsNull(i) || s.arr.DataType().ID() == arrow.NULL {
		return nil
	}
	return valueAt(s.arr, i)
}

// Values returns all values as Go values (see Value).
func (s *Series) Values() []any {
	out := make([]any, s.Len())
	for i := range out {
		out[i] = s.Value(i)
	}
	return out
}

// Int64s returns the values as int64 (nulls as 0) for integer series.
func (s *Series) Int64s() ([]int64, error) {
	out := make([]int64, s.Len())
	for i := range out {
		switch v := s.Value(i).(type) {
		case int64:
			out[i] = v
		case nil:
		default:
			return nil, fmt.Errorf("%w: Int64s of a %s series %q", ErrTypeMismatch, s.DataType(), s.name)
		}
	}
	return out, nil
}

// Float64s returns numeric values as float64 (nulls as NaN).
func (s *Series) Float64s() ([]float64, error) {
	out := make([]float64, s.Len())
	for i := range out {
		switch v := s.Value(i).(type) {
		case int64:
			out[i] = float64(v)
		case float64:
			out[i] = v
		case nil:
			out[i] = nan()
		default:
			return nil, fmt.Errorf("%w: Float64s of a %s series %q", ErrTypeMismatch, s.DataType(), s.name)
		}
	}
	return out, nil
}

// Strings returns every value formatted as text ("null" for nulls).
func (s *Series) Strings() []string {
	out := make([]string, s.Len())
	for i := range out {
		out[i] = formatValue(s.Value(i))
	}
	return out
}

// String renders the series like polars: name, length, type and values.
func (s *Series) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "shape: (%d,)\nSeries: %q [%s]\n[\n", s.Len(), s.name, typeName(s.DataType()))
	n := s.Len()
	show := func(i int) { fmt.Fprintf(&sb, "\t%s\n", cut(formatValue(s.Value(i)), 40)) }
	if n <= 10 {
		for i := 0; i < n; i++ {
			show(i)
		}
	} else {
		for i := 0; i < 5; i++ {
			show(i)
		}
		sb.WriteString("\t…\n")
		for i := n - 5; i < n; i++ {
			show(i)
		}
	}
	sb.WriteString("]")
	return sb.String()
}
