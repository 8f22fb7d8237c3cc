package interp

import (
	"go/ast"
	"go/token"
	"go/types"
)

// Index guards. yaegi indexes slices, arrays and strings through reflect,
// whose panic ("reflect: slice index out of range") lacks the index and
// the length Go prints. Before a statement that indexes unconditionally,
// the kernel inserts
//
//	if I >= len(X) || I < 0 { __golabIndexPanic(I, len(X)) }
//
// for each X[I] whose operands are side-effect-free; __golabIndexPanic
// raises the real runtime error from compiled code, so the message and
// the runtime.Error value are Go's ("index out of range [5] with length
// 3"). Loops (headers and bodies), the right operands of && and ||,
// function literals and indexes whose type is not int are left alone: in
// yaegi a guard costs about as much as the indexed statement, too much for
// a loop (BenchmarkIndexGuards).

// indexGuards switches the guards on (off only to measure their cost).
var indexGuards = true

// isIndexGuard reports a statement inserted by addIndexGuards.
func isIndexGuard(st ast.Stmt) bool {
	is, ok := st.(*ast.IfStmt)
	if !ok || is.Init != nil || is.Else != nil || len(is.Body.List) != 1 {
		return false
	}
	es, ok := is.Body.List[0].(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := call.Fun.(*ast.Ident)
	return ok && id.Name == hiddenPrefix+"IndexPanic"
}

// indexPanic raises Go's runtime error for index i into a length-n
// sequence (i is out of range).
func indexPanic(i, n int) {
	s := make([]struct{}, n)
	_ = s[i]
}

// addIndexGuards inserts index guards in every statement list under root.
func addIndexGuards(info *cellInfo, root ast.Node) {
	if info == nil || info.info == nil || root == nil {
		return
	}
	g := &guarder{info: info, rangeKeys: map[types.Object]ast.Expr{}}
	g.node(root)
}

type guarder struct {
	info *cellInfo
	// rangeKeys maps the key variable of an enclosing `for k := range X`
	// to X.
	rangeKeys map[types.Object]ast.Expr
}

func (g *guarder) node(root ast.Node) {
	// Statements inside loops are not guarded: in yaegi a guard costs
	// about as much as the indexing statement itself (BenchmarkIndexGuards).
	inLoop := map[ast.Node]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		var body *ast.BlockStmt
		switch n := n.(type) {
		case *ast.ForStmt:
			body = n.Body
		case *ast.RangeStmt:
			body = n.Body
		}
		if body != nil {
			ast.Inspect(body, func(m ast.Node) bool {
				switch m.(type) {
				case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
					inLoop[m] = true
				}
				return true
			})
		}
		return true
	})
	ast.Inspect(root, func(n ast.Node) bool {
		if inLoop[n] {
			return true
		}
		switch n := n.(type) {
		case *ast.BlockStmt:
			n.List = g.list(n.List)
		case *ast.CaseClause:
			n.Body = g.list(n.Body)
		case *ast.CommClause:
			n.Body = g.list(n.Body)
		case *ast.RangeStmt:
			if id, ok := n.Key.(*ast.Ident); ok && n.Tok == token.DEFINE {
				if o := g.info.info.Defs[id]; o != nil && !assigns(n.Body, map[string]bool{id.Name: true}) {
					g.rangeKeys[o] = n.X
				}
			}
		}
		return true
	})
}

func (g *guarder) list(stmts []ast.Stmt) []ast.Stmt {
	var out []ast.Stmt
	changed := false
	for _, st := range stmts {
		var guards []ast.Stmt
		for _, ix := range g.indexes(st) {
			if gs := g.guard(ix, st.Pos()); gs != nil {
				guards = append(guards, gs)
			}
		}
		if len(guards) > 0 {
			changed = true
		}
		out = append(out, guards...)
		out = append(out, st)
	}
	if !changed {
		return stmts
	}
	return out
}

// indexes lists the index expressions st evaluates unconditionally, each
// before the statement has any other effect that could change its operands
// (approximately: Go evaluates calls and indexes left to right).
func (g *guarder) indexes(st ast.Stmt) []*ast.IndexExpr {
	var roots []ast.Node
	switch s := st.(type) {
	case *ast.ExprStmt:
		roots = append(roots, s.X)
	case *ast.AssignStmt:
		for _, e := range s.Rhs {
			roots = append(roots, e)
		}
		if s.Tok != token.DEFINE {
			for _, e := range s.Lhs {
				roots = append(roots, e)
			}
		}
	case *ast.IncDecStmt:
		roots = append(roots, s.X)
	case *ast.ReturnStmt:
		for _, e := range s.Results {
			roots = append(roots, e)
		}
	case *ast.SendStmt:
		roots = append(roots, s.Chan, s.Value)
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, sp := range gd.Specs {
				for _, v := range sp.(*ast.ValueSpec).Values {
					roots = append(roots, v)
				}
			}
		}
	case *ast.IfStmt:
		if s.Init == nil {
			roots = append(roots, s.Cond)
		}
	case *ast.SwitchStmt:
		if s.Init == nil && s.Tag != nil {
			roots = append(roots, s.Tag)
		}
	}
	var out []*ast.IndexExpr
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				ast.Inspect(n.X, visit)
				return false
			}
		case *ast.IndexExpr:
			ast.Inspect(n.X, visit)
			ast.Inspect(n.Index, visit)
			out = append(out, n)
			return false
		}
		return true
	}
	for _, r := range roots {
		if r != nil {
			ast.Inspect(r, visit)
		}
	}
	return out
}

// guard returns the guard statement for ix, or nil.
func (g *guarder) guard(ix *ast.IndexExpr, pos token.Pos) ast.Stmt {
	t := g.info.typeOf(ix.X)
	if t == nil {
		return nil
	}
	if tv, ok := g.info.info.Types[ix.X]; ok && tv.IsType() {
		return nil // a generic instantiation
	}
	u := t.Underlying()
	if p, ok := u.(*types.Pointer); ok {
		u = p.Elem().Underlying()
		if _, ok := u.(*types.Array); !ok {
			return nil
		}
	}
	switch b := u.(type) {
	case *types.Slice, *types.Array:
	case *types.Basic:
		if b.Info()&types.IsString == 0 {
			return nil
		}
	default:
		return nil
	}
	it := g.info.typeOf(ix.Index)
	if it == nil {
		return nil
	}
	if b, ok := it.(*types.Basic); !ok || b.Kind() != types.Int && b.Kind() != types.UntypedInt {
		return nil // other index types would need conversions in the guard
	}
	if tv := g.info.info.Types[ix.Index]; tv.Value != nil {
		if _, isArr := u.(*types.Array); isArr {
			return nil // checked by the compiler
		}
		if tv2 := g.info.info.Types[ix.X]; tv2.Value != nil {
			return nil // constant string
		}
	}
	if id, ok := ix.Index.(*ast.Ident); ok {
		if x, ok := g.rangeKeys[g.info.info.Uses[id]]; ok && sameExpr(x, ix.X) {
			return nil // for k := range X { X[k] }
		}
	}
	x, i := copySimple(ix.X, pos), copySimple(ix.Index, pos)
	if x == nil || i == nil {
		return nil
	}
	lenX := func() ast.Expr {
		return &ast.CallExpr{Fun: &ast.Ident{NamePos: pos, Name: "len"}, Lparen: pos, Args: []ast.Expr{copySimple(x, pos)}, Rparen: pos}
	}
	// I >= len(X) || I < 0: conversions to uint cost more than the two
	// comparisons in yaegi.
	return &ast.IfStmt{
		If: pos,
		Cond: &ast.BinaryExpr{
			X:     &ast.BinaryExpr{X: i, OpPos: pos, Op: token.GEQ, Y: lenX()},
			OpPos: pos, Op: token.LOR,
			Y: &ast.BinaryExpr{X: copySimple(i, pos), OpPos: pos, Op: token.LSS, Y: &ast.BasicLit{ValuePos: pos, Kind: token.INT, Value: "0"}},
		},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: &ast.CallExpr{
			Fun: &ast.Ident{NamePos: pos, Name: hiddenPrefix + "IndexPanic"}, Lparen: pos,
			Args: []ast.Expr{copySimple(i, pos), lenX()}, Rparen: pos,
		}}}, Rbrace: pos},
	}
}

// copySimple returns a copy of a side-effect-free expression (names,
// literals, field selections, arithmetic, indexes of those) placed at pos,
// or nil for anything else.
func copySimple(e ast.Expr, pos token.Pos) ast.Expr {
	switch e := e.(type) {
	case *ast.Ident:
		return &ast.Ident{NamePos: pos, Name: e.Name}
	case *ast.BasicLit:
		return &ast.BasicLit{ValuePos: pos, Kind: e.Kind, Value: e.Value}
	case *ast.ParenExpr:
		if x := copySimple(e.X, pos); x != nil {
			return &ast.ParenExpr{Lparen: pos, X: x, Rparen: pos}
		}
	case *ast.SelectorExpr:
		if x := copySimple(e.X, pos); x != nil {
			return &ast.SelectorExpr{X: x, Sel: &ast.Ident{NamePos: pos, Name: e.Sel.Name}}
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.ADD, token.SUB, token.MUL, token.QUO, token.REM, token.AND, token.OR, token.XOR, token.SHL, token.SHR, token.AND_NOT:
			x, y := copySimple(e.X, pos), copySimple(e.Y, pos)
			if x != nil && y != nil {
				return &ast.BinaryExpr{X: x, OpPos: pos, Op: e.Op, Y: y}
			}
		}
	case *ast.UnaryExpr:
		if e.Op == token.SUB || e.Op == token.ADD || e.Op == token.XOR {
			if x := copySimple(e.X, pos); x != nil {
				return &ast.UnaryExpr{OpPos: pos, Op: e.Op, X: x}
			}
		}
	case *ast.CallExpr:
		// len(x), cap(x) (a shadowed len is not worth a type lookup here:
		// the guard would then fail to compile like the cell would)
		if id, ok := e.Fun.(*ast.Ident); ok && (id.Name == "len" || id.Name == "cap") && len(e.Args) == 1 && !e.Ellipsis.IsValid() {
			if x := copySimple(e.Args[0], pos); x != nil {
				return &ast.CallExpr{Fun: &ast.Ident{NamePos: pos, Name: id.Name}, Lparen: pos, Args: []ast.Expr{x}, Rparen: pos}
			}
		}
	case *ast.IndexExpr:
		x, i := copySimple(e.X, pos), copySimple(e.Index, pos)
		if x != nil && i != nil {
			return &ast.IndexExpr{X: x, Lbrack: pos, Index: i, Rbrack: pos}
		}
	}
	return nil
}

// sameExpr reports whether two simple expressions are spelled the same.
func sameExpr(a, b ast.Expr) bool {
	switch a := a.(type) {
	case *ast.Ident:
		b, ok := b.(*ast.Ident)
		return ok && a.Name == b.Name
	case *ast.SelectorExpr:
		b, ok := b.(*ast.SelectorExpr)
		return ok && a.Sel.Name == b.Sel.Name && sameExpr(a.X, b.X)
	case *ast.ParenExpr:
		return sameExpr(a.X, b)
	}
	return false
}
