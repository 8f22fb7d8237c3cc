package kernel

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/golab-dev/golab/kernel/wire"
)

// evalProc is one running evaluator process.
type evalProc struct {
	cmd  *exec.Cmd
	reqW io.WriteCloser
	done chan struct{} // closed once the process has exited
	err  error         // exit status, valid after done

	encMu sync.Mutex
	enc   *json.Encoder

	nextID  atomic.Int64
	mu      sync.Mutex
	waiters map[int64]chan json.RawMessage
	tail    *tailBuffer
}

// errEvaluatorDied is returned for requests the evaluator never answered.
var errEvaluatorDied = errors.New("kernel: the evaluator process died")

func (s *server) startEvaluator() error {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("kernel: evaluator pipe: %w", err)
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("kernel: evaluator pipe: %w", err)
	}
	cmd := exec.Command(s.cfg.Evaluator[0], s.cfg.Evaluator[1:]...)
	cmd.ExtraFiles = []*os.File{reqR, evW} // fds 3 and 4
	cmd.Env = os.Environ()
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("kernel: evaluator stdout: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("kernel: evaluator stderr: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("kernel: start evaluator %q: %w", s.cfg.Evaluator[0], err)
	}
	reqR.Close()
	evW.Close()
	p := &evalProc{
		cmd: cmd, reqW: reqW, done: make(chan struct{}),
		enc:     json.NewEncoder(reqW),
		waiters: map[int64]chan json.RawMessage{},
		tail:    &tailBuffer{max: 8 << 10},
	}
	var pipes sync.WaitGroup
	pipes.Add(3)
	go func() { defer pipes.Done(); s.readEvents(p, evR) }()
	go func() { defer pipes.Done(); s.copyOutput(p, stdout, "stdout") }()
	go func() { defer pipes.Done(); s.copyOutput(p, stderr, "stderr") }()
	go func() {
		pipes.Wait()
		p.err = cmd.Wait()
		close(p.done)
		p.mu.Lock()
		for id, ch := range p.waiters {
			close(ch)
			delete(p.waiters, id)
		}
		p.mu.Unlock()
	}()
	s.mu.Lock()
	s.mu.eval = p
	s.mu.Unlock()
	return nil
}

func (p *evalProc) kill() {
	p.reqW.Close()
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
}

// post sends a request without waiting for an answer.
func (p *evalProc) post(r request) error {
	p.encMu.Lock()
	defer p.encMu.Unlock()
	return p.enc.Encode(r)
}

// start sends a request and returns the channel its reply arrives on; the
// channel is closed without a value if the evaluator dies first.
func (p *evalProc) start(r request) (<-chan json.RawMessage, error) {
	r.ID = p.nextID.Add(1)
	ch := make(chan json.RawMessage, 1)
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		return nil, errEvaluatorDied
	default:
	}
	p.waiters[r.ID] = ch
	p.mu.Unlock()
	if err := p.post(r); err != nil {
		return nil, fmt.Errorf("%w: %v", errEvaluatorDied, err)
	}
	return ch, nil
}

func (s *server) evaluator() *evalProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.eval
}

// call sends a request and decodes its reply into out.
func (s *server) call(r request, out any) error {
	p := s.evaluator()
	ch, err := p.start(r)
	if err != nil {
		return err
	}
	raw, ok := <-ch
	if !ok {
		return errEvaluatorDied
	}
	return json.Unmarshal(raw, out)
}

// execute runs a cell in the evaluator. If the evaluator dies, it says so,
// starts a new one, and returns an error result.
func (s *server) execute(m *wire.Message, req executeRequest, allowStdin bool) executeResult {
	p := s.evaluator()
	ch, err := p.start(request{Op: opExecute, Cell: m.Header.MsgID, Code: req.Code,
		AllowStdin: allowStdin, UserExpressions: req.UserExpressions})
	if err == nil {
		if raw, ok := <-ch; ok {
			var res executeResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return errorResult("KernelError", "bad reply from the evaluator: "+err.Error())
			}
			return res
		}
	}
	<-p.done
	reason := p.tail.crashReason()
	if reason == "" && p.err != nil {
		reason = p.err.Error()
	}
	s.log.Printf("evaluator died (%s); starting a new one", reason)
	if err := s.startEvaluator(); err != nil {
		return errorResult("KernelError", "the evaluator died and could not be restarted: "+err.Error())
	}
	return errorResult("EvaluatorCrashed", fmt.Sprintf(
		"the Go evaluator crashed (%s). All variables, functions and types of this session are lost; "+
			"a fresh evaluator has been started. Re-run the cells you need.", reason))
}

func (s *server) interrupt() {
	p := s.evaluator()
	if p == nil {
		return
	}
	_ = p.post(request{Op: opInterrupt})
	_ = p.post(request{Op: opInputReply, Err: "kernel: interrupted while waiting for input"})
}

func (s *server) readEvents(p *evalProc, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			s.log.Printf("bad event from evaluator: %v", err)
			continue
		}
		switch e.Ev {
		case evReply:
			p.mu.Lock()
			ch := p.waiters[e.ID]
			delete(p.waiters, e.ID)
			p.mu.Unlock()
			if ch != nil {
				ch <- e.Reply
			}
		case evStream:
			s.publish(s.cellMessage(e.Cell), "stream", map[string]any{"name": e.Name, "text": e.Text})
		case evDisplay:
			msgType := "display_data"
			if e.Update {
				msgType = "update_display_data"
			}
			meta := e.Metadata
			if meta == nil {
				meta = map[string]any{}
			}
			content := map[string]any{"data": e.Data, "metadata": meta, "transient": map[string]any{}}
			if e.DisplayID != "" {
				content["transient"] = map[string]any{"display_id": e.DisplayID}
			}
			s.publish(s.cellMessage(e.Cell), msgType, content)
		case evClear:
			s.publish(s.cellMessage(e.Cell), "clear_output", map[string]any{"wait": e.Wait})
		case evInput:
			go s.relayInput(p, e)
		case evReady:
		}
	}
}

// relayInput asks the client for a line on the stdin channel and hands the
// answer to the evaluator.
func (s *server) relayInput(p *evalProc, e event) {
	cell := s.cellMessage(e.Cell)
	answer := request{Op: opInputReply}
	if cell == nil {
		answer.Err = "kernel: input requested by a cell that is no longer known"
		_ = p.post(answer)
		return
	}
	// Drop stale replies from earlier prompts.
	for len(s.inputQ) > 0 {
		<-s.inputQ
	}
	m, err := wire.Reply(cell, "input_request", map[string]any{"prompt": e.Prompt, "password": e.Password})
	if err != nil {
		return
	}
	s.send(s.stdin, m)
	select {
	case rep := <-s.inputQ:
		var c struct {
			Value string `json:"value"`
		}
		_ = json.Unmarshal(rep.Content, &c)
		answer.Value = c.Value
	case <-p.done:
		return
	case <-s.ctx.Done():
		return
	}
	_ = p.post(answer)
}

// copyOutput forwards what compiled code writes to the evaluator's own
// standard output and error to the running cell. Once the Go runtime
// starts printing a crash report, standard error is kept for the report
// instead.
func (s *server) copyOutput(p *evalProc, r io.Reader, name string) {
	br := bufio.NewReader(r)
	crashing := false
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if name == "stderr" {
				p.tail.Write([]byte(line))
				if isCrashLine(line) {
					crashing = true
				}
			}
			if !crashing {
				s.publish(s.cellMessage(s.lastCell()), "stream", map[string]any{"name": name, "text": line})
			}
		}
		if err != nil {
			return
		}
	}
}

func (s *server) lastCell() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.mu.order); n > 0 {
		return s.mu.order[n-1]
	}
	return ""
}

func isCrashLine(line string) bool {
	for _, p := range []string{"fatal error:", "runtime: ", "panic: ", "goroutine ", "SIGSEGV", "unexpected signal"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// tailBuffer keeps the last max bytes written to it, and the first lines
// of a Go crash report (which a long stack dump would push out of the
// tail).
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	head []string
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, line := range strings.Split(string(p), "\n") {
		if isReasonLine(line) && len(t.head) < 3 {
			t.head = append(t.head, strings.TrimSpace(line))
		}
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// crashReason picks the Go runtime's own explanation out of the tail,
// e.g. "fatal error: stack overflow".
func (t *tailBuffer) crashReason() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.head, "; ")
}

func isReasonLine(line string) bool {
	return strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic: ") ||
		strings.HasPrefix(line, "runtime: goroutine stack exceeds") || strings.HasPrefix(line, "runtime: out of memory")
}
