package ksrecord

import (
	"maps"
	"math/rand/v2"
	"testing"
)

func checkMasks(t *testing.T, src []byte) {
	t.Helper()
	want := make([]uint64, len(src)/maskBlock*nMasks)
	got := make([]uint64, len(want))
	lineMasksGo(src, want)
	check := func(name string, f func([]byte, []uint64)) {
		t.Helper()
		clear(got)
		f(src, got)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: block %d class %d: %#x, want %#x", name, i/nMasks, i%nMasks, got[i], want[i])
			}
		}
	}
	check("lineMasks", lineMasks)
	for name, f := range lineMaskImpls {
		check(name, f)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("block %d class %d: %#x, want %#x", i/nMasks, i%nMasks, got[i], want[i])
		}
	}
}

// TestLineMasks checks lineMasks against lineMasksGo on every byte value at
// every position, and on random bytes.
func TestLineMasks(t *testing.T) {
	src := make([]byte, 4*maskBlock)
	for c := range 256 {
		for i := range src {
			src[i] = byte(c + i%3)
		}
		checkMasks(t, src)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		for i := range src {
			src[i] = byte(r.IntN(256))
			if r.IntN(2) == 0 {
				src[i] = "\n: #\t\x7f\x80\x1fa"[r.IntN(9)]
			}
		}
		checkMasks(t, src)
	}
	checkMasks(t, nil)
}

// BenchmarkLineMasks builds the masks of 4 KB of record lines with
// lineMasks and with each implementation this processor runs.
func BenchmarkLineMasks(b *testing.B) {
	var src []byte
	for len(src) < 4096 {
		src = append(src, "      mtime: 2023-01-17T11:18:28+00:00\n      user: pegasus\n"...)
	}
	src = src[:4096]
	dst := make([]uint64, len(src)/maskBlock*nMasks)
	impls := map[string]func([]byte, []uint64){"lineMasks": lineMasks}
	maps.Copy(impls, lineMaskImpls)
	for name, f := range impls {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				f(src, dst)
			}
		})
	}
}
