package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// This file is the optional TLS of the transport. Without it, traffic
// (the token included) is plaintext, which is fine on loopback (Start's
// default) and on a trusted network; with it, the coordinator checks the
// worker's certificate against Config.TLSCAFile (or the self-signed
// Config.TLSCertFile) and the name in its address, and every byte
// between them is encrypted. The token stays the authentication of the
// coordinator: workers do not ask for client certificates.

// clientTLS returns the coordinator's TLS configuration and what the
// workers need to dial each other the same way, or nils when cfg asks
// for plaintext.
func (cfg *Config) clientTLS() (*tls.Config, *peerTLS, error) {
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
	return &tls.Config{RootCAs: pool, ServerName: cfg.TLSServerName, MinVersion: tls.VersionTLS12}, &peerTLS{CA: pem, ServerName: cfg.TLSServerName}, nil
}

// serverTLS loads a worker's certificate and key, or returns nil for
// plaintext.
func serverTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("%w: TLS needs both a certificate and a key (--tls-cert and --tls-key)", ErrConfig)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: TLS certificate %s and key %s: %v", ErrConfig, certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// explainTLS turns a failed hello into ErrTLS when the failure is a TLS
// mismatch between coordinator and worker, with what to change.
func explainTLS(err error, addr string, useTLS bool) error {
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
	case useTLS && (strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate")):
		return fmt.Errorf("%w: %s: the worker's certificate is not trusted: %w; set Config.TLSCAFile to the CA that signed it (and Config.TLSServerName if the certificate does not name %s)", ErrTLS, addr, err, host)
	case useTLS && (strings.Contains(msg, "first record does not look like a TLS handshake") || strings.Contains(msg, "tls:")):
		return fmt.Errorf("%w: %s: the TLS handshake failed (%w); is the worker started with --tls-cert and --tls-key?", ErrTLS, addr, err)
	case !useTLS && (strings.Contains(msg, "connection closed before server preface") || strings.Contains(msg, "EOF") || strings.Contains(msg, "connection reset")):
		return fmt.Errorf("%w: %s closed the connection (%w); a worker started with --tls-cert needs Config.TLSCAFile (the CA that signed its certificate)", ErrTLS, addr, err)
	}
	return err
}
