package gen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Kind is the type of a Column.
type Kind int

// Column kinds.
const (
	Int    Kind = iota // int32 values written as decimal integers
	String             // int32 codes written as "id" + zero-padded code
	Float              // float64 values written as data.table::fwrite does
)

// Column is one column of a Table. Ints holds Int values and String codes;
// Floats holds Float values. A String value is "id" followed by the code,
// left-padded with zeros to Width digits (Width 0: no padding).
type Column struct {
	Name   string
	Kind   Kind
	Ints   []int32
	Floats []float64
	Width  int
}

// Len returns the number of values in c.
func (c *Column) Len() int {
	if c.Kind == Float {
		return len(c.Floats)
	}
	return len(c.Ints)
}

// Table is a named list of equally long columns, in file order.
type Table struct {
	Name    string
	Columns []Column
}

// Rows returns the number of rows of t.
func (t *Table) Rows() int {
	if len(t.Columns) == 0 {
		return 0
	}
	return t.Columns[0].Len()
}

// Table returns g's columns in groupby-datagen.R's order:
// id1, id2, id3, id4, id5, id6, v1, v2, v3.
func (g *Groupby) Table() *Table {
	return &Table{Name: g.Name(), Columns: []Column{
		{Name: "id1", Kind: String, Ints: g.ID1, Width: 3},
		{Name: "id2", Kind: String, Ints: g.ID2, Width: 3},
		{Name: "id3", Kind: String, Ints: g.ID3, Width: 10},
		{Name: "id4", Kind: Int, Ints: g.ID4},
		{Name: "id5", Kind: Int, Ints: g.ID5},
		{Name: "id6", Kind: Int, Ints: g.ID6},
		{Name: "v1", Kind: Int, Ints: g.V1},
		{Name: "v2", Kind: Int, Ints: g.V2},
		{Name: "v3", Kind: Float, Floats: g.V3},
	}}
}

// Table returns t's columns in join-datagen.R's write order: the integer
// keys present (id1, id2, id3), their string twins (id4 = "id"+id1, id5,
// id6), then the measure column.
func (t *JoinTable) Table() *Table {
	out := &Table{Name: t.Name}
	ints := []struct {
		name string
		v    []int32
	}{{"id1", t.ID1}, {"id2", t.ID2}, {"id3", t.ID3}}
	for _, c := range ints {
		if c.v != nil {
			out.Columns = append(out.Columns, Column{Name: c.name, Kind: Int, Ints: c.v})
		}
	}
	for i, c := range ints {
		if c.v != nil {
			out.Columns = append(out.Columns, Column{Name: "id" + strconv.Itoa(i+4), Kind: String, Ints: c.v})
		}
	}
	out.Columns = append(out.Columns, Column{Name: t.VName, Kind: Float, Floats: t.V})
	return out
}

// appendValue appends row i of c in CSV form.
func (c *Column) appendValue(b []byte, i int) []byte {
	switch c.Kind {
	case Int:
		return strconv.AppendInt(b, int64(c.Ints[i]), 10)
	case String:
		b = append(b, 'i', 'd')
		v := int64(c.Ints[i])
		if c.Width > 0 {
			var digits [20]byte
			d := strconv.AppendInt(digits[:0], v, 10)
			for range c.Width - len(d) {
				b = append(b, '0')
			}
			return append(b, d...)
		}
		return strconv.AppendInt(b, v, 10)
	default:
		return AppendFwriteFloat(b, c.Floats[i])
	}
}

// AppendFwriteFloat appends v the way data.table::fwrite writes a double:
// the shortest digits that read back as v, in fixed notation unless
// scientific notation is shorter (e.g. 5.3e-05).
func AppendFwriteFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) {
		return b // fwrite writes NA as an empty field
	}
	var fx, sc [40]byte
	f := strconv.AppendFloat(fx[:0], v, 'f', -1, 64)
	if v != 0 {
		s := strconv.AppendFloat(sc[:0], v, 'e', -1, 64)
		if len(s) < len(f) {
			return append(b, s...)
		}
	}
	return append(b, f...)
}

// csvChunkRows is the number of rows one goroutine formats at a time.
const csvChunkRows = 1 << 16

// WriteCSV writes t as fwrite does: a header line, comma separated, no
// quotes (no value needs them), "\n" line endings. Rows are formatted in
// parallel and written in order.
func WriteCSV(w io.Writer, t *Table) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for i, c := range t.Columns {
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString(c.Name)
	}
	bw.WriteByte('\n')

	rows := t.Rows()
	workers := runtime.GOMAXPROCS(0)
	bufs := make([][]byte, workers)
	for start := 0; start < rows; start += workers * csvChunkRows {
		var wg sync.WaitGroup
		for k := range workers {
			lo := start + k*csvChunkRows
			hi := min(lo+csvChunkRows, rows)
			if lo >= hi {
				bufs[k] = bufs[k][:0]
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := bufs[k][:0]
				for i := lo; i < hi; i++ {
					for j := range t.Columns {
						if j > 0 {
							b = append(b, ',')
						}
						b = t.Columns[j].appendValue(b, i)
					}
					b = append(b, '\n')
				}
				bufs[k] = b
			}()
		}
		wg.Wait()
		for k := range workers {
			if _, err := bw.Write(bufs[k]); err != nil {
				return fmt.Errorf("gen: writing %s.csv: %w", t.Name, err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gen: writing %s.csv: %w", t.Name, err)
	}
	return nil
}

// ParquetRowGroup is the number of rows per Parquet row group.
const ParquetRowGroup = 1 << 20

// Schema returns the Arrow schema of t: int32, utf8 and float64 columns.
func (t *Table) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		var dt arrow.DataType
		switch c.Kind {
		case Int:
			dt = arrow.PrimitiveTypes.Int32
		case String:
			dt = arrow.BinaryTypes.String
		default:
			dt = arrow.PrimitiveTypes.Float64
		}
		fields[i] = arrow.Field{Name: c.Name, Type: dt}
	}
	return arrow.NewSchema(fields, nil)
}

// Record returns rows [lo, hi) of t as an Arrow record batch allocated from
// mem. The caller releases it.
func (t *Table) Record(mem memory.Allocator, lo, hi int) arrow.RecordBatch {
	schema := t.Schema()
	cols := make([]arrow.Array, len(t.Columns))
	for j := range t.Columns {
		c := &t.Columns[j]
		switch c.Kind {
		case Int:
			bld := array.NewInt32Builder(mem)
			bld.AppendValues(c.Ints[lo:hi], nil)
			cols[j] = bld.NewArray()
			bld.Release()
		case String:
			bld := array.NewStringBuilder(mem)
			bld.Reserve(hi - lo)
			bld.ReserveData((hi - lo) * (2 + max(c.Width, 8)))
			var buf []byte
			for i := lo; i < hi; i++ {
				buf = c.appendValue(buf[:0], i)
				bld.BinaryBuilder.Append(buf)
			}
			cols[j] = bld.NewArray()
			bld.Release()
		default:
			bld := array.NewFloat64Builder(mem)
			bld.AppendValues(c.Floats[lo:hi], nil)
			cols[j] = bld.NewArray()
			bld.Release()
		}
	}
	rec := array.NewRecordBatch(schema, cols, int64(hi-lo))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// WriteParquet writes t as one Parquet file (Snappy, dictionary encoding,
// row groups of ParquetRowGroup rows).
func WriteParquet(w io.Writer, t *Table) error {
	mem := memory.DefaultAllocator
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(ParquetRowGroup),
		parquet.WithAllocator(mem),
	)
	// Hide any Close method: FileWriter.Close would close w, which the caller owns.
	w = struct{ io.Writer }{w}
	fw, err := pqarrow.NewFileWriter(t.Schema(), w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		return fmt.Errorf("gen: writing %s.parquet: %w", t.Name, err)
	}
	rows := t.Rows()
	for lo := 0; lo < rows; lo += ParquetRowGroup {
		rec := t.Record(mem, lo, min(lo+ParquetRowGroup, rows))
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return fmt.Errorf("gen: writing %s.parquet: %w", t.Name, err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("gen: writing %s.parquet: %w", t.Name, err)
	}
	return nil
}
