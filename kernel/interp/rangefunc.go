package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// rangeFunc rewrites a range over a function the way the Go compiler does:
//
//	for k, v := range seq { body }
//
// becomes
//
//	{ var ctl int; var r0 R0 ...
//	  seq(func(k K, v V) bool { body'; return true })
//	  if ctl == 1 { return r0, ... }          // a return inside body
//	  if ctl == 2 { break L }                 // a branch to an outer label
//	}
//
// where body' turns continue into "return true", break into "return
// false", and returns and outer branches into "ctl = n; return false".
// Loop variables are the closure's parameters, so each iteration has its
// own, as in Go 1.22.
func (rw *rewriter) rangeFunc(s *ast.RangeStmt, sig *types.Signature) ast.Stmt {
	if sig.Params().Len() != 1 {
		return nil
	}
	yield, ok := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if !ok || yield.Results().Len() != 1 || yield.Params().Len() > 2 {
		return nil
	}
	nv := yield.Params().Len()
	ctl := rw.name("Ctl")
	params := &ast.FieldList{}
	var assign []ast.Stmt
	vars := []ast.Expr{s.Key, s.Value}
	for i := 0; i < nv; i++ {
		ts := rw.info.typeString(yield.Params().At(i).Type())
		if ts == "" {
			rw.err = unsupported(rw.fset, s.For, "range over this function: its element type cannot be named in the cell")
			return nil
		}
		var name *ast.Ident
		v := vars[i]
		switch {
		case v == nil:
			name = ast.NewIdent("_")
		case s.Tok == token.DEFINE:
			name = ast.NewIdent(v.(*ast.Ident).Name)
		default:
			name = rw.name("V")
			assign = append(assign, &ast.AssignStmt{Lhs: []ast.Expr{v}, Tok: token.ASSIGN, Rhs: []ast.Expr{ast.NewIdent(name.Name)}})
		}
		params.List = append(params.List, &ast.Field{Names: []*ast.Ident{name}, Type: typeExpr(ts)})
	}

	// Results of the enclosing function, for return statements in body.
	var results []*ast.Ident
	var decls []ast.Stmt
	encl := rw.encl[s]
	if encl != nil {
		for i := 0; i < encl.Results().Len(); i++ {
			r := encl.Results().At(i)
			ts := rw.info.typeString(r.Type())
			if ts == "" {
				rw.err = unsupported(rw.fset, s.For, "return inside a range over a function whose enclosing results cannot be named")
				return nil
			}
			id := rw.name("R")
			results = append(results, id)
			decls = append(decls, &ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{&ast.ValueSpec{Names: []*ast.Ident{id}, Type: typeExpr(ts)}}}})
		}
	}
	label := rw.labels[s]
	type exit struct {
		code int
		stmt ast.Stmt
	}
	var exits []exit
	usedReturn := false
	setCtl := func(code int) ast.Stmt {
		return &ast.AssignStmt{Lhs: []ast.Expr{ast.NewIdent(ctl.Name)}, Tok: token.ASSIGN, Rhs: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: fmt.Sprint(code)}}}
	}
	retBool := func(b bool) ast.Stmt {
		return &ast.ReturnStmt{Results: []ast.Expr{ast.NewIdent(fmt.Sprint(b))}}
	}
	var conv func(list []ast.Stmt, loops, breaks int) []ast.Stmt
	var convStmt func(st ast.Stmt, loops, breaks int) ast.Stmt
	convStmt = func(st ast.Stmt, loops, breaks int) ast.Stmt {
		switch st := st.(type) {
		case *ast.BranchStmt:
			switch {
			case st.Tok == token.GOTO:
				rw.err = unsupported(rw.fset, st.Pos(), "goto inside a range over a function")
			case st.Tok == token.FALLTHROUGH:
			case st.Label == nil && st.Tok == token.CONTINUE && loops == 0,
				st.Label != nil && st.Tok == token.CONTINUE && st.Label.Name == label:
				return retBool(true)
			case st.Label == nil && st.Tok == token.BREAK && breaks == 0,
				st.Label != nil && st.Tok == token.BREAK && st.Label.Name == label:
				return retBool(false)
			case st.Label != nil && !innerLabel(s, st.Label.Name):
				code := len(exits) + 2
				exits = append(exits, exit{code, &ast.BranchStmt{Tok: st.Tok, Label: ast.NewIdent(st.Label.Name)}})
				return &ast.BlockStmt{List: []ast.Stmt{setCtl(code), retBool(false)}}
			}
		case *ast.ReturnStmt:
			if encl == nil {
				return nil
			}
			usedReturn = true
			list := []ast.Stmt{}
			if len(st.Results) > 0 {
				var lhs []ast.Expr
				for _, r := range results {
					lhs = append(lhs, ast.NewIdent(r.Name))
				}
				list = append(list, &ast.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: st.Results})
			} else if len(results) > 0 {
				// Bare return with named results: copy them out.
				var lhs, rhs []ast.Expr
				for i, r := range results {
					lhs = append(lhs, ast.NewIdent(r.Name))
					rhs = append(rhs, ast.NewIdent(encl.Results().At(i).Name()))
				}
				list = append(list, &ast.AssignStmt{Lhs: lhs, Tok: token.ASSIGN, Rhs: rhs})
			}
			list = append(list, setCtl(1), retBool(false))
			return &ast.BlockStmt{Lbrace: st.Pos(), List: list}
		case *ast.BlockStmt:
			st.List = conv(st.List, loops, breaks)
		case *ast.IfStmt:
			st.Body.List = conv(st.Body.List, loops, breaks)
			if st.Else != nil {
				if r := convStmt(st.Else, loops, breaks); r != nil {
					st.Else = r
				}
			}
		case *ast.LabeledStmt:
			if r := convStmt(st.Stmt, loops, breaks); r != nil {
				st.Stmt = r
			}
		case *ast.ForStmt:
			st.Body.List = conv(st.Body.List, loops+1, breaks+1)
		case *ast.RangeStmt:
			st.Body.List = conv(st.Body.List, loops+1, breaks+1)
		case *ast.SwitchStmt:
			for _, c := range st.Body.List {
				c.(*ast.CaseClause).Body = conv(c.(*ast.CaseClause).Body, loops, breaks+1)
			}
		case *ast.TypeSwitchStmt:
			for _, c := range st.Body.List {
				c.(*ast.CaseClause).Body = conv(c.(*ast.CaseClause).Body, loops, breaks+1)
			}
		case *ast.SelectStmt:
			for _, c := range st.Body.List {
				c.(*ast.CommClause).Body = conv(c.(*ast.CommClause).Body, loops, breaks+1)
			}
		}
		return nil
	}
	conv = func(list []ast.Stmt, loops, breaks int) []ast.Stmt {
		for i, st := range list {
			if r := convStmt(st, loops, breaks); r != nil {
				list[i] = r
			}
		}
		return list
	}
	body := conv(s.Body.List, 0, 0)
	fnBody := append(append([]ast.Stmt{}, assign...), body...)
	fnBody = append(fnBody, retBool(true))
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: s.For, Params: params, Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("bool")}}}},
		Body: &ast.BlockStmt{Lbrace: s.Body.Lbrace, List: fnBody, Rbrace: s.Body.Rbrace},
	}
	call := &ast.ExprStmt{X: &ast.CallExpr{Fun: s.X, Lparen: s.X.End(), Args: []ast.Expr{lit}, Rparen: s.Body.Rbrace}}
	list := []ast.Stmt{&ast.DeclStmt{Decl: &ast.GenDecl{Tok: token.VAR, Specs: []ast.Spec{&ast.ValueSpec{Names: []*ast.Ident{ctl}, Type: ast.NewIdent("int")}}}}}
	list = append(list, decls...)
	list = append(list, call)
	ctlIs := func(code int) ast.Expr {
		return &ast.BinaryExpr{X: ast.NewIdent(ctl.Name), Op: token.EQL, Y: &ast.BasicLit{Kind: token.INT, Value: fmt.Sprint(code)}}
	}
	if usedReturn {
		ret := &ast.ReturnStmt{}
		for _, r := range results {
			ret.Results = append(ret.Results, ast.NewIdent(r.Name))
		}
		list = append(list, &ast.IfStmt{Cond: ctlIs(1), Body: &ast.BlockStmt{List: []ast.Stmt{ret}}})
	}
	for _, e := range exits {
		list = append(list, &ast.IfStmt{Cond: ctlIs(e.code), Body: &ast.BlockStmt{List: []ast.Stmt{e.stmt}}})
	}
	return &ast.BlockStmt{Lbrace: s.For, List: list, Rbrace: s.Body.Rbrace}
}

// innerLabel reports whether label is declared inside the body of s.
func innerLabel(s *ast.RangeStmt, label string) bool {
	found := false
	ast.Inspect(s.Body, func(n ast.Node) bool {
		if l, ok := n.(*ast.LabeledStmt); ok && l.Label.Name == label {
			found = true
		}
		return !found
	})
	return found
}

// prepass records, for every range statement, the signature of its
// enclosing function and its label.
func (rw *rewriter) prepass(root ast.Node) {
	if rw.encl == nil {
		rw.encl = map[*ast.RangeStmt]*types.Signature{}
		rw.labels = map[*ast.RangeStmt]string{}
	}
	var stack []*types.Signature
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			var sig *types.Signature
			if o := rw.info.info.Defs[n.Name]; o != nil {
				sig, _ = o.Type().(*types.Signature)
			}
			if n.Body != nil {
				stack = append(stack, sig)
				ast.Inspect(n.Body, visit)
				stack = stack[:len(stack)-1]
			}
			return false
		case *ast.FuncLit:
			sig, _ := rw.info.typeOf(n).(*types.Signature)
			stack = append(stack, sig)
			ast.Inspect(n.Body, visit)
			stack = stack[:len(stack)-1]
			return false
		case *ast.LabeledStmt:
			if r, ok := n.Stmt.(*ast.RangeStmt); ok {
				rw.labels[r] = n.Label.Name
			}
		case *ast.RangeStmt:
			if len(stack) > 0 {
				rw.encl[n] = stack[len(stack)-1]
			}
		}
		return true
	}
	ast.Inspect(root, visit)
}
