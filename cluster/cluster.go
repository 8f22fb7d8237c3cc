package cluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golab-dev/golab/dataframe"
	dfexec "github.com/golab-dev/golab/dataframe/exec"
)

// Config configures Start and Connect. The zero value is usable: Start
// launches 2 workers with 2 GiB and 1 core each on loopback.
type Config struct {
	// Workers is the number of worker processes Start launches (default 2).
	Workers int
	// MemoryPerWorker is each started worker's memory limit, e.g. "2GiB"
	// (default "2GiB"); it sets GOMEMLIMIT and the worker's Arrow allocator limit.
	MemoryPerWorker string
	// CoresPerWorker is each started worker's GOMAXPROCS (default 1).
	CoresPerWorker int
	// Binary is the golab executable Start runs as "golab worker"
	// (default: $GOLAB_BIN, else this process's executable; with SSHHosts
	// the same path must hold the same build on every host).
	Binary string

	// SSHHosts makes Start launch one worker on each of these hosts
	// ("host" or "user@host") over ssh instead of Workers local ones. The
	// token travels on the ssh session's stdin, and the worker exits when
	// the session ends.
	SSHHosts []string
	// SSHCommand is the ssh client and its options (default
	// ["ssh", "-o", "BatchMode=yes", "-T"]); the host and the remote
	// command are appended.
	SSHCommand []string
	// SSHListen is the address remote workers listen on (default
	// "0.0.0.0:0": all interfaces, a free port).
	SSHListen string

	// Addrs are running workers' addresses for Connect.
	Addrs []string
	// Token is the cluster token (Start generates one when empty).
	Token string
	// TokenFile holds the token (read by Connect when Token is empty).
	TokenFile string

	// TLSCAFile is a PEM file of the certificate authorities that signed
	// the workers' certificates; setting it makes the coordinator talk
	// TLS to every worker (started with --tls-cert and --tls-key). By
	// default traffic is plaintext, which suits loopback and trusted
	// networks only: the token is sent in the clear.
	TLSCAFile string
	// TLSCertFile and TLSKeyFile are the PEM certificate and key the
	// workers Start launches serve with (their --tls-cert and --tls-key;
	// paths on the remote hosts with SSHHosts). Without TLSCAFile the
	// coordinator trusts TLSCertFile itself (a self-signed certificate;
	// read on this machine, so with SSHHosts set TLSCAFile to a local
	// copy unless the path is shared).
	TLSCertFile string
	TLSKeyFile  string
	// TLSClientCertFile and TLSClientKeyFile are the PEM certificate and
	// key the coordinator shows workers that ask for one (started with
	// --tls-client-ca: mutual TLS). Start then starts its workers with
	// --tls-client-ca TLSClientCAFile (default: TLSClientCertFile itself,
	// self-signed) plus the CA of their own certificates, which they show
	// each other.
	TLSClientCertFile string
	TLSClientKeyFile  string
	TLSClientCAFile   string
	// TLSServerName is the name the workers' certificates must carry
	// (default: the host part of each worker's address).
	TLSServerName string

	// DialTimeout bounds connecting to and starting a worker (default 10s).
	DialTimeout time.Duration
	// TaskTimeout bounds one attempt of one task (default 10 minutes).
	TaskTimeout time.Duration
	// MaxAttempts is the number of attempts per task (default 4).
	MaxAttempts int
	// Partitions is the number of partitions scans are split into
	// (default 2 per worker).
	Partitions int
	// ScanOnCoordinator reads file scans (ScanParquet, ScanDir) on the
	// coordinator and sends the data to the workers. By default every
	// worker reads its share (files, row groups) itself, which needs the
	// path readable on every worker (always true for Start's local
	// workers; a shared directory for Connect and SSHHosts).
	ScanOnCoordinator bool
	// BroadcastRows: a join side with at most this many rows is sent
	// whole to every task of the other side (default 200000).
	BroadcastRows int
	// Log receives worker stderr and cluster events (default: discarded).
	Log io.Writer

	// OnProgress receives a running job's progress at most 5 times a
	// second and once more when the job ends (Finished set). When nil, a
	// job run from a notebook shows an HTML progress bar that updates in
	// place (jobs done within half a second show none); elsewhere nothing
	// is shown.
	OnProgress func(JobProgress)
	// NoProgress turns progress reports off, in a notebook too.
	NoProgress bool
}

func (c *Config) defaults() error {
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.MemoryPerWorker == "" {
		c.MemoryPerWorker = "2GiB"
	}
	if c.CoresPerWorker <= 0 {
		c.CoresPerWorker = 1
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.TaskTimeout <= 0 {
		c.TaskTimeout = 10 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.BroadcastRows <= 0 {
		c.BroadcastRows = 200_000
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if len(c.SSHCommand) == 0 {
		c.SSHCommand = []string{"ssh", "-o", "BatchMode=yes", "-T"}
	}
	if c.SSHListen == "" {
		c.SSHListen = "0.0.0.0:0"
	}
	if _, err := ParseBytes(c.MemoryPerWorker); err != nil {
		return err
	}
	return nil
}

// Cluster is a set of workers and the coordinator that runs plans on
// them. It implements dataframe/exec.Executor. It is safe for concurrent
// use; Close stops the workers Start launched.
type Cluster struct {
	cfg   Config
	token string
	tls   *tls.Config // nil: plaintext
	// peerTLS is how workers dial each other (nil: plaintext).
	peerTLS *peerTLS
	// afterStage, when set (tests), runs after each stage that succeeded.
	afterStage func(stage string)
	// uploads counts task inputs sent to workers (tests).
	uploads atomic.Int64
	tmpDir  string
	procs   []*proc
	jobSeq  atomic.Int64
	bg      sync.WaitGroup // jobs' drop requests still in flight (Close waits)

	mu struct {
		sync.Mutex
		workers []*workerState
		closed  bool
		jobs    int
		running map[string]JobProgress // running jobs' progress, for MIMEBundle
		caches  []*cachedSource
	}
}

type workerState struct {
	c       *workerClient
	proc    *proc // nil for Connect
	dead    error
	running int
	done    int
}

// proc is a worker process Start launched; its waiter closes done.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.Closer
	done   chan struct{}
	stderr *tailBuffer
}

// Start launches cfg.Workers "golab worker" processes on this machine and
// connects to them. The workers die with this process (Pdeathsig) and
// when Close is called.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	bin := cfg.Binary
	if bin == "" {
		bin = os.Getenv("GOLAB_BIN")
	}
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("%w: find the golab binary: %v; set Config.Binary", ErrConfig, err)
		}
	}
	c := &Cluster{cfg: cfg, token: cfg.Token}
	var err error
	if c.tls, c.peerTLS, err = cfg.clientTLS(); err != nil {
		return nil, err
	}
	if c.token == "" {
		b := make([]byte, 32)
		rand.Read(b)
		c.token = hex.EncodeToString(b)
	}
	dir, err := os.MkdirTemp("", "golab-cluster-")
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	c.tmpDir = dir
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(c.token), 0o600); err != nil {
		c.Close()
		return nil, fmt.Errorf("cluster: write token file: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	type started struct {
		addr string
		p    *proc
		err  error
	}
	hosts := make([]string, cfg.Workers) // "" launches here
	if len(cfg.SSHHosts) > 0 {
		hosts = cfg.SSHHosts
	}
	ch := make(chan started, len(hosts))
	for _, host := range hosts {
		go func() {
			addr, p, err := c.launch(sctx, bin, tokenFile, host)
			ch <- started{addr, p, err}
		}()
	}
	var addrs []string
	var firstErr error
	for range hosts {
		s := <-ch
		if s.p != nil {
			c.procs = append(c.procs, s.p)
		}
		if s.err != nil && firstErr == nil {
			firstErr = s.err
		}
		addrs = append(addrs, s.addr)
	}
	if firstErr != nil {
		c.Close()
		return nil, firstErr
	}
	if err := c.connect(sctx, addrs); err != nil {
		c.Close()
		return nil, err
	}
	// Pair workers with their processes (for SIGKILL tests and status).
	for _, w := range c.mu.workers {
		for _, p := range c.procs {
			if p.cmd.Process.Pid == w.c.info.PID {
				w.proc = p
			}
		}
	}
	return c, nil
}

// launch starts one worker (on host over ssh, or here when host is "")
// and waits for the address it prints.
func (c *Cluster) launch(ctx context.Context, bin, tokenFile, host string) (string, *proc, error) {
	mem, _ := ParseBytes(c.cfg.MemoryPerWorker)
	args := []string{"worker", "--memory", c.cfg.MemoryPerWorker, "--cores", strconv.Itoa(c.cfg.CoresPerWorker), "--exit-on-stdin-eof"}
	if c.cfg.TLSCertFile != "" {
		args = append(args, "--tls-cert", c.cfg.TLSCertFile, "--tls-key", c.cfg.TLSKeyFile)
		if cas := c.cfg.clientCAs(); cas != nil {
			args = append(args, "--tls-client-ca", strings.Join(cas, ","))
		}
	}
	var cmd *exec.Cmd
	if host == "" {
		args = append(args, "--listen", "127.0.0.1:0", "--token-file", tokenFile)
		cmd = exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "GOMEMLIMIT="+strconv.FormatInt(mem, 10), "GOMAXPROCS="+strconv.Itoa(c.cfg.CoresPerWorker))
	} else {
		args = append(args, "--listen", c.cfg.SSHListen, "--token-stdin")
		remote := []string{shellQuote(bin)}
		for _, a := range args {
			remote = append(remote, shellQuote(a))
		}
		ssh := append(append([]string{}, c.cfg.SSHCommand...), host, "--", strings.Join(remote, " "))
		cmd = exec.Command(ssh[0], ssh[1:]...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{cmd: cmd, done: make(chan struct{}), stderr: &tailBuffer{w: c.cfg.Log}}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("cluster: %w", err)
	}
	// The worker exits when this pipe closes, which happens when this
	// process dies for any reason (Pdeathsig covers only the thread, and
	// does not cross ssh).
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, fmt.Errorf("cluster: %w", err)
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("%w: start worker %s: %v", ErrConfig, cmd.Path, err)
	}
	if host != "" {
		io.WriteString(stdin, c.token+"\n")
	}
	addrc := make(chan string, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok && !sent {
				addrc <- strings.TrimSpace(a)
				sent = true
			}
		}
		if !sent {
			close(addrc)
		}
	}()
	go func() {
		<-readDone // Wait closes the pipe; read it to the end first
		cmd.Wait()
		close(p.done)
	}()
	where := bin
	if host != "" {
		where = bin + " on " + host
	}
	select {
	case a, ok := <-addrc:
		if ok {
			return reachableAddr(a, host), p, nil
		}
		<-p.done
		return "", p, fmt.Errorf("%w: worker %s exited before listening (%v): %s", ErrConfig, where, cmd.ProcessState, p.stderr.String())
	case <-ctx.Done():
		return "", p, fmt.Errorf("%w: worker %s did not print its address within %v: %s", ErrUnreachable, where, c.cfg.DialTimeout, p.stderr.String())
	}
}

// reachableAddr replaces a wildcard listen address by the ssh host.
func reachableAddr(addr, host string) string {
	h, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return addr
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
		return net.JoinHostPort(host, port)
	}
	return addr
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Connect uses workers already running at cfg.Addrs.
func Connect(ctx context.Context, cfg Config) (*Cluster, error) {
	if len(cfg.Addrs) == 0 {
		return nil, fmt.Errorf("%w: Connect needs Config.Addrs", ErrConfig)
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, token: cfg.Token}
	var err error
	if c.tls, c.peerTLS, err = cfg.clientTLS(); err != nil {
		return nil, err
	}
	if c.token == "" {
		if cfg.TokenFile == "" {
			return nil, fmt.Errorf("%w: Connect needs Config.Token or Config.TokenFile (the file the workers got with --token-file)", ErrConfig)
		}
		var err error
		if c.token, err = ReadTokenFile(cfg.TokenFile); err != nil {
			return nil, err
		}
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	if err := c.connect(dctx, cfg.Addrs); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ReadTokenFile reads a cluster token (surrounding white space is ignored).
func ReadTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: token file: %v", ErrConfig, err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("%w: token file %s is empty", ErrConfig, path)
	}
	return t, nil
}

func (c *Cluster) connect(ctx context.Context, addrs []string) error {
	type res struct {
		i   int
		wc  *workerClient
		err error
	}
	ch := make(chan res, len(addrs))
	for i, a := range addrs {
		go func() {
			wc, err := dial(ctx, a, c.token, c.tls)
			ch <- res{i, wc, err}
		}()
	}
	ws := make([]*workerState, len(addrs))
	var errs []error
	for range addrs {
		r := <-ch
		if r.err != nil {
			if errors.Is(r.err, context.DeadlineExceeded) && !errors.Is(r.err, ErrUnreachable) {
				r.err = fmt.Errorf("%w: %s did not answer within %v: %v", ErrUnreachable, addrs[r.i], c.cfg.DialTimeout, r.err)
			}
			errs = append(errs, r.err)
			continue
		}
		ws[r.i] = &workerState{c: r.wc}
	}
	c.mu.Lock()
	for _, w := range ws {
		if w != nil {
			c.mu.workers = append(c.mu.workers, w)
		}
	}
	c.mu.Unlock()
	return errors.Join(errs...)
}

// Close stops using the workers, and stops and waits for the ones Start
// launched. It is safe to call more than once.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return nil
	}
	caches := c.mu.caches
	c.mu.caches = nil
	c.mu.Unlock()
	for _, cs := range caches {
		cs.release() // workers that outlive the cluster free the pieces
	}
	c.bg.Wait()
	c.mu.Lock()
	c.mu.closed = true
	ws := c.mu.workers
	c.mu.Unlock()
	for _, w := range ws {
		w.c.close() // fails the drops still in flight at once
	}
	c.bg.Wait()
	for _, p := range c.procs {
		p.stdin.Close()
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range c.procs {
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	if c.tmpDir != "" {
		os.RemoveAll(c.tmpDir)
	}
	return nil
}

// Addrs returns the workers' addresses.
func (c *Cluster) Addrs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, w := range c.mu.workers {
		out = append(out, w.c.addr)
	}
	return out
}

// Token returns the cluster token (to start more workers by hand).
func (c *Cluster) Token() string { return c.token }

// WorkerPIDs returns the process ids of the workers Start launched, in
// the order of Addrs (0 for connected workers).
func (c *Cluster) WorkerPIDs() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, w := range c.mu.workers {
		out = append(out, w.c.info.PID)
	}
	return out
}

// Context returns a context whose dataframe queries run on c:
//
//	df, err := lf.Collect(cluster.Context(ctx, c))
func Context(ctx context.Context, c *Cluster) context.Context { return dfexec.WithExecutor(ctx, c) }

// WorkerStatus is one worker's state as MIMEBundle shows it.
type WorkerStatus struct {
	Addr    string
	PID     int
	Cores   int
	Used    int64
	Limit   int64
	Running int // tasks the coordinator has sent to the worker and not yet seen end
	Done    int
	// RunningOnWorker is the number of tasks the worker itself reports
	// running. After a cancel it can lag Running for as long as the
	// worker takes to stop them.
	RunningOnWorker int
	// Spilled is the number of task outputs the worker has written to
	// disk because they did not fit in its memory limit.
	Spilled int64
	Err     error // non-nil when the worker is dead or did not answer
}

// Status asks every worker for its memory use and tasks.
func (c *Cluster) Status(ctx context.Context) []WorkerStatus {
	c.mu.Lock()
	ws := append([]*workerState(nil), c.mu.workers...)
	c.mu.Unlock()
	out := make([]WorkerStatus, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := WorkerStatus{Addr: w.c.addr, PID: w.c.info.PID}
			c.mu.Lock()
			s.Running, s.Done, s.Err = w.running, w.done, w.dead
			c.mu.Unlock()
			if s.Err == nil {
				sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				info, err := w.c.action(sctx, "status", nil)
				cancel()
				s.Cores, s.Used, s.Limit, s.RunningOnWorker, s.Spilled, s.Err = info.Cores, info.Used, info.Limit, int(info.Running), info.Spilled, err
			}
			out[i] = s
		}()
	}
	wg.Wait()
	return out
}

// MIMEBundle renders the cluster for the notebook: one row per worker
// with memory used/limit and running tasks.
func (c *Cluster) MIMEBundle() map[string]any {
	st := c.Status(context.Background())
	c.mu.Lock()
	closed := c.mu.closed
	var jobs []JobProgress
	for _, p := range c.mu.running {
		jobs = append(jobs, p)
	}
	c.mu.Unlock()
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].Job < jobs[b].Job })
	var h, t strings.Builder
	state := "running"
	if closed {
		state = "closed"
	}
	fmt.Fprintf(&h, "<div class=\"golab-cluster\"><b>GoLab cluster</b> (%d workers, %s)", len(st), state)
	fmt.Fprintf(&t, "GoLab cluster (%d workers, %s)\n", len(st), state)
	for _, p := range jobs {
		b := p.MIMEBundle()
		h.WriteString(b["text/html"].(string))
		fmt.Fprintf(&t, "%s\n", b["text/plain"])
	}
	h.WriteString("<table><tr><th>worker</th><th>pid</th><th>cores</th><th>memory used / limit</th><th>running tasks</th><th>tasks done</th><th>state</th></tr>")
	for _, s := range st {
		state := "ok"
		if s.Err != nil {
			state = s.Err.Error()
		}
		lim := "no limit"
		if s.Limit > 0 {
			lim = FormatBytes(s.Limit)
		}
		fmt.Fprintf(&h, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%s / %s</td><td>%d</td><td>%d</td><td>%s</td></tr>",
			html.EscapeString(s.Addr), s.PID, s.Cores, FormatBytes(s.Used), lim, s.Running, s.Done, html.EscapeString(state))
		fmt.Fprintf(&t, "  %s pid %d: %s / %s, %d running, %d done, %s\n", s.Addr, s.PID, FormatBytes(s.Used), lim, s.Running, s.Done, state)
	}
	h.WriteString("</table>")
	c.mu.Lock()
	caches := append([]*cachedSource(nil), c.mu.caches...)
	c.mu.Unlock()
	var live []string
	for _, cs := range caches {
		cs.mu.Lock()
		if !cs.released {
			live = append(live, cs.String())
		}
		cs.mu.Unlock()
	}
	if len(live) > 0 {
		fmt.Fprintf(&h, "<div>cached results (Cache): %d; %s</div>", len(live), html.EscapeString(strings.Join(live, "; ")))
		fmt.Fprintf(&t, "  cached results (Cache): %d; %s\n", len(live), strings.Join(live, "; "))
	}
	var spilled int64
	for _, s := range st {
		spilled += s.Spilled
	}
	if spilled > 0 {
		fmt.Fprintf(&h, "<div>task outputs spilled to disk (memory limit): %d</div>", spilled)
		fmt.Fprintf(&t, "  task outputs spilled to disk (memory limit): %d\n", spilled)
	}
	h.WriteString("</div>")
	return map[string]any{"text/html": h.String(), "text/plain": t.String()}
}

// tailBuffer keeps the last 4 KiB written (a worker's stderr) and copies
// everything to w.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	w   io.Writer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.w.Write(p)
	b.buf.Write(p)
	if b.buf.Len() > 4096 {
		rest := b.buf.Bytes()[b.buf.Len()-4096:]
		b.buf = *bytes.NewBuffer(append([]byte(nil), rest...))
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// Collect runs lf on the cluster: the same as lf.Collect(Context(ctx, c)).
func (c *Cluster) Collect(ctx context.Context, lf *dataframe.LazyFrame) (*dataframe.Frame, error) {
	return lf.Collect(Context(ctx, c))
}
