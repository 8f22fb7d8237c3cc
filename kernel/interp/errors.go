package interp

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
)

// ErrInterrupted is returned (wrapped) by [Session.Eval] when the cell's
// context is cancelled before the cell finishes.
var ErrInterrupted = errors.New("interp: cell interrupted")

// ErrUnsupported is wrapped by errors about Go constructs the interpreter
// cannot run; the message names the construct in plain words.
var ErrUnsupported = errors.New("interp: construct not supported by the interpreter")

// CellError is a compile-time error in a cell: a syntax error, a type error
// or an unsupported construct. Line and Col are 1-based and count in the
// cell's own text (not in the program the kernel generates from it); they are
// 0 when the error has no position in the cell (for example an error inside
// a library package).
type CellError struct {
	Line, Col int
	Msg       string
	// Source is the offending line of the cell, without its newline.
	Source string
	err    error // wrapped cause, if any
}

// Error formats the error like the Go compiler does, followed by the quoted
// cell line: "cell:3:5: undefined: foo\n    3 | x := foo(1)".
func (e *CellError) Error() string {
	if e.Line <= 0 {
		return "cell: " + e.Msg
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cell:%d:%d: %s", e.Line, e.Col, e.Msg)
	if e.Source != "" {
		fmt.Fprintf(&b, "\n%5d | %s", e.Line, e.Source)
		if e.Col > 0 {
			// Caret under the column; tabs are kept so the caret lines up.
			pad := []rune{}
			for i, r := range []rune(e.Source) {
				if i >= e.Col-1 {
					break
				}
				if r == '\t' {
					pad = append(pad, '\t')
				} else {
					pad = append(pad, ' ')
				}
			}
			fmt.Fprintf(&b, "\n      | %s^", string(pad))
		}
	}
	return b.String()
}

// Unwrap returns the underlying cause, such as [ErrUnsupported].
func (e *CellError) Unwrap() error { return e.err }

// ExitError is the panic value of os.Exit called by interpreted code; the
// cell ends with a *PanicError holding it and the session survives.
type ExitError struct{ Code int }

// Error reports the exit code.
func (e ExitError) Error() string {
	return fmt.Sprintf("os.Exit(%d) called; the cell stopped and the session kept its state", e.Code)
}

// PanicError is a run-time panic raised by a cell (or by a goroutine the cell
// started) and recovered by the session. The session stays usable.
type PanicError struct {
	// Value is the value passed to panic (for runtime errors, a runtime.Error
	// or the interpreter's equivalent).
	Value any
	// Msg is the panic message as Go prints it after "panic: ", e.g.
	// "runtime error: integer divide by zero".
	Msg string
	// Stack lists the interpreted frames, innermost first, with cell line
	// numbers when known ("cell:4:2"). It may be empty.
	Stack string
	// Goroutine is true when the panic happened in a goroutine started by
	// the cell rather than in the cell itself.
	Goroutine bool
}

// Error returns "panic: MSG" followed by the stack, like a Go program's
// crash report.
func (e *PanicError) Error() string {
	var b strings.Builder
	b.WriteString("panic: ")
	b.WriteString(e.Msg)
	if e.Goroutine {
		b.WriteString(" [recovered from a goroutine started by the cell]")
	}
	if e.Stack != "" {
		b.WriteString("\n\n")
		b.WriteString(e.Stack)
	}
	return b.String()
}

// panicMessage renders a recovered value the way the Go runtime prints it
// after "panic: ", translating the interpreter's reflect-level messages into
// the runtime errors a compiled program would raise.
func panicMessage(v any) string {
	if rv, ok := v.(reflect.Value); ok && rv.IsValid() && rv.CanInterface() {
		v = rv.Interface()
	}
	var msg string
	switch x := v.(type) {
	case error:
		msg = x.Error()
		if _, ok := x.(interface{ RuntimeError() }); !ok {
			msg = translateReflectPanic(msg)
		}
	case fmt.Stringer:
		msg = x.String()
	case string:
		msg = translateReflectPanic(x)
		if msg == x {
			return x
		}
	default:
		msg = fmt.Sprintf("%v", v)
	}
	return msg
}

// yaegiPos is the position prefix yaegi puts on some panic messages.
var yaegiPos = regexp.MustCompile(`^(?:\S+:)?\d+:\d+: `)

// unknownBounds follows an out-of-range message that lacks the index and
// length Go prints: the kernel knows them only where it checks bounds
// itself (index.go), which is not inside loops nor for slice expressions.
const unknownBounds = " (index and length not known: the kernel reports them only for indexing outside loops)"

// translateReflectPanic maps messages of panics raised inside reflect while
// interpreting ordinary Go operations to the runtime error Go would raise.
func translateReflectPanic(msg string) string {
	msg = yaegiPos.ReplaceAllString(msg, "")
	switch {
	case strings.HasPrefix(msg, "reflect: slice index out of range"),
		strings.HasPrefix(msg, "reflect: array index out of range"),
		strings.HasPrefix(msg, "reflect: string index out of range"):
		return "runtime error: index out of range" + unknownBounds
	case strings.HasPrefix(msg, "reflect: slice bounds out of range"),
		strings.HasPrefix(msg, "reflect.Value.Slice: slice index out of bounds"),
		strings.HasPrefix(msg, "reflect.Value.Slice3: slice index out of bounds"):
		return "runtime error: slice bounds out of range" + unknownBounds
	case strings.Contains(msg, "on zero Value"),
		strings.HasPrefix(msg, "reflect: call of reflect.Value.Elem on zero"),
		strings.Contains(msg, "nil pointer dereference"):
		return "runtime error: invalid memory address or nil pointer dereference"
	case strings.HasPrefix(msg, "assignment to entry in nil map"):
		return msg
	}
	return msg
}
