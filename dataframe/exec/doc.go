// Package exec declares the Executor seam: the interface that runs a
// logical plan, as database/sql/driver does for databases.
//
//	ctx = exec.WithExecutor(ctx, myClusterExecutor)
//	df, err := lazy.Collect(ctx)   // runs on myClusterExecutor
//
// FromContext returns the executor stored in a context, or Local, which
// lowers the plan to physical operators and runs them in this process on
// GOMAXPROCS goroutines. The cluster package implements Executor by
// splitting the (plain-struct) plan into fragments for workers.
//
// # Contract for implementations
//
//   - Execute receives an optimized logical plan and returns a Table the
//     caller owns (physical.Table: schema + one array per column).
//   - The result must equal Local's for the same plan, up to row order
//     where the plan does not define one (group-by output).
//   - ctx cancellation must stop the work promptly and return ctx.Err().
//   - Executors must be safe for concurrent use and must not panic.
//
// WithAllocator / AllocatorFromContext carry the Arrow allocator used for
// results (memory.DefaultAllocator by default).
//
// # Imports
//
// exec may import physical, optimize, plan and expr.
package exec
