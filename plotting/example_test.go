package plotting_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golab-dev/golab/plotting"
)

func ExampleLine() {
	x := []float64{1, 2, 3, 4}
	c := plotting.Line(x, []float64{10, 12, 9, 14}, plotting.Name("2025"), plotting.Title("Revenue"), plotting.YLabel("k€")).
		Line(x, []float64{11, 13, 12, 16}, plotting.Name("2026"), plotting.Dashed())
	fmt.Println(c)
	png, _ := c.PNG()
	fmt.Println(len(png) > 0)
	// Output:
	// chart "Revenue": line "2025" (4 points), line "2026" (4 points)
	// true
}

func ExampleScatter() {
	c := plotting.Scatter([]float64{1, 2, 3}, []float64{3, 1, 2}, plotting.MarkerSize(4), plotting.LogY())
	fmt.Println(c)
	// Output: chart: scatter (3 points)
}

func ExampleBar() {
	quarters := []string{"Q1", "Q2", "Q3", "Q4"}
	grouped := plotting.Bar(quarters, []float64{3, 5, 4, 6}, plotting.Name("online")).
		Bar(quarters, []float64{2, 1, 3, 2}, plotting.Name("retail"))
	stacked := plotting.Bar(quarters, []float64{3, 5, 4, 6}, plotting.Name("online"), plotting.Stacked()).
		Bar(quarters, []float64{2, 1, 3, 2}, plotting.Name("retail"))
	fmt.Println(grouped)
	fmt.Println(stacked)
	// Output:
	// chart: bar "online" (4 bars), bar "retail" (4 bars)
	// chart: bar "online" (4 bars), bar "retail" (4 bars)
}

func ExampleHist() {
	c := plotting.Hist([]float64{1, 2, 2, 3, 3, 3, 4}, plotting.Bins(4), plotting.XLabel("value"))
	fmt.Println(c)
	// Output: chart: histogram (7 values)
}

func ExampleBox() {
	c := plotting.Box([]float64{1, 2, 3, 4, 100}, plotting.Name("a")).Box([]float64{2, 3, 4}, plotting.Name("b"))
	fmt.Println(c)
	// Output: chart: box "a" (5 values), box "b" (3 values)
}

func ExampleArea() {
	x := plotting.Seq(3)
	c := plotting.Area(x, []float64{1, 2, 1}, plotting.Name("base"), plotting.Stacked()).
		Area(x, []float64{1, 1, 1}, plotting.Name("extra"))
	fmt.Println(c)
	// Output: chart: area "base" (3 points), area "extra" (3 points)
}

func ExampleHeatmap() {
	c := plotting.Heatmap([][]float64{{1, 2, 3}, {4, 5, 6}}, plotting.Name("z"))
	fmt.Println(c)
	// Output: chart: heatmap "z" (3x2)
}

func ExampleTimes() {
	days := []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
	}
	x := plotting.Times(days)
	c := plotting.Line(x, []float64{5, 7}, plotting.TimeX("Jan 02"))
	fmt.Println(x[0], c)
	// Output: 1.7672256e+09 chart: line (2 points)
}

func ExampleGrid() {
	x := plotting.Seq(10)
	f := plotting.Grid(2, []*plotting.Chart{
		plotting.Line(x, x),
		plotting.Hist(x),
	}, plotting.Title("Overview"), plotting.Size(320, 200))
	w, h := f.Size()
	fmt.Println(f)
	fmt.Println(w, h)
	// Output:
	// figure "Overview" 2x1: [chart: line (10 points); chart: histogram (10 values)]
	// 640 230
}

func ExampleChart_Save() {
	dir, _ := os.MkdirTemp("", "plot")
	defer os.RemoveAll(dir)
	c := plotting.Line([]float64{1, 2}, []float64{1, 4})
	for _, name := range []string{"chart.png", "chart.svg", "chart.pdf", "chart.gif"} {
		err := c.Save(filepath.Join(dir, name))
		fmt.Println(name, err == nil)
	}
	// Output:
	// chart.png true
	// chart.svg true
	// chart.pdf true
	// chart.gif false
}

func ExampleChart_VegaLite() {
	c := plotting.Line([]float64{1, 2, 3}, []float64{2, 4, 3}, plotting.Title("Interactive"))
	spec := c.VegaLite().Spec.(map[string]any)
	layer := spec["layer"].([]any)[0].(map[string]any)
	fmt.Println(spec["$schema"])
	fmt.Println(layer["mark"].(map[string]any)["type"], len(layer["data"].(map[string]any)["values"].([]any)))
	// Output:
	// https://vega.github.io/schema/vega-lite/v5.json
	// line 3
}

func ExampleChart_MIMEBundle() {
	c := plotting.Bar([]string{"a", "b"}, []float64{1, 2}, plotting.Interactive())
	b := c.MIMEBundle()
	for _, mime := range []string{"image/png", "image/svg+xml", "text/plain", "application/vnd.vegalite.v5+json"} {
		_, ok := b[mime]
		fmt.Println(mime, ok)
	}
	// Output:
	// image/png true
	// image/svg+xml true
	// text/plain true
	// application/vnd.vegalite.v5+json true
}

func ExampleChart_Err() {
	c := plotting.Line([]float64{1, 2, 3}, []float64{1, 2})
	fmt.Println(c.Err())
	// Output: plotting: x and y have different lengths: line with 3 x and 2 y values
}

// sales is a stand-in for a dataframe.Frame.
type sales map[string][]float64

func (s sales) Float64s(name string) ([]float64, error) {
	if v, ok := s[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("no column %q", name)
}

func ExampleChart_LineFrom() {
	df := sales{"month": {1, 2, 3}, "revenue": {10, 12, 15}}
	c := plotting.New(plotting.Title("Revenue")).LineFrom(df, "month", "revenue")
	fmt.Println(c)
	fmt.Println(plotting.New().LineFrom(df, "month", "profit").Err())
	// Output:
	// chart "Revenue": line "revenue" (3 points)
	// plotting: column not usable: "profit" as numbers: no column "profit"
}

// Without a kernel, display output goes to standard output as text, so
// the example shows the frames a notebook would get: the first frame, then
// the final one with every value.
func ExampleStreamValues() {
	ch := make(chan float64, 5)
	for _, v := range []float64{1, 3, 2, 5, 4} {
		ch <- v
	}
	close(ch)
	err := plotting.StreamValues(context.Background(), ch, plotting.Last(100))
	fmt.Println(err)
	// Output:
	// live chart: empty
	// live chart: line (5 points)
	// <nil>
}

func ExampleNewLive() {
	l := plotting.NewLive(plotting.Title("loss"), plotting.MaxFPS(2), plotting.Size(320, 200))
	for _, v := range []float64{0.9, 0.5, 0.3} {
		l.Add(v) // the first Add shows the chart; later ones wait for the frame interval
	}
	fmt.Println(l.Close()) // publishes the final frame
	// Output:
	// live chart "loss": line (1 points)
	// live chart "loss": line (3 points)
	// <nil>
}

func ExampleStreamFunc() {
	losses := []float64{0.9, 0.6, 0.4, 0.3}
	i := 0
	next := func() (float64, bool) {
		if i == len(losses) {
			return 0, false
		}
		i++
		return losses[i-1], true
	}
	err := plotting.StreamFunc(context.Background(), next, plotting.Title("loss"), plotting.Size(320, 200))
	fmt.Println(err)
	// Output:
	// live chart "loss": empty
	// live chart "loss": line (4 points)
	// <nil>
}

func ExampleStreamPoints() {
	ch := make(chan plotting.Point, 6)
	for i := range 3 {
		ch <- plotting.Point{X: float64(i), Y: float64(i), Series: "up"}
		ch <- plotting.Point{X: float64(i), Y: float64(-i), Series: "down"}
	}
	close(ch)
	fmt.Println(plotting.StreamPoints(context.Background(), ch, plotting.Last(2), plotting.Size(320, 200)))
	// Output:
	// live chart: empty
	// live chart: line "up" (2 points), line "down" (2 points)
	// <nil>
}

// StreamFrames reads the batches of a stream: *dataframe.Frame values, or
// here maps of named columns.
func ExampleStreamFrames() {
	batches := []map[string][]float64{
		{"t": {0, 1}, "temp": {20.5, 20.7}},
		{"t": {2, 3}, "temp": {20.6, 21.0}},
	}
	k := 0
	next := func() (any, bool) {
		if k == len(batches) {
			return nil, false
		}
		k++
		return batches[k-1], true
	}
	fmt.Println(plotting.StreamFrames(context.Background(), next, "t", "temp", plotting.YLabel("°C"), plotting.Size(320, 200)))
	// Output:
	// live chart: empty
	// live chart: line (4 points)
	// <nil>
}

func ExampleChart_BarFrom() {
	df := map[string][]float64{"store": {1, 2, 3}, "revenue": {120, 80, 95}}
	c := plotting.New(plotting.Title("By store"), plotting.Legend("none")).BarFrom(df, "store", "revenue")
	fmt.Println(c)
	// Output: chart "By store": bar "revenue" (3 bars)
}
