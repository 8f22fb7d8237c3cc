package display

import (
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"strings"
	"sync"
	"testing"
)

type panicky struct{}

func (panicky) MIMEBundle() map[string]any { panic("broken") }

func TestRender(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	cases := []struct {
		name  string
		v     any
		mime  string
		check func(any) bool
	}{
		{"plain int", 42, "text/plain", func(d any) bool { return d == "42" }},
		{"html", HTML("<b>x</b>"), "text/html", func(d any) bool { return d == "<b>x</b>" }},
		{"markdown", Markdown("# t"), "text/markdown", func(d any) bool { return d == "# t" }},
		{"svg", SVG("<svg/>"), "image/svg+xml", func(d any) bool { return d == "<svg/>" }},
		{"latex", Latex("$x$"), "text/latex", func(d any) bool { return d == "$x$" }},
		{"png bytes are base64", PNG([]byte{1, 2, 3}), "image/png", func(d any) bool { return d == base64.StdEncoding.EncodeToString([]byte{1, 2, 3}) }},
		{"image.Image", img, "image/png", func(d any) bool { s, ok := d.(string); return ok && len(s) > 0 }},
		{"json", JSON(map[string]int{"a": 1}), "application/json", func(d any) bool { m, ok := d.(map[string]any); return ok && m["a"] == 1.0 }},
		{"vega-lite from string", VegaLite(`{"mark":"bar"}`), VegaLiteMIME, func(d any) bool { m, ok := d.(map[string]any); return ok && m["mark"] == "bar" }},
		{"panicking bundle", panicky{}, "text/plain", func(d any) bool { return strings.Contains(d.(string), "panicked") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, _ := Render(c.v)
			if _, ok := data["text/plain"]; !ok {
				t.Errorf("no text/plain in %v", data)
			}
			if !c.check(data[c.mime]) {
				t.Errorf("%s = %v", c.mime, data[c.mime])
			}
		})
	}
}

func TestImageMetadata(t *testing.T) {
	_, meta := Render(image.NewRGBA(image.Rect(0, 0, 7, 5)))
	size, _ := meta["image/png"].(map[string]any)
	if size["width"] != 7 || size["height"] != 5 {
		t.Errorf("metadata = %v, want width 7 height 5", meta)
	}
}

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) Publish(data, metadata map[string]any, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kind := "show"
	if update {
		kind = "update"
	}
	r.events = append(r.events, kind+":"+id+":"+data["text/plain"].(string))
}

func (r *recorder) ClearOutput(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, "clear")
}

func TestHandleUpdatesSameID(t *testing.T) {
	rec := &recorder{}
	old := SetPublisher(rec)
	defer SetPublisher(old)
	h := NewHandle()
	h.Show(1)
	h.Update(2)
	ClearOutput(true)
	Show("x")
	want := []string{"show:" + h.ID() + ":1", "update:" + h.ID() + ":2", "clear", "show::x"}
	if strings.Join(rec.events, "|") != strings.Join(want, "|") {
		t.Errorf("events = %q, want %q", rec.events, want)
	}
	if NewHandle().ID() == h.ID() {
		t.Error("two handles share a display_id")
	}
}

func ExampleShow() {
	// Without a kernel, Show prints the text/plain form.
	Show(Markdown("**hello**"), 42)
	// Output:
	// **hello**
	// 42
}

func ExampleRender() {
	data, _ := Render(HTML("<b>hi</b>"))
	fmt.Println(data["text/html"])
	// Output: <b>hi</b>
}
