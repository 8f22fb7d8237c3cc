// Package symbols holds the yaegi export tables of GoLab's libraries, so
// notebook cells can call the compiled code. It is the only kernel
// package that imports the libraries; cmd/golab hands [All] to the kernel.
//
// The tables are generated: run `go generate ./kernel/symbols` after
// changing an exported API (make check fails when they are stale).
package symbols

import "reflect"

//go:generate go run github.com/traefik/yaegi/cmd/yaegi@v0.16.1 extract github.com/golab-dev/golab/kernel/display github.com/golab-dev/golab/plotting github.com/golab-dev/golab/dataframe github.com/golab-dev/golab/cluster

// Symbols is filled by the generated files, keyed "importpath/name".
var Symbols = map[string]map[string]reflect.Value{}

// All returns the export tables for the interpreter.
func All() []map[string]map[string]reflect.Value {
	return []map[string]map[string]reflect.Value{Symbols}
}
