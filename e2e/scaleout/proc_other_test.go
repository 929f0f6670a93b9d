//go:build !linux

package scaleout_test

import "syscall"

// dieWithParent has no portable equivalent outside Linux: t.Cleanup kills
// the replicas when the tests end normally.
func dieWithParent() *syscall.SysProcAttr { return nil }
