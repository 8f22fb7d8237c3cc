package physical

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/golab-dev/golab/dataframe/expr"
)

type kind uint8

const (
	kNull kind = iota
	kInt
	kFloat
	kBool
	kStr
	kOther // passthrough arrow array of another type (lists, ...)
)

// vec is an evaluated column: typed Go slices (int64-backed for integers
// and temporal types). scalar vecs have length 1 and broadcast.
type vec struct {
	k      kind
	dt     arrow.DataType
	n      int
	scalar bool
	i      []int64
	f      []float64
	b      []bool
	s      *strs
	ss     []string
	valid  []bool // nil: all valid
	arr    arrow.Array
}

func (v *vec) isValid(i int) bool {
	if v.scalar {
		i = 0
	}
	return v.valid == nil || v.valid[i]
}

func (v *vec) str(i int) string {
	if v.scalar {
		i = 0
	}
	if v.ss != nil {
		return v.ss[i]
	}
	return v.s.at(i)
}

func kindOf(t arrow.DataType) kind {
	switch {
	case expr.IsNullType(t):
		return kNull
	case expr.IsFloat(t):
		return kFloat
	case expr.IsInteger(t), expr.IsTemporal(t), t.ID() == arrow.DURATION:
		return kInt
	case t.ID() == arrow.BOOL:
		return kBool
	case expr.IsString(t):
		return kStr
	}
	return kOther
}

func vecFromArray(a arrow.Array) (*vec, error) {
	v := &vec{k: kindOf(a.DataType()), dt: a.DataType(), n: a.Len(), valid: validBools(a), arr: a}
	switch v.k {
	case kInt:
		v.i = asInt64(a)
		if !expr.IsTemporal(a.DataType()) && a.DataType().ID() != arrow.DURATION {
			v.dt = arrow.PrimitiveTypes.Int64
		}
	case kFloat:
		v.f = asFloat64(a)
		v.dt = arrow.PrimitiveTypes.Float64
	case kBool:
		ba := a.(*array.Boolean)
		v.b = make([]bool, a.Len())
		for i := range v.b {
			v.b[i] = ba.Value(i)
		}
	case kStr:
		s, err := newStrs(a)
		if err != nil {
			return nil, err
		}
		v.s = s
	}
	return v, nil
}

func scalarVec(val any, n int) *vec {
	v := &vec{n: n, scalar: true, dt: expr.LiteralType(val)}
	switch x := val.(type) {
	case nil:
		v.k = kNull
		v.valid = []bool{false}
	case bool:
		v.k, v.b = kBool, []bool{x}
	case int64:
		v.k, v.i = kInt, []int64{x}
	case float64:
		v.k, v.f = kFloat, []float64{x}
	case string:
		v.k, v.ss = kStr, []string{x}
	case time.Time:
		v.k, v.i = kInt, []int64{x.UnixMicro()}
	}
	return v
}

// toArray converts v to an Arrow array of length n owned by the caller.
func (v *vec) toArray(env *Env, n int) arrow.Array {
	if v.arr != nil && !v.scalar {
		v.arr.Retain()
		return v.arr
	}
	valid := v.valid
	if v.scalar {
		valid = nil
		if !v.isValid(0) {
			valid = make([]bool, n)
		}
	}
	switch v.k {
	case kInt:
		vals := v.i
		if v.scalar {
			vals = make([]int64, n)
			for i := range vals {
				vals[i] = v.i[0]
			}
		}
		return int64Array(env.Mem, v.dt, vals, valid)
	case kFloat:
		vals := v.f
		if v.scalar {
			vals = make([]float64, n)
			for i := range vals {
				vals[i] = v.f[0]
			}
		}
		return float64Array(env.Mem, vals, valid)
	case kBool:
		vals := v.b
		if v.scalar {
			vals = make([]bool, n)
			for i := range vals {
				vals[i] = v.b[0]
			}
		}
		return boolArray(env.Mem, vals, valid)
	case kStr:
		vals := make([]string, n)
		for i := range vals {
			vals[i] = v.str(i)
		}
		return stringArrayFrom(env.Mem, vals, valid)
	}
	return array.MakeArrayOfNull(env.Mem, arrow.Null, n)
}

func (v *vec) floats() []float64 {
	if v.k == kFloat {
		return v.f
	}
	out := make([]float64, len(v.i))
	for j, x := range v.i {
		out[j] = float64(x)
	}
	if v.k == kBool {
		out = make([]float64, len(v.b))
		for j, x := range v.b {
			if x {
				out[j] = 1
			}
		}
	}
	return out
}

func mergeValid(n int, a, b *vec) []bool {
	if a.valid == nil && b.valid == nil {
		return nil
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = a.isValid(i) && b.isValid(i)
	}
	return out
}

// Evaluator evaluates row-wise (non-aggregate, non-window) expressions over
// a Table.
type evaluator struct {
	ctx   context.Context
	env   *Env
	t     *Table
	owned []arrow.Array // temporaries released when evaluation ends
}

// EvalArray evaluates e over t and returns an owned Arrow array of t.Rows rows.
func EvalArray(ctx context.Context, env *Env, t *Table, e expr.Expr) (arrow.Array, error) {
	if c, ok := expr.StripAlias(e).(expr.Column); ok {
		// A column passes through as it is (shared, storage type kept),
		// without the conversion to a vec.
		if a := t.Col(c.Name); a != nil {
			a.Retain()
			return a, nil
		}
	}
	ev := &evaluator{ctx: ctx, env: env, t: t}
	defer func() {
		for _, a := range ev.owned {
			a.Release()
		}
	}()
	v, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	want, err := expr.TypeOf(e, t.Schema)
	if err != nil {
		return nil, err
	}
	a := v.toArray(env, t.Rows)
	if !arrow.TypeEqual(a.DataType(), want) && v.k != kOther {
		// e.g. a column of int32 passed through: keep storage type.
		if _, isCol := expr.StripAlias(e).(expr.Column); !isCol {
			c, err := compute.CastArray(ctx, a, compute.SafeCastOptions(want))
			a.Release()
			if err != nil {
				return nil, fmt.Errorf("%w: %v", expr.ErrTypeMismatch, err)
			}
			return c, nil
		}
	}
	return a, nil
}

func (ev *evaluator) eval(e expr.Expr) (*vec, error) {
	n := ev.t.Rows
	switch x := e.(type) {
	case expr.Column:
		a := ev.t.Col(x.Name)
		if a == nil {
			return nil, expr.ColumnNotFound(x.Name, ev.t.Schema)
		}
		return vecFromArray(a)
	case expr.Literal:
		return scalarVec(x.Value, n), nil
	case expr.Alias:
		return ev.eval(x.X)
	case expr.Cast:
		return ev.cast(x)
	case expr.Unary:
		return ev.unary(x)
	case expr.Binary:
		return ev.binary(x)
	case expr.Func:
		return ev.fn(x)
	case expr.Agg:
		return nil, fmt.Errorf("%w: aggregate %s outside group_by/select context", expr.ErrInvalidArgument, x)
	case expr.Window:
		return nil, fmt.Errorf("%w: window %s must be evaluated by a window operator", expr.ErrUnsupported, x)
	}
	return nil, fmt.Errorf("%w: expression %v", expr.ErrUnsupported, e)
}

func (ev *evaluator) cast(c expr.Cast) (*vec, error) {
	a, err := EvalArray(ev.ctx, ev.env, ev.t, c.X)
	if err != nil {
		return nil, err
	}
	ev.owned = append(ev.owned, a)
	if arrow.TypeEqual(a.DataType(), c.To) {
		return vecFromArray(a)
	}
	var out arrow.Array
	if c.To.ID() == arrow.DICTIONARY {
		out, err = dictEncode(ev.env, a)
	} else {
		out, err = compute.CastArray(ev.ctx, a, compute.SafeCastOptions(c.To))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: cannot cast %s to %s in %s: %v", expr.ErrTypeMismatch, a.DataType(), c.To, c, err)
	}
	ev.owned = append(ev.owned, out)
	return vecFromArray(out)
}

func (ev *evaluator) unary(u expr.Unary) (*vec, error) {
	x, err := ev.eval(u.X)
	if err != nil {
		return nil, err
	}
	n := ev.t.Rows
	out := &vec{n: n, dt: arrow.FixedWidthTypes.Boolean, k: kBool}
	if x.scalar {
		n = 1
		out.scalar = true
	}
	switch u.Op {
	case expr.IsNull, expr.IsNotNull:
		out.b = make([]bool, n)
		want := u.Op == expr.IsNotNull
		for i := range out.b {
			out.b[i] = x.isValid(i) == want
		}
		return out, nil
	case expr.Not:
		out.b = make([]bool, n)
		if x.k == kBool {
			for i := range out.b {
				out.b[i] = !x.b[i]
			}
		}
		out.valid = x.valid
		return out, nil
	case expr.Neg:
		out.k, out.dt, out.valid = x.k, x.dt, x.valid
		out.b = nil
		if x.k == kFloat {
			out.f = make([]float64, n)
			for i, v := range x.f[:n] {
				out.f[i] = -v
			}
		} else {
			out.i = make([]int64, n)
			for i, v := range x.i[:n] {
				out.i[i] = -v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unary %v", expr.ErrUnsupported, u.Op)
}

// sameTimeUnit brings two temporal operands of different units (a date
// column and a time.Time literal, timestamps in ms and us) to the finer
// unit, so that comparing them compares instants. Other operands are
// returned as they are.
func sameTimeUnit(l, r *vec) (*vec, *vec) {
	if !expr.IsTemporal(l.dt) || !expr.IsTemporal(r.dt) {
		return l, r
	}
	lu, ru := unitNanos(l.dt), unitNanos(r.dt)
	if lu == ru {
		return l, r
	}
	if lu > ru {
		return toTimeUnit(l, lu, ru, r.dt), r
	}
	return l, toTimeUnit(r, ru, lu, l.dt)
}

func (ev *evaluator) binary(b expr.Binary) (*vec, error) {
	l, err := ev.eval(b.L)
	if err != nil {
		return nil, err
	}
	r, err := ev.eval(b.R)
	if err != nil {
		return nil, err
	}
	n := ev.t.Rows
	scalar := l.scalar && r.scalar
	if scalar {
		n = 1
	}
	out := &vec{n: ev.t.Rows, scalar: scalar}
	if l.k == kNull || r.k == kNull {
		out.k, out.dt = kNull, arrow.Null
		out.valid = make([]bool, n)
		if b.Op.IsComparison() || b.Op.IsLogical() {
			out.k, out.dt, out.b = kBool, arrow.FixedWidthTypes.Boolean, make([]bool, n)
		}
		return out, nil
	}
	if b.Op.IsComparison() && l.k == kInt && r.k == kInt {
		l, r = sameTimeUnit(l, r)
	}
	li := func(i int) int {
		if l.scalar {
			return 0
		}
		return i
	}
	ri := func(i int) int {
		if r.scalar {
			return 0
		}
		return i
	}
	switch {
	case b.Op.IsLogical():
		out.k, out.dt = kBool, arrow.FixedWidthTypes.Boolean
		out.b = make([]bool, n)
		and := b.Op == expr.And
		err := parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				if and {
					out.b[i] = l.b[li(i)] && r.b[ri(i)]
				} else {
					out.b[i] = l.b[li(i)] || r.b[ri(i)]
				}
			}
		})
		out.valid = mergeValid(n, l, r)
		return out, err
	case b.Op.IsComparison():
		out.k, out.dt = kBool, arrow.FixedWidthTypes.Boolean
		out.b = make([]bool, n)
		out.valid = mergeValid(n, l, r)
		return out, compare(ev, b.Op, l, r, out.b, n)
	}
	// arithmetic
	if l.k == kStr && r.k == kStr && b.Op == expr.Add {
		out.k, out.dt = kStr, arrow.BinaryTypes.String
		out.ss = make([]string, n)
		for i := range out.ss {
			out.ss[i] = l.str(i) + r.str(i)
		}
		out.valid = mergeValid(n, l, r)
		return out, nil
	}
	out.valid = mergeValid(n, l, r)
	if l.k == kInt && r.k == kInt && b.Op != expr.Div {
		out.k, out.dt = kInt, arrow.PrimitiveTypes.Int64
		out.i = make([]int64, n)
		lv, rv := l.i, r.i
		err := parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
			switch {
			case !l.scalar && !r.scalar:
				arithII(b.Op, out.i[lo:hi], lv[lo:hi], rv[lo:hi])
			default:
				for i := lo; i < hi; i++ {
					out.i[i] = opII(b.Op, lv[li(i)], rv[ri(i)])
				}
			}
		})
		return out, err
	}
	out.k, out.dt = kFloat, arrow.PrimitiveTypes.Float64
	out.f = make([]float64, n)
	lv, rv := l.floats(), r.floats()
	err = parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
		switch {
		case !l.scalar && !r.scalar:
			arithFF(b.Op, out.f[lo:hi], lv[lo:hi], rv[lo:hi])
		default:
			for i := lo; i < hi; i++ {
				out.f[i] = opFF(b.Op, lv[li(i)], rv[ri(i)])
			}
		}
	})
	return out, err
}

func opII(op expr.BinOp, a, b int64) int64 {
	switch op {
	case expr.Add:
		return a + b
	case expr.Sub:
		return a - b
	case expr.Mul:
		return a * b
	case expr.Mod:
		if b == 0 {
			return 0
		}
		return a % b
	}
	return 0
}

func arithII(op expr.BinOp, out, a, b []int64) {
	switch op {
	case expr.Add:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case expr.Sub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case expr.Mul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	default:
		for i := range out {
			out[i] = opII(op, a[i], b[i])
		}
	}
}

func opFF(op expr.BinOp, a, b float64) float64 {
	switch op {
	case expr.Add:
		return a + b
	case expr.Sub:
		return a - b
	case expr.Mul:
		return a * b
	case expr.Div:
		return a / b
	case expr.Mod:
		return math.Mod(a, b)
	}
	return 0
}

func arithFF(op expr.BinOp, out, a, b []float64) {
	switch op {
	case expr.Add:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case expr.Sub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case expr.Mul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	case expr.Div:
		for i := range out {
			out[i] = a[i] / b[i]
		}
	default:
		for i := range out {
			out[i] = opFF(op, a[i], b[i])
		}
	}
}

func cmpResult(op expr.BinOp, c int) bool {
	switch op {
	case expr.Eq:
		return c == 0
	case expr.NotEq:
		return c != 0
	case expr.Lt:
		return c < 0
	case expr.LtEq:
		return c <= 0
	case expr.Gt:
		return c > 0
	}
	return c >= 0
}

func compare(ev *evaluator, op expr.BinOp, l, r *vec, out []bool, n int) error {
	idx := func(v *vec, i int) int {
		if v.scalar {
			return 0
		}
		return i
	}
	switch {
	case l.k == kInt && r.k == kInt:
		lv, rv := l.i, r.i
		if r.scalar && !l.scalar {
			c := rv[0]
			return parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
				cmpIntScalar(op, out[lo:hi], lv[lo:hi], c)
			})
		}
		return parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				a, b := lv[idx(l, i)], rv[idx(r, i)]
				c := 0
				if a < b {
					c = -1
				} else if a > b {
					c = 1
				}
				out[i] = cmpResult(op, c)
			}
		})
	case (l.k == kInt || l.k == kFloat || l.k == kBool) && (r.k == kInt || r.k == kFloat || r.k == kBool):
		lv, rv := l.floats(), r.floats()
		return parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				a, b := lv[idx(l, i)], rv[idx(r, i)]
				c := 0
				if a < b {
					c = -1
				} else if a > b {
					c = 1
				} else if a != b { // NaN
					c = 2
					if op == expr.NotEq {
						out[i] = true
					}
					continue
				}
				out[i] = cmpResult(op, c)
			}
		})
	case l.k == kStr && r.k == kStr:
		return parallelFor(ev.ctx, ev.env.Workers, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = cmpResult(op, strings.Compare(l.str(i), r.str(i)))
			}
		})
	}
	return fmt.Errorf("%w: cannot compare %s with %s", expr.ErrTypeMismatch, l.dt, r.dt)
}

func cmpIntScalar(op expr.BinOp, out []bool, a []int64, c int64) {
	switch op {
	case expr.Eq:
		for i, v := range a {
			out[i] = v == c
		}
	case expr.NotEq:
		for i, v := range a {
			out[i] = v != c
		}
	case expr.Lt:
		for i, v := range a {
			out[i] = v < c
		}
	case expr.LtEq:
		for i, v := range a {
			out[i] = v <= c
		}
	case expr.Gt:
		for i, v := range a {
			out[i] = v > c
		}
	default:
		for i, v := range a {
			out[i] = v >= c
		}
	}
}
