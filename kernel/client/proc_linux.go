package client

import "syscall"

// childAttr makes the kernel die with the client's process, so a killed
// `golab run` leaves no kernel behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
