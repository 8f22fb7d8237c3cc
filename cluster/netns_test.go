package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golab-dev/golab/dataframe"
)

// netnsSeq makes the names of each run (-count=N) in one process unique.
var netnsSeq atomic.Int32

// netnsLab is a set of network namespaces ("hosts") joined by a bridge
// in the root namespace, where the test process (the coordinator) runs.
type netnsLab struct {
	t      *testing.T
	id     string // "<pid><letter>", unique per run
	bridge string
	hosts  []netnsHost
}

type netnsHost struct {
	ns   string // network namespace
	veth string // root-namespace end of the host's veth pair
	ip   string // 10.77.0.N
	cmd  *exec.Cmd
	addr string // worker address
}

// The subnet, the coordinator's address on the bridge and the worker port;
// nothing else is used.
const (
	netnsSubnet = "10.77.0.0/24"
	netnsCoord  = "10.77.0.254/24"
	netnsPort   = "7070"
)

var (
	staleNetns = regexp.MustCompile(`^golab-(\d+)[a-z]-h\d$`)
	staleLink  = regexp.MustCompile(`^g[bv](\d+)[a-z]\d?$`)
)

func ipCmd(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// newNetnsLab creates n namespaces golab-<id>-h1..hn with addresses
// 10.77.0.1..n on a bridge gb<id> (10.77.0.254) in the root namespace.
// It skips the test when namespaces cannot be created, and removes
// everything it created when the test ends.
func newNetnsLab(t *testing.T, n int) *netnsLab {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("skipping network-namespace test: the ip command (iproute2) is not installed")
	}
	removeStaleNetns(t)
	lab := &netnsLab{t: t, id: fmt.Sprintf("%d%c", os.Getpid(), 'a'+rune(netnsSeq.Add(1)%26))}
	lab.bridge = "gb" + lab.id
	for i := 1; i <= n; i++ {
		lab.hosts = append(lab.hosts, netnsHost{
			ns:   fmt.Sprintf("golab-%s-h%d", lab.id, i),
			veth: fmt.Sprintf("gv%s%d", lab.id, i),
			ip:   fmt.Sprintf("10.77.0.%d", i),
		})
	}
	// Probe: the first namespace. Failing here means namespaces are impossible.
	if _, err := ipCmd("netns", "add", lab.hosts[0].ns); err != nil {
		t.Skipf("skipping network-namespace test: cannot create a network namespace (needs root or CAP_SYS_ADMIN; euid %d): %v", os.Geteuid(), err)
	}
	t.Cleanup(lab.destroy)
	if out, _ := ipCmd("-o", "addr", "show", "to", netnsSubnet); strings.TrimSpace(out) != "" {
		t.Fatalf("%s is already in use in the root namespace (not by an earlier run of this test):\n%s", netnsSubnet, out)
	}
	lab.must("link", "add", lab.bridge, "type", "bridge")
	lab.must("addr", "add", netnsCoord, "dev", lab.bridge)
	lab.must("link", "set", lab.bridge, "up")
	for i, h := range lab.hosts {
		if i > 0 {
			lab.must("netns", "add", h.ns)
		}
		lab.must("link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.ns)
		lab.must("link", "set", h.veth, "master", lab.bridge)
		lab.must("link", "set", h.veth, "up")
		lab.must("-n", h.ns, "addr", "add", h.ip+"/24", "dev", "eth0")
		lab.must("-n", h.ns, "link", "set", "eth0", "up")
		lab.must("-n", h.ns, "link", "set", "lo", "up")
	}
	return lab
}

func (lab *netnsLab) must(args ...string) {
	lab.t.Helper()
	if _, err := ipCmd(args...); err != nil {
		lab.t.Fatal(err)
	}
}

// destroy kills the workers and removes the namespaces and links.
func (lab *netnsLab) destroy() {
	for _, h := range lab.hosts {
		if h.cmd != nil && h.cmd.Process != nil {
			h.cmd.Process.Kill()
		}
	}
	for _, h := range lab.hosts {
		if h.cmd != nil && h.cmd.Process != nil {
			h.cmd.Wait()
		}
	}
	for _, h := range lab.hosts {
		// Deleting the root end removes the pair (the in-namespace eth0 too).
		if _, err := ipCmd("link", "show", h.veth); err == nil {
			if _, err := ipCmd("link", "del", h.veth); err != nil {
				lab.t.Errorf("cleanup: %v", err)
			}
		}
		if _, err := os.Stat(filepath.Join("/run/netns", h.ns)); err == nil {
			if _, err := ipCmd("netns", "del", h.ns); err != nil {
				lab.t.Errorf("cleanup: %v", err)
			}
		}
	}
	if _, err := ipCmd("link", "show", lab.bridge); err == nil {
		if _, err := ipCmd("link", "del", lab.bridge); err != nil {
			lab.t.Errorf("cleanup: %v", err)
		}
	}
	out, _ := ipCmd("netns", "list")
	if strings.Contains(out, "golab-"+lab.id+"-") {
		lab.t.Errorf("cleanup: namespaces left behind:\n%s", out)
	}
}

// removeStaleNetns deletes namespaces and links of earlier runs whose
// process is gone (a crash or SIGKILL skipped their cleanup).
func removeStaleNetns(t *testing.T) {
	stale := func(m []string) bool {
		if m == nil {
			return false
		}
		pid, _ := strconv.Atoi(m[1])
		return pid == os.Getpid() || !alive(pid) // this process's runs clean up before the next starts
	}
	out, _ := ipCmd("netns", "list")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && stale(staleNetns.FindStringSubmatch(f[0])) {
			t.Logf("removing namespace %s left by an earlier run", f[0])
			ipCmd("netns", "del", f[0])
		}
	}
	out, _ = ipCmd("-o", "link", "show")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		if stale(staleLink.FindStringSubmatch(name)) {
			t.Logf("removing link %s left by an earlier run", name)
			ipCmd("link", "del", name)
		}
	}
}

// startWorker runs "ip netns exec NS golab worker --listen IP:7070 ..." and
// waits for its "listening on" line.
func (lab *netnsLab) startWorker(i int, tokenFile string) {
	t := lab.t
	t.Helper()
	h := &lab.hosts[i]
	addr := h.ip + ":" + netnsPort
	cmd := exec.Command("ip", "netns", "exec", h.ns, golabBin, "worker", "--listen", addr,
		"--memory", "1GiB", "--cores", "1", "--token-file", tokenFile, "--exit-on-stdin-eof")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = testLog{t}
	if _, err := cmd.StdinPipe(); err != nil { // closed when this process dies
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.cmd = cmd // ip netns exec execs the worker: this is the worker's pid
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				got <- strings.TrimSpace(a)
				break
			}
		}
		close(got)
		for sc.Scan() {
		}
	}()
	select {
	case a, ok := <-got:
		if !ok {
			t.Fatalf("worker in %s exited before listening", h.ns)
		}
		if a != addr {
			t.Fatalf("worker in %s listens on %s, want %s", h.ns, a, addr)
		}
		h.addr = a
	case <-time.After(15 * time.Second):
		t.Fatalf("worker in %s did not print its address within 15 s", h.ns)
	}
}

// TestNetNSMultiHost runs jobs on workers on three "hosts" (network
// namespaces on a bridge), kills one worker mid-job, then cuts another
// host's link: answers stay right, and nothing hangs.
func TestNetNSMultiHost(t *testing.T) {
	start := time.Now()
	checkGoroutines(t) // registered first: checks after the workers and namespaces are gone
	lab := newNetnsLab(t, 3)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(fmt.Sprintf("netns-test-%s\n", lab.id)), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range lab.hosts {
		lab.startWorker(i, tokenFile)
	}
	var addrs []string
	for _, h := range lab.hosts {
		addrs = append(addrs, h.addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	c, err := Connect(ctx, Config{Addrs: addrs, TokenFile: tokenFile, DialTimeout: 5 * time.Second, Partitions: 12, Log: testLog{t}})
	cancel()
	if err != nil {
		t.Fatalf("Connect %v: %v", addrs, err)
	}
	t.Cleanup(func() { c.Close() })
	for _, s := range c.Status(context.Background()) {
		if s.Err != nil {
			t.Fatalf("worker %s: %v", s.Addr, s.Err)
		}
	}
	setup := time.Since(start)

	x := genFrame(300_000, 100, 2026)
	lf := x.Lazy().GroupBy("id1", "id4").Agg(col("v1").Sum(), col("v3").Mean(), col("v2").Max().Alias("v2max"), dataframe.Len())
	local, err := lf.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// Job 0: a Parquet scan split by row group, read by the hosts
	// themselves (the namespaces share the file system, like hosts
	// sharing a directory).
	pq := filepath.Join(t.TempDir(), "x.parquet")
	if err := x.WriteParquet(pq, dataframe.ParquetWriteOptions{RowGroupSize: 25_000}); err != nil {
		t.Fatal(err)
	}
	scanLf := dataframe.ScanParquet(pq, dataframe.ParquetOptions{}).GroupBy("id1", "id4").Agg(col("v1").Sum(), col("v3").Mean(), col("v2").Max().Alias("v2max"), dataframe.Len())
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	dist0, err := c.Collect(ctx, scanLf)
	cancel()
	if err != nil {
		t.Fatalf("job 0 (split scan): %v", err)
	}
	diffRows(t, "job 0, split scan", local, dist0)

	// Job 1: SIGKILL h1's worker while it runs a task.
	victim := &lab.hosts[0]
	jobDone := make(chan struct{})
	killed := make(chan bool, 1)
	go func() {
		for {
			select {
			case <-jobDone:
				killed <- false
				return
			default:
			}
			if runningOn(c, victim.addr) {
				victim.cmd.Process.Signal(syscall.SIGKILL)
				killed <- true
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	t1 := time.Now()
	dist, err := c.Collect(ctx, lf)
	close(jobDone)
	wasKilled := <-killed
	if ctx.Err() != nil {
		cancel()
		t.Fatalf("job 1 hung: %v after %v", err, time.Since(t1))
	}
	cancel()
	if err != nil {
		t.Fatalf("job 1 (worker %s killed: %v): %v", victim.addr, wasKilled, err)
	}
	if !wasKilled {
		t.Fatalf("job 1 ended before worker %s ran a task to kill", victim.addr)
	}
	diffRows(t, "job 1, worker killed", local, dist)
	t.Logf("job 1: killed worker %s (pid %d) mid-job; answer right in %v", victim.addr, victim.cmd.Process.Pid, time.Since(t1))

	// Job 2: cut h2's link (inside its namespace). The job either finishes
	// on h3 or fails naming 10.77.0.2:7070, within the timeout.
	cut := &lab.hosts[1]
	lab.must("-n", cut.ns, "link", "set", "dev", "eth0", "down")
	const bound = 40 * time.Second
	ctx, cancel = context.WithTimeout(context.Background(), bound)
	t2 := time.Now()
	dist, err = c.Collect(ctx, lf)
	el := time.Since(t2)
	hung := ctx.Err() != nil
	cancel()
	switch {
	case hung:
		t.Fatalf("job 2 after cutting %s's link hung past %v: %v", cut.addr, bound, err)
	case err != nil:
		if !strings.Contains(err.Error(), cut.addr) {
			t.Fatalf("job 2 failed without naming the unreachable worker %s: %v", cut.addr, err)
		}
		if !errors.Is(err, ErrUnreachable) && !errors.Is(err, ErrTaskFailed) && !errors.Is(err, ErrNoWorkers) {
			t.Fatalf("job 2 failed with an unexpected error kind: %v", err)
		}
		t.Logf("job 2: failed clearly in %v: %v", el, err)
	default:
		diffRows(t, "job 2, link cut", local, dist)
		t.Logf("job 2: link of %s cut; answer right on the remaining host in %v", cut.addr, el)
	}
	st := c.Status(context.Background())
	for _, s := range st {
		t.Logf("status %s: done %d, err %v", s.Addr, s.Done, s.Err)
		if s.Addr == lab.hosts[2].addr && s.Err != nil {
			t.Errorf("untouched worker %s is not live: %v", s.Addr, s.Err)
		}
		if (s.Addr == victim.addr || s.Addr == cut.addr) && s.Err == nil {
			t.Errorf("worker %s answers after being killed or cut off", s.Addr)
		}
	}
	t.Logf("setup %v, total %v", setup, time.Since(start))
}

// runningOn reports whether the worker at addr runs a task of c.
func runningOn(c *Cluster, addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.mu.workers {
		if w.c.addr == addr && w.running > 0 && w.dead == nil {
			return true
		}
	}
	return false
}
