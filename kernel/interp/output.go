package interp

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// outPipe gives interpreted code a real *os.File for os.Stdout or
// os.Stderr whose bytes go to an io.Writer. Everything interpreted code
// prints (fmt.Print*, os.Stdout.Write, log) goes through the same pipe, so
// the order is kept. flush waits until all bytes written so far reached the
// writer.
type outPipe struct {
	r, w *os.File
	dst  io.Writer
	seq  atomic.Uint64
	mu   sync.Mutex
	acks map[uint64]chan struct{}
	done chan struct{}
}

// flushMarker frames a flush request inside the byte stream.
const flushMarker = "\x00golab-flush:"

func newOutPipe(dst io.Writer) (*outPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("interp: creating output pipe: %w", err)
	}
	p := &outPipe{r: r, w: w, dst: dst, acks: map[uint64]chan struct{}{}, done: make(chan struct{})}
	go p.copy()
	return p, nil
}

// copy forwards the pipe to dst, answering flush markers. It owns r and
// ends when w is closed.
func (p *outPipe) copy() {
	defer close(p.done)
	buf := make([]byte, 32*1024)
	var pending []byte
	for {
		n, err := p.r.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			pending = p.forward(pending)
		}
		if err != nil {
			if len(pending) > 0 {
				_, _ = p.dst.Write(pending)
			}
			p.mu.Lock()
			for _, ch := range p.acks {
				close(ch)
			}
			p.acks = map[uint64]chan struct{}{}
			p.mu.Unlock()
			return
		}
	}
}

// forward writes out everything before a (possibly partial) marker and
// acknowledges complete markers; it returns the bytes it must keep.
func (p *outPipe) forward(b []byte) []byte {
	for {
		i := bytes.Index(b, []byte(flushMarker))
		if i < 0 {
			// Keep a tail that could be the start of a marker.
			keep := 0
			for k := len(flushMarker) - 1; k > 0; k-- {
				if len(b) >= k && bytes.HasSuffix(b, []byte(flushMarker[:k])) {
					keep = k
					break
				}
			}
			if len(b)-keep > 0 {
				_, _ = p.dst.Write(b[:len(b)-keep])
			}
			return append([]byte(nil), b[len(b)-keep:]...)
		}
		if i > 0 {
			_, _ = p.dst.Write(b[:i])
		}
		rest := b[i+len(flushMarker):]
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			return append([]byte(nil), b[i:]...)
		}
		var id uint64
		_, _ = fmt.Sscanf(string(rest[:end]), "%d", &id)
		p.mu.Lock()
		if ch, ok := p.acks[id]; ok {
			close(ch)
			delete(p.acks, id)
		}
		p.mu.Unlock()
		b = rest[end+1:]
	}
}

// flush waits (up to a second) until bytes written before the call have
// reached the destination writer.
func (p *outPipe) flush() {
	id := p.seq.Add(1)
	ch := make(chan struct{})
	p.mu.Lock()
	p.acks[id] = ch
	p.mu.Unlock()
	if _, err := fmt.Fprintf(p.w, "%s%d\x00", flushMarker, id); err != nil {
		return
	}
	select {
	case <-ch:
	case <-time.After(time.Second):
	}
}

// close stops the copier after forwarding what was written.
func (p *outPipe) close() {
	_ = p.w.Close()
	<-p.done
	_ = p.r.Close()
}
