package plotting

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/golab-dev/golab/kernel/display"
)

// Live-chart defaults.
const (
	// DefaultLast is how many points per series a live chart keeps when
	// neither Last nor Window is given.
	DefaultLast = 1000
	// DefaultFPS is the highest frame rate of a live chart.
	DefaultFPS = 5
)

// Point is one value of a live chart: Y at X in the series named Series
// ("" is the default series). With a time axis X is Unix seconds.
type Point struct {
	X, Y   float64
	Series string
}

type liveConfig struct {
	last   int
	window time.Duration
	fps    float64
	kind   kind
}

// Last makes a live chart keep the last n points of each series.
func Last(n int) Option {
	return func(t *target) {
		if t.live != nil && n > 0 {
			t.live.last = n
		}
	}
}

// Window makes a live chart keep the points whose x lies within d of the
// newest x, and puts it on a time axis (x in Unix seconds; values without
// an x get their arrival time).
func Window(d time.Duration) Option {
	return func(t *target) {
		if t.live != nil && d > 0 {
			t.live.window = d
			t.c.timeX = true
		}
	}
}

// MaxFPS caps how often a live chart redraws (default 5 frames per
// second).
func MaxFPS(fps float64) Option {
	return func(t *target) {
		if t.live != nil && fps > 0 {
			t.live.fps = fps
		}
	}
}

// AsScatter draws a live chart's series as scatter layers instead of
// lines.
func AsScatter() Option {
	return func(t *target) {
		if t.live != nil {
			t.live.kind = kindScatter
		}
	}
}

// Live is a chart that redraws in place as values arrive. It owns one
// display handle: the first frame is shown with display_data, later ones
// replace it with update_display_data, at most MaxFPS times per second.
// Points beyond Last (or older than Window) are dropped. [Live.Close]
// publishes the final frame, so the last output always shows every point
// added (within Last/Window).
//
// The Stream functions drive a Live from a channel, a pull function or
// frames; use Live directly to push values from your own loop. All methods
// are safe for concurrent use.
type Live struct {
	cfg      liveConfig
	opts     []Option // chart options, applied to every frame's chart
	seriesOp []Option // layer options for the default series
	handle   *display.Handle
	interval time.Duration
	timeAxis bool // guarded by mu; set when a frame brought a time x column

	mu struct {
		sync.Mutex
		series []*liveSeries
		index  map[string]int
		seq    float64
		dirty  bool
		shown  bool
		closed bool
		last   time.Time // when the last frame was published
		frames int
	}
	pubMu sync.Mutex // serializes rendering and publishing, taken before mu
}

type liveSeries struct {
	name string
	x, y []float64
}

// NewLive returns a live chart configured by opts: chart options (Title,
// YLabel, TimeX, ...), layer options for the default series (Name, Color,
// ...) and live options (Last, Window, MaxFPS, AsScatter). Nothing is
// shown until the first frame.
func NewLive(opts ...Option) *Live {
	l := &Live{cfg: liveConfig{fps: DefaultFPS, kind: kindLine}, handle: display.NewHandle()}
	probe := New()
	probe.apply(&layer{}, nil)
	t := &target{c: probe, l: &layer{}, live: &l.cfg}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	if l.cfg.last == 0 && l.cfg.window == 0 {
		l.cfg.last = DefaultLast
	}
	l.interval = time.Duration(float64(time.Second) / l.cfg.fps)
	l.opts = opts
	if l.cfg.window > 0 {
		l.opts = append(append([]Option(nil), opts...), TimeX(probe.timeFormat))
	}
	l.seriesOp = opts
	l.mu.index = map[string]int{}
	return l
}

// ID returns the display_id the chart updates.
func (l *Live) ID() string { return l.handle.ID() }

// Add appends y to the default series. Its x is the next sequence number
// (0, 1, ...), or the current time on a time axis (Window).
func (l *Live) Add(y float64) {
	l.add(y)
	l.Flush()
}

// AddPoint appends p to its series.
func (l *Live) AddPoint(p Point) {
	l.mu.Lock()
	l.addLocked(p)
	l.mu.Unlock()
	l.Flush()
}

func (l *Live) addLocked(p Point) {
	if l.mu.closed {
		return
	}
	i, ok := l.mu.index[p.Series]
	if !ok {
		i = len(l.mu.series)
		l.mu.index[p.Series] = i
		l.mu.series = append(l.mu.series, &liveSeries{name: p.Series})
	}
	s := l.mu.series[i]
	s.x = append(s.x, p.X)
	s.y = append(s.y, p.Y)
	if n := l.cfg.last; n > 0 && len(s.x) >= 2*n {
		// Compact when twice the limit: amortized O(1) per point.
		s.x = append(s.x[:0], s.x[len(s.x)-n:]...)
		s.y = append(s.y[:0], s.y[len(s.y)-n:]...)
	}
	l.mu.dirty = true
}

// keep returns the visible part of a series.
func (l *Live) keep(s *liveSeries) (x, y []float64) {
	x, y = s.x, s.y
	if n := l.cfg.last; n > 0 && len(x) > n {
		x, y = x[len(x)-n:], y[len(y)-n:]
	}
	if w := l.cfg.window; w > 0 && len(x) > 0 {
		newest := math.Inf(-1)
		for _, v := range x {
			newest = math.Max(newest, v)
		}
		cut := newest - w.Seconds()
		k := 0
		for k < len(x) && x[k] < cut {
			k++
		}
		x, y = x[k:], y[k:]
	}
	return x, y
}

// Chart returns a snapshot of the live chart as a static chart.
func (l *Live) Chart() *Chart {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.chartLocked()
}

func (l *Live) chartLocked() *Chart {
	c := New(l.opts...)
	for _, s := range l.mu.series {
		x, y := l.keep(s)
		opts := []Option{Name(s.name)}
		if s.name == "" {
			opts = l.seriesOp
		}
		if l.cfg.kind == kindScatter {
			c.Scatter(x, y, opts...)
		} else {
			c.Line(x, y, opts...)
		}
	}
	if w := l.cfg.window; w > 0 && c.xr == nil {
		// Hold the window's width steady so the chart scrolls rather than
		// stretches.
		newest := math.Inf(-1)
		for _, s := range l.mu.series {
			for _, v := range s.x {
				newest = math.Max(newest, v)
			}
		}
		if !math.IsInf(newest, 0) {
			c.xr = &[2]float64{newest - w.Seconds(), newest}
		}
	}
	return c
}

// MIMEBundle implements display.MIMEBundler with the current snapshot.
func (l *Live) MIMEBundle() map[string]any { return l.Chart().MIMEBundle() }

// Frames returns how many frames were published so far.
func (l *Live) Frames() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.frames
}

// Flush publishes a frame if points arrived since the last one and the
// frame rate allows it now; otherwise the points wait for a later Add,
// Flush or Close.
func (l *Live) Flush() { l.publish(false) }

// Close publishes the final frame (waiting out the frame interval if the
// previous frame was too recent) unless the last frame already shows every
// point, and stops the chart: later Adds are ignored. Close is idempotent
// and returns the chart's error, if any.
func (l *Live) Close() error {
	l.publish(true)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mu.closed = true
	return l.chartLocked().Err()
}

func (l *Live) publish(final bool) {
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	l.mu.Lock()
	if l.mu.closed || (!l.mu.dirty && l.mu.shown) {
		l.mu.Unlock()
		return
	}
	wait := l.interval - time.Since(l.mu.last)
	if l.mu.shown && wait > 0 {
		if !final {
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		time.Sleep(wait)
		l.mu.Lock()
	}
	c := l.chartLocked()
	l.mu.dirty = false
	shown := l.mu.shown
	l.mu.shown = true
	l.mu.Unlock()

	frame := liveFrame{c}
	if shown {
		l.handle.Update(frame)
	} else {
		l.handle.Show(frame)
	}
	l.mu.Lock()
	l.mu.last = time.Now()
	l.mu.frames++
	l.mu.Unlock()
}

// liveFrame is one frame of a live chart: PNG and text only, which keeps
// updates light.
type liveFrame struct{ c *Chart }

func (f liveFrame) MIMEBundle() map[string]any {
	png, err := f.c.PNG()
	if err != nil {
		return map[string]any{"text/plain": err.Error()}
	}
	return map[string]any{
		"image/png":  png,
		"text/plain": "live " + f.c.String(),
		"metadata": map[string]any{"image/png": map[string]any{
			"width": f.c.width, "height": f.c.height,
		}},
	}
}

// tick is how often the Stream loops look for points waiting for a
// frame.
func (l *Live) tick() time.Duration { return max(l.interval/4, 5*time.Millisecond) }

// StreamValues draws the values received from ch as a live line chart
// until ch is closed or ctx is done, then publishes the final frame. x is
// the value's index (or its arrival time with Window). It returns
// ctx.Err() when cancelled and nil when ch was closed.
func StreamValues(ctx context.Context, ch <-chan float64, opts ...Option) error {
	l := NewLive(opts...)
	return l.run(ctx, func(timeout <-chan time.Time) (bool, bool) {
		select {
		case v, ok := <-ch:
			if ok {
				l.add(v)
			}
			return ok, true
		case <-timeout:
			return true, false
		case <-ctx.Done():
			return false, false
		}
	})
}

// StreamPoints draws the points received from ch as a live chart, one
// layer per Point.Series, until ch is closed or ctx is done.
func StreamPoints(ctx context.Context, ch <-chan Point, opts ...Option) error {
	l := NewLive(opts...)
	return l.run(ctx, func(timeout <-chan time.Time) (bool, bool) {
		select {
		case p, ok := <-ch:
			if ok {
				l.mu.Lock()
				l.addLocked(p)
				l.mu.Unlock()
			}
			return ok, true
		case <-timeout:
			return true, false
		case <-ctx.Done():
			return false, false
		}
	})
}

// StreamFunc draws the values returned by next as a live line chart until
// next reports false or ctx is done. next is called from the caller's
// goroutine; while it blocks no frame is drawn, so it should return
// promptly (or wrap a channel and use StreamValues).
func StreamFunc(ctx context.Context, next func() (float64, bool), opts ...Option) error {
	l := NewLive(opts...)
	return l.pull(ctx, func() bool {
		v, ok := next()
		if ok {
			l.add(v)
		}
		return ok
	})
}

// StreamFrames draws a live chart from a sequence of frames (for example
// the batches of a streaming query), each a *dataframe.Frame or a
// [Columns]: every frame returned by next adds its
// rows, x column against y column, until next reports false or ctx is
// done. An empty x uses the row index; a time x column puts the chart on
// a time axis. A frame whose columns cannot be read stops the stream with
// the error (after the final frame).
func StreamFrames(ctx context.Context, next func() (any, bool), x, y string, opts ...Option) error {
	l := NewLive(opts...)
	var ferr error
	err := l.pull(ctx, func() bool {
		f, ok := next()
		if !ok {
			return false
		}
		xs, ys, isTime, err := xyColumns(f, x, y)
		if err != nil {
			ferr = err
			return false
		}
		l.mu.Lock()
		if isTime && !l.timeAxis {
			l.opts = append(append([]Option(nil), l.opts...), TimeX(""))
			l.timeAxis = true
		}
		for i := range ys {
			xv := xs[i]
			if x == "" {
				xv = l.mu.seq
				l.mu.seq++
			}
			l.addLocked(Point{X: xv, Y: ys[i]})
		}
		l.mu.Unlock()
		return true
	})
	if ferr != nil {
		return ferr
	}
	return err
}

// add appends v to the default series without publishing.
func (l *Live) add(v float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	x := l.mu.seq
	if l.cfg.window > 0 {
		x = float64(time.Now().UnixNano()) / 1e9
	}
	l.mu.seq++
	l.addLocked(Point{X: x, Y: v})
}

// run drives a push source: recv waits for one item or the timeout and
// reports (more, received).
func (l *Live) run(ctx context.Context, recv func(timeout <-chan time.Time) (more, got bool)) error {
	l.Flush() // the first frame creates the output area
	t := time.NewTicker(l.tick())
	defer t.Stop()
	for {
		more, _ := recv(t.C)
		if !more {
			break
		}
		l.Flush()
	}
	if err := l.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("plotting: live chart stopped: %w", err)
	}
	return nil
}

// pull drives a pull source: step adds one item and reports whether there
// are more.
func (l *Live) pull(ctx context.Context, step func() bool) error {
	l.Flush()
	for ctx.Err() == nil && step() {
		l.Flush()
	}
	if err := l.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("plotting: live chart stopped: %w", err)
	}
	return nil
}
