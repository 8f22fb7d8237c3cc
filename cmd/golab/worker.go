package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/golab-dev/golab/cluster"
)

// runWorker is "golab worker": a cluster worker serving tasks over Arrow
// Flight until SIGTERM or SIGINT. It prints "listening on ADDR" on stdout
// once it accepts connections (cluster.Start reads that line).
func runWorker(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "`ADDR` to listen on (loopback and a free port by default)")
	mem := fs.String("memory", "2GiB", "memory limit, e.g. 2GiB or 512MiB (sets GOMEMLIMIT and the Arrow allocator limit; 0 for none)")
	cores := fs.Int("cores", 0, "cores to use (GOMAXPROCS; 0 for all)")
	tokenFile := fs.String("token-file", "", "`FILE` holding the cluster token (required)")
	tokenStdin := fs.Bool("token-stdin", false, "read the cluster token from the first line of standard input (the ssh launcher uses it)")
	stdinEOF := fs.Bool("exit-on-stdin-eof", false, "exit when standard input closes (cluster.Start uses it so workers never outlive the kernel)")
	tlsCert := fs.String("tls-cert", "", "PEM certificate `FILE`: serve TLS only (coordinators need cluster.Config.TLSCAFile); default plaintext")
	tlsKey := fs.String("tls-key", "", "PEM private key `FILE` of --tls-cert")
	clientCA := fs.String("tls-client-ca", "", "PEM `FILES` (comma-separated) of the CAs that must sign every caller's certificate (mutual TLS; needs --tls-cert)")
	spillDir := fs.String("spill-dir", "", "`DIR` for task outputs that do not fit in --memory (default: the temporary directory)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: golab worker --token-file FILE [--listen ADDR] [--memory 2GiB] [--cores N] [--tls-cert FILE --tls-key FILE [--tls-client-ca FILES]] [--spill-dir DIR]

A GoLab cluster worker: serves dataframe tasks over Arrow Flight (gRPC)
until SIGTERM or SIGINT, and prints "listening on ADDR" once it accepts
connections. Every request must carry the cluster token. Traffic is
plaintext unless --tls-cert and --tls-key are given; plaintext suits
loopback (the default address) and trusted networks only, since the token
travels in the clear. With TLS, coordinators connect with
cluster.Config{TLSCAFile: <the CA that signed the certificate>}; the
certificate must name the host or IP the coordinators dial.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	stdin := bufio.NewReader(os.Stdin)
	var token string
	switch {
	case *tokenStdin:
		line, err := stdin.ReadString('\n')
		if token = strings.TrimSpace(line); token == "" {
			return fmt.Errorf("--token-stdin: no token on standard input (%v)", err)
		}
	case *tokenFile == "":
		return errors.New("--token-file is required: write a secret to a file readable only by you and give the same file to cluster.Config.TokenFile")
	default:
		var err error
		if token, err = cluster.ReadTokenFile(*tokenFile); err != nil {
			return err
		}
	}
	limit, err := cluster.ParseBytes(*mem)
	if err != nil {
		return err
	}
	cfg := cluster.WorkerConfig{Listen: *listen, Memory: limit, Cores: *cores, Token: token, TLSCertFile: *tlsCert, TLSKeyFile: *tlsKey, SpillDir: *spillDir, Log: stderr}
	if *clientCA != "" {
		cfg.TLSClientCAFiles = strings.Split(*clientCA, ",")
	}
	w, err := cluster.NewWorker(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *stdinEOF {
		ctx2, cancel := context.WithCancel(ctx)
		defer cancel()
		ctx = ctx2
		go func() {
			io.Copy(io.Discard, stdin)
			cancel()
		}()
	}
	fmt.Fprintf(stdout, "listening on %s\n", w.Addr())
	return w.Serve(ctx)
}
