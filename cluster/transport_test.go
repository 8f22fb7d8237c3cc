package cluster

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/golab-dev/golab/dataframe/physical"
)

// TestFlightCodecWire checks that flightCodec writes the bytes the
// standard protobuf codec writes for the same FlightData, and reads them
// back, so the workers speak plain Flight.
func TestFlightCodecWire(t *testing.T) {
	c := newFlightCodec()
	body := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	cases := []struct {
		name string
		fd   *flight.FlightData
		body [][]byte
	}{
		{"everything", &flight.FlightData{FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"j1", "in0"}},
			DataHeader: []byte("header"), AppMetadata: []byte("3")}, [][]byte{body[:100], body[100:]}},
		{"schema message", &flight.FlightData{DataHeader: []byte("schema")}, nil},
		{"empty pieces", &flight.FlightData{DataHeader: []byte("h")}, [][]byte{{}, body[:5], {}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, b := range tc.body {
				n += len(b)
			}
			got, err := c.Marshal(&outData{fd: tc.fd, body: tc.body, n: n})
			if err != nil {
				t.Fatal(err)
			}
			std := proto.Clone(tc.fd).(*flight.FlightData)
			std.DataBody = bytes.Join(tc.body, nil)
			want, err := proto.Marshal(std)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Materialize(), want) {
				t.Fatalf("wire bytes differ from protobuf's:\n got %q\nwant %q", trunc(got.Materialize()), trunc(want))
			}
			var back flight.FlightData
			if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(want[:len(want)/2]), mem.SliceBuffer(want[len(want)/2:])}, &back); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(&back, std) {
				t.Fatalf("read back %v, want %v", &back, std)
			}
		})
	}
}

func trunc(b []byte) []byte { return b[:min(len(b), 80)] }

// FuzzFlightCodecUnmarshal: any bytes decode to what protobuf decodes, or
// to an error, never a panic.
func FuzzFlightCodecUnmarshal(f *testing.F) {
	seed, _ := proto.Marshal(&flight.FlightData{FlightDescriptor: &flight.FlightDescriptor{Path: []string{"a"}}, DataHeader: []byte("h"), AppMetadata: []byte("1"), DataBody: []byte("body")})
	f.Add(seed)
	f.Add([]byte{0x08, 0x01})
	f.Add([]byte{0xc2, 0x3e, 0xff})
	c := newFlightCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		var got flight.FlightData
		err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, &got)
		var want flight.FlightData
		werr := proto.Unmarshal(b, &want)
		if err == nil && werr == nil && !bytes.Equal(got.DataBody, want.DataBody) {
			t.Fatalf("body %q, protobuf reads %q", got.DataBody, want.DataBody)
		}
	})
}

// BenchmarkTransportEcho sends a 1Mi-row table to an in-process worker and
// back through EchoTask; a CPU profile shows both ends.
func BenchmarkTransportEcho(b *testing.B) {
	c := inProcessCluster(b)
	ctx := context.Background()
	x, _, _ := testTables(1 << 20)
	tb := frameTable(x)
	defer tb.Release()
	calls := []TaskCall{{Inputs: []*physical.Table{tb}}}
	b.SetBytes(2 * tableBytes(tb))
	b.ResetTimer()
	for range b.N {
		out, err := c.RunTask(ctx, EchoTask, nil, calls)
		if err != nil {
			b.Fatal(err)
		}
		releaseTables(out)
	}
}

// inProcessCluster connects to a worker served by this process; both
// stop when the test ends.
func inProcessCluster(tb testing.TB) *Cluster {
	tb.Helper()
	w, err := NewWorker(WorkerConfig{Token: "t"})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx) }()
	c, err := Connect(ctx, Config{Addrs: []string{w.Addr()}, Token: "t"})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close(); cancel(); <-done })
	return c
}
