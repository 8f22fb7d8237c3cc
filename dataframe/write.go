package dataframe

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// CSVWriteOptions configures WriteCSV. The zero value writes a header and
// comma-separated fields, nulls as empty fields.
type CSVWriteOptions struct {
	Delimiter rune
	NoHeader  bool
	// NullValue is written for nulls (default "").
	NullValue string
}

// WriteCSV writes the frame as CSV (RFC 4180 quoting).
func (f *Frame) WriteCSV(path string, opts CSVWriteOptions) error {
	d := opts.Delimiter
	if d == 0 {
		d = ','
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dataframe: write csv: %w", err)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	sep := string(d)
	quote := func(s string) string {
		if strings.ContainsAny(s, sep+"\"\r\n") {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	if !opts.NoHeader {
		names := f.Columns()
		for i, n := range names {
			names[i] = quote(n)
		}
		w.WriteString(strings.Join(names, sep))
		w.WriteByte('\n')
	}
	for r := 0; r < f.rows; r++ {
		for c, a := range f.cols {
			if c > 0 {
				w.WriteString(sep)
			}
			if a.IsNull(r) || a.DataType().ID() == arrow.NULL {
				w.WriteString(opts.NullValue)
				continue
			}
			w.WriteString(quote(csvText(valueAt(a, r))))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("dataframe: write csv: %w", err)
	}
	return out.Close()
}

func csvText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return formatValue(v)
}

// WriteNDJSON writes one JSON object per row.
func (f *Frame) WriteNDJSON(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dataframe: write ndjson: %w", err)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	enc := json.NewEncoder(w)
	names := f.Columns()
	row := make(map[string]any, len(names))
	for r := 0; r < f.rows; r++ {
		for c, a := range f.cols {
			if a.IsNull(r) || a.DataType().ID() == arrow.NULL {
				row[names[c]] = nil
			} else {
				row[names[c]] = valueAt(a, r)
			}
		}
		if err := enc.Encode(row); err != nil {
			out.Close()
			return fmt.Errorf("dataframe: write ndjson: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
