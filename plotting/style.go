package plotting

import (
	"sync"

	"fmt"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg/vgpdf"
	"image/color"
	"strconv"
	"strings"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Default chart size in CSS pixels. PNGs are rendered at 96 dpi, so one
// pixel is 0.75 pt and the PNG is exactly DefaultWidth x DefaultHeight.
const (
	DefaultWidth  = 640
	DefaultHeight = 400
)

// dpi is the resolution of raster output; with 96 dpi a CSS pixel is a
// device pixel, which is what Jupyter front ends assume.
const dpi = 96

// px converts CSS pixels to vg lengths (points).
func px(v float64) vg.Length { return vg.Length(v) * vg.Inch / dpi }

// Palette is the default series palette, Tableau 10, which is also the
// default categorical scheme of Vega-Lite: static and interactive charts
// of the same description use the same colors.
var Palette = []string{
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
}

var (
	colorText  = color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
	colorAxis  = color.RGBA{R: 0x88, G: 0x88, B: 0x88, A: 0xff}
	colorGrid  = color.RGBA{R: 0xe3, G: 0xe3, B: 0xe3, A: 0xff}
	colorWhite = color.RGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// parseColor parses "#rgb", "#rrggbb" or "#rrggbbaa" and a few names.
func parseColor(s string) (color.RGBA, error) {
	if c, ok := namedColors[strings.ToLower(s)]; ok {
		return parseColor(c)
	}
	h := strings.TrimPrefix(s, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) == 6 {
		h += "ff"
	}
	if len(h) != 8 || !strings.HasPrefix(s, "#") {
		return color.RGBA{}, fmt.Errorf("%w: %q (want #rrggbb or one of black, gray, red, green, blue, orange, purple)", ErrBadColor, s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return color.RGBA{}, fmt.Errorf("%w: %q (want #rrggbb)", ErrBadColor, s)
	}
	return color.RGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, nil
}

var namedColors = map[string]string{
	"black": "#000000", "gray": "#888888", "grey": "#888888", "white": "#ffffff",
	"blue": Palette[0], "orange": Palette[1], "red": Palette[2], "teal": Palette[3],
	"green": Palette[4], "yellow": Palette[5], "purple": Palette[6], "pink": Palette[7],
	"brown": Palette[8],
}

// hexColor formats c as #rrggbb (alpha dropped) for Vega-Lite.
func hexColor(c color.RGBA) string {
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

func withAlpha(c color.RGBA, a uint8) color.NRGBA {
	return color.NRGBA{R: c.R, G: c.G, B: c.B, A: a}
}

func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = stdfont.WeightBold
	}
	return f
}

// applyTheme gives a gonum plot the GoLab look: sans-serif fonts sized for
// screens, quiet axes, and no box around the data area.
func applyTheme(p *plot.Plot, pdf bool) {
	p.BackgroundColor = colorWhite
	p.Title.TextStyle.Font = boldFont(13, pdf)
	p.Title.TextStyle.Color = colorText
	p.Title.Padding = px(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(10.5, false)
		a.Label.TextStyle.Color = colorText
		a.Tick.Label.Font = sans(9, false)
		a.Tick.Label.Color = colorText
		a.LineStyle.Color = colorAxis
		a.LineStyle.Width = px(1)
		a.Tick.LineStyle.Color = colorAxis
		a.Tick.LineStyle.Width = px(1)
		a.Tick.Length = px(4)
		a.Padding = px(2)
	}
	p.Legend.TextStyle.Font = sans(9, false)
	p.Legend.TextStyle.Color = colorText
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = px(18)
	p.Legend.Padding = px(3)
	p.Legend.XOffs = -px(6)
	p.Legend.YOffs = -px(4)
}

// pdfBold names Liberation Sans Bold as a regular-weight typeface of its
// own. vgpdf registers every font as regular but selects bold fonts with
// the "B" style, which fails ("undefined font"); the alias sidesteps that.
var pdfBold = font.Font{Typeface: "GoLabPDF", Variant: "SansBold"}

var registerPDFBold sync.Once

// boldFont is the title font; on PDF canvases it is the pdfBold alias.
func boldFont(size vg.Length, pdf bool) font.Font {
	if !pdf {
		return sans(size, true)
	}
	registerPDFBold.Do(func() {
		for _, f := range liberation.Collection() {
			if f.Font.Variant == "Sans" && f.Font.Weight == stdfont.WeightBold && f.Font.Style == stdfont.StyleNormal {
				font.DefaultCache.Add(font.Collection{{Font: pdfBold, Face: f.Face}})
			}
		}
	})
	f := pdfBold
	f.Size = size
	return f
}

// isPDF reports whether dc draws into a PDF document.
func isPDF(dc draw.Canvas) bool {
	switch c := dc.Canvas.(type) {
	case *vgpdf.Canvas:
		return true
	case draw.Canvas: // draw.Crop wraps the canvas it crops
		return isPDF(c)
	}
	return false
}

func solidLine(c color.Color, widthPx float64, dashed bool) draw.LineStyle {
	ls := draw.LineStyle{Color: c, Width: px(widthPx)}
	if dashed {
		ls.Dashes = []vg.Length{px(6), px(4)}
	}
	return ls
}

func plotTextHandler() text.Handler { return plot.DefaultTextHandler }
