// Package kernel is GoLab's Jupyter kernel: it speaks the Jupyter
// messaging protocol (5.3) on the five ZeroMQ channels and evaluates Go
// cells in a separate evaluator process.
//
// # Two processes
//
// [Serve] runs the supervisor: it owns the sockets, verifies every
// message's HMAC, keeps the execution count and history, publishes
// busy/idle, and relays stdin. Cells run in an evaluator process
// ([RunEvaluator], the same binary started with a hidden sub-command), which
// holds the interpreter session. They talk over two pipes (file
// descriptors 3 and 4) with one JSON object per line (see proto.go).
//
// The split is what lets the kernel survive the errors Go cannot recover
// from in-process (stack overflow from infinite recursion, concurrent map
// writes, out of memory): the supervisor sees the evaluator die, answers
// the running request with an error that says the state was lost, and
// starts a fresh evaluator. Ordinary panics are recovered inside the
// evaluator and keep the session.
//
// # Output routing
//
// Output of goroutines a cell started reaches that cell's output area even
// after the cell ended: the evaluator attributes each write to a cell by
// goroutine ancestry (see route.go).
//
// # Concurrency and lock order
//
// Supervisor: one goroutine reads each socket; shell requests are handled
// one at a time in arrival order; control requests (interrupt, shutdown)
// are handled on their own goroutine so they overtake a running cell. The
// locks are, outermost first: Server.mu (evaluator state), then the
// per-socket send mutexes. Evaluator: the request reader, the running cell
// and the output flusher share the outbox, guarded by its own mutex.
//
// # Error policy
//
// Nothing panics across the kernel boundary: bad messages are logged and
// dropped, a failing handler answers with status "error", and the
// evaluator's death is reported to the notebook.
package kernel
