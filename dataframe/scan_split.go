package dataframe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// This file makes file sources plan.Splitters, so a distributed executor
// can have every worker read its share of a file or directory: a Parquet
// file splits by row group, a directory (ScanDir) by file. Splits carry
// absolute paths and options as JSON; the path must be readable where
// the split is opened.

// Split kinds registered with plan.RegisterSplitKind.
const (
	splitKindParquet = "dataframe.parquet"
	splitKindDir     = "dataframe.dir"
)

func init() {
	plan.RegisterSplitKind(splitKindParquet, openParquetSplits)
	plan.RegisterSplitKind(splitKindDir, openDirSplits)
}

var (
	_ plan.Splitter = (*parquetSource)(nil)
	_ plan.Splitter = (*hiveSource)(nil)
)

// parquetSplit is one row group of a Parquet file.
type parquetSplit struct {
	Path       string   `json:"path"`
	Dictionary []string `json:"dictionary,omitempty"`
	Group      int      `json:"group"`
}

// Splits lists the row groups whose statistics do not rule out filters.
func (s *parquetSource) Splits(ctx context.Context, filters []expr.Expr) ([]plan.Split, error) {
	path, err := filepath.Abs(s.path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: parquet %s: %w", s.path, err)
	}
	rdr, err := file.OpenParquetFile(s.path, false)
	if err != nil {
		return nil, fmt.Errorf("dataframe: open parquet %s: %w", s.path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%w: parquet %s: %v", ErrParse, s.path, err)
	}
	md := rdr.MetaData()
	var out []plan.Split
	for g := 0; g < rdr.NumRowGroups(); g++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.groups != nil && !slices.Contains(s.groups, g) {
			continue // a split splits no further than its own groups
		}
		rg := md.RowGroup(g)
		if !rowGroupMayMatch(rg, s.schema, fr, filters) {
			continue
		}
		spec, err := json.Marshal(parquetSplit{Path: path, Dictionary: s.opts.Dictionary, Group: g})
		if err != nil {
			return nil, err
		}
		out = append(out, plan.Split{Kind: splitKindParquet, Spec: spec, Rows: rg.NumRows()})
	}
	return out, nil
}

// openParquetSplits opens row groups of one Parquet file as a source.
func openParquetSplits(specs []json.RawMessage) (plan.Source, error) {
	var first parquetSplit
	var groups []int
	for i, raw := range specs {
		var p parquetSplit
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("%w: parquet split: %v", ErrInvalidArgument, err)
		}
		if i == 0 {
			first = p
		} else if p.Path != first.Path {
			return nil, fmt.Errorf("%w: parquet splits of %s and %s in one source", ErrInvalidArgument, first.Path, p.Path)
		}
		groups = append(groups, p.Group)
	}
	src, err := newParquetSource(first.Path, ParquetOptions{Dictionary: first.Dictionary})
	if err != nil {
		return nil, err
	}
	src.groups = groups
	return src, nil
}

// dirSplit is one file of a directory source, with everything needed to
// read it as the directory would: the directory's schema (so every split
// agrees on it), its partition columns and the file's partition values.
// It mirrors what hiveSource.Scan reads of a hiveSource and a hiveFile: a
// field Scan starts to read must travel here too (TestSplitsReadTheWhole
// compares split reads with whole reads).
type dirSplit struct {
	Dir       string            `json:"dir"`
	Format    string            `json:"format"`
	CSV       *csvOptionsJSON   `json:"csv,omitempty"`
	Schema    []byte            `json:"schema"`
	FileCols  []byte            `json:"file_cols"`
	PartNames []string          `json:"part_names,omitempty"`
	IntParts  []string          `json:"int_parts,omitempty"` // partition columns typed int64
	Path      string            `json:"path"`
	Parts     map[string]string `json:"parts,omitempty"`
}

// Splits lists the files whose partition values do not rule out filters.
// Parquet files report their row counts; other files -1.
func (s *hiveSource) Splits(ctx context.Context, filters []expr.Expr) ([]plan.Split, error) {
	dir, err := filepath.Abs(s.dir)
	if err != nil {
		return nil, fmt.Errorf("dataframe: dir %s: %w", s.dir, err)
	}
	base := dirSplit{Dir: dir, Format: s.opts.Format, PartNames: s.partNames}
	if s.opts.Format == "csv" {
		if base.CSV, err = encodeCSVOptions(s.opts.CSV); err != nil {
			return nil, err
		}
	}
	if base.Schema, err = schemaBytes(s.schema); err != nil {
		return nil, err
	}
	if base.FileCols, err = schemaBytes(s.fileCols); err != nil {
		return nil, err
	}
	for _, k := range s.partNames {
		if s.partTypes[k].ID() == arrow.INT64 {
			base.IntParts = append(base.IntParts, k)
		}
	}
	var out []plan.Split
	for _, f := range s.files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ok, err := s.partitionMatches(ctx, f, filters)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		sp := base
		if sp.Path, err = filepath.Abs(f.path); err != nil {
			return nil, fmt.Errorf("dataframe: dir %s: %w", s.dir, err)
		}
		sp.Parts = f.parts
		spec, err := json.Marshal(sp)
		if err != nil {
			return nil, err
		}
		rows := int64(-1)
		if s.opts.Format == "parquet" {
			if r, err := file.OpenParquetFile(f.path, false); err == nil {
				rows = r.NumRows()
				r.Close()
			}
		}
		out = append(out, plan.Split{Kind: splitKindDir, Spec: spec, Rows: rows})
	}
	return out, nil
}

// openDirSplits returns a directory source over just the files of specs.
func openDirSplits(specs []json.RawMessage) (plan.Source, error) {
	var s *hiveSource
	for i, raw := range specs {
		var d dirSplit
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("%w: dir split: %v", ErrInvalidArgument, err)
		}
		if i == 0 {
			opts := DirOptions{Format: d.Format}
			if d.CSV != nil {
				var err error
				if opts.CSV, err = d.CSV.options(); err != nil {
					return nil, err
				}
			}
			s = &hiveSource{dir: d.Dir, opts: opts, partNames: d.PartNames, partTypes: map[string]arrow.DataType{}}
			var err error
			if s.schema, err = schemaFromBytes(d.Schema); err != nil {
				return nil, err
			}
			if s.fileCols, err = schemaFromBytes(d.FileCols); err != nil {
				return nil, err
			}
			for _, k := range d.PartNames {
				s.partTypes[k] = arrow.BinaryTypes.String
			}
			for _, k := range d.IntParts {
				s.partTypes[k] = arrow.PrimitiveTypes.Int64
			}
		} else if d.Dir != s.dir {
			return nil, fmt.Errorf("%w: dir splits of %s and %s in one source", ErrInvalidArgument, s.dir, d.Dir)
		}
		s.files = append(s.files, hiveFile{path: d.Path, parts: d.Parts})
	}
	return s, nil
}

// csvOptionsJSON is CSVOptions in a form JSON can carry (types as IPC
// schemas); the Allocator stays behind.
type csvOptionsJSON struct {
	Delimiter   rune              `json:"delimiter,omitempty"`
	NoHeader    bool              `json:"no_header,omitempty"`
	ColumnNames []string          `json:"column_names,omitempty"`
	Schema      []byte            `json:"schema,omitempty"`
	Types       map[string][]byte `json:"types,omitempty"`
	NullValues  []string          `json:"null_values,omitempty"`
	InferRows   int               `json:"infer_rows,omitempty"`
	Columns     []string          `json:"columns,omitempty"`
	SkipRows    int               `json:"skip_rows,omitempty"`
}

func encodeCSVOptions(o CSVOptions) (*csvOptionsJSON, error) {
	j := &csvOptionsJSON{Delimiter: o.Delimiter, NoHeader: o.NoHeader, ColumnNames: o.ColumnNames, NullValues: o.NullValues,
		InferRows: o.InferRows, Columns: o.Columns, SkipRows: o.SkipRows}
	var err error
	if o.Schema != nil {
		if j.Schema, err = schemaBytes(o.Schema); err != nil {
			return nil, err
		}
	}
	if len(o.Types) > 0 {
		j.Types = map[string][]byte{}
		names := make([]string, 0, len(o.Types))
		for k := range o.Types {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			b, err := schemaBytes(arrow.NewSchema([]arrow.Field{{Name: k, Type: o.Types[k], Nullable: true}}, nil))
			if err != nil {
				return nil, err
			}
			j.Types[k] = b
		}
	}
	return j, nil
}

func (j *csvOptionsJSON) options() (CSVOptions, error) {
	o := CSVOptions{Delimiter: j.Delimiter, NoHeader: j.NoHeader, ColumnNames: j.ColumnNames, NullValues: j.NullValues,
		InferRows: j.InferRows, Columns: j.Columns, SkipRows: j.SkipRows}
	var err error
	if j.Schema != nil {
		if o.Schema, err = schemaFromBytes(j.Schema); err != nil {
			return o, err
		}
	}
	if len(j.Types) > 0 {
		o.Types = map[string]arrow.DataType{}
		for k, b := range j.Types {
			s, err := schemaFromBytes(b)
			if err != nil {
				return o, err
			}
			if s.NumFields() != 1 {
				return o, fmt.Errorf("%w: csv split: type of %q has %d fields", ErrInvalidArgument, k, s.NumFields())
			}
			o.Types[k] = s.Field(0).Type
		}
	}
	return o, nil
}

// schemaBytes encodes s as an IPC stream holding only the schema.
func schemaBytes(s *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("dataframe: encode schema: %w", err)
	}
	return buf.Bytes(), nil
}

func schemaFromBytes(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: decode schema: %v", ErrInvalidArgument, err)
	}
	defer r.Release()
	return r.Schema(), nil
}
