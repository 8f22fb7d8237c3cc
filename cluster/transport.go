package cluster

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/golab-dev/golab/dataframe/physical"
)

// This file is the bulk data path: Arrow IPC batches in Flight's
// FlightData messages, with fewer copies than the generic path. The
// bytes on the wire are standard Flight (protobuf FlightData), so any
// Flight client could talk to a worker.
//
// Sending, the generic path copies every batch body twice (IPC
// serialization into one buffer, then protobuf marshalling into a gRPC
// buffer). Here the message references the record's own Arrow buffers
// (outData) and gRPC copies them once, into its socket buffer.
// Receiving, the generic path copies the frame bytes into one buffer and
// protobuf unmarshalling copies the body again; here the body aliases
// the one buffer, and the IPC reader's arrays alias the body.
//
// Invariant: gRPC may still be writing a message after SendMsg returns,
// so the buffers of a sent record must stay valid past that point. A
// successful upload returns only after the worker has read every
// message. Otherwise (a DoGet answer, a failed upload) the buffers stay
// valid because they are Go memory: the workers' allocator and the
// default one wrap memory.GoAllocator, whose Free leaves the memory to
// the garbage collector, and the queued message keeps it alive. Tables
// from a C allocator (arrow's mallocator) would need a copy here.

// flightCodec is the gRPC codec of both ends: FlightData without copies
// of the body, everything else through the standard protobuf codec.
type flightCodec struct{ proto encoding.CodecV2 }

func newFlightCodec() *flightCodec {
	return &flightCodec{proto: encoding.GetCodecV2("proto")}
}

func (c *flightCodec) Name() string { return "proto" }

func (c *flightCodec) Marshal(v any) (mem.BufferSlice, error) {
	od, ok := v.(*outData)
	if !ok {
		return c.proto.Marshal(v)
	}
	fd := od.fd
	var head []byte
	if fd.FlightDescriptor != nil {
		d, err := proto.Marshal(fd.FlightDescriptor)
		if err != nil {
			return nil, err
		}
		head = protowire.AppendTag(head, 1, protowire.BytesType)
		head = protowire.AppendBytes(head, d)
	}
	if len(fd.DataHeader) > 0 {
		head = protowire.AppendTag(head, 2, protowire.BytesType)
		head = protowire.AppendBytes(head, fd.DataHeader)
	}
	if len(fd.AppMetadata) > 0 {
		head = protowire.AppendTag(head, 3, protowire.BytesType)
		head = protowire.AppendBytes(head, fd.AppMetadata)
	}
	out := mem.BufferSlice{nil}
	if od.n > 0 {
		head = protowire.AppendTag(head, 1000, protowire.BytesType)
		head = protowire.AppendVarint(head, uint64(od.n))
		for _, b := range od.body {
			out = append(out, mem.SliceBuffer(b))
		}
	}
	out[0] = mem.SliceBuffer(head)
	return out, nil
}

// outData is a FlightData to send whose body is the list of the record's
// buffers (and padding), n bytes in all; fd.DataBody is unused.
type outData struct {
	fd   *flight.FlightData
	body [][]byte
	n    int
}

func (c *flightCodec) Unmarshal(data mem.BufferSlice, v any) error {
	var b []byte
	var fd *flight.FlightData
	switch v := v.(type) {
	case *flight.FlightData:
		fd = v
		// One copy out of gRPC's pooled buffers; the fields alias it.
		b = data.Materialize()
	case *inData:
		fd = &v.fd
		if v.leaveBody {
			if ok, err := unmarshalLeavingBody(data, v); ok || err != nil {
				return err
			}
		}
		b = data.Materialize()
	default:
		return c.proto.Unmarshal(data, v)
	}
	fd.Reset()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: FlightData: %v", ErrProtocol, protowire.ParseError(n))
		}
		b = b[n:]
		if typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("%w: FlightData field %d: %v", ErrProtocol, num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		val, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return fmt.Errorf("%w: FlightData field %d: %v", ErrProtocol, num, protowire.ParseError(n))
		}
		b = b[n:]
		switch num {
		case 1:
			fd.FlightDescriptor = &flight.FlightDescriptor{}
			if err := proto.Unmarshal(val, fd.FlightDescriptor); err != nil {
				return fmt.Errorf("%w: FlightData descriptor: %v", ErrProtocol, err)
			}
		case 2:
			fd.DataHeader = val
		case 3:
			fd.AppMetadata = val
		case 1000:
			fd.DataBody = val
		}
	}
	return nil
}

// dataSender is what recordSender sends on (a DoPut client stream or a
// DoGet server stream); the messages are *outData, which only
// flightCodec can marshal.
type dataSender interface {
	SendMsg(m any) error
}

// recordSender is an ipc.PayloadWriter that sends every IPC message as a
// FlightData referencing the payload's buffers.
type recordSender struct {
	s    dataSender
	desc *flight.FlightDescriptor // sent with the first message
	meta []byte                   // app metadata of the next batch
}

func (r *recordSender) Start() error { return nil }
func (r *recordSender) Close() error { return nil }

func (r *recordSender) WritePayload(p ipc.Payload) error {
	m := p.Meta()
	var header []byte
	if m != nil {
		header = append([]byte(nil), m.Bytes()...)
		m.Release()
	}
	var parts bodyParts
	if err := p.SerializeBody(&parts); err != nil {
		return err
	}
	fd := &flight.FlightData{FlightDescriptor: r.desc, DataHeader: header, AppMetadata: r.meta}
	r.desc = nil
	return r.s.SendMsg(&outData{fd: fd, body: parts.refs, n: parts.n})
}

// bodyParts collects the pieces of a payload body without copying them.
type bodyParts struct {
	refs [][]byte
	n    int
}

func (w *bodyParts) Write(p []byte) (int, error) {
	w.refs = append(w.refs, p)
	w.n += len(p)
	return len(p), nil
}

// newRecordSender returns an IPC writer over s; desc (may be nil) goes
// with the schema message.
func newRecordSender(s dataSender, schema *arrow.Schema, desc *flight.FlightDescriptor, opts ...ipc.Option) (*ipc.Writer, *recordSender) {
	rs := &recordSender{s: s, desc: desc}
	return ipc.NewWriterWithPayloadWriter(rs, append([]ipc.Option{ipc.WithSchema(schema)}, opts...)...), rs
}

// writeRecord sends rec with app metadata meta.
func writeRecord(w *ipc.Writer, rs *recordSender, rec arrow.RecordBatch, meta []byte) error {
	rs.meta = meta
	defer func() { rs.meta = nil }()
	return w.Write(rec)
}

// inData is a FlightData as msgReader receives it. With leaveBody set,
// the body of a batch stays in gRPC's frames (frames, from bodyOff on;
// fd.DataBody is nil) and is copied from there straight into the table
// being assembled; otherwise the message is copied out as usual.
type inData struct {
	fd        flight.FlightData
	leaveBody bool
	frames    mem.BufferSlice
	bodyOff   int
	bodyLen   int
}

// bodyBufBytes bounds the body of a batch left in gRPC's frames (the
// size of the stand-in body): a batch of wireBatchBytes with room for
// padding.
const bodyBufBytes = wireBatchBytes + 1<<20

// stand-in body: the IPC reader decodes a batch whose body was left in
// gRPC's frames against this buffer of zeros, and the position of each
// array buffer in it says where its bytes are in the frames.
var (
	standInOnce sync.Once
	standIn     []byte
)

func standInBody(n int) []byte {
	standInOnce.Do(func() { standIn = make([]byte, bodyBufBytes) })
	return standIn[:n]
}

// unmarshalLeavingBody parses the fields before the body of a FlightData
// and leaves the body (the last field) in data, which it references. It
// returns false, having changed nothing, when the message does not have
// that shape or its body is larger than bodyBufBytes.
func unmarshalLeavingBody(data mem.BufferSlice, in *inData) (bool, error) {
	n := data.Len()
	prefix := make([]byte, min(n, 64<<10))
	copyFrom(prefix, data, 0)
	var desc *flight.FlightDescriptor
	var header, meta []byte
	for b := prefix; len(b) > 0; {
		num, typ, k := protowire.ConsumeTag(b)
		if k < 0 || typ != protowire.BytesType {
			return false, nil
		}
		if num == 1000 {
			l, m := protowire.ConsumeVarint(b[k:])
			at := len(prefix) - len(b) + k + m
			if m < 0 || uint64(n-at) != l || l > bodyBufBytes {
				return false, nil
			}
			data.Ref()
			in.fd.Reset()
			in.fd.FlightDescriptor, in.fd.DataHeader, in.fd.AppMetadata = desc, header, meta
			in.frames, in.bodyOff, in.bodyLen = data, at, int(l)
			return true, nil
		}
		val, m := protowire.ConsumeBytes(b[k:])
		if m < 0 {
			return false, nil
		}
		b = b[k+m:]
		switch num {
		case 1:
			desc = &flight.FlightDescriptor{}
			if err := proto.Unmarshal(val, desc); err != nil {
				return false, fmt.Errorf("%w: FlightData descriptor: %v", ErrProtocol, err)
			}
		case 2:
			header = val
		case 3:
			meta = val
		}
	}
	return false, nil
}

// copyFrom fills dst with the bytes of data from offset off.
func copyFrom(dst []byte, data mem.BufferSlice, off int) {
	for _, b := range data {
		if len(dst) == 0 {
			return
		}
		bb := b.ReadOnlyData()
		if off >= len(bb) {
			off -= len(bb)
			continue
		}
		k := copy(dst, bb[off:])
		dst, off = dst[k:], 0
	}
}

// msgReader is an ipc.MessageReader over a stream of FlightData (a DoGet
// answer or a DoPut upload). It remembers the stream's descriptor and
// the latest app metadata. With reuse set (streams of assemblable tables,
// which have no dictionaries for the IPC reader to keep), the batch
// bodies are left in gRPC's frames, released
// when the next message is read unless the consumer kept the batch.
type msgReader struct {
	recv  func(any) error // grpc stream RecvMsg
	cur   *inData
	reuse bool
	keep  bool
	desc  *flight.FlightDescriptor
	meta  []byte
	refs  atomic.Int64
}

func newMsgReader(recv func(any) error) *msgReader {
	r := &msgReader{recv: recv}
	r.refs.Store(1)
	return r
}

func (r *msgReader) Message() (*ipc.Message, error) {
	r.recycle()
	in := &inData{leaveBody: r.reuse}
	if err := r.recv(in); err != nil {
		return nil, err
	}
	r.cur = in
	if in.fd.FlightDescriptor != nil {
		r.desc = in.fd.FlightDescriptor
	}
	r.meta = append(r.meta[:0], in.fd.AppMetadata...)
	if len(in.fd.DataHeader) == 0 {
		return nil, fmt.Errorf("%w: FlightData without an IPC message header", ErrProtocol)
	}
	body := in.fd.DataBody
	if in.frames != nil {
		body = standInBody(in.bodyLen)
	}
	return ipc.NewMessage(memory.NewBufferBytes(in.fd.DataHeader), memory.NewBufferBytes(body)), nil
}

// framedBatches counts the batches copied straight out of gRPC's frames
// (tests check that the path is taken).
var framedBatches atomic.Int64

// source returns where the bytes of the current batch's buffers are.
func (r *msgReader) source() bufSource {
	if in := r.cur; in != nil && in.frames != nil {
		framedBatches.Add(1)
		return newFrameSource(in.frames, in.bodyOff, standInBody(in.bodyLen))
	}
	return directSource{}
}

// recycle releases the current message's buffers unless the consumer
// kept its batch.
func (r *msgReader) recycle() {
	if in := r.cur; in != nil && !r.keep {
		if in.frames != nil {
			in.frames.Free()
		}
	}
	r.cur, r.keep = nil, false
}

func (r *msgReader) Retain() { r.refs.Add(1) }
func (r *msgReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.recycle()
	}
}

// tableReader reads the tables of one data stream.
type tableReader struct {
	mr  *msgReader
	rdr *ipc.Reader
	mem memory.Allocator
}

// newTableReader reads the stream's schema message.
func newTableReader(recv func(any) error, mem memory.Allocator) (*tableReader, error) {
	mr := newMsgReader(recv)
	rdr, err := ipc.NewReaderFromMessageReader(mr, ipc.WithAllocator(mem))
	if err != nil {
		mr.Release()
		return nil, err
	}
	mr.cur = nil // the schema message is left to the garbage collector
	mr.reuse = assemblable(rdr.Schema())
	return &tableReader{mr: mr, rdr: rdr, mem: mem}, nil
}

// descriptor is the FlightDescriptor the stream's first message carried.
func (r *tableReader) descriptor() *flight.FlightDescriptor { return r.mr.desc }

// readAll reads the rest of the stream into buckets tables (buckets >=
// 1), in the bucket each batch's metadata names. check, when not nil,
// sees every batch first and may refuse it.
func (r *tableReader) readAll(buckets int, check func(arrow.RecordBatch) error) ([]*physical.Table, error) {
	asm := make([]*assembler, buckets)
	defer func() {
		for _, a := range asm {
			if a != nil {
				a.release()
			}
		}
	}()
	for r.rdr.Next() {
		rec := r.rdr.RecordBatch()
		m, err := parseBatchMeta(r.mr.meta, buckets)
		if len(r.mr.meta) == 0 && buckets == 1 {
			m, err = batchMeta{rows: -1}, nil
		}
		if err != nil {
			return nil, err
		}
		if check != nil {
			if err := check(rec); err != nil {
				return nil, err
			}
		}
		a := asm[m.bucket]
		if a == nil {
			a = newAssembler(r.mem, r.rdr.Schema(), m)
			asm[m.bucket] = a
		}
		kept, err := a.add(rec, r.mr.source())
		if err != nil {
			return nil, err
		}
		r.mr.keep = kept
	}
	if err := r.rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	out := make([]*physical.Table, buckets)
	for b, a := range asm {
		if a == nil {
			a = newAssembler(r.mem, r.rdr.Schema(), batchMeta{rows: -1})
		}
		t, err := a.table()
		asm[b] = nil
		if err != nil {
			releaseTables(out[:b])
			return nil, err
		}
		out[b] = t
	}
	return out, nil
}

func (r *tableReader) release() {
	r.rdr.Release()
	r.mr.Release()
}

// sendTable sends t as batches in bucket: small batches the receiver
// assembles when the schema allows it, otherwise batches of up to
// maxBytes; the first batch carries the table's size.
func sendTable(w *ipc.Writer, rs *recordSender, t *physical.Table, bucket int, maxBytes int64) error {
	size, minRows := maxBytes, batchRows
	if assemblable(t.Schema) {
		size, minRows = min(size, wireBatchBytes), 1024
	}
	meta := tableMeta(t, bucket).encode()
	return eachRecord(t, size, minRows, func(r arrow.RecordBatch) error {
		err := writeRecord(w, rs, r, meta)
		meta = batchMeta{bucket: bucket, rows: -1}.encode()
		return err
	})
}

// framePool is the gRPC buffer pool of both ends. gRPC's default pool
// clears every buffer it hands out again; gRPC fills the buffers it asks
// for (received frames) before reading them, so this one does not, which
// saves clearing every byte received once more.
type framePool struct {
	tiers [13]sync.Pool // 256 B << i, up to 1 MiB
}

var dirtyFrames = &framePool{}

func tierOf(n int) int {
	for i := range 13 {
		if n <= 256<<i {
			return i
		}
	}
	return -1
}

func (p *framePool) Get(n int) *[]byte {
	i := tierOf(n)
	if i < 0 {
		b := make([]byte, n)
		return &b
	}
	if b, ok := p.tiers[i].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 256<<i)
	return &b
}

func (p *framePool) Put(b *[]byte) {
	if i := tierOf(cap(*b)); i >= 0 && cap(*b) == 256<<i {
		p.tiers[i].Put(b)
	}
}
