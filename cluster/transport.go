package cluster

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
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
	fd, ok := v.(*flight.FlightData)
	if !ok {
		return c.proto.Unmarshal(data, v)
	}
	// One copy out of gRPC's pooled buffers; the fields alias it.
	b := data.Materialize()
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
