package plotting_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/golab-dev/golab/kernel/display"
	"github.com/golab-dev/golab/plotting"
)

// specOf returns the chart's Vega-Lite specification as plain JSON values.
func specOf(t *testing.T, v interface{ VegaLite() display.VegaLiteSpec }) map[string]any {
	t.Helper()
	data, _ := display.Render(v.VegaLite())
	spec, ok := data[display.VegaLiteMIME].(map[string]any)
	if !ok {
		t.Fatalf("rendered bundle has no %s map: %v", display.VegaLiteMIME, data)
	}
	return spec
}

func layers(t *testing.T, spec map[string]any) []map[string]any {
	t.Helper()
	ls, ok := spec["layer"].([]any)
	if !ok {
		t.Fatalf("spec has no layer array: %v", spec)
	}
	out := make([]map[string]any, len(ls))
	for i, l := range ls {
		out[i] = l.(map[string]any)
	}
	return out
}

func markType(l map[string]any) string {
	switch m := l["mark"].(type) {
	case string:
		return m
	case map[string]any:
		s, _ := m["type"].(string)
		return s
	}
	return ""
}

func values(l map[string]any) []any {
	v, _ := l["data"].(map[string]any)["values"].([]any)
	return v
}

func TestVegaLite(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	y := []float64{10, 20, 15, 30}
	tests := []struct {
		name  string
		c     *plotting.Chart
		marks []string
		check func(t *testing.T, ls []map[string]any)
	}{
		{"line and scatter", plotting.Line(x, y, plotting.Name("a")).Scatter(x, y, plotting.Name("b")),
			[]string{"line", "point"}, func(t *testing.T, ls []map[string]any) {
				if n := len(values(ls[0])); n != 4 {
					t.Errorf("line has %d values, want 4", n)
				}
				if ls[0]["params"] == nil {
					t.Errorf("first layer has no zoom/pan params")
				}
			}},
		{"grouped bars", plotting.Bar([]string{"a", "b"}, []float64{1, 2}, plotting.Name("s1")).Bar([]string{"a", "b"}, []float64{3, 4}, plotting.Name("s2")),
			[]string{"bar"}, func(t *testing.T, ls []map[string]any) {
				enc := ls[0]["encoding"].(map[string]any)
				if enc["xOffset"] == nil {
					t.Errorf("grouped bars lack xOffset: %v", enc)
				}
				if n := len(values(ls[0])); n != 4 {
					t.Errorf("bars have %d values, want 4", n)
				}
			}},
		{"stacked bars", plotting.Bar([]string{"a"}, []float64{1}, plotting.Stacked()).Bar([]string{"a"}, []float64{3}),
			[]string{"bar"}, func(t *testing.T, ls []map[string]any) {
				if enc := ls[0]["encoding"].(map[string]any); enc["xOffset"] != nil {
					t.Errorf("stacked bars have xOffset")
				}
			}},
		{"hist", plotting.Hist([]float64{1, 2, 2, 3, 3, 3}, plotting.Bins(3)), []string{"bar"}, func(t *testing.T, ls []map[string]any) {
			var total float64
			for _, v := range values(ls[0]) {
				total += v.(map[string]any)["count"].(float64)
			}
			if total != 6 {
				t.Errorf("histogram counts sum to %v, want 6", total)
			}
		}},
		{"box", plotting.Box([]float64{1, 2, 3}, plotting.Name("a")), []string{"boxplot"}, nil},
		{"area", plotting.Area(x, y), []string{"area"}, nil},
		{"heatmap", plotting.Heatmap([][]float64{{1, 2}, {3, 4}}), []string{"rect"}, func(t *testing.T, ls []map[string]any) {
			if n := len(values(ls[0])); n != 4 {
				t.Errorf("heatmap has %d cells, want 4", n)
			}
		}},
		{"time and log", plotting.Line([]float64{1.7e9, 1.7e9 + 60}, []float64{1, 100}, plotting.TimeX(""), plotting.LogY()),
			[]string{"line"}, func(t *testing.T, ls []map[string]any) {
				enc := ls[0]["encoding"].(map[string]any)
				if typ := enc["x"].(map[string]any)["type"]; typ != "temporal" {
					t.Errorf("x type %v, want temporal", typ)
				}
				if st := enc["y"].(map[string]any)["scale"].(map[string]any)["type"]; st != "log" {
					t.Errorf("y scale %v, want log", st)
				}
				if x0 := values(ls[0])[0].(map[string]any)["x"]; x0 != 1.7e12 {
					t.Errorf("x[0] = %v, want milliseconds 1.7e12", x0)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := specOf(t, tc.c)
			if spec["$schema"] != plotting.VegaLiteSchema {
				t.Errorf("$schema = %v", spec["$schema"])
			}
			ls := layers(t, spec)
			if len(ls) != len(tc.marks) {
				t.Fatalf("%d layers, want %d", len(ls), len(tc.marks))
			}
			for i, want := range tc.marks {
				if got := markType(ls[i]); got != want {
					t.Errorf("layer %d mark %q, want %q", i, got, want)
				}
			}
			if tc.check != nil {
				tc.check(t, ls)
			}
		})
	}
}

// TestVegaLiteSameDescription checks that the interactive chart uses the
// colors and titles of the static one.
func TestVegaLiteSameDescription(t *testing.T) {
	c := plotting.Line([]float64{1, 2}, []float64{1, 2}, plotting.Name("a"), plotting.Color("#123456"), plotting.Title("T"), plotting.XLabel("X")).
		Line([]float64{1, 2}, []float64{2, 1}, plotting.Name("b"))
	spec := specOf(t, c)
	if spec["title"] != "T" {
		t.Errorf("title %v, want T", spec["title"])
	}
	enc := layers(t, spec)[0]["encoding"].(map[string]any)
	if enc["x"].(map[string]any)["title"] != "X" {
		t.Errorf("x title %v, want X", enc["x"])
	}
	scale := enc["color"].(map[string]any)["scale"].(map[string]any)
	got, _ := json.Marshal(scale)
	want := `{"domain":["a","b"],"range":["#123456","` + plotting.Palette[0] + `"]}`
	if string(got) != want {
		t.Errorf("color scale %s, want %s", got, want)
	}
}

// TestVegaLiteGolden keeps whole specifications under testdata, so that a
// change to the generated JSON is reviewed as a diff.
func TestVegaLiteGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		v, ok := tc.r.(interface{ VegaLite() display.VegaLiteSpec })
		if !ok {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.MarshalIndent(v.VegaLite().Spec, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tc.name+".golden.vl.json")
			if *update {
				writeFile(t, path, got)
				return
			}
			if want := readFile(t, path); !bytes.Equal(got, want) {
				t.Errorf("Vega-Lite spec differs from %s; run go test ./plotting -update if intended", path)
			}
		})
	}
}

// TestVegaLiteLargeData checks that inlined data stays proportional to the
// chart width, not to the input.
func TestVegaLiteLargeData(t *testing.T) {
	x, y := randomWalk(100_000)
	for name, c := range map[string]*plotting.Chart{
		"line":    plotting.Line(x, y),
		"scatter": plotting.Scatter(x, y),
	} {
		spec := specOf(t, c)
		if n := len(values(layers(t, spec)[0])); n > 20_000 || n == 0 {
			t.Errorf("%s: %d inlined points for 100000 input points", name, n)
		} else {
			t.Logf("%s: %d inlined points", name, n)
		}
	}
}
