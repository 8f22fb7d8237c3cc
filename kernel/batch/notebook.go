package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/golab-dev/golab/kernel/wire"
)

// ErrNotebook reports a file that is not an nbformat 4 notebook.
var ErrNotebook = errors.New("batch: not an nbformat 4 notebook")

// Notebook is an nbformat 4 notebook. Fields this package does not know
// are kept and written back unchanged.
type Notebook struct {
	NBFormat, NBFormatMinor int
	Metadata                map[string]any
	Cells                   []*Cell
	extra                   map[string]any
}

// Cell is one notebook cell.
type Cell struct {
	ID       string // empty in notebooks older than nbformat 4.5
	Type     string // "code", "markdown" or "raw"
	Source   string
	Metadata map[string]any
	// Outputs and ExecutionCount are used by code cells only.
	Outputs        []map[string]any
	ExecutionCount *int
	extra          map[string]any
}

// Tags returns the cell's metadata.tags.
func (c *Cell) Tags() []string {
	raw, _ := c.Metadata["tags"].([]any)
	tags := make([]string, 0, len(raw))
	for _, t := range raw {
		if s, ok := t.(string); ok {
			tags = append(tags, s)
		}
	}
	return tags
}

// HasTag reports whether the cell is tagged tag.
func (c *Cell) HasTag(tag string) bool { return slices.Contains(c.Tags(), tag) }

// FirstLine returns the first non-blank line of the source, shortened to
// 60 characters.
func (c *Cell) FirstLine() string {
	for l := range strings.SplitSeq(c.Source, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > 60 {
				return string(r[:57]) + "..."
			}
			return l
		}
	}
	return ""
}

// ReadFile reads a notebook file.
func ReadFile(path string) (*Notebook, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	nb, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nb, nil
}

// Decode parses notebook JSON.
func Decode(raw []byte) (*Notebook, error) {
	var top map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotebook, err)
	}
	nb := &Notebook{extra: top}
	var ok bool
	if nb.NBFormat, ok = intOf(pop(top, "nbformat")); !ok || nb.NBFormat != 4 {
		return nil, fmt.Errorf("%w: nbformat is %v, want 4 (convert it with `jupyter nbconvert --to notebook`)", ErrNotebook, nb.NBFormat)
	}
	nb.NBFormatMinor, _ = intOf(pop(top, "nbformat_minor"))
	if nb.Metadata, ok = pop(top, "metadata").(map[string]any); !ok {
		nb.Metadata = map[string]any{}
	}
	cells, _ := pop(top, "cells").([]any)
	for i, rc := range cells {
		m, ok := rc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: cell %d is not an object", ErrNotebook, i+1)
		}
		c := &Cell{extra: m}
		c.ID, _ = pop(m, "id").(string)
		c.Type, _ = pop(m, "cell_type").(string)
		c.Source = joinLines(pop(m, "source"))
		if att, ok := m["attachments"].(map[string]any); ok {
			for _, b := range att {
				if bundle, ok := b.(map[string]any); ok {
					joinBundle(bundle)
				}
			}
		}
		if c.Metadata, ok = pop(m, "metadata").(map[string]any); !ok {
			c.Metadata = map[string]any{}
		}
		if c.Type == "code" {
			if n, ok := intOf(pop(m, "execution_count")); ok {
				c.ExecutionCount = &n
			}
			outs, _ := pop(m, "outputs").([]any)
			for _, o := range outs {
				if om, ok := o.(map[string]any); ok {
					c.Outputs = append(c.Outputs, joinOutput(om))
				}
			}
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb, nil
}

func pop(m map[string]any, key string) any {
	v := m[key]
	delete(m, key)
	return v
}

func intOf(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

// joinLines turns an nbformat multi-line string (a string or a list of
// strings) into one string.
func joinLines(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, s := range v {
			str, _ := s.(string)
			b.WriteString(str)
		}
		return b.String()
	}
	return ""
}

func joinOutput(o map[string]any) map[string]any {
	if t, ok := o["text"]; ok {
		o["text"] = joinLines(t)
	}
	if data, ok := o["data"].(map[string]any); ok {
		joinBundle(data)
	}
	return o
}

// joinBundle rejoins the split strings of a MIME bundle in place.
func joinBundle(data map[string]any) {
	for k, v := range data {
		if _, isList := v.([]any); isList && !isJSONMime(k) {
			data[k] = joinLines(v)
		}
	}
}

// splitBundle returns a copy of a MIME bundle with text types split into
// lines, as nbformat writes them.
func splitBundle(data map[string]any) map[string]any {
	d := make(map[string]any, len(data))
	for k, v := range data {
		if s, ok := v.(string); ok && (strings.HasPrefix(k, "text/") || k == "application/javascript" || k == "image/svg+xml") {
			d[k] = splitLines(s)
		} else {
			d[k] = v
		}
	}
	return d
}

func isJSONMime(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// splitLines is Python's str.splitlines(True), which nbformat uses: a
// string becomes the list of its lines, each keeping its line break.
func splitLines(s string) []string {
	lines := []string{}
	start := 0
	for i, r := range s {
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
		default:
			continue
		}
		end := i + utf8.RuneLen(r)
		lines = append(lines, s[start:end])
		start = end
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// unescapeLineSeps undoes encoding/json's escaping of U+2028 and U+2029:
// Python's json module writes them as they are.
func unescapeLineSeps(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			if b[i+1] == 'u' && i+6 <= len(b) && (string(b[i:i+6]) == `\u2028` || string(b[i:i+6]) == `\u2029`) {
				out = utf8.AppendRune(out, rune(0x2028+int(b[i+5]-'8')))
				i += 5
				continue
			}
			out = append(out, b[i], b[i+1]) // keep any other escape whole
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// WriteFile writes the notebook as nbformat does (sorted keys, one-space
// indent, multi-line strings as lists of lines, a final newline).
func (nb *Notebook) WriteFile(path string) error {
	var buf bytes.Buffer
	if err := nb.Encode(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

// Encode writes the notebook JSON to w.
func (nb *Notebook) Encode(w io.Writer) error {
	top := make(map[string]any, len(nb.extra)+4)
	for k, v := range nb.extra {
		top[k] = v
	}
	top["nbformat"] = nb.NBFormat
	top["nbformat_minor"] = nb.NBFormatMinor
	top["metadata"] = orEmpty(nb.Metadata)
	cells := make([]any, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		m := make(map[string]any, len(c.extra)+6)
		for k, v := range c.extra {
			m[k] = v
		}
		if att, ok := m["attachments"].(map[string]any); ok {
			split := make(map[string]any, len(att))
			for name, b := range att {
				if bundle, ok := b.(map[string]any); ok {
					split[name] = splitBundle(bundle)
				} else {
					split[name] = b
				}
			}
			m["attachments"] = split
		}
		if c.ID != "" {
			m["id"] = c.ID
		}
		m["cell_type"] = c.Type
		m["source"] = splitLines(c.Source)
		m["metadata"] = orEmpty(c.Metadata)
		if c.Type == "code" {
			if c.ExecutionCount != nil {
				m["execution_count"] = *c.ExecutionCount
			} else {
				m["execution_count"] = nil
			}
			outs := make([]any, 0, len(c.Outputs))
			for _, o := range c.Outputs {
				outs = append(outs, splitOutput(o))
			}
			m["outputs"] = outs
		}
		cells = append(cells, m)
	}
	top["cells"] = cells
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(top); err != nil {
		return fmt.Errorf("batch: encode notebook: %w", err)
	}
	if _, err := w.Write(unescapeLineSeps(buf.Bytes())); err != nil {
		return fmt.Errorf("batch: write notebook: %w", err)
	}
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// splitOutput returns a copy of o with multi-line strings as lists.
func splitOutput(o map[string]any) map[string]any {
	c := make(map[string]any, len(o))
	for k, v := range o {
		c[k] = v
	}
	if s, ok := c["text"].(string); ok {
		c["text"] = splitLines(s)
	}
	if data, ok := c["data"].(map[string]any); ok {
		c["data"] = splitBundle(data)
	}
	return c
}

// newCellID returns an nbformat 4.5 cell id.
func newCellID() string { return strings.ReplaceAll(wire.NewID(), "-", "")[:8] }
