package plotting

import (
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"
)

// Errors reported by charts. They are wrapped with details; test for them
// with errors.Is.
var (
	// ErrLength means x and y (or a frame's columns) differ in length.
	ErrLength = errors.New("plotting: x and y have different lengths")
	// ErrBadColor means a color string could not be parsed.
	ErrBadColor = errors.New("plotting: bad color")
	// ErrFormat means Save or Render was asked for an unknown file format.
	ErrFormat = errors.New("plotting: unsupported format")
	// ErrColumn means a frame column is missing or has the wrong type.
	ErrColumn = errors.New("plotting: column not usable")
	// ErrEmpty means a grid or chart has nothing to draw where something
	// is required.
	ErrEmpty = errors.New("plotting: nothing to draw")
	// ErrRender means gonum/plot failed while drawing (it panicked or
	// returned an error); the chart is not shown.
	ErrRender = errors.New("plotting: render failed")
)

type kind int

const (
	kindLine kind = iota
	kindScatter
	kindArea
	kindBar
	kindHist
	kindBox
	kindHeatmap
)

func (k kind) String() string {
	return [...]string{"line", "scatter", "area", "bar", "histogram", "box", "heatmap"}[k]
}

// layer is one series of a chart: the description from which both the
// gonum/plot rendering and the Vega-Lite specification are built.
type layer struct {
	kind   kind
	name   string
	x, y   []float64   // line, scatter, area
	cats   []string    // bar
	vals   []float64   // bar values, hist and box samples
	z      [][]float64 // heatmap rows, z[row][col]
	color  *color.RGBA // nil: next palette color
	width  float64     // line width in px; 0: default
	dashed bool
	marker float64 // scatter glyph radius in px; 0: default
	bins   int     // histogram bins; 0: automatic
	points bool    // draw glyphs on a line
}

// Chart is one plot: layers (series) that share a pair of axes, plus a
// title, axis labels, a legend and a size. Build it with a constructor such
// as [Line] or [New] and add layers with its methods, which return the
// chart so calls chain:
//
//	c := plotting.Line(x, y, plotting.Name("price")).Scatter(x2, y2, plotting.Name("trades"))
//
// A Chart shows itself in a notebook (it implements MIMEBundle) as a PNG,
// an SVG and a text summary; [Chart.VegaLite] gives the same chart as an
// interactive Vega-Lite specification.
//
// Methods never panic on bad input: the first error is kept, later layers
// are ignored, [Chart.Err] reports it, and displaying the chart shows the
// error as text. A Chart is not safe for concurrent mutation; rendering only
// reads it.
type Chart struct {
	title, xlabel, ylabel string
	width, height         int
	logX, logY            bool
	timeX                 bool
	timeFormat            string
	xr, yr                *[2]float64
	legend                string // top-right (default), top-left, bottom-right, bottom-left, none
	stacked               bool
	interactive           bool
	noDownsample          bool
	layers                []*layer
	err                   error
}

// Option configures a chart or a layer. Every option can be passed to every
// constructor and layer method: chart options (Title, Size, LogY, ...) set
// the chart, layer options (Name, Color, Bins, ...) set the layer they are
// passed with and are ignored where there is no layer (New).
type Option func(*target)

type target struct {
	c    *Chart
	l    *layer
	live *liveConfig
}

// Title sets the chart title.
func Title(s string) Option { return func(t *target) { t.c.title = s } }

// XLabel sets the label of the x axis.
func XLabel(s string) Option { return func(t *target) { t.c.xlabel = s } }

// YLabel sets the label of the y axis.
func YLabel(s string) Option { return func(t *target) { t.c.ylabel = s } }

// Size sets the chart size in CSS pixels (default 640x400). Values below
// 50 are raised to 50.
func Size(width, height int) Option {
	return func(t *target) {
		t.c.width, t.c.height = max(width, 50), max(height, 50)
	}
}

// LogX makes the x axis logarithmic. Points with x <= 0 are not drawn.
func LogX() Option { return func(t *target) { t.c.logX = true } }

// LogY makes the y axis logarithmic. Points with y <= 0 are not drawn.
func LogY() Option { return func(t *target) { t.c.logY = true } }

// TimeX makes the x axis a time axis: x values are Unix seconds (see
// [Times]) and tick labels are formatted with layout (a time.Format
// layout; "" picks one from the visible range). Times are shown in UTC.
func TimeX(layout string) Option {
	return func(t *target) { t.c.timeX, t.c.timeFormat = true, layout }
}

// XRange fixes the x axis range instead of fitting it to the data.
func XRange(min, max float64) Option {
	return func(t *target) { t.c.xr = &[2]float64{min, max} }
}

// YRange fixes the y axis range instead of fitting it to the data.
func YRange(min, max float64) Option {
	return func(t *target) { t.c.yr = &[2]float64{min, max} }
}

// Legend places the legend: "top-right" (default), "top-left",
// "bottom-right", "bottom-left" or "none". The legend lists named layers
// only.
func Legend(position string) Option {
	return func(t *target) {
		switch position {
		case "top-right", "top-left", "bottom-right", "bottom-left", "none":
			t.c.legend = position
		default:
			t.c.setErr(fmt.Errorf("plotting: legend position %q (want top-right, top-left, bottom-right, bottom-left or none)", position))
		}
	}
}

// Stacked stacks the chart's bar layers on each other (instead of grouping
// them side by side) and its area layers on each other (instead of
// overlaying them).
func Stacked() Option { return func(t *target) { t.c.stacked = true } }

// Interactive adds the Vega-Lite specification to the chart's MIME
// bundle, so front ends that render Vega-Lite (JupyterLab, Notebook 7,
// VS Code) show an interactive chart and the others the PNG.
func Interactive() Option { return func(t *target) { t.c.interactive = true } }

// NoDownsample draws every point as a vector path: long lines are not
// reduced per pixel column and large scatters are not composited as a
// bitmap (see the package documentation). Rendering gets slower.
func NoDownsample() Option { return func(t *target) { t.c.noDownsample = true } }

// Name names a layer; named layers appear in the legend.
func Name(s string) Option {
	return func(t *target) {
		if t.l != nil {
			t.l.name = s
		}
	}
}

// Color sets a layer's color: "#rrggbb", "#rgb", "#rrggbbaa" or a name
// (blue, orange, red, teal, green, yellow, purple, pink, brown, gray,
// black). Layers without a color take the next color of [Palette].
func Color(s string) Option {
	return func(t *target) {
		if t.l == nil {
			return
		}
		c, err := parseColor(s)
		if err != nil {
			t.c.setErr(err)
			return
		}
		t.l.color = &c
	}
}

// LineWidth sets the width of a line or area outline in pixels (default 1.5).
func LineWidth(px float64) Option {
	return func(t *target) {
		if t.l != nil {
			t.l.width = px
		}
	}
}

// Dashed draws a line layer dashed.
func Dashed() Option {
	return func(t *target) {
		if t.l != nil {
			t.l.dashed = true
		}
	}
}

// Points draws a glyph at every point of a line layer.
func Points() Option {
	return func(t *target) {
		if t.l != nil {
			t.l.points = true
		}
	}
}

// MarkerSize sets the radius of scatter glyphs in pixels (default 2.5).
func MarkerSize(px float64) Option {
	return func(t *target) {
		if t.l != nil {
			t.l.marker = px
		}
	}
}

// Bins sets the number of histogram bins (default: Sturges' rule, at
// least 5 and at most 100).
func Bins(n int) Option {
	return func(t *target) {
		if t.l != nil && n > 0 {
			t.l.bins = n
		}
	}
}

// New returns an empty chart configured by the chart options in opts.
func New(opts ...Option) *Chart {
	c := &Chart{width: DefaultWidth, height: DefaultHeight, legend: "top-right"}
	c.apply(nil, opts)
	return c
}

// Line returns a chart with one line layer through the points (x[i], y[i]).
func Line(x, y []float64, opts ...Option) *Chart { return New().Line(x, y, opts...) }

// Scatter returns a chart with one scatter layer.
func Scatter(x, y []float64, opts ...Option) *Chart { return New().Scatter(x, y, opts...) }

// Area returns a chart with one area layer, filled between the line and
// zero (or between the line and the layer below it, with [Stacked]).
func Area(x, y []float64, opts ...Option) *Chart { return New().Area(x, y, opts...) }

// Bar returns a chart with one bar layer: one bar per category.
func Bar(categories []string, values []float64, opts ...Option) *Chart {
	return New().Bar(categories, values, opts...)
}

// Hist returns a chart with the histogram of values.
func Hist(values []float64, opts ...Option) *Chart { return New().Hist(values, opts...) }

// Box returns a chart with one box plot of values (median, quartiles,
// whiskers at 1.5 IQR, outliers as points).
func Box(values []float64, opts ...Option) *Chart { return New().Box(values, opts...) }

// Heatmap returns a chart that shows z as colored cells: z[row][col] is
// drawn at x = col, y = row (row 0 at the bottom), with a color bar.
func Heatmap(z [][]float64, opts ...Option) *Chart { return New().Heatmap(z, opts...) }

// Line adds a line layer through the points (x[i], y[i]), drawn in the
// order given. x and y must have the same length. Non-finite points are
// skipped.
func (c *Chart) Line(x, y []float64, opts ...Option) *Chart {
	return c.addXY(kindLine, x, y, opts)
}

// Scatter adds a scatter layer: a glyph at every (x[i], y[i]).
func (c *Chart) Scatter(x, y []float64, opts ...Option) *Chart {
	return c.addXY(kindScatter, x, y, opts)
}

// Area adds an area layer: the line through (x[i], y[i]) filled down to
// zero, or down to the previous area layer when the chart is [Stacked]
// (stacked areas must share their x values).
func (c *Chart) Area(x, y []float64, opts ...Option) *Chart {
	return c.addXY(kindArea, x, y, opts)
}

// Bar adds a bar layer with one bar per category. Bar layers of one chart
// are grouped side by side per category, or stacked with [Stacked];
// categories are matched by name and shown in order of first appearance.
func (c *Chart) Bar(categories []string, values []float64, opts ...Option) *Chart {
	if c.err != nil {
		return c
	}
	if len(categories) != len(values) {
		c.err = fmt.Errorf("%w: %d categories, %d values", ErrLength, len(categories), len(values))
		return c
	}
	l := &layer{kind: kindBar, cats: clone(categories), vals: clone(values)}
	return c.add(l, opts)
}

// Hist adds a histogram layer of values. Several histograms in one chart
// share their bin edges and are drawn translucent over each other.
func (c *Chart) Hist(values []float64, opts ...Option) *Chart {
	return c.add(&layer{kind: kindHist, vals: finite(values)}, opts)
}

// Box adds a box plot of values. Box layers are placed side by side,
// labelled by their names.
func (c *Chart) Box(values []float64, opts ...Option) *Chart {
	return c.add(&layer{kind: kindBox, vals: finite(values)}, opts)
}

// Heatmap adds a heatmap layer; rows of z must have equal lengths.
func (c *Chart) Heatmap(z [][]float64, opts ...Option) *Chart {
	if c.err != nil {
		return c
	}
	if len(z) == 0 || len(z[0]) == 0 {
		c.err = fmt.Errorf("%w: heatmap needs at least one row and one column", ErrEmpty)
		return c
	}
	rows := make([][]float64, len(z))
	for i, r := range z {
		if len(r) != len(z[0]) {
			c.err = fmt.Errorf("%w: heatmap row %d has %d values, row 0 has %d", ErrLength, i, len(r), len(z[0]))
			return c
		}
		rows[i] = clone(r)
	}
	return c.add(&layer{kind: kindHeatmap, z: rows}, opts)
}

func (c *Chart) addXY(k kind, x, y []float64, opts []Option) *Chart {
	if c.err != nil {
		return c
	}
	if len(x) != len(y) {
		c.err = fmt.Errorf("%w: %s with %d x and %d y values", ErrLength, k, len(x), len(y))
		return c
	}
	l := &layer{kind: k}
	l.x, l.y = finitePairs(x, y)
	return c.add(l, opts)
}

func (c *Chart) add(l *layer, opts []Option) *Chart {
	if c.err != nil {
		return c
	}
	c.apply(l, opts)
	if c.err == nil {
		c.layers = append(c.layers, l)
	}
	return c
}

func (c *Chart) apply(l *layer, opts []Option) {
	t := &target{c: c, l: l}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
}

func (c *Chart) setErr(err error) {
	if c.err == nil {
		c.err = err
	}
}

// With applies options to the chart after construction and returns it.
func (c *Chart) With(opts ...Option) *Chart {
	c.apply(nil, opts)
	return c
}

// Err returns the first error met while building the chart, or nil.
func (c *Chart) Err() error { return c.err }

// Size returns the chart's width and height in CSS pixels.
func (c *Chart) Size() (width, height int) { return c.width, c.height }

// String summarizes the chart, e.g. `chart "Sales": line "2024" (12 points)`.
func (c *Chart) String() string {
	if c.err != nil {
		return c.err.Error()
	}
	var b strings.Builder
	b.WriteString("chart")
	if c.title != "" {
		fmt.Fprintf(&b, " %q", c.title)
	}
	if len(c.layers) == 0 {
		b.WriteString(": empty")
	}
	for i, l := range c.layers {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(l.kind.String())
		if l.name != "" {
			fmt.Fprintf(&b, " %q", l.name)
		}
		switch l.kind {
		case kindLine, kindScatter, kindArea:
			fmt.Fprintf(&b, " (%d points)", len(l.x))
		case kindBar:
			fmt.Fprintf(&b, " (%d bars)", len(l.cats))
		case kindHist, kindBox:
			fmt.Fprintf(&b, " (%d values)", len(l.vals))
		case kindHeatmap:
			fmt.Fprintf(&b, " (%dx%d)", len(l.z[0]), len(l.z))
		}
	}
	return b.String()
}

// Times converts times to the x values of a time axis (Unix seconds with
// fractions), for use with [TimeX].
func Times(ts []time.Time) []float64 {
	out := make([]float64, len(ts))
	for i, t := range ts {
		out[i] = float64(t.UnixNano()) / 1e9
	}
	return out
}

// Seq returns 0, 1, ..., n-1 as float64, a convenient x for a series of
// values.
func Seq(n int) []float64 {
	out := make([]float64, max(n, 0))
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

func clone[T any](s []T) []T { return append([]T(nil), s...) }
