package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golab-dev/golab/dataframe"
	"github.com/golab-dev/golab/dataframe/optimize"
	"github.com/golab-dev/golab/dataframe/plan"
)

// splitFixtures writes x as one Parquet file with several row groups, as
// a Hive-partitioned Parquet directory and as a directory of CSV files.
func splitFixtures(t *testing.T, x *dataframe.Frame) (file, pqDir, csvDir string) {
	t.Helper()
	tmp := t.TempDir()
	file = filepath.Join(tmp, "x.parquet")
	if err := x.WriteParquet(file, dataframe.ParquetWriteOptions{RowGroupSize: 700}); err != nil {
		t.Fatal(err)
	}
	pqDir, csvDir = filepath.Join(tmp, "pq"), filepath.Join(tmp, "csv")
	n := x.NumRows()
	for i := range 5 {
		part := x.Slice(n*i/5, n*(i+1)/5-n*i/5)
		for _, d := range []string{pqDir, csvDir} {
			if err := os.MkdirAll(filepath.Join(d, fmt.Sprintf("batch=%d", i)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := part.WriteParquet(filepath.Join(pqDir, fmt.Sprintf("batch=%d", i), "part-0.parquet"), dataframe.ParquetWriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := part.WriteCSV(filepath.Join(csvDir, fmt.Sprintf("batch=%d", i), "part-0.csv"), dataframe.CSVWriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return file, pqDir, csvDir
}

// TestSplitScans runs the differential queries over file scans that the
// workers read themselves (row groups of a Parquet file, files of a
// directory) and compares them with local runs.
func TestSplitScans(t *testing.T) {
	c := startCluster(t, Config{Workers: 3, MemoryPerWorker: "512MiB", BroadcastRows: 100})
	x, small, big := testTables(5000)
	file, pqDir, csvDir := splitFixtures(t, x)
	csvFile := filepath.Join(t.TempDir(), "x.csv")
	if err := x.WriteCSV(csvFile, dataframe.CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sources := []struct {
		name string
		lf   func() *dataframe.LazyFrame
	}{
		{"parquet file", func() *dataframe.LazyFrame { return dataframe.ScanParquet(file, dataframe.ParquetOptions{}) }},
		{"parquet dir", func() *dataframe.LazyFrame {
			return dataframe.ScanDir(pqDir, dataframe.DirOptions{}).Drop("batch")
		}},
		{"csv dir", func() *dataframe.LazyFrame {
			return dataframe.ScanDir(csvDir, dataframe.DirOptions{Format: "csv"}).Drop("batch")
		}},
		{"csv file in byte ranges", func() *dataframe.LazyFrame {
			return dataframe.ScanCSV(csvFile, dataframe.CSVOptions{SplitBytes: 16 << 10})
		}},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			// The scan alone keeps the file's row order.
			local, err := src.lf().Collect(ctx)
			if err != nil {
				t.Fatalf("local: %v", err)
			}
			dist, err := c.Collect(ctx, src.lf())
			if err != nil {
				t.Fatalf("cluster: %v", err)
			}
			if got, want := dist.String(), local.String(); got != want || dist.NumRows() != x.NumRows() {
				t.Fatalf("scan: %d rows\n got %s\nwant %s", dist.NumRows(), got, want)
			}
			for _, q := range queries {
				lf := q.lf(src.lf(), small.Lazy(), big.Lazy())
				if lf.Err() != nil {
					continue
				}
				local, err := lf.Collect(ctx)
				if err != nil {
					t.Fatalf("%s: local: %v", q.name, err)
				}
				dist, err := c.Collect(ctx, lf)
				if err != nil {
					t.Fatalf("%s: cluster: %v", q.name, err)
				}
				diffRows(t, src.name+": "+q.name, local, dist)
			}
		})
	}
}

// TestScanIsSplit checks that a file scan becomes tasks that read row
// groups or files, balanced over the partitions and in order, and that
// filters prune what the statistics rule out.
func TestScanIsSplit(t *testing.T) {
	x, _, _ := testTables(5000)
	file, pqDir, _ := splitFixtures(t, x)
	csvFile := filepath.Join(t.TempDir(), "x.csv")
	if err := x.Head(2000).WriteCSV(csvFile, dataframe.CSVWriteOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(csvFile)
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{cfg: Config{Partitions: 4}}
	if err := c.cfg.defaults(); err != nil {
		t.Fatal(err)
	}
	j := &job{c: c, id: "j1"}
	cases := []struct {
		name   string
		lf     *dataframe.LazyFrame
		splits []int // splits per partition
	}{
		{"file", dataframe.ScanParquet(file, dataframe.ParquetOptions{}), []int{2, 2, 2, 2}},
		{"dir", dataframe.ScanDir(pqDir, dataframe.DirOptions{}), []int{2, 1, 1, 1}},
		{"dir pruned by partition", dataframe.ScanDir(pqDir, dataframe.DirOptions{}).Filter(col("batch").Ge(3)), []int{1, 1}},
		{"file pruned by statistics", dataframe.ScanParquet(file, dataframe.ParquetOptions{}).Filter(col("id6").Lt(-1)), nil},
		// About 8 byte ranges of a CSV file, two per partition.
		{"csv file", dataframe.ScanCSV(csvFile, dataframe.CSVOptions{SplitBytes: st.Size()/8 + 1}), []int{2, 2, 2, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := tc.lf.Plan()
			if err == nil {
				n, err = optimize.Optimize(n, optimize.Default())
			}
			if err != nil {
				t.Fatal(err)
			}
			for {
				if s, ok := n.(*plan.Scan); ok {
					n = s
					break
				}
				n = n.Inputs()[0]
			}
			d, err := j.build(context.Background(), n)
			if err != nil {
				t.Fatal(err)
			}
			defer d.release()
			var got []int
			for _, run := range d.splits {
				got = append(got, len(run))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.splits) {
				t.Fatalf("splits per partition %v, want %v", got, tc.splits)
			}
		})
	}
}

// TestSplitScanMissingFile: a file the workers cannot read fails the job
// with an error that says the path must be readable on every worker.
func TestSplitScanMissingFile(t *testing.T) {
	c := startCluster(t, Config{Workers: 1})
	x, _, _ := testTables(500)
	_, pqDir, _ := splitFixtures(t, x)
	lf := dataframe.ScanDir(pqDir, dataframe.DirOptions{})
	if err := os.Remove(filepath.Join(pqDir, "batch=2", "part-0.parquet")); err != nil {
		t.Fatal(err)
	}
	_, err := c.Collect(context.Background(), lf)
	if err == nil || !strings.Contains(err.Error(), "readable on every worker") {
		t.Fatalf("err = %v, want one saying the path must be readable on every worker", err)
	}
}
