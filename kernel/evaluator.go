package kernel

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/golab-dev/golab/kernel/display"
	"github.com/golab-dev/golab/kernel/interp"
)

// EvaluatorConfig configures the evaluator process.
type EvaluatorConfig struct {
	// Symbols are the compiled packages cells may import, as produced by
	// `yaegi extract` (see kernel/symbols), in addition to the standard
	// library.
	Symbols []map[string]map[string]reflect.Value
	// In and Out are the request and event pipes; nil means file
	// descriptors 3 and 4 as the supervisor sets them up.
	In  io.Reader
	Out io.Writer
}

// flushInterval bounds how long printed text waits before it is sent.
const flushInterval = 50 * time.Millisecond

// RunEvaluator serves one supervisor until its request pipe closes.
func RunEvaluator(cfg EvaluatorConfig) error {
	in, out := cfg.In, cfg.Out
	if in == nil {
		in = os.NewFile(3, "golab-requests")
	}
	if out == nil {
		out = os.NewFile(4, "golab-events")
	}
	ev := newEvaluator(out)
	sess, err := interp.New(interp.Options{
		Stdout:  ev.stream("stdout"),
		Stderr:  ev.stream("stderr"),
		Stdin:   &stdinReader{ev: ev},
		Symbols: cfg.Symbols,
	})
	if err != nil {
		return fmt.Errorf("kernel: start interpreter: %w", err)
	}
	defer sess.Close()
	ev.sess = sess
	display.SetPublisher(ev)
	defer display.SetPublisher(nil)
	stop := make(chan struct{})
	defer close(stop)
	go ev.flushLoop(stop)
	ev.send(event{Ev: evReady})
	return ev.serve(in)
}

type evaluator struct {
	router *router
	sess   *interp.Session

	outMu struct{ sync.Mutex }
	enc   *json.Encoder
	// pending text per (cell, stream), flushed in order of first write.
	pending []event

	mu struct {
		sync.Mutex
		cancel     context.CancelFunc
		cell       string
		allowStdin bool
		input      chan request
		// refused is set once the running cell has been told that
		// standard input is not available.
		refused bool
	}
	running sync.WaitGroup
}

func newEvaluator(out io.Writer) *evaluator {
	return &evaluator{router: newRouter(), enc: json.NewEncoder(out)}
}

func (ev *evaluator) serve(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintf(os.Stderr, "golab evaluator: bad request: %v\n", err)
			continue
		}
		ev.handle(req)
	}
	ev.running.Wait()
	return sc.Err()
}

func (ev *evaluator) handle(req request) {
	switch req.Op {
	case opExecute:
		ctx, cancel := context.WithCancel(context.Background())
		ev.mu.Lock()
		ev.mu.cancel, ev.mu.cell, ev.mu.allowStdin = cancel, req.Cell, req.AllowStdin
		ev.mu.input = make(chan request, 1)
		ev.mu.refused = false
		ev.mu.Unlock()
		ev.running.Add(1)
		go func() {
			defer ev.running.Done()
			defer cancel()
			ev.reply(req.ID, ev.execute(ctx, req))
		}()
	case opInterrupt:
		ev.mu.Lock()
		if ev.mu.cancel != nil {
			ev.mu.cancel()
		}
		ev.mu.Unlock()
	case opInputReply:
		ev.mu.Lock()
		ch := ev.mu.input
		ev.mu.Unlock()
		if ch != nil {
			select {
			case ch <- req:
			default:
			}
		}
	case opComplete:
		ev.running.Wait()
		m, start, end := ev.sess.Complete(req.Code, req.Cursor)
		if m == nil {
			m = []string{}
		}
		ev.reply(req.ID, completeResult{Matches: m, CursorStart: start, CursorEnd: end})
	case opInspect:
		ev.running.Wait()
		text, found := ev.sess.Inspect(req.Code, req.Cursor)
		ev.reply(req.ID, inspectResult{Found: found, Text: text})
	case opIsComplete:
		status, indent := ev.sess.IsComplete(req.Code)
		ev.reply(req.ID, isCompleteResult{Status: status, Indent: indent})
	default:
		ev.reply(req.ID, map[string]string{"status": "error", "evalue": "unknown op " + req.Op})
	}
}

// execute runs one cell and renders its result.
func (ev *evaluator) execute(ctx context.Context, req request) (res executeResult) {
	ev.router.begin(req.Cell)
	defer func() {
		if r := recover(); r != nil {
			res = errorResult("InternalError", fmt.Sprintf("the kernel failed while running the cell: %v", r))
		}
		ev.flush()
		ev.router.end(req.Cell)
	}()
	res = ev.run(ctx, req.Code)
	if len(req.UserExpressions) > 0 {
		res.UserExpressions = map[string]any{}
		for name, expr := range req.UserExpressions {
			r := ev.run(ctx, expr)
			if r.Status == "ok" && r.Data == nil {
				r.Data = map[string]any{"text/plain": ""}
			}
			res.UserExpressions[name] = map[string]any{
				"status": r.Status, "data": r.Data, "metadata": map[string]any{},
				"ename": r.EName, "evalue": r.EValue, "traceback": r.Traceback,
			}
		}
	}
	return res
}

// run evaluates code and turns its outcome into an executeResult.
func (ev *evaluator) run(ctx context.Context, code string) executeResult {
	if name, ok := helpRequest(code); ok {
		text, found := ev.sess.Inspect(name, len([]rune(name)))
		if !found {
			return errorResult("NotFound", fmt.Sprintf("no documentation found for %q", name))
		}
		return executeResult{Status: "ok", Page: text}
	}
	if m, ok, err := ev.magic(ctx, code); ok || err != nil {
		if err != nil {
			return errorFrom(err)
		}
		return m
	}
	return ev.runGo(ctx, code)
}

// runGo evaluates Go code and renders its final value.
func (ev *evaluator) runGo(ctx context.Context, code string) executeResult {
	out, err := ev.sess.Eval(ctx, code)
	if err != nil {
		return errorFrom(err)
	}
	values := out.Values
	// (T, error) results: a non-nil error is the outcome; a nil one is dropped.
	if n := len(values); n > 0 && isErrorType(values[n-1]) && (n > 1 || asError(values[n-1]) != nil) {
		if e := asError(values[n-1]); e != nil {
			return errorResult(fmt.Sprintf("%T", e), e.Error())
		}
		values = values[:n-1]
	}
	if len(values) == 0 {
		return executeResult{Status: "ok"}
	}
	var v any
	if len(values) == 1 {
		v = valueOf(values[0])
	} else {
		parts := make([]any, len(values))
		for i, x := range values {
			parts[i] = valueOf(x)
		}
		v = tuple(parts)
	}
	data, meta := display.Render(v)
	return executeResult{Status: "ok", Data: data, Metadata: meta}
}

// helpRequest recognises IPython's "?name" and "name?" help cells.
func helpRequest(code string) (string, bool) {
	c := strings.TrimSpace(code)
	if strings.ContainsAny(c, "\n;(){} ") || len(c) < 2 {
		return "", false
	}
	switch {
	case strings.HasPrefix(c, "?"):
		return strings.TrimLeft(c, "?"), true
	case strings.HasSuffix(c, "?"):
		return strings.TrimRight(c, "?"), true
	}
	return "", false
}

type tuple []any

func (t tuple) String() string {
	s := "("
	for i, x := range t {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%v", x)
	}
	return s + ")"
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// isErrorType reports whether v sits in an error result: its type is the
// error interface or implements it. A nil interface value counts when it
// follows other results, as in (T, error).
func isErrorType(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	if v.Kind() == reflect.Interface && v.IsNil() {
		return true // the interpreter hands a nil error over as a nil interface{}
	}
	return v.Type() == errorType || v.Type().Implements(errorType)
}

func asError(v reflect.Value) error {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		if v.IsNil() {
			return nil
		}
	}
	if !v.CanInterface() {
		return nil
	}
	e, _ := v.Interface().(error)
	return e
}

func valueOf(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.CanInterface() {
		return v.Interface()
	}
	return v.String()
}

func errorFrom(err error) executeResult {
	var ce *interp.CellError
	var pe *interp.PanicError
	switch {
	case errors.Is(err, interp.ErrInterrupted):
		return errorResult("Interrupted", "the cell was interrupted")
	case errors.As(err, &ce):
		return errorResult("CompileError", err.Error())
	case errors.As(err, &pe):
		r := errorResult("Panic", pe.Msg)
		if pe.Stack != "" {
			r.Traceback = append(r.Traceback, pe.Stack)
		}
		return r
	}
	return errorResult(fmt.Sprintf("%T", err), err.Error())
}

func errorResult(ename, evalue string) executeResult {
	return executeResult{
		Status: "error", EName: ename, EValue: evalue,
		Traceback: []string{fmt.Sprintf("\x1b[0;31m%s\x1b[0m: %s", ename, evalue)},
	}
}

// reply sends a reply after all output of the request.
func (ev *evaluator) reply(id int64, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		raw, _ = json.Marshal(errorResult("EncodeError", err.Error()))
	}
	ev.send(event{ID: id, Ev: evReply, Reply: raw})
}

// send writes one event after the pending text.
func (ev *evaluator) send(e event) {
	ev.outMu.Lock()
	defer ev.outMu.Unlock()
	ev.flushLocked()
	ev.writeLocked(e)
}

func (ev *evaluator) writeLocked(e event) {
	if err := ev.enc.Encode(e); err != nil {
		fmt.Fprintf(os.Stderr, "golab evaluator: cannot send %s: %v\n", e.Ev, err)
	}
}

func (ev *evaluator) flush() {
	ev.outMu.Lock()
	defer ev.outMu.Unlock()
	ev.flushLocked()
}

func (ev *evaluator) flushLocked() {
	for _, e := range ev.pending {
		ev.writeLocked(e)
	}
	ev.pending = ev.pending[:0]
}

func (ev *evaluator) flushLoop(stop <-chan struct{}) {
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ev.flush()
		}
	}
}

// maxPending bounds buffered text before it is sent regardless of time.
const maxPending = 64 << 10

type streamWriter struct {
	ev   *evaluator
	name string
}

func (ev *evaluator) stream(name string) io.Writer { return &streamWriter{ev: ev, name: name} }

func (w *streamWriter) Write(p []byte) (int, error) {
	cell := w.ev.router.cell()
	ev := w.ev
	ev.outMu.Lock()
	defer ev.outMu.Unlock()
	if n := len(ev.pending); n > 0 && ev.pending[n-1].Cell == cell && ev.pending[n-1].Name == w.name {
		ev.pending[n-1].Text += string(p)
	} else {
		ev.pending = append(ev.pending, event{Ev: evStream, Cell: cell, Name: w.name, Text: string(p)})
	}
	if len(ev.pending[len(ev.pending)-1].Text) > maxPending {
		ev.flushLocked()
	}
	return len(p), nil
}

// Publish implements display.Publisher.
func (ev *evaluator) Publish(data, metadata map[string]any, displayID string, update bool) {
	ev.send(event{Ev: evDisplay, Cell: ev.router.cell(), Data: data, Metadata: metadata, DisplayID: displayID, Update: update})
}

// ClearOutput implements display.Publisher.
func (ev *evaluator) ClearOutput(wait bool) {
	ev.send(event{Ev: evClear, Cell: ev.router.cell(), Wait: wait})
}

// errNoStdin is what reading standard input returns when the client does
// not accept input requests.
var errNoStdin = errors.New("kernel: standard input is not available: this client does not allow input requests (allow_stdin is false); pass values in code or as notebook parameters instead")

// stdinReader asks the client for a line each time the cell reads past
// what it was given.
type stdinReader struct {
	ev  *evaluator
	buf []byte
}

func (r *stdinReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		line, err := r.ev.requestInput("", false)
		if err != nil {
			return 0, err
		}
		r.buf = []byte(line + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// requestInput asks the client for a line. When the client does not allow
// input, it returns errNoStdin and, the first time in a cell, also writes
// that message to the cell's stderr: code that reads standard input
// through bufio often ignores the error and would otherwise just see no
// input.
func (ev *evaluator) requestInput(prompt string, password bool) (string, error) {
	ev.mu.Lock()
	allow, ch, cell := ev.mu.allowStdin, ev.mu.input, ev.mu.cell
	tell := (!allow || ch == nil) && !ev.mu.refused
	if tell {
		ev.mu.refused = true
	}
	ev.mu.Unlock()
	if !allow || ch == nil {
		if tell {
			_, _ = io.WriteString(ev.stream("stderr"), errNoStdin.Error()+"\n")
		}
		return "", errNoStdin
	}
	ev.send(event{Ev: evInput, Cell: cell, Prompt: prompt, Password: password})
	rep := <-ch
	if rep.Err != "" {
		return "", errors.New(rep.Err)
	}
	return rep.Value, nil
}
