package plotting_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/golab-dev/golab/plotting"
)

// fakeFrame has the method set plotting recognizes in *dataframe.Frame:
// Column(name) returning a series with Float64s, Strings, Values and
// Release. It counts releases to check that every series read is released.
type fakeFrame struct {
	cols     map[string][]any
	released *int
}

type fakeSeries struct {
	vals     []any
	released *int
}

var errNoColumn = errors.New("column not found")

func (f fakeFrame) Column(name string) (*fakeSeries, error) {
	v, ok := f.cols[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", errNoColumn, name)
	}
	return &fakeSeries{vals: v, released: f.released}, nil
}

func (s *fakeSeries) Float64s() ([]float64, error) {
	out := make([]float64, len(s.vals))
	for i, v := range s.vals {
		switch x := v.(type) {
		case float64:
			out[i] = x
		case int64:
			out[i] = float64(x)
		default:
			return nil, fmt.Errorf("not numeric: %T", v)
		}
	}
	return out, nil
}

func (s *fakeSeries) Strings() []string {
	out := make([]string, len(s.vals))
	for i, v := range s.vals {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func (s *fakeSeries) Values() []any { return s.vals }
func (s *fakeSeries) Release()      { *s.released++ }

func TestFrameColumns(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	released := 0
	df := fakeFrame{released: &released, cols: map[string][]any{
		"day":     {day, day.AddDate(0, 0, 1), nil},
		"units":   {int64(3), int64(5), int64(4)},
		"revenue": {30.5, 52.0, 41.0},
		"region":  {"north", "south", "east"},
	}}
	tests := []struct {
		name string
		c    *plotting.Chart
		want string
	}{
		{"line over time", plotting.New().LineFrom(df, "day", "revenue"), `chart: line "revenue" (2 points)`},
		{"scatter ints", plotting.New().ScatterFrom(df, "units", "revenue"), `chart: scatter "revenue" (3 points)`},
		{"area row index", plotting.New().AreaFrom(df, "", "units"), `chart: area "units" (3 points)`},
		{"bar", plotting.New().BarFrom(df, "region", "revenue"), `chart: bar "revenue" (3 bars)`},
		{"hist", plotting.New().HistFrom(df, "revenue"), `chart: histogram "revenue" (3 values)`},
		{"box", plotting.New().BoxFrom(df, "units", "revenue"), `chart: box "units" (3 values), box "revenue" (3 values)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.Err(); err != nil {
				t.Fatal(err)
			}
			if got := tc.c.String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if released == 0 {
		t.Errorf("no series was released")
	}

	// A time column makes a time axis (Vega-Lite "temporal").
	spec := specOf(t, plotting.New().LineFrom(df, "day", "revenue"))
	enc := layers(t, spec)[0]["encoding"].(map[string]any)
	if typ := enc["x"].(map[string]any)["type"]; typ != "temporal" {
		t.Errorf("x of a time column has type %v, want temporal", typ)
	}

	for name, c := range map[string]*plotting.Chart{
		"missing column": plotting.New().LineFrom(df, "day", "profit"),
		"text as number": plotting.New().HistFrom(df, "region"),
		"not a table":    plotting.New().LineFrom(42, "a", "b"),
		"nil table":      plotting.New().BarFrom(nil, "a", "b"),
	} {
		if err := c.Err(); !errors.Is(err, plotting.ErrColumn) {
			t.Errorf("%s: Err() = %v, want ErrColumn", name, err)
		}
	}
	if err := plotting.New().LineFrom(df, "day", "profit").Err(); !errors.Is(err, errNoColumn) {
		t.Errorf("missing column error %v does not wrap the table's error", err)
	}
}

func TestMapColumns(t *testing.T) {
	m := map[string][]float64{"a": {1, 2, 3}, "b": {4, 5, 6}}
	c := plotting.New().ScatterFrom(m, "a", "b")
	if got, want := c.String(), `chart: scatter "b" (3 points)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	err := plotting.New().LineFrom(m, "a", "z").Err()
	if !errors.Is(err, plotting.ErrColumn) {
		t.Fatalf("Err() = %v, want ErrColumn", err)
	}
	if want := `plotting: column not usable: "z" as numbers: no column "z" (have a, b)`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
