package main

import (
	"math"
	"runtime"
	"runtime/debug"
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

func TestTuneMemory(t *testing.T) {
	oldLimit, oldGC := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	defer func() { debug.SetMemoryLimit(oldLimit); debug.SetGCPercent(oldGC) }()
	const noLimit = math.MaxInt64
	tests := []struct {
		name      string
		env       map[string]string
		limitMB   int
		wantLimit int64
		wantGC    int
	}{
		{"defaults", nil, 64, 64 << 20, gcPercent},
		{"off", nil, 0, noLimit, 100},
		{"GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "1GiB"}, 96, noLimit, 100},
		{"GOGC kept", map[string]string{"GOGC": "50"}, 128, 128 << 20, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(noLimit)
			debug.SetGCPercent(100)
			tuneMemory(func(k string) string { return tc.env[k] }, tc.limitMB)
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
			if got := debug.SetGCPercent(100); got != tc.wantGC {
				t.Errorf("GOGC %d, want %d", got, tc.wantGC)
			}
		})
	}
}
