package dataframe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/plan"
)

// TestSplitsReadTheWhole reads every split of a source on its own (as
// workers do) and checks that the pieces, in order, are the whole scan.
func TestSplitsReadTheWhole(t *testing.T) {
	dir := t.TempDir()
	n := 1000
	ks, vs, ss := make([]int64, n), make([]float64, n), make([]string, n)
	for i := range n {
		ks[i], vs[i], ss[i] = int64(i), float64(i)/4, fmt.Sprintf("s%d", i%7)
	}
	f, err := FromColumns(map[string]any{"k": ks, "v": vs, "s": ss})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "f.parquet")
	if err := f.WriteParquet(file, ParquetWriteOptions{RowGroupSize: 128}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		p := filepath.Join(dir, "csv", fmt.Sprintf("part=%c", 'a'+i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := f.Slice(i*300, 300).WriteCSV(filepath.Join(p, "x.csv"), CSVWriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pq, err := newParquetSource(file, ParquetOptions{Dictionary: []string{"s"}})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := newHiveSource(filepath.Join(dir, "csv"), DirOptions{Format: "csv", CSV: CSVOptions{Types: map[string]arrow.DataType{"k": Int32}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		src    plan.Splitter
		cols   []string
		flt    []Expr
		splits int
	}{
		{"parquet row groups", pq, nil, nil, 8},
		{"parquet pruned", pq, []string{"k", "s"}, []Expr{Col("k").Ge(700)}, 3},
		{"csv files", csv, nil, nil, 3},
		{"csv files pruned", csv, []string{"v", "part"}, []Expr{Col("part").Ne("b")}, 2},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := planReq(tc.cols, tc.flt...)
			want := scanFrame(t, tc.src, req)
			splits, err := tc.src.Splits(ctx, req.Filters)
			if err != nil {
				t.Fatal(err)
			}
			if len(splits) != tc.splits {
				t.Fatalf("%d splits, want %d", len(splits), tc.splits)
			}
			var parts []*LazyFrame
			for _, sp := range splits {
				s, err := plan.OpenSplits([]plan.Split{sp})
				if err != nil {
					t.Fatal(err)
				}
				if !s.Schema().Equal(tc.src.Schema()) {
					t.Fatalf("split schema %v, want %v", s.Schema(), tc.src.Schema())
				}
				parts = append(parts, scanFrame(t, s, req).Lazy())
			}
			got, err := Concat(parts...).Collect(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tc.flt != nil { // splits are pruned, rows are not filtered
				got, _ = got.Lazy().Filter(tc.flt[0]).Collect(ctx)
				want, _ = want.Lazy().Filter(tc.flt[0]).Collect(ctx)
			}
			if got.String() != want.String() || got.NumRows() != want.NumRows() {
				t.Fatalf("splits read\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func scanFrame(t *testing.T, s plan.Source, req plan.ScanRequest) *Frame {
	t.Helper()
	cols, n, err := s.Scan(context.Background(), memory.DefaultAllocator, req)
	if err != nil {
		t.Fatal(err)
	}
	names := req.Columns
	if names == nil {
		for _, f := range s.Schema().Fields() {
			names = append(names, f.Name)
		}
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: names[i], Type: c.DataType(), Nullable: true}
	}
	return newFrame(arrow.NewSchema(fields, nil), cols, n)
}
