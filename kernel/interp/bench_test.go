package interp

import (
	"context"
	"fmt"
	"io"
	"testing"
)

// BenchmarkEvalCall measures a cell with a call, which is type-checked
// against the session model.
func BenchmarkEvalCall(b *testing.B) {
	s, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < 50; i++ {
		if _, err := s.Eval(ctx, fmt.Sprintf("func F%d(x int) int { return x + %d }\nv%d := F%d(1)", i, i, i, i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Eval(ctx, "F3(v7)"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

// BenchmarkEvalTrivial measures the kernel-side cost of a trivial cell
// (split, type-check, rewrite, compile, run, flush).
func BenchmarkEvalTrivial(b *testing.B) {
	for _, decls := range []int{0, 200} {
		b.Run(fmt.Sprintf("decls=%d", decls), func(b *testing.B) {
			s, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			for i := 0; i < decls; i++ {
				if _, err := s.Eval(ctx, fmt.Sprintf("type T%d struct{ A int }\nfunc F%d(x int) int { return x + %d }\nv%d := F%d(1)", i, i, i, i, i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Eval(ctx, "1 + 1"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cells/s")
		})
	}
}

// BenchmarkEvalSessionSize measures a trivial cell after 0 and 500 earlier
// cells, each declaring a variable and a function that reads it: the
// per-cell cost must not grow with the session.
func BenchmarkEvalSessionSize(b *testing.B) {
	for _, cells := range []int{0, 500} {
		b.Run(fmt.Sprintf("cells=%d", cells), func(b *testing.B) {
			s, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			for i := 0; i < cells; i++ {
				if _, err := s.Eval(ctx, fmt.Sprintf("x%d := 1; func f%d() int { return x%d }", i, i, i)); err != nil {
					b.Fatal(err)
				}
			}
			for _, cell := range []string{"1", "f1()", "y := len(\"ab\")"} {
				b.Run(fmt.Sprintf("cell=%q", cell), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := s.Eval(ctx, cell); err != nil && cells > 0 {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkIndexGuards measures the cost of the index guards (index.go) in
// an interpreted loop that indexes by an expression.
func BenchmarkIndexGuards(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("guards=%v", on), func(b *testing.B) {
			defer func(old bool) { indexGuards = old }(indexGuards)
			indexGuards = on
			s, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if _, err := s.Eval(ctx, "func sum(a []int, n int) int {\n\ts := 0\n\tfor j := 0; j < n; j++ {\n\t\ts += a[j%len(a)]\n\t}\n\treturn s\n}\nxs := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.Eval(ctx, "sum(xs, 100000)"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
