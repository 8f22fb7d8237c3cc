package kernel

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/golab-dev/golab/kernel/interp"
)

// Benchmarks of issue 3: interpreted code in a GoLab cell against the same
// code compiled with go build (this test binary). Each reports the cell's
// time per run and "x-compiled", the ratio to the compiled code.
//
//	go test ./bench/kernel -run '^$' -bench Interp -benchtime 3x

var sink int

// loop10M is the compiled counterpart of loopCell.
func loop10M() int {
	s := 0
	for i := 0; i < 10_000_000; i++ {
		s += i & 7
	}
	return s
}

const loopCell = `s := 0
for i := 0; i < 10_000_000; i++ {
	s += i & 7
}
sink = s`

// compiledTime returns the best of a few runs of f.
func compiledTime(f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for i := 0; i < 5; i++ {
		start := time.Now()
		f()
		if d := time.Since(start); d < best {
			best = d
		}
	}
	return best
}

func newSession(b *testing.B) *interp.Session {
	b.Helper()
	s, err := interp.New(interp.Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func eval(b *testing.B, s *interp.Session, cell string) {
	b.Helper()
	if _, err := s.Eval(context.Background(), cell); err != nil {
		b.Fatalf("%s: %v", cell, err)
	}
}

// BenchmarkInterpLoop10M: a 10-million-iteration loop in a cell.
func BenchmarkInterpLoop10M(b *testing.B) {
	s := newSession(b)
	eval(b, s, "var sink int")
	compiled := compiledTime(func() { sink = loop10M() })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eval(b, s, loopCell)
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(compiled), "x-compiled")
	b.ReportMetric(1e7/per.Seconds(), "iter/s")
}

// BenchmarkInterpSort1M: slices.Sort of 1e6 ints from a cell (a call into
// compiled code), input prepared outside the timed region.
func BenchmarkInterpSort1M(b *testing.B) {
	s := newSession(b)
	eval(b, s, `base := make([]int, 1_000_000)
for i := range base {
	base[i] = (i * 7919) % 1_000_003
}
xs := make([]int, len(base))`)
	base := make([]int, 1_000_000)
	for i := range base {
		base[i] = (i * 7919) % 1_000_003
	}
	xs := make([]int, len(base))
	compiled := compiledTime(func() {
		copy(xs, base)
		slices.Sort(xs)
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		eval(b, s, "copy(xs, base)\nslices.Sort(xs)")
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(compiled), "x-compiled")
	b.ReportMetric(1e6/per.Seconds(), "elems/s")
}
