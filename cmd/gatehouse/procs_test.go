package main

import (
	"runtime"
	"testing"
)

func TestEnsureTwoProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	tests := []struct {
		name      string
		procs     int
		env       string
		changed   bool
		wantProcs int
	}{
		{"one CPU gets a second P", 1, "", true, 2},
		{"an explicit GOMAXPROCS is kept", 1, "1", false, 1},
		{"two or more are kept", 4, "", false, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GOMAXPROCS(tc.procs)
			changed := ensureTwoProcs(func(k string) string {
				if k == "GOMAXPROCS" {
					return tc.env
				}
				return ""
			})
			if changed != tc.changed || runtime.GOMAXPROCS(0) != tc.wantProcs {
				t.Errorf("changed %v, GOMAXPROCS %d; want %v, %d", changed, runtime.GOMAXPROCS(0), tc.changed, tc.wantProcs)
			}
		})
	}
}
