package physical

import (
	"context"
	"hash/maphash"
	"math/bits"
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

type slot struct {
	h    uint64
	code int32 // code+1; 0 marks an empty slot
}

// table is an open-addressing (linear probing) hash table that assigns
// dense codes 0,1,2,... to distinct keys in insertion order. Not safe for
// concurrent writes; concurrent find is safe once building is done.
type table[K comparable] struct {
	slots []slot
	mask  uint64
	keys  []K
}

func newTable[K comparable](hint int) *table[K] {
	size := 16
	for size < hint*2 {
		size <<= 1
	}
	return &table[K]{slots: make([]slot, size), mask: uint64(size - 1), keys: make([]K, 0, hint)}
}

func newStrTable(hint int) *table[string] { return newTable[string](hint) }

func (t *table[K]) len() int { return len(t.keys) }

func (t *table[K]) grow() {
	old := t.slots
	t.slots = make([]slot, len(old)*2)
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
	if len(t.keys)*2 >= len(t.slots) {
		t.grow()
	}
	i := h & t.mask
	for {
		s := &t.slots[i]
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

// find returns k's code or -1.
func (t *table[K]) find(k K, h uint64) int32 {
	i := h & t.mask
	for {
		s := &t.slots[i]
		if s.code == 0 {
			return -1
		}
		if s.h == h && t.keys[s.code-1] == k {
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
	const pbits = 6
	const P = 1 << pbits
	hs := make([]uint64, n)
	nm := (n + MorselSize - 1) / MorselSize
	hist := make([][P]int32, nm)
	if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
		h := &hist[lo/MorselSize]
		for i := lo; i < hi; i++ {
			x := hash(key(i))
			hs[i] = x
			h[x>>(64-pbits)]++
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	// offsets: partition-major, morsel-minor keeps rows ordered inside a partition.
	var pstart [P + 1]int32
	pos := int32(0)
	for p := 0; p < P; p++ {
		pstart[p] = pos
		for m := 0; m < nm; m++ {
			c := hist[m][p]
			hist[m][p] = pos
			pos += c
		}
	}
	pstart[P] = pos
	rows := make([]int32, n)
	if err := parallelFor(ctx, env.Workers, n, func(_, lo, hi int) {
		h := &hist[lo/MorselSize]
		for i := lo; i < hi; i++ {
			p := hs[i] >> (64 - pbits)
			rows[h[p]] = int32(i)
			h[p]++
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	local := make([]uint32, n) // aligned with rows
	var pcount [P]int
	pfirst := make([][]int32, P)
	if err := parallelTasks(ctx, env.Workers, P, func(_, p int) {
		lo, hi := pstart[p], pstart[p+1]
		t := newTable[K](int(hi-lo)/4 + 16)
		var fr []int32
		for j := lo; j < hi; j++ {
			r := rows[j]
			c, isNew := t.insert(key(int(r)), hs[r])
			if isNew {
				fr = append(fr, r)
			}
			local[j] = uint32(c)
		}
		pcount[p] = t.len()
		pfirst[p] = fr
	}); err != nil {
		return nil, 0, nil, err
	}
	var base [P]uint32
	total := 0
	for p := 0; p < P; p++ {
		base[p] = uint32(total)
		total += pcount[p]
		first = append(first, pfirst[p]...)
	}
	if err := parallelTasks(ctx, env.Workers, P, func(_, p int) {
		for j := pstart[p]; j < pstart[p+1]; j++ {
			codes[rows[j]] = local[j] + base[p]
		}
	}); err != nil {
		return nil, 0, nil, err
	}
	return codes, total, first, nil
}

func bitsFor(card uint64) int {
	if card <= 1 {
		return 0
	}
	return bits.Len64(card - 1)
}
