package kernel

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
)

// router attributes output to cells by goroutine ancestry.
//
// While a cell runs, output of goroutines nobody claimed goes to it. When a
// cell ends, goroutines that appeared during it and still live are claimed
// by it; goroutines they start later are found through their parent. As
// long as no cell left goroutines behind, attribution costs nothing.
type router struct {
	mu      struct{ sync.Mutex }
	current string            // cell running now, or the last one that ran
	owner   map[uint64]string // goroutine id -> cell
	known   map[uint64]bool   // goroutines alive at the last census
}

func newRouter() *router {
	r := &router{owner: map[uint64]string{}, known: map[uint64]bool{}}
	r.census("")
	return r
}

// begin marks cell as the running one.
func (r *router) begin(cell string) {
	r.mu.Lock()
	r.current = cell
	r.mu.Unlock()
}

// end claims for cell the goroutines that appeared while it ran. It always
// takes a census: comparing goroutine counts would miss a goroutine the
// cell started while an unrelated one ended.
func (r *router) end(cell string) {
	r.census(cell)
}

// census records the live goroutines; new ones are claimed by cell.
func (r *router) census(cell string) {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	live := map[uint64]bool{}
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		if id, ok := goroutineID(block); ok {
			live[id] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range live {
		if !r.known[id] && cell != "" {
			if _, claimed := r.owner[id]; !claimed {
				r.owner[id] = cell
			}
		}
	}
	for id := range r.owner {
		if !live[id] {
			delete(r.owner, id)
		}
	}
	r.known = live
}

// cell returns the cell the calling goroutine writes for.
func (r *router) cell() string {
	r.mu.Lock()
	if len(r.owner) == 0 {
		c := r.current
		r.mu.Unlock()
		return c
	}
	r.mu.Unlock()
	id, parent := selfAndParent()
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.owner[id]; ok {
		return c
	}
	if c, ok := r.owner[parent]; ok {
		r.owner[id] = c
		return c
	}
	return r.current
}

// selfAndParent reads the calling goroutine's id and its creator's id from
// its own stack trace.
func selfAndParent() (id, parent uint64) {
	var arr [8192]byte
	buf := arr[:runtime.Stack(arr[:], false)]
	id, _ = goroutineID(buf)
	if i := bytes.LastIndex(buf, []byte(" in goroutine ")); i >= 0 {
		rest := buf[i+len(" in goroutine "):]
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			j = len(rest)
		}
		parent, _ = strconv.ParseUint(string(rest[:j]), 10, 64)
	}
	return id, parent
}

func goroutineID(block []byte) (uint64, bool) {
	block = bytes.TrimLeft(block, "\n")
	if !bytes.HasPrefix(block, []byte("goroutine ")) {
		return 0, false
	}
	rest := block[len("goroutine "):]
	j := bytes.IndexByte(rest, ' ')
	if j < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(string(rest[:j]), 10, 64)
	return id, err == nil
}
