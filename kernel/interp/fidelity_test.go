package interp_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/golab-dev/golab/kernel/display"
	"github.com/golab-dev/golab/kernel/interp"
	"github.com/golab-dev/golab/kernel/symbols"
)

// recorder is a display.Publisher that keeps what it receives.
type recorder struct {
	mu   sync.Mutex
	data []map[string]any
	ids  []string
	upd  []bool
}

func (r *recorder) Publish(data, metadata map[string]any, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.data = append(r.data, data)
	r.ids = append(r.ids, id)
	r.upd = append(r.upd, update)
}

func (r *recorder) ClearOutput(bool) {}

func newDisplaySession(t *testing.T) (*interp.Session, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s, err := interp.New(interp.Options{Stdout: &out, Stderr: &out, Symbols: symbols.All()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &out
}

func eval(t *testing.T, s *interp.Session, cell string) interp.Result {
	t.Helper()
	res, err := s.Eval(context.Background(), cell)
	if err != nil {
		t.Fatalf("Eval(%q): %v", cell, err)
	}
	return res
}

const cardDecl = `type card struct{ s string }

func (c card) MIMEBundle() map[string]any { return map[string]any{"text/html": "<b>" + c.s + "</b>"} }
`

func TestFinalValueMIMEBundle(t *testing.T) {
	s, _ := newDisplaySession(t)
	eval(t, s, cardDecl)
	for _, cell := range []string{`card{"hello"}`, "c := card{\"hello\"}\nc", `func() card { return card{"hello"} }()`} {
		res := eval(t, s, cell)
		if len(res.Values) != 1 {
			t.Fatalf("%q: got %d values", cell, len(res.Values))
		}
		b, ok := res.Values[0].Interface().(interface{ MIMEBundle() map[string]any })
		if !ok {
			t.Fatalf("%q: value %T has no MIMEBundle method", cell, res.Values[0].Interface())
		}
		if got := b.MIMEBundle()["text/html"]; got != "<b>hello</b>" {
			t.Errorf("%q: MIMEBundle()[text/html] = %v", cell, got)
		}
		data, _ := display.Render(res.Values[0].Interface())
		if data["text/html"] != "<b>hello</b>" {
			t.Errorf("%q: Render = %v", cell, data)
		}
	}
}

func TestFinalValueStringError(t *testing.T) {
	s, _ := newDisplaySession(t)
	eval(t, s, `type temp float64
func (t temp) String() string { return fmt.Sprintf("%.1f°C", float64(t)) }
type oops struct{ code int }
func (e *oops) Error() string { return fmt.Sprintf("oops %d", e.code) }
type both struct{}
func (both) String() string { return "both!" }
func (both) MIMEBundle() map[string]any { return map[string]any{"text/markdown": "**both**"} }`)
	for cell, want := range map[string]string{
		"temp(21.5)":     "21.5°C",
		"&oops{code: 3}": "oops 3",
		"both{}":         "both!",
	} {
		res := eval(t, s, cell)
		if len(res.Values) != 1 {
			t.Fatalf("%q: got %d values", cell, len(res.Values))
		}
		v := res.Values[0].Interface()
		got := fmt.Sprintf("%v", v)
		if e, ok := v.(error); ok {
			got = e.Error()
		}
		if got != want {
			t.Errorf("%q: %%v = %q, want %q", cell, got, want)
		}
	}
	res := eval(t, s, "both{}")
	data, _ := display.Render(res.Values[0].Interface())
	if data["text/markdown"] != "**both**" {
		t.Errorf("both{}: Render = %v", data)
	}
}

func TestShowInterpretedMIMEBundle(t *testing.T) {
	rec := &recorder{}
	old := display.SetPublisher(rec)
	defer display.SetPublisher(old)
	s, out := newDisplaySession(t)
	eval(t, s, cardDecl)
	eval(t, s, `display.Show(card{"a"}, 42)`)
	eval(t, s, "h := display.NewHandle()\nh.Show(card{\"b\"})\nh.Update(&card{\"c\"})")
	// A plain value of a session type without methods is untouched, and
	// fmt still prints a MIME value's fields.
	eval(t, s, `type plain struct{ N int }
display.Show(plain{7})
fmt.Println(card{"d"})`)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []string{"<b>a</b>", "", "<b>b</b>", "<b>c</b>", ""}
	if len(rec.data) != len(want) {
		t.Fatalf("published %d outputs, want %d: %v", len(rec.data), len(want), rec.data)
	}
	for i, w := range want {
		if w == "" {
			continue
		}
		if got := rec.data[i]["text/html"]; got != w {
			t.Errorf("output %d: text/html = %v, want %q (bundle %v)", i, got, w, rec.data[i])
		}
	}
	if rec.data[1]["text/plain"] != "42" {
		t.Errorf("Show(42) = %v", rec.data[1])
	}
	if !rec.upd[3] || rec.upd[2] || rec.ids[2] != rec.ids[3] || rec.ids[2] == "" {
		t.Errorf("handle ids %v updates %v", rec.ids, rec.upd)
	}
	if got := rec.data[4]["text/plain"]; got != "{7}" {
		t.Errorf("Show(plain{7}) text/plain = %v", got)
	}
	if !strings.Contains(out.String(), "{d}") {
		t.Errorf("fmt.Println(card) printed %q", out.String())
	}
}

func TestAssignmentMismatch(t *testing.T) {
	s, _ := newDisplaySession(t)
	eval(t, s, "func two() (int, error) { return 1, nil }")
	for _, tc := range []struct{ cell, want string }{
		{"x := two()", "cell:1:6: assignment mismatch: 1 variable but two returns 2 values"},
		{"fmt.Println(1)\ndf := dataframe.New()", "cell:2:7: assignment mismatch: 1 variable but dataframe.New returns 2 values"},
		{"var y int\ny = two()", "cell:2:5: assignment mismatch: 1 variable but two returns 2 values"},
	} {
		_, err := s.Eval(context.Background(), tc.cell)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Eval(%q) = %v, want an error containing %q", tc.cell, err, tc.want)
		}
	}
	if res := eval(t, s, "x, err := two()\nx"); len(res.Values) != 1 || res.Values[0].Int() != 1 {
		t.Errorf("x, err := two(): %v", res.Values)
	}
}

func TestSemicolonStatements(t *testing.T) {
	s, out := newDisplaySession(t)
	eval(t, s, `fmt.Println("a"); fmt.Println("b")`)
	if got := out.String(); got != "a\nb\n" {
		t.Errorf("output %q", got)
	}
	for cell, want := range map[string]int64{
		"x := 1; y := 2; x + y":                    3,
		"func f() int { return 4 }; z := f(); z":   4,
		"type T int; const c T = 5; int(c)":        5,
		"w := 6;  ;  w":                            6,
		"for i := 0; i < 3; i++ { _ = i }; 7":      7,
		"q := []int{1, 2}; q = append(q, 5); q[2]": 5,
	} {
		res := eval(t, s, cell)
		if len(res.Values) != 1 || res.Values[0].Int() != want {
			t.Errorf("%q = %v, want %d", cell, res.Values, want)
		}
	}
}
