package physical

import (
	"context"
	"sync"
)

// MorselSize is the number of rows a worker processes between ctx checks.
const MorselSize = 64 * 1024

// parallelFor splits [0,n) into morsels and runs fn on workers goroutines.
// fn receives the worker index (0..workers-1) so it can use per-worker
// scratch state. It checks ctx before each morsel and returns ctx.Err()
// when cancelled.
func parallelFor(ctx context.Context, workers, n int, fn func(w, lo, hi int)) error {
	if n <= 0 {
		return ctx.Err()
	}
	morsel := MorselSize
	nm := (n + morsel - 1) / morsel
	if workers > nm {
		workers = nm
	}
	if workers <= 1 {
		for lo := 0; lo < n; lo += morsel {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(0, lo, min(lo+morsel, n))
		}
		return ctx.Err()
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	var firstErr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				if err := ctx.Err(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mu.Lock()
				m := next
				next++
				mu.Unlock()
				if m >= nm {
					return
				}
				lo := m * morsel
				fn(w, lo, min(lo+morsel, n))
			}
		}(w)
	}
	wg.Wait()
	return firstErr
}

// parallelTasks runs fn(i) for i in [0,n) on up to workers goroutines,
// checking ctx between tasks.
func parallelTasks(ctx context.Context, workers, n int, fn func(w, i int)) error {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(0, i)
		}
		return ctx.Err()
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(w, i)
			}
		}(w)
	}
	wg.Wait()
	return ctx.Err()
}
