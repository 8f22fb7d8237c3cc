package dataframe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/plan"
)

// A CSV file splits into byte ranges that start and end at record
// boundaries, so every worker of a cluster parses its share of one large
// file. The coordinator finds the boundaries in one pass over the file
// that counts quotes (a line break inside a quoted field is not a
// boundary) and line breaks (so errors still name the file's line);
// that pass runs at memory speed, far faster than parsing. Every range
// is read with the schema the coordinator inferred: a later value that
// does not fit it is an error naming the line and the option to pass,
// where a local read would widen the column.

const splitKindCSV = "dataframe.csv"

func init() { plan.RegisterSplitKind(splitKindCSV, openCSVSplits) }

var _ plan.Splitter = (*csvSource)(nil)

// csvSplitBytes is the size of one split of a CSV file when
// CSVOptions.SplitBytes is not set.
var csvSplitBytes int64 = 32 << 20

// csvSplit is one byte range of a CSV file.
type csvSplit struct {
	Path   string          `json:"path"`
	CSV    *csvOptionsJSON `json:"csv"`
	Schema []byte          `json:"schema"`
	Start  int64           `json:"start"`
	End    int64           `json:"end"`
	Line0  int64           `json:"line0"` // line breaks before Start
}

// byteRange restricts a csvSource to the records of [start, end) of its
// file, which hold no header.
type byteRange struct {
	start, end, line0 int64
}

// Splits cuts the file's records into ranges of about csvSplitBytes.
// Data held in memory (ReadCSVBytes) and what is not a regular file do
// not split.
func (s *csvSource) Splits(ctx context.Context, _ []expr.Expr) ([]plan.Split, error) {
	if s.data != nil {
		return nil, nil
	}
	path, err := filepath.Abs(s.path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: csv %s: %w", s.path, err)
	}
	opts, err := encodeCSVOptions(s.opts)
	if err != nil {
		return nil, err
	}
	schema, err := schemaBytes(s.Schema())
	if err != nil {
		return nil, err
	}
	if s.rng != nil { // a split of a split is itself
		spec, err := json.Marshal(csvSplit{Path: path, CSV: opts, Schema: schema, Start: s.rng.start, End: s.rng.end, Line0: s.rng.line0})
		if err != nil {
			return nil, err
		}
		return []plan.Split{{Kind: splitKindCSV, Spec: spec, Rows: -1}}, nil
	}
	f, st, err := openStat(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	sample, _, err := s.readSample()
	if err != nil {
		return nil, err
	}
	p := &csvParser{data: sample, delim: s.delim(), name: s.path}
	start, err := s.bodyStart(p)
	if err != nil {
		return nil, err
	}
	target := s.opts.SplitBytes
	if target <= 0 {
		target = csvSplitBytes
	}
	cuts, lines, err := csvCuts(ctx, f, st.Size(), int64(start), target)
	if err != nil {
		return nil, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
	}
	line0 := int64(bytes.Count(sample[:start], []byte{'\n'}))
	var out []plan.Split
	for i, c := range cuts {
		end := st.Size()
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		if end <= c {
			continue
		}
		spec, err := json.Marshal(csvSplit{Path: path, CSV: opts, Schema: schema, Start: c, End: end, Line0: line0 + lines[i]})
		if err != nil {
			return nil, err
		}
		out = append(out, plan.Split{Kind: splitKindCSV, Spec: spec, Rows: -1})
	}
	return out, nil
}

// csvCuts returns the offsets where ranges of about target bytes start,
// the first at start, each after a line break outside quotes, and the
// line breaks between start and each cut. It reads f in pieces.
func csvCuts(ctx context.Context, f io.ReaderAt, size, start, target int64) (cuts, lines []int64, err error) {
	cuts, lines = []int64{start}, []int64{0}
	buf := make([]byte, 8<<20)
	var nl int64
	inQuote, seeking := false, false
	next := start + target
	for off := start; off < size && next < size; {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				break // the file shrank: the last range ends where it did
			}
			return nil, nil, err
		}
		b := buf[:n]
		for i := 0; i < n; {
			if !seeking {
				// Count in bulk up to the next nominal cut.
				k := n
				if next-off < int64(n) {
					k = int(next - off)
					seeking = true
				}
				chunk := b[i:k]
				if bytes.Count(chunk, []byte{'"'})%2 == 1 {
					inQuote = !inQuote
				}
				nl += int64(bytes.Count(chunk, []byte{'\n'}))
				i = k
				continue
			}
			// Past a nominal cut: the next line break outside quotes.
			c := b[i]
			i++
			switch c {
			case '"':
				inQuote = !inQuote
			case '\n':
				nl++
				if !inQuote {
					if cut := off + int64(i); cut < size {
						cuts = append(cuts, cut)
						lines = append(lines, nl)
					}
					next, seeking = off+int64(i)+target, false
				}
			}
		}
		off += int64(n)
	}
	return cuts, lines, nil
}

// openCSVSplits opens consecutive byte ranges of one CSV file as a
// source (one range from the first's start to the last's end).
func openCSVSplits(specs []json.RawMessage) (plan.Source, error) {
	var first, last csvSplit
	for i, raw := range specs {
		var c csvSplit
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("%w: csv split: %v", ErrInvalidArgument, err)
		}
		if i == 0 {
			first = c
		} else if c.Path != first.Path || c.Start != last.End {
			return nil, fmt.Errorf("%w: csv splits %s@%d and %s@%d are not consecutive ranges of one file", ErrInvalidArgument, last.Path, last.End, c.Path, c.Start)
		}
		last = c
	}
	if first.CSV == nil {
		return nil, fmt.Errorf("%w: csv split without options", ErrInvalidArgument)
	}
	opts, err := first.CSV.options()
	if err != nil {
		return nil, err
	}
	schema, err := schemaFromBytes(first.Schema)
	if err != nil {
		return nil, err
	}
	s := &csvSource{path: first.Path, opts: opts, schema: schema, rng: &byteRange{start: first.Start, end: last.End, line0: first.Line0}}
	for _, f := range schema.Fields() {
		s.header = append(s.header, f.Name)
	}
	return s, nil
}

// readRange reads the source's byte range of its file.
func (s *csvSource) readRange(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("dataframe: read csv: %w", err)
	}
	defer f.Close()
	buf := make([]byte, s.rng.end-s.rng.start)
	if _, err := f.ReadAt(buf, s.rng.start); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s is shorter than when it was split (bytes %d-%d); was it rewritten?", ErrParse, s.path, s.rng.start, s.rng.end)
		}
		return nil, fmt.Errorf("dataframe: read csv %s: %w", s.path, err)
	}
	return buf, nil
}
