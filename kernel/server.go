package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/golab-dev/golab/kernel/wire"
)

// Config configures the supervisor.
type Config struct {
	// Conn is the connection information Jupyter wrote.
	Conn wire.ConnectionInfo
	// Evaluator is the command that starts an evaluator process; its
	// first element is the program. The process must call RunEvaluator.
	Evaluator []string
	// Version is the GoLab version reported in kernel_info.
	Version string
	// Log receives diagnostics (dropped messages, evaluator restarts);
	// nil means standard error.
	Log *log.Logger
}

// Serve runs the kernel until a shutdown request arrives or ctx ends.
func Serve(ctx context.Context, cfg Config) error {
	s, err := newServer(ctx, cfg)
	if err != nil {
		return err
	}
	return s.run()
}

type socket struct {
	name string
	mu   sync.Mutex
	zmq4.Socket
}

func (s *socket) send(frames [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Send(zmq4.NewMsgFrom(frames...))
}

type server struct {
	cfg     Config
	ctx     context.Context
	cancel  context.CancelFunc
	log     *log.Logger
	signer  *wire.Signer
	session string

	shell, control, stdin, iopub, hb *socket

	shellQ chan queued
	inputQ chan *wire.Message

	mu struct {
		sync.Mutex
		eval    *evalProc
		count   int
		cells   map[string]*wire.Message // msg_id -> execute request, for routing output
		order   []string
		history []historyEntry
	}
}

type historyEntry struct {
	count  int
	input  string
	output string
}

func newServer(parent context.Context, cfg Config) (*server, error) {
	if len(cfg.Evaluator) == 0 {
		return nil, errors.New("kernel: no evaluator command configured")
	}
	ctx, cancel := context.WithCancel(parent)
	s := &server{
		cfg: cfg, ctx: ctx, cancel: cancel,
		log:     cfg.Log,
		signer:  wire.NewSigner([]byte(cfg.Conn.Key)),
		session: wire.NewID(),
		shellQ:  make(chan queued, 1024),
		inputQ:  make(chan *wire.Message, 16),
	}
	if s.log == nil {
		s.log = log.New(os.Stderr, "golab kernel: ", log.LstdFlags)
	}
	s.mu.cells = map[string]*wire.Message{}
	open := func(name string, mk func(context.Context, ...zmq4.Option) zmq4.Socket, port int) (*socket, error) {
		sk := &socket{name: name, Socket: mk(ctx)}
		if err := sk.Listen(cfg.Conn.Endpoint(port)); err != nil {
			return nil, fmt.Errorf("kernel: listen %s on %s: %w", name, cfg.Conn.Endpoint(port), err)
		}
		return sk, nil
	}
	var err error
	for _, o := range []struct {
		dst  **socket
		name string
		mk   func(context.Context, ...zmq4.Option) zmq4.Socket
		port int
	}{
		{&s.shell, "shell", zmq4.NewRouter, cfg.Conn.ShellPort},
		{&s.control, "control", zmq4.NewRouter, cfg.Conn.ControlPort},
		{&s.stdin, "stdin", zmq4.NewRouter, cfg.Conn.StdinPort},
		{&s.iopub, "iopub", zmq4.NewPub, cfg.Conn.IOPubPort},
		{&s.hb, "hb", zmq4.NewRep, cfg.Conn.HBPort},
	} {
		if *o.dst, err = open(o.name, o.mk, o.port); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

func (s *server) close() {
	s.cancel()
	for _, sk := range []*socket{s.shell, s.control, s.stdin, s.iopub, s.hb} {
		if sk != nil {
			sk.Close()
		}
	}
	s.mu.Lock()
	if s.mu.eval != nil {
		s.mu.eval.kill()
	}
	s.mu.Unlock()
}

func (s *server) run() error {
	defer s.close()
	if err := s.startEvaluator(); err != nil {
		return err
	}
	s.publishStatus(nil, "starting")
	go s.heartbeat()
	go s.readLoop(s.shell, func(m *wire.Message) { s.shellQ <- queued{m, time.Now()} })
	go s.readLoop(s.stdin, func(m *wire.Message) {
		select {
		case s.inputQ <- m:
		default:
		}
	})
	controlQ := make(chan *wire.Message, 64)
	go s.readLoop(s.control, func(m *wire.Message) { controlQ <- m })
	go func() {
		for q := range s.shellQ {
			s.dispatch(s.shell, q.msg)
		}
	}()
	for {
		select {
		case <-s.ctx.Done():
			return nil
		case m := <-controlQ:
			s.dispatch(s.control, m)
		}
	}
}

func (s *server) heartbeat() {
	for {
		msg, err := s.hb.Recv()
		if err != nil {
			return
		}
		if err := s.hb.Send(msg); err != nil {
			return
		}
	}
}

func (s *server) readLoop(sk *socket, deliver func(*wire.Message)) {
	for {
		raw, err := sk.Recv()
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Printf("%s: receive: %v", sk.name, err)
			}
			return
		}
		m, err := wire.Decode(raw.Frames, s.signer)
		if err != nil {
			s.log.Printf("%s: dropped message: %v", sk.name, err)
			continue
		}
		deliver(m)
	}
}

// send signs and sends a message on sk.
func (s *server) send(sk *socket, m *wire.Message) {
	if m.Header.Session == "" {
		m.Header.Session = s.session
	}
	frames, err := wire.Encode(m, s.signer)
	if err != nil {
		s.log.Printf("%s: encode %s: %v", sk.name, m.Header.MsgType, err)
		return
	}
	if err := sk.send(frames); err != nil && s.ctx.Err() == nil {
		s.log.Printf("%s: send %s: %v", sk.name, m.Header.MsgType, err)
	}
}

// reply answers req on sk.
func (s *server) reply(sk *socket, req *wire.Message, msgType string, content any) {
	m, err := wire.Reply(req, msgType, content)
	if err != nil {
		s.log.Print(err)
		return
	}
	s.send(sk, m)
}

// publish sends an iopub message caused by parent (which may be nil).
func (s *server) publish(parent *wire.Message, msgType string, content any) {
	m, err := wire.Reply(parent, msgType, content)
	if err != nil {
		s.log.Print(err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + msgType)}
	s.send(s.iopub, m)
}

func (s *server) publishStatus(parent *wire.Message, state string) {
	s.publish(parent, "status", map[string]string{"execution_state": state})
}

func (s *server) dispatch(sk *socket, m *wire.Message) {
	s.publishStatus(m, "busy")
	defer s.publishStatus(m, "idle")
	defer func() {
		if r := recover(); r != nil {
			s.log.Printf("handler for %s panicked: %v", m.Header.MsgType, r)
		}
	}()
	switch m.Header.MsgType {
	case "kernel_info_request":
		s.reply(sk, m, "kernel_info_reply", s.kernelInfo())
	case "execute_request":
		s.handleExecute(sk, m)
	case "complete_request", "inspect_request", "is_complete_request":
		s.handleAssist(sk, m)
	case "history_request":
		s.handleHistory(sk, m)
	case "comm_info_request":
		s.reply(sk, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "comm_open":
		// No comm targets are registered: close it as the spec asks.
		var c struct {
			CommID string `json:"comm_id"`
		}
		_ = json.Unmarshal(m.Content, &c)
		s.publish(m, "comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
	case "comm_msg", "comm_close":
	case "interrupt_request":
		s.interrupt()
		s.reply(sk, m, "interrupt_reply", map[string]string{"status": "ok"})
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		_ = json.Unmarshal(m.Content, &c)
		s.reply(sk, m, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart})
		s.publish(m, "shutdown_reply", map[string]any{"status": "ok", "restart": c.Restart})
		go func() {
			time.Sleep(50 * time.Millisecond) // let the reply leave
			s.cancel()
		}()
	default:
		s.log.Printf("unsupported message type %q", m.Header.MsgType)
		if strings.HasSuffix(m.Header.MsgType, "_request") {
			s.reply(sk, m, strings.TrimSuffix(m.Header.MsgType, "_request")+"_reply", map[string]any{
				"status": "error", "ename": "UnsupportedRequest",
				"evalue": fmt.Sprintf("the GoLab kernel does not handle %s", m.Header.MsgType), "traceback": []string{},
			})
		}
	}
}

func (s *server) kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       wire.Version,
		"implementation":         "golab",
		"implementation_version": s.cfg.Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            strings.TrimPrefix(runtime.Version(), "go"),
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"pygments_lexer":     "go",
			"codemirror_mode":    "go",
			"nbconvert_exporter": "script",
		},
		"banner":     "GoLab " + s.cfg.Version + ": Go in Jupyter (" + runtime.Version() + ")",
		"debugger":   false,
		"help_links": []map[string]string{{"text": "Go documentation", "url": "https://go.dev/doc/"}},
	}
}

type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func (s *server) handleExecute(sk *socket, m *wire.Message) {
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		s.reply(sk, m, "execute_reply", map[string]any{"status": "error", "ename": "BadRequest", "evalue": err.Error(), "traceback": []string{}, "execution_count": s.count()})
		return
	}
	store := (req.StoreHistory == nil || *req.StoreHistory) && !req.Silent
	allowStdin := req.AllowStdin == nil || *req.AllowStdin
	stopOnError := req.StopOnError == nil || *req.StopOnError

	s.mu.Lock()
	if store {
		s.mu.count++
	}
	count := s.mu.count
	s.trackCellLocked(m)
	s.mu.Unlock()

	if !req.Silent {
		s.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": count})
	}
	res := s.execute(m, req, allowStdin)
	if store {
		s.mu.Lock()
		out := ""
		if t, ok := res.Data["text/plain"].(string); ok {
			out = t
		}
		s.mu.history = append(s.mu.history, historyEntry{count: count, input: req.Code, output: out})
		s.mu.Unlock()
	}
	content := map[string]any{"status": res.Status, "execution_count": count}
	if res.Status == "ok" {
		if res.Data != nil && !req.Silent {
			meta := res.Metadata
			if meta == nil {
				meta = map[string]any{}
			}
			s.publish(m, "execute_result", map[string]any{"execution_count": count, "data": res.Data, "metadata": meta})
		}
		ue := res.UserExpressions
		if ue == nil {
			ue = map[string]any{}
		}
		content["user_expressions"] = ue
		payload := []any{}
		if res.Page != "" {
			payload = append(payload, map[string]any{"source": "page", "data": map[string]any{"text/plain": res.Page}, "start": 0})
		}
		content["payload"] = payload
	} else {
		tb := res.Traceback
		if tb == nil {
			tb = []string{}
		}
		if !req.Silent {
			s.publish(m, "error", map[string]any{"ename": res.EName, "evalue": res.EValue, "traceback": tb})
		}
		content["ename"], content["evalue"], content["traceback"] = res.EName, res.EValue, tb
	}
	repliedAt := time.Now()
	s.reply(sk, m, "execute_reply", content)
	if res.Status == "error" && stopOnError && !req.Silent {
		s.abortQueued(repliedAt)
	}
}

// queued is a shell request with its arrival time.
type queued struct {
	msg *wire.Message
	at  time.Time
}

// abortQueued answers the execute requests that arrived before the failed
// cell's reply with status "aborted", as the spec asks for stop_on_error.
// Requests sent after the client saw the error run normally.
func (s *server) abortQueued(before time.Time) {
	for {
		select {
		case q := <-s.shellQ:
			if !q.at.Before(before) {
				s.dispatch(s.shell, q.msg)
				return
			}
			m := q.msg
			if m.Header.MsgType != "execute_request" {
				s.dispatch(s.shell, m)
				continue
			}
			s.publishStatus(m, "busy")
			s.reply(s.shell, m, "execute_reply", map[string]any{"status": "aborted", "execution_count": s.count()})
			s.publishStatus(m, "idle")
		default:
			return
		}
	}
}

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.count
}

// maxTrackedCells bounds how many past cells can still receive output.
const maxTrackedCells = 256

func (s *server) trackCellLocked(m *wire.Message) {
	s.mu.cells[m.Header.MsgID] = m
	s.mu.order = append(s.mu.order, m.Header.MsgID)
	if len(s.mu.order) > maxTrackedCells {
		delete(s.mu.cells, s.mu.order[0])
		s.mu.order = s.mu.order[1:]
	}
}

func (s *server) cellMessage(id string) *wire.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.cells[id]
}

func (s *server) handleAssist(sk *socket, m *wire.Message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   int    `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	_ = json.Unmarshal(m.Content, &c)
	switch m.Header.MsgType {
	case "complete_request":
		var r completeResult
		if err := s.call(request{Op: opComplete, Code: c.Code, Cursor: c.CursorPos}, &r); err != nil {
			r = completeResult{Matches: []string{}, CursorStart: c.CursorPos, CursorEnd: c.CursorPos}
		}
		s.reply(sk, m, "complete_reply", map[string]any{"status": "ok", "matches": r.Matches,
			"cursor_start": r.CursorStart, "cursor_end": r.CursorEnd, "metadata": map[string]any{}})
	case "inspect_request":
		var r inspectResult
		_ = s.call(request{Op: opInspect, Code: c.Code, Cursor: c.CursorPos, DetailLevel: c.DetailLevel}, &r)
		data := map[string]any{}
		if r.Found {
			data["text/plain"] = r.Text
		}
		s.reply(sk, m, "inspect_reply", map[string]any{"status": "ok", "found": r.Found, "data": data, "metadata": map[string]any{}})
	case "is_complete_request":
		var r isCompleteResult
		if err := s.call(request{Op: opIsComplete, Code: c.Code}, &r); err != nil {
			r.Status = "unknown"
		}
		content := map[string]any{"status": r.Status}
		if r.Status == "incomplete" {
			content["indent"] = r.Indent
		}
		s.reply(sk, m, "is_complete_reply", content)
	}
}

func (s *server) handleHistory(sk *socket, m *wire.Message) {
	var c struct {
		Output         bool   `json:"output"`
		HistAccessType string `json:"hist_access_type"`
		N              int    `json:"n"`
		Start          int    `json:"start"`
		Stop           int    `json:"stop"`
		Pattern        string `json:"pattern"`
		Unique         bool   `json:"unique"`
	}
	_ = json.Unmarshal(m.Content, &c)
	s.mu.Lock()
	all := append([]historyEntry(nil), s.mu.history...)
	s.mu.Unlock()
	var picked []historyEntry
	switch c.HistAccessType {
	case "range":
		for _, h := range all {
			if h.count >= c.Start && (c.Stop <= 0 || h.count < c.Stop) {
				picked = append(picked, h)
			}
		}
	case "search":
		seen := map[string]bool{}
		for i := len(all) - 1; i >= 0; i-- {
			h := all[i]
			if !globMatch(c.Pattern, h.input) || (c.Unique && seen[h.input]) {
				continue
			}
			seen[h.input] = true
			picked = append([]historyEntry{h}, picked...)
		}
		if c.N > 0 && len(picked) > c.N {
			picked = picked[len(picked)-c.N:]
		}
	default: // tail
		picked = all
		if c.N > 0 && len(picked) > c.N {
			picked = picked[len(picked)-c.N:]
		}
	}
	rows := make([]any, 0, len(picked))
	for _, h := range picked {
		if c.Output {
			rows = append(rows, []any{1, h.count, []any{h.input, h.output}})
		} else {
			rows = append(rows, []any{1, h.count, h.input})
		}
	}
	s.reply(sk, m, "history_reply", map[string]any{"status": "ok", "history": rows})
}

// globMatch matches IPython-style history patterns: * and ? wildcards
// against the whole input; an empty pattern matches everything.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	var match func(p, s string) bool
	match = func(p, s string) bool {
		for len(p) > 0 {
			switch p[0] {
			case '*':
				for i := 0; i <= len(s); i++ {
					if match(p[1:], s[i:]) {
						return true
					}
				}
				return false
			case '?':
				if len(s) == 0 {
					return false
				}
				p, s = p[1:], s[1:]
			default:
				if len(s) == 0 || p[0] != s[0] {
					return false
				}
				p, s = p[1:], s[1:]
			}
		}
		return len(s) == 0
	}
	return match(pattern, s)
}
