package dataframe

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// This file holds the parallel CSV parser: the body of the file is cut
// into byte ranges at record boundaries and every range is parsed on its
// own goroutine. Integer, float, timestamp and Categorical columns are
// parsed straight into Arrow buffers from the caller's allocator, every
// range at its own offset (the number of line ends before it bounds its
// first row), then moved down over the rows blank lines and quoted line
// ends did not use. Strings, dates and booleans go to per-range Go slices
// that are copied once at the end. Unquoted numbers take a fast path
// (digits eight at a time); Categorical values of up to 15 bytes are
// looked up as two machine words.
//
// Cutting: without any '"' in the body every '\n' ends a record, so a
// range ends at the first '\n' after its target size. With quotes, the
// parity of the number of quotes before a position says whether it lies
// inside a quoted field (RFC 4180 escapes quotes by doubling them, which
// keeps the parity); the quotes of every range are counted in parallel and
// a range ends at the first '\n' after its target with even parity. Stray
// quotes inside unquoted fields can fool the parity, so every range checks
// that its last record ends exactly where the next range starts; when one
// does not, the body is parsed again serially as one range. Line numbers
// in errors are counted from the start of the file, so they are absolute
// whatever the range.

// csvKind is how the chunk parser stores one column.
type csvKind uint8

const (
	ckSkip  csvKind = iota // not projected: scanned, not stored
	ckInt                  // int64 (narrower integer types are cast after)
	ckFloat                // float64 (float32 is cast after)
	ckStr                  // utf8 (other types are cast from utf8 after)
	ckDict                 // Categorical: dictionary<int32, utf8> built while parsing
	ckBool
	ckDate
	ckTime
)

func csvKindOf(t arrow.DataType) csvKind {
	switch t.ID() {
	case arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return ckInt
	case arrow.FLOAT64, arrow.FLOAT32:
		return ckFloat
	case arrow.BOOL:
		return ckBool
	case arrow.DATE32:
		return ckDate
	case arrow.TIMESTAMP:
		return ckTime
	case arrow.DICTIONARY:
		if arrow.TypeEqual(t, Categorical) {
			return ckDict
		}
	}
	return ckStr
}

// csvCol accumulates one column of one range.
type csvCol struct {
	ints     []int64 // ckInt, ckDate, ckTime
	floats   []float64
	bools    []bool
	offs     []int32          // ckStr: offs[0] = 0
	data     []byte           // ckStr
	codes    []int32          // ckDict
	dict     map[string]int32 // ckDict values of 16 bytes and more
	short    shortDict        // ckDict values of up to 15 bytes
	dictVals []string
	valid    []bool // nil while every value is valid
	nulls    int
}

// mark records the validity of the value of row row (the rows before
// it are all stored); callers skip it for a valid value while valid is nil.
func (c *csvCol) mark(isNull bool, row int) {
	if isNull {
		if c.valid == nil {
			c.valid = make([]bool, row, max(16, 2*row))
			for i := range c.valid {
				c.valid[i] = true
			}
		}
		c.nulls++
	}
	if c.valid != nil {
		c.valid = append(c.valid, !isNull)
	}
}

// shortDict maps values of up to 15 bytes to dictionary codes. A key is
// the value's bytes zero-padded to 15 with its length in byte 16, read as
// two words: a lookup is a multiply, a probe and two compares.
type shortDict struct {
	slots []shortSlot
	n     int
}

type shortSlot struct {
	w    [2]uint64
	code int32 // code+1; 0 marks an empty slot
}

func shortHash(w [2]uint64) uint64 {
	h := w[0]*0x9E3779B97F4A7C15 ^ w[1]*0xC2B2AE3D27D4EB4F
	return h ^ h>>31
}

// code returns the code of v, adding it to c's values when new. w holds
// v's first 16 bytes, little-endian (those beyond len(v) are ignored).
func (t *shortDict) code(c *csvCol, w [2]uint64, v []byte) int32 {
	n := uint(len(v))
	switch {
	case n == 0:
		w = [2]uint64{0, 0}
	case n <= 8:
		w[0] &= ^uint64(0) >> (64 - 8*n)
		w[1] = 0
	default:
		w[1] &= ^uint64(0) >> (64 - 8*(n-8))
	}
	w[1] |= uint64(n) << 56
	if len(t.slots) == 0 {
		t.slots = make([]shortSlot, 256)
	}
	mask := uint64(len(t.slots) - 1)
	for i := shortHash(w) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		switch {
		case sl.code == 0:
			code := int32(len(c.dictVals))
			c.dictVals = append(c.dictVals, string(v))
			sl.w, sl.code = w, code+1
			if t.n++; 2*t.n > len(t.slots) {
				t.grow()
			}
			return code
		case sl.w == w:
			return sl.code - 1
		}
	}
}

func (t *shortDict) grow() {
	old := t.slots
	t.slots = make([]shortSlot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, sl := range old {
		if sl.code == 0 {
			continue
		}
		i := shortHash(sl.w) & mask
		for t.slots[i].code != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = sl
	}
}

// csvRange is one byte range of the body and what parsing it produced.
type csvRange struct {
	start, end int
	cols       []csvCol
	rows       int
	err        error
	widen      map[int]arrow.DataType // inferred columns to widen, by column
	stop       int                    // where the last record ended
	// est is the range's line ends (+1 when it does not end with one),
	// which bounds its rows unless records end with a lone '\r'; base is
	// the sum of the est of the ranges before: fixed-width columns are
	// parsed straight into the shared output buffers at [base, base+est)
	// (a range that needs more moves to a slice of its own).
	est, base int
}

// csvOut is the output buffer of one fixed-width column (ckInt, ckTime,
// ckFloat, ckDict), shared by the ranges.
type csvOut struct {
	buf    *memory.Buffer
	ints   []int64
	floats []float64
	codes  []int32
}

// csvParse holds what every range parser shares.
type csvParse struct {
	p       *csvParser
	names   []string
	types   []arrow.DataType
	kinds   []csvKind
	fixed   []bool // type given by Schema or Types: never widened
	ncol    int
	nulls   map[string]struct{}
	onlyNil bool // the only null text is the empty field
	fastNum bool // no null text looks like a number
	// emptyNull: the empty field is null (in non-string columns).
	emptyNull bool
	// failed is the index of the first range that failed (len(ranges)
	// when none did); ranges after it stop early.
	failed atomic.Int64
	out    []csvOut
}

// release frees the shared output buffers.
func (cp *csvParse) release() {
	for j := range cp.out {
		if cp.out[j].buf != nil {
			cp.out[j].buf.Release()
		}
	}
	cp.out = nil
}

// allocOut sizes the ranges (in parallel) and allocates the shared output
// buffers from mem.
func (cp *csvParse) allocOut(mem memory.Allocator, ranges []csvRange, workers int) {
	d := cp.p.data
	forEach(len(ranges), workers, func(i int) {
		r := &ranges[i]
		r.est = bytes.Count(d[r.start:r.end], []byte{'\n'})
		if d[r.end-1] != '\n' {
			r.est++
		}
	})
	total := 0
	for i := range ranges {
		ranges[i].base = total
		total += ranges[i].est
	}
	cp.out = make([]csvOut, cp.ncol)
	for j, k := range cp.kinds {
		o := &cp.out[j]
		switch k {
		case ckInt, ckTime:
			o.buf = newBuf(mem, total*8)
			o.ints = arrow.Int64Traits.CastFromBytes(o.buf.Bytes())
		case ckFloat:
			o.buf = newBuf(mem, total*8)
			o.floats = arrow.Float64Traits.CastFromBytes(o.buf.Bytes())
		case ckDict:
			o.buf = newBuf(mem, total*4)
			o.codes = arrow.Int32Traits.CastFromBytes(o.buf.Bytes())
		}
	}
}

// forEach calls fn(0..n-1) on up to workers goroutines and waits for them.
func forEach(n, workers int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

func (cp *csvParse) isNull(f []byte, quoted bool, k csvKind) bool {
	if quoted && k != ckInt && k != ckFloat && k != ckBool && k != ckDate && k != ckTime {
		return false
	}
	if cp.onlyNil {
		return len(f) == 0
	}
	_, ok := cp.nulls[unsafe.String(unsafe.SliceData(f), len(f))]
	return ok
}

// parseRanges parses every range on up to workers goroutines; they have
// all ended when it returns.
func (cp *csvParse) parseRanges(ctx context.Context, ranges []csvRange, workers int) {
	cp.failed.Store(int64(len(ranges)))
	forEach(len(ranges), workers, func(i int) {
		r := &ranges[i]
		cp.parseRange(ctx, i, r)
		if r.err != nil || len(r.widen) > 0 || r.stop != r.end {
			for {
				f := cp.failed.Load()
				if int64(i) >= f || cp.failed.CompareAndSwap(f, int64(i)) {
					break
				}
			}
		}
	})
}

// parseRange parses the records starting in [r.start, r.end).
func (cp *csvParse) parseRange(ctx context.Context, idx int, r *csvRange) {
	d := cp.p.data
	delim := cp.p.delim
	ncol := cp.ncol
	r.cols = make([]csvCol, ncol)
	// String bytes: about the range's bytes per column to start with.
	est, lo, hi := r.est, r.base, r.base+r.est
	estBytes := (r.end-r.start)/max(1, ncol) + 16
	for j := range r.cols {
		c := &r.cols[j]
		switch cp.kinds[j] {
		case ckInt, ckTime:
			c.ints = cp.out[j].ints[lo:lo:hi]
		case ckDate:
			c.ints = make([]int64, 0, est)
		case ckFloat:
			c.floats = cp.out[j].floats[lo:lo:hi]
		case ckBool:
			c.bools = make([]bool, 0, est)
		case ckStr:
			c.offs = make([]int32, 1, est+1)
			c.data = make([]byte, 0, estBytes)
		case ckDict:
			c.codes = cp.out[j].codes[lo:lo:hi]
			c.dict = map[string]int32{}
		}
	}
	pos := r.start
	r.stop = r.end
	kinds, cols := cp.kinds, r.cols
	fastNum, emptyNull := cp.fastNum, cp.emptyNull
	for pos < r.end {
		if r.rows&1023 == 0 {
			if r.rows == 1024 {
				// Size the string buffers from the first rows.
				for j := range r.cols {
					c := &r.cols[j]
					if cp.kinds[j] == ckStr {
						if want := len(c.data)/1024*est*9/8 + 64; want > cap(c.data) {
							c.data = append(make([]byte, 0, want), c.data...)
						}
					}
				}
			}
			if err := ctx.Err(); err != nil {
				r.err = err
				return
			}
			if cp.failed.Load() < int64(idx) {
				return // an earlier range failed; its error wins
			}
		}
		// Blank lines are skipped.
		if d[pos] == '\n' {
			pos++
			continue
		}
		if d[pos] == '\r' && pos+1 < len(d) && d[pos+1] == '\n' {
			pos += 2
			continue
		}
		rowStart := pos
		for j := 0; j < ncol; j++ {
			c := &cols[j]
			k := kinds[j]
			fieldStart := pos
			// Fast paths: an unquoted [-]digits (ints) or
			// [-]digits[.digits] (floats) field followed by its terminator.
			// A float is exact: a mantissa below 2^53 divided by an exact
			// power of ten rounds once, as strconv.ParseFloat would.
			if fastNum && (k == ckInt || k == ckFloat) {
				i := pos
				neg := i < len(d) && d[i] == '-'
				if neg {
					i++
				}
				s := i
				var m uint64
				m, i = digitRun(d, i)
				nd, frac := i-s, 0
				if k == ckFloat && i < len(d) && d[i] == '.' {
					f0 := i + 1
					var fm uint64
					fm, i = digitRun(d, f0)
					if frac = i - f0; frac < len(pow10u) {
						m = m*pow10u[frac] + fm
					}
					nd += frac
				}
				// nd == 0 && i == pos: an empty field.
				fast := nd <= 18 && (nd > 0 || (i == pos && emptyNull)) && (k == ckInt || m < 1<<53)
				if next, eol, ok := fieldEnd(d, i, delim); fast && ok {
					if eol != (j == ncol-1) {
						r.err = cp.countErr(rowStart, j, eol)
						return
					}
					empty := nd == 0
					if empty || c.valid != nil {
						c.mark(empty, r.rows)
					}
					if k == ckInt {
						v := int64(m)
						if neg {
							v = -v
						}
						c.ints = append(c.ints, v)
					} else {
						v := float64(m)
						if frac > 0 {
							v /= pow10[frac]
						}
						if neg {
							v = -v
						}
						c.floats = append(c.floats, v)
					}
					pos = next
					continue
				}
			}
			fs, fe, next, quoted, esc, eol, err := cp.p.field(pos, j)
			if err != nil {
				r.err = err
				return
			}
			if eol != (j == ncol-1) {
				r.err = cp.countErr(rowStart, j, eol)
				return
			}
			f := d[fs:fe]
			pos = next
			if k == ckSkip {
				continue
			}
			if cp.isNull(f, quoted, k) {
				c.mark(true, r.rows)
				switch k {
				case ckInt, ckDate, ckTime:
					c.ints = append(c.ints, 0)
				case ckFloat:
					c.floats = append(c.floats, 0)
				case ckBool:
					c.bools = append(c.bools, false)
				case ckStr:
					c.offs = append(c.offs, int32(len(c.data)))
				case ckDict:
					c.codes = append(c.codes, 0)
				}
				continue
			}
			if c.valid != nil {
				c.mark(false, r.rows)
			}
			switch k {
			case ckStr:
				switch n := len(c.data); {
				case esc:
					c.data = appendUnescaped(c.data, f)
				case len(f) <= 16 && fs+16 <= len(d) && n+16 <= cap(c.data):
					// Short field: one 16-byte move instead of a memmove call.
					*(*[16]byte)(c.data[n : n+16]) = *(*[16]byte)(d[fs : fs+16])
					c.data = c.data[:n+len(f)]
				default:
					c.data = append(c.data, f...)
				}
				if len(c.data) > math.MaxInt32 {
					r.err = fmt.Errorf("%w: %s: column %q holds more than 2 GiB of text in one part of the file", ErrUnsupported, cp.p.name, cp.names[j])
					return
				}
				c.offs = append(c.offs, int32(len(c.data)))
				continue
			case ckDict:
				v := f
				if esc {
					v = appendUnescaped(nil, f)
				}
				if len(v) < 16 {
					src := d[fs:]
					if esc || fs+16 > len(d) {
						var b [16]byte
						copy(b[:], v)
						src = b[:]
					}
					w := [2]uint64{binary.LittleEndian.Uint64(src), binary.LittleEndian.Uint64(src[8:])}
					c.codes = append(c.codes, c.short.code(c, w, v))
				} else {
					code, ok := c.dict[string(v)]
					if !ok {
						s := string(v)
						code = int32(len(c.dictVals))
						c.dict[s] = code
						c.dictVals = append(c.dictVals, s)
					}
					c.codes = append(c.codes, code)
				}
				continue
			}
			str := unsafe.String(unsafe.SliceData(f), len(f))
			if esc {
				str = unquote(f, true)
			}
			if !cp.parseValue(c, k, j, str) {
				if cp.fixed[j] {
					r.err = fieldErr(cp.p, fieldStart, j, cp.names[j], str, cp.types[j])
					return
				}
				if r.widen == nil {
					r.widen = map[int]arrow.DataType{}
				}
				r.widen[j] = widen(cp.types[j], inferField(str))
				if r.widen[j].ID() == cp.types[j].ID() {
					r.widen[j] = arrow.BinaryTypes.String
				}
				return
			}
		}
		r.rows++
	}
	r.stop = pos
}

// parseValue parses a non-null field of a column of kind k.
func (cp *csvParse) parseValue(c *csvCol, k csvKind, j int, str string) bool {
	switch k {
	case ckInt:
		v, ok := parseIntFast(str)
		if !ok {
			return false
		}
		c.ints = append(c.ints, v)
	case ckFloat:
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			iv, ok := parseIntFast(str)
			if !ok {
				return false
			}
			v = float64(iv)
		}
		c.floats = append(c.floats, v)
	case ckBool:
		switch strings.ToLower(str) {
		case "true", "1":
			c.bools = append(c.bools, true)
		case "false", "0":
			c.bools = append(c.bools, false)
		default:
			return false
		}
	case ckDate:
		days, ok := parseDate(str)
		if !ok {
			return false
		}
		c.ints = append(c.ints, days)
	case ckTime:
		tm, ok := parseTime(str)
		if !ok {
			d, err := time.Parse("2006-01-02", str)
			if err != nil {
				return false
			}
			tm = d
		}
		c.ints = append(c.ints, toUnit(tm, cp.types[j].(*arrow.TimestampType).Unit))
	}
	return true
}

// parseDate parses YYYY-MM-DD (what time.Parse("2006-01-02") accepts)
// into days since 1970-01-01, without time.Parse.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	num := func(s string) (int64, bool) {
		v := int64(0)
		for i := 0; i < len(s); i++ {
			c := s[i] - '0'
			if c > 9 {
				return 0, false
			}
			v = v*10 + int64(c)
		}
		return v, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	mdays := [13]int64{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		mdays = 29
	}
	if d > mdays {
		return 0, false
	}
	// Days from civil (proleptic Gregorian), with March as the first month.
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// countErr reports a record with too few or too many fields; j is the
// 0-based field that ended early (eol) or the last column (too many).
func (cp *csvParse) countErr(rowStart, j int, eol bool) error {
	found := j + 1
	if !eol {
		// Too many: count the rest of the record.
		pos := rowStart
		found = 0
		for {
			_, _, next, _, _, end, err := cp.p.field(pos, found)
			found++
			if err != nil || end {
				break
			}
			pos = next
		}
	}
	col := found + 1 // the first missing column
	if found > cp.ncol {
		col = cp.ncol + 1 // the first extra one
	}
	return fmt.Errorf("%w: %s:%d: column %d: expected %d fields, found %d", ErrParse, cp.p.name, cp.p.lineAt(rowStart), col, cp.ncol, found)
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// digitRun parses the run of ASCII digits at d[i:], returning its value
// (wrapping past 19 digits: callers count the digits) and where the run
// ends. Eight bytes at a time: a word is checked for non-digits and the
// leading digits are combined with three multiplications.
func digitRun(d []byte, i int) (m uint64, end int) {
	for i+8 <= len(d) {
		x := binary.LittleEndian.Uint64(d[i:])
		e := (x&0xF0F0F0F0F0F0F0F0 ^ 0x3030303030303030) | ((x+0x0606060606060606)&0xF0F0F0F0F0F0F0F0 ^ 0x3030303030303030)
		n := bits.TrailingZeros64(e) >> 3 // leading digits, 8 when e == 0
		if n == 0 {
			return m, i
		}
		x <<= 8 * (8 - n) // drop what follows the digits; zeros lead
		x = (x & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8
		x = (x & 0x00FF00FF00FF00FF) * 6553601 >> 16
		x = (x & 0x0000FFFF0000FFFF) * 42949672960001 >> 32
		m = m*pow10u[n] + x
		i += n
		if n < 8 {
			return m, i
		}
	}
	for i < len(d) {
		b := d[i] - '0'
		if b > 9 {
			break
		}
		m = m*10 + uint64(b)
		i++
	}
	return m, i
}

// fieldEnd checks that a field's content ends at i: ok when d[i] is the
// delimiter, a line end or the end of the data; next is where the next
// field starts and eol says the record ended.
func fieldEnd(d []byte, i int, delim byte) (next int, eol, ok bool) {
	if i >= len(d) {
		return i, true, true
	}
	switch d[i] {
	case delim:
		return i + 1, false, true
	case '\n':
		return i + 1, true, true
	case '\r':
		if i+1 >= len(d) {
			return i + 1, true, true
		}
		if d[i+1] == '\n' {
			return i + 2, true, true
		}
	}
	return 0, false, false
}

// field scans the field starting at pos (column col, 0-based, for
// errors): its content is d[fs:fe] (between the quotes when quoted; esc
// says it holds doubled quotes), next is where the following field or
// record starts, and eol says the field ended its record.
func (p *csvParser) field(pos, col int) (fs, fe, next int, quoted, esc, eol bool, err error) {
	d := p.data
	if pos < len(d) && d[pos] == '"' {
		j := pos + 1
		for {
			k := bytes.IndexByte(d[j:], '"')
			if k < 0 {
				return 0, 0, len(d), false, false, true, fmt.Errorf("%w: %s:%d: column %d: unterminated quoted field", ErrParse, p.name, p.lineAt(pos), col+1)
			}
			j += k + 1
			if j < len(d) && d[j] == '"' {
				esc = true
				j++
				continue
			}
			break
		}
		fs, fe = pos+1, j-1
		switch {
		case j >= len(d):
			return fs, fe, j, true, esc, true, nil
		case d[j] == p.delim:
			return fs, fe, j + 1, true, esc, false, nil
		case d[j] == '\n':
			return fs, fe, j + 1, true, esc, true, nil
		case d[j] == '\r':
			if j+1 < len(d) && d[j+1] == '\n' {
				return fs, fe, j + 2, true, esc, true, nil
			}
			return fs, fe, j + 1, true, esc, true, nil
		}
		return 0, 0, j, false, false, true, fmt.Errorf("%w: %s:%d: column %d: unexpected %q after closing quote; quote the whole field and double the quotes inside it", ErrParse, p.name, p.lineAt(j), col+1, d[j])
	}
	i := pos
	delim := p.delim
	// Eight bytes at a time: the lowest byte equal to the delimiter or
	// '\n' is the lowest set bit of the zero-byte test of the word xor
	// either (a borrow only sets bits above the first zero byte).
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	dm := ones * uint64(delim)
	for i+8 <= len(d) {
		x := binary.LittleEndian.Uint64(d[i:])
		a, b := x^dm, x^(ones*'\n')
		if z := ((a - ones) &^ a) | ((b - ones) &^ b); z&highs != 0 {
			i += bits.TrailingZeros64(z&highs) >> 3
			goto found
		}
		i += 8
	}
	for i < len(d) {
		c := d[i]
		if c == delim || c == '\n' {
			break
		}
		i++
	}
found:
	fe = i
	if fe > pos && d[fe-1] == '\r' && (i >= len(d) || d[i] == '\n') {
		fe--
	}
	switch {
	case i >= len(d):
		return pos, fe, i, false, false, true, nil
	case d[i] == '\n':
		return pos, fe, i + 1, false, false, true, nil
	}
	return pos, fe, i + 1, false, false, false, nil
}

func appendUnescaped(dst, f []byte) []byte {
	for len(f) > 0 {
		k := bytes.Index(f, []byte(`""`))
		if k < 0 {
			return append(dst, f...)
		}
		dst = append(dst, f[:k+1]...)
		f = f[k+2:]
	}
	return dst
}

// csvMinRange is the smallest range worth a goroutine.
const csvMinRange = 256 << 10

// splitRanges cuts d[start:] into ranges of about 1/8 of a worker's share
// (at least minRange bytes) ending at record boundaries (see the comment
// at the top of this file).
func splitRanges(d []byte, start, workers, minRange int) []csvRange {
	n := len(d) - start
	if n <= 0 {
		return nil
	}
	target := max(minRange, n/(workers*8)+1)
	if n <= target {
		return []csvRange{{start: start, end: len(d)}}
	}
	cuts := []int{start}
	if bytes.IndexByte(d[start:], '"') < 0 {
		for pos := start + target; pos < len(d); pos += target {
			k := bytes.IndexByte(d[pos:], '\n')
			if k < 0 {
				break
			}
			if c := pos + k + 1; c > cuts[len(cuts)-1] && c < len(d) {
				cuts = append(cuts, c)
				pos = c
			}
		}
	} else {
		// Quote counts per segment, in parallel, give the parity at every target.
		nseg := (n + target - 1) / target
		counts := make([]int, nseg)
		var wg sync.WaitGroup
		var next atomic.Int64
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					s := int(next.Add(1) - 1)
					if s >= nseg {
						return
					}
					lo := start + s*target
					counts[s] = bytes.Count(d[lo:min(len(d), lo+target)], []byte{'"'})
				}
			}()
		}
		wg.Wait()
		parity := 0
		for s := 1; s < nseg; s++ {
			parity += counts[s-1]
			pos := start + s*target
			if pos <= cuts[len(cuts)-1] {
				continue
			}
			inQ := parity%2 == 1
			c := -1
			for i := pos; i < len(d); i++ {
				switch d[i] {
				case '"':
					inQ = !inQ
				case '\n':
					if !inQ {
						c = i + 1
					}
				}
				if c >= 0 {
					break
				}
			}
			if c < 0 || c >= len(d) {
				break
			}
			cuts = append(cuts, c)
		}
	}
	out := make([]csvRange, len(cuts))
	for i, c := range cuts {
		out[i].start = c
		if i+1 < len(cuts) {
			out[i].end = cuts[i+1]
		} else {
			out[i].end = len(d)
		}
	}
	return out
}

// buildColumns turns the ranges' columns into one Arrow array per column
// read (nil for the others), in parallel over columns.
func (cp *csvParse) buildColumns(ctx context.Context, mem memory.Allocator, ranges []csvRange, read []bool, rows, workers int) ([]arrow.Array, error) {
	out := make([]arrow.Array, cp.ncol)
	errs := make([]error, cp.ncol)
	forEach(cp.ncol, workers, func(j int) {
		if errs[j] = ctx.Err(); errs[j] == nil && read[j] {
			out[j], errs[j] = cp.buildColumn(ctx, mem, ranges, j, rows)
		}
	})
	for _, err := range errs {
		if err != nil {
			for _, a := range out {
				if a != nil {
					a.Release()
				}
			}
			return nil, err
		}
	}
	return out, nil
}

// gather returns a buffer holding the fixed-width values of column j of
// every range, in order: the shared output buffer, with ranges moved down
// over the rows they did not use, or a new buffer when a range parsed
// more rows than its estimate (a lone '\r' ending records).
func (cp *csvParse) gather(mem memory.Allocator, ranges []csvRange, j, rows, width int) *memory.Buffer {
	o := &cp.out[j]
	buf := o.buf
	fits := true
	for i := range ranges {
		fits = fits && ranges[i].rows <= ranges[i].est
	}
	if fits {
		buf.Retain()
	} else {
		buf = newBuf(mem, rows*width)
	}
	dst := buf.Bytes()
	row := 0
	for i := range ranges {
		c := &ranges[i].cols[j]
		var src []byte
		switch {
		case c.ints != nil:
			src = arrow.Int64Traits.CastToBytes(c.ints)
		case c.floats != nil:
			src = arrow.Float64Traits.CastToBytes(c.floats)
		case c.codes != nil:
			src = arrow.Int32Traits.CastToBytes(c.codes)
		}
		if len(src) > 0 && &src[0] != &dst[row*width] {
			copy(dst[row*width:], src)
		}
		row += ranges[i].rows
	}
	return buf
}

func newBuf(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

// validity returns the validity bitmap of column j (nil without nulls).
func validity(mem memory.Allocator, ranges []csvRange, j, rows int) (*memory.Buffer, int) {
	nulls := 0
	for i := range ranges {
		nulls += ranges[i].cols[j].nulls
	}
	if nulls == 0 {
		return nil, 0
	}
	vb := newBuf(mem, int(bitutil.BytesForBits(int64(rows))))
	bm := vb.Bytes()
	for i := range bm {
		bm[i] = 0
	}
	row := 0
	for i := range ranges {
		c := &ranges[i].cols[j]
		if c.valid == nil {
			for k := 0; k < ranges[i].rows; k++ {
				bitutil.SetBit(bm, row+k)
			}
		} else {
			for k, v := range c.valid {
				if v {
					bitutil.SetBit(bm, row+k)
				}
			}
		}
		row += ranges[i].rows
	}
	return vb, nulls
}

func makeArray(t arrow.DataType, rows int, bufs []*memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(t, rows, bufs, nil, nulls, 0)
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data)
}

func (cp *csvParse) buildColumn(ctx context.Context, mem memory.Allocator, ranges []csvRange, j, rows int) (arrow.Array, error) {
	t := cp.types[j]
	vb, nulls := validity(mem, ranges, j, rows)
	switch cp.kinds[j] {
	case ckTime:
		return makeArray(t, rows, []*memory.Buffer{vb, cp.gather(mem, ranges, j, rows, 8)}, nulls), nil
	case ckInt:
		a := makeArray(arrow.PrimitiveTypes.Int64, rows, []*memory.Buffer{vb, cp.gather(mem, ranges, j, rows, 8)}, nulls)
		if t.ID() == arrow.INT64 {
			return a, nil
		}
		defer a.Release()
		return castInts(ctx, mem, a, t)
	case ckFloat:
		a := makeArray(arrow.PrimitiveTypes.Float64, rows, []*memory.Buffer{vb, cp.gather(mem, ranges, j, rows, 8)}, nulls)
		if t.ID() == arrow.FLOAT64 {
			return a, nil
		}
		defer a.Release()
		return castWith(ctx, mem, a, t)
	case ckDate:
		buf := newBuf(mem, rows*4)
		vals := arrow.Int32Traits.CastFromBytes(buf.Bytes())
		row := 0
		for i := range ranges {
			for _, v := range ranges[i].cols[j].ints {
				vals[row] = int32(v)
				row++
			}
		}
		return makeArray(t, rows, []*memory.Buffer{vb, buf}, nulls), nil
	case ckBool:
		buf := newBuf(mem, int(bitutil.BytesForBits(int64(rows))))
		bm := buf.Bytes()
		for i := range bm {
			bm[i] = 0
		}
		row := 0
		for i := range ranges {
			for _, v := range ranges[i].cols[j].bools {
				if v {
					bitutil.SetBit(bm, row)
				}
				row++
			}
		}
		return makeArray(t, rows, []*memory.Buffer{vb, buf}, nulls), nil
	case ckDict:
		// One dictionary in order of first appearance; the codes of every
		// range are translated into it in place.
		ib := cp.gather(mem, ranges, j, rows, 4)
		idx := arrow.Int32Traits.CastFromBytes(ib.Bytes())
		global := map[string]int32{}
		var values []string
		total := 0
		row := 0
		for i := range ranges {
			c := &ranges[i].cols[j]
			tr := make([]int32, len(c.dictVals))
			for k, s := range c.dictVals {
				g, ok := global[s]
				if !ok {
					g = int32(len(values))
					global[s] = g
					values = append(values, s)
					total += len(s)
				}
				tr[k] = g
			}
			for k := 0; k < ranges[i].rows; k++ {
				if c.valid != nil && !c.valid[k] {
					idx[row] = 0
				} else {
					idx[row] = tr[idx[row]]
				}
				row++
			}
		}
		if total > math.MaxInt32 {
			if vb != nil {
				vb.Release()
			}
			ib.Release()
			return nil, fmt.Errorf("%w: dictionary of column %q larger than 2 GiB", ErrUnsupported, cp.names[j])
		}
		sb := array.NewStringBuilder(mem)
		sb.Reserve(len(values))
		sb.ReserveData(total)
		for _, s := range values {
			sb.Append(s)
		}
		dict := sb.NewArray()
		sb.Release()
		defer dict.Release()
		indices := makeArray(arrow.PrimitiveTypes.Int32, rows, []*memory.Buffer{vb, ib}, nulls)
		defer indices.Release()
		return array.NewDictionaryArray(t, indices, dict), nil
	}
	total := 0
	for i := range ranges {
		total += len(ranges[i].cols[j].data)
	}
	if total > math.MaxInt32 {
		if vb != nil {
			vb.Release()
		}
		return nil, fmt.Errorf("%w: string column %q larger than 2 GiB; read the file in parts (CSVOptions.Columns) or convert it to Parquet", ErrUnsupported, cp.names[j])
	}
	ob := newBuf(mem, (rows+1)*4)
	offs := arrow.Int32Traits.CastFromBytes(ob.Bytes())
	db := newBuf(mem, total)
	data := db.Bytes()
	row, base := 0, int32(0)
	offs[0] = 0
	for i := range ranges {
		c := &ranges[i].cols[j]
		for _, o := range c.offs[1:] {
			row++
			offs[row] = base + o
		}
		copy(data[base:], c.data)
		base += int32(len(c.data))
	}
	a := makeArray(arrow.BinaryTypes.String, rows, []*memory.Buffer{vb, ob, db}, nulls)
	if t.ID() == arrow.STRING {
		return a, nil
	}
	defer a.Release()
	return castWith(ctx, mem, a, t)
}
