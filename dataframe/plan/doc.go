// Package plan holds the logical plan: Scan, Select, WithColumns, Filter,
// Aggregate, Join, Sort, Slice, Rename, Drop, Distinct, Union, Explode.
//
// # Invariants
//
//   - Nodes are built only through the New* constructors, which validate
//     columns and types; a built plan is well typed, so executors may
//     trust Schema().
//   - Nodes are immutable; WithInputs re-validates and returns a copy.
//   - Nodes are plain structs referencing a Source (the one non-plain
//     part): a remote executor ships the Source's description and the
//     tree.
//   - Explain renders one node per line, children indented by two spaces;
//     optimizer golden tests compare this text.
//
// # Sources and ownership
//
// Source.Scan returns single-chunk arrays the caller owns. ScanRequest
// filters are hints; the executor re-applies them row by row.
//
// # Imports
//
// plan imports only expr.
package plan
