// Package cellvalue holds the compiled interfaces (and their yaegi wrapper
// types) through which values of types declared in notebook cells reach
// compiled code with their methods: yaegi builds a method-carrying wrapper
// only when an interpreted value is converted to a compiled interface that
// has a wrapper in the symbol table.
//
// The kernel converts, in interpreted code, a cell value whose static type
// has a MIMEBundle() map[string]any method to [MIME], [MIMEString] or
// [MIMEError], so that display.Render (a type assertion to
// display.MIMEBundler) and fmt both see the interpreted methods.
package cellvalue

import "reflect"

// MIME is satisfied by display.MIMEBundler implementations.
type MIME interface {
	MIMEBundle() map[string]any
}

// MIMEString is a MIME value that is also a fmt.Stringer.
type MIMEString interface {
	MIMEBundle() map[string]any
	String() string
}

// MIMEError is a MIME value that is also an error.
type MIMEError interface {
	MIMEBundle() map[string]any
	Error() string
}

// Path is the import path under which [Symbols] must be registered: yaegi
// finds a wrapper by the interface's package path and name.
const Path = "github.com/golab-dev/golab/kernel/interp/internal/cellvalue"

// Symbols returns the yaegi export table of this package.
func Symbols() map[string]map[string]reflect.Value {
	return map[string]map[string]reflect.Value{
		Path + "/cellvalue": {
			"MIME":        reflect.ValueOf((*MIME)(nil)),
			"MIMEString":  reflect.ValueOf((*MIMEString)(nil)),
			"MIMEError":   reflect.ValueOf((*MIMEError)(nil)),
			"_MIME":       reflect.ValueOf((*_MIME)(nil)),
			"_MIMEString": reflect.ValueOf((*_MIMEString)(nil)),
			"_MIMEError":  reflect.ValueOf((*_MIMEError)(nil)),
		},
	}
}

// The wrappers follow yaegi's layout: IValue holds the interpreted value,
// each further field (method name prefixed with W) its method.

type _MIME struct {
	IValue      any
	WMIMEBundle func() map[string]any
}

func (w _MIME) MIMEBundle() map[string]any { return w.WMIMEBundle() }

type _MIMEString struct {
	IValue      any
	WMIMEBundle func() map[string]any
	WString     func() string
}

func (w _MIMEString) MIMEBundle() map[string]any { return w.WMIMEBundle() }
func (w _MIMEString) String() string             { return w.WString() }

type _MIMEError struct {
	IValue      any
	WError      func() string
	WMIMEBundle func() map[string]any
}

func (w _MIMEError) MIMEBundle() map[string]any { return w.WMIMEBundle() }
func (w _MIMEError) Error() string              { return w.WError() }
