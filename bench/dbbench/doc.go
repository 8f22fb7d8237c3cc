// Package dbbench runs the db-benchmark (h2oai, now duckdblabs) group-by and
// join questions on GoLab's dataframe engine, side by side with Polars,
// DuckDB and pandas on the same data.
//
// The pieces:
//
//   - gen (and cmd/dbgen) writes the benchmark's data sets, identical to
//     what the benchmark's R scripts produce, as CSV and Parquet.
//   - This package holds what every system shares: the questions, the
//     Answer shape and checksum (sums of the answer's measure columns, as
//     the benchmark computes chk), the results CSV format
//     (system,question,run,seconds,out_rows,out_cols,chk), the Engine
//     interface, and the published answers to check against.
//   - golab is the Engine over github.com/golab-dev/golab/dataframe;
//     cmd/dbgolab runs it.
//   - peers.py runs the same questions on Polars, DuckDB and pandas;
//     report.py compares checksums across systems and with the published
//     answers, and prints the tables and ratios; run.sh drives it all.
//
// # Invariants
//
//   - Loading is never timed; a question's time covers producing a
//     materialized answer. Checksums are computed after the clock stops.
//   - Every question runs twice (the benchmark's two runs) in one process
//     per system and task, so the process's peak RSS is that system's peak
//     memory for the task.
//   - Checksums agree across systems within a relative 1e-11 (floating
//     sums in a different order), integers exactly.
package dbbench
