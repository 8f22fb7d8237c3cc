package interp

import (
	"reflect"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// dropRoots forgets the AST roots yaegi keeps of every compiled program.
// yaegi appends each Eval's tree to Interpreter.roots and reads that list
// only in its debugger, so a long session would grow by about 2 KiB per
// cell for nothing. Declarations stay reachable through their scopes.
// The field is that of the pinned yaegi v0.16.1; if it is missing, this
// does nothing.
func dropRoots(in *yaegi.Interpreter) {
	f := reflect.ValueOf(in).Elem().FieldByName("roots")
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.Zero(f.Type()))
}
