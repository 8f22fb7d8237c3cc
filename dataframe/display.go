package dataframe

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// DisplayRows is how many rows String and MIMEBundle show (half from the
// head, half from the tail) before eliding the middle.
var DisplayRows = 10

// maxCell is the longest cell text shown before cutting with "…".
const maxCell = 40

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func typeName(t arrow.DataType) string {
	switch t.ID() {
	case arrow.INT64:
		return "i64"
	case arrow.INT32:
		return "i32"
	case arrow.INT16:
		return "i16"
	case arrow.INT8:
		return "i8"
	case arrow.UINT64:
		return "u64"
	case arrow.UINT32:
		return "u32"
	case arrow.UINT16:
		return "u16"
	case arrow.UINT8:
		return "u8"
	case arrow.FLOAT64:
		return "f64"
	case arrow.FLOAT32:
		return "f32"
	case arrow.STRING, arrow.LARGE_STRING:
		return "str"
	case arrow.BOOL:
		return "bool"
	case arrow.DICTIONARY:
		return "cat"
	case arrow.DATE32, arrow.DATE64:
		return "date"
	case arrow.TIMESTAMP:
		return "datetime[" + t.(*arrow.TimestampType).Unit.String() + "]"
	case arrow.LIST:
		return "list[" + typeName(t.(*arrow.ListType).Elem()) + "]"
	case arrow.NULL:
		return "null"
	}
	return t.String()
}

// shownRows returns the row indices to display and whether rows were elided.
func (f *Frame) shownRows() ([]int, bool) {
	n := f.rows
	if n <= DisplayRows {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out, false
	}
	h := (DisplayRows + 1) / 2
	t := DisplayRows - h
	var out []int
	for i := 0; i < h; i++ {
		out = append(out, i)
	}
	for i := n - t; i < n; i++ {
		out = append(out, i)
	}
	return out, true
}

func (f *Frame) cell(row, col int) string {
	a := f.cols[col]
	if a.IsNull(row) || a.DataType().ID() == arrow.NULL {
		return "null"
	}
	v := valueAt(a, row)
	if s, ok := v.(string); ok && arrow.IsBaseBinary(a.DataType().ID()) || ok && a.DataType().ID() == arrow.DICTIONARY {
		return cut(fmt.Sprintf("%q", s), maxCell)
	}
	return cut(formatValue(v), maxCell)
}

// String renders the frame as a polars-style text table with its shape,
// column types, and the first and last rows.
func (f *Frame) String() string {
	rows, elided := f.shownRows()
	nc := len(f.cols)
	grid := make([][]string, 0, len(rows)+3)
	head := make([]string, nc)
	types := make([]string, nc)
	for j, fl := range f.schema.Fields() {
		head[j] = cut(fl.Name, maxCell)
		types[j] = typeName(fl.Type)
	}
	grid = append(grid, head, types)
	for k, r := range rows {
		if elided && k == (DisplayRows+1)/2 {
			dots := make([]string, nc)
			for j := range dots {
				dots[j] = "…"
			}
			grid = append(grid, dots)
		}
		line := make([]string, nc)
		for j := 0; j < nc; j++ {
			line[j] = f.cell(r, j)
		}
		grid = append(grid, line)
	}
	width := make([]int, nc)
	for _, line := range grid {
		for j, c := range line {
			width[j] = max(width[j], utf8.RuneCountInString(c))
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "shape: (%d, %d)\n", f.rows, nc)
	sep := func(ch string) {
		sb.WriteString("+")
		for j := range width {
			sb.WriteString(strings.Repeat(ch, width[j]+2))
			sb.WriteString("+")
		}
		sb.WriteString("\n")
	}
	row := func(line []string) {
		sb.WriteString("|")
		for j, c := range line {
			sb.WriteString(" ")
			sb.WriteString(c)
			sb.WriteString(strings.Repeat(" ", width[j]-utf8.RuneCountInString(c)))
			sb.WriteString(" |")
		}
		sb.WriteString("\n")
	}
	sep("-")
	row(grid[0])
	row(grid[1])
	sep("=")
	for _, line := range grid[2:] {
		row(line)
	}
	sep("-")
	return strings.TrimRight(sb.String(), "\n")
}

// MIMEBundle renders the frame for Jupyter: "text/html" (a table with the
// shape, column types, first and last rows, long values cut) and
// "text/plain" (String). The kernel calls it; the frame never imports the kernel.
func (f *Frame) MIMEBundle() map[string]any {
	var sb strings.Builder
	rows, elided := f.shownRows()
	fmt.Fprintf(&sb, "<div><small>shape: (%d, %d)</small>\n<table border=\"1\" class=\"dataframe\">\n<thead>\n<tr>", f.rows, len(f.cols))
	for _, fl := range f.schema.Fields() {
		fmt.Fprintf(&sb, "<th>%s</th>", html.EscapeString(cut(fl.Name, maxCell)))
	}
	sb.WriteString("</tr>\n<tr>")
	for _, fl := range f.schema.Fields() {
		fmt.Fprintf(&sb, "<td>%s</td>", html.EscapeString(typeName(fl.Type)))
	}
	sb.WriteString("</tr>\n</thead>\n<tbody>\n")
	for k, r := range rows {
		if elided && k == (DisplayRows+1)/2 {
			sb.WriteString("<tr>")
			for range f.cols {
				sb.WriteString("<td>&hellip;</td>")
			}
			sb.WriteString("</tr>\n")
		}
		sb.WriteString("<tr>")
		for j := range f.cols {
			fmt.Fprintf(&sb, "<td>%s</td>", html.EscapeString(f.cell(r, j)))
		}
		sb.WriteString("</tr>\n")
	}
	sb.WriteString("</tbody>\n</table>\n</div>")
	return map[string]any{"text/html": sb.String(), "text/plain": f.String()}
}
