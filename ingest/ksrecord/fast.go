package ksrecord

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// This file holds the fast path of the YAML reader. The general path
// (parse.go, yaml.go) keeps every line of a record, then parses them with a
// recursive descent. The fast path parses an invocation record as its lines
// are read, in one pass over the input window, with an explicit stack of
// open collections, and hands keys and scalars to the same callbacks
// (extract.go): no line is kept but those of block scalars. Lines are found
// from the window's byte classes (masks.go), built once per window, on
// amd64; elsewhere by scanLine.
//
// It takes the lines kickstart writes: block mappings and sequences, plain
// and quoted scalars, flow collections on one line, and block scalars (whose
// content may hold tabs and any character YAML allows). On anything else (a
// line with a tab, a CR or a non-ASCII character outside a block scalar, a
// line at column 0 that the line filter keeps, a construct it does not
// follow, or anything the general path would reject) it gives up: the parser
// rewinds to the record's first line, still in the window, and the general
// path reads the record again. So the fast path never reports an error, and
// what it accepts, it reads as the general path would (FuzzFastPath checks
// both on the same inputs).

// errBail tells the parser to read the open record again with the general path.
var errBail = errors.New("ksrecord: record left to the general path")

// maxFastDepth bounds the fast path's stack; deeper records go to the
// general path (kickstart nests five levels).
const maxFastDepth = 64

// fframe is an open block collection.
type fframe struct {
	ind int32 // column of its keys or dashes
	seq bool  // a sequence, else a mapping
	n   int32 // sequence items so far
	ctx pctx
}

// fastState is the fast path's state between lines.
type fastState struct {
	stack []fframe

	// A key or dash ended its line: its value is a node on the next
	// lines, or null.
	pend bool
	pctx pctx  // the value's context
	pind int32 // indentation of the collection holding it
	pmap bool  // a mapping value: a sequence may sit at pind

	// A block scalar is open; its lines are kept in y.lines from bfirst.
	blk    bool
	bctx   pctx
	bsc    scalar // style and chomping
	bfirst int32
	bmin   int32 // least content indentation
	bind   int32 // content indentation, 0 until known
	bmax   int32 // largest indentation of the leading empty lines
}

// fastBegin starts reading the record whose first line is line (a slice of
// the window, followed by a line break) with the fast path. It reports false
// when the fast path does not take the record.
func (p *Parser) fastBegin(line []byte) bool {
	if ok, _ := scanASCII(line); !ok {
		return false
	}
	fs := &p.fs
	fs.stack = fs.stack[:0]
	fs.pend, fs.pctx, fs.pind, fs.pmap = true, pctx{k: kTop}, -1, false // the document's root
	fs.blk = false
	p.y.resetRecord()
	p.y.buf = p.in[p.recBase:]
	p.fast = true
	ind := leadingSpaces(line)
	if ind == len(line) || line[ind] == '#' || p.fastLine(0, int32(len(line)), int32(ind), hashFlag(line)) != nil {
		p.fast = false
		p.y.lines = p.y.lines[:0]
		return false
	}
	return true
}

func hashFlag(line []byte) uint8 {
	if bytes.IndexByte(line, '#') >= 0 {
		return lineHash
	}
	return 0
}

// fastScan reads the whole lines of the open record found in the window.
// It returns more when it needs more input, and stops (more false) before a
// line for the general loop: a line at column 0 that may end the record, or a
// line it does not handle (the general loop then gives it to appendYAML,
// which bails out, or drops it).
func (p *Parser) fastScan() (more bool, err error) {
	in, r, w := p.in, p.rpos, p.wpos
	base := p.recBase
	y := &p.y
	y.buf = in[base:]
	fs := &p.fs
	ix := &p.ix
	if maskedLines && !ix.valid(r, w, p.gen) {
		ix.build(in, r, w, p.gen)
	}
	// '#' is rare: hash is the offset of the next one in the window, or w.
	hash := w
	if h := bytes.IndexByte(in[r:w], '#'); h >= 0 {
		hash = r + h
	}
	for {
		var k, c1 int
		var flags uint8
		if maskedLines {
			k, c1, flags = ix.line(in, r)
		} else {
			k, c1, flags = scanLine(in, r, w)
		}
		if k < 0 {
			p.rpos = r
			return true, nil
		}
		if hash < r+k {
			flags |= lineHash
		}
		if hash < r+k+1 {
			hash = w
			if h := bytes.IndexByte(in[r+k+1:w], '#'); h >= 0 {
				hash = r + k + 1 + h
			}
		}
		line := in[r : r+k]
		if k > 0 && line[0] != ' ' {
			c := line[0]
			if c == '-' || c == '[' || c == 'l' || (flags&lineSpecial != 0 && bytes.IndexByte(line, '\r') >= 0) {
				p.rpos = r
				return false, nil
			}
			r += k + 1 // foreign text, dropped by the line filter
			p.lineNo++
			continue
		}
		ind := 0
		for {
			if d := binary.LittleEndian.Uint64(in[r+ind:]) ^ 0x2020202020202020; d != 0 {
				ind += bits.TrailingZeros64(d) >> 3
				break
			}
			ind += 8
		}
		blank := ind >= k // the line break stops the count
		if blank {
			ind = k
		}
		if flags&lineSpecial != 0 {
			// Only the content of a block scalar may hold these.
			if !fs.blk || !blank && !fs.blockLine(int32(ind)) || bytes.IndexByte(line, '\r') >= 0 || badYAMLChar(line) >= 0 {
				p.rpos = r
				return false, nil
			}
		}
		p.lineNo++
		lo := int32(r - base)
		r += k + 1
		if fs.blk {
			ind32 := int32(ind)
			if blank || fs.blockLine(ind32) {
				if fs.bind == 0 {
					if blank {
						fs.bmax = max(fs.bmax, ind32)
					} else {
						fs.bind = max(fs.bmin, fs.bmax, ind32)
					}
				}
				y.lines = append(y.lines, yline{off: lo, end: lo + int32(k), ind: ind32, num: p.lineNo})
				continue
			}
			if fs.bind == 0 {
				fs.bind = max(fs.bmin, fs.bmax, ind32)
			}
			p.fastEndBlock()
		}
		if blank || line[ind] == '#' {
			continue
		}
		if flags == 0 && p.fastCommon(line, lo, ind, c1) {
			continue
		}
		if err := p.fastLine(lo, lo+int32(k), int32(ind), flags&lineHash); err != nil {
			p.rpos = r
			return false, err
		}
	}
}

// blockLine reports whether a line with content at column ind belongs to the
// open block scalar.
func (fs *fastState) blockLine(ind int32) bool {
	if fs.bind == 0 {
		return ind >= fs.bmin && ind >= fs.bmax
	}
	return ind >= fs.bind
}

// Flags lineIndex.line gives besides lineHash and lineSpecial.
const lineColons = 1 << 2 // more than one ':' followed by a space or the line break

// plainStart marks the bytes that may start a plain key or value of the
// common lines fastCommon reads (no indicator, quote or space).
var plainStart = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range []byte("-?:,[]{}#&*!|>'\"%@`") {
		t[c] = false
	}
	return t
}()

// fastCommon reads the common lines of a record, "key: value", "key:" and
// "- value" with a plain key and a plain or double-quoted value without
// escapes, holding only printable ASCII and no '#'. It takes the first steps
// fastNode would take (the pending value, closing collections) and reports
// false when what is left of the line is for fastNode.
func (p *Parser) fastCommon(line []byte, lo int32, ind, c1 int) bool {
	y, fs := &p.y, &p.fs
	k := len(line)
	ind32 := int32(ind)
	entry := line[ind] == '-' && (ind+1 == k || line[ind+1] == ' ')
	key := !entry && c1 > ind && line[c1] == ':' && plainStart[line[ind]]
	if fs.pend {
		switch {
		case ind32 > fs.pind:
			if !entry && !key || len(fs.stack) >= maxFastDepth {
				return false
			}
			fs.stack = append(fs.stack, fframe{ind: ind32, seq: entry, ctx: fs.pctx})
		case fs.pmap && ind32 == fs.pind && entry:
			if len(fs.stack) >= maxFastDepth {
				return false
			}
			fs.stack = append(fs.stack, fframe{ind: ind32, seq: true, ctx: fs.pctx})
		default:
			y.scalarValue(fs.pctx, &nullScalar)
		}
		fs.pend = false
	}
	var top *fframe
	for {
		n := len(fs.stack)
		if n == 0 {
			return false
		}
		top = &fs.stack[n-1]
		if ind32 < top.ind || ind32 == top.ind && top.seq && !entry {
			fs.stack = fs.stack[:n-1]
			continue
		}
		if ind32 > top.ind || entry && !top.seq {
			return false
		}
		break
	}
	if entry {
		if c1 >= 0 {
			return false // maybe "- key: value"
		}
		v := ind + 1
		for v < k && line[v] == ' ' {
			v++
		}
		var sc scalar
		if v < k && !fastScalar(line, lo, v, &sc) {
			return false
		}
		child := y.seqItem(top.ctx, int(top.n))
		top.n++
		if v == k {
			fs.pend, fs.pctx, fs.pind, fs.pmap = true, child, top.ind, false
		} else {
			y.scalarValue(child, &sc)
		}
		return true
	}
	if !key {
		return false
	}
	v := c1 + 1
	for v < k && line[v] == ' ' {
		v++
	}
	var sc scalar
	if v < k && !fastScalar(line, lo, v, &sc) {
		return false
	}
	e := c1
	for line[e-1] == ' ' {
		e--
	}
	child := ignore
	if top.ctx.k != kIgnore {
		y.key = scalar{lo: lo + int32(ind), hi: lo + int32(e), style: sPlain}
		child = y.mapKey(top.ctx, &y.key)
	}
	if v == k {
		fs.pend, fs.pctx, fs.pind, fs.pmap = true, child, top.ind, true
	} else if child.k != kIgnore {
		y.scalarValue(child, &sc)
	}
	return true
}

// fastScalar reads the value at line[v:], a plain scalar holding no ':'
// followed by a space (the caller has checked) or a double-quoted one
// without escapes followed by nothing but spaces, into sc.
func fastScalar(line []byte, lo int32, v int, sc *scalar) bool {
	k := len(line)
	c := line[v]
	switch {
	case c == '"':
		q := bytes.IndexByte(line[v+1:], '"')
		if q < 0 || bytes.IndexByte(line[v+1:v+1+q], '\\') >= 0 {
			return false
		}
		for e := v + 2 + q; e < k; e++ {
			if line[e] != ' ' {
				return false
			}
		}
		*sc = scalar{lo: lo + int32(v) + 1, hi: lo + int32(v+1+q), style: sDouble}
		return true
	case plainStart[c]:
	case c == '-' || c == '?' || c == ':':
		if v+1 == k || line[v+1] == ' ' {
			return false
		}
	default:
		return false
	}
	e := k
	for line[e-1] == ' ' {
		e--
	}
	*sc = scalar{lo: lo + int32(v), hi: lo + int32(e), style: sPlain}
	return true
}

// fastLine parses a line holding content at column li (buffer offsets lo:hi
// relative to the record).
func (p *Parser) fastLine(lo, hi, li int32, flags uint8) error {
	y := &p.y
	y.lines = append(y.lines, yline{off: lo, end: hi, ind: li, kind: lineText, flags: flags, num: p.lineNo})
	// The general path counts the nesting of flow collections on top of
	// that of the block collections around them, at most two per level.
	y.i, y.ovLine, y.depth = len(y.lines)-1, -1, 2*maxFastDepth+16
	err := p.fastNode(lo+li, hi, li)
	y.lines = y.lines[:len(y.lines)-1]
	return err
}

func (p *Parser) fastNode(at, end, li int32) error {
	y, fs := &p.y, &p.fs
	b := y.buf[at:end]
	if fs.pend {
		fs.pend = false
		switch {
		case li > fs.pind:
			return p.fastBlockNode(at, end, li, fs.pind, fs.pctx)
		case fs.pmap && li == fs.pind && isSeqEntry(b):
			if len(fs.stack) >= maxFastDepth {
				return errBail
			}
			fs.stack = append(fs.stack, fframe{ind: li, seq: true, ctx: fs.pctx})
		default:
			y.scalarValue(fs.pctx, &nullScalar)
		}
	}
	for {
		n := len(fs.stack)
		if n == 0 {
			return errBail // content after the document's root node
		}
		top := &fs.stack[n-1]
		if li < top.ind {
			fs.stack = fs.stack[:n-1]
			continue
		}
		if li > top.ind {
			return errBail
		}
		if top.seq {
			if !isSeqEntry(b) {
				fs.stack = fs.stack[:n-1]
				continue
			}
			return p.fastSeqItem(at, end, li)
		}
		if isSeqEntry(b) {
			return errBail
		}
		rest, err := y.splitKey(at, end)
		if err != nil || rest < 0 {
			return errBail
		}
		return p.fastMapValue(top.ind, top.ctx, rest, end)
	}
}

// fastBlockNode parses a node that starts at column li of the line, below a
// key or dash of the collection at column parentInd.
func (p *Parser) fastBlockNode(at, end, li, parentInd int32, ctx pctx) error {
	y, fs := &p.y, &p.fs
	if isSeqEntry(y.buf[at:end]) {
		if len(fs.stack) >= maxFastDepth {
			return errBail
		}
		fs.stack = append(fs.stack, fframe{ind: li, seq: true, ctx: ctx})
		return p.fastSeqItem(at, end, li)
	}
	rest, err := y.splitKey(at, end)
	if err != nil {
		return errBail
	}
	if rest >= 0 {
		if len(fs.stack) >= maxFastDepth {
			return errBail
		}
		fs.stack = append(fs.stack, fframe{ind: li, ctx: ctx})
		return p.fastMapValue(li, ctx, rest, end)
	}
	return p.fastInline(at, end, parentInd, ctx)
}

// fastMapValue handles the value of the key in y.key, in the mapping at
// column ind; rest is the offset after the ':' and its spaces.
func (p *Parser) fastMapValue(ind int32, ctx pctx, rest, end int32) error {
	y, fs := &p.y, &p.fs
	child := ignore
	if ctx.k != kIgnore {
		child = y.mapKey(ctx, &y.key)
	}
	if rest < end && y.buf[rest] != '#' {
		return p.fastInline(rest, end, ind, child)
	}
	fs.pend, fs.pctx, fs.pind, fs.pmap = true, child, ind, true
	return nil
}

// fastSeqItem handles a "-" entry of the sequence on top of the stack.
func (p *Parser) fastSeqItem(at, end, li int32) error {
	y, fs := &p.y, &p.fs
	top := &fs.stack[len(fs.stack)-1]
	child := y.seqItem(top.ctx, int(top.n))
	top.n++
	ind := top.ind
	b := y.buf[at:end]
	j := int32(1)
	for j < int32(len(b)) && b[j] == ' ' {
		j++
	}
	rest := at + j
	if rest >= end || y.buf[rest] == '#' {
		fs.pend, fs.pctx, fs.pind, fs.pmap = true, child, ind, false
		return nil
	}
	if isSeqEntry(y.buf[rest:end]) {
		return errBail
	}
	r, err := y.splitKey(rest, end)
	if err != nil {
		return errBail
	}
	if r >= 0 { // "- key: value" opens a mapping at the key's column
		if len(fs.stack) >= maxFastDepth {
			return errBail
		}
		col := li + j
		fs.stack = append(fs.stack, fframe{ind: col, ctx: child})
		return p.fastMapValue(col, child, r, end)
	}
	return p.fastInline(rest, end, ind, child)
}

// fastInline parses a value that starts at offset at of the line.
func (p *Parser) fastInline(at, end, parentInd int32, ctx pctx) error {
	y := &p.y
	if c := y.buf[at]; c == '|' || c == '>' {
		return p.fastBlockScalar(at, end, parentInd, ctx)
	}
	if y.inlineValue(at, parentInd, ctx) != nil {
		return errBail
	}
	return nil
}

// fastBlockScalar reads a block scalar header; the next lines are its content.
func (p *Parser) fastBlockScalar(at, end, parentInd int32, ctx pctx) error {
	y, fs := &p.y, &p.fs
	sc, incr, err := blockHeader(y.buf[at:end])
	if err != nil {
		return errBail
	}
	fs.blk, fs.bctx, fs.bsc = true, ctx, sc
	fs.bfirst = int32(y.i) // the header line leaves y.lines before the content comes
	fs.bmin = max(parentInd+1, 1)
	fs.bind, fs.bmax = 0, 0
	if incr > 0 {
		fs.bind = fs.bmin + incr - 1
	}
	return nil
}

// fastEndBlock hands over the open block scalar, whose lines are all read.
func (p *Parser) fastEndBlock() {
	fs := &p.fs
	fs.blk = false
	sc := fs.bsc
	sc.lo, sc.hi = fs.bfirst, int32(len(p.y.lines))
	sc.bind = fs.bind
	if sc.bind == 0 {
		sc.bind = max(fs.bmin, fs.bmax)
	}
	p.y.scalarValue(fs.bctx, &sc)
}

// fastFinish completes the record read by the fast path.
func (p *Parser) fastFinish(f *File) error {
	y, fs := &p.y, &p.fs
	y.buf = p.in[p.recBase:]
	if fs.blk {
		p.fastEndBlock()
	}
	if fs.pend {
		fs.pend = false
		y.scalarValue(fs.pctx, &nullScalar)
	}
	if !y.sawInv || !y.sawMain {
		return errBail // the general path reports it
	}
	p.fast = false
	p.state, p.recBase = stNone, -1
	p.fastRecords++
	f.Records = append(f.Records, Record{})
	y.finishInvocation(&f.Records[len(f.Records)-1])
	f.Format = "yaml"
	return nil
}

// rewind moves back to the first line of the open record, for the general
// path to read it.
func (p *Parser) rewind() {
	p.rpos, p.lineNo = p.recBase, p.recLine-1
	p.state, p.recBase = stNone, -1
	p.fast, p.fastSkip = false, true
	p.fs.blk, p.fs.pend = false, false
	p.y.lines = p.y.lines[:0]
}
