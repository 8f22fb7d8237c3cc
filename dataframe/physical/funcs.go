package physical

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
)

func (ev *evaluator) fn(f expr.Func) (*vec, error) {
	x, err := ev.eval(f.Args[0])
	if err != nil {
		return nil, err
	}
	n := ev.t.Rows
	if x.scalar {
		n = 1
	}
	out := &vec{n: ev.t.Rows, scalar: x.scalar, valid: x.valid}
	param := func(i int) any {
		if i < len(f.Params) {
			return f.Params[i]
		}
		return nil
	}
	strParam := func(i int) (string, error) {
		s, ok := param(i).(string)
		if !ok {
			return "", fmt.Errorf("%w: %s needs a string argument, got %T", expr.ErrInvalidArgument, f.Name, param(i))
		}
		return s, nil
	}
	switch f.Name {
	case "str.contains", "str.starts_with", "str.ends_with":
		pat, err := strParam(0)
		if err != nil {
			return nil, err
		}
		out.k, out.dt, out.b = kBool, arrow.FixedWidthTypes.Boolean, make([]bool, n)
		err = parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				s := x.str(i)
				switch f.Name {
				case "str.contains":
					out.b[i] = strings.Contains(s, pat)
				case "str.starts_with":
					out.b[i] = strings.HasPrefix(s, pat)
				default:
					out.b[i] = strings.HasSuffix(s, pat)
				}
			}
		})
		return out, err
	case "str.lower", "str.upper", "str.strip":
		out.k, out.dt, out.ss = kStr, arrow.BinaryTypes.String, make([]string, n)
		for i := range out.ss {
			switch f.Name {
			case "str.lower":
				out.ss[i] = strings.ToLower(x.str(i))
			case "str.upper":
				out.ss[i] = strings.ToUpper(x.str(i))
			default:
				out.ss[i] = strings.TrimSpace(x.str(i))
			}
		}
		return out, nil
	case "str.len":
		out.k, out.dt, out.i = kInt, arrow.PrimitiveTypes.Int64, make([]int64, n)
		for i := range out.i {
			out.i[i] = int64(len([]rune(x.str(i))))
		}
		return out, nil
	case "str.split":
		sep, err := strParam(0)
		if err != nil {
			return nil, err
		}
		b := array.NewListBuilder(ev.env.Mem, arrow.BinaryTypes.String)
		defer b.Release()
		vb := b.ValueBuilder().(*array.StringBuilder)
		for i := 0; i < n; i++ {
			if !x.isValid(i) {
				b.AppendNull()
				continue
			}
			b.Append(true)
			for _, p := range strings.Split(x.str(i), sep) {
				vb.Append(p)
			}
		}
		a := b.NewArray()
		ev.owned = append(ev.owned, a)
		return &vec{k: kOther, dt: a.DataType(), n: n, arr: a}, nil
	case "fill_null":
		y, err := ev.eval(f.Args[1])
		if err != nil {
			return nil, err
		}
		return fillNull(x, y, ev.t.Rows)
	case "abs":
		out.k, out.dt = x.k, x.dt
		if x.k == kFloat {
			out.f = make([]float64, n)
			for i := range out.f {
				out.f[i] = math.Abs(x.f[i])
			}
		} else {
			out.i = make([]int64, n)
			for i := range out.i {
				out.i[i] = x.i[i]
				if out.i[i] < 0 {
					out.i[i] = -out.i[i]
				}
			}
		}
		return out, nil
	case "round", "sqrt":
		digits, _ := param(0).(int64)
		scale := math.Pow(10, float64(digits))
		xs := x.floats()
		out.k, out.dt, out.f = kFloat, arrow.PrimitiveTypes.Float64, make([]float64, n)
		for i := range out.f {
			if f.Name == "sqrt" {
				out.f[i] = math.Sqrt(xs[i])
			} else {
				out.f[i] = math.Round(xs[i]*scale) / scale
			}
		}
		return out, nil
	}
	if strings.HasPrefix(f.Name, "dt.") {
		return dtFunc(f, x, n)
	}
	return nil, fmt.Errorf("%w: function %q", expr.ErrUnsupported, f.Name)
}

func fillNull(x, y *vec, rows int) (*vec, error) {
	if x.valid == nil {
		return x, nil
	}
	n := len(x.valid)
	out := &vec{n: rows, k: x.k, dt: x.dt}
	if x.k == kNull {
		return y, nil
	}
	yi := func(i int) int {
		if y.scalar {
			return 0
		}
		return i
	}
	out.valid = make([]bool, n)
	for i := range out.valid {
		out.valid[i] = x.valid[i] || y.isValid(i)
	}
	switch {
	case x.k == kInt && y.k == kInt:
		out.i = make([]int64, n)
		for i := range out.i {
			if x.valid[i] {
				out.i[i] = x.i[i]
			} else {
				out.i[i] = y.i[yi(i)]
			}
		}
	case x.k == kFloat || y.k == kFloat:
		xf, yf := x.floats(), y.floats()
		out.k, out.dt, out.f = kFloat, arrow.PrimitiveTypes.Float64, make([]float64, n)
		for i := range out.f {
			if x.valid[i] {
				out.f[i] = xf[i]
			} else {
				out.f[i] = yf[yi(i)]
			}
		}
	case x.k == kStr:
		out.dt = arrow.BinaryTypes.String
		out.ss = make([]string, n)
		for i := range out.ss {
			if x.valid[i] {
				out.ss[i] = x.str(i)
			} else if y.k == kStr {
				out.ss[i] = y.str(i)
			}
		}
	case x.k == kBool && y.k == kBool:
		out.b = make([]bool, n)
		for i := range out.b {
			if x.valid[i] {
				out.b[i] = x.b[i]
			} else {
				out.b[i] = y.b[yi(i)]
			}
		}
	default:
		return nil, fmt.Errorf("%w: fill_null of %s with %s", expr.ErrTypeMismatch, x.dt, y.dt)
	}
	return out, nil
}

// toTime converts an int64-backed temporal value to time.Time (UTC).
func toTime(dt arrow.DataType, v int64) time.Time {
	switch t := dt.(type) {
	case *arrow.TimestampType:
		switch t.Unit {
		case arrow.Second:
			return time.Unix(v, 0).UTC()
		case arrow.Millisecond:
			return time.UnixMilli(v).UTC()
		case arrow.Microsecond:
			return time.UnixMicro(v).UTC()
		default:
			return time.Unix(0, v).UTC()
		}
	case *arrow.Date32Type:
		return time.Unix(v*86400, 0).UTC()
	case *arrow.Date64Type:
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(0, v).UTC()
}

func fromTime(dt arrow.DataType, t time.Time) int64 {
	switch tt := dt.(type) {
	case *arrow.TimestampType:
		switch tt.Unit {
		case arrow.Second:
			return t.Unix()
		case arrow.Millisecond:
			return t.UnixMilli()
		case arrow.Microsecond:
			return t.UnixMicro()
		default:
			return t.UnixNano()
		}
	case *arrow.Date32Type:
		return t.Unix() / 86400
	case *arrow.Date64Type:
		return t.UnixMilli()
	}
	return t.UnixNano()
}

func dtFunc(f expr.Func, x *vec, n int) (*vec, error) {
	out := &vec{n: x.n, scalar: x.scalar, valid: x.valid, k: kInt, dt: arrow.PrimitiveTypes.Int64, i: make([]int64, n)}
	if f.Name == "dt.truncate" {
		every, _ := f.Params[0].(string)
		out.dt = x.dt
		for i := range out.i {
			t := toTime(x.dt, x.i[i])
			switch every {
			case "1y", "year":
				t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			case "1mo", "month":
				t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			default:
				d, err := parseEvery(every)
				if err != nil {
					return nil, err
				}
				t = t.Truncate(d)
			}
			out.i[i] = fromTime(x.dt, t)
		}
		return out, nil
	}
	for i := range out.i {
		t := toTime(x.dt, x.i[i])
		var v int
		switch f.Name {
		case "dt.year":
			v = t.Year()
		case "dt.month":
			v = int(t.Month())
		case "dt.day":
			v = t.Day()
		case "dt.hour":
			v = t.Hour()
		case "dt.minute":
			v = t.Minute()
		case "dt.second":
			v = t.Second()
		case "dt.weekday":
			v = int(t.Weekday())
		default:
			return nil, fmt.Errorf("%w: function %q", expr.ErrUnsupported, f.Name)
		}
		out.i[i] = int64(v)
	}
	return out, nil
}

func parseEvery(s string) (time.Duration, error) {
	switch {
	case strings.HasSuffix(s, "d"):
		var k int
		if _, err := fmt.Sscanf(s, "%dd", &k); err == nil {
			return time.Duration(k) * 24 * time.Hour, nil
		}
	case strings.HasSuffix(s, "w"):
		var k int
		if _, err := fmt.Sscanf(s, "%dw", &k); err == nil {
			return time.Duration(k) * 7 * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: truncate interval %q (want e.g. \"1h\", \"15m\", \"1d\", \"1mo\", \"1y\")", expr.ErrInvalidArgument, s)
	}
	return d, nil
}

// dictEncode converts a string array to dictionary<int32, utf8>.
func dictEncode(env *Env, a arrow.Array) (arrow.Array, error) {
	if a.DataType().ID() == arrow.DICTIONARY {
		a.Retain()
		return a, nil
	}
	s, err := newStrs(a)
	if err != nil {
		return nil, err
	}
	n := a.Len()
	var dc []uint32
	var first []int32
	if sk := shortKeyFunc(s, n); sk != nil {
		dc, _, first, err = denseEncode(context.Background(), env, n, sk, hashShort)
	} else {
		dc, _, first, err = denseEncode(context.Background(), env, n, s.keyFunc(), hashString)
	}
	if err != nil {
		return nil, err
	}
	codes := make([]int32, n)
	for i, c := range dc {
		codes[i] = int32(c)
	}
	uniq := make([]string, len(first))
	for i, r := range first {
		uniq[i] = s.at(int(r))
	}
	// Nulls were encoded as "" (one extra code at most); they stay null via validity.
	dict := stringArrayFrom(env.Mem, uniq, nil)
	defer dict.Release()
	idx := int32Array(env.Mem, arrow.PrimitiveTypes.Int32, codes, validBools(a))
	defer idx.Release()
	return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, idx, dict), nil
}

var _ memory.Allocator = memory.DefaultAllocator
