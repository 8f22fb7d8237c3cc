package plotting_test

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golab-dev/golab/kernel/display"
	"github.com/golab-dev/golab/plotting"
)

func TestMIMEBundle(t *testing.T) {
	c := plotting.Line([]float64{1, 2, 3}, []float64{2, 4, 3}, plotting.Title("t"), plotting.Name("s"))
	b := c.MIMEBundle()
	pngBytes, ok := b["image/png"].([]byte)
	if !ok {
		t.Fatalf("image/png is %T, want []byte", b["image/png"])
	}
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != plotting.DefaultWidth || got.Y != plotting.DefaultHeight {
		t.Errorf("PNG size %v, want %dx%d", got, plotting.DefaultWidth, plotting.DefaultHeight)
	}
	svg, _ := b["image/svg+xml"].(string)
	if !strings.HasPrefix(strings.TrimSpace(svg), "<?xml") || !strings.Contains(svg, "<svg") {
		t.Errorf("image/svg+xml does not look like SVG: %.80q", svg)
	}
	if got, want := b["text/plain"], `chart "t": line "s" (3 points)`; got != want {
		t.Errorf("text/plain = %q, want %q", got, want)
	}
	if _, has := b[display.VegaLiteMIME]; has {
		t.Errorf("Vega-Lite in the bundle without Interactive()")
	}
	c.With(plotting.Size(120, 80))
	if _, has := c.With(plotting.Interactive()).MIMEBundle()[display.VegaLiteMIME]; !has {
		t.Errorf("Interactive() chart has no %s", display.VegaLiteMIME)
	}

	// Through display.Render, as the kernel shows it.
	data, meta := display.Render(c)
	if s, _ := data["image/png"].(string); len(s) == 0 {
		t.Errorf("rendered image/png is not base64 text: %T", data["image/png"])
	}
	if _, ok := meta["image/png"]; !ok {
		t.Errorf("metadata lacks image/png size: %v", meta)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		c    *plotting.Chart
		want error
	}{
		{"length", plotting.Line([]float64{1, 2}, []float64{1}), plotting.ErrLength},
		{"bar length", plotting.Bar([]string{"a"}, []float64{1, 2}), plotting.ErrLength},
		{"color", plotting.Line([]float64{1}, []float64{1}, plotting.Color("nope")), plotting.ErrBadColor},
		{"ragged heatmap", plotting.Heatmap([][]float64{{1, 2}, {3}}), plotting.ErrLength},
		{"empty heatmap", plotting.Heatmap(nil), plotting.ErrEmpty},
		{"first error kept", plotting.Line([]float64{1}, nil).Scatter(nil, []float64{1, 2, 3}, plotting.Color("x")), plotting.ErrLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.Err(); !errors.Is(err, tc.want) {
				t.Fatalf("Err() = %v, want %v", err, tc.want)
			}
			b := tc.c.MIMEBundle()
			if len(b) != 1 || !strings.HasPrefix(b["text/plain"].(string), "plotting:") {
				t.Errorf("bundle of a broken chart = %v, want only its error as text/plain", b)
			}
			if _, err := tc.c.PNG(); !errors.Is(err, tc.want) {
				t.Errorf("PNG() error = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestNoPanic feeds awkward data; every chart must render or report an
// error, never panic.
func TestNoPanic(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	charts := map[string]*plotting.Chart{
		"empty":          plotting.New(plotting.Title("nothing")),
		"nan":            plotting.Line([]float64{1, nan, 3}, []float64{nan, 2, inf}),
		"all nan":        plotting.Scatter([]float64{nan}, []float64{nan}),
		"single point":   plotting.Line([]float64{1}, []float64{1}),
		"log nonpos":     plotting.Line([]float64{-1, 0, 1, 10}, []float64{0, -5, 1, 100}, plotting.LogX(), plotting.LogY()),
		"log all nonpos": plotting.Line([]float64{-1, 0}, []float64{0, -5}, plotting.LogY()),
		"log bars":       plotting.Bar([]string{"a", "b"}, []float64{0, 10}, plotting.LogY()),
		"log hist":       plotting.Hist([]float64{1, 1, 2, 3, 3, 3}, plotting.LogY()),
		"hist constant":  plotting.Hist([]float64{5, 5, 5}),
		"hist empty":     plotting.Hist(nil),
		"box empty":      plotting.Box(nil, plotting.Name("none")),
		"box one":        plotting.Box([]float64{1}),
		"bar negative":   plotting.Bar([]string{"a", "b"}, []float64{-3, 2}, plotting.Stacked()).Bar([]string{"b", "c"}, []float64{-1, 4}),
		"heat constant":  plotting.Heatmap([][]float64{{1, 1}, {1, 1}}),
		"heat nan":       plotting.Heatmap([][]float64{{nan}}),
		"time one":       plotting.Line([]float64{1.7e9}, []float64{1}, plotting.TimeX("")),
		"ranges":         plotting.Line([]float64{1, 2}, []float64{1, 2}, plotting.XRange(5, 0), plotting.YRange(3, 3)),
		"stacked area mismatch": plotting.Area([]float64{1, 2}, []float64{1, 2}, plotting.Stacked()).
			Area([]float64{1, 2, 3}, []float64{1, 2, 3}),
	}
	for name, c := range charts {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c.With(plotting.Size(160, 100))
			if _, err := c.PNG(); err != nil {
				t.Errorf("PNG: %v", err)
			}
			if _, err := c.SVG(); err != nil {
				t.Errorf("SVG: %v", err)
			}
			_ = c.VegaLite()
		})
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	c := plotting.Bar([]string{"a", "b"}, []float64{1, 2}, plotting.Title("save"), plotting.Size(160, 100))
	magic := map[string]string{".png": "\x89PNG", ".svg": "<?xml", ".pdf": "%PDF", ".PNG": "\x89PNG"}
	for ext, want := range magic {
		path := filepath.Join(dir, "chart"+ext)
		if err := c.Save(path); err != nil {
			t.Fatalf("Save(%s): %v", path, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(want)) {
			t.Errorf("%s starts with %.8q, want %q", ext, b, want)
		}
	}
	path := filepath.Join(dir, "chart.gif")
	if err := c.Save(path); !errors.Is(err, plotting.ErrFormat) {
		t.Errorf("Save(.gif) error = %v, want ErrFormat", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Save(.gif) left a file behind")
	}
	f := plotting.Grid(1, []*plotting.Chart{c, c})
	if err := f.Save(filepath.Join(dir, "grid.pdf")); err != nil {
		t.Errorf("Figure.Save: %v", err)
	}
}

func TestSize(t *testing.T) {
	c := plotting.Line([]float64{1, 2}, []float64{1, 2}, plotting.Size(300, 200))
	b, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got.X != 300 || got.Y != 200 {
		t.Errorf("size %v, want 300x200", got)
	}
	f := plotting.Grid(2, []*plotting.Chart{c, c, c})
	if w, h := f.Size(); w != 600 || h != 400 {
		t.Errorf("grid size %dx%d, want 600x400", w, h)
	}
	if err := plotting.Grid(0, nil).Err(); err == nil {
		t.Errorf("Grid(0, nil) has no error")
	}
}

// TestDownsampleInvisible checks that drawing a long line reduced per
// pixel column gives the same picture as drawing every point: fewer than
// 1% of the pixels differ by more than a quarter of the color range (what
// is left are antialiasing shades where thousands of strokes overlap).
func TestDownsampleInvisible(t *testing.T) {
	t.Parallel()
	n, w, h := 10000, 400, 250
	if raceEnabled {
		n, w, h = 4000, 240, 150
	}
	rng := rand.New(rand.NewPCG(3, 4))
	walk, wave := make([]float64, n), make([]float64, n)
	for i := range walk {
		if i > 0 {
			walk[i] = walk[i-1] + rng.NormFloat64()
		}
		wave[i] = math.Sin(float64(i)*60/float64(n)) + 0.3*math.Sin(float64(i)*1.7)
	}
	for name, y := range map[string][]float64{"random walk": walk, "dense wave": wave} {
		t.Run(name, func(t *testing.T) {
			x := plotting.Seq(n)
			t.Parallel()
			reduced, err := plotting.Line(x, y, plotting.Size(w, h)).PNG()
			if err != nil {
				t.Fatal(err)
			}
			full, err := plotting.Line(x, y, plotting.Size(w, h), plotting.NoDownsample()).PNG()
			if err != nil {
				t.Fatal(err)
			}
			frac := pixelDiff(t, reduced, full, 0.25)
			t.Logf("%.3f%% of pixels differ", 100*frac)
			if frac > 0.01 {
				t.Errorf("downsampled line differs in %.2f%% of pixels, want < 1%%", 100*frac)
			}
		})
	}
}

// TestDenseScatterInvisible checks that a large scatter composited as a
// bitmap looks like the same scatter drawn glyph by glyph.
func TestDenseScatterInvisible(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	n := 5500
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
		y[i] = x[i] + rng.NormFloat64()
	}
	fast, err := plotting.Scatter(x, y, plotting.Name("s"), plotting.Size(320, 200)).PNG()
	if err != nil {
		t.Fatal(err)
	}
	exact, err := plotting.Scatter(x, y, plotting.Name("s"), plotting.Size(320, 200), plotting.NoDownsample()).PNG()
	if err != nil {
		t.Fatal(err)
	}
	frac := pixelDiff(t, fast, exact, 0.25)
	t.Logf("%.3f%% of pixels differ", 100*frac)
	if frac > 0.01 {
		t.Errorf("bitmap scatter differs in %.2f%% of pixels, want < 1%%", 100*frac)
	}
}
