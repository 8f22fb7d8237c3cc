package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// Notes about known gaps.
//
// Where the kernel cannot give Go's answer and can tell from the cell's
// source that the answer may differ, Eval writes a note to Options.Stderr
// before running the cell.
//
// Nil pointers in interfaces: in Go, a nil *T stored in an interface makes a non-nil interface (the
// classic "nil error that is not nil"). yaegi stores it as a nil
// interface, and the information is lost at the conversion, so the kernel
// cannot give Go's answer. It says so when a function of the cell
// returns, as an interface, a pointer variable of a session type declared
// without a value (var p *MyErr ... return p).
//
// Assertions from a compiled interface to a session value type: yaegi's
// method wrapper for error (fmt.Stringer, ...) does not keep a session
// value that is not a pointer, so err.(MyErr) fails (ok is false); the note
// names the assertion (err.(*MyErr) works).

// nilPointerNotes returns the notes for the cell's declarations and
// statements, in source order.
func nilPointerNotes(info *cellInfo, fset *token.FileSet, roots []ast.Node) []string {
	if info == nil || info.info == nil {
		return nil
	}
	type note struct {
		pos token.Pos
		msg string
	}
	var notes []note
	var visitFunc func(sig *types.Signature, body *ast.BlockStmt)
	visitFunc = func(sig *types.Signature, body *ast.BlockStmt) {
		if sig == nil || body == nil || sig.Results().Len() == 0 {
			return
		}
		unset := map[types.Object]bool{}
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				s, _ := info.typeOf(n).(*types.Signature)
				visitFunc(s, n.Body)
				return false
			case *ast.ValueSpec:
				if len(n.Values) > 0 {
					return true
				}
				for _, id := range n.Names {
					if o := info.info.Defs[id]; o != nil {
						if p, ok := o.Type().(*types.Pointer); ok && sessionType(p.Elem()) {
							unset[o] = true
						}
					}
				}
			case *ast.ReturnStmt:
				if len(n.Results) != sig.Results().Len() {
					return true
				}
				for i, r := range n.Results {
					id, ok := ast.Unparen(r).(*ast.Ident)
					if !ok || !unset[info.info.Uses[id]] {
						continue
					}
					rt := sig.Results().At(i).Type()
					if _, ok := rt.Underlying().(*types.Interface); !ok {
						continue
					}
					_, line := splitLine(fset.Position(r.Pos()).Line)
					notes = append(notes, note{r.Pos(), fmt.Sprintf(
						"golab: note: line %d returns %s (a %s) as %s: if it is nil, the interpreter returns a nil %s, where Go returns a non-nil %s holding a nil pointer (a known gap of the kernel)",
						line, id.Name, types.TypeString(info.info.Uses[id].Type(), types.RelativeTo(info.pkg)),
						types.TypeString(rt, types.RelativeTo(info.pkg)),
						types.TypeString(rt, types.RelativeTo(info.pkg)), types.TypeString(rt, types.RelativeTo(info.pkg)))})
				}
			}
			return true
		})
	}
	// Assertions from a compiled interface to a session value type.
	assertNote := func(x, typ ast.Expr) {
		xt, tt := info.typeOf(x), info.typeOf(typ)
		if xt == nil || tt == nil || !sessionType(tt) || sessionType(xt) {
			return
		}
		it, ok := xt.Underlying().(*types.Interface)
		if !ok || it.Empty() {
			return
		}
		if _, ok := tt.Underlying().(*types.Interface); ok {
			return
		}
		rel := types.RelativeTo(info.pkg)
		_, line := splitLine(fset.Position(typ.Pos()).Line)
		ts := types.TypeString(tt, rel)
		notes = append(notes, note{typ.Pos(), fmt.Sprintf(
			"golab: note: line %d asserts to %s: the interpreter does not find %s value (not a pointer) stored in %s, so the assertion fails (a known gap of the kernel); a pointer type (*%s) works",
			line, ts, article(ts), article(types.TypeString(xt, rel)), ts)})
	}
	// Session structs with unexported fields handed to reflective code.
	noted := map[*types.Named]bool{}
	for _, root := range roots {
		ast.Inspect(root, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			pn, ok := info.info.Uses[x].(*types.PkgName)
			if !ok || !reflectivePkg(pn.Imported().Path()) {
				return true
			}
			for _, a := range c.Args {
				st, fields := unexportedFields(info.typeOf(a))
				if st == nil || noted[st] {
					continue
				}
				noted[st] = true
				_, line := splitLine(fset.Position(a.Pos()).Line)
				name := types.TypeString(st, types.RelativeTo(info.pkg))
				notes = append(notes, note{a.Pos(), fmt.Sprintf(
					"golab: note: line %d passes %s to %s.%s: the interpreter exports the unexported fields of session types (%s becomes X%s), so reflection and encoders see them under that name (a known gap of the kernel)",
					line, name, pn.Name(), sel.Sel.Name, fields[0], fields[0])})
			}
			return true
		})
	}
	for _, root := range roots {
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeAssertExpr:
				if n.Type != nil {
					assertNote(n.X, n.Type)
				}
			case *ast.TypeSwitchStmt:
				var x ast.Expr
				switch a := n.Assign.(type) {
				case *ast.AssignStmt:
					if len(a.Rhs) == 1 {
						if ta, ok := a.Rhs[0].(*ast.TypeAssertExpr); ok {
							x = ta.X
						}
					}
				case *ast.ExprStmt:
					if ta, ok := a.X.(*ast.TypeAssertExpr); ok {
						x = ta.X
					}
				}
				if x != nil {
					for _, st := range n.Body.List {
						for _, te := range st.(*ast.CaseClause).List {
							assertNote(x, te)
						}
					}
				}
			}
			return true
		})
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if o := info.info.Defs[n.Name]; o != nil {
					s, _ := o.Type().(*types.Signature)
					visitFunc(s, n.Body)
				}
				return false
			case *ast.FuncLit:
				s, _ := info.typeOf(n).(*types.Signature)
				visitFunc(s, n.Body)
				return false
			}
			return true
		})
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].pos < notes[j].pos })
	var out []string
	for _, n := range notes {
		out = append(out, n.msg)
	}
	return out
}

// article returns s preceded by "a" or "an".
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// unexportedFields returns the session struct type behind t (through
// pointers, slices, arrays and maps) and the names of its unexported
// fields, or nil when it has none.
func unexportedFields(t types.Type) (*types.Named, []string) {
	for i := 0; t != nil && i < 8; i++ {
		switch u := types.Unalias(t).(type) {
		case *types.Pointer:
			t = u.Elem()
			continue
		case *types.Slice:
			t = u.Elem()
			continue
		case *types.Array:
			t = u.Elem()
			continue
		case *types.Map:
			t = u.Elem()
			continue
		case *types.Named:
			if !sessionType(u) {
				return nil, nil
			}
			st, ok := u.Underlying().(*types.Struct)
			if !ok {
				return nil, nil
			}
			var names []string
			for j := 0; j < st.NumFields(); j++ {
				if f := st.Field(j); !f.Exported() && f.Name() != "_" {
					names = append(names, f.Name())
				}
			}
			if len(names) == 0 {
				return nil, nil
			}
			return u, names
		}
		return nil, nil
	}
	return nil, nil
}
