package physical

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// topKState keeps, per group, up to k best values in order (best first).
type topKState[T int64 | float64] struct {
	k    int
	vals []T
	cnt  []int32
}

func (s *topKState[T]) add(g uint32, x T, largest bool) {
	base := int(g) * s.k
	c := int(s.cnt[g])
	better := func(a, b T) bool {
		if largest {
			return a > b
		}
		return a < b
	}
	if c == s.k {
		if !better(x, s.vals[base+c-1]) {
			return
		}
		c--
	} else {
		s.cnt[g]++
	}
	j := base + c
	for j > base && better(x, s.vals[j-1]) {
		s.vals[j] = s.vals[j-1]
		j--
	}
	s.vals[j] = x
}

// topKSmall computes top/bottom-k per group in one pass with per-worker
// bounded states; for small k.
func topKSmall[T int64 | float64](ctx context.Context, env *Env, g *Groups, vals []T, valid []bool, k int, largest bool) (*topKState[T], error) {
	ids := g.IDs
	return accumulate(ctx, env, len(ids), g.N*k,
		func() *topKState[T] {
			return &topKState[T]{k: k, vals: make([]T, g.N*k), cnt: make([]int32, g.N)}
		},
		func(s *topKState[T], lo, hi int) {
			for i := lo; i < hi; i++ {
				if valid == nil || valid[i] {
					s.add(ids[i], vals[i], largest)
				}
			}
		},
		func(d, s *topKState[T]) {
			for gi := range s.cnt {
				for j := 0; j < int(s.cnt[gi]); j++ {
					d.add(uint32(gi), s.vals[gi*k+j], largest)
				}
			}
		})
}

func topKList[T int64 | float64](env *Env, st *topKState[T], ng int, mk func([]T) arrow.Array) arrow.Array {
	offsets := make([]int32, ng+1)
	out := make([]T, 0, ng*st.k)
	for gi := 0; gi < ng; gi++ {
		c := int(st.cnt[gi])
		out = append(out, st.vals[gi*st.k:gi*st.k+c]...)
		offsets[gi+1] = int32(len(out))
	}
	values := mk(out)
	defer values.Release()
	ob := allocBuf(env.Mem, len(offsets)*4)
	copy(bytesAs[int32](ob.Bytes()), offsets)
	d := array.NewData(arrow.ListOf(values.DataType()), ng, []*memory.Buffer{nil, ob}, []arrow.ArrayData{values.Data()}, 0, 0)
	ob.Release()
	defer d.Release()
	return array.MakeFromData(d)
}
