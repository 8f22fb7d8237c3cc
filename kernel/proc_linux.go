package kernel

import "syscall"

// childAttr makes the evaluator die with the kernel, so no orphan keeps
// running (or keeps cluster workers alive) after a crash.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
