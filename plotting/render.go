package plotting

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// colorBarWidth is the strip, in px, that a heatmap's color bar takes at
// the right of the chart.
const colorBarWidth = 70

// colors returns the color of every layer: its own, or the next palette
// color. Heatmaps do not take a palette color.
func (c *Chart) colors() []color.RGBA {
	out := make([]color.RGBA, len(c.layers))
	next := 0
	for i, l := range c.layers {
		switch {
		case l.color != nil:
			out[i] = *l.color
		case l.kind == kindHeatmap:
		default:
			out[i], _ = parseColor(Palette[next%len(Palette)])
			next++
		}
	}
	return out
}

func (c *Chart) heatmap() *layer {
	for _, l := range c.layers {
		if l.kind == kindHeatmap {
			return l
		}
	}
	return nil
}

// draw draws the chart on dc, recovering from gonum/plot panics.
func (c *Chart) draw(dc draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrRender, r)
		}
	}()
	if c.err != nil {
		return c.err
	}
	// Breathing room: gonum/plot draws up to the canvas edge.
	dc = draw.Crop(dc, px(4), -px(14), px(4), -px(8))
	p, leg, cb, err := c.plot(dc.Max.X-dc.Min.X, isPDF(dc))
	if err != nil {
		return err
	}
	main := dc
	if cb != nil {
		main.Max.X = dc.Max.X - px(colorBarWidth)
		bar := dc
		bar.Min.X = main.Max.X
		cb.Draw(bar)
	}
	p.Draw(main)
	if leg != nil {
		// The legend sits on a translucent white card so data under it
		// stays visible but does not fight the text.
		da := p.DataCanvas(main)
		r := legendRect(leg.Legend, leg.names, da)
		pad := px(4)
		da.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 0xd8},
			rect(r.Min.X-pad, r.Min.Y-pad, r.Max.X+pad, r.Max.Y+pad))
		leg.Draw(da)
	}
	return nil
}

// plot builds the gonum plot (and a color bar plot for heatmaps). widthLen
// is the drawing width, used to decide how far lines can be downsampled.
func (c *Chart) plot(widthLen vg.Length, pdf bool) (*plot.Plot, *legendBox, *plot.Plot, error) {
	p := plot.New()
	applyTheme(p, pdf)
	p.Title.Text = c.title
	p.X.Label.Text = c.xlabel
	p.Y.Label.Text = c.ylabel
	p.X.Tick.Marker = niceTicks{n: max(3, c.width/110)}
	p.Y.Tick.Marker = niceTicks{n: max(3, c.height/80)}
	if c.logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if c.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if c.timeX {
		p.X.Tick.Marker = timeTicks{layout: c.timeFormat}
	}
	switch c.legend {
	case "top-left":
		p.Legend.Left = true
		p.Legend.XOffs = px(6)
	case "bottom-right":
		p.Legend.Top = false
		p.Legend.YOffs = px(4)
	case "bottom-left":
		p.Legend.Top, p.Legend.Left = false, true
		p.Legend.XOffs, p.Legend.YOffs = px(6), px(4)
	}
	if c.heatmap() == nil {
		grid := plotter.NewGrid()
		grid.Vertical = solidLine(colorGrid, 1, false)
		grid.Horizontal = solidLine(colorGrid, 1, false)
		p.Add(grid)
	}

	colors := c.colors()
	xlo, xhi := c.xDataRange()
	cols := 2 * int(widthLen*dpi/vg.Inch) // two columns per pixel: denser coverage of busy columns
	var nominal []string
	var legend []legendItem

	// Bars and histograms are drawn as one plotter each, so that grouping
	// and stacking see every layer.
	if b := c.barsPlotter(colors); b != nil {
		p.Add(b)
		nominal = b.cats
		for i, l := range b.layers {
			if l.name != "" {
				legend = append(legend, legendItem{l.name, &swatch{fill: b.colors[i]}})
			}
		}
	}
	if h := c.histPlotter(colors); h != nil {
		p.Add(h)
		for i, l := range h.layers {
			if l.name != "" {
				legend = append(legend, legendItem{l.name, &swatch{fill: h.fill(i)}})
			}
		}
	}
	if a := c.areaPlotter(colors, cols, xlo, xhi); a != nil {
		p.Add(a)
		for i, l := range a.layers {
			if l.name != "" {
				legend = append(legend, legendItem{l.name, &swatch{fill: a.fill(i), line: a.colors[i]}})
			}
		}
	}
	if bx := c.boxPlotter(colors); bx != nil {
		p.Add(bx)
		nominal = bx.names
	}
	var cb *plot.Plot
	if hm := c.heatmap(); hm != nil {
		h, bar := heatPlotters(hm, pdf)
		p.Add(h)
		cb = bar
	}
	for i, l := range c.layers {
		col := colors[i]
		switch l.kind {
		case kindLine:
			x, y := positivePairs(l.x, l.y, c.logX, c.logY)
			if !c.noDownsample && sorted(x) {
				x, y = downsampleMinMax(x, y, cols, xlo, xhi, c.logX)
			}
			if len(x) == 0 {
				continue
			}
			ln := &plotter.Line{XYs: xys(x, y), LineStyle: solidLine(col, widthOr(l.width, 1.5), l.dashed)}
			p.Add(ln)
			var thumb plot.Thumbnailer = ln
			if l.points {
				sc := &plotter.Scatter{XYs: xys(x, y), GlyphStyle: draw.GlyphStyle{Color: col, Radius: px(widthOr(l.marker, 2.5)), Shape: draw.CircleGlyph{}}}
				p.Add(sc)
				thumb = multiThumb{ln, sc}
			}
			if l.name != "" {
				legend = append(legend, legendItem{l.name, thumb})
			}
		case kindScatter:
			x, y := positivePairs(l.x, l.y, c.logX, c.logY)
			if len(x) == 0 {
				continue
			}
			if !c.noDownsample {
				ylo, yhi := minMax(y)
				pxW := cols / 2
				x, y = dedupePixels(x, y, pxW, pxW*c.height/c.width, xlo, xhi, ylo, yhi, c.logX, c.logY)
			}
			var sc plot.Thumbnailer
			if len(x) > denseThreshold && !c.noDownsample {
				d := &denseScatter{x: x, y: y, color: col, alpha: 0xd0, radius: widthOr(l.marker, 2.5)}
				p.Add(d)
				sc = d
			} else {
				s := &plotter.Scatter{XYs: xys(x, y), GlyphStyle: draw.GlyphStyle{
					Color: withAlpha(col, 0xd0), Radius: px(widthOr(l.marker, 2.5)), Shape: draw.CircleGlyph{}}}
				p.Add(s)
				sc = s
			}
			if l.name != "" {
				legend = append(legend, legendItem{l.name, sc})
			}
		}
	}
	var leg *legendBox
	if c.legend != "none" && len(legend) > 0 {
		l := p.Legend
		leg = &legendBox{Legend: &l}
		for _, e := range legend {
			leg.Add(e.name, e.thumb)
			leg.names = append(leg.names, e.name)
		}
	}
	if nominal != nil {
		p.NominalX(nominal...)
		p.X.Tick.Label.Font = sans(9, false)
		p.X.Tick.Label.Color = colorText
		p.X.Tick.Length = 0
	}
	if c.xr != nil {
		p.X.Min, p.X.Max = c.xr[0], c.xr[1]
	}
	if c.yr != nil {
		p.Y.Min, p.Y.Max = c.yr[0], c.yr[1]
	}
	fixLogRange(&p.X, c.logX, c.positiveMin(true))
	fixLogRange(&p.Y, c.logY, c.positiveMin(false))
	if len(c.layers) == 0 {
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	}
	return p, leg, cb, nil
}

func widthOr(v, def float64) float64 {
	if v > 0 {
		return v
	}
	return def
}

// legendRect is where Legend.Draw puts the legend on c (gonum's
// Legend.Rectangle ignores the offsets and mirrors left and right).
func legendRect(l *plot.Legend, names []string, c draw.Canvas) vg.Rectangle {
	sty := l.TextStyle
	em := sty.Rectangle(" ").Max.X
	var width, height vg.Length
	entry := sty.Rectangle("Xg").Size().Y
	for i, e := range names {
		width = max(width, l.ThumbnailWidth+em+sty.Rectangle(e).Max.X)
		height += entry
		if i > 0 {
			height += l.Padding
		}
	}
	var r vg.Rectangle
	if l.Left {
		r.Min.X = c.Min.X + l.XOffs
		r.Max.X = r.Min.X + width
	} else {
		r.Max.X = c.Max.X + l.XOffs
		r.Min.X = r.Max.X - width
	}
	if l.Top {
		r.Max.Y = c.Max.Y + l.YOffs
		r.Min.Y = r.Max.Y - height
	} else {
		r.Min.Y = c.Min.Y + l.YOffs
		r.Max.Y = r.Min.Y + height
	}
	return r
}

type legendBox struct {
	*plot.Legend
	names []string
}

type legendItem struct {
	name  string
	thumb plot.Thumbnailer
}

type multiThumb []plot.Thumbnailer

func (m multiThumb) Thumbnail(c *draw.Canvas) {
	for _, t := range m {
		t.Thumbnail(c)
	}
}

// swatch is a legend thumbnail: a filled square, optionally outlined.
type swatch struct {
	fill color.Color
	line color.Color
}

func (s *swatch) Thumbnail(c *draw.Canvas) {
	h := c.Max.Y - c.Min.Y
	side := min(h, px(10))
	cx, cy := (c.Min.X+c.Max.X)/2, (c.Min.Y+c.Max.Y)/2
	r := rect(cx-side/2, cy-side/2, cx+side/2, cy+side/2)
	c.FillPolygon(s.fill, r)
	if s.line != nil {
		c.StrokeLines(solidLine(s.line, 1, false), append(r, r[0]))
	}
}

func rect(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
}

func xys(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[i].X, out[i].Y = x[i], y[i]
	}
	return out
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, f := range v {
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	return lo, hi
}

// xDataRange is the x range of line, scatter and area layers (or the
// fixed XRange), used to split pixel columns for downsampling.
func (c *Chart) xDataRange() (lo, hi float64) {
	if c.xr != nil {
		return c.xr[0], c.xr[1]
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, l := range c.layers {
		switch l.kind {
		case kindLine, kindScatter, kindArea:
			for _, v := range l.x {
				if c.logX && v <= 0 {
					continue
				}
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return lo, hi
}

// positiveMin is the smallest positive data value on an axis, the floor
// of a log axis.
func (c *Chart) positiveMin(xAxis bool) float64 {
	m := math.Inf(1)
	see := func(vs []float64) {
		for _, v := range vs {
			if v > 0 && v < m {
				m = v
			}
		}
	}
	for _, l := range c.layers {
		switch {
		case xAxis && (l.kind == kindLine || l.kind == kindScatter || l.kind == kindArea):
			see(l.x)
		case !xAxis && (l.kind == kindLine || l.kind == kindScatter || l.kind == kindArea):
			see(l.y)
		case !xAxis:
			see(l.vals)
		}
	}
	if math.IsInf(m, 1) {
		return 1
	}
	return m
}

func fixLogRange(a *plot.Axis, log bool, floor float64) {
	if !log {
		return
	}
	if a.Min <= 0 || math.IsInf(a.Min, 0) {
		a.Min = floor
	}
	if a.Max <= a.Min || math.IsInf(a.Max, 0) {
		a.Max = a.Min * 10
	}
}

// canvas returns a vg canvas for the format and the chart size.
func newCanvas(format string, w, h vg.Length) (vg.CanvasWriterTo, error) {
	switch format {
	case "png":
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))}, nil
	case "svg":
		return vgsvg.New(w, h), nil
	case "pdf":
		return vgpdf.New(w, h), nil
	}
	return nil, fmt.Errorf("%w: %q (want png, svg or pdf)", ErrFormat, format)
}

// Render writes the chart to w as "png", "svg" or "pdf".
func (c *Chart) Render(w io.Writer, format string) error {
	return renderTo(w, format, c.width, c.height, c.draw)
}

func renderTo(w io.Writer, format string, width, height int, drawFn func(draw.Canvas) error) error {
	cv, err := newCanvas(strings.ToLower(format), px(float64(width)), px(float64(height)))
	if err != nil {
		return err
	}
	if err := drawFn(draw.New(cv)); err != nil {
		return err
	}
	if _, isSVG := cv.(*vgsvg.Canvas); isSVG {
		// SVG text names the font without a fallback; browsers without
		// Liberation Sans would pick a serif default. Arial and Helvetica
		// have the same metrics, so the layout still fits.
		var b bytes.Buffer
		if _, err := cv.WriteTo(&b); err != nil {
			return err
		}
		_, err = w.Write(bytes.ReplaceAll(b.Bytes(), []byte("font-family:Liberation Sans;"), svgFonts))
		return err
	}
	_, err = cv.WriteTo(w)
	return err
}

var svgFonts = []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")

// PNG renders the chart as a PNG image of its size in pixels.
func (c *Chart) PNG() ([]byte, error) {
	var b bytes.Buffer
	err := c.Render(&b, "png")
	return b.Bytes(), err
}

// SVG renders the chart as an SVG document (fonts referenced by name, not
// embedded).
func (c *Chart) SVG() ([]byte, error) {
	var b bytes.Buffer
	err := c.Render(&b, "svg")
	return b.Bytes(), err
}

// Save writes the chart to path; the extension (.png, .svg or .pdf)
// chooses the format. The file is written only if rendering succeeds.
func (c *Chart) Save(path string) error {
	return saveFile(path, c.Render)
}

func saveFile(path string, render func(io.Writer, string) error) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	var b bytes.Buffer
	if err := render(&b, format); err != nil {
		return fmt.Errorf("plotting: save %s: %w", path, err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plotting: save %s: %w", path, err)
	}
	return nil
}

// MIMEBundle implements display.MIMEBundler: image/png (bytes),
// image/svg+xml, text/plain, and with [Interactive] the Vega-Lite
// specification. A chart that cannot be drawn shows its error as text.
func (c *Chart) MIMEBundle() map[string]any {
	return bundle(c.String(), c.width, c.height, c.Render, c.interactive, c.vegaSpec)
}

func bundle(text string, w, h int, render func(io.Writer, string) error, interactive bool, spec func() map[string]any) map[string]any {
	var pngBuf, svgBuf bytes.Buffer
	if err := render(&pngBuf, "png"); err != nil {
		return map[string]any{"text/plain": err.Error()}
	}
	if err := render(&svgBuf, "svg"); err != nil {
		return map[string]any{"text/plain": err.Error()}
	}
	m := map[string]any{
		"image/png":     pngBuf.Bytes(),
		"image/svg+xml": svgBuf.String(),
		"text/plain":    text,
		"metadata": map[string]any{"image/png": map[string]any{
			"width": w, "height": h,
		}},
	}
	if interactive {
		m[vegaLiteMIME] = spec()
	}
	return m
}
