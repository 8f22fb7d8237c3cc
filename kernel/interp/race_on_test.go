//go:build race

package interp

// raceEnabled reports a -race build. yaegi v0.16.1 restores a closure's
// frame slot from the goroutine that ran it without a lock (interp/run.go,
// getFunc), which the race detector reports for cells that start
// goroutines from function literals in a loop; corpus cases doing so are
// skipped under -race and run in normal builds.
const raceEnabled = true
