package scaleout_test

import "syscall"

// dieWithParent makes a child process get SIGKILL when the test binary dies
// (a test timeout panics without running cleanups), so no replica outlives it.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
