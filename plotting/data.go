package plotting

import (
	"math"
	"sort"
)

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// finite returns the finite values of vs, copied.
func finite(vs []float64) []float64 {
	out := make([]float64, 0, len(vs))
	for _, v := range vs {
		if isFinite(v) {
			out = append(out, v)
		}
	}
	return out
}

// finitePairs returns copies of x and y without the pairs where either is
// NaN or infinite.
func finitePairs(x, y []float64) (xs, ys []float64) {
	xs = make([]float64, 0, len(x))
	ys = make([]float64, 0, len(y))
	for i := range x {
		if isFinite(x[i]) && isFinite(y[i]) {
			xs = append(xs, x[i])
			ys = append(ys, y[i])
		}
	}
	return xs, ys
}

// positivePairs drops the pairs that cannot be shown on log axes.
func positivePairs(x, y []float64, logX, logY bool) (xs, ys []float64) {
	if !logX && !logY {
		return x, y
	}
	xs = make([]float64, 0, len(x))
	ys = make([]float64, 0, len(y))
	for i := range x {
		if (logX && x[i] <= 0) || (logY && y[i] <= 0) {
			continue
		}
		xs = append(xs, x[i])
		ys = append(ys, y[i])
	}
	return xs, ys
}

func sorted(x []float64) bool {
	for i := 1; i < len(x); i++ {
		if x[i] < x[i-1] {
			return false
		}
	}
	return true
}

// downsampleMinMax reduces a line with ascending x to at most four points
// per pixel column: for each of the cols columns that split [lo, hi] it
// keeps the first, the lowest, the highest and the last point, in their
// original order (the "M4" aggregation). Drawn at that width, the reduced
// line covers the same pixels as the full one: within a column the line
// spans exactly [min, max], and it enters and leaves the column at the
// first and last points. x must be ascending; log selects a logarithmic
// column split. The result shares no memory with the input.
func downsampleMinMax(x, y []float64, cols int, lo, hi float64, log bool) (xs, ys []float64) {
	n := len(x)
	if cols < 1 || n <= 4*cols || !(hi > lo) {
		return clone(x), clone(y)
	}
	if log {
		lo, hi = math.Log(lo), math.Log(hi)
	}
	scale := float64(cols) / (hi - lo)
	col := func(v float64) int {
		if log {
			v = math.Log(v)
		}
		c := int((v - lo) * scale)
		return min(max(c, -1), cols) // points outside the range share an edge column
	}
	xs = make([]float64, 0, 4*cols+8)
	ys = make([]float64, 0, 4*cols+8)
	var keep [4]int
	flush := func(first, last, lo, hi int) {
		keep = [4]int{first, lo, hi, last}
		sort.Ints(keep[:])
		prev := -1
		for _, k := range keep {
			if k != prev {
				xs = append(xs, x[k])
				ys = append(ys, y[k])
				prev = k
			}
		}
	}
	start, cur := 0, col(x[0])
	imin, imax := 0, 0
	for i := 1; i < n; i++ {
		c := col(x[i])
		if c != cur {
			flush(start, i-1, imin, imax)
			start, cur, imin, imax = i, c, i, i
			continue
		}
		if y[i] < y[imin] {
			imin = i
		}
		if y[i] > y[imax] {
			imax = i
		}
	}
	flush(start, n-1, imin, imax)
	return xs, ys
}

// dedupePixels drops scatter points that fall on a pixel already holding
// an earlier point of the same layer, on a w x h grid over the given
// ranges. Glyphs are larger than a pixel, so the drop is invisible. x and
// y ranges may be logarithmic.
func dedupePixels(x, y []float64, w, h int, xlo, xhi, ylo, yhi float64, logX, logY bool) (xs, ys []float64) {
	if len(x) <= w*h/8 || !(xhi > xlo) || !(yhi > ylo) {
		return x, y
	}
	tr := func(v, lo, hi float64, log bool, n int) int {
		if log {
			v, lo, hi = math.Log(v), math.Log(lo), math.Log(hi)
		}
		return min(max(int((v-lo)/(hi-lo)*float64(n)), 0), n-1)
	}
	seen := make([]uint64, (w*h+63)/64)
	xs = make([]float64, 0, len(x)/2)
	ys = make([]float64, 0, len(y)/2)
	for i := range x {
		k := tr(y[i], ylo, yhi, logY, h)*w + tr(x[i], xlo, xhi, logX, w)
		if seen[k/64]&(1<<(k%64)) != 0 {
			continue
		}
		seen[k/64] |= 1 << (k % 64)
		xs = append(xs, x[i])
		ys = append(ys, y[i])
	}
	return xs, ys
}

// histBins computes shared bin edges for all samples: n bins over
// [min, max] of every value; n <= 0 picks Sturges' rule on the largest
// sample, clamped to [5, 100].
func histBins(samples [][]float64, n int) (edges []float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	most := 0
	for _, s := range samples {
		most = max(most, len(s))
		for _, v := range s {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	if n <= 0 {
		n = int(math.Ceil(math.Log2(float64(max(most, 1))))) + 1
		n = min(max(n, 5), 100)
	}
	edges = make([]float64, n+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	edges[n] = hi
	return edges
}

// histCounts counts vs into the bins given by edges; the last bin is
// closed on the right.
func histCounts(vs, edges []float64) []float64 {
	n := len(edges) - 1
	counts := make([]float64, n)
	lo, hi := edges[0], edges[n]
	for _, v := range vs {
		i := int((v - lo) / (hi - lo) * float64(n))
		counts[min(max(i, 0), n-1)]++
	}
	return counts
}

// quartiles returns the five-number summary used by box plots.
type fiveNum struct{ min, q1, med, q3, max, lowWhisk, highWhisk float64 }

func summarize(vs []float64) (f fiveNum, outliers []float64) {
	if len(vs) == 0 {
		return f, nil
	}
	s := clone(vs)
	sort.Float64s(s)
	q := func(p float64) float64 { // linear interpolation, as numpy's default
		pos := p * float64(len(s)-1)
		i := int(pos)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (pos-float64(i))*(s[i+1]-s[i])
	}
	f = fiveNum{min: s[0], q1: q(0.25), med: q(0.5), q3: q(0.75), max: s[len(s)-1]}
	iqr := f.q3 - f.q1
	lo, hi := f.q1-1.5*iqr, f.q3+1.5*iqr
	f.lowWhisk, f.highWhisk = f.q1, f.q3
	for _, v := range s {
		if v >= lo {
			f.lowWhisk = math.Min(f.lowWhisk, v)
		}
		if v <= hi {
			f.highWhisk = math.Max(f.highWhisk, v)
		}
		if v < lo || v > hi {
			outliers = append(outliers, v)
		}
	}
	return f, outliers
}
