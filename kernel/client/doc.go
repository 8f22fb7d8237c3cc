// Package client is a small Jupyter client over ZeroMQ: it starts a kernel
// process with a fresh connection file, runs code on it and collects the
// outputs in nbformat shape. `golab run` uses it to execute notebooks
// without Python.
//
// A [Client] owns the kernel process, five sockets (DEALER for shell,
// control and stdin, SUB for iopub, REQ for the heartbeat) and one reader
// goroutine per socket except the heartbeat. [Client.Close] ends all of
// them and kills the kernel if it is still running.
//
// # Invariants
//
//   - Every message sent is signed and every message received is verified
//     with [wire.Signer] (kernel/wire); a message with a bad signature is
//     dropped and counted in [Client.Dropped].
//   - [Start] returns only after a kernel_info_reply arrived on shell and a
//     status message for it arrived on iopub, so iopub is subscribed before
//     the first execute_request (no lost outputs from the slow-joiner race).
//   - [Client.Execute] returns the execute_reply together with every iopub
//     message of that request up to its status idle; outputs follow
//     nbformat: consecutive streams of the same name merge, clear_output
//     (wait=true) clears before the next output, update_display_data
//     replaces the data of every earlier output with the same display_id,
//     including outputs returned by earlier Execute calls (they stay linked).
//
// # Errors
//
// Failures name the socket or the request: [ErrKernelExited] when the
// process ended, [ErrTimeout] when a reply did not arrive in time. A
// cancelled ctx returns ctx.Err() wrapped.
//
// # Concurrency
//
// Execute calls are serialized (one at a time, as a notebook runs);
// Interrupt, Shutdown and Close may be called from any goroutine while an
// Execute is running.
package client
