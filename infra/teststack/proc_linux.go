package main

import "syscall"

// setDeathSignal makes the kernel kill the server if teststack itself dies
// without cleaning up (e.g. SIGKILL), so no java is left behind holding a
// port. Linux only.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
