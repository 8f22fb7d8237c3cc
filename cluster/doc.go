// Package cluster runs dataframe queries and compiled task functions on
// worker processes: a small dedicated cluster a notebook cell starts on
// this machine, or workers already running on other machines.
//
//	c, err := cluster.Start(ctx, cluster.Config{Workers: 3, MemoryPerWorker: "2GiB", CoresPerWorker: 1})
//	defer c.Close()
//	df, err := c.Collect(ctx, lf)                  // or lf.Collect(cluster.Context(ctx, c))
//
//	c, err := cluster.Connect(ctx, cluster.Config{Addrs: []string{"10.0.0.5:7070"}, TokenFile: "/etc/golab/token"})
//
// Workers are the golab binary itself ("golab worker --listen ADDR
// --memory 2GiB --token-file F"), so coordinator and workers run the same
// compiled code; the first request (hello) compares Build strings and
// refuses a worker from another build with ErrVersionMismatch.
//
// # Transport
//
// Arrow Flight over gRPC. Every request carries the cluster token in the
// "golab-cluster-token" metadata; workers compare it in constant time and
// answer Unauthenticated (ErrUnauthenticated here) otherwise. Task inputs
// go up with DoPut (Arrow IPC batches, descriptor path [job, input]); a
// task runs with DoGet, whose ticket is the JSON taskSpec (a plan
// fragment or a registered function name, and the scan splits the task
// reads itself) and whose stream is the result, each batch tagged with
// its hash bucket in the app metadata. DoAction serves "hello", "status"
// and "drop" (free a job's leftovers, cancel its tasks).
//
// Traffic is plaintext by default, token included: right on loopback
// (where Start's workers listen) and on a trusted network only. For TLS,
// start workers with "--tls-cert FILE --tls-key FILE" (PEM; the
// certificate must name the host or IP the coordinator dials) and give
// the coordinator Config.TLSCAFile (the CA that signed it, or the
// self-signed certificate itself; Config.TLSServerName when the
// certificate names the host differently). Start passes Config.TLSCertFile
// and TLSKeyFile to the workers it launches and trusts that certificate
// unless TLSCAFile says otherwise. A worker with a certificate accepts
// only TLS; a mismatch (plaintext on one end, an untrusted certificate,
// a wrong name) fails the first call at once with ErrTLS, which also
// matches ErrUnreachable. TLS encrypts and authenticates the worker; the
// token authenticates the coordinator. For mutual TLS, start workers
// with "--tls-client-ca FILES" (the CAs that sign the coordinator's
// certificate and the workers' own, which they show each other when they
// fetch shuffle pieces; certificates then need the client-auth usage
// too) and give the coordinator Config.TLSClientCertFile and
// TLSClientKeyFile; Start does both when TLSClientCertFile is set. A
// missing or untrusted client certificate fails Connect with ErrTLS,
// saying which.
//
// The data path is tuned for bulk transfer (transport.go, assemble.go):
// IPC without compression; a gRPC codec that sends a batch's Arrow
// buffers without copying them into a message (the bytes on the wire
// stay standard Flight); 1 MiB socket buffers and fixed 32/64 MiB
// flow-control windows; a gRPC buffer pool that does not clear buffers
// gRPC is about to fill; a task's inputs go up on concurrent streams.
// A table whose columns are all flat (fixed-width, boolean, string,
// binary) goes as batches of about 4 MiB; the first batch's app metadata
// gives the table's rows and value bytes per column, and the receiver
// copies each batch straight from gRPC's frames into the table's final
// buffers, allocated once. It finds the batch's buffers by letting the
// IPC reader decode the message against a stand-in body of zeros and
// reading each buffer's position in it. A receiver so holds a table
// once, not twice (frames plus a contiguous body). Other tables
// (dictionaries, nested types) go in one batch when they fit (up to an
// eighth of the receiving worker's memory limit, at most 512 MiB),
// which the receiver keeps as the IPC reader decodes it.
//
// # Execution
//
// Cluster implements dataframe/exec.Executor. Execute turns the optimized
// logical plan into stages, cut at exchanges:
//
//   - Scan of a file source (ScanParquet, ScanCSV, ScanDir: any
//     plan.Splitter): the coordinator lists its splits (row groups of a
//     Parquet file, byte ranges of a CSV file cut at record boundaries
//     (CSVOptions.SplitBytes, 32 MiB), files of a directory; those the
//     filters rule out by statistics or partition values are dropped)
//     and cuts them into Partitions runs of
//     consecutive splits with nearly equal row counts; every task opens
//     its run (plan.OpenSplits) and reads it on its worker, so the path
//     must be readable there (a shared directory; always so for Start's
//     workers; Config.ScanOnCoordinator turns this off). Runs are
//     gathered in order, so a scan's rows come back in file order.
//   - Scan of anything else (in-memory frames, JSON, IPC): read
//     on the coordinator and split into Partitions slices (default 2 per
//     worker); the scan's projection and filters run on the workers.
//   - Partition and bucket counts follow the workers' memory
//     (sizing.go): when Partitions shares of a stage's input (exact for
//     tables the coordinator holds, estimated from rows and the schema
//     for shuffle pieces and row groups) would each pass an eighth of the
//     smallest worker limit, the stage gets more, a multiple of the
//     workers (at most 512); both sides of a join get the same count.
//   - Filter, Select, WithColumns (without aggregates or windows), Rename,
//     Drop, Explode: appended to the fragment each partition's task runs.
//   - Aggregate by plain columns: sum, min, max, count, len and mean (and
//     expressions over them) run as partial aggregates per partition, the
//     partial results are hash-partitioned by key, and a final aggregate
//     per bucket follows; other aggregates (median, std, n_unique, first,
//     top_k, corr, ...) shuffle the input rows by key and aggregate once.
//     Row order within a bucket follows partition order, so first/last
//     agree with a local run.
//   - Join: broadcast when the other side has at most BroadcastRows rows
//     (right side for inner/left/semi/anti, left side for inner/right),
//     else both sides are hash-partitioned by key and joined per bucket.
//     The hash is the same for every integer width, so int32 and int64
//     keys meet.
//   - Union: inputs are materialized and their partitions concatenated.
//   - Sort by plain integer or string columns of more than BroadcastRows
//     rows: the input runs on the workers, the coordinator samples the
//     keys and picks a boundary row per partition, the workers split
//     every partition by range and sort each range, and the ranges are
//     gathered in order (rangesort.go). The result equals a local run's
//     row for row (stable: ties keep their input order). Sorts by other
//     key types are gathered.
//   - Everything else (Sort otherwise, Slice, Distinct, cross joins, windows, global
//     aggregates, group keys that are expressions): the inputs' fragments
//     run on the workers, the results are gathered in partition order and
//     the node runs on the coordinator with the local executor. Results
//     therefore equal a local run's, up to the row order of unordered
//     operators (group-by, join).
//
// Exchanges (the hash shuffles of aggregates and joins, the range
// split of sorts) go from worker to worker (shuffle.go): each task of
// the producing stage keeps its output buckets on its worker and reports
// their row counts; each task of the next stage gets the places of its
// bucket's pieces, and its worker fetches them from its peers (pieces it
// holds itself are read in place) and frees them once the stage is done.
// Other stage inputs (partitions of notebook frames, gathered results
// of coordinator-side operators, broadcast tables) go up from the
// coordinator, which keeps them until the job ends. A task whose worker
// dies (SIGKILL, lost link), times out (TaskTimeout) or hits its memory
// limit is re-run on another worker, up to MaxAttempts (4) attempts;
// then the job fails with ErrTaskFailed naming the task, the job, the
// last worker and the cause. A task that cannot fetch a piece (its
// worker died, or it was freed) reports the piece's worker; the
// coordinator marks that worker dead if it does not answer, runs the
// tasks that made the pieces again on live workers (their own lost
// inputs first, back to what the coordinator or the files hold) and
// retries the task, up to 4 times without counting its attempts.
// Errors of the plan itself (a missing column, a type error found at run
// time) are not retried and keep their dataframe sentinel (errors.Is
// works across the wire).
//
// Cache (cache.go) runs a query and keeps its result on the workers,
// one piece per partition, under a namespace of its own that job ends do
// not drop ("c" + the job id); it returns a LazyFrame over a
// cachedSource. A query of the same cluster over it reads the pieces in
// place (stubs, as for shuffles); a lost piece is computed again from
// the lineage the cache keeps; elsewhere its Scan fetches the pieces
// through a job. Uncache and Close free them on the workers.
//
// Cancelling ctx stops a job everywhere within a second: the task
// streams (DoGet, DoPut) are reset, which cancels each running task's
// ctx on its worker at once (operators check it every morsel); the job
// then sends "drop" to every worker and waits for the answers at most
// 250 ms (later ones finish in the background; Close waits for them), and
// returns ctx's error. A worker logs a task that takes more than 200 ms
// to stop after its cancel, naming it. TestCancelQuery checks both
// bounds with real workers.
//
// # Progress
//
// Every job (Execute, Collect, RunTask) reports a JobProgress: stages
// started, the current stage's tasks done/total, all tasks done/total,
// retries. Reports come at most 5 times a second (a goroutine the job
// owns) and once more, with Finished set, when the job ends.
// Config.OnProgress receives them; without it, a job run inside the
// kernel (the evaluator process) shows an HTML progress bar through a
// kernel/display handle updated in place (update_display_data), except
// for jobs done within half a second; elsewhere nothing is shown.
// Config.NoProgress turns reports off. Cluster.MIMEBundle lists the
// running jobs with their bars next to the workers.
//
// # Compiled tasks (for ML and graph packages)
//
// Distributed algorithms that are not dataframe plans register named
// task functions compiled into the binary:
//
//	func init() {
//		cluster.RegisterTask("ml.kmeans.assign", func(ctx context.Context, params json.RawMessage, inputs []*physical.Table) (*physical.Table, error) {
//			var p struct{ Centroids [][]float64 }
//			if err := json.Unmarshal(params, &p); err != nil {
//				return nil, err
//			}
//			mem := exec.AllocatorFromContext(ctx) // the worker's memory-limited allocator
//			... compute over inputs[0], checking ctx ...
//			return out, nil
//		})
//	}
//
//	outs, err := c.RunTask(ctx, "ml.kmeans.assign", params, []cluster.TaskCall{{Inputs: []*physical.Table{part0}}, ...})
//
// The registering package must be linked into cmd/golab (the workers are
// that binary); name tasks "<package>.<algorithm>.<step>". Inputs are
// borrowed (do not Release or keep them); the returned table belongs to
// the caller. Task functions must honour ctx (cancellation reaches them
// within a second) and return errors, never panic (a panic becomes a task
// error). RunTask retries failed attempts like query tasks. EchoTask is a
// built-in task (returns its inputs, optionally after a sleep) used by the
// tests.
//
// # Memory
//
// A worker's --memory sets GOMEMLIMIT and the limit of its
// LimitAllocator. Uploaded inputs are charged before they are stored and
// refused with ErrMemoryLimit past the limit; allocations of a running
// task past the limit cancel that task with ErrMemoryLimit (Arrow's
// allocator interface cannot fail, and a panic on a morsel goroutine
// would kill the worker). The error names the limit and how to raise it.
// Kept task outputs (shuffle pieces waiting for the next stage, cached
// results) stay in memory while they use at most 60% of the limit; past
// that they are written to Arrow IPC files in WorkerConfig.SpillDir
// (golab worker --spill-dir; default the temporary directory) and
// streamed from there (spill.go); Status reports how many. Operators
// themselves (aggregation, join, sort) do not spill yet: a task that
// needs more than the limit fails as above.
//
// # Processes
//
// Start runs Config.Binary (default $GOLAB_BIN, else os.Executable())
// "worker --listen 127.0.0.1:0 ..." per worker and reads the "listening
// on ADDR" line it prints. Workers get Pdeathsig SIGKILL and
// --exit-on-stdin-eof with a pipe only the coordinator holds, so they
// never outlive it; Close closes the pipes, sends SIGTERM, and kills
// after 3 s.
//
// With Config.SSHHosts, Start runs "ssh -o BatchMode=yes -T HOST --
// BIN worker --listen 0.0.0.0:0 --token-stdin --exit-on-stdin-eof ..."
// per host: the token travels on the session's stdin (never on a command
// line), the printed wildcard address is rewritten to HOST, and the
// worker exits when the ssh session ends. For workers managed by the
// host, golab-worker.service in this directory is a systemd unit; use
// Connect with their addresses and the token file.
//
// # Concurrency, ownership and lock order
//
// A Cluster is safe for concurrent use; several jobs and several clusters
// may run at once. Cluster.mu guards the worker list, per-worker task
// counts and the running jobs' progress, and is a leaf (never held during
// I/O). Worker.mu guards stored inputs and running tasks and is a leaf;
// so is a job's reporter.mu (its progress state), never held together
// with Cluster.mu. Every goroutine is owned by a job (task attempts and
// the progress reporter, ended before Execute returns; a progress sink
// is called by one goroutine at a time), a worker process (its stdout reader and
// waiter, ended when the process exits), the Cluster (a finished job's
// drop requests that outlast 250 ms, at most 2 s; Close waits for them)
// or a Worker (the gRPC server, ended by Serve's ctx). Tables returned by Execute and RunTask belong
// to the caller.
//
// # Errors
//
// ErrUnauthenticated, ErrVersionMismatch, ErrUnreachable (connect or
// dial timeout: DialTimeout, default 10 s), ErrTLS, ErrNoWorkers, ErrTaskFailed,
// ErrMemoryLimit, ErrClosed, ErrUnknownTask, ErrConfig; check with
// errors.Is.
package cluster
