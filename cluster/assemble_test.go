package cluster

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/physical"
)

// flatTable returns rows rows of every column kind the assembler copies,
// with nulls in a pattern that does not repeat at byte boundaries.
func flatTable(t *testing.T, mem memory.Allocator, rows int) *physical.Table {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 20, Scale: 2}, Nullable: true},
		{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 3}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range rows {
		null := i%7 == 3 || i%11 == 0
		if null {
			for _, f := range b.Fields() {
				f.AppendNull()
			}
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(int64(i) * 1_000_003)
		b.Field(1).(*array.Int8Builder).Append(int8(i))
		b.Field(2).(*array.Float32Builder).Append(float32(i) / 3)
		b.Field(3).(*array.BooleanBuilder).Append(i%3 == 0)
		b.Field(4).(*array.StringBuilder).Append(strings.Repeat("x", i%5) + fmt.Sprint(i))
		b.Field(5).(*array.LargeStringBuilder).Append(fmt.Sprintf("large-%d", i*i))
		b.Field(6).(*array.BinaryBuilder).Append([]byte{byte(i), byte(i >> 8)}[:i%3])
		b.Field(7).(*array.Date32Builder).Append(arrow.Date32(i))
		b.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 1e6))
		b.Field(9).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 101))
		b.Field(10).(*array.FixedSizeBinaryBuilder).Append([]byte{byte(i), 1, 2})
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	cols := rec.Columns()
	for _, c := range cols {
		c.Retain()
	}
	return &physical.Table{Schema: schema, Cols: cols, Rows: rows}
}

func checkTablesEqual(t *testing.T, got, want *physical.Table) {
	t.Helper()
	if got.Rows != want.Rows || !got.Schema.Equal(want.Schema) {
		t.Fatalf("got %d rows of %v, want %d rows of %v", got.Rows, got.Schema, want.Rows, want.Schema)
	}
	for i := range want.Cols {
		if got.Cols[i].Len() != want.Rows {
			t.Fatalf("column %q: %d values for %d rows", want.Schema.Field(i).Name, got.Cols[i].Len(), want.Rows)
		}
		if !array.Equal(got.Cols[i], want.Cols[i]) {
			t.Fatalf("column %q differs:\n got %v\nwant %v", want.Schema.Field(i).Name, trimArr(got.Cols[i]), trimArr(want.Cols[i]))
		}
	}
}

func trimArr(a arrow.Array) string {
	s := fmt.Sprint(a)
	return s[:min(len(s), 300)]
}

// TestAssemblerSlices feeds the assembler batches cut at offsets that are
// not multiples of 8 (bitmaps must shift), with and without a size hint
// (buffers must grow), and compares the result with the source.
func TestAssemblerSlices(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	src := flatTable(t, mem, 1000)
	defer src.Release()
	if !assemblable(src.Schema) {
		t.Fatal("flat table not assemblable")
	}
	cuts := []int{0, 1, 3, 3, 17, 64, 65, 333, 999, 1000}
	for _, hinted := range []bool{true, false} {
		t.Run(fmt.Sprintf("hint=%v", hinted), func(t *testing.T) {
			hint := batchMeta{rows: -1}
			if hinted {
				m, err := parseBatchMeta(tableMeta(src, 2).encode(), 3)
				if err != nil {
					t.Fatal(err)
				}
				hint = m
			}
			a := newAssembler(mem, src.Schema, hint)
			for k := 1; k < len(cuts); k++ {
				part := sliceTable(src, cuts[k-1], cuts[k])
				rec := array.NewRecordBatch(src.Schema, part.Cols, int64(part.Rows))
				kept, err := a.add(rec, directSource{})
				rec.Release()
				part.Release()
				if err != nil || kept {
					t.Fatalf("add: kept=%v err=%v", kept, err)
				}
			}
			got, err := a.table()
			if err != nil {
				t.Fatal(err)
			}
			defer got.Release()
			checkTablesEqual(t, got, src)
		})
	}
}

func TestBatchMeta(t *testing.T) {
	for _, m := range []batchMeta{{bucket: 3, rows: -1}, {bucket: 0, rows: 0, varBytes: []int64{}}, {bucket: 1, rows: 10, varBytes: []int64{0, 55}}} {
		got, err := parseBatchMeta(m.encode(), 4)
		if err != nil || got.bucket != m.bucket || got.rows != m.rows || fmt.Sprint(got.varBytes) != fmt.Sprint(m.varBytes) && len(m.varBytes) > 0 {
			t.Errorf("%q read back as %+v, %v", m.encode(), got, err)
		}
	}
	for _, bad := range []string{"", "4", "-1", "x", "1:2", "1:-2:", "1:2:3:4", "1:2:a"} {
		if _, err := parseBatchMeta([]byte(bad), 4); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestTransportRoundTrip sends tables through a real worker and back
// (EchoTask over gRPC): assembled tables of many batches, an empty one,
// and one with a dictionary column that takes the concatenating path.
func TestTransportRoundTrip(t *testing.T) {
	c := inProcessCluster(t)
	ctx := context.Background()

	big := flatTable(t, memory.DefaultAllocator, 300_000) // several wire batches
	defer big.Release()
	odd := sliceTable(big, 5, 250_003)
	defer odd.Release()
	empty := sliceTable(big, 0, 0)
	defer empty.Release()
	dict := dictTable(t, 5000)
	defer dict.Release()
	cases := map[string]*physical.Table{"big": big, "sliced": odd, "empty": empty, "dictionary": dict}
	for name, tb := range cases {
		t.Run(name, func(t *testing.T) {
			if name == "dictionary" && assemblable(tb.Schema) {
				t.Fatalf("dictionary table is assemblable: %v", tb.Schema)
			}
			framed := framedBatches.Load()
			out, err := c.RunTask(ctx, EchoTask, nil, []TaskCall{{Inputs: []*physical.Table{tb}}})
			if err != nil {
				t.Fatal(err)
			}
			defer releaseTables(out)
			checkTablesEqual(t, out[0], tb)
			// Both ends (worker and coordinator are this process) copy
			// assembled batches straight out of gRPC's frames.
			if n := framedBatches.Load() - framed; assemblable(tb.Schema) && tb.Rows > 0 && n < 2 {
				t.Errorf("%d batches were copied out of gRPC frames, want at least 2 (one each way)", n)
			}
		})
	}
}

// dictTable returns rows rows of an int64 column and a dictionary-encoded
// string column.
func dictTable(t *testing.T, rows int) *physical.Table {
	t.Helper()
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "cat", Type: dt, Nullable: true},
	}, nil)
	kb := array.NewInt64Builder(memory.DefaultAllocator)
	db := array.NewDictionaryBuilder(memory.DefaultAllocator, dt).(*array.BinaryDictionaryBuilder)
	defer kb.Release()
	defer db.Release()
	for i := range rows {
		kb.Append(int64(i))
		if i%9 == 4 {
			db.AppendNull()
		} else if err := db.AppendString(fmt.Sprintf("cat%d", i%13)); err != nil {
			t.Fatal(err)
		}
	}
	return &physical.Table{Schema: schema, Cols: []arrow.Array{kb.NewArray(), db.NewArray()}, Rows: rows}
}
