package ksrecord

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// This file holds the syntax half of the YAML reader: a recursive-descent
// parser for the subset of YAML that pegasus-kickstart writes, working on the
// lines of one record held in memory. It validates the whole record but
// reports only mapping keys, sequence items and scalars, through the
// callbacks of extract.go, which decide what to keep. Scalars are not decoded
// here: a scalar is a view into the record buffer, decoded only if kept.
//
// Supported: block mappings and sequences (any consistent indentation,
// sequences indented or not under their key, "- key: v" compact mappings),
// flow mappings and sequences (nested, spanning lines), plain, single- and
// double-quoted scalars (all YAML escapes), literal and folded block scalars
// with chomping and indentation indicators, comments, empty values.
// Rejected as ErrSyntax (PyYAML accepts them, kickstart never writes them):
// anchors, aliases, tags, complex keys ("? "), multi-line plain or quoted
// scalars, "---"/"..." document markers inside a record. Tabs are rejected
// outside scalars and comments, as PyYAML does.

// Kinds of a kept line.
const (
	lineText    = iota
	lineBlank   // empty or spaces only
	lineComment // spaces then '#'
)

// Flags of a kept line.
const (
	lineHash    = 1 << iota // holds a '#'
	lineSpecial             // holds a tab or non-ASCII characters
)

// yline is one kept line of a record: buf[off:end] without its line break.
type yline struct {
	off, end int32
	ind      int32 // leading spaces
	kind     uint8
	flags    uint8
	num      int // line number in the file
}

// Scalar styles.
const (
	sNull    = iota // no value at all ("key:" followed by nothing)
	sPlain          // plain: buf[lo:hi] is the text
	sSingle         // single-quoted: buf[lo:hi] is the raw content
	sDouble         // double-quoted: buf[lo:hi] is the raw content
	sLiteral        // "|" block: lines [lo,hi), content indentation bind
	sFolded         // ">" block
)

// scalar is an undecoded scalar: a view into the record buffer, kept small
// as it is copied around.
type scalar struct {
	lo, hi int32 // bytes buf[lo:hi] (plain: the text; quoted: the content
	//              between the quotes), or for a block scalar its lines [lo,hi)
	bind  int32 // block: content indentation
	style uint8
	esc   bool // quoted content holds escapes
	chomp int8 // block: -1 strip, 0 clip, 1 keep
}

var nullScalar = scalar{style: sNull}

const maxDepth = 512

// isSeqEntry reports whether content starts a block sequence entry.
func isSeqEntry(b []byte) bool {
	return len(b) > 0 && b[0] == '-' && (len(b) == 1 || b[1] == ' ' || b[1] == '\t')
}

// errAt returns a ParseError at kept line li.
func (p *yparser) errAt(li int, sentinel error, msg string) error {
	num := 0
	switch {
	case li >= 0 && li < len(p.lines):
		num = p.lines[li].num
	case len(p.lines) > 0:
		num = p.lines[len(p.lines)-1].num
	}
	return &ParseError{File: p.name, Line: num, Err: causef(sentinel, "%s", msg)}
}

func (p *yparser) syntax(msg string) error { return p.errAt(p.i, ErrSyntax, msg) }

// eofErr reports running out of lines inside a construct: truncation when
// the record ended at end of file, a syntax error otherwise.
func (p *yparser) eofErr(msg string) error {
	if p.atEOF {
		return p.errAt(len(p.lines)-1, ErrTruncated, msg+" at end of file")
	}
	return p.errAt(len(p.lines)-1, ErrSyntax, msg)
}

// skipBlank moves past blank and comment lines (never past an overridden line).
func (p *yparser) skipBlank() {
	for p.i < len(p.lines) && p.i != p.ovLine && p.lines[p.i].kind != lineText {
		p.i++
	}
}

// indent is the column of the current line's content.
func (p *yparser) indent() int32 {
	if p.i == p.ovLine {
		return p.ovCol
	}
	return p.lines[p.i].ind
}

// contentAt is the buffer offset of the current line's content.
func (p *yparser) contentAt() int32 { return p.lines[p.i].off + p.indent() }

func (p *yparser) lineEnd() int32 { return p.lines[p.i].end }

func (p *yparser) nextLine() { p.i++ }

// parseDocument parses the record as one YAML document whose root gets ctx.
func (p *yparser) parseDocument(ctx pctx) error {
	p.i, p.ovLine, p.depth = 0, -1, 0
	p.skipBlank()
	if p.i >= len(p.lines) {
		p.scalarValue(ctx, &nullScalar)
		return nil
	}
	if err := p.blockNode(p.indent(), -1, ctx); err != nil {
		return err
	}
	p.skipBlank()
	if p.i < len(p.lines) {
		return p.syntax("expected the end of the document, found more content")
	}
	return nil
}

// blockNode parses the node starting on the current line at column ind.
func (p *yparser) blockNode(ind, parentInd int32, ctx pctx) error {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return p.syntax("nesting too deep")
	}
	at := p.contentAt()
	b := p.buf[at:p.lineEnd()]
	if b[0] == '\t' {
		return p.syntax("found a tab character that cannot start any token")
	}
	if isSeqEntry(b) {
		return p.parseSeq(ind, ctx)
	}
	rest, err := p.splitKey(at, p.lineEnd())
	if err != nil {
		return err
	}
	if rest >= 0 {
		return p.parseMap(ind, ctx)
	}
	return p.inlineValue(at, parentInd, ctx)
}

// parseMap parses a block mapping whose keys sit at column ind.
func (p *yparser) parseMap(ind int32, ctx pctx) error {
	for {
		p.skipBlank()
		if p.i >= len(p.lines) {
			return nil
		}
		li := p.indent()
		if li < ind {
			return nil
		}
		if li > ind {
			return p.syntax("bad indentation of a mapping entry")
		}
		ln := &p.lines[p.i]
		at, end := ln.off+li, ln.end
		switch p.buf[at] {
		case '\t':
			return p.syntax("found a tab character that cannot start any token")
		case '-':
			if at+1 == end || p.buf[at+1] == ' ' || p.buf[at+1] == '\t' {
				return p.syntax("block sequence entry where a mapping key was expected")
			}
		}
		rest, err := p.splitKey(at, end)
		if err != nil {
			return err
		}
		if rest < 0 {
			if c := p.buf[at]; c == '"' || c == '\'' {
				if _, ok := p.quotedOnLine(p.buf[at:end]); !ok {
					return p.unterminatedQuote()
				}
			}
			return p.syntax("could not find expected ':' after a mapping key")
		}
		child := ignore
		if ctx.k != kIgnore {
			child = p.mapKey(ctx, &p.key)
		}
		var err2 error
		if rest < end && p.buf[rest] != '#' {
			err2 = p.inlineValue(rest, ind, child) // the common case, "key: value"
		} else {
			err2 = p.afterIndicator(rest, ind, child, true)
		}
		if err2 != nil {
			return err2
		}
	}
}

// parseSeq parses a block sequence whose "-" sit at column ind.
func (p *yparser) parseSeq(ind int32, ctx pctx) error {
	n := 0
	for {
		p.skipBlank()
		if p.i >= len(p.lines) {
			return nil
		}
		li := p.indent()
		if li < ind {
			return nil
		}
		if li > ind {
			return p.syntax("bad indentation of a sequence entry")
		}
		at := p.contentAt()
		end := p.lineEnd()
		b := p.buf[at:end]
		if !isSeqEntry(b) {
			return nil // the caller decides whether what follows is valid
		}
		child := p.seqItem(ctx, n)
		n++
		j := int32(1)
		for j < int32(len(b)) && b[j] == ' ' {
			j++
		}
		if j < int32(len(b)) && b[j] == '\t' {
			return p.syntax("found a tab character that cannot start any token")
		}
		rest := at + j
		if err := p.afterEntry(rest, ind, li+j, child); err != nil {
			return err
		}
	}
}

// afterEntry parses the value of a sequence entry, starting at rest (column col).
func (p *yparser) afterEntry(rest, ind, col int32, ctx pctx) error {
	b := p.buf[rest:p.lineEnd()]
	if len(b) == 0 || b[0] == '#' {
		return p.afterIndicator(rest, ind, ctx, false)
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return p.syntax("nesting too deep")
	}
	if isSeqEntry(b) {
		p.ovLine, p.ovCol = p.i, col
		return p.parseSeq(col, ctx)
	}
	r, err := p.splitKey(rest, p.lineEnd())
	if err != nil {
		return err
	}
	if r >= 0 {
		p.ovLine, p.ovCol = p.i, col
		return p.parseMap(col, ctx)
	}
	return p.inlineValue(rest, ind, ctx)
}

// afterIndicator parses what follows "key:" (or "-") at offset rest of the
// current line: a value on the same line, or a block node on the next lines,
// or nothing (a null value).
func (p *yparser) afterIndicator(rest, ind int32, ctx pctx, mapValue bool) error {
	end := p.lineEnd()
	if rest >= end || p.buf[rest] == '#' {
		p.nextLine()
		p.skipBlank()
		if p.i < len(p.lines) {
			ni := p.indent()
			if ni > ind {
				return p.blockNode(ni, ind, ctx)
			}
			if mapValue && ni == ind && isSeqEntry(p.buf[p.contentAt():p.lineEnd()]) {
				return p.parseSeq(ind, ctx)
			}
		}
		p.scalarValue(ctx, &nullScalar)
		return nil
	}
	return p.inlineValue(rest, ind, ctx)
}

// splitKey looks for a mapping key at offset at of the current line (whose
// content ends at end). It stores the key in p.key and returns the offset of
// what follows the ':' and its spaces, or -1 when the line holds no "key:"
// (a value, or not YAML).
func (p *yparser) splitKey(at, end int32) (int32, error) {
	buf := p.buf
	switch c := buf[at]; c {
	case '"', '\'':
		b := buf[at:end]
		n, ok := p.quotedOnLine(b)
		if p.qerr != "" {
			return -1, p.syntax(p.qerr)
		}
		if !ok {
			return -1, nil
		}
		k := at + int32(n)
		for k < end && buf[k] == ' ' {
			k++
		}
		if k < end && buf[k] == ':' && (k+1 == end || buf[k+1] == ' ') {
			p.key = scalar{lo: at + 1, hi: at + int32(n) - 1, style: sDouble, esc: p.qesc}
			if c == '\'' {
				p.key.style = sSingle
			}
			return p.skipSpaces(k+1, end), nil
		}
		return -1, nil
	case '?':
		if at+1 == end || buf[at+1] == ' ' {
			return -1, p.syntax("complex mapping keys are not supported")
		}
	case '[', '{', '&', '*', '!', '|', '>', '%', '@', '`', ',', ']', '}', '#':
		return -1, nil
	}
	// Plain key: up to the first ':' followed by a space or the end of
	// line, unless a comment (" #") comes first. Tabs are not allowed.
	if p.lines[p.i].flags == 0 { // no '#', no tab: only ':' matters
		k := p.colonSpace(at, end)
		if k == end {
			return -1, nil
		}
		e := k
		for e > at && buf[e-1] == ' ' {
			e--
		}
		if e == at {
			return -1, nil
		}
		p.key = scalar{lo: at, hi: e, style: sPlain}
		k++
		for k < end && buf[k] == ' ' {
			k++
		}
		return k, nil
	}
	for k := at; ; k++ {
		k = p.firstStop(k, end)
		if k == end {
			return -1, nil
		}
		switch buf[k] {
		case ':':
			if k+1 < end && buf[k+1] != ' ' {
				continue
			}
			e := k
			for e > at && buf[e-1] == ' ' {
				e--
			}
			if e == at {
				return -1, nil
			}
			p.key = scalar{lo: at, hi: e, style: sPlain}
			k++
			for k < end && buf[k] == ' ' {
				k++
			}
			return k, nil
		case '#':
			if k > at && buf[k-1] == ' ' {
				return -1, nil
			}
		default: // tab
			return -1, p.syntax("found a tab character that cannot start any token")
		}
	}
}

// colonSpace returns the offset of the first ':' in buf[k:end] followed by a
// space or the end of the line, or end; eight bytes at a time (see firstStop).
func (p *yparser) colonSpace(k, end int32) int32 {
	buf := p.buf
	const lows7, highs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080
	for ; k < end; k += 8 {
		y := binary.LittleEndian.Uint64(buf[k:]) ^ 0x3a3a3a3a3a3a3a3a
		// The high bit is set exactly in the bytes that are ':'.
		c := ^(((y & lows7) + lows7) | y) & highs
		for c != 0 {
			j := k + int32(bits.TrailingZeros64(c)>>3)
			if j >= end {
				return end
			}
			if j+1 == end || buf[j+1] == ' ' {
				return j
			}
			c &= c - 1
		}
	}
	return end
}

// firstStop returns the offset of the first ':', '#' or tab in buf[k:end],
// or end. It reads eight bytes at a time: the record buffer is padded so
// that reading past a line's end stays inside it.
func (p *yparser) firstStop(k, end int32) int32 {
	buf := p.buf
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; k < end; k += 8 {
		x := binary.LittleEndian.Uint64(buf[k:])
		c := x ^ 0x3a3a3a3a3a3a3a3a // ':'
		h := x ^ 0x2323232323232323 // '#'
		t := x ^ 0x0909090909090909 // tab
		m := ((c - ones) &^ c) | ((h - ones) &^ h) | ((t - ones) &^ t)
		if m &= highs; m != 0 {
			// The lowest flagged byte is exact (a borrow only flags bytes above).
			return min(k+int32(bits.TrailingZeros64(m)>>3), end)
		}
	}
	return end
}

func (p *yparser) skipSpaces(at, end int32) int32 {
	for at < end && p.buf[at] == ' ' {
		at++
	}
	return at
}

// inlineValue parses a value starting at offset at of the current line and
// moves to the line after it.
func (p *yparser) inlineValue(at, parentInd int32, ctx pctx) error {
	end := p.lineEnd()
	switch c := p.buf[at]; c {
	case '|', '>':
		return p.blockScalar(at, parentInd, ctx)
	case '{', '[':
		p.pos = at
		if err := p.flowNode(ctx); err != nil {
			return err
		}
		return p.endOfLine(p.pos)
	case '"', '\'':
		n, ok := p.quotedOnLine(p.buf[at:end])
		if p.qerr != "" {
			return p.syntax(p.qerr)
		}
		if !ok {
			return p.unterminatedQuote()
		}
		sc := scalar{lo: at + 1, hi: at + int32(n) - 1, style: sDouble, esc: p.qesc}
		if c == '\'' {
			sc.style = sSingle
		}
		p.scalarValue(ctx, &sc)
		return p.endOfLine(at + int32(n))
	case '&', '*', '!':
		return p.syntax("anchors, aliases and tags are not supported")
	case '@', '`', '%', ',', ']', '}':
		return p.syntax("found a character that cannot start any token")
	case '\t':
		return p.syntax("found a tab character that cannot start any token")
	case '-', '?', ':':
		if at+1 == end || p.buf[at+1] == ' ' {
			if c == '-' {
				return p.syntax("block sequence entries are not allowed here")
			}
			return p.syntax("mapping keys and values are not allowed here")
		}
	}
	// Plain scalar: up to a comment, never holding ": " or a tab.
	e := end
	if p.lines[p.i].flags == 0 { // no '#', no tab: only ':' matters
		if p.colonSpace(at+1, end) != end {
			return p.syntax("mapping values are not allowed here")
		}
	} else {
		if err := p.plainSlow(at, end, &e); err != nil {
			return err
		}
	}
	for e > at && p.buf[e-1] == ' ' {
		e--
	}
	if ctx.k != kIgnore {
		sc := scalar{lo: at, hi: e, style: sPlain}
		p.scalarValue(ctx, &sc)
	}
	p.nextLine()
	return nil
}

// plainSlow finds the end e of a plain scalar on a line with comments or tabs.
func (p *yparser) plainSlow(at, end int32, e *int32) error {
	buf := p.buf
	for k := at + 1; ; k++ {
		k = p.firstStop(k, end)
		if k == end {
			return nil
		}
		if c := buf[k]; c == '#' {
			if buf[k-1] == ' ' {
				*e = k
				return nil
			}
		} else if c == ':' {
			if k+1 == end || buf[k+1] == ' ' {
				return p.syntax("mapping values are not allowed here")
			}
		} else {
			return p.syntax("found a tab character that cannot start any token")
		}
	}
}

// endOfLine checks that only spaces or a comment follow offset at on the
// current line, then moves to the next line.
func (p *yparser) endOfLine(at int32) error {
	end := p.lineEnd()
	at = p.skipSpaces(at, end)
	if at < end && p.buf[at] != '#' {
		if p.buf[at] == '\t' {
			return p.syntax("found a tab character that cannot start any token")
		}
		if p.buf[at] == ':' {
			return p.syntax("mapping values are not allowed here")
		}
		return p.syntax("unexpected content after a value")
	}
	p.nextLine()
	return nil
}

func (p *yparser) unterminatedQuote() error {
	if p.i == len(p.lines)-1 && p.atEOF {
		return p.errAt(p.i, ErrTruncated, "unterminated quoted scalar at end of file")
	}
	return p.syntax("unterminated quoted scalar (multi-line quoted scalars are not supported)")
}

// quotedOnLine scans the quoted scalar at b[0] and returns the length through
// its closing quote; ok is false if it does not end on this line. It sets
// p.qesc (escapes present) and p.qerr (an invalid escape).
func (p *yparser) quotedOnLine(b []byte) (n int, ok bool) {
	p.qesc, p.qerr = false, ""
	if b[0] == '\'' {
		i := 1
		for {
			q := bytes.IndexByte(b[i:], '\'')
			if q < 0 {
				return 0, false
			}
			i += q + 1
			if i < len(b) && b[i] == '\'' {
				p.qesc = true
				i++
				continue
			}
			return i, true
		}
	}
	i := 1
	for {
		q := bytes.IndexByte(b[i:], '"')
		seg := b[i:]
		if q >= 0 {
			seg = seg[:q]
		}
		s := bytes.IndexByte(seg, '\\')
		if s < 0 {
			if q < 0 {
				return 0, false
			}
			return i + q + 1, true
		}
		p.qesc = true
		k := i + s + 1
		if k >= len(b) {
			return 0, false // a line continuation: multi-line scalar
		}
		switch b[k] {
		case '0', 'a', 'b', 't', '\t', 'n', 'v', 'f', 'r', 'e', ' ', '"', '/', '\\', 'N', '_', 'L', 'P':
			k++
		case 'x', 'u', 'U':
			w := 2
			switch b[k] {
			case 'u':
				w = 4
			case 'U':
				w = 8
			}
			if k+1+w > len(b) {
				p.qerr = "expected escape sequence of hexadecimal digits"
				return 0, false
			}
			var r rune
			for _, h := range b[k+1 : k+1+w] {
				d, okh := hexVal(h)
				if !okh {
					p.qerr = "expected escape sequence of hexadecimal digits"
					return 0, false
				}
				r = r<<4 | rune(d)
			}
			if r > 0x10FFFF || r < 0 {
				p.qerr = "escape sequence out of the Unicode range"
				return 0, false
			}
			k += 1 + w
		default:
			p.qerr = "found unknown escape character in a double-quoted scalar"
			return 0, false
		}
		i = k
	}
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Errors of a block scalar header.
var (
	errBlockIndent = errors.New("block scalar indentation indicator must be 1-9")
	errBlockHeader = errors.New("expected a comment or a line break after a block scalar header")
)

// blockHeader reads the header of a "|" or ">" scalar (b, to the end of
// its line): the style and chomping of the scalar and its explicit
// indentation (0 when none).
func blockHeader(b []byte) (sc scalar, incr int32, err error) {
	sc = scalar{style: sLiteral}
	if b[0] == '>' {
		sc.style = sFolded
	}
	k := 1
	for n := 0; n < 2 && k < len(b); n++ {
		switch c := b[k]; {
		case (c == '+' || c == '-') && sc.chomp == 0:
			sc.chomp = 1
			if c == '-' {
				sc.chomp = -1
			}
			k++
		case c >= '1' && c <= '9' && incr == 0:
			incr = int32(c - '0')
			k++
		case c == '0':
			return sc, 0, errBlockIndent
		}
	}
	j := k
	for j < len(b) && b[j] == ' ' {
		j++
	}
	if j < len(b) && (b[j] != '#' || j == k) {
		return sc, 0, errBlockHeader
	}
	return sc, incr, nil
}

// blockScalar parses a "|" or ">" scalar whose header is at offset at.
func (p *yparser) blockScalar(at, parentInd int32, ctx pctx) error {
	end := p.lineEnd()
	sc, incr, err := blockHeader(p.buf[at:end])
	if err != nil {
		return p.syntax(err.Error())
	}
	minInd := parentInd + 1
	if minInd < 1 {
		minInd = 1
	}
	first := p.i + 1
	var bind int32
	if incr > 0 {
		bind = minInd + incr - 1
	} else {
		maxInd := int32(0)
		for q := first; q < len(p.lines); q++ {
			ln := &p.lines[q]
			if ln.ind == ln.end-ln.off { // spaces only
				maxInd = max(maxInd, ln.ind)
				continue
			}
			maxInd = max(maxInd, ln.ind)
			break
		}
		bind = max(minInd, maxInd)
	}
	q := first
	for q < len(p.lines) {
		ln := &p.lines[q]
		if ln.ind == ln.end-ln.off || ln.ind >= bind {
			q++
			continue
		}
		break
	}
	sc.lo, sc.hi, sc.bind = int32(first), int32(q), bind
	p.scalarValue(ctx, &sc)
	p.i = q
	return nil
}

// Flow collections. p.pos is the cursor, on line p.i.

// fskip moves the cursor to the next token, across lines and comments.
func (p *yparser) fskip() error {
	for {
		end := p.lines[p.i].end
		for p.pos < end {
			switch p.buf[p.pos] {
			case ' ':
				p.pos++
				continue
			case '#':
				p.pos = end
				continue
			case '\t':
				return p.syntax("found a tab character that cannot start any token")
			}
			return nil
		}
		if p.i+1 >= len(p.lines) {
			return p.eofErr("unterminated flow collection")
		}
		p.i++
		p.pos = p.lines[p.i].off
	}
}

func (p *yparser) flowNode(ctx pctx) error {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return p.syntax("nesting too deep")
	}
	switch c := p.buf[p.pos]; c {
	case '{':
		return p.flowMap(ctx)
	case '[':
		return p.flowSeq(ctx)
	case '"', '\'':
		sc, err := p.flowQuoted()
		if err != nil {
			return err
		}
		p.scalarValue(ctx, &sc)
		return nil
	}
	sc, err := p.flowPlain()
	if err != nil {
		return err
	}
	p.scalarValue(ctx, &sc)
	return nil
}

func (p *yparser) flowQuoted() (scalar, error) {
	end := p.lines[p.i].end
	b := p.buf[p.pos:end]
	n, ok := p.quotedOnLine(b)
	if p.qerr != "" {
		return scalar{}, p.syntax(p.qerr)
	}
	if !ok {
		return scalar{}, p.unterminatedQuote()
	}
	sc := scalar{lo: p.pos + 1, hi: p.pos + int32(n) - 1, style: sDouble, esc: p.qesc}
	if b[0] == '\'' {
		sc.style = sSingle
	}
	p.pos += int32(n)
	return sc, nil
}

// flowPlain scans a plain scalar inside a flow collection.
func (p *yparser) flowPlain() (scalar, error) {
	end := p.lines[p.i].end
	start := p.pos
	c := p.buf[start]
	next := byte(' ') // the end of line counts as a space
	if start+1 < end {
		next = p.buf[start+1]
	}
	switch c {
	case ',', ']', '}', '&', '*', '!', '|', '>', '%', '@', '`', '#', '\'', '"', '\t':
		return scalar{}, p.syntax("found a character that cannot start a flow scalar")
	case '?', ':':
		return scalar{}, p.syntax("complex keys and empty keys are not supported")
	case '-':
		if next == ' ' || next == '\t' {
			return scalar{}, p.syntax("block sequence entries are not allowed in a flow collection")
		}
	}
	k := start
loop:
	for k < end {
		switch p.buf[k] {
		case ',', '[', ']', '{', '}', '?':
			break loop
		case ':':
			if k+1 == end {
				break loop
			}
			switch p.buf[k+1] {
			case ' ', ',', '[', ']', '{', '}':
				break loop
			}
		case '#':
			if p.buf[k-1] == ' ' {
				break loop
			}
		case '\t':
			return scalar{}, p.syntax("found a tab character that cannot start any token")
		}
		k++
	}
	e := k
	for e > start && p.buf[e-1] == ' ' {
		e--
	}
	p.pos = k
	return scalar{lo: start, hi: e, style: sPlain}, nil
}

func (p *yparser) flowMap(ctx pctx) error {
	p.pos++ // '{'
	for {
		if err := p.fskip(); err != nil {
			return err
		}
		c := p.buf[p.pos]
		if c == '}' {
			p.pos++
			return nil
		}
		var key scalar
		var err error
		switch c {
		case '"', '\'':
			key, err = p.flowQuoted()
		case '{', '[':
			return p.syntax("complex mapping keys are not supported")
		default:
			key, err = p.flowPlain()
		}
		if err != nil {
			return err
		}
		if err := p.fskip(); err != nil {
			return err
		}
		child := p.mapKey(ctx, &key)
		switch p.buf[p.pos] {
		case ':':
			p.pos++
			if err := p.fskip(); err != nil {
				return err
			}
			if c := p.buf[p.pos]; c == ',' || c == '}' {
				p.scalarValue(child, &nullScalar)
			} else {
				if err := p.flowNode(child); err != nil {
					return err
				}
				if err := p.fskip(); err != nil {
					return err
				}
			}
		case ',', '}':
			p.scalarValue(child, &nullScalar)
		default:
			return p.syntax("expected ',' or '}' in a flow mapping")
		}
		switch p.buf[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return nil
		default:
			return p.syntax("expected ',' or '}' in a flow mapping")
		}
	}
}

func (p *yparser) flowSeq(ctx pctx) error {
	p.pos++ // '['
	n := 0
	for {
		if err := p.fskip(); err != nil {
			return err
		}
		if p.buf[p.pos] == ']' {
			p.pos++
			return nil
		}
		child := p.seqItem(ctx, n)
		n++
		if err := p.flowNode(child); err != nil {
			return err
		}
		if err := p.fskip(); err != nil {
			return err
		}
		switch p.buf[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return nil
		case ':':
			return p.syntax("single-pair mappings in flow sequences are not supported")
		default:
			return p.syntax("expected ',' or ']' in a flow sequence")
		}
	}
}
