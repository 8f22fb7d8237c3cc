package kernel

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// evalHarness drives RunEvaluator over in-memory pipes.
type evalHarness struct {
	t      *testing.T
	reqW   *io.PipeWriter
	enc    *json.Encoder
	events chan event
	done   chan error
}

func startEvaluator(t *testing.T) *evalHarness {
	t.Helper()
	reqR, reqW := io.Pipe()
	evR, evW := io.Pipe()
	h := &evalHarness{t: t, reqW: reqW, enc: json.NewEncoder(reqW), events: make(chan event, 1024), done: make(chan error, 1)}
	go func() { h.done <- RunEvaluator(EvaluatorConfig{In: reqR, Out: evW}); evW.Close() }()
	go func() {
		sc := bufio.NewScanner(evR)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			var e event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("bad event %q: %v", sc.Text(), err)
				continue
			}
			h.events <- e
		}
		close(h.events)
	}()
	if e := h.next(); e.Ev != evReady {
		t.Fatalf("first event = %+v, want ready", e)
	}
	t.Cleanup(func() {
		reqW.Close()
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			t.Error("evaluator did not stop after its request pipe closed")
		}
	})
	return h
}

func (h *evalHarness) next() event {
	h.t.Helper()
	select {
	case e, ok := <-h.events:
		if !ok {
			h.t.Fatal("event pipe closed")
		}
		return e
	case <-time.After(10 * time.Second):
		h.t.Fatal("no event within 10s")
	}
	return event{}
}

func (h *evalHarness) send(r request) {
	h.t.Helper()
	if err := h.enc.Encode(r); err != nil {
		h.t.Fatal(err)
	}
}

// execute runs code as cell and returns the events up to its reply.
func (h *evalHarness) execute(id int64, cell, code string) ([]event, executeResult) {
	h.t.Helper()
	h.send(request{ID: id, Op: opExecute, Cell: cell, Code: code})
	var evs []event
	for {
		e := h.next()
		if e.Ev == evReply && e.ID == id {
			var res executeResult
			if err := json.Unmarshal(e.Reply, &res); err != nil {
				h.t.Fatal(err)
			}
			return evs, res
		}
		evs = append(evs, e)
	}
}

func streamText(evs []event, cell string) string {
	var b strings.Builder
	for _, e := range evs {
		if e.Ev == evStream && (cell == "" || e.Cell == cell) {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

func TestEvaluatorResultAndOutput(t *testing.T) {
	h := startEvaluator(t)
	cases := []struct {
		code, out, plain, status string
	}{
		{code: `fmt.Println("hi")`, out: "hi\n", status: "ok"},
		{code: `x := 2`, status: "ok"},
		{code: `x * 21`, plain: "42", status: "ok"},
		{code: `panic("boom")`, status: "error"},
		{code: `x`, plain: "2", status: "ok"},
	}
	for i, c := range cases {
		evs, res := h.execute(int64(i+1), "c", c.code)
		if res.Status != c.status {
			t.Errorf("%q: status %s (%s), want %s", c.code, res.Status, res.EValue, c.status)
		}
		if got := streamText(evs, "c"); got != c.out {
			t.Errorf("%q: output %q, want %q", c.code, got, c.out)
		}
		if c.plain != "" && res.Data["text/plain"] != c.plain {
			t.Errorf("%q: result %v, want %s", c.code, res.Data["text/plain"], c.plain)
		}
	}
}

func TestEvaluatorRoutesLateGoroutineOutput(t *testing.T) {
	h := startEvaluator(t)
	// The goroutine touches no session variable: yaegi grows its global
	// frame when a later cell declares one, which races with readers.
	_, res := h.execute(1, "first", "go func() {\n\ttime.Sleep(300 * time.Millisecond)\n\tfmt.Println(\"from first\")\n}()")
	if res.Status != "ok" {
		t.Fatalf("first cell: %s", res.EValue)
	}
	evs, _ := h.execute(2, "second", "time.Sleep(700 * time.Millisecond)\nfmt.Println(\"from second\")")
	if got := streamText(evs, "first"); got != "from first\n" {
		t.Errorf("first cell got %q, want its goroutine's line", got)
	}
	if got := streamText(evs, "second"); got != "from second\n" {
		t.Errorf("second cell got %q", got)
	}
}

func TestEvaluatorInterrupt(t *testing.T) {
	h := startEvaluator(t)
	h.send(request{ID: 1, Op: opExecute, Cell: "c", Code: "for {}"})
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	h.send(request{Op: opInterrupt})
	for {
		e := h.next()
		if e.Ev == evReply && e.ID == 1 {
			var res executeResult
			_ = json.Unmarshal(e.Reply, &res)
			if res.Status != "error" {
				t.Errorf("status %s, want error", res.Status)
			}
			break
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("interrupt took %v, want < 1s", d)
	}
}

func TestEvaluatorStdin(t *testing.T) {
	h := startEvaluator(t)
	h.send(request{ID: 1, Op: opExecute, Cell: "c", AllowStdin: true, Code: "var s string\nfmt.Scanln(&s)\nfmt.Println(\"got\", s)"})
	var out string
	for {
		e := h.next()
		if e.Ev == evInput {
			h.send(request{Op: opInputReply, Value: "gopher"})
			continue
		}
		if e.Ev == evStream {
			out += e.Text
		}
		if e.Ev == evReply {
			break
		}
	}
	if out != "got gopher\n" {
		t.Errorf("output %q, want %q", out, "got gopher\n")
	}
	_, res := h.execute(2, "d", "var t string\n_, err := fmt.Scanln(&t)\nerr")
	if res.Status != "error" || !strings.Contains(res.EValue, "allow_stdin") {
		t.Errorf("without allow_stdin: %+v, want a clear error", res)
	}
}

// TestEvaluatorStdinReader checks that os.Stdin read through bufio asks the
// client for input like fmt.Scan does, one input request per line, and
// fails with the clear error when the client does not allow input.
func TestEvaluatorStdinReader(t *testing.T) {
	h := startEvaluator(t)
	h.send(request{ID: 1, Op: opExecute, Cell: "c", AllowStdin: true, Code: "r := bufio.NewReader(os.Stdin)\nl1, _ := r.ReadString('\\n')\nsc := bufio.NewScanner(os.Stdin)\nsc.Scan()\nfmt.Printf(\"%q %q\\n\", l1, sc.Text())"})
	var out string
	replies := []string{"first", "second"}
	asked := 0
	for {
		e := h.next()
		if e.Ev == evInput {
			if asked >= len(replies) {
				t.Fatalf("input requested %d times, want %d", asked+1, len(replies))
			}
			h.send(request{Op: opInputReply, Value: replies[asked]})
			asked++
			continue
		}
		if e.Ev == evStream {
			out += e.Text
		}
		if e.Ev == evReply {
			break
		}
	}
	if want := "\"first\\n\" \"second\"\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	_, res := h.execute(2, "d", "_, err := bufio.NewReader(os.Stdin).ReadString('\\n')\nerr")
	if res.Status != "error" || !strings.Contains(res.EValue, "allow_stdin") {
		t.Errorf("without allow_stdin: %+v, want a clear error", res)
	}
	// A cell that ignores the error still learns why it read nothing,
	// once, on stderr.
	evs, res := h.execute(3, "e", "sc := bufio.NewScanner(os.Stdin)\nfor sc.Scan() {\n}\nsc2 := bufio.NewScanner(os.Stdin)\nsc2.Scan()\nfmt.Println(\"done\")")
	var stderr, stdout string
	for _, e := range evs {
		if e.Ev == evStream && e.Name == "stderr" {
			stderr += e.Text
		}
		if e.Ev == evStream && e.Name == "stdout" {
			stdout += e.Text
		}
	}
	if res.Status != "ok" || stdout != "done\n" || stderr != errNoStdin.Error()+"\n" {
		t.Errorf("ignored refusal: status %s, stdout %q, stderr %q; want ok, done and the message once", res.Status, stdout, stderr)
	}
}

func TestHelpRequest(t *testing.T) {
	cases := []struct {
		code, name string
		ok         bool
	}{
		{"?strings.ToUpper", "strings.ToUpper", true},
		{"fmt.Println?", "fmt.Println", true},
		{"  ??x  ", "x", true},
		{"x := a ? b", "", false},
		{"f(x)?", "", false},
		{"?", "", false},
	}
	for _, c := range cases {
		name, ok := helpRequest(c.code)
		if name != c.name || ok != c.ok {
			t.Errorf("helpRequest(%q) = %q, %v; want %q, %v", c.code, name, ok, c.name, c.ok)
		}
	}
}
