package interp

import (
	"go/ast"
	"go/token"
	"sort"
)

// lateVars turns the var declarations that use names defined by the
// cell's statements (`p := 3` then `var a any = p`) into statements
// (`a := any(p)`) at the same place. Go reads such a cell like a function
// body, where the var runs after the statement; yaegi would hoist it as a
// package-level var and fail with "variable definition loop". As a `:=`
// the variable still becomes a session variable, and a re-run re-assigns it.
//
// A declaration that cannot be written as := (a typed var with a
// multi-value initializer, or one without values) stays a declaration.
func lateVars(fset *token.FileSet, decls []ast.Decl, body *ast.BlockStmt) []ast.Decl {
	if body == nil {
		return decls
	}
	isLate := lateDecls(decls, body.List)
	var keep []ast.Decl
	moved := false
	for i, d := range decls {
		g, ok := d.(*ast.GenDecl)
		if !isLate[i] || !ok || g.Tok != token.VAR {
			keep = append(keep, d)
			continue
		}
		stmts, ok := varAsDefines(g)
		if !ok {
			keep = append(keep, d)
			continue
		}
		body.List = append(body.List, stmts...)
		moved = true
	}
	if moved {
		sort.SliceStable(body.List, func(i, j int) bool {
			return cellOrder(fset, body.List[i].Pos()) < cellOrder(fset, body.List[j].Pos())
		})
	}
	return keep
}

// varAsDefines writes each spec of a var declaration as a := statement:
// `var a, b = f()` -> `a, b := f()`, `var x T = v` -> `x := (T)(v)`.
func varAsDefines(g *ast.GenDecl) ([]ast.Stmt, bool) {
	var out []ast.Stmt
	for _, sp := range g.Specs {
		vs := sp.(*ast.ValueSpec)
		if len(vs.Values) == 0 || vs.Type != nil && len(vs.Values) != len(vs.Names) {
			return nil, false
		}
		lhs := make([]ast.Expr, len(vs.Names))
		blank := true
		for i, id := range vs.Names {
			lhs[i] = id
			blank = blank && id.Name == "_"
		}
		rhs := make([]ast.Expr, len(vs.Values))
		for i, v := range vs.Values {
			rhs[i] = v
			if vs.Type != nil {
				rhs[i] = &ast.CallExpr{Fun: &ast.ParenExpr{Lparen: vs.Type.Pos(), X: vs.Type, Rparen: vs.Type.End()}, Lparen: v.Pos(), Args: []ast.Expr{v}, Rparen: v.End()}
			}
		}
		tok := token.DEFINE
		if blank {
			tok = token.ASSIGN // `var _ = x` defines nothing
		}
		out = append(out, &ast.AssignStmt{Lhs: lhs, TokPos: vs.Names[0].End(), Tok: tok, Rhs: rhs})
	}
	return out, true
}

// lateDecls reports, per declaration of a cell, whether it uses a name its
// statements define, directly or through another late declaration. Such a
// declaration must run after the statements, not be hoisted before them.
func lateDecls(decls []ast.Decl, stmts []ast.Stmt) []bool {
	late := map[string]bool{}
	for _, st := range stmts {
		for _, n := range stmtDefines(st) {
			late[n] = true
		}
	}
	isLate := make([]bool, len(decls))
	for changed := len(late) > 0; changed; {
		changed = false
		for i, d := range decls {
			if !isLate[i] && refersTo(d, late) {
				isLate[i] = true
				for _, n := range declNames(d) {
					late[n] = true
				}
				changed = true
			}
		}
	}
	return isLate
}
