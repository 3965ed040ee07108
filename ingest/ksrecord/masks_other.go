//go:build !amd64

package ksrecord

func lineMasks(src []byte, dst []uint64) { lineMasksSWAR(src, dst) }
