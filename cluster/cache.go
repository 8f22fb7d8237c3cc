package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/golab-dev/golab/dataframe"
	"github.com/golab-dev/golab/dataframe/optimize"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// Cache runs lf on the workers and keeps the result there, one piece per
// partition on the worker that computed it, until Uncache or Close (as
// Spark's cache). It returns a LazyFrame over the kept result: queries
// on this cluster read the pieces where they are, with no upload and no
// new scan of the files; anywhere else (a local Collect, another
// cluster) the pieces are fetched. A piece lost with its worker is
// computed again from lf's plan when a query needs it.
func (c *Cluster) Cache(ctx context.Context, lf *dataframe.LazyFrame) (_ *dataframe.LazyFrame, err error) {
	n, err := lf.Plan()
	if err == nil {
		n, err = optimize.Optimize(n, optimize.Default())
	}
	if err != nil {
		return nil, err
	}
	j, err := c.newJob(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { j.finish(err) }()
	src := &cachedSource{c: c, ns: "c" + j.id, schema: n.Schema()}
	d, err := j.build(ctx, n)
	if err != nil {
		return nil, err
	}
	ts, err := j.stageTasks(d, nil, 1, nil, true)
	if err != nil {
		d.release()
		return nil, err
	}
	for _, t := range ts {
		t.ns = src.ns
	}
	res, err := j.runStage(ctx, "cache", ts)
	if err != nil {
		d.release()
		return nil, err
	}
	j.freeConsumed(ts)
	for i, t := range ts {
		src.runs = append(src.runs, &producerRun{job: src.ns, t: t, w: t.ranOn, specID: t.ranAs})
		src.rows = append(src.rows, res[i][0].Rows)
	}
	// The tasks' lineage outlives the job.
	src.held = append(j.held, d)
	j.held = nil
	c.mu.Lock()
	c.mu.caches = append(c.mu.caches, src)
	c.mu.Unlock()
	return dataframe.ScanSource(src), nil
}

// Uncache frees the cached results lf reads (from Cache of this
// cluster) on the workers. Queries over them fail afterwards.
func (c *Cluster) Uncache(lf *dataframe.LazyFrame) error {
	n, err := lf.Plan()
	if err != nil {
		return err
	}
	found := false
	var walk func(plan.Node)
	walk = func(n plan.Node) {
		if s, ok := n.(*plan.Scan); ok {
			if cs, ok := s.Source.(*cachedSource); ok && cs.c == c {
				found = true
				cs.release()
			}
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(n)
	if !found {
		return fmt.Errorf("%w: Uncache: the LazyFrame reads no cached result of this cluster (pass what Cache returned)", ErrConfig)
	}
	return nil
}

// cachedSource is a result kept on the workers by Cache.
type cachedSource struct {
	c      *Cluster
	ns     string // namespace of the pieces on the workers
	schema *arrow.Schema
	runs   []*producerRun // one per partition (bucket 0)
	rows   []int
	held   []*dset // what the tasks read, to compute lost pieces again

	mu       sync.Mutex
	released bool
}

func (s *cachedSource) Schema() *arrow.Schema { return s.schema }

func (s *cachedSource) String() string {
	n := 0
	for _, r := range s.rows {
		n += r
	}
	return fmt.Sprintf("cached on the cluster: %d partitions, %d rows", len(s.runs), n)
}

// errReleased is the error of a query over an uncached result.
func (s *cachedSource) errReleased() error {
	return fmt.Errorf("%w: the cached result was released (Uncache or Close); cache it again", ErrClosed)
}

// Scan reads the pieces into this process through a job on the cluster
// (which computes lost pieces again).
func (s *cachedSource) Scan(ctx context.Context, mem memory.Allocator, req plan.ScanRequest) ([]arrow.Array, int, error) {
	lf := dataframe.ScanSource(s)
	if req.Columns != nil {
		cols := make([]any, len(req.Columns))
		for i, c := range req.Columns {
			cols[i] = c
		}
		lf = lf.Select(cols...)
	}
	f, err := lf.Collect(Context(ctx, s.c))
	if err != nil {
		return nil, 0, err
	}
	t := frameTable(f)
	return t.Cols, t.Rows, nil
}

// frameTable returns f's columns as a table (new references).
func frameTable(f *dataframe.Frame) *physical.Table {
	rec := f.Record()
	defer rec.Release()
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		cols[i] = rec.Column(i)
		cols[i].Retain()
	}
	return &physical.Table{Schema: rec.Schema(), Cols: cols, Rows: int(rec.NumRows())}
}

// release frees the pieces on the workers and the lineage.
func (s *cachedSource) release() {
	s.mu.Lock()
	if s.released {
		s.mu.Unlock()
		return
	}
	s.released = true
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, d := range held {
		d.release()
	}
	c := s.c
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return
	}
	ws := c.liveLocked()
	c.bg.Add(len(ws))
	c.mu.Unlock()
	for _, w := range ws {
		c.inBackground(w, "drop", []byte(s.ns), nil)
	}
}

// cachedScan reads a cached result of this cluster: one partition per
// piece, where it is.
func (j *job) cachedScan(s *cachedSource, n *plan.Scan) (*dset, error) {
	s.mu.Lock()
	released := s.released
	s.mu.Unlock()
	if released {
		return nil, s.errReleased()
	}
	name, scan, err := j.placeholder(s.schema)
	if err != nil {
		return nil, err
	}
	d := &dset{names: []string{name}}
	for i, r := range s.runs {
		d.parts = append(d.parts, []*physical.Table{j.stub(s.schema, []*remotePiece{{run: r, bucket: 0, rows: s.rows[i]}})})
	}
	if d.node, err = plan.NewScan(scan.Source, n.Projection, n.Filters); err != nil {
		return nil, err
	}
	if len(d.parts) == 0 {
		return nil, errors.New("cluster: a cached result without partitions")
	}
	return d, nil
}
