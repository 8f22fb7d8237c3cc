package interp

import (
	"go/ast"
	"go/token"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/stdlib"
)

// genericPkgs are standard packages whose API is generic; the kernel
// supplies interpreted implementations of them (see prelude.go).
var genericPkgs = map[string]bool{"slices": true, "maps": true, "cmp": true, "iter": true}

// stdlibSymbols returns yaegi's standard library exports without the
// (empty) compiled stubs of the generic packages the kernel implements.
func stdlibSymbols() map[string]map[string]reflect.Value {
	m := make(map[string]map[string]reflect.Value, len(stdlib.Symbols))
	for k, v := range stdlib.Symbols {
		if genericPkgs[strings.TrimSuffix(k, "/"+lastElem(k))] {
			continue
		}
		m[k] = v
	}
	return m
}

// preferred resolves package names shared by several standard packages the
// way goimports usually does.
var preferred = map[string]string{
	"rand":     "math/rand",
	"template": "text/template",
	"scanner":  "text/scanner",
	"pprof":    "runtime/pprof",
	"format":   "go/format",
	"parser":   "go/parser",
	"token":    "go/token",
	"constant": "go/constant",
	"big":      "math/big",
	"pem":      "encoding/pem",
	"json":     "encoding/json",
	"errors":   "errors",
}

// knownPackages maps package names to import paths (for auto-import) and
// import paths to package names, over the standard library, the generic
// packages of the prelude and the extra symbols.
func knownPackages(extra []map[string]map[string]reflect.Value) (byName, byPath map[string]string) {
	byName, byPath = map[string]string{}, map[string]string{}
	add := func(key string) {
		name := lastElem(key)
		path := strings.TrimSuffix(key, "/"+name)
		if strings.HasPrefix(name, "_") || path == "golab.dev/rt" {
			return
		}
		byPath[path] = name
	}
	for k := range stdlib.Symbols {
		add(k)
	}
	for _, syms := range extra {
		for k := range syms {
			add(k)
		}
	}
	for p := range genericPkgs {
		byPath[p] = p
	}
	// Deterministic choice among paths sharing a name: preferred table,
	// then project packages (extra symbols), then the shortest path.
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		name := byPath[p]
		if want, ok := preferred[name]; ok {
			byName[name] = want
			continue
		}
		cur, ok := byName[name]
		if !ok || len(p) < len(cur) || strings.HasPrefix(cur, "internal") {
			byName[name] = p
		}
	}
	return byName, byPath
}

// usedPackages lists identifiers X used as X.Sel (candidate package names).
func usedPackages(decls []ast.Decl, body *ast.BlockStmt) []string {
	seen := map[string]bool{}
	var out []string
	visit := func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && !seen[x.Name] {
				seen[x.Name] = true
				out = append(out, x.Name)
			}
		}
		return true
	}
	for _, d := range decls {
		ast.Inspect(d, visit)
	}
	if body != nil {
		ast.Inspect(body, visit)
	}
	return out
}

// definedNames collects every name the cell defines anywhere (declarations,
// :=, var, parameters, range variables), so that a local variable named like
// a package is not mistaken for a package.
func definedNames(decls []ast.Decl, body *ast.BlockStmt) map[string]bool {
	names := map[string]bool{}
	visit := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						names[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				names[id.Name] = true
			}
		case *ast.TypeSpec:
			names[n.Name.Name] = true
		case *ast.FuncDecl:
			names[n.Name.Name] = true
		case *ast.Field:
			for _, id := range n.Names {
				names[id.Name] = true
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok {
						names[id.Name] = true
					}
				}
			}
		}
		return true
	}
	for _, d := range decls {
		ast.Inspect(d, visit)
	}
	if body != nil {
		ast.Inspect(body, visit)
	}
	return names
}

// stmtDefines lists the names a top-level statement defines.
func stmtDefines(st ast.Stmt) []string {
	var out []string
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok == token.DEFINE {
			for _, l := range st.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
					out = append(out, id.Name)
				}
			}
		}
	case *ast.DeclStmt:
		if g, ok := st.Decl.(*ast.GenDecl); ok {
			out = append(out, declNames(g)...)
		}
	}
	return out
}

// declNames lists the names a declaration defines (methods define none at
// package level).
func declNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.ValueSpec:
				for _, id := range sp.Names {
					out = append(out, id.Name)
				}
			case *ast.TypeSpec:
				out = append(out, sp.Name.Name)
			}
		}
	}
	return out
}

// refersTo reports whether any identifier in n is in names.
func refersTo(n ast.Node, names map[string]bool) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if found {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && names[id.Name] {
			found = true
		}
		return !found
	})
	return found
}
