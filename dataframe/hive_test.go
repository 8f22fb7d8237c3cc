package dataframe

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestPartitionType(t *testing.T) {
	tests := []struct {
		vals []string
		want arrow.Type
	}{
		{nil, arrow.STRING},
		{[]string{"2023", "2024"}, arrow.INT64},
		{[]string{"01", "12"}, arrow.INT64},
		{[]string{"1", "12"}, arrow.INT64},
		{[]string{"-3", "4"}, arrow.INT64},
		{[]string{"01", "1"}, arrow.STRING},
		{[]string{"02134", "2139"}, arrow.STRING},
		{[]string{"+5"}, arrow.STRING},
		{[]string{"eu", "1"}, arrow.STRING},
		{[]string{"99999999999999999999"}, arrow.STRING},
	}
	for _, tc := range tests {
		if got := partitionType(tc.vals).ID(); got != tc.want {
			t.Errorf("partitionType(%q) = %s, want %s", tc.vals, got, tc.want)
		}
	}
	for _, s := range []string{"plain", "a/b", "x=y", "50%", "c:\\d", "new\nline", "%zz"} {
		if got := unescapePart(escapePart(s)); got != s {
			t.Errorf("escape round trip of %q gave %q", s, got)
		}
		if strings.ContainsAny(escapePart(s), "/=\n") {
			t.Errorf("escapePart(%q) = %q", s, escapePart(s))
		}
	}
}

// TestHiveDirPathOrder: partition columns come in path order and
// zero-padded months and days read as integers.
func TestHiveDirPathOrder(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"year=2024/month=01/day=05", "year=2024/month=11/day=30", "year=2023/month=12/day=01"} {
		d := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(d, 0o755)
		if err := mustFrame(t, map[string]any{"v": []int64{1}}).WriteParquet(filepath.Join(d, "part-0.parquet"), ParquetWriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Ignored: hidden and underscore directories and files.
	os.MkdirAll(filepath.Join(dir, "_temporary", "year=1"), 0o755)
	mustFrame(t, map[string]any{"v": []int64{9}}).WriteParquet(filepath.Join(dir, "_temporary", "year=1", "x.parquet"), ParquetWriteOptions{})
	f, err := ReadDir(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(f.Head(0)); got != "v:int64 year:int64 month:int64 day:int64 \n" {
		t.Errorf("got %q", got)
	}
	if f.NumRows() != 3 {
		t.Errorf("got %d rows, want 3", f.NumRows())
	}
	s, _ := f.SortBy("year", "month")
	if got := dump(s); !strings.Contains(got, "int64(2024) int64(1) int64(5)") {
		t.Errorf("got\n%s", got)
	}
}

func TestWriteParquetDirRoundTrip(t *testing.T) {
	region, _ := NewSeries("region", []any{"eu", "us", "eu", nil, "a/b=c", "us", "eu"})
	f, err := New(
		NewInt64Series("id", []int64{0, 1, 2, 3, 4, 5, 6}),
		region,
		NewInt64Series("month", []int64{1, 1, 2, 2, 12, 1, 1}),
		NewFloat64Series("v", []float64{0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5}),
	)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := f.WriteParquetDir(dir, ParquetDirOptions{PartitionBy: []string{"region", "month"}, Parquet: ParquetWriteOptions{Compression: "zstd"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"region=eu/month=1", "region=eu/month=2", "region=us/month=1", "region=__HIVE_DEFAULT_PARTITION__/month=2", "region=a%2Fb%3Dc/month=12"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p), "part-00000.parquet")); err != nil {
			t.Errorf("missing partition %s: %v", p, err)
		}
	}
	back, err := ReadDir(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(back.Head(0)); got != "id:int64 v:float64 region:utf8 month:int64 \n" {
		t.Errorf("schema %q", got)
	}
	back, _ = back.Select("id", "region", "month", "v")
	back, _ = back.SortBy("id")
	if got, want := dump(back), dump(f); got != want {
		t.Errorf("round trip:\n%s\nwant\n%s", got, want)
	}
	// Filters on partition columns read only the matching files.
	src, err := newHiveSource(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cols, n, err := src.Scan(context.Background(), nil, planReq(nil, Col("month").Eq(1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		c.Release()
	}
	if src.lastFiles.Load() != 2 || n != 4 {
		t.Errorf("read %d files (%d rows), want 2 (4)", src.lastFiles.Load(), n)
	}
	// A second write needs Append, and adds files.
	if err := f.WriteParquetDir(dir, ParquetDirOptions{PartitionBy: []string{"region", "month"}}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument for a non-empty directory", err)
	}
	if err := f.WriteParquetDir(dir, ParquetDirOptions{PartitionBy: []string{"region", "month"}, Append: true}); err != nil {
		t.Fatal(err)
	}
	if twice, err := ReadDir(dir, DirOptions{}); err != nil || twice.NumRows() != 14 {
		t.Errorf("after append: %v, %v rows, want 14", err, twice)
	}
}

func TestWriteParquetDirCategoricalAndUnpartitioned(t *testing.T) {
	f := mustFrame(t, map[string]any{"k": []string{"x", "y", "x"}, "v": []int64{1, 2, 3}})
	cat, err := f.WithColumns(Col("k").Cast(Categorical))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := cat.WriteParquetDir(filepath.Join(dir, "p"), ParquetDirOptions{PartitionBy: []string{"k"}}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(filepath.Join(dir, "p"), DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	back, _ = back.SortBy("v")
	if got := dump(back); got != "v:int64 k:utf8 \nint64(1) string(x) \nint64(2) string(y) \nint64(3) string(x) \n" {
		t.Errorf("got %q", got)
	}
	if err := f.WriteParquetDir(filepath.Join(dir, "flat"), ParquetDirOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "flat", "part-00000.parquet")); err != nil {
		t.Error(err)
	}
}

func TestWriteParquetDirErrors(t *testing.T) {
	f := mustFrame(t, map[string]any{"k": []string{"x"}, "v": []float64{1}})
	dir := t.TempDir()
	tests := []struct {
		name string
		opts ParquetDirOptions
		want error
	}{
		{"unknown column", ParquetDirOptions{PartitionBy: []string{"nope"}}, ErrColumnNotFound},
		{"twice", ParquetDirOptions{PartitionBy: []string{"k", "k"}}, ErrInvalidArgument},
		{"all columns", ParquetDirOptions{PartitionBy: []string{"k", "v"}}, ErrUnsupported},
		{"float", ParquetDirOptions{PartitionBy: []string{"v"}}, ErrUnsupported},
		{"bad compression", ParquetDirOptions{Parquet: ParquetWriteOptions{Compression: "nope"}}, ErrInvalidArgument},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := f.WriteParquetDir(filepath.Join(dir, strings.Repeat("d", i+1)), tc.opts)
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	h := mustFrame(t, map[string]any{"_k": []string{"x"}, "j": []int64{1}})
	if err := h.WriteParquetDir(filepath.Join(dir, "hidden"), ParquetDirOptions{PartitionBy: []string{"_k"}}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
	g := mustFrame(t, map[string]any{"k": []string{"x"}, "j": []int64{1}})
	if err := g.WriteParquetDir(filepath.Join(dir, "all"), ParquetDirOptions{PartitionBy: []string{"k", "j"}}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("got %v, want ErrInvalidArgument", err)
	}
}

func TestHiveDirCSVAndIPC(t *testing.T) {
	dir := t.TempDir()
	for i, p := range []string{"year=2024/region=eu", "year=2024/region=us", "year=2025/region=__HIVE_DEFAULT_PARTITION__"} {
		d := filepath.Join(dir, "csv", filepath.FromSlash(p))
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "a.csv"), []byte("v,s\n"+strings.Repeat("1,x\n", i+1)), 0o644)
		d = filepath.Join(dir, "ipc", filepath.FromSlash(p))
		os.MkdirAll(d, 0o755)
		if err := mustFrame(t, map[string]any{"v": []int64{int64(i)}}).WriteIPC(filepath.Join(d, "a.arrow")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ReadDir(filepath.Join(dir, "csv"), DirOptions{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(c.Head(0)); got != "v:int64 s:utf8 year:int64 region:utf8 \n" || c.NumRows() != 6 {
		t.Errorf("csv dir: %q, %d rows", got, c.NumRows())
	}
	if n := c.ColumnAt(3).Arrow().NullN(); n != 3 {
		t.Errorf("null partition: %d nulls, want 3", n)
	}
	p, err := ScanDir(filepath.Join(dir, "ipc"), DirOptions{Format: "ipc"}).Filter(Col("year").Eq(2024)).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(p.Head(0)); got != "v:int64 year:int64 region:utf8 \n" || p.NumRows() != 2 {
		t.Errorf("ipc dir: %q, %d rows", got, p.NumRows())
	}
	// A key the files hold as a column is read from the files.
	d := filepath.Join(dir, "dup", "v=9")
	os.MkdirAll(d, 0o755)
	os.WriteFile(filepath.Join(d, "a.csv"), []byte("v\n1\n"), 0o644)
	f, err := ReadDir(filepath.Join(dir, "dup"), DirOptions{Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(f); got != "v:int64 \nint64(1) \n" {
		t.Errorf("got %q", got)
	}
}
