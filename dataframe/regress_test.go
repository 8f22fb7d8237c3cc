package dataframe

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Date columns are 32-bit; results computed on them (aggregates, fills)
// must come back as the same dates, not as 64-bit values written into a
// 32-bit column.
func TestDate32Results(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	b := array.NewDate32Builder(memory.DefaultAllocator)
	defer b.Release()
	dates := []time.Time{day(2024, 5, 20), {}, day(2023, 1, 2), day(2022, 12, 31), day(2025, 2, 3)}
	for _, d := range dates {
		if d.IsZero() {
			b.AppendNull()
		} else {
			b.Append(arrow.Date32FromTime(d))
		}
	}
	f, err := New(NewSeriesFromArrow("d", b.NewArray()), NewInt64Series("k", []int64{1, 1, 2, 2, 3}))
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.GroupBy("k").Agg(Col("d").Max().Alias("hi"), Col("d").Min().Alias("lo"), Col("d").First().Alias("first"))
	if err != nil {
		t.Fatal(err)
	}
	g, err = g.SortBy("k")
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]time.Time{
		{day(2024, 5, 20), day(2024, 5, 20), day(2024, 5, 20)},
		{day(2023, 1, 2), day(2022, 12, 31), day(2023, 1, 2)},
		{day(2025, 2, 3), day(2025, 2, 3), day(2025, 2, 3)},
	}
	for i, w := range want {
		for j, name := range []string{"hi", "lo", "first"} {
			v, err := g.Value(i, name)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := v.(time.Time); !ok || !got.Equal(w[j]) {
				t.Errorf("group %d %s = %v, want %s", i+1, name, v, w[j].Format(time.DateOnly))
			}
		}
	}
	if s := g.Schema().Field(1).Type; s.ID() != arrow.DATE32 {
		t.Errorf("max of a date column has type %s, want date32", s)
	}
}

// A key whose non-null values are all equal still sorts its nulls last
// when asked (the null code once collided with the one value's code).
func TestSortNullsLastOneValue(t *testing.T) {
	f, err := FromColumns(map[string]any{"v": []any{int64(1), nil, int64(1)}, "i": []int64{0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range []bool{false, true} {
		out, err := f.Sort(SortOptions{By: []any{"v"}, Descending: []bool{desc}, NullsLast: []bool{true}})
		if err != nil {
			t.Fatal(err)
		}
		s, _ := out.Column("v")
		i, _ := out.Column("i")
		if s.Value(0) == nil || s.Value(1) == nil || s.Value(2) != nil || i.Value(2) != int64(1) {
			t.Errorf("desc=%v: sorted %v (rows %v), want the null last", desc, s, i)
		}
	}
}

// A date column compared with a time.Time literal compares instants (the
// date's midnight UTC), and a time.Time fills a date column with its date.
func TestDateAgainstTimeLiteral(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	b := array.NewDate32Builder(memory.DefaultAllocator)
	defer b.Release()
	for _, d := range []time.Time{day(2024, 5, 20), {}, day(2023, 1, 2), day(1969, 12, 30)} {
		if d.IsZero() {
			b.AppendNull()
		} else {
			b.Append(arrow.Date32FromTime(d))
		}
	}
	f, err := New(NewSeriesFromArrow("d", b.NewArray()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pred Expr
		want int
	}{
		{Col("d").Gt(Lit(day(2024, 1, 1))), 1},
		{Col("d").Eq(Lit(day(2023, 1, 2))), 1},
		{Col("d").Lt(Lit(day(2023, 1, 2).Add(time.Hour))), 2},
		{Col("d").Ge(Lit(day(1969, 12, 30))), 3},
	} {
		g, err := f.Filter(c.pred)
		if err != nil {
			t.Fatal(err)
		}
		if g.NumRows() != c.want {
			t.Errorf("filter %v kept %d rows, want %d", c.pred, g.NumRows(), c.want)
		}
	}
	for _, fill := range []struct{ with, want time.Time }{
		{time.Date(2024, 1, 1, 15, 30, 0, 0, time.UTC), day(2024, 1, 1)},
		{time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC), day(1969, 12, 31)},
	} {
		g, err := f.WithColumns(Col("d").FillNull(fill.with).Alias("x"))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := g.Value(1, "x")
		if got, ok := v.(time.Time); !ok || !got.Equal(fill.want) {
			t.Errorf("fill_null(%s) gave %v, want %s", fill.with, v, fill.want.Format(time.DateOnly))
		}
		if typ := g.Schema().Field(1).Type; typ.ID() != arrow.DATE32 {
			t.Errorf("fill_null of a date column has type %s", typ)
		}
	}
}
