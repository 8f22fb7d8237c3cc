package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/golab-dev/golab/dataframe/exec"
	"github.com/golab-dev/golab/dataframe/expr"
	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/dataframe/plan"
)

// dset is a distributed intermediate result: partitions held by the
// coordinator and a fragment the workers still have to apply to each.
// Partition i consists of tables parts[i][k] bound to input names[k];
// shared tables are bound to their names in every partition (the small
// side of a broadcast join). node reads those inputs through Scans of
// placeholder inputSources. A dset owns its tables.
type dset struct {
	names  []string
	parts  [][]*physical.Table
	shared map[string]*physical.Table
	node   plan.Node
	// splitName, when set, is an input every task reads itself: partition
	// i opens splits[i] (files or row groups of a plan.Splitter) on its
	// worker. Such a dset holds no tables of its own (parts[i] is empty).
	splitName string
	splits    [][]plan.Split
}

func (d *dset) release() {
	for _, p := range d.parts {
		releaseTables(p)
	}
	for _, t := range d.shared {
		t.Release()
	}
	d.parts, d.shared = nil, nil
}

// rows is the row count of d's inputs (before its fragment); math.MaxInt
// when some split does not know its count.
func (d *dset) rows() int {
	n := 0
	for _, run := range d.splits {
		for _, s := range run {
			if s.Rows < 0 {
				return math.MaxInt
			}
			n += int(s.Rows)
		}
	}
	for _, p := range d.parts {
		if len(p) > 0 {
			n += p[0].Rows
		}
	}
	return n
}

// identity reports whether node just reads the partitions as they are.
func (d *dset) identity() bool {
	s, ok := d.node.(*plan.Scan)
	return ok && d.splitName == "" && len(d.names) == 1 && len(d.shared) == 0 && s.Projection == nil && len(s.Filters) == 0
}

// placeholder returns a Scan of a new task input with schema s.
func (j *job) placeholder(s *arrow.Schema) (string, *plan.Scan, error) {
	j.inputSeq++
	name := fmt.Sprintf("x%d", j.inputSeq)
	scan, err := plan.NewScan(&inputSource{name: name, t: &physical.Table{Schema: s}}, nil, nil)
	return name, scan, err
}

// fromParts wraps partitions (owned) in an identity dset.
func (j *job) fromParts(parts []*physical.Table) (*dset, error) {
	name, scan, err := j.placeholder(parts[0].Schema)
	if err != nil {
		releaseTables(parts)
		return nil, err
	}
	d := &dset{names: []string{name}, node: scan}
	for _, p := range parts {
		d.parts = append(d.parts, []*physical.Table{p})
	}
	return d, nil
}

// Execute implements dataframe/exec.Executor: it runs root on the
// workers and returns the gathered result, which the caller owns.
func (c *Cluster) Execute(ctx context.Context, root plan.Node) (_ *physical.Table, err error) {
	j, err := c.newJob(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { j.finish(err) }()
	d, err := j.build(ctx, root)
	if err != nil {
		return nil, err
	}
	return j.gather(ctx, d)
}

func (j *job) partitions() int {
	if j.c.cfg.Partitions > 0 {
		return j.c.cfg.Partitions
	}
	j.c.mu.Lock()
	defer j.c.mu.Unlock()
	return 2 * max(1, len(j.c.liveLocked()))
}

// shippable reports whether the fragment can be sent to workers.
func shippable(n plan.Node) bool {
	_, err := encodeNode(n)
	return err == nil
}

func hasWindowOrAgg(es []expr.Expr) bool {
	for _, e := range es {
		if expr.HasWindow(e) || expr.HasAgg(e) {
			return true
		}
	}
	return false
}

// build turns n into a dset, pushing work to the workers where the
// operator allows it and running it on the coordinator otherwise.
func (j *job) build(ctx context.Context, n plan.Node) (*dset, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch n := n.(type) {
	case *plan.Scan:
		return j.scan(ctx, n)
	case *plan.Filter:
		if expr.HasWindow(n.Pred) {
			return j.fallback(ctx, n)
		}
		return j.narrow(ctx, n)
	case *plan.Select:
		if hasWindowOrAgg(n.Exprs) {
			return j.fallback(ctx, n)
		}
		return j.narrow(ctx, n)
	case *plan.WithColumns:
		if hasWindowOrAgg(n.Exprs) {
			return j.fallback(ctx, n)
		}
		return j.narrow(ctx, n)
	case *plan.Rename, *plan.Drop, *plan.Explode:
		return j.narrow(ctx, n)
	case *plan.Aggregate:
		return j.aggregate(ctx, n)
	case *plan.Join:
		return j.join(ctx, n)
	case *plan.Union:
		return j.union(ctx, n)
	case *plan.Sort:
		return j.sort(ctx, n)
	}
	return j.fallback(ctx, n)
}

// scan splits a plan.Splitter source (files, row groups) into runs that
// the tasks read on their workers. Other sources are read on the
// coordinator and split into partitions; the projection and filters run
// on the workers.
func (j *job) scan(ctx context.Context, n *plan.Scan) (*dset, error) {
	if cs, ok := n.Source.(*cachedSource); ok && cs.c == j.c {
		return j.cachedScan(cs, n)
	}
	if sp, ok := n.Source.(plan.Splitter); ok && !j.c.cfg.ScanOnCoordinator {
		splits, err := sp.Splits(ctx, n.Filters)
		if err != nil {
			return nil, err
		}
		if len(splits) > 0 {
			name, scan, err := j.placeholder(n.Source.Schema())
			if err != nil {
				return nil, err
			}
			d := &dset{splitName: name, splits: groupSplits(splits, j.partitions())}
			d.parts = make([][]*physical.Table, len(d.splits))
			if d.node, err = plan.NewScan(scan.Source, n.Projection, n.Filters); err != nil {
				return nil, err
			}
			return d, nil
		}
	}
	var need []string
	if n.Projection != nil {
		need = append([]string{}, n.Projection...)
		seen := map[string]bool{}
		for _, c := range need {
			seen[c] = true
		}
		for _, f := range n.Filters {
			for _, c := range expr.Columns(f) {
				if !seen[c] {
					seen[c] = true
					need = append(need, c)
				}
			}
		}
	}
	cols, rows, err := n.Source.Scan(ctx, j.mem, plan.ScanRequest{Columns: need, Filters: n.Filters})
	if err != nil {
		return nil, err
	}
	src := n.Source.Schema()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		if need != nil {
			fields[i] = src.Field(src.FieldIndices(need[i])[0])
		} else {
			fields[i] = src.Field(i)
		}
		fields[i].Type = c.DataType()
	}
	t := &physical.Table{Schema: arrow.NewSchema(fields, nil), Cols: cols, Rows: rows}
	parts := splitTable(t, j.partitionsFor(viewBytes(t)))
	t.Release()
	d, err := j.fromParts(parts)
	if err != nil {
		return nil, err
	}
	if n.Projection != nil || len(n.Filters) > 0 {
		src := d.node.(*plan.Scan).Source
		if d.node, err = plan.NewScan(src, n.Projection, n.Filters); err != nil {
			d.release()
			return nil, err
		}
	}
	return d, nil
}

// narrow appends a row-local operator to the fragment.
func (j *job) narrow(ctx context.Context, n plan.Node) (*dset, error) {
	d, err := j.build(ctx, n.Inputs()[0])
	if err != nil {
		return nil, err
	}
	nn, err := n.WithInputs([]plan.Node{d.node})
	if err != nil {
		d.release()
		return nil, err
	}
	if !shippable(nn) {
		return j.localOver(ctx, n, []*dset{d})
	}
	d.node = nn
	return d, nil
}

// fallback runs n on the coordinator over its gathered inputs (whose
// own fragments still run on the workers).
func (j *job) fallback(ctx context.Context, n plan.Node) (*dset, error) {
	var ins []*dset
	for _, in := range n.Inputs() {
		d, err := j.build(ctx, in)
		if err != nil {
			for _, p := range ins {
				p.release()
			}
			return nil, err
		}
		ins = append(ins, d)
	}
	return j.localOver(ctx, n, ins)
}

func (j *job) localOver(ctx context.Context, n plan.Node, ins []*dset) (*dset, error) {
	tables := make([]*physical.Table, 0, len(ins))
	defer func() { releaseTables(tables) }()
	for i, d := range ins {
		t, err := j.gather(ctx, d)
		if err != nil {
			for _, p := range ins[i+1:] {
				p.release()
			}
			return nil, err
		}
		tables = append(tables, t)
	}
	scans := make([]plan.Node, len(tables))
	for i, t := range tables {
		s, err := plan.NewScan(&inputSource{name: fmt.Sprintf("local%d", i), t: t}, nil, nil)
		if err != nil {
			return nil, err
		}
		scans[i] = s
	}
	ln, err := n.WithInputs(scans)
	if err != nil {
		return nil, err
	}
	res, err := exec.Local{}.Execute(exec.WithAllocator(ctx, j.mem), ln)
	if err != nil {
		return nil, err
	}
	return j.fromParts([]*physical.Table{res})
}

// materialize runs d's fragment on every partition and returns the
// results, consuming d. With buckets > 0 each task hash-partitions its
// output by hashBy and the result has one table per bucket (the tasks'
// pieces concatenated in partition order, so row order is kept).
func (j *job) materialize(ctx context.Context, d *dset, what string, hashBy []string, buckets int) ([]*physical.Table, error) {
	return j.materializeBy(ctx, d, what, hashBy, buckets, nil)
}

// materializeBy is materialize partitioning by range r instead of by
// hash when r is not nil.
//
// With buckets > 0 the tasks keep their output buckets on their workers
// and the tables returned are stubs (shuffle.go); d then stays held by
// the job, so that lost outputs can be made again.
func (j *job) materializeBy(ctx context.Context, d *dset, what string, hashBy []string, buckets int, r *rangeSpec) (_ []*physical.Table, err error) {
	keep := buckets > 0
	defer func() {
		if keep && err == nil {
			j.held = append(j.held, d)
		} else {
			d.release()
		}
	}()
	if d.identity() && buckets == 0 {
		var firsts []*physical.Table
		for _, p := range d.parts {
			firsts = append(firsts, p[0])
		}
		if !j.hasStubs(firsts) {
			out := make([]*physical.Table, len(d.parts))
			for i, p := range d.parts {
				out[i] = retainTable(p[0])
			}
			return out, nil
		}
	}
	ts, err := j.stageTasks(d, hashBy, buckets, r, keep)
	if err != nil {
		return nil, err
	}
	res, err := j.runStage(ctx, what, ts)
	if err != nil {
		return nil, err
	}
	j.freeConsumed(ts)
	if buckets == 0 {
		out := make([]*physical.Table, len(res))
		for i, r := range res {
			out[i] = r[0]
		}
		return out, nil
	}
	runs := make([]*producerRun, len(ts))
	for i, t := range ts {
		runs[i] = &producerRun{job: j.id, t: t, w: t.ranOn, specID: t.ranAs}
		if t.ns != "" {
			runs[i].job = t.ns
		}
	}
	out := make([]*physical.Table, buckets)
	for b := range buckets {
		var pieces []*remotePiece
		for i, r := range res {
			if r[b].Rows > 0 {
				pieces = append(pieces, &remotePiece{run: runs[i], bucket: b, rows: r[b].Rows})
			}
		}
		if len(pieces) == 0 { // an empty bucket still needs its schema
			pieces = []*remotePiece{{run: runs[0], bucket: b}}
		}
		out[b] = j.stub(res[0][b].Schema, pieces)
	}
	return out, nil
}

// stageTasks returns one task per partition of d, running d's fragment
// (see materializeBy for the rest).
func (j *job) stageTasks(d *dset, hashBy []string, buckets int, r *rangeSpec, keep bool) ([]*task, error) {
	frag, err := encodeNode(d.node)
	if err != nil {
		return nil, err
	}
	ts := make([]*task, len(d.parts))
	for i, p := range d.parts {
		t := &task{id: fmt.Sprintf("p%d", i), plan: frag, hashBy: hashBy, buckets: buckets, rng: r, keep: keep}
		t.inputs = append(t.inputs, p...)
		if d.splitName != "" {
			t.splitName, t.splits = d.splitName, d.splits[i]
		}
		ts[i] = t
	}
	// Shared inputs: every task gets its own copy on the wire.
	names := append([]string{}, d.names...)
	for name, t := range d.shared {
		names = append(names, name)
		for _, tk := range ts {
			tk.inputs = append(tk.inputs, t)
		}
	}
	for _, tk := range ts {
		tk.names = names
		for k, in := range tk.inputs {
			if ps := j.piecesOf(in); ps != nil {
				if tk.pieces == nil {
					tk.pieces = make([][]*remotePiece, len(tk.inputs))
				}
				tk.pieces[k] = ps
			}
		}
	}
	return ts, nil
}

// gather runs d's fragment and concatenates the partitions in order.
func (j *job) gather(ctx context.Context, d *dset) (*physical.Table, error) {
	schema := d.node.Schema()
	parts, err := j.materialize(ctx, d, "gather", nil, 0)
	if err != nil {
		return nil, err
	}
	defer releaseTables(parts)
	return concatTables(j.mem, schema, parts)
}

// shuffle materializes d hash-partitioned by keys into buckets
// identity partitions.
func (j *job) shuffle(ctx context.Context, d *dset, what string, keys []string, buckets int) ([]*physical.Table, error) {
	return j.materialize(ctx, d, what, keys, buckets)
}

func columnNames(es []expr.Expr) ([]string, bool) {
	out := make([]string, len(es))
	for i, e := range es {
		c, ok := e.(expr.Column)
		if !ok {
			return nil, false
		}
		out[i] = c.Name
	}
	return out, true
}

// aggregate runs a group-by as partial aggregation on the workers, a
// hash shuffle of the partial results by key, and the final aggregation
// on the workers; aggregates that cannot be split (median, n_unique,
// first, ...) shuffle the input rows instead and aggregate once.
func (j *job) aggregate(ctx context.Context, n *plan.Aggregate) (*dset, error) {
	keys, ok := columnNames(n.Keys)
	if !ok || hasWindow(n.Aggs) {
		return j.fallback(ctx, n)
	}
	d, err := j.build(ctx, n.Input)
	if err != nil {
		return nil, err
	}
	buckets := j.partitionsFor(j.estBytes(d))
	if len(keys) == 0 {
		buckets = 1
	}
	partial, final, ok := splitAggs(n)
	if ok {
		pn, err := plan.NewAggregate(d.node, n.Keys, partial)
		if err == nil && shippable(pn) {
			d.node = pn
			parts, err := j.materialize(ctx, d, "partial aggregate", keys, buckets)
			if err != nil {
				return nil, err
			}
			fd, err := j.fromParts(parts)
			if err != nil {
				return nil, err
			}
			if fd.node, err = plan.NewAggregate(fd.node, n.Keys, final); err != nil {
				fd.release()
				return nil, err
			}
			return fd, nil
		}
	}
	whole, err := plan.NewAggregate(d.node, n.Keys, n.Aggs)
	if err != nil || !shippable(whole) {
		d.release()
		if err != nil {
			return nil, err
		}
		return j.fallback(ctx, n)
	}
	parts, err := j.materialize(ctx, d, "shuffle for aggregate", keys, buckets)
	if err != nil {
		return nil, err
	}
	fd, err := j.fromParts(parts)
	if err != nil {
		return nil, err
	}
	if fd.node, err = plan.NewAggregate(fd.node, n.Keys, n.Aggs); err != nil {
		fd.release()
		return nil, err
	}
	return fd, nil
}

func hasWindow(es []expr.Expr) bool {
	for _, e := range es {
		if expr.HasWindow(e) {
			return true
		}
	}
	return false
}

// splitAggs rewrites n's aggregates into partial aggregates (run per
// partition) and final expressions over the partial columns. ok is false
// when some aggregate cannot be split.
func splitAggs(n *plan.Aggregate) (partial, final []expr.Expr, ok bool) {
	in := n.Input.Schema()
	cols := map[string]string{} // partial agg text -> partial column
	add := func(a expr.Agg) expr.Expr {
		k := a.String()
		name, seen := cols[k]
		if !seen {
			name = fmt.Sprintf("__golab_partial_%d", len(cols))
			cols[k] = name
			partial = append(partial, expr.Alias{X: a, Name: name})
		}
		return expr.Column{Name: name}
	}
	ok = true
	for i, a := range n.Aggs {
		f := expr.Transform(a, func(e expr.Expr) expr.Expr {
			g, isAgg := e.(expr.Agg)
			if !isAgg || !ok {
				return e
			}
			switch g.Func {
			case expr.AggSum, expr.AggMin, expr.AggMax:
				return expr.Agg{Func: g.Func, X: add(g)}
			case expr.AggCount, expr.AggLen:
				return expr.Agg{Func: expr.AggSum, X: add(g)}
			case expr.AggMean:
				s := add(expr.Agg{Func: expr.AggSum, X: g.X})
				c := add(expr.Agg{Func: expr.AggCount, X: g.X})
				f64 := arrow.PrimitiveTypes.Float64
				return expr.Binary{Op: expr.Div, L: expr.Cast{X: expr.Agg{Func: expr.AggSum, X: s}, To: f64}, R: expr.Cast{X: expr.Agg{Func: expr.AggSum, X: c}, To: f64}}
			}
			ok = false
			return e
		})
		if !ok {
			return nil, nil, false
		}
		want, err := expr.TypeOf(a, in)
		if err != nil {
			return nil, nil, false
		}
		final = append(final, expr.Alias{X: f, Name: expr.OutputName(n.Aggs[i])})
		_ = want
	}
	// Cast the final expressions to the types a local run produces.
	var ps []arrow.Field
	for _, k := range n.Keys {
		t, _ := expr.TypeOf(k, in)
		ps = append(ps, arrow.Field{Name: expr.OutputName(k), Type: t})
	}
	for _, p := range partial {
		t, err := expr.TypeOf(p, in)
		if err != nil {
			return nil, nil, false
		}
		ps = append(ps, arrow.Field{Name: expr.OutputName(p), Type: t})
	}
	pschema := arrow.NewSchema(ps, nil)
	for i, f := range final {
		want, err1 := expr.TypeOf(n.Aggs[i], in)
		got, err2 := expr.TypeOf(f, pschema)
		if err1 != nil || err2 != nil {
			return nil, nil, false
		}
		if !arrow.TypeEqual(want, got) {
			final[i] = expr.Alias{X: expr.Cast{X: f.(expr.Alias).X, To: want}, Name: expr.OutputName(n.Aggs[i])}
		}
	}
	return partial, final, true
}

// join runs a broadcast join when one side is small (at most
// BroadcastRows rows before its own fragment), else a hash-partitioned
// shuffle join. Cross joins run on the coordinator.
func (j *job) join(ctx context.Context, n *plan.Join) (*dset, error) {
	if n.How == plan.Cross {
		return j.fallback(ctx, n)
	}
	l, err := j.build(ctx, n.Left)
	if err != nil {
		return nil, err
	}
	r, err := j.build(ctx, n.Right)
	if err != nil {
		l.release()
		return nil, err
	}
	small := j.c.cfg.BroadcastRows
	switch {
	case r.rows() <= small && (n.How == plan.Inner || n.How == plan.Left || n.How == plan.Semi || n.How == plan.Anti):
		return j.broadcast(ctx, n, l, r, true)
	case l.rows() <= small && (n.How == plan.Inner || n.How == plan.Right):
		return j.broadcast(ctx, n, r, l, false)
	}
	// Both sides need the same buckets.
	buckets := j.partitionsFor(j.estBytes(l) + j.estBytes(r))
	lp, err := j.shuffle(ctx, l, "shuffle join left", n.LeftOn, buckets)
	if err != nil {
		r.release()
		return nil, err
	}
	rp, err := j.shuffle(ctx, r, "shuffle join right", n.RightOn, buckets)
	if err != nil {
		releaseTables(lp)
		return nil, err
	}
	ln, ls, err1 := j.placeholder(lp[0].Schema)
	rn, rs, err2 := j.placeholder(rp[0].Schema)
	jn, err3 := plan.NewJoin(ls, rs, n.LeftOn, n.RightOn, n.How, n.Suffix)
	d := &dset{names: []string{ln, rn}, node: jn}
	for i := range lp {
		d.parts = append(d.parts, []*physical.Table{lp[i], rp[i]})
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		d.release()
		return nil, err
	}
	return d, nil
}

// broadcast gathers small and joins every partition of big with it.
func (j *job) broadcast(ctx context.Context, n *plan.Join, big, small *dset, smallIsRight bool) (*dset, error) {
	t, err := j.gather(ctx, small)
	if err != nil {
		big.release()
		return nil, err
	}
	name, scan, err := j.placeholder(t.Schema)
	if err != nil {
		t.Release()
		big.release()
		return nil, err
	}
	var jn plan.Node
	if smallIsRight {
		jn, err = plan.NewJoin(big.node, scan, n.LeftOn, n.RightOn, n.How, n.Suffix)
	} else {
		jn, err = plan.NewJoin(scan, big.node, n.LeftOn, n.RightOn, n.How, n.Suffix)
	}
	if big.shared == nil {
		big.shared = map[string]*physical.Table{}
	}
	big.shared[name] = t
	if err != nil {
		big.release()
		return nil, err
	}
	big.node = jn
	return big, nil
}

// union materializes every input and concatenates their partitions.
func (j *job) union(ctx context.Context, n *plan.Union) (*dset, error) {
	var all []*physical.Table
	for _, in := range n.Ins {
		d, err := j.build(ctx, in)
		if err == nil {
			var parts []*physical.Table
			parts, err = j.materialize(ctx, d, "union input", nil, 0)
			all = append(all, parts...)
		}
		if err != nil {
			releaseTables(all)
			return nil, err
		}
	}
	// Inputs may differ in nullability; use the union's schema.
	for _, p := range all {
		p.Schema = n.Schema()
	}
	return j.fromParts(all)
}

// groupSplits cuts splits into at most n runs of consecutive splits with
// nearly equal row counts (equal split counts when some count is
// unknown), keeping their order.
func groupSplits(splits []plan.Split, n int) [][]plan.Split {
	n = max(1, min(n, len(splits)))
	var total int64
	known := true
	for _, s := range splits {
		if s.Rows < 0 {
			known = false
		}
		total += s.Rows
	}
	if !known || total == 0 {
		out := make([][]plan.Split, n)
		for i := range n {
			out[i] = splits[len(splits)*i/n : len(splits)*(i+1)/n]
		}
		return out
	}
	var out [][]plan.Split
	var acc int64
	start := 0
	for i, s := range splits {
		acc += s.Rows
		left := len(splits) - i - 1  // splits after this one
		runsLeft := n - len(out) - 1 // runs after the current one
		// Close the run when it reached its share of the rows, or when
		// every remaining run needs one of the remaining splits.
		if runsLeft > 0 && (acc*int64(n) >= total*int64(len(out)+1) || left == runsLeft) {
			out = append(out, splits[start:i+1])
			start = i + 1
		}
	}
	if start < len(splits) {
		out = append(out, splits[start:])
	}
	return out
}
