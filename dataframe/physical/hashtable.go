package physical

import (
	"context"
	"hash/maphash"
	"math/bits"
	"sync/atomic"
	"unsafe"
)

var strSeed = maphash.MakeSeed()

// hashString hashes s with the process-wide seed.
func hashString(s string) uint64 { return maphash.String(strSeed, s) }

// hashU64 is the murmur3 64-bit finalizer.
func hashU64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

type slot[K comparable] struct {
	h    uint64
	code int32 // code+1; 0 marks an empty slot
	key  K
}

// slot0 is the slot of tables with large keys: the key lives in keys[code].
type slot0 struct {
	h    uint64
	code int32
}

// table is an open-addressing (linear probing) hash table that assigns
// dense codes 0,1,2,... to distinct keys in insertion order. Keys of at
// most 8 bytes are stored in the slots (one memory access per probe);
// larger keys (strings, shortKeys) are stored once in keys and slots stay
// 16 bytes, which keeps big tables cache-friendlier. Not safe for
// concurrent writes; concurrent find is safe once building is done.
type table[K comparable] struct {
	slots []slot[K]
	ext   []slot0
	big   bool
	mask  uint64
	keys  []K
}

func newTable[K comparable](hint int) *table[K] {
	size := 16
	for size < hint*2 {
		size <<= 1
	}
	var zero K
	t := &table[K]{mask: uint64(size - 1), keys: make([]K, 0, hint), big: unsafe.Sizeof(zero) > 8}
	if t.big {
		t.ext = make([]slot0, size)
	} else {
		t.slots = make([]slot[K], size)
	}
	return t
}

func newStrTable(hint int) *table[string] { return newTable[string](hint) }

func (t *table[K]) len() int { return len(t.keys) }

func (t *table[K]) size() int {
	if t.big {
		return len(t.ext)
	}
	return len(t.slots)
}

func (t *table[K]) grow() {
	if t.big {
		old := t.ext
		t.ext = make([]slot0, len(old)*2)
		t.mask = uint64(len(t.ext) - 1)
		for _, s := range old {
			if s.code == 0 {
				continue
			}
			i := s.h & t.mask
			for t.ext[i].code != 0 {
				i = (i + 1) & t.mask
			}
			t.ext[i] = s
		}
		return
	}
	old := t.slots
	t.slots = make([]slot[K], len(old)*2)
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.code == 0 {
			continue
		}
		i := s.h & t.mask
		for t.slots[i].code != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = s
	}
}

// insert returns k's code, adding k with the next code when absent.
func (t *table[K]) insert(k K, h uint64) (int32, bool) {
	if len(t.keys)*2 >= t.size() {
		t.grow()
	}
	i := h & t.mask
	if t.big {
		for {
			s := &t.ext[i]
			if s.code == 0 {
				s.h = h
				s.code = int32(len(t.keys)) + 1
				t.keys = append(t.keys, k)
				return s.code - 1, true
			}
			if s.h == h && t.keys[s.code-1] == k {
				return s.code - 1, false
			}
			i = (i + 1) & t.mask
		}
	}
	for {
		s := &t.slots[i]
		if s.code == 0 {
			s.h = h
			s.code = int32(len(t.keys)) + 1
			s.key = k
			t.keys = append(t.keys, k)
			return s.code - 1, true
		}
		if s.h == h && s.key == k {
			return s.code - 1, false
		}
		i = (i + 1) & t.mask
	}
}

// find returns k's code or -1.
func (t *table[K]) find(k K, h uint64) int32 {
	i := h & t.mask
	if t.big {
		for {
			s := &t.ext[i]
			if s.code == 0 {
				return -1
			}
			if s.h == h && t.keys[s.code-1] == k {
				return s.code - 1
			}
			i = (i + 1) & t.mask
		}
	}
	for {
		s := &t.slots[i]
		if s.code == 0 {
			return -1
		}
		if s.h == h && s.key == k {
			return s.code - 1
		}
		i = (i + 1) & t.mask
	}
}

// denseEncode maps each row's key to a dense group code. It returns the
// codes, the number of distinct keys and the first row of each code. Rows
// where skip(i) is true (nil skip: none) get code 0 and are not counted;
// callers reserve code 0 for them by passing offset 1.
//
// Large inputs are hash-partitioned and every partition is encoded by its
// own table in parallel; codes are then numbered partition by partition.
func denseEncode[K comparable](ctx context.Context, env *Env, n int, key func(i int) K, hash func(K) uint64) (codes []uint32, ngroups int, first []int32, err error) {
	codes = make([]uint32, n)
	if n < 1<<16 || env.Workers <= 1 {
		t := newTable[K](64)
		for i := 0; i < n; i++ {
			if i&(MorselSize-1) == 0 && ctx.Err() != nil {
				return nil, 0, nil, ctx.Err()
			}
			k := key(i)
			c, isNew := t.insert(k, hash(k))
			if isNew {
				first = append(first, int32(i))
			}
			codes[i] = uint32(c)
		}
		return codes, t.len(), first, nil
	}
	// Worker-local tables merged at the end (sequential, cache-friendly)
	// unless the keys turn out to be mostly distinct, then hash partitioning
	// (no big serial merge). A sample decides up front when nearly every
	// sampled key is distinct, so the local attempt is not wasted.
	if !mostlyDistinct(n, key, hash) {
		if c, ng, first, ok, err := denseEncodeLocal(ctx, env, n, key, hash, codes); ok || err != nil {
			return c, ng, first, err
		}
	}
	return denseEncodePartitioned(ctx, env, n, key, hash, codes)
}

// mostlyDistinct reports whether at least 95% of 16384 keys sampled at an
// even stride over [0,n) are distinct: with uniformly drawn keys that
// means more than about 160 000 distinct keys, too many for per-worker
// tables merged serially.
func mostlyDistinct[K comparable](n int, key func(i int) K, hash func(K) uint64) bool {
	const s = 1 << 14
	if n < 8*s {
		return false
	}
	t := newTable[K](s)
	stride := n / s
	for j := 0; j < s; j++ {
		k := key(j * stride)
		t.insert(k, hash(k))
	}
	return t.len()*100 >= s*95
}

// denseEncodeLocal gives each worker a contiguous range and its own table,
// then merges the tables in range order, so codes follow first appearance.
func denseEncodeLocal[K comparable](ctx context.Context, env *Env, n int, key func(i int) K, hash func(K) uint64, codes []uint32) ([]uint32, int, []int32, bool, error) {
	w := env.Workers
	limit := max(1<<16, n/(8*w))
	var bail atomic.Bool
	tables := make([]*table[K], w)
	firsts := make([][]int32, w)
	bounds := func(i int) (int, int) { return i * n / w, (i + 1) * n / w }
	if err := parallelTasks(ctx, w, w, func(_, i int) {
		lo, hi := bounds(i)
		t := newTable[K](256)
		var fr []int32
		for m := lo; m < hi; m += MorselSize {
			if ctx.Err() != nil || bail.Load() {
				return
			}
			if seen := m - lo; t.len() > limit || (seen >= 1<<20 && t.len()*2 > seen) {
				bail.Store(true)
				return
			}
			for j := m; j < min(hi, m+MorselSize); j++ {
				k := key(j)
				c, isNew := t.insert(k, hash(k))
				if isNew {
					fr = append(fr, int32(j))
				}
				codes[j] = uint32(c)
			}
		}
		tables[i], firsts[i] = t, fr
	}); err != nil {
		return nil, 0, nil, false, err
	}
	if bail.Load() {
		return nil, 0, nil, false, nil
	}
	global := newTable[K](tables[0].len() * 2)
	remaps := make([][]uint32, w)
	var first []int32
	for i, t := range tables {
		remap := make([]uint32, t.len())
		for lc, k := range t.keys {
			c, isNew := global.insert(k, hash(k))
			if isNew {
				first = append(first, firsts[i][lc])
			}
			remap[lc] = uint32(c)
		}
		remaps[i] = remap
	}
	if err := parallelTasks(ctx, w, w, func(_, i int) {
		lo, hi := bounds(i)
		remap := remaps[i]
		for j := lo; j < hi; j++ {
			codes[j] = remap[codes[j]]
		}
	}); err != nil {
		return nil, 0, nil, false, err
	}
	return codes, global.len(), first, true, nil
}

func denseEncodePartitioned[K comparable](ctx context.Context, env *Env, n int, key func(i int) K, hash func(K) uint64, codes []uint32) ([]uint32, int, []int32, error) {
	// Radix-partition rows by the top hash bits, copying keys next to
	// their row numbers so every partition's table is built from
	// sequential memory and stays cache-sized. Integer keys are hashed
	// again where needed (cheaper than storing 8 bytes per row twice);
	// other keys keep their hash.
	pbits := 6
	for pbits < 10 && n>>pbits > 8192 {
		pbits++
	}
	P := 1 << pbits
	shift := 64 - pbits
	var zero K
	_, cheap := any(zero).(uint64)
	var hs []uint64
	if !cheap {
		hs = make([]uint64, n)
	}
	nm := (n + MorselSize - 1) / MorselSize
	hist := make([]int32, nm*P)
	if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
		h := hist[(lo/MorselSize)*P : (lo/MorselSize+1)*P]
		for i := lo; i < hi; i++ {
			x := hash(key(i))
			if hs != nil {
				hs[i] = x
			}
			h[x>>shift]++
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	pstart := make([]int32, P+1)
	pos := int32(0)
	for p := 0; p < P; p++ {
		pstart[p] = pos
		for m := 0; m < nm; m++ {
			c := hist[m*P+p]
			hist[m*P+p] = pos
			pos += c
		}
	}
	pstart[P] = pos
	rows := make([]int32, n)
	pk := make([]K, n)
	var ph []uint64
	if !cheap {
		ph = make([]uint64, n)
	}
	wcs := make([]*wcBufs[K], env.Workers)
	if err := parallelFor(ctx, env.Workers, n, func(w, lo, hi int) {
		h := hist[(lo/MorselSize)*P : (lo/MorselSize+1)*P]
		if cheap {
			// Write-combined: rows go to a small per-partition buffer
			// first and reach rows/pk wcSize at a time, so the scatter
			// touches few pages at once.
			if wcs[w] == nil {
				wcs[w] = &wcBufs[K]{b: make([]wcBuf[K], P), n: make([]uint8, P)}
			}
			wb := wcs[w]
			for i := lo; i < hi; i++ {
				k := key(i)
				p := hash(k) >> shift
				b, c := &wb.b[p], wb.n[p]
				b.rows[c], b.keys[c] = int32(i), k
				if c++; c == wcSize {
					j := h[p]
					*(*[wcSize]int32)(rows[j : j+wcSize]) = b.rows
					*(*[wcSize]K)(pk[j : j+wcSize]) = b.keys
					h[p] = j + wcSize
					c = 0
				}
				wb.n[p] = c
			}
			for p, c := range wb.n {
				if c > 0 {
					j := h[p]
					copy(rows[j:j+int32(c)], wb.b[p].rows[:c])
					copy(pk[j:j+int32(c)], wb.b[p].keys[:c])
					h[p] = j + int32(c)
					wb.n[p] = 0
				}
			}
			return
		}
		for i := lo; i < hi; i++ {
			k := key(i)
			x := hs[i]
			p := x >> shift
			j := h[p]
			rows[j], pk[j], ph[j] = int32(i), k, x
			h[p] = j + 1
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	hs = nil
	local := make([]uint32, n) // aligned with rows
	pcount := make([]int, P)
	pfirst := make([][]int32, P)
	if err := parallelTasks(ctx, env.Workers, P, func(_, p int) {
		lo, hi := pstart[p], pstart[p+1]
		t := newTable[K](int(hi-lo) + 16)
		var fr []int32
		for j := lo; j < hi; j++ {
			var x uint64
			if ph != nil {
				x = ph[j]
			} else {
				x = hash(pk[j])
			}
			c, isNew := t.insert(pk[j], x)
			if isNew {
				fr = append(fr, rows[j])
			}
			local[j] = uint32(c)
		}
		pcount[p] = t.len()
		pfirst[p] = fr
	}); err != nil {
		return nil, 0, nil, err
	}
	pk, ph = nil, nil
	base := make([]uint32, P)
	total := 0
	for p := 0; p < P; p++ {
		base[p] = uint32(total)
		total += pcount[p]
	}
	// Renumber groups in order of first appearance (deterministic output
	// and sequential gathers of the key columns afterwards): mark every
	// group's first row with its partition code, then number the marks in
	// row order, by contiguous ranges in parallel.
	owner := make([]uint32, n) // global partition code + 1 at first rows
	if err := parallelTasks(ctx, env.Workers, P, func(_, p int) {
		for lc, r := range pfirst[p] {
			owner[r] = base[p] + uint32(lc) + 1
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	w := max(1, env.Workers)
	bounds := func(i int) (int, int) { return i * n / w, (i + 1) * n / w }
	marks := make([]int, w+1)
	if err := parallelTasks(ctx, w, w, func(_, i int) {
		lo, hi := bounds(i)
		c := 0
		for _, o := range owner[lo:hi] {
			if o != 0 {
				c++
			}
		}
		marks[i+1] = c
	}); err != nil {
		return nil, 0, nil, err
	}
	for i := 1; i <= w; i++ {
		marks[i] += marks[i-1]
	}
	remap := make([]uint32, total)
	first := make([]int32, total)
	if err := parallelTasks(ctx, w, w, func(_, i int) {
		lo, hi := bounds(i)
		k := marks[i]
		for r := lo; r < hi; r++ {
			if o := owner[r]; o != 0 {
				remap[o-1] = uint32(k)
				first[k] = int32(r)
				k++
			}
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	owner = nil
	if err := parallelTasks(ctx, env.Workers, P, func(_, p int) {
		for j := pstart[p]; j < pstart[p+1]; j++ {
			codes[rows[j]] = remap[local[j]+base[p]]
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	return codes, total, first, nil
}

// wcSize is the number of rows a write-combining buffer holds.
const wcSize = 8

// wcBuf buffers the rows bound for one partition.
type wcBuf[K comparable] struct {
	rows [wcSize]int32
	keys [wcSize]K
}

// wcBufs are one worker's write-combining buffers, one per partition,
// with their fill counts.
type wcBufs[K comparable] struct {
	b []wcBuf[K]
	n []uint8
}

func bitsFor(card uint64) int {
	if card <= 1 {
		return 0
	}
	return bits.Len64(card - 1)
}
