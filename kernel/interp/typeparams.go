package interp

import (
	"go/ast"
	"go/types"
)

// hideTypeParams renames the type parameters of the cell's generic
// declarations (func Map[T, U any], type Stack[T any]) to kernel names.
// yaegi enters a generic declaration's type parameters in the package
// scope with no type, so a later `type T int; var v T = 5` in the session
// failed with "nil reflect type". The checker has recorded the
// declarations under the user's names before this runs, so completion,
// inspection and monomorphization (mono.go) are unaffected.
func hideTypeParams(info *cellInfo, decls []ast.Decl) {
	if info == nil || info.info == nil {
		return
	}
	for _, d := range decls {
		if !hasTypeParams(d) {
			continue
		}
		ast.Inspect(d, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.info.ObjectOf(id)
			if tn, ok := obj.(*types.TypeName); ok {
				if _, ok := tn.Type().(*types.TypeParam); ok {
					id.Name = typeParamName(id.Name)
				}
			}
			return true
		})
	}
}

// typeParamName is the kernel name of a type parameter.
func typeParamName(name string) string {
	if isPreludeName(name) {
		return name
	}
	return hiddenPrefix + "P_" + name
}

// hasTypeParams reports whether d declares a generic function or type.
func hasTypeParams(d ast.Decl) bool {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Type.TypeParams != nil && len(d.Type.TypeParams.List) > 0 {
			return true
		}
		// A method of a generic type names the type's parameters in its
		// receiver: func (s *Stack[T]) Push(v T).
		if d.Recv != nil && len(d.Recv.List) == 1 {
			t := d.Recv.List[0].Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			switch t.(type) {
			case *ast.IndexExpr, *ast.IndexListExpr:
				return true
			}
		}
	case *ast.GenDecl:
		for _, sp := range d.Specs {
			if ts, ok := sp.(*ast.TypeSpec); ok && ts.TypeParams != nil && len(ts.TypeParams.List) > 0 {
				return true
			}
		}
	}
	return false
}
