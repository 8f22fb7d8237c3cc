package interp

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
)

// Type switches.
//
// yaegi's type switch misses two kinds of cases that its comma-ok type
// assertion gets right: a compiled interface such as error or fmt.Stringer
// holding a compiled value (case error never matched errors.New("e")), and
// a type declared in the session (case Point never matched a Point held in
// an any). The rewriter turns a type switch with such a case into an
// expression switch over comma-ok assertions, in case order:
//
//	switch x := v.(type) {       switch __golabTS := v; {
//	case int:                    case func() bool { ...; _, ok := __golabTS.(int); return ok }():
//	    use(x)          ->           x, _ := __golabTS.(int); _ = x; use(x)
//	case error, nil:             case ... || __golabTS == nil:
//	    ...                          x := __golabTS; _ = x; ...
//	}                            }
//
// break and labels keep their meaning (it is still a switch). A type switch
// with an init statement is left alone. yaegi's assertions to session types
// compare layouts, so two session types with the same underlying type are
// not told apart (the first case wins). A session value held in an
// interface does not match an interface case (case error, case
// fmt.Stringer) in yaegi even by assertion, so such a case also tries the
// session types that implement the interface, unless the value is of a
// compiled named type, and binds the variable through a function return.

// typeSwitch returns the rewritten form of s, or nil to keep it.
func (rw *rewriter) typeSwitch(s *ast.TypeSwitchStmt) ast.Stmt {
	if s.Init != nil {
		return nil
	}
	var bound *ast.Ident
	var x ast.Expr
	switch a := s.Assign.(type) {
	case *ast.AssignStmt:
		if len(a.Lhs) != 1 || len(a.Rhs) != 1 {
			return nil
		}
		bound, _ = a.Lhs[0].(*ast.Ident)
		ta, ok := a.Rhs[0].(*ast.TypeAssertExpr)
		if !ok || bound == nil {
			return nil
		}
		x = ta.X
	case *ast.ExprStmt:
		ta, ok := a.X.(*ast.TypeAssertExpr)
		if !ok {
			return nil
		}
		x = ta.X
	default:
		return nil
	}
	if !rw.needsSwitchRewrite(s) {
		return nil
	}
	tmp := rw.name("TS").Name
	pos := s.Switch
	parse := func(src string) ast.Expr {
		e, err := parser.ParseExpr(src)
		if err != nil {
			return nil
		}
		setPos(e, pos)
		return e
	}
	parseStmts := func(src string) []ast.Stmt {
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p; func _() {"+src+"}", 0)
		if err != nil {
			return nil
		}
		body := f.Decls[0].(*ast.FuncDecl).Body
		setPos(body, pos)
		return body.List
	}
	out := &ast.SwitchStmt{
		Switch: s.Switch,
		Init: &ast.AssignStmt{
			Lhs:    []ast.Expr{&ast.Ident{NamePos: pos, Name: tmp}},
			TokPos: pos,
			Tok:    token.DEFINE,
			Rhs:    []ast.Expr{x},
		},
		Body: &ast.BlockStmt{Lbrace: s.Body.Lbrace, Rbrace: s.Body.Rbrace},
	}
	binds := map[*ast.CaseClause]string{} // bound variable of interface cases
	for _, st := range s.Body.List {
		cc := st.(*ast.CaseClause)
		ncc := &ast.CaseClause{Case: cc.Case, Colon: cc.Colon}
		var conds []string
		single := ""
		for _, te := range cc.List {
			if id, ok := te.(*ast.Ident); ok && id.Name == "nil" && rw.info.info.Uses[id] == types.Universe.Lookup("nil") {
				conds = append(conds, tmp+" == nil")
				continue
			}
			tt := rw.info.typeOf(te)
			ts := rw.info.typeString(tt)
			if ts == "" {
				return nil
			}
			if len(cc.List) == 1 {
				single = ts
			}
			var cands []string
			if it, ok := tt.Underlying().(*types.Interface); ok && !it.Empty() {
				cands = rw.ifaceCandidates(it)
			}
			if len(cands) == 0 {
				conds = append(conds, "func() bool {\nif "+tmp+" == nil {\nreturn false\n}\n_, ok := "+tmp+".("+ts+")\nreturn ok\n}()")
				continue
			}
			// Session values held in an interface do not match interface
			// cases: try the session types that implement it.
			cond := "func() bool {\nif " + tmp + " == nil {\nreturn false\n}\nif _, ok := " + tmp + ".(" + ts + "); ok {\nreturn true\n}\nif " + hiddenPrefix + "Compiled(" + tmp + ") {\nreturn false\n}\n"
			bind := "func() " + ts + " {\nif __golabV, ok := " + tmp + ".(" + ts + "); ok {\nreturn __golabV\n}\n"
			for _, c := range cands {
				cond += "if _, ok := " + tmp + ".(" + c + "); ok {\nreturn true\n}\n"
				bind += "if __golabV, ok := " + tmp + ".(" + c + "); ok {\nreturn __golabV\n}\n"
			}
			conds = append(conds, cond+"return false\n}()")
			if len(cc.List) == 1 {
				binds[ncc] = bind + "return nil\n}()"
			}
		}
		if len(conds) > 0 {
			cond := conds[0]
			for _, c := range conds[1:] {
				cond += " || " + c
			}
			e := parse(cond)
			if e == nil {
				return nil
			}
			ncc.List = []ast.Expr{e}
		}
		var pre []ast.Stmt
		if bound != nil && bound.Name != "_" {
			src := bound.Name + " := " + tmp + "\n_ = " + bound.Name
			if b, ok := binds[ncc]; ok {
				src = bound.Name + " := " + b + "\n_ = " + bound.Name
			} else if single != "" {
				src = bound.Name + ", _ := " + tmp + ".(" + single + ")\n_ = " + bound.Name
			}
			if pre = parseStmts(src); pre == nil {
				return nil
			}
		}
		ncc.Body = append(pre, cc.Body...)
		out.Body.List = append(out.Body.List, ncc)
	}
	return out
}

// needsSwitchRewrite reports whether a case of s names a compiled interface
// type or a session type (or pointer to one), the cases yaegi misses.
func (rw *rewriter) needsSwitchRewrite(s *ast.TypeSwitchStmt) bool {
	for _, st := range s.Body.List {
		cc, ok := st.(*ast.CaseClause)
		if !ok {
			return false
		}
		for _, te := range cc.List {
			t := rw.info.typeOf(te)
			if t == nil {
				continue
			}
			if rw.interpreted(t) {
				return true
			}
			if _, ok := t.Underlying().(*types.Interface); ok && !sessionType(t) && !isUntypedNil(t) {
				if it := t.Underlying().(*types.Interface); !it.Empty() {
					return true
				}
			}
		}
	}
	return false
}

// ifaceCandidates returns the session types (and pointers to them) that
// implement it, leaving out types whose layout another session type
// shares or that have a basic underlying type (yaegi's assertions compare
// layouts).
func (rw *rewriter) ifaceCandidates(it *types.Interface) []string {
	var out []string
	// Basic underlying types are left out: a compiled value of the basic
	// type would match.
	for _, cand := range rw.layoutUnique(true) {
		for _, ct := range []types.Type{cand, types.NewPointer(cand)} {
			if !types.Implements(ct, it) {
				continue
			}
			if ts := rw.info.typeString(ct); ts != "" {
				out = append(out, ts)
			}
		}
	}
	return out
}
