//go:build dataframe

// This test charts a real dataframe.Frame. It sits behind a build tag so
// that plotting's own tests do not break while the dataframe engine is
// being changed: go test -tags dataframe ./plotting
package plotting_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golab-dev/golab/dataframe"
	"github.com/golab-dev/golab/plotting"
)

// TestFrameColumns charts real dataframe.Frame columns: numbers, strings
// and times, recognized by the frame's Column method.
func TestDataframeColumns(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	df, err := dataframe.FromColumns(map[string]any{
		"day":     []time.Time{day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)},
		"units":   []int64{3, 5, 4},
		"revenue": []float64{30.5, 52, 41},
		"region":  []string{"north", "south", "east"},
	})
	if err != nil {
		t.Fatalf("FromColumns: %v", err)
	}
	defer df.Release()

	tests := []struct {
		name string
		c    *plotting.Chart
		want string
	}{
		{"line over time", plotting.New().LineFrom(df, "day", "revenue"), `chart: line "revenue" (3 points)`},
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
			if _, err := tc.c.With(plotting.Size(120, 80)).PNG(); err != nil {
				t.Errorf("PNG: %v", err)
			}
		})
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
	if err := plotting.New().LineFrom(df, "day", "profit").Err(); !errors.Is(err, dataframe.ErrColumnNotFound) {
		t.Errorf("missing column error %v does not wrap dataframe.ErrColumnNotFound", err)
	}
}
