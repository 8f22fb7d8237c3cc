package clusterbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/cluster"
	"github.com/golab-dev/golab/dataframe/physical"
)

// BatchRows is the row count of the IPC batches IPCBytes writes. The
// cluster transport sends larger batches (a table up to an eighth of the
// worker's memory limit, at most 512 MiB, in one batch; cluster/doc.go);
// the stream bytes differ only in per-batch metadata.
const BatchRows = 64 << 10

// ShuffleTable returns a table of rows rows shaped like shuffled group-by
// data: an int64 key, an int32 and a float64 measure, and a string column
// of short ids (about 28 bytes a row).
func ShuffleTable(mem memory.Allocator, rows int) *physical.Table {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v1", Type: arrow.PrimitiveTypes.Int32},
		{Name: "v3", Type: arrow.PrimitiveTypes.Float64},
		{Name: "id", Type: arrow.BinaryTypes.String},
	}, nil)
	kb := array.NewInt64Builder(mem)
	vb := array.NewInt32Builder(mem)
	fb := array.NewFloat64Builder(mem)
	sb := array.NewStringBuilder(mem)
	defer kb.Release()
	defer vb.Release()
	defer fb.Release()
	defer sb.Release()
	x := uint64(88172645463325252)
	for i := 0; i < rows; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		kb.Append(int64(x % 1_000_003))
		vb.Append(int32(x % 5))
		fb.Append(float64(x%10_000_000) / 1e5)
		sb.Append(fmt.Sprintf("id%03d", x%100))
	}
	return &physical.Table{Schema: schema, Cols: []arrow.Array{kb.NewArray(), vb.NewArray(), fb.NewArray(), sb.NewArray()}, Rows: rows}
}

// IPCBytes returns t as an Arrow IPC stream of BatchRows-row batches: the
// bytes the transport moves for t (less gRPC/Flight framing).
func IPCBytes(t *physical.Table) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(t.Schema))
	for off := 0; off < t.Rows; off += BatchRows {
		end := min(off+BatchRows, t.Rows)
		cols := make([]arrow.Array, len(t.Cols))
		for i, c := range t.Cols {
			cols[i] = array.NewSlice(c, int64(off), int64(end))
		}
		rec := array.NewRecord(t.Schema, cols, int64(end-off))
		err := w.Write(rec)
		rec.Release()
		for _, c := range cols {
			c.Release()
		}
		if err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TransportEcho sends parts (one task each) through the cluster's
// built-in echo task: every part goes to a worker as IPC batches (DoPut)
// and comes back (DoGet). It returns the wall time of the whole round.
func TransportEcho(ctx context.Context, c *cluster.Cluster, parts []*physical.Table) (time.Duration, error) {
	calls := make([]cluster.TaskCall, len(parts))
	for i, p := range parts {
		calls[i] = cluster.TaskCall{Inputs: []*physical.Table{p}}
	}
	t := time.Now()
	outs, err := c.RunTask(ctx, cluster.EchoTask, nil, calls)
	d := time.Since(t)
	if err != nil {
		return d, err
	}
	for i, o := range outs {
		if o.Rows != parts[i].Rows {
			err = fmt.Errorf("clusterbench: echo of part %d: %d rows back, want %d", i, o.Rows, parts[i].Rows)
		}
		o.Release()
	}
	return d, err
}

// LoopbackCopy copies data over a loopback TCP connection n times in
// sequence (io.Copy to the connection, io.Copy to io.Discard on the other
// end) and returns the wall time until the receiver has read everything.
func LoopbackCopy(data []byte, n int) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	type res struct {
		n   int64
		err error
	}
	done := make(chan res, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- res{err: err}
			return
		}
		defer conn.Close()
		m, err := io.Copy(io.Discard, conn)
		done <- res{m, err}
	}()
	t := time.Now()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	for range n {
		if _, err := io.Copy(conn, bytes.NewReader(data)); err != nil {
			conn.Close()
			return 0, err
		}
	}
	conn.Close()
	r := <-done
	d := time.Since(t)
	if r.err != nil {
		return d, r.err
	}
	if r.n != int64(len(data))*int64(n) {
		return d, fmt.Errorf("clusterbench: loopback copy: %d bytes received, want %d", r.n, int64(len(data))*int64(n))
	}
	return d, nil
}

// Split cuts t into n zero-copy slices of about equal rows.
func Split(t *physical.Table, n int) []*physical.Table {
	out := make([]*physical.Table, n)
	for i := range n {
		lo, hi := t.Rows*i/n, t.Rows*(i+1)/n
		cols := make([]arrow.Array, len(t.Cols))
		for j, c := range t.Cols {
			cols[j] = array.NewSlice(c, int64(lo), int64(hi))
		}
		out[i] = &physical.Table{Schema: t.Schema, Cols: cols, Rows: hi - lo}
	}
	return out
}
