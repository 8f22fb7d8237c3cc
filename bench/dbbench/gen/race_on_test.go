//go:build race

package gen

// raceEnabled: the full-size tests take minutes under the race detector and
// exercise no concurrency, so they run only in non-race test runs.
const raceEnabled = true
