package plotting_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/golab-dev/golab/kernel/display"
	"github.com/golab-dev/golab/plotting"
)

// fakePublisher records what a live chart publishes.
type fakePublisher struct {
	mu     sync.Mutex
	frames []frame
}

type frame struct {
	data   map[string]any
	id     string
	update bool
	at     time.Time
}

func (p *fakePublisher) Publish(data, _ map[string]any, id string, update bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frames = append(p.frames, frame{data: data, id: id, update: update, at: time.Now()})
}

func (p *fakePublisher) ClearOutput(bool) {}

func (p *fakePublisher) all() []frame {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]frame(nil), p.frames...)
}

// install sets a fake publisher for the test. Tests using it must not run
// in parallel: the publisher is process-wide.
func install(t *testing.T) *fakePublisher {
	t.Helper()
	p := &fakePublisher{}
	old := display.SetPublisher(p)
	t.Cleanup(func() { display.SetPublisher(old) })
	return p
}

// checkFrames verifies the display protocol of a live chart: one display
// id, display_data first and update_display_data after, no two frames
// closer than the frame interval, and a last frame equal to want.
func checkFrames(t *testing.T, frames []frame, interval time.Duration, want *plotting.Chart) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("nothing published")
	}
	for i, f := range frames {
		if f.id != frames[0].id || f.id == "" {
			t.Errorf("frame %d display id %q, want %q", i, f.id, frames[0].id)
		}
		if f.update != (i > 0) {
			t.Errorf("frame %d update = %v, want %v", i, f.update, i > 0)
		}
		if i > 0 {
			// The clock of Publish is read after rendering, so allow a little
			// slack for rendering-time jitter.
			if gap := f.at.Sub(frames[i-1].at); gap < interval-30*time.Millisecond {
				t.Errorf("frames %d and %d are %v apart, want >= %v", i-1, i, gap, interval)
			}
		}
	}
	png, err := want.PNG()
	if err != nil {
		t.Fatal(err)
	}
	last := frames[len(frames)-1]
	if got := last.data["image/png"]; got != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("final frame is not the chart of all the data; its text: %v, want %v", last.data["text/plain"], want)
	}
}

func TestStreamValues(t *testing.T) {
	pub := install(t)
	const n = 300
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.Sin(float64(i) / 20)
	}
	ch := make(chan float64)
	go func() {
		defer close(ch)
		for _, v := range vals {
			ch <- v
			time.Sleep(3 * time.Millisecond) // ~1 s of data
		}
	}()
	opts := []plotting.Option{plotting.Title("live"), plotting.Size(200, 120)}
	start := time.Now()
	if err := plotting.StreamValues(context.Background(), ch, opts...); err != nil {
		t.Fatalf("StreamValues: %v", err)
	}
	elapsed := time.Since(start)
	frames := pub.all()
	// At most 5 per second, plus the first frame.
	if max := int(elapsed.Seconds()*plotting.DefaultFPS) + 2; len(frames) > max {
		t.Errorf("%d frames in %v, want at most %d", len(frames), elapsed, max)
	}
	if len(frames) < 3 {
		t.Errorf("%d frames in %v: the chart did not update while data arrived", len(frames), elapsed)
	}
	t.Logf("%d frames in %v", len(frames), elapsed)
	checkFrames(t, frames, time.Second/plotting.DefaultFPS, plotting.Line(plotting.Seq(n), vals, opts...))
}

func TestStreamLast(t *testing.T) {
	pub := install(t)
	ch := make(chan float64, 100)
	for i := range 100 {
		ch <- float64(i * i)
	}
	close(ch)
	if err := plotting.StreamValues(context.Background(), ch, plotting.Last(10), plotting.Size(200, 120)); err != nil {
		t.Fatal(err)
	}
	x, y := make([]float64, 10), make([]float64, 10)
	for i := range x {
		x[i] = float64(90 + i)
		y[i] = x[i] * x[i]
	}
	checkFrames(t, pub.all(), 200*time.Millisecond, plotting.Line(x, y, plotting.Size(200, 120)))
}

func TestStreamCancel(t *testing.T) {
	pub := install(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan float64)
	sent := make(chan []float64, 1)
	go func() {
		var vals []float64
		for i := 0; ; i++ {
			select {
			case ch <- float64(i):
				vals = append(vals, float64(i))
				if i == 49 {
					cancel()
				}
			case <-ctx.Done():
				sent <- vals
				return
			}
		}
	}()
	err := plotting.StreamValues(ctx, ch, plotting.Size(200, 120))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("StreamValues after cancel = %v, want context.Canceled", err)
	}
	vals := <-sent
	frames := pub.all()
	// The stream may stop before it reads the last value the producer sent.
	last := frames[len(frames)-1].data["text/plain"]
	ok := false
	for k := len(vals) - 1; k <= len(vals); k++ {
		if k < 1 {
			continue
		}
		if last == fmt.Sprintf("live chart: line (%d points)", k) {
			ok = true
		}
	}
	if !ok {
		t.Errorf("final frame %q, want the %d values sent before cancel", last, len(vals))
	}
}

func TestStreamFunc(t *testing.T) {
	pub := install(t)
	vals := []float64{3, 1, 4, 1, 5, 9, 2, 6}
	i := 0
	next := func() (float64, bool) {
		if i == len(vals) {
			return 0, false
		}
		i++
		return vals[i-1], true
	}
	if err := plotting.StreamFunc(context.Background(), next, plotting.Size(200, 120), plotting.Name("pi")); err != nil {
		t.Fatal(err)
	}
	checkFrames(t, pub.all(), 200*time.Millisecond, plotting.Line(plotting.Seq(len(vals)), vals, plotting.Size(200, 120), plotting.Name("pi")))
}

func TestStreamPoints(t *testing.T) {
	pub := install(t)
	ch := make(chan plotting.Point, 10)
	for i := range 5 {
		ch <- plotting.Point{X: float64(i), Y: float64(i), Series: "up"}
		ch <- plotting.Point{X: float64(i), Y: float64(-i), Series: "down"}
	}
	close(ch)
	if err := plotting.StreamPoints(context.Background(), ch, plotting.MaxFPS(50), plotting.Size(200, 120)); err != nil {
		t.Fatal(err)
	}
	x := plotting.Seq(5)
	want := plotting.New(plotting.Size(200, 120)).
		Line(x, []float64{0, 1, 2, 3, 4}, plotting.Name("up")).
		Line(x, []float64{0, -1, -2, -3, -4}, plotting.Name("down"))
	checkFrames(t, pub.all(), 20*time.Millisecond, want)
}

// table is a fake Columns: numbers by column name.
type table map[string][]float64

func (tb table) Float64s(name string) ([]float64, error) {
	v, ok := tb[name]
	if !ok {
		return nil, fmt.Errorf("no column %q", name)
	}
	return v, nil
}

func TestStreamFrames(t *testing.T) {
	pub := install(t)
	batches := []table{
		{"t": {0, 1}, "v": {5, 6}},
		{"t": {2, 3, 4}, "v": {7, 6, 8}},
	}
	k := 0
	next := func() (any, bool) {
		if k == len(batches) {
			return nil, false
		}
		k++
		return batches[k-1], true
	}
	if err := plotting.StreamFrames(context.Background(), next, "t", "v", plotting.Size(200, 120)); err != nil {
		t.Fatal(err)
	}
	checkFrames(t, pub.all(), 200*time.Millisecond,
		plotting.Line([]float64{0, 1, 2, 3, 4}, []float64{5, 6, 7, 6, 8}, plotting.Size(200, 120)))

	k = 0
	err := plotting.StreamFrames(context.Background(), next, "t", "missing")
	if !errors.Is(err, plotting.ErrColumn) {
		t.Errorf("StreamFrames with a missing column = %v, want ErrColumn", err)
	}
}

func TestLiveWindow(t *testing.T) {
	install(t)
	l := plotting.NewLive(plotting.Window(time.Minute), plotting.Size(200, 120))
	base := 1.7e9
	for i := range 180 {
		l.AddPoint(plotting.Point{X: base + float64(i), Y: float64(i)})
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := l.Chart().String()
	if want := "chart: line (61 points)"; got != want {
		t.Errorf("window keeps %q, want %q (the last 60 s)", got, want)
	}
	if l.Frames() < 1 {
		t.Errorf("no frame published")
	}
}
