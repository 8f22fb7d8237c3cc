package interp

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// checker type-checks cells against a model of the session (its imports,
// declarations and variable types) with go/types. The types drive the
// rewrites: explicit instantiation of generic calls, range over int and
// over functions, min and max, method expressions and the arity of a final
// expression. Type errors are not reported (yaegi reports what it cannot
// run); a cell that does not type-check is simply rewritten less.
type checker struct {
	im *symImporter
	// cache holds the parsed session file while the model is unchanged.
	cache struct {
		text  string
		file  *ast.File
		lines []int
		size  int
	}
	sigs map[string]string // declaration key -> declaration without function body

	mu       sync.Mutex
	decls    map[string]string // session declaration key -> source
	order    []string          // keys in declaration order
	varTypes map[string]string // session variable -> type expression
}

func newChecker(pkgPaths map[string]string, syms []map[string]map[string]reflect.Value) *checker {
	return &checker{im: newSymImporter(syms), decls: map[string]string{}, varTypes: map[string]string{}, sigs: map[string]string{}}
}

// sessionBase is the token.Pos base of the session file in the checker's
// FileSet: above any position of the interpreter's FileSet.
const sessionBase = 1 << 40

// checkerStubs declare, for the type checker, the session helpers that
// call compiled kernel code.
const checkerStubs = `
func __golabGoPanic(v any) {}

func __golabClear(x any) {}

func __golabIValue(err error) any { return nil }

func __golabUnwrap(e error) []error { return nil }

func __golabSortInts(x []int) {}

func __golabSortFloat64s(x []float64) {}

func __golabSortStrings(x []string) {}
`

// preludeSigs is preludeDecls without function bodies: the type checker
// needs only the signatures.
var preludeSigs = sync.OnceValue(func() string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+preludeDecls, 0)
	if err != nil {
		return preludeDecls
	}
	var b bytes.Buffer
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			fd.Body = nil
		}
		_ = printer.Fprint(&b, token.NewFileSet(), d)
		b.WriteString("\n")
	}
	return b.String()
})

// debugCheck prints type-checker diagnostics to stderr (GOLAB_INTERP_DEBUG=1).
var debugCheck = os.Getenv("GOLAB_INTERP_DEBUG") != ""

// cellInfo is what the checker learned about one cell.
type cellInfo struct {
	info  *types.Info
	pkg   *types.Package
	paths map[string]string // import path -> name used in the session
	// firstErr is the first hard type error inside the cell, if any.
	firstErr error
	// needed collects packages a rewrite mentions by name.
	needed map[string]string // name -> path
}

// check type-checks a cell. It never fails; the result may be sparse.
func (c *checker) check(imported map[string]string, want map[string]importSpec, decls []ast.Decl, body *ast.BlockStmt, fset *token.FileSet) (ci *cellInfo) {
	return c.checkCell(imported, want, decls, body, fset, true)
}

// checkCell type-checks a cell; record says whether its declarations and
// variables become part of the session model.
func (c *checker) checkCell(imported map[string]string, want map[string]importSpec, decls []ast.Decl, body *ast.BlockStmt, fset *token.FileSet, record bool) (ci *cellInfo) {
	ci = &cellInfo{info: &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Instances:  map[*ast.Ident]types.Instance{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}, paths: map[string]string{}, needed: map[string]string{}}
	defer func() {
		if r := recover(); r != nil {
			if debugCheck {
				fmt.Fprintln(os.Stderr, "check panic:", r, string(debug.Stack()))
			}
			ci.info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Instances: map[*ast.Ident]types.Instance{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()

	// Names the cell (re)declares replace the session's versions.
	redecl := map[string]bool{}
	for _, d := range decls {
		for _, k := range declKeys(d) {
			redecl[k] = true
		}
	}
	var ctxSrc strings.Builder
	ctxSrc.WriteString("package main\n\nimport (\n\t__golabcontext \"context\"\n\t__golabfmt \"fmt\"\n")
	names := map[string]string{}
	for n, p := range imported {
		names[n] = p
	}
	for n, sp := range want {
		names[n] = sp.path
	}
	for _, n := range sortedKeys(names) {
		fmt.Fprintf(&ctxSrc, "\t%s %q\n", n, names[n])
		ci.paths[names[n]] = n
	}
	ctxSrc.WriteString(")\n\nvar ctx __golabcontext.Context\n")
	ctxSrc.WriteString(preludeSigs())
	ctxSrc.WriteString(checkerStubs)
	for _, k := range c.order {
		if redecl[k] {
			continue
		}
		if sig, ok := c.sigs[k]; ok {
			ctxSrc.WriteString(sig)
		} else {
			ctxSrc.WriteString(c.decls[k])
		}
		ctxSrc.WriteString("\n")
	}
	for _, n := range sortedKeys(c.varTypes) {
		if redecl[n] {
			continue
		}
		fmt.Fprintf(&ctxSrc, "var %s %s\n", n, c.varTypes[n])
	}
	// The session file is parsed once per change of the session model,
	// at a fixed high base, so its text never accumulates in the
	// interpreter's FileSet and its positions never overlap a cell's.
	text := ctxSrc.String()
	if text != c.cache.text {
		pfset := token.NewFileSet()
		pfset.AddFile("pad", 1, sessionBase-2)
		f, err := parser.ParseFile(pfset, "session.go", text, parser.SkipObjectResolution)
		if err != nil && f == nil {
			return ci
		}
		tf := pfset.File(f.Pos())
		c.cache.text, c.cache.file, c.cache.lines, c.cache.size = text, f, tf.Lines(), tf.Size()
	}
	ctxFile := c.cache.file
	cfset := token.NewFileSet()
	for _, f := range cellFiles(fset, decls, body) {
		// go/types looks files up by position: mirror the cell's files.
		cf := cfset.AddFile(f.Name(), f.Base(), f.Size())
		cf.SetLines(f.Lines())
	}
	if cfset.Base() > sessionBase {
		return ci // a session beyond 2^40 bytes of cells; no types
	}
	sf := cfset.AddFile("session.go", sessionBase, c.cache.size)
	sf.SetLines(c.cache.lines)
	// Imports are file-scoped: the cell file gets the session's imports too.
	imp := &ast.GenDecl{Tok: token.IMPORT, Lparen: 1}
	for n, p := range names {
		imp.Specs = append(imp.Specs, &ast.ImportSpec{Name: ast.NewIdent(n), Path: &ast.BasicLit{Kind: token.STRING, Value: fmt.Sprintf("%q", p)}})
	}
	imp.Specs = append(imp.Specs, &ast.ImportSpec{Name: ast.NewIdent("__golabcontext"), Path: &ast.BasicLit{Kind: token.STRING, Value: `"context"`}})
	cellFile := &ast.File{Name: ast.NewIdent("main"), Decls: append([]ast.Decl{imp}, decls...)}
	if body != nil {
		cellFile.Decls = append(cellFile.Decls, &ast.FuncDecl{
			Name: ast.NewIdent(hiddenPrefix + "Cell"),
			Type: &ast.FuncType{Params: &ast.FieldList{}},
			Body: body,
		})
	}
	conf := types.Config{Importer: c.im, Error: func(err error) {
		if debugCheck {
			fmt.Fprintln(os.Stderr, "check:", err)
		}
		te, ok := err.(types.Error)
		if !ok || ci.firstErr != nil || te.Soft || fset.Position(te.Pos).Filename != srcName {
			return
		}
		if strings.Contains(te.Msg, "declared and not used") || strings.Contains(te.Msg, "imported and not used") {
			return
		}
		ci.firstErr = scanner.ErrorList{{Pos: fset.Position(te.Pos), Msg: te.Msg}}
	}}
	ci.pkg, _ = conf.Check("main", cfset, []*ast.File{ctxFile, cellFile}, ci.info)

	if !record {
		return ci
	}
	// Remember the cell's declarations and top-level variables.
	for _, d := range decls {
		var buf bytes.Buffer
		if printer.Fprint(&buf, token.NewFileSet(), stripPos(d)) != nil {
			continue
		}
		sig := ""
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			cp := *fd
			cp.Body = nil
			var sb bytes.Buffer
			if printer.Fprint(&sb, token.NewFileSet(), &cp) == nil {
				sig = sb.String()
			}
		}
		for _, k := range declKeys(d) {
			if _, ok := c.decls[k]; !ok {
				c.order = append(c.order, k)
			}
			c.decls[k] = buf.String()
			if sig != "" {
				c.sigs[k] = sig
			} else {
				delete(c.sigs, k)
			}
			delete(c.varTypes, k)
		}
	}
	if body != nil {
		for _, st := range body.List {
			for _, id := range stmtDefIdents(st) {
				obj := ci.info.Defs[id]
				if obj == nil {
					continue
				}
				if t := ci.typeString(obj.Type()); t != "" {
					c.varTypes[id.Name] = t
					if _, ok := c.decls[id.Name]; ok {
						delete(c.decls, id.Name)
					}
				}
			}
		}
	}
	return ci
}

// cellFiles returns the files of fset holding the cell's nodes, in base
// order.
func cellFiles(fset *token.FileSet, decls []ast.Decl, body *ast.BlockStmt) []*token.File {
	var out []*token.File
	add := func(p token.Pos) {
		if !p.IsValid() {
			return
		}
		f := fset.File(p)
		if f == nil {
			return
		}
		for _, g := range out {
			if g == f {
				return
			}
		}
		out = append(out, f)
	}
	for _, d := range decls {
		add(d.Pos())
	}
	if body != nil {
		add(body.Pos())
		for _, st := range body.List {
			add(st.Pos())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Base() < out[j].Base() })
	return out
}

// emptyInfo is the cellInfo of a cell that was not type-checked.
func emptyInfo() *cellInfo {
	return &cellInfo{info: &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Instances:  map[*ast.Ident]types.Instance{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}, paths: map[string]string{}, needed: map[string]string{}}
}

// varType returns the recorded type of a session variable, or "".
func (c *checker) varType(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.varTypes[name]; ok {
		return t
	}
	return ""
}

// declKeys names what a declaration defines for the session model: the
// name, or "T.M" for a method.
func declKeys(d ast.Decl) []string {
	if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) == 1 {
		t := fd.Recv.List[0].Type
		if st, ok := t.(*ast.StarExpr); ok {
			t = st.X
		}
		switch x := t.(type) {
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		}
		if id, ok := t.(*ast.Ident); ok {
			return []string{id.Name + "." + fd.Name.Name}
		}
		return nil
	}
	return declNames(d)
}

// stmtDefIdents lists the identifiers a top-level statement defines.
func stmtDefIdents(st ast.Stmt) []*ast.Ident {
	var out []*ast.Ident
	switch st := st.(type) {
	case *ast.AssignStmt:
		if st.Tok == token.DEFINE {
			for _, l := range st.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
					out = append(out, id)
				}
			}
		}
	case *ast.DeclStmt:
		if g, ok := st.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, sp := range g.Specs {
				out = append(out, sp.(*ast.ValueSpec).Names...)
			}
		}
	}
	return out
}

// stripPos returns a copy-free view of n for printing without the cell's
// line directives: positions are dropped by printing with a fresh FileSet.
func stripPos(n ast.Node) ast.Node { return n }

// typeString renders t as Go source valid in the session, or "" when it
// cannot be named there (invalid types, unexported foreign types).
func (ci *cellInfo) typeString(t types.Type) string {
	if t == nil {
		return ""
	}
	ok := true
	needed := map[string]string{}
	s := types.TypeString(t, func(p *types.Package) string {
		if p == nil || p == ci.pkg || p.Path() == "main" {
			return ""
		}
		if genericPkgs[p.Path()] {
			needed[hiddenPrefix+p.Path()] = p.Path()
			return hiddenPrefix + p.Path()
		}
		if n, found := ci.paths[p.Path()]; found {
			return n
		}
		needed[hiddenPrefix+"_"+sanitize(p.Path())] = p.Path()
		return hiddenPrefix + "_" + sanitize(p.Path())
	})
	if strings.Contains(s, "invalid type") || strings.Contains(s, "untyped ") {
		ok = false
	}
	// Unexported names of other packages cannot be written.
	for _, part := range strings.FieldsFunc(s, func(r rune) bool {
		return !(r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		if i := strings.LastIndex(part, "."); i >= 0 && i+1 < len(part) {
			if c := part[i+1]; c >= 'a' && c <= 'z' || c == '_' {
				ok = false
			}
		}
	}
	if !ok {
		return ""
	}
	for k, v := range needed {
		ci.needed[k] = v
	}
	return s
}

func sanitize(path string) string {
	b := []byte(path)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// typeOf returns the type of e, or nil.
func (ci *cellInfo) typeOf(e ast.Expr) types.Type {
	if ci == nil || ci.info == nil {
		return nil
	}
	if tv, ok := ci.info.Types[e]; ok {
		return tv.Type
	}
	if id, ok := e.(*ast.Ident); ok {
		if o := ci.info.Uses[id]; o != nil {
			return o.Type()
		}
		if o := ci.info.Defs[id]; o != nil {
			return o.Type()
		}
	}
	return nil
}

// resultCount returns the number of results of call, or -1 when unknown.
func (ci *cellInfo) resultCount(call *ast.CallExpr) int {
	if ci == nil || ci.info == nil {
		return -1
	}
	tv, ok := ci.info.Types[call]
	if !ok {
		return -1
	}
	if tv.IsVoid() {
		return 0
	}
	if t, ok := tv.Type.(*types.Tuple); ok {
		return t.Len()
	}
	if tv.Type == nil || tv.Type == types.Typ[types.Invalid] {
		return -1
	}
	return 1
}

// typeExpr parses a type string into an expression.
func typeExpr(s string) ast.Expr {
	e, err := parser.ParseExpr(s)
	if err != nil {
		return nil
	}
	return e
}

// sortedKeys is a helper for deterministic iteration.
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
