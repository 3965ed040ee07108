//go:build !amd64

package ksrecord

// maskedLines: the fast path finds lines with scanLine here; lineMasks has
// no assembly version, and the portable ones were slower than scanLine.
const maskedLines = false

func lineMasks(src []byte, dst []uint64) { lineMasksGo(src, dst) }
