package client

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/golab-dev/golab/kernel/wire"
)

// cellOutputs turns the iopub messages of one execute_request into
// nbformat outputs, as nbclient does.
type cellOutputs struct {
	outs         []Output
	clearPending bool
	displays     map[string][]Output // shared across cells: display_id -> outputs
}

type iopubContent struct {
	Name           string         `json:"name"`
	Text           string         `json:"text"`
	Data           map[string]any `json:"data"`
	Metadata       map[string]any `json:"metadata"`
	ExecutionCount json.Number    `json:"execution_count"`
	Transient      struct {
		DisplayID string `json:"display_id"`
	} `json:"transient"`
	Wait      bool     `json:"wait"`
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

func (co *cellOutputs) handle(m *wire.Message) {
	var c iopubContent
	dec := json.NewDecoder(bytes.NewReader(m.Content))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return
	}
	if c.Data == nil {
		c.Data = map[string]any{}
	}
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	switch m.Header.MsgType {
	case "stream":
		co.flushClear()
		if n := len(co.outs); n > 0 && co.outs[n-1]["output_type"] == "stream" && co.outs[n-1]["name"] == c.Name {
			co.outs[n-1]["text"] = co.outs[n-1]["text"].(string) + c.Text
			return
		}
		co.add(Output{"output_type": "stream", "name": c.Name, "text": c.Text}, "")
	case "display_data":
		co.flushClear()
		co.add(Output{"output_type": "display_data", "data": c.Data, "metadata": c.Metadata}, c.Transient.DisplayID)
	case "update_display_data":
		for _, o := range co.displays[c.Transient.DisplayID] {
			o["data"], o["metadata"] = c.Data, c.Metadata
		}
	case "execute_result":
		co.flushClear()
		var n any = nil
		if i, err := c.ExecutionCount.Int64(); err == nil {
			n = int(i)
		}
		co.add(Output{"output_type": "execute_result", "execution_count": n, "data": c.Data, "metadata": c.Metadata}, c.Transient.DisplayID)
	case "error":
		co.flushClear()
		tb := c.Traceback
		if tb == nil {
			tb = []string{}
		}
		co.add(Output{"output_type": "error", "ename": c.EName, "evalue": c.EValue, "traceback": tb}, "")
	case "clear_output":
		if c.Wait {
			co.clearPending = true
			return
		}
		co.clear()
	}
}

func (co *cellOutputs) add(o Output, displayID string) {
	co.outs = append(co.outs, o)
	if displayID != "" {
		co.displays[displayID] = append(co.displays[displayID], o)
	}
}

func (co *cellOutputs) flushClear() {
	if co.clearPending {
		co.clearPending = false
		co.clear()
	}
}

// clear removes this cell's outputs and forgets their display ids.
func (co *cellOutputs) clear() {
	gone := map[uintptr]bool{}
	for _, o := range co.outs {
		gone[reflect.ValueOf(o).Pointer()] = true
	}
	for id, outs := range co.displays {
		kept := outs[:0]
		for _, o := range outs {
			if !gone[reflect.ValueOf(o).Pointer()] {
				kept = append(kept, o)
			}
		}
		if len(kept) == 0 {
			delete(co.displays, id)
		} else {
			co.displays[id] = kept
		}
	}
	co.outs = nil
}
