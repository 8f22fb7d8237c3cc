package plotting_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/golab-dev/golab/plotting"
)

func randomWalk(n int) (x, y []float64) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y = plotting.Seq(n), make([]float64, n)
	for i := 1; i < n; i++ {
		y[i] = y[i-1] + rng.NormFloat64()
	}
	return x, y
}

// benchRender renders one chart per iteration in the given format and
// reports milliseconds per chart and input points per second.
func benchRender(b *testing.B, n int, format string, build func(x, y []float64) *plotting.Chart) {
	x, y := randomWalk(n)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		c := build(x, y)
		var err error
		switch format {
		case "png":
			_, err = c.PNG()
		case "svg":
			_, err = c.SVG()
		case "bundle":
			c.MIMEBundle()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(elapsed.Seconds()*1000/float64(b.N), "ms/op")
	b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "points/s")
}

// BenchmarkLine100k is the large-data target: a 100,000-point line
// rendered to a 640x400 PNG in under 300 ms.
//
//	go test ./plotting -run '^$' -bench Line100k -benchtime 20x
func BenchmarkLine100k(b *testing.B) {
	benchRender(b, 100_000, "png", func(x, y []float64) *plotting.Chart { return plotting.Line(x, y) })
}

func BenchmarkLine100kSVG(b *testing.B) {
	benchRender(b, 100_000, "svg", func(x, y []float64) *plotting.Chart { return plotting.Line(x, y) })
}

// BenchmarkLine100kBundle is what a notebook pays to show the chart:
// PNG and SVG.
func BenchmarkLine100kBundle(b *testing.B) {
	benchRender(b, 100_000, "bundle", func(x, y []float64) *plotting.Chart { return plotting.Line(x, y) })
}

func BenchmarkLine1M(b *testing.B) {
	benchRender(b, 1_000_000, "png", func(x, y []float64) *plotting.Chart { return plotting.Line(x, y) })
}

func BenchmarkScatter100k(b *testing.B) {
	benchRender(b, 100_000, "png", func(x, y []float64) *plotting.Chart { return plotting.Scatter(x, y) })
}

// BenchmarkLine100kNoDownsample shows what the downsampling saves.
func BenchmarkLine100kNoDownsample(b *testing.B) {
	benchRender(b, 100_000, "png", func(x, y []float64) *plotting.Chart {
		return plotting.Line(x, y, plotting.NoDownsample())
	})
}
