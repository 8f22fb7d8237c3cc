//go:build !linux

package kernel

import "syscall"

func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
