package dataframe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golab-dev/golab/dataframe/plan"
)

// csvSplitFile writes a CSV file whose quoted fields hold commas, doubled
// quotes and line breaks (line breaks inside quotes are not boundaries),
// with a byte order mark, a skipped first line and a header.
func csvSplitFile(t *testing.T, rows int, bad int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("\ufeffskipped line\n")
	b.WriteString("id,name,score,note\n")
	for i := range rows {
		score := fmt.Sprintf("%d.25", i%100)
		if i == bad {
			score = "n/a"
		}
		note := fmt.Sprintf("plain %d", i)
		switch i % 5 {
		case 1:
			note = fmt.Sprintf("\"two\nlines, %d\"", i)
		case 2:
			note = fmt.Sprintf("\"say \"\"hi\"\"\n\n %d\"", i)
		case 3:
			note = ""
		}
		fmt.Fprintf(&b, "%d,n%d,%s,%s\n", i, i%13, score, note)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCSVSplitsReadTheWhole cuts one CSV file into byte ranges of a few
// hundred bytes and checks that reading the ranges in order gives the
// rows of one whole read.
func TestCSVSplitsReadTheWhole(t *testing.T) {
	old := csvSplitBytes
	defer func() { csvSplitBytes = old }()
	path := csvSplitFile(t, 2000, -1)
	opts := CSVOptions{SkipRows: 1}
	src, err := newCSVSource(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, size := range []int64{1, 97, 300, 4096, 1 << 30} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			csvSplitBytes = size
			for _, cols := range [][]string{nil, {"note", "id"}} {
				req := planReq(cols)
				want := scanFrame(t, src, req)
				splits, err := src.Splits(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if size == 1<<30 && len(splits) != 1 || size == 300 && len(splits) < 50 {
					t.Fatalf("%d splits of %d bytes", len(splits), size)
				}
				var parts []*LazyFrame
				for _, sp := range splits {
					s, err := plan.OpenSplits([]plan.Split{sp})
					if err != nil {
						t.Fatal(err)
					}
					if !s.Schema().Equal(src.Schema()) {
						t.Fatalf("split schema %v, want %v", s.Schema(), src.Schema())
					}
					parts = append(parts, scanFrame(t, s, req).Lazy())
				}
				got, err := Concat(parts...).Collect(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got.NumRows() != 2000 || !sameValues(t, got, want) {
					t.Fatalf("splits read %d rows\n%s\nwant\n%s", got.NumRows(), got, want)
				}
				// Consecutive splits open as one source too.
				if len(splits) > 2 {
					s, err := plan.OpenSplits(splits[1:3])
					if err != nil {
						t.Fatal(err)
					}
					a, b := scanFrame(t, mustOpen(t, splits[1]), req), scanFrame(t, mustOpen(t, splits[2]), req)
					if got := scanFrame(t, s, req); got.NumRows() != a.NumRows()+b.NumRows() {
						t.Fatalf("two splits as one source: %d rows, want %d", got.NumRows(), a.NumRows()+b.NumRows())
					}
				}
			}
		})
	}
	if _, err := plan.OpenSplits([]plan.Split{mustSplits(t, src)[0], mustSplits(t, src)[2]}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("splits 0 and 2 as one source: err %v, want ErrInvalidArgument", err)
	}
}

func mustOpen(t *testing.T, sp plan.Split) plan.Source {
	t.Helper()
	s, err := plan.OpenSplits([]plan.Split{sp})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSplits(t *testing.T, s plan.Splitter) []plan.Split {
	t.Helper()
	csvSplitBytes = 500
	defer func() { csvSplitBytes = 32 << 20 }()
	sp, err := s.Splits(context.Background(), nil)
	if err != nil || len(sp) < 3 {
		t.Fatalf("%d splits, %v", len(sp), err)
	}
	return sp
}

// TestCSVSplitErrorLine: a value that does not fit the inferred type, in
// a later split, is an error naming the file's own line number.
func TestCSVSplitErrorLine(t *testing.T) {
	old := csvSplitBytes
	defer func() { csvSplitBytes = old }()
	csvSplitBytes = 400
	path := csvSplitFile(t, 1500, 1234)
	src, err := newCSVSource(path, CSVOptions{SkipRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	// The line of row 1234: 2 lines before the rows, and rows i%5==1 and
	// i%5==2 span 2 and 3 lines.
	line := 3
	for i := range 1234 {
		line += []int{1, 2, 3, 1, 1}[i%5]
	}
	splits, err := src.Splits(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for _, sp := range splits {
		s := mustOpen(t, sp)
		if _, _, err := s.Scan(context.Background(), nil, plan.ScanRequest{}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("%d splits failed, want 1: %v", len(errs), errs)
	}
	msg := errs[0].Error()
	if !errors.Is(errs[0], ErrParse) || !strings.Contains(msg, fmt.Sprintf("%s:%d:", path, line)) || !strings.Contains(msg, `"n/a"`) || !strings.Contains(msg, "CSVOptions.Types") {
		t.Fatalf("error %q: want ErrParse naming %s:%d, the value and CSVOptions.Types", msg, path, line)
	}
}

// sameValues compares every value of every column of two frames.
func sameValues(t *testing.T, a, b *Frame) bool {
	t.Helper()
	if a.NumRows() != b.NumRows() || !a.Schema().Equal(b.Schema()) {
		return false
	}
	for _, f := range a.Schema().Fields() {
		ca, err := a.Column(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		cb, _ := b.Column(f.Name)
		if !equalAny(ca.Values(), cb.Values()) {
			return false
		}
	}
	return true
}
