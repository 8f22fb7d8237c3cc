package kernel

import "encoding/json"

// request is one line from the supervisor to the evaluator.
type request struct {
	ID   int64  `json:"id,omitempty"`
	Op   string `json:"op"`
	Cell string `json:"cell,omitempty"` // msg_id of the execute_request

	Code            string            `json:"code,omitempty"`
	Cursor          int               `json:"cursor,omitempty"`
	DetailLevel     int               `json:"detail_level,omitempty"`
	AllowStdin      bool              `json:"allow_stdin,omitempty"`
	UserExpressions map[string]string `json:"user_expressions,omitempty"`

	// input_reply
	Value string `json:"value,omitempty"`
	Err   string `json:"err,omitempty"`
}

// event is one line from the evaluator to the supervisor.
type event struct {
	ID   int64  `json:"id,omitempty"` // set on replies
	Ev   string `json:"ev"`
	Cell string `json:"cell,omitempty"`

	// stream
	Name string `json:"name,omitempty"`
	Text string `json:"text,omitempty"`

	// display / result
	Data      map[string]any `json:"data,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	DisplayID string         `json:"display_id,omitempty"`
	Update    bool           `json:"update,omitempty"`
	Wait      bool           `json:"wait,omitempty"`

	// input_request
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`

	// reply
	Reply json.RawMessage `json:"reply,omitempty"`
}

// Op names.
const (
	opExecute    = "execute"
	opInterrupt  = "interrupt"
	opComplete   = "complete"
	opInspect    = "inspect"
	opIsComplete = "is_complete"
	opInputReply = "input_reply"
)

// Event names.
const (
	evStream  = "stream"
	evDisplay = "display"
	evClear   = "clear"
	evInput   = "input_request"
	evReply   = "reply"
	evReady   = "ready"
)

// executeResult is the evaluator's answer to an execute request.
type executeResult struct {
	Status          string         `json:"status"` // ok | error
	Data            map[string]any `json:"data,omitempty"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	EName           string         `json:"ename,omitempty"`
	EValue          string         `json:"evalue,omitempty"`
	Traceback       []string       `json:"traceback,omitempty"`
	UserExpressions map[string]any `json:"user_expressions,omitempty"`
	// Page is text for the client's pager (the "page" payload), from ?name.
	Page string `json:"page,omitempty"`
}

// completeResult answers opComplete.
type completeResult struct {
	Matches     []string `json:"matches"`
	CursorStart int      `json:"cursor_start"`
	CursorEnd   int      `json:"cursor_end"`
}

// inspectResult answers opInspect.
type inspectResult struct {
	Found bool   `json:"found"`
	Text  string `json:"text"`
}

// isCompleteResult answers opIsComplete.
type isCompleteResult struct {
	Status string `json:"status"`
	Indent string `json:"indent,omitempty"`
}
