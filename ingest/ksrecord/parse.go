package ksrecord

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"unicode/utf8"
)

// Limits that keep a corrupt file from exhausting memory.
const (
	maxLine   = 64 << 20  // longest line
	maxRecord = 256 << 20 // largest record
)

// The input window: reads never fill its last winPad bytes, so that the
// scanners, which read eight bytes at a time, and the byte classes, built a
// 64-byte block at a time (masks.go), may read past the end of the input.
const (
	window = 64 << 10
	winPad = maskBlock
)

// Markers of FORMATS.md §5.1 (read-only).
var (
	yamlStart       = []byte("- invocation:")
	multipartMarker = []byte("---------------pegasus-multipart")
	xmlDecl         = []byte("<?xml")
	xmlStart        = []byte("<invocation")
	xmlEnd          = []byte("</invocation>")
)

// File formats, as detected from the first marker line.
const (
	modeUnknown = iota
	modeYAML
	modeXML
)

// What the line being read belongs to.
const (
	stNone      = iota // between records
	stYAML             // a YAML invocation record
	stMultipart        // a multipart block
	stXML              // an XML invocation record
)

// Parser parses job output files. Its buffers are reused from one file to the
// next: reuse one Parser (in one goroutine) to parse many files cheaply. The
// zero value is not ready; use NewParser.
type Parser struct {
	r          io.Reader
	in         []byte // input window: in[rpos:wpos] is read but not consumed
	rpos, wpos int
	eof        bool
	name       string
	lineNo     int

	mode    int
	state   int
	recBase int  // window offset of the open YAML record (kept in the window), or -1
	recLine int  // line where the open record began
	lastNL  bool // the last line kept in the open YAML record ended with "\n"
	garbage int  // first line of binary data seen outside records

	// The YAML record being read by the fast path (fast.go), unless
	// noFast or fastSkip: the general path reads this one.
	fast        bool
	fastSkip    bool
	noFast      bool
	fs          fastState
	fastRecords int // records of the last input read by the fast path

	y    yparser
	xbuf []byte
	ubuf []byte

	fd fileReader // ParseFile's input

	// The byte classes of the window (fast path), valid while the window
	// generation gen, counted by fill, is the same.
	ix  lineIndex
	gen uint64
}

// NewParser returns a Parser.
func NewParser() *Parser {
	return &Parser{in: make([]byte, window+winPad)}
}

// Parse reads one job output file with a new Parser. See the package
// documentation for what is read, skipped and rejected.
func Parse(r io.Reader, name string) (*File, error) {
	return NewParser().Parse(r, name)
}

// ParseFile parses the job output file at path with a new Parser.
func ParseFile(path string) (*File, error) {
	return NewParser().ParseFile(path)
}

// ParseFile parses the job output file at path. An error opening or reading
// it is an *fs.PathError, as os.Open and (*os.File).Read give.
func (p *Parser) ParseFile(path string) (*File, error) {
	if err := p.fd.open(path); err != nil {
		return nil, err
	}
	defer p.fd.close()
	return p.Parse(&p.fd, path)
}

// Parse reads one job output file from r; name is used in errors. Malformed
// content gives a *ParseError; an error of r is returned wrapped with name.
func (p *Parser) Parse(r io.Reader, name string) (*File, error) {
	p.r, p.rpos, p.wpos, p.eof, p.recBase = r, 0, 0, false, -1
	defer p.release()
	p.name, p.lineNo = name, 0
	p.mode, p.state, p.garbage = modeUnknown, stNone, 0
	p.fast, p.fastSkip, p.fastRecords = false, false, 0
	p.y.name = name
	f := &File{}
	for {
		err := p.scan(f)
		if err == errBail {
			// The fast path met something it does not handle: the
			// general path reads the record again from its first line.
			p.rewind()
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if f.Format == "" && f.Cluster == nil && len(f.ClusterTasks) == 0 && len(f.Multipart) == 0 && p.garbage > 0 {
		return nil, &ParseError{File: name, Line: p.garbage,
			Err: causef(ErrGarbage, "no kickstart record in the file")}
	}
	return f, nil
}

// scan reads the input to its end, adding to f what it finds.
func (p *Parser) scan(f *File) error {
	for {
		switch {
		case p.state == stYAML && p.fast:
			more, err := p.fastScan()
			if err != nil {
				return err
			}
			if more && !p.eof {
				if err := p.fillLine(); err != nil {
					return err
				}
				continue
			}
		case p.state == stYAML || p.state == stMultipart:
			p.yamlFast()
		}
		line, nl, err := p.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if p.mode != modeXML {
			// Python reads text files with universal newlines: a lone CR
			// ends a line too.
			for {
				k := bytes.IndexByte(line, '\r')
				if k < 0 {
					break
				}
				if err := p.feed(f, line[:k], true); err != nil {
					return err
				}
				line = line[k+1:]
			}
		}
		if err := p.feed(f, line, nl); err != nil {
			return err
		}
	}
	switch p.state {
	case stYAML, stMultipart:
		return p.finishYAML(f, true)
	case stXML:
		return &ParseError{File: p.name, Line: p.recLine,
			Err: causef(ErrTruncated, "no </invocation> before the end of the file")}
	}
	return nil
}

// release drops the reader and any buffer grown far beyond the usual size
// by an unusual file, so that a long-lived Parser does not hold on to it.
func (p *Parser) release() {
	p.r = nil
	if cap(p.in) > 4<<20 {
		p.in = make([]byte, window+winPad)
	}
	if cap(p.y.lines) > 1<<16 {
		p.y.lines = nil
	}
	if cap(p.xbuf) > 4<<20 {
		p.xbuf, p.ubuf = nil, nil
	}
	p.y.buf = nil
}

// readLine returns the next line without its line break ("\n" or "\r\n"),
// whether it had one, or io.EOF. The line is valid until the next call.
func (p *Parser) readLine() ([]byte, bool, error) {
	scanned := 0 // bytes of in[rpos:wpos] known to hold no "\n"
	for {
		if k := bytes.IndexByte(p.in[p.rpos+scanned:p.wpos], '\n'); k >= 0 {
			k += scanned
			line := p.in[p.rpos : p.rpos+k]
			p.rpos += k + 1
			p.lineNo++
			if k > 0 && line[k-1] == '\r' {
				line = line[:k-1]
			}
			return line, true, nil
		}
		scanned = p.wpos - p.rpos
		if p.eof {
			if scanned == 0 {
				return nil, false, io.EOF
			}
			line := p.in[p.rpos:p.wpos]
			p.rpos = p.wpos
			p.lineNo++
			return line, false, nil
		}
		if err := p.fill(); err != nil {
			return nil, false, err
		}
	}
}

// fillLine reads until the window holds a whole line after rpos, or to the
// end of the input.
func (p *Parser) fillLine() error {
	scanned := 0
	for !p.eof && bytes.IndexByte(p.in[p.rpos+scanned:p.wpos], '\n') < 0 {
		scanned = p.wpos - p.rpos
		if err := p.fill(); err != nil {
			return err
		}
	}
	return nil
}

// fill reads more input into the window, or sets eof.
func (p *Parser) fill() error {
	// When the window is full, make room: drop what was consumed, but
	// keep an open YAML record, whose lines point into the window; grow
	// it if that frees nothing. (Compacting only when full keeps the
	// cost linear whatever the size of the reads.)
	limit := len(p.in) - winPad
	if p.wpos == limit {
		keep := p.rpos
		if p.recBase >= 0 {
			keep = p.recBase
		}
		if keep > 0 {
			p.wpos = copy(p.in, p.in[keep:p.wpos])
			p.rpos -= keep
			if p.recBase >= 0 {
				p.recBase = 0
				if !p.fast { // the fast path's offsets are relative to recBase
					for i := range p.y.lines {
						p.y.lines[i].off -= int32(keep)
						p.y.lines[i].end -= int32(keep)
					}
				}
			}
		}
	}
	if p.wpos == limit {
		if p.wpos-p.rpos >= maxLine {
			return &ParseError{File: p.name, Line: p.lineNo + 1,
				Err: causef(ErrTooLong, "line longer than %d bytes", maxLine)}
		}
		if p.recBase >= 0 && p.wpos >= maxRecord {
			return &ParseError{File: p.name, Line: p.recLine,
				Err: causef(ErrTooLong, "record larger than %d bytes", maxRecord)}
		}
		p.in = append(p.in, make([]byte, len(p.in)-winPad)...)
		limit = len(p.in) - winPad
	}
	p.gen++
	var n int
	var err error
	for tries := 0; n == 0 && err == nil; tries++ {
		if tries == 100 {
			err = io.ErrNoProgress
			break
		}
		n, err = p.r.Read(p.in[p.wpos:limit])
	}
	p.wpos += n
	if err == io.EOF {
		p.eof = true
	} else if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	return nil
}

// feed handles one line.
func (p *Parser) feed(f *File, line []byte, nl bool) error {
	switch p.state {
	case stYAML, stMultipart:
		if yamlBoundary(line) {
			if err := p.finishYAML(f, false); err != nil {
				return err
			}
			return p.outside(f, line, nl)
		}
		// The line filter of FORMATS.md §5.1: foreign text is dropped.
		if len(line) == 0 || line[0] == ' ' || line[0] == '-' || line[0] == 'l' {
			return p.appendYAML(line, nl)
		}
		return nil
	case stXML:
		return p.appendXML(f, line, nl)
	}
	return p.outside(f, line, nl)
}

// yamlBoundary reports whether line ends the open YAML record: a cluster
// line, a multipart marker, or the next "- invocation:" at column 0.
func yamlBoundary(line []byte) bool {
	if len(line) == 0 {
		return false
	}
	switch line[0] {
	case '[':
		return bytes.HasPrefix(line, []byte("[cluster-")) || bytes.HasPrefix(line, []byte("[seqexec-"))
	case '-':
		return bytes.HasPrefix(line, multipartMarker) || bytes.HasPrefix(line, yamlStart)
	}
	return false
}

// outside handles a line between records: a record starter, or text to skip.
func (p *Parser) outside(f *File, line []byte, nl bool) error {
	if p.mode != modeXML {
		if bytes.HasPrefix(line, multipartMarker) {
			p.mode = modeYAML
			p.beginYAML(stMultipart, p.offsetOf(line))
			return nil
		}
		if bytes.Contains(line, yamlStart) {
			p.mode = modeYAML
			p.beginYAML(stYAML, p.offsetOf(line))
			if !p.noFast && !p.fastSkip && nl && p.fastBegin(line) {
				return nil
			}
			return p.appendYAML(line, nl)
		}
	}
	if p.mode != modeYAML {
		if p.mode == modeUnknown && bytes.Contains(line, xmlDecl) {
			p.mode = modeXML
		}
		if i := bytes.Index(line, xmlStart); i >= 0 {
			p.mode = modeXML
			p.state, p.recLine = stXML, p.lineNo
			p.xbuf = p.xbuf[:0]
			return p.appendXML(f, line[i:], nl)
		}
	}
	if i, tag := findClusterTag(line); i >= 0 {
		rec := line[i:]
		j := bytes.IndexByte(rec, ']')
		if j < 0 {
			if !nl {
				return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrTruncated, "cluster record cut off")}
			}
			return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrSyntax, "cluster record without ']'")}
		}
		return p.parseClusterLine(f, rec[:j+1], tag)
	}
	if p.garbage == 0 && isBinary(line) {
		p.garbage = p.lineNo
	}
	return nil
}

// isBinary reports control characters that text never holds (tab, line
// breaks, form feed, backspace, bell and escape are allowed).
func isBinary(line []byte) bool {
	for _, c := range line {
		if c < 0x20 || c == 0x7f {
			switch c {
			case '\t', '\n', '\v', '\f', '\r', '\b', '\a', 0x1b:
				continue
			}
			return true
		}
	}
	return false
}

// beginYAML opens a YAML record (or multipart block) starting at the window
// offset base; its lines stay in the window until it is parsed.
func (p *Parser) beginYAML(st int, base int) {
	p.state, p.recLine, p.lastNL, p.recBase = st, p.lineNo, true, base
	p.y.lines = p.y.lines[:0]
}

// offsetOf returns the window offset of line, a slice of the window.
func (p *Parser) offsetOf(line []byte) int { return cap(p.in) - cap(line) }

// yamlFast consumes the ordinary lines of an open YAML record straight from
// the window: lines of printable ASCII starting with a space or empty, and
// the foreign lines the filter drops. It stops before any other line (or
// where the window needs more data), which the general path handles.
func (p *Parser) yamlFast() {
	const (
		ones   = 0x0101010101010101
		highs  = 0x8080808080808080
		lows   = 0x2020202020202020
		hashes = 0x2323232323232323
		nls    = 0x0a0a0a0a0a0a0a0a
	)
	in, r, w := p.in, p.rpos, p.wpos
	y := &p.y
	for r < w {
		// Find the end of the line and, on the way, whether it holds a
		// byte outside 0x20-0x7e (acc) or a '#' (hacc), eight bytes at a
		// time (see scanASCII; only the bytes before the first newline of
		// a word count, and a borrow never flags a byte below its origin).
		var acc, hacc uint64
		k := -1
		i := r
		for ; i+8 <= w; i += 8 {
			x := binary.LittleEndian.Uint64(in[i : i+8])
			nl := x ^ nls
			nl = (nl - ones) &^ nl & highs // the lowest flag is the first '\n'
			h := x ^ hashes
			bad := (x - lows) | (x + ones) | x
			hh := (h - ones) &^ h
			if nl != 0 {
				j := bits.TrailingZeros64(nl) >> 3
				mask := uint64(1)<<(8*j) - 1
				acc |= bad & mask
				hacc |= hh & mask
				k = i + j - r
				break
			}
			acc |= bad
			hacc |= hh
		}
		if k < 0 {
			for ; i < w; i++ {
				c := in[i]
				if c == '\n' {
					k = i - r
					break
				}
				if c < 0x20 || c >= 0x7f {
					acc |= highs
				}
				if c == '#' {
					hacc |= highs
				}
			}
			if k < 0 {
				break // no line break in the window
			}
		}
		if acc&highs != 0 {
			break // tabs, CRs, non-ASCII, controls: the general path
		}
		if k > 0 && in[r] != ' ' {
			if c := in[r]; c == '-' || c == '[' || c == 'l' {
				break
			}
			r += k + 1 // foreign text, dropped
			p.lineNo++
			continue
		}
		ind := leadingSpaces(in[r : r+k])
		kind := uint8(lineText)
		if ind == k {
			kind = lineBlank
		} else if in[r+ind] == '#' {
			kind = lineComment
		}
		flags := uint8(0)
		if hacc&highs != 0 {
			flags = lineHash
		}
		p.lineNo++
		y.lines = append(y.lines, yline{off: int32(r), end: int32(r + k), ind: int32(ind), kind: kind, flags: flags, num: p.lineNo})
		r += k + 1
		p.lastNL = true
	}
	p.rpos = r
}

// appendYAML keeps a line of the open YAML record, checking that it holds
// only characters YAML allows (as PyYAML's reader does).
func (p *Parser) appendYAML(line []byte, nl bool) error {
	if p.fast {
		return errBail // a line the fast path leaves to the general path
	}
	flags := uint8(0)
	ascii, hash := scanASCII(line)
	if hash {
		flags |= lineHash
	}
	if !ascii {
		flags |= lineSpecial
		if i := badYAMLChar(line); i >= 0 {
			what := "invalid UTF-8"
			if r, n := utf8.DecodeRune(line[i:]); r != utf8.RuneError || n > 1 {
				what = fmt.Sprintf("character %U", r)
			}
			return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrGarbage, "%s in a YAML record", what)}
		}
	}
	ind := leadingSpaces(line)
	kind := uint8(lineText)
	if ind == len(line) {
		kind = lineBlank
	} else if line[ind] == '#' {
		kind = lineComment
	}
	off := p.offsetOf(line)
	p.y.lines = append(p.y.lines, yline{off: int32(off), end: int32(off + len(line)), ind: int32(ind), kind: kind, flags: flags, num: p.lineNo})
	p.lastNL = nl
	return nil
}

// scanASCII reports whether b holds only bytes 0x20-0x7e, and whether it
// holds a '#', eight bytes at a time (the last word overlapping).
func scanASCII(b []byte) (ok, hash bool) {
	const lows, ones, highs, hashes = 0x2020202020202020, 0x0101010101010101, 0x8080808080808080, 0x2323232323232323
	n := len(b)
	if n < 8 {
		for _, c := range b {
			if c < 0x20 || c >= 0x7f {
				return false, false
			}
			hash = hash || c == '#'
		}
		return true, hash
	}
	// A byte < 0x20 borrows, one >= 0x7f carries or has its high bit: the
	// high bit of some byte is then set (never otherwise). A zero byte of
	// x^hashes (a '#') sets a high bit in (h-ones)&^h, as does nothing else
	// when no byte is bad.
	var acc, hacc uint64
	for i := 0; i < n-8; i += 8 {
		x := binary.LittleEndian.Uint64(b[i : i+8])
		h := x ^ hashes
		acc |= (x - lows) | (x + ones) | x
		hacc |= (h - ones) &^ h
	}
	x := binary.LittleEndian.Uint64(b[n-8:])
	h := x ^ hashes
	acc |= (x - lows) | (x + ones) | x
	hacc |= (h - ones) &^ h
	return acc&highs == 0, hacc&highs != 0
}

// leadingSpaces counts the spaces that start b, eight at a time.
func leadingSpaces(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if x := binary.LittleEndian.Uint64(b[i:]) ^ 0x2020202020202020; x != 0 {
			return i + bits.TrailingZeros64(x)>>3
		}
	}
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

// badYAMLChar returns the position of the first character PyYAML rejects
// (control characters other than tab, DEL, C1 controls but NEL, surrogates,
// U+FFFE/U+FFFF, invalid UTF-8), or -1.
func badYAMLChar(line []byte) int {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c >= 0x20 && c < 0x7f || c == '\t' {
			continue
		}
		if c < 0x80 {
			return i
		}
		r, n := utf8.DecodeRune(line[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		if !(r == 0x85 || (r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000) {
			return i
		}
		i += n - 1
	}
	return -1
}

// finishYAML parses the open YAML record or multipart block.
func (p *Parser) finishYAML(f *File, atEOF bool) error {
	if p.fast {
		return p.fastFinish(f)
	}
	p.fastSkip = false
	y := &p.y
	st := p.state
	p.state, p.recBase = stNone, -1
	if atEOF && !p.lastNL && len(y.lines) > 0 {
		return &ParseError{File: p.name, Line: y.lines[len(y.lines)-1].num,
			Err: causef(ErrTruncated, "the record's last line is cut off")}
	}
	y.atEOF = atEOF
	y.buf = p.in // eight-byte reads past a line's end stay in it (winPad)
	y.resetRecord()
	if st == stMultipart {
		if err := y.parseDocument(pctx{k: kMPRoot}); err != nil {
			return err
		}
		f.Multipart = append(f.Multipart, y.finishMultipart()...)
		return nil
	}
	if err := y.parseDocument(pctx{k: kTop}); err != nil {
		return err
	}
	if !y.sawInv {
		return &ParseError{File: p.name, Line: p.recLine,
			Err: causef(ErrSyntax, "the invocation record is not a YAML list of mappings")}
	}
	if !y.sawMain {
		return &ParseError{File: p.name, Line: y.lines[len(y.lines)-1].num,
			Err: causef(ErrTruncated, "the invocation record ends before its mainjob")}
	}
	f.Records = append(f.Records, Record{})
	y.finishInvocation(&f.Records[len(f.Records)-1])
	f.Format = "yaml"
	return nil
}

// appendXML adds a line to the open XML record, parsing it at </invocation>.
func (p *Parser) appendXML(f *File, line []byte, nl bool) error {
	if k := bytes.Index(line, xmlEnd); k >= 0 {
		p.xbuf = append(p.xbuf, line[:k+len(xmlEnd)]...)
		p.state = stNone
		return p.parseXML(f)
	}
	if len(p.xbuf)+len(line) > maxRecord {
		return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrTooLong, "record larger than %d bytes", maxRecord)}
	}
	p.xbuf = append(p.xbuf, line...)
	p.xbuf = append(p.xbuf, '\n')
	return nil
}
