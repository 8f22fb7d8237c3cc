package plotting

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Columns is what charts read from a table by column name. Float64s
// returns a numeric column converted to float64 (nulls as NaN, which
// charts skip). A table may also implement
//
//	Strings(name string) ([]string, error)   // category columns for bars
//	Times(name string) ([]time.Time, error)  // time columns for time axes
//
// which are checked at run time, as database/sql checks optional driver
// interfaces.
//
// The *From methods and [StreamFrames] take a table as any: a Columns, a
// map[string][]float64, or a frame such as *dataframe.Frame, that is, any
// value with a method
// Column(name string) (S, error) whose S has Float64s() ([]float64,
// error) and optionally Strings() []string, Values() []any (time columns)
// and Release(). Frames are recognized by these methods rather than by
// type, so plotting does not depend on the dataframe engine.
//
// In the yaegi interpreter, a table type declared in a notebook cell is
// passed to compiled code without its methods; use a *dataframe.Frame or a
// map[string][]float64 there.
type Columns interface {
	Float64s(name string) ([]float64, error)
}

// mapColumns is a table of named float64 columns.
type mapColumns map[string][]float64

func (m mapColumns) Float64s(name string) ([]float64, error) {
	v, ok := m[name]
	if !ok {
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no column %q (have %s)", name, strings.Join(names, ", "))
	}
	return v, nil
}

// asColumns adapts a table argument to Columns.
func asColumns(table any) (Columns, error) {
	switch t := table.(type) {
	case nil:
		return nil, fmt.Errorf("%w: no table (nil)", ErrColumn)
	case Columns:
		return t, nil
	case map[string][]float64:
		return mapColumns(t), nil
	}
	m := reflect.ValueOf(table).MethodByName("Column")
	if m.IsValid() {
		mt := m.Type()
		if mt.NumIn() == 1 && mt.In(0).Kind() == reflect.String && mt.NumOut() == 2 &&
			mt.Out(1) == reflect.TypeFor[error]() {
			return frameColumns{column: m}, nil
		}
	}
	return nil, fmt.Errorf("%w: a table must be a plotting.Columns or have a method Column(name string) (series, error); got %T", ErrColumn, table)
}

// frameColumns reads columns of a frame through its Column method.
type frameColumns struct{ column reflect.Value }

type (
	floatSeries  interface{ Float64s() ([]float64, error) }
	stringSeries interface{ Strings() []string }
	valueSeries  interface{ Values() []any }
	releaser     interface{ Release() }
)

// series calls Column(name) and hands the series to use, then releases it
// if it can be released.
func (f frameColumns) series(name string, use func(s any) error) error {
	out := f.column.Call([]reflect.Value{reflect.ValueOf(name)})
	if err, _ := out[1].Interface().(error); err != nil {
		return err
	}
	s := out[0].Interface()
	if r, ok := s.(releaser); ok {
		defer r.Release()
	}
	return use(s)
}

func (f frameColumns) Float64s(name string) (vs []float64, err error) {
	err = f.series(name, func(s any) error {
		fs, ok := s.(floatSeries)
		if !ok {
			return fmt.Errorf("%T has no Float64s method", s)
		}
		vs, err = fs.Float64s()
		return err
	})
	return vs, err
}

func (f frameColumns) Strings(name string) (vs []string, err error) {
	err = f.series(name, func(s any) error {
		ss, ok := s.(stringSeries)
		if !ok {
			return fmt.Errorf("%T has no Strings method", s)
		}
		vs = ss.Strings()
		return nil
	})
	return vs, err
}

// Times reads a time column; nulls become the zero time, which xColumn
// turns into a skipped point.
func (f frameColumns) Times(name string) (ts []time.Time, err error) {
	err = f.series(name, func(s any) error {
		vs, ok := s.(valueSeries)
		if !ok {
			return fmt.Errorf("%T has no Values method", s)
		}
		for _, v := range vs.Values() {
			switch t := v.(type) {
			case time.Time:
				ts = append(ts, t)
			case nil:
				ts = append(ts, time.Time{})
			default:
				return fmt.Errorf("column %q holds %T, not times", name, v)
			}
		}
		return nil
	})
	return ts, err
}

type stringColumns interface {
	Strings(name string) ([]string, error)
}

type timeColumns interface {
	Times(name string) ([]time.Time, error)
}

func floatColumn(f Columns, name string) ([]float64, error) {
	v, err := f.Float64s(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q as numbers: %w", ErrColumn, name, err)
	}
	return v, nil
}

// xColumn reads an x column as numbers, or as times (Unix seconds) when
// the table has a Times method and the column is not numeric.
func xColumn(f Columns, name string) (x []float64, isTime bool, err error) {
	if tc, ok := f.(timeColumns); ok {
		if ts, terr := tc.Times(name); terr == nil {
			x = Times(ts)
			for i, t := range ts {
				if t.IsZero() {
					x[i] = math.NaN()
				}
			}
			return x, true, nil
		}
	}
	x, err = floatColumn(f, name)
	return x, false, err
}

func xyColumns(table any, x, y string) (xs, ys []float64, isTime bool, err error) {
	f, err := asColumns(table)
	if err != nil {
		return nil, nil, false, err
	}
	ys, err = floatColumn(f, y)
	if err != nil {
		return nil, nil, false, err
	}
	if x == "" {
		return Seq(len(ys)), ys, false, nil
	}
	xs, isTime, err = xColumn(f, x)
	if err != nil {
		return nil, nil, false, err
	}
	if len(xs) != len(ys) {
		return nil, nil, false, fmt.Errorf("%w: column %q has %d rows, %q has %d", ErrLength, x, len(xs), y, len(ys))
	}
	return xs, ys, isTime, nil
}

func (c *Chart) fromXY(k kind, table any, x, y string, opts []Option) *Chart {
	if c.err != nil {
		return c
	}
	xs, ys, isTime, err := xyColumns(table, x, y)
	if err != nil {
		c.err = err
		return c
	}
	if isTime && !c.timeX {
		c.timeX = true
	}
	if c.xlabel == "" {
		c.xlabel = x
	}
	if c.ylabel == "" && k != kindScatter {
		c.ylabel = y
	}
	return c.addXY(k, xs, ys, append([]Option{Name(y)}, opts...))
}

// LineFrom adds a line layer from two columns of a table (a
// *dataframe.Frame or a [Columns]): x (numbers or times; "" for the row
// index) against y. The layer is named after y and
// empty axis labels take the column names.
func (c *Chart) LineFrom(table any, x, y string, opts ...Option) *Chart {
	return c.fromXY(kindLine, table, x, y, opts)
}

// ScatterFrom adds a scatter layer from two columns of a table.
func (c *Chart) ScatterFrom(table any, x, y string, opts ...Option) *Chart {
	return c.fromXY(kindScatter, table, x, y, opts)
}

// AreaFrom adds an area layer from two columns of a table.
func (c *Chart) AreaFrom(table any, x, y string, opts ...Option) *Chart {
	return c.fromXY(kindArea, table, x, y, opts)
}

// BarFrom adds a bar layer from a category column (strings, via the
// table's Strings method, or numbers shown as text) and a value column.
func (c *Chart) BarFrom(table any, category, value string, opts ...Option) *Chart {
	if c.err != nil {
		return c
	}
	f, err := asColumns(table)
	if err != nil {
		c.err = err
		return c
	}
	vals, err := floatColumn(f, value)
	if err != nil {
		c.err = err
		return c
	}
	var cats []string
	if sc, ok := f.(stringColumns); ok {
		cats, err = sc.Strings(category)
	}
	if cats == nil {
		nums, nerr := f.Float64s(category)
		if nerr != nil {
			if err == nil {
				err = nerr
			}
			c.err = fmt.Errorf("%w: %q as categories: %w", ErrColumn, category, err)
			return c
		}
		for _, v := range nums {
			cats = append(cats, fmt.Sprint(v))
		}
	}
	if c.xlabel == "" {
		c.xlabel = category
	}
	if c.ylabel == "" {
		c.ylabel = value
	}
	return c.Bar(cats, vals, append([]Option{Name(value)}, opts...)...)
}

// HistFrom adds a histogram of a numeric column.
func (c *Chart) HistFrom(table any, column string, opts ...Option) *Chart {
	if c.err != nil {
		return c
	}
	f, err := asColumns(table)
	if err != nil {
		c.err = err
		return c
	}
	vs, err := floatColumn(f, column)
	if err != nil {
		c.err = err
		return c
	}
	if c.xlabel == "" {
		c.xlabel = column
	}
	return c.Hist(vs, append([]Option{Name(column)}, opts...)...)
}

// BoxFrom adds one box plot per numeric column, named after the column.
func (c *Chart) BoxFrom(table any, columns ...string) *Chart {
	f, err := asColumns(table)
	if err != nil {
		c.setErr(err)
		return c
	}
	for _, col := range columns {
		if c.err != nil {
			return c
		}
		vs, err := floatColumn(f, col)
		if err != nil {
			c.err = err
			return c
		}
		c.Box(vs, Name(col))
	}
	return c
}
