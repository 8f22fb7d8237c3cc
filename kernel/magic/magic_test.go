package magic

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// format renders a parse result in the testdata notation.
func format(m Magic, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%s", m.Kind)
	if m.Cell {
		b.WriteString(" cell")
	}
	if m.Append {
		b.WriteString(" append")
	}
	if m.N != 0 {
		fmt.Fprintf(&b, " n=%d", m.N)
	}
	if len(m.Args) > 0 {
		fmt.Fprintf(&b, " args=%v", m.Args)
	}
	if m.Body != "" {
		fmt.Fprintf(&b, " body=%q", m.Body)
	}
	return b.String()
}

type parseCase struct{ cell, want string }

func readCases(t *testing.T, path string) []parseCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []parseCase
	for _, block := range strings.Split(string(data), "== cell\n")[1:] {
		cell, want, ok := strings.Cut(block, "== want\n")
		if !ok {
			t.Fatalf("case without == want: %q", block)
		}
		cell = strings.TrimSuffix(cell, "\n")
		cell = strings.ReplaceAll(cell, `\\`, "\x00")
		cell = strings.ReplaceAll(cell, `\n`, "\n")
		cell = strings.ReplaceAll(cell, `\t`, "\t")
		cell = strings.ReplaceAll(cell, "\x00", `\`)
		cases = append(cases, parseCase{cell, strings.TrimSpace(want)})
	}
	return cases
}

func TestParse(t *testing.T) {
	for _, c := range readCases(t, "testdata/parse.txt") {
		t.Run(c.cell, func(t *testing.T) {
			if got := format(Parse(c.cell)); got != c.want {
				t.Errorf("Parse(%q)\ngot  %s\nwant %s", c.cell, got, c.want)
			}
		})
	}
}

func TestHelpListsEveryMagic(t *testing.T) {
	h := HelpText()
	for _, k := range Known() {
		if !strings.Contains(h, k) {
			t.Errorf("help text lacks %q", k)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range []string{"%help", "%env A=b", "%timeit -n 3 x", "!ls", "%%writefile f\nx", "%bogus", "%env", "%time\nx\ny", "%timeit -n", "%env A=1 \\"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		m, err := Parse(cell)
		if err != nil {
			return
		}
		if !IsMagic(cell) {
			t.Fatalf("Parse accepted a non-magic cell %q", cell)
		}
		if m.Kind == "" {
			t.Fatalf("Parse(%q) returned an empty kind", cell)
		}
		if m.Kind == WriteFile && len(m.Args) != 1 {
			t.Fatalf("writefile without file: %q", cell)
		}
	})
}
