package interp

import (
	"embed"
	"strings"
)

//go:embed prelude/*.go.txt
var preludeFS embed.FS

// preludeSource is the Go source of a package the kernel implements in
// interpreted Go because yaegi cannot call the compiled generic version.
type preludeSource struct {
	path, name string
	text       string // the Go source, as go/types checks it
	yaegiText  string // the same source under the package name yaegi loads
}

// yaegiPkg is the name under which yaegi loads prelude package p. yaegi
// keys source packages by package name and preloads its own (older)
// versions of slices, maps and cmp, so the prelude uses its own names and
// the session imports them under the standard names.
func yaegiPkg(p string) string { return "golab" + p }

// yaegiPrelude renames the package clause and the prelude imports.
func yaegiPrelude(src string) string {
	for _, p := range []string{"cmp", "iter", "slices", "maps"} {
		src = strings.Replace(src, "package "+p+"\n", "package "+yaegiPkg(p)+"\n", 1)
		src = strings.ReplaceAll(src, "import \""+p+"\"", "import "+p+" \""+yaegiPkg(p)+"\"")
	}
	return src
}

// preludeSources returns the prelude packages in dependency order.
func preludeSources() []preludeSource {
	var out []preludeSource
	for _, p := range []string{"cmp", "iter", "slices", "maps"} {
		b, err := preludeFS.ReadFile("prelude/" + p + ".go.txt")
		if err != nil {
			panic("interp: missing embedded prelude " + p) // build invariant
		}
		out = append(out, preludeSource{path: p, name: p + ".go", text: string(b), yaegiText: yaegiPrelude(string(b))})
	}
	return out
}

// preludeDecls are the session helpers the rewrites call. They are
// declared in every session (and in the type checker's model of it).
const preludeDecls = `
var __golabResults []any

type __golabStringer interface{ String() string }

func __golabAsError(e error) error {
	var v error = e
	return v
}

func __golabAsStringer(s __golabfmt.Stringer) __golabfmt.Stringer {
	var v __golabfmt.Stringer = s
	return v
}

func __golabMin[__golabT __golabOrdered](x __golabT, ys ...__golabT) __golabT {
	for _, y := range ys {
		if x != x {
			return x
		}
		if y != y || y < x {
			x = y
		}
	}
	return x
}

func __golabMax[__golabT __golabOrdered](x __golabT, ys ...__golabT) __golabT {
	for _, y := range ys {
		if x != x {
			return x
		}
		if y != y || y > x {
			x = y
		}
	}
	return x
}

type __golabOrdered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64 |
		~string
}

func __golabPull0(seq func(func() bool)) (func() bool, func()) {
	next, stop := __golabPull[struct{}](func(yield func(struct{}) bool) {
		seq(func() bool { return yield(struct{}{}) })
	})
	return func() bool {
		_, ok := next()
		return ok
	}, stop
}

func __golabPull[__golabV any](seq func(func(__golabV) bool)) (func() (__golabV, bool), func()) {
	req := make(chan bool)
	got := make(chan bool)
	fin := make(chan any, 1)
	var cur __golabV
	started, finished := false, false
	run := func() {
		done := false
		defer func() {
			if done {
				fin <- nil
				return
			}
			fin <- recover()
		}()
		if !<-req {
			done = true
			return
		}
		seq(func(v __golabV) bool {
			cur = v
			got <- true
			return <-req
		})
		done = true
	}
	next := func() (__golabV, bool) {
		var zero __golabV
		if finished {
			return zero, false
		}
		if !started {
			started = true
			go run()
		}
		req <- true
		select {
		case <-got:
			return cur, true
		case p := <-fin:
			finished = true
			if p != nil {
				panic(p)
			}
			return zero, false
		}
	}
	stop := func() {
		if finished {
			return
		}
		finished = true
		if !started {
			return
		}
		req <- false
		if p := <-fin; p != nil {
			panic(p)
		}
	}
	return next, stop
}

type __golabPair[__golabK, __golabV any] struct {
	k __golabK
	v __golabV
}

func __golabPull2[__golabK, __golabV any](seq func(func(__golabK, __golabV) bool)) (func() (__golabK, __golabV, bool), func()) {
	next, stop := __golabPull[__golabPair[__golabK, __golabV]](func(yield func(__golabPair[__golabK, __golabV]) bool) {
		seq(func(k __golabK, v __golabV) bool { return yield(__golabPair[__golabK, __golabV]{k, v}) })
	})
	return func() (__golabK, __golabV, bool) {
		p, ok := next()
		return p.k, p.v, ok
	}, stop
}
`

// preludeMain declares the session's internal helpers and the ctx variable.
var preludeMain = `import (
	__golabcontext "context"
	__golabfmt "fmt"
	__golabio "io"
	__golabrt "golab.dev/rt"
	__golabcell "github.com/golab-dev/golab/kernel/interp/internal/cellvalue"
)

var ctx __golabcontext.Context

var __golabPos string

func __golabGoPanic(v any) { __golabrt.GoPanic(v) }


func __golabClear(x any) { __golabrt.Clear(x) }

func __golabIndexPanic(i, n int) { __golabrt.IndexPanic(i, n) }

func __golabStdin() __golabio.Reader { return __golabrt.Stdin() }

func __golabCompiled(v any) bool { return __golabrt.Compiled(v) }

func __golabUnexport(v any, names ...string) any { return __golabrt.Unexport(v, names...) }

func __golabGoSyntax(v any, names []string, zeros []any, types []string) any {
	return __golabrt.GoSyntax(v, names, zeros, types)
}

func __golabIValue(err error) any { return __golabrt.IValue(err) }

func __golabSortInts(x []int) { __golabrt.SortInts(x) }

func __golabSortFloat64s(x []float64) { __golabrt.SortFloat64s(x) }

func __golabSortStrings(x []string) { __golabrt.SortStrings(x) }

func __golabUnwrap(e error) []error {
	if u, ok := __golabIValue(e).(interface{ Unwrap() error }); ok {
		return []error{u.Unwrap()}
	}
	if u, ok := __golabIValue(e).(interface{ Unwrap() []error }); ok {
		return u.Unwrap()
	}
	return __golabrt.Unwrap(e)
}

func __golabCapture(v ...any) []any { return v }

func __golabAsMIME(x __golabcell.MIME) __golabcell.MIME {
	var v __golabcell.MIME = x
	return v
}

func __golabAsMIMEString(x __golabcell.MIMEString) __golabcell.MIMEString {
	var v __golabcell.MIMEString = x
	return v
}

func __golabAsMIMEError(x __golabcell.MIMEError) __golabcell.MIMEError {
	var v __golabcell.MIMEError = x
	return v
}

func __golabGoRecover() {
	if r := recover(); r != nil {
		__golabGoPanic(r)
	}
}
` + preludeDecls

// isPreludeName reports kernel-internal identifiers.
func isPreludeName(name string) bool { return strings.HasPrefix(name, hiddenPrefix) }
