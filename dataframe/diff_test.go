package dataframe

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// randFrame builds a frame with nullable int/string/float keys and values.
func randFrame(r *rand.Rand, n, card int, nullFrac float64) *Frame {
	k1 := make([]any, n)
	k2 := make([]any, n)
	v := make([]any, n)
	w := make([]any, n)
	for i := 0; i < n; i++ {
		if r.Float64() >= nullFrac {
			k1[i] = int64(r.IntN(card) - card/2)
		}
		if r.Float64() >= nullFrac {
			k2[i] = fmt.Sprintf("s%d", r.IntN(card))
		}
		if r.Float64() >= nullFrac {
			v[i] = float64(r.IntN(1000)) / 8
		}
		w[i] = int64(r.IntN(50))
	}
	f, err := FromColumns(map[string]any{"k1": k1, "k2": k2, "v": v, "w": w})
	if err != nil {
		panic(err)
	}
	return f
}

func rowKey(f *Frame, row int, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		v, _ := f.Value(row, c)
		parts[i] = fmt.Sprintf("%v", v)
	}
	return strings.Join(parts, "|")
}

// refGroupBy computes sum/count/min/max/mean/median/n_unique/first of v by
// keys with maps; returns key -> formatted aggregates.
func refGroupBy(f *Frame, keys []string) map[string]string {
	type acc struct {
		vals  []float64
		all   int
		first any
		ws    map[int64]bool
	}
	m := map[string]*acc{}
	var order []string
	for i := 0; i < f.NumRows(); i++ {
		k := rowKey(f, i, keys)
		a, ok := m[k]
		if !ok {
			fv, _ := f.Value(i, "v")
			a = &acc{first: fv, ws: map[int64]bool{}}
			m[k] = a
			order = append(order, k)
		}
		a.all++
		wv, _ := f.Value(i, "w")
		a.ws[wv.(int64)] = true
		if v, _ := f.Value(i, "v"); v != nil {
			a.vals = append(a.vals, v.(float64))
		}
	}
	out := map[string]string{}
	for k, a := range m {
		sum, mn, mx := 0.0, math.Inf(1), math.Inf(-1)
		for _, x := range a.vals {
			sum += x
			mn, mx = math.Min(mn, x), math.Max(mx, x)
		}
		var mean, med any
		var minv, maxv any
		if len(a.vals) > 0 {
			mean = sum / float64(len(a.vals))
			s := append([]float64(nil), a.vals...)
			sort.Float64s(s)
			if len(s)%2 == 1 {
				med = s[len(s)/2]
			} else {
				med = (s[len(s)/2-1] + s[len(s)/2]) / 2
			}
			minv, maxv = mn, mx
		}
		out[k] = fmt.Sprintf("sum=%.6g count=%d len=%d min=%v max=%v mean=%.6g median=%v nuniq=%d first=%v",
			sum, len(a.vals), a.all, minv, maxv, fmtF(mean), med, len(a.ws), a.first)
	}
	return out
}

func fmtF(v any) any {
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%.6g", f)
	}
	return v
}

func TestGroupByDifferential(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		n, card int
		null    float64
		keys    []string
	}{
		{0, 3, 0, []string{"k1"}},
		{1, 3, 0, []string{"k2"}},
		{50, 3, 0.2, []string{"k1"}},
		{500, 10, 0.1, []string{"k2"}},
		{3000, 40, 0.05, []string{"k1", "k2"}},
		{80_000, 20, 0.01, []string{"k2", "k1"}},  // parallel, local tables
		{70_000, 50_000, 0, []string{"k1", "k2"}}, // many groups, partitioned tables
	} {
		name := fmt.Sprintf("n%d_card%d_%s", tc.n, tc.card, strings.Join(tc.keys, "_"))
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.n), 7))
			f := randFrame(r, tc.n, tc.card, tc.null)
			keys := make([]any, len(tc.keys))
			for i, k := range tc.keys {
				keys[i] = k
			}
			got, err := f.Lazy().GroupBy(keys...).Agg(
				Col("v").Sum().Alias("sum"), Col("v").Count().Alias("count"), Len().Alias("len"),
				Col("v").Min().Alias("min"), Col("v").Max().Alias("max"), Col("v").Mean().Alias("mean"),
				Col("v").Median().Alias("median"), Col("w").NUnique().Alias("nuniq"), Col("v").First().Alias("first"),
			).Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := refGroupBy(f, tc.keys)
			if got.NumRows() != len(want) {
				t.Fatalf("got %d groups, want %d", got.NumRows(), len(want))
			}
			for i := 0; i < got.NumRows(); i++ {
				k := rowKey(got, i, tc.keys)
				g := func(c string) any { v, _ := got.Value(i, c); return v }
				line := fmt.Sprintf("sum=%.6g count=%d len=%d min=%v max=%v mean=%.6g median=%v nuniq=%d first=%v",
					g("sum"), g("count"), g("len"), g("min"), g("max"), fmtF(g("mean")), g("median"), g("nuniq"), g("first"))
				if want[k] != line {
					t.Fatalf("group %s: got %s, want %s", k, line, want[k])
				}
			}
		})
	}
}

func refJoin(l, r *Frame, key string, how JoinType) []string {
	var out []string
	matchedR := map[int]bool{}
	for i := 0; i < l.NumRows(); i++ {
		lk, _ := l.Value(i, key)
		found := false
		for j := 0; j < r.NumRows(); j++ {
			rk, _ := r.Value(j, key)
			if lk != nil && lk == rk {
				found = true
				matchedR[j] = true
				if how != Semi && how != Anti {
					out = append(out, fmt.Sprintf("%v|%v|%v", lk, mustVal(l, i, "w"), mustVal(r, j, "v")))
				}
			}
		}
		switch {
		case how == Semi && found, how == Anti && !found:
			out = append(out, fmt.Sprintf("%v|%v", lk, mustVal(l, i, "w")))
		case (how == Left || how == Full) && !found:
			out = append(out, fmt.Sprintf("%v|%v|<nil>", lk, mustVal(l, i, "w")))
		}
	}
	if how == Full {
		for j := 0; j < r.NumRows(); j++ {
			if !matchedR[j] {
				out = append(out, fmt.Sprintf("<nil>|<nil>|%v", mustVal(r, j, "v")))
			}
		}
	}
	sort.Strings(out)
	return out
}

func mustVal(f *Frame, i int, c string) any { v, _ := f.Value(i, c); return v }

func TestJoinDifferential(t *testing.T) {
	for _, key := range []string{"k1", "k2"} {
		for _, how := range []JoinType{Inner, Left, Full, Semi, Anti} {
			for _, n := range []int{0, 7, 300} {
				t.Run(fmt.Sprintf("%s_%s_%d", key, how, n), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(n), uint64(how)))
					lf := randFrame(r, n, 20, 0.1)
					rf0 := randFrame(r, n/2+1, 20, 0.1)
					rf, err := rf0.Select(key, "v")
					if err != nil {
						t.Fatal(err)
					}
					lsel, _ := lf.Select(key, "w")
					got, err := lsel.Join(rf, JoinOptions{On: []string{key}, How: how})
					if err != nil {
						t.Fatal(err)
					}
					var lines []string
					for i := 0; i < got.NumRows(); i++ {
						switch how {
						case Semi, Anti:
							lines = append(lines, fmt.Sprintf("%v|%v", mustVal(got, i, key), mustVal(got, i, "w")))
						case Full:
							lines = append(lines, fmt.Sprintf("%v|%v|%v", mustVal(got, i, key), mustVal(got, i, "w"), mustVal(got, i, "v")))
						default:
							lines = append(lines, fmt.Sprintf("%v|%v|%v", mustVal(got, i, key), mustVal(got, i, "w"), mustVal(got, i, "v")))
						}
					}
					sort.Strings(lines)
					want := refJoin(lsel, rf, key, how)
					if strings.Join(lines, "\n") != strings.Join(want, "\n") {
						t.Fatalf("got %d rows, want %d\n got: %q\nwant: %q", len(lines), len(want), head(lines), head(want))
					}
				})
			}
		}
	}
}

func head(xs []string) []string { return xs[:min(len(xs), 8)] }

func TestJoinMultiKeyRightCross(t *testing.T) {
	l := mustFrame(t, map[string]any{"a": []int64{1, 1, 2, 3}, "b": []string{"x", "y", "x", "x"}, "l": []int64{10, 11, 12, 13}})
	r := mustFrame(t, map[string]any{"a": []int64{1, 2, 2, 9}, "b": []string{"y", "x", "x", "x"}, "r": []int64{20, 21, 22, 23}})
	got, err := l.Join(r, JoinOptions{On: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != mustFrame(t, map[string]any{"a": []int64{1, 2, 2}, "b": []string{"y", "x", "x"}, "l": []int64{11, 12, 12}, "r": []int64{20, 21, 22}}).String() {
		t.Errorf("inner multi-key:\n%v", got)
	}
	right, err := l.Join(r, JoinOptions{On: []string{"a", "b"}, How: Right})
	if err != nil {
		t.Fatal(err)
	}
	if right.NumRows() != 4 {
		t.Errorf("right join rows %d, want 4:\n%v", right.NumRows(), right)
	}
	if v, _ := right.Value(3, "a"); v != int64(9) {
		t.Errorf("right join keeps right key, got %v", v)
	}
	cross, err := l.Join(r, JoinOptions{How: Cross})
	if err != nil || cross.NumRows() != 16 {
		t.Errorf("cross: %v %v", err, cross)
	}
}

func TestSortDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	f := randFrame(r, 2000, 15, 0.1)
	for _, tc := range []struct {
		by        []any
		desc      []bool
		nullsLast []bool
	}{
		{[]any{"k1"}, nil, nil},
		{[]any{"k2"}, []bool{true}, nil},
		{[]any{"v"}, nil, []bool{true}},
		{[]any{"k2", "v"}, []bool{false, true}, []bool{true, false}},
		{[]any{"k1", "k2", "w"}, []bool{true, false, true}, nil},
	} {
		t.Run(fmt.Sprint(tc.by, tc.desc, tc.nullsLast), func(t *testing.T) {
			got, err := f.Sort(SortOptions{By: tc.by, Descending: tc.desc, NullsLast: tc.nullsLast})
			if err != nil {
				t.Fatal(err)
			}
			idx := make([]int, f.NumRows())
			for i := range idx {
				idx[i] = i
			}
			flag := func(v []bool, k int) bool {
				if len(v) == 0 {
					return false
				}
				if len(v) == 1 {
					return v[0]
				}
				return v[k]
			}
			sort.SliceStable(idx, func(a, b int) bool {
				for k, c := range tc.by {
					va, vb := mustVal(f, idx[a], c.(string)), mustVal(f, idx[b], c.(string))
					if va == nil || vb == nil {
						if (va == nil) == (vb == nil) {
							continue
						}
						return (va == nil) != flag(tc.nullsLast, k)
					}
					c := cmpAny(va, vb)
					if c == 0 {
						continue
					}
					return (c < 0) != flag(tc.desc, k)
				}
				return false
			})
			cols := []string{"k1", "k2", "v", "w"}
			for i, j := range idx {
				if a, b := rowKey(got, i, cols), rowKey(f, j, cols); a != b {
					t.Fatalf("row %d: got %s, want %s", i, a, b)
				}
			}
		})
	}
}

func cmpAny(a, b any) int {
	switch x := a.(type) {
	case int64:
		y := b.(int64)
		return map[bool]int{true: -1, false: 1}[x < y] * boolInt(x != y)
	case float64:
		y := b.(float64)
		return map[bool]int{true: -1, false: 1}[x < y] * boolInt(x != y)
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestOptimizerDifferential runs queries with and without the optimizer.
func TestOptimizerDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	f := randFrame(r, 3000, 25, 0.05)
	g := randFrame(r, 500, 25, 0.05)
	x := f.Lazy()
	queries := map[string]*LazyFrame{
		"filter-select":   x.Select("k1", "v", Col("w").Mul(2).Alias("w2")).Filter(Col("w2").Gt(20), Col("k1").Gt(0)),
		"filter-groupby":  x.GroupBy("k2").Agg(Col("v").Sum().Alias("s")).Filter(Col("k2").Ne("s3")).SortBy("k2"),
		"join-filter":     x.Join(g.Lazy().Select("k1", Col("v").Alias("gv")), JoinOptions{On: []string{"k1"}}).Filter(Col("w").Lt(10), Col("gv").Gt(50)),
		"constant-fold":   x.Filter(Lit(1).Add(1).Eq(2).And(Col("w").Gt(Lit(10).Mul(2)))).Select("w"),
		"cse":             x.Select(Col("v").Mul(2).Add(1).Alias("a"), Col("v").Mul(2).Add(1).Mul(3).Alias("b")),
		"with-columns":    x.WithColumns(Col("w").Add(Col("k1")).Alias("t"), Col("w").Add(Col("k1")).Mul(2).Alias("u")).Filter(Col("t").Gt(0)).Drop("k2"),
		"rename-filter":   x.Rename("k1", "key").Filter(Col("key").Ge(3)).Select("key", "w"),
		"sort-limit":      x.Sort(SortOptions{By: []any{"w", "k1"}}).Head(50).Filter(Col("w").Gt(5)),
		"unique":          x.Select("k2").Unique().Filter(Col("k2").IsNotNull()),
		"window":          x.WithColumns(Col("v").Sum().Over("k2").Alias("s")).Filter(Col("w").Gt(3)),
		"left-join-right": x.Join(g.Lazy().Select("k2", Col("w").Alias("gw")), JoinOptions{On: []string{"k2"}, How: Left}).Filter(Col("gw").Gt(2)),
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			a, err := q.Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b, err := q.CollectWith(context.Background(), CollectOptions{NoOptimize: true})
			if err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() || a.NumRows() != b.NumRows() {
				t.Fatalf("optimized:\n%v\nunoptimized:\n%v", a, b)
			}
			for i := 0; i < a.NumRows(); i++ {
				if ra, rb := rowKey(a, i, a.Columns()), rowKey(b, i, b.Columns()); ra != rb {
					t.Fatalf("row %d: %s vs %s", i, ra, rb)
				}
			}
		})
	}
}

func TestJoinCategorical(t *testing.T) {
	for _, how := range []JoinType{Inner, Left, Anti} {
		r := rand.New(rand.NewPCG(21, uint64(how)))
		lf := randFrame(r, 400, 30, 0.1)
		rf := randFrame(r, 60, 30, 0.1)
		plain, err := lf.Lazy().Select("k2", "w").Join(rf.Lazy().Select("k2", "v"), JoinOptions{On: []string{"k2"}, How: how}).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, side := range []string{"left", "right", "both"} {
			l, rr := lf.Lazy().Select("k2", "w"), rf.Lazy().Select("k2", "v")
			if side != "right" {
				l = l.WithColumns(Col("k2").Cast(Categorical))
			}
			if side != "left" {
				rr = rr.WithColumns(Col("k2").Cast(Categorical))
			}
			got, err := l.Join(rr, JoinOptions{On: []string{"k2"}, How: how}).Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got.NumRows() != plain.NumRows() {
				t.Fatalf("%s %s: %d rows, want %d", how, side, got.NumRows(), plain.NumRows())
			}
			for i := 0; i < got.NumRows(); i++ {
				if a, b := rowKey(got, i, []string{"k2", "w", "v"}[:2+boolInt(how != Anti)]), rowKey(plain, i, []string{"k2", "w", "v"}[:2+boolInt(how != Anti)]); a != b {
					t.Fatalf("%s %s row %d: %s vs %s", how, side, i, a, b)
				}
			}
		}
	}
}
