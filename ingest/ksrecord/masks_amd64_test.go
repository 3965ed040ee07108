package ksrecord

import "golang.org/x/sys/cpu"

// lineMaskImpls are the implementations this processor runs.
var lineMaskImpls = func() map[string]func([]byte, []uint64) {
	m := map[string]func([]byte, []uint64){"go": lineMasksGo, "sse2": lineMasksSSE2}
	if cpu.X86.HasAVX2 {
		m["avx2"] = lineMasksAVX2
	}
	return m
}()
