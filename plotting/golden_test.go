package plotting_test

import (
	"bytes"
	"flag"
	"image"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golab-dev/golab/plotting"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// renderer is a Chart or a Figure.
type renderer interface {
	PNG() ([]byte, error)
	SVG() ([]byte, error)
}

func goldenCases() []struct {
	name string
	r    renderer
} {
	rng := rand.New(rand.NewPCG(1, 2))
	x := plotting.Seq(60)
	sin, cos := make([]float64, len(x)), make([]float64, len(x))
	for i, v := range x {
		sin[i] = math.Sin(v / 6)
		cos[i] = 0.8 * math.Cos(v/6)
	}
	sx, sy := make([]float64, 300), make([]float64, 300)
	for i := range sx {
		sx[i] = rng.NormFloat64()
		sy[i] = 0.6*sx[i] + 0.5*rng.NormFloat64()
	}
	a, b := make([]float64, 1000), make([]float64, 1000)
	for i := range a {
		a[i] = rng.NormFloat64()
		b[i] = 1.5 + 0.7*rng.NormFloat64()
	}
	exp := make([]float64, 40)
	for i := range exp {
		exp[i] = math.Exp(float64(i) / 4)
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	days := make([]time.Time, 90)
	sales := make([]float64, 90)
	for i := range days {
		days[i] = day.AddDate(0, 0, i)
		sales[i] = 100 + 20*math.Sin(float64(i)/7) + float64(i)
	}
	z := make([][]float64, 12)
	for r := range z {
		z[r] = make([]float64, 16)
		for c := range z[r] {
			z[r][c] = math.Sin(float64(c)/3) * math.Cos(float64(r)/4)
		}
	}
	quarters := []string{"Q1", "Q2", "Q3", "Q4"}

	line := plotting.Line(x, sin, plotting.Name("sin"), plotting.Title("Waves"), plotting.XLabel("t"), plotting.YLabel("amplitude")).
		Line(x, cos, plotting.Name("cos"), plotting.Dashed())
	return []struct {
		name string
		r    renderer
	}{
		{"line", line},
		{"scatter", plotting.Scatter(sx, sy, plotting.Title("Correlated"), plotting.XLabel("x"), plotting.YLabel("y"))},
		{"bar_grouped", plotting.Bar(quarters, []float64{3, 5, 4, 6}, plotting.Name("2025"), plotting.Title("Revenue")).
			Bar(quarters, []float64{4, 6, 5, 8}, plotting.Name("2026"))},
		{"bar_stacked", plotting.Bar(quarters, []float64{3, 5, 4, 6}, plotting.Name("online"), plotting.Stacked()).
			Bar(quarters, []float64{2, 1, 3, 2}, plotting.Name("retail"))},
		{"hist", plotting.Hist(a, plotting.Name("a"), plotting.Bins(30)).Hist(b, plotting.Name("b"))},
		{"box", plotting.Box(a, plotting.Name("a")).Box(b, plotting.Name("b")).Box(sy, plotting.Name("y"))},
		{"area_stacked", plotting.Area(x, plus(sin, 1.2), plotting.Name("base"), plotting.Stacked()).
			Area(x, plus(cos, 1), plotting.Name("extra"))},
		{"heatmap", plotting.Heatmap(z, plotting.Title("Field"), plotting.Name("z"))},
		{"log_y", plotting.Line(x[:40], exp, plotting.LogY(), plotting.Points(), plotting.Title("Growth"))},
		{"time_x", plotting.Line(plotting.Times(days), sales, plotting.TimeX(""), plotting.YLabel("sales"))},
		{"grid", plotting.Grid(2, []*plotting.Chart{
			plotting.Line(x, sin, plotting.Title("line")),
			plotting.Scatter(sx, sy, plotting.Title("scatter")),
			plotting.Hist(a, plotting.Title("hist")),
			plotting.Bar(quarters, []float64{3, 5, 4, 6}, plotting.Title("bar")),
		}, plotting.Title("Four charts"), plotting.Size(320, 200))},
	}
}

func plus(v []float64, d float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] + d
	}
	return out
}

// TestGolden renders every chart kind and compares with testdata: the SVG
// as text, exactly; the PNG pixel by pixel with a tolerance, so that
// antialiasing differences between platforms do not fail the test.
// Regenerate with: go test ./plotting -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gotSVG, err := tc.r.SVG()
			if err != nil {
				t.Fatalf("SVG: %v", err)
			}
			pngPath := filepath.Join("testdata", tc.name+".golden.png")
			svgPath := filepath.Join("testdata", tc.name+".golden.svg")
			if !*update {
				wantSVG := readFile(t, svgPath)
				if !bytes.Equal(gotSVG, wantSVG) {
					t.Errorf("SVG differs from %s (%d vs %d bytes); if the change is intended run go test ./plotting -update", svgPath, len(gotSVG), len(wantSVG))
				}
				if raceEnabled {
					return // the PNG comparison costs most under -race; plain go test runs it
				}
			}
			gotPNG, err := tc.r.PNG()
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			if *update {
				writeFile(t, pngPath, gotPNG)
				writeFile(t, svgPath, gotSVG)
				return
			}
			if frac := pixelDiff(t, gotPNG, readFile(t, pngPath), 0.1); frac > 0.005 {
				t.Errorf("PNG differs from %s in %.2f%% of pixels (tolerance 0.5%%); run go test ./plotting -update if intended", pngPath, 100*frac)
			}
		})
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create goldens with go test ./plotting -update)", err)
	}
	return b
}

// pixelDiff returns the fraction of pixels whose color differs by more
// than tol (0..1) in any channel; different sizes count as all pixels.
func pixelDiff(t *testing.T, a, b []byte, tol float64) float64 {
	t.Helper()
	ia, ib := decodeRGBA(t, a), decodeRGBA(t, b)
	if ia.Bounds() != ib.Bounds() {
		return 1
	}
	limit := int(tol * 255)
	bad := 0
	for i := 0; i < len(ia.Pix); i += 4 {
		for k := range 4 {
			d := int(ia.Pix[i+k]) - int(ib.Pix[i+k])
			if d > limit || -d > limit {
				bad++
				break
			}
		}
	}
	return float64(bad) / float64(len(ia.Pix)/4)
}

func decodeRGBA(t *testing.T, b []byte) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}
