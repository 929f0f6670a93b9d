//go:build race

package scaleout_test

// raceEnabled reports a -race test run (see raceReplicasEnv).
const raceEnabled = true
