package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// job is one Execute or RunTask call: a sequence of stages of tasks.
// Every stage's inputs are held by the coordinator until its tasks
// succeed, so a task that fails (its worker died, it ran out of memory,
// it timed out) is simply re-run on another worker.
type job struct {
	c        *Cluster
	id       string
	mem      memory.Allocator
	seq      int
	done     int
	all      int
	inputSeq int
	prog     *reporter

	// Stubs of kept outputs (shuffle.go) and the dsets whose tables
	// their producers read, kept until the job ends for recomputation.
	remoteMu sync.Mutex
	remote   map[*physical.Table][]*remotePiece
	held     []*dset
}

// task is one unit of work: a plan fragment (or a registered function)
// over input tables held by the coordinator.
type task struct {
	id      string
	inputs  []*physical.Table // borrowed
	names   []string          // the fragment's names for inputs
	plan    *nodeJSON
	fn      string
	params  json.RawMessage
	hashBy  []string
	buckets int
	rng     *rangeSpec // range partitioning instead of hash
	// splitName names an input the worker reads itself from splits.
	splitName string
	splits    []plan.Split
	// keep: the worker keeps the output buckets (shuffle.go); ranOn and
	// ranAs say where the last successful attempt ran.
	keep  bool
	ranOn *workerState
	ranAs string
	ranNS string
	// pieces, aligned with inputs, are the remote pieces of inputs that
	// are stubs (nil for tables the coordinator holds).
	pieces [][]*remotePiece
	// ns, when set, is the namespace of the task's uploads and kept
	// outputs on the worker instead of the job's id (a cache's tasks).
	ns string
}

func (c *Cluster) newJob(ctx context.Context) (*job, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil, ErrClosed
	}
	c.mu.jobs++
	j := &job{c: c, id: fmt.Sprintf("j%d", c.jobSeq.Add(1)), mem: exec.AllocatorFromContext(ctx)}
	j.prog = newReporter(j.id, c.progressSink())
	return j, nil
}

// finish sends the final progress report (err is the job's result) and
// frees whatever the workers still hold for the job.
func (j *job) finish(err error) {
	j.prog.stop(err)
	for _, d := range j.held {
		d.release()
	}
	j.held = nil
	c := j.c
	c.mu.Lock()
	c.mu.jobs--
	delete(c.mu.running, j.id)
	var ws []*workerState
	if !c.mu.closed { // Close waits for c.bg after setting closed
		ws = c.liveLocked()
		c.bg.Add(len(ws))
	}
	c.mu.Unlock()
	// Drops go out concurrently. The job waits for them at most dropWait,
	// so a cancelled job returns within its 1 s promise even when a worker
	// is slow to answer or its link is gone; slower drops finish in the
	// background (owned by the Cluster: Close waits for them).
	if len(ws) == 0 {
		return
	}
	all := make(chan struct{})
	var left atomic.Int32
	left.Store(int32(len(ws)))
	for _, w := range ws {
		c.inBackground(w, "drop", []byte(j.id), func() {
			if left.Add(-1) == 0 {
				close(all)
			}
		})
	}
	t := time.NewTimer(dropWait)
	defer t.Stop()
	select {
	case <-all:
	case <-t.C:
		fmt.Fprintf(c.cfg.Log, "cluster: job %s: workers did not confirm the drop within %v; finishing it in the background\n", j.id, dropWait)
	}
}

// inBackground sends action typ to w on a goroutine the Cluster owns
// (the caller has counted it in c.bg; Close waits for it), giving up
// after 2 s; then it calls done, when not nil.
func (c *Cluster) inBackground(w *workerState, typ string, body []byte, done func()) {
	go func() {
		defer c.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		w.c.action(ctx, typ, body)
		if done != nil {
			done()
		}
	}()
}

// dropWait bounds how long a finished job waits for the workers to
// confirm that they freed its leftovers and cancelled its tasks.
const dropWait = 250 * time.Millisecond

func (c *Cluster) liveLocked() []*workerState {
	var out []*workerState
	for _, w := range c.mu.workers {
		if w.dead == nil {
			out = append(out, w)
		}
	}
	return out
}

// pick chooses the live worker with the fewest running tasks, preferring
// one other than avoid.
func (c *Cluster) pick(avoid *workerState) (*workerState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed {
		return nil, ErrClosed
	}
	var best *workerState
	for _, w := range c.mu.workers {
		if w.dead != nil {
			continue
		}
		if best == nil || (best == avoid && w != avoid) || (w != avoid && w.running < best.running) {
			best = w
		}
	}
	if best == nil {
		var errs []error
		for _, w := range c.mu.workers {
			errs = append(errs, w.dead)
		}
		return nil, fmt.Errorf("%w (%d workers): %w", ErrNoWorkers, len(c.mu.workers), errors.Join(errs...))
	}
	best.running++
	return best, nil
}

func (c *Cluster) release(w *workerState, ok bool) {
	c.mu.Lock()
	w.running--
	if ok {
		w.done++
	}
	c.mu.Unlock()
}

func (c *Cluster) markDead(w *workerState, err error) {
	c.mu.Lock()
	if w.dead == nil {
		w.dead = err
		fmt.Fprintf(c.cfg.Log, "cluster: worker %s marked dead: %v\n", w.c.addr, err)
	}
	c.mu.Unlock()
}

// retryable reports whether another attempt (on another worker) may
// succeed: lost workers, timeouts, memory limits. Errors of the plan
// itself would fail again and are returned at once.
func retryable(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrMemoryLimit) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrProtocol)
}

// runStage runs tasks concurrently (at most two per live worker) and
// returns each task's output tables (one per bucket), owned by the caller.
func (j *job) runStage(ctx context.Context, name string, ts []*task) ([][]*physical.Table, error) {
	c := j.c
	j.seq++
	stage := j.seq
	j.all += len(ts)
	progress := func(f func(p *JobProgress)) {
		p := j.prog.update(f)
		p.Elapsed = time.Since(j.prog.start)
		c.mu.Lock()
		if c.mu.running == nil {
			c.mu.running = map[string]JobProgress{}
		}
		// Concurrent tasks may get here out of order; keep the newest.
		if old, ok := c.mu.running[j.id]; !ok || old.Stage < p.Stage || (old.Stage == p.Stage && old.TasksDone <= p.TasksDone) {
			c.mu.running[j.id] = p
		}
		c.mu.Unlock()
	}
	progress(func(p *JobProgress) {
		p.Stage, p.StageName, p.StageTasks, p.StageDone = stage, name, len(ts), 0
		p.Tasks += len(ts)
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	par := 2 * max(1, len(c.liveLocked()))
	c.mu.Unlock()
	sem := make(chan struct{}, par)
	out := make([][]*physical.Table, len(ts))
	errs := make([]error, len(ts))
	var wg sync.WaitGroup
	for i, t := range ts {
		t.id = fmt.Sprintf("s%d.%s", stage, t.id)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			out[i], errs[i] = j.runTask(ctx, t)
			if errs[i] != nil {
				cancel() // fail fast: stop the stage's other tasks
				return
			}
			progress(func(p *JobProgress) {
				if p.Stage == stage {
					p.StageDone++
				}
				p.TasksDone++
			})
		}()
	}
	wg.Wait()
	j.done += len(ts)
	var err error
	for _, e := range errs {
		if e != nil && (err == nil || errors.Is(err, context.Canceled)) {
			err = e
		}
	}
	if err != nil {
		for _, o := range out {
			releaseTables(o)
		}
		return nil, err
	}
	if c.afterStage != nil {
		c.afterStage(name)
	}

	return out, nil
}

// runTask runs t with up to MaxAttempts attempts on different workers.
func (j *job) runTask(ctx context.Context, t *task) ([]*physical.Table, error) {
	c := j.c
	var last error
	var lastW *workerState
	var lastAddr string
	recoveries := 0
	for attempt := 1; attempt <= c.cfg.MaxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w, err := c.pick(lastW)
		if err != nil {
			if last != nil {
				return nil, fmt.Errorf("%w: task %s of job %s after %d attempts: %w (last attempt on %s: %w)", ErrTaskFailed, t.id, j.id, attempt-1, err, lastAddr, last)
			}
			return nil, err
		}
		res, err := j.attempt(ctx, w, t, attempt)
		c.release(w, err == nil)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if addr := lostAddr(err); addr != "" && recoveries < maxRecoveries {
			// An input piece is gone with its worker: make it again and
			// retry without counting the attempt against this task.
			recoveries++
			fmt.Fprintf(c.cfg.Log, "cluster: task %s attempt %d on %s: %v\n", t.id, attempt, w.c.addr, err)
			if rerr := j.recoverLost(ctx, t, addr); rerr != nil {
				return nil, fmt.Errorf("%w: task %s of job %s: its input on %s was lost and could not be made again: %w", ErrTaskFailed, t.id, j.id, addr, rerr)
			}
			attempt--
			continue
		}
		if !retryable(err) {
			return nil, err
		}
		if errors.Is(err, ErrUnreachable) {
			c.markDead(w, err)
		}
		fmt.Fprintf(c.cfg.Log, "cluster: task %s attempt %d on %s failed: %v\n", t.id, attempt, w.c.addr, err)
		j.prog.update(func(p *JobProgress) { p.Retries++ })
		last, lastW, lastAddr = err, w, w.c.addr
	}
	return nil, fmt.Errorf("%w: task %s of job %s failed %d times; last attempt on %s: %w", ErrTaskFailed, t.id, j.id, c.cfg.MaxAttempts, lastAddr, last)
}

func (j *job) attempt(ctx context.Context, w *workerState, t *task, attempt int) ([]*physical.Table, error) {
	ctx, cancel := context.WithTimeout(ctx, j.c.cfg.TaskTimeout)
	defer cancel()
	ns := j.id
	if t.ns != "" {
		ns = t.ns
	}
	spec := &taskSpec{Job: ns, ID: fmt.Sprintf("%s.a%d", t.id, attempt), Names: t.names, Plan: t.plan, Func: t.fn, Params: t.params, HashBy: t.hashBy, Buckets: t.buckets, Range: t.rng,
		SplitName: t.splitName, Splits: t.splits, Keep: t.keep}
	if len(t.pieces) > 0 {
		spec.Pieces = make([][]pieceRef, len(t.inputs))
		for i, ps := range t.pieces {
			if ps != nil {
				spec.Pieces[i] = refs(ps, w)
			}
		}
		spec.PeerTLS = j.c.peerTLS
	}
	// Inputs go up on concurrent streams (a join's two sides and its
	// broadcast table overlap their encoding and sending).
	errs := make([]error, len(t.inputs))
	var wg sync.WaitGroup
	for i, in := range t.inputs {
		name := fmt.Sprintf("%s.in%d", spec.ID, i)
		spec.Inputs = append(spec.Inputs, name)
		if spec.Pieces != nil && spec.Pieces[i] != nil {
			continue // the worker fetches it from its peers
		}
		j.c.uploads.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.c.upload(ctx, ns, name, in)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if t.keep {
		out, err := w.c.runKeep(ctx, spec)
		if err == nil {
			t.ranOn, t.ranAs, t.ranNS = w, spec.ID, ns
		}
		return out, err
	}
	return w.c.run(ctx, spec, j.mem)
}
