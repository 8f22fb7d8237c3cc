package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/golab-dev/golab/dataframe/physical"
)

// This file spills kept task outputs (shuffle.go) to disk. A worker
// holds the output buckets of every exchange task it ran until the next
// stage has fetched them; together they may be more than its memory
// limit even when every single task fits. When a task's kept output
// would take them past 60% of the limit (the rest is for uploads and
// running tasks), its buckets go to Arrow IPC files in the worker's
// spill directory instead, and are streamed from there when a
// peer fetches them (read into memory, and charged, only when a task on
// this worker reads them itself). Operators (aggregation, join, sort)
// do not spill: a task that needs more than the limit fails with
// ErrMemoryLimit, which names the limit and how to raise it.

// spillDir returns the worker's spill directory, made on first use.
func (w *Worker) spillDir() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.mu.spill != "" {
		return w.mu.spill, nil
	}
	base := w.cfg.SpillDir
	if base == "" {
		base = os.TempDir()
	}
	d, err := os.MkdirTemp(base, "golab-spill-")
	if err != nil {
		return "", fmt.Errorf("cluster: worker spill directory: %w", err)
	}
	w.mu.spill = d
	return d, nil
}

// spillFile writes t to a new IPC file in the spill directory.
func (w *Worker) spillFile(name string, t *physical.Table) (string, error) {
	dir, err := w.spillDir()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, strings.NewReplacer("/", "_").Replace(name)+"-*.arrow")
	if err != nil {
		return "", fmt.Errorf("cluster: spill %s: %w", name, err)
	}
	path := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("cluster: spill %s: %w", name, err)
	}
	fw, err := ipc.NewFileWriter(f, ipc.WithSchema(t.Schema))
	if err != nil {
		return fail(err)
	}
	err = eachRecord(t, wireBatchBytes, 1024, fw.Write)
	if err == nil {
		err = fw.Close()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return fail(err)
	}
	w.spilled.Add(1)
	return path, nil
}

// eachSpilled calls fn with the record batches of a spill file.
func eachSpilled(path string, fn func(arrow.RecordBatch) error) (*arrow.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cluster: read spilled output: %w", err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return nil, fmt.Errorf("cluster: read spilled output %s: %w", filepath.Base(path), err)
	}
	defer r.Close()
	for i := range r.NumRecords() {
		rec, err := r.RecordBatchAt(i)
		if err != nil {
			return nil, fmt.Errorf("cluster: read spilled output %s: %w", filepath.Base(path), err)
		}
		err = fn(rec)
		rec.Release()
		if err != nil {
			return nil, err
		}
	}
	return r.Schema(), nil
}

// readSpilled reads a spill file into a table.
func readSpilled(path string) (*physical.Table, error) {
	var recs []arrow.RecordBatch
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	schema, err := eachSpilled(path, func(r arrow.RecordBatch) error {
		r.Retain()
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableFromRecords(memory.DefaultAllocator, schema, recs)
}

// sendSpilled streams a spill file to a peer, batch by batch (with no
// size up front: the receiver grows its buffers).
func (w *Worker) sendSpilled(path, name string, stream dataSender) error {
	var wr *ipc.Writer
	var rs *recordSender
	meta := batchMeta{rows: -1}.encode()
	schema, err := eachSpilled(path, func(r arrow.RecordBatch) error {
		if wr == nil {
			wr, rs = newRecordSender(stream, r.Schema(), nil, ipc.WithAllocator(w.alloc))
		}
		return writeRecord(wr, rs, r, meta)
	})
	if err == nil && wr == nil { // a file without batches
		wr, _ = newRecordSender(stream, schema, nil, ipc.WithAllocator(w.alloc))
	}
	if err != nil {
		if wr != nil {
			wr.Close()
		}
		return status.Errorf(codes.Unavailable, "golab worker: send spilled output %s: %v", name, err)
	}
	return wr.Close()
}
