package expr

import "errors"

// Sentinel errors shared by every layer of the engine. The public package
// dataframe re-exports them; callers test with errors.Is.
var (
	// ErrColumnNotFound reports a reference to a column that does not exist.
	ErrColumnNotFound = errors.New("dataframe: column not found")
	// ErrSchemaMismatch reports incompatible schemas (concat, join keys, ...).
	ErrSchemaMismatch = errors.New("dataframe: schema mismatch")
	// ErrTypeMismatch reports an expression applied to a type it does not support.
	ErrTypeMismatch = errors.New("dataframe: type mismatch")
	// ErrInvalidArgument reports a malformed call (bad option, bad length...).
	ErrInvalidArgument = errors.New("dataframe: invalid argument")
	// ErrParse reports malformed input data (CSV, JSON, expression text).
	ErrParse = errors.New("dataframe: parse error")
	// ErrUnsupported reports an operation the engine does not implement yet.
	ErrUnsupported = errors.New("dataframe: unsupported")
	// ErrDuplicateColumn reports two output columns with the same name.
	ErrDuplicateColumn = errors.New("dataframe: duplicate column")
)
