package cluster

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/mem"

	"github.com/golab-dev/golab/dataframe/physical"
)

// This file is the receiving end of the bulk data path. A table whose
// columns are all flat (fixed-width, boolean, string or binary) travels
// as IPC batches of about wireBatchBytes, and the receiver copies each
// batch into the table's final column buffers as it arrives, allocated
// once from the sizes the first batch announces. The batch's message
// buffer is then reused for the next one (transport.go), so a transfer
// touches a few megabytes of fresh memory instead of twice its size, and
// the copy of one batch overlaps the arrival of the next. Tables with
// other columns (dictionaries, lists, structs) travel in large batches,
// which the receiver keeps and concatenates as before.

// wireBatchBytes is the body size of one batch of an assembled table.
const wireBatchBytes = 4 << 20

// assemblable reports whether every column of schema can be assembled
// batch by batch.
func assemblable(schema *arrow.Schema) bool {
	for _, f := range schema.Fields() {
		if colKind(f.Type) == kindOther {
			return false
		}
	}
	return true
}

type asmKind uint8

const (
	kindOther asmKind = iota
	kindFixed         // one validity bitmap and one buffer of fixed-width values
	kindBool          // values are a bitmap
	kindBin32         // int32 offsets and value bytes
	kindBin64         // int64 offsets and value bytes
)

func colKind(t arrow.DataType) asmKind {
	switch t.ID() {
	case arrow.BOOL:
		return kindBool
	case arrow.STRING, arrow.BINARY:
		return kindBin32
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return kindBin64
	case arrow.DICTIONARY, arrow.EXTENSION, arrow.NULL:
		return kindOther
	}
	if fw, ok := t.(arrow.FixedWidthDataType); ok && fw.BitWidth() >= 8 && fw.BitWidth()%8 == 0 && len(t.Layout().Buffers) == 2 {
		return kindFixed
	}
	return kindOther
}

// batchMeta is the app metadata of a data batch: the bucket (output
// partition) it belongs to and, on the first batch of a table, the size
// of the whole table: its rows and, per column, the bytes of
// variable-width values (0 for other columns). Rows is -1 on later
// batches. Text form: "bucket" or "bucket:rows:v0,v1,...".
type batchMeta struct {
	bucket   int
	rows     int64
	varBytes []int64
}

// tableMeta describes the whole of t, sent with its first batch.
func tableMeta(t *physical.Table, bucket int) batchMeta {
	m := batchMeta{bucket: bucket, rows: int64(t.Rows), varBytes: make([]int64, len(t.Cols))}
	for i, c := range t.Cols {
		m.varBytes[i] = valueBytes(c)
	}
	return m
}

// valueBytes returns the bytes of variable-width values of a string or
// binary array (0 for other arrays).
func valueBytes(a arrow.Array) int64 {
	d := a.Data()
	n, off := d.Len(), d.Offset()
	if n == 0 {
		return 0
	}
	switch colKind(a.DataType()) {
	case kindBin32:
		o := arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())
		return int64(o[off+n] - o[off])
	case kindBin64:
		o := arrow.Int64Traits.CastFromBytes(d.Buffers()[1].Bytes())
		return o[off+n] - o[off]
	}
	return 0
}

func (m batchMeta) encode() []byte {
	if m.rows < 0 {
		return []byte(strconv.Itoa(m.bucket))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d:%d:", m.bucket, m.rows)
	for i, v := range m.varBytes {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatInt(v, 10))
	}
	return []byte(sb.String())
}

// parseBatchMeta reads app metadata written by encode; buckets is the
// number of buckets the receiver expects.
func parseBatchMeta(b []byte, buckets int) (batchMeta, error) {
	m := batchMeta{rows: -1}
	parts := strings.Split(string(b), ":")
	bad := func() (batchMeta, error) {
		return batchMeta{}, fmt.Errorf("%w: batch metadata %q (want bucket[:rows:bytes,...] with bucket below %d)", ErrProtocol, b, buckets)
	}
	var err error
	if m.bucket, err = strconv.Atoi(parts[0]); err != nil || m.bucket < 0 || m.bucket >= buckets {
		return bad()
	}
	switch len(parts) {
	case 1:
		return m, nil
	case 3:
	default:
		return bad()
	}
	if m.rows, err = strconv.ParseInt(parts[1], 10, 64); err != nil || m.rows < 0 {
		return bad()
	}
	if parts[2] != "" {
		for _, s := range strings.Split(parts[2], ",") {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return bad()
			}
			m.varBytes = append(m.varBytes, v)
		}
	}
	return m, nil
}

// bufSource reads the bytes of a batch's buffers: from the buffers
// themselves, or from gRPC's frames when the batch was decoded against a
// stand-in body (msgReader).
type bufSource interface {
	// read fills dst with the bytes of b from byte off on.
	read(dst []byte, b *memory.Buffer, off int)
}

type directSource struct{}

func (directSource) read(dst []byte, b *memory.Buffer, off int) { copy(dst, b.Bytes()[off:]) }

// frameSource finds a buffer of a batch decoded against standIn at the
// same position in the body held by frames (from bodyOff on).
type frameSource struct {
	frames  mem.BufferSlice
	bodyOff int
	base    uintptr // address of the stand-in body
	size    int
}

func newFrameSource(frames mem.BufferSlice, bodyOff int, standIn []byte) *frameSource {
	return &frameSource{frames: frames, bodyOff: bodyOff, base: uintptr(unsafe.Pointer(unsafe.SliceData(standIn))), size: len(standIn)}
}

func (f *frameSource) read(dst []byte, b *memory.Buffer, off int) {
	pos := int(uintptr(unsafe.Pointer(unsafe.SliceData(b.Bytes()))) - f.base)
	if pos < 0 || pos+off+len(dst) > f.size {
		panic(fmt.Sprintf("cluster: buffer at %d+%d (%d bytes) outside the batch body of %d bytes", pos, off, len(dst), f.size))
	}
	copyFrom(dst, f.frames, f.bodyOff+pos+off)
}

// assembler builds one table from the batches of one stream. For
// assemblable schemas it copies every batch into growing column buffers
// (sized at once when the first batch says how big the table is);
// otherwise it keeps the batches and concatenates them at the end.
type assembler struct {
	mem     memory.Allocator
	schema  *arrow.Schema
	rows    int
	cols    []*colAsm // nil when the batches are kept
	kept    []arrow.RecordBatch
	scratch [2][]byte // offsets and bitmaps of a batch on their way
}

// newAssembler starts a table of schema; hint is the first batch's
// metadata (rows < 0 when the sender gave no size).
func newAssembler(mem memory.Allocator, schema *arrow.Schema, hint batchMeta) *assembler {
	a := &assembler{mem: mem, schema: schema}
	if !assemblable(schema) {
		return a
	}
	a.cols = make([]*colAsm, schema.NumFields())
	for i, f := range schema.Fields() {
		c := &colAsm{kind: colKind(f.Type), typ: f.Type}
		if c.kind == kindFixed {
			c.width = f.Type.(arrow.FixedWidthDataType).BitWidth() / 8
		}
		var varBytes int64
		if i < len(hint.varBytes) {
			varBytes = hint.varBytes[i]
		}
		if hint.rows > 0 {
			c.grow(mem, int(hint.rows), int(varBytes))
		}
		a.cols[i] = c
	}
	return a
}

// add appends rec, whose buffers' bytes src reads, to the table. It
// reports whether the assembler kept (retained) rec; when it did not,
// rec's buffers may be reused as soon as rec is released.
func (a *assembler) add(rec arrow.RecordBatch, src bufSource) (kept bool, err error) {
	defer func() {
		// Offsets or buffer positions that point outside the batch.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: damaged batch: %v", ErrProtocol, r)
		}
	}()
	if a.cols == nil {
		rec.Retain()
		a.kept = append(a.kept, rec)
		a.rows += int(rec.NumRows())
		return true, nil
	}
	if int(rec.NumCols()) != len(a.cols) {
		return false, fmt.Errorf("%w: batch of %d columns for a table of %d", ErrProtocol, rec.NumCols(), len(a.cols))
	}
	n := int(rec.NumRows())
	for i, c := range a.cols {
		if err := c.append(a.mem, a.rows, rec.Column(i), src, &a.scratch); err != nil {
			return false, fmt.Errorf("cluster: column %q: %w", a.schema.Field(i).Name, err)
		}
	}
	a.rows += n
	return false, nil
}

// table returns the assembled table; the assembler is spent.
func (a *assembler) table() (*physical.Table, error) {
	if a.cols == nil {
		defer a.release()
		return tableFromRecords(a.mem, a.schema, a.kept)
	}
	t := &physical.Table{Schema: a.schema, Rows: a.rows, Cols: make([]arrow.Array, len(a.cols))}
	for i, c := range a.cols {
		t.Cols[i] = c.finish(a.mem, a.rows)
	}
	a.cols = nil
	return t, nil
}

// release frees what the assembler holds (after an error).
func (a *assembler) release() {
	for _, r := range a.kept {
		r.Release()
	}
	a.kept = nil
	for _, c := range a.cols {
		c.release()
	}
	a.cols = nil
}

// colAsm is one column being assembled: capacity for capRows values
// (and capVar bytes of variable-width values).
type colAsm struct {
	kind    asmKind
	typ     arrow.DataType
	width   int // bytes per value (kindFixed)
	capRows int
	valid   *memory.Buffer // validity bitmap; nil until a batch has nulls
	data    *memory.Buffer // values (fixed, bool) or value bytes (binary)
	offs    *memory.Buffer // offsets (binary)
	varLen  int            // value bytes in use (binary)
	nulls   int
}

// grow makes room for rows values and varBytes value bytes in all.
func (c *colAsm) grow(mem memory.Allocator, rows, varBytes int) {
	if c.data == nil {
		c.data = memory.NewResizableBuffer(mem)
		if c.kind == kindBin32 || c.kind == kindBin64 {
			c.offs = memory.NewResizableBuffer(mem)
		}
	}
	if rows > c.capRows {
		rows = max(rows, c.capRows*2)
		switch c.kind {
		case kindFixed:
			c.data.Reserve(rows * c.width)
		case kindBool:
			c.data.Reserve(int(bitutil.BytesForBits(int64(rows))))
		case kindBin32:
			c.offs.Reserve((rows + 1) * 4)
		case kindBin64:
			c.offs.Reserve((rows + 1) * 8)
		}
		if c.valid != nil {
			c.valid.Reserve(int(bitutil.BytesForBits(int64(rows))))
		}
		c.capRows = rows
	}
	if (c.kind == kindBin32 || c.kind == kindBin64) && varBytes > c.data.Cap() {
		c.data.Reserve(max(varBytes, c.data.Cap()*2))
	}
}

// append copies the values of arr, whose bytes src reads, to rows
// [at, at+arr.Len()). Offsets and bitmaps pass through scratch.
func (c *colAsm) append(mem memory.Allocator, at int, arr arrow.Array, src bufSource, scratch *[2][]byte) error {
	if !arrow.TypeEqual(arr.DataType(), c.typ) {
		return fmt.Errorf("%w: batch column of type %s for a column of %s", ErrProtocol, arr.DataType(), c.typ)
	}
	d := arr.Data()
	n, off := d.Len(), d.Offset()
	bufs := d.Buffers()
	// bits reads the bitmap bits [off, off+n) of b into scratch and
	// returns them with the bit offset of the first.
	bits := func(b *memory.Buffer) ([]byte, int) {
		lo, hi := off/8, (off+n+7)/8
		buf := grown(&scratch[1], hi-lo)
		src.read(buf, b, lo)
		return buf, off % 8
	}
	varBytes := c.varLen
	var offs32 []int32
	var offs64 []int64
	var first, last int64 // the batch's value bytes
	if n > 0 {
		switch c.kind {
		case kindBin32:
			offs32 = readOffsets[int32](src, bufs[1], off, n, &scratch[0])
			first, last = int64(offs32[0]), int64(offs32[n])
		case kindBin64:
			offs64 = readOffsets[int64](src, bufs[1], off, n, &scratch[0])
			first, last = offs64[0], offs64[n]
		}
		if last < first {
			return fmt.Errorf("%w: decreasing offsets in a %s column", ErrProtocol, c.typ)
		}
		varBytes += int(last - first)
		if c.kind == kindBin32 && varBytes > math.MaxInt32 {
			return fmt.Errorf("%w: more than 2 GiB of values in a %s column", ErrProtocol, c.typ)
		}
	}
	c.grow(mem, at+n, varBytes)
	if nulls := arr.NullN(); nulls > 0 && n > 0 {
		if c.valid == nil {
			c.valid = memory.NewResizableBuffer(mem)
			c.valid.Reserve(int(bitutil.BytesForBits(int64(c.capRows))))
			bitutil.SetBitsTo(c.valid.Buf(), 0, int64(at), true)
		}
		b, boff := bits(bufs[0])
		bitutil.CopyBitmap(b, boff, n, c.valid.Buf(), at)
		c.nulls += nulls
	} else if c.valid != nil {
		bitutil.SetBitsTo(c.valid.Buf(), int64(at), int64(n), true)
	}
	if n == 0 {
		return nil
	}
	switch c.kind {
	case kindFixed:
		w := c.width
		src.read(c.data.Buf()[at*w:(at+n)*w], bufs[1], off*w)
	case kindBool:
		b, boff := bits(bufs[1])
		bitutil.CopyBitmap(b, boff, n, c.data.Buf(), at)
	case kindBin32, kindBin64:
		src.read(c.data.Buf()[c.varLen:varBytes], bufs[2], int(first))
		if c.kind == kindBin32 {
			rebase(arrow.Int32Traits.CastFromBytes(c.offs.Buf())[at:at+n+1], offs32, int32(c.varLen))
		} else {
			rebase(arrow.Int64Traits.CastFromBytes(c.offs.Buf())[at:at+n+1], offs64, int64(c.varLen))
		}
	}
	c.varLen = varBytes
	return nil
}

// readOffsets reads the n+1 offsets of b from element off on into
// scratch.
func readOffsets[T int32 | int64](src bufSource, b *memory.Buffer, off, n int, scratch *[]byte) []T {
	size := int(unsafe.Sizeof(T(0)))
	buf := grown(scratch, (n+1)*size)
	src.read(buf, b, off*size)
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf))), n+1)
}

// rebase writes offs moved to start at base into dst.
func rebase[T int32 | int64](dst, offs []T, base T) {
	start := offs[0]
	for i, o := range offs {
		dst[i] = o - start + base
	}
}

// grown returns (*b)[:n], growing *b when it is shorter.
func grown(b *[]byte, n int) []byte {
	if cap(*b) < n {
		*b = make([]byte, n)
	}
	return (*b)[:n]
}

// finish returns the column of rows values.
func (c *colAsm) finish(mem memory.Allocator, rows int) arrow.Array {
	if rows == 0 {
		c.release()
		return array.MakeArrayOfNull(mem, c.typ, 0)
	}
	var valid *memory.Buffer
	if c.valid != nil {
		valid = c.valid
		valid.ResizeNoShrink(int(bitutil.BytesForBits(int64(rows))))
	}
	var bufs []*memory.Buffer
	switch c.kind {
	case kindFixed:
		c.data.ResizeNoShrink(rows * c.width)
		bufs = []*memory.Buffer{valid, c.data}
	case kindBool:
		c.data.ResizeNoShrink(int(bitutil.BytesForBits(int64(rows))))
		bufs = []*memory.Buffer{valid, c.data}
	case kindBin32:
		c.offs.ResizeNoShrink((rows + 1) * 4)
		c.data.ResizeNoShrink(c.varLen)
		bufs = []*memory.Buffer{valid, c.offs, c.data}
	case kindBin64:
		c.offs.ResizeNoShrink((rows + 1) * 8)
		c.data.ResizeNoShrink(c.varLen)
		bufs = []*memory.Buffer{valid, c.offs, c.data}
	}
	d := array.NewData(c.typ, rows, bufs, nil, c.nulls, 0)
	out := array.MakeFromData(d)
	d.Release()
	c.release()
	return out
}

func (c *colAsm) release() {
	for _, b := range []*memory.Buffer{c.valid, c.data, c.offs} {
		if b != nil {
			b.Release()
		}
	}
	c.valid, c.data, c.offs = nil, nil, nil
}
