//go:build !amd64

package ksrecord

var lineMaskImpls = map[string]func([]byte, []uint64){"go": lineMasksGo}
