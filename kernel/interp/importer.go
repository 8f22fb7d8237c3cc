package interp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// symImporter is a go/types importer built from yaegi export tables: the
// same compiled symbols the interpreter calls, described to the type
// checker through reflection. The generic packages the kernel implements in
// Go source (prelude.go) are type-checked from that source.
type symImporter struct {
	mu     sync.Mutex
	syms   map[string]map[string]reflect.Value // import path -> exports
	names  map[string]string                   // import path -> package name
	pkgs   map[string]*types.Package
	named  map[reflect.Type]*types.Named
	fset   *token.FileSet
	source map[string]string // import path -> Go source of a prelude package
}

func newSymImporter(extra []map[string]map[string]reflect.Value) *symImporter {
	im := &symImporter{
		syms:   map[string]map[string]reflect.Value{},
		names:  map[string]string{},
		pkgs:   map[string]*types.Package{},
		named:  map[reflect.Type]*types.Named{},
		fset:   token.NewFileSet(),
		source: map[string]string{},
	}
	add := func(all map[string]map[string]reflect.Value) {
		for k, v := range all {
			name := lastElem(k)
			path := strings.TrimSuffix(k, "/"+name)
			if im.syms[path] == nil {
				im.syms[path] = map[string]reflect.Value{}
			}
			for n, x := range v {
				im.syms[path][n] = x
			}
			im.names[path] = name
		}
	}
	add(stdlibSymbols())
	for _, e := range extra {
		add(e)
	}
	for _, src := range preludeSources() {
		im.source[src.path] = src.text
		im.names[src.path] = lastElem(src.path)
	}
	return im
}

// Import implements types.Importer.
func (im *symImporter) Import(path string) (*types.Package, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	return im.importLocked(path)
}

func (im *symImporter) importLocked(path string) (*types.Package, error) {
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	if p := im.pkgs[path]; p != nil && p.Complete() {
		return p, nil
	}
	if src, ok := im.source[path]; ok {
		f, err := parser.ParseFile(im.fset, path+".go", src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		conf := types.Config{Importer: lockedImporter{im}, Error: func(error) {}}
		p, _ := conf.Check(path, im.fset, []*ast.File{f}, nil)
		im.pkgs[path] = p
		return p, nil
	}
	exports, ok := im.syms[path]
	if !ok {
		return nil, fmt.Errorf("package %q is not available", path)
	}
	p := im.pkgLocked(path)
	scope := p.Scope()
	names := make([]string, 0, len(exports))
	for n := range exports {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := exports[n]
		if strings.HasPrefix(n, "_") || scope.Lookup(n) != nil || !v.IsValid() {
			continue
		}
		var obj types.Object
		switch {
		case v.Kind() == reflect.Pointer && v.IsNil() && !v.CanAddr():
			// A type: exported as (*T)(nil).
			t := im.typeOf(v.Type().Elem())
			if nt, ok := t.(*types.Named); ok && nt.Obj().Pkg() == p {
				obj = nt.Obj()
			} else {
				obj = types.NewTypeName(token.NoPos, p, n, t)
			}
		case v.CanAddr():
			obj = types.NewVar(token.NoPos, p, n, im.typeOf(v.Type()))
		case v.Kind() == reflect.Func:
			obj = types.NewFunc(token.NoPos, p, n, im.signature(v.Type(), nil))
		default:
			if cv, ok := v.Interface().(constant.Value); ok {
				obj = types.NewConst(token.NoPos, p, n, untypedFor(cv), cv)
			} else if c := constOf(v); c != nil {
				obj = types.NewConst(token.NoPos, p, n, im.typeOf(v.Type()), c)
			} else {
				obj = types.NewVar(token.NoPos, p, n, im.typeOf(v.Type()))
			}
		}
		scope.Insert(obj)
	}
	p.MarkComplete()
	return p, nil
}

type lockedImporter struct{ im *symImporter }

func (l lockedImporter) Import(path string) (*types.Package, error) { return l.im.importLocked(path) }

func (im *symImporter) pkgLocked(path string) *types.Package {
	if p := im.pkgs[path]; p != nil {
		return p
	}
	name := im.names[path]
	if name == "" {
		name = lastElem(path)
	}
	p := types.NewPackage(path, name)
	im.pkgs[path] = p
	return p
}

func untypedFor(c constant.Value) types.Type {
	switch c.Kind() {
	case constant.Bool:
		return types.Typ[types.UntypedBool]
	case constant.String:
		return types.Typ[types.UntypedString]
	case constant.Int:
		return types.Typ[types.UntypedInt]
	case constant.Float:
		return types.Typ[types.UntypedFloat]
	case constant.Complex:
		return types.Typ[types.UntypedComplex]
	}
	return types.Typ[types.Invalid]
}

func constOf(v reflect.Value) constant.Value {
	switch v.Kind() {
	case reflect.Bool:
		return constant.MakeBool(v.Bool())
	case reflect.String:
		return constant.MakeString(v.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return constant.MakeInt64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return constant.MakeUint64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return constant.MakeFloat64(v.Float())
	}
	return nil
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

// typeOf converts a reflect type to a go/types type.
func (im *symImporter) typeOf(t reflect.Type) types.Type {
	if t == errorType {
		return types.Universe.Lookup("error").Type()
	}
	if t.Name() != "" {
		if t.PkgPath() == "" {
			if o := types.Universe.Lookup(t.Name()); o != nil {
				return o.Type()
			}
		}
		if t.Kind() == reflect.UnsafePointer {
			return types.Typ[types.UnsafePointer]
		}
		if t.PkgPath() != "" {
			return im.namedOf(t)
		}
	}
	return im.structure(t)
}

// structure converts the shape of t, ignoring its name.
func (im *symImporter) structure(t reflect.Type) types.Type {
	switch t.Kind() {
	case reflect.Pointer:
		return types.NewPointer(im.typeOf(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(im.typeOf(t.Elem()))
	case reflect.Array:
		return types.NewArray(im.typeOf(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(im.typeOf(t.Key()), im.typeOf(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, im.typeOf(t.Elem()))
	case reflect.Func:
		return im.signature(t, nil)
	case reflect.Struct:
		var fields []*types.Var
		var tags []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			fields = append(fields, types.NewField(token.NoPos, im.pkgLocked(f.PkgPath), f.Name, im.typeOf(f.Type), f.Anonymous))
			tags = append(tags, string(f.Tag))
		}
		return types.NewStruct(fields, tags)
	case reflect.Interface:
		var methods []*types.Func
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			methods = append(methods, types.NewFunc(token.NoPos, im.pkgLocked(m.PkgPath), m.Name, im.signature(m.Type, nil)))
		}
		it := types.NewInterfaceType(methods, nil)
		it.Complete()
		return it
	}
	if b := basicOf(t.Kind()); b != nil {
		return b
	}
	return types.Typ[types.Invalid]
}

func basicOf(k reflect.Kind) types.Type {
	m := map[reflect.Kind]types.BasicKind{
		reflect.Bool: types.Bool, reflect.Int: types.Int, reflect.Int8: types.Int8, reflect.Int16: types.Int16,
		reflect.Int32: types.Int32, reflect.Int64: types.Int64, reflect.Uint: types.Uint, reflect.Uint8: types.Uint8,
		reflect.Uint16: types.Uint16, reflect.Uint32: types.Uint32, reflect.Uint64: types.Uint64,
		reflect.Uintptr: types.Uintptr, reflect.Float32: types.Float32, reflect.Float64: types.Float64,
		reflect.Complex64: types.Complex64, reflect.Complex128: types.Complex128, reflect.String: types.String,
		reflect.UnsafePointer: types.UnsafePointer,
	}
	if b, ok := m[k]; ok {
		return types.Typ[b]
	}
	return nil
}

func (im *symImporter) namedOf(t reflect.Type) types.Type {
	if n := im.named[t]; n != nil {
		return n
	}
	p := im.pkgLocked(t.PkgPath())
	tn := types.NewTypeName(token.NoPos, p, t.Name(), nil)
	n := types.NewNamed(tn, nil, nil)
	im.named[t] = n
	if p.Scope().Lookup(t.Name()) == nil && !p.Complete() {
		p.Scope().Insert(tn)
	}
	n.SetUnderlying(im.structure(t).Underlying())
	if t.Kind() != reflect.Interface {
		recv := types.NewVar(token.NoPos, p, "", n)
		seen := map[string]bool{}
		for i := 0; i < t.NumMethod(); i++ {
			m := t.Method(i)
			seen[m.Name] = true
			n.AddMethod(types.NewFunc(token.NoPos, p, m.Name, im.signature(m.Type, recv)))
		}
		pt := reflect.PointerTo(t)
		precv := types.NewVar(token.NoPos, p, "", types.NewPointer(n))
		for i := 0; i < pt.NumMethod(); i++ {
			m := pt.Method(i)
			if seen[m.Name] {
				continue
			}
			n.AddMethod(types.NewFunc(token.NoPos, p, m.Name, im.signature(m.Type, precv)))
		}
	}
	return n
}

func (im *symImporter) signature(t reflect.Type, recv *types.Var) *types.Signature {
	start := 0
	if recv != nil {
		start = 1 // method types from reflect.Type.Method include the receiver
	}
	var params, results []*types.Var
	for i := start; i < t.NumIn(); i++ {
		params = append(params, types.NewParam(token.NoPos, nil, "", im.typeOf(t.In(i))))
	}
	for i := 0; i < t.NumOut(); i++ {
		results = append(results, types.NewParam(token.NoPos, nil, "", im.typeOf(t.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(params...), types.NewTuple(results...), t.IsVariadic())
}
