package cluster

import "errors"

// Sentinel errors; test with errors.Is.
var (
	// ErrUnauthenticated reports a request without the cluster token or with a wrong one.
	ErrUnauthenticated = errors.New("cluster: wrong or missing cluster token")
	// ErrVersionMismatch reports a worker built from different code than the coordinator.
	ErrVersionMismatch = errors.New("cluster: version mismatch between coordinator and worker")
	// ErrUnreachable reports a worker that does not answer.
	ErrUnreachable = errors.New("cluster: worker unreachable")
	// ErrNoWorkers reports a cluster with no live worker left.
	ErrNoWorkers = errors.New("cluster: no live workers")
	// ErrMemoryLimit reports a task or input that would exceed a worker's memory limit.
	ErrMemoryLimit = errors.New("cluster: worker memory limit exceeded")
	// ErrTaskFailed reports a task that failed on all its attempts.
	ErrTaskFailed = errors.New("cluster: task failed")
	// ErrClosed reports use of a closed cluster.
	ErrClosed = errors.New("cluster: closed")
	// ErrProtocol reports a malformed request between coordinator and worker.
	ErrProtocol = errors.New("cluster: protocol error")
	// ErrNotShippable reports a plan part that cannot run on workers; the
	// executor runs such parts on the coordinator instead, so users only
	// see it from RunTask.
	ErrNotShippable = errors.New("cluster: cannot ship to workers")
	// ErrUnknownTask reports a RunTask name no RegisterTask registered.
	ErrUnknownTask = errors.New("cluster: unknown task function")
	// ErrTLS reports a TLS mismatch with a worker: a certificate the
	// coordinator does not trust, or TLS on one end only.
	ErrTLS = errors.New("cluster: TLS handshake with worker failed")
	// ErrConfig reports an invalid Config or worker flag.
	ErrConfig = errors.New("cluster: invalid configuration")
)
