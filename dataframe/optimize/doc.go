// Package optimize rewrites logical plans. Each rule lives in its own file
// and implements Rule:
//
//   - ConstantFolding (constant_folding.go): evaluates literal-only
//     operators and boolean identities; drops always-true filters.
//   - CSE (cse.go): computes repeated sub-expressions of one projection once.
//   - PredicatePushdown (predicate_pushdown.go): moves filter conjuncts
//     towards and into scans (Scan.Filters), through projections, sorts,
//     renames, group keys and the preserved side of joins.
//   - ProjectionPushdown (projection_pushdown.go): narrows scans to the
//     columns used.
//
// # Invariants
//
// A rule never changes a query's result (order of rows included, for
// operators that define one); tests check optimized against unoptimized
// execution with fixed seeds, and Explain output against golden files in
// testdata/ (regenerate with go test ./dataframe/optimize -update).
// Rules are pure functions of the plan and safe for concurrent use.
//
// # Imports
//
// optimize imports plan and expr.
package optimize
