package interp

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Arguments of the fmt and log print functions.
//
// yaegi represents a type declared in the session as an unnamed reflect
// type (a struct layout, or the underlying basic type), so compiled fmt
// prints %T as the layout (struct { X int; Y int }), does not see the
// String and Error methods of elements of slices, arrays and maps, nor of
// session values held in interfaces, and prints unexported fields as
// Xname. The rewriter fixes what the static types tell, in interpreted
// code, before the call:
//
//   - %T of an argument whose static type involves a session type becomes
//     %s of the type's name as reflect would print it for the compiled
//     program (main.Point, []*main.Point, map[string]main.Mode); for an
//     argument of interface type, the name is found at run time by comma-ok
//     assertions to the session types that implement the interface, in
//     declaration order (yaegi compares layouts there, so two session types
//     with the same underlying type are not told apart);
//   - a slice, array or map whose elements are of a session type with a
//     String or Error method is printed as a []any (map[K]any) of the
//     strings those methods return, for the verbs that call them (v, s, q,
//     x, X); elements of an interface type ([]any, []error, and xs... in a
//     Print call) go through the run-time conversion below;
//   - an argument of an interface type (any, error) is converted at run time
//     to the compiled interface carrying the String or Error method of its
//     dynamic type, when that is a session type with such a method
//     (methodChain);
//   - a session value with String or Error methods is converted to the
//     compiled interface only for the verbs that call them, so %d of a
//     named integer with a String method prints the integer
//     (wrapMethodArgs, underlyingBasic);
//   - an argument printed with %+v whose static type reaches session
//     structs with unexported fields (which yaegi exports with an X prefix)
//     is printed through a compiled formatter that gives the fields their
//     names back (Xage: -> age:); with %#v the formatter also puts the
//     types' names (main.Point) where yaegi prints their layouts.
//
// Formats that are not constants, and formats with explicit argument
// indexes (%[2]d), get only the conversions of wrapMethodArgs.

// fmtCall describes a call of a print function of fmt or log: the index of
// the format argument (-1 for Print and Println forms) and of the first
// printed argument.
type fmtCall struct {
	format, first int
}

// fmtCalls are the print functions whose arguments the rewriter adjusts.
var fmtCalls = map[string]fmtCall{
	"fmt.Print": {-1, 0}, "fmt.Println": {-1, 0}, "fmt.Sprint": {-1, 0}, "fmt.Sprintln": {-1, 0},
	"fmt.Fprint": {-1, 1}, "fmt.Fprintln": {-1, 1}, "fmt.Append": {-1, 1}, "fmt.Appendln": {-1, 1},
	"fmt.Printf": {0, 1}, "fmt.Sprintf": {0, 1}, "fmt.Errorf": {0, 1},
	"fmt.Fprintf": {1, 2}, "fmt.Appendf": {1, 2},
	"log.Print": {-1, 0}, "log.Println": {-1, 0}, "log.Fatal": {-1, 0}, "log.Fatalln": {-1, 0}, "log.Panic": {-1, 0}, "log.Panicln": {-1, 0},
	"log.Printf": {0, 1}, "log.Fatalf": {0, 1}, "log.Panicf": {0, 1},
}

// fmtDirective is one verb of a format string: its verb, whether it has
// the # flag, the byte offset of the verb and the argument it formats.
type fmtDirective struct {
	verb        byte
	sharp, plus bool
	at          int
	arg         int
}

// parseFormat returns the directives of a Printf format, or ok == false
// when the format uses explicit argument indexes.
func parseFormat(f string) (ds []fmtDirective, ok bool) {
	arg := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		sharp, plus := false, false
		for ; i < len(f) && strings.IndexByte("#0+- ", f[i]) >= 0; i++ {
			switch f[i] {
			case '#':
				sharp = true
			case '+':
				plus = true
			}
		}
		for ; i < len(f); i++ {
			c := f[i]
			switch {
			case c == '[':
				return nil, false
			case c == '*':
				arg++ // width or precision from an argument
				continue
			case c == '.' || c >= '0' && c <= '9':
				continue
			}
			break
		}
		if i >= len(f) {
			break
		}
		if f[i] == '%' {
			continue
		}
		ds = append(ds, fmtDirective{verb: f[i], sharp: sharp, plus: plus, at: i, arg: arg})
		arg++
	}
	return ds, true
}

// methodVerb reports whether fmt calls String or Error for the verb (w
// is Errorf's %w, which needs the error).
func methodVerb(verb byte, sharp bool) bool {
	return !sharp && strings.IndexByte("vsqxXw", verb) >= 0
}

// fmtArgs rewrites the arguments of a call of a fmt or log print function
// (see the comment at the top of this file). It records in rw.verbs which
// arguments fmt formats without calling methods, for wrapMethodArgs.
func (rw *rewriter) fmtArgs(c *ast.CallExpr) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := rw.info.info.Uses[x].(*types.PkgName)
	if !ok {
		return
	}
	fc, ok := fmtCalls[pn.Imported().Path()+"."+sel.Sel.Name]
	if !ok || len(c.Args) <= fc.first {
		return
	}
	if c.Ellipsis.IsValid() {
		// fmt.Println(xs...): the elements of the []any, for Print forms.
		last := len(c.Args) - 1
		if fc.format < 0 && last == fc.first {
			if e := rw.elemMethods(c.Args[last]); e != nil {
				c.Args[last] = e
			}
		}
		return
	}
	// verbs[i] lists the directives of argument i (first is 0); Print
	// forms format every argument with %v.
	verbs := make([][]fmtDirective, len(c.Args)-fc.first)
	if fc.format < 0 {
		for i := range verbs {
			verbs[i] = []fmtDirective{{verb: 'v'}}
		}
	} else {
		tv := rw.info.info.Types[c.Args[fc.format]]
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			return
		}
		format := constant.StringVal(tv.Value)
		ds, ok := parseFormat(format)
		if !ok {
			return
		}
		// %T of session types: replace the verb by s and the argument by
		// its type's name.
		b := []byte(format)
		changed := false
		named := map[int]bool{}
		for _, d := range ds {
			if d.arg < len(verbs) {
				verbs[d.arg] = append(verbs[d.arg], d)
			}
		}
		for i, dl := range verbs {
			if len(dl) != 1 || dl[0].verb != 'T' {
				continue // %T together with another verb on one argument: rare, left alone
			}
			a := c.Args[fc.first+i]
			name := rw.typeNameExpr(a)
			if name == nil {
				continue
			}
			b[dl[0].at] = 's'
			c.Args[fc.first+i] = name
			named[i] = true
			changed = true
		}
		if changed {
			lit := &ast.BasicLit{ValuePos: c.Args[fc.format].Pos(), Kind: token.STRING, Value: strconv.Quote(string(b))}
			c.Args[fc.format] = lit
			rw.info.info.Types[lit] = types.TypeAndValue{Type: types.Typ[types.String], Value: constant.MakeString(string(b))}
		}
		for i := range named {
			verbs[i] = nil
		}
	}
	if rw.verbs == nil {
		rw.verbs = map[*ast.CallExpr]map[int]bool{}
	}
	plain := map[int]bool{}
	for i, dl := range verbs {
		if len(dl) == 0 {
			plain[fc.first+i] = true
			continue
		}
		methods := true
		for _, d := range dl {
			if !methodVerb(d.verb, d.sharp) {
				methods = false
			}
		}
		if !methods {
			if e := rw.goSyntax(c.Args[fc.first+i], dl); e != nil {
				c.Args[fc.first+i] = e
			} else if e := rw.underlyingBasic(c.Args[fc.first+i]); e != nil {
				c.Args[fc.first+i] = e
			}
			plain[fc.first+i] = true
			continue
		}
		if e := rw.unexportedNames(c.Args[fc.first+i], dl); e != nil {
			c.Args[fc.first+i] = e
			plain[fc.first+i] = true
		} else if e := rw.elemMethods(c.Args[fc.first+i]); e != nil {
			c.Args[fc.first+i] = e
			plain[fc.first+i] = true
		} else if e := rw.dynamicMethods(c.Args[fc.first+i]); e != nil {
			c.Args[fc.first+i] = e
			plain[fc.first+i] = true
		}
	}
	rw.verbs[c] = plain
}

// sessionType reports whether t is a named type declared in the session.
func sessionType(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "main"
}

// involvesSession reports whether t is or is built from a session type.
func involvesSession(t types.Type) bool {
	switch t := types.Unalias(t).(type) {
	case *types.Named:
		if sessionType(t) {
			return true
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if involvesSession(t.TypeArgs().At(i)) {
				return true
			}
		}
	case *types.Pointer:
		return involvesSession(t.Elem())
	case *types.Slice:
		return involvesSession(t.Elem())
	case *types.Array:
		return involvesSession(t.Elem())
	case *types.Map:
		return involvesSession(t.Key()) || involvesSession(t.Elem())
	case *types.Chan:
		return involvesSession(t.Elem())
	}
	return false
}

// reflectName renders t as reflect.Type.String does for the compiled
// program, or "" for types whose rendering the kernel does not model
// (struct, func and interface literals built from session types).
func reflectName(t types.Type) string {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return types.Typ[t.Kind()].Name()
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return obj.Name() // error
		}
		name := obj.Pkg().Name() + "." + obj.Name()
		if t.TypeArgs().Len() > 0 {
			var args []string
			for i := 0; i < t.TypeArgs().Len(); i++ {
				a := reflectName(t.TypeArgs().At(i))
				if a == "" {
					return ""
				}
				args = append(args, a)
			}
			name += "[" + strings.Join(args, ",") + "]"
		}
		return name
	case *types.Pointer:
		if e := reflectName(t.Elem()); e != "" {
			return "*" + e
		}
	case *types.Slice:
		if e := reflectName(t.Elem()); e != "" {
			return "[]" + e
		}
	case *types.Array:
		if e := reflectName(t.Elem()); e != "" {
			return "[" + strconv.FormatInt(t.Len(), 10) + "]" + e
		}
	case *types.Map:
		k, e := reflectName(t.Key()), reflectName(t.Elem())
		if k != "" && e != "" {
			return "map[" + k + "]" + e
		}
	case *types.Chan:
		e := reflectName(t.Elem())
		if e == "" {
			return ""
		}
		switch t.Dir() {
		case types.SendOnly:
			return "chan<- " + e
		case types.RecvOnly:
			return "<-chan " + e
		}
		return "chan " + e
	case *types.Interface:
		if t.Empty() {
			return "interface {}"
		}
	}
	return ""
}

// typeNameExpr returns an expression of the name of e's dynamic type, as
// %T prints it in a compiled program, when e's type involves a session
// type or is an interface that may hold one; nil otherwise. e is still
// evaluated once.
func (rw *rewriter) typeNameExpr(e ast.Expr) ast.Expr {
	t := rw.info.typeOf(e)
	if t == nil {
		return nil
	}
	pos := e.Pos()
	if it, ok := t.Underlying().(*types.Interface); ok {
		src := rw.dynamicTypeName(it)
		if src == "" {
			return nil
		}
		return rw.applyFunc(src, e, pos)
	}
	if !involvesSession(t) {
		return nil
	}
	name := reflectName(t)
	if name == "" {
		return nil
	}
	lit := strconv.Quote(name)
	switch ast.Unparen(e).(type) {
	case *ast.Ident, *ast.BasicLit, *ast.CompositeLit, *ast.SelectorExpr:
		return &ast.BasicLit{ValuePos: pos, Kind: token.STRING, Value: lit}
	}
	return rw.applyFunc("func(any) string { return "+lit+" }", e, pos)
}

// dynamicTypeName returns the source of a function literal that names the
// dynamic type of a value of interface type it, or "" when no session
// type implements it.
func (rw *rewriter) dynamicTypeName(it *types.Interface) string {
	var b strings.Builder
	n := 0
	b.WriteString("func(v any) string {\n")
	for _, cand := range rw.sessionTypes() {
		for _, t := range []types.Type{cand, types.NewPointer(cand)} {
			if !types.Implements(t, it) {
				continue
			}
			if _, basic := cand.Underlying().(*types.Basic); basic && it.Empty() && t == types.Type(cand) {
				// A value of a compiled basic type would match too
				// (yaegi compares layouts): only named when the
				// interface says more than any.
				continue
			}
			ts := rw.info.typeString(t)
			name := reflectName(t)
			if ts == "" || name == "" {
				continue
			}
			n++
			b.WriteString("if _, ok := v.(" + ts + "); ok {\nreturn " + strconv.Quote(name) + "\n}\n")
		}
	}
	if n == 0 {
		return ""
	}
	b.WriteString("return " + hiddenPrefix + "fmt.Sprintf(\"%T\", v)\n}")
	return b.String()
}

// sessionTypes returns the named, non-generic, non-interface types
// declared in the session (and the cell), in a stable order.
// layoutUnique lists the session types whose layout no other session type
// shares (yaegi's assertions compare layouts, so those could be told
// apart), without the ones with a basic underlying type when skipBasic.
func (rw *rewriter) layoutUnique(skipBasic bool) []*types.Named {
	all := rw.sessionTypes()
	var out []*types.Named
	for _, cand := range all {
		if _, basic := cand.Underlying().(*types.Basic); basic && skipBasic {
			continue
		}
		ambiguous := false
		for _, o := range all {
			if o != cand && types.Identical(o.Underlying(), cand.Underlying()) {
				ambiguous = true
			}
		}
		if !ambiguous {
			out = append(out, cand)
		}
	}
	return out
}

func (rw *rewriter) sessionTypes() []*types.Named {
	if rw.info.pkg == nil {
		return nil
	}
	scope := rw.info.pkg.Scope()
	var out []*types.Named
	for _, name := range scope.Names() {
		if isPreludeName(name) {
			continue
		}
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		n, ok := tn.Type().(*types.Named)
		if !ok || n.TypeParams().Len() > 0 {
			continue
		}
		if _, ok := n.Underlying().(*types.Interface); ok {
			continue
		}
		out = append(out, n)
	}
	return out
}

// applyFunc returns the call src(e) of the function literal src, with
// every position at pos.
func (rw *rewriter) applyFunc(src string, e ast.Expr, pos token.Pos) ast.Expr {
	fn, err := parser.ParseExpr(src)
	if err != nil {
		return nil
	}
	setPos(fn, pos)
	return &ast.CallExpr{Fun: fn, Lparen: pos, Args: []ast.Expr{e}, Rparen: e.End()}
}

// setPos sets every position inside n to pos (see typeExprAt), except
// the positions whose validity means something (a call's ..., an alias's =).
func setPos(n ast.Node, pos token.Pos) {
	posType := reflect.TypeOf(token.NoPos)
	ast.Inspect(n, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		v := reflect.ValueOf(n)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return true
		}
		v = v.Elem()
		for i := 0; i < v.NumField(); i++ {
			if name := v.Type().Field(i).Name; name == "Ellipsis" || name == "Assign" {
				continue
			}
			if f := v.Field(i); f.Type() == posType && f.CanSet() && f.Interface() != token.NoPos {
				f.Set(reflect.ValueOf(pos))
			}
		}
		return true
	})
}

// elemMethods returns e converted for printing when it is a slice, array
// or map whose elements are of a session type with String or Error
// methods: a []any (map[K]any) of the strings those methods return, which
// fmt prints as it would print the elements for the verbs v, s, q, x and X.
// A nil pointer element whose method has a value receiver stays nil (fmt
// prints <nil>). It returns nil otherwise.
func (rw *rewriter) elemMethods(e ast.Expr) ast.Expr {
	t := rw.info.typeOf(e)
	if t == nil {
		return nil
	}
	var elem, key types.Type
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	case *types.Map:
		key, elem = u.Key(), u.Elem()
	default:
		return nil
	}
	if it, ok := elem.Underlying().(*types.Interface); ok {
		return rw.elemDynamic(e, t, key, it)
	}
	if !rw.interpreted(elem) {
		return nil
	}
	method := ""
	switch {
	case types.Implements(elem, errorIface):
		method = "Error"
	case types.Implements(elem, stringerIface):
		method = "String"
	default:
		return nil
	}
	ts := rw.info.typeString(t)
	if ts == "" {
		return nil
	}
	// call(x) is the source of the printed form of element x.
	call := func(x string) string { return x + "." + method + "()" }
	if p, ok := elem.(*types.Pointer); ok {
		if obj, _, _ := types.LookupFieldOrMethod(p.Elem(), false, nil, method); obj != nil {
			// A value receiver: fmt prints <nil> for a nil pointer.
			call = func(x string) string {
				return "func() any {\nif " + x + " == nil {\nreturn nil\n}\nreturn " + x + "." + method + "()\n}()"
			}
		}
	}
	var src string
	if key != nil {
		ks := rw.info.typeString(key)
		if ks == "" || rw.asHelper(key, false) != "" {
			return nil
		}
		src = "func(m " + ts + ") map[" + ks + "]any {\nif m == nil {\nreturn nil\n}\n" +
			"r := make(map[" + ks + "]any, len(m))\nfor k, v := range m {\nr[k] = " + call("v") + "\n}\nreturn r\n}"
	} else {
		nilCheck := ""
		if _, isSlice := t.Underlying().(*types.Slice); isSlice {
			nilCheck = "if xs == nil {\nreturn nil\n}\n" // a nil slice prints as [] either way
		}
		src = "func(xs " + ts + ") []any {\n" + nilCheck + "r := make([]any, len(xs))\nfor i := range xs {\nr[i] = " + call("xs[i]") + "\n}\nreturn r\n}"
	}
	return rw.applyFunc(src, e, e.Pos())
}

// underlyingBasic returns e converted to its underlying basic type when
// its type is a session type with methods and a basic underlying type:
// yaegi hands such a value to compiled code as a wrapper struct, which %d
// would print as {1 5462496}.
func (rw *rewriter) underlyingBasic(e ast.Expr) ast.Expr {
	t := rw.info.typeOf(e)
	if t == nil || !sessionType(t) {
		return nil
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok || types.NewMethodSet(t).Len() == 0 && types.NewMethodSet(types.NewPointer(t)).Len() == 0 {
		return nil
	}
	return &ast.CallExpr{Fun: &ast.Ident{NamePos: e.Pos(), Name: types.Typ[b.Kind()].Name()}, Lparen: e.Pos(), Args: []ast.Expr{e}, Rparen: e.End()}
}

// dynamicMethods returns e, of an interface type, converted at run time to
// the compiled interface carrying the String or Error method of its
// dynamic type when that is a session type with such a method (yaegi
// loses the methods of a session value stored in an interface on several
// paths: fmt printed {3 4} for an any holding a Point with a String
// method). It returns nil when e is not an interface or no session type
// fits.
func (rw *rewriter) dynamicMethods(e ast.Expr) ast.Expr {
	t := rw.info.typeOf(e)
	if t == nil {
		return nil
	}
	it, ok := t.Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	src := rw.methodChain(it)
	if src == "" {
		return nil
	}
	return rw.applyFunc(src, e, e.Pos())
}

// methodChain returns the source of a func(any) any that converts a value
// whose dynamic type is a session type with String or Error methods to the
// compiled interface carrying them, and returns other values unchanged; or
// "" when no session type implementing it has such methods.
//
// yaegi's type assertions to session types compare layouts, so a session
// type is left out when another session type has the same underlying type
// (a value of the other would print with the wrong method), and values of
// compiled named types (image.Point for a session Point{X, Y int}) are
// returned unchanged. Session types with a basic underlying type are tried
// only for non-empty interfaces (a compiled int would match).
func (rw *rewriter) methodChain(it *types.Interface) string {
	var b strings.Builder
	n := 0
	b.WriteString("func(v any) any {\nif " + hiddenPrefix + "Compiled(v) {\nreturn v\n}\n")
	for _, cand := range rw.layoutUnique(it.Empty()) {
		for _, ct := range []types.Type{cand, types.NewPointer(cand)} {
			if !types.Implements(ct, it) {
				continue
			}
			h := rw.asHelper(ct, false)
			ts := rw.info.typeString(ct)
			if h == "" || ts == "" {
				continue
			}
			n++
			b.WriteString("if x, ok := v.(" + ts + "); ok {\nreturn " + hiddenPrefix + h + "(x)\n}\n")
		}
	}
	if n == 0 {
		return ""
	}
	b.WriteString("return v\n}")
	return b.String()
}

// elemDynamic is elemMethods for elements of an interface type: each
// element goes through methodChain.
func (rw *rewriter) elemDynamic(e ast.Expr, t, key types.Type, it *types.Interface) ast.Expr {
	chain := rw.methodChain(it)
	ts := rw.info.typeString(t)
	if chain == "" || ts == "" {
		return nil
	}
	var src string
	if key != nil {
		ks := rw.info.typeString(key)
		if ks == "" || rw.asHelper(key, false) != "" {
			return nil
		}
		src = "func(m " + ts + ") map[" + ks + "]any {\nif m == nil {\nreturn nil\n}\nconv := " + chain + "\n" +
			"r := make(map[" + ks + "]any, len(m))\nfor k, v := range m {\nr[k] = conv(v)\n}\nreturn r\n}"
	} else {
		nilCheck := ""
		if _, isSlice := t.Underlying().(*types.Slice); isSlice {
			nilCheck = "if xs == nil {\nreturn nil\n}\n"
		}
		src = "func(xs " + ts + ") []any {\n" + nilCheck + "conv := " + chain + "\nr := make([]any, len(xs))\nfor i := range xs {\nr[i] = conv(xs[i])\n}\nreturn r\n}"
	}
	return rw.applyFunc(src, e, e.Pos())
}

// unexportedNames returns e wrapped in __golabUnexport when all its
// directives are %+v and its static type reaches session structs with
// unexported fields and no String or Error method; nil otherwise.
func (rw *rewriter) unexportedNames(e ast.Expr, dl []fmtDirective) ast.Expr {
	for _, d := range dl {
		if d.verb != 'v' || !d.plus || d.sharp {
			return nil
		}
	}
	t := rw.info.typeOf(e)
	if t == nil {
		return nil
	}
	names := map[string]bool{}
	seen := map[types.Type]bool{}
	var walk func(t types.Type, depth int) bool
	walk = func(t types.Type, depth int) bool {
		if depth > 8 || seen[t] {
			return true
		}
		seen[t] = true
		switch u := types.Unalias(t).(type) {
		case *types.Pointer:
			return walk(u.Elem(), depth+1)
		case *types.Slice:
			return walk(u.Elem(), depth+1)
		case *types.Array:
			return walk(u.Elem(), depth+1)
		case *types.Map:
			return walk(u.Key(), depth+1) && walk(u.Elem(), depth+1)
		case *types.Named:
			if !sessionType(u) {
				return true
			}
			if rw.asHelper(u, false) != "" || rw.asHelper(types.NewPointer(u), false) != "" {
				return false // fmt calls the method: leave the argument alone
			}
			st, ok := u.Underlying().(*types.Struct)
			if !ok {
				return true
			}
			for j := 0; j < st.NumFields(); j++ {
				f := st.Field(j)
				if !f.Exported() && f.Name() != "_" {
					names[f.Name()] = true
				}
				if !walk(f.Type(), depth+1) {
					return false
				}
			}
		case *types.Struct:
			// A struct literal type of the cell, built by yaegi too.
			for j := 0; j < u.NumFields(); j++ {
				f := u.Field(j)
				if !f.Exported() && f.Name() != "_" {
					names[f.Name()] = true
				}
				if !walk(f.Type(), depth+1) {
					return false
				}
			}
		}
		return true
	}
	if !walk(t, 0) || len(names) == 0 {
		return nil
	}
	args := []ast.Expr{e}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		args = append(args, &ast.BasicLit{ValuePos: e.Pos(), Kind: token.STRING, Value: strconv.Quote(n)})
	}
	return &ast.CallExpr{Fun: &ast.Ident{NamePos: e.Pos(), Name: hiddenPrefix + "Unexport"}, Lparen: e.Pos(), Args: args, Rparen: e.End()}
}

// goSyntax returns e wrapped in __golabGoSyntax when all its directives
// are %#v and its static type reaches session struct types (none with a
// GoString method, no two with the same layout): the compiled formatter
// replaces each type's layout, as reflect prints it, by the type's name
// and gives unexported fields their names back. It returns nil otherwise.
func (rw *rewriter) goSyntax(e ast.Expr, dl []fmtDirective) ast.Expr {
	if len(dl) == 0 {
		return nil
	}
	for _, d := range dl {
		if d.verb != 'v' || !d.sharp {
			return nil
		}
	}
	t := rw.info.typeOf(e)
	if t == nil {
		return nil
	}
	goStringer := types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, "GoString", types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(types.NewParam(token.NoPos, nil, "", types.Typ[types.String])), false))}, nil).Complete()
	var structs []*types.Named
	names := map[string]bool{}
	seen := map[types.Type]bool{}
	ok := true
	var walk func(t types.Type, depth int)
	walk = func(t types.Type, depth int) {
		if !ok || depth > 8 || seen[t] {
			return
		}
		seen[t] = true
		switch u := types.Unalias(t).(type) {
		case *types.Pointer:
			walk(u.Elem(), depth+1)
		case *types.Slice:
			walk(u.Elem(), depth+1)
		case *types.Array:
			walk(u.Elem(), depth+1)
		case *types.Map:
			walk(u.Key(), depth+1)
			walk(u.Elem(), depth+1)
		case *types.Named:
			if !sessionType(u) {
				return
			}
			if types.Implements(u, goStringer) || types.Implements(types.NewPointer(u), goStringer) {
				ok = false
				return
			}
			st, isStruct := u.Underlying().(*types.Struct)
			if !isStruct {
				return
			}
			structs = append(structs, u)
			for j := 0; j < st.NumFields(); j++ {
				f := st.Field(j)
				if !f.Exported() && f.Name() != "_" {
					names[f.Name()] = true
				}
				walk(f.Type(), depth+1)
			}
		}
	}
	walk(t, 0)
	if !ok || len(structs) == 0 {
		return nil
	}
	// Two session types with one layout would print alike.
	for _, a := range rw.sessionTypes() {
		for _, b := range structs {
			if a != b && types.Identical(a.Underlying(), b.Underlying()) {
				return nil
			}
		}
	}
	var zeros, tnames []string
	for _, st := range structs {
		ts, name := rw.info.typeString(st), reflectName(st)
		if ts == "" || name == "" {
			return nil
		}
		// Through a function return: a composite literal of a type with
		// methods put straight in an []any loses its type in yaegi.
		zeros = append(zeros, "func(z "+ts+") any {\nreturn z\n}("+ts+"{})")
		tnames = append(tnames, strconv.Quote(name))
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, strconv.Quote(n))
	}
	sort.Strings(sorted)
	src := "func(v any) any {\nreturn " + hiddenPrefix + "GoSyntax(v, []string{" + strings.Join(sorted, ", ") + "}, []any{" +
		strings.Join(zeros, ", ") + "}, []string{" + strings.Join(tnames, ", ") + "})\n}"
	return rw.applyFunc(src, e, e.Pos())
}
