package display

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"sort"
	"strings"
	"sync"
)

// MIMEBundler is implemented by values that show themselves rich.
// MIMEBundle returns MIME type -> data, e.g. {"text/html": "<b>x</b>"}.
type MIMEBundler interface {
	MIMEBundle() map[string]any
}

// Publisher receives what notebook code displays. The kernel installs one;
// libraries never call it directly.
type Publisher interface {
	// Publish sends display_data (update false) or update_display_data
	// (update true). displayID is empty for output without a handle.
	Publish(data, metadata map[string]any, displayID string, update bool)
	// ClearOutput clears the current cell's output; with wait, the clear
	// happens when the next output arrives (no flicker).
	ClearOutput(wait bool)
}

var pub struct {
	sync.RWMutex
	p Publisher
}

// SetPublisher installs p as the destination of Show, Handle and
// ClearOutput, and returns the previous one. The kernel calls it once at
// start-up; nil restores the default (text on standard output).
func SetPublisher(p Publisher) Publisher {
	pub.Lock()
	defer pub.Unlock()
	old := pub.p
	pub.p = p
	return old
}

// Active reports whether a publisher is installed, that is whether Show
// reaches a notebook. Without one Show prints text/plain on standard
// output, so a library that would show something only a notebook renders
// well (a progress bar) checks Active first.
func Active() bool { return publisher() != nil }

func publisher() Publisher {
	pub.RLock()
	defer pub.RUnlock()
	return pub.p
}

// Show displays every value, each as its own output.
func Show(values ...any) {
	for _, v := range values {
		publish(v, "", false)
	}
}

// ClearOutput clears the output of the running cell. With wait, the old
// output stays until new output replaces it, which avoids flicker in loops.
func ClearOutput(wait bool) {
	if p := publisher(); p != nil {
		p.ClearOutput(wait)
	}
}

func publish(v any, id string, update bool) {
	data, meta := Render(v)
	if p := publisher(); p != nil {
		p.Publish(data, meta, id, update)
		return
	}
	fmt.Fprintln(os.Stdout, data["text/plain"])
}

// Handle is one named output area. The zero value is not usable; create
// handles with NewHandle.
type Handle struct {
	id string
}

// NewHandle returns a handle with a fresh display_id.
func NewHandle() *Handle {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return &Handle{id: hex.EncodeToString(b[:])}
}

// HandleWithID returns a handle for an existing display_id, so that two
// cells can address the same output area.
func HandleWithID(id string) *Handle { return &Handle{id: id} }

// ID returns the display_id of the handle.
func (h *Handle) ID() string { return h.id }

// Show creates the output area (display_data with the handle's display_id).
func (h *Handle) Show(v any) { publish(v, h.id, false) }

// Update replaces the content of every output area with the handle's
// display_id (update_display_data).
func (h *Handle) Update(v any) { publish(v, h.id, true) }

// Render turns a value into a Jupyter MIME bundle and its metadata. Binary
// payloads are base64-encoded; text/plain is always present.
func Render(v any) (data, metadata map[string]any) {
	data = map[string]any{}
	metadata = map[string]any{}
	b, ok := v.(MIMEBundler)
	if !ok {
		if img, isImg := v.(image.Image); isImg {
			b, ok = Image(img), true
		}
	}
	if ok {
		raw, err := safeBundle(b)
		if err != nil {
			data["text/plain"] = err.Error()
			return data, metadata
		}
		for mime, d := range raw {
			data[mime] = normalize(mime, d)
		}
		if m, has := raw[metadataKey]; has {
			delete(data, metadataKey)
			if mm, isMap := m.(map[string]any); isMap {
				metadata = mm
			}
		}
	}
	if _, has := data["text/plain"]; !has {
		data["text/plain"] = plainText(v, data)
	}
	return data, metadata
}

// metadataKey lets a bundle carry output metadata (for example image
// width and height) next to its data.
const metadataKey = "metadata"

func safeBundle(b MIMEBundler) (m map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("display: MIMEBundle of %T panicked: %v", b, r)
		}
	}()
	return b.MIMEBundle(), nil
}

func normalize(mime string, d any) any {
	switch x := d.(type) {
	case []byte:
		if isText(mime) {
			return string(x)
		}
		return base64.StdEncoding.EncodeToString(x)
	case string:
		return x
	}
	if strings.HasSuffix(mime, "json") {
		// Round-trip through encoding/json so the kernel can send it as is.
		raw, err := json.Marshal(d)
		if err != nil {
			return fmt.Sprintf("display: cannot encode %s payload: %v", mime, err)
		}
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return fmt.Sprint(d)
}

func isText(mime string) bool {
	return strings.HasPrefix(mime, "text/") || mime == "image/svg+xml"
}

func plainText(v any, data map[string]any) string {
	if len(data) > 0 {
		kinds := make([]string, 0, len(data))
		for k := range data {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		return fmt.Sprintf("<%T: %s>", v, strings.Join(kinds, ", "))
	}
	return fmt.Sprintf("%v", v)
}

// HTML is shown as text/html.
type HTML string

// MIMEBundle implements MIMEBundler.
func (h HTML) MIMEBundle() map[string]any {
	return map[string]any{"text/html": string(h), "text/plain": "<HTML>"}
}

// Markdown is shown as text/markdown.
type Markdown string

// MIMEBundle implements MIMEBundler.
func (m Markdown) MIMEBundle() map[string]any {
	return map[string]any{"text/markdown": string(m), "text/plain": string(m)}
}

// SVG is shown as image/svg+xml.
type SVG string

// MIMEBundle implements MIMEBundler.
func (s SVG) MIMEBundle() map[string]any {
	return map[string]any{"image/svg+xml": string(s), "text/plain": "<SVG image>"}
}

// Latex is shown as text/latex; include the $ delimiters.
type Latex string

// MIMEBundle implements MIMEBundler.
func (l Latex) MIMEBundle() map[string]any {
	return map[string]any{"text/latex": string(l), "text/plain": string(l)}
}

// PNG is PNG-encoded image data shown as image/png.
type PNG []byte

// MIMEBundle implements MIMEBundler.
func (p PNG) MIMEBundle() map[string]any {
	return map[string]any{"image/png": []byte(p), "text/plain": "<PNG image>"}
}

// JPEG is JPEG-encoded image data shown as image/jpeg.
type JPEG []byte

// MIMEBundle implements MIMEBundler.
func (j JPEG) MIMEBundle() map[string]any {
	return map[string]any{"image/jpeg": []byte(j), "text/plain": "<JPEG image>"}
}

// JSONValue is any value encoding/json accepts, shown as application/json
// (an expandable tree in JupyterLab).
type JSONValue struct{ V any }

// JSON wraps v to show it as application/json.
func JSON(v any) JSONValue { return JSONValue{V: v} }

// MIMEBundle implements MIMEBundler.
func (j JSONValue) MIMEBundle() map[string]any {
	text, err := json.MarshalIndent(j.V, "", "  ")
	if err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("display: not JSON: %v", err)}
	}
	return map[string]any{"application/json": j.V, "text/plain": string(text)}
}

// VegaLiteMIME is the MIME type of Vega-Lite v5 specifications, rendered
// without extensions by JupyterLab, Notebook 7 and VS Code.
const VegaLiteMIME = "application/vnd.vegalite.v5+json"

// VegaLiteSpec is a Vega-Lite v5 specification shown as an interactive
// chart.
type VegaLiteSpec struct{ Spec any }

// VegaLite wraps a specification: a map, a struct, or a JSON string.
func VegaLite(spec any) VegaLiteSpec {
	if s, ok := spec.(string); ok {
		var m any
		if err := json.Unmarshal([]byte(s), &m); err == nil {
			spec = m
		}
	}
	return VegaLiteSpec{Spec: spec}
}

// MIMEBundle implements MIMEBundler.
func (v VegaLiteSpec) MIMEBundle() map[string]any {
	return map[string]any{VegaLiteMIME: v.Spec, "text/plain": "<VegaLite chart>"}
}

// ImageValue is an image.Image shown as image/png.
type ImageValue struct{ Img image.Image }

// Image wraps img to show it as PNG.
func Image(img image.Image) ImageValue { return ImageValue{Img: img} }

// MIMEBundle implements MIMEBundler.
func (iv ImageValue) MIMEBundle() map[string]any {
	var buf bytes.Buffer
	if err := png.Encode(&buf, iv.Img); err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("display: cannot encode image: %v", err)}
	}
	b := iv.Img.Bounds()
	return map[string]any{
		"image/png":  buf.Bytes(),
		"text/plain": fmt.Sprintf("<image %dx%d>", b.Dx(), b.Dy()),
		metadataKey: map[string]any{"image/png": map[string]any{
			"width": b.Dx(), "height": b.Dy(),
		}},
	}
}

// JPEGImage encodes img as JPEG with the given quality (1-100).
func JPEGImage(img image.Image, quality int) (JPEG, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("display: encode JPEG: %w", err)
	}
	return JPEG(buf.Bytes()), nil
}

// Bundle is a ready MIME bundle, for output assembled by hand.
type Bundle map[string]any

// MIMEBundle implements MIMEBundler.
func (b Bundle) MIMEBundle() map[string]any { return b }
