package interp

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	yaegi "github.com/traefik/yaegi/interp"
)

// executeWithContext runs a compiled program and stops it when ctx is
// cancelled. It does what yaegi's ExecuteWithContext does (a fresh
// cancellation channel per run, a run id bump on cancel) without that
// function's data race on its named results, which the race detector
// reports on every interrupt. The fields it touches are those of the
// pinned yaegi v0.16.1; newInterpFields checks they exist.
func (s *Session) executeWithContext(ctx context.Context, in *yaegi.Interpreter, prog *yaegi.Program) (reflect.Value, error) {
	f := fieldsOf(in)
	done := make(chan struct{})
	s.cellDone.Store(&done)
	if f.ok {
		f.mutex.Lock()
		*f.done = done
		*f.cancelChan = true
		f.mutex.Unlock()
	}
	type result struct {
		v   reflect.Value
		err error
	}
	ch := make(chan result, 1)
	defer dropRoots(in)
	go func() {
		v, err := in.Execute(prog)
		ch <- result{v, err}
	}()
	select {
	case <-ctx.Done():
		if f.ok {
			atomic.AddUint64(f.id, 1)
		}
		close(done)
		// Give the interpreted code a moment to notice and return, so its
		// state is handed back to us cleanly; code blocked in compiled
		// calls is abandoned.
		select {
		case <-ch:
		case <-time.After(interruptGrace):
		}
		return reflect.Value{}, ctx.Err()
	case r := <-ch:
		return r.v, r.err
	}
}

// interruptGrace is how long an interrupted cell's goroutine may take to
// unwind before it is abandoned; Eval returns within this plus a little.
const interruptGrace = 700 * time.Millisecond

// sleep replaces time.Sleep for interpreted code: it returns early when the
// running cell is interrupted, so an interrupted goroutine unwinds.
func (s *Session) sleep(d time.Duration) {
	p := s.cellDone.Load()
	if p == nil {
		time.Sleep(d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-*p:
	}
}

// interpFields are pointers to unexported fields of a yaegi Interpreter.
type interpFields struct {
	ok         bool
	id         *uint64
	done       *chan struct{}
	cancelChan *bool
	mutex      *sync.RWMutex
}

func fieldsOf(in *yaegi.Interpreter) interpFields {
	v := reflect.ValueOf(in).Elem()
	id := v.FieldByName("id")
	done := v.FieldByName("done")
	cc := v.FieldByName("cancelChan")
	mu := v.FieldByName("mutex")
	if !id.IsValid() || id.Kind() != reflect.Uint64 ||
		!done.IsValid() || done.Type() != reflect.TypeOf(make(chan struct{})) ||
		!cc.IsValid() || cc.Kind() != reflect.Bool ||
		!mu.IsValid() || mu.Type() != reflect.TypeOf(sync.RWMutex{}) {
		return interpFields{}
	}
	return interpFields{
		ok:         true,
		id:         (*uint64)(unsafe.Pointer(id.UnsafeAddr())),
		done:       (*chan struct{})(unsafe.Pointer(done.UnsafeAddr())),
		cancelChan: (*bool)(unsafe.Pointer(cc.UnsafeAddr())),
		mutex:      (*sync.RWMutex)(unsafe.Pointer(mu.UnsafeAddr())),
	}
}
