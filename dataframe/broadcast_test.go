package dataframe

import (
	"math"
	"testing"
)

// Aggregates in WithColumns, Filter and mixed Selects repeat their
// whole-frame value on every row, as Polars does; the result equals the
// explicit .Over() form and a hand computation.
func TestBroadcastAggregates(t *testing.T) {
	f, err := FromColumns(map[string]any{
		"k": []int64{1, 2, 3, 2, 7},
		"f": []any{1.5, 2.5, nil, -1.0, 4.0},
	})
	if err != nil {
		t.Fatal(err)
	}
	mean := (1.5 + 2.5 - 1.0 + 4.0) / 4

	g, err := f.WithColumns(Col("f").Sub(Col("f").Mean()).Alias("c"), Col("k").Sum().Alias("s"), Col("k").Max().Sub(Col("k").Min()).Alias("spread"))
	if err != nil {
		t.Fatal(err)
	}
	over, err := f.WithColumns(Col("f").Sub(Col("f").Mean().Over()).Alias("c"), Col("k").Sum().Over().Alias("s"), Col("k").Max().Over().Sub(Col("k").Min().Over()).Alias("spread"))
	if err != nil {
		t.Fatal(err)
	}
	if g.String() != over.String() {
		t.Errorf("implicit broadcast\n%s\ndiffers from .Over()\n%s", g, over)
	}
	for i, fv := range []any{1.5, 2.5, nil, -1.0, 4.0} {
		c, _ := g.Value(i, "c")
		if fv == nil {
			if c != nil {
				t.Errorf("row %d: c = %v, want null", i, c)
			}
		} else if got, ok := c.(float64); !ok || math.Abs(got-(fv.(float64)-mean)) > 1e-12 {
			t.Errorf("row %d: c = %v, want %v", i, c, fv.(float64)-mean)
		}
		if s, _ := g.Value(i, "s"); s != int64(15) {
			t.Errorf("row %d: s = %v, want 15", i, s)
		}
		if s, _ := g.Value(i, "spread"); s != int64(6) {
			t.Errorf("row %d: spread = %v, want 6", i, s)
		}
	}

	above, err := f.Filter(Col("f").Gt(Col("f").Mean()))
	if err != nil {
		t.Fatal(err)
	}
	if above.NumRows() != 2 {
		t.Errorf("filter f > mean(f) kept %d rows, want 2:\n%s", above.NumRows(), above)
	}

	mixed, err := f.Select(Col("k"), Col("k").Max().Alias("m"))
	if err != nil {
		t.Fatal(err)
	}
	if mixed.NumRows() != 5 {
		t.Errorf("select k, max(k) has %d rows, want 5", mixed.NumRows())
	}
	if m, _ := mixed.Value(4, "m"); m != int64(7) {
		t.Errorf("max(k) broadcast = %v, want 7", m)
	}
	onlyAggs, err := f.Select(Col("k").Max().Alias("m"), Col("f").Min())
	if err != nil {
		t.Fatal(err)
	}
	if onlyAggs.NumRows() != 1 {
		t.Errorf("a select of aggregates only has %d rows, want 1", onlyAggs.NumRows())
	}
}
