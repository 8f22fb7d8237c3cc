package dataframe

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// dump renders a frame completely: column names and types, then every
// value with its Go type, so that two reads can be compared exactly.
func dump(f *Frame) string {
	var b strings.Builder
	for _, fl := range f.Schema().Fields() {
		fmt.Fprintf(&b, "%s:%s ", fl.Name, fl.Type)
	}
	b.WriteByte('\n')
	for r := 0; r < f.NumRows(); r++ {
		for _, c := range f.Columns() {
			v, _ := f.Value(r, c)
			fmt.Fprintf(&b, "%T(%v) ", v, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestReadCSVEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		data string
		opts CSVOptions
		want string // dump of the result
	}{
		{"empty file", "", CSVOptions{}, "\n"},
		{"only newlines", "\n\n", CSVOptions{}, "\n"},
		{"header only", "a,b\n", CSVOptions{}, "a:utf8 b:utf8 \n"},
		{"header only no newline", "a,b", CSVOptions{}, "a:utf8 b:utf8 \n"},
		{"empty with schema", "", CSVOptions{Schema: arrow.NewSchema([]arrow.Field{{Name: "x", Type: Int64}}, nil)}, "x:int64 \n"},
		{"no trailing newline", "a,b\n1,x\n2,y", CSVOptions{}, "a:int64 b:utf8 \nint64(1) string(x) \nint64(2) string(y) \n"},
		{"crlf", "a,b\r\n1,x\r\n2,\r\n", CSVOptions{}, "a:int64 b:utf8 \nint64(1) string(x) \nint64(2) <nil>(<nil>) \n"},
		{"crlf no trailing newline", "a,b\r\n1,2.5\r\n3,4", CSVOptions{}, "a:int64 b:float64 \nint64(1) float64(2.5) \nint64(3) float64(4) \n"},
		{"quoted delimiters", "a,b\n\"x,y\",1\n\"\",2\n", CSVOptions{}, "a:utf8 b:int64 \nstring(x,y) int64(1) \nstring() int64(2) \n"},
		{"quoted newline crlf", "a,b\r\n\"l1\r\nl2\",1\r\n", CSVOptions{}, "a:utf8 b:int64 \nstring(l1\r\nl2) int64(1) \n"},
		{"quoted numbers", "a,b\n\"1\",\"2.5\"\n", CSVOptions{Types: map[string]arrow.DataType{"a": Int64, "b": Float64}}, "a:int64 b:float64 \nint64(1) float64(2.5) \n"},
		{"null values", "a,b,c\nNA,x,1.5\n3,NA,\n", CSVOptions{NullValues: []string{"NA", ""}}, "a:int64 b:utf8 c:float64 \n<nil>(<nil>) string(x) float64(1.5) \nint64(3) <nil>(<nil>) <nil>(<nil>) \n"},
		{"numeric null value", "a\n1\n-1\n", CSVOptions{NullValues: []string{"-1"}}, "a:int64 \nint64(1) \n<nil>(<nil>) \n"},
		{"empty is a value", "a,b\n,1\n", CSVOptions{NullValues: []string{"NA"}}, "a:utf8 b:int64 \nstring() int64(1) \n"},
		{"trailing delimiter", "a,b\n1,\n", CSVOptions{}, "a:int64 b:utf8 \nint64(1) <nil>(<nil>) \n"},
		{"blank lines skipped", "a\n1\n\n2\n\r\n", CSVOptions{}, "a:int64 \nint64(1) \nint64(2) \n"},
		{"semicolon", "a;b\n1,5;x\n", CSVOptions{Delimiter: ';'}, "a:utf8 b:utf8 \nstring(1,5) string(x) \n"},
		{"skip rows", "junk\nmore junk\na\n7\n", CSVOptions{SkipRows: 2}, "a:int64 \nint64(7) \n"},
		{"no header names", "1,x\n", CSVOptions{NoHeader: true, ColumnNames: []string{"n", "s"}}, "n:int64 s:utf8 \nint64(1) string(x) \n"},
		{"floats", "f\n-0.5\n1e3\n.25\n-7\n12345678901234567890\n", CSVOptions{}, "f:float64 \nfloat64(-0.5) \nfloat64(1000) \nfloat64(0.25) \nfloat64(-7) \nfloat64(1.2345678901234567e+19) \n"},
		{"big ints", "i\n-9223372036854775808\n9223372036854775807\n+5\n", CSVOptions{}, "i:int64 \nint64(-9223372036854775808) \nint64(9223372036854775807) \nint64(5) \n"},
		{"categorical", "k,v\nb,1\na,2\nb,3\n,4\n", CSVOptions{Types: map[string]arrow.DataType{"k": Categorical}}, "k:dictionary<values=utf8, indices=int32, ordered=false> v:int64 \nstring(b) int64(1) \nstring(a) int64(2) \nstring(b) int64(3) \n<nil>(<nil>) int64(4) \n"},
		{"dates", "d,t\n2024-01-02,2024-01-02T03:04:05Z\n1969-12-31,\n", CSVOptions{}, "d:date32 t:timestamp[us] \n"},
		{"byte order mark", "\xef\xbb\xbfa,b\n1,2\n", CSVOptions{}, "a:int64 b:int64 \nint64(1) int64(2) \n"},
		{"duplicate names", "a,a,,a\n1,2,3,4\n", CSVOptions{}, "a:int64 a_duplicated_0:int64 :int64 a_duplicated_1:int64 \nint64(1) int64(2) int64(3) int64(4) \n"},
		{"bools", "b\ntrue\nFALSE\n\n", CSVOptions{}, "b:bool \nbool(true) \nbool(false) \n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, minRange := range []int{0, 1} {
				f, err := readCSVBytes(context.Background(), "x.csv", []byte(tc.data), tc.opts, minRange)
				if err != nil {
					t.Fatalf("minRange %d: %v", minRange, err)
				}
				got := dump(f)
				if tc.name == "dates" {
					got = strings.SplitAfter(got, "\n")[0]
				}
				if got != tc.want {
					t.Errorf("minRange %d: got\n%q\nwant\n%q", minRange, got, tc.want)
				}
			}
		})
	}
}

func TestReadCSVDates(t *testing.T) {
	f, err := ReadCSVBytes("d.csv", []byte("d\n2024-01-02\n1969-12-31\n"), CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"2024-01-02", "1969-12-31"} {
		v, _ := f.Value(i, "d")
		if tm, ok := v.(time.Time); !ok || tm.Format("2006-01-02") != want {
			t.Errorf("row %d: got %v, want %s", i, v, want)
		}
	}
}

// randCSV writes a CSV with quoted fields (delimiters, quotes, newlines
// inside), nulls, blank lines and CRLF line ends.
func randCSV(r *rand.Rand, rows int) []byte {
	var b bytes.Buffer
	b.WriteString("i,f,s,k\n")
	words := []string{"a", "b,c", `q"uote`, "new\nline", "cr\r\nlf", "", "long text here"}
	for i := 0; i < rows; i++ {
		if r.IntN(50) == 0 {
			b.WriteString("\n")
		}
		if r.IntN(5) > 0 {
			b.WriteString(strconv.Itoa(r.IntN(2000) - 1000))
		}
		b.WriteByte(',')
		if r.IntN(5) > 0 {
			b.WriteString(strconv.FormatFloat(r.NormFloat64()*1e3, 'f', r.IntN(8), 64))
		}
		b.WriteByte(',')
		w := words[r.IntN(len(words))]
		if strings.ContainsAny(w, ",\"\r\n") || r.IntN(3) == 0 {
			w = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		}
		b.WriteString(w)
		b.WriteByte(',')
		b.WriteString(words[r.IntN(3)][:1])
		if r.IntN(4) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

// TestReadCSVRangesMatchSerial parses the same data as one range and as
// many small ranges (quoted newlines across range ends included).
func TestReadCSVRangesMatchSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	for trial := 0; trial < 20; trial++ {
		data := randCSV(r, 1+r.IntN(400))
		opts := CSVOptions{InferRows: 1 + r.IntN(20)}
		if trial%2 == 0 {
			opts.Types = map[string]arrow.DataType{"k": Categorical}
		}
		serial, err := readCSVBytes(context.Background(), "r.csv", data, opts, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		for _, minRange := range []int{1, 7, 100} {
			par, err := readCSVBytes(context.Background(), "r.csv", data, opts, minRange)
			if err != nil {
				t.Fatalf("trial %d minRange %d: %v", trial, minRange, err)
			}
			if got, want := dump(par), dump(serial); got != want {
				t.Fatalf("trial %d minRange %d: ranges differ from serial:\n%.2000s\nwant\n%.2000s", trial, minRange, got, want)
			}
		}
	}
}

// TestReadCSVStrayQuotes: quotes inside unquoted fields fool the quote
// parity used to cut ranges; the parser notices and parses serially.
func TestReadCSVStrayQuotes(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := 0; i < 201; i++ { // an odd number of stray quotes
		fmt.Fprintf(&b, "x%d\"y,%d\n", i, i)
	}
	for i := 0; i < 100; i++ {
		b.WriteString("\"multi\nline\",7\n")
	}
	data := []byte(b.String())
	serial, err := readCSVBytes(context.Background(), "q.csv", data, CSVOptions{}, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	par, err := readCSVBytes(context.Background(), "q.csv", data, CSVOptions{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if dump(par) != dump(serial) || par.NumRows() != 301 {
		t.Errorf("got %d rows, want 301, same as serial", par.NumRows())
	}
}

func TestReadCSVErrorLinesAbsolute(t *testing.T) {
	body := func(n int, bad map[int]string) []byte {
		var b bytes.Buffer
		b.WriteString("skipped\na,b\n")
		for i := 3; i <= n; i++ { // i is the line number
			if s, ok := bad[i]; ok {
				b.WriteString(s)
			} else {
				fmt.Fprintf(&b, "%d,%d\n", i, i*2)
			}
		}
		return b.Bytes()
	}
	intSchema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: Int64}, {Name: "b", Type: Int64}}, nil)
	tests := []struct {
		name string
		data []byte
		opts CSVOptions
		want []string
	}{
		{"field count late", body(5000, map[int]string{4321: "1\n"}), CSVOptions{SkipRows: 1}, []string{"e.csv:4321:", "column 2", "expected 2 fields, found 1"}},
		{"too many fields late", body(5000, map[int]string{4999: "1,2,3,4\n"}), CSVOptions{SkipRows: 1}, []string{"e.csv:4999:", "column 3", "expected 2 fields, found 4"}},
		{"bad int late", body(5000, map[int]string{3333: "1,zz\n"}), CSVOptions{SkipRows: 1, Schema: intSchema}, []string{"e.csv:3333:", "column 2", `"b"`, `"zz"`}},
		{"first of two errors", body(5000, map[int]string{900: "1\n", 4500: "1,2,3\n"}), CSVOptions{SkipRows: 1}, []string{"e.csv:900:", "found 1"}},
		{"unterminated late", body(5000, map[int]string{4990: "1,\"open\n"}), CSVOptions{SkipRows: 1}, []string{"e.csv:4990:", "column 2", "unterminated"}},
		{"after closing quote", body(5000, map[int]string{2500: "1,\"a\"b\n"}), CSVOptions{SkipRows: 1}, []string{"e.csv:2500:", "column 2", "after closing quote"}},
		{"typed column", body(5000, map[int]string{4000: "1,2.5\n"}), CSVOptions{SkipRows: 1, Types: map[string]arrow.DataType{"b": Int64}}, []string{"e.csv:4000:", "column 2", `"2.5"`}},
		{"quoted field spans lines", append([]byte("a,b\n\"x\ny\",1\n"), []byte("1,2,3\n")...), CSVOptions{}, []string{"e.csv:4:", "found 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, minRange := range []int{1 << 30, 64} {
				_, err := readCSVBytes(context.Background(), "e.csv", tc.data, tc.opts, minRange)
				if !errors.Is(err, ErrParse) {
					t.Fatalf("minRange %d: got %v, want ErrParse", minRange, err)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("minRange %d: %q lacks %q", minRange, err, w)
					}
				}
			}
		})
	}
}

func TestReadCSVWidenLater(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := 0; i < 3000; i++ {
		switch i {
		case 2500:
			b.WriteString("1.5,x,true\n")
		case 2900:
			b.WriteString("2,3,maybe\n")
		default:
			fmt.Fprintf(&b, "%d,%d,false\n", i, i)
		}
	}
	for _, minRange := range []int{1 << 30, 100} {
		f, err := readCSVBytes(context.Background(), "w.csv", []byte(b.String()), CSVOptions{}, minRange)
		if err != nil {
			t.Fatal(err)
		}
		if got := dump(f.Head(0)); got != "a:float64 b:utf8 c:utf8 \n" {
			t.Errorf("minRange %d: types %q", minRange, got)
		}
		if v, _ := f.Value(2500, "a"); v != 1.5 {
			t.Errorf("got %v", v)
		}
		if v, _ := f.Value(7, "b"); v != "7" {
			t.Errorf("got %v", v)
		}
	}
}

func TestReadCSVProjectionAndTypes(t *testing.T) {
	data := []byte("a,b,c,d\n1,x,2.5,\"q,r\"\n2,y,3,s\n")
	f, err := ReadCSVBytes("p.csv", data, CSVOptions{Columns: []string{"d", "a"}, Types: map[string]arrow.DataType{"a": Int32}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dump(f), "d:utf8 a:int32 \nstring(q,r) int64(1) \nstring(s) int64(2) \n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := ReadCSVBytes("p.csv", data, CSVOptions{Columns: []string{"nope"}}); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("got %v, want ErrColumnNotFound", err)
	}
	if _, err := ReadCSVBytes("p.csv", []byte("1,2\n"), CSVOptions{NoHeader: true, ColumnNames: []string{"x", "x"}}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("duplicate ColumnNames: got %v, want ErrInvalidArgument", err)
	}
	for _, d := range []rune{'"', '\n', 'é'} {
		if _, err := ReadCSVBytes("p.csv", data, CSVOptions{Delimiter: d}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("delimiter %q: got %v, want ErrInvalidArgument", d, err)
		}
	}
}

func TestReadCSVCheckedAllocator(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	data := randCSV(rand.New(rand.NewPCG(9, 9)), 300)
	for _, opts := range []CSVOptions{
		{Allocator: mem},
		{Allocator: mem, InferRows: 3, Types: map[string]arrow.DataType{"k": Categorical, "i": arrow.PrimitiveTypes.Int16}},
		{Allocator: mem, Columns: []string{"s"}},
	} {
		f, err := readCSVBytes(context.Background(), "m.csv", data, opts, 50)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	}
	// Errors release what was parsed.
	bad := append(append([]byte{}, data...), "1,2\n"...)
	if _, err := readCSVBytes(context.Background(), "m.csv", bad, CSVOptions{Allocator: mem}, 50); !errors.Is(err, ErrParse) {
		t.Errorf("got %v, want ErrParse", err)
	}
}

// bigCSV writes a CSV file of about rows*40 bytes.
func bigCSV(t testing.TB, rows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.csv")
	b := make([]byte, 0, rows*40)
	b = append(b, "id1,v1,v2,v3\n"...)
	for i := 0; i < rows; i++ {
		b = append(b, "id"...)
		b = strconv.AppendInt(b, int64(i%100), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(i*7%1000), 10)
		b = append(b, ',')
		b = strconv.AppendFloat(b, float64(i)/7, 'f', 6, 64)
		b = append(b, '\n')
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadCSVCancel: a cancelled ctx stops reading a big CSV within 100 ms.
func TestReadCSVCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("writes an 80 MB file")
	}
	path := bigCSV(t, 2_000_000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		f, err := ReadCSVContext(ctx, path, CSVOptions{})
		if err == nil {
			f.Release()
		}
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	cancel()
	start := time.Now()
	err := <-done
	took := time.Since(start)
	if err == nil {
		t.Skip("the read finished before the cancel")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	t.Logf("stopped %v after the cancel", took)
	if took > 100*time.Millisecond {
		t.Errorf("stopped %v after the cancel, want <= 100ms", took)
	}
	// Already cancelled: no work at all.
	if _, err := ReadCSVContext(ctx, path, CSVOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestScanCSVLazyColumns(t *testing.T) {
	path := bigCSV(t, 1000)
	f, err := ScanCSV(path, CSVOptions{}).Filter(Col("v2").Lt(10)).Select("id1", "v1").Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.NumRows() != 10 || f.NumCols() != 2 {
		t.Errorf("shape %dx%d, want 10x2", f.NumRows(), f.NumCols())
	}
}

func TestDigitRun(t *testing.T) {
	for _, s := range []string{"", "0", "7", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
		"1234567890123456", "12345678901234567", "123456789012345678", "0000000001", "9999999999999999999"} {
		for _, tail := range []string{"", ",", "x,more,bytes,after", ".5\n"} {
			data := []byte("ab" + s + tail)
			m, end := digitRun(data, 2)
			want, _ := strconv.ParseUint(s, 10, 64)
			if end != 2+len(s) || (s != "" && m != want) {
				t.Errorf("digitRun(%q) = %d, %d; want %d, %d", data, m, end, want, 2+len(s))
			}
		}
	}
}

// TestReadersHonourCancelledContext: every scan stops with ctx's error.
func TestReadersHonourCancelledContext(t *testing.T) {
	dir := t.TempDir()
	f := mustFrame(t, map[string]any{"k": []string{"a", "b"}, "v": []int64{1, 2}})
	pq := filepath.Join(dir, "x.parquet")
	if err := f.WriteParquet(pq, ParquetWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteParquetDir(filepath.Join(dir, "d"), ParquetDirOptions{PartitionBy: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "x.csv")
	if err := f.WriteCSV(csv, CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, lf := range map[string]*LazyFrame{
		"csv":     ScanCSV(csv, CSVOptions{}),
		"parquet": ScanParquet(pq, ParquetOptions{}),
		"dir":     ScanDir(filepath.Join(dir, "d"), DirOptions{}),
	} {
		if _, err := lf.Collect(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want context.Canceled", name, err)
		}
	}
}

// FuzzReadCSVStrings compares string reads with encoding/csv, on inputs
// encoding/csv accepts (without '\r', which it rewrites inside quotes).
func FuzzReadCSVStrings(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"))
	f.Add([]byte("a,b\n\"x,y\",\"q\"\"\"\n\"multi\nline\",\n"))
	f.Add([]byte("a\n\n\nb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.IndexByte(data, '\r') >= 0 || !utf8.Valid(data) {
			return
		}
		r := csv.NewReader(bytes.NewReader(data))
		want, err := r.ReadAll()
		if err != nil || len(want) == 0 {
			return
		}
		fields := make([]arrow.Field, len(want[0]))
		for i := range fields {
			fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: Utf8, Nullable: true}
		}
		opts := CSVOptions{NoHeader: true, Schema: arrow.NewSchema(fields, nil), NullValues: []string{}}
		for _, minRange := range []int{1 << 30, 3} {
			got, err := readCSVBytes(context.Background(), "s.csv", data, opts, minRange)
			if err != nil {
				t.Fatalf("encoding/csv reads %q, we fail: %v", data, err)
			}
			if got.NumRows() != len(want) {
				t.Fatalf("%q: %d rows, want %d", data, got.NumRows(), len(want))
			}
			for i, rec := range want {
				for j, w := range rec {
					if v, _ := got.Value(i, fields[j].Name); v != w {
						t.Fatalf("%q row %d col %d: got %q, want %q", data, i, j, v, w)
					}
				}
			}
		}
	})
}

func TestParseDate(t *testing.T) {
	for d := time.Date(1599, 12, 25, 0, 0, 0, 0, time.UTC); d.Year() < 2402; d = d.AddDate(0, 0, 13) {
		s := d.Format("2006-01-02")
		got, ok := parseDate(s)
		if want := d.Unix() / 86400; !ok || got != want {
			t.Fatalf("parseDate(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00", "2024-04-31", "2024/01/02", "20240102", "2024-1-02", "+024-01-02", "1900-02-29"} {
		_, ok := parseDate(s)
		if _, err := time.Parse("2006-01-02", s); ok || err == nil {
			t.Errorf("parseDate(%q) accepted it (time.Parse error %v)", s, err)
		}
	}
	if got, ok := parseDate("2000-02-29"); !ok || got != 11016 {
		t.Errorf("2000-02-29: got %d %v", got, ok)
	}
}
