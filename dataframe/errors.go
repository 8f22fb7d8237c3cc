package dataframe

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/expr"
)

type arrowSchema = arrow.Schema

// Sentinel errors. Every error the package returns wraps one of them (or a
// context error); test with errors.Is.
var (
	// ErrColumnNotFound: a referenced column does not exist. The message
	// lists the existing columns and the closest name.
	ErrColumnNotFound = expr.ErrColumnNotFound
	// ErrSchemaMismatch: schemas do not line up (concat, join key types).
	ErrSchemaMismatch = expr.ErrSchemaMismatch
	// ErrTypeMismatch: an expression got a type it does not support; the
	// message names both types and the expression.
	ErrTypeMismatch = expr.ErrTypeMismatch
	// ErrInvalidArgument: a malformed call (bad option, length, index).
	ErrInvalidArgument = expr.ErrInvalidArgument
	// ErrParse: malformed input data; CSV errors name file, line and column.
	ErrParse = expr.ErrParse
	// ErrUnsupported: an operation or type the engine does not implement.
	ErrUnsupported = expr.ErrUnsupported
	// ErrDuplicateColumn: two columns would get the same name.
	ErrDuplicateColumn = expr.ErrDuplicateColumn
)

func columnNotFound(name string, s *arrowSchema) error {
	return expr.ColumnNotFound(name, s)
}
