//go:build !linux

package client

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
