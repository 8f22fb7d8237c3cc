package dataframe

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// ParquetOptions configures ReadParquet/ScanParquet. The zero value reads
// all columns of all row groups.
type ParquetOptions struct {
	// Columns projects (nil: all).
	Columns []string
	// Dictionary names string columns to read as dictionary-encoded
	// (Categorical) arrays: cheap low-cardinality group and join keys.
	Dictionary []string
	// Allocator for the result (default memory.DefaultAllocator).
	Allocator memory.Allocator
}

// ReadParquet reads a Parquet file into a Frame.
func ReadParquet(path string, opts ParquetOptions) (*Frame, error) {
	lf := ScanParquet(path, opts)
	return lf.Collect(context.Background())
}

// ScanParquet returns a LazyFrame over a Parquet file. Filters pushed
// into the scan skip row groups whose min/max statistics prove no row
// can match; projection reads only the needed columns.
func ScanParquet(path string, opts ParquetOptions) *LazyFrame {
	src, err := newParquetSource(path, opts)
	if err != nil {
		return &LazyFrame{err: err}
	}
	n, err := plan.NewScan(src, nil, nil)
	if err == nil && opts.Columns != nil {
		n, err = plan.NewScan(src, opts.Columns, nil)
	}
	return &LazyFrame{node: n, err: err}
}

type parquetSource struct {
	path   string
	opts   ParquetOptions
	schema *arrow.Schema
	// groups, when not nil, are the only row groups Scan reads (a split).
	groups []int
	// lastRowGroups records how many row groups the last Scan read (tests).
	lastRowGroups atomic.Int64
}

func newParquetSource(path string, opts ParquetOptions) (*parquetSource, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("dataframe: open parquet %s: %w", path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%w: parquet %s: %v", ErrParse, path, err)
	}
	s, err := fr.Schema()
	if err != nil {
		return nil, fmt.Errorf("%w: parquet %s schema: %v", ErrParse, path, err)
	}
	if len(opts.Dictionary) > 0 {
		fields := append([]arrow.Field(nil), s.Fields()...)
		for _, name := range opts.Dictionary {
			idx := s.FieldIndices(name)
			if len(idx) == 0 {
				return nil, columnNotFound(name, s)
			}
			if !expr.IsString(fields[idx[0]].Type) {
				return nil, fmt.Errorf("%w: ParquetOptions.Dictionary column %q is %s, want a string column", ErrTypeMismatch, name, fields[idx[0]].Type)
			}
			fields[idx[0]].Type = Categorical
		}
		s = arrow.NewSchema(fields, nil)
	}
	return &parquetSource{path: path, opts: opts, schema: s}, nil
}

func (s *parquetSource) Schema() *arrow.Schema { return s.schema }
func (s *parquetSource) String() string {
	if s.groups != nil {
		return fmt.Sprintf("parquet %q row groups %v", s.path, s.groups)
	}
	return fmt.Sprintf("parquet %q", s.path)
}

func (s *parquetSource) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if s.opts.Allocator != nil {
		mem = s.opts.Allocator
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	rdr, err := file.OpenParquetFile(s.path, false)
	if err != nil {
		return nil, 0, fmt.Errorf("dataframe: open parquet %s: %w", s.path, err)
	}
	defer rdr.Close()
	// Columns are read one at a time (several at once, up to the number of
	// cores), each concatenated as soon as it is read: reading all of them
	// first and concatenating after would hold every column twice.
	props := pqarrow.ArrowReadProperties{BatchSize: 1 << 20}
	for _, name := range s.opts.Dictionary {
		idx := rdr.MetaData().Schema.ColumnIndexByName(name)
		if idx < 0 {
			return nil, 0, columnNotFound(name, s.schema)
		}
		props.SetReadDict(idx, true)
	}
	fr, err := pqarrow.NewFileReader(rdr, props, mem)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: parquet %s: %v", ErrParse, s.path, err)
	}
	names := req.Columns
	if names == nil {
		for _, f := range s.schema.Fields() {
			names = append(names, f.Name)
		}
	}
	indices := make([]int, len(names))
	for i, n := range names {
		idx := s.schema.FieldIndices(n)
		if len(idx) == 0 {
			return nil, 0, columnNotFound(n, s.schema)
		}
		// Leaf index equals field index for flat schemas.
		indices[i] = fr.Manifest.Fields[idx[0]].ColIndex
		if indices[i] < 0 {
			return nil, 0, fmt.Errorf("%w: nested parquet column %q", ErrUnsupported, n)
		}
	}
	md := rdr.MetaData()
	candidates := s.groups
	if candidates == nil {
		candidates = make([]int, rdr.NumRowGroups())
		for g := range candidates {
			candidates[g] = g
		}
	}
	var groups []int
	rows := 0
	for _, g := range candidates {
		if g < 0 || g >= rdr.NumRowGroups() {
			return nil, 0, fmt.Errorf("%w: parquet %s has %d row groups, the scan names group %d (was the file rewritten?)", ErrInvalidArgument, s.path, rdr.NumRowGroups(), g)
		}
		if !rowGroupMayMatch(md.RowGroup(g), s.schema, fr, req.Filters) {
			continue
		}
		groups = append(groups, g)
		rows += int(md.RowGroup(g).NumRows())
	}
	s.lastRowGroups.Store(int64(len(groups)))
	out := make([]arrow.Array, len(names))
	if len(groups) == 0 {
		for i, n := range names {
			out[i] = array.MakeArrayOfNull(mem, s.schema.Field(s.schema.FieldIndices(n)[0]).Type, 0)
		}
		return out, 0, nil
	}
	release := func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}
	errs := make([]error, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = readParquetColumn(ctx, fr, mem, indices[i], groups)
			}
		}()
	}
	for i := range names {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		release()
		return nil, 0, err
	}
	for i, err := range errs {
		if err != nil {
			release()
			return nil, 0, fmt.Errorf("%w: parquet %s column %q: %v", ErrParse, s.path, names[i], err)
		}
	}
	return out, rows, nil
}

// readParquetColumn reads one column of some row groups as one array.
func readParquetColumn(ctx context.Context, fr *pqarrow.FileReader, mem memory.Allocator, col int, groups []int) (arrow.Array, error) {
	tbl, err := fr.ReadRowGroups(ctx, []int{col}, groups)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	chunks := tbl.Column(0).Data().Chunks()
	if len(chunks) == 1 {
		chunks[0].Retain()
		return chunks[0], nil
	}
	return array.Concatenate(chunks, mem)
}

// rowGroupMayMatch evaluates simple conjuncts (col <op> literal) against
// column statistics; anything it does not understand counts as "may match".
func rowGroupMayMatch(rg *metadata.RowGroupMetaData, schema *arrow.Schema, fr *pqarrow.FileReader, filters []expr.Expr) bool {
	for _, f := range filters {
		for _, term := range expr.SplitAnd(f) {
			b, ok := term.(expr.Binary)
			if !ok || !b.Op.IsComparison() {
				continue
			}
			c, cok := b.L.(expr.Column)
			l, lok := b.R.(expr.Literal)
			op := b.Op
			if !cok || !lok {
				c, cok = b.R.(expr.Column)
				l, lok = b.L.(expr.Literal)
				op = flip(op)
				if !cok || !lok {
					continue
				}
			}
			idx := schema.FieldIndices(c.Name)
			if len(idx) == 0 {
				continue
			}
			leaf := fr.Manifest.Fields[idx[0]].ColIndex
			if leaf < 0 {
				continue
			}
			cc, err := rg.ColumnChunk(leaf)
			if err != nil {
				continue
			}
			if set, err := cc.StatsSet(); err != nil || !set {
				continue
			}
			st, err := cc.Statistics()
			if err != nil || st == nil || !st.HasMinMax() {
				continue
			}
			var lo, hi, v float64
			var slo, shi, sv string
			isStr := false
			switch t := st.(type) {
			case *metadata.Int64Statistics:
				lo, hi = float64(t.Min()), float64(t.Max())
			case *metadata.Int32Statistics:
				lo, hi = float64(t.Min()), float64(t.Max())
			case *metadata.Float64Statistics:
				lo, hi = t.Min(), t.Max()
			case *metadata.Float32Statistics:
				lo, hi = float64(t.Min()), float64(t.Max())
			case *metadata.ByteArrayStatistics:
				slo, shi, isStr = string(t.Min()), string(t.Max()), true
			default:
				continue
			}
			switch x := l.Value.(type) {
			case int64:
				v = float64(x)
			case float64:
				v = x
			case string:
				sv = x
				if !isStr {
					continue
				}
			default:
				continue
			}
			if isStr {
				if _, ok := l.Value.(string); !ok {
					continue
				}
				if !mayMatch(op, cmpStr(sv, slo), cmpStr(sv, shi)) {
					return false
				}
				continue
			}
			if _, ok := l.Value.(string); ok {
				continue
			}
			if !mayMatch(op, cmpF(v, lo), cmpF(v, hi)) {
				return false
			}
		}
	}
	return true
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mayMatch: is there x in [lo,hi] with x <op> v, given cmp(v,lo), cmp(v,hi)?
func mayMatch(op expr.BinOp, vLo, vHi int) bool {
	switch op {
	case expr.Eq:
		return vLo >= 0 && vHi <= 0
	case expr.Gt: // x > v possible iff hi > v
		return vHi < 0
	case expr.GtEq:
		return vHi <= 0
	case expr.Lt: // x < v possible iff lo < v
		return vLo > 0
	case expr.LtEq:
		return vLo >= 0
	}
	return true
}

func flip(op expr.BinOp) expr.BinOp {
	switch op {
	case expr.Lt:
		return expr.Gt
	case expr.LtEq:
		return expr.GtEq
	case expr.Gt:
		return expr.Lt
	case expr.GtEq:
		return expr.LtEq
	}
	return op
}

// ParquetWriteOptions configures WriteParquet. The zero value writes with
// Snappy compression and row groups of 1Mi rows.
type ParquetWriteOptions struct {
	// Compression: "snappy" (default), "zstd", "gzip", "lz4", "brotli", "none".
	Compression string
	// RowGroupSize in rows (default 1 << 20).
	RowGroupSize int
}

// WriteParquet writes the frame to path.
func (f *Frame) WriteParquet(path string, opts ParquetWriteOptions) error {
	codec := compress.Codecs.Snappy
	switch opts.Compression {
	case "", "snappy":
	case "zstd":
		codec = compress.Codecs.Zstd
	case "gzip":
		codec = compress.Codecs.Gzip
	case "lz4":
		codec = compress.Codecs.Lz4Raw
	case "brotli":
		codec = compress.Codecs.Brotli
	case "none", "uncompressed":
		codec = compress.Codecs.Uncompressed
	default:
		return fmt.Errorf("%w: parquet compression %q (want snappy, zstd, gzip, lz4, brotli or none)", ErrInvalidArgument, opts.Compression)
	}
	rg := opts.RowGroupSize
	if rg <= 0 {
		rg = 1 << 20
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dataframe: write parquet: %w", err)
	}
	rec := f.Record()
	defer rec.Release()
	tbl := array.NewTableFromRecords(f.schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	props := parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithStats(true))
	if err := pqarrow.WriteTable(tbl, struct{ io.Writer }{out}, int64(rg), props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())); err != nil {
		out.Close()
		return fmt.Errorf("dataframe: write parquet %s: %w", path, err)
	}
	return out.Close()
}
