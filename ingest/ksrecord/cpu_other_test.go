//go:build !unix

package ksrecord_test

import "testing"

// cpuPerOp reports nothing where the process CPU time is not at hand.
func cpuPerOp(*testing.B) func() { return func() {} }
