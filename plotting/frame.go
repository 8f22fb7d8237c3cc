package plotting

import (
	"fmt"
	"time"
)

// Columns is what charts read from a table. It is the small slice of
// dataframe.Frame that plotting needs, declared here so that plotting
// builds and tests without the dataframe engine; a Frame (or any table
// type) satisfies it by name lookup of its columns.
//
// Float64s returns a numeric column converted to float64 (nulls as NaN,
// which charts skip). A table may also implement
//
//	Strings(name string) ([]string, error)   // category columns for bars
//	Times(name string) ([]time.Time, error)  // time columns for time axes
//
// which are checked at run time, as database/sql checks optional driver
// interfaces.
type Columns interface {
	Float64s(name string) ([]float64, error)
}

type stringColumns interface {
	Strings(name string) ([]string, error)
}

type timeColumns interface {
	Times(name string) ([]time.Time, error)
}

func floatColumn(f Columns, name string) ([]float64, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: no table (nil)", ErrColumn)
	}
	v, err := f.Float64s(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q as numbers: %w", ErrColumn, name, err)
	}
	return v, nil
}

// xColumn reads an x column as numbers, or as times (Unix seconds) when
// the table has a Times method and the column is not numeric.
func xColumn(f Columns, name string) (x []float64, isTime bool, err error) {
	if f == nil {
		return nil, false, fmt.Errorf("%w: no table (nil)", ErrColumn)
	}
	if tc, ok := f.(timeColumns); ok {
		if ts, terr := tc.Times(name); terr == nil {
			return Times(ts), true, nil
		}
	}
	x, err = floatColumn(f, name)
	return x, false, err
}

func xyColumns(f Columns, x, y string) (xs, ys []float64, isTime bool, err error) {
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

func (c *Chart) fromXY(k kind, f Columns, x, y string, opts []Option) *Chart {
	if c.err != nil {
		return c
	}
	xs, ys, isTime, err := xyColumns(f, x, y)
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

// LineFrom adds a line layer from two columns of a table: x (numbers or
// times; "" for the row index) against y. The layer is named after y and
// empty axis labels take the column names.
func (c *Chart) LineFrom(f Columns, x, y string, opts ...Option) *Chart {
	return c.fromXY(kindLine, f, x, y, opts)
}

// ScatterFrom adds a scatter layer from two columns of a table.
func (c *Chart) ScatterFrom(f Columns, x, y string, opts ...Option) *Chart {
	return c.fromXY(kindScatter, f, x, y, opts)
}

// AreaFrom adds an area layer from two columns of a table.
func (c *Chart) AreaFrom(f Columns, x, y string, opts ...Option) *Chart {
	return c.fromXY(kindArea, f, x, y, opts)
}

// BarFrom adds a bar layer from a category column (strings, via the
// table's Strings method, or numbers shown as text) and a value column.
func (c *Chart) BarFrom(f Columns, category, value string, opts ...Option) *Chart {
	if c.err != nil {
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
func (c *Chart) HistFrom(f Columns, column string, opts ...Option) *Chart {
	if c.err != nil {
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
func (c *Chart) BoxFrom(f Columns, columns ...string) *Chart {
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
