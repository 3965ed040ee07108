package ksrecord

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// scanLine reads one line of the window where the byte-class masks are not
// built (see maskedLines), and is lineIndex.line's reference in the tests.
// It finds the line starting at in[r] (in[r:w] is the input read): its
// length k without the line break, or -1 when the line break is not read
// yet; c1, the position in the line of its first ':' followed by a space or
// the line break, or -1; and flags: lineSpecial if it holds a byte outside
// 0x20-0x7e, lineColons (fast.go). It does not look for '#'.
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
