package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// ErrParameter reports a -p argument that cannot become Go code.
var ErrParameter = errors.New("batch: bad parameter")

// Param is one notebook parameter. Value is nil, bool, *big.Int, float64,
// string, []any or map[string]any (elements of the same kinds).
type Param struct {
	Name  string
	Value any
}

// ParseParam parses a command-line "name=value".
func ParseParam(arg string) (Param, error) {
	name, val, ok := strings.Cut(arg, "=")
	if !ok {
		return Param{}, fmt.Errorf("%w: %q has no '=', want name=value", ErrParameter, arg)
	}
	name = strings.TrimSpace(name)
	if !token.IsIdentifier(name) || name == "_" {
		return Param{}, fmt.Errorf("%w: %q is not a Go identifier", ErrParameter, name)
	}
	return Param{Name: name, Value: ParseValue(val)}, nil
}

// ParseValue turns a command-line value into a typed value the way
// papermill's CLI does (True/False, None, int(), float(), else string),
// also accepting Go's true and false, and a JSON array ([1, "a"]) as a
// list.
func ParseValue(s string) any {
	switch s {
	case "True", "true":
		return true
	case "False", "false":
		return false
	case "None":
		return nil
	}
	if i, ok := parsePyInt(s); ok {
		return i
	}
	if f, ok := parsePyFloat(s); ok {
		return f
	}
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		var v []any
		if err := dec.Decode(&v); err == nil && !dec.More() {
			return fromJSON(v)
		}
	}
	return s
}

// fromJSON converts json.Number values into *big.Int or float64.
func fromJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, ok := new(big.Int).SetString(v.String(), 10); ok {
			return i
		}
		f, _ := strconv.ParseFloat(v.String(), 64)
		return f
	case []any:
		for i := range v {
			v[i] = fromJSON(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = fromJSON(v[k])
		}
	}
	return v
}

var (
	pyIntRE   = regexp.MustCompile(`^[+-]?[0-9](_?[0-9])*$`)
	pyFloatRE = regexp.MustCompile(`^[+-]?(([0-9](_?[0-9])*)(\.([0-9](_?[0-9])*)?)?|\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?$`)
	pySpecial = regexp.MustCompile(`^(?i)[+-]?(inf|infinity|nan)$`)
)

// pyNormalize strips Python whitespace and maps Unicode decimal digits to
// ASCII, as int() and float() do.
func pyNormalize(s string) string {
	s = strings.TrimFunc(s, pyIsSpace)
	return strings.Map(func(r rune) rune {
		if r > unicode.MaxASCII && unicode.IsDigit(r) {
			return '0' + digitValue(r)
		}
		return r
	}, s)
}

func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// digitValue returns the value of a Unicode decimal digit; the Nd ranges
// start at a zero and run in groups of ten.
func digitValue(r rune) rune {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return (r - rune(rg.Lo)) / rune(rg.Stride) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return (r - rune(rg.Lo)) / rune(rg.Stride) % 10
		}
	}
	return 0
}

func parsePyInt(s string) (*big.Int, bool) {
	n := pyNormalize(s)
	if !pyIntRE.MatchString(n) {
		return nil, false
	}
	return new(big.Int).SetString(strings.ReplaceAll(n, "_", ""), 10)
}

func parsePyFloat(s string) (float64, bool) {
	n := pyNormalize(s)
	if pySpecial.MatchString(n) {
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	if !pyFloatRE.MatchString(n) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// Render returns the Go expression for v. Lists and maps whose elements
// all have one kind get a typed slice or map ([]int, []float64 for ints
// mixed with floats, []string, []bool), others []any / map[string]any;
// map keys are sorted. A nil at the top of a := declaration needs a type,
// so define renders it as any(nil).
func Render(v any, define bool) (string, error) {
	var b bytes.Buffer
	if err := render(&b, v); err != nil {
		return "", err
	}
	if v == nil && define {
		return "any(nil)", nil
	}
	return b.String(), nil
}

func render(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("nil")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case *big.Int:
		b.WriteString(v.String())
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(FormatFloat(v))
	case string:
		b.WriteString(strconv.QuoteToASCII(v))
	case []any:
		b.WriteString("[]" + elemType(v) + "{")
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := render(b, e); err != nil {
				return err
			}
		}
		b.WriteString("}")
	case map[string]any:
		keys := make([]string, 0, len(v))
		vals := make([]any, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals = append(vals, v[k])
		}
		b.WriteString("map[string]" + elemType(vals) + "{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.QuoteToASCII(k) + ": ")
			if err := render(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteString("}")
	default:
		return fmt.Errorf("%w: cannot render a %T as Go", ErrParameter, v)
	}
	return nil
}

// elemType returns the Go element type of a list: one kind gives a typed
// slice, ints with floats give float64, anything else (or nothing) any.
func elemType(vs []any) string {
	kinds := map[string]bool{}
	for _, e := range vs {
		switch e.(type) {
		case bool:
			kinds["bool"] = true
		case *big.Int, int, int64:
			kinds["int"] = true
		case float64:
			kinds["float64"] = true
		case string:
			kinds["string"] = true
		default:
			return "any"
		}
	}
	switch {
	case len(kinds) == 1:
		for k := range kinds {
			return k
		}
	case len(kinds) == 2 && kinds["int"] && kinds["float64"]:
		return "float64"
	}
	return "any"
}

// FormatFloat writes f as Python's repr does (so the papermill translator
// writes the same text), always as a floating-point constant: NaN, ±Inf
// and -0 become math.NaN(), math.Inf(±1) and math.Copysign(0, -1).
func FormatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "math.NaN()"
	case math.IsInf(f, 1):
		return "math.Inf(1)"
	case math.IsInf(f, -1):
		return "math.Inf(-1)"
	case f == 0 && math.Signbit(f):
		return "math.Copysign(0, -1)"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX, shortest
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		return e
	}
	sign := ""
	if strings.HasPrefix(mant, "-") {
		sign, mant = "-", mant[1:]
	}
	digits := strings.Replace(mant, ".", "", 1)
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) < exp+1 {
		digits += strings.Repeat("0", exp+1-len(digits))
	}
	frac := digits[exp+1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:exp+1] + "." + frac
}

// Names declared in a parameters cell, found line by line (the papermill
// translator in install/papermill_golab does the same, so both write the
// same injected cell).
var (
	identListRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)`)
	defineRE    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*:=`)
)

// DeclaredVars returns the variables a parameters cell declares with
// `var` or `:=` (constants are not included: they cannot be assigned).
func DeclaredVars(src string) map[string]bool {
	vars := map[string]bool{}
	block := "" // "var" or "const" inside a parenthesized group
	add := func(list string) {
		for n := range strings.SplitSeq(list, ",") {
			if n = strings.TrimSpace(n); n != "" && n != "_" {
				vars[n] = true
			}
		}
	}
	for line := range strings.SplitSeq(src, "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		switch {
		case block != "":
			if strings.HasPrefix(line, ")") {
				block = ""
			} else if m := identListRE.FindStringSubmatch(line); m != nil && block == "var" {
				add(m[1])
			}
		case line == "var (" || line == "var(":
			block = "var"
		case line == "const (" || line == "const(":
			block = "const"
		case strings.HasPrefix(line, "var "):
			if m := identListRE.FindStringSubmatch(strings.TrimSpace(line[4:])); m != nil {
				add(m[1])
			}
		default:
			if m := defineRE.FindStringSubmatch(line); m != nil {
				add(m[1])
			}
		}
	}
	return vars
}

// InjectedSource returns the injected-parameters cell: a "// Parameters"
// comment, then `name = value` for variables the parameters cell declares
// (keeping their declared type) and `name := value` for the others.
func InjectedSource(params []Param, declared map[string]bool) (string, error) {
	var b strings.Builder
	b.WriteString("// Parameters\n")
	for _, p := range params {
		op := " := "
		if declared[p.Name] {
			op = " = "
		}
		val, err := Render(p.Value, !declared[p.Name])
		if err != nil {
			return "", fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		b.WriteString(p.Name + op + val + "\n")
	}
	return b.String(), nil
}
