package gen

import (
	"math"
	"math/bits"
)

// R's Mersenne-Twister parameters (src/main/RNG.c, MT19937).
const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff

	// i2_32m1 is 1/(2^32-1), used by R's fixup to keep draws inside (0,1).
	i2_32m1 = 2.328306437080797e-10
	// mtScale is R's MT_genrand multiplier: 2^-32, giving [0,1).
	mtScale = 2.3283064365386963e-10
)

// RNG reproduces R's default uniform generator: RNGkind("Mersenne-Twister",
// "Inversion", "Rejection"), seeded the way set.seed seeds it.
//
// The sequence of UnifRand values equals R's unif_rand() after
// set.seed(seed), so that sample() and runif() built on top of it give the
// same numbers as R >= 3.6.0. An RNG is not safe for concurrent use.
type RNG struct {
	mt  [mtN]uint32
	mti int
}

// NewRNG returns an RNG in the state R is in after set.seed(seed).
//
// set.seed scrambles the seed with 50 rounds of the LCG seed = 69069*seed+1,
// then fills the 625 words of .Random.seed[-1] (mti followed by the 624-word
// state) with further LCG rounds, and FixupSeeds sets mti = 624 so the first
// draw regenerates the whole state.
func NewRNG(seed uint32) *RNG {
	s := seed
	for range 50 {
		s = 69069*s + 1
	}
	r := &RNG{}
	// i_seed[0] is dummy[0] (mti), overwritten by FixupSeeds.
	s = 69069*s + 1
	for j := range mtN {
		s = 69069*s + 1
		r.mt[j] = s
	}
	r.mti = mtN
	return r
}

// regenerate refills the 624-word state (MT_genrand's "generate N words").
func (r *RNG) regenerate() {
	mt := &r.mt
	var kk int
	for kk = 0; kk < mtN-mtM; kk++ {
		y := (mt[kk] & mtUpperMask) | (mt[kk+1] & mtLowerMask)
		mt[kk] = mt[kk+mtM] ^ (y >> 1) ^ ((y & 1) * mtMatrixA)
	}
	for ; kk < mtN-1; kk++ {
		y := (mt[kk] & mtUpperMask) | (mt[kk+1] & mtLowerMask)
		mt[kk] = mt[kk+(mtM-mtN)] ^ (y >> 1) ^ ((y & 1) * mtMatrixA)
	}
	y := (mt[mtN-1] & mtUpperMask) | (mt[0] & mtLowerMask)
	mt[mtN-1] = mt[mtM-1] ^ (y >> 1) ^ ((y & 1) * mtMatrixA)
	r.mti = 0
}

// UnifRand returns R's unif_rand(): MT_genrand() passed through fixup, a
// double in the open interval (0,1).
func (r *RNG) UnifRand() float64 {
	if r.mti >= mtN {
		r.regenerate()
	}
	y := r.mt[r.mti]
	r.mti++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	x := float64(y) * mtScale
	// fixup: ensure in (0,1).
	if x <= 0 {
		return 0.5 * i2_32m1
	}
	if 1-x <= 0 {
		return 1 - 0.5*i2_32m1
	}
	return x
}

// rbits is R's rbits: a non-negative integer below 2^bits built from 16-bit
// chunks, one chunk for every n in 0, 16, 32, ... with n <= bits.
func (r *RNG) rbits(bits int) int64 {
	var v int64
	for n := 0; n <= bits; n += 16 {
		v1 := int64(math.Floor(r.UnifRand() * 65536))
		v = 65536*v + v1
	}
	return v & ((int64(1) << bits) - 1)
}

// bitsFor returns R's bits = (int) ceil(log2(dn)) for an integer dn >= 1
// (exact for dn < 2^31, where ceil(log2(dn)) == bit length of dn-1).
func bitsFor(dn int) int {
	return bits.Len(uint(dn - 1))
}

// UnifIndex is R's R_unif_index(dn) for sample.kind "Rejection": a uniform
// integer in [0, dn) by rejection sampling below the next power of two.
func (r *RNG) UnifIndex(dn int) int {
	if dn <= 0 {
		return 0
	}
	bits := bitsFor(dn)
	for {
		v := r.rbits(bits)
		if v < int64(dn) {
			return int(v)
		}
	}
}

// SampleReplace fills dst with sample.int(n, len(dst), replace=TRUE): values
// in 1..n.
func (r *RNG) SampleReplace(n int, dst []int32) {
	if n <= 0 {
		return
	}
	bits := bitsFor(n)
	limit := int64(n)
	if bits <= 15 {
		// One 16-bit chunk per try; same arithmetic as rbits, inlined for speed.
		mask := int64(1)<<bits - 1
		for i := range dst {
			for {
				v := int64(math.Floor(r.UnifRand()*65536)) & mask
				if v < limit {
					dst[i] = int32(v + 1)
					break
				}
			}
		}
		return
	}
	for i := range dst {
		for {
			v := r.rbits(bits)
			if v < limit {
				dst[i] = int32(v + 1)
				break
			}
		}
	}
}

// SampleNoReplace returns sample.int(n, k) without replacement (R's
// non-hash path, used when n <= 1e7 or k > n/2): values in 1..n.
func (r *RNG) SampleNoReplace(n, k int) []int32 {
	x := make([]int32, n)
	for i := range x {
		x[i] = int32(i)
	}
	y := make([]int32, k)
	for i := range k {
		j := r.UnifIndex(n)
		y[i] = x[j] + 1
		n--
		x[j] = x[n]
	}
	return y
}

// Shuffle returns y[sample.int(length(y))], R's sample(y) for a vector y of
// length >= 2: the same draws as SampleNoReplace(len(y), len(y)), applied to
// the values directly. y is overwritten.
func (r *RNG) Shuffle(y []int32) []int32 {
	n := len(y)
	out := make([]int32, n)
	for i := range out {
		j := r.UnifIndex(n)
		out[i] = y[j]
		n--
		y[j] = y[n]
	}
	return out
}

// Runif fills dst with runif(len(dst), min, max) = min + (max-min)*unif_rand().
func (r *RNG) Runif(dst []float64, min, max float64) {
	for i := range dst {
		u := r.UnifRand()
		for u <= 0 || u >= 1 {
			u = r.UnifRand()
		}
		dst[i] = min + (max-min)*u
	}
}

// RoundR rounds x to digits decimal places as R (>= 4.0.0) round() does for
// 0 < digits <= 15: of the two candidates floor(x*10^d)/10^d and
// ceil(x*10^d)/10^d it returns the one closer to x, and on a tie the one
// whose last digit is even.
func RoundR(x float64, digits int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	if digits == 0 {
		return math.RoundToEven(x)
	}
	sgn := 1.0
	if x < 0 {
		sgn, x = -1, -x
	}
	// R: if (dig + (logb(x) + 0.5) * log10(2) > DBL_DIG) return x.
	if float64(digits)+(math.Logb(x)+0.5)*math.Log10(2) > 15 {
		return sgn * x
	}
	p10 := math.Pow(10, float64(digits))
	x10 := p10 * x
	i10 := math.Floor(x10)
	xd := i10 / p10
	xu := math.Ceil(x10) / p10
	du, dd := xu-x, x-xd
	if du < dd || (du == dd && math.Mod(i10, 2) == 1) {
		return sgn * xu
	}
	return sgn * xd
}
