//go:build !linux

package codegen

// markTopDir does nothing outside Linux.
func markTopDir(string) {}
