package interp

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Values of session types in variables of compiled interface types.
//
// yaegi stores a value (not a pointer) of a session type assigned to a
// variable of a compiled interface type, such as
//
//	var err error = MyErr{"read"}
//	err = MyErr{"write"}
//
// without the interface's method table: fmt prints its fields and passing
// the variable to a function panics ("reflect.Set: value of type struct
// {...} is not assignable to type error"). A value returned as the
// interface from a function is stored correctly, so the rewriter converts
// the right-hand side of such a var declaration or assignment through a
// function literal: func(v MyErr) error { return v }(MyErr{"read"}). So
// does an argument of a session type passed to an interface parameter
// (any included) of a session function: show(Point{1, 2}) handed show a
// value whose methods and type assertions failed.
// Pointers, and interfaces declared in the session, are stored correctly
// and left alone.
//
// any is a compiled interface here too: var a any = Point{1, 2} is
// converted the same way.

// collectIfaceTargets records, for the right-hand sides of var
// declarations with a type and of plain assignments, the compiled
// interface type they are assigned to (see ifaceConv).
func (rw *rewriter) collectIfaceTargets(root ast.Node) {
	if rw.ifaceTargets == nil {
		rw.ifaceTargets = map[ast.Expr]types.Type{}
	}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			if n.Type == nil || len(n.Values) != len(n.Names) {
				return true
			}
			t := rw.info.typeOf(n.Type)
			for _, v := range n.Values {
				rw.ifaceTarget(v, t)
			}
		case *ast.AssignStmt:
			if n.Tok != token.ASSIGN || len(n.Lhs) != len(n.Rhs) {
				return true
			}
			for i, v := range n.Rhs {
				rw.ifaceTarget(v, rw.info.typeOf(n.Lhs[i]))
			}
		case *ast.CallExpr:
			if !rw.interpretedCallee(n.Fun) || n.Ellipsis.IsValid() {
				return true
			}
			sig, ok := rw.info.typeOf(n.Fun).(*types.Signature)
			if !ok {
				return true
			}
			for i, a := range n.Args {
				switch {
				case sig.Variadic() && i >= sig.Params().Len()-1:
					rw.ifaceTarget(a, sig.Params().At(sig.Params().Len()-1).Type().(*types.Slice).Elem())
				case i < sig.Params().Len():
					rw.ifaceTarget(a, sig.Params().At(i).Type())
				}
			}
		}
		return true
	})
}

// interpretedCallee reports whether fun is a function of the session: a
// function or method declared in the session, or a function literal.
// (Compiled functions get their arguments from wrapMethodArgs.)
func (rw *rewriter) interpretedCallee(fun ast.Expr) bool {
	switch f := ast.Unparen(fun).(type) {
	case *ast.FuncLit:
		return true
	case *ast.Ident:
		fn, ok := rw.info.info.Uses[f].(*types.Func)
		return ok && fn.Pkg() != nil && fn.Pkg().Path() == "main"
	case *ast.SelectorExpr:
		if sel := rw.info.info.Selections[f]; sel != nil {
			return sel.Obj().Pkg() != nil && sel.Obj().Pkg().Path() == "main"
		}
	}
	return false
}

// ifaceTarget records that v is assigned to a variable of type t, when t is
// a compiled interface and v's type a session type that is neither a
// pointer nor an interface.
func (rw *rewriter) ifaceTarget(v ast.Expr, t types.Type) {
	if t == nil {
		return
	}
	if _, ok := t.(*types.TypeParam); ok {
		return
	}
	if _, ok := t.Underlying().(*types.Interface); !ok || sessionType(t) {
		return
	}
	vt := rw.info.typeOf(v)
	if vt == nil || !sessionType(vt) {
		return
	}
	if _, ok := vt.Underlying().(*types.Interface); ok {
		return
	}
	rw.ifaceTargets[v] = t
}

// ifaceConv returns e (already rewritten to r, when r is not nil)
// converted to its recorded interface target through a function literal,
// or nil when e has no target.
func (rw *rewriter) ifaceConv(e, r ast.Expr) ast.Expr {
	t, ok := rw.ifaceTargets[e]
	if !ok {
		return nil
	}
	ts, vs := rw.info.typeString(t), rw.info.typeString(rw.info.typeOf(e))
	if ts == "" || vs == "" {
		return nil
	}
	if r == nil {
		r = e
	}
	return rw.applyFunc("func(v "+vs+") "+ts+" { return v }", r, e.Pos())
}

// ifaceConvCall rewrites an explicit conversion error(MyErr{...}) like an
// assignment (see ifaceConv), or returns nil.
func (rw *rewriter) ifaceConvCall(c *ast.CallExpr) ast.Expr {
	if len(c.Args) != 1 || !rw.info.info.Types[c.Fun].IsType() {
		return nil
	}
	rw.ifaceTarget(c.Args[0], rw.info.typeOf(c.Fun))
	return rw.ifaceConv(c.Args[0], nil)
}
