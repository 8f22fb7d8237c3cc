//go:build race

package plotting_test

// raceEnabled shrinks the pixel-comparison tests under the race detector,
// which slows rasterization about tenfold.
const raceEnabled = true
