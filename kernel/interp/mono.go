package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"strings"
)

// Monomorphization of the prelude packages (slices, maps, cmp).
//
// yaegi's generics fail on much of the prelude (functions returning
// closures, ~map[K]V constraints, generic calls inside generic bodies), so
// the kernel never hands it a generic prelude function: every instance a
// cell uses, such as slices.Sort[[]int, int], becomes an ordinary function
// (__golabM3) declared in the session, with the type parameters replaced by
// the concrete types and nested generic calls replaced by their own
// instances. Instances are cached per session.

// monoState is the per-session cache; guarded by Session.mu.
type monoState struct {
	names   map[string]string // instance key -> generated function name
	pending []string          // generated sources not yet compiled
	n       int
}

// monoName returns the name of the non-generic instance of prelude
// function pkg.fn for the given type arguments, generating it if needed.
func (s *Session) monoName(ci *cellInfo, pkg, fn string, targs []types.Type) (string, error) {
	st := &s.mu.mono
	if st.names == nil {
		st.names = map[string]string{}
	}
	var args []string
	for _, t := range targs {
		ts := ci.typeString(t)
		if ts == "" {
			return "", fmt.Errorf("type %s cannot be named in the session", t)
		}
		args = append(args, ts)
	}
	key := pkg + "." + fn + "[" + strings.Join(args, ",") + "]"
	if pkg == "main" {
		s.checker.mu.Lock()
		key += "\x00" + s.checker.decls[fn] // a redefinition is a new function
		s.checker.mu.Unlock()
	}
	if name, ok := st.names[key]; ok {
		return name, nil
	}
	st.n++
	name := fmt.Sprintf("%sM%d", hiddenPrefix, st.n)
	st.names[key] = name // before recursing, for recursive functions
	ok := false
	defer func() {
		if !ok {
			delete(st.names, key)
		}
	}()

	fset := token.NewFileSet()
	var file *ast.File
	var info *types.Info
	if pkg == "main" {
		// A generic function of the session: check its declaration in
		// the session model.
		s.checker.mu.Lock()
		src, ok := s.checker.decls[fn]
		s.checker.mu.Unlock()
		if !ok {
			return "", fmt.Errorf("no declaration of %s", fn)
		}
		f, err := parser.ParseFile(fset, srcName, "package main\n"+src, 0)
		if err != nil {
			return "", err
		}
		file = f
		ci2 := s.checker.checkCell(s.mu.imported, nil, f.Decls, nil, fset, false)
		info = ci2.info
	} else {
		var src string
		for _, p := range preludeSources() {
			if p.path == pkg {
				src = p.text
			}
		}
		f, err := parser.ParseFile(fset, pkg+".go", src, 0)
		if err != nil {
			return "", err
		}
		file = f
		info = &types.Info{
			Uses:      map[*ast.Ident]types.Object{},
			Defs:      map[*ast.Ident]types.Object{},
			Instances: map[*ast.Ident]types.Instance{},
			Types:     map[ast.Expr]types.TypeAndValue{},
		}
		conf := types.Config{Importer: s.checker.im, Error: func(error) {}}
		if _, err := conf.Check(pkg, fset, []*ast.File{file}, info); err != nil {
			return "", err
		}
	}
	var decl *ast.FuncDecl
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == fn && fd.Recv == nil {
			decl = fd
		}
	}
	if decl == nil || decl.Type.TypeParams == nil {
		return "", fmt.Errorf("%s.%s is not a generic prelude function", pkg, fn)
	}
	// Map type parameters to concrete types.
	sub := map[*types.TypeParam]types.Type{}
	i := 0
	for _, f := range decl.Type.TypeParams.List {
		for _, id := range f.Names {
			tn, ok := info.Defs[id].(*types.TypeName)
			if !ok || i >= len(targs) {
				return "", fmt.Errorf("type parameters of %s.%s", pkg, fn)
			}
			sub[tn.Type().(*types.TypeParam)] = targs[i]
			i++
		}
	}
	// Replace generic references (nested instances, then type parameters).
	var failed error
	replace := func(e ast.Expr) ast.Expr {
		// An instance already replaced inside an index expression:
		// drop the type arguments.
		switch x := e.(type) {
		case *ast.IndexExpr:
			if id, ok := x.X.(*ast.Ident); ok && strings.HasPrefix(id.Name, hiddenPrefix+"M") {
				return id
			}
		case *ast.IndexListExpr:
			if id, ok := x.X.(*ast.Ident); ok && strings.HasPrefix(id.Name, hiddenPrefix+"M") {
				return id
			}
		}
		var id *ast.Ident
		switch x := e.(type) {
		case *ast.Ident:
			id = x
		case *ast.SelectorExpr:
			id = x.Sel
		case *ast.IndexExpr:
			id = selIdent(x.X)
		case *ast.IndexListExpr:
			id = selIdent(x.X)
		}
		if id == nil {
			return nil
		}
		if inst, ok := info.Instances[id]; ok {
			obj, _ := info.Uses[id].(*types.Func)
			if obj == nil || obj.Pkg() == nil || obj.Type().(*types.Signature).Recv() != nil {
				return nil
			}
			if p := obj.Pkg().Path(); p != "main" && !genericPkgs[p] {
				return nil
			}
			var conc []types.Type
			for j := 0; j < inst.TypeArgs.Len(); j++ {
				conc = append(conc, substType(inst.TypeArgs.At(j), sub))
			}
			n, err := s.monoName(ci, obj.Pkg().Path(), obj.Name(), conc)
			if err != nil {
				failed = err
				return nil
			}
			return ast.NewIdent(n)
		}
		if x, ok := e.(*ast.Ident); ok {
			if tn, ok := info.Uses[x].(*types.TypeName); ok {
				if tp, ok := tn.Type().(*types.TypeParam); ok {
					ts := ci.typeString(sub[tp])
					if ts == "" {
						failed = fmt.Errorf("type %s cannot be named", sub[tp])
						return nil
					}
					return typeExpr(ts)
				}
			}
		}
		return nil
	}
	decl.Type.TypeParams = nil
	decl.Doc = nil
	decl.Name = ast.NewIdent(name)
	replaceExprs(decl, replace)
	if failed != nil {
		return "", failed
	}
	var b strings.Builder
	if err := printer.Fprint(&b, token.NewFileSet(), decl); err != nil {
		return "", err
	}
	st.pending = append(st.pending, b.String())
	ok = true
	return name, nil
}

// replaceExprs replaces expressions bottom-up wherever f returns non-nil,
// in every ast.Expr field and slice of n.
func replaceExprs(n ast.Node, f func(ast.Expr) ast.Expr) {
	rw := &rewriter{exprHook: f}
	walkValue(reflectValueOf(n), rw)
}

// substType replaces type parameters in t.
func substType(t types.Type, m map[*types.TypeParam]types.Type) types.Type {
	switch x := t.(type) {
	case *types.TypeParam:
		if c, ok := m[x]; ok {
			return c
		}
	case *types.Slice:
		return types.NewSlice(substType(x.Elem(), m))
	case *types.Pointer:
		return types.NewPointer(substType(x.Elem(), m))
	case *types.Array:
		return types.NewArray(substType(x.Elem(), m), x.Len())
	case *types.Map:
		return types.NewMap(substType(x.Key(), m), substType(x.Elem(), m))
	case *types.Chan:
		return types.NewChan(x.Dir(), substType(x.Elem(), m))
	case *types.Signature:
		sub := func(tu *types.Tuple) *types.Tuple {
			var vs []*types.Var
			for i := 0; i < tu.Len(); i++ {
				vs = append(vs, types.NewParam(token.NoPos, nil, tu.At(i).Name(), substType(tu.At(i).Type(), m)))
			}
			return types.NewTuple(vs...)
		}
		return types.NewSignatureType(nil, nil, nil, sub(x.Params()), sub(x.Results()), x.Variadic())
	}
	return t
}
