package dataframe

import (
	"context"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/expr"
)

// Melt unpivots valueVars into two columns "variable" and "value",
// keeping idVars (polars' unpivot). With no valueVars every non-id column
// is melted. Value columns are cast to a common type (float64 for
// numbers, else strings).
func (f *Frame) Melt(idVars, valueVars []string) (*Frame, error) {
	isID := map[string]bool{}
	for _, c := range idVars {
		if len(f.schema.FieldIndices(c)) == 0 {
			return nil, columnNotFound(c, f.schema)
		}
		isID[c] = true
	}
	if len(valueVars) == 0 {
		for _, c := range f.Columns() {
			if !isID[c] {
				valueVars = append(valueVars, c)
			}
		}
	}
	if len(valueVars) == 0 {
		return nil, fmt.Errorf("%w: Melt needs at least one value column", ErrInvalidArgument)
	}
	allNum := true
	for _, v := range valueVars {
		idx := f.schema.FieldIndices(v)
		if len(idx) == 0 {
			return nil, columnNotFound(v, f.schema)
		}
		if !expr.IsNumeric(f.schema.Field(idx[0]).Type) {
			allNum = false
		}
	}
	target := arrow.DataType(arrow.BinaryTypes.String)
	if allNum {
		target = arrow.PrimitiveTypes.Float64
	}
	var parts []*LazyFrame
	for _, v := range valueVars {
		cols := make([]any, 0, len(idVars)+2)
		for _, id := range idVars {
			cols = append(cols, id)
		}
		cols = append(cols, Lit(v).Alias("variable"), Col(v).Cast(target).Alias("value"))
		parts = append(parts, f.Lazy().Select(cols...))
	}
	return Concat(parts...).Collect(context.Background())
}

// Pivot spreads the distinct values of column on into columns holding
// agg(values) per combination of index columns. agg is one of "first",
// "last", "sum", "mean", "min", "max", "count", "median". New columns are
// named by the on values, in sorted order; rows follow index order of first
// appearance.
func (f *Frame) Pivot(index []string, on, values, agg string) (*Frame, error) {
	v := Col(values)
	var a Expr
	switch agg {
	case "first", "":
		a = v.First()
	case "last":
		a = v.Last()
	case "sum":
		a = v.Sum()
	case "mean":
		a = v.Mean()
	case "min":
		a = v.Min()
	case "max":
		a = v.Max()
	case "count":
		a = v.Count()
	case "median":
		a = v.Median()
	default:
		return nil, fmt.Errorf("%w: pivot aggregate %q (want first, last, sum, mean, min, max, count or median)", ErrInvalidArgument, agg)
	}
	keys := make([]any, 0, len(index)+1)
	for _, i := range index {
		keys = append(keys, i)
	}
	grouped, err := f.Lazy().GroupBy(append(keys, on)...).Agg(a.Alias("__value")).Collect(context.Background())
	if err != nil {
		return nil, err
	}
	onVals, err := grouped.Lazy().Select(on).Unique().Collect(context.Background())
	if err != nil {
		return nil, err
	}
	col, _ := onVals.Column(on)
	names := col.Strings()
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return names[order[i]] < names[order[j]] })
	out := f.Lazy().Select(keys...).Unique()
	for _, i := range order {
		val := col.Value(i)
		var cond Expr
		if val == nil {
			cond = Col(on).IsNull()
		} else {
			cond = Col(on).Eq(Lit(val))
		}
		sub := grouped.Lazy().Filter(cond).Select(append(append([]any{}, keys...), Col("__value").Alias(names[i]))...)
		out = out.Join(sub, JoinOptions{On: index, How: Left})
	}
	return out.Collect(context.Background())
}

// Describe summarizes every column: count, null_count, mean, std, min,
// 25%, 50%, 75%, max (numeric statistics are null for other types).
func (f *Frame) Describe() (*Frame, error) {
	stats := []string{"count", "null_count", "mean", "std", "min", "25%", "50%", "75%", "max"}
	series := []*Series{NewStringSeries("statistic", stats)}
	ctx := context.Background()
	for _, fl := range f.schema.Fields() {
		c := Col(fl.Name)
		numeric := expr.IsNumeric(fl.Type)
		exprs := []any{c.Count().Cast(Float64).Alias("count"), c.IsNull().Cast(Int64).Sum().Cast(Float64).Alias("null_count")}
		if numeric {
			exprs = append(exprs, c.Mean().Alias("mean"), c.Std().Alias("std"), c.Min().Cast(Float64).Alias("min"),
				c.Quantile(0.25).Alias("q25"), c.Median().Alias("q50"), c.Quantile(0.75).Alias("q75"), c.Max().Cast(Float64).Alias("max"))
		}
		r, err := f.Lazy().Select(exprs...).Collect(ctx)
		if err != nil {
			return nil, err
		}
		vals := make([]any, len(stats))
		for i := range stats {
			if i < r.NumCols() {
				vals[i] = r.ColumnAt(i).Value(0)
			}
		}
		s, err := NewSeries(fl.Name, vals)
		if err != nil {
			return nil, err
		}
		if s.DataType().ID() != arrow.FLOAT64 {
			fv := make([]any, len(vals))
			for i, v := range vals {
				switch x := v.(type) {
				case int64:
					fv[i] = float64(x)
				case float64:
					fv[i] = x
				}
			}
			if s, err = NewSeries(fl.Name, fv); err != nil {
				return nil, err
			}
		}
		series = append(series, s)
	}
	return New(series...)
}
