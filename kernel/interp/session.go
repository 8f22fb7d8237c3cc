package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/golab-dev/golab/kernel/interp/internal/cellvalue"
	yaegi "github.com/traefik/yaegi/interp"
)

// Options configures a Session. The zero value works: standard library only,
// output to os.Stdout and os.Stderr, input from os.Stdin.
type Options struct {
	// Stdout and Stderr receive what interpreted code prints with fmt.Print*,
	// os.Stdout, os.Stderr and log. Nil means os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Stdin is what interpreted os.Stdin and fmt.Scan* read. Nil means os.Stdin.
	Stdin io.Reader
	// Symbols are extra exports (project libraries, produced by
	// `yaegi extract`), used in addition to yaegi's stdlib.Symbols. Keys are
	// "importpath/pkgname" as yaegi generates them.
	Symbols []map[string]map[string]reflect.Value
}

// Result is the value of a cell's final expression. Values is empty when the
// cell ends in a statement or in a call returning nothing; a call with
// several results gives several values.
type Result struct {
	Values []reflect.Value
}

// Var describes one session variable, for %who.
type Var struct {
	Name string
	Type string
}

// Session is one interpreter state shared by the cells of a notebook.
// Its methods are safe for concurrent use; Eval calls are serialized.
type Session struct {
	opts Options

	mu struct {
		sync.Mutex
		in       *yaegi.Interpreter
		cell     int               // number of the cell being evaluated
		imported map[string]string // package name in the session -> import path
		decls    map[string]string // declared name -> its declaration source, for the type checker
		funcs    map[string]bool   // session-level func names
		types    map[string]string // session-level type name -> declaration text
		// typeAlias maps a type name declared again with a different
		// definition to the name yaegi knows the newest version by (yaegi
		// cannot replace a type).
		typeAlias map[string]string
		mono      monoState
		// ctxVar is the session's ctx variable, cached by setCtxLocked.
		ctxVar reflect.Value
	}

	// pkgs maps a package name to its import path, for auto-import. It is
	// built once in New and read-only afterwards.
	pkgs map[string]string
	// pkgPaths is the set of all importable paths.
	pkgPaths map[string]string // path -> package name

	// trace collects the interpreter's panic trace lines of the running
	// cell; written by the stderr filter from any goroutine.
	trace struct {
		sync.Mutex
		lines   []string
		goPanic *PanicError
	}

	stdout, stderr io.Writer
	checker        *checker
	// outPipe and errPipe carry interpreted os.Stdout and os.Stderr.
	outPipe, errPipe *outPipe

	// cellDone is closed when the running chunk is interrupted.
	cellDone atomic.Pointer[chan struct{}]
}

// internal names the kernel declares in every session.
const (
	hiddenPrefix = "__golab"
	ctxName      = "ctx"
	mainName     = hiddenPrefix + "Main" // a cell's func main
)

// New creates a Session with the given options.
func New(opts Options) (*Session, error) {
	s := &Session{opts: opts}
	s.stdout = opts.Stdout
	if s.stdout == nil {
		s.stdout = os.Stdout
	}
	s.stderr = opts.Stderr
	if s.stderr == nil {
		s.stderr = os.Stderr
	}
	s.pkgs, s.pkgPaths = knownPackages(opts.Symbols)
	var err error
	if s.outPipe, err = newOutPipe(s.stdout); err != nil {
		return nil, err
	}
	if s.errPipe, err = newOutPipe(s.stderr); err != nil {
		s.outPipe.close()
		return nil, err
	}
	if err := s.start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the session's output pipes and their goroutines, after
// forwarding pending output. Goroutines that interpreted code started and
// that are still running are abandoned. The session must not be used after
// Close.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outPipe != nil {
		s.outPipe.close()
		s.outPipe = nil
	}
	if s.errPipe != nil {
		s.errPipe.close()
		s.errPipe = nil
	}
	return nil
}

// flushLocked waits until interpreted output written so far has reached
// Options.Stdout and Options.Stderr.
func (s *Session) flushLocked() {
	if s.outPipe != nil {
		s.outPipe.flush()
	}
	if s.errPipe != nil {
		s.errPipe.flush()
	}
}

// Reset replaces the interpreter with a fresh one built from the same
// options. All variables, declarations and imports are forgotten.
func (s *Session) Reset() error {
	return s.start()
}

func (s *Session) start() error {
	stdin := s.opts.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	in := yaegi.New(yaegi.Options{
		Stdin: stdin,
		// fmt.Print* and log write straight to the session's writers, in
		// the printing goroutine, so the kernel can tell which cell's
		// goroutine printed; only direct os.Stdout/os.Stderr use goes
		// through the pipes.
		Stdout:       s.stdout,
		Stderr:       &traceFilter{s: s, w: s.stderr},
		Unrestricted: true,
		Env:          os.Environ(),
		Args:         []string{"golab"},
	})
	if err := in.Use(stdlibSymbols()); err != nil {
		return fmt.Errorf("interp: loading standard library symbols: %w", err)
	}
	for i, syms := range s.opts.Symbols {
		if err := in.Use(syms); err != nil {
			return fmt.Errorf("interp: loading Options.Symbols[%d]: %w", i, err)
		}
	}
	if err := in.Use(cellvalue.Symbols()); err != nil {
		return fmt.Errorf("interp: loading kernel runtime symbols: %w", err)
	}
	if err := in.Use(s.runtimeSymbols()); err != nil {
		return fmt.Errorf("interp: loading kernel runtime symbols: %w", err)
	}
	for _, src := range preludeSources() {
		if _, err := in.Compile(src.yaegiText); err != nil {
			return fmt.Errorf("interp: compiling prelude %s: %w", src.name, err)
		}
	}
	if _, err := in.Eval(preludeMain); err != nil {
		return fmt.Errorf("interp: compiling session prelude: %w", err)
	}
	chk := newChecker(s.pkgPaths, s.opts.Symbols)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.in = in
	s.mu.ctxVar = reflect.Value{}
	s.mu.imported = map[string]string{}
	s.mu.decls = map[string]string{}
	s.mu.funcs = map[string]bool{}
	s.mu.types = map[string]string{}
	s.mu.mono = monoState{}
	s.mu.typeAlias = map[string]string{}
	s.checker = chk
	return nil
}

// runtimeSymbols are the compiled hooks interpreted code calls into.
func (s *Session) runtimeSymbols() yaegi.Exports {
	return yaegi.Exports{
		"golab.dev/rt/rt": {
			"GoPanic":    reflect.ValueOf(s.goPanic),
			"Clear":      reflect.ValueOf(clearValue),
			"IValue":     reflect.ValueOf(ivalue),
			"IndexPanic": reflect.ValueOf(indexPanic),
			"Stdin":      reflect.ValueOf(s.stdin),
			"Compiled":   reflect.ValueOf(compiledNamed),
			"Unexport":   reflect.ValueOf(unexportFields),
			"GoSyntax":   reflect.ValueOf(goSyntaxFields),
			"Unwrap":     reflect.ValueOf(unwrapErr),
			// Compiled sorts for the common element types.
			"SortInts":     reflect.ValueOf(slices.Sort[[]int, int]),
			"SortFloat64s": reflect.ValueOf(slices.Sort[[]float64, float64]),
			"SortStrings":  reflect.ValueOf(slices.Sort[[]string, string]),
		},
		// Interruptible sleep (see Session.sleep).
		"time/time": {
			"Sleep": reflect.ValueOf(s.sleep),
		},
		// os.Stdout and os.Stderr of interpreted code are the session's.
		"os/os": {
			"Stdout": reflect.ValueOf(&s.outPipe.w).Elem(),
			"Stderr": reflect.ValueOf(&s.errPipe.w).Elem(),
			// os.Exit must not end the kernel: it ends the cell.
			"Exit": reflect.ValueOf(func(code int) { panic(ExitError{Code: code}) }),
		},
	}
}

// stdin is the reader behind os.Stdin where a cell uses it as an
// io.Reader (see stdinArgs): Options.Stdin, else the process's.
func (s *Session) stdin() io.Reader {
	if s.opts.Stdin != nil {
		return s.opts.Stdin
	}
	return os.Stdin
}

// compiledNamed reports whether v's dynamic type (or the element type of a
// pointer) is a named type of a compiled package other than yaegi's. yaegi
// hands values of session types to compiled code as unnamed types, their
// basic underlying type or its own wrapper types, so such a value is never
// of a session type.
func compiledNamed(v any) bool {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" || t.PkgPath() == "" {
		return false
	}
	return !strings.HasPrefix(t.PkgPath(), "github.com/traefik/yaegi/")
}

// unexportFields returns v wrapped so that %+v prints the fields the
// interpreter exported with an X prefix (Xage) under their own names.
func unexportFields(v any, names ...string) any { return unexported{v: v, names: names} }

// goSyntaxFields returns v wrapped so that %#v prints, for each zero value
// of a session struct type in zeros, the type's name (from typeNames)
// where reflect prints its layout, and the fields in names under their own
// names.
func goSyntaxFields(v any, names []string, zeros []any, typeNames []string) any {
	u := unexported{v: v, names: names}
	for i, z := range zeros {
		if t := reflect.TypeOf(z); t != nil && i < len(typeNames) {
			u.types = append(u.types, [2]string{t.String(), typeNames[i]})
		}
	}
	// Outer layouts contain inner ones: replace the longest first.
	sort.SliceStable(u.types, func(i, j int) bool { return len(u.types[i][0]) > len(u.types[j][0]) })
	return u
}

// unexported is the fmt.Formatter of unexportFields and goSyntaxFields.
type unexported struct {
	v     any
	names []string
	types [][2]string // layout as reflect prints it, name
}

// Format prints u.v with the directive, then renames the types and the
// fields.
func (u unexported) Format(f fmt.State, verb rune) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), u.v)
	for _, t := range u.types {
		s = strings.ReplaceAll(s, t[0], t[1])
	}
	for _, n := range u.names {
		s = strings.ReplaceAll(s, "X"+n+":", n+":")
	}
	_, _ = io.WriteString(f, s)
}

// goPanic records a panic recovered in a goroutine started by a cell.
func (s *Session) goPanic(v any) {
	pe := &PanicError{Value: v, Msg: panicMessage(v), Goroutine: true}
	s.trace.Lock()
	pe.Stack = formatTrace(s.trace.lines)
	first := s.trace.goPanic == nil
	if first {
		s.trace.goPanic = pe
	}
	s.trace.Unlock()
	fmt.Fprintf(s.errPipe.w, "panic in goroutine: %s [recovered by the kernel]\n", pe.Msg)
}

// ivalue returns the interpreted value inside one of yaegi's interface
// wrappers (a struct with an IValue field), or v itself.
func ivalue(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Struct {
		if f := rv.FieldByName("IValue"); f.IsValid() && f.CanInterface() {
			return f.Interface()
		}
	}
	return v
}

// unwrapErr returns the errors a compiled error wraps.
func unwrapErr(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	return nil
}

// clearValue implements the clear builtin for maps and slices.
func clearValue(x any) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	}
}

// traceFilter passes interpreted stderr output through, except the lines the
// interpreter itself prints while a panic unwinds ("FILE:L:C: panic: f(...)"),
// which it records as the panic's stack.
type traceFilter struct {
	s *Session
	w io.Writer
}

var traceLine = regexp.MustCompile(`^(?:(\S*):)?(\d+):(\d+): panic: (.*)\n$`)

func (f *traceFilter) Write(p []byte) (int, error) {
	if m := traceLine.FindSubmatch(p); m != nil {
		f.s.trace.Lock()
		f.s.trace.lines = append(f.s.trace.lines, string(p[:len(p)-1]))
		f.s.trace.Unlock()
		return len(p), nil
	}
	return f.w.Write(p)
}

// formatTrace renders recorded trace lines as a Go-like stack, mapping
// generated file positions to cell positions.
func formatTrace(lines []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, l := range lines {
		m := traceLine.FindStringSubmatch(l + "\n")
		if m == nil || seen[l] {
			continue
		}
		seen[l] = true
		fn := strings.TrimPrefix(m[4], "main.")
		fn = strings.TrimSuffix(fn, "(...)")
		if strings.HasPrefix(fn, hiddenPrefix) {
			continue
		}
		pos := mapFilePos(m[1], m[2], m[3])
		if pos == "" {
			continue
		}
		if fn == "main" {
			fn = "cell"
		}
		fmt.Fprintf(&b, "%s(...)\n\t%s\n", fn, pos)
	}
	return strings.TrimRight(b.String(), "\n")
}

// withCellPos replaces the position of the cell's own frame in a stack
// from formatTrace by pos, the position of the running top-level
// statement; without such a frame (the panic came from a function the
// cell called, or the trace was empty) the frame is added.
func withCellPos(stack, pos string) string {
	if pos == "" {
		return stack
	}
	lines := strings.Split(stack, "\n")
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] == "cell(...)" {
			lines[i+1] = "\t" + pos
			return strings.Join(lines, "\n")
		}
	}
	if stack != "" {
		stack += "\n"
	}
	return stack + "cell(...)\n\t" + pos
}

// mapFilePos turns a generated file position into "cell[N]:L:C".
func mapFilePos(file, line, col string) string {
	if file != "" && file != srcName {
		return ""
	}
	l, _ := strconv.Atoi(line)
	n, cl := splitLine(l)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("cell[%d]:%d:%s", n, cl, col)
}

// Generated files are all named srcName, because yaegi scopes imports by
// file name. A //line directive numbers the lines of cell n from
// n*lineBase+1, so that a position tells both the cell and the line.
const (
	srcName  = "_.go"
	lineBase = 100000
)

// splitLine decodes a generated line number into cell number and cell line.
func splitLine(l int) (cell, line int) { return l / lineBase, l % lineBase }

// lineDirective returns the //line comment that starts cell n's text.
func lineDirective(n int) string { return fmt.Sprintf("\n//line %s:%d:1\n", srcName, n*lineBase+1) }

// Eval runs one cell. See the package documentation for the semantics.
func (s *Session) Eval(ctx context.Context, cell string) (res Result, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outPipe == nil {
		return Result{}, errors.New("interp: session is closed")
	}
	defer s.flushLocked()
	s.mu.cell++
	n := s.mu.cell
	defer func() {
		if r := recover(); r != nil {
			// yaegi panics on some constructs while compiling; never let
			// that cross the kernel boundary.
			if debugCheck {
				fmt.Fprintf(os.Stderr, "eval panic: %v\n%s\n", r, debug.Stack())
			}
			s.repairLocked()
			res = Result{}
			err = &CellError{Msg: fmt.Sprintf("the interpreter failed on this cell (%v); a construct in it is not supported", r), err: ErrUnsupported}
		}
	}()
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInterrupted, err)
	}

	if strings.Contains(cell, ctxName) {
		defer func() { s.mu.ctxVar = reflect.Value{} }()
	}
	p, err := s.prepareLocked(cell, n)
	if err != nil {
		return Result{}, err
	}
	for _, note := range p.notes {
		fmt.Fprintln(s.stderr, note)
	}
	s.trace.Lock()
	s.trace.goPanic = nil
	s.trace.Unlock()

	for _, imp := range p.imports {
		if err := s.importLocked(imp); err != nil {
			return Result{}, cellErrorAt(cell, imp.line, 1, err.Error(), err)
		}
	}
	s.setCtxLocked(ctx)
	for _, c := range p.chunks {
		// Generic instances the cell uses; those needing this cell's
		// declarations compile after them.
		if err := s.flushMonoLocked(false); err != nil {
			return Result{}, err
		}
		v, err := s.runLocked(ctx, c, cell)
		if err != nil {
			return Result{}, err
		}
		if c.capture != captureNone {
			res = c.result(s, v)
		}
		if c.decl {
			s.recordDeclsLocked(c, cell)
		}
	}
	if err := s.flushMonoLocked(true); err != nil {
		return res, err
	}
	s.trace.Lock()
	gp := s.trace.goPanic
	s.trace.goPanic = nil
	s.trace.Unlock()
	if gp != nil {
		return res, gp
	}
	return res, nil
}

// runLocked compiles and executes one chunk.
func (s *Session) runLocked(ctx context.Context, c *chunk, cell string) (reflect.Value, error) {
	if debugCheck {
		var buf strings.Builder
		_ = printer.Fprint(&buf, token.NewFileSet(), c.node)
		fmt.Fprintf(os.Stderr, "chunk:\n%s\n", buf.String())
	}
	prog, err := s.mu.in.CompileAST(c.node)
	if err != nil {
		s.repairLocked()
		if c.typeErr != nil {
			// go/types explains the problem better than yaegi does.
			return reflect.Value{}, s.compileError(cell, c.typeErr)
		}
		return reflect.Value{}, s.compileError(cell, err)
	}
	s.trace.Lock()
	s.trace.lines = nil
	s.trace.Unlock()
	v, err := s.executeWithContext(ctx, s.mu.in, prog)
	if err != nil {
		if ctx.Err() != nil {
			return reflect.Value{}, fmt.Errorf("%w: %v", ErrInterrupted, ctx.Err())
		}
		var p yaegi.Panic
		if errors.As(err, &p) {
			pos := ""
			if g, ok := s.mu.in.Globals()[posName]; ok && g.Kind() == reflect.String {
				pos = g.String()
			}
			s.trace.Lock()
			stack := formatTrace(s.trace.lines)
			s.trace.Unlock()
			stack = withCellPos(stack, pos)
			return reflect.Value{}, &PanicError{Value: p.Value, Msg: panicMessage(p.Value), Stack: stack}
		}
		return reflect.Value{}, s.compileError(cell, err)
	}
	return v, nil
}

// flushMonoLocked compiles pending generic instances (see mono.go), each
// as a hidden cell so the usual rewrites (min, max, range over int and
// functions, nested instances) apply to its body. An instance that does not
// compile yet (it may need declarations of the running cell) stays pending,
// unless final.
func (s *Session) flushMonoLocked(final bool) error {
	var lastErr error
	for progress := true; progress && len(s.mu.mono.pending) > 0; {
		progress = false
		pending := s.mu.mono.pending
		s.mu.mono.pending = nil
		var keep []string
		for _, src := range pending {
			if debugCheck {
				fmt.Fprintf(os.Stderr, "mono source:\n%s\n", src)
			}
			if err := s.evalHiddenLocked(src); err != nil {
				keep = append(keep, src)
				lastErr = err
				continue
			}
			progress = true
		}
		s.mu.mono.pending = append(s.mu.mono.pending, keep...)
	}
	if final && len(s.mu.mono.pending) > 0 {
		s.mu.mono.pending = nil
		return &CellError{Msg: fmt.Sprintf("compiling an instance of a generic function failed: %v", lastErr), err: ErrUnsupported}
	}
	return nil
}

// evalHiddenLocked compiles kernel-generated declarations through the same
// pipeline as a cell.
func (s *Session) evalHiddenLocked(src string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.repairLocked()
			err = fmt.Errorf("%v", r)
		}
	}()
	p, err := s.prepareLocked(src, s.mu.cell)
	if err != nil {
		return err
	}
	for _, imp := range p.imports {
		if err := s.importLocked(imp); err != nil {
			return err
		}
	}
	for _, c := range p.chunks {
		if _, err := s.runLocked(context.Background(), c, src); err != nil {
			return err
		}
		if c.decl {
			s.recordDeclsLocked(c, src)
		}
	}
	return nil
}

// repairLocked brings the interpreter back to a consistent state after a
// failed compilation: yaegi may have allocated global slots without growing
// its global frame, which an empty execution does.
func (s *Session) repairLocked() {
	defer func() { _ = recover() }()
	if prog, err := s.mu.in.Compile(";"); err == nil {
		_, _ = s.mu.in.Execute(prog)
	}
}

// setCtxLocked makes the cell's context visible as the global ctx.
func (s *Session) setCtxLocked(ctx context.Context) {
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	if g := s.mu.ctxVar; g.IsValid() {
		// The variable found for an earlier cell (Globals is O(session));
		// forgotten when a cell mentions ctx, which may redefine it.
		g.Set(reflect.ValueOf(&ctx).Elem())
		return
	}
	g, ok := s.mu.in.Globals()[ctxName]
	if !ok || !g.CanSet() || g.Type() != ctxType {
		if _, err := s.mu.in.Eval("var ctx " + hiddenPrefix + "context.Context"); err != nil {
			return
		}
		g, ok = s.mu.in.Globals()[ctxName]
		if !ok || !g.CanSet() || g.Type() != ctxType {
			return
		}
	}
	g.Set(reflect.ValueOf(&ctx).Elem())
	s.mu.ctxVar = g
}

// importSpec is one package a cell needs.
type importSpec struct {
	name, path string
	// implicit imports are added by rewrites; failing to import one is
	// not the cell's error.
	implicit bool
	line     int // cell line of an explicit import, 0 for auto-imports
}

func (s *Session) importLocked(imp importSpec) error {
	src := fmt.Sprintf("import %q", imp.path)
	if genericPkgs[imp.path] {
		// The cell's references were renamed to the kernel alias.
		src = fmt.Sprintf("import %s %q", hiddenPrefix+imp.path, yaegiPkg(imp.path))
	} else if imp.name != s.pkgPaths[imp.path] && imp.name != lastElem(imp.path) {
		src = fmt.Sprintf("import %s %q", imp.name, imp.path)
	}
	if _, err := s.mu.in.Eval(src); err != nil {
		msg := err.Error()
		if strings.Contains(msg, "unable to find source") {
			msg = fmt.Sprintf("cannot import %q: the package is neither in the standard library nor in the kernel's compiled libraries", imp.path)
		}
		return errors.New(msg)
	}
	s.mu.imported[imp.name] = imp.path
	if genericPkgs[imp.path] {
		s.mu.imported[hiddenPrefix+imp.path] = imp.path
	}
	return nil
}

var errPos = regexp.MustCompile(`^(?:(\S+?):)?(\d+):(\d+): (?s)(.*)$`)

// compileError converts an interpreter error into a *CellError in cell
// coordinates.
func (s *Session) compileError(cell string, err error) error {
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		if n, l := splitLine(e.Pos.Line); n == s.mu.cell {
			return cellErrorAt(cell, l, e.Pos.Column, e.Msg, err)
		}
		return &CellError{Msg: e.Msg, err: err}
	}
	msg := err.Error()
	if m := errPos.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[2])
		c, _ := strconv.Atoi(m[3])
		if n, cl := splitLine(l); (m[1] == "" || m[1] == srcName) && n == s.mu.cell {
			return cellErrorAt(cell, cl, c, cleanMsg(m[4]), err)
		} else if n > 0 && (m[1] == "" || m[1] == srcName) {
			return &CellError{Msg: fmt.Sprintf("%s (in the code of cell[%d], line %d)", cleanMsg(m[4]), n, cl), err: err}
		}
		return &CellError{Msg: cleanMsg(m[4]), err: err}
	}
	return &CellError{Msg: cleanMsg(msg), err: err}
}

// cleanMsg removes kernel-internal names from interpreter messages.
func cleanMsg(msg string) string {
	msg = strings.ReplaceAll(msg, hiddenPrefix+"context.", "context.")
	return msg
}

// cellErrorAt builds a CellError for a cell position.
func cellErrorAt(cell string, line, col int, msg string, cause error) *CellError {
	e := &CellError{Line: line, Col: col, Msg: msg, err: cause}
	lines := strings.Split(cell, "\n")
	for line > len(lines) && len(lines) > 0 {
		// Past the end (the kernel's closing brace): point after the
		// last non-blank line.
		line = len(lines)
		for line > 1 && strings.TrimSpace(lines[line-1]) == "" {
			line--
		}
		col = len(lines[line-1]) + 1
		e.Line, e.Col = line, col
	}
	if line >= 1 && line <= len(lines) {
		e.Source = strings.TrimRight(lines[line-1], "\r")
	} else {
		e.Line, e.Col = 0, 0
	}
	return e
}

// Vars lists the session's variables (not functions, types or constants),
// sorted by name, with their types.
func (s *Session) Vars() []Var {
	s.mu.Lock()
	defer s.mu.Unlock()
	var vars []Var
	for name, v := range s.mu.in.Globals() {
		if strings.HasPrefix(name, hiddenPrefix) || name == ctxName || name == "_" || !v.IsValid() {
			continue
		}
		typ := s.checker.varType(name)
		if typ == "" {
			typ = v.Type().String()
		}
		vars = append(vars, Var{Name: name, Type: typ})
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
	return vars
}

// chunk is one unit handed to the interpreter: a file of declarations or a
// block of top-level statements.
type chunk struct {
	// typeErr is the first type error go/types found in the cell, used
	// instead of yaegi's message when yaegi rejects the chunk.
	typeErr error
	node    ast.Node
	decl    bool
	capture captureKind
	nres    int // number of captured values for captureTuple
	file    *ast.File
}

type captureKind int

const (
	captureNone  captureKind = iota
	captureValue             // the chunk's value is the result
	captureTuple             // results are in the session's capture slice
)

func (c *chunk) result(s *Session, v reflect.Value) Result {
	switch c.capture {
	case captureValue:
		if !v.IsValid() {
			return Result{}
		}
		return Result{Values: []reflect.Value{v}}
	case captureTuple:
		g, ok := s.mu.in.Globals()[hiddenPrefix+"Results"]
		if !ok {
			return Result{}
		}
		for g.Kind() == reflect.Interface || g.Kind() == reflect.Pointer {
			if g.IsNil() {
				return Result{}
			}
			g = g.Elem()
		}
		if g.Kind() != reflect.Slice {
			return Result{}
		}
		var r Result
		for i := 0; i < g.Len(); i++ {
			r.Values = append(r.Values, unwrapValue(g.Index(i)))
		}
		return r
	}
	return Result{}
}

// unwrapValue turns an element of a []any into the dynamic value.
func unwrapValue(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v // a nil interface value, typed as the interface
		}
		return v.Elem()
	}
	return v
}

// prepared is a cell cut into imports and chunks.
type prepared struct {
	imports []importSpec
	chunks  []*chunk
	// notes are written to Options.Stderr before the cell runs (nilptr.go).
	notes []string
}

// prepareLocked parses, splits and rewrites a cell.
func (s *Session) prepareLocked(cell string, n int) (*prepared, error) {
	items := splitCell(cell)
	var declItems, stmtItems, importItems []item
	for _, it := range items {
		switch it.kind {
		case itemDecl:
			declItems = append(declItems, it)
		case itemImport:
			importItems = append(importItems, it)
		case itemStmt:
			stmtItems = append(stmtItems, it)
		}
	}
	fset := s.mu.in.FileSet()

	// Declarations and imports, parsed as one file so positions match.
	declFile, err := parser.ParseFile(fset, srcName, "package main"+lineDirective(n)+blankExcept(cell, append(append([]item{}, importItems...), declItems...)), parser.SkipObjectResolution)
	if err != nil {
		return nil, s.compileError(cell, err)
	}
	// Statements, parsed as the body of a function.
	var body *ast.BlockStmt
	if len(stmtItems) > 0 {
		f, err := parser.ParseFile(fset, srcName, "package main; func main() {"+lineDirective(n)+blankExcept(cell, stmtItems)+"\n}", parser.SkipObjectResolution)
		if err != nil {
			return nil, s.compileError(cell, err)
		}
		body = f.Decls[0].(*ast.FuncDecl).Body
	}

	p := &prepared{}
	lineOf := func(pos token.Pos) int { _, l := splitLine(fset.Position(pos).Line); return l }

	// Imports: explicit ones first, then the ones the cell uses implicitly.
	want := map[string]importSpec{}
	var order []string
	for _, d := range declFile.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		for _, sp := range g.Specs {
			is := sp.(*ast.ImportSpec)
			path, _ := strconv.Unquote(is.Path.Value)
			name := s.pkgPaths[path]
			if name == "" {
				name = lastElem(path)
			}
			if is.Name != nil {
				name = is.Name.Name
			}
			if name == "_" || name == "." {
				if name == "." {
					return nil, cellErrorAt(cell, lineOf(is.Pos()), 1, "dot imports are not supported by the interpreter; import the package by name", ErrUnsupported)
				}
				continue
			}
			if s.mu.imported[name] == path {
				continue
			}
			if _, dup := want[name]; !dup {
				order = append(order, name)
			}
			want[name] = importSpec{name: name, path: path, line: lineOf(is.Pos())}
		}
	}
	var decls []ast.Decl
	hasMain := false
	for _, d := range declFile.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			// yaegi runs a package-level main after every later
			// declaration chunk; keep it under another name.
			fd.Name.Name = mainName
			hasMain = true
		}
		decls = append(decls, d)
	}
	_ = hasMain
	decls = lateVars(fset, decls, body)
	defined := definedNames(decls, body)
	var globals map[string]reflect.Value // built on demand: O(session)
	used := usedPackages(decls, body)
	for _, name := range used {
		if _, ok := want[name]; ok {
			continue
		}
		if _, ok := s.mu.imported[name]; ok {
			continue
		}
		if defined[name] || s.mu.funcs[name] || s.mu.types[name] != "" {
			continue
		}
		if _, ok := s.pkgs[name]; !ok {
			continue
		}
		if globals == nil {
			globals = s.mu.in.Globals()
		}
		if _, ok := globals[name]; ok {
			continue
		}
		if path, ok := s.pkgs[name]; ok {
			want[name] = importSpec{name: name, path: path}
			order = append(order, name)
		}
	}
	for _, name := range order {
		p.imports = append(p.imports, want[name])
	}

	// A type declared again with a new definition gets a fresh name.
	newAlias := map[string]string{}
	for _, d := range decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, sp := range g.Specs {
			ts := sp.(*ast.TypeSpec)
			var b strings.Builder
			_ = printer.Fprint(&b, token.NewFileSet(), ts)
			old, exists := s.mu.types[ts.Name.Name]
			if exists && old != b.String() {
				newAlias[ts.Name.Name] = fmt.Sprintf("%sT%d_%s", hiddenPrefix, n, ts.Name.Name)
			}
		}
	}

	// Type-check the cell against the session to drive the rewrites
	// (skipped for cells no rewrite applies to, such as showing a variable).
	var info *cellInfo
	if len(decls) == 0 && len(want) == 0 && body != nil && !needsTypes(body) {
		info = newCellInfo()
	} else {
		info = s.checker.check(s.mu.imported, want, decls, body, fset)
	}

	if info.hardErr != nil {
		return nil, s.compileError(cell, info.hardErr)
	}

	// Rename references to replaced types (before any other rewrite, while
	// the identifiers are the checked ones).
	for k, v := range newAlias {
		s.mu.typeAlias[k] = v
	}
	if len(s.mu.typeAlias) > 0 {
		rename := func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			obj := info.info.ObjectOf(id)
			if tn, ok := obj.(*types.TypeName); ok && tn.Pkg() != nil && tn.Pkg().Path() == "main" && tn.Parent() == tn.Pkg().Scope() {
				if a, ok := s.mu.typeAlias[id.Name]; ok {
					id.Name = a
				}
			}
			return true
		}
		for _, d := range decls {
			ast.Inspect(d, rename)
		}
		if body != nil {
			ast.Inspect(body, rename)
		}
	}

	var roots []ast.Node
	for _, d := range decls {
		roots = append(roots, d)
	}
	if body != nil {
		roots = append(roots, body)
	}
	p.notes = nilPointerNotes(info, fset, roots)

	// Index guards give out-of-range panics Go's message (index.go).
	if indexGuards {
		for _, d := range decls {
			addIndexGuards(info, d)
		}
		if body != nil {
			addIndexGuards(info, body)
		}
	}

	// Rewrite constructs the interpreter lacks.
	rw := &rewriter{info: info, fset: fset, s: s}
	for _, d := range decls {
		rw.decl(d)
	}
	if body != nil {
		rw.block(body, true)
	}
	if rw.err != nil {
		return nil, s.compileError(cell, rw.err)
	}
	p.notes = append(p.notes, stdinNotes(info, fset, roots)...)
	hideTypeParams(info, decls)
	if body != nil {
		wrapCompound(body)
	}
	for _, name := range sortedKeys(info.needed) {
		if s.mu.imported[name] == info.needed[name] || genericPkgs[info.needed[name]] && s.mu.imported[hiddenPrefix+info.needed[name]] != "" {
			continue
		}
		p.imports = append(p.imports, importSpec{name: name, path: info.needed[name], implicit: true})
	}

	// Order: hoistable declarations first, then the rest in cell order.
	p.chunks = s.orderChunks(fset, declFile, decls, body, info)
	for _, c := range p.chunks {
		c.typeErr = info.firstErr
	}
	return p, nil
}

// needsTypes reports whether a statement-only cell uses a construct whose
// rewrite or result depends on types, or defines a session variable.
func needsTypes(body *ast.BlockStmt) bool {
	if n := len(body.List); n > 0 {
		if es, ok := body.List[n-1].(*ast.ExprStmt); ok {
			switch ast.Unparen(es.X).(type) {
			case *ast.Ident, *ast.SelectorExpr, *ast.StarExpr:
				// The final value may be of a session type whose methods
				// the renderer must see (captureFinal).
				return true
			}
		}
	}
	need := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr, *ast.RangeStmt, *ast.ForStmt, *ast.SelectorExpr, *ast.GoStmt,
			*ast.FuncLit, *ast.IndexExpr, *ast.IndexListExpr, *ast.DeclStmt, *ast.TypeAssertExpr,
			*ast.UnaryExpr, *ast.CompositeLit:
			need = true
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE || len(n.Lhs) != len(n.Rhs) {
				need = true
			}
		}
		return !need
	})
	return need
}

// wrapCompound runs each top-level compound statement (loops, if, switch,
// select, blocks) inside a function literal. yaegi mis-scopes multi-value
// := inside nested blocks at global level ("undefined: v" for
// `for ... { v, ok := m[k] }`); inside a function they work. Top-level
// := statements stay global, so later cells still see them.
func wrapCompound(body *ast.BlockStmt) {
	for i, st := range body.List {
		if isIndexGuard(st) {
			continue // no := inside; a wrapper would show in panic stacks
		}
		switch st.(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt,
			*ast.TypeSwitchStmt, *ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
			body.List[i] = &ast.ExprStmt{X: &ast.CallExpr{
				Fun: &ast.FuncLit{
					Type: &ast.FuncType{Func: st.Pos(), Params: &ast.FieldList{}},
					Body: &ast.BlockStmt{Lbrace: st.Pos(), List: []ast.Stmt{st}, Rbrace: st.End()},
				},
				Lparen: st.End(), Rparen: st.End(),
			}}
		}
	}
}

func lastElem(path string) string {
	if i := strings.LastIndex(path, "/"); i >= 0 {
		path = path[i+1:]
	}
	return path
}

// orderChunks groups declarations and statements into chunks. A
// declaration is hoisted before the statements unless it refers (directly or
// through another declaration) to a name a statement of this cell defines.
func (s *Session) orderChunks(fset *token.FileSet, file *ast.File, decls []ast.Decl, body *ast.BlockStmt, info *cellInfo) []*chunk {
	type entry struct {
		pos  int // line<<20 | column, comparable across the two generated files
		decl ast.Decl
		stmt ast.Stmt
	}
	var entries []entry
	for _, d := range decls {
		entries = append(entries, entry{pos: cellOrder(fset, d.Pos()), decl: d})
	}
	var stmts []ast.Stmt
	if body != nil {
		stmts = body.List
	}
	for _, st := range stmts {
		entries = append(entries, entry{pos: cellOrder(fset, st.Pos()), stmt: st})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].pos < entries[j].pos })

	// Declarations that use what statements define run in cell order.
	late := map[ast.Decl]bool{}
	for i, l := range lateDecls(decls, stmts) {
		late[decls[i]] = l
	}
	hoist := make([]bool, len(entries))
	for i, e := range entries {
		hoist[i] = e.decl != nil && !late[e.decl]
	}

	var chunks []*chunk
	var hoisted []ast.Decl
	for i, e := range entries {
		if hoist[i] {
			hoisted = append(hoisted, e.decl)
		}
	}
	if len(hoisted) > 0 {
		chunks = append(chunks, declChunk(file, hoisted))
	}
	var pendDecls []ast.Decl
	var pendStmts []ast.Stmt
	flush := func() {
		if len(pendDecls) > 0 {
			chunks = append(chunks, declChunk(file, pendDecls))
			pendDecls = nil
		}
		if len(pendStmts) > 0 {
			chunks = append(chunks, &chunk{node: &ast.BlockStmt{Lbrace: pendStmts[0].Pos(), List: pendStmts, Rbrace: pendStmts[len(pendStmts)-1].End()}})
			pendStmts = nil
		}
	}
	for i, e := range entries {
		switch {
		case hoist[i]:
		case e.decl != nil:
			if len(pendStmts) > 0 {
				flush()
			}
			pendDecls = append(pendDecls, e.decl)
		default:
			if len(pendDecls) > 0 {
				flush()
			}
			pendStmts = append(pendStmts, posMarker(fset, e.stmt), e.stmt)
		}
	}
	flush()

	// A cell that declares main and runs nothing else runs main, like `go run`.
	if len(stmts) == 0 {
		for _, d := range decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == mainName {
				call := &ast.ExprStmt{X: &ast.CallExpr{Fun: ast.NewIdent(mainName)}}
				chunks = append(chunks, &chunk{node: &ast.BlockStmt{List: []ast.Stmt{call}}})
			}
		}
	}

	// The last chunk captures the final expression's value(s).
	if len(chunks) > 0 && len(stmts) > 0 {
		last := chunks[len(chunks)-1]
		if blk, ok := last.node.(*ast.BlockStmt); ok && len(blk.List) > 0 && blk.List[len(blk.List)-1] == stmts[len(stmts)-1] {
			s.captureFinal(last, blk, info)
		}
	}
	return chunks
}

// posName is the session variable holding the cell position of the
// running top-level statement: yaegi's panic trace names only the first
// node of the function (for a cell, its first statement).
const posName = hiddenPrefix + "Pos"

// posMarker returns `__golabPos = "cell[N]:L:C"` for statement st, placed
// at st's position (yaegi resolves names by the file of a position).
func posMarker(fset *token.FileSet, st ast.Stmt) ast.Stmt {
	p := fset.Position(st.Pos())
	n, l := splitLine(p.Line)
	lit := fmt.Sprintf("%q", fmt.Sprintf("cell[%d]:%d:%d", n, l, p.Column))
	return &ast.AssignStmt{
		Lhs:    []ast.Expr{&ast.Ident{NamePos: st.Pos(), Name: posName}},
		TokPos: st.Pos(),
		Tok:    token.ASSIGN,
		Rhs:    []ast.Expr{&ast.BasicLit{ValuePos: st.Pos(), Kind: token.STRING, Value: lit}},
	}
}

// cellOrder is a sort key for a position in either generated file: both put
// the cell at the same line and column offsets.
func cellOrder(fset *token.FileSet, pos token.Pos) int {
	p := fset.Position(pos)
	return p.Line<<20 | p.Column
}

func declChunk(file *ast.File, decls []ast.Decl) *chunk {
	f := &ast.File{Package: file.Package, Name: file.Name, Decls: decls}
	return &chunk{node: f, decl: true, file: f}
}

// captureFinal arranges for the value(s) of a final expression statement to
// be returned.
func (s *Session) captureFinal(c *chunk, blk *ast.BlockStmt, info *cellInfo) {
	es, ok := blk.List[len(blk.List)-1].(*ast.ExprStmt)
	if !ok {
		return
	}
	if call, ok := es.X.(*ast.CallExpr); ok {
		if isPrintCall(call) {
			return
		}
		if lit, ok := call.Fun.(*ast.FuncLit); ok && (lit.Type.Results == nil || len(lit.Type.Results.List) == 0) {
			return
		}
		n := info.resultCount(call)
		switch {
		case n == 0:
			return
		case n > 1:
			var rhs ast.Expr = &ast.CallExpr{Fun: ast.NewIdent(hiddenPrefix + "Capture"), Args: []ast.Expr{call}}
			if w := s.captureMethods(call, info); w != nil {
				rhs = w
			}
			blk.List[len(blk.List)-1] = &ast.AssignStmt{
				Lhs: []ast.Expr{ast.NewIdent(hiddenPrefix + "Results")},
				Tok: token.ASSIGN,
				Rhs: []ast.Expr{rhs},
			}
			c.capture = captureTuple
			return
		}
	}
	c.capture = captureValue
	// A value of a session type shows its MIMEBundle, String or Error
	// method to the compiled renderer only through a compiled interface.
	rw := &rewriter{info: info, s: s}
	if w := rw.asMethods(es.X, true); w != nil {
		es.X = w
	}
}

// captureMethods returns, for a call with several results of which some
// have a session type with MIMEBundle, String or Error methods,
//
//	func() []any { r0, r1 := call; return []any{__golabAsX(r0), r1} }()
//
// so that the renderer sees those methods (see captureFinal), or nil.
func (s *Session) captureMethods(call *ast.CallExpr, info *cellInfo) ast.Expr {
	tup, ok := info.typeOf(call).(*types.Tuple)
	if !ok {
		return nil
	}
	rw := &rewriter{info: info, s: s}
	pos := call.Pos()
	var lhs, elts []ast.Expr
	wrapped := false
	for i := 0; i < tup.Len(); i++ {
		r := &ast.Ident{NamePos: pos, Name: fmt.Sprintf("%sR%d", hiddenPrefix, i)}
		lhs = append(lhs, r)
		var e ast.Expr = &ast.Ident{NamePos: pos, Name: r.Name}
		if h := rw.asHelper(tup.At(i).Type(), true); h != "" {
			e = &ast.CallExpr{Fun: &ast.Ident{NamePos: pos, Name: hiddenPrefix + h}, Lparen: pos, Args: []ast.Expr{e}, Rparen: pos}
			wrapped = true
		}
		elts = append(elts, e)
	}
	if !wrapped {
		return nil
	}
	anySlice := &ast.ArrayType{Lbrack: pos, Elt: &ast.Ident{NamePos: pos, Name: "any"}}
	return &ast.CallExpr{Fun: &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: anySlice}}}},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{
			&ast.AssignStmt{Lhs: lhs, TokPos: pos, Tok: token.DEFINE, Rhs: []ast.Expr{call}},
			&ast.ReturnStmt{Return: pos, Results: []ast.Expr{&ast.CompositeLit{Type: &ast.ArrayType{Lbrack: pos, Elt: &ast.Ident{NamePos: pos, Name: "any"}}, Lbrace: pos, Elts: elts, Rbrace: pos}}},
		}, Rbrace: pos},
	}, Lparen: pos, Rparen: pos}
}

// isPrintCall reports calls of fmt.Print, Printf and Println, whose results
// (byte count and error) a notebook does not show.
func isPrintCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok || x.Name != "fmt" {
		return false
	}
	switch sel.Sel.Name {
	case "Print", "Printf", "Println":
		return true
	}
	return false
}

// recordDeclsLocked remembers declarations for auto-import decisions and for
// the type checker of later cells.
func (s *Session) recordDeclsLocked(c *chunk, cell string) {
	for _, d := range c.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				s.mu.funcs[d.Name.Name] = true
			}
		case *ast.GenDecl:
			if d.Tok == token.TYPE {
				for _, sp := range d.Specs {
					ts := sp.(*ast.TypeSpec)
					name := ts.Name.Name
					for orig, alias := range s.mu.typeAlias {
						if alias == name {
							name = orig
						}
					}
					// Print under the user's name, to compare with a
					// later redeclaration.
					cp := *ts
					cp.Name = ast.NewIdent(name)
					var b strings.Builder
					_ = printer.Fprint(&b, token.NewFileSet(), &cp)
					s.mu.types[name] = b.String()
				}
			}
		}
	}
}
