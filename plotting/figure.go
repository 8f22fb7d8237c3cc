package plotting

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/golab-dev/golab/kernel/display"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is a grid of charts drawn as one image: subplots. Build it with
// [Grid]. Like a Chart it shows itself in a notebook, saves to PNG, SVG or
// PDF, and converts to Vega-Lite (rows of charts side by side).
type Figure struct {
	cols, rows  int
	charts      []*Chart
	title       string
	cellW       int
	cellH       int
	interactive bool
	err         error
}

// Grid arranges charts in rows of cols charts, left to right and top to
// bottom; nil entries leave a cell empty. Each cell is as large as the
// largest chart, so the figure is cols*width x rows*height pixels. Options
// apply to the figure: Title sets a figure title, Size sets the cell size
// and Interactive adds the Vega-Lite specification to the bundle.
func Grid(cols int, charts []*Chart, opts ...Option) *Figure {
	f := &Figure{cols: cols, charts: charts}
	if cols < 1 {
		f.err = fmt.Errorf("plotting: grid needs at least one column, got %d", cols)
		return f
	}
	if len(charts) == 0 {
		f.err = fmt.Errorf("%w: grid without charts", ErrEmpty)
		return f
	}
	f.rows = (len(charts) + cols - 1) / cols
	probe := New()
	probe.width, probe.height = 0, 0
	probe.apply(nil, opts)
	f.title, f.interactive = probe.title, probe.interactive
	f.cellW, f.cellH = probe.width, probe.height
	if f.cellW == 0 {
		for _, c := range charts {
			if c != nil {
				f.cellW, f.cellH = max(f.cellW, c.width), max(f.cellH, c.height)
			}
		}
	}
	if f.cellW == 0 {
		f.cellW, f.cellH = DefaultWidth, DefaultHeight
	}
	for i, c := range charts {
		if c != nil && c.err != nil {
			f.err = fmt.Errorf("plotting: grid chart %d: %w", i, c.err)
			break
		}
	}
	return f
}

// Err returns the error of the figure or of its first broken chart.
func (f *Figure) Err() error { return f.err }

// Size returns the figure's size in CSS pixels.
func (f *Figure) Size() (width, height int) {
	return f.cols * f.cellW, f.rows*f.cellH + f.titleHeight()
}

func (f *Figure) titleHeight() int {
	if f.title == "" {
		return 0
	}
	return 30
}

// String summarizes the figure.
func (f *Figure) String() string {
	if f.err != nil {
		return f.err.Error()
	}
	var parts []string
	for _, c := range f.charts {
		if c == nil {
			parts = append(parts, "empty")
			continue
		}
		parts = append(parts, c.String())
	}
	title := ""
	if f.title != "" {
		title = fmt.Sprintf(" %q", f.title)
	}
	return fmt.Sprintf("figure%s %dx%d: [%s]", title, f.cols, f.rows, strings.Join(parts, "; "))
}

func (f *Figure) draw(dc draw.Canvas) error {
	if f.err != nil {
		return f.err
	}
	if th := f.titleHeight(); th > 0 {
		top := dc
		top.Min.Y = dc.Max.Y - px(float64(th))
		sty := draw.TextStyle{Color: colorText, Font: boldFont(13, isPDF(dc)), XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: plotTextHandler()}
		top.FillText(sty, top.Center(), f.title)
		dc.Max.Y -= px(float64(th))
	}
	tiles := draw.Tiles{Cols: f.cols, Rows: f.rows}
	for i, c := range f.charts {
		if c == nil {
			continue
		}
		if err := c.draw(tiles.At(dc, i%f.cols, i/f.cols)); err != nil {
			return fmt.Errorf("plotting: grid chart %d: %w", i, err)
		}
	}
	return nil
}

// Render writes the figure to w as "png", "svg" or "pdf".
func (f *Figure) Render(w io.Writer, format string) error {
	width, height := f.Size()
	return renderTo(w, format, width, height, f.draw)
}

// PNG renders the figure as a PNG image.
func (f *Figure) PNG() ([]byte, error) {
	var b bytes.Buffer
	err := f.Render(&b, "png")
	return b.Bytes(), err
}

// SVG renders the figure as an SVG document.
func (f *Figure) SVG() ([]byte, error) {
	var b bytes.Buffer
	err := f.Render(&b, "svg")
	return b.Bytes(), err
}

// Save writes the figure to path as PNG, SVG or PDF by extension.
func (f *Figure) Save(path string) error { return saveFile(path, f.Render) }

// MIMEBundle implements display.MIMEBundler like [Chart.MIMEBundle].
func (f *Figure) MIMEBundle() map[string]any {
	w, h := f.Size()
	return bundle(f.String(), w, h, f.Render, f.interactive, f.vegaSpec)
}

// VegaLite returns the figure as a Vega-Lite v5 specification: a vertical
// concatenation of rows, each a horizontal concatenation of the charts'
// specifications.
func (f *Figure) VegaLite() display.VegaLiteSpec { return display.VegaLite(f.vegaSpec()) }

func (f *Figure) vegaSpec() map[string]any {
	spec := map[string]any{"$schema": VegaLiteSchema}
	if f.err != nil {
		spec["title"] = f.err.Error()
		spec["mark"] = "point"
		spec["data"] = map[string]any{"values": []any{}}
		return spec
	}
	if f.title != "" {
		spec["title"] = f.title
	}
	var rows []any
	for r := 0; r < f.rows; r++ {
		var row []any
		for col := 0; col < f.cols; col++ {
			i := r*f.cols + col
			if i >= len(f.charts) || f.charts[i] == nil {
				continue
			}
			s := f.charts[i].vegaSpec()
			delete(s, "$schema")
			delete(s, "config")
			delete(s, "autosize")
			row = append(row, s)
		}
		rows = append(rows, map[string]any{"hconcat": row})
	}
	spec["vconcat"] = rows
	spec["config"] = map[string]any{"view": map[string]any{"stroke": nil}}
	return spec
}
