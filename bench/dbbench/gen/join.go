package gen

import "fmt"

// JoinTable is one table of the db-benchmark join data set. The integer key
// columns ID1, ID2, ID3 are present or nil depending on the table; the string
// keys id4, id5, id6 are derived from them as sprintf("id%.0f", idN) when the
// table is written. V is the measure column, named VName ("v1" for the LHS x,
// "v2" for the right-hand tables).
type JoinTable struct {
	Name          string
	ID1, ID2, ID3 []int32
	VName         string
	V             []float64
}

// Rows returns the number of rows of t.
func (t *JoinTable) Rows() int { return len(t.V) }

// Join is the db-benchmark join data set J1_<N>_NA_0_0: the LHS X with N rows
// and the RHS tables Small (N/1e6 rows), Medium (N/1e3) and Big (N).
type Join struct {
	N                     int
	X, Small, Medium, Big *JoinTable
}

// JoinSizes returns the row counts of the small, medium and big tables for an
// LHS of n rows. For n >= 1e7 these are n/1e6, n/1e3 and n as in
// join-datagen.R; below that (which R's script refuses) small and medium are
// kept at multiples of 10 of at least 10 rows so that smoke runs work.
func JoinSizes(n int) (small, medium, big int) {
	small, medium = n/1_000_000, n/1_000
	small = max(10, small/10*10)
	medium = max(10, medium/10*10)
	return small, medium, n
}

// keySplit is join-datagen.R's split_xlr: key = sample.int(n*1.1) split into
// the common keys x (first 90%), LHS-only l (next 10%) and RHS-only r (last
// 10%).
type keySplit struct{ x, l, r []int32 }

func splitXLR(r *RNG, n int) keySplit {
	m := n * 11 / 10
	key := r.SampleNoReplace(m, m)
	return keySplit{x: key[:n*9/10], l: key[n*9/10 : n], r: key[n:m]}
}

// sampleAll is join-datagen.R's sample_all(x, size): every value of x once
// plus size-len(x) draws with replacement, then randomly permuted.
func sampleAll(r *RNG, x []int32, size int) []int32 {
	if len(x) > size {
		panic(fmt.Sprintf("gen: sample_all of %d values into %d rows", len(x), size))
	}
	y := make([]int32, size)
	copy(y, x)
	if extra := size - len(x); extra > 0 {
		// sample(x, extra, TRUE) == x[sample.int(length(x), extra, TRUE)]
		idx := y[len(x):]
		r.SampleReplace(len(x), idx)
		for i, j := range idx {
			idx[i] = x[j-1]
		}
	}
	// sample(y) == y[sample.int(length(y))]
	return r.Shuffle(y)
}

func concat(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func roundedRunif(r *RNG, n int) []float64 {
	v := make([]float64, n)
	r.Runif(v, 0, 100)
	for i, x := range v {
		v[i] = RoundR(x, 6)
	}
	return v
}

// GenerateJoin reproduces join-datagen.R with args N NA 0 0 (no NAs,
// unsorted), in its order of random draws:
//
//	set.seed(108)
//	key1 = split_xlr(N/1e6); key2 = split_xlr(N/1e3); key3 = split_xlr(N)
//	x:      id1..id3 = sample_all(c(keyK$x, keyK$l), N); v1 = round(runif(N, max=100), 6)
//	small:  id1 = sample_all(c(key1$x, key1$r), N/1e6); v2 = round(runif(.), 6)
//	medium: id1, id2 = sample_all(c(x, r), N/1e3); v2
//	big:    id1, id2, id3 = sample_all(c(x, r), N); v2
//
// n must be a positive multiple of 10.
func GenerateJoin(n int) (*Join, error) {
	if n < 10 || n%10 != 0 {
		return nil, fmt.Errorf("gen: join needs N to be a positive multiple of 10, got %d", n)
	}
	ns, nm, nb := JoinSizes(n)
	r := NewRNG(Seed)
	key1 := splitXLR(r, ns)
	key2 := splitXLR(r, nm)
	key3 := splitXLR(r, nb)

	j := &Join{N: n}
	name := fmt.Sprintf("J1_%s_NA_0_0", PrettySci(n))
	rhsName := func(rows int) string { return fmt.Sprintf("J1_%s_%s_0_0", PrettySci(n), PrettySci(rows)) }

	j.X = &JoinTable{Name: name, VName: "v1"}
	j.X.ID1 = sampleAll(r, concat(key1.x, key1.l), n)
	j.X.ID2 = sampleAll(r, concat(key2.x, key2.l), n)
	j.X.ID3 = sampleAll(r, concat(key3.x, key3.l), n)
	j.X.V = roundedRunif(r, n)

	j.Small = &JoinTable{Name: rhsName(ns), VName: "v2"}
	j.Small.ID1 = sampleAll(r, concat(key1.x, key1.r), ns)
	j.Small.V = roundedRunif(r, ns)

	j.Medium = &JoinTable{Name: rhsName(nm), VName: "v2"}
	j.Medium.ID1 = sampleAll(r, concat(key1.x, key1.r), nm)
	j.Medium.ID2 = sampleAll(r, concat(key2.x, key2.r), nm)
	j.Medium.V = roundedRunif(r, nm)

	j.Big = &JoinTable{Name: rhsName(nb), VName: "v2"}
	j.Big.ID1 = sampleAll(r, concat(key1.x, key1.r), nb)
	j.Big.ID2 = sampleAll(r, concat(key2.x, key2.r), nb)
	j.Big.ID3 = sampleAll(r, concat(key3.x, key3.r), nb)
	j.Big.V = roundedRunif(r, nb)
	return j, nil
}

// Tables returns X, Small, Medium and Big in that order.
func (j *Join) Tables() []*JoinTable { return []*JoinTable{j.X, j.Small, j.Medium, j.Big} }
