package ksrecord

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanLine, the fast path's line reader before lineIndex, is its
// reference. It finds the line starting at in[r] (in[r:w] is the input read): its
// length k without the line break, or -1 when the line break is not read
// yet; c1, the position in the line of its first ':' followed by a space or
// the line break, or -1; and flags: lineSpecial if it holds a byte outside
// 0x20-0x7e, lineColons (see above). It does not look for '#'.
//
// It reads eight bytes at a time, up to winPad bytes past w (the window is
// padded): what lies past the line break is masked off. A byte < 0x20 (the
// line break among them) borrows and one >= 0x7f carries or has its high
// bit, so the lowest high bit of (x-lows)|(x+ones)|x is the first such byte.
// In (t-ones)&^t for t = x^(':'*ones), the high bit of every ':' is set,
// and maybe that of a byte just above one (a borrow): each is checked.
func scanLine(in []byte, r, w int) (k, c1 int, flags uint8) {
	const (
		ones   = 0x0101010101010101
		highs  = 0x8080808080808080
		lows   = 0x2020202020202020
		colons = 0x3a3a3a3a3a3a3a3a
	)
	c1 = -1
	n := w - r // bytes read
	s := in[r : w+winPad]
	for i := 0; i < n && len(s) >= 8; i += 8 {
		x := binary.LittleEndian.Uint64(s)
		b := ((x - lows) | (x + ones) | x) & highs
		c := x ^ colons
		m := (c - ones) &^ c & highs
		if b != 0 {
			j := bits.TrailingZeros64(b) >> 3
			if i+j >= n {
				return -1, -1, 0 // no line break read yet
			}
			if s[j] != '\n' {
				// Tabs, CRs, non-ASCII or control characters.
				e := bytes.IndexByte(in[r+i+j:w], '\n')
				if e < 0 {
					return -1, -1, 0
				}
				return i + j + e, -1, lineSpecial | lineColons
			}
			m &= uint64(1)<<(8*j) - 1
			k = i + j
		}
		for ; m != 0; m &= m - 1 {
			q := bits.TrailingZeros64(m) >> 3
			if s[q] == ':' {
				if a := s[q+1]; a == ' ' || a == '\n' {
					if c1 < 0 {
						c1 = i + q
					} else {
						flags |= lineColons
					}
				}
			}
		}
		if b != 0 {
			return k, c1, flags
		}
		s = s[8:]
	}
	return -1, -1, 0
}

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
