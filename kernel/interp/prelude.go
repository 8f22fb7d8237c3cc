package interp

type preludeSource struct{ name, text string }

func preludeSources() []preludeSource { return nil }

// preludeMain declares the session's internal helpers and the ctx variable.
const preludeMain = `import (
	__golabcontext "context"
	__golabrt "golab.dev/rt"
)

var ctx __golabcontext.Context

var __golabResults []any

func __golabCapture(v ...any) []any { return v }

func __golabGoRecover() {
	if r := recover(); r != nil {
		__golabrt.GoPanic(r)
	}
}
`
