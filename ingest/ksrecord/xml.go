package ksrecord

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
)

// XML invocation records (schema iv-2.x, Pegasus 2.x to 4.x; FORMATS.md §5.2).
// A record is parsed as a standalone document in ISO-8859-1, as monitord
// does (it prepends an ISO-8859-1 XML declaration), so every byte is one
// character: UTF-8 text in a record comes out as its Latin-1 reading, exactly
// as monitord stored it.

// Kinds of the statcall being read.
const (
	scNone = iota
	scMain
	scStdout
	scStderr
	scFinal
	scInitial
	scOther
)

// Element whose text is being collected.
const (
	tNone = iota
	tArg
	tCwd
	tCPU
	tData
	tSignal
	tFailure
)

// parseXML parses the XML record in p.xbuf, which began on line p.recLine.
func (p *Parser) parseXML(f *File) error {
	raw := p.xbuf
	high := false
	for i, c := range raw {
		if c < 0x20 {
			if c != '\t' && c != '\n' && c != '\r' {
				line := p.recLine + bytes.Count(raw[:i], []byte{'\n'})
				return &ParseError{File: p.name, Line: line,
					Err: causef(ErrGarbage, "control character U+%04X in an XML record", c)}
			}
		} else if c >= 0x80 {
			high = true
		}
	}
	data := raw
	if high {
		p.ubuf = latin1ToUTF8(p.ubuf[:0], raw)
		data = p.ubuf
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true

	var (
		r           Record
		stack       []string
		spaces      []string // name space prefixes of the open elements
		inMain      bool
		inMachine   bool
		sc          = scNone
		outIdx      = -1
		target      = tNone
		targetDepth int
		text        []byte
		sawRoot     bool
	)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.xmlError(d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			depth := len(stack)
			parent := ""
			if depth > 0 {
				parent = stack[depth-1]
			}
			if depth == 0 {
				if sawRoot || name != "invocation" {
					line, _ := d.InputPos()
					return &ParseError{File: p.name, Line: p.recLine + line - 1,
						Err: causef(ErrSyntax, "expected <invocation>, found <%s>", name)}
				}
				sawRoot = true
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "hostname":
						r.Hostname = a.Value
					case "hostaddr":
						r.Hostaddr = a.Value
					case "resource":
						r.Resource = a.Value
					case "user":
						r.User = a.Value
					case "transformation":
						r.Transformation = a.Value
					case "derivation":
						r.Derivation, r.HasDerivation = a.Value, true
					}
				}
				stack = append(stack, name)
				spaces = append(spaces, t.Name.Space)
				continue
			}
			switch name {
			case "mainjob":
				if depth == 1 {
					inMain = true
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "start":
							r.StartText = a.Value
							r.Start, r.HasStart = parseISO8601([]byte(a.Value))
						case "duration":
							r.Duration, r.HasDuration = xmlFloat(a.Value)
						}
					}
				}
			case "usage":
				if inMain && parent == "mainjob" {
					var ok1, ok2 bool
					for _, a := range t.Attr {
						switch a.Name.Local {
						case "utime":
							r.Utime, ok1 = xmlFloat(a.Value)
						case "stime":
							r.Stime, ok2 = xmlFloat(a.Value)
						case "maxrss":
							r.MaxRSS, r.HasMaxRSS = xmlInt(a.Value)
						}
					}
					r.HasUsage = ok1 || ok2
				}
			case "status":
				if inMain && parent == "mainjob" {
					if v, ok := xmlInt(attr(t, "raw")); ok {
						r.Raw, r.HasRaw = int(v), true
					}
				}
			case "regular":
				if inMain && parent == "status" {
					if v, ok := xmlInt(attr(t, "exitcode")); ok {
						r.ExitCode, r.HasExit = int(v), true
					}
				}
			case "signalled", "suspended":
				if inMain && parent == "status" {
					if v, ok := xmlInt(attr(t, "signal")); ok {
						r.Signal = int(v)
					}
					if name == "signalled" {
						r.Signalled = true
						c := attr(t, "corefile")
						r.Corefile = c == "true" || c == "1"
						target = tSignal
					} else {
						r.Suspended = true
					}
				}
			case "failure":
				if inMain && parent == "status" {
					r.HasFailure = true
					if v, ok := xmlInt(attr(t, "error")); ok {
						r.FailureError = int(v)
					}
					target = tFailure
				}
			case "statcall":
				switch {
				case inMain && parent == "mainjob":
					sc = scMain
				case depth == 1:
					sc = scOther
					switch attr(t, "id") {
					case "stdout":
						sc = scStdout
					case "stderr":
						sc = scStderr
					case "initial":
						sc = scInitial
					case "final":
						sc = scFinal
						outIdx = -1
						if lfn, ok := attrOK(t, "lfn"); ok {
							r.Outputs = append(r.Outputs, OutputFile{LFN: lfn})
							outIdx = len(r.Outputs) - 1
						}
					}
				}
			case "file":
				if sc == scMain && parent == "statcall" {
					r.Executable = attr(t, "name")
				}
			case "statinfo":
				if parent == "statcall" && depth == 2 && (sc == scFinal || sc == scInitial) {
					size, okSize := attrOK(t, "size")
					n, okN := xmlInt(size)
					if sc == scInitial {
						if okN {
							r.InputBytes += n
						}
						break
					}
					if okN {
						r.OutputBytes += n
					}
					if outIdx >= 0 {
						o := &r.Outputs[outIdx]
						if okSize {
							o.Size = size
						}
						o.Ctime = attr(t, "ctime")
						o.User = attr(t, "user")
					}
				}
			case "checksum":
				if sc == scFinal && parent == "statcall" && outIdx >= 0 {
					o := &r.Outputs[outIdx]
					o.ChecksumType = attr(t, "type")
					o.ChecksumValue = attr(t, "value")
					o.ChecksumTiming = attr(t, "timing")
				}
			case "data":
				if (sc == scStdout || sc == scStderr) && parent == "statcall" && depth == 2 {
					target = tData
				}
			case "argument-vector":
				if inMain && parent == "mainjob" {
					r.HasArgv = true
				}
			case "arg":
				if inMain && parent == "argument-vector" {
					target = tArg
				}
			case "cwd":
				if depth == 1 {
					target = tCwd
				}
			case "machine":
				if depth == 1 {
					inMachine = true
				}
			case "uname":
				if inMachine && parent == "machine" {
					r.HasUname = true
					r.System = attr(t, "system")
					r.Release = attr(t, "release")
					r.Machine = attr(t, "machine")
				}
			case "ram":
				if inMachine {
					if v, ok := xmlInt(attr(t, "total")); ok {
						r.RAMTotal, r.HasRAMTotal = v, true
					}
				}
			case "cpu":
				if inMachine {
					if v, ok := xmlInt(attr(t, "count")); ok {
						r.CPUCount = int(v)
					}
					if v, ok := xmlInt(attr(t, "speed")); ok {
						r.CPUSpeed = int(v)
					}
					r.CPUVendor = attr(t, "vendor")
					target = tCPU
				}
			}
			stack = append(stack, name)
			spaces = append(spaces, t.Name.Space)
			if target != tNone && targetDepth == 0 {
				targetDepth = len(stack)
				text = text[:0]
			}
		case xml.EndElement:
			depth := len(stack)
			if depth == 0 || stack[depth-1] != t.Name.Local || spaces[depth-1] != t.Name.Space {
				line, _ := d.InputPos()
				return &ParseError{File: p.name, Line: p.recLine + line - 1,
					Err: causef(ErrSyntax, "XML: element <%s> closed by </%s>", top(stack), t.Name.Local)}
			}
			spaces = spaces[:depth-1]
			if target != tNone && depth == targetDepth {
				s := string(text)
				switch target {
				case tArg:
					r.Argv = append(r.Argv, s)
				case tCwd:
					r.Cwd = s
				case tCPU:
					r.CPUModel = s
				case tSignal:
					r.SignalName = s
				case tFailure:
					r.Failure = s
				case tData:
					if len(s) > 0 {
						if sc == scStdout {
							r.Stdout, r.HasStdout = r.Stdout+s, true
						} else {
							r.Stderr, r.HasStderr = r.Stderr+s, true
						}
					}
				}
				target, targetDepth = tNone, 0
			}
			switch stack[depth-1] {
			case "mainjob":
				if depth == 2 {
					inMain = false
				}
			case "machine":
				if depth == 2 {
					inMachine = false
				}
			case "statcall":
				sc = scNone
			}
			stack = stack[:depth-1]
		case xml.CharData:
			if target != tNone {
				text = append(text, t...)
			}
		}
	}
	if !sawRoot {
		return &ParseError{File: p.name, Line: p.recLine, Err: causef(ErrSyntax, "no <invocation> element")}
	}
	if len(stack) > 0 {
		line, _ := d.InputPos()
		return &ParseError{File: p.name, Line: p.recLine + line - 1,
			Err: causef(ErrTruncated, "XML: element <%s> not closed", top(stack))}
	}
	f.Records = append(f.Records, r)
	f.Format = "xml"
	return nil
}

// xmlError turns a decoder error into a ParseError at the record's line.
func (p *Parser) xmlError(d *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		sentinel := ErrSyntax
		if se.Msg == "unexpected EOF" {
			sentinel = ErrTruncated
		}
		return &ParseError{File: p.name, Line: p.recLine + se.Line - 1, Err: causef(sentinel, "XML: %s", se.Msg)}
	}
	line, _ := d.InputPos()
	return &ParseError{File: p.name, Line: p.recLine + line - 1, Err: causef(ErrSyntax, "XML: %v", err)}
}

func attrOK(t xml.StartElement, name string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func attr(t xml.StartElement, name string) string {
	v, _ := attrOK(t, name)
	return v
}

func xmlFloat(s string) (float64, bool) {
	return parsePyFloatString([]byte(s))
}

func xmlInt(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	f, ok := xmlFloat(s)
	if !ok || f != f || f > 9.2e18 || f < -9.2e18 {
		return 0, false
	}
	return int64(f), true
}

// latin1ToUTF8 appends the ISO-8859-1 text b to dst as UTF-8.
func latin1ToUTF8(dst, b []byte) []byte {
	for _, c := range b {
		if c < 0x80 {
			dst = append(dst, c)
		} else {
			dst = append(dst, 0xC0|c>>6, 0x80|c&0x3F)
		}
	}
	return dst
}

func top(stack []string) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1]
}
