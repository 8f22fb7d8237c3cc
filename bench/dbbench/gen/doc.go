// Package gen reproduces the data sets of the db-benchmark (h2oai, now
// duckdblabs) bit for bit, without R.
//
// The benchmark's data are written by groupby-datagen.R and join-datagen.R
// with set.seed(108) and R's default generators (Mersenne-Twister,
// sample.kind "Rejection", R >= 3.6). RNG re-implements exactly the part of
// R those scripts use: set.seed's seed scrambling, MT19937 with R's fixup,
// R_unif_index with rbits, sample with and without replacement, runif and
// round(x, 6). GenerateGroupby and GenerateJoin follow the scripts' order of
// random draws, so the tables equal R's: for G1_1e7_1e2_0_0 sum(v1) =
// 29998789, sum(v2) = 79989360, sum(v3) = 499976651.408, and the first rows
// equal the published ones; for J1_1e7_NA_0_0 the inner join of x with small
// on id1 has 8998860 rows.
//
// # Invariants
//
//   - Generation is deterministic: the same N (and K) always gives the same
//     tables, on every platform (only IEEE float64 arithmetic is used).
//   - String key columns are held as integer codes; their text ("id001",
//     "id0000000042", "id42") is produced when writing.
//   - WriteFiles writes whole files only (temporary name, then rename).
//
// Generation is single-threaded (the random stream is sequential); CSV
// formatting runs on all cores. Nothing here is safe for concurrent use
// unless stated.
package gen
