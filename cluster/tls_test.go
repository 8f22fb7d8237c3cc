package cluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golab-dev/golab/dataframe/physical"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and
// localhost and its key to dir, and returns their paths.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "golab worker " + name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// startWorkerProc runs "golab worker" with args and returns its address;
// the process is killed when the test ends.
func startWorkerProc(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(golabBin, append([]string{"worker", "--memory", "256MiB", "--cores", "1"}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = testLog{t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 128)
	n, _ := out.Read(buf)
	addr, ok := strings.CutPrefix(strings.TrimSpace(string(buf[:n])), "listening on ")
	if !ok {
		t.Fatalf("worker printed %q", buf[:n])
	}
	return addr
}

// TestTLS: a worker serving TLS with a self-signed certificate accepts a
// coordinator that trusts the certificate; a coordinator without it, one
// that trusts another CA, and a TLS coordinator facing a plaintext worker
// get ErrTLS at once, naming what to change; the token is still checked.
func TestTLS(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	cert, key := selfSigned(t, dir, "worker")
	otherCA, _ := selfSigned(t, dir, "other")
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600)
	addr := startWorkerProc(t, "--token-file", tokenFile, "--tls-cert", cert, "--tls-key", key)
	plainAddr := startWorkerProc(t, "--token-file", tokenFile)
	ctx := context.Background()

	x, _, _ := testTables(100)
	tb := frameTable(x)
	defer tb.Release()
	c, err := Connect(ctx, Config{Addrs: []string{addr}, TokenFile: tokenFile, TLSCAFile: cert})
	if err != nil {
		t.Fatalf("Connect with the CA: %v", err)
	}
	out, err := c.RunTask(ctx, EchoTask, nil, []TaskCall{{Inputs: []*physical.Table{tb}}})
	if err != nil {
		t.Fatalf("task over TLS: %v", err)
	}
	if out[0].Rows != tb.Rows {
		t.Fatalf("task over TLS: %d rows, want %d", out[0].Rows, tb.Rows)
	}
	releaseTables(out)
	dist, err := c.Collect(ctx, queries[0].lf(x.Lazy(), nil, nil))
	if err != nil {
		t.Fatalf("query over TLS: %v", err)
	}
	local, _ := queries[0].lf(x.Lazy(), nil, nil).Collect(ctx)
	diffRows(t, "over TLS", local, dist)
	c.Close()

	for _, tc := range []struct {
		name string
		cfg  Config
		want error
		says string
	}{
		{"plaintext client, TLS worker", Config{Addrs: []string{addr}, TokenFile: tokenFile}, ErrTLS, "TLSCAFile"},
		{"untrusted certificate", Config{Addrs: []string{addr}, TokenFile: tokenFile, TLSCAFile: otherCA}, ErrTLS, "not trusted"},
		{"certificate for another name", Config{Addrs: []string{addr}, TokenFile: tokenFile, TLSCAFile: cert, TLSServerName: "worker.example"}, ErrTLS, "TLSServerName"},
		{"TLS client, plaintext worker", Config{Addrs: []string{plainAddr}, TokenFile: tokenFile, TLSCAFile: cert}, ErrTLS, "--tls-cert"},
		{"wrong token over TLS", Config{Addrs: []string{addr}, Token: "not-the-token", TLSCAFile: cert}, ErrUnauthenticated, "token"},
		{"CA file missing", Config{Addrs: []string{addr}, TokenFile: tokenFile, TLSCAFile: filepath.Join(dir, "nope.crt")}, ErrConfig, "nope.crt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			c, err := Connect(ctx, tc.cfg)
			if err == nil {
				c.Close()
				t.Fatalf("Connect succeeded, want %v", tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error does not say %q: %v", tc.says, err)
			}
			if el := time.Since(start); el > 3*time.Second {
				t.Fatalf("took %v (DialTimeout is 10 s: it hung)", el)
			}
			t.Logf("%v after %v", err, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestTLSStart: Start with a certificate runs its workers with TLS and
// trusts the (self-signed) certificate.
func TestTLSStart(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir, "worker")
	c := startCluster(t, Config{Workers: 2, MemoryPerWorker: "256MiB", TLSCertFile: cert, TLSKeyFile: key})
	sameAnswers(t, c, "over TLS", 2000, queries[:3])
	// A plaintext coordinator is refused.
	_, err := Connect(context.Background(), Config{Addrs: c.Addrs(), Token: c.Token()})
	if !errors.Is(err, ErrTLS) {
		t.Fatalf("plaintext Connect to Start's TLS workers: got %v, want ErrTLS", err)
	}
}

// TestMutualTLS: workers started with client CAs (here by Start) accept
// the coordinator's client certificate and each other's (shuffle pieces
// go from worker to worker); a coordinator without a client certificate,
// or with one they do not trust, gets ErrTLS saying what to set.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir, "worker")
	ccert, ckey := selfSigned(t, dir, "coordinator")
	other, otherKey := selfSigned(t, dir, "stranger")
	c := startCluster(t, Config{Workers: 2, MemoryPerWorker: "256MiB", TLSCertFile: cert, TLSKeyFile: key,
		TLSClientCertFile: ccert, TLSClientKeyFile: ckey})
	sameAnswers(t, c, "over mutual TLS", 3000, queries[:4])
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no client certificate", Config{Addrs: c.Addrs(), Token: c.Token(), TLSCAFile: cert}, "TLSClientCertFile"},
		{"untrusted client certificate", Config{Addrs: c.Addrs(), Token: c.Token(), TLSCAFile: cert, TLSClientCertFile: other, TLSClientKeyFile: otherKey}, "refused the client certificate"},
		{"client certificate without key", Config{Addrs: c.Addrs(), Token: c.Token(), TLSCAFile: cert, TLSClientCertFile: ccert}, "TLSClientKeyFile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			cc, err := Connect(ctx, tc.cfg)
			if err == nil {
				cc.Close()
				t.Fatal("Connect succeeded")
			}
			if !errors.Is(err, ErrTLS) && !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want ErrTLS or ErrConfig naming %s", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v to fail", d)
			}
		})
	}
}

// sameAnswers runs qs over test tables of n rows on c and locally and
// compares the answers.
func sameAnswers(t *testing.T, c *Cluster, how string, n int, qs []query) {
	t.Helper()
	x, small, big := testTables(n)
	for _, q := range qs {
		lf := q.lf(x.Lazy(), small.Lazy(), big.Lazy())
		local, _ := lf.Collect(context.Background())
		dist, err := c.Collect(context.Background(), lf)
		if err != nil {
			t.Fatalf("%s %s: %v", q.name, how, err)
		}
		diffRows(t, q.name, local, dist)
	}
}
