//go:build !linux

package main

import "syscall"

// setDeathSignal has no equivalent outside Linux; stop() still cleans up
// on every normal exit and on SIGINT/SIGTERM.
func setDeathSignal(*syscall.SysProcAttr) {}
