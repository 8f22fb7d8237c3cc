package interp

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The differential corpus: every testdata/corpus/*.txtar is a Go program
// split into notebook cells ("-- cell --" sections). The test runs the cells
// in a Session and compares standard output with "-- want --", the output
// of the same program compiled and run with `go run`. With -update the
// program is (re)built from the cells, run with `go run`, and "-- want --"
// rewritten; with -compiled the test also runs `go run` and checks the
// golden file is current. A case with a "-- known-gap --" section
// documents a construct the kernel cannot run yet: it is skipped when it
// fails and reported when it starts passing.
var (
	update   = flag.Bool("update", false, "rewrite corpus golden output from `go run`")
	compiled = flag.Bool("compiled", false, "also run every corpus program with `go run` and compare")
)

type corpusCase struct {
	name  string
	path  string
	cells []string
	want  string
	gap   string // reason, when a known gap
	// notebookOnly cases use notebook semantics (redefinitions) that a
	// single Go program cannot express; their want is written by hand.
	notebookOnly bool
	// hasWant tells an empty want from a missing one.
	hasWant bool
}

// parseTxtar reads the "-- name --" sections of a txtar file.
func parseTxtar(data string) (sections []struct{ name, body string }) {
	lines := strings.SplitAfter(data, "\n")
	cur := -1
	for _, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			sections = append(sections, struct{ name, body string }{strings.TrimSpace(t[3 : len(t)-3]), ""})
			cur = len(sections) - 1
			continue
		}
		if cur >= 0 {
			sections[cur].body += l
		}
	}
	return sections
}

func loadCorpus(t *testing.T) []*corpusCase {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var cases []*corpusCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &corpusCase{name: strings.TrimSuffix(filepath.Base(f), ".txtar"), path: f}
		for _, s := range parseTxtar(string(data)) {
			switch s.name {
			case "cell":
				c.cells = append(c.cells, s.body)
			case "want":
				c.want, c.hasWant = s.body, true
			case "known-gap":
				c.gap = strings.TrimSpace(s.body)
			case "notebook-only":
				c.notebookOnly = true
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// program assembles the whole-program form of a case: imports, the cells'
// declarations at package level and their statements, in order, in main.
func program(cells []string) (string, error) {
	var decls, stmts []string
	imports := map[string]string{}
	for _, cell := range cells {
		for _, it := range splitCell(cell) {
			txt := cell[it.start:it.end]
			switch it.kind {
			case itemImport:
				f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+txt, parser.ImportsOnly)
				if err != nil {
					return "", err
				}
				for _, is := range f.Imports {
					name := ""
					if is.Name != nil {
						name = is.Name.Name
					}
					imports[strings.Trim(is.Path.Value, `"`)] = name
				}
			case itemDecl:
				decls = append(decls, txt)
			case itemStmt:
				stmts = append(stmts, txt)
			}
		}
	}
	body := "package main\n\n" + strings.Join(decls, "\n\n") + "\n\nfunc main() {\n" + strings.Join(stmts, "\n") + "\n}\n"
	for _, d := range decls {
		if strings.HasPrefix(d, "func main()") && len(stmts) == 0 {
			// A cell holding a whole program is the program.
			body = "package main\n\n" + strings.Join(decls, "\n\n") + "\n"
		}
	}
	// Auto-import the packages the program uses, as the kernel does.
	f, err := parser.ParseFile(token.NewFileSet(), "", body, parser.SkipObjectResolution)
	if err != nil {
		return "", err
	}
	byName, _ := knownPackages(nil)
	defined := definedNames(f.Decls, nil)
	for _, n := range usedPackages(f.Decls, nil) {
		if p, ok := byName[n]; ok && !defined[n] {
			found := false
			for path, alias := range imports {
				if alias == n || alias == "" && lastElem(path) == n {
					found = true
				}
			}
			if !found {
				imports[p] = ""
			}
		}
	}
	var paths []string
	for p := range imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	b.WriteString("// Code generated from the cells by corpus_test.go. DO NOT EDIT.\n\npackage main\n\nimport (\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%s %q\n", imports[p], p)
	}
	b.WriteString(")\n")
	b.WriteString(strings.TrimPrefix(body, "package main\n"))
	return b.String(), nil
}

var _ = ast.Inspect

// goRun compiles and runs a program, returning its standard output.
func goRun(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module corpus\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run: %v\n%s\nprogram:\n%s", err, errb.String(), src)
	}
	return out.String()
}

// runCells runs a case's cells in a fresh Session and returns the output.
func runCells(t *testing.T, cells []string) (string, error) {
	out := &syncBuffer{}
	s, err := New(Options{Stdout: out, Stderr: out})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i, cell := range cells {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := s.Eval(ctx, cell)
		cancel()
		if err != nil {
			return out.String(), fmt.Errorf("cell %d: %w", i+1, err)
		}
	}
	// Let goroutines a cell started finish writing.
	return out.String(), nil
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) == 0 {
		t.Fatal("no corpus cases")
	}
	var mu sync.Mutex
	pass, gaps := 0, 0
	var gapNames []string
	t.Cleanup(func() {
		t.Logf("corpus: %d/%d cases identical to `go run` (%d known gaps: %s)", pass, len(cases), gaps, strings.Join(gapNames, ", "))
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if (*update || *compiled || !c.hasWant) && !c.notebookOnly {
				src, err := program(c.cells)
				if err != nil {
					t.Fatalf("building program: %v", err)
				}
				want := goRun(t, src)
				if *update {
					writeWant(t, c, want)
					c.want, c.hasWant = want, true
				} else if !c.hasWant {
					t.Fatalf("no -- want -- section; run go test -run TestCorpus -update")
				} else if want != c.want {
					t.Fatalf("golden output is stale; run with -update\ngo run:\n%s\ngolden:\n%s", want, c.want)
				}
			}
			if raceEnabled && startsGoroutines(c.cells) {
				t.Skip("starts goroutines from function literals: yaegi's closure frames race (see race_on_test.go); run without -race")
			}
			got, err := runCells(t, c.cells)
			ok := err == nil && got == c.want
			mu.Lock()
			defer mu.Unlock()
			if c.gap != "" {
				if ok {
					t.Errorf("known gap now passes; remove its -- known-gap -- section")
					pass++
					return
				}
				gaps++
				gapNames = append(gapNames, c.name)
				t.Skipf("known gap: %s (err=%v)", c.gap, err)
			}
			if err != nil {
				t.Fatalf("kernel error: %v\noutput so far:\n%s", err, got)
			}
			if got != c.want {
				t.Fatalf("output differs from go run\nkernel:\n%s\ngo run:\n%s", got, c.want)
			}
			pass++
		})
	}
}

func startsGoroutines(cells []string) bool {
	for _, c := range cells {
		if strings.Contains(c, "go func") || strings.Contains(c, "go work(") {
			return true
		}
	}
	return false
}

// writeWant rewrites the -- want -- section of a case file.
func writeWant(t *testing.T, c *corpusCase, want string) {
	t.Helper()
	data, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range parseTxtar(string(data)) {
		if s.name == "want" {
			continue
		}
		fmt.Fprintf(&b, "-- %s --\n%s", s.name, s.body)
	}
	fmt.Fprintf(&b, "-- want --\n%s", want)
	if err := os.WriteFile(c.path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
