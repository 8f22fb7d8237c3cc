package dbbench_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/bench/dbbench"
	"github.com/golab-dev/golab/bench/dbbench/gen"
	"github.com/golab-dev/golab/bench/dbbench/golab"
)

// Smoke run of the GoLab side at small N: every question's shape and
// checksum must equal a naive reference computed here from the generated
// columns.
func TestGolabSmallN(t *testing.T) {
	const n, k = 20000, 10
	dir := t.TempDir()
	g, err := gen.GenerateGroupby(n, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.WriteFiles(dir, g.Table(), gen.Format{CSV: true, Parquet: true}); err != nil {
		t.Fatal(err)
	}
	j, err := gen.GenerateJoin(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range j.Tables() {
		if err := gen.WriteFiles(dir, tb.Table(), gen.Format{CSV: true, Parquet: true}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]dbbench.Answer{}
	for q, a := range groupbyReference(g) {
		want["groupby_"+q] = a
	}
	for q, a := range joinReference(j) {
		want["join_"+q] = a
	}

	variants := []struct {
		format      string
		categorical bool
	}{{"parquet", true}, {"parquet", false}, {"csv", true}}
	for _, task := range []dbbench.Task{dbbench.Groupby, dbbench.Join} {
		for _, v := range variants {
			t.Run(fmt.Sprintf("%s/%s/categorical=%v", task, v.format, v.categorical), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				e := golab.New(mem)
				e.Categorical = v.categorical
				got := map[string]dbbench.Result{}
				err := dbbench.RunEngine(context.Background(), e, task, dbbench.Paths(dir, task, n, k, v.format), dbbench.Options{Runs: 1},
					func(r dbbench.Result) error { got[r.Question] = r; return nil })
				e.Close()
				if err != nil {
					t.Fatal(err)
				}
				if live := mem.CurrentAlloc(); live != 0 {
					t.Errorf("%d bytes of Arrow memory still allocated after Close", live)
				}
				for _, q := range dbbench.Questions(task) {
					r, ok := got[q.Name()]
					w := want[q.Name()]
					switch {
					case !ok:
						t.Errorf("%s: no result", q.Name())
					case r.OutRows != w.Rows || r.OutCols != w.Cols || !chkMatches(r.Chk, w.Chk):
						t.Errorf("%s (%s): got %dx%d chk %s, want %dx%d chk %s", q.Name(), q.Text, r.OutRows, r.OutCols, r.Chk, w.Rows, w.Cols, dbbench.ChkString(w.Chk))
					}
				}
			})
		}
	}
}

func chkMatches(s string, want []float64) bool {
	var got []float64
	for _, p := range splitSemi(s) {
		var v float64
		if p == "nan" {
			v = math.NaN()
		} else if _, err := fmt.Sscan(p, &v); err != nil {
			return false
		}
		got = append(got, v)
	}
	return dbbench.ChkEqual(got, want)
}

func splitSemi(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ';' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// groups maps each distinct key to the row indices having it, in first-seen order.
func groups(n int, key func(i int) string) [][]int {
	idx := map[string]int{}
	var out [][]int
	for i := range n {
		k := key(i)
		g, ok := idx[k]
		if !ok {
			g = len(out)
			idx[k] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

func mean(rows []int, v func(int) float64) float64 {
	s := 0.0
	for _, i := range rows {
		s += v(i)
	}
	return s / float64(len(rows))
}

func groupbyReference(g *gen.Groupby) map[string]dbbench.Answer {
	n := g.N
	v1 := func(i int) float64 { return float64(g.V1[i]) }
	v2 := func(i int) float64 { return float64(g.V2[i]) }
	v3 := func(i int) float64 { return g.V3[i] }
	key := func(cols ...[]int32) func(int) string {
		return func(i int) string {
			s := ""
			for _, c := range cols {
				s += fmt.Sprint(c[i], ",")
			}
			return s
		}
	}
	sumOver := func(gs [][]int, f func([]int) float64) float64 {
		s := 0.0
		for _, rows := range gs {
			s += f(rows)
		}
		return s
	}
	sum := func(v func(int) float64) func([]int) float64 {
		return func(rows []int) float64 { return mean(rows, v) * float64(len(rows)) }
	}
	avg := func(v func(int) float64) func([]int) float64 {
		return func(rows []int) float64 { return mean(rows, v) }
	}
	total := func(v func(int) float64) float64 {
		s := 0.0
		for i := range n {
			s += v(i)
		}
		return s
	}
	g1 := groups(n, key(g.ID1))
	g12 := groups(n, key(g.ID1, g.ID2))
	g3 := groups(n, key(g.ID3))
	g4 := groups(n, key(g.ID4))
	g6 := groups(n, key(g.ID6))
	g45 := groups(n, key(g.ID4, g.ID5))
	g24 := groups(n, key(g.ID2, g.ID4))
	gAll := groups(n, key(g.ID1, g.ID2, g.ID3, g.ID4, g.ID5, g.ID6))

	median := func(rows []int) float64 {
		v := make([]float64, len(rows))
		for i, r := range rows {
			v[i] = g.V3[r]
		}
		slices.Sort(v)
		m := len(v) / 2
		if len(v)%2 == 1 {
			return v[m]
		}
		return (v[m-1] + v[m]) / 2
	}
	std := func(rows []int) float64 {
		mu := mean(rows, v3)
		s := 0.0
		for _, r := range rows {
			d := g.V3[r] - mu
			s += d * d
		}
		return math.Sqrt(s / float64(len(rows)-1))
	}
	rangeV := func(rows []int) float64 {
		mx, mn := int32(math.MinInt32), int32(math.MaxInt32)
		for _, r := range rows {
			mx, mn = max(mx, g.V1[r]), min(mn, g.V2[r])
		}
		return float64(mx - mn)
	}
	top2 := func(rows []int) float64 {
		v := make([]float64, len(rows))
		for i, r := range rows {
			v[i] = g.V3[r]
		}
		slices.Sort(v)
		s := 0.0
		for _, x := range v[max(0, len(v)-2):] {
			s += x
		}
		return s
	}
	top2Rows := 0
	for _, rows := range g6 {
		top2Rows += min(2, len(rows))
	}
	r2 := func(rows []int) float64 {
		mx, my := mean(rows, v1), mean(rows, v2)
		var sxy, sxx, syy float64
		for _, r := range rows {
			dx, dy := v1(r)-mx, v2(r)-my
			sxy += dx * dy
			sxx += dx * dx
			syy += dy * dy
		}
		c := sxy / math.Sqrt(sxx*syy)
		return c * c
	}
	return map[string]dbbench.Answer{
		"q1":  {Rows: len(g1), Cols: 2, Chk: []float64{total(v1)}},
		"q2":  {Rows: len(g12), Cols: 3, Chk: []float64{total(v1)}},
		"q3":  {Rows: len(g3), Cols: 3, Chk: []float64{total(v1), sumOver(g3, avg(v3))}},
		"q4":  {Rows: len(g4), Cols: 4, Chk: []float64{sumOver(g4, avg(v1)), sumOver(g4, avg(v2)), sumOver(g4, avg(v3))}},
		"q5":  {Rows: len(g6), Cols: 4, Chk: []float64{total(v1), total(v2), sumOver(g6, sum(v3))}},
		"q6":  {Rows: len(g45), Cols: 4, Chk: []float64{sumOver(g45, median), sumOver(g45, std)}},
		"q7":  {Rows: len(g3), Cols: 2, Chk: []float64{sumOver(g3, rangeV)}},
		"q8":  {Rows: top2Rows, Cols: 2, Chk: []float64{sumOver(g6, top2)}},
		"q9":  {Rows: len(g24), Cols: 3, Chk: []float64{sumOver(g24, r2)}},
		"q10": {Rows: len(gAll), Cols: 8, Chk: []float64{total(v3), float64(n)}},
	}
}

// innerJoin returns, for a join of x and y on the keys, the number of
// output rows, the sum of x's measure over them and the sum of y's.
func innerJoin(xk []int32, xv []float64, yk []int32, yv []float64) (rows int, sx, sy float64) {
	byKey := map[int32][]int{}
	for i, k := range yk {
		byKey[k] = append(byKey[k], i)
	}
	for i, k := range xk {
		for _, j := range byKey[k] {
			rows++
			sx += xv[i]
			sy += yv[j]
		}
	}
	return rows, sx, sy
}

func joinReference(j *gen.Join) map[string]dbbench.Answer {
	x := j.X
	ans := func(cols int, xk, yk []int32, y *gen.JoinTable) dbbench.Answer {
		r, sx, sy := innerJoin(xk, x.V, yk, y.V)
		return dbbench.Answer{Rows: r, Cols: cols, Chk: []float64{sx, sy}}
	}
	q3 := ans(11, x.ID2, j.Medium.ID2, j.Medium)
	// Left join: medium's keys are unique, so every x row appears once and
	// unmatched rows add nothing to sum(v2).
	allV1 := 0.0
	for _, v := range x.V {
		allV1 += v
	}
	q3.Rows, q3.Chk[0] = x.Rows(), allV1
	return map[string]dbbench.Answer{
		"q1": ans(9, x.ID1, j.Small.ID1, j.Small),
		"q2": ans(11, x.ID2, j.Medium.ID2, j.Medium),
		"q3": q3,
		// id5 is "id"+id2 on both sides, so the factor join equals q2.
		"q4": ans(11, x.ID2, j.Medium.ID2, j.Medium),
		"q5": ans(13, x.ID3, j.Big.ID3, j.Big),
	}
}

func TestPublishedAnswers(t *testing.T) {
	pub, err := dbbench.PublishedAnswers()
	if err != nil {
		t.Fatal(err)
	}
	q1, ok := pub["join_q1"]
	if !ok || q1.OutRows != 8998860 {
		t.Fatalf("join_q1: got %+v, want 8998860 rows", q1)
	}
	if msg := q1.Check(dbbench.Answer{Rows: 8998860, Cols: 9, Chk: []float64{450015153.2, 347720187.9}}); msg != "" {
		t.Errorf("Check of a right answer: %s", msg)
	}
	if msg := q1.Check(dbbench.Answer{Rows: 8998861, Cols: 9, Chk: []float64{450015152.9, 347720187.9}}); msg == "" {
		t.Error("Check of a wrong answer: no complaint")
	}
	if g := pub["groupby_q10"]; g.OutRows != 10000000 || g.OutCols != 8 {
		t.Errorf("groupby_q10: got %+v, want 10000000x8", g)
	}
}

func TestChk(t *testing.T) {
	tests := []struct {
		chk  []float64
		want string
	}{
		{[]float64{29998789}, "29998789"},
		{[]float64{3000297, 500393.46150263597}, "3000297;500393.46150263597"},
		{[]float64{math.NaN()}, "nan"},
	}
	for _, tt := range tests {
		if got := dbbench.ChkString(tt.chk); got != tt.want {
			t.Errorf("ChkString(%v): got %q, want %q", tt.chk, got, tt.want)
		}
	}
	if !dbbench.ChkEqual([]float64{499976651.408, 1}, []float64{499976651.40800005, 1}) {
		t.Error("ChkEqual: sums in another order must agree")
	}
	if dbbench.ChkEqual([]float64{499976651.408}, []float64{499976651.5}) {
		t.Error("ChkEqual: 0.1 apart must differ")
	}
}
