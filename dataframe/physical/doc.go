// Package physical holds the physical operators of the local engine and
// their kernels: expression evaluation, hash tables, hash aggregation,
// hash join, sort, gather.
//
// # Execution model
//
// Operators materialize their output (operator-at-a-time over single-chunk
// Arrow arrays). Inside each operator work is split into morsels of
// MorselSize rows processed by Env.Workers goroutines; ctx is checked
// before every morsel, so a cancelled query stops within one morsel
// (well under 100 ms).
//
// Group-by: key columns are turned into integer codes (integers by
// offset from their minimum, strings through a hash table, dictionaries by
// index), packed into one uint64 per row when their bit widths fit, and
// then numbered densely: directly through an array when the packed key
// space is small, else through hash-partitioned open-addressing tables
// built in parallel (table.go). Aggregates run over (group id, value)
// arrays with per-worker partial states merged at the end; holistic ones
// (median, quantile, top_k) group row indices by id first.
//
// Join: both sides' keys are encoded into one code space, the build side
// (right) is chained by code, the probe side (left) is probed in parallel
// morsels (count pass, then fill pass) and columns are gathered.
//
// # Ownership
//
// A Table owns one reference to each column; Run returns a Table the
// caller must Release. Inputs are never modified. Temporary Go slices are
// garbage collected; Arrow buffers come from Env.Mem.
//
// # Errors
//
// Kernels return errors wrapping the expr sentinels; they never panic on
// user data.
//
// # Imports
//
// physical imports plan and expr (and optimize is not needed).
package physical
