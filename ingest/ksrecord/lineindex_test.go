package ksrecord

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestLineIndex checks lineIndex.line against scanLine at every offset of
// random windows of lines: short and long (past a block), with colons
// followed by spaces or not, special bytes, and windows ending mid-line.
func TestLineIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", "key", ":", ": ", " ", "  ", "\n", "\t", "\x7f", "\xc3\xa9", "#", "x:y", strings.Repeat("z", 70)}
	var ix lineIndex
	for round := range 3000 {
		var b []byte
		for size := r.IntN(600) + 1; len(b) < size; {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		}
		w := len(b)
		in := make([]byte, w+winPad)
		copy(in, b)
		for i := w; i < len(in); i++ {
			in[i] = "\n: x"[r.IntN(4)] // stale bytes past the end of the input
		}
		start := r.IntN(w)
		ix.build(in, start, w, uint64(round))
		for pos := start; pos <= w; pos++ {
			k, c1, f := ix.line(in, pos)
			wk, wc1, wf := scanLine(in, pos, w)
			if k != wk || c1 != wc1 || f != wf {
				t.Fatalf("%q at %d: line gives %d %d %d, scanLine %d %d %d", b[start:], pos-start, k, c1, f, wk, wc1, wf)
			}
		}
	}
}
