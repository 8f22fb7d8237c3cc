package physical

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// Differential tests of the fast paths (direct group keys, typed
// aggregates, exact integer corr, unique-build join probe, sampled dense
// encoding) against the general paths and simple references, with fixed
// seeds.

// genCol makes a column of n rows with card distinct values of kind
// ("int32", "int64", "str", "dict", "dictdup": a dictionary holding
// duplicate values), nulls with probability pNull.
func genCol(t testing.TB, mem memory.Allocator, r *rand.Rand, kind string, n, card int, pNull float64) arrow.Array {
	t.Helper()
	valid := make([]bool, n)
	for i := range valid {
		valid[i] = r.Float64() >= pNull
	}
	switch kind {
	case "int32", "int64", "str":
		return plainCol(t, mem, kind, valid, func(int) int { return r.IntN(card) })
	case "dict", "dictdup":
		db := array.NewStringBuilder(mem)
		defer db.Release()
		dn := card
		for j := 0; j < card; j++ {
			db.Append(fmt.Sprintf("k%03d", j))
		}
		if kind == "dictdup" {
			for j := 0; j < card; j += 2 {
				db.Append(fmt.Sprintf("k%03d", j)) // same value, second index
				dn++
			}
		}
		dict := db.NewArray()
		defer dict.Release()
		ib := array.NewInt32Builder(mem)
		defer ib.Release()
		for i := 0; i < n; i++ {
			if valid[i] {
				ib.Append(int32(r.IntN(dn)))
			} else {
				ib.AppendNull()
			}
		}
		ind := ib.NewArray()
		defer ind.Release()
		return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, ind, dict)
	}
	t.Fatalf("unknown kind %s", kind)
	return nil
}

// plainCol makes an int32, int64 or string column whose row i holds key
// key(i) (mapped to the kind's values; called once per row, in order)
// and is null where valid[i] is false.
func plainCol(t testing.TB, mem memory.Allocator, kind string, valid []bool, key func(i int) int) arrow.Array {
	t.Helper()
	switch kind {
	case "int32":
		b := array.NewInt32Builder(mem)
		defer b.Release()
		for i := range valid {
			b.Append(int32(key(i)) - 3)
		}
		return withNulls(t, mem, b.NewArray(), valid)
	case "int64":
		b := array.NewInt64Builder(mem)
		defer b.Release()
		for i := range valid {
			b.Append(int64(key(i))*1_000_003 - 7)
		}
		return withNulls(t, mem, b.NewArray(), valid)
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i, ok := range valid {
		if ok {
			b.Append(fmt.Sprintf("k%03d", key(i)))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray()
}

// withNulls returns a copy of a with the given validity (a is released).
func withNulls(t testing.TB, mem memory.Allocator, a arrow.Array, valid []bool) arrow.Array {
	t.Helper()
	defer a.Release()
	if !slices.Contains(valid, false) {
		a.Retain()
		return a
	}
	vb, nulls := validityFromBools(mem, valid)
	d := a.Data()
	bufs := slices.Clone(d.Buffers())
	bufs[0] = vb
	nd := array.NewData(d.DataType(), d.Len(), bufs, nil, nulls, 0)
	vb.Release()
	defer nd.Release()
	return array.MakeFromData(nd)
}

// keyString renders row i of cols (nulls as "<nil>"), as a reference
// grouping key.
func keyString(cols []arrow.Array, i int) string {
	var sb strings.Builder
	for _, c := range cols {
		if c.IsNull(i) {
			sb.WriteString("<nil>|")
			continue
		}
		sb.WriteString(c.ValueStr(i))
		sb.WriteByte('|')
	}
	return sb.String()
}

// checkGroups compares g with a map-based grouping of cols: equal keys
// share an id, different keys do not, First holds each group's first row.
func checkGroups(t *testing.T, cols []arrow.Array, n int, g *Groups) {
	t.Helper()
	ids := map[string]uint32{}
	var first []int32
	for i := 0; i < n; i++ {
		k := keyString(cols, i)
		id, ok := ids[k]
		if !ok {
			id = g.IDs[i]
			ids[k] = id
			first = append(first, int32(i))
			if int(id) >= g.N || g.First[id] != int32(i) {
				t.Fatalf("row %d (%s) starts group %d, but First says %v", i, k, id, g.First[min(int(id), len(g.First)-1)])
			}
		} else if g.IDs[i] != id {
			t.Fatalf("row %d (%s) has id %d, earlier rows %d", i, k, g.IDs[i], id)
		}
	}
	if g.N != len(ids) {
		t.Fatalf("N = %d, want %d groups", g.N, len(ids))
	}
}

func TestGroupKeysDirectDifferential(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cases := []struct {
		kinds []string
		card  int
		nulls float64
	}{
		{[]string{"dict"}, 100, 0},
		{[]string{"dictdup"}, 40, 0},
		{[]string{"int32"}, 100, 0},
		{[]string{"dict", "int32"}, 50, 0},
		{[]string{"int32", "dictdup", "int32"}, 20, 0},
		{[]string{"int32", "int32", "dict"}, 2000, 0}, // packed, hashed
		{[]string{"int32"}, 1 << 30, 0},               // packed, hashed
		{[]string{"dict"}, 100, 0.1},                  // nulls: codes path
		{[]string{"int64"}, 100, 0},                   // int64: codes path
		{[]string{"str", "int32"}, 9, 0},              // plain strings: codes path
	}
	for _, tc := range cases {
		for _, n := range []int{0, 1, 1000, 200_000} {
			for _, w := range []int{1, 3} {
				name := fmt.Sprintf("%s_card%d_null%g_n%d_w%d", strings.Join(tc.kinds, "+"), tc.card, tc.nulls, n, w)
				t.Run(name, func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(n), uint64(tc.card)))
					var cols []arrow.Array
					for _, k := range tc.kinds {
						cols = append(cols, genCol(t, mem, r, k, n, tc.card, tc.nulls))
					}
					defer func() {
						for _, c := range cols {
							c.Release()
						}
					}()
					env := &Env{Mem: mem, Workers: w}
					ctx := context.Background()
					g, err := groupKeys(ctx, env, cols, n)
					if err != nil {
						t.Fatal(err)
					}
					checkGroups(t, cols, n, g)
					// The direct path numbers groups as the codes path does.
					ref, err := groupKeysCodes(ctx, env, cols, n)
					if err != nil {
						t.Fatal(err)
					}
					if g.N != ref.N || !slices.Equal(g.IDs, ref.IDs) || !slices.Equal(g.First, ref.First) {
						t.Fatalf("direct and codes paths differ: N %d vs %d", g.N, ref.N)
					}
				})
			}
		}
	}
}

// TestAggregateFastDifferential compares the typed kernels (bare columns)
// with the vec path (the same column behind an alias).
func TestAggregateFastDifferential(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	for _, n := range []int{1, 500, 300_000} {
		for _, kind := range []string{"int32", "int64", "float64"} {
			t.Run(fmt.Sprintf("%s_%d", kind, n), func(t *testing.T) {
				r := rand.New(rand.NewPCG(7, uint64(n)))
				key := genCol(t, mem, r, "dict", n, 37, 0)
				defer key.Release()
				var x, y arrow.Array
				switch kind {
				case "float64":
					b := array.NewFloat64Builder(mem)
					for i := 0; i < n; i++ {
						b.Append(r.NormFloat64() * 100)
					}
					x = b.NewArray()
					b.Release()
				default:
					x = genCol(t, mem, r, kind, n, 1000, 0)
				}
				y = genCol(t, mem, r, "int32", n, 15, 0)
				defer x.Release()
				defer y.Release()
				tb := &Table{Schema: arrow.NewSchema([]arrow.Field{{Name: "x", Type: x.DataType()}, {Name: "y", Type: y.DataType()}}, nil), Cols: []arrow.Array{x, y}, Rows: n}
				env := &Env{Mem: mem, Workers: 2}
				g, err := groupKeys(ctx, env, []arrow.Array{key}, n)
				if err != nil {
					t.Fatal(err)
				}
				col := func(s string) expr.Expr { return expr.Column{Name: s} }
				slow := func(s string) expr.Expr { return expr.Alias{X: expr.Column{Name: s}, Name: s} }
				for _, f := range []expr.AggFunc{expr.AggSum, expr.AggMean, expr.AggCount, expr.AggCorr, expr.AggMin, expr.AggMax} {
					fast, err := aggregate(ctx, env, tb, g, expr.Agg{Func: f, X: col("x"), Y: col("y")})
					if err != nil {
						t.Fatal(err)
					}
					want, err := aggregate(ctx, env, tb, g, expr.Agg{Func: f, X: slow("x"), Y: slow("y")})
					if err != nil {
						t.Fatal(err)
					}
					if !arrow.TypeEqual(fast.DataType(), want.DataType()) || fast.Len() != want.Len() {
						t.Fatalf("%s: got %s[%d], want %s[%d]", f, fast.DataType(), fast.Len(), want.DataType(), want.Len())
					}
					for i := 0; i < fast.Len(); i++ {
						if fast.IsNull(i) != want.IsNull(i) {
							t.Fatalf("%s group %d: null %v, want %v", f, i, fast.IsNull(i), want.IsNull(i))
						}
						if fast.IsNull(i) {
							continue
						}
						a, b := numAt(fast, i), numAt(want, i)
						if !(math.IsNaN(a) && math.IsNaN(b)) && math.Abs(a-b) > 1e-9*math.Max(1, math.Abs(b)) {
							t.Fatalf("%s group %d: got %v, want %v", f, i, a, b)
						}
					}
					fast.Release()
					want.Release()
				}
			})
		}
	}
}

func numAt(a arrow.Array, i int) float64 {
	switch v := a.(type) {
	case *array.Int64:
		return float64(v.Value(i))
	case *array.Float64:
		return v.Value(i)
	}
	panic(a.DataType().String())
}

// refPairs is the nested-loop join of key columns l and r: "li,ri" pairs
// (ri -1: unmatched left row of a left/full join; li -1: unmatched right
// row of a full join), sorted.
func refPairs(l, r arrow.Array, how plan.JoinType) []string {
	var out []string
	matched := make([]bool, r.Len())
	for i := 0; i < l.Len(); i++ {
		found := false
		for j := 0; j < r.Len(); j++ {
			if l.IsValid(i) && r.IsValid(j) && l.ValueStr(i) == r.ValueStr(j) {
				found, matched[j] = true, true
				if how != plan.Semi && how != plan.Anti {
					out = append(out, fmt.Sprintf("%d,%d", i, j))
				}
			}
		}
		switch {
		case how == plan.Semi && found, how == plan.Anti && !found:
			out = append(out, fmt.Sprint(i))
		case (how == plan.Left || how == plan.Full) && !found:
			out = append(out, fmt.Sprintf("%d,-1", i))
		}
	}
	if how == plan.Full {
		for j, m := range matched {
			if !m {
				out = append(out, fmt.Sprintf("-1,%d", j))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestJoinIndicesDifferential checks unique and duplicate build sides,
// with and without nulls, over every key kind and join type.
func TestJoinIndicesDifferential(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	for _, kind := range []string{"int32", "int64", "str", "dict"} {
		for _, unique := range []bool{true, false} {
			for _, nulls := range []float64{0, 0.1} {
				for _, how := range []plan.JoinType{plan.Inner, plan.Left, plan.Semi, plan.Anti, plan.Full} {
					name := fmt.Sprintf("%s_unique%v_null%g_%s", kind, unique, nulls, how)
					t.Run(name, func(t *testing.T) {
						r := rand.New(rand.NewPCG(11, uint64(len(name))))
						nl, nr := 400, 60
						l := genCol(t, mem, r, kind, nl, 80, nulls)
						defer l.Release()
						var rk arrow.Array
						if unique {
							rk = uniqueCol(t, mem, r, kind, nr, 80, nulls)
						} else {
							rk = genCol(t, mem, r, kind, nr, 30, nulls)
						}
						defer rk.Release()
						env := &Env{Mem: mem, Workers: 2}
						li, ri, err := joinIndices(ctx, env, how, []arrow.Array{l}, []arrow.Array{rk}, nl, nr)
						if err != nil {
							t.Fatal(err)
						}
						var got []string
						if how == plan.Semi || how == plan.Anti {
							for _, i := range li {
								got = append(got, fmt.Sprint(i))
							}
						} else {
							for k := range ri {
								i := int32(k) // li nil: the identity
								if li != nil {
									i = li[k]
								}
								got = append(got, fmt.Sprintf("%d,%d", i, ri[k]))
							}
						}
						slices.Sort(got)
						want := refPairs(l, rk, how)
						if !slices.Equal(got, want) {
							t.Fatalf("got %d pairs, want %d\n got %v\nwant %v", len(got), len(want), head(got), head(want))
						}
					})
				}
			}
		}
	}
}

func head(xs []string) []string { return xs[:min(len(xs), 10)] }

// uniqueCol is genCol with distinct non-null values (a random subset of
// [0, card) for integers, of the dictionary for strings).
func uniqueCol(t testing.TB, mem memory.Allocator, r *rand.Rand, kind string, n, card int, pNull float64) arrow.Array {
	t.Helper()
	perm := r.Perm(card)[:n]
	valid := make([]bool, n)
	for i := range valid {
		valid[i] = r.Float64() >= pNull
	}
	switch kind {
	case "int32", "int64", "str":
		return plainCol(t, mem, kind, valid, func(i int) int { return perm[i] })
	}
	db := array.NewStringBuilder(mem)
	defer db.Release()
	for _, v := range perm {
		db.Append(fmt.Sprintf("k%03d", v))
	}
	dict := db.NewArray()
	defer dict.Release()
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	for i := 0; i < n; i++ {
		if valid[i] {
			ib.Append(int32(i))
		} else {
			ib.AppendNull()
		}
	}
	ind := ib.NewArray()
	defer ind.Release()
	return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, ind, dict)
}

// TestCancelLongLoops checks that a cancelled query stops with ctx's
// error instead of running its serial loops to the end.
func TestCancelLongLoops(t *testing.T) {
	mem := memory.NewGoAllocator()
	r := rand.New(rand.NewPCG(3, 4))
	n := 1 << 20
	keys := genCol(t, mem, r, "int64", n, 1<<30, 0)
	defer keys.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env := &Env{Mem: mem, Workers: 2}
	if _, err := groupKeys(ctx, env, []arrow.Array{keys}, n); !errors.Is(err, context.Canceled) {
		t.Errorf("groupKeys: got %v, want context.Canceled", err)
	}
	if _, _, err := joinIndices(ctx, env, plan.Inner, []arrow.Array{keys}, []arrow.Array{keys}, n, n); !errors.Is(err, context.Canceled) {
		t.Errorf("joinIndices: got %v, want context.Canceled", err)
	}
	if _, err := take(ctx, env, keys, make([]int32, n)); !errors.Is(err, context.Canceled) {
		t.Errorf("take: got %v, want context.Canceled", err)
	}
}

func BenchmarkGroupKeysDict(b *testing.B) {
	for _, path := range []string{"direct", "codes"} {
		b.Run(path, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			r := rand.New(rand.NewPCG(1, 2))
			n := 1 << 22
			cols := []arrow.Array{genCol(b, mem, r, "dict", n, 100, 0), genCol(b, mem, r, "int32", n, 100, 0)}
			env := &Env{Mem: mem, Workers: 2}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var err error
				if path == "direct" {
					_, err = groupKeys(context.Background(), env, cols, n)
				} else {
					_, err = groupKeysCodes(context.Background(), env, cols, n)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkSumInt32(b *testing.B) {
	mem := memory.NewGoAllocator()
	r := rand.New(rand.NewPCG(1, 2))
	n := 1 << 22
	key := genCol(b, mem, r, "dict", n, 100, 0)
	x := genCol(b, mem, r, "int32", n, 100, 0)
	env := &Env{Mem: mem, Workers: 2}
	g, err := groupKeys(context.Background(), env, []arrow.Array{key}, n)
	if err != nil {
		b.Fatal(err)
	}
	tb := &Table{Schema: arrow.NewSchema([]arrow.Field{{Name: "x", Type: x.DataType()}}, nil), Cols: []arrow.Array{x}, Rows: n}
	for _, path := range []string{"typed", "vec"} {
		b.Run(path, func(b *testing.B) {
			var e expr.Expr = expr.Column{Name: "x"}
			if path == "vec" {
				e = expr.Alias{X: e, Name: "x"}
			}
			for i := 0; i < b.N; i++ {
				a, err := aggregate(context.Background(), env, tb, g, expr.Agg{Func: expr.AggSum, X: e})
				if err != nil {
					b.Fatal(err)
				}
				a.Release()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkJoinIndicesUnique(b *testing.B) {
	mem := memory.NewGoAllocator()
	r := rand.New(rand.NewPCG(1, 2))
	nl, nr := 1<<22, 1<<20
	l := genCol(b, mem, r, "int32", nl, nr*11/10, 0)
	rk := uniqueCol(b, mem, r, "int32", nr, nr*11/10, 0)
	env := &Env{Mem: mem, Workers: 2}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := joinIndices(context.Background(), env, plan.Inner, []arrow.Array{l}, []arrow.Array{rk}, nl, nr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(nl)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestTakeColumnsDifferential compares the one-pass gather of many
// columns with take column by column (nulls, negative indices,
// dictionaries, sliced arrays, strings).
func TestTakeColumnsDifferential(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	for _, n := range []int{0, 5, 200_000} {
		for _, neg := range []bool{false, true} {
			t.Run(fmt.Sprintf("n%d_neg%v", n, neg), func(t *testing.T) {
				r := rand.New(rand.NewPCG(5, uint64(n)))
				var cols []arrow.Array
				for _, k := range []string{"int32", "int64", "dict", "str"} {
					for _, p := range []float64{0, 0.2} {
						cols = append(cols, genCol(t, mem, r, k, n+3, 50, p))
					}
				}
				f := array.NewFloat64Builder(mem)
				for i := 0; i < n+3; i++ {
					f.Append(r.Float64())
				}
				cols = append(cols, f.NewArray())
				f.Release()
				for i, c := range cols {
					cols[i] = array.NewSlice(c, 2, int64(n+3)) // offset 2
					c.Release()
				}
				defer func() {
					for _, c := range cols {
						c.Release()
					}
				}()
				idx := make([]int32, n*2)
				for i := range idx {
					idx[i] = int32(r.IntN(n + 1))
					if neg && r.IntN(5) == 0 || idx[i] == int32(n) {
						idx[i] = -1
					}
				}
				env := &Env{Mem: mem, Workers: 2}
				ix, err := newIndex(ctx, env, idx)
				if err != nil {
					t.Fatal(err)
				}
				defer ix.release()
				got, err := takeColumns(ctx, env, cols, ix, len(idx))
				if err != nil {
					t.Fatal(err)
				}
				for i, c := range cols {
					want, err := take(ctx, env, c, idx)
					if err != nil {
						t.Fatal(err)
					}
					if !array.Equal(got[i], want) {
						t.Errorf("column %d (%s): got %v, want %v", i, c.DataType(), got[i], want)
					}
					want.Release()
					got[i].Release()
				}
			})
		}
	}
}

// TestCancelLatency cancels long kernels while they run and checks they
// return ctx's error soon after (100 ms is the target; the bound here is
// looser so a loaded CI machine does not fail it).
func TestCancelLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	mem := memory.NewGoAllocator()
	r := rand.New(rand.NewPCG(8, 9))
	n := 1 << 23
	keys := genCol(t, mem, r, "int64", n, 1<<40, 0)
	defer keys.Release()
	env := &Env{Mem: mem, Workers: 2}
	kernels := map[string]func(ctx context.Context) error{
		"groupKeys": func(ctx context.Context) error {
			_, err := groupKeys(ctx, env, []arrow.Array{keys}, n)
			return err
		},
		"joinIndices": func(ctx context.Context) error {
			_, _, err := joinIndices(ctx, env, plan.Inner, []arrow.Array{keys}, []arrow.Array{keys}, n, n)
			return err
		},
		"sortIndices": func(ctx context.Context) error {
			_, err := sortIndices(ctx, env, []arrow.Array{keys, keys}, []bool{false, true}, []bool{false, false}, n)
			return err
		},
	}
	for name, run := range kernels {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx) }()
			time.Sleep(30 * time.Millisecond)
			cancel()
			start := time.Now()
			select {
			case err := <-done:
				lat := time.Since(start)
				t.Logf("%s returned %v %v after cancel", name, err, lat)
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want context.Canceled", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("still running 2s after cancel")
			}
		})
	}
}
