package cluster

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// This file is the optional TLS of the transport. Without it, traffic
// (the token included) is plaintext, which is fine on loopback (Start's
// default) and on a trusted network; with it, the coordinator checks the
// worker's certificate against Config.TLSCAFile (or the self-signed
// Config.TLSCertFile) and the name in its address, and every byte
// between them is encrypted. The token authenticates the coordinator;
// a worker started with --tls-client-ca also asks every caller for a
// certificate signed by one of those CAs (mutual TLS): the coordinator
// shows Config.TLSClientCertFile, and workers show their own
// certificate to each other when they fetch shuffle pieces, so the CAs
// must cover both.

// clientTLS returns the coordinator's TLS configuration and what the
// workers need to dial each other the same way, or nils when cfg asks
// for plaintext.
func (cfg *Config) clientTLS() (*tls.Config, *peerTLS, error) {
	if (cfg.TLSClientCertFile == "") != (cfg.TLSClientKeyFile == "") {
		return nil, nil, fmt.Errorf("%w: TLSClientCertFile and TLSClientKeyFile go together (the certificate the coordinator shows workers started with --tls-client-ca)", ErrConfig)
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, nil, fmt.Errorf("%w: TLSCertFile and TLSKeyFile go together (the certificate and key of the workers Start launches)", ErrConfig)
	}
	ca := cfg.TLSCAFile
	if ca == "" {
		ca = cfg.TLSCertFile // a self-signed certificate is its own CA
	}
	if ca == "" {
		if cfg.TLSServerName != "" {
			return nil, nil, fmt.Errorf("%w: TLSServerName needs TLSCAFile (the CA that signed the workers' certificates)", ErrConfig)
		}
		return nil, nil, nil
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: TLS CA file: %v", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("%w: TLS CA file %s holds no PEM certificate", ErrConfig, ca)
	}
	tc := &tls.Config{RootCAs: pool, ServerName: cfg.TLSServerName, MinVersion: tls.VersionTLS12}
	if cfg.TLSClientCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSClientCertFile, cfg.TLSClientKeyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: TLS client certificate %s and key %s: %v", ErrConfig, cfg.TLSClientCertFile, cfg.TLSClientKeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, &peerTLS{CA: pem, ServerName: cfg.TLSServerName}, nil
}

// clientCAs returns what Start passes its workers as --tls-client-ca:
// the CA of the coordinator's client certificate (TLSClientCAFile, or
// the self-signed certificate itself) and the CA of the workers' own
// certificates (which they show each other), or nil without a client
// certificate.
func (cfg *Config) clientCAs() []string {
	if cfg.TLSClientCertFile == "" {
		return nil
	}
	out := []string{cmp.Or(cfg.TLSClientCAFile, cfg.TLSClientCertFile)}
	if ca := cmp.Or(cfg.TLSCAFile, cfg.TLSCertFile); ca != "" && ca != out[0] {
		out = append(out, ca)
	}
	return out
}

// serverTLS loads a worker's certificate and key, and the CAs its
// callers' certificates must be signed by (none: no client
// certificates asked), or returns nil for plaintext.
func serverTLS(certFile, keyFile string, clientCAs []string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		if len(clientCAs) > 0 {
			return nil, fmt.Errorf("%w: --tls-client-ca needs --tls-cert and --tls-key (client certificates are checked in the TLS handshake)", ErrConfig)
		}
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("%w: TLS needs both a certificate and a key (--tls-cert and --tls-key)", ErrConfig)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: TLS certificate %s and key %s: %v", ErrConfig, certFile, keyFile, err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if len(clientCAs) > 0 {
		pool := x509.NewCertPool()
		for _, f := range clientCAs {
			pem, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("%w: --tls-client-ca: %v", ErrConfig, err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: --tls-client-ca %s holds no PEM certificate", ErrConfig, f)
			}
		}
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// probeTLS makes a TLS connection to addr with cfg and waits briefly for
// the worker's first word: an alert when it refuses our certificate.
func probeTLS(ctx context.Context, addr string, cfg *tls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	d := tls.Dialer{Config: cfg.Clone()}
	d.Config.NextProtos = []string{"h2"}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil // no alert: the handshake is not the problem
	}
	return err
}

// explainTLS turns a failed hello into ErrTLS when the failure is a TLS
// mismatch between coordinator and worker, with what to change.
func explainTLS(err error, addr string, cfg *tls.Config) error {
	useTLS, hasCert := cfg != nil, cfg != nil && len(cfg.Certificates) > 0
	if err == nil || errors.Is(err, ErrUnauthenticated) || errors.Is(err, ErrVersionMismatch) {
		return err
	}
	msg := err.Error()
	host := addr
	if h, _, e := net.SplitHostPort(addr); e == nil {
		host = h
	}
	// The cause stays wrapped (%w), so errors.Is(err, ErrUnreachable) holds too.
	switch {
	case useTLS && !hasCert && strings.Contains(msg, "certificate required"):
		return fmt.Errorf("%w: %s asks for a client certificate (it was started with --tls-client-ca): %w; set Config.TLSClientCertFile and TLSClientKeyFile", ErrTLS, addr, err)
	case hasCert && (strings.Contains(msg, "certificate required") || strings.Contains(msg, "unknown certificate authority") || strings.Contains(msg, "bad certificate")):
		return fmt.Errorf("%w: %s refused the client certificate (%w); give Config.TLSClientCertFile a certificate signed by a CA of the worker's --tls-client-ca", ErrTLS, addr, err)
	case useTLS && (strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate")):
		return fmt.Errorf("%w: %s: the worker's certificate is not trusted: %w; set Config.TLSCAFile to the CA that signed it (and Config.TLSServerName if the certificate does not name %s)", ErrTLS, addr, err, host)
	case useTLS && (strings.Contains(msg, "first record does not look like a TLS handshake") || strings.Contains(msg, "tls:")):
		return fmt.Errorf("%w: %s: the TLS handshake failed (%w); is the worker started with --tls-cert and --tls-key?", ErrTLS, addr, err)
	case !useTLS && (strings.Contains(msg, "connection closed before server preface") || strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset")):
		return fmt.Errorf("%w: %s closed the connection (%w); a worker started with --tls-cert needs Config.TLSCAFile (the CA that signed its certificate)", ErrTLS, addr, err)
	}
	return err
}
