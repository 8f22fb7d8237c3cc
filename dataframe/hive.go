package dataframe

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
// (key=value path segments) are appended, as int64 when every value is an
// integer, else as strings.
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

type hiveFile struct {
	path  string
	parts map[string]string
}

type hiveSource struct {
	dir       string
	opts      DirOptions
	files     []hiveFile
	partNames []string
	partTypes map[string]arrow.DataType
	schema    *arrow.Schema
	fileCols  *arrow.Schema
	lastFiles int
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
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") {
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
		parts := map[string]string{}
		for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
			if k, v, ok := strings.Cut(seg, "="); ok {
				parts[k] = v
			}
		}
		s.files = append(s.files, hiveFile{path: p, parts: parts})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataframe: read dir %s: %w", dir, err)
	}
	if len(s.files) == 0 {
		return nil, fmt.Errorf("%w: no %s files under %s", ErrInvalidArgument, opts.Format, dir)
	}
	sort.Slice(s.files, func(i, j int) bool { return s.files[i].path < s.files[j].path })
	seen := map[string]bool{}
	for _, f := range s.files {
		for k := range f.parts {
			if !seen[k] {
				seen[k] = true
				s.partNames = append(s.partNames, k)
			}
		}
	}
	sort.Strings(s.partNames)
	for _, k := range s.partNames {
		isInt := true
		for _, f := range s.files {
			if _, err := strconv.ParseInt(f.parts[k], 10, 64); err != nil {
				isInt = false
			}
		}
		if isInt {
			s.partTypes[k] = arrow.PrimitiveTypes.Int64
		} else {
			s.partTypes[k] = arrow.BinaryTypes.String
		}
	}
	first, err := s.fileSource(s.files[0].path)
	if err != nil {
		return nil, err
	}
	s.fileCols = first.Schema()
	fields := append([]arrow.Field(nil), s.fileCols.Fields()...)
	for _, k := range s.partNames {
		if len(s.fileCols.FieldIndices(k)) == 0 {
			fields = append(fields, arrow.Field{Name: k, Type: s.partTypes[k], Nullable: true})
		}
	}
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
	s.lastFiles = 0
	for _, hf := range s.files {
		ok, err := s.partitionMatches(ctx, hf, req.Filters)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			continue
		}
		s.lastFiles++
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
