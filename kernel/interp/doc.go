// Package interp evaluates notebook cells of Go with the yaegi interpreter
// (github.com/traefik/yaegi, pinned at v0.16.1) and closes the gaps between
// what yaegi runs and today's Go.
//
// A [Session] holds one interpreter. [Session.Eval] runs a cell;
// [Session.Complete], [Session.Inspect] and [Session.IsComplete] answer the
// Jupyter requests of the same names; [Session.Vars] lists variables for
// %who and [Session.Reset] starts over. The kernel's evaluator process owns
// one Session per notebook.
//
// # Cells
//
// A cell may mix imports, declarations (func, method, type, var, const) and
// statements in any order, and may be a whole program (a package clause and
// func main, which then runs). Eval cuts the cell into top-level items at
// semicolons outside brackets, then:
//
//   - imports the packages the cell names, explicitly or not: using
//     strings., slices., dataframe. … without an import line imports the
//     package, as goimports would (names come from the standard library and
//     Options.Symbols); unused imports and unused variables are not errors;
//   - declares the cell's declarations first, unless a declaration refers
//     to a variable the cell's statements define, in which case it runs in
//     cell order after them;
//   - runs the statements in order at session level, so a := or var defines
//     a session variable that later cells see;
//   - returns the value(s) of a final expression statement in [Result]
//     (none for a call without results or for fmt.Print, Printf, Println).
//
// Re-running a cell works: := and var of an existing name redeclare it (with
// a new type if need be) and a func, method or type declared again replaces
// the old one for later cells (a type with a new definition gets a fresh
// internal name; values made earlier keep their old type). Every cell sees
// ctx, a context.Context equal to Eval's ctx. os.Exit in a cell ends the
// cell (a *PanicError holding an [ExitError]), not the kernel.
//
// # Rewrites
//
// Before yaegi sees a cell, the kernel type-checks it with go/types against
// a model of the session (imports, declarations, variable types; package
// types come from the same reflect symbols yaegi calls) and rewrites. The
// check is incremental (check.go): the objects earlier cells declared are
// kept and a cell is checked alone in a package whose scope holds them, so
// a cell's cost does not grow with the session; only a cell that adds
// methods to a type of an earlier cell (or redeclares a type whose methods
// other cells declared) re-checks a source model of the whole session.
// The rewrites:
//
//   - range over integers and over functions (iter.Seq, iter.Seq2,
//     func(func() bool)), including break, continue, return and labels;
//   - Go 1.22 per-iteration loop variables, when a closure, go/defer or &
//     can observe them;
//   - the min, max and clear builtins;
//   - generic functions are monomorphized: each instance a cell calls
//     (slices.Sort[[]int, int], the session's Map[int, string]) is generated
//     as an ordinary function (mono.go) and compiled through the same
//     rewrites, because yaegi's generics are unreliable; the generic
//     standard packages slices, maps, cmp and iter, which yaegi lacks, are
//     implemented in interpreted Go (prelude/); slices.Sort of []int,
//     []float64 and []string calls compiled code;
//   - method expressions such as (*T).Add; errors.As into session error
//     types;
//   - a value of a session type with Error, String or MIMEBundle methods
//     that is passed as any to a compiled function or method (fmt.Println,
//     fmt.Errorf("%w"), display.Show, (*display.Handle).Update, plotting)
//     or is the cell's final value is converted, in interpreted code, to a
//     compiled interface carrying those methods (error, fmt.Stringer, or
//     the MIMEBundle interfaces of internal/cellvalue), because yaegi gives
//     compiled code an interpreted value's methods only through such an
//     interface; MIMEBundle only for GoLab's own packages, none for
//     reflective ones (encoding/..., reflect, templates);
//   - arguments of the fmt and log print functions (fmtargs.go): %T of a
//     value whose static type involves a session type prints the compiled
//     program's name (main.Point, []*main.Point), and for an interface the
//     dynamic type's name is found by assertions to the session types;
//     slices, arrays and maps of session types with String or Error
//     methods, and interface values holding them (any, []any, error), print
//     through those methods; %d and other non-string verbs of such a value
//     print the value, not yaegi's wrapper; %+v names unexported fields of
//     session structs as Go does (yaegi exports them as Xname), and %#v
//     also names session struct types (main.Point{X:1, Y:2});
//   - a session value (not a pointer) assigned or converted to a variable
//     of a compiled interface type, any included (var err error = MyErr{}),
//     or passed to an interface parameter of a session function
//     (show(Point{1, 2})), goes through a function return, the one
//     conversion after which yaegi keeps its methods (ifaceconv.go);
//   - a type switch with a case of a compiled interface (error,
//     runtime.Error, fmt.Stringer) or of a session type becomes an
//     expression switch over comma-ok assertions, which yaegi gets right;
//     an interface case also tries the session types implementing it
//     (typeswitch.go); comma-ok assertions to compiled interfaces such as
//     runtime.Error compile;
//   - os.Stdin passed as an io.Reader (bufio.NewReader(os.Stdin),
//     bufio.NewScanner, io.ReadAll, fmt.Fscan) and os.Stdin.Read read
//     Options.Stdin, as fmt.Scan does (stdin.go): in the kernel, each read
//     past the given text asks the client for a line (input_request), or
//     fails with a clear error when the client does not allow input;
//   - the type parameters of the session's generic declarations get
//     kernel names, because yaegi leaves them in the package scope, where
//     a later `type T int; var v T` failed (typeparams.go);
//   - an assignment mismatch (df := dataframe.New(...) where New returns
//     two values), which yaegi accepts, is reported as go/types does;
//   - a statement that indexes a slice, array or string with an int, outside
//     loops, is preceded by a bounds check that raises Go's own runtime
//     error (index.go);
//   - statements yaegi mis-scopes at session level (compound statements,
//     comma-ok and generic multi-value assignments) run inside function
//     literals;
//   - go statements recover panics of the goroutine and report them.
//
// # Errors
//
// Eval never panics and never lets a panic of interpreted code escape.
//
//   - Compile errors are *[CellError] with the cell's own line and column
//     and the offending source line; when go/types explains a problem better
//     than yaegi does, its message is used. Constructs the interpreter cannot
//     run are CellErrors wrapping [ErrUnsupported].
//   - Run-time panics (panic, nil dereference, index out of range, division
//     by zero, also in goroutines the cell started) are *[PanicError] with
//     the message Go would print and a stack of interpreted frames
//     ("cell[N]:L:C"); the cell's own frame names the line of the running
//     top-level statement (each is preceded by an assignment of its
//     position to __golabPos, as yaegi names only a function's first
//     statement), while frames of functions name their first statement.
//     The session keeps its state.
//   - When ctx is cancelled, Eval returns within about a second with an error
//     wrapping [ErrInterrupted]: loops, channel operations, select and
//     time.Sleep stop; a goroutine blocked in other compiled code is
//     abandoned.
//
// # Output
//
// Interpreted fmt.Print*, os.Stdout, os.Stderr and log go to Options.Stdout
// and Options.Stderr through one pipe each, so their order is kept; Eval
// returns after the cell's output has been written. Output of goroutines
// that outlive the cell is forwarded when it comes. fmt.Scan, and os.Stdin
// read as an io.Reader, read Options.Stdin. Notes about known gaps a cell
// may meet (notes.go) go to Options.Stderr before the cell runs.
//
// # Concurrency and ownership
//
// All methods are safe for concurrent use. Eval, Reset, Vars, Complete and
// Inspect serialize on the session (a completion waits for a running cell;
// Jupyter serializes shell requests anyway); IsComplete does not. A Session
// owns two output goroutines; [Session.Close] stops them. Goroutines started
// by interpreted code belong to that code; interrupting a cell stops them
// too (they share the interpreter's run id).
//
// # Invariants
//
//   - Kernel-internal identifiers start with __golab; Vars and Complete hide
//     them.
//   - Generated files carry //line directives numbering cell n's lines from
//     n*100000+1, so every position maps back to a cell and a line.
//   - The type checker is advisory: a cell it rejects still runs, rewritten
//     only where types were known.
//
// # Known gaps
//
// yaegi represents session-declared types as unnamed reflect types; the
// rewrites above hide most of it where static types tell, not all:
//
//   - the run-time conversions of interface values (%T, String and Error
//     methods, type switch cases) find session types by type assertions,
//     which compare layouts in yaegi: of two session types with the same
//     underlying type, %T names a value of either after the first declared
//     and neither is printed through its methods; a session type with a
//     basic underlying type is tried only where the interface has methods
//     (an any holding a compiled int would match it);
//   - reflect and encoders see unexported fields of session structs with
//     an X prefix (encoding/json writes "Xage"); the cell gets a note on
//     its standard error when it passes such a type to reflect or an
//     encoder (notes.go);
//   - a nil pointer stored in an interface compares equal to nil; the cell
//     gets a note when a function returns a pointer variable declared
//     without a value as an interface;
//   - a type assertion (or type switch case) from a compiled interface
//     such as error to a session type that is not a pointer fails; the
//     cell gets a note (a pointer type works);
//   - the fmt fixes above need a constant format without explicit
//     argument indexes, and see only static types (and, for interface
//     values, the dynamic type's String and Error methods): %T of a value
//     of a session type reached through a non-constant format, the String
//     method of a session value inside a struct field or a map key, and %#v
//     of a value held in an interface still show yaegi's representation;
//   - values of session types handed as any to compiled functions other
//     than the print functions carry their methods only when their static
//     type is a session type (wrapMethodArgs), not when it is an interface.
//
// Index-out-of-range messages lack the index and length inside loops, for
// non-int indexes and for operands with calls (no bounds check is added
// there), and slice-expression bounds errors always lack them; the message
// then says so. Frames of functions in panic stacks name the function's
// first statement, not the panicking line. Deep recursion overflows the Go
// stack, which is fatal to the process (the evaluator process must be
// restarted). Under the race detector, yaegi's closure frames report races
// for goroutines started from function literals in loops (see
// race_on_test.go). The differential corpus (testdata/corpus, see
// corpus_test.go) records each gap as a known-gap case.
package interp
