package lint

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/golab-dev/golab"

// rule says what a package (matched by prefix, longest first) must not
// import. Targets are module-relative paths or, for third-party modules,
// full import paths; "!stdlib" forbids everything outside the standard
// library.
type rule struct {
	pkg    string
	forbid []string
	allow  []string // exceptions to forbid
	why    string
}

var libraries = []string{"dataframe", "cluster", "ml", "plotting", "streaming"}

var rules = []rule{
	{pkg: "kernel/display", forbid: []string{""}, why: "kernel/display is the leaf package user code imports"},
	{pkg: "kernel/symbols", forbid: []string{"cmd"}, why: "symbols is imported by the composition root only"},
	{pkg: "kernel", forbid: append([]string{"cmd"}, libraries...), why: "kernel core never imports the libraries; only kernel/symbols does"},
	{pkg: "dataframe/expr", forbid: []string{"dataframe/plan", "dataframe/optimize", "dataframe/physical", "dataframe/exec", "dataframe", "kernel", "cluster", "ml", "plotting", "streaming"}, allow: []string{"dataframe/expr"}, why: "dataframe sub-packages import only those to their left"},
	{pkg: "dataframe/plan", forbid: []string{"dataframe/optimize", "dataframe/physical", "dataframe/exec", "dataframe", "kernel", "cluster", "ml", "plotting", "streaming"}, allow: []string{"dataframe/expr", "dataframe/plan"}, why: "dataframe sub-packages import only those to their left"},
	{pkg: "dataframe/optimize", forbid: []string{"dataframe/physical", "dataframe/exec", "dataframe", "kernel", "cluster", "ml", "plotting", "streaming"}, allow: []string{"dataframe/expr", "dataframe/plan", "dataframe/optimize"}, why: "dataframe sub-packages import only those to their left"},
	{pkg: "dataframe/physical", forbid: []string{"dataframe/exec", "dataframe", "kernel", "cluster", "ml", "plotting", "streaming"}, allow: []string{"dataframe/expr", "dataframe/plan", "dataframe/optimize", "dataframe/physical"}, why: "dataframe sub-packages import only those to their left"},
	{pkg: "dataframe", forbid: []string{"kernel", "cluster", "ml", "plotting", "streaming", "cmd"}, why: "dataframe never imports cluster (cluster implements dataframe/exec.Executor) nor the kernel"},
	{pkg: "cluster", forbid: []string{"kernel", "ml", "plotting", "streaming", "cmd"}, allow: []string{"kernel/display"}, why: "cluster builds on dataframe and may import kernel/display (job progress bars), never kernel core, ml, plotting or streaming"},
	{pkg: "ml", forbid: []string{"plotting", "streaming", "kernel", "cmd"}, allow: []string{"kernel/display"}, why: "ml may import dataframe and kernel/display, never plotting, streaming or kernel core"},
	{pkg: "plotting", forbid: []string{"ml", "streaming", "kernel", "cluster", "cmd"}, allow: []string{"kernel/display"}, why: "plotting may import dataframe and kernel/display, never ml, streaming or kernel core"},
	{pkg: "streaming", forbid: []string{"ml", "plotting", "kernel", "cluster", "cmd"}, allow: []string{"kernel/display"}, why: "streaming may import dataframe and kernel/display, never ml, plotting or kernel core"},
	{pkg: "install", forbid: []string{"!stdlib"}, why: "install imports only the standard library"},
}

func TestImportRule(t *testing.T) {
	root := repoRoot(t)
	imports := map[string]map[string]bool{} // package dir -> imports
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if imports[rel] == nil {
			imports[rel] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			imports[rel][p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := make([]string, 0, len(imports))
	for d := range imports {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		r, ok := ruleFor(dir)
		if !ok {
			continue
		}
		for imp := range imports[dir] {
			if violates(r, dir, imp) {
				t.Errorf("%s imports %s: %s", dir, imp, r.why)
			}
		}
	}
	// Only streaming/kafka may import kafka-go (internal/pins only keeps
	// it in go.mod, under a build tag that is never set).
	for _, dir := range dirs {
		for imp := range imports[dir] {
			if strings.HasPrefix(imp, "github.com/segmentio/kafka-go") && dir != "streaming/kafka" && !strings.HasPrefix(dir, "streaming/kafka/") && !strings.HasPrefix(dir, "bench/") && dir != "internal/pins" {
				t.Errorf("%s imports %s: only streaming/kafka wraps kafka-go", dir, imp)
			}
		}
	}
}

func ruleFor(dir string) (rule, bool) {
	best, found := rule{}, false
	for _, r := range rules {
		if dir == r.pkg || strings.HasPrefix(dir, r.pkg+"/") {
			if !found || len(r.pkg) > len(best.pkg) {
				best, found = r, true
			}
		}
	}
	return best, found
}

func violates(r rule, dir, imp string) bool {
	isStd := !strings.Contains(strings.Split(imp, "/")[0], ".")
	for _, f := range r.forbid {
		if f == "!stdlib" {
			if !isStd {
				return true
			}
			continue
		}
		if !strings.HasPrefix(imp, module) {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
		if rel == dir || strings.HasPrefix(rel, dir+"/") && f == "" {
			continue // a package may import its own sub-packages unless told otherwise
		}
		if allowed(r, rel) {
			continue
		}
		if f == "" || rel == f || strings.HasPrefix(rel, f+"/") {
			return true
		}
	}
	return false
}

func allowed(r rule, rel string) bool {
	for _, a := range r.allow {
		if rel == a || strings.HasPrefix(rel, a+"/") {
			return true
		}
	}
	return false
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

func TestRuleTable(t *testing.T) {
	cases := []struct {
		dir, imp string
		bad      bool
	}{
		{"kernel", module + "/dataframe", true},
		{"kernel", module + "/kernel/wire", false},
		{"kernel/symbols", module + "/dataframe", false},
		{"kernel/display", module + "/kernel/wire", true},
		{"dataframe", module + "/cluster", true},
		{"dataframe", module + "/dataframe/exec", false},
		{"dataframe/expr", module + "/dataframe/plan", true},
		{"dataframe/optimize", module + "/dataframe/plan", false},
		{"plotting", module + "/kernel/display", false},
		{"plotting", module + "/ml", true},
		{"plotting", module + "/kernel", true},
		{"install", "github.com/go-zeromq/zmq4", true},
		{"install", "encoding/json", false},
	}
	for _, c := range cases {
		r, _ := ruleFor(c.dir)
		if got := violates(r, c.dir, c.imp); got != c.bad {
			t.Errorf("%s -> %s: violates = %v, want %v", c.dir, c.imp, got, c.bad)
		}
	}
}
