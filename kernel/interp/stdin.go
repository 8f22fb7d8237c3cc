package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// Standard input.
//
// yaegi gives interpreted code the process's os.Stdin (an *os.File) unless
// Options.Stdin is itself a file, and only its fmt.Scan* read
// Options.Stdin. In the kernel, Options.Stdin asks the Jupyter client for
// a line (input_request) each time a cell reads past what it was given, so
// the rewriter hands that reader to the code that reads os.Stdin as an
// io.Reader: os.Stdin passed where a function or method takes a non-empty
// interface (bufio.NewReader(os.Stdin), bufio.NewScanner(os.Stdin),
// io.ReadAll(os.Stdin), fmt.Fscan(os.Stdin, &x), json.NewDecoder(os.Stdin))
// and os.Stdin.Read(buf) become __golabStdin(). Other uses of the *os.File
// (assignment to a variable of type *os.File) keep the process's standard
// input, and Eval writes a note saying so (stdinNotes); method calls such
// as os.Stdin.Stat() are left alone without a note.

// isOSStdin reports whether e is the selector os.Stdin.
func (rw *rewriter) isOSStdin(e ast.Expr) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Stdin" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	pn, ok := rw.info.info.Uses[x].(*types.PkgName)
	return ok && pn.Imported().Path() == "os"
}

// stdinExpr is the session's standard input reader, at e's position.
func stdinExpr(e ast.Expr) ast.Expr {
	return &ast.CallExpr{Fun: &ast.Ident{NamePos: e.Pos(), Name: hiddenPrefix + "Stdin"}, Lparen: e.Pos(), Rparen: e.End()}
}

// stdinArgs replaces os.Stdin by the session's reader in the arguments of
// c that are passed as interfaces, and in os.Stdin.Read(buf).
func (rw *rewriter) stdinArgs(c *ast.CallExpr) {
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Read" && rw.isOSStdin(sel.X) {
		sel.X = stdinExpr(sel.X)
		return
	}
	var sig *types.Signature
	for i, a := range c.Args {
		if !rw.isOSStdin(a) {
			continue
		}
		if sig == nil {
			var ok bool
			if sig, ok = rw.info.typeOf(c.Fun).(*types.Signature); !ok {
				return
			}
		}
		var pt types.Type
		switch {
		case sig.Variadic() && i >= sig.Params().Len()-1:
			if c.Ellipsis.IsValid() {
				continue
			}
			pt = sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice).Elem()
		case i < sig.Params().Len():
			pt = sig.Params().At(i).Type()
		default:
			continue
		}
		if it, ok := pt.Underlying().(*types.Interface); ok && !it.Empty() {
			c.Args[i] = stdinExpr(a)
		}
	}
}

// stdinNotes returns a note for each os.Stdin left after the rewrites
// (used as an *os.File, for example assigned to a variable first), which
// reads the process's standard input, not the notebook's input box.
func stdinNotes(info *cellInfo, fset *token.FileSet, roots []ast.Node) []string {
	if info == nil || info.info == nil {
		return nil
	}
	rw := &rewriter{info: info}
	var notes []string
	for _, root := range roots {
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				// os.Stdin.Stat(), os.Stdin.Fd(), ... are about the file.
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && rw.isOSStdin(sel.X) {
					for _, a := range n.Args {
						ast.Inspect(a, func(m ast.Node) bool { return visitStdin(rw, fset, m, &notes) })
					}
					return false
				}
			}
			return visitStdin(rw, fset, n, &notes)
		})
	}
	return notes
}

// visitStdin adds the note of stdinNotes when n is os.Stdin.
func visitStdin(rw *rewriter, fset *token.FileSet, n ast.Node, notes *[]string) bool {
	if e, ok := n.(ast.Expr); ok && rw.isOSStdin(e) {
		_, line := splitLine(fset.Position(e.Pos()).Line)
		*notes = append(*notes, fmt.Sprintf("golab: note: line %d uses os.Stdin as an *os.File, which reads the kernel process's (empty) standard input; pass os.Stdin straight to a reader (bufio.NewReader(os.Stdin), bufio.NewScanner(os.Stdin), io.ReadAll(os.Stdin)) or use fmt.Scan to read from the notebook", line))
		return false
	}
	return true
}
