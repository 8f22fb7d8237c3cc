package cluster

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/golab-dev/golab/dataframe/physical"
)

// tokenCreds attaches the cluster token to every call.
type tokenCreds string

func (t tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{tokenHeader: string(t)}, nil
}
func (tokenCreds) RequireTransportSecurity() bool { return false }

// workerClient is the coordinator's connection to one worker.
type workerClient struct {
	addr string
	conn *grpc.ClientConn
	fc   flight.FlightServiceClient
	info workerInfo // from the hello handshake
}

// dial connects to addr and checks token and build with the hello action.
// tlsCfg nil means plaintext.
func dial(ctx context.Context, addr, token string, tlsCfg *tls.Config) (*workerClient, error) {
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = credentials.NewTLS(tlsCfg)
	}
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(creds),
		grpc.WithPerRPCCredentials(tokenCreds(token)),
		// Notice a host that vanished without closing connections (cut
		// link, power loss) within ~15 s instead of waiting for TaskTimeout.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 5 * time.Second, PermitWithoutStream: true}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg), grpc.ForceCodecV2(newFlightCodec())),
		// Bulk transfer: large socket buffers (fewer syscalls) and fixed
		// large flow-control windows (no stalls while the BDP estimator
		// grows them).
		grpc.WithWriteBufferSize(ioBuffer), grpc.WithReadBufferSize(ioBuffer),
		grpc.WithInitialWindowSize(streamWindow), grpc.WithInitialConnWindowSize(connWindow),
		experimental.WithBufferPool(dirtyFrames))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, addr, err)
	}
	c := &workerClient{addr: addr, conn: conn, fc: flight.NewFlightServiceClient(conn)}
	info, err := c.action(ctx, "hello", []byte(Build()))
	if err != nil {
		conn.Close()
		if tlsCfg != nil && errors.Is(err, ErrUnreachable) {
			// With TLS 1.3 a worker refuses a client certificate after
			// the handshake, so the call may only see a closed
			// connection; a handshake of our own reads the reason.
			if perr := probeTLS(ctx, addr, tlsCfg); perr != nil {
				err = fmt.Errorf("%w (TLS: %v)", err, perr)
			}
		}
		return nil, explainTLS(err, addr, tlsCfg)
	}
	c.info = info
	return c, nil
}

func (c *workerClient) close() error { return c.conn.Close() }

// wrap turns a gRPC error into a cluster error naming the worker.
func (c *workerClient) wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	switch status.Code(err) {
	case codes.Unauthenticated:
		return fmt.Errorf("%w: worker %s refused %s: %s", ErrUnauthenticated, c.addr, what, status.Convert(err).Message())
	case codes.FailedPrecondition:
		if what == "hello" {
			return fmt.Errorf("%w: worker %s: %s", ErrVersionMismatch, c.addr, status.Convert(err).Message())
		}
	case codes.ResourceExhausted:
		msg := strings.TrimPrefix(strings.TrimPrefix(status.Convert(err).Message(), ErrMemoryLimit.Error()), ": ")
		return fmt.Errorf("%w on %s (%s): %s", ErrMemoryLimit, c.addr, what, msg)
	case codes.Unimplemented, codes.Internal, codes.Unknown:
		if what == "hello" {
			return fmt.Errorf("%w: %s does not answer like a golab worker: %s", ErrUnreachable, c.addr, status.Convert(err).Message())
		}
	case codes.Unavailable:
		return fmt.Errorf("%w: %s: %s: %s", ErrUnreachable, c.addr, what, status.Convert(err).Message())
	case codes.DeadlineExceeded:
		return fmt.Errorf("%w: %s did not answer %s in time: %v", ErrUnreachable, c.addr, what, err)
	}
	return errorFromStatus(err)
}

func (c *workerClient) action(ctx context.Context, typ string, body []byte) (workerInfo, error) {
	var info workerInfo
	st, err := c.fc.DoAction(ctx, &flight.Action{Type: typ, Body: body})
	if err != nil {
		return info, c.wrap(err, typ)
	}
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return info, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return info, ctx.Err()
			}
			return info, c.wrap(err, typ)
		}
		if err := json.Unmarshal(r.Body, &info); err != nil {
			return info, fmt.Errorf("%w: %s answered %s with %q", ErrProtocol, c.addr, typ, r.Body)
		}
	}
}

// upload stores t on the worker as input name of job.
func (c *workerClient) upload(ctx context.Context, job, name string, t *physical.Table) error {
	st, err := c.fc.DoPut(ctx)
	if err != nil {
		return c.wrap(err, "upload")
	}
	wr, rs := newRecordSender(st, t.Schema, &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{job, name}})
	err = sendTable(wr, rs, t, 0, batchBytesFor(c.info.Limit))
	if cerr := wr.Close(); err == nil {
		err = cerr
	}
	if cerr := st.CloseSend(); err == nil {
		err = cerr
	}
	if err == nil || errors.Is(err, io.EOF) {
		// Wait for the worker's verdict.
		for {
			if _, err = st.Recv(); err != nil {
				break
			}
		}
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return c.wrap(err, "upload")
}

// run runs a task and returns its result, one table per bucket
// (max(1, spec.Buckets) tables).
func (c *workerClient) run(ctx context.Context, spec *taskSpec, mem memory.Allocator) ([]*physical.Table, error) {
	st, err := c.fc.DoGet(ctx, &flight.Ticket{Ticket: marshal(spec)})
	if err != nil {
		return nil, c.wrap(err, "task "+spec.ID)
	}
	nb := max(1, spec.Buckets)
	tr, err := newTableReader(st.RecvMsg, mem)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.wrap(unwrapStatus(err), "task "+spec.ID)
	}
	defer tr.release()
	out, err := tr.readAll(nb, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrProtocol) {
			return nil, fmt.Errorf("task %s: %w", spec.ID, err)
		}
		return nil, c.wrap(unwrapStatus(err), "task "+spec.ID)
	}
	return out, nil
}

// unwrapStatus finds a gRPC status inside an error the IPC reader wrapped.
func unwrapStatus(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if _, ok := status.FromError(e); ok {
			if s, _ := status.FromError(e); s.Code() != codes.Unknown {
				return e
			}
		}
	}
	return err
}

// fetch reads the kept output key of job from the worker.
func (c *workerClient) fetch(ctx context.Context, job, key string, mem memory.Allocator) ([]*physical.Table, error) {
	st, err := c.fc.DoGet(ctx, &flight.Ticket{Ticket: marshal(&taskSpec{Job: job, ID: "fetch", Fetch: key})})
	if err != nil {
		return nil, c.wrap(err, "fetch "+key)
	}
	tr, err := newTableReader(st.RecvMsg, mem)
	if err != nil {
		return nil, c.wrap(unwrapStatus(err), "fetch "+key)
	}
	defer tr.release()
	out, err := tr.readAll(1, nil)
	if err != nil {
		return nil, c.wrap(unwrapStatus(err), "fetch "+key)
	}
	return out, nil
}

// runKeep runs a task that keeps its output buckets on the worker and
// returns stubs of them: tables with the buckets' schema and row counts
// and no columns.
func (c *workerClient) runKeep(ctx context.Context, spec *taskSpec) ([]*physical.Table, error) {
	st, err := c.fc.DoGet(ctx, &flight.Ticket{Ticket: marshal(spec)})
	if err != nil {
		return nil, c.wrap(err, "task "+spec.ID)
	}
	nb := max(1, spec.Buckets)
	fail := func(err error) ([]*physical.Table, error) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, c.wrap(unwrapStatus(err), "task "+spec.ID)
	}
	tr, err := newTableReader(st.RecvMsg, memory.DefaultAllocator)
	if err != nil {
		return fail(err)
	}
	defer tr.release()
	out := make([]*physical.Table, nb)
	for tr.rdr.Next() {
		m, err := parseBatchMeta(tr.mr.meta, nb)
		if err != nil || m.rows < 0 || out[m.bucket] != nil {
			return nil, fmt.Errorf("%w: task %s: sizes of a kept output: metadata %q", ErrProtocol, spec.ID, tr.mr.meta)
		}
		out[m.bucket] = &physical.Table{Schema: tr.rdr.Schema(), Rows: int(m.rows)}
	}
	if err := tr.rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fail(err)
	}
	for b, t := range out {
		if t == nil {
			return nil, fmt.Errorf("%w: task %s kept no bucket %d", ErrProtocol, spec.ID, b)
		}
	}
	return out, nil
}
