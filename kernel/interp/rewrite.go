package interp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"reflect"
	"strings"
)

// rewriter changes a cell's syntax tree so that yaegi runs it with the
// semantics of current Go. Every rewrite is local and keeps the positions
// of the original nodes, so errors still point into the cell.
//
// Rewrites (see doc.go for the list users see):
//   - range over an integer -> three-clause loop with a per-iteration copy
//   - range over a function (iter.Seq, iter.Seq2, func(func() bool)) -> a
//     pull loop over __golabPull, so break/continue/return/labels work
//   - per-iteration loop variables (Go 1.22) when a closure or & captures them
//   - min/max builtins -> __golabMin/__golabMax (constant calls -> constants)
//   - clear builtin -> __golabClear
//   - calls of generic functions -> explicit instantiation from go/types
//   - method expressions (*T).M -> function literals
//   - go statements -> goroutines that recover panics and report them
type rewriter struct {
	info *cellInfo
	fset *token.FileSet
	s    *Session
	err  error
	n    int // counter for unique names
	// loops maps a replaced loop statement to the loop inside its
	// replacement block, so labels can move onto it.
	loops map[ast.Stmt]ast.Stmt
	// exprHook, when set, replaces the expression rewrites (used by the
	// monomorphizer with its own substitution).
	exprHook func(ast.Expr) ast.Expr
	// loopVars are the variables of for and range clauses (collectLoopVars).
	loopVars map[types.Object]bool
	// encl and labels come from prepass.
	encl   map[*ast.RangeStmt]*types.Signature
	labels map[*ast.RangeStmt]string
	// ifaceTargets maps right-hand sides to the compiled interface type
	// they are assigned to (ifaceconv.go).
	ifaceTargets map[ast.Expr]types.Type
	// verbs holds, per fmt or log print call, the arguments that are
	// printed without calling their methods (fmtargs.go).
	verbs map[*ast.CallExpr]map[int]bool
}

func (rw *rewriter) decl(d ast.Decl) {
	rw.walk(d)
}

func (rw *rewriter) block(b *ast.BlockStmt, top bool) {
	rw.walk(b)
}

// walk rewrites n bottom-up: children first, then expression and statement
// replacements at their parents' fields.
func (rw *rewriter) walk(n ast.Node) {
	if rw.loops == nil {
		rw.loops = map[ast.Stmt]ast.Stmt{}
	}
	rw.prepass(n)
	rw.collectLoopVars(n)
	rw.collectIfaceTargets(n)
	walkValue(reflect.ValueOf(n), rw)
}

var (
	exprType = reflect.TypeOf((*ast.Expr)(nil)).Elem()
	stmtType = reflect.TypeOf((*ast.Stmt)(nil)).Elem()
	nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()
)

// walkValue visits the AST fields of the node pointed to by v.
func reflectValueOf(n ast.Node) reflect.Value { return reflect.ValueOf(n) }

func walkValue(v reflect.Value, rw *rewriter) {
	if v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	if _, ok := v.Interface().(*ast.Object); ok {
		return
	}
	if _, ok := v.Interface().(*ast.Scope); ok {
		return
	}
	e := v.Elem()
	if e.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < e.NumField(); i++ {
		f := e.Field(i)
		if !f.CanSet() {
			continue
		}
		switch {
		case f.Type() == exprType:
			if f.IsNil() {
				continue
			}
			walkValue(f, rw)
			if r := rw.expr(f.Interface().(ast.Expr)); r != nil {
				f.Set(reflect.ValueOf(r))
			}
		case f.Type() == stmtType:
			if f.IsNil() {
				continue
			}
			walkValue(f, rw)
			if r := rw.stmt(f.Interface().(ast.Stmt)); r != nil {
				f.Set(reflect.ValueOf(r))
			}
		case f.Kind() == reflect.Slice && f.Type().Elem() == exprType:
			for j := 0; j < f.Len(); j++ {
				walkValue(f.Index(j), rw)
				if r := rw.expr(f.Index(j).Interface().(ast.Expr)); r != nil {
					f.Index(j).Set(reflect.ValueOf(r))
				}
			}
		case f.Kind() == reflect.Slice && f.Type().Elem() == stmtType:
			for j := 0; j < f.Len(); j++ {
				walkValue(f.Index(j), rw)
				if r := rw.stmt(f.Index(j).Interface().(ast.Stmt)); r != nil {
					f.Index(j).Set(reflect.ValueOf(r))
				}
			}
		case f.Kind() == reflect.Slice:
			for j := 0; j < f.Len(); j++ {
				if f.Index(j).Type().Implements(nodeType) {
					walkValue(f.Index(j), rw)
				}
			}
		case f.Type().Implements(nodeType) && (f.Kind() == reflect.Pointer || f.Kind() == reflect.Interface):
			walkValue(f, rw)
		}
	}
}

func (rw *rewriter) name(base string) *ast.Ident {
	rw.n++
	return ast.NewIdent(fmt.Sprintf("%s%s%d", hiddenPrefix, base, rw.n))
}

// expr returns a replacement for e, or nil to keep it.
func (rw *rewriter) expr(e ast.Expr) ast.Expr {
	if rw.exprHook != nil {
		return rw.exprHook(e)
	}
	r := rw.expr1(e)
	if c := rw.ifaceConv(e, r); c != nil {
		return c
	}
	return r
}

func (rw *rewriter) expr1(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.CallExpr:
		return rw.call(e)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if pn, ok := rw.info.info.Uses[x].(*types.PkgName); ok && genericPkgs[pn.Imported().Path()] {
				// Prelude packages live under kernel names in yaegi.
				x.Name = hiddenPrefix + pn.Imported().Path()
				rw.info.needed[x.Name] = pn.Imported().Path()
				return nil
			}
		}
		return rw.methodExpr(e)
	}
	return nil
}

// call rewrites builtins yaegi lacks and instantiates generic calls. It
// returns a replacement expression, or nil when c was changed in place.
func (rw *rewriter) call(c *ast.CallExpr) ast.Expr {
	if id, ok := c.Fun.(*ast.Ident); ok {
		if b, ok := rw.info.info.Uses[id].(*types.Builtin); ok || rw.info.info.Uses[id] == nil && (id.Name == "min" || id.Name == "max" || id.Name == "clear") {
			name := id.Name
			if b != nil {
				name = b.Name()
			}
			switch name {
			case "min", "max":
				tv := rw.info.info.Types[c]
				if tv.Value != nil {
					// A constant call: replace it by its value, converted
					// to its type when typed.
					lit := constLit(tv.Value)
					if lit == nil {
						return nil
					}
					if basic, ok := tv.Type.(*types.Basic); ok && basic.Info()&types.IsUntyped != 0 {
						return &ast.ParenExpr{Lparen: c.Pos(), X: lit, Rparen: c.End()}
					}
					if ts := rw.info.typeString(tv.Type); ts != "" {
						return &ast.CallExpr{Fun: typeExpr(ts), Lparen: c.Pos(), Args: []ast.Expr{lit}, Rparen: c.End()}
					}
					return nil
				}
				helper := "__golabMin"
				if name == "max" {
					helper = "__golabMax"
				}
				ts := rw.info.typeString(tv.Type)
				if ts == "" {
					c.Fun = &ast.Ident{NamePos: id.NamePos, Name: helper}
					return nil
				}
				c.Fun = &ast.IndexExpr{X: &ast.Ident{NamePos: id.NamePos, Name: helper}, Index: typeExpr(ts)}
			case "clear":
				c.Fun = &ast.Ident{NamePos: id.NamePos, Name: "__golabClear"}
			}
			return nil
		}
	}
	if r := rw.errorsAs(c); r != nil {
		return r
	}
	if r := rw.ifaceConvCall(c); r != nil {
		return r
	}
	rw.stdinArgs(c)
	rw.fmtArgs(c)
	rw.wrapMethodArgs(c)
	rw.instantiate(c)
	return nil
}

var (
	errorIface    = types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	stringerIface = types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, "String", types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(types.NewParam(token.NoPos, nil, "", types.Typ[types.String])), false))}, nil).Complete()
)

// interpreted reports whether t is a type declared in the session (or a
// pointer to one), whose methods compiled code cannot see through an any.
func (rw *rewriter) interpreted(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "main"
}

// wrapMethodArgs converts arguments of session types that have error,
// fmt.Stringer or MIMEBundle methods to a compiled interface carrying those
// methods when they are passed as any to a compiled function or method
// (fmt.Println(p), fmt.Errorf("%w", err), display.Show(card),
// h.Update(card)): yaegi only gives compiled code a view of an interpreted
// value's methods when the value travels as a non-empty compiled interface.
// MIMEBundle is kept only for GoLab's own packages (the standard library
// never looks for it, and fmt would print the wrapper); reflective
// packages (encoding/json, reflect, ...) get the plain value.
func (rw *rewriter) wrapMethodArgs(c *ast.CallExpr) {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	var path string
	if x, ok := sel.X.(*ast.Ident); ok {
		if pn, ok := rw.info.info.Uses[x].(*types.PkgName); ok {
			path = pn.Imported().Path()
		}
	}
	if path == "" {
		// A method of a compiled type: h.Update(v).
		s := rw.info.info.Selections[sel]
		if s == nil || s.Kind() != types.MethodVal || s.Obj().Pkg() == nil {
			return
		}
		path = s.Obj().Pkg().Path()
		if path == "main" {
			return
		}
	}
	if genericPkgs[path] || reflectivePkg(path) {
		return
	}
	sig, ok := rw.info.typeOf(c.Fun).(*types.Signature)
	if !ok || c.Ellipsis.IsValid() {
		return
	}
	mime := !stdlibPath(path)
	plain := rw.verbs[c]
	for i, a := range c.Args {
		if plain[i] {
			continue
		}
		var pt types.Type
		switch {
		case sig.Variadic() && i >= sig.Params().Len()-1:
			pt = sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice).Elem()
		case i < sig.Params().Len():
			pt = sig.Params().At(i).Type()
		default:
			continue
		}
		if it, ok := pt.Underlying().(*types.Interface); !ok || !it.Empty() {
			continue
		}
		if w := rw.asMethods(a, mime); w != nil {
			c.Args[i] = w
		}
	}
}

// asMethods returns e converted to the compiled interface that carries the
// methods of its session type (see wrapMethodArgs), or nil when e's type
// is not a session type with such methods.
func (rw *rewriter) asMethods(e ast.Expr, mime bool) ast.Expr {
	h := rw.asHelper(rw.info.typeOf(e), mime)
	if h == "" {
		return nil
	}
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok && !rw.info.info.Types[call.Fun].IsType() {
		// yaegi fails to wrap a call's result passed straight on
		// ("reflect.Set: value of type struct {...} is not assignable"):
		// go through a typed variable.
		// func(v T) I { return __golabAsX(v) }(e)
		ts := rw.info.typeString(rw.info.typeOf(e))
		if ts == "" {
			return nil
		}
		v := rw.name("V")
		return &ast.CallExpr{Fun: &ast.FuncLit{
			Type: &ast.FuncType{Func: e.Pos(), Params: &ast.FieldList{List: []*ast.Field{{Names: []*ast.Ident{v}, Type: typeExprAt(ts, e.Pos())}}}, Results: &ast.FieldList{List: []*ast.Field{{Type: typeExprAt(asResult[h], e.Pos())}}}},
			Body: &ast.BlockStmt{List: []ast.Stmt{
				&ast.ReturnStmt{Results: []ast.Expr{&ast.CallExpr{Fun: ast.NewIdent(hiddenPrefix + h), Args: []ast.Expr{ast.NewIdent(v.Name)}}}},
			}},
		}, Lparen: e.Pos(), Args: []ast.Expr{e}, Rparen: e.End()}
	}
	return &ast.CallExpr{Fun: &ast.Ident{NamePos: e.Pos(), Name: hiddenPrefix + h}, Lparen: e.Pos(), Args: []ast.Expr{e}, Rparen: e.End()}
}

// typeExprAt is typeExpr with every position set to pos: yaegi resolves
// package names by the file of a position, and typeExpr's positions would
// point into whatever file comes first in the interpreter's FileSet.
func typeExprAt(ts string, pos token.Pos) ast.Expr {
	e := typeExpr(ts)
	if e == nil {
		return nil
	}
	posType := reflect.TypeOf(token.NoPos)
	ast.Inspect(e, func(n ast.Node) bool {
		if n == nil {
			return false
		}
		v := reflect.ValueOf(n)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return true
		}
		v = v.Elem()
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Type() == posType && f.CanSet() {
				f.Set(reflect.ValueOf(pos))
			}
		}
		return true
	})
	return e
}

// asResult is the result type of each __golabAs helper.
var asResult = map[string]string{
	"AsMIME":       hiddenPrefix + "cell.MIME",
	"AsMIMEString": hiddenPrefix + "cell.MIMEString",
	"AsMIMEError":  hiddenPrefix + "cell.MIMEError",
	"AsError":      "error",
	"AsStringer":   hiddenPrefix + "fmt.Stringer",
}

// asHelper names the prelude conversion (__golabAs...) for a value of
// type t, or "".
func (rw *rewriter) asHelper(t types.Type, mime bool) string {
	if t == nil || !rw.interpreted(t) {
		return ""
	}
	isMIME := mime && types.Implements(t, mimeIface)
	isErr := types.Implements(t, errorIface)
	isStr := types.Implements(t, stringerIface)
	switch {
	case isMIME && isErr:
		return "AsMIMEError"
	case isMIME && isStr:
		return "AsMIMEString"
	case isMIME:
		return "AsMIME"
	case isErr:
		return "AsError"
	case isStr:
		return "AsStringer"
	}
	return ""
}

// mimeIface is display.MIMEBundler: interface{ MIMEBundle() map[string]any }.
var mimeIface = types.NewInterfaceType([]*types.Func{types.NewFunc(token.NoPos, nil, "MIMEBundle", types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(types.NewParam(token.NoPos, nil, "", types.NewMap(types.Typ[types.String], types.Universe.Lookup("any").Type()))), false))}, nil).Complete()

// stdlibPath reports whether path is a standard library package (no dot in
// its first element).
func stdlibPath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// reflectivePkg reports packages that inspect values by reflection, to
// which a method wrapper would show its own fields.
func reflectivePkg(path string) bool {
	switch path {
	case "reflect", "text/template", "html/template", "database/sql", "net/rpc", "fmt/internal":
		return true
	}
	return strings.HasPrefix(path, "encoding/")
}

// errorsAs rewrites errors.As(err, &target) for interpreted target types,
// which the compiled errors.As rejects ("*target must be interface or
// implement error"), into an interpreted walk of the error chain.
func (rw *rewriter) errorsAs(c *ast.CallExpr) ast.Expr {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "As" || len(c.Args) != 2 {
		return nil
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil
	}
	if pn, ok := rw.info.info.Uses[x].(*types.PkgName); !ok || pn.Imported().Path() != "errors" {
		return nil
	}
	pt, ok := rw.info.typeOf(c.Args[1]).(*types.Pointer)
	if !ok {
		return nil
	}
	ts := rw.info.typeString(pt.Elem())
	if ts == "" {
		return nil
	}
	if _, isIface := pt.Elem().Underlying().(*types.Interface); isIface {
		return nil // compiled errors.As handles interface targets
	}
	// func(err error, target *T) bool { for err != nil { if t, ok := err.(T); ok { *target = t; return true }; ... unwrap } }
	fn := fmt.Sprintf(`func(err error, target *%[1]s) bool {
	stack := []error{err}
	for len(stack) > 0 {
		e := stack[0]
		stack = stack[1:]
		if e == nil {
			continue
		}
		if t, ok := e.(%[1]s); ok {
			*target = t
			return true
		}
		if t, ok := __golabIValue(e).(%[1]s); ok {
			*target = t
			return true
		}
		stack = append(__golabUnwrap(e), stack...)
	}
	return false
}`, ts)
	lit, err := parser.ParseExpr(fn)
	if err != nil {
		return nil
	}
	return &ast.CallExpr{Fun: lit, Lparen: c.Lparen, Args: c.Args, Rparen: c.Rparen}
}

func constLit(v constant.Value) ast.Expr {
	switch v.Kind() {
	case constant.Int:
		return &ast.BasicLit{Kind: token.INT, Value: v.ExactString()}
	case constant.Float:
		if f, ok := constant.Float64Val(v); ok {
			return &ast.BasicLit{Kind: token.FLOAT, Value: fmt.Sprintf("%g", f)}
		}
	case constant.String:
		return &ast.BasicLit{Kind: token.STRING, Value: v.ExactString()}
	}
	return nil
}

// instantiate makes the type arguments of a generic call explicit, since
// yaegi's inference fails on core types (~[]E), untyped constants and
// function arguments.
func (rw *rewriter) instantiate(c *ast.CallExpr) {
	var id *ast.Ident
	switch f := c.Fun.(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return
	}
	inst, ok := rw.info.info.Instances[id]
	if !ok || inst.TypeArgs.Len() == 0 {
		return
	}
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		if hasTypeParam(inst.TypeArgs.At(i)) {
			// Inside a generic body: leave the call to yaegi; call sites
			// use generated instances of the whole function instead.
			return
		}
	}
	if fn, ok := rw.info.info.Uses[id].(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == "main" && fn.Type().(*types.Signature).Recv() == nil && fn.Parent() == fn.Pkg().Scope() {
		// A generic function of the session: an ordinary instance avoids
		// yaegi's generics; fall back to explicit type arguments.
		var targs []types.Type
		for i := 0; i < inst.TypeArgs.Len(); i++ {
			targs = append(targs, inst.TypeArgs.At(i))
		}
		if name, err := rw.s.monoName(rw.info, "main", fn.Name(), targs); err == nil {
			c.Fun = &ast.Ident{NamePos: c.Fun.Pos(), Name: name}
			return
		} else if debugCheck {
			fmt.Fprintln(os.Stderr, "mono:", fn.Name(), err)
		}
	}
	if fn, ok := rw.info.info.Uses[id].(*types.Func); ok && fn.Pkg() != nil && genericPkgs[fn.Pkg().Path()] {
		// Sorting plain slices of basic types calls compiled code.
		if fn.Pkg().Path() == "slices" && fn.Name() == "Sort" && inst.TypeArgs.Len() == 2 {
			if sl, ok := inst.TypeArgs.At(0).(*types.Slice); ok {
				if b, ok := sl.Elem().(*types.Basic); ok {
					name := map[types.BasicKind]string{types.Int: "SortInts", types.Float64: "SortFloat64s", types.String: "SortStrings"}[b.Kind()]
					if name != "" {
						c.Fun = &ast.Ident{NamePos: c.Fun.Pos(), Name: hiddenPrefix + name}
						return
					}
				}
			}
		}
		var targs []types.Type
		for i := 0; i < inst.TypeArgs.Len(); i++ {
			targs = append(targs, inst.TypeArgs.At(i))
		}
		name, err := rw.s.monoName(rw.info, fn.Pkg().Path(), fn.Name(), targs)
		if err == nil {
			c.Fun = &ast.Ident{NamePos: c.Fun.Pos(), Name: name}
			return
		}
		if debugCheck {
			fmt.Fprintln(os.Stderr, "mono:", fn.Name(), err)
		}
	}
	var args []ast.Expr
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		ts := rw.info.typeString(inst.TypeArgs.At(i))
		if ts == "" {
			return
		}
		e := typeExpr(ts)
		if e == nil {
			return
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		c.Fun = &ast.IndexExpr{X: c.Fun, Index: args[0]}
	} else {
		c.Fun = &ast.IndexListExpr{X: c.Fun, Indices: args}
	}
}

// methodExpr rewrites (*T).M and T.M into function literals.
func (rw *rewriter) methodExpr(e *ast.SelectorExpr) ast.Expr {
	sel := rw.info.info.Selections[e]
	if sel == nil || sel.Kind() != types.MethodExpr {
		return nil
	}
	sig, ok := sel.Type().(*types.Signature)
	if !ok {
		return nil
	}
	params := &ast.FieldList{}
	var args []ast.Expr
	var recv ast.Expr
	for i := 0; i < sig.Params().Len(); i++ {
		p := sig.Params().At(i)
		ts := rw.info.typeString(p.Type())
		if ts == "" {
			return nil
		}
		name := ast.NewIdent(fmt.Sprintf("%sa%d", hiddenPrefix, i))
		typ := typeExpr(ts)
		if sig.Variadic() && i == sig.Params().Len()-1 {
			typ = &ast.Ellipsis{Elt: typeExpr(rw.info.typeString(p.Type().(*types.Slice).Elem()))}
		}
		params.List = append(params.List, &ast.Field{Names: []*ast.Ident{name}, Type: typ})
		if i == 0 {
			recv = ast.NewIdent(name.Name)
		} else {
			args = append(args, ast.NewIdent(name.Name))
		}
	}
	results := &ast.FieldList{}
	for i := 0; i < sig.Results().Len(); i++ {
		ts := rw.info.typeString(sig.Results().At(i).Type())
		if ts == "" {
			return nil
		}
		results.List = append(results.List, &ast.Field{Type: typeExpr(ts)})
	}
	call := &ast.CallExpr{Fun: &ast.SelectorExpr{X: recv, Sel: ast.NewIdent(e.Sel.Name)}, Args: args}
	if sig.Variadic() {
		call.Ellipsis = 1
	}
	var body ast.Stmt = &ast.ExprStmt{X: call}
	if sig.Results().Len() > 0 {
		body = &ast.ReturnStmt{Results: []ast.Expr{call}}
	}
	return &ast.FuncLit{Type: &ast.FuncType{Params: params, Results: results}, Body: &ast.BlockStmt{List: []ast.Stmt{body}}}
}

// stmt returns a replacement for s, or nil to keep it.
func (rw *rewriter) stmt(s ast.Stmt) ast.Stmt {
	if rw.exprHook != nil {
		return nil
	}
	switch s := s.(type) {
	case *ast.RangeStmt:
		return rw.rangeStmt(s)
	case *ast.ForStmt:
		rw.forStmt(s)
	case *ast.LabeledStmt:
		if inner, ok := rw.loops[s.Stmt]; ok {
			// s.Stmt was replaced by a block ending in the real loop: move
			// the label onto that loop.
			blk := s.Stmt.(*ast.BlockStmt)
			for i, st := range blk.List {
				if st == inner {
					blk.List[i] = &ast.LabeledStmt{Label: s.Label, Colon: s.Colon, Stmt: inner}
				}
			}
			return blk
		}
	case *ast.GoStmt:
		return rw.goStmt(s)
	case *ast.TypeSwitchStmt:
		if r := rw.typeSwitch(s); r != nil {
			return r
		}
	case *ast.AssignStmt:
		rw.multiGeneric(s)
	case *ast.DeclStmt:
		if g, ok := s.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, v := range vs.Values {
					if w := rw.wrapGeneric(v); w != nil {
						vs.Values[i] = w
					}
				}
			}
		}
	}
	return nil
}

// multiGeneric wraps generic calls on the right of an assignment in a
// function literal: yaegi fails on "a, b := G[T](x)" and on some
// "x := G[T](y)" at top level ("constant definition loop").
func (rw *rewriter) multiGeneric(s *ast.AssignStmt) {
	if len(s.Lhs) == 2 && len(s.Rhs) == 1 {
		if w := rw.wrapCommaOk(s.Rhs[0]); w != nil {
			s.Rhs[0] = w
			return
		}
	}
	for i, r := range s.Rhs {
		if w := rw.wrapGeneric(r); w != nil {
			s.Rhs[i] = w
		}
	}
}

func (rw *rewriter) wrapGeneric(r ast.Expr) ast.Expr {
	call, ok := r.(*ast.CallExpr)
	if !ok {
		return nil
	}
	var id *ast.Ident
	switch f := call.Fun.(type) {
	case *ast.IndexExpr:
		id = selIdent(f.X)
	case *ast.IndexListExpr:
		id = selIdent(f.X)
	}
	if id == nil {
		return nil
	}
	if _, ok := rw.info.info.Instances[id]; !ok && id.Name != hiddenPrefix+"Min" && id.Name != hiddenPrefix+"Max" {
		return nil
	}
	t := rw.info.info.Types[call].Type
	results := &ast.FieldList{}
	if tup, ok := t.(*types.Tuple); ok {
		for i := 0; i < tup.Len(); i++ {
			ts := rw.info.typeString(tup.At(i).Type())
			if ts == "" {
				return nil
			}
			results.List = append(results.List, &ast.Field{Type: typeExpr(ts)})
		}
	} else {
		ts := rw.info.typeString(t)
		if ts == "" {
			return nil
		}
		results.List = append(results.List, &ast.Field{Type: typeExpr(ts)})
	}
	return &ast.CallExpr{Fun: &ast.FuncLit{
		Type: &ast.FuncType{Func: call.Pos(), Params: &ast.FieldList{}, Results: results},
		Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ReturnStmt{Results: []ast.Expr{call}}}},
	}}
}

// wrapCommaOk wraps a comma-ok expression (map index, channel receive,
// type assertion) in a function literal: yaegi crashes ("nil type") on
// "v, ok := <-ch" and similar at top level.
func (rw *rewriter) wrapCommaOk(r ast.Expr) ast.Expr {
	switch x := r.(type) {
	case *ast.IndexExpr:
		if t := rw.info.typeOf(x.X); t == nil {
			return nil
		} else if _, ok := t.Underlying().(*types.Map); !ok {
			return nil
		}
	case *ast.UnaryExpr:
		if x.Op != token.ARROW {
			return nil
		}
	case *ast.TypeAssertExpr:
	case *ast.ParenExpr:
		return rw.wrapCommaOk(x.X)
	default:
		return nil
	}
	var vt types.Type
	if tup, ok := rw.info.info.Types[r].Type.(*types.Tuple); ok && tup.Len() == 2 {
		vt = tup.At(0).Type()
	} else {
		vt = rw.info.info.Types[r].Type
	}
	ts := rw.info.typeString(vt)
	if ts == "" {
		return nil
	}
	v, ok := rw.name("V"), rw.name("Ok")
	return &ast.CallExpr{Fun: &ast.FuncLit{
		Type: &ast.FuncType{Func: r.Pos(), Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: typeExprAt(ts, r.Pos())}, {Type: ast.NewIdent("bool")}}}},
		Body: &ast.BlockStmt{List: []ast.Stmt{
			&ast.AssignStmt{Lhs: []ast.Expr{v, ok}, Tok: token.DEFINE, Rhs: []ast.Expr{r}},
			&ast.ReturnStmt{Results: []ast.Expr{ast.NewIdent(v.Name), ast.NewIdent(ok.Name)}},
		}},
	}}
}

func selIdent(e ast.Expr) *ast.Ident {
	switch e := e.(type) {
	case *ast.Ident:
		return e
	case *ast.SelectorExpr:
		return e.Sel
	}
	return nil
}

// captures reports whether body may capture loop variables: it contains a
// function literal, a go or defer statement, or takes an address.
func captures(body ast.Node) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			found = true
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns reports whether body assigns to any of names.
func assigns(body ast.Node, names map[string]bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && names[id.Name] {
						found = true
					}
				}
			}
		case *ast.IncDecStmt:
			if id, ok := n.X.(*ast.Ident); ok && names[id.Name] {
				found = true
			}
		case *ast.UnaryExpr:
			if id, ok := n.X.(*ast.Ident); ok && n.Op == token.AND && names[id.Name] {
				found = true
			}
		}
		return !found
	})
	return found
}

// forStmt gives three-clause loops Go 1.22 per-iteration variables when the
// body captures them and does not assign them.
func (rw *rewriter) forStmt(s *ast.ForStmt) {
	init, ok := s.Init.(*ast.AssignStmt)
	if !ok || init.Tok != token.DEFINE || !captures(s.Body) {
		return
	}
	names := map[string]bool{}
	var copies []ast.Stmt
	for _, l := range init.Lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
			names[id.Name] = true
			copies = append(copies, &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(id.Name)}, Tok: token.DEFINE, Rhs: []ast.Expr{ast.NewIdent(id.Name)}})
		}
	}
	if len(copies) == 0 || assigns(s.Body, names) {
		return
	}
	s.Body.List = append(copies, s.Body.List...)
}

// rangeStmt rewrites range over integers and functions, and adds
// per-iteration copies to other range loops whose body captures.
func (rw *rewriter) rangeStmt(s *ast.RangeStmt) ast.Stmt {
	t := rw.info.typeOf(s.X)
	var under types.Type
	if t != nil {
		under = t.Underlying()
	}
	if lit, ok := s.X.(*ast.BasicLit); ok && lit.Kind == token.INT && under == nil {
		under = types.Typ[types.UntypedInt]
	}
	if b, ok := under.(*types.Basic); ok && b.Info()&types.IsInteger != 0 {
		return rw.rangeInt(s)
	}
	if sig, ok := under.(*types.Signature); ok {
		return rw.rangeFunc(s, sig)
	}
	// Slices, maps, strings, channels: per-iteration copies.
	if s.Tok == token.DEFINE && captures(s.Body) {
		var copies []ast.Stmt
		for _, e := range []ast.Expr{s.Key, s.Value} {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				copies = append(copies, &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(id.Name)}, Tok: token.DEFINE, Rhs: []ast.Expr{ast.NewIdent(id.Name)}})
			}
		}
		s.Body.List = append(copies, s.Body.List...)
	}
	return nil
}

// rangeInt: for k := range n { body } ->
//
//	{ N := n; for I := N - N; I < N; I++ { k := I; body } }
func (rw *rewriter) rangeInt(s *ast.RangeStmt) ast.Stmt {
	n, i := rw.name("N"), rw.name("I")
	loop := &ast.ForStmt{
		For:  s.For,
		Init: &ast.AssignStmt{Lhs: []ast.Expr{i}, Tok: token.DEFINE, Rhs: []ast.Expr{&ast.BinaryExpr{X: ast.NewIdent(n.Name), Op: token.SUB, Y: ast.NewIdent(n.Name)}}},
		Cond: &ast.BinaryExpr{X: ast.NewIdent(i.Name), Op: token.LSS, Y: ast.NewIdent(n.Name)},
		Post: &ast.IncDecStmt{X: ast.NewIdent(i.Name), Tok: token.INC},
		Body: s.Body,
	}
	if s.Key != nil {
		if id, ok := s.Key.(*ast.Ident); !ok || id.Name != "_" {
			tok := s.Tok
			if tok != token.DEFINE {
				tok = token.ASSIGN
			}
			s.Body.List = append([]ast.Stmt{&ast.AssignStmt{Lhs: []ast.Expr{s.Key}, Tok: tok, Rhs: []ast.Expr{ast.NewIdent(i.Name)}}}, s.Body.List...)
		}
	}
	var nExpr ast.Expr = s.X
	if t := rw.info.typeOf(s.X); t != nil {
		if b, ok := t.(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
			// keep the type of a typed operand; untyped constants become int
		} else {
			nExpr = &ast.CallExpr{Fun: ast.NewIdent("int"), Args: []ast.Expr{s.X}}
		}
	}
	blk := &ast.BlockStmt{Lbrace: s.For, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: []ast.Expr{n}, Tok: token.DEFINE, Rhs: []ast.Expr{nExpr}},
		loop,
	}, Rbrace: s.Body.Rbrace}
	rw.loops[blk] = loop
	return blk
}

// goStmt makes a goroutine recover its panic and report it to the session.
func (rw *rewriter) goStmt(s *ast.GoStmt) ast.Stmt {
	rec := &ast.DeferStmt{Call: &ast.CallExpr{Fun: ast.NewIdent(hiddenPrefix + "GoRecover")}}
	if lit, ok := s.Call.Fun.(*ast.FuncLit); ok {
		rw.passLoopVars(s.Call, lit)
		lit.Body.List = append([]ast.Stmt{rec}, lit.Body.List...)
		return nil
	}
	// go f(a, b) -> evaluate f, a, b now, call them in a recovering literal.
	if s.Call.Ellipsis.IsValid() {
		return nil
	}
	var lhs, rhs, args []ast.Expr
	fn := rw.name("F")
	lhs = append(lhs, fn)
	rhs = append(rhs, s.Call.Fun)
	for _, a := range s.Call.Args {
		if t := rw.info.typeOf(a); t == nil || isUntypedNil(t) {
			return nil
		}
		v := rw.name("A")
		lhs, rhs = append(lhs, v), append(rhs, a)
		args = append(args, ast.NewIdent(v.Name))
	}
	// Method values and builtins cannot always be stored; keep plain calls.
	if t := rw.info.typeOf(s.Call.Fun); t == nil {
		return nil
	} else if _, ok := t.Underlying().(*types.Signature); !ok {
		return nil
	}
	call := &ast.CallExpr{Fun: ast.NewIdent(fn.Name), Args: args}
	return &ast.BlockStmt{Lbrace: s.Go, List: []ast.Stmt{
		&ast.AssignStmt{Lhs: lhs, Tok: token.DEFINE, Rhs: rhs},
		&ast.GoStmt{Go: s.Go, Call: &ast.CallExpr{Fun: &ast.FuncLit{
			Type: &ast.FuncType{Params: &ast.FieldList{}},
			Body: &ast.BlockStmt{List: []ast.Stmt{rec, &ast.ExprStmt{X: call}}},
		}}},
	}}
}

// passLoopVars turns loop variables a goroutine's function literal
// captures (and does not assign) into parameters: with Go 1.22 semantics
// each iteration has its own copy anyway, and yaegi's shared closure frames
// otherwise race between the loop and the goroutine.
func (rw *rewriter) passLoopVars(call *ast.CallExpr, lit *ast.FuncLit) {
	if rw.loopVars == nil || lit.Type.Params == nil {
		return
	}
	seen := map[types.Object]bool{}
	var objs []types.Object
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if o := rw.info.info.Uses[id]; o != nil && rw.loopVars[o] && !seen[o] && (o.Pos() < lit.Pos() || o.Pos() >= lit.End()) {
				seen[o] = true
				objs = append(objs, o)
			}
		}
		return true
	})
	for _, o := range objs {
		if assigns(lit.Body, map[string]bool{o.Name(): true}) {
			continue
		}
		ts := rw.info.typeString(o.Type())
		if ts == "" {
			continue
		}
		lit.Type.Params.List = append(lit.Type.Params.List, &ast.Field{Names: []*ast.Ident{ast.NewIdent(o.Name())}, Type: typeExpr(ts)})
		call.Args = append(call.Args, ast.NewIdent(o.Name()))
	}
}

// collectLoopVars records the variables declared by for and range clauses.
func (rw *rewriter) collectLoopVars(root ast.Node) {
	rw.loopVars = map[types.Object]bool{}
	add := func(e ast.Expr) {
		if id, ok := e.(*ast.Ident); ok {
			if o := rw.info.info.Defs[id]; o != nil {
				rw.loopVars[o] = true
			}
		}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ForStmt:
			if as, ok := n.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
				for _, l := range as.Lhs {
					add(l)
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				add(n.Key)
				add(n.Value)
			}
		}
		return true
	})
}

// hasTypeParam reports whether t mentions a type parameter.
func hasTypeParam(t types.Type) bool {
	switch x := t.(type) {
	case *types.TypeParam:
		return true
	case *types.Slice:
		return hasTypeParam(x.Elem())
	case *types.Array:
		return hasTypeParam(x.Elem())
	case *types.Pointer:
		return hasTypeParam(x.Elem())
	case *types.Chan:
		return hasTypeParam(x.Elem())
	case *types.Map:
		return hasTypeParam(x.Key()) || hasTypeParam(x.Elem())
	case *types.Signature:
		for _, tu := range []*types.Tuple{x.Params(), x.Results()} {
			for i := 0; i < tu.Len(); i++ {
				if hasTypeParam(tu.At(i).Type()) {
					return true
				}
			}
		}
	case *types.Named:
		for i := 0; i < x.TypeArgs().Len(); i++ {
			if hasTypeParam(x.TypeArgs().At(i)) {
				return true
			}
		}
	case *types.Struct:
		for i := 0; i < x.NumFields(); i++ {
			if hasTypeParam(x.Field(i).Type()) {
				return true
			}
		}
	}
	return false
}

func isUntypedNil(t types.Type) bool {
	b, ok := t.(*types.Basic)
	return ok && b.Kind() == types.UntypedNil
}

func unsupported(fset *token.FileSet, pos token.Pos, what string) error {
	p := fset.Position(pos)
	return fmt.Errorf("%s:%d:%d: %w: %s", p.Filename, p.Line, p.Column, ErrUnsupported, what)
}
