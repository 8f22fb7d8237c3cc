package dataframe

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func mustFrame(t testing.TB, cols map[string]any) *Frame {
	t.Helper()
	f, err := FromColumns(cols)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCheckedAllocatorNoLeaks(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := NewInt64SeriesWithAllocator(mem, "k", []int64{1, 2, 1, 3, 2, 1}, nil)
	b := NewFloat64SeriesWithAllocator(mem, "v", []float64{1, 2, 3, 4, 5, 6}, []bool{true, true, false, true, true, true})
	c := NewStringSeriesWithAllocator(mem, "s", []string{"x", "y", "x", "z", "y", "x"}, nil)
	f, err := New(a, b, c)
	a.Release()
	b.Release()
	c.Release()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	opts := CollectOptions{Allocator: mem}
	ctx := context.Background()
	queries := map[string]*LazyFrame{
		"groupby": f.Lazy().GroupBy("s").Agg(Col("v").Sum().Alias("sum"), Col("v").Median().Alias("med"), Col("k").First().Alias("first"), Len()),
		"filter":  f.Lazy().Filter(Col("k").Gt(1)),
		"join":    f.Lazy().Join(f.Lazy().Select("k", Col("v").Alias("w")), JoinOptions{On: []string{"k"}, How: Left}),
		"sort":    f.Lazy().Sort(SortOptions{By: []any{"s", "v"}, Descending: []bool{true}}),
		"window":  f.Lazy().WithColumns(Col("v").Sum().Over("s").Alias("t"), Col("v").CumSum().Alias("cs")),
		"unique":  f.Lazy().Unique("s"),
		"topk":    f.Lazy().GroupBy("s").Agg(Col("v").TopK(2)).Explode("v"),
		"cast":    f.Lazy().Select(Col("s").Cast(Categorical), Col("k").Cast(Float64).Alias("kf")),
	}
	for name, q := range queries {
		out, err := q.CollectWith(ctx, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out.Release()
	}
}

func TestNewErrors(t *testing.T) {
	_, err := New(NewInt64Series("a", []int64{1}), NewInt64Series("b", []int64{1, 2}))
	if !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
	_, err = New(NewInt64Series("a", []int64{1}), NewInt64Series("a", []int64{2}))
	if !errors.Is(err, ErrDuplicateColumn) {
		t.Errorf("got %v, want ErrDuplicateColumn", err)
	}
	_, err = NewSeries("x", []any{1, "a"})
	if !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
	_, err = FromColumns(42)
	if !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
}

func TestErrorMessages(t *testing.T) {
	f := mustFrame(t, map[string]any{"price": []float64{1}, "name": []string{"a"}})
	tests := []struct {
		name string
		lf   *LazyFrame
		want error
		msgs []string
	}{
		{"unknown column", f.Lazy().Select("prise"), ErrColumnNotFound, []string{`"prise"`, "name, price", `did you mean "price"`}},
		{"type mismatch", f.Lazy().Select(Col("name").Add(1)), ErrTypeMismatch, []string{"utf8", "int64", `col("name")`}},
		{"filter not bool", f.Lazy().Filter(Col("price")), ErrTypeMismatch, []string{"float64", "bool"}},
		{"agg not aggregate", f.Lazy().GroupBy("name").Agg(Col("price")), ErrInvalidArgument, []string{"not an aggregate"}},
		{"join key types", f.Lazy().Join(f.Lazy(), JoinOptions{LeftOn: []string{"name"}, RightOn: []string{"price"}}), ErrSchemaMismatch, []string{"name", "price"}},
		{"rename odd", f.Lazy().Rename("a"), ErrInvalidArgument, nil},
		{"str on number", f.Lazy().Select(Col("price").Str().Contains("x")), ErrTypeMismatch, []string{"str.contains"}},
		{"duplicate output", f.Lazy().Select(Col("price"), Col("price").Mul(2)), ErrDuplicateColumn, []string{"Alias"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.lf.Collect(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for _, m := range tc.msgs {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestDisplay(t *testing.T) {
	vals := make([]int64, 25)
	long := make([]string, 25)
	for i := range vals {
		vals[i] = int64(i)
		long[i] = strings.Repeat("x", 100)
	}
	f, err := New(NewInt64Series("n", vals), NewStringSeries("text", long))
	if err != nil {
		t.Fatal(err)
	}
	s := f.String()
	for _, want := range []string{"shape: (25, 2)", "i64", "str", "…", "| 24 "} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, strings.Repeat("x", 60)) {
		t.Error("long value not cut")
	}
	b := f.MIMEBundle()
	html, ok := b["text/html"].(string)
	if !ok || !strings.Contains(html, "<table") || !strings.Contains(html, "shape: (25, 2)") || !strings.Contains(html, "<td>24</td>") || !strings.Contains(html, "&hellip;") {
		t.Errorf("bad html: %v", b["text/html"])
	}
	if b["text/plain"] != s {
		t.Error("text/plain differs from String()")
	}
}

func TestSeries(t *testing.T) {
	s, err := NewSeries("x", []any{int64(1), nil, 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Values(); got[0] != int64(1) || got[1] != nil || got[2] != int64(3) {
		t.Errorf("got %v", got)
	}
	if s.NullCount() != 1 || s.Len() != 3 {
		t.Errorf("nulls %d len %d", s.NullCount(), s.Len())
	}
	if !strings.Contains(s.String(), "null") {
		t.Error(s.String())
	}
	f, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.Column("x")
	if err != nil || c.Len() != 3 {
		t.Fatal(err)
	}
	if _, err := f.Column("y"); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("got %v", err)
	}
}

func TestHeadTailSlice(t *testing.T) {
	f := mustFrame(t, map[string]any{"a": []int64{0, 1, 2, 3, 4}})
	tests := []struct {
		name string
		got  *Frame
		want []any
	}{
		{"head", f.Head(2), []any{int64(0), int64(1)}},
		{"tail", f.Tail(2), []any{int64(3), int64(4)}},
		{"slice", f.Slice(1, 3), []any{int64(1), int64(2), int64(3)}},
		{"negative", f.Slice(-2, 1), []any{int64(3)}},
		{"beyond", f.Head(10), []any{int64(0), int64(1), int64(2), int64(3), int64(4)}},
	}
	for _, tc := range tests {
		c, _ := tc.got.Column("a")
		if got := c.Values(); !equalAny(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func equalAny(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCancel(t *testing.T) {
	f := genGroupBy(200_000, 100, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Lazy().GroupBy("id3").Agg(Col("v1").Sum()).Collect(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
