//go:build unix

package testutil

import (
	"syscall"
	"testing"
)

// CPUPerOp starts measuring the process's CPU time (user and system, GC
// included); the function it returns reports it per op as "cpu-ns/op", a
// figure less sensitive than ns/op to other load on a shared machine.
func CPUPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
