package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/golab-dev/golab/dataframe/physical"
)

// This file is the worker-to-worker shuffle. A task of a hash or range
// exchange keeps its output buckets on its worker (taskSpec.Keep) and
// tells the coordinator only their row counts. The coordinator stands a
// stub table (Rows and Schema, no columns) for each bucket and records
// where its pieces are (remotePiece). A task of the next stage gets the
// pieces' addresses instead of uploaded inputs (taskSpec.Pieces) and its
// worker fetches them from the producing workers (a DoGet with
// taskSpec.Fetch; pieces on the worker itself are read in place), so
// shuffled data crosses the network once and never through the
// coordinator. The coordinator keeps what every producing task read
// until the job ends: when a worker dies, a task whose inputs lived there
// fails with a "lost input" error, the coordinator runs the producing
// tasks again on live workers, and the task is retried.

// pieceRef is where a worker finds one piece of an input.
type pieceRef struct {
	Job   string `json:"job"` // the namespace of the producer's outputs
	Addr  string `json:"addr"`
	Key   string `json:"key"`             // the producer's output name
	Local bool   `json:"local,omitempty"` // on the worker that runs the task
}

// outputName is the name a kept output bucket is stored under.
func outputName(specID string, bucket int) string {
	return specID + ".b" + strconv.Itoa(bucket)
}

// lostMarker starts the message of a task that could not fetch an input
// piece; the address of the worker that held it follows, then ";".
const lostMarker = "lost input piece on "

// errInputLost is the status a worker answers when it cannot fetch a
// piece from addr.
func errInputLost(task, addr, key string, err error) error {
	return status.Errorf(codes.Aborted, "golab worker: task %s: %s%s; piece %s: %v", task, lostMarker, addr, key, err)
}

// lostAddr returns the address in an input-lost error, or "".
func lostAddr(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	i := strings.Index(msg, lostMarker)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(lostMarker):]
	if j := strings.IndexByte(rest, ';'); j >= 0 {
		return rest[:j]
	}
	return ""
}

// peerTLS is what a worker needs to dial its peers over TLS: the CA the
// coordinator trusts (PEM) and the server name it checks.
type peerTLS struct {
	CA         []byte `json:"ca"`
	ServerName string `json:"server_name,omitempty"`
}

// peer returns a connection to another worker, dialled once.
func (w *Worker) peer(ctx context.Context, addr string, pt *peerTLS) (*workerClient, error) {
	w.mu.Lock()
	c, ok := w.mu.peers[addr]
	w.mu.Unlock()
	if ok {
		return c, nil
	}
	var cfg *tls.Config
	if pt != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pt.CA) {
			return nil, fmt.Errorf("%w: the peer CA holds no PEM certificate", ErrProtocol)
		}
		cfg = &tls.Config{RootCAs: pool, ServerName: pt.ServerName, MinVersion: tls.VersionTLS12, Certificates: w.peerCerts}
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := dial(dctx, addr, w.cfg.Token, cfg)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.mu.peers[addr]; ok {
		c.conn.Close()
		return old, nil
	}
	w.mu.peers[addr] = c
	return c, nil
}

// dropPeer forgets a connection that failed. It closes it a little later:
// other fetches may still be reading from it.
func (w *Worker) dropPeer(addr string, c *workerClient) {
	w.mu.Lock()
	if w.mu.peers[addr] == c {
		delete(w.mu.peers, addr)
	}
	w.mu.Unlock()
	time.AfterFunc(30*time.Second, func() { c.conn.Close() })
}

// fetchInput assembles one input of spec from its pieces, in order,
// charging its bytes to the worker's limit (the caller uncharges).
func (w *Worker) fetchInput(ctx context.Context, spec *taskSpec, refs []pieceRef) (_ *physical.Table, charged int64, err error) {
	parts := make([]*physical.Table, len(refs))
	defer func() { releaseTables(parts) }()

	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	for i, r := range refs {
		if r.Local {
			w.mu.Lock()
			s, ok := w.mu.outputs[inputKey(r.Job, r.Key)]
			if ok && s.path == "" {
				parts[i] = retainTable(s.t)
			}
			w.mu.Unlock()
			if !ok {
				return nil, 0, errInputLost(spec.ID, r.Addr, r.Key, errors.New("not on this worker"))
			}
			if s.path != "" {
				t, err := readSpilled(s.path)
				if err != nil {
					return nil, 0, errInputLost(spec.ID, r.Addr, r.Key, err)
				}
				parts[i] = t
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := w.peer(ctx, r.Addr, spec.PeerTLS)
			if err == nil {
				var ts []*physical.Table
				ts, err = c.fetch(ctx, r.Job, r.Key, memory.DefaultAllocator)
				if err == nil {
					parts[i] = ts[0]
				} else if ctx.Err() == nil && errors.Is(err, ErrUnreachable) {
					w.dropPeer(r.Addr, c)
				}
			}
			if err != nil && ctx.Err() == nil {
				err = errInputLost(spec.ID, r.Addr, r.Key, err)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return nil, 0, context.Cause(ctx)
		}
		for _, e := range errs {
			if e != nil {
				return nil, 0, e
			}
		}
	}
	for _, p := range parts {
		n := tableBytes(p)
		if err := w.alloc.Charge(n); err != nil {
			w.alloc.Uncharge(charged)
			return nil, 0, status.Error(codes.ResourceExhausted, err.Error())
		}
		charged += n
	}
	var schema *arrow.Schema
	if len(parts) > 0 {
		schema = parts[0].Schema
	}
	t, err := concatTables(memory.DefaultAllocator, schema, parts)
	if err != nil {
		w.alloc.Uncharge(charged)
		return nil, 0, err
	}
	return t, charged, nil
}

// keep stores out (one table per bucket) as the outputs of spec, charged
// to the worker's limit until the job is dropped.
// When they do not fit, they are spilled to disk (spill.go).
func (w *Worker) keep(spec *taskSpec, out []*physical.Table) error {
	var total int64
	for _, t := range out {
		total += tableBytes(t)
	}
	kept := make([]stored, len(out))
	// Kept outputs may use 60% of the limit; the rest stays for uploads
	// and running tasks.
	err := fmt.Errorf("%w: kept outputs would pass 60%% of the %s limit", ErrMemoryLimit, FormatBytes(w.alloc.Limit()))
	if lim := w.alloc.Limit(); lim <= 0 || w.alloc.Used()+total <= lim*6/10 {
		err = w.alloc.Charge(total)
	}
	if err == nil {
		for b, t := range out {
			kept[b] = stored{t: retainTable(t), bytes: tableBytes(t)}
		}
	} else {
		w.logf("task %s: spilling its output (%s) to disk: %v", spec.ID, FormatBytes(total), err)
		for b, t := range out {
			path, err := w.spillFile(spec.Job+"."+outputName(spec.ID, b), t)
			if err != nil {
				for _, s := range kept[:b] {
					w.free(s)
				}
				return status.Errorf(codes.ResourceExhausted, "golab worker: task %s: its output does not fit in memory and could not be spilled: %v", spec.ID, err)
			}
			kept[b] = stored{path: path}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for b, s := range kept {
		w.mu.outputs[inputKey(spec.Job, outputName(spec.ID, b))] = s
	}
	return nil
}

// producerRun is where the outputs of one keep-mode task live: the task
// (to run it again), the worker and the attempt whose output names the
// buckets carry, under the namespace job (the job's id, or a cache's).
// mu serializes re-runs.
type producerRun struct {
	mu     sync.Mutex
	job    string
	t      *task
	w      *workerState
	specID string
}

func (r *producerRun) where() (*workerState, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.w, r.specID
}

// remotePiece is one bucket of a producer's output.
type remotePiece struct {
	run    *producerRun
	bucket int
	rows   int
}

// stub returns a table standing for the concatenation of pieces; it
// holds no columns.
func (j *job) stub(schema *arrow.Schema, pieces []*remotePiece) *physical.Table {
	t := &physical.Table{Schema: schema}
	for _, p := range pieces {
		t.Rows += p.rows
	}
	j.remoteMu.Lock()
	defer j.remoteMu.Unlock()
	if j.remote == nil {
		j.remote = map[*physical.Table][]*remotePiece{}
	}
	j.remote[t] = pieces
	return t
}

// piecesOf returns the pieces t stands for, or nil when t holds its data.
func (j *job) piecesOf(t *physical.Table) []*remotePiece {
	j.remoteMu.Lock()
	defer j.remoteMu.Unlock()
	return j.remote[t]
}

// hasStubs reports whether any table of ts is a stub.
func (j *job) hasStubs(ts []*physical.Table) bool {
	for _, t := range ts {
		if j.piecesOf(t) != nil {
			return true
		}
	}
	return false
}

// refs returns the references a task running on w uses for pieces.
func refs(pieces []*remotePiece, w *workerState) []pieceRef {
	out := make([]pieceRef, len(pieces))
	for i, p := range pieces {
		pw, specID := p.run.where()
		out[i] = pieceRef{Job: p.run.job, Addr: pw.c.addr, Key: outputName(specID, p.bucket), Local: pw == w}
	}
	return out
}

// maxRecoveries bounds how often one task waits for lost inputs to be
// recomputed before the job fails.
const maxRecoveries = 4

// recoverLost runs again the producers of t's inputs whose outputs were
// on addr (the worker named in a lost-input error), after marking that
// worker dead if it does not answer.
func (j *job) recoverLost(ctx context.Context, t *task, addr string) error {
	c := j.c
	c.mu.Lock()
	var lostW *workerState
	for _, w := range c.mu.workers {
		if w.c.addr == addr && w.dead == nil {
			lostW = w
		}
	}
	c.mu.Unlock()
	if lostW != nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := lostW.c.action(pctx, "status", nil)
		cancel()
		if err != nil && ctx.Err() == nil {
			c.markDead(lostW, fmt.Errorf("%w: %s: a peer could not fetch from it and it does not answer: %v", ErrUnreachable, addr, err))
		}
	}
	seen := map[*producerRun]bool{}
	for _, ps := range t.pieces {
		for _, p := range ps {
			if seen[p.run] {
				continue
			}
			seen[p.run] = true
			if err := j.rerun(ctx, p.run, addr); err != nil {
				return err
			}
		}
	}
	return nil
}

// rerun runs r's task again when its outputs are still recorded on addr
// (another task may have re-run it already).
func (j *job) rerun(ctx context.Context, r *producerRun, addr string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.w.c.addr != addr {
		return nil
	}
	fmt.Fprintf(j.c.cfg.Log, "cluster: job %s: recomputing the output of task %s, lost with %s\n", j.id, r.t.id, addr)
	j.prog.update(func(p *JobProgress) { p.Retries++ })
	if _, err := j.runTask(ctx, r.t); err != nil {
		return fmt.Errorf("cluster: recompute task %s: %w", r.t.id, err)
	}
	r.w, r.specID, r.job = r.t.ranOn, r.t.ranAs, r.t.ranNS
	return nil
}

// freeRequest names kept outputs of a job a worker may free: the stage
// that read them has finished. (Should a later recomputation need them
// after all, the fetch fails as for a lost piece and they are made
// again.)
type freeRequest struct {
	Job  string   `json:"job"`
	Keys []string `json:"keys"`
}

// freeOutputs frees the kept outputs in req.
func (w *Worker) freeOutputs(req freeRequest) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range req.Keys {
		key := inputKey(req.Job, k)
		if s, ok := w.mu.outputs[key]; ok {
			w.free(s)
			delete(w.mu.outputs, key)
		}
	}
}

// freeConsumed tells the workers to free the pieces ts read: their stage
// has finished. Best effort, in the background (a worker that does not
// get the message frees them when the job ends).
func (j *job) freeConsumed(ts []*task) {
	by := map[*workerState][]string{}
	seen := map[*remotePiece]bool{}
	for _, t := range ts {
		for _, ps := range t.pieces {
			for _, p := range ps {
				if seen[p] || p.run.job != j.id { // cached pieces stay
					continue
				}
				seen[p] = true
				w, specID := p.run.where()
				by[w] = append(by[w], outputName(specID, p.bucket))
			}
		}
	}
	c := j.c
	for w, keys := range by {
		c.mu.Lock()
		if c.mu.closed || w.dead != nil {
			c.mu.Unlock()
			continue
		}
		c.bg.Add(1)
		c.mu.Unlock()
		c.inBackground(w, "free", marshal(freeRequest{Job: j.id, Keys: keys}), nil)
	}
}
