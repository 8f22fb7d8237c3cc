package plotting

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// bars draws every bar layer of a chart: per category, one bar per layer
// side by side (grouped) or on top of each other (stacked). Category i is
// centred at x = i.
type bars struct {
	cats    []string
	layers  []*layer
	colors  []color.RGBA
	values  [][]float64 // values[layer][category]; NaN where a layer lacks the category
	stacked bool
	logY    bool
}

func (c *Chart) barsPlotter(colors []color.RGBA) *bars {
	b := &bars{stacked: c.stacked, logY: c.logY}
	index := map[string]int{}
	for i, l := range c.layers {
		if l.kind != kindBar {
			continue
		}
		for _, cat := range l.cats {
			if _, ok := index[cat]; !ok {
				index[cat] = len(b.cats)
				b.cats = append(b.cats, cat)
			}
		}
		b.layers = append(b.layers, l)
		b.colors = append(b.colors, colors[i])
	}
	if len(b.layers) == 0 {
		return nil
	}
	for _, l := range b.layers {
		v := make([]float64, len(b.cats))
		for i := range v {
			v[i] = math.NaN()
		}
		for i, cat := range l.cats {
			v[index[cat]] = l.vals[i]
		}
		b.values = append(b.values, v)
	}
	return b
}

// barRects returns, for layer li and category ci, the bar's x extent and
// its bottom and top values.
func (b *bars) bar(li, ci int) (x0, x1, y0, y1 float64, ok bool) {
	v := b.values[li][ci]
	if math.IsNaN(v) {
		return 0, 0, 0, 0, false
	}
	const group = 0.8
	if b.stacked {
		base := 0.0
		for k := 0; k < li; k++ {
			if w := b.values[k][ci]; !math.IsNaN(w) && (w >= 0) == (v >= 0) {
				base += w
			}
		}
		return float64(ci) - group/2, float64(ci) + group/2, base, base + v, true
	}
	w := group / float64(len(b.layers))
	x0 = float64(ci) - group/2 + float64(li)*w
	return x0, x0 + w*0.92, 0, v, true
}

func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for li := range b.layers {
		for ci := range b.cats {
			x0, x1, y0, y1, ok := b.bar(li, ci)
			if !ok {
				continue
			}
			if b.logY {
				y0 = math.Max(y0, p.Y.Min)
				if y1 <= 0 {
					continue
				}
			}
			r := c.ClipPolygonY(c.ClipPolygonX(rect(trX(x0), trY(y0), trX(x1), trY(y1))))
			if len(r) > 0 {
				c.FillPolygon(b.colors[li], r)
			}
		}
	}
}

func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(b.cats))-0.5
	ymin, ymax = math.Inf(1), math.Inf(-1)
	if !b.logY {
		ymin, ymax = 0, 0
	}
	for li := range b.layers {
		for ci := range b.cats {
			if _, _, y0, y1, ok := b.bar(li, ci); ok {
				for _, v := range []float64{y0, y1} {
					if b.logY && v <= 0 {
						continue
					}
					ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
				}
			}
		}
	}
	return xmin, xmax, ymin, headroom(ymin, ymax, b.logY)
}

// headroom leaves 5% above the tallest bar so it does not touch the top.
func headroom(lo, hi float64, log bool) float64 {
	if log {
		return hi * 1.3
	}
	if hi > 0 {
		return hi + 0.05*(hi-math.Min(lo, 0))
	}
	return hi
}

// hists draws histogram layers over shared bin edges.
type hists struct {
	edges  []float64
	counts [][]float64
	layers []*layer
	colors []color.RGBA
	logY   bool
}

func (c *Chart) histPlotter(colors []color.RGBA) *hists {
	h := &hists{logY: c.logY}
	var samples [][]float64
	bins := 0
	for i, l := range c.layers {
		if l.kind == kindHist {
			h.layers = append(h.layers, l)
			h.colors = append(h.colors, colors[i])
			samples = append(samples, l.vals)
			bins = max(bins, l.bins)
		}
	}
	if len(h.layers) == 0 {
		return nil
	}
	h.edges = histBins(samples, bins)
	for _, s := range samples {
		h.counts = append(h.counts, histCounts(s, h.edges))
	}
	return h
}

func (h *hists) fill(i int) color.Color {
	if len(h.layers) == 1 {
		return h.colors[i]
	}
	return withAlpha(h.colors[i], 0x99)
}

func (h *hists) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for li, counts := range h.counts {
		base := 0.0
		if h.logY {
			base = p.Y.Min
		}
		for bi, n := range counts {
			if n == 0 || (h.logY && n <= base) {
				continue
			}
			r := rect(trX(h.edges[bi]), trY(base), trX(h.edges[bi+1]), trY(n))
			r = c.ClipPolygonY(c.ClipPolygonX(r))
			if len(r) == 0 {
				continue
			}
			c.FillPolygon(h.fill(li), r)
			c.StrokeLines(solidLine(colorWhite, 0.5, false), append(r, r[0]))
		}
	}
}

func (h *hists) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = h.edges[0], h.edges[len(h.edges)-1]
	ymin, ymax = 0, 1
	if h.logY {
		ymin = 1
	}
	for _, counts := range h.counts {
		for _, n := range counts {
			ymax = math.Max(ymax, n)
		}
	}
	return xmin, xmax, ymin, headroom(ymin, ymax, h.logY)
}

// areas draws area layers: filled to zero, or stacked on the area below
// when the chart is stacked (stacked areas must share x).
type areas struct {
	layers []*layer
	colors []color.RGBA
	xs     [][]float64
	lo, hi [][]float64
	logY   bool
	n      int
}

func (c *Chart) areaPlotter(colors []color.RGBA, cols int, xlo, xhi float64) *areas {
	a := &areas{logY: c.logY}
	var prev []float64
	var prevX []float64
	for i, l := range c.layers {
		if l.kind != kindArea {
			continue
		}
		x, y := positivePairs(l.x, l.y, c.logX, c.logY)
		if c.stacked && prev != nil && len(x) == len(prevX) {
			lo := prev
			hi := make([]float64, len(y))
			for k := range y {
				hi[k] = lo[k] + y[k]
			}
			a.add(l, colors[i], x, lo, hi)
			prev = hi
			continue
		}
		if !c.noDownsample && !c.stacked && sorted(x) {
			x, y = downsampleMinMax(x, y, cols, xlo, xhi, c.logX)
		}
		a.add(l, colors[i], x, make([]float64, len(x)), y)
		prev, prevX = y, x
	}
	if len(a.layers) == 0 {
		return nil
	}
	return a
}

func (a *areas) add(l *layer, c color.RGBA, x, lo, hi []float64) {
	a.layers = append(a.layers, l)
	a.colors = append(a.colors, c)
	a.xs = append(a.xs, x)
	a.lo = append(a.lo, lo)
	a.hi = append(a.hi, hi)
}

func (a *areas) fill(i int) color.Color { return withAlpha(a.colors[i], 0x66) }

func (a *areas) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, l := range a.layers {
		x, lo, hi := a.xs[i], a.lo[i], a.hi[i]
		if len(x) == 0 {
			continue
		}
		poly := make([]vg.Point, 0, 2*len(x))
		top := make([]vg.Point, 0, len(x))
		for k := range x {
			pt := vg.Point{X: trX(x[k]), Y: trY(hi[k])}
			poly = append(poly, pt)
			top = append(top, pt)
		}
		for k := len(x) - 1; k >= 0; k-- {
			b := lo[k]
			if a.logY {
				b = math.Max(b, p.Y.Min)
			}
			poly = append(poly, vg.Point{X: trX(x[k]), Y: trY(b)})
		}
		if clipped := c.ClipPolygonXY(poly); len(clipped) > 0 {
			c.FillPolygon(a.fill(i), clipped)
		}
		c.StrokeLines(solidLine(a.colors[i], widthOr(l.width, 1.5), l.dashed), c.ClipLinesXY(top)...)
	}
}

func (a *areas) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range a.layers {
		for k, x := range a.xs[i] {
			xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			for _, y := range []float64{a.lo[i][k], a.hi[i][k]} {
				if a.logY && y <= 0 {
					continue
				}
				ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
			}
		}
	}
	return xmin, xmax, ymin, ymax
}

// boxes draws box layers side by side; box i is centred at x = i.
type boxes struct {
	layers []*layer
	colors []color.RGBA
	names  []string
	stats  []fiveNum
	outl   [][]float64
}

func (c *Chart) boxPlotter(colors []color.RGBA) *boxes {
	b := &boxes{}
	for i, l := range c.layers {
		if l.kind != kindBox {
			continue
		}
		st, out := summarize(l.vals)
		name := l.name
		if name == "" {
			name = " "
		}
		b.layers = append(b.layers, l)
		b.colors = append(b.colors, colors[i])
		b.names = append(b.names, name)
		b.stats = append(b.stats, st)
		b.outl = append(b.outl, out)
	}
	if len(b.layers) == 0 {
		return nil
	}
	return b
}

func (b *boxes) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, s := range b.stats {
		if len(b.layers[i].vals) == 0 {
			continue
		}
		col := b.colors[i]
		x := float64(i)
		edge := solidLine(col, 1.5, false)
		r := rect(trX(x-0.25), trY(s.q1), trX(x+0.25), trY(s.q3))
		c.FillPolygon(withAlpha(col, 0x55), r)
		c.StrokeLines(edge, append(r, r[0]))
		c.StrokeLine2(solidLine(col, 2.5, false), trX(x-0.25), trY(s.med), trX(x+0.25), trY(s.med))
		c.StrokeLine2(edge, trX(x), trY(s.q3), trX(x), trY(s.highWhisk))
		c.StrokeLine2(edge, trX(x), trY(s.q1), trX(x), trY(s.lowWhisk))
		c.StrokeLine2(edge, trX(x-0.1), trY(s.highWhisk), trX(x+0.1), trY(s.highWhisk))
		c.StrokeLine2(edge, trX(x-0.1), trY(s.lowWhisk), trX(x+0.1), trY(s.lowWhisk))
		g := draw.GlyphStyle{Color: col, Radius: px(2), Shape: draw.RingGlyph{}}
		for _, o := range b.outl[i] {
			pt := vg.Point{X: trX(x), Y: trY(o)}
			if c.Contains(pt) {
				c.DrawGlyph(g, pt)
			}
		}
	}
}

func (b *boxes) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(b.layers))-0.5
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for i, s := range b.stats {
		if len(b.layers[i].vals) > 0 {
			ymin, ymax = math.Min(ymin, s.min), math.Max(ymax, s.max)
		}
	}
	return xmin, xmax, ymin, ymax
}

// gridXYZ adapts a heatmap layer to plotter.GridXYZ.
type gridXYZ [][]float64

func (g gridXYZ) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g gridXYZ) Z(c, r int) float64 { return g[r][c] }
func (g gridXYZ) X(c int) float64    { return float64(c) }
func (g gridXYZ) Y(r int) float64    { return float64(r) }

// cells draws a small heat map as vector rectangles, each overlapping its
// neighbours by a fraction of a pixel so that antialiasing leaves no
// seams.
type cells struct {
	z      [][]float64
	lo, hi float64
}

func (h cells) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	o := px(0.4)
	for r, row := range h.z {
		for col, v := range row {
			if !isFinite(v) {
				continue
			}
			x, y := float64(col), float64(r)
			c.FillPolygon(viridisAt((v-h.lo)/(h.hi-h.lo)),
				rect(trX(x-0.5)-o, trY(y-0.5)-o, trX(x+0.5)+o, trY(y+0.5)+o))
		}
	}
}

func (h cells) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(len(h.z[0])) - 0.5, -0.5, float64(len(h.z)) - 0.5
}

// heatPlotters returns the heat map and a plot holding its color bar.
func heatPlotters(l *layer, pdf bool) (plot.Plotter, *plot.Plot) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range l.z {
		for _, v := range row {
			if isFinite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	var h plot.Plotter = cells{z: l.z, lo: lo, hi: hi}
	if len(l.z)*len(l.z[0]) > 40000 {
		hm := plotter.NewHeatMap(gridXYZ(l.z), viridis{})
		hm.Min, hm.Max = lo, hi
		hm.NaN = color.Transparent
		hm.Rasterized = true
		h = hm
	}

	cb := plot.New()
	applyTheme(cb, pdf)
	cb.HideX()
	cb.Y.Tick.Marker = niceTicks{n: 5}
	cb.X.Min, cb.X.Max = 0, 1
	cb.Y.Min, cb.Y.Max = lo, hi
	cb.Y.Label.Text = l.name
	cb.Title.Text = " " // aligns the bar with the data area under a title
	cb.Add(colorStrip{lo: lo, hi: hi})
	return h, cb
}

// colorStrip draws the viridis gradient between lo and hi.
type colorStrip struct{ lo, hi float64 }

func (s colorStrip) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	const n = 64
	for i := range n {
		a := s.lo + (s.hi-s.lo)*float64(i)/n
		b := s.lo + (s.hi-s.lo)*float64(i+1)/n
		c.FillPolygon(viridisAt(float64(i)/(n-1)), rect(trX(0.25), trY(a), trX(0.75), trY(b)+px(0.5)))
	}
}

// viridis is the Viridis color scale (also Vega-Lite's "viridis" scheme).
type viridis struct{}

var viridisStops = []color.RGBA{
	{0x44, 0x01, 0x54, 0xff}, {0x48, 0x28, 0x78, 0xff}, {0x3e, 0x4a, 0x89, 0xff},
	{0x31, 0x68, 0x8e, 0xff}, {0x26, 0x82, 0x8e, 0xff}, {0x1f, 0x9e, 0x89, 0xff},
	{0x35, 0xb7, 0x79, 0xff}, {0x6d, 0xcd, 0x59, 0xff}, {0xb4, 0xde, 0x2c, 0xff},
	{0xfd, 0xe7, 0x25, 0xff},
}

func viridisAt(t float64) color.RGBA {
	t = math.Min(math.Max(t, 0), 1) * float64(len(viridisStops)-1)
	i := min(int(t), len(viridisStops)-2)
	f := t - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// Colors implements palette.Palette with 256 steps.
func (viridis) Colors() []color.Color {
	out := make([]color.Color, 256)
	for i := range out {
		out[i] = viridisAt(float64(i) / 255)
	}
	return out
}
