package ksrecord

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// Limits that keep a corrupt file from exhausting memory.
const (
	maxLine   = 64 << 20  // longest line
	maxRecord = 256 << 20 // largest record
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
	br     *bufio.Reader
	name   string
	lineNo int
	long   []byte

	mode    int
	state   int
	recLine int  // line where the open record began
	lastNL  bool // the last line kept in the open YAML record ended with "\n"
	garbage int  // first line of binary data seen outside records

	y    yparser
	xbuf []byte
	ubuf []byte
}

// NewParser returns a Parser.
func NewParser() *Parser {
	return &Parser{br: bufio.NewReaderSize(nil, 64<<10)}
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

// ParseFile parses the job output file at path.
func (p *Parser) ParseFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return p.Parse(fh, path)
}

// Parse reads one job output file from r; name is used in errors. Malformed
// content gives a *ParseError; an error of r is returned wrapped with name.
func (p *Parser) Parse(r io.Reader, name string) (*File, error) {
	p.br.Reset(r)
	p.name, p.lineNo = name, 0
	p.mode, p.state, p.garbage = modeUnknown, stNone, 0
	p.y.name = name
	f := &File{}
	for {
		line, nl, err := p.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
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
					return nil, err
				}
				line = line[k+1:]
			}
		}
		if err := p.feed(f, line, nl); err != nil {
			return nil, err
		}
	}
	switch p.state {
	case stYAML, stMultipart:
		if err := p.finishYAML(f, true); err != nil {
			return nil, err
		}
	case stXML:
		return nil, &ParseError{File: name, Line: p.recLine,
			Err: causef(ErrTruncated, "no </invocation> before the end of the file")}
	}
	if f.Format == "" && f.Cluster == nil && len(f.ClusterTasks) == 0 && len(f.Multipart) == 0 && p.garbage > 0 {
		return nil, &ParseError{File: name, Line: p.garbage,
			Err: causef(ErrGarbage, "no kickstart record in the file")}
	}
	return f, nil
}

// readLine returns the next line without its line break ("\n" or "\r\n"),
// whether it had one, or io.EOF.
func (p *Parser) readLine() ([]byte, bool, error) {
	line, err := p.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.long = append(p.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = p.br.ReadSlice('\n')
			if len(p.long)+len(line) > maxLine {
				return nil, false, &ParseError{File: p.name, Line: p.lineNo + 1,
					Err: causef(ErrTooLong, "line longer than %d bytes", maxLine)}
			}
			p.long = append(p.long, line...)
		}
		line = p.long
	}
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("%s: %w", p.name, err)
	}
	if len(line) == 0 {
		return nil, false, io.EOF
	}
	p.lineNo++
	n := len(line)
	if line[n-1] != '\n' {
		return line, false, nil
	}
	line = line[:n-1]
	if n > 1 && line[n-2] == '\r' {
		line = line[:n-2]
	}
	return line, true, nil
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
			p.beginYAML(stMultipart)
			return nil
		}
		if bytes.Contains(line, yamlStart) {
			p.mode = modeYAML
			p.beginYAML(stYAML)
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

func (p *Parser) beginYAML(st int) {
	p.state, p.recLine, p.lastNL = st, p.lineNo, true
	p.y.buf = p.y.buf[:0]
	p.y.lines = p.y.lines[:0]
}

// appendYAML keeps a line of the open YAML record, checking that it holds
// only characters YAML allows (as PyYAML's reader does).
func (p *Parser) appendYAML(line []byte, nl bool) error {
	y := &p.y
	if len(y.buf)+len(line) > maxRecord {
		return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrTooLong, "record larger than %d bytes", maxRecord)}
	}
	if i := badYAMLChar(line); i >= 0 {
		what := "invalid UTF-8"
		if r, n := utf8.DecodeRune(line[i:]); r != utf8.RuneError || n > 1 {
			what = fmt.Sprintf("character %U", r)
		}
		return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrGarbage, "%s in a YAML record", what)}
	}
	ind := 0
	for ind < len(line) && line[ind] == ' ' {
		ind++
	}
	kind := uint8(lineText)
	if ind == len(line) {
		kind = lineBlank
	} else if line[ind] == '#' {
		kind = lineComment
	}
	off := int32(len(y.buf))
	y.buf = append(y.buf, line...)
	y.lines = append(y.lines, yline{off: off, end: off + int32(len(line)), ind: int32(ind), kind: kind, num: p.lineNo})
	p.lastNL = nl
	return nil
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
	y := &p.y
	st := p.state
	p.state = stNone
	if atEOF && !p.lastNL && len(y.lines) > 0 {
		return &ParseError{File: p.name, Line: y.lines[len(y.lines)-1].num,
			Err: causef(ErrTruncated, "the record's last line is cut off")}
	}
	y.atEOF = atEOF
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
