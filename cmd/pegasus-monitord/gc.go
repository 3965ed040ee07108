package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcBase is the smallest soft memory limit tuneGC sets. DuckDB's own
// memory grows with the transaction to about half a GiB at 100,000 jobs:
// 416 MiB for Go keeps such a replay's RSS near 900 MiB (448 MiB gave
// 940–1000 MiB), for two more collections than 448 MiB.
const gcBase = 416 << 20

// tuneGC sets GOGC=400 and a soft memory limit of max(gcBase, 3 × the live
// heap − 512 MiB), checked four times a second: a run of up to about
// 100,000 jobs (a live heap under 300 MiB) stays within gcBase, and a
// bigger run's limit grows with its live heap, leaving the collector room
// (at a million jobs, a tighter limit made it take half of the CPU). GOGC or GOMEMLIMIT in the environment turn
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
			if want := max(int64(gcBase), 3*int64(sample[0].Value.Uint64())-512<<20); want != limit {
				limit = want
				debug.SetMemoryLimit(limit)
			}
		}
	}()
	return func() { close(done) }
}
