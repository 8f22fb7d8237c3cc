package dataframe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/plan"
)

// CSVOptions configures ReadCSV and ScanCSV. The zero value reads a
// comma-separated file with a header row, infers column types from the
// first InferRows rows, and treats empty fields as null.
type CSVOptions struct {
	// Delimiter between fields (default ','); a single-byte character
	// other than '"', '\r' and '\n'.
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
	// NullValues are field texts read as null (default: only the empty
	// field). A quoted field is never null in a string column.
	NullValues []string
	// InferRows is how many rows type inference looks at (default 1000);
	// a later value that does not fit widens the column (int -> float -> string).
	InferRows int
	// Columns projects: only these columns are parsed and returned, in this order.
	Columns []string
	// SkipRows skips lines before the header.
	SkipRows int
	// Allocator for the result (default: memory.DefaultAllocator).
	Allocator memory.Allocator
	// SplitBytes is the size of the byte ranges a cluster cuts the file
	// into, each read by one task (default 32 MiB).
	SplitBytes int64
}

// ReadCSV reads a CSV file into a Frame. Parsing is parallel on all cores
// (GOMAXPROCS). A malformed row yields an error wrapping ErrParse that
// names the file, the line (counted from the start of the file) and the
// column.
func ReadCSV(path string, opts CSVOptions) (*Frame, error) {
	return ScanCSV(path, opts).Collect(context.Background())
}

// ReadCSVContext is ReadCSV that stops when ctx is cancelled, returning
// ctx's error.
func ReadCSVContext(ctx context.Context, path string, opts CSVOptions) (*Frame, error) {
	return ScanCSV(path, opts).Collect(ctx)
}

// ScanCSV returns a LazyFrame reading path; the header and a sample are
// read now to know the schema, the data when the query runs.
func ScanCSV(path string, opts CSVOptions) *LazyFrame {
	src, err := newCSVSource(path, opts)
	if err != nil {
		return &LazyFrame{err: err}
	}
	return csvScan(src)
}

// ReadCSVBytes parses CSV data held in memory; name is used in error messages.
func ReadCSVBytes(name string, data []byte, opts CSVOptions) (*Frame, error) {
	return readCSVBytes(context.Background(), name, data, opts, 0)
}

func readCSVBytes(ctx context.Context, name string, data []byte, opts CSVOptions, minRange int) (*Frame, error) {
	if data == nil {
		data = []byte{}
	}
	src := &csvSource{path: name, opts: opts, data: data, minRange: minRange}
	if err := src.init(); err != nil {
		return nil, err
	}
	return csvScan(src).Collect(ctx)
}

func csvScan(src *csvSource) *LazyFrame {
	n, err := plan.NewScan(src, src.opts.Columns, nil)
	return &LazyFrame{node: n, err: err}
}

type csvSource struct {
	path string
	opts CSVOptions
	data []byte // when set, the file content (ReadCSVBytes)
	// minRange overrides csvMinRange (tests cut small inputs into many ranges).
	minRange int
	// rng, when set, limits the source to a byte range of records of the
	// file (a split, csv_split.go); the schema is then fixed.
	rng *byteRange
	// header holds the column names; mu guards schema, which a Scan widens
	// when a row after the inference sample does not fit a column's type.
	header []string
	mu     sync.Mutex
	schema *arrow.Schema
}

func newCSVSource(path string, opts CSVOptions) (*csvSource, error) {
	s := &csvSource{path: path, opts: opts}
	return s, s.init()
}

func (s *csvSource) String() string {
	if s.rng != nil {
		return fmt.Sprintf("csv %q bytes %d-%d", s.path, s.rng.start, s.rng.end)
	}
	return fmt.Sprintf("csv %q", s.path)
}

func (s *csvSource) Schema() *arrow.Schema {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schema
}

func (s *csvSource) delim() byte {
	if s.opts.Delimiter == 0 {
		return ','
	}
	return byte(s.opts.Delimiter)
}

// sampleSize is how much of a file init reads to find the header and infer types.
const sampleSize = 1 << 20

func (s *csvSource) readSample() (data []byte, complete bool, err error) {
	if s.data != nil {
		return s.data, true, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, false, fmt.Errorf("dataframe: read csv: %w", err)
	}
	defer f.Close()
	buf := make([]byte, sampleSize)
	n, err := io.ReadFull(f, buf)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return buf[:n], true, nil
	case err != nil:
		return nil, false, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
	}
	return buf[:n], false, nil
}

// readAll reads the whole file: pieces of it in parallel, checking ctx
// between pieces of 8 MiB.
func (s *csvSource) readAll(ctx context.Context, workers int) ([]byte, error) {
	if s.data != nil {
		return s.data, nil
	}
	f, st, err := openStat(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	const piece = 8 << 20
	size := int(st.Size())
	if st.Mode().IsRegular() && size > 0 {
		buf := make([]byte, size)
		errs := make([]error, (size+piece-1)/piece)
		forEach(len(errs), workers, func(i int) {
			if errs[i] = ctx.Err(); errs[i] == nil {
				lo := i * piece
				_, errs[i] = f.ReadAt(buf[lo:min(size, lo+piece)], int64(lo))
			}
		})
		short := false
		for _, err := range errs {
			switch {
			case errors.Is(err, io.EOF):
				short = true // the file shrank: read it again in order
			case err != nil && ctx.Err() != nil:
				return nil, ctx.Err()
			case err != nil:
				return nil, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
			}
		}
		if !short {
			// Anything appended since Stat is left for the next read.
			return buf, nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
		}
	}
	var buf []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, piece)...)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(cap(buf), len(buf)+piece)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
		}
	}
}

// openStat opens a CSV file and returns its FileInfo.
func openStat(path string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dataframe: read csv: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("dataframe: read csv: %w", err)
	}
	return f, st, nil
}

// init reads the header and infers the schema from a sample.
func (s *csvSource) init() error {
	if d := s.opts.Delimiter; d > 127 || d < 0 || d == '"' || d == '\n' || d == '\r' {
		return fmt.Errorf("%w: CSV delimiter %q: want a single-byte character other than a quote or a line end", ErrInvalidArgument, d)
	}
	if s.opts.SkipRows < 0 || s.opts.InferRows < 0 {
		return fmt.Errorf("%w: CSVOptions.SkipRows and InferRows must not be negative", ErrInvalidArgument)
	}
	sample, complete, err := s.readSample()
	if err != nil {
		return err
	}
	p := &csvParser{data: sample, delim: s.delim(), name: s.path}
	body := p.skipLines(bomLen(sample), s.opts.SkipRows)
	// Blank lines before the header are skipped, as between records.
	for body < len(sample) && (sample[body] == '\n' || sample[body] == '\r') {
		body++
	}
	var header []string
	if !s.opts.NoHeader && body < len(sample) {
		var next int
		header, next, err = p.record(body)
		if err != nil {
			if !complete {
				return fmt.Errorf("%w: %s: header longer than %d bytes", ErrParse, s.path, sampleSize)
			}
			return err
		}
		body = next
	}
	inferRows := s.opts.InferRows
	if inferRows <= 0 {
		inferRows = 1000
	}
	rows, err := p.sampleRows(body, inferRows, complete)
	if err != nil {
		return err
	}
	ncol := len(header)
	if header == nil {
		if len(rows) > 0 {
			ncol = len(rows[0])
		}
		if ncol == 0 && s.opts.ColumnNames != nil {
			ncol = len(s.opts.ColumnNames)
		}
		if ncol == 0 && s.opts.Schema != nil {
			ncol = s.opts.Schema.NumFields()
		}
		for i := 0; i < ncol; i++ {
			header = append(header, fmt.Sprintf("column_%d", i+1))
		}
	}
	header = dedupeNames(header)
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
		header = nil
		for _, f := range s.opts.Schema.Fields() {
			header = append(header, f.Name)
		}
	}
	seen := map[string]bool{}
	for _, h := range header {
		if seen[h] {
			return fmt.Errorf("%w: column name %q appears twice in the CSV options of %s", ErrInvalidArgument, h, s.path)
		}
		seen[h] = true
	}
	if s.opts.Schema != nil {
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

// bomLen is 3 when data starts with a UTF-8 byte order mark (which is
// not part of the first column's name).
func bomLen(data []byte) int {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return 3
	}
	return 0
}

// dedupeNames renames repeated header names: a, a, a -> a, a_duplicated_0,
// a_duplicated_1 (as Polars does).
func dedupeNames(names []string) []string {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[n] = true
	}
	count := map[string]int{}
	out := make([]string, len(names))
	for i, n := range names {
		if count[n] > 0 {
			name := n
			for k := count[n] - 1; seen[name]; k++ {
				name = fmt.Sprintf("%s_duplicated_%d", n, k)
			}
			seen[name] = true
			out[i] = name
		} else {
			out[i] = n
		}
		count[n]++
	}
	return out
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

// bodyStart returns where the records of p.data (the file from its
// start) begin: after the byte order mark, SkipRows, blank lines and the
// header.
func (s *csvSource) bodyStart(p *csvParser) (int, error) {
	data := p.data
	pos := p.skipLines(bomLen(data), s.opts.SkipRows)
	for pos < len(data) && (data[pos] == '\n' || data[pos] == '\r') {
		pos++
	}
	if !s.opts.NoHeader && pos < len(data) {
		_, next, err := p.record(pos)
		if err != nil {
			return 0, err
		}
		pos = next
	}
	return pos, nil
}

// Scan implements plan.Source: it reads the file and parses it in
// parallel byte ranges (see csvparse.go).
func (s *csvSource) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if s.opts.Allocator != nil {
		mem = s.opts.Allocator
	}
	workers := max(1, runtimeWorkers())
	var data []byte
	var err error
	if s.rng != nil {
		data, err = s.readRange(ctx)
	} else {
		data, err = s.readAll(ctx, workers)
	}
	if err != nil {
		return nil, 0, err
	}
	p := &csvParser{data: data, delim: s.delim(), name: s.path}
	pos := 0
	if s.rng != nil {
		p.line0, p.split = int(s.rng.line0), true
	} else if pos, err = s.bodyStart(p); err != nil {
		return nil, 0, err
	}
	schema := s.Schema()
	ncol := schema.NumFields()
	names := req.Columns
	if names == nil {
		for _, f := range schema.Fields() {
			names = append(names, f.Name)
		}
	}
	read := make([]bool, ncol) // columns to parse
	pick := make([]int, len(names))
	for k, n := range names {
		idx := schema.FieldIndices(n)
		if len(idx) == 0 {
			return nil, 0, columnNotFound(n, schema)
		}
		read[idx[0]] = true
		pick[k] = idx[0]
	}
	nulls := s.nullSet()
	_, emptyIsNull := nulls[""]
	cp := &csvParse{
		p: p, ncol: ncol, nulls: nulls,
		names:     make([]string, ncol),
		onlyNil:   len(nulls) == 1 && emptyIsNull,
		emptyNull: emptyIsNull,
		fastNum:   true,
		types:     make([]arrow.DataType, ncol),
		kinds:     make([]csvKind, ncol),
		fixed:     make([]bool, ncol),
	}
	for v := range nulls {
		if _, ok := parseIntFast(v); ok {
			cp.fastNum = false
		} else if _, err := strconv.ParseFloat(v, 64); err == nil {
			cp.fastNum = false
		}
	}
	for j, f := range schema.Fields() {
		cp.types[j] = f.Type
		cp.names[j] = f.Name
		_, typed := s.opts.Types[f.Name]
		cp.fixed[j] = s.opts.Schema != nil || typed || s.rng != nil
	}
	minRange := csvMinRange
	if s.minRange > 0 {
		minRange = s.minRange
	}
	ranges := splitRanges(data, pos, workers, minRange)
	for attempt := 0; ; attempt++ {
		for j := range cp.kinds {
			cp.kinds[j] = ckSkip
			if read[j] {
				cp.kinds[j] = csvKindOf(cp.types[j])
			}
		}
		for i := range ranges {
			ranges[i] = csvRange{start: ranges[i].start, end: ranges[i].end}
		}
		cp.allocOut(mem, ranges, workers)
		cp.parseRanges(ctx, ranges, workers)
		if f := int(cp.failed.Load()); f < len(ranges) {
			cp.release()
			r := &ranges[f]
			switch {
			case r.err != nil:
				return nil, 0, r.err
			case len(r.widen) > 0 && attempt < 4*ncol:
				// Inference was wrong for a later row: widen and parse again.
				fields := append([]arrow.Field(nil), schema.Fields()...)
				for i := range ranges {
					for j, t := range ranges[i].widen {
						t = widen(cp.types[j], t)
						cp.types[j] = t
						fields[j].Type = t
					}
				}
				schema = arrow.NewSchema(fields, nil)
				s.mu.Lock()
				s.schema = schema
				s.mu.Unlock()
			case len(r.widen) > 0:
				return nil, 0, fmt.Errorf("%w: %s: column types keep changing; pass CSVOptions.Types or Schema", ErrParse, s.path)
			default:
				// A range did not end on a record boundary (stray quotes
				// fooled the split): parse the body as one range.
				ranges = []csvRange{{start: pos, end: len(data)}}
			}
			continue
		}
		rows := 0
		for i := range ranges {
			rows += ranges[i].rows
		}
		cols, err := cp.buildColumns(ctx, mem, ranges, read, rows, workers)
		cp.release()
		if err != nil {
			return nil, 0, err
		}
		out := make([]arrow.Array, len(names))
		for k, j := range pick {
			out[k] = cols[j]
			out[k].Retain()
		}
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
		return out, rows, nil
	}
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
		if _, ok := parseDate(f); ok {
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
	line0 int  // line breaks before data[0] (a byte range of the file)
	split bool // a split read on a cluster worker: types cannot widen
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

// lineAt computes the 1-based line number of byte offset pos in the whole
// file (error path only).
func (p *csvParser) lineAt(pos int) int {
	return p.line0 + bytes.Count(p.data[:min(pos, len(p.data))], []byte{'\n'}) + 1
}

// record parses one record starting at pos, returning copies of its
// fields and where the next record starts.
func (p *csvParser) record(pos int) ([]string, int, error) {
	var out []string
	for col := 0; ; col++ {
		fs, fe, next, quoted, esc, eol, err := p.field(pos, col)
		if err != nil {
			return nil, next, err
		}
		out = append(out, unquote(p.data[fs:fe], quoted && esc))
		pos = next
		if eol {
			return out, pos, nil
		}
	}
}

// sampleRows parses up to n records from pos for type inference. The
// sample may end in the middle of a record: that record is dropped.
func (p *csvParser) sampleRows(pos, n int, complete bool) ([][]string, error) {
	var rows [][]string
	for len(rows) < n && pos < len(p.data) {
		if p.data[pos] == '\n' || (p.data[pos] == '\r' && pos+1 < len(p.data) && p.data[pos+1] == '\n') {
			pos = p.skipLines(pos, 1)
			continue
		}
		r, next, err := p.record(pos)
		if err != nil {
			if !complete && next >= len(p.data) {
				break // cut by the sample window
			}
			return nil, err
		}
		if !complete && next >= len(p.data) && p.data[len(p.data)-1] != '\n' && len(rows) > 0 {
			break // possibly cut by the sample window
		}
		pos = next
		rows = append(rows, r)
	}
	return rows, nil
}

func unquote(f []byte, esc bool) string {
	if esc {
		return string(appendUnescaped(nil, f))
	}
	return string(f)
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

// fieldErr reports a field that does not parse as its column's type; pos
// is where the field starts.
func fieldErr(p *csvParser, pos, col int, name, val string, t arrow.DataType) error {
	why := ""
	if p.split {
		why = " (the type was inferred from the first rows; a cluster reads the file in pieces and cannot widen a column as a local read does)"
	}
	return fmt.Errorf("%w: %s:%d: column %d (%q): cannot parse %q as %s%s; pass CSVOptions.Types or Schema to read it as another type",
		ErrParse, p.name, p.lineAt(pos), col+1, name, cut(val, 40), t, why)
}

func runtimeWorkers() int { return runtimeGOMAXPROCS() }
