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
// built in parallel (hashtable.go; a sample of the keys skips the
// worker-local attempt when nearly all keys are distinct). Null-free
// dictionary and int32 keys are read in place (direct.go): their packed
// code is computed per row from the indices or values, never stored.
// Aggregates run over (group id, value) arrays with per-worker partial
// states merged at the end; sum, mean and count of a bare int32, int64 or
// float64 column without nulls read the Arrow buffer directly, and corr of
// two integer columns uses exact int64 moments in one pass (aggfast.go);
// holistic ones (median, quantile, top_k) group row indices by id first.
//
// Join: both sides' keys are encoded into one code space and the build
// side (right) is indexed by code. When its keys are unique (the usual
// case) the probe side (left) is probed in one pass per morsel and a left
// join keeps every left row in order, so its columns are shared, not
// copied; duplicate keys are chained and probed in two passes (count,
// then fill). Fixed-width columns (and dictionary indices) of one side
// are gathered together, one pass over the index (gather.go).
//
// Cancellation: besides the morsel loops, serial loops over rows (join
// build, sort, string min/max, explode, ...) check ctx every MorselSize
// rows.
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
