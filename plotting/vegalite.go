package plotting

import (
	"fmt"

	"github.com/golab-dev/golab/kernel/display"
)

const vegaLiteMIME = display.VegaLiteMIME

// VegaLiteSchema is the $schema of every specification this package
// builds.
const VegaLiteSchema = "https://vega.github.io/schema/vega-lite/v5.json"

// VegaLite returns the chart as a Vega-Lite v5 specification with the data
// inlined, built from the same description as the PNG and SVG: same
// layers, colors, axis titles, log and time axes. Showing it in a notebook
// gives an interactive chart (tooltips; drag to pan, wheel to zoom on x/y
// charts). Long sorted lines are reduced per pixel column and large
// scatters to one point per pixel, as for the PNG, so the inlined data
// stays proportional to the chart size. A chart with an error yields a specification that shows the
// error as its title.
func (c *Chart) VegaLite() display.VegaLiteSpec {
	return display.VegaLite(c.vegaSpec())
}

func (c *Chart) vegaSpec() map[string]any {
	spec := map[string]any{
		"$schema":  VegaLiteSchema,
		"width":    c.width,
		"height":   c.height,
		"autosize": map[string]any{"type": "fit", "contains": "padding"},
		"config": map[string]any{
			"font": "Liberation Sans, Arial, sans-serif",
			"view": map[string]any{"stroke": nil},
		},
	}
	if c.err != nil {
		spec["title"] = c.err.Error()
		spec["mark"] = "point"
		spec["data"] = map[string]any{"values": []any{}}
		return spec
	}
	if c.title != "" {
		spec["title"] = c.title
	}
	colors := c.colors()
	names := make([]string, len(c.layers))
	var domain, rng []string
	named := false
	for i, l := range c.layers {
		names[i] = l.name
		if l.name == "" {
			names[i] = fmt.Sprintf("series %d", i+1)
		} else {
			named = true
		}
		if l.kind != kindHeatmap {
			domain = append(domain, names[i])
			rng = append(rng, hexColor(colors[i]))
		}
	}
	colorEnc := map[string]any{
		"field": "series", "type": "nominal",
		"scale": map[string]any{"domain": domain, "range": rng},
	}
	switch {
	case !named || c.legend == "none":
		colorEnc["legend"] = nil
	default:
		colorEnc["legend"] = map[string]any{"orient": c.legend, "title": nil}
	}
	xtype := "quantitative"
	if c.timeX {
		xtype = "temporal"
	}
	xEnc := func() map[string]any {
		e := map[string]any{"field": "x", "type": xtype, "title": nilIfEmpty(c.xlabel)}
		sc := map[string]any{"zero": false}
		if c.logX {
			sc["type"] = "log"
		}
		if c.xr != nil {
			sc["domain"] = []float64{c.xscale(c.xr[0]), c.xscale(c.xr[1])}
		}
		e["scale"] = sc
		return e
	}
	yScale := func(zero bool) map[string]any {
		sc := map[string]any{"zero": zero}
		if c.logY {
			sc["type"] = "log"
		}
		if c.yr != nil {
			sc["domain"] = []float64{c.yr[0], c.yr[1]}
		}
		return sc
	}
	yTitle := nilIfEmpty(c.ylabel)

	var layers []any
	zoom := false
	xlo, xhi := c.xDataRange()
	// Unstacked x/y layers, each its own Vega-Lite layer.
	var stackedAreas []any
	for i, l := range c.layers {
		switch l.kind {
		case kindLine, kindScatter, kindArea:
		default:
			continue
		}
		x, y := positivePairs(l.x, l.y, c.logX, c.logY)
		switch {
		case c.noDownsample || len(x) == 0:
		case l.kind == kindScatter:
			ylo, yhi := minMax(y)
			x, y = dedupePixels(x, y, c.width, c.height, xlo, xhi, ylo, yhi, c.logX, c.logY)
		case sorted(x) && !(c.stacked && l.kind == kindArea):
			x, y = downsampleMinMax(x, y, c.width, xlo, xhi, c.logX)
		}
		values := make([]any, len(x))
		for k := range x {
			values[k] = map[string]any{"x": c.xscale(x[k]), "y": y[k], "series": names[i]}
		}
		if c.stacked && l.kind == kindArea {
			stackedAreas = append(stackedAreas, values...)
			continue
		}
		mark := map[string]any{"tooltip": true}
		switch l.kind {
		case kindLine:
			mark["type"] = "line"
			mark["strokeWidth"] = widthOr(l.width, 1.5)
			if l.dashed {
				mark["strokeDash"] = []int{6, 4}
			}
			if l.points {
				mark["point"] = true
			}
		case kindScatter:
			mark["type"] = "point"
			mark["filled"] = true
			r := widthOr(l.marker, 2.5)
			mark["size"] = 3.14159 * r * r
		case kindArea:
			mark["type"] = "area"
			mark["opacity"] = 0.4
			mark["line"] = true
		}
		enc := map[string]any{
			"x":     xEnc(),
			"y":     map[string]any{"field": "y", "type": "quantitative", "title": yTitle, "scale": yScale(l.kind == kindArea && !c.logY), "stack": nil},
			"color": colorEnc,
		}
		lay := map[string]any{"data": map[string]any{"values": values}, "mark": mark, "encoding": enc}
		if !zoom {
			lay["params"] = []any{map[string]any{"name": "zoom", "select": "interval", "bind": "scales"}}
			zoom = true
		}
		layers = append(layers, lay)
	}
	if len(stackedAreas) > 0 {
		layers = append(layers, map[string]any{
			"data": map[string]any{"values": stackedAreas},
			"mark": map[string]any{"type": "area", "opacity": 0.6, "line": true, "tooltip": true},
			"encoding": map[string]any{
				"x":     xEnc(),
				"y":     map[string]any{"field": "y", "type": "quantitative", "title": yTitle, "scale": yScale(!c.logY), "stack": "zero"},
				"color": colorEnc,
			},
		})
	}
	if b := c.barsPlotter(colors); b != nil {
		var values []any
		for li, l := range b.layers {
			for ci, cat := range b.cats {
				if v := b.values[li][ci]; isFinite(v) {
					values = append(values, map[string]any{"category": cat, "value": v, "series": names[indexOf(c.layers, l)]})
				}
			}
		}
		enc := map[string]any{
			"x":     map[string]any{"field": "category", "type": "nominal", "sort": nil, "title": nilIfEmpty(c.xlabel), "axis": map[string]any{"labelAngle": 0}},
			"y":     map[string]any{"field": "value", "type": "quantitative", "title": yTitle, "scale": yScale(!c.logY)},
			"color": colorEnc,
		}
		if !c.stacked {
			enc["xOffset"] = map[string]any{"field": "series", "sort": nil}
			enc["y"].(map[string]any)["stack"] = nil
		}
		layers = append(layers, map[string]any{"data": map[string]any{"values": values}, "mark": map[string]any{"type": "bar", "tooltip": true}, "encoding": enc})
	}
	if h := c.histPlotter(colors); h != nil {
		var values []any
		for li, l := range h.layers {
			for bi, n := range h.counts[li] {
				values = append(values, map[string]any{"bin_start": h.edges[bi], "bin_end": h.edges[bi+1], "count": n, "series": names[indexOf(c.layers, l)]})
			}
		}
		opacity := 1.0
		if len(h.layers) > 1 {
			opacity = 0.6
		}
		layers = append(layers, map[string]any{
			"data": map[string]any{"values": values},
			"mark": map[string]any{"type": "bar", "opacity": opacity, "tooltip": true, "stroke": "white", "strokeWidth": 0.5},
			"encoding": map[string]any{
				"x":     map[string]any{"field": "bin_start", "type": "quantitative", "bin": map[string]any{"binned": true}, "title": nilIfEmpty(c.xlabel)},
				"x2":    map[string]any{"field": "bin_end"},
				"y":     map[string]any{"field": "count", "type": "quantitative", "title": yTitleOr(c.ylabel, "count"), "stack": nil, "scale": yScale(!c.logY)},
				"color": colorEnc,
			},
		})
	}
	if bx := c.boxPlotter(colors); bx != nil {
		var values []any
		for _, l := range bx.layers {
			for _, v := range l.vals {
				values = append(values, map[string]any{"series": names[indexOf(c.layers, l)], "value": v})
			}
		}
		layers = append(layers, map[string]any{
			"data": map[string]any{"values": values},
			"mark": map[string]any{"type": "boxplot", "extent": 1.5},
			"encoding": map[string]any{
				"x":     map[string]any{"field": "series", "type": "nominal", "sort": nil, "title": nilIfEmpty(c.xlabel), "axis": map[string]any{"labelAngle": 0}},
				"y":     map[string]any{"field": "value", "type": "quantitative", "title": yTitle, "scale": yScale(false)},
				"color": colorEnc,
			},
		})
	}
	if hm := c.heatmap(); hm != nil {
		var values []any
		for r, row := range hm.z {
			for col, z := range row {
				if isFinite(z) {
					values = append(values, map[string]any{"col": col, "row": r, "z": z})
				}
			}
		}
		layers = append(layers, map[string]any{
			"data": map[string]any{"values": values},
			"mark": map[string]any{"type": "rect", "tooltip": true},
			"encoding": map[string]any{
				"x":     map[string]any{"field": "col", "type": "ordinal", "title": nilIfEmpty(c.xlabel)},
				"y":     map[string]any{"field": "row", "type": "ordinal", "sort": "descending", "title": yTitle},
				"color": map[string]any{"field": "z", "type": "quantitative", "scale": map[string]any{"scheme": "viridis"}, "title": nilIfEmpty(hm.name)},
			},
		})
		spec["resolve"] = map[string]any{"scale": map[string]any{"color": "independent"}}
	}
	if len(layers) == 0 {
		spec["mark"] = "point"
		spec["data"] = map[string]any{"values": []any{}}
		return spec
	}
	spec["layer"] = layers
	return spec
}

// xscale converts an x value to what Vega-Lite expects: milliseconds on a
// time axis.
func (c *Chart) xscale(v float64) float64 {
	if c.timeX {
		return v * 1000
	}
	return v
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func yTitleOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func indexOf(ls []*layer, l *layer) int {
	for i, x := range ls {
		if x == l {
			return i
		}
	}
	return 0
}
