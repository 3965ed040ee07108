package ksrecord

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// maskedLines: the fast path finds lines from the byte-class masks.
const maskedLines = true

// lineMasks is lineMasksGo in assembly: AVX2 where the processor has it,
// else SSE2, which every amd64 processor has.
func lineMasks(src []byte, dst []uint64) {
	if len(src) < maskBlock {
		return
	}
	_ = dst[len(src)/maskBlock*nMasks-1]
	if hasAVX2 {
		lineMasksAVX2(src, dst)
	} else {
		lineMasksSSE2(src, dst)
	}
}

//go:noescape
func lineMasksAVX2(src []byte, dst []uint64)

//go:noescape
func lineMasksSSE2(src []byte, dst []uint64)
