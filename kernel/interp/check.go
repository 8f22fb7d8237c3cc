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

	// objs are the session's package-level objects (declarations and
	// variables) from earlier checks, by name. A cell is checked alone in
	// a fresh package whose scope holds these objects (checkFast), so its
	// cost does not grow with the session; nil until the first full check.
	objs map[string]types.Object
	// methods maps a session type name to the names of its methods, to
	// tell when a cell changes the method set of an earlier type (which
	// needs a full check of the session model).
	methods map[string]map[string]bool
	// base is a package whose scope holds exactly objs, reused by cells
	// that redeclare nothing (most cells), so that checking them does not
	// copy the session's objects; nil when it must be rebuilt.
	base *types.Package
	// baseUses counts checks in base: each leaves its file scope among the
	// package scope's children, so base is rebuilt now and then.
	baseUses int
}

func newChecker(pkgPaths map[string]string, syms []map[string]map[string]reflect.Value) *checker {
	return &checker{im: newSymImporter(syms), decls: map[string]string{}, varTypes: map[string]string{}, sigs: map[string]string{}, methods: map[string]map[string]bool{}}
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
	// hardErr is the first type error the interpreter would not report
	// although Go rejects the program: an assignment mismatch such as
	// df := f() where f returns two values (yaegi assigns the first).
	hardErr error
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.objs == nil {
		c.initObjsLocked()
	}
	if c.objs != nil && c.fastOK(decls) {
		if ci, ok := c.checkFast(imported, want, decls, body, fset, record); ok {
			if record {
				c.recordLocked(ci, decls, body, false)
			}
			return ci
		}
	}
	ci = c.checkFull(imported, want, decls, body, fset)
	if record {
		c.recordLocked(ci, decls, body, true)
		c.base = nil
	} else if c.objs == nil {
		c.initObjsLocked()
	}
	return ci
}

// initObjsLocked builds the object table of the session model (prelude,
// stubs and what earlier cells declared) with a full check of no cell.
func (c *checker) initObjsLocked() {
	ci := c.checkFull(nil, nil, nil, nil, token.NewFileSet())
	if ci.pkg != nil {
		c.recordLocked(ci, nil, nil, true)
	}
}

// newCellInfo returns an empty cellInfo.
func newCellInfo() *cellInfo {
	return &cellInfo{info: &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Instances:  map[*ast.Ident]types.Instance{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}, paths: map[string]string{}, needed: map[string]string{}}
}

// fastOK reports whether a cell can be checked against the session's
// objects alone: it neither adds methods to a type of an earlier cell nor
// redeclares a type whose methods other cells declared.
func (c *checker) fastOK(decls []ast.Decl) bool {
	cellTypes := map[string]bool{}
	cellMethods := map[string]bool{}
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok == token.TYPE {
				for _, sp := range d.Specs {
					cellTypes[sp.(*ast.TypeSpec).Name.Name] = true
				}
			}
		case *ast.FuncDecl:
			if d.Recv != nil {
				keys := declKeys(d)
				if len(keys) != 1 {
					return false
				}
				cellMethods[keys[0]] = true
			}
		}
	}
	for k := range cellMethods {
		if t, _, _ := strings.Cut(k, "."); !cellTypes[t] {
			return false
		}
	}
	for t := range cellTypes {
		for m := range c.methods[t] {
			if !cellMethods[t+"."+m] {
				return false
			}
		}
	}
	return true
}

// cellFileFor builds the file go/types checks for a cell: the session's
// imports, the cell's declarations and its statements as the body of a
// function, and the FileSet mirroring the cell's files.
func cellFileFor(ci *cellInfo, imported map[string]string, want map[string]importSpec, decls []ast.Decl, body *ast.BlockStmt, fset *token.FileSet) (*ast.File, *token.FileSet, map[string]string) {
	names := map[string]string{}
	for n, p := range imported {
		names[n] = p
	}
	for n, sp := range want {
		names[n] = sp.path
	}
	for n, p := range names {
		ci.paths[p] = n
	}
	cfset := token.NewFileSet()
	for _, f := range cellFiles(fset, decls, body) {
		// go/types looks files up by position: mirror the cell's files.
		cf := cfset.AddFile(f.Name(), f.Base(), f.Size())
		cf.SetLines(f.Lines())
	}
	return cellFile(names, decls, body), cfset, names
}

// errorHandler records the first hard type error inside the cell.
func errorHandler(ci *cellInfo, fset *token.FileSet) func(error) {
	return func(err error) {
		if debugCheck {
			fmt.Fprintln(os.Stderr, "check:", err)
		}
		te, ok := err.(types.Error)
		if !ok || te.Soft || fset.Position(te.Pos).Filename != srcName {
			return
		}
		if ci.hardErr == nil && strings.HasPrefix(te.Msg, "assignment mismatch") {
			ci.hardErr = scanner.ErrorList{{Pos: fset.Position(te.Pos), Msg: te.Msg}}
		}
		if ci.firstErr != nil {
			return
		}
		if strings.Contains(te.Msg, "declared and not used") || strings.Contains(te.Msg, "imported and not used") {
			return
		}
		ci.firstErr = scanner.ErrorList{{Pos: fset.Position(te.Pos), Msg: te.Msg}}
	}
}

// checkFast checks the cell alone, in a package whose scope holds the
// session's objects from earlier checks: the reusable base package when
// the cell redeclares nothing that exists, else a fresh copy. ok is false
// when go/types failed on the cell.
func (c *checker) checkFast(imported map[string]string, want map[string]importSpec, decls []ast.Decl, body *ast.BlockStmt, fset *token.FileSet, record bool) (ci *cellInfo, ok bool) {
	ci = newCellInfo()
	inBase := false
	defer func() {
		if r := recover(); r != nil {
			if debugCheck {
				fmt.Fprintln(os.Stderr, "fast check panic:", r, string(debug.Stack()))
			}
			if inBase {
				c.base = nil
			}
			ci, ok = nil, false
		}
	}()
	redecl := map[string]bool{}
	for _, d := range decls {
		if fd, isFunc := d.(*ast.FuncDecl); isFunc && fd.Recv != nil {
			continue
		}
		for _, n := range declNames(d) {
			redecl[n] = true
		}
	}
	if c.baseUses >= baseRebuild {
		c.base = nil
	}
	if c.base == nil {
		c.baseUses = 0
		c.base = types.NewPackage("main", "main")
		for _, obj := range c.objs {
			c.base.Scope().Insert(obj)
		}
	}
	// The base package takes the cell's declarations into its scope, so
	// it serves only cells whose declarations are new and recorded.
	inBase = len(redecl) == 0 || record
	for n := range redecl {
		if c.base.Scope().Lookup(n) != nil {
			inBase = false
		}
	}
	pkg := c.base
	if inBase {
		c.baseUses++
	} else {
		pkg = types.NewPackage("main", "main")
		for name, obj := range c.objs {
			if !redecl[name] {
				pkg.Scope().Insert(obj)
			}
		}
	}
	cellFile, cfset, _ := cellFileFor(ci, imported, want, decls, body, fset)
	if body != nil {
		// var _ = func() { body } instead of func __golabCell: a blank
		// declaration adds nothing to the (reused) package scope.
		cellFile.Decls[len(cellFile.Decls)-1] = &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{&ast.ValueSpec{
			Names:  []*ast.Ident{ast.NewIdent("_")},
			Values: []ast.Expr{&ast.FuncLit{Type: &ast.FuncType{Func: body.Lbrace, Params: &ast.FieldList{}}, Body: body}},
		}}}
	}
	conf := types.Config{Importer: c.im, Error: errorHandler(ci, fset)}
	ci.pkg = pkg
	_ = types.NewChecker(&conf, cfset, pkg, ci.info).Files([]*ast.File{cellFile})
	if !inBase && record {
		c.base = nil // the cell replaced names; rebuild from objs
	}
	return ci, true
}

// baseRebuild is how many cells are checked in one base package before it
// is rebuilt (which drops the scopes go/types attached to it).
const baseRebuild = 256

// checkFull checks the cell against a source model of the whole session.
// It is the fallback when a cell changes the method set of an earlier
// type, and builds the first object table.
func (c *checker) checkFull(imported map[string]string, want map[string]importSpec, decls []ast.Decl, body *ast.BlockStmt, fset *token.FileSet) (ci *cellInfo) {
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
			ci.pkg = nil
		}
	}()

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
	file := cellFile(names, decls, body)
	conf := types.Config{Importer: c.im, Error: errorHandler(ci, fset)}
	ci.pkg, _ = conf.Check("main", cfset, []*ast.File{ctxFile, file}, ci.info)
	return ci
}

// recordLocked remembers the cell's declarations and top-level variables
// in the session model. full says ci comes from checkFull, whose package
// scope holds the whole session: the object table is rebuilt from it.
func (c *checker) recordLocked(ci *cellInfo, decls []ast.Decl, body *ast.BlockStmt, full bool) {
	if ci.pkg != nil {
		if full {
			c.objs = map[string]types.Object{}
			for _, name := range ci.pkg.Scope().Names() {
				if name != hiddenPrefix+"Cell" {
					c.objs[name] = ci.pkg.Scope().Lookup(name)
				}
			}
		} else {
			for _, d := range decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
					continue
				}
				for _, name := range declNames(d) {
					if o := ci.pkg.Scope().Lookup(name); o != nil {
						c.objs[name] = o
					}
				}
			}
		}
		if body != nil {
			for _, st := range body.List {
				for _, id := range stmtDefIdents(st) {
					obj := ci.info.Defs[id]
					if obj == nil {
						continue
					}
					if old, ok := c.objs[id.Name].(*types.Var); ok && types.Identical(old.Type(), obj.Type()) {
						continue // a variable defined again with the same type (a re-run cell)
					}
					v := types.NewVar(token.NoPos, ci.pkg, id.Name, obj.Type())
					c.objs[id.Name] = v
					if c.base != nil && c.base.Scope().Insert(v) != nil {
						c.base = nil // a name defined again: rebuild
					}
				}
			}
		}
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
			if t, m, isMethod := strings.Cut(k, "."); isMethod {
				if c.methods[t] == nil {
					c.methods[t] = map[string]bool{}
				}
				c.methods[t][m] = true
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

// cellFile is the file a cell is type-checked as: the session's imports
// (file-scoped in Go, so every cell file repeats them), the cell's
// declarations, and its statements as the body of a hidden function.
func cellFile(imports map[string]string, decls []ast.Decl, body *ast.BlockStmt) *ast.File {
	imp := &ast.GenDecl{Tok: token.IMPORT, Lparen: 1}
	for _, n := range sortedKeys(imports) {
		imp.Specs = append(imp.Specs, &ast.ImportSpec{Name: ast.NewIdent(n), Path: &ast.BasicLit{Kind: token.STRING, Value: fmt.Sprintf("%q", imports[n])}})
	}
	imp.Specs = append(imp.Specs, &ast.ImportSpec{Name: ast.NewIdent("__golabcontext"), Path: &ast.BasicLit{Kind: token.STRING, Value: `"context"`}})
	f := &ast.File{Name: ast.NewIdent("main"), Decls: append([]ast.Decl{imp}, decls...)}
	if body != nil {
		f.Decls = append(f.Decls, &ast.FuncDecl{
			Name: ast.NewIdent(hiddenPrefix + "Cell"),
			Type: &ast.FuncType{Params: &ast.FieldList{}},
			Body: body,
		})
	}
	return f
}
