package ksrecord

import "math/bits"

// Byte classes of a window, 64 bytes per block: bit j of a block's word for
// a class is set when byte j of the block belongs to it. The fast path
// (fast.go) finds a line's end, its ": " and whether it holds a byte outside
// 0x20-0x7e from these words instead of reading the line's bytes again.
const (
	mNL    = iota // '\n'
	mColon        // ':'
	mBad          // outside 0x20-0x7e ('\n' included)
	nMasks
)

// maskBlock is the number of bytes a block of masks covers.
const maskBlock = 64

// lineMasksGo fills dst (nMasks words per block) for src, whose length is a
// multiple of maskBlock. It is the reference for lineMasks.
func lineMasksGo(src []byte, dst []uint64) {
	for b := 0; b*maskBlock < len(src); b++ {
		var m [nMasks]uint64
		for j, c := range src[b*maskBlock : (b+1)*maskBlock] {
			bit := uint64(1) << j
			switch c {
			case '\n':
				m[mNL] |= bit
			case ':':
				m[mColon] |= bit
			}
			if c < 0x20 || c >= 0x7f {
				m[mBad] |= bit
			}
		}
		copy(dst[b*nMasks:], m[:])
	}
}

// lineIndex holds the byte classes of window[base:end] (blocks from base),
// followed by a block of zeros.
type lineIndex struct {
	gen       uint64 // the window generation it was built for
	base, end int
	m         []uint64
}

// build indexes in[r:w]; in must hold maskBlock-1 readable bytes past w.
func (ix *lineIndex) build(in []byte, r, w int, gen uint64) {
	n := (w - r + maskBlock - 1) / maskBlock
	size := (n + 1) * nMasks
	if cap(ix.m) < size {
		ix.m = make([]uint64, size, max(size, 64*nMasks))
	}
	ix.m = ix.m[:size]
	lineMasks(in[r:r+n*maskBlock], ix.m)
	clear(ix.m[n*nMasks:])
	ix.gen, ix.base, ix.end = gen, r, w
}

// valid reports whether the index covers in[r:w] of window generation gen.
func (ix *lineIndex) valid(r, w int, gen uint64) bool {
	return ix.gen == gen && ix.base <= r && ix.end == w
}

// line reads the line at window offset r as scanLine (the tests' reference)
// does: its length k
// without the line break (-1 when the line break is not in the window), the
// position c1 of its first ':' followed by a space or the line break (-1 if
// none), and lineSpecial|lineColons if it holds a byte outside 0x20-0x7e,
// else lineColons if more than one ':' is followed by a space or the line
// break.
func (ix *lineIndex) line(in []byte, r int) (k, c1 int, flags uint8) {
	a := r - ix.base
	if a >= ix.end-ix.base {
		return -1, -1, 0
	}
	b, s := (a>>6)*nMasks, uint(a&63)
	m := ix.m[b : b+2*nMasks : b+2*nMasks]
	// The 64 bytes from r, from this block and the next.
	nl := m[mNL]>>s | m[nMasks+mNL]<<(64-s)
	if nl == 0 {
		return ix.longLine(in, r)
	}
	e := bits.TrailingZeros64(nl)
	if a+e >= ix.end-ix.base {
		return -1, -1, 0 // past what was read
	}
	before := uint64(1)<<e - 1
	if (m[mBad]>>s|m[nMasks+mBad]<<(64-s))&before != 0 {
		return e, -1, lineSpecial | lineColons
	}
	c1 = -1
	for x := (m[mColon]>>s | m[nMasks+mColon]<<(64-s)) & before; x != 0; x &= x - 1 {
		q := bits.TrailingZeros64(x)
		if c := in[r+q+1]; c == ' ' || c == '\n' {
			if c1 >= 0 {
				return e, c1, lineColons
			}
			c1 = q
		}
	}
	return e, c1, 0
}

// longLine is line for a line of 64 bytes or more, or one whose line break
// is not read yet.
func (ix *lineIndex) longLine(in []byte, r int) (k, c1 int, flags uint8) {
	a := r - ix.base
	n := ix.end - ix.base
	word := func(c, i int) uint64 { return ix.m[(i>>6)*nMasks+c] >> (i & 63) }
	e := -1
	for i := a; i < n; i = (i | 63) + 1 {
		if x := word(mNL, i); x != 0 {
			e = i + bits.TrailingZeros64(x)
			break
		}
	}
	if e < 0 || e >= n {
		return -1, -1, 0
	}
	k, c1 = e-a, -1
	for i := a; i < e; i = (i | 63) + 1 {
		x := word(mBad, i)
		if span := e - i; span < 64 {
			x &= 1<<span - 1
		}
		if x != 0 {
			return k, -1, lineSpecial | lineColons
		}
	}
	for i := a; i < e; i = (i | 63) + 1 {
		x := word(mColon, i)
		if span := e - i; span < 64 {
			x &= 1<<span - 1
		}
		for ; x != 0; x &= x - 1 {
			q := i + bits.TrailingZeros64(x)
			if c := in[ix.base+q+1]; c == ' ' || c == '\n' {
				if c1 < 0 {
					c1 = q - a
				} else {
					flags |= lineColons
				}
			}
		}
	}
	return k, c1, flags
}
