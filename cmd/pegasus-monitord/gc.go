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

// tuneGC sets GOGC=400 and a soft memory limit of max(gcBase, 3 × the live
// heap − 512 MiB), checked four times a second: a run of up to about
// 100,000 jobs (a live heap under 300 MiB) stays within gcBase, and a
// bigger run's limit grows with its live heap, leaving the collector room
// (at a million jobs, a tighter limit made it take half of the CPU). GOGC
// or GOMEMLIMIT in the environment turn the matching part off. The
// returned function stops the watch.
func tuneGC() (stop func()) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limitSet = os.Getenv("GOGC") == ""
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

// limitSet says tuneGC set the memory limit and GOGC (neither came from
// the environment).
var limitSet bool

// replayGC makes a replay collect garbage only at tuneGC's memory limit
// (GOGC=off), when tuneGC set both. GOGC=400's pacer started
// each cycle well before the limit: at 100,000 jobs this saves a costly
// cycle (two instead of three), 0.1-0.6 s of wall time in 5 interleaved
// pairs, for 40-80 MiB more RSS (834-876 MiB). A replay ends soon; a live
// monitord, which may follow a small run for days, keeps GOGC=400 and
// stays compact.
func replayGC() {
	if limitSet {
		debug.SetGCPercent(-1)
	}
}
