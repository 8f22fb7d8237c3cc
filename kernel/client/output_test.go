package client

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/golab-dev/golab/kernel/wire"
)

func msg(t *testing.T, msgType string, content map[string]any) *wire.Message {
	t.Helper()
	body, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	return &wire.Message{Header: wire.Header{MsgType: msgType}, Content: body}
}

func TestCellOutputs(t *testing.T) {
	md := func(s string) map[string]any { return map[string]any{"text/markdown": s} }
	displays := map[string][]Output{}
	earlier := &cellOutputs{displays: displays}
	earlier.handle(msg(t, "display_data", map[string]any{"data": md("v1"), "transient": map[string]any{"display_id": "d"}}))

	co := &cellOutputs{displays: displays}
	for _, m := range []struct {
		typ     string
		content map[string]any
	}{
		{"stream", map[string]any{"name": "stdout", "text": "a"}},
		{"stream", map[string]any{"name": "stdout", "text": "b\n"}},
		{"stream", map[string]any{"name": "stderr", "text": "e\n"}},
		{"clear_output", map[string]any{"wait": true}},
		{"stream", map[string]any{"name": "stdout", "text": "after clear\n"}},
		{"display_data", map[string]any{"data": md("x"), "transient": map[string]any{"display_id": "d"}}},
		{"update_display_data", map[string]any{"data": md("v2"), "metadata": map[string]any{}, "transient": map[string]any{"display_id": "d"}}},
		{"execute_result", map[string]any{"data": map[string]any{"text/plain": "3"}, "execution_count": 4}},
		{"error", map[string]any{"ename": "E", "evalue": "v", "traceback": []string{"t"}}},
	} {
		co.handle(msg(t, m.typ, m.content))
	}
	want := []Output{
		{"output_type": "stream", "name": "stdout", "text": "after clear\n"},
		{"output_type": "display_data", "data": map[string]any{"text/markdown": "v2"}, "metadata": map[string]any{}},
		{"output_type": "execute_result", "execution_count": 4, "data": map[string]any{"text/plain": "3"}, "metadata": map[string]any{}},
		{"output_type": "error", "ename": "E", "evalue": "v", "traceback": []string{"t"}},
	}
	if !reflect.DeepEqual(co.outs, want) {
		t.Errorf("outputs\n%v\nwant\n%v", co.outs, want)
	}
	if got := earlier.outs[0]["data"].(map[string]any)["text/markdown"]; got != "v2" {
		t.Errorf("earlier cell's display shows %v, want v2", got)
	}

	// clear_output without wait clears at once and unlinks the display.
	co.handle(msg(t, "clear_output", map[string]any{"wait": false}))
	if len(co.outs) != 0 || len(displays["d"]) != 1 {
		t.Errorf("after clear: %d outputs, %d linked displays; want 0 and 1", len(co.outs), len(displays["d"]))
	}
}
