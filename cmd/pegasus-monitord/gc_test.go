package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestReplayGC checks that a replay collects garbage only at the memory
// limit tuneGC sets (GOGC off), that without a replay GOGC stays 400, and
// that GOGC or GOMEMLIMIT in the environment keep replayGC from turning
// the collector's percentage off.
func TestReplayGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	defer func(old bool) { limitSet = old }(limitSet)
	for _, c := range []struct {
		gogc, memlimit string
		replay         bool
		want           int
	}{
		{"", "", false, 400},
		{"", "", true, -1},
		{"200", "", true, 200},
		{"", "1GiB", true, 400},
	} {
		t.Setenv("GOGC", c.gogc)
		t.Setenv("GOMEMLIMIT", c.memlimit)
		limitSet = false
		debug.SetGCPercent(200) // what GOGC=200 in the environment would have set
		stop := tuneGC()
		if c.replay {
			replayGC()
		}
		stop()
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q replay=%v: GC percent %d, want %d", c.gogc, c.memlimit, c.replay, got, c.want)
		}
	}
}
