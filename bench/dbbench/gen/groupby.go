package gen

import (
	"fmt"
	"strconv"
	"strings"
)

// Seed is the seed both db-benchmark generators pass to set.seed.
const Seed = 108

// Groupby is the db-benchmark group-by table G1_<N>_<K>_0_0 (no NAs,
// unsorted), held as integer codes.
//
// ID1 and ID2 hold k in 1..K and stand for the strings sprintf("id%03d", k);
// ID3 holds k in 1..N/K and stands for sprintf("id%010d", k). ID4, ID5, ID6,
// V1 and V2 are the integer values themselves.
type Groupby struct {
	N, K                         int
	ID1, ID2, ID3, ID4, ID5, ID6 []int32
	V1, V2                       []int32
	V3                           []float64
}

// GenerateGroupby reproduces groupby-datagen.R with args N K 0 0:
//
//	set.seed(108)
//	id1 = sample(sprintf("id%03d",1:K), N, TRUE)
//	id2 = sample(sprintf("id%03d",1:K), N, TRUE)
//	id3 = sample(sprintf("id%010d",1:(N/K)), N, TRUE)
//	id4 = sample(K, N, TRUE); id5 = sample(K, N, TRUE); id6 = sample(N/K, N, TRUE)
//	v1 = sample(5, N, TRUE); v2 = sample(15, N, TRUE)
//	v3 = round(runif(N, max=100), 6)
//
// sample(x, N, TRUE) for a character vector x draws the same indices as
// sample.int(length(x), N, TRUE), so the string columns are stored as those
// indices. K must divide N.
func GenerateGroupby(n, k int) (*Groupby, error) {
	if n <= 0 || k <= 0 || n%k != 0 {
		return nil, fmt.Errorf("gen: groupby needs N > 0, K > 0 and K dividing N, got N=%d K=%d", n, k)
	}
	r := NewRNG(Seed)
	g := &Groupby{N: n, K: k}
	col := func(m int) []int32 {
		c := make([]int32, n)
		r.SampleReplace(m, c)
		return c
	}
	g.ID1 = col(k)
	g.ID2 = col(k)
	g.ID3 = col(n / k)
	g.ID4 = col(k)
	g.ID5 = col(k)
	g.ID6 = col(n / k)
	g.V1 = col(5)
	g.V2 = col(15)
	g.V3 = make([]float64, n)
	r.Runif(g.V3, 0, 100)
	for i, v := range g.V3 {
		g.V3[i] = RoundR(v, 6)
	}
	return g, nil
}

// Name returns the db-benchmark data name, e.g. "G1_1e7_1e2_0_0".
func (g *Groupby) Name() string {
	return fmt.Sprintf("G1_%s_%s_0_0", PrettySci(g.N), PrettySci(g.K))
}

// PrettySci formats n as db-benchmark's pretty_sci does for the sizes it
// uses: 10000000 -> "1e7", 100 -> "1e2". Numbers whose mantissa is not a
// single digit followed by zeros are written in full.
func PrettySci(n int) string {
	s := strconv.Itoa(n)
	if len(s) > 1 && strings.Trim(s[1:], "0") == "" {
		return fmt.Sprintf("%ce%d", s[0], len(s)-1)
	}
	if len(s) == 1 {
		return s + "e0"
	}
	return s
}
