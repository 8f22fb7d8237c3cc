package cluster

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// ParseBytes parses a memory size such as "2GiB", "512MiB", "1.5GB",
// "1000000" (bytes). Binary (KiB, MiB, GiB, TiB) and decimal (KB, MB, GB,
// TB) suffixes are accepted, case-insensitively.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suf string
		mul float64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1},
	}
	mul := 1.0
	low := strings.ToLower(t)
	for _, u := range units {
		if strings.HasSuffix(low, u.suf) {
			mul, t = u.mul, strings.TrimSpace(t[:len(t)-len(u.suf)])
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*mul > 1<<62 {
		return 0, fmt.Errorf("%w: memory size %q: want a number with an optional unit, e.g. 2GiB or 512MiB", ErrConfig, s)
	}
	return int64(v * mul), nil
}

// FormatBytes renders n bytes with a binary unit ("1.5 GiB").
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// LimitAllocator is an Arrow allocator that counts the bytes it has handed
// out and refuses to go past Limit.
//
// Arrow's Allocator interface cannot return errors, and the engine
// allocates on morsel goroutines where a panic would kill the worker, so
// refusal works in two steps: Reserve (used for task inputs before they
// are stored) returns ErrMemoryLimit without allocating; Allocate past the
// limit still succeeds but calls OnExceed, which the worker uses to cancel
// the task that allocated with an ErrMemoryLimit cause. GOMEMLIMIT, set
// from the same limit, is the backstop for Go-heap garbage.
type LimitAllocator struct {
	mem   memory.Allocator
	limit int64
	used  atomic.Int64
	// OnExceed is called (at most once per call to Allocate or Reallocate)
	// when an allocation takes the total past the limit.
	OnExceed func(err error)
}

// NewLimitAllocator wraps mem (memory.DefaultAllocator when nil).
func NewLimitAllocator(mem memory.Allocator, limit int64) *LimitAllocator {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &LimitAllocator{mem: mem, limit: limit}
}

// Limit returns the limit in bytes.
func (a *LimitAllocator) Limit() int64 { return a.limit }

// Used returns the bytes currently allocated.
func (a *LimitAllocator) Used() int64 { return a.used.Load() }

func (a *LimitAllocator) limitError(need int64) error {
	return fmt.Errorf("%w: %s needed with %s of the %s limit in use; start the worker with a larger --memory (cluster.Config.MemoryPerWorker) or use more workers",
		ErrMemoryLimit, FormatBytes(need), FormatBytes(a.used.Load()), FormatBytes(a.limit))
}

// Reserve checks that n more bytes fit under the limit.
func (a *LimitAllocator) Reserve(n int64) error {
	if a.limit > 0 && a.used.Load()+n > a.limit {
		return a.limitError(n)
	}
	return nil
}

// Charge counts n bytes held outside the allocator (received IPC
// buffers) against the limit, or returns ErrMemoryLimit without counting
// them. Uncharge gives them back.
func (a *LimitAllocator) Charge(n int64) error {
	for {
		u := a.used.Load()
		if a.limit > 0 && u+n > a.limit {
			return a.limitError(n)
		}
		if a.used.CompareAndSwap(u, u+n) {
			return nil
		}
	}
}

// Uncharge undoes Charge(n).
func (a *LimitAllocator) Uncharge(n int64) { a.used.Add(-n) }

func (a *LimitAllocator) grew(n int64) {
	if u := a.used.Add(n); a.limit > 0 && n > 0 && u > a.limit && a.OnExceed != nil {
		a.OnExceed(a.limitError(n))
	}
}

// Allocate implements memory.Allocator.
func (a *LimitAllocator) Allocate(size int) []byte {
	b := a.mem.Allocate(size)
	a.grew(int64(size))
	return b
}

// Reallocate implements memory.Allocator.
func (a *LimitAllocator) Reallocate(size int, b []byte) []byte {
	old := len(b)
	nb := a.mem.Reallocate(size, b)
	a.grew(int64(size - old))
	return nb
}

// Free implements memory.Allocator.
func (a *LimitAllocator) Free(b []byte) {
	a.used.Add(-int64(len(b)))
	a.mem.Free(b)
}

// taskAllocator attributes a task's allocations to the worker's
// LimitAllocator and cancels the task when the worker goes past its limit.
// When the task ends, finish forgives the bytes the task never freed
// (buffers dropped without Release are reclaimed by the Go GC, which
// GOMEMLIMIT governs), so leaks do not eat the worker's limit.
type taskAllocator struct {
	*LimitAllocator
	cancel func(error)
	own    atomic.Int64
	done   atomic.Bool
}

func (t *taskAllocator) Allocate(size int) []byte {
	b := t.mem.Allocate(size)
	t.check(int64(size))
	return b
}

func (t *taskAllocator) Reallocate(size int, b []byte) []byte {
	old := len(b)
	nb := t.mem.Reallocate(size, b)
	t.check(int64(size - old))
	return nb
}

func (t *taskAllocator) Free(b []byte) {
	if t.done.Load() {
		t.mem.Free(b) // already forgiven by finish
		return
	}
	t.own.Add(-int64(len(b)))
	t.LimitAllocator.Free(b)
}

func (t *taskAllocator) check(n int64) {
	t.own.Add(n)
	if u := t.used.Add(n); t.limit > 0 && n > 0 && u > t.limit {
		t.cancel(t.limitError(n))
	}
}

// finish ends the task's accounting.
func (t *taskAllocator) finish() {
	t.done.Store(true)
	if rem := t.own.Swap(0); rem != 0 {
		t.used.Add(-rem)
	}
}
