package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcBase is the smallest soft memory limit tuneGC sets.
const gcBase = 448 << 20

// tuneGC sets GOGC=400 and a soft memory limit of max(gcBase, 1.5 × the
// live heap), checked four times a second: a small run's heap stays within
// gcBase, and a big run's limit follows its live heap instead of making
// the collector run without end. GOGC or GOMEMLIMIT in the environment turn
// the matching part off. The returned function stops the watch.
func tuneGC() (stop func()) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.SetMemoryLimit(gcBase)
	done := make(chan struct{})
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		limit := int64(gcBase)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if want := max(int64(gcBase), int64(sample[0].Value.Uint64())*3/2); want != limit {
				limit = want
				debug.SetMemoryLimit(limit)
			}
		}
	}()
	return func() { close(done) }
}
