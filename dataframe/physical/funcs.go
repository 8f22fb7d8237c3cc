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
		return ev.dtFunc(f, x, n)
	}
	return nil, fmt.Errorf("%w: function %q", expr.ErrUnsupported, f.Name)
}

// toTimeUnit converts temporal values stored in units of from nanoseconds
// to units of to nanoseconds (rounding down to a whole unit) of type dt.
func toTimeUnit(v *vec, from, to int64, dt arrow.DataType) *vec {
	out := *v
	out.dt, out.arr = dt, nil
	out.i = make([]int64, len(v.i))
	for j, x := range v.i {
		if from > to {
			out.i[j] = x * (from / to)
		} else {
			out.i[j] = dtFloorDiv(x, to/from) // an instant before 1970 belongs to the earlier day
		}
	}
	return &out
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
	if expr.IsTemporal(x.dt) && expr.IsTemporal(y.dt) {
		if nx, ny := unitNanos(x.dt), unitNanos(y.dt); nx != ny {
			y = toTimeUnit(y, ny, nx, x.dt)
		}
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

func (ev *evaluator) dtFunc(f expr.Func, x *vec, n int) (*vec, error) {
	out := &vec{n: x.n, scalar: x.scalar, valid: x.valid, k: kInt, dt: arrow.PrimitiveTypes.Int64, i: make([]int64, n)}
	if f.Name == "dt.truncate" {
		every, _ := f.Params[0].(string)
		tr, err := parseTruncate(every, x.dt)
		if err != nil {
			return nil, err
		}
		out.dt = x.dt
		for i := range out.i {
			if x.isValid(i) {
				out.i[i] = tr.apply(x.i[i])
			}
		}
		if x.dt.ID() == arrow.DATE32 && !out.scalar {
			// date32 values are 32-bit: hand over the array, as the
			// int64 path would store 64-bit values under a date32 type.
			vals := make([]int32, n)
			for i, v := range out.i {
				vals[i] = int32(v)
			}
			out.arr = int32Array(ev.env.Mem, x.dt, vals, x.valid)
			ev.owned = append(ev.owned, out.arr)
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

// truncator rounds int64-backed temporal values of one type down to a
// multiple of an interval: calendar months (months > 0), or a fixed step
// in the type's own unit counted from origin (the Unix epoch; Monday
// 1969-12-29 for weeks).
type truncator struct {
	dt           arrow.DataType
	months       int64
	step, origin int64
	// nsStep replaces step when the interval is not a whole number of
	// the type's units (1500ms on seconds): values go through nanoseconds.
	nsStep, unitNs int64
}

func (t truncator) apply(v int64) int64 {
	switch {
	case t.months > 0:
		tm := toTime(t.dt, v)
		m := int64(tm.Year()-1970)*12 + int64(tm.Month()) - 1
		m -= dtFloorMod(m, t.months)
		return fromTime(t.dt, time.Date(1970+int(dtFloorDiv(m, 12)), time.Month(dtFloorMod(m, 12)+1), 1, 0, 0, 0, 0, time.UTC))
	case t.step > 1:
		return v - dtFloorMod(v-t.origin, t.step)
	case t.nsStep > 0:
		if v > math.MaxInt64/t.unitNs || v < math.MinInt64/t.unitNs {
			return v // beyond what nanoseconds can hold: left as is
		}
		ns := v * t.unitNs
		ns -= dtFloorMod(ns-t.origin*t.unitNs, t.nsStep)
		return dtFloorDiv(ns, t.unitNs)
	}
	return v // the interval divides the type's unit: nothing to round
}

func dtFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func dtFloorMod(a, b int64) int64 { return a - dtFloorDiv(a, b)*b }

// unitNanos is the length in nanoseconds of one unit of an int64-backed
// temporal type.
func unitNanos(dt arrow.DataType) int64 {
	switch t := dt.(type) {
	case *arrow.TimestampType:
		switch t.Unit {
		case arrow.Second:
			return 1e9
		case arrow.Millisecond:
			return 1e6
		case arrow.Microsecond:
			return 1e3
		}
		return 1
	case *arrow.Date32Type:
		return 86400e9
	case *arrow.Date64Type:
		return 1e6
	}
	return 1
}

// truncateUnits lists the intervals dt.truncate accepts.
const truncateUnits = `a positive count and a unit: "1y", "1q", "1mo", "1w", "1d", "1h", "15m", "1s", "1ms", "1us", "1ns"; a Go duration such as "1h30m"; or year, quarter, month, week, day, hour, minute, second`

// parseTruncate parses a dt.truncate interval for values of type dt.
func parseTruncate(s string, dt arrow.DataType) (truncator, error) {
	bad := func(why string) (truncator, error) {
		return truncator{}, fmt.Errorf("%w: truncate interval %q%s (want %s)", expr.ErrInvalidArgument, s, why, truncateUnits)
	}
	alias := map[string]string{"year": "1y", "quarter": "1q", "month": "1mo", "week": "1w", "day": "1d", "hour": "1h", "minute": "1m", "second": "1s"}
	spec := s
	if a, ok := alias[strings.ToLower(s)]; ok {
		spec = a
	}
	k := 0
	for k < len(spec) && spec[k] >= '0' && spec[k] <= '9' {
		k++
	}
	count := int64(-1)
	if k > 0 && k <= 6 {
		count = 0
		for _, c := range spec[:k] {
			count = count*10 + int64(c-'0')
		}
	}
	t := truncator{dt: dt, unitNs: unitNanos(dt)}
	var d time.Duration
	switch unit := spec[k:]; {
	case unit == "y" || unit == "q" || unit == "mo" || unit == "w" || unit == "d":
		if count <= 0 {
			return bad(": the count must be a positive number below a million")
		}
		switch unit {
		case "y":
			t.months = 12 * count
			return t, nil
		case "q":
			t.months = 3 * count
			return t, nil
		case "mo":
			t.months = count
			return t, nil
		case "w":
			d = time.Duration(count) * 7 * 24 * time.Hour
			t.origin = dtFloorDiv(-3*86400e9, t.unitNs) // Monday 1969-12-29
		default:
			d = time.Duration(count) * 24 * time.Hour
		}
	default:
		var err error
		if d, err = time.ParseDuration(spec); err != nil || d <= 0 {
			return bad("")
		}
	}
	ns := int64(d)
	switch {
	case ns%t.unitNs == 0:
		t.step = ns / t.unitNs
	case t.unitNs%ns == 0:
		// The interval divides one unit (1h on dates, 1us on seconds):
		// every value is already a multiple.
	case dt.ID() == arrow.DATE32 || dt.ID() == arrow.DATE64:
		return bad(" on a date column: use whole days, or an interval that divides a day")
	default:
		t.nsStep = ns
	}
	return t, nil
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
