// Package batch runs notebooks headless, papermill style: it reads and
// writes nbformat 4 files, injects parameters as Go code, executes every
// code cell on a kernel (a [client.Client] from kernel/client) and records
// outputs, execution counts and timing. `golab run` is its command line.
//
// # Parameters
//
// The cell tagged "parameters" keeps the defaults. [InjectParams] inserts
// a cell tagged "injected-parameters" after it (replacing an existing
// one; first in the notebook when no cell is tagged parameters):
//
//	// Parameters
//	alpha = 0.1
//	name := "caf\u00e9"
//
// A name the parameters cell declares (`var x ...`, `x := ...`, found line
// by line by [DeclaredVars]) is assigned with `=`, so it keeps its declared
// type (an int default stays int, `alpha = 1` into a float64 is 1.0);
// other names are declared with `:=` (the GoLab kernel allows
// re-declaration). Values are parsed by [ParseValue] like papermill's
// CLI, and rendered by [Render]: strings with strconv.QuoteToASCII, floats
// as Python's repr writes them (always with a '.' or an exponent, so they
// stay float64), NaN and ±Inf as math.NaN() and math.Inf(±1), lists as
// typed slices when all elements have one kind. The papermill translator
// in install/papermill_golab implements the same rules, so `golab run -p`
// and `papermill -p` inject byte-identical cells; the test data under
// testdata/params.txt is shared by both test suites. Two deliberate
// differences in parsing: golab run also reads true/false as bools and a
// JSON array ([1, 2.5]) as a list, where papermill's -p keeps both as
// strings (papermill takes lists from -y or -f YAML, which the translator
// renders the same way).
//
// # Metadata
//
// Like papermill, every cell gets metadata.papermill {start_time,
// end_time, duration, status, exception} and the notebook gets
// metadata.papermill {parameters, start_time, end_time, duration,
// exception, input_path, output_path, version}. Times are UTC ISO 8601
// without a zone, as papermill writes them. Non-finite float parameters
// are recorded as the strings "NaN", "Infinity" and "-Infinity" (JSON has
// no such numbers).
//
// # Invariants
//
//   - Reading then writing a notebook keeps unknown fields, metadata and
//     cell ids; the output is what nbformat writes (sorted keys, one-space
//     indent, multi-line strings as line lists).
//   - A cell tagged raises-exception passes when it fails and fails when it
//     succeeds.
//   - [Run] returns an error wrapping [ErrCellFailed] that names the first
//     failed cell (1-based index among all cells, first source line, error)
//     exactly when some cell failed; the Report lists every code cell.
//   - After a run or cell timeout the cell is interrupted; a run timeout or
//     a kernel that died or did not stop ends the run even with
//     AllowErrors.
package batch
