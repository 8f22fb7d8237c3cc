package dataframe

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		opts  CSVOptions
		shape [2]int
		types string
		check func(t *testing.T, f *Frame)
	}{
		{"infer", "a,b,c,d,e\n1,2.5,x,true,2024-01-02\n2,,\"y,z\",false,2024-02-03\n", CSVOptions{}, [2]int{2, 5}, "int64 float64 utf8 bool date32", func(t *testing.T, f *Frame) {
			if v, _ := f.Value(1, "b"); v != nil {
				t.Errorf("empty field: got %v, want null", v)
			}
			if v, _ := f.Value(1, "c"); v != "y,z" {
				t.Errorf("quoted: got %v", v)
			}
		}},
		{"no header tab", "1\tx\n2\ty\n", CSVOptions{NoHeader: true, Delimiter: '\t'}, [2]int{2, 2}, "int64 utf8", func(t *testing.T, f *Frame) {
			if f.Columns()[0] != "column_1" {
				t.Errorf("names %v", f.Columns())
			}
		}},
		{"null values", "a,b\nNA,1\n3,NA\n", CSVOptions{NullValues: []string{"NA"}}, [2]int{2, 2}, "int64 int64", func(t *testing.T, f *Frame) {
			if v, _ := f.Value(0, "a"); v != nil {
				t.Errorf("got %v", v)
			}
		}},
		{"widen late", "a\n" + strings.Repeat("1\n", 5) + "1.5\n", CSVOptions{InferRows: 2}, [2]int{6, 1}, "float64", nil},
		{"types override", "id,v\nid1,1\nid2,2\nid1,3\n", CSVOptions{Types: map[string]arrow.DataType{"id": Categorical, "v": Int32}}, [2]int{3, 2}, "dictionary<values=utf8, indices=int32, ordered=false> int32", nil},
		{"projection crlf", "a,b,c\r\n1,2,3\r\n4,5,6\r\n", CSVOptions{Columns: []string{"c", "a"}}, [2]int{2, 2}, "int64 int64", func(t *testing.T, f *Frame) {
			if f.Columns()[0] != "c" {
				t.Errorf("columns %v", f.Columns())
			}
			if v, _ := f.Value(1, "c"); v != int64(6) {
				t.Errorf("got %v", v)
			}
		}},
		{"escaped quotes", "s\n\"say \"\"hi\"\"\"\n", CSVOptions{}, [2]int{1, 1}, "utf8", func(t *testing.T, f *Frame) {
			if v, _ := f.Value(0, "s"); v != `say "hi"` {
				t.Errorf("got %q", v)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f *Frame
			var err error
			if tc.opts.Columns != nil {
				path := filepath.Join(t.TempDir(), "x.csv")
				os.WriteFile(path, []byte(tc.data), 0o644)
				lf := ScanCSV(path, tc.opts)
				f, err = lf.Select(toAnys(tc.opts.Columns)...).Collect(context.Background())
			} else {
				f, err = ReadCSVBytes("x.csv", []byte(tc.data), tc.opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			if r, c := f.Shape(); r != tc.shape[0] || c != tc.shape[1] {
				t.Fatalf("shape %dx%d, want %v", r, c, tc.shape)
			}
			var types []string
			for _, fl := range f.Schema().Fields() {
				types = append(types, fl.Type.String())
			}
			if got := strings.Join(types, " "); got != tc.types {
				t.Errorf("types %q, want %q", got, tc.types)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func toAnys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name, data string
		opts       CSVOptions
		want       []string
	}{
		{"field count", "a,b\n1,2\n3\n", CSVOptions{}, []string{"bad.csv:3", "expected 2 fields, found 1"}},
		{"bad int", "a,b\n1,2\n3,x\n", CSVOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "a", Type: Int64}, {Name: "b", Type: Int64}}, nil)}, []string{"bad.csv:3", "column 2", `"b"`, `"x"`}},
		{"unterminated", "a\n\"abc\n", CSVOptions{}, []string{"bad.csv:2", "unterminated"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSVBytes("bad.csv", []byte(tc.data), tc.opts)
			if !errors.Is(err, ErrParse) {
				t.Fatalf("got %v, want ErrParse", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := ReadCSV("/nonexistent/x.csv", CSVOptions{}); err == nil {
		t.Error("missing file: no error")
	}
}

// FuzzReadCSV: no input panics, and parsing in many small ranges gives
// the same frame or the same error as parsing serially.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"), false, uint8(0))
	f.Add([]byte("\"x\"\"y\",2\n,\n"), true, uint8(1))
	f.Add([]byte("a\n1.5\n\"q\n"), false, uint8(2))
	f.Add([]byte(""), false, uint8(0))
	f.Add([]byte("a,b\r\n1,\"x\r\ny\"\r\n2,z"), false, uint8(3))
	f.Add([]byte("a;b\nNA;1\n2;NA\n"), false, uint8(4))
	f.Add([]byte("a,b\nx\"y,1\n\"m\nl\",2\n3,\"\"\n"), false, uint8(5))
	f.Add([]byte("d,t\n2024-01-02,2024-01-02T03:04:05Z\n,\n"), false, uint8(6))
	f.Add([]byte("k\nb\na\n\n\"\"\n"), false, uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, noHeader bool, mode uint8) {
		opts := CSVOptions{NoHeader: noHeader, InferRows: 1 + int(mode%4)}
		if mode&4 != 0 {
			opts.Delimiter = ';'
			opts.NullValues = []string{"NA", ""}
		}
		if mode&8 != 0 && !noHeader {
			opts.Types = map[string]arrow.DataType{}
			if i := bytes.IndexAny(data, ",\r\n"); i > 0 && !bytes.ContainsAny(data[:i], "\"") {
				opts.Types[string(data[:i])] = Categorical
			}
		}
		serial, err1 := readCSVBytes(context.Background(), "fuzz.csv", data, opts, 1<<30)
		ranged, err2 := readCSVBytes(context.Background(), "fuzz.csv", data, opts, 1+int(mode%16))
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("serial: %v\nranges: %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		if a, b := dump(serial), dump(ranged); a != b {
			t.Fatalf("serial:\n%s\nranges:\n%s", a, b)
		}
		_ = serial.String()
	})
}

func TestParquetRoundTripAndPruning(t *testing.T) {
	n := 4000
	ids := make([]int64, n)
	names := make([]string, n)
	vals := make([]float64, n)
	for i := range ids {
		ids[i] = int64(i)
		names[i] = []string{"a", "b", "c"}[i%3]
		vals[i] = float64(i) / 2
	}
	f, err := New(NewInt64Series("id", ids), NewStringSeries("name", names), NewFloat64Series("v", vals))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.parquet")
	if err := f.WriteParquet(path, ParquetWriteOptions{Compression: "zstd", RowGroupSize: 1000}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadParquet(path, ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != f.String() {
		t.Errorf("round trip:\n%v\nvs\n%v", back, f)
	}
	lf := ScanParquet(path, ParquetOptions{}).Filter(Col("id").Ge(3500)).Select("id", "v")
	out, err := lf.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out.NumRows() != 500 || out.NumCols() != 2 {
		t.Errorf("filtered shape %dx%d", out.NumRows(), out.NumCols())
	}
	node, _ := lf.Plan()
	for node != nil && len(node.Inputs()) > 0 {
		node = node.Inputs()[0]
	}
	plan, _ := lf.Explain(true)
	if !strings.Contains(plan, "PROJECT [id, v] SELECTION") {
		t.Errorf("no pushdown:\n%s", plan)
	}
	// Row-group pruning: run the scan directly.
	src, _ := newParquetSource(path, ParquetOptions{})
	cols, rows, err := src.Scan(context.Background(), nil, planReq([]string{"id"}, Col("id").Ge(3500)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		c.Release()
	}
	if src.lastRowGroups.Load() != 1 || rows != 1000 {
		t.Errorf("read %d row groups (%d rows), want 1 (1000)", src.lastRowGroups.Load(), rows)
	}
	dict, err := ReadParquet(path, ParquetOptions{Dictionary: []string{"name"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := dict.Schema().Field(1).Type.String(); !strings.HasPrefix(got, "dictionary") {
		t.Errorf("dictionary read gave %s", got)
	}
	if g, err := dict.GroupBy("name").Agg(Len()); err != nil || g.NumRows() != 3 {
		t.Errorf("group by dictionary column: %v %v", err, g)
	}
	if err := f.WriteParquet(path, ParquetWriteOptions{Compression: "nope"}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v", err)
	}
}

func TestIPCAndJSON(t *testing.T) {
	f := mustFrame(t, map[string]any{"a": []int64{1, 2}, "s": []string{"x", "y"}, "v": []float64{0.5, 1}})
	dir := t.TempDir()
	p := filepath.Join(dir, "x.arrow")
	if err := f.WriteIPC(p); err != nil {
		t.Fatal(err)
	}
	back, err := ReadIPC(p, IPCOptions{})
	if err != nil || back.String() != f.String() {
		t.Fatalf("ipc: %v\n%v", err, back)
	}
	nd := filepath.Join(dir, "x.ndjson")
	os.WriteFile(nd, []byte(`{"a":1,"s":"x","v":0.5}`+"\n"+`{"a":2,"s":"y","v":1}`+"\n"), 0o644)
	j, err := ReadNDJSON(nd, JSONOptions{})
	if err != nil || j.String() != f.String() {
		t.Fatalf("ndjson: %v\n%v\nwant\n%v", err, j, f)
	}
	js := filepath.Join(dir, "x.json")
	os.WriteFile(js, []byte(`[{"a":1,"s":"x","v":0.5},{"a":2,"s":"y","v":1.0}]`), 0o644)
	j2, err := ReadJSON(js, JSONOptions{})
	if err != nil || j2.String() != f.String() {
		t.Fatalf("json: %v\n%v", err, j2)
	}
	os.WriteFile(js, []byte(`[{"a":1},`), 0o644)
	if _, err := ReadJSON(js, JSONOptions{}); !errors.Is(err, ErrParse) {
		t.Errorf("got %v, want ErrParse", err)
	}
}

func TestHiveDir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []struct {
		year, month string
		v           []int64
	}{{"2023", "12", []int64{1, 2}}, {"2024", "01", []int64{3}}, {"2024", "02", []int64{4, 5, 6}}} {
		d := filepath.Join(dir, "year="+p.year, "month="+p.month)
		os.MkdirAll(d, 0o755)
		f := mustFrame(t, map[string]any{"v": p.v})
		if err := f.WriteParquet(filepath.Join(d, "part-0.parquet"), ParquetWriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := ReadDir(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(all.Columns(), ","); got != "v,year,month" || all.NumRows() != 6 {
		t.Fatalf("columns %s rows %d\n%v", got, all.NumRows(), all)
	}
	lf := ScanDir(dir, DirOptions{}).Filter(Col("year").Eq(2024), Col("v").Gt(3))
	out, err := lf.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if out.NumRows() != 3 {
		t.Errorf("got %d rows\n%v", out.NumRows(), out)
	}
	src, _ := newHiveSource(dir, DirOptions{})
	cols, _, err := src.Scan(context.Background(), nil, planReq(nil, Col("year").Eq(2024)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		c.Release()
	}
	if src.lastFiles.Load() != 2 {
		t.Errorf("read %d files, want 2 (partition pruning)", src.lastFiles.Load())
	}
}

func TestWriteCSVAndNDJSONRoundTrip(t *testing.T) {
	s, _ := NewSeries("s", []any{"a,b", nil, `q"x`})
	f, err := New(NewInt64Series("i", []int64{1, 2, 3}), NewFloat64Series("v", []float64{0.25, 1, -3.5}), s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "x.csv")
	if err := f.WriteCSV(p, CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCSV(p, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != f.String() {
		t.Errorf("csv round trip:\n%v\nwant\n%v", back, f)
	}
	nd := filepath.Join(dir, "x.ndjson")
	if err := f.WriteNDJSON(nd); err != nil {
		t.Fatal(err)
	}
	back2, err := ReadNDJSON(nd, JSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := back2.Column("s"); c.NullCount() != 1 {
		t.Errorf("ndjson nulls:\n%v", back2)
	}
}

// FuzzReadJSON: no JSON or NDJSON input panics.
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(`[{"a":1,"s":"x"},{"a":2.5,"s":null}]`), false)
	f.Add([]byte(`{"a":1}`+"\n"+`{"b":[1,2]}`+"\n"), true)
	f.Add([]byte(`[{"a":1},`), false)
	f.Add([]byte(`{"a":{"x":1}}`+"\n"+`{"a":"s"}`), true)
	f.Fuzz(func(t *testing.T, data []byte, nd bool) {
		path := filepath.Join(t.TempDir(), "x.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var fr *Frame
		var err error
		if nd {
			fr, err = ReadNDJSON(path, JSONOptions{})
		} else {
			fr, err = ReadJSON(path, JSONOptions{})
		}
		if err == nil {
			_ = fr.String()
		}
	})
}

// FuzzReadIPC: a damaged Arrow IPC file gives an error, not a panic.
func FuzzReadIPC(f *testing.F) {
	fr := mustFrame(f, map[string]any{"a": []int64{1, 2}, "s": []string{"x", "y"}})
	path := filepath.Join(f.TempDir(), "seed.arrow")
	if err := fr.WriteIPC(path); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(path)
	f.Add(seed, 0, byte(0))
	f.Add(seed, 40, byte(0xff))
	f.Add(seed[:len(seed)/2], 0, byte(0))
	f.Fuzz(func(t *testing.T, data []byte, at int, b byte) {
		if len(data) > 0 {
			data = append([]byte(nil), data...)
			data[((at%len(data))+len(data))%len(data)] ^= b
		}
		p := filepath.Join(t.TempDir(), "x.arrow")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := ReadIPC(p, IPCOptions{}); err == nil {
			_ = out.String()
		}
	})
}

// FuzzReadParquet: a damaged Parquet file gives an error, not a panic.
func FuzzReadParquet(f *testing.F) {
	fr := mustFrame(f, map[string]any{"a": []int64{1, 2, 3}, "s": []string{"x", "y", "x"}, "v": []float64{0.5, 1, 2}})
	path := filepath.Join(f.TempDir(), "seed.parquet")
	if err := fr.WriteParquet(path, ParquetWriteOptions{Compression: "none"}); err != nil {
		f.Fatal(err)
	}
	seed, _ := os.ReadFile(path)
	f.Add(seed, 0, byte(0))
	f.Add(seed, 30, byte(0x40))
	f.Add(seed, -30, byte(0x01))
	f.Fuzz(func(t *testing.T, data []byte, at int, b byte) {
		if len(data) > 0 {
			data = append([]byte(nil), data...)
			data[((at%len(data))+len(data))%len(data)] ^= b
		}
		p := filepath.Join(t.TempDir(), "x.parquet")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := ReadParquet(p, ParquetOptions{}); err == nil {
			_ = out.String()
		}
	})
}
