package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/golab-dev/golab/dataframe/expr"
)

// Splitter is an optional interface of a Source that can be read in
// pieces by other processes: a Parquet file by row group, a directory
// by file. A distributed executor lists the splits on the coordinator,
// hands each task a run of consecutive splits, and every task opens its
// run with OpenSplits and reads it where it runs.
//
// Reading the runs in order and concatenating the results gives the rows
// a Scan of the whole source gives, in the same order.
type Splitter interface {
	Source
	// Splits lists the pieces that may hold rows matching filters (hints,
	// as in ScanRequest: a split may be dropped only when no row of it
	// can match), in the order a Scan returns their rows.
	Splits(ctx context.Context, filters []expr.Expr) ([]Split, error)
}

// Split is one piece of a Splitter's source. It holds nothing local to
// the process that listed it (paths are absolute), so it can be shipped
// to another process as JSON.
type Split struct {
	// Kind names the SplitOpener (RegisterSplitKind) that reads it.
	Kind string `json:"kind"`
	// Spec describes the piece for the opener.
	Spec json.RawMessage `json:"spec"`
	// Rows is the piece's row count before filters, or -1 when it is
	// unknown until the piece is read.
	Rows int64 `json:"rows"`
}

// SplitOpener builds a Source that reads the pieces specs (of one kind)
// in order. Its Schema equals the Schema of the Splitter that listed them.
type SplitOpener func(specs []json.RawMessage) (Source, error)

var splitKinds struct {
	sync.RWMutex
	m map[string]SplitOpener
}

// RegisterSplitKind makes OpenSplits read splits of kind with open. It
// is meant for init functions; registering a kind twice panics.
func RegisterSplitKind(kind string, open SplitOpener) {
	splitKinds.Lock()
	defer splitKinds.Unlock()
	if splitKinds.m == nil {
		splitKinds.m = map[string]SplitOpener{}
	}
	if _, dup := splitKinds.m[kind]; dup {
		panic(fmt.Sprintf("plan: split kind %q registered twice", kind))
	}
	splitKinds.m[kind] = open
}

// OpenSplits returns a Source reading splits, which must all be of one
// kind, in order.
func OpenSplits(splits []Split) (Source, error) {
	if len(splits) == 0 {
		return nil, fmt.Errorf("%w: OpenSplits needs at least one split", expr.ErrInvalidArgument)
	}
	kind := splits[0].Kind
	specs := make([]json.RawMessage, len(splits))
	for i, s := range splits {
		if s.Kind != kind {
			return nil, fmt.Errorf("%w: OpenSplits got splits of kinds %q and %q; pass one kind at a time", expr.ErrInvalidArgument, kind, s.Kind)
		}
		specs[i] = s.Spec
	}
	splitKinds.RLock()
	open, ok := splitKinds.m[kind]
	var known []string
	if !ok {
		for k := range splitKinds.m {
			known = append(known, k)
		}
	}
	splitKinds.RUnlock()
	if !ok {
		sort.Strings(known)
		return nil, fmt.Errorf("%w: split kind %q is not registered in this binary (known: %s)", expr.ErrUnsupported, kind, strings.Join(known, ", "))
	}
	return open(specs)
}
