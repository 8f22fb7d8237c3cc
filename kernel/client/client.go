package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/golab-dev/golab/kernel/wire"
)

var (
	// ErrKernelExited reports that the kernel process ended.
	ErrKernelExited = errors.New("client: kernel exited")
	// ErrTimeout reports that the kernel did not answer in time.
	ErrTimeout = errors.New("client: timed out")
)

// Config says how to start a kernel. Only Argv is required.
type Config struct {
	// Argv is the kernel's command line, as in a kernelspec; the element
	// "{connection_file}" is replaced by the path of the connection file
	// Start writes.
	Argv []string
	// Env is added to the current environment of the kernel process.
	Env []string
	// Dir is the kernel's working directory; empty means the current one.
	Dir string
	// Stderr receives the kernel process's stdout and stderr (its log);
	// nil discards them.
	Stderr io.Writer
	// StartTimeout bounds the wait for the first kernel_info_reply; zero
	// means 60s.
	StartTimeout time.Duration
	// InterruptGrace is how long Execute waits for an interrupted cell to
	// end after its ctx is done; zero means 10s.
	InterruptGrace time.Duration
}

// Output is one output in nbformat 4 shape, e.g.
// {"output_type": "stream", "name": "stdout", "text": "hi\n"}.
type Output map[string]any

// Result is what one execute_request produced.
type Result struct {
	// Status is the execute_reply status: "ok", "error" or "aborted".
	Status string
	// ExecutionCount is the reply's execution_count.
	ExecutionCount int
	// Outputs are the iopub outputs in nbformat shape.
	Outputs []Output
	// EName, EValue and Traceback describe the error when Status is "error".
	EName, EValue string
	Traceback     []string
	// Reply is the whole execute_reply content (nil if none arrived).
	Reply map[string]any
}

// Client is a running kernel and the sockets connected to it.
type Client struct {
	cfg     Config
	ctx     context.Context
	cancel  context.CancelFunc
	signer  *wire.Signer
	session string
	conn    wire.ConnectionInfo
	dir     string

	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error // set before exited is closed

	shell, control, stdin, iopub, hb zmq4.Socket
	shellCh, controlCh, iopubCh      chan *wire.Message

	wg        sync.WaitGroup
	closeOnce sync.Once
	dropped   atomic.Int64
	info      map[string]any

	execMu   sync.Mutex          // serializes Execute; guards displays
	displays map[string][]Output // display_id -> outputs showing it
	ctlMu    sync.Mutex          // serializes control requests
	hbMu     sync.Mutex          // serializes heartbeats
}

// Start starts the kernel, connects to it and waits until it answers a
// kernel_info_request and its iopub messages arrive. ctx bounds the start
// only; the kernel lives until Close.
func Start(ctx context.Context, cfg Config) (_ *Client, err error) {
	if len(cfg.Argv) == 0 {
		return nil, errors.New("client: Config.Argv is empty, want a kernel command line")
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.InterruptGrace <= 0 {
		cfg.InterruptGrace = 10 * time.Second
	}
	ports, err := freePorts(5)
	if err != nil {
		return nil, fmt.Errorf("client: find free ports: %w", err)
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("client: random key: %w", err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		cfg: cfg, ctx: lctx, cancel: cancel,
		session: wire.NewID(),
		conn: wire.ConnectionInfo{
			Transport: "tcp", IP: "127.0.0.1",
			ShellPort: ports[0], ControlPort: ports[1], StdinPort: ports[2], IOPubPort: ports[3], HBPort: ports[4],
			Key: hex.EncodeToString(key[:]), SignatureScheme: "hmac-sha256",
		},
		exited:    make(chan struct{}),
		shellCh:   make(chan *wire.Message, 64),
		controlCh: make(chan *wire.Message, 64),
		iopubCh:   make(chan *wire.Message, 1024),
		displays:  map[string][]Output{},
	}
	c.signer = wire.NewSigner([]byte(c.conn.Key))
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if c.dir, err = os.MkdirTemp("", "golab-client-"); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	connFile := filepath.Join(c.dir, "kernel-"+c.session+".json")
	raw, _ := json.MarshalIndent(c.conn, "", "  ")
	if err := os.WriteFile(connFile, raw, 0o600); err != nil {
		return nil, fmt.Errorf("client: write connection file: %w", err)
	}
	argv := make([]string, len(cfg.Argv))
	for i, a := range cfg.Argv {
		argv[i] = strings.ReplaceAll(a, "{connection_file}", connFile)
	}
	c.cmd = exec.Command(argv[0], argv[1:]...)
	c.cmd.Dir = cfg.Dir
	c.cmd.Env = append(os.Environ(), cfg.Env...)
	c.cmd.Stdout, c.cmd.Stderr = orDiscard(cfg.Stderr), orDiscard(cfg.Stderr)
	c.cmd.SysProcAttr = childAttr()
	// A grandchild holding the log pipe open must not block Close.
	c.cmd.WaitDelay = 2 * time.Second
	if err := c.cmd.Start(); err != nil {
		close(c.exited)
		return nil, fmt.Errorf("client: start kernel %q: %w", argv[0], err)
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.exitErr = c.cmd.Wait()
		close(c.exited)
	}()

	sctx, scancel := context.WithTimeout(ctx, cfg.StartTimeout)
	defer scancel()
	if err := c.connect(sctx); err != nil {
		return nil, err
	}
	if err := c.handshake(sctx); err != nil {
		return nil, err
	}
	return c, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// connect dials the five sockets and starts their readers.
func (c *Client) connect(ctx context.Context) error {
	const retry = 50 * time.Millisecond
	opts := []zmq4.Option{zmq4.WithDialerRetry(retry), zmq4.WithDialerMaxRetries(int(c.cfg.StartTimeout / retry))}
	id := func(name string) zmq4.Option { return zmq4.WithID(zmq4.SocketIdentity(name + "-" + c.session)) }
	c.shell = zmq4.NewDealer(c.ctx, append(opts, id("shell"))...)
	c.control = zmq4.NewDealer(c.ctx, append(opts, id("control"))...)
	c.stdin = zmq4.NewDealer(c.ctx, append(opts, id("stdin"))...)
	c.iopub = zmq4.NewSub(c.ctx, opts...)
	c.hb = zmq4.NewReq(c.ctx, opts...)
	done := make(chan error, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for _, s := range []struct {
			name string
			sk   zmq4.Socket
			port int
		}{{"shell", c.shell, c.conn.ShellPort}, {"control", c.control, c.conn.ControlPort},
			{"stdin", c.stdin, c.conn.StdinPort}, {"iopub", c.iopub, c.conn.IOPubPort}, {"hb", c.hb, c.conn.HBPort}} {
			if err := s.sk.Dial(c.conn.Endpoint(s.port)); err != nil {
				done <- fmt.Errorf("client: connect %s: %w", s.name, err)
				return
			}
		}
		done <- c.iopub.SetOption(zmq4.OptionSubscribe, "")
	}()
	select {
	case err := <-done:
		if err != nil {
			return err
		}
	case <-c.exited:
		return c.exitError()
	case <-ctx.Done():
		return fmt.Errorf("client: connect to the kernel: %w (%w)", ErrTimeout, ctx.Err())
	}
	c.wg.Add(4)
	go c.read(c.shell, c.shellCh, nil)
	go c.read(c.control, c.controlCh, nil)
	go c.read(c.iopub, c.iopubCh, nil)
	go c.read(c.stdin, nil, c.answerInput)
	return nil
}

// read decodes messages from sk and delivers them to out (or handle) until
// the client closes.
func (c *Client) read(sk zmq4.Socket, out chan<- *wire.Message, handle func(*wire.Message)) {
	defer c.wg.Done()
	for {
		raw, err := sk.Recv()
		if err != nil {
			select {
			case <-c.ctx.Done():
				return
			case <-c.exited:
				return
			case <-time.After(10 * time.Millisecond):
				continue
			}
		}
		m, err := wire.Decode(raw.Frames, c.signer)
		if err != nil {
			c.dropped.Add(1)
			continue
		}
		if handle != nil {
			handle(m)
			continue
		}
		select {
		case out <- m:
		case <-c.ctx.Done():
			return
		}
	}
}

// answerInput answers an input_request with an empty line: a batch run
// has no one to type.
func (c *Client) answerInput(m *wire.Message) {
	if m.Header.MsgType != "input_request" {
		return
	}
	r, err := wire.Reply(m, "input_reply", map[string]string{"value": ""})
	if err != nil {
		return
	}
	r.Identities = nil
	_ = c.send(c.stdin, r)
}

func (c *Client) exitError() error {
	<-c.exited
	if c.exitErr != nil {
		return fmt.Errorf("%w: %v", ErrKernelExited, c.exitErr)
	}
	return fmt.Errorf("%w with status 0", ErrKernelExited)
}

// newMessage builds a request of msgType with content.
func (c *Client) newMessage(msgType string, content any) (*wire.Message, error) {
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("client: encode %s: %w", msgType, err)
	}
	return &wire.Message{
		Header:   wire.NewHeader(msgType, c.session),
		Parent:   json.RawMessage("{}"),
		Metadata: json.RawMessage("{}"),
		Content:  body,
	}, nil
}

func (c *Client) send(sk zmq4.Socket, m *wire.Message) error {
	frames, err := wire.Encode(m, c.signer)
	if err != nil {
		return err
	}
	return sk.Send(zmq4.NewMsgFrom(frames...))
}

// parentID returns the msg_id of m's parent header.
func parentID(m *wire.Message) string {
	var p struct {
		MsgID string `json:"msg_id"`
	}
	_ = json.Unmarshal(m.Parent, &p)
	return p.MsgID
}

// handshake sends kernel_info_request until a reply arrives and iopub has
// delivered at least one message, which proves the subscription is live.
func (c *Client) handshake(ctx context.Context) error {
	var reply *wire.Message
	iopubSeen := false
	for reply == nil || !iopubSeen {
		req, err := c.newMessage("kernel_info_request", map[string]any{})
		if err != nil {
			return err
		}
		if err := c.send(c.shell, req); err != nil {
			return fmt.Errorf("client: send kernel_info_request: %w", err)
		}
		resend := time.NewTimer(time.Second)
	wait:
		for {
			select {
			case m := <-c.shellCh:
				if m.Header.MsgType == "kernel_info_reply" {
					reply = m
					if iopubSeen {
						break wait
					}
				}
			case <-c.iopubCh:
				iopubSeen = true
				if reply != nil {
					break wait
				}
			case <-resend.C:
				break wait
			case <-c.exited:
				resend.Stop()
				return c.exitError()
			case <-ctx.Done():
				resend.Stop()
				return fmt.Errorf("client: no kernel_info_reply (reply seen: %t, iopub seen: %t): %w (%w)", reply != nil, iopubSeen, ErrTimeout, ctx.Err())
			}
		}
		resend.Stop()
	}
	dec := json.NewDecoder(bytes.NewReader(reply.Content))
	dec.UseNumber()
	if err := dec.Decode(&c.info); err != nil {
		return fmt.Errorf("client: kernel_info_reply content: %w", err)
	}
	return nil
}

// KernelInfo returns the content of the kernel_info_reply Start received.
func (c *Client) KernelInfo() map[string]any { return c.info }

// ConnectionInfo returns the connection file's content.
func (c *Client) ConnectionInfo() wire.ConnectionInfo { return c.conn }

// Pid returns the kernel's process id.
func (c *Client) Pid() int { return c.cmd.Process.Pid }

// Dropped returns how many received messages failed verification.
func (c *Client) Dropped() int64 { return c.dropped.Load() }

// Exited is closed when the kernel process has ended.
func (c *Client) Exited() <-chan struct{} { return c.exited }

// Execute runs code and returns its reply and outputs. When ctx ends
// before the cell does, Execute interrupts the kernel, waits up to
// Config.InterruptGrace for the cell to end, and returns what arrived with
// an error wrapping ctx.Err() (and ErrTimeout if the kernel did not stop;
// such a client should be closed).
func (c *Client) Execute(ctx context.Context, code string) (*Result, error) {
	c.execMu.Lock()
	defer c.execMu.Unlock()
	req, err := c.newMessage("execute_request", map[string]any{
		"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{},
		"allow_stdin": false, "stop_on_error": false,
	})
	if err != nil {
		return nil, err
	}
	id := req.Header.MsgID
	if err := c.send(c.shell, req); err != nil {
		return nil, fmt.Errorf("client: send execute_request: %w", err)
	}
	cell := &cellOutputs{displays: c.displays}
	res := &Result{}
	gotReply, idle := false, false
	done := ctx.Done()
	var grace <-chan time.Time
	var ctxErr error
	for !gotReply || !idle {
		select {
		case m := <-c.shellCh:
			if parentID(m) != id || m.Header.MsgType != "execute_reply" {
				continue
			}
			gotReply = true
			if err := res.setReply(m.Content); err != nil {
				return nil, err
			}
		case m := <-c.iopubCh:
			if parentID(m) != id {
				continue
			}
			if m.Header.MsgType == "status" && isIdle(m.Content) {
				idle = true
				continue
			}
			cell.handle(m)
		case <-c.exited:
			res.Outputs = cell.outs
			return res, c.exitError()
		case <-done:
			ctxErr = ctx.Err()
			done = nil
			t := time.NewTimer(c.cfg.InterruptGrace)
			defer t.Stop()
			grace = t.C
			ictx, icancel := context.WithTimeout(context.Background(), c.cfg.InterruptGrace)
			ierr := c.Interrupt(ictx)
			icancel()
			if ierr != nil {
				res.Outputs = cell.outs
				return res, fmt.Errorf("client: cell stopped by %w; interrupt failed: %w", ctxErr, ierr)
			}
		case <-grace:
			res.Outputs = cell.outs
			return res, fmt.Errorf("client: cell stopped by %w; the kernel did not end it within %v after interrupt_request: %w",
				ctxErr, c.cfg.InterruptGrace, ErrTimeout)
		}
	}
	res.Outputs = cell.outs
	if ctxErr != nil {
		return res, fmt.Errorf("client: cell interrupted: %w", ctxErr)
	}
	return res, nil
}

func isIdle(content json.RawMessage) bool {
	var s struct {
		State string `json:"execution_state"`
	}
	_ = json.Unmarshal(content, &s)
	return s.State == "idle"
}

func (r *Result) setReply(content json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&r.Reply); err != nil {
		return fmt.Errorf("client: execute_reply content: %w", err)
	}
	r.Status, _ = r.Reply["status"].(string)
	if n, ok := r.Reply["execution_count"].(json.Number); ok {
		i, _ := n.Int64()
		r.ExecutionCount = int(i)
	}
	r.EName, _ = r.Reply["ename"].(string)
	r.EValue, _ = r.Reply["evalue"].(string)
	if tb, ok := r.Reply["traceback"].([]any); ok {
		for _, l := range tb {
			s, _ := l.(string)
			r.Traceback = append(r.Traceback, s)
		}
	}
	return nil
}

// control sends a request on the control socket and waits for its reply.
func (c *Client) control1(ctx context.Context, msgType string, content any) (*wire.Message, error) {
	c.ctlMu.Lock()
	defer c.ctlMu.Unlock()
	req, err := c.newMessage(msgType, content)
	if err != nil {
		return nil, err
	}
	if err := c.send(c.control, req); err != nil {
		return nil, fmt.Errorf("client: send %s: %w", msgType, err)
	}
	for {
		select {
		case m := <-c.controlCh:
			if parentID(m) == req.Header.MsgID {
				return m, nil
			}
		case <-c.exited:
			return nil, c.exitError()
		case <-ctx.Done():
			return nil, fmt.Errorf("client: no reply to %s: %w (%w)", msgType, ErrTimeout, ctx.Err())
		}
	}
}

// Interrupt sends interrupt_request on the control socket and waits for
// interrupt_reply.
func (c *Client) Interrupt(ctx context.Context) error {
	_, err := c.control1(ctx, "interrupt_request", map[string]any{})
	return err
}

// Shutdown asks the kernel to shut down and waits for the process to end.
// It does not close the client; call Close afterwards.
func (c *Client) Shutdown(ctx context.Context) error {
	if _, err := c.control1(ctx, "shutdown_request", map[string]any{"restart": false}); err != nil {
		return err
	}
	select {
	case <-c.exited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("client: kernel still running after shutdown_reply: %w (%w)", ErrTimeout, ctx.Err())
	}
}

// Heartbeat sends one ping on the heartbeat socket and waits for its echo.
// After a timeout the heartbeat socket is unusable (REQ needs its reply).
func (c *Client) Heartbeat(ctx context.Context) error {
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	res := make(chan error, 1)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := c.hb.Send(zmq4.NewMsg([]byte("ping"))); err != nil {
			res <- err
			return
		}
		msg, err := c.hb.Recv()
		if err == nil && !bytes.Equal(bytes.Join(msg.Frames, nil), []byte("ping")) {
			err = fmt.Errorf("client: heartbeat echoed %q, want \"ping\"", bytes.Join(msg.Frames, nil))
		}
		res <- err
	}()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return fmt.Errorf("client: heartbeat: %w (%w)", ErrTimeout, ctx.Err())
	}
}

// Close ends the reader goroutines, closes the sockets, kills the kernel
// if it still runs and removes the connection file. It is safe to call
// more than once and from any goroutine.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.cancel()
		for _, sk := range []zmq4.Socket{c.shell, c.control, c.stdin, c.iopub, c.hb} {
			if sk != nil {
				sk.Close()
			}
		}
		if c.cmd != nil && c.cmd.Process != nil {
			select {
			case <-c.exited:
			default:
				_ = c.cmd.Process.Kill()
			}
		}
		c.wg.Wait()
		if c.dir != "" {
			os.RemoveAll(c.dir)
		}
	})
	return nil
}
