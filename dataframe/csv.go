package dataframe

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/plan"
)

// CSVOptions configures ReadCSV and ScanCSV. The zero value reads a
// comma-separated file with a header row, infers column types from the
// first InferRows rows, and treats empty fields as null.
type CSVOptions struct {
	// Delimiter between fields (default ',').
	Delimiter rune
	// NoHeader: the first row is data; columns are named column_1, ... or ColumnNames.
	NoHeader bool
	// ColumnNames overrides the column names.
	ColumnNames []string
	// Schema fixes names and types of all columns (no inference).
	Schema *arrow.Schema
	// Types overrides the type of some columns by name (e.g.
	// dataframe.Categorical for low-cardinality string keys, dataframe.Int32).
	Types map[string]arrow.DataType
	// NullValues are field texts read as null (default: only the empty field).
	NullValues []string
	// InferRows is how many rows type inference looks at (default 1000);
	// a later value that does not fit widens the column (int -> float -> string).
	InferRows int
	// Columns projects: only these columns are parsed and returned.
	Columns []string
	// SkipRows skips lines before the header.
	SkipRows int
	// Allocator for the result (default: memory.DefaultAllocator).
	Allocator memory.Allocator
}

// ReadCSV reads a CSV file into a Frame. Parsing is parallel on all cores.
// A malformed row yields an error wrapping ErrParse that names the file,
// line and column.
func ReadCSV(path string, opts CSVOptions) (*Frame, error) {
	return ScanCSV(path, opts).Collect(context.Background())
}

// ScanCSV returns a LazyFrame reading path; the header and a sample are
// read now to know the schema, the data when the query runs.
func ScanCSV(path string, opts CSVOptions) *LazyFrame {
	src, err := newCSVSource(path, opts)
	if err != nil {
		return &LazyFrame{err: err}
	}
	n, err := plan.NewScan(src, nil, nil)
	return &LazyFrame{node: n, err: err}
}

// ReadCSVBytes parses CSV data held in memory; name is used in error messages.
func ReadCSVBytes(name string, data []byte, opts CSVOptions) (*Frame, error) {
	src := &csvSource{path: name, opts: opts, data: data}
	if err := src.init(); err != nil {
		return nil, err
	}
	n, err := plan.NewScan(src, nil, nil)
	if err != nil {
		return nil, err
	}
	return (&LazyFrame{node: n}).Collect(context.Background())
}

type csvSource struct {
	path   string
	opts   CSVOptions
	data   []byte // when set, the file content (tests / ReadCSVBytes)
	schema *arrow.Schema
	header []string
}

func newCSVSource(path string, opts CSVOptions) (*csvSource, error) {
	s := &csvSource{path: path, opts: opts}
	return s, s.init()
}

func (s *csvSource) String() string { return fmt.Sprintf("csv %q", s.path) }

func (s *csvSource) Schema() *arrow.Schema { return s.schema }

func (s *csvSource) delim() byte {
	if s.opts.Delimiter == 0 {
		return ','
	}
	return byte(s.opts.Delimiter)
}

func (s *csvSource) readSample() ([]byte, error) {
	if s.data != nil {
		return s.data, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: read csv: %w", err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n, err := f.Read(buf)
	if n == 0 && err != nil {
		if err.Error() == "EOF" {
			return nil, nil
		}
		return nil, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
	}
	return buf[:n], nil
}

// init reads the header and infers the schema from a sample.
func (s *csvSource) init() error {
	if s.opts.Delimiter > 127 {
		return fmt.Errorf("%w: CSV delimiter %q must be a single-byte character", ErrInvalidArgument, s.opts.Delimiter)
	}
	sample, err := s.readSample()
	if err != nil {
		return err
	}
	p := &csvParser{data: sample, delim: s.delim(), name: s.path}
	body := p.skipLines(0, s.opts.SkipRows)
	var header []string
	if !s.opts.NoHeader {
		var fields []string
		var next int
		fields, next, err = p.record(body, 1+s.opts.SkipRows)
		if err != nil {
			return err
		}
		header = fields
		body = next
	}
	inferRows := s.opts.InferRows
	if inferRows <= 0 {
		inferRows = 1000
	}
	rows, err := p.sampleRows(body, inferRows, 2+s.opts.SkipRows)
	if err != nil {
		return err
	}
	ncol := len(header)
	if header == nil {
		if len(rows) > 0 {
			ncol = len(rows[0])
		}
		for i := 0; i < ncol; i++ {
			header = append(header, fmt.Sprintf("column_%d", i+1))
		}
	}
	if s.opts.ColumnNames != nil {
		if len(s.opts.ColumnNames) != ncol {
			return fmt.Errorf("%w: %d ColumnNames for %d CSV columns in %s", ErrInvalidArgument, len(s.opts.ColumnNames), ncol, s.path)
		}
		header = s.opts.ColumnNames
	}
	s.header = header
	if s.opts.Schema != nil {
		if s.opts.Schema.NumFields() != ncol {
			return fmt.Errorf("%w: schema has %d fields but %s has %d columns", ErrSchemaMismatch, s.opts.Schema.NumFields(), s.path, ncol)
		}
		s.schema = s.opts.Schema
		return nil
	}
	fields := make([]arrow.Field, ncol)
	nulls := s.nullSet()
	for j := 0; j < ncol; j++ {
		t := arrow.DataType(arrow.Null)
		for _, r := range rows {
			if j < len(r) {
				if _, isNull := nulls[r[j]]; !isNull {
					t = widen(t, inferField(r[j]))
				}
			}
		}
		if t.ID() == arrow.NULL {
			t = arrow.BinaryTypes.String
		}
		if o, ok := s.opts.Types[header[j]]; ok {
			t = o
		}
		fields[j] = arrow.Field{Name: header[j], Type: t, Nullable: true}
	}
	for name := range s.opts.Types {
		found := false
		for _, h := range header {
			found = found || h == name
		}
		if !found {
			return columnNotFound(name, arrow.NewSchema(fields, nil))
		}
	}
	s.schema = arrow.NewSchema(fields, nil)
	return nil
}

func (s *csvSource) nullSet() map[string]struct{} {
	m := map[string]struct{}{"": {}}
	if s.opts.NullValues != nil {
		m = map[string]struct{}{}
		for _, v := range s.opts.NullValues {
			m[v] = struct{}{}
		}
	}
	return m
}

var (
	dateType = arrow.FixedWidthTypes.Date32
	tsType   = &arrow.TimestampType{Unit: arrow.Microsecond}
)

func inferField(f string) arrow.DataType {
	if _, ok := parseIntFast(f); ok {
		return arrow.PrimitiveTypes.Int64
	}
	if _, err := strconv.ParseFloat(f, 64); err == nil {
		return arrow.PrimitiveTypes.Float64
	}
	switch strings.ToLower(f) {
	case "true", "false":
		return arrow.FixedWidthTypes.Boolean
	}
	if len(f) == 10 {
		if _, err := time.Parse("2006-01-02", f); err == nil {
			return dateType
		}
	}
	if len(f) >= 19 && len(f) <= 35 {
		if _, ok := parseTime(f); ok {
			return tsType
		}
	}
	return arrow.BinaryTypes.String
}

func parseTime(f string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, f); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func widen(a, b arrow.DataType) arrow.DataType {
	switch {
	case a.ID() == arrow.NULL:
		return b
	case b.ID() == arrow.NULL, arrow.TypeEqual(a, b):
		return a
	case (a.ID() == arrow.INT64 && b.ID() == arrow.FLOAT64) || (a.ID() == arrow.FLOAT64 && b.ID() == arrow.INT64):
		return arrow.PrimitiveTypes.Float64
	case (a.ID() == arrow.DATE32 && b.ID() == arrow.TIMESTAMP) || (a.ID() == arrow.TIMESTAMP && b.ID() == arrow.DATE32):
		return tsType
	}
	return arrow.BinaryTypes.String
}

func parseIntFast(f string) (int64, bool) {
	if len(f) == 0 || len(f) > 18 {
		if len(f) > 18 {
			v, err := strconv.ParseInt(f, 10, 64)
			return v, err == nil
		}
		return 0, false
	}
	neg := false
	i := 0
	if f[0] == '-' || f[0] == '+' {
		neg = f[0] == '-'
		i = 1
		if len(f) == 1 {
			return 0, false
		}
	}
	var v int64
	for ; i < len(f); i++ {
		c := f[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	if neg {
		v = -v
	}
	return v, true
}

// csvParser splits records; it understands RFC 4180 quoting.
type csvParser struct {
	data  []byte
	delim byte
	name  string
}

func (p *csvParser) skipLines(pos, n int) int {
	for ; n > 0 && pos < len(p.data); n-- {
		i := bytes.IndexByte(p.data[pos:], '\n')
		if i < 0 {
			return len(p.data)
		}
		pos += i + 1
	}
	return pos
}

// lineAt computes the 1-based line number of byte offset pos (error path only).
func (p *csvParser) lineAt(pos int) int { return bytes.Count(p.data[:pos], []byte{'\n'}) + 1 }

// record parses one record starting at pos, returning copies of its fields.
func (p *csvParser) record(pos, line int) ([]string, int, error) {
	var out []string
	err := p.fields(pos, func(col int, f []byte, quoted bool) bool {
		out = append(out, unquote(f, quoted))
		return true
	}, &pos)
	return out, pos, err
}

func (p *csvParser) sampleRows(pos, n, line int) ([][]string, error) {
	var rows [][]string
	for len(rows) < n && pos < len(p.data) {
		start := pos
		r, next, err := p.record(pos, line)
		if err != nil {
			if next >= len(p.data) || pos+1 >= len(p.data) {
				break // truncated sample
			}
			return nil, err
		}
		if next >= len(p.data) && len(p.data) > 0 && p.data[len(p.data)-1] != '\n' && len(rows) > 0 {
			// possibly cut by the sample window; ignore the partial line
			_ = start
			break
		}
		pos = next
		if len(r) == 1 && r[0] == "" {
			continue
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// fields scans one record from *pos, calling emit for every field, and
// leaves *pos at the start of the next record.
func (p *csvParser) fields(start int, emit func(col int, f []byte, quoted bool) bool, pos *int) error {
	d := p.data
	i := start
	col := 0
	for {
		if i < len(d) && d[i] == '"' {
			j := i + 1
			for {
				k := bytes.IndexByte(d[j:], '"')
				if k < 0 {
					*pos = len(d)
					return fmt.Errorf("%w: %s:%d: column %d: unterminated quoted field", ErrParse, p.name, p.lineAt(i), col+1)
				}
				j += k + 1
				if j < len(d) && d[j] == '"' {
					j++
					continue
				}
				break
			}
			emit(col, d[i+1:j-1], true)
			col++
			i = j
			if i >= len(d) {
				*pos = i
				return nil
			}
			switch d[i] {
			case p.delim:
				i++
				continue
			case '\n':
				*pos = i + 1
				return nil
			case '\r':
				*pos = i + 1
				if i+1 < len(d) && d[i+1] == '\n' {
					*pos = i + 2
				}
				return nil
			}
			return fmt.Errorf("%w: %s:%d: column %d: unexpected %q after closing quote", ErrParse, p.name, p.lineAt(i), col, d[i])
		}
		j := i
		for j < len(d) && d[j] != p.delim && d[j] != '\n' {
			j++
		}
		f := d[i:j]
		end := j
		if len(f) > 0 && f[len(f)-1] == '\r' && (j >= len(d) || d[j] == '\n') {
			f = f[:len(f)-1]
		}
		emit(col, f, false)
		col++
		if end >= len(d) {
			*pos = end
			return nil
		}
		if d[end] == '\n' {
			*pos = end + 1
			return nil
		}
		i = end + 1
	}
}

func unquote(f []byte, quoted bool) string {
	if quoted && bytes.Contains(f, []byte(`""`)) {
		return strings.ReplaceAll(string(f), `""`, `"`)
	}
	return string(f)
}

// Scan implements plan.Source: parse the file in parallel chunks.
func (s *csvSource) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if s.opts.Allocator != nil {
		mem = s.opts.Allocator
	}
	data := s.data
	if data == nil {
		var err error
		if data, err = os.ReadFile(s.path); err != nil {
			return nil, 0, fmt.Errorf("dataframe: read csv: %w", err)
		}
	}
	p := &csvParser{data: data, delim: s.delim(), name: s.path}
	pos := p.skipLines(0, s.opts.SkipRows)
	if !s.opts.NoHeader {
		if _, next, err := p.record(pos, 1); err != nil {
			return nil, 0, err
		} else {
			pos = next
		}
	}
	ncol := s.schema.NumFields()
	want := make([]int, ncol) // output position per column, -1 skip
	names := req.Columns
	if names == nil {
		names = s.header
		if s.opts.Schema != nil {
			names = nil
			for _, f := range s.schema.Fields() {
				names = append(names, f.Name)
			}
		}
	}
	for j := range want {
		want[j] = -1
	}
	for k, n := range names {
		idx := s.schema.FieldIndices(n)
		if len(idx) == 0 {
			return nil, 0, columnNotFound(n, s.schema)
		}
		want[idx[0]] = k
	}
	types := make([]arrow.DataType, ncol)
	for j, f := range s.schema.Fields() {
		types[j] = f.Type
	}
	chunks := splitChunks(p, pos, exec.Local{}.Workers)
	for attempt := 0; ; attempt++ {
		cols, rows, widenCol, err := s.parseAll(ctx, mem, p, chunks, types, want, len(names), ncol)
		if err == nil {
			return cols, rows, nil
		}
		if widenCol < 0 || s.opts.Schema != nil || attempt > 3 {
			return nil, 0, err
		}
		if _, fixed := s.opts.Types[s.schema.Field(widenCol).Name]; fixed {
			return nil, 0, err
		}
		// Inference was wrong for a later row: widen and re-parse.
		t := types[widenCol]
		if t.ID() == arrow.INT64 {
			types[widenCol] = arrow.PrimitiveTypes.Float64
		} else {
			types[widenCol] = arrow.BinaryTypes.String
		}
		fields := append([]arrow.Field(nil), s.schema.Fields()...)
		fields[widenCol].Type = types[widenCol]
		s.schema = arrow.NewSchema(fields, nil)
	}
}

// splitChunks cuts the body into about 8 chunks per core at record
// boundaries (quote-aware when the data holds quotes).
func splitChunks(p *csvParser, start int, _ int) [][2]int {
	d := p.data
	n := len(d) - start
	workers := max(1, runtimeWorkers())
	target := max(1<<20, n/(workers*8)+1)
	hasQuotes := bytes.IndexByte(d[start:], '"') >= 0
	var out [][2]int
	pos := start
	if !hasQuotes {
		for pos < len(d) {
			end := min(len(d), pos+target)
			if end < len(d) {
				k := bytes.IndexByte(d[end:], '\n')
				if k < 0 {
					end = len(d)
				} else {
					end += k + 1
				}
			}
			out = append(out, [2]int{pos, end})
			pos = end
		}
		return out
	}
	inQ := false
	last := start
	for i := start; i < len(d); i++ {
		switch d[i] {
		case '"':
			inQ = !inQ
		case '\n':
			if !inQ && i+1-last >= target {
				out = append(out, [2]int{last, i + 1})
				last = i + 1
			}
		}
	}
	if last < len(d) {
		out = append(out, [2]int{last, len(d)})
	}
	return out
}

// colBuf accumulates one column of one chunk.
type colBuf struct {
	i     []int64
	f     []float64
	b     []bool
	offs  []int32
	bytes []byte
	valid []bool
	nulls int
}

type chunkResult struct {
	cols []colBuf
	rows int
	err  error
	bad  int // column to widen, -1
	pos  int // byte offset of the error
}

func (s *csvSource) parseAll(ctx context.Context, mem memory.Allocator, p *csvParser, chunks [][2]int, types []arrow.DataType, want []int, nout, ncol int) ([]arrow.Array, int, int, error) {
	results := make([]chunkResult, len(chunks))
	nulls := s.nullSet()
	_, emptyIsNull := nulls[""]
	onlyEmpty := len(nulls) == 1 && emptyIsNull
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtimeWorkers()))
	for ci := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func(ci int) {
			defer wg.Done()
			defer func() { <-sem }()
			if ctx.Err() != nil {
				results[ci].err = ctx.Err()
				results[ci].bad = -1
				return
			}
			results[ci] = s.parseChunk(p, chunks[ci], types, want, nout, ncol, nulls, onlyEmpty)
		}(ci)
	}
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			return nil, 0, r.bad, r.err
		}
	}
	rows := 0
	for _, r := range results {
		rows += r.rows
	}
	out := make([]arrow.Array, nout)
	for j := 0; j < ncol; j++ {
		k := want[j]
		if k < 0 {
			continue
		}
		a, err := buildColumn(ctx, mem, types[j], results, k, rows)
		if err != nil {
			for _, c := range out {
				if c != nil {
					c.Release()
				}
			}
			return nil, 0, -1, err
		}
		out[k] = a
	}
	return out, rows, -1, nil
}

func (s *csvSource) parseChunk(p *csvParser, ch [2]int, types []arrow.DataType, want []int, nout, ncol int, nulls map[string]struct{}, onlyEmpty bool) chunkResult {
	res := chunkResult{cols: make([]colBuf, nout), bad: -1}
	est := (ch[1] - ch[0]) / max(1, 8*ncol)
	for j := 0; j < ncol; j++ {
		k := want[j]
		if k < 0 {
			continue
		}
		c := &res.cols[k]
		switch types[j].ID() {
		case arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.DATE32, arrow.TIMESTAMP:
			c.i = make([]int64, 0, est)
		case arrow.FLOAT64, arrow.FLOAT32:
			c.f = make([]float64, 0, est)
		case arrow.BOOL:
			c.b = make([]bool, 0, est)
		default:
			c.offs = make([]int32, 1, est+1)
		}
	}
	sub := &csvParser{data: p.data[:ch[1]], delim: p.delim, name: p.name}
	pos := ch[0]
	for pos < ch[1] {
		rowStart := pos
		// Skip blank lines.
		if p.data[pos] == '\n' || (p.data[pos] == '\r' && pos+1 < ch[1] && p.data[pos+1] == '\n') {
			if p.data[pos] == '\r' {
				pos++
			}
			pos++
			continue
		}
		var perr error
		seen := 0
		err := sub.fields(pos, func(col int, f []byte, quoted bool) bool {
			seen = col + 1
			if perr != nil || col >= ncol {
				return false
			}
			k := want[col]
			if k < 0 {
				return true
			}
			c := &res.cols[k]
			str := unsafe.String(unsafe.SliceData(f), len(f))
			isNull := false
			if onlyEmpty {
				isNull = len(f) == 0 && !quoted
			} else if _, ok := nulls[str]; ok && !quoted {
				isNull = true
			}
			if isNull {
				if c.valid == nil {
					c.valid = make([]bool, res.rows, cap(c.i)+cap(c.f)+cap(c.b)+cap(c.offs))
					for i := range c.valid {
						c.valid[i] = true
					}
				}
				c.nulls++
			}
			if c.valid != nil {
				c.valid = append(c.valid, !isNull)
			}
			t := types[col]
			switch t.ID() {
			case arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
				var v int64
				if !isNull {
					var ok bool
					if v, ok = parseIntFast(str); !ok {
						perr = s.fieldErr(p, rowStart, col, str, t)
						res.bad = col
						return false
					}
				}
				c.i = append(c.i, v)
			case arrow.FLOAT64, arrow.FLOAT32:
				var v float64
				if !isNull {
					var err error
					if v, err = strconv.ParseFloat(str, 64); err != nil {
						if iv, ok := parseIntFast(str); ok {
							v = float64(iv)
						} else {
							perr = s.fieldErr(p, rowStart, col, str, t)
							res.bad = col
							return false
						}
					}
				}
				c.f = append(c.f, v)
			case arrow.BOOL:
				var v bool
				if !isNull {
					switch strings.ToLower(str) {
					case "true", "1":
						v = true
					case "false", "0":
					default:
						perr = s.fieldErr(p, rowStart, col, str, t)
						res.bad = col
						return false
					}
				}
				c.b = append(c.b, v)
			case arrow.DATE32:
				var v int64
				if !isNull {
					tm, err := time.Parse("2006-01-02", str)
					if err != nil {
						perr = s.fieldErr(p, rowStart, col, str, t)
						res.bad = col
						return false
					}
					v = tm.Unix() / 86400
				}
				c.i = append(c.i, v)
			case arrow.TIMESTAMP:
				var v int64
				if !isNull {
					tm, ok := parseTime(str)
					if !ok {
						if d, err := time.Parse("2006-01-02", str); err == nil {
							tm, ok = d, true
						}
					}
					if !ok {
						perr = s.fieldErr(p, rowStart, col, str, t)
						res.bad = col
						return false
					}
					v = toUnit(tm, t.(*arrow.TimestampType).Unit)
				}
				c.i = append(c.i, v)
			default:
				if quoted && bytes.Contains(f, []byte(`""`)) {
					c.bytes = append(c.bytes, unquote(f, true)...)
				} else if !isNull {
					c.bytes = append(c.bytes, f...)
				}
				c.offs = append(c.offs, int32(len(c.bytes)))
			}
			return true
		}, &pos)
		if err != nil {
			res.err = err
			return res
		}
		if perr != nil {
			res.err = perr
			return res
		}
		if seen != ncol {
			res.err = fmt.Errorf("%w: %s:%d: expected %d fields, found %d", ErrParse, p.name, p.lineAt(rowStart), ncol, seen)
			return res
		}
		res.rows++
	}
	return res
}

func toUnit(t time.Time, u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return t.Unix()
	case arrow.Millisecond:
		return t.UnixMilli()
	case arrow.Microsecond:
		return t.UnixMicro()
	}
	return t.UnixNano()
}

func (s *csvSource) fieldErr(p *csvParser, rowStart, col int, val string, t arrow.DataType) error {
	return fmt.Errorf("%w: %s:%d: column %d (%q): cannot parse %q as %s; pass CSVOptions.Types or Schema to read it as another type",
		ErrParse, p.name, p.lineAt(rowStart), col+1, s.schema.Field(col).Name, cut(val, 40), t)
}

func buildColumn(ctx context.Context, mem memory.Allocator, t arrow.DataType, results []chunkResult, k, rows int) (arrow.Array, error) {
	var valid []bool
	anyNull := false
	for _, r := range results {
		if r.cols[k].nulls > 0 {
			anyNull = true
		}
	}
	if anyNull {
		valid = make([]bool, 0, rows)
		for _, r := range results {
			c := r.cols[k]
			if c.valid != nil {
				valid = append(valid, c.valid...)
			} else {
				for i := 0; i < r.rows; i++ {
					valid = append(valid, true)
				}
			}
		}
	}
	switch t.ID() {
	case arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64, arrow.DATE32, arrow.TIMESTAMP:
		vals := make([]int64, 0, rows)
		for _, r := range results {
			vals = append(vals, r.cols[k].i...)
		}
		switch t.ID() {
		case arrow.DATE32:
			b := array.NewDate32Builder(mem)
			defer b.Release()
			d32 := make([]arrow.Date32, len(vals))
			for i, v := range vals {
				d32[i] = arrow.Date32(v)
			}
			b.AppendValues(d32, valid)
			return b.NewArray(), nil
		case arrow.TIMESTAMP:
			b := array.NewTimestampBuilder(mem, t.(*arrow.TimestampType))
			defer b.Release()
			ts := make([]arrow.Timestamp, len(vals))
			for i, v := range vals {
				ts[i] = arrow.Timestamp(v)
			}
			b.AppendValues(ts, valid)
			return b.NewArray(), nil
		}
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		a := b.NewArray()
		if t.ID() == arrow.INT64 {
			return a, nil
		}
		defer a.Release()
		return castInts(ctx, mem, a, t)
	case arrow.FLOAT64, arrow.FLOAT32:
		vals := make([]float64, 0, rows)
		for _, r := range results {
			vals = append(vals, r.cols[k].f...)
		}
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, valid)
		a := b.NewArray()
		if t.ID() == arrow.FLOAT64 {
			return a, nil
		}
		defer a.Release()
		return castTo(ctx, a, t)
	case arrow.BOOL:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		for _, r := range results {
			b.AppendValues(r.cols[k].b, nil)
		}
		a := b.NewArray()
		if valid == nil {
			return a, nil
		}
		defer a.Release()
		vb := array.NewBooleanBuilder(mem)
		defer vb.Release()
		for i := 0; i < a.Len(); i++ {
			if valid[i] {
				vb.Append(a.(*array.Boolean).Value(i))
			} else {
				vb.AppendNull()
			}
		}
		return vb.NewArray(), nil
	}
	// strings
	total := 0
	for _, r := range results {
		total += len(r.cols[k].bytes)
	}
	if total > math.MaxInt32 {
		return nil, fmt.Errorf("%w: string column larger than 2 GiB", ErrUnsupported)
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(rows)
	b.ReserveData(total)
	row := 0
	for _, r := range results {
		c := r.cols[k]
		for i := 0; i+1 < len(c.offs); i++ {
			if valid != nil && !valid[row] {
				b.AppendNull()
			} else {
				b.BinaryBuilder.Append(c.bytes[c.offs[i]:c.offs[i+1]])
			}
			row++
		}
	}
	a := b.NewArray()
	if t.ID() == arrow.STRING {
		return a, nil
	}
	defer a.Release()
	return castTo(ctx, a, t)
}

func runtimeWorkers() int { return runtimeGOMAXPROCS() }
