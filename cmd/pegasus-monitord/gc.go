package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcBase is the smallest soft memory limit tuneGC sets. DuckDB's own
// memory grows with the transaction to about 400 MiB at 100,000 jobs:
// 512 MiB for Go keeps such a replay's RSS at 830–870 MiB. Every 100 MiB
// more saves a collection or two, of the dearest kind (a live heap of
// 200–250 MiB, marked while both cores load), and adds as much RSS: 416 MiB
// gave ~800 MiB of RSS and 0.5–1 s more CPU, 608 MiB up to 930 MiB.
const gcBase = 512 << 20

// tuneGC collects garbage only at a soft memory limit of max(gcBase, 3 ×
// the live heap − 512 MiB), checked four times a second: a run of up to
// about 100,000 jobs (a live heap under 300 MiB) stays within gcBase, and a
// bigger run's limit grows with its live heap, leaving the collector room
// (at a million jobs, a tighter limit made it take half of the CPU).
// Collecting by the limit alone (GOGC=off) rather than also at GOGC=400,
// whose pacer started each cycle well before the limit, saves a cycle at
// 100,000 jobs: 0.1-0.6 s less wall time in 5 interleaved pairs, for
// 40-80 MiB more RSS (834-876 MiB). GOGC in the environment is used
// instead of turning it off; GOMEMLIMIT replaces the limit (with GOGC=400
// unless GOGC is set). The returned function stops the watch.
func tuneGC() (stop func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(400)
		}
		return func() {}
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(-1)
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
