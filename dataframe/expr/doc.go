// Package expr defines the expression trees of the dataframe engine:
// column references, literals, operators, casts, aggregates, scalar
// functions (str.*, dt.*, fill_null, ...) and window functions.
//
// # Invariants
//
//   - Nodes are plain, immutable structs (serializable in principle);
//     rewrites build new trees (Transform).
//   - Expr.String is canonical: two expressions are structurally equal
//     iff their strings are equal (used by CSE and aggregate sharing).
//   - TypeOf is the single source of typing rules; every layer (plan,
//     optimizer, executor) agrees with it. Integers compute as int64,
//     floats as float64, Div always yields float64.
//
// # Errors
//
// The package owns the engine's sentinel errors (ErrColumnNotFound,
// ErrTypeMismatch, ...), prefixed "dataframe: " because package dataframe
// re-exports them. ColumnNotFound lists the available columns and the
// closest name; type errors name both types and the expression.
//
// # Imports
//
// expr imports no other engine package (order: expr, plan, optimize,
// physical, exec).
package expr
