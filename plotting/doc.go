// Package plotting draws charts for GoLab notebooks: static charts over
// gonum/plot (PNG, SVG, PDF), the same charts as interactive Vega-Lite,
// and live charts that redraw in place from a stream.
//
// # Charts
//
// A [Chart] is a description: layers that share a pair of axes, plus a
// title, axis labels, legend placement and a size. Constructors make a
// chart with one layer; methods of the same name add more:
//
//	x := plotting.Seq(100)
//	c := plotting.Line(x, price, plotting.Name("price"), plotting.Title("ACME")).
//		Scatter(x, trades, plotting.Name("trades")).
//		With(plotting.YLabel("USD"), plotting.LogY())
//
// Layer kinds: [Line], [Scatter], [Area], [Bar] (grouped, or stacked with
// [Stacked]), [Hist], [Box] and [Heatmap] (with a color bar). Axes can be
// logarithmic ([LogX], [LogY]) or show time ([TimeX] with x values made by
// [Times]); [XRange] and [YRange] fix them. [Grid] arranges charts as
// subplots in a [Figure].
//
// Charts read Go slices ([]float64, []string) or the columns of a table:
// LineFrom, ScatterFrom, AreaFrom, BarFrom, HistFrom and BoxFrom take a
// *dataframe.Frame (or any [Columns]) and column names; a time column gives
// a time axis.
//
// Every option works everywhere: chart options (Title, Size, LogY, ...) set
// the chart, layer options (Name, Color, Bins, ...) set the layer they are
// passed with, live options (Last, Window, MaxFPS) set live charts. The
// API has no generic functions, so the yaegi interpreter can call all of
// it.
//
// # Output
//
// In a notebook a chart shows itself: MIMEBundle returns image/png (bytes),
// image/svg+xml and a text/plain summary, and with [Interactive] also the
// Vega-Lite specification (application/vnd.vegalite.v5+json), which
// JupyterLab, Notebook 7 and VS Code render without extensions.
// [Chart.VegaLite] returns the interactive chart on its own, built from the
// same description with the data inlined: same layers, colors, titles,
// scales. [Chart.Save] writes PNG, SVG or PDF by extension; [Chart.Render]
// writes to an io.Writer.
//
// The default size is 640x400 CSS pixels ([DefaultWidth], [DefaultHeight]);
// PNGs are rendered at 96 dpi, so one CSS pixel is one image pixel. The
// style: Liberation Sans text, light grid lines, no frame around the data,
// the Tableau 10 palette ([Palette], also Vega-Lite's default), a legend on
// a translucent card, and Viridis for heatmaps.
//
// # Large data
//
// Rendering cost follows what is visible, not the size of the input:
//
//   - A line (or area) with ascending x and more than four points per pixel
//     column is reduced, per half-pixel column, to its first, lowest,
//     highest and last points, in order ("M4"). The reduced line covers the
//     same pixels; tests check that fewer than 1% of the pixels differ. The
//     Vega-Lite data is reduced the same way.
//   - A scatter drops points that fall on a pixel already holding a point
//     of the same layer, and above 5,000 points composites its glyphs into
//     one bitmap instead of one vector path per glyph.
//   - [NoDownsample] turns both off.
//
// BenchmarkLine100k (go test ./plotting -run '^$' -bench 100k) renders a
// 100,000-point line to PNG in well under the 300 ms budget.
//
// # Live charts
//
// [StreamValues], [StreamPoints], [StreamFunc] and [StreamFrames] draw a
// chart that redraws as data arrives from a channel, a pull function or
// frames, until the source ends or the context is cancelled. [NewLive]
// gives the same chart to feed by hand ([Live.Add], [Live.AddPoint],
// [Live.Close]). A live chart owns one display handle: the first frame is
// display_data, every later one update_display_data with the same
// display_id, at most [MaxFPS] (default 5) frames per second. It keeps the
// last N points per series ([Last], default 1000) or a time window
// ([Window]). Live frames carry image/png and text/plain only, which keeps
// updates small.
//
// # Invariants
//
//   - Nothing panics across the notebook boundary: bad input (mismatched
//     lengths, bad colors, missing columns) is kept as the chart's first
//     error ([Chart.Err]); a chart with an error displays the error as
//     text, and Save, PNG and SVG return it. Panics inside gonum/plot are
//     recovered and reported as [ErrRender].
//   - Non-finite values are skipped; values <= 0 are skipped on log axes.
//   - Rendering is deterministic: the same chart gives the same bytes, which
//     the golden tests under testdata rely on (regenerate them with
//     go test ./plotting -update).
//   - The last frame a live chart publishes shows every point it kept:
//     Close, and every Stream function before it returns, publishes the
//     final frame (waiting out the frame interval if needed), also when the
//     context was cancelled.
//
// # Errors
//
// Errors wrap the sentinels [ErrLength], [ErrBadColor], [ErrFormat],
// [ErrColumn], [ErrEmpty] and [ErrRender]; test them with errors.Is. Errors
// from a table (for example dataframe.ErrColumnNotFound) stay wrapped too.
// Stream functions return ctx.Err() (wrapped) when cancelled.
//
// # Concurrency and ownership
//
// Charts copy the slices they are given, so callers may reuse them. A Chart
// or Figure is not safe for concurrent mutation; rendering only reads it,
// so one chart may be rendered from several goroutines. [Live] is safe for
// concurrent use. Series read from a frame are released after use when they
// have a Release method. Stream functions run in the caller's goroutine
// and start none; a pull function that blocks delays frames.
package plotting
