package gen

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Values printed by R >= 3.6.0 (default RNGkind) for well-known seeds.
func TestRNGMatchesR(t *testing.T) {
	tests := []struct {
		seed uint32
		expr string
		got  func(r *RNG) []float64
		want []float64
		tol  float64
	}{
		{42, "runif(3)", runifN(3), []float64{0.9148060, 0.9370754, 0.2861395}, 5e-8},
		{123, "runif(3)", runifN(3), []float64{0.2875775, 0.7883051, 0.4089769}, 5e-8},
		{42, "sample(1:10)", shuffle10, []float64{1, 5, 10, 8, 2, 4, 6, 9, 7, 3}, 0},
		{123, "sample(1:10)", shuffle10, []float64{3, 10, 2, 8, 6, 9, 1, 7, 5, 4}, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("set.seed(%d);%s", tt.seed, tt.expr), func(t *testing.T) {
			got := tt.got(NewRNG(tt.seed))
			for i := range tt.want {
				if math.Abs(got[i]-tt.want[i]) > tt.tol {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func runifN(n int) func(r *RNG) []float64 {
	return func(r *RNG) []float64 {
		v := make([]float64, n)
		r.Runif(v, 0, 1)
		return v
	}
}

func shuffle10(r *RNG) []float64 {
	var out []float64
	for _, v := range r.SampleNoReplace(10, 10) {
		out = append(out, float64(v))
	}
	return out
}

// R >= 4.0.0 round() results.
func TestRoundR(t *testing.T) {
	tests := []struct {
		x      float64
		digits int
		want   float64
	}{
		{0.15, 1, 0.1},
		{0.25, 1, 0.2},
		{0.35, 1, 0.3},
		{2.675, 2, 2.67},
		{-1.005, 2, -1},
		{2.5, 0, 2},
		{37.2112543, 6, 37.211254},
		{99.9999996, 6, 100},
	}
	for _, tt := range tests {
		if got := RoundR(tt.x, tt.digits); got != tt.want {
			t.Errorf("RoundR(%v, %d): got %v, want %v", tt.x, tt.digits, got, tt.want)
		}
	}
}

func TestAppendFwriteFloat(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{37.211254, "37.211254"},
		{100, "100"},
		{0.5, "0.5"},
		{0.000053, "5.3e-05"},
		{0.0001, "1e-04"},
		{0.001234, "0.001234"},
		{0, "0"},
	}
	for _, tt := range tests {
		if got := string(AppendFwriteFloat(nil, tt.v)); got != tt.want {
			t.Errorf("AppendFwriteFloat(%v): got %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestPrettySci(t *testing.T) {
	for n, want := range map[int]string{10: "1e1", 100: "1e2", 10000000: "1e7", 1000000: "1e6", 5: "5e0", 123: "123", 20000: "2e4"} {
		if got := PrettySci(n); got != want {
			t.Errorf("PrettySci(%d): got %q, want %q", n, got, want)
		}
	}
}

func TestGroupbyDeterministic(t *testing.T) {
	a, err := GenerateGroupby(10000, 10)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateGroupby(10000, 10)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs of GenerateGroupby(10000, 10) differ")
	}
	if a.Name() != "G1_1e4_1e1_0_0" {
		t.Errorf("Name: got %q", a.Name())
	}
	check := func(name string, v []int32, hi int32) {
		for _, x := range v {
			if x < 1 || x > hi {
				t.Fatalf("%s: value %d outside 1..%d", name, x, hi)
			}
		}
	}
	check("id1", a.ID1, 10)
	check("id3", a.ID3, 1000)
	check("v1", a.V1, 5)
	check("v2", a.V2, 15)
	for _, v := range a.V3 {
		if v < 0 || v > 100 || RoundR(v, 6) != v {
			t.Fatalf("v3 value %v is not round(runif(max=100), 6)", v)
		}
	}
	if _, err := GenerateGroupby(10, 3); err == nil {
		t.Error("GenerateGroupby(10, 3): want an error, K does not divide N")
	}
}

// skipFullSize skips a test that generates the 1e7-row data sets (about
// 15 s) under -short and under the race detector (minutes there).
func skipFullSize(t *testing.T) {
	t.Helper()
	if testing.Short() || raceEnabled {
		t.Skip("full-size data set; runs without -short and without -race")
	}
}

// The published first rows of G1_1e7_1e2_0_0 and the checksums of issue 4.
func TestGroupby1e7(t *testing.T) {
	skipFullSize(t)
	g, err := GenerateGroupby(1e7, 100)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	head := g.Table()
	for i := range head.Columns {
		c := &head.Columns[i]
		c.Ints, c.Floats = c.Ints[:min(5, len(c.Ints))], c.Floats[:min(5, len(c.Floats))]
	}
	if err := WriteCSV(&buf, head); err != nil {
		t.Fatal(err)
	}
	want := `id1,id2,id3,id4,id5,id6,v1,v2,v3
id016,id016,id0000042202,15,24,5971,5,11,37.211254
id039,id045,id0000029558,40,49,39457,5,4,48.951141
id047,id023,id0000071286,68,20,74463,2,14,60.469241
id043,id057,id0000015141,32,43,63743,1,15,7.692145
id054,id040,id0000011083,9,25,16920,2,9,22.863525
`
	if got := buf.String(); got != want {
		t.Errorf("first rows:\ngot\n%s\nwant\n%s", got, want)
	}
	var s1, s2 int64
	var s3 float64
	for i := range g.V1 {
		s1 += int64(g.V1[i])
		s2 += int64(g.V2[i])
		s3 += g.V3[i]
	}
	if s1 != 29998789 || s2 != 79989360 || fmt.Sprintf("%.3f", s3) != "499976651.408" {
		t.Errorf("sums: got v1=%d v2=%d v3=%.3f, want 29998789 79989360 499976651.408", s1, s2, s3)
	}
}

func distinct(v []int32) int {
	m := make(map[int32]struct{}, len(v))
	for _, x := range v {
		m[x] = struct{}{}
	}
	return len(m)
}

// innerRows counts the rows of an inner join of x and y on one key.
func innerRows(x, y []int32) int {
	m := map[int32]int{}
	for _, k := range y {
		m[k]++
	}
	n := 0
	for _, k := range x {
		n += m[k]
	}
	return n
}

func TestJoinSmall(t *testing.T) {
	j, err := GenerateJoin(100000)
	if err != nil {
		t.Fatal(err)
	}
	j2, _ := GenerateJoin(100000)
	if !reflect.DeepEqual(j, j2) {
		t.Fatal("two runs of GenerateJoin(100000) differ")
	}
	ns, nm, nb := JoinSizes(100000)
	// join-datagen.R's stopifnot checks.
	if distinct(j.X.ID1) != ns || distinct(j.X.ID2) != nm || distinct(j.X.ID3) != nb {
		t.Errorf("x distinct keys: got %d %d %d, want %d %d %d", distinct(j.X.ID1), distinct(j.X.ID2), distinct(j.X.ID3), ns, nm, nb)
	}
	if distinct(j.Small.ID1) != ns || distinct(j.Medium.ID2) != nm || distinct(j.Big.ID3) != nb {
		t.Error("a RHS table's key column is not unique")
	}
	// 90% of the keys are common to both sides.
	if got := innerRows(j.Big.ID3, j.X.ID3); got != nb*9/10 {
		t.Errorf("big join rows: got %d, want %d", got, nb*9/10)
	}
	names := []string{j.X.Name, j.Small.Name, j.Medium.Name, j.Big.Name}
	if want := []string{"J1_1e5_NA_0_0", "J1_1e5_1e1_0_0", "J1_1e5_1e2_0_0", "J1_1e5_1e5_0_0"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names: got %v, want %v", names, want)
	}
	cols := func(tb *JoinTable) string {
		var s []string
		for _, c := range tb.Table().Columns {
			s = append(s, c.Name)
		}
		return strings.Join(s, ",")
	}
	if got := cols(j.Medium); got != "id1,id2,id4,id5,v2" {
		t.Errorf("medium columns: got %s", got)
	}
	if got := cols(j.X); got != "id1,id2,id3,id4,id5,id6,v1" {
		t.Errorf("x columns: got %s", got)
	}
}

// The published join answers at 1e7 rows (row counts and floor of sum(v1),
// sum(v2), as DuckDB's H2O.ai test asserts them on the published files).
func TestJoin1e7(t *testing.T) {
	skipFullSize(t)
	j, err := GenerateJoin(1e7)
	if err != nil {
		t.Fatal(err)
	}
	join := func(xk, yk []int32, y *JoinTable, left bool) (rows int, s1, s2 float64) {
		at := make(map[int32]int, len(yk))
		for i, k := range yk {
			at[k] = i + 1 // RHS keys are unique
		}
		for i, k := range xk {
			if r := at[k]; r > 0 {
				rows++
				s1 += j.X.V[i]
				s2 += y.V[r-1]
			} else if left {
				rows++
				s1 += j.X.V[i]
			}
		}
		return rows, s1, s2
	}
	tests := []struct {
		q      string
		xk, yk []int32
		y      *JoinTable
		left   bool
		rows   int
		s1, s2 float64
	}{
		{"q1", j.X.ID1, j.Small.ID1, j.Small, false, 8998860, 450015153, 347720187},
		{"q2", j.X.ID2, j.Medium.ID2, j.Medium, false, 8998412, 449954076, 449999844},
		{"q3", j.X.ID2, j.Medium.ID2, j.Medium, true, 10000000, 500043740, 449999844},
		{"q5", j.X.ID3, j.Big.ID3, j.Big, false, 9000000, 450032091, 449860428},
	}
	for _, tt := range tests {
		rows, s1, s2 := join(tt.xk, tt.yk, tt.y, tt.left)
		if rows != tt.rows || math.Floor(s1) != tt.s1 || math.Floor(s2) != tt.s2 {
			t.Errorf("join %s: got %d rows, floor sums %.0f %.0f; want %d, %.0f %.0f", tt.q, rows, math.Floor(s1), math.Floor(s2), tt.rows, tt.s1, tt.s2)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	g, err := GenerateGroupby(3000, 10)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tb := g.Table()
	if err := WriteFiles(dir, tb, Format{CSV: true, Parquet: true}); err != nil {
		t.Fatal(err)
	}
	if !Exists(dir, tb.Name, Format{CSV: true, Parquet: true}) {
		t.Fatal("Exists: false after WriteFiles")
	}
	csv, err := os.ReadFile(filepath.Join(dir, tb.Name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(csv), "\n"), "\n")
	if len(lines) != 3001 || lines[0] != "id1,id2,id3,id4,id5,id6,v1,v2,v3" {
		t.Fatalf("csv: got %d lines, header %q", len(lines), lines[0])
	}

	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	f, err := os.Open(filepath.Join(dir, tb.Name+".parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 3000 || tbl.NumCols() != 9 {
		t.Fatalf("parquet shape: got %dx%d, want 3000x9", tbl.NumRows(), tbl.NumCols())
	}
	var s3 float64
	for _, ch := range tbl.Column(8).Data().Chunks() {
		for _, v := range ch.(*array.Float64).Float64Values() {
			s3 += v
		}
	}
	var want float64
	for _, v := range g.V3 {
		want += v
	}
	if s3 != want {
		t.Errorf("parquet sum(v3): got %v, want %v", s3, want)
	}
	id3 := tbl.Column(2).Data().Chunk(0).(*array.String).Value(0)
	if id3 != fmt.Sprintf("id%010d", g.ID3[0]) {
		t.Errorf("parquet id3[0]: got %q", id3)
	}
}
