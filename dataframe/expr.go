package dataframe

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/expr"
)

// Expr is a column expression: built with Col, Lit and Len and combined
// with methods. Expr values are immutable and cheap to copy.
//
// Arguments typed any accept an Expr or a Go literal (int, int64, float64,
// string, bool, time.Time, nil).
type Expr struct{ e expr.Expr }

// Data types for Cast and schemas.
var (
	Int64       arrow.DataType = arrow.PrimitiveTypes.Int64
	Int32       arrow.DataType = arrow.PrimitiveTypes.Int32
	Float64     arrow.DataType = arrow.PrimitiveTypes.Float64
	Float32     arrow.DataType = arrow.PrimitiveTypes.Float32
	Utf8        arrow.DataType = arrow.BinaryTypes.String
	Bool        arrow.DataType = arrow.FixedWidthTypes.Boolean
	Date        arrow.DataType = arrow.FixedWidthTypes.Date32
	Datetime    arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond}
	Categorical arrow.DataType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
)

// Col references the column named name.
func Col(name string) Expr { return Expr{expr.Column{Name: name}} }

// Cols references several columns (for Select/GroupBy arguments).
func Cols(names ...string) []Expr {
	out := make([]Expr, len(names))
	for i, n := range names {
		out[i] = Col(n)
	}
	return out
}

// Lit is a constant: nil, bool, int, int32, int64, float32, float64,
// string or time.Time. Other types become a literal that fails at
// Collect with ErrInvalidArgument.
func Lit(v any) Expr { return Expr{expr.Literal{Value: normLit(v)}} }

// Len counts the rows of each group (of the frame without GroupBy).
func Len() Expr { return Expr{expr.Agg{Func: expr.AggLen}} }

// Corr is the Pearson correlation of a and b (an aggregate).
func Corr(a, b Expr) Expr { return Expr{expr.Agg{Func: expr.AggCorr, X: a.e, Y: b.e}} }

func normLit(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case nil, bool, int64, float64, string, time.Time:
		return x
	}
	return fmt.Sprintf("%v", v)
}

func toExpr(v any) expr.Expr {
	switch x := v.(type) {
	case Expr:
		return x.e
	case *Expr:
		return x.e
	}
	return expr.Literal{Value: normLit(v)}
}

// String renders the expression (the form used by Explain).
func (e Expr) String() string {
	if e.e == nil {
		return "<nil expr>"
	}
	return e.e.String()
}

func (e Expr) bin(op expr.BinOp, o any) Expr { return Expr{expr.Binary{Op: op, L: e.e, R: toExpr(o)}} }

// Add is e + o.
func (e Expr) Add(o any) Expr { return e.bin(expr.Add, o) }

// Sub is e - o.
func (e Expr) Sub(o any) Expr { return e.bin(expr.Sub, o) }

// Mul is e * o.
func (e Expr) Mul(o any) Expr { return e.bin(expr.Mul, o) }

// Div is e / o (always float).
func (e Expr) Div(o any) Expr { return e.bin(expr.Div, o) }

// Mod is e % o.
func (e Expr) Mod(o any) Expr { return e.bin(expr.Mod, o) }

// Eq is e == o.
func (e Expr) Eq(o any) Expr { return e.bin(expr.Eq, o) }

// Ne is e != o.
func (e Expr) Ne(o any) Expr { return e.bin(expr.NotEq, o) }

// Lt is e < o.
func (e Expr) Lt(o any) Expr { return e.bin(expr.Lt, o) }

// Le is e <= o.
func (e Expr) Le(o any) Expr { return e.bin(expr.LtEq, o) }

// Gt is e > o.
func (e Expr) Gt(o any) Expr { return e.bin(expr.Gt, o) }

// Ge is e >= o.
func (e Expr) Ge(o any) Expr { return e.bin(expr.GtEq, o) }

// And is the logical e && o.
func (e Expr) And(o any) Expr { return e.bin(expr.And, o) }

// Or is the logical e || o.
func (e Expr) Or(o any) Expr { return e.bin(expr.Or, o) }

// Not is the logical negation.
func (e Expr) Not() Expr { return Expr{expr.Unary{Op: expr.Not, X: e.e}} }

// Neg is -e.
func (e Expr) Neg() Expr { return Expr{expr.Unary{Op: expr.Neg, X: e.e}} }

// IsNull is true where e is null.
func (e Expr) IsNull() Expr { return Expr{expr.Unary{Op: expr.IsNull, X: e.e}} }

// IsNotNull is true where e is not null.
func (e Expr) IsNotNull() Expr { return Expr{expr.Unary{Op: expr.IsNotNull, X: e.e}} }

// Alias names the output column.
func (e Expr) Alias(name string) Expr { return Expr{expr.Alias{X: e.e, Name: name}} }

// Cast converts to t (e.g. dataframe.Float64, dataframe.Categorical).
func (e Expr) Cast(t arrow.DataType) Expr { return Expr{expr.Cast{X: e.e, To: t}} }

// FillNull replaces nulls with v.
func (e Expr) FillNull(v any) Expr {
	return Expr{expr.Func{Name: "fill_null", Args: []expr.Expr{e.e, toExpr(v)}}}
}

// Abs is the absolute value.
func (e Expr) Abs() Expr { return Expr{expr.Func{Name: "abs", Args: []expr.Expr{e.e}}} }

// Round rounds to digits decimals.
func (e Expr) Round(digits int) Expr {
	return Expr{expr.Func{Name: "round", Args: []expr.Expr{e.e}, Params: []any{int64(digits)}}}
}

// Sqrt is the square root.
func (e Expr) Sqrt() Expr { return Expr{expr.Func{Name: "sqrt", Args: []expr.Expr{e.e}}} }

func (e Expr) agg(f expr.AggFunc, p float64) Expr { return Expr{expr.Agg{Func: f, X: e.e, Param: p}} }

// Sum aggregates the sum (0 for an empty group).
func (e Expr) Sum() Expr { return e.agg(expr.AggSum, 0) }

// Mean aggregates the mean.
func (e Expr) Mean() Expr { return e.agg(expr.AggMean, 0) }

// Min aggregates the minimum.
func (e Expr) Min() Expr { return e.agg(expr.AggMin, 0) }

// Max aggregates the maximum.
func (e Expr) Max() Expr { return e.agg(expr.AggMax, 0) }

// Count aggregates the number of non-null values.
func (e Expr) Count() Expr { return e.agg(expr.AggCount, 0) }

// Std aggregates the sample standard deviation (ddof 1).
func (e Expr) Std() Expr { return e.agg(expr.AggStd, 1) }

// Var aggregates the sample variance (ddof 1).
func (e Expr) Var() Expr { return e.agg(expr.AggVar, 1) }

// Median aggregates the median.
func (e Expr) Median() Expr { return e.agg(expr.AggMedian, 0.5) }

// Quantile aggregates the q-quantile (linear interpolation).
func (e Expr) Quantile(q float64) Expr { return e.agg(expr.AggQuantile, q) }

// NUnique aggregates the number of distinct values (null counts as one).
func (e Expr) NUnique() Expr { return e.agg(expr.AggNUnique, 0) }

// First aggregates the first value.
func (e Expr) First() Expr { return e.agg(expr.AggFirst, 0) }

// Last aggregates the last value.
func (e Expr) Last() Expr { return e.agg(expr.AggLast, 0) }

// TopK aggregates the k largest values, largest first, as a list (use
// Explode to get one row per value).
func (e Expr) TopK(k int) Expr { return e.agg(expr.AggTopK, float64(k)) }

// BottomK aggregates the k smallest values, smallest first, as a list.
func (e Expr) BottomK(k int) Expr { return e.agg(expr.AggBottomK, float64(k)) }

// Corr aggregates the Pearson correlation with o.
func (e Expr) Corr(o Expr) Expr { return Corr(e, o) }

// Over evaluates e per partition of the given keys (strings or Exprs) and
// broadcasts: an aggregate gives every row its partition's value.
func (e Expr) Over(partitionBy ...any) Expr {
	w, ok := e.e.(expr.Window)
	if !ok {
		w = expr.Window{Name: "over", X: e.e}
	}
	w.PartitionBy = toExprs(partitionBy)
	return Expr{w}
}

// Rank ranks values within the frame (or the partition given with Over):
// equal values share the lowest rank ("min" method), 1-based.
func (e Expr) Rank(descending bool) Expr {
	return Expr{expr.Window{Name: "rank", X: e.e, Desc: descending}}
}

// CumSum is the running sum within the frame or partition.
func (e Expr) CumSum() Expr { return Expr{expr.Window{Name: "cum_sum", X: e.e}} }

// Lag shifts values down by n rows within the frame or partition (polars shift(n)).
func (e Expr) Lag(n int) Expr { return Expr{expr.Window{Name: "lag", X: e.e, Offset: n}} }

// Lead shifts values up by n rows within the frame or partition.
func (e Expr) Lead(n int) Expr { return Expr{expr.Window{Name: "lead", X: e.e, Offset: n}} }

// StrNamespace holds string functions; get it with Expr.Str.
type StrNamespace struct{ e expr.Expr }

// Str returns the string functions of e.
func (e Expr) Str() StrNamespace { return StrNamespace{e.e} }

func (s StrNamespace) f(name string, params ...any) Expr {
	return Expr{expr.Func{Name: "str." + name, Args: []expr.Expr{s.e}, Params: params}}
}

// Contains tests for a substring (literal, not a regexp).
func (s StrNamespace) Contains(sub string) Expr { return s.f("contains", sub) }

// StartsWith tests for a prefix.
func (s StrNamespace) StartsWith(p string) Expr { return s.f("starts_with", p) }

// EndsWith tests for a suffix.
func (s StrNamespace) EndsWith(p string) Expr { return s.f("ends_with", p) }

// Lower lower-cases.
func (s StrNamespace) Lower() Expr { return s.f("lower") }

// Upper upper-cases.
func (s StrNamespace) Upper() Expr { return s.f("upper") }

// Strip trims white space.
func (s StrNamespace) Strip() Expr { return s.f("strip") }

// Len counts characters (runes).
func (s StrNamespace) Len() Expr { return s.f("len") }

// Split splits on sep into a list column.
func (s StrNamespace) Split(sep string) Expr { return s.f("split", sep) }

// DtNamespace holds datetime functions; get it with Expr.Dt.
type DtNamespace struct{ e expr.Expr }

// Dt returns the datetime functions of e.
func (e Expr) Dt() DtNamespace { return DtNamespace{e.e} }

func (d DtNamespace) f(name string, params ...any) Expr {
	return Expr{expr.Func{Name: "dt." + name, Args: []expr.Expr{d.e}, Params: params}}
}

// Year extracts the year (UTC).
func (d DtNamespace) Year() Expr { return d.f("year") }

// Month extracts the month 1..12.
func (d DtNamespace) Month() Expr { return d.f("month") }

// Day extracts the day of month.
func (d DtNamespace) Day() Expr { return d.f("day") }

// Hour extracts the hour.
func (d DtNamespace) Hour() Expr { return d.f("hour") }

// Minute extracts the minute.
func (d DtNamespace) Minute() Expr { return d.f("minute") }

// Weekday extracts the weekday (0 = Sunday).
func (d DtNamespace) Weekday() Expr { return d.f("weekday") }

// Truncate rounds down to a multiple of every: "1h", "15m", "1d", "1w",
// "1mo" or "1y".
func (d DtNamespace) Truncate(every string) Expr { return d.f("truncate", every) }

// toExprs converts strings (column names) and Exprs.
func toExprs(xs []any) []expr.Expr {
	out := make([]expr.Expr, 0, len(xs))
	for _, x := range xs {
		switch v := x.(type) {
		case string:
			out = append(out, expr.Column{Name: v})
		case []string:
			for _, s := range v {
				out = append(out, expr.Column{Name: s})
			}
		case []Expr:
			for _, e := range v {
				out = append(out, e.e)
			}
		default:
			out = append(out, toExpr(v))
		}
	}
	return out
}

func unwrap(es []Expr) []expr.Expr {
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		out[i] = e.e
	}
	return out
}
