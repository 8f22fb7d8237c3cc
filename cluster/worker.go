package cluster

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// tokenHeader is the gRPC metadata key carrying the cluster token.
const tokenHeader = "golab-cluster-token"

// maxMsg bounds one gRPC message (an IPC batch, at most maxBatchBytes).
const maxMsg = 1 << 30

// Transport tuning for bulk Arrow batches, the same on both ends: the
// size of the socket read and write buffers, and the HTTP/2 flow-control
// windows per stream and per connection.
const (
	ioBuffer     = 1 << 20
	streamWindow = 32 << 20
	connWindow   = 64 << 20
)

// slowStop: a task that takes longer than this to end after its ctx is
// cancelled is logged (cancellation must stop jobs within a second).
const slowStop = 200 * time.Millisecond

// WorkerConfig configures a worker.
type WorkerConfig struct {
	// Listen is the address to listen on (default "127.0.0.1:0": loopback,
	// a free port).
	Listen string
	// Memory is the memory limit in bytes (0: no limit). It sets
	// GOMEMLIMIT and limits the worker's Arrow allocator.
	Memory int64
	// Cores sets GOMAXPROCS and the parallelism of tasks (0: all cores).
	Cores int
	// Token is the cluster token every request must carry (required).
	Token string
	// TLSCertFile and TLSKeyFile are a PEM certificate and its key; when
	// set, the worker accepts only TLS connections (coordinators then
	// need Config.TLSCAFile). Default: plaintext.
	TLSCertFile string
	TLSKeyFile  string
	// TLSClientCAFiles, when set (with a certificate), are PEM files of
	// the CAs that must have signed every caller's certificate (mutual
	// TLS). The worker shows its own certificate when it calls its peers.
	TLSClientCAFiles []string
	// SpillDir is where kept task outputs go when they do not fit in
	// Memory (default: the system's temporary directory).
	SpillDir string
	// Log receives one line per notable event (default: discarded).
	Log io.Writer
}

// Worker serves tasks over Arrow Flight. Create it with NewWorker, run it
// with Serve; Serve returns when ctx is cancelled.
type Worker struct {
	cfg   WorkerConfig
	alloc *LimitAllocator
	lis   net.Listener
	srv   *grpc.Server

	running atomic.Int64
	done    atomic.Int64
	spilled atomic.Int64 // outputs written to disk (spill.go)
	// peerCerts is the certificate the worker shows its peers (mutual TLS).
	peerCerts []tls.Certificate

	mu struct {
		sync.Mutex
		inputs  map[string]stored // "job/name" -> uploaded table
		outputs map[string]stored // "job/output" -> kept task output (shuffle.go)
		peers   map[string]*workerClient
		tasks   map[string]context.CancelCauseFunc
		spill   string // spill directory, once made
	}
}

// NewWorker listens on cfg.Listen; Addr reports the bound address.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: a worker needs a cluster token (--token-file)", ErrConfig)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Memory > 0 {
		debug.SetMemoryLimit(cfg.Memory)
	}
	if cfg.Cores > 0 {
		runtime.GOMAXPROCS(cfg.Cores)
	}
	tlsCfg, err := serverTLS(cfg.TLSCertFile, cfg.TLSKeyFile, cfg.TLSClientCAFiles)
	if err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("cluster: worker listen on %s: %w", cfg.Listen, err)
	}
	w := &Worker{cfg: cfg, alloc: NewLimitAllocator(memory.NewGoAllocator(), cfg.Memory), lis: lis}
	if tlsCfg != nil {
		w.peerCerts = tlsCfg.Certificates
	}
	w.mu.inputs = map[string]stored{}
	w.mu.outputs = map[string]stored{}
	w.mu.peers = map[string]*workerClient{}
	w.mu.tasks = map[string]context.CancelCauseFunc{}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMsg), grpc.MaxSendMsgSize(maxMsg),
		grpc.WriteBufferSize(ioBuffer), grpc.ReadBufferSize(ioBuffer), grpc.ForceServerCodecV2(newFlightCodec()), experimental.BufferPool(dirtyFrames),
		grpc.InitialWindowSize(streamWindow), grpc.InitialConnWindowSize(connWindow),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := w.authorize(ctx); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
			if err := w.authorize(ss.Context()); err != nil {
				return err
			}
			defer func() {
				if r := recover(); r != nil {
					w.logf("request panicked: %v\n%s", r, debug.Stack())
					err = status.Errorf(codes.Internal, "golab worker: internal error: %v", r)
				}
			}()
			return h(srv, ss)
		}),
	}
	if tlsCfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsCfg)))
	}
	w.srv = grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(w.srv, &flightService{w: w})
	return w, nil
}

// Addr is the address the worker listens on.
func (w *Worker) Addr() string { return w.lis.Addr().String() }

// Serve answers requests until ctx is cancelled, then stops (cancelling
// running tasks) and frees stored inputs.
func (w *Worker) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- w.srv.Serve(w.lis) }()
	select {
	case <-ctx.Done():
		w.srv.Stop()
		<-errc
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("cluster: worker: %w", err)
		}
	}
	w.mu.Lock()
	for _, m := range []map[string]stored{w.mu.inputs, w.mu.outputs} {
		for k, t := range m {
			w.free(t)
			delete(m, k)
		}
	}
	for k, c := range w.mu.peers {
		c.conn.Close()
		delete(w.mu.peers, k)
	}
	if w.mu.spill != "" {
		os.RemoveAll(w.mu.spill)
		w.mu.spill = ""
	}
	w.mu.Unlock()
	return nil
}

// stored is an uploaded input and the bytes charged for it.
type stored struct {
	t     *physical.Table
	bytes int64
	path  string // a spilled output (t is nil): its IPC file
}

func (w *Worker) free(s stored) {
	if s.path != "" {
		os.Remove(s.path)
		return
	}
	s.t.Release()
	w.alloc.Uncharge(s.bytes)
}

func tableBytes(t *physical.Table) int64 {
	var n int64
	var rec func(d arrow.ArrayData)
	rec = func(d arrow.ArrayData) {
		if ad, ok := d.(*array.Data); d == nil || (ok && ad == nil) {
			return
		}
		for _, b := range d.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		for _, c := range d.Children() {
			rec(c)
		}
		if dict := d.Dictionary(); dict != nil {
			rec(dict)
		}
	}
	for _, c := range t.Cols {
		rec(c.Data())
	}
	return n
}

func (w *Worker) logf(format string, args ...any) {
	fmt.Fprintf(w.cfg.Log, "%s golab worker %s: %s\n", time.Now().UTC().Format(time.RFC3339), w.Addr(), fmt.Sprintf(format, args...))
}

func (w *Worker) authorize(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	got := md.Get(tokenHeader)
	if len(got) != 1 || subtle.ConstantTimeCompare([]byte(got[0]), []byte(w.cfg.Token)) != 1 {
		w.logf("refused a request with a wrong or missing token")
		return status.Error(codes.Unauthenticated, "golab worker: wrong or missing cluster token; pass the worker's --token-file contents (cluster.Config.TokenFile)")
	}
	return nil
}

// workerInfo is the answer to the hello and status actions.
type workerInfo struct {
	Build   string   `json:"build"`
	PID     int      `json:"pid"`
	Cores   int      `json:"cores"`
	Limit   int64    `json:"limit"`
	Used    int64    `json:"used"`
	Running int64    `json:"running"`
	Done    int64    `json:"done"`
	Inputs  int      `json:"inputs"`
	Spilled int64    `json:"spilled,omitempty"`
	Tasks   []string `json:"tasks,omitempty"`
}

func (w *Worker) info() workerInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	in := workerInfo{Build: Build(), PID: os.Getpid(), Cores: runtime.GOMAXPROCS(0), Limit: w.alloc.Limit(),
		Used: w.alloc.Used(), Running: w.running.Load(), Done: w.done.Load(), Inputs: len(w.mu.inputs), Spilled: w.spilled.Load()}
	for id := range w.mu.tasks {
		in.Tasks = append(in.Tasks, id)
	}
	return in
}

// taskSpec is a DoGet ticket: run Plan (or the registered Func) over the
// uploaded Inputs and stream the result, hash-partitioned into Buckets by
// HashBy when Buckets > 1.
type taskSpec struct {
	Job     string          `json:"job"`
	ID      string          `json:"id"`
	Inputs  []string        `json:"inputs"`          // uploaded input keys
	Names   []string        `json:"names,omitempty"` // the plan's names for them
	Plan    *nodeJSON       `json:"plan,omitempty"`
	Func    string          `json:"func,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	HashBy  []string        `json:"hash_by,omitempty"`
	Buckets int             `json:"buckets,omitempty"`
	// Range, when set, partitions the output by the range of sort keys
	// (Buckets = len(Range.Bounds)+1) instead of by hash.
	Range *rangeSpec `json:"range,omitempty"`
	// SplitName is an input the worker reads itself from Splits (files or
	// row groups of a shared path).
	SplitName string       `json:"split_name,omitempty"`
	Splits    []plan.Split `json:"splits,omitempty"`
	// Pieces, aligned with Inputs, lists for an input the pieces the
	// worker fetches from its peers (and itself) instead of an upload;
	// PeerTLS says how to dial them. Keep stores the output buckets on
	// the worker and answers only their sizes. Fetch names a kept output
	// to send (no task runs). See shuffle.go.
	Pieces  [][]pieceRef `json:"pieces,omitempty"`
	PeerTLS *peerTLS     `json:"peer_tls,omitempty"`
	Keep    bool         `json:"keep,omitempty"`
	Fetch   string       `json:"fetch,omitempty"`
}

func inputKey(job, name string) string { return job + "/" + name }

type flightService struct {
	flight.BaseFlightServer
	w *Worker
}

func (s *flightService) DoAction(a *flight.Action, stream flight.FlightService_DoActionServer) error {
	w := s.w
	switch a.Type {
	case "hello":
		if !compatibleBuilds(string(a.Body), Build()) {
			return status.Errorf(codes.FailedPrecondition, "golab worker runs build %q but the coordinator runs %q; start workers from the same golab binary as the kernel", Build(), a.Body)
		}
		fallthrough
	case "status":
		return stream.Send(&flight.Result{Body: marshal(w.info())})
	case "free":
		var req freeRequest
		if err := json.Unmarshal(a.Body, &req); err != nil {
			return status.Errorf(codes.InvalidArgument, "golab worker: free: %v", err)
		}
		w.freeOutputs(req)
		return nil
	case "drop":
		prefix := string(a.Body) + "/"
		w.mu.Lock()
		for _, m := range []map[string]stored{w.mu.inputs, w.mu.outputs} {
			for k, t := range m {
				if strings.HasPrefix(k, prefix) {
					w.free(t)
					delete(m, k)
				}
			}
		}
		for id, cancel := range w.mu.tasks {
			if strings.HasPrefix(id, prefix) {
				cancel(context.Canceled)
			}
		}
		w.mu.Unlock()
		return nil
	}
	return status.Errorf(codes.InvalidArgument, "golab worker: unknown action %q", a.Type)
}

// DoPut stores an uploaded task input under descriptor path [job, name].
func (s *flightService) DoPut(stream flight.FlightService_DoPutServer) error {
	w := s.w
	tr, err := newTableReader(stream.RecvMsg, memory.DefaultAllocator)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "golab worker: read upload: %v", err)
	}
	defer tr.release()
	d := tr.descriptor()
	if d == nil || len(d.Path) != 2 {
		return status.Error(codes.InvalidArgument, "golab worker: upload needs a descriptor path [job, name]")
	}
	key := inputKey(d.Path[0], d.Path[1])
	// The received bytes count against the limit as they arrive (they
	// are copied out of the message buffers, which are reused, into the
	// table's own buffers).
	var charged int64
	defer func() { w.alloc.Uncharge(charged) }()
	ts, err := tr.readAll(1, func(r arrow.RecordBatch) error {
		n := tableBytes(&physical.Table{Cols: r.Columns()})
		if err := w.alloc.Charge(n); err != nil {
			w.logf("refused upload %s: %v", key, err)
			return status.Error(codes.ResourceExhausted, err.Error())
		}
		charged += n
		return nil
	})
	if err != nil {
		if _, ok := status.FromError(err); ok {
			return err
		}
		return status.Errorf(codes.Unavailable, "golab worker: upload %s: %v", key, err)
	}
	t := ts[0]
	w.mu.Lock()
	if old, ok := w.mu.inputs[key]; ok {
		w.free(old)
	}
	w.mu.inputs[key] = stored{t: t, bytes: charged}
	charged = 0 // now owned by the stored input
	w.mu.Unlock()
	return nil
}

// DoGet runs a task and streams its result.
func (s *flightService) DoGet(tk *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	w := s.w
	var spec taskSpec
	if err := json.Unmarshal(tk.Ticket, &spec); err != nil {
		return status.Errorf(codes.InvalidArgument, "golab worker: bad task ticket: %v", err)
	}
	if spec.Fetch != "" {
		return w.sendOutput(&spec, stream)
	}
	id := inputKey(spec.Job, spec.ID)
	ctx, cancel := context.WithCancelCause(stream.Context())
	defer cancel(nil)
	w.mu.Lock()
	w.mu.tasks[id] = cancel
	inputs := make([]*physical.Table, len(spec.Inputs))
	held := make([]stored, 0, len(spec.Inputs))
	var missing []string
	for i, name := range spec.Inputs {
		if i < len(spec.Pieces) && spec.Pieces[i] != nil {
			continue // fetched below
		}
		k := inputKey(spec.Job, name)
		s, ok := w.mu.inputs[k]
		delete(w.mu.inputs, k) // inputs are single-use; the task owns them now
		if !ok {
			missing = append(missing, name)
			continue
		}
		inputs[i] = s.t
		held = append(held, s)
	}
	w.mu.Unlock()
	w.running.Add(1)
	var cancelled atomic.Int64 // when ctx ended (unix ns), to report slow stops
	stopWatch := context.AfterFunc(ctx, func() { cancelled.Store(time.Now().UnixNano()) })
	defer func() {
		stopWatch()
		if at := cancelled.Load(); at != 0 {
			if d := time.Since(time.Unix(0, at)); d > slowStop {
				w.logf("task %s took %v to stop after it was cancelled (an operator checks ctx too rarely)", id, d.Round(time.Millisecond))
			}
		}
		w.running.Add(-1)
		w.done.Add(1)
		w.mu.Lock()
		delete(w.mu.tasks, id)
		w.mu.Unlock()
		for _, s := range held {
			w.free(s)
		}
	}()
	if len(missing) > 0 {
		return status.Errorf(codes.FailedPrecondition, "golab worker: task %s: inputs %v were not uploaded", spec.ID, missing)
	}
	for i, refs := range spec.Pieces {
		if refs == nil || i >= len(inputs) {
			continue
		}
		t, charged, err := w.fetchInput(ctx, &spec, refs)
		if err != nil {
			if _, ok := status.FromError(err); !ok {
				err = taskStatus(err)
			}
			return err
		}
		inputs[i] = t
		held = append(held, stored{t: t, bytes: charged})
	}
	mem := &taskAllocator{LimitAllocator: w.alloc, cancel: cancel}
	defer mem.finish() // runs after the output below is released
	ctx = exec.WithAllocator(ctx, mem)
	out, err := w.runTask(ctx, &spec, inputs, mem)
	if err != nil {
		if c := context.Cause(ctx); c != nil && errors.Is(c, ErrMemoryLimit) {
			err = c
		}
		w.logf("task %s failed: %v", id, err)
		return taskStatus(err)
	}
	defer releaseTables(out)
	wr, rs := newRecordSender(stream, out[0].Schema, nil, ipc.WithAllocator(w.alloc))
	if spec.Keep {
		// Only the sizes go back: an empty batch per bucket whose
		// metadata gives the bucket's rows.
		if err := w.keep(&spec, out); err != nil {
			return err
		}
		for b, t := range out {
			empty := sliceTable(t, 0, 0)
			rec := array.NewRecordBatch(t.Schema, empty.Cols, 0)
			err := writeRecord(wr, rs, rec, batchMeta{bucket: b, rows: int64(t.Rows)}.encode())
			rec.Release()
			empty.Release()
			if err != nil {
				wr.Close()
				return status.Errorf(codes.Unavailable, "golab worker: send sizes of %s: %v", spec.ID, err)
			}
		}
		return wr.Close()
	}
	for b, t := range out {
		if err := sendTable(wr, rs, t, b, maxBatchBytes); err != nil {
			wr.Close()
			return status.Errorf(codes.Unavailable, "golab worker: send result of %s: %v", spec.ID, err)
		}
	}
	return wr.Close()
}

// sendOutput streams the kept output spec.Fetch of spec.Job to a peer.
func (w *Worker) sendOutput(spec *taskSpec, stream flight.FlightService_DoGetServer) error {
	w.mu.Lock()
	s, ok := w.mu.outputs[inputKey(spec.Job, spec.Fetch)]
	var t *physical.Table
	if ok && s.path == "" {
		t = retainTable(s.t)
	}
	w.mu.Unlock()
	if !ok {
		return status.Errorf(codes.NotFound, "golab worker: no output %s of job %s here (the job ended, or this worker restarted)", spec.Fetch, spec.Job)
	}
	if s.path != "" {
		return w.sendSpilled(s.path, spec.Fetch, stream)
	}
	defer t.Release()
	wr, rs := newRecordSender(stream, t.Schema, nil, ipc.WithAllocator(w.alloc))
	if err := sendTable(wr, rs, t, 0, maxBatchBytes); err != nil {
		wr.Close()
		return status.Errorf(codes.Unavailable, "golab worker: send output %s: %v", spec.Fetch, err)
	}
	return wr.Close()
}

// runTask returns one table, or Buckets tables when the task partitions
// its output.
func (w *Worker) runTask(ctx context.Context, spec *taskSpec, inputs []*physical.Table, mem memory.Allocator) (out []*physical.Table, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cluster: task %s panicked: %v", spec.ID, r)
		}
	}()
	var res *physical.Table
	if spec.Func != "" {
		res, err = runRegistered(ctx, spec.Func, spec.Params, inputs, mem)
	} else {
		srcs := map[string]plan.Source{}
		if len(spec.Names) != len(inputs) {
			return nil, fmt.Errorf("%w: task %s has %d inputs but %d input names", ErrProtocol, spec.ID, len(inputs), len(spec.Names))
		}
		for i, name := range spec.Names {
			srcs[name] = &inputSource{name: name, t: inputs[i]}
		}
		if spec.SplitName != "" {
			src, err := plan.OpenSplits(spec.Splits)
			if err != nil {
				return nil, pathHint(err)
			}
			srcs[spec.SplitName] = &splitSource{Source: src}
		}
		var n plan.Node
		if n, err = decodeNode(spec.Plan, srcs); err != nil {
			return nil, err
		}
		res, err = exec.Local{Workers: runtime.GOMAXPROCS(0)}.Execute(ctx, n)
	}
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		res.Release()
		return nil, context.Cause(ctx)
	}
	if spec.Buckets <= 1 {
		return []*physical.Table{res}, nil
	}
	defer res.Release()
	if spec.Range != nil {
		if len(spec.Range.Bounds)+1 != spec.Buckets {
			return nil, fmt.Errorf("%w: task %s: %d range bounds for %d buckets", ErrProtocol, spec.ID, len(spec.Range.Bounds), spec.Buckets)
		}
		return rangePartition(ctx, mem, res, spec.Range)
	}
	return hashPartition(ctx, mem, res, spec.HashBy, spec.Buckets)
}

// errKinds maps sentinels to the names they travel under.
var errKinds = []struct {
	name string
	err  error
}{
	{"column_not_found", expr.ErrColumnNotFound},
	{"schema_mismatch", expr.ErrSchemaMismatch},
	{"type_mismatch", expr.ErrTypeMismatch},
	{"invalid_argument", expr.ErrInvalidArgument},
	{"parse", expr.ErrParse},
	{"unsupported", expr.ErrUnsupported},
	{"duplicate_column", expr.ErrDuplicateColumn},
	{"memory_limit", ErrMemoryLimit},
	{"unknown_task", ErrUnknownTask},
	{"protocol", ErrProtocol},
}

const kindKey = "golab-error-kind"

// taskStatus turns a task error into a gRPC status: deterministic errors
// (the plan is wrong) are FailedPrecondition, which the coordinator does
// not retry; the error's sentinel travels in the trailer.
func taskStatus(err error) error {
	code := codes.FailedPrecondition
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		code = codes.Canceled
	case errors.Is(err, ErrMemoryLimit):
		code = codes.ResourceExhausted
	}
	st := status.New(code, err.Error())
	for _, k := range errKinds {
		if errors.Is(err, k.err) {
			if d, e := st.WithDetails(&flight.Result{Body: []byte(kindKey + "=" + k.name)}); e == nil {
				st = d
			}
			break
		}
	}
	return st.Err()
}

// errorFromStatus restores the sentinel of a task error.
func errorFromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		r, ok := d.(*flight.Result)
		if !ok {
			continue
		}
		name, found := strings.CutPrefix(string(r.Body), kindKey+"=")
		if !found {
			continue
		}
		for _, k := range errKinds {
			if k.name == name {
				msg := st.Message()
				// The message already starts with the sentinel's text.
				msg = strings.TrimPrefix(strings.TrimPrefix(msg, k.err.Error()), ": ")
				return fmt.Errorf("%w: %s", k.err, msg)
			}
		}
	}
	return err
}

// splitSource is a scan's share a worker reads itself; a path it cannot
// read gets a hint.
type splitSource struct{ plan.Source }

func (s *splitSource) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	cols, n, err := s.Source.Scan(ctx, mem, req)
	return cols, n, pathHint(err)
}

// pathHint explains a missing or unreadable file of a split scan.
func pathHint(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w (workers read their share of a file scan themselves, so the path must be readable on every worker, e.g. a shared directory; set cluster.Config.ScanOnCoordinator to read files on the coordinator instead)", err)
	}
	return err
}
