package physical

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestTable(t *testing.T) {
	tb := newTable[uint64](4)
	for i := uint64(0); i < 1000; i++ {
		c, isNew := tb.insert(i%300, hashU64(i%300))
		if want := int32(i % 300); c != want || isNew != (i < 300) {
			t.Fatalf("insert %d: got %d %v", i, c, isNew)
		}
	}
	if tb.find(299, hashU64(299)) != 299 || tb.find(300, hashU64(300)) != -1 {
		t.Error("find")
	}
}

// TestDenseEncodePaths checks serial, worker-local and partitioned paths
// give codes consistent with a map.
func TestDenseEncodePaths(t *testing.T) {
	for _, tc := range []struct{ n, card, workers int }{{100, 10, 1}, {100_000, 50, 2}, {100_000, 80_000, 2}, {100_000, 80_000, 3}, {300_000, 1 << 40, 2}, {300_000, 1 << 40, 1}} {
		t.Run(fmt.Sprint(tc), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.card)))
			keys := make([]uint64, tc.n)
			for i := range keys {
				keys[i] = r.Uint64N(uint64(tc.card)) * 7919
			}
			env := &Env{Mem: memory.DefaultAllocator, Workers: tc.workers}
			codes, ng, first, err := denseEncode(context.Background(), env, tc.n, func(i int) uint64 { return keys[i] }, hashU64)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[uint64]uint32{}
			for i, k := range keys {
				if c, ok := seen[k]; ok && c != codes[i] {
					t.Fatalf("key %d has codes %d and %d", k, c, codes[i])
				}
				seen[k] = codes[i]
			}
			if ng != len(seen) || len(first) != ng {
				t.Fatalf("ng %d first %d distinct %d", ng, len(first), len(seen))
			}
			if !slices.IsSorted(first) {
				t.Fatal("codes are not numbered in order of first appearance")
			}
			for c, r := range first {
				if codes[r] != uint32(c) {
					t.Fatalf("first row of code %d has code %d", c, codes[r])
				}
			}
		})
	}
}

func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, n := range []int{0, 10, 300, 5000} {
		keys := make([]uint64, n)
		idx := make([]int32, n)
		for i := range keys {
			keys[i] = r.Uint64N(1 << uint(1+i%60))
			idx[i] = int32(i)
		}
		orig := slices.Clone(keys)
		if err := radixSort(context.Background(), keys, idx); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < n; i++ {
			if keys[i-1] > keys[i] || (keys[i-1] == keys[i] && idx[i-1] > idx[i]) {
				t.Fatalf("n=%d: not sorted/stable at %d", n, i)
			}
		}
		for i := range keys {
			if orig[idx[i]] != keys[i] {
				t.Fatalf("n=%d: permutation mismatch", n)
			}
		}
	}
}

func TestQuantileSelect(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{1, 2, 5, 33, 1000} {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(r.IntN(50))
		}
		s := slices.Clone(xs)
		slices.Sort(s)
		for _, q := range []float64{0, 0.25, 0.5, 0.9, 1} {
			if got, want := quantileSelect(slices.Clone(xs), q), quantileSorted(s, q); got != want {
				t.Errorf("n=%d q=%g: got %g want %g", n, q, got, want)
			}
		}
	}
}

func TestTakeNulls(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	env := &Env{Mem: mem, Workers: 2}
	b := array.NewStringBuilder(mem)
	b.AppendValues([]string{"a", "bb", "", "dddd"}, []bool{true, true, false, true})
	a := b.NewArray()
	b.Release()
	defer a.Release()
	out, err := take(context.Background(), env, a, []int32{3, -1, 2, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if got := fmt.Sprint(out); got != `["dddd" (null) (null) "a" "bb"]` {
		t.Errorf("got %s", got)
	}
	ib := array.NewInt64Builder(mem)
	ib.AppendValues([]int64{1, 2, 3}, nil)
	ia := ib.NewArray()
	ib.Release()
	defer ia.Release()
	o2, err := take(context.Background(), env, ia, []int32{2, -1})
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Release()
	if o2.DataType().ID() != arrow.INT64 || fmt.Sprint(o2) != "[3 (null)]" {
		t.Errorf("got %v", o2)
	}
}

func BenchmarkGroupKeysString(b *testing.B) {
	n := 1 << 20
	bld := array.NewStringBuilder(memory.DefaultAllocator)
	for i := 0; i < n; i++ {
		bld.Append(fmt.Sprintf("id%03d", i%100))
	}
	a := bld.NewArray()
	env := &Env{Mem: memory.DefaultAllocator, Workers: 2}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := groupKeys(context.Background(), env, []arrow.Array{a}, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func TestShortKeys(t *testing.T) {
	vals := []string{"", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmno", "abcdefghijklmnop", "b", "abcdefgh", "", "a"}
	bld := array.NewStringBuilder(memory.DefaultAllocator)
	bld.AppendValues(vals, nil)
	a := bld.NewArray().(*array.String)
	s, _ := newStrs(a)
	f := shortKeyFunc(s, a.Len())
	if f == nil {
		t.Fatal("nil shortKeyFunc")
	}
	for i := range vals {
		for j := range vals {
			if (f(i) == f(j)) != (vals[i] == vals[j]) {
				t.Errorf("%q vs %q: key equality wrong", vals[i], vals[j])
			}
		}
	}
}
