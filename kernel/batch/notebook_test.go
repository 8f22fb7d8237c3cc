package batch

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestNotebookRoundTrip(t *testing.T) {
	for _, path := range []string{"testdata/roundtrip.ipynb", "../../notebooks/01-tour.ipynb"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			nb, err := Decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := nb.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			var a, b any
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("round trip changed the notebook:\n%s", buf.String())
			}
			if !bytes.Equal(raw, buf.Bytes()) {
				t.Errorf("round trip is not byte-identical to nbformat's writing:\n%s", buf.String())
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, in := range []string{`[]`, `{"nbformat": 3, "cells": []}`, `{"nbformat": 4, "cells": [1]}`, `not json`} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%s): no error", in)
		}
	}
}

func TestInjectParamsPlacement(t *testing.T) {
	mk := func(tags ...string) *Cell {
		ts := make([]any, len(tags))
		for i, s := range tags {
			ts[i] = s
		}
		return &Cell{Type: "code", Source: "x := 1", Metadata: map[string]any{"tags": ts}}
	}
	p := []Param{{"x", ParseValue("2")}}
	for _, c := range []struct {
		name  string
		cells []*Cell
		want  int // index of the injected cell
		n     int
	}{
		{"after parameters", []*Cell{mk(), mk("parameters"), mk()}, 2, 4},
		{"replaces injected", []*Cell{mk("parameters"), mk("injected-parameters"), mk()}, 1, 3},
		{"first without parameters", []*Cell{mk(), mk()}, 0, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			nb := &Notebook{NBFormat: 4, Cells: c.cells}
			if err := InjectParams(nb, p); err != nil {
				t.Fatal(err)
			}
			if len(nb.Cells) != c.n || !nb.Cells[c.want].HasTag("injected-parameters") {
				t.Fatalf("got %d cells, injected at %d? want %d cells", len(nb.Cells), c.want, c.n)
			}
			if got := nb.Cells[c.want].Source; got != "// Parameters\nx = 2\n" && got != "// Parameters\nx := 2\n" {
				t.Errorf("source %q", got)
			}
		})
	}
}
