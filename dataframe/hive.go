package dataframe

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// DirOptions configures ReadDir/ScanDir over a directory of files with
// Hive-style partitions (dir/year=2024/month=01/part-0.parquet).
type DirOptions struct {
	// Format: "parquet" (default), "csv", "ipc".
	Format string
	// CSV options for Format "csv".
	CSV CSVOptions
}

// ReadDir reads every data file under dir as one table; partition columns
// (key=value path segments) are appended in the order of the path
// (dir/year=2024/month=01: year, then month), as int64 when every value
// is an integer (zero-padded ones only when all have the same width, as
// months and days), else as strings. A value __HIVE_DEFAULT_PARTITION__
// reads as null; %XX escapes in keys and values are decoded. Files and
// directories whose names start with '.' or '_' are skipped.
func ReadDir(dir string, opts DirOptions) (*Frame, error) {
	return ScanDir(dir, opts).Collect(context.Background())
}

// ScanDir is the lazy ReadDir; filters on partition columns skip whole files.
func ScanDir(dir string, opts DirOptions) *LazyFrame {
	src, err := newHiveSource(dir, opts)
	if err != nil {
		return &LazyFrame{err: err}
	}
	n, err := plan.NewScan(src, nil, nil)
	return &LazyFrame{node: n, err: err}
}

// hiveFile is one data file and its partition values (key -> value, a
// null value being absent).
type hiveFile struct {
	path  string
	parts map[string]string
	order []string // partition keys in path order
	nulls []string // keys whose value is null
}

// hiveNull is the path value Hive, Spark and Arrow write for a null (or
// empty) partition value.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// partitionType is int64 when every value is an integer written the same
// way it would be printed (no '+', no leading zeros) or every value is a
// zero-padded integer of the same width (month=01..12, day=01..31);
// otherwise utf8, so that codes such as zip=02134, 2139 keep their text.
func partitionType(vals []string) arrow.DataType {
	if len(vals) == 0 {
		return arrow.BinaryTypes.String
	}
	padded, width := false, len(vals[0])
	for _, v := range vals {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil || v[0] == '+' {
			return arrow.BinaryTypes.String
		}
		digits := strings.TrimPrefix(v, "-")
		if len(digits) > 1 && digits[0] == '0' {
			padded = true
		}
		if len(v) != width {
			width = -1
		}
	}
	if padded && width < 0 {
		return arrow.BinaryTypes.String
	}
	return arrow.PrimitiveTypes.Int64
}

// escapePart percent-encodes the bytes a path segment key=value cannot
// hold, as Hive does.
func escapePart(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescapePart(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type hiveSource struct {
	dir       string
	opts      DirOptions
	files     []hiveFile
	partNames []string
	partTypes map[string]arrow.DataType
	schema    *arrow.Schema
	fileCols  *arrow.Schema
	lastFiles atomic.Int64
}

func newHiveSource(dir string, opts DirOptions) (*hiveSource, error) {
	if opts.Format == "" {
		opts.Format = "parquet"
	}
	ext := map[string][]string{"parquet": {".parquet", ".pq"}, "csv": {".csv"}, "ipc": {".arrow", ".ipc", ".feather"}}[opts.Format]
	if ext == nil {
		return nil, fmt.Errorf("%w: directory format %q (want parquet, csv or ipc)", ErrInvalidArgument, opts.Format)
	}
	s := &hiveSource{dir: dir, opts: opts, partTypes: map[string]arrow.DataType{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")
		if d.IsDir() {
			if hidden && p != dir {
				return filepath.SkipDir // _temporary, .staging, ...
			}
			return nil
		}
		if hidden {
			return nil
		}
		ok := false
		for _, e := range ext {
			ok = ok || strings.HasSuffix(d.Name(), e)
		}
		if !ok {
			return nil
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(p))
		f := hiveFile{path: p, parts: map[string]string{}}
		for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
			k, v, ok := strings.Cut(seg, "=")
			if !ok || k == "" {
				continue
			}
			k = unescapePart(k)
			if _, dup := f.parts[k]; !dup {
				f.order = append(f.order, k)
			}
			if v == "" || v == hiveNull {
				f.parts[k] = ""
				f.nulls = append(f.nulls, k)
				continue
			}
			f.parts[k] = unescapePart(v)
		}
		for _, k := range f.nulls {
			delete(f.parts, k) // a missing value reads as null
		}
		s.files = append(s.files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataframe: read dir %s: %w", dir, err)
	}
	if len(s.files) == 0 {
		return nil, fmt.Errorf("%w: no %s files under %s", ErrInvalidArgument, opts.Format, dir)
	}
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].path < s.files[j].path })
	// Partition columns in the order of the path segments (year before
	// month before day); names only some files have come after.
	seen := map[string]bool{}
	for _, f := range s.files {
		for _, k := range f.order {
			if !seen[k] {
				seen[k] = true
				s.partNames = append(s.partNames, k)
			}
		}
	}
	for _, k := range s.partNames {
		var vals []string
		for _, f := range s.files {
			if v, ok := f.parts[k]; ok {
				vals = append(vals, v)
			}
		}
		s.partTypes[k] = partitionType(vals)
	}
	first, err := s.fileSource(s.files[0].path)
	if err != nil {
		return nil, err
	}
	s.fileCols = first.Schema()
	fields := append([]arrow.Field(nil), s.fileCols.Fields()...)
	// A key the files also hold as a column is no partition column: the
	// files' values win.
	names := s.partNames[:0]
	for _, k := range s.partNames {
		if len(s.fileCols.FieldIndices(k)) == 0 {
			names = append(names, k)
			fields = append(fields, arrow.Field{Name: k, Type: s.partTypes[k], Nullable: true})
		} else {
			delete(s.partTypes, k)
		}
	}
	s.partNames = names
	s.schema = arrow.NewSchema(fields, nil)
	return s, nil
}

func (s *hiveSource) fileSource(path string) (plan.Source, error) {
	switch s.opts.Format {
	case "csv":
		return newCSVSource(path, s.opts.CSV)
	case "ipc":
		f, err := ReadIPC(path, IPCOptions{})
		if err != nil {
			return nil, err
		}
		return &frameSource{f: f}, nil
	}
	return newParquetSource(path, ParquetOptions{})
}

func (s *hiveSource) Schema() *arrow.Schema { return s.schema }
func (s *hiveSource) String() string {
	return fmt.Sprintf("%s dir %q (%d files, partitions [%s])", s.opts.Format, s.dir, len(s.files), strings.Join(s.partNames, ", "))
}

// partitionMatches evaluates the filter terms that only use partition
// columns on the file's partition values.
func (s *hiveSource) partitionMatches(ctx context.Context, f hiveFile, filters []expr.Expr) (bool, error) {
	isPart := map[string]bool{}
	for _, k := range s.partNames {
		isPart[k] = true
	}
	var terms []expr.Expr
	for _, flt := range filters {
		for _, t := range expr.SplitAnd(flt) {
			ok := true
			for _, c := range expr.Columns(t) {
				if !isPart[c] {
					ok = false
				}
			}
			if ok {
				terms = append(terms, t)
			}
		}
	}
	if len(terms) == 0 {
		return true, nil
	}
	cols, fields := s.partArrays(f, 1, memory.DefaultAllocator)
	tbl := &physical.Table{Schema: arrow.NewSchema(fields, nil), Cols: cols, Rows: 1}
	defer tbl.Release()
	env := &physical.Env{Mem: memory.DefaultAllocator, Workers: 1}
	a, err := physical.EvalArray(ctx, env, tbl, expr.JoinAnd(terms))
	if err != nil {
		return false, err
	}
	defer a.Release()
	b := a.(*array.Boolean)
	return b.IsValid(0) && b.Value(0), nil
}

func (s *hiveSource) partArrays(f hiveFile, n int, mem memory.Allocator) ([]arrow.Array, []arrow.Field) {
	var cols []arrow.Array
	var fields []arrow.Field
	for _, k := range s.partNames {
		v, ok := f.parts[k]
		t := s.partTypes[k]
		var a arrow.Array
		if t.ID() == arrow.INT64 {
			b := array.NewInt64Builder(mem)
			iv, _ := strconv.ParseInt(v, 10, 64)
			for i := 0; i < n; i++ {
				if ok {
					b.Append(iv)
				} else {
					b.AppendNull()
				}
			}
			a = b.NewArray()
			b.Release()
		} else {
			b := array.NewStringBuilder(mem)
			for i := 0; i < n; i++ {
				if ok {
					b.Append(v)
				} else {
					b.AppendNull()
				}
			}
			a = b.NewArray()
			b.Release()
		}
		cols = append(cols, a)
		fields = append(fields, arrow.Field{Name: k, Type: t, Nullable: true})
	}
	return cols, fields
}

func (s *hiveSource) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	names := req.Columns
	if names == nil {
		for _, f := range s.schema.Fields() {
			names = append(names, f.Name)
		}
	}
	isPart := map[string]bool{}
	for _, k := range s.partNames {
		isPart[k] = true
	}
	var fileNames []string
	for _, n := range names {
		if !isPart[n] {
			fileNames = append(fileNames, n)
		}
	}
	var frames []*Frame
	defer func() {
		for _, f := range frames {
			f.Release()
		}
	}()
	s.lastFiles.Store(0)
	for _, hf := range s.files {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		ok, err := s.partitionMatches(ctx, hf, req.Filters)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			continue
		}
		s.lastFiles.Add(1)
		src, err := s.fileSource(hf.path)
		if err != nil {
			return nil, 0, err
		}
		var fileFilters []expr.Expr
		for _, flt := range req.Filters {
			for _, t := range expr.SplitAnd(flt) {
				all := true
				for _, c := range expr.Columns(t) {
					if isPart[c] {
						all = false
					}
				}
				if all {
					fileFilters = append(fileFilters, t)
				}
			}
		}
		cols, n, err := src.Scan(ctx, mem, plan.ScanRequest{Columns: orEmpty(fileNames), Filters: fileFilters})
		if err != nil {
			return nil, 0, err
		}
		pcols, _ := s.partArrays(hf, n, mem)
		byName := map[string]arrow.Array{}
		for i, c := range cols {
			byName[fileNames[i]] = c
		}
		for i, k := range s.partNames {
			byName[k] = pcols[i]
		}
		out := make([]arrow.Array, len(names))
		fields := make([]arrow.Field, len(names))
		for i, nm := range names {
			out[i] = byName[nm]
			fields[i] = arrow.Field{Name: nm, Type: out[i].DataType(), Nullable: true}
		}
		for i, k := range s.partNames {
			if !contains(names, k) {
				pcols[i].Release()
			}
		}
		frames = append(frames, newFrame(arrow.NewSchema(fields, nil), out, n))
	}
	if len(frames) == 0 {
		out := make([]arrow.Array, len(names))
		for i, nm := range names {
			out[i] = array.MakeArrayOfNull(mem, s.schema.Field(s.schema.FieldIndices(nm)[0]).Type, 0)
		}
		return out, 0, nil
	}
	lfs := make([]*LazyFrame, len(frames))
	for i, f := range frames {
		lfs[i] = f.Lazy()
	}
	res, err := Concat(lfs...).CollectWith(ctx, CollectOptions{Allocator: mem, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		return nil, 0, err
	}
	cols := res.cols
	return cols, res.rows, nil
}

func orEmpty(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// ParquetDirOptions configures WriteParquetDir. The zero value writes the
// whole frame as one file dir/part-00000.parquet with the defaults of
// ParquetWriteOptions.
type ParquetDirOptions struct {
	// PartitionBy names the partition columns, outermost first: with
	// PartitionBy {"region", "month"} a row with region "eu" and month 1
	// goes to dir/region=eu/month=1/part-00000.parquet. The files hold
	// the other columns; ReadDir and ScanDir fill the partition columns
	// in from the path. Null and empty values are written as
	// __HIVE_DEFAULT_PARTITION__ (read back as null), bytes a path cannot
	// hold as %XX. Partition columns may be integers, strings
	// (Categorical included), booleans, dates or timestamps; they read
	// back as int64 (integers) or strings (the others).
	PartitionBy []string
	// Append adds new files next to those already under dir. Without it
	// dir must be absent or empty: WriteParquetDir never deletes or
	// replaces a file.
	Append bool
	// Parquet configures every file (compression, row group size).
	Parquet ParquetWriteOptions
}

// WriteParquetDir writes the frame as a directory of Parquet files with
// Hive-style partitions (see ParquetDirOptions), which ReadDir reads back
// as the same rows. A partitioned frame without rows writes no file.
func (f *Frame) WriteParquetDir(dir string, opts ParquetDirOptions) error {
	isPart := map[string]bool{}
	var parts []arrow.Array
	for _, name := range opts.PartitionBy {
		idx := f.schema.FieldIndices(name)
		if len(idx) == 0 {
			return columnNotFound(name, f.schema)
		}
		if isPart[name] {
			return fmt.Errorf("%w: partition column %q named twice", ErrInvalidArgument, name)
		}
		if name == "" || name[0] == '_' || name[0] == '.' {
			return fmt.Errorf("%w: partition column %q: readers skip directories named so; rename the column", ErrInvalidArgument, name)
		}
		isPart[name] = true
		a := f.cols[idx[0]]
		if _, err := partText(a, 0, true); err != nil {
			return err
		}
		parts = append(parts, a)
	}
	var dataIdx []int
	var fields []arrow.Field
	for i, fl := range f.schema.Fields() {
		if !isPart[fl.Name] {
			dataIdx = append(dataIdx, i)
			fields = append(fields, fl)
		}
	}
	if len(dataIdx) == 0 {
		return fmt.Errorf("%w: every column is a partition column; keep at least one column to write in the files", ErrInvalidArgument)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 && !opts.Append {
		return fmt.Errorf("%w: %s is not empty; write to a new directory or set ParquetDirOptions.Append", ErrInvalidArgument, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("dataframe: write parquet dir: %w", err)
	}
	// Rows per partition, partitions in order of first appearance.
	var keys []string
	rows := map[string][]int32{}
	if len(parts) == 0 {
		keys = []string{""}
		all := make([]int32, f.rows)
		for i := range all {
			all[i] = int32(i)
		}
		rows[""] = all
	}
	segs := make([]string, len(parts))
	for r := 0; r < f.rows && len(parts) > 0; r++ {
		for i, a := range parts {
			v, _ := partText(a, r, false)
			segs[i] = escapePart(opts.PartitionBy[i]) + "=" + v
		}
		k := strings.Join(segs, "/")
		if _, ok := rows[k]; !ok {
			keys = append(keys, k)
		}
		rows[k] = append(rows[k], int32(r))
	}
	name := "part-00000.parquet"
	if opts.Append {
		name = fmt.Sprintf("part-%d-00000.parquet", time.Now().UnixNano())
	}
	schema := arrow.NewSchema(fields, nil)
	ctx := context.Background()
	for _, k := range keys {
		sub := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("dataframe: write parquet dir: %w", err)
		}
		path := filepath.Join(sub, name)
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%w: %s exists; WriteParquetDir does not replace files", ErrInvalidArgument, path)
		}
		idx := rows[k]
		var cols []arrow.Array
		if len(idx) == f.rows {
			for _, i := range dataIdx {
				f.cols[i].Retain()
				cols = append(cols, f.cols[i])
			}
		} else {
			ib := array.NewInt32Builder(memory.DefaultAllocator)
			ib.AppendValues(idx, nil)
			ia := ib.NewArray()
			ib.Release()
			for _, i := range dataIdx {
				c, err := compute.TakeArray(ctx, f.cols[i], ia)
				if err != nil {
					ia.Release()
					for _, c := range cols {
						c.Release()
					}
					return fmt.Errorf("dataframe: write parquet dir: %w", err)
				}
				cols = append(cols, c)
			}
			ia.Release()
		}
		part := newFrame(schema, cols, len(idx))
		err := part.WriteParquet(path, opts.Parquet)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// partText renders row r of a partition column as a path value (escaped);
// check only validates the column's type.
func partText(a arrow.Array, r int, check bool) (string, error) {
	t := a.DataType()
	if d, ok := t.(*arrow.DictionaryType); ok {
		t = d.ValueType
	}
	switch {
	case expr.IsInteger(t), expr.IsString(t), t.ID() == arrow.BOOL, t.ID() == arrow.DATE32, t.ID() == arrow.DATE64, t.ID() == arrow.TIMESTAMP:
	default:
		return "", fmt.Errorf("%w: partition column of type %s (want integers, strings, booleans, dates or timestamps)", ErrUnsupported, a.DataType())
	}
	if check {
		return "", nil
	}
	if a.IsNull(r) {
		return hiveNull, nil
	}
	var s string
	switch v := valueAt(a, r).(type) {
	case int64:
		s = strconv.FormatInt(v, 10)
	case string:
		s = v
	case bool:
		s = strconv.FormatBool(v)
	case time.Time:
		if t.ID() == arrow.DATE32 || t.ID() == arrow.DATE64 {
			s = v.Format("2006-01-02")
		} else {
			s = v.Format("2006-01-02 15:04:05.999999999")
		}
	default:
		s = fmt.Sprint(v)
	}
	if s == "" {
		return hiveNull, nil
	}
	return escapePart(s), nil
}
