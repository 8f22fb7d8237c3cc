package interp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
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
	eval(t, s, `c0 := card{"hello"}; p0 := &c0`)
	for _, cell := range []string{`card{"hello"}`, "c := card{\"hello\"}\nc", `func() card { return card{"hello"} }()`, "c0", "(c0)", "*p0", "p0"} {
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

func TestFinalTupleMIMEBundle(t *testing.T) {
	s, _ := newDisplaySession(t)
	eval(t, s, cardDecl+"\nfunc mk(s string) (card, error) { return card{s}, nil }")
	res := eval(t, s, `mk("t")`)
	if len(res.Values) != 2 {
		t.Fatalf("got %d values", len(res.Values))
	}
	b, ok := res.Values[0].Interface().(interface{ MIMEBundle() map[string]any })
	if !ok || b.MIMEBundle()["text/html"] != "<b>t</b>" {
		t.Errorf("first value %T: no MIMEBundle with the interpreted map", res.Values[0].Interface())
	}
	if res.Values[1].IsValid() && res.Values[1].Kind() == reflect.Interface && !res.Values[1].IsNil() {
		t.Errorf("error value = %v, want nil", res.Values[1])
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

func TestIndexOutOfRangeMessage(t *testing.T) {
	s, _ := newDisplaySession(t)
	eval(t, s, "func at(xs []int, i int) int {\n\treturn xs[i]\n}")
	for _, tc := range []struct{ cell, msg, pos string }{
		{"a := []int{1,2,3}\ni := 5\n_ = a[i]", "runtime error: index out of range [5] with length 3", ":3:1"},
		{"str := \"abc\"\nk := -1\nfmt.Println(str[k+0])", "runtime error: index out of range [-1]", ":3:1"},
		{"fmt.Println(1)\nat([]int{1}, 4)", "runtime error: index out of range [4] with length 1", ":2:1"},
		{"var arr [2]int\nn := 2\narr[n] = 1", "runtime error: index out of range [2] with length 2", ":3:1"},
	} {
		_, err := s.Eval(context.Background(), tc.cell)
		var pe *interp.PanicError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want a *PanicError", tc.cell, err)
			continue
		}
		if pe.Msg != tc.msg {
			t.Errorf("%q: Msg = %q, want %q", tc.cell, pe.Msg, tc.msg)
		}
		if !strings.Contains(pe.Stack, "cell(...)") || !strings.Contains(pe.Stack, tc.pos) {
			t.Errorf("%q: Stack = %q, want the cell frame at line %s", tc.cell, pe.Stack, tc.pos)
		}
	}
	// In-range indexes, && guards and loops are unaffected.
	res := eval(t, s, "b := []int{4, 5}\nj := 1\nok := j < len(b) && b[j] == 5\nt := 0\nfor k := range b { t += b[k] }\nok && t == 9 && b[j] == 5")
	if len(res.Values) != 1 || !res.Values[0].Bool() {
		t.Errorf("in-range indexes: %v", res.Values)
	}
}

func TestIncrementalCheck(t *testing.T) {
	s, _ := newDisplaySession(t)
	// A method added to an earlier type reaches the final value's wrapper.
	eval(t, s, "type P struct{ X int }")
	eval(t, s, "p := P{1}")
	eval(t, s, `func (p P) String() string { return fmt.Sprintf("P<%d>", p.X) }`)
	if res := eval(t, s, "P{2}"); fmt.Sprint(res.Values[0].Interface()) != "P<2>" {
		t.Errorf("P{2} = %v", res.Values[0].Interface())
	}
	// A variable defined again with another type.
	eval(t, s, "x := 1")
	eval(t, s, `x := "s"`)
	if res := eval(t, s, `slices.Contains([]string{"S"}, strings.ToUpper(x))`); !res.Values[0].Bool() {
		t.Errorf("slices.Contains = %v", res.Values)
	}
	// A function declared again with another result count.
	eval(t, s, "func two() (int, int) { return 1, 2 }")
	eval(t, s, "func two() int { return 3 }")
	if res := eval(t, s, "v := two()\nv"); res.Values[0].Int() != 3 {
		t.Errorf("two() = %v", res.Values)
	}
	// Re-running cells keeps working.
	for i := 0; i < 3; i++ {
		eval(t, s, "y := len(\"ab\")")
		eval(t, s, "func f() int { return y }")
		if res := eval(t, s, "f() + min(y, 5)"); res.Values[0].Int() != 4 {
			t.Errorf("f() + min(y, 5) = %v", res.Values)
		}
	}
}

// TestIndexOutOfRangeInLoop checks that an out-of-range index inside a loop,
// where the kernel adds no bounds check, says that the numbers are unknown
// instead of printing a message that looks complete.
func TestIndexOutOfRangeInLoop(t *testing.T) {
	s, _ := newDisplaySession(t)
	for _, cell := range []string{
		"xs := []int{1}\nfor i := 0; i < 3; i++ {\n\t_ = xs[i]\n}",
		"ys := []int{1, 2}\nfor range 2 {\n\tfmt.Println(ys[1:5])\n}",
	} {
		_, err := s.Eval(context.Background(), cell)
		var pe *interp.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: err = %v, want a *PanicError", cell, err)
		}
		if !strings.HasPrefix(pe.Msg, "runtime error: ") || !strings.Contains(pe.Msg, "out of range (index and length not known") {
			t.Errorf("%q: Msg = %q, want the runtime error with the note that the numbers are unknown", cell, pe.Msg)
		}
	}
}
