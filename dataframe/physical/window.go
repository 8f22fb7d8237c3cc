package physical

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/expr"
)

// materializeWindows evaluates every window sub-expression of exprs into a
// temporary column of an extended table and returns the table plus the
// expressions rewritten to reference those columns. When exprs hold no
// windows it returns in unchanged (same pointer).
func materializeWindows(ctx context.Context, env *Env, in *Table, exprs []expr.Expr) (*Table, []expr.Expr, error) {
	has := false
	for _, e := range exprs {
		if expr.HasWindow(e) {
			has = true
		}
	}
	if !has {
		return in, exprs, nil
	}
	ext := &Table{Schema: in.Schema, Rows: in.Rows}
	for _, c := range in.Cols {
		c.Retain()
		ext.Cols = append(ext.Cols, c)
	}
	fields := append([]arrow.Field(nil), in.Schema.Fields()...)
	done := map[string]string{}
	var firstErr error
	out := make([]expr.Expr, len(exprs))
	for i, e := range exprs {
		out[i] = expr.Transform(e, func(n expr.Expr) expr.Expr {
			w, ok := n.(expr.Window)
			if !ok || firstErr != nil {
				return n
			}
			key := w.String()
			if name, ok := done[key]; ok {
				return expr.Column{Name: name}
			}
			a, err := evalWindow(ctx, env, in, w)
			if err != nil {
				firstErr = err
				return n
			}
			name := fmt.Sprintf("__win_%d", len(done))
			done[key] = name
			ext.Cols = append(ext.Cols, a)
			fields = append(fields, arrow.Field{Name: name, Type: a.DataType(), Nullable: true})
			return expr.Column{Name: name}
		})
	}
	ext.Schema = arrow.NewSchema(fields, nil)
	if firstErr != nil {
		ext.Release()
		return nil, nil, firstErr
	}
	return ext, out, nil
}

func evalWindow(ctx context.Context, env *Env, in *Table, w expr.Window) (arrow.Array, error) {
	var parts []arrow.Array
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	for _, p := range w.PartitionBy {
		a, err := EvalArray(ctx, env, in, p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, a)
	}
	g, err := groupKeys(ctx, env, parts, in.Rows)
	if err != nil {
		return nil, err
	}
	switch w.Name {
	case "over":
		// Aggregate per partition then broadcast back with the group ids.
		kt := &Table{Schema: in.Schema, Cols: in.Cols, Rows: in.Rows}
		per, err := groupByGroups(ctx, env, kt, g, w.X)
		if err != nil {
			return nil, err
		}
		defer per.Release()
		idx := make([]int32, in.Rows)
		for i, id := range g.IDs {
			idx[i] = int32(id)
		}
		return take(ctx, env, per, idx)
	case "cum_sum":
		x, err := EvalArray(ctx, env, in, w.X)
		if err != nil {
			return nil, err
		}
		defer x.Release()
		v, err := vecFromArray(x)
		if err != nil {
			return nil, err
		}
		valid := v.valid
		if v.k == kInt {
			acc := make([]int64, g.N)
			out := make([]int64, in.Rows)
			for i, id := range g.IDs {
				if valid == nil || valid[i] {
					acc[id] += v.i[i]
				}
				out[i] = acc[id]
			}
			return int64Array(env.Mem, arrow.PrimitiveTypes.Int64, out, valid), nil
		}
		fv := v.floats()
		acc := make([]float64, g.N)
		out := make([]float64, in.Rows)
		for i, id := range g.IDs {
			if valid == nil || valid[i] {
				acc[id] += fv[i]
			}
			out[i] = acc[id]
		}
		return float64Array(env.Mem, out, valid), nil
	case "lag", "lead":
		x, err := EvalArray(ctx, env, in, w.X)
		if err != nil {
			return nil, err
		}
		defer x.Release()
		off, rows := groupCSR(g)
		idx := make([]int32, in.Rows)
		d := w.Offset
		if w.Name == "lead" {
			d = -d
		}
		for gi := 0; gi < g.N; gi++ {
			rs := rows[off[gi]:off[gi+1]]
			for j, r := range rs {
				k := j - d
				if k >= 0 && k < len(rs) {
					idx[r] = rs[k]
				} else {
					idx[r] = -1
				}
			}
		}
		return take(ctx, env, x, idx)
	case "rank":
		x, err := EvalArray(ctx, env, in, w.X)
		if err != nil {
			return nil, err
		}
		defer x.Release()
		gidArr := make([]int64, in.Rows)
		for i, id := range g.IDs {
			gidArr[i] = int64(id)
		}
		ga := int64Array(env.Mem, arrow.PrimitiveTypes.Int64, gidArr, nil)
		defer ga.Release()
		order, err := sortIndices(ctx, env, []arrow.Array{ga, x}, []bool{false, w.Desc}, []bool{false, true}, in.Rows)
		if err != nil {
			return nil, err
		}
		xv, err := vecFromArray(x)
		if err != nil {
			return nil, err
		}
		ranks := make([]int64, in.Rows)
		var prevG uint32
		rank, pos := int64(0), int64(0)
		for j, r := range order {
			id := g.IDs[r]
			if j == 0 || id != prevG {
				pos, rank = 0, 0
			}
			pos++
			if pos == 1 || !sameValue(xv, int(order[j-1]), int(r)) {
				rank = pos
			}
			ranks[r] = rank
			prevG = id
		}
		return int64Array(env.Mem, arrow.PrimitiveTypes.Int64, ranks, nil), nil
	}
	return nil, fmt.Errorf("%w: window function %q", expr.ErrUnsupported, w.Name)
}

func sameValue(v *vec, a, b int) bool {
	va, vb := v.isValid(a), v.isValid(b)
	if !va || !vb {
		return va == vb
	}
	switch v.k {
	case kInt:
		return v.i[a] == v.i[b]
	case kFloat:
		return v.f[a] == v.f[b]
	case kBool:
		return v.b[a] == v.b[b]
	case kStr:
		return v.str(a) == v.str(b)
	}
	return false
}

// groupByGroups evaluates aggregate expression e for precomputed groups.
func groupByGroups(ctx context.Context, env *Env, in *Table, g *Groups, e expr.Expr) (arrow.Array, error) {
	var cols []arrow.Array
	var fields []arrow.Field
	var aerr error
	r := expr.Transform(e, func(n expr.Expr) expr.Expr {
		ag, ok := n.(expr.Agg)
		if !ok || aerr != nil {
			return n
		}
		a, err := aggregate(ctx, env, in, g, ag)
		if err != nil {
			aerr = err
			return n
		}
		name := fmt.Sprintf("__agg_%d", len(cols))
		cols = append(cols, a)
		fields = append(fields, arrow.Field{Name: name, Type: a.DataType(), Nullable: true})
		return expr.Column{Name: name}
	})
	mid := &Table{Schema: arrow.NewSchema(fields, nil), Cols: cols, Rows: g.N}
	defer mid.Release()
	if aerr != nil {
		return nil, aerr
	}
	if !expr.HasAgg(e) {
		return nil, fmt.Errorf("%w: .Over() needs an aggregate expression, got %s", expr.ErrInvalidArgument, e)
	}
	return EvalArray(ctx, env, mid, r)
}
