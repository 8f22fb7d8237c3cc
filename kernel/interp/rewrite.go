package interp

import (
	"go/ast"
	"go/token"
)

// rewriter changes a cell's syntax tree so that yaegi runs it with the
// semantics of current Go.
type rewriter struct {
	info *cellInfo
	fset *token.FileSet
	s    *Session
	err  error
}

func (rw *rewriter) decl(d ast.Decl) {}

func (rw *rewriter) block(b *ast.BlockStmt, top bool) {}
