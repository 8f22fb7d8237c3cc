package interp

import "testing"

// A var declaration after statements of the same cell may use what those
// statements defined, as in a function body; the variable stays in the
// session and a re-run re-assigns it.
func TestVarAfterStatements(t *testing.T) {
	s, _ := newSession(t)
	for _, c := range []struct{ cell, want string }{
		{"p := 3\nvar a any = p\na", "3"},
		{"q := 4\nvar b = q * 2\nb", "8"},
		{"r := 5\nvar c int = r\nc + b", "13"},
		{"a", "3"},
		{"n := 2\nvar (\n\tx, y float64 = float64(n), 1.5\n\tz = x * y\n)\nz", "3"},
		{"k := 7\nvar _ = k\nvar f func() int = func() int { return k * 2 }\nf()", "14"},
		{"m := map[string]int{\"a\": 1}\nvar v, ok = m[\"a\"]\nv == 1 && ok", "true"},
		{"p := 10\nvar a any = p\na", "10"},
		{"type celsius float64\nt := 21.5\nvar c2 celsius = celsius(t)\nc2", "21.5"},
	} {
		if got := values(eval(t, s, c.cell)); got != c.want {
			t.Errorf("%q = %s, want %s", c.cell, got, c.want)
		}
	}
}
