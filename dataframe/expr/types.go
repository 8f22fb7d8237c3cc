package expr

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Kind classes of Arrow types as the engine sees them.
func IsInteger(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	}
	return false
}

// IsFloat reports float32/float64.
func IsFloat(t arrow.DataType) bool { return t.ID() == arrow.FLOAT32 || t.ID() == arrow.FLOAT64 }

// IsNumeric reports integer, float or boolean (booleans add as 0/1).
func IsNumeric(t arrow.DataType) bool { return IsInteger(t) || IsFloat(t) }

// IsString reports utf8, large utf8 and dictionaries of them.
func IsString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return true
	case arrow.DICTIONARY:
		return IsString(t.(*arrow.DictionaryType).ValueType)
	}
	return false
}

// IsTemporal reports date32/date64/timestamp.
func IsTemporal(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}

// IsNull reports the null type (type of a null literal).
func IsNullType(t arrow.DataType) bool { return t.ID() == arrow.NULL }

// LiteralType is the Arrow type of a literal value.
func LiteralType(v any) arrow.DataType {
	switch v.(type) {
	case nil:
		return arrow.Null
	case bool:
		return arrow.FixedWidthTypes.Boolean
	case int64:
		return arrow.PrimitiveTypes.Int64
	case float64:
		return arrow.PrimitiveTypes.Float64
	case string:
		return arrow.BinaryTypes.String
	case time.Time:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	return arrow.Null
}

// ColumnNotFound builds the error for a missing column: it lists the columns
// that exist and suggests the closest name.
func ColumnNotFound(name string, schema *arrow.Schema) error {
	names := make([]string, schema.NumFields())
	best, bestD := "", 1<<30
	for i, f := range schema.Fields() {
		names[i] = f.Name
		if d := levenshtein(strings.ToLower(name), strings.ToLower(f.Name)); d < bestD {
			best, bestD = f.Name, d
		}
	}
	hint := ""
	if best != "" && bestD <= max(2, len(name)/2) {
		hint = fmt.Sprintf("; did you mean %q?", best)
	}
	return fmt.Errorf("%w: %q; available columns: [%s]%s", ErrColumnNotFound, name, strings.Join(names, ", "), hint)
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func mismatch(e Expr, what string, ts ...arrow.DataType) error {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return fmt.Errorf("%w: %s needs %s, got %s in expression %s", ErrTypeMismatch, opName(e), what, strings.Join(parts, " and "), e)
}

func opName(e Expr) string {
	switch n := e.(type) {
	case Binary:
		return "operator " + n.Op.String()
	case Unary:
		return n.Op.String()
	case Agg:
		return string(n.Func)
	case Func:
		return n.Name
	case Window:
		return n.Name
	}
	return "expression"
}

// Normalize maps a storage type to the type computations produce for it:
// all integers widen to int64, float32 to float64, dictionaries of strings
// and large strings to string.
func Normalize(t arrow.DataType) arrow.DataType {
	switch {
	case IsInteger(t):
		return arrow.PrimitiveTypes.Int64
	case IsFloat(t):
		return arrow.PrimitiveTypes.Float64
	case IsString(t):
		return arrow.BinaryTypes.String
	}
	return t
}

// TypeOf infers the output type of e over schema. Errors wrap
// ErrColumnNotFound or ErrTypeMismatch.
func TypeOf(e Expr, schema *arrow.Schema) (arrow.DataType, error) {
	switch n := e.(type) {
	case Column:
		idx := schema.FieldIndices(n.Name)
		if len(idx) == 0 {
			return nil, ColumnNotFound(n.Name, schema)
		}
		return schema.Field(idx[0]).Type, nil
	case Literal:
		return LiteralType(n.Value), nil
	case Alias:
		return TypeOf(n.X, schema)
	case Cast:
		if _, err := TypeOf(n.X, schema); err != nil {
			return nil, err
		}
		return n.To, nil
	case Unary:
		t, err := TypeOf(n.X, schema)
		if err != nil {
			return nil, err
		}
		switch n.Op {
		case Not:
			if t.ID() != arrow.BOOL && !IsNullType(t) {
				return nil, mismatch(e, "boolean", t)
			}
			return arrow.FixedWidthTypes.Boolean, nil
		case Neg:
			if !IsNumeric(t) {
				return nil, mismatch(e, "a numeric operand", t)
			}
			return Normalize(t), nil
		default:
			return arrow.FixedWidthTypes.Boolean, nil
		}
	case Binary:
		l, err := TypeOf(n.L, schema)
		if err != nil {
			return nil, err
		}
		r, err := TypeOf(n.R, schema)
		if err != nil {
			return nil, err
		}
		return binaryType(n, l, r)
	case Agg:
		return aggType(n, schema)
	case Func:
		return funcType(n, schema)
	case Window:
		switch n.Name {
		case "rank":
			if _, err := TypeOf(n.X, schema); err != nil {
				return nil, err
			}
			return arrow.PrimitiveTypes.Int64, nil
		case "cum_sum":
			return aggType(Agg{Func: AggSum, X: n.X}, schema)
		}
		for _, p := range n.PartitionBy {
			if _, err := TypeOf(p, schema); err != nil {
				return nil, err
			}
		}
		t, err := TypeOf(n.X, schema)
		if err != nil {
			return nil, err
		}
		return Normalize(t), nil
	}
	return nil, fmt.Errorf("%w: expression %v", ErrUnsupported, e)
}

func binaryType(n Binary, l, r arrow.DataType) (arrow.DataType, error) {
	ln, rn := IsNullType(l), IsNullType(r)
	switch {
	case n.Op.IsLogical():
		if (l.ID() != arrow.BOOL && !ln) || (r.ID() != arrow.BOOL && !rn) {
			return nil, mismatch(n, "boolean operands", l, r)
		}
		return arrow.FixedWidthTypes.Boolean, nil
	case n.Op.IsComparison():
		ok := ln || rn ||
			(IsNumeric(l) && IsNumeric(r)) ||
			(IsString(l) && IsString(r)) ||
			(l.ID() == arrow.BOOL && r.ID() == arrow.BOOL) ||
			(IsTemporal(l) && IsTemporal(r))
		if !ok {
			return nil, mismatch(n, "comparable operands", l, r)
		}
		return arrow.FixedWidthTypes.Boolean, nil
	}
	if ln || rn {
		if ln {
			return Normalize(r), nil
		}
		return Normalize(l), nil
	}
	if !IsNumeric(l) || !IsNumeric(r) {
		if n.Op == Add && IsString(l) && IsString(r) {
			return arrow.BinaryTypes.String, nil
		}
		return nil, mismatch(n, "numeric operands", l, r)
	}
	if n.Op == Div || IsFloat(l) || IsFloat(r) {
		return arrow.PrimitiveTypes.Float64, nil
	}
	return arrow.PrimitiveTypes.Int64, nil
}

func aggType(n Agg, schema *arrow.Schema) (arrow.DataType, error) {
	if n.Func == AggLen || n.X == nil {
		return arrow.PrimitiveTypes.Int64, nil
	}
	t, err := TypeOf(n.X, schema)
	if err != nil {
		return nil, err
	}
	if HasAgg(n.X) {
		return nil, fmt.Errorf("%w: nested aggregate in %s", ErrInvalidArgument, n)
	}
	switch n.Func {
	case AggCount, AggNUnique:
		return arrow.PrimitiveTypes.Int64, nil
	case AggSum:
		if t.ID() == arrow.BOOL || IsInteger(t) {
			return arrow.PrimitiveTypes.Int64, nil
		}
		if IsFloat(t) || IsNullType(t) {
			return arrow.PrimitiveTypes.Float64, nil
		}
		return nil, mismatch(n, "a numeric column", t)
	case AggMean, AggStd, AggVar, AggMedian, AggQuantile:
		if !IsNumeric(t) && t.ID() != arrow.BOOL && !IsNullType(t) {
			return nil, mismatch(n, "a numeric column", t)
		}
		return arrow.PrimitiveTypes.Float64, nil
	case AggCorr:
		u, err := TypeOf(n.Y, schema)
		if err != nil {
			return nil, err
		}
		if !IsNumeric(t) || !IsNumeric(u) {
			return nil, mismatch(n, "numeric columns", t, u)
		}
		return arrow.PrimitiveTypes.Float64, nil
	case AggTopK, AggBottomK:
		if !IsNumeric(t) {
			return nil, mismatch(n, "a numeric column", t)
		}
		return arrow.ListOf(Normalize(t)), nil
	case AggMin, AggMax, AggFirst, AggLast:
		if IsNullType(t) {
			return arrow.PrimitiveTypes.Float64, nil
		}
		return Normalize(t), nil
	}
	return nil, fmt.Errorf("%w: aggregate %q", ErrUnsupported, n.Func)
}

func funcType(n Func, schema *arrow.Schema) (arrow.DataType, error) {
	ts := make([]arrow.DataType, len(n.Args))
	for i, a := range n.Args {
		t, err := TypeOf(a, schema)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%w: %s without argument", ErrInvalidArgument, n.Name)
	}
	t := ts[0]
	switch {
	case strings.HasPrefix(n.Name, "str."):
		if !IsString(t) {
			return nil, mismatch(n, "a string column", t)
		}
		switch n.Name {
		case "str.contains", "str.starts_with", "str.ends_with":
			return arrow.FixedWidthTypes.Boolean, nil
		case "str.len":
			return arrow.PrimitiveTypes.Int64, nil
		case "str.lower", "str.upper", "str.strip":
			return arrow.BinaryTypes.String, nil
		case "str.split":
			return arrow.ListOf(arrow.BinaryTypes.String), nil
		}
	case strings.HasPrefix(n.Name, "dt."):
		if !IsTemporal(t) {
			return nil, mismatch(n, "a date or timestamp column", t)
		}
		if n.Name == "dt.truncate" {
			return t, nil
		}
		return arrow.PrimitiveTypes.Int64, nil
	case n.Name == "fill_null":
		if len(ts) > 1 && !IsNullType(ts[1]) && Normalize(ts[1]).ID() != Normalize(t).ID() {
			if IsTemporal(t) && IsTemporal(ts[1]) {
				return t, nil // a time.Time fills a date column, as the date of that instant
			}
			if !(IsNumeric(t) && IsNumeric(ts[1])) {
				return nil, mismatch(n, "a fill value of the column's type", t, ts[1])
			}
			if IsFloat(ts[1]) {
				return arrow.PrimitiveTypes.Float64, nil
			}
		}
		return Normalize(t), nil
	case n.Name == "abs" || n.Name == "round" || n.Name == "sqrt":
		if !IsNumeric(t) {
			return nil, mismatch(n, "a numeric column", t)
		}
		if n.Name == "abs" {
			return Normalize(t), nil
		}
		return arrow.PrimitiveTypes.Float64, nil
	}
	return nil, fmt.Errorf("%w: function %q", ErrUnsupported, n.Name)
}
