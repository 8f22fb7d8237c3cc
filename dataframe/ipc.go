package dataframe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// IPCOptions configures ReadIPC. The zero value reads every column.
type IPCOptions struct {
	Allocator memory.Allocator
}

// ReadIPC reads an Arrow IPC file (Feather v2) or stream into a Frame.
// The arrays are validated (buffer sizes, offsets, dictionary indices),
// so a damaged file gives an error wrapping ErrParse, never a panic.
func ReadIPC(path string, opts IPCOptions) (f *Frame, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: ipc %s: damaged file (%v)", ErrParse, path, r)
		}
	}()
	f, err = readIPC(path, opts)
	if err != nil {
		return nil, err
	}
	for i, c := range f.cols {
		if err := validateArray(c); err != nil {
			f.Release()
			return nil, fmt.Errorf("%w: ipc %s: column %q: %v", ErrParse, path, f.schema.Field(i).Name, err)
		}
	}
	return f, nil
}

// cappedAllocator refuses (by a panic that ReadIPC turns into ErrParse)
// single buffers larger than max: a damaged length field in an IPC file
// must not allocate terabytes. max allows 64 times the file's size, for
// compressed buffers.
type cappedAllocator struct {
	memory.Allocator
	max int
}

func (c cappedAllocator) Allocate(n int) []byte {
	if n > c.max {
		panic(fmt.Sprintf("a buffer of %d bytes, more than %d", n, c.max))
	}
	return c.Allocator.Allocate(n)
}

func (c cappedAllocator) Reallocate(n int, b []byte) []byte {
	if n > c.max {
		panic(fmt.Sprintf("a buffer of %d bytes, more than %d", n, c.max))
	}
	return c.Allocator.Reallocate(n, b)
}

// validateArray checks that a's buffers hold what its type and length
// say, recursively.
func validateArray(a arrow.Array) error {
	d := a.Data()
	n := d.Offset() + d.Len()
	bufs := d.Buffers()
	if d.Offset() < 0 || d.Len() < 0 {
		return fmt.Errorf("negative offset or length")
	}
	if len(bufs) > 0 && bufs[0] != nil && d.NullN() != 0 && bufs[0].Len() < (n+7)/8 {
		return fmt.Errorf("validity bitmap of %d bytes for %d values", bufs[0].Len(), n)
	}
	switch x := a.(type) {
	case *array.Null:
		return nil
	case *array.Dictionary:
		if err := validateArray(x.Indices()); err != nil {
			return fmt.Errorf("indices: %w", err)
		}
		if err := validateArray(x.Dictionary()); err != nil {
			return fmt.Errorf("dictionary: %w", err)
		}
		size := x.Dictionary().Len()
		for i := 0; i < x.Len(); i++ {
			if x.IsValid(i) {
				if k := x.GetValueIndex(i); k < 0 || k >= size {
					return fmt.Errorf("index %d out of a dictionary of %d values", k, size)
				}
			}
		}
		return nil
	case *array.Struct:
		for i := 0; i < x.NumField(); i++ {
			if c := x.Field(i); c.Len() < x.Len() {
				return fmt.Errorf("struct field %d has %d values, want %d", i, c.Len(), x.Len())
			} else if err := validateArray(c); err != nil {
				return err
			}
		}
		return nil
	}
	if fw, ok := d.DataType().(arrow.FixedWidthDataType); ok {
		if len(bufs) < 2 || bufs[1] == nil {
			if n == 0 {
				return nil
			}
			return fmt.Errorf("missing values buffer")
		}
		if need := (n*fw.BitWidth() + 7) / 8; bufs[1].Len() < need {
			return fmt.Errorf("values buffer of %d bytes, want %d", bufs[1].Len(), need)
		}
		return nil
	}
	if v, ok := a.(interface{ ValidateFull() error }); ok {
		if err := v.ValidateFull(); err != nil {
			return err
		}
		if l, ok := a.(array.ListLike); ok {
			return validateArray(l.ListValues())
		}
		return nil
	}
	return nil // a type without checks (unions, ...): read as is
}

func readIPC(path string, opts IPCOptions) (*Frame, error) {
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: read ipc: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		mem = cappedAllocator{Allocator: mem, max: max(256<<20, 64*int(st.Size()))}
	}
	if fr, err := ipc.NewFileReader(f, ipc.WithAllocator(mem)); err == nil {
		defer fr.Close()
		var recs []arrow.RecordBatch
		for i := 0; i < fr.NumRecords(); i++ {
			r, err := fr.RecordBatch(i)
			if err != nil {
				return nil, fmt.Errorf("%w: ipc %s: %v", ErrParse, path, err)
			}
			recs = append(recs, r)
		}
		return FromRecords(fr.Schema(), recs, mem)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	sr, err := ipc.NewReader(f, ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("%w: ipc %s: %v", ErrParse, path, err)
	}
	defer sr.Release()
	var recs []arrow.RecordBatch
	for sr.Next() {
		r := sr.RecordBatch()
		r.Retain()
		recs = append(recs, r)
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	if err := sr.Err(); err != nil {
		return nil, fmt.Errorf("%w: ipc %s: %v", ErrParse, path, err)
	}
	return FromRecords(sr.Schema(), recs, mem)
}

// WriteIPC writes the frame as an Arrow IPC file (Feather v2).
func (f *Frame) WriteIPC(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dataframe: write ipc: %w", err)
	}
	w, err := ipc.NewFileWriter(out, ipc.WithSchema(f.schema))
	if err != nil {
		out.Close()
		return fmt.Errorf("dataframe: write ipc: %w", err)
	}
	rec := f.Record()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		w.Close()
		out.Close()
		return fmt.Errorf("dataframe: write ipc: %w", err)
	}
	if err := w.Close(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// JSONOptions configures ReadJSON / ReadNDJSON.
type JSONOptions struct {
	// Schema fixes the columns; otherwise they are inferred from all records.
	Schema    *arrow.Schema
	Allocator memory.Allocator
}

// ReadNDJSON reads newline-delimited JSON objects (one row each).
func ReadNDJSON(path string, opts JSONOptions) (*Frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: read ndjson: %w", err)
	}
	var rows []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	line := 1
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("%w: %s: record %d: %v", ErrParse, path, line, err)
		}
		rows = append(rows, m)
		line++
	}
	return framesFromJSONRows(path, rows, opts)
}

// ReadJSON reads a JSON array of objects (one row each).
func ReadJSON(path string, opts JSONOptions) (*Frame, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: read json: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("%w: %s: %v (want an array of objects)", ErrParse, path, err)
	}
	return framesFromJSONRows(path, rows, opts)
}

func framesFromJSONRows(path string, rows []map[string]any, opts JSONOptions) (*Frame, error) {
	var names []string
	seen := map[string]bool{}
	if opts.Schema != nil {
		for _, f := range opts.Schema.Fields() {
			names = append(names, f.Name)
			seen[f.Name] = true
		}
	} else {
		for _, r := range rows {
			for k := range r {
				if !seen[k] {
					seen[k] = true
					names = append(names, k)
				}
			}
		}
		sortStrings(names)
	}
	series := make([]*Series, len(names))
	for j, n := range names {
		vals := make([]any, len(rows))
		isFloat := false
		for i, r := range rows {
			v := r[n]
			if num, ok := v.(json.Number); ok {
				if iv, err := num.Int64(); err == nil {
					v = iv
				} else if fv, err := num.Float64(); err == nil {
					v = fv
					isFloat = true
				}
			}
			switch v.(type) {
			case nil, bool, int64, float64, string:
			default:
				b, _ := json.Marshal(v)
				v = string(b)
			}
			vals[i] = v
		}
		if isFloat {
			for i, v := range vals {
				if iv, ok := v.(int64); ok {
					vals[i] = float64(iv)
				}
			}
		}
		s, err := seriesFromAny(memory.DefaultAllocator, n, vals)
		if err != nil {
			for _, x := range series[:j] {
				x.Release()
			}
			return nil, fmt.Errorf("%w: %s: column %q mixes types: %v", ErrParse, path, n, err)
		}
		if opts.Schema != nil {
			want := opts.Schema.Field(j).Type
			if !arrow.TypeEqual(s.DataType(), want) && s.DataType().ID() != arrow.NULL {
				a, err := castTo(context.Background(), s.arr, want)
				s.Release()
				if err != nil {
					return nil, err
				}
				s = newSeries(n, a)
			} else if s.DataType().ID() == arrow.NULL {
				a := array.MakeArrayOfNull(memory.DefaultAllocator, want, s.Len())
				s.Release()
				s = newSeries(n, a)
			}
		}
		series[j] = s
	}
	defer func() {
		for _, s := range series {
			s.Release()
		}
	}()
	return New(series...)
}
