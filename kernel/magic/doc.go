// Package magic parses the IPython-style magics of a GoLab cell.
//
// A cell whose first non-blank line starts with "%" or "!" is a magic, not
// Go. [Parse] turns such a cell into a [Magic]: its [Kind], its arguments and,
// for cell magics ("%%writefile"), the body that follows the first line.
// Parsing is pure: nothing is executed here; the kernel runs the magic.
//
// # Grammar
//
//	%help                 list the magics
//	%env                  list the environment
//	%env NAME             show one variable
//	%env NAME=VALUE       set a variable (VALUE may contain spaces and "=")
//	%time STMT            run STMT once and report the wall time
//	%timeit [-n N] STMT   run STMT repeatedly and report the time per run
//	%who                  list session variables with their types
//	%reset                forget all session state
//	!CMD                  run CMD in a shell and stream its output
//	%%writefile [-a] FILE write (or with -a append) the rest of the cell to FILE
//
// Line magics take the rest of their line; a trailing backslash continues
// the line. %time and %timeit may also be followed by more lines, which
// are part of the statement.
//
// # Error policy
//
// Parse returns an error wrapping [ErrUnknown] for a magic it does not
// know, and the message lists the known ones; it returns an error wrapping
// [ErrSyntax] for a known magic with bad arguments. A cell that is not a
// magic gives [ErrNotMagic]. Parse never panics (FuzzParse checks this).
//
// # Concurrency
//
// All functions are pure and safe for concurrent use.
package magic
