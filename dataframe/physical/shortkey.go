package physical

import (
	"encoding/binary"
	"unsafe"
)

// shortKey holds a string of at most 16 bytes inline, so hash tables
// compare keys without touching the column's data buffer.
type shortKey struct {
	a, b uint64
	n    uint64
}

func hashShort(k shortKey) uint64 {
	h := k.a*0x9E3779B97F4A7C15 ^ (k.b+k.n)*0xC2B2AE3D27D4EB4F
	return hashU64(h)
}

// shortKeyFunc returns an accessor building shortKeys, or nil when some
// string is longer than 16 bytes.
func shortKeyFunc(s *strs, n int) func(i int) shortKey {
	if s.offs32 == nil || s.dict != nil {
		return nil
	}
	offs, data := s.offs32, s.data
	for i := 0; i < n; i++ {
		if offs[i+1]-offs[i] > 16 {
			return nil
		}
	}
	limit := int32(len(data)) - 16
	return func(i int) shortKey {
		lo, hi := offs[i], offs[i+1]
		if lo <= limit {
			// Two unaligned loads from the buffer, masked to the length.
			p := unsafe.Pointer(&data[lo])
			a, b := *(*uint64)(p), *(*uint64)(unsafe.Add(p, 8))
			l := uint(hi - lo)
			switch {
			case l < 8:
				a &= 1<<(8*l) - 1
				b = 0
			case l < 16:
				b &= 1<<(8*(l-8)) - 1
			}
			return shortKey{a: a, b: b, n: uint64(l)}
		}
		var buf [16]byte
		copy(buf[:], data[lo:hi])
		return shortKey{
			a: binary.LittleEndian.Uint64(buf[:8]),
			b: binary.LittleEndian.Uint64(buf[8:]),
			n: uint64(hi - lo),
		}
	}
}
