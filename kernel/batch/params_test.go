package batch

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/parser"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

type paramCase struct {
	line       int
	scope, arg string
	want       string
}

func readParamCases(t *testing.T) []paramCase {
	f, err := os.Open("testdata/params.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []paramCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("params.txt:%d: %d columns, want 3", n, len(cols))
		}
		var arg string
		if err := json.Unmarshal([]byte(cols[1]), &arg); err != nil {
			t.Fatalf("params.txt:%d: arg: %v", n, err)
		}
		cases = append(cases, paramCase{n, cols[0], arg, cols[2]})
	}
	return cases
}

func TestParamRendering(t *testing.T) {
	for _, c := range readParamCases(t) {
		t.Run(fmt.Sprintf("line%d", c.line), func(t *testing.T) {
			p, err := ParseParam(c.arg)
			if err != nil {
				t.Fatal(err)
			}
			src, err := InjectedSource([]Param{p}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := "// Parameters\n" + c.want + "\n"
			if src != want {
				t.Errorf("-p %q: got %q, want %q", c.arg, src, want)
			}
			if _, err := parser.ParseExpr(strings.SplitN(c.want, " := ", 2)[1]); err != nil {
				t.Errorf("want %q is not a Go expression: %v", c.want, err)
			}
		})
	}
}

func TestDeclaredVars(t *testing.T) {
	src := `// defaults
alpha := 0.5
var n int = 3 // comment := x
var (
	name  string = "x"
	a, b = 1, 2
)
const limit = 10
const (
	other = 2
)
x, y := 1, 2
_ := 3
fmt.Println(alpha)
`
	got := DeclaredVars(src)
	want := []string{"alpha", "n", "name", "a", "b", "x", "y"}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("%s not declared in %v", w, got)
		}
	}
	params := []Param{{"alpha", 1.0}, {"limit", ParseValue("5")}, {"v", nil}, {"name", nil}}
	inj, err := InjectedSource(params, got)
	if err != nil {
		t.Fatal(err)
	}
	wantSrc := "// Parameters\nalpha = 1.0\nlimit := 5\nv := any(nil)\nname = nil\n"
	if inj != wantSrc {
		t.Errorf("got %q, want %q", inj, wantSrc)
	}
}

func TestParseParamErrors(t *testing.T) {
	for _, arg := range []string{"novalue", "1x=2", "a-b=3", "=3", "_=1"} {
		if _, err := ParseParam(arg); err == nil {
			t.Errorf("ParseParam(%q): no error", arg)
		}
	}
}

func TestFormatFloat(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {1, "1.0"}, {-2.5, "-2.5"}, {0.1, "0.1"}, {1e-4, "0.0001"}, {1e-5, "1e-05"},
		{123456789012345.6, "123456789012345.6"}, {1e15, "1000000000000000.0"}, {1e16, "1e+16"},
		{math.MaxFloat64, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {math.Inf(-1), "math.Inf(-1)"},
	} {
		if got := FormatFloat(c.f); got != c.want {
			t.Errorf("FormatFloat(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// FuzzParseValue checks that every value renders as a Go expression and
// that strings survive the round trip through Go quoting.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"42", "1.5", "nan", "-inf", "True", "None", "[1, \"a\"]", "café", "1_0", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := ParseValue(s)
		for _, define := range []bool{false, true} {
			src, err := Render(v, define)
			if err != nil {
				t.Fatalf("Render(%#v): %v", v, err)
			}
			if _, err := parser.ParseExpr(src); err != nil {
				t.Fatalf("ParseValue(%q) renders %q, not a Go expression: %v", s, src, err)
			}
			if str, ok := v.(string); ok {
				back, err := strconv.Unquote(src)
				if err != nil || (utf8.ValidString(str) && back != str) {
					t.Fatalf("string %q renders %q, unquotes to %q (%v)", str, src, back, err)
				}
			}
			if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) && !(f == 0 && math.Signbit(f)) {
				back, err := strconv.ParseFloat(src, 64)
				if err != nil || back != f || !strings.ContainsAny(src, ".e") {
					t.Fatalf("float %v renders %q (parsed back %v, %v)", f, src, back, err)
				}
			}
		}
	})
}

func ExampleInjectedSource() {
	declared := DeclaredVars("alpha := 0.5\nname := \"world\"\n")
	var params []Param
	for _, arg := range []string{"alpha=1", "name=café", "tags=[\"a\", \"b\"]", "ratio=nan"} {
		p, _ := ParseParam(arg)
		params = append(params, p)
	}
	src, _ := InjectedSource(params, declared)
	fmt.Print(src)
	// Output:
	// // Parameters
	// alpha = 1
	// name = "caf\u00e9"
	// tags := []string{"a", "b"}
	// ratio := math.NaN()
}

func ExampleParseValue() {
	for _, s := range []string{"42", "2.5", "nan", "True", "None", "[1, 2]", "café"} {
		v := ParseValue(s)
		src, _ := Render(v, true)
		fmt.Printf("%-6s %T %s\n", s, v, src)
	}
	// Output:
	// 42     *big.Int 42
	// 2.5    float64 2.5
	// nan    float64 math.NaN()
	// True   bool true
	// None   <nil> any(nil)
	// [1, 2] []interface {} []int{1, 2}
	// café   string "caf\u00e9"
}
