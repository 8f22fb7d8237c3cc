package interp

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
)

var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
	"map", "package", "range", "return", "select", "struct", "switch", "type", "var",
}

var builtins = []string{
	"append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len",
	"make", "max", "min", "new", "panic", "print", "println", "real", "recover",
	"bool", "byte", "complex64", "complex128", "error", "float32", "float64",
	"int", "int8", "int16", "int32", "int64", "rune", "string",
	"uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "any", "comparable",
	"true", "false", "nil", "iota",
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordAt returns the identifier ending at cursor (runes), its start, and
// the selector expression text before a preceding dot ("" if none).
func wordAt(code []rune, cursor int) (word string, start int, qual string) {
	if cursor > len(code) {
		cursor = len(code)
	}
	if cursor < 0 {
		cursor = 0
	}
	start = cursor
	for start > 0 && isIdentRune(code[start-1]) {
		start--
	}
	word = string(code[start:cursor])
	if start > 0 && code[start-1] == '.' {
		q := start - 1
		depth := 0
		for q > 0 {
			r := code[q-1]
			switch {
			case r == ')' || r == ']':
				depth++
			case (r == '(' || r == '[') && depth > 0:
				depth--
			case depth > 0 || isIdentRune(r) || r == '.':
			default:
				goto done
			}
			q--
		}
	done:
		qual = strings.TrimSpace(string(code[q : start-1]))
	}
	return word, start, qual
}

// Complete returns completions for the identifier before cursor (a rune
// offset into code): members of a package or of a value's type after a
// dot, otherwise session names, package names, keywords and builtins.
// start and end are the rune offsets of the text the match replaces.
func (s *Session) Complete(code string, cursor int) (matches []string, start, end int) {
	rs := []rune(code)
	if cursor > len(rs) {
		cursor = len(rs)
	}
	word, start, qual := wordAt(rs, cursor)
	end = cursor
	seen := map[string]bool{}
	add := func(name string) {
		if strings.HasPrefix(name, word) && !seen[name] && !strings.HasPrefix(name, hiddenPrefix) && name != "_" {
			seen[name] = true
			matches = append(matches, name)
		}
	}
	if qual != "" {
		for _, n := range s.members(qual) {
			add(n)
		}
		sort.Strings(matches)
		return matches, start, end
	}
	s.mu.Lock()
	for name := range s.mu.in.Globals() {
		add(name)
	}
	for name := range s.mu.funcs {
		add(name)
	}
	for name := range s.mu.types {
		add(name)
	}
	for name := range s.mu.imported {
		add(name)
	}
	s.mu.Unlock()
	// Names declared earlier in the same code.
	for _, n := range declaredIn(code) {
		add(n)
	}
	for name := range s.pkgs {
		add(name)
	}
	for _, k := range keywords {
		add(k)
	}
	for _, b := range builtins {
		add(b)
	}
	sort.Strings(matches)
	return matches, start, end
}

// declaredIn lists names code declares (best effort, for completion).
func declaredIn(code string) []string {
	var out []string
	items := splitCell(code)
	for _, it := range items {
		if it.end > len(code) {
			continue
		}
		txt := code[it.start:it.end]
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p; func _() {"+txt+"\n}", parser.SkipObjectResolution)
		if err == nil {
			ast.Inspect(f, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
					for _, l := range as.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							out = append(out, id.Name)
						}
					}
				}
				return true
			})
		}
		if f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+txt, parser.SkipObjectResolution); err == nil {
			for _, d := range f.Decls {
				out = append(out, declNames(d)...)
			}
		}
	}
	return out
}

// pkgFor returns the import path of a package name visible in the session.
func (s *Session) pkgFor(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.mu.imported[name]; ok {
		return p
	}
	if _, ok := s.mu.in.Globals()[name]; ok {
		return ""
	}
	if s.mu.funcs[name] || s.mu.types[name] != "" {
		return ""
	}
	return s.pkgs[name]
}

// members lists the exported members of a package, or the fields and
// methods of the type of a session expression.
func (s *Session) members(qual string) []string {
	if path := s.pkgFor(qual); path != "" {
		p, err := s.checker.im.Import(path)
		if err != nil || p == nil {
			return nil
		}
		var out []string
		for _, n := range p.Scope().Names() {
			if ast.IsExported(n) {
				out = append(out, n)
			}
		}
		return out
	}
	t := s.typeOfExpr(qual)
	if t == nil {
		return nil
	}
	return fieldsAndMethods(t)
}

// fieldsAndMethods lists the selectable names of values of type t.
func fieldsAndMethods(t types.Type) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	visible := func(o types.Object) bool {
		return o.Exported() || o.Pkg() == nil || o.Pkg().Path() == "main"
	}
	for _, tt := range []types.Type{t, types.NewPointer(t)} {
		if _, isPtr := t.(*types.Pointer); isPtr && tt != t {
			continue
		}
		ms := types.NewMethodSet(tt)
		for i := 0; i < ms.Len(); i++ {
			if visible(ms.At(i).Obj()) {
				add(ms.At(i).Obj().Name())
			}
		}
	}
	var fields func(t types.Type, depth int)
	fields = func(t types.Type, depth int) {
		if depth > 3 {
			return
		}
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok {
			return
		}
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			if !visible(f) {
				continue
			}
			add(f.Name())
			if f.Embedded() {
				fields(f.Type(), depth+1)
			}
		}
	}
	fields(t, 0)
	return out
}

// typeOfExpr type-checks expr in the session and returns its type.
func (s *Session) typeOfExpr(expr string) types.Type {
	s.mu.Lock()
	defer s.mu.Unlock()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "q.go", "package main; func _() { _ = "+expr+" }", parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	as := body.List[0].(*ast.AssignStmt)
	want := map[string]importSpec{}
	for _, name := range usedPackages(nil, body) {
		if p, ok := s.pkgs[name]; ok {
			if _, imp := s.mu.imported[name]; !imp {
				want[name] = importSpec{name: name, path: p}
			}
		}
	}
	ci := s.checker.checkCell(s.mu.imported, want, nil, body, fset, false)
	return ci.typeOf(as.Rhs[0])
}

// Inspect returns the signature and documentation of the name at or
// before cursor: a session declaration or variable, a package member
// (standard library or GoLab), a field or method of a value, or a package.
func (s *Session) Inspect(code string, cursor int) (text string, found bool) {
	rs := []rune(code)
	if cursor > len(rs) {
		cursor = len(rs)
	}
	end := cursor
	for end < len(rs) && isIdentRune(rs[end]) {
		end++
	}
	word, _, qual := wordAt(rs, end)
	if word == "" {
		return "", false
	}
	if qual != "" {
		if path := s.pkgFor(qual); path != "" {
			return s.inspectPkgMember(path, word)
		}
		t := s.typeOfExpr(qual)
		if t == nil {
			return "", false
		}
		obj, _, _ := types.LookupFieldOrMethod(t, true, nil, word)
		if obj == nil {
			return "", false
		}
		return types.ObjectString(obj, s.qualifier()), true
	}
	// Session declarations.
	s.checker.mu.Lock()
	decl, ok := s.checker.decls[word]
	vt, isVar := s.checker.varTypes[word]
	s.checker.mu.Unlock()
	if ok {
		return declHeader(decl), true
	}
	if isVar {
		return fmt.Sprintf("var %s %s", word, vt), true
	}
	if t := s.typeOfExpr(word); t != nil && t != types.Typ[types.Invalid] {
		if path := s.pkgFor(word); path == "" {
			return fmt.Sprintf("%s: %s", word, types.TypeString(t, s.qualifier())), true
		}
	}
	if path := s.pkgFor(word); path != "" {
		text := "package " + word + " // import \"" + path + "\""
		if d := packageDoc(path); d != nil && d.Doc != "" {
			text += "\n\n" + d.Doc
		}
		return text, true
	}
	for _, b := range builtins {
		if b == word {
			if o := types.Universe.Lookup(word); o != nil {
				return types.ObjectString(o, nil) + " (builtin)", true
			}
		}
	}
	return "", false
}

func (s *Session) qualifier() types.Qualifier {
	return func(p *types.Package) string {
		if p == nil || p.Path() == "main" {
			return ""
		}
		return p.Name()
	}
}

// declHeader shortens a declaration to its signature (no function body).
func declHeader(src string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+src, parser.ParseComments)
	if err != nil || len(f.Decls) == 0 {
		return src
	}
	if fd, ok := f.Decls[0].(*ast.FuncDecl); ok {
		fd.Body = nil
		var b strings.Builder
		_ = printer.Fprint(&b, token.NewFileSet(), fd)
		return b.String()
	}
	return strings.TrimSpace(src)
}

func (s *Session) inspectPkgMember(path, name string) (string, bool) {
	p, err := s.checker.im.Import(path)
	if err != nil || p == nil {
		return "", false
	}
	obj := p.Scope().Lookup(name)
	if obj == nil {
		return "", false
	}
	text := types.ObjectString(obj, func(q *types.Package) string { return q.Name() })
	if sig := memberDecl(path, name); sig != "" {
		// The source declaration has parameter names.
		text = sig
	}
	if d := memberDoc(path, name); d != "" {
		text += "\n\n" + d
	}
	return text, true
}

var docCache struct {
	sync.Mutex
	pkgs map[string]*doc.Package
}

// packageDoc loads the documentation of a standard package from GOROOT
// (nil when the sources are not installed).
func packageDoc(path string) *doc.Package {
	docCache.Lock()
	defer docCache.Unlock()
	if docCache.pkgs == nil {
		docCache.pkgs = map[string]*doc.Package{}
	}
	if d, ok := docCache.pkgs[path]; ok {
		return d
	}
	docCache.pkgs[path] = nil
	var src string
	for _, p := range preludeSources() {
		if p.path == path {
			src = p.text
		}
	}
	fset := token.NewFileSet()
	var files []*ast.File
	if src != "" {
		if f, err := parser.ParseFile(fset, path+".go", src, parser.ParseComments); err == nil {
			files = append(files, f)
		}
	} else {
		dir := filepath.Join(runtime.GOROOT(), "src", filepath.FromSlash(path))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil
		}
		for _, e := range entries {
			n := e.Name()
			if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments|parser.SkipObjectResolution)
			if err == nil && f.Name.Name == lastElem(path) {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		return nil
	}
	d, err := doc.NewFromFiles(fset, files, path)
	if err != nil {
		return nil
	}
	docCache.pkgs[path] = d
	return d
}

// memberDecl returns the source signature of a package-level function,
// qualified with the package name, or "".
func memberDecl(path, name string) string {
	d := packageDoc(path)
	if d == nil {
		return ""
	}
	funcs := d.Funcs
	for _, t := range d.Types {
		funcs = append(funcs, t.Funcs...)
	}
	for _, f := range funcs {
		if f.Name == name && f.Decl != nil {
			fd := *f.Decl
			fd.Body = nil
			fd.Doc = nil
			fd.Name = ast.NewIdent(d.Name + "." + f.Name)
			var b strings.Builder
			if printer.Fprint(&b, token.NewFileSet(), &fd) == nil {
				return b.String()
			}
		}
	}
	return ""
}

// memberDoc returns the doc comment of a package-level name.
func memberDoc(path, name string) string {
	d := packageDoc(path)
	if d == nil {
		return ""
	}
	for _, f := range d.Funcs {
		if f.Name == name {
			return strings.TrimSpace(f.Doc)
		}
	}
	for _, t := range d.Types {
		if t.Name == name {
			return strings.TrimSpace(t.Doc)
		}
		for _, f := range t.Funcs {
			if f.Name == name {
				return strings.TrimSpace(f.Doc)
			}
		}
	}
	for _, vs := range [][]*doc.Value{d.Vars, d.Consts} {
		for _, v := range vs {
			for _, n := range v.Names {
				if n == name {
					return strings.TrimSpace(v.Doc)
				}
			}
		}
	}
	for _, t := range d.Types {
		for _, vs := range [][]*doc.Value{t.Vars, t.Consts} {
			for _, v := range vs {
				for _, n := range v.Names {
					if n == name {
						return strings.TrimSpace(v.Doc)
					}
				}
			}
		}
	}
	return ""
}
