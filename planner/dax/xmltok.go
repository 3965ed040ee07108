package dax

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// tokenizer is a small non-validating XML tokenizer over an in-memory
// document, written for the planner's hot path (a 100,000-task DAX is about
// 100 MB). It checks what encoding/xml in strict mode checks for the DAX
// grammar: well-formed tags, matching end tags, quoted attribute values, the
// five predefined entities and character references, UTF-8 text without
// control characters, a single root element. It does not check duplicate
// attributes or namespace bindings. Element and attribute names are reduced
// to their local part (after the last ':'), as xml.Name.Local.
//
// Text and attribute values are substrings of one string copy of the
// document when they contain no entity or CR, so the tokenizer allocates
// little; the workflow keeps the document alive through them.
type tokenizer struct {
	s     string // the document
	pos   int
	line  int // line of s[linePos]
	lpos  int
	stack []string
	attrs []xattr // reused by next
	root  bool    // the root element has started
	done  bool    // the root element has ended
}

type xattr struct{ name, value string }

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText
)

// syntaxError is a malformed-document error at a line.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func newTokenizer(data []byte) (*tokenizer, error) {
	return newTokenizerOwned(bytes.Clone(data))
}

// newTokenizerOwned is newTokenizer on a buffer the tokenizer may keep:
// the caller must not change data afterwards.
func newTokenizerOwned(data []byte) (*tokenizer, error) {
	t := &tokenizer{line: 1}
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		data = data[3:]
	}
	// An ISO-8859-1 document becomes UTF-8 first.
	if enc := declaredEncoding(data); enc != "" {
		switch strings.ToLower(enc) {
		case "utf-8", "utf8", "us-ascii", "ascii":
		case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "iso_8859-1":
			data = latin1ToUTF8(data)
		default:
			return nil, &syntaxError{1, fmt.Sprintf("unsupported encoding %q", enc)}
		}
	}
	if err := checkChars(data); err != nil {
		return nil, err
	}
	t.s = unsafe.String(unsafe.SliceData(data), len(data))
	return t, nil
}

// declaredEncoding returns the encoding of the XML declaration, if any.
func declaredEncoding(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(data[5:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || rest[0] != '"' && rest[0] != '\'' {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	if k := strings.IndexByte(rest, q); k >= 0 {
		return rest[:k]
	}
	return ""
}

func latin1ToUTF8(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/16)
	for _, c := range data {
		if c < 0x80 {
			out = append(out, c)
		} else {
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return out
}

// checkChars rejects invalid UTF-8 and control characters other than tab,
// line feed and carriage return.
func checkChars(data []byte) error {
	ascii := true
	for i, c := range data {
		if c < 0x20 {
			if c != '\n' && c != '\r' && c != '\t' {
				return &syntaxError{1 + bytes.Count(data[:i], []byte{'\n'}), fmt.Sprintf("illegal character code U+%04X", c)}
			}
		} else if c >= 0x80 {
			ascii = false
		}
	}
	if !ascii && !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return &syntaxError{1 + bytes.Count(data[:i], []byte{'\n'}), "invalid UTF-8"}
	}
	return nil
}

// lineAt returns the line of byte offset p (p must not go backwards).
func (t *tokenizer) lineAt(p int) int {
	if p < t.lpos {
		return t.line - strings.Count(t.s[p:t.lpos], "\n")
	}
	t.line += strings.Count(t.s[t.lpos:p], "\n")
	t.lpos = p
	return t.line
}

func (t *tokenizer) errAt(p int, format string, args ...any) error {
	return &syntaxError{t.lineAt(p), fmt.Sprintf(format, args...)}
}

// next returns the next token. For tokStart, name, attrs (valid until the
// next call) and selfClose are set, and line is the line of the '<'; for
// tokEnd, name; for tokText, text. A self-closing element yields only
// tokStart with selfClose set.
func (t *tokenizer) next() (kind tokKind, name string, attrs []xattr, text string, selfClose bool, line int, err error) {
	s := t.s
	for {
		if t.pos >= len(s) {
			if len(t.stack) > 0 {
				return tokEOF, "", nil, "", false, t.lineAt(len(s)), t.errAt(len(s), "unexpected EOF")
			}
			return tokEOF, "", nil, "", false, t.lineAt(len(s)), nil
		}
		start := t.pos
		if s[start] != '<' {
			k := strings.IndexByte(s[start:], '<')
			end := len(s)
			if k >= 0 {
				end = start + k
			}
			t.pos = end
			raw := s[start:end]
			if len(t.stack) == 0 {
				// Outside the root only white space is allowed.
				for i := 0; i < len(raw); i++ {
					if c := raw[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
						return 0, "", nil, "", false, 0, t.errAt(start+i, "text outside the root element")
					}
				}
				continue
			}
			txt, err := t.decode(raw, start)
			if err != nil {
				return 0, "", nil, "", false, 0, err
			}
			return tokText, "", nil, txt, false, t.lineAt(start), nil
		}
		// Markup.
		if start+1 >= len(s) {
			return 0, "", nil, "", false, 0, t.errAt(start, "unexpected EOF")
		}
		switch s[start+1] {
		case '?':
			k := strings.Index(s[start+2:], "?>")
			if k < 0 {
				return 0, "", nil, "", false, 0, t.errAt(start, "unexpected EOF in processing instruction")
			}
			t.pos = start + 2 + k + 2
			continue
		case '!':
			rest := s[start+2:]
			switch {
			case strings.HasPrefix(rest, "--"):
				k := strings.Index(rest[2:], "--")
				if k < 0 {
					return 0, "", nil, "", false, 0, t.errAt(start, "unexpected EOF in comment")
				}
				after := start + 2 + 2 + k + 2
				if after >= len(s) || s[after] != '>' {
					return 0, "", nil, "", false, 0, t.errAt(after, `invalid sequence "--" not allowed in comments`)
				}
				t.pos = after + 1
				continue
			case strings.HasPrefix(rest, "[CDATA["):
				if len(t.stack) == 0 {
					return 0, "", nil, "", false, 0, t.errAt(start, "CDATA outside the root element")
				}
				k := strings.Index(rest[7:], "]]>")
				if k < 0 {
					return 0, "", nil, "", false, 0, t.errAt(start, "unexpected EOF in CDATA section")
				}
				txt := rest[7 : 7+k]
				t.pos = start + 2 + 7 + k + 3
				if strings.IndexByte(txt, '\r') >= 0 {
					txt = strings.ReplaceAll(strings.ReplaceAll(txt, "\r\n", "\n"), "\r", "\n")
				}
				return tokText, "", nil, txt, false, t.lineAt(start), nil
			case strings.HasPrefix(rest, "DOCTYPE"):
				if t.root {
					return 0, "", nil, "", false, 0, t.errAt(start, "DOCTYPE inside the document")
				}
				depth, i := 0, start+2
				for ; i < len(s); i++ {
					c := s[i]
					if c == '[' {
						depth++
					} else if c == ']' {
						depth--
					} else if c == '>' && depth <= 0 {
						break
					}
				}
				if i >= len(s) {
					return 0, "", nil, "", false, 0, t.errAt(start, "unexpected EOF in DOCTYPE")
				}
				t.pos = i + 1
				continue
			}
			return 0, "", nil, "", false, 0, t.errAt(start, "invalid <! markup")
		case '/':
			i := start + 2
			nstart := i
			for i < len(s) && isNameByte(s[i]) {
				i++
			}
			if i == nstart {
				return 0, "", nil, "", false, 0, t.errAt(start, "expected element name after </")
			}
			full := s[nstart:i]
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			if i >= len(s) || s[i] != '>' {
				return 0, "", nil, "", false, 0, t.errAt(i, "invalid characters between </%s and >", full)
			}
			t.pos = i + 1
			if len(t.stack) == 0 {
				return 0, "", nil, "", false, 0, t.errAt(start, "unexpected end element </%s>", full)
			}
			top := t.stack[len(t.stack)-1]
			if top != full {
				return 0, "", nil, "", false, 0, t.errAt(start, "element <%s> closed by </%s>", top, full)
			}
			t.stack = t.stack[:len(t.stack)-1]
			if len(t.stack) == 0 {
				t.done = true
			}
			return tokEnd, local(full), nil, "", false, t.lineAt(start), nil
		}
		// Start tag.
		i := start + 1
		nstart := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		if i == nstart || !isNameStart(s[nstart]) {
			return 0, "", nil, "", false, 0, t.errAt(start, "expected element name after <")
		}
		full := s[nstart:i]
		if t.done {
			return 0, "", nil, "", false, 0, t.errAt(start, "content after the root element")
		}
		t.attrs = t.attrs[:0]
		for {
			sp := i
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			if i >= len(s) {
				return 0, "", nil, "", false, 0, t.errAt(start, "unexpected EOF in <%s>", full)
			}
			if s[i] == '>' {
				i++
				break
			}
			if s[i] == '/' {
				if i+1 < len(s) && s[i+1] == '>' {
					i += 2
					selfClose = true
					break
				}
				return 0, "", nil, "", false, 0, t.errAt(i, "expected /> in element <%s>", full)
			}
			if sp == i {
				return 0, "", nil, "", false, 0, t.errAt(i, "expected white space before attribute in <%s>", full)
			}
			as := i
			for i < len(s) && isNameByte(s[i]) {
				i++
			}
			if i == as || !isNameStart(s[as]) {
				return 0, "", nil, "", false, 0, t.errAt(i, "expected attribute name in element <%s>", full)
			}
			aname := s[as:i]
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			if i >= len(s) || s[i] != '=' {
				return 0, "", nil, "", false, 0, t.errAt(i, "attribute %s in <%s> has no value", aname, full)
			}
			i++
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			if i >= len(s) || s[i] != '"' && s[i] != '\'' {
				return 0, "", nil, "", false, 0, t.errAt(i, "unquoted or missing attribute value in element <%s>", full)
			}
			q := s[i]
			i++
			k := strings.IndexByte(s[i:], q)
			if k < 0 {
				return 0, "", nil, "", false, 0, t.errAt(as, "unexpected EOF in attribute %s", aname)
			}
			raw := s[i : i+k]
			if strings.IndexByte(raw, '<') >= 0 {
				return 0, "", nil, "", false, 0, t.errAt(i, "unescaped < inside attribute value")
			}
			val, err := t.decode(raw, i)
			if err != nil {
				return 0, "", nil, "", false, 0, err
			}
			i += k + 1
			t.attrs = append(t.attrs, xattr{local(aname), val})
		}
		t.pos = i
		if len(t.stack) == 0 {
			if t.root {
				return 0, "", nil, "", false, 0, t.errAt(start, "content after the root element")
			}
			t.root = true
		}
		if selfClose {
			if len(t.stack) == 0 {
				t.done = true
			}
		} else {
			t.stack = append(t.stack, full)
		}
		return tokStart, local(full), t.attrs, "", selfClose, t.lineAt(start), nil
	}
}

// decode resolves entity and character references and CR line ends in raw,
// which starts at offset off.
func (t *tokenizer) decode(raw string, off int) (string, error) {
	amp := strings.IndexByte(raw, '&')
	cr := strings.IndexByte(raw, '\r')
	if amp < 0 && cr < 0 {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case '\r':
			b.WriteByte('\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case '&':
			semi := strings.IndexByte(raw[i:], ';')
			if semi < 0 {
				return "", t.errAt(off+i, "invalid character entity (no semicolon)")
			}
			ent := raw[i+1 : i+semi]
			switch ent {
			case "lt":
				b.WriteByte('<')
			case "gt":
				b.WriteByte('>')
			case "amp":
				b.WriteByte('&')
			case "apos":
				b.WriteByte('\'')
			case "quot":
				b.WriteByte('"')
			default:
				r, ok := charRef(ent)
				if !ok {
					return "", t.errAt(off+i, "invalid character entity &%s;", ent)
				}
				b.WriteRune(r)
			}
			i += semi + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), nil
}

func charRef(ent string) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	base := 10
	digits := ent[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if digits == "" || len(digits) > 8 {
		return 0, false
	}
	var n rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		n = n*rune(base) + d
	}
	if !(n == 0x09 || n == 0x0A || n == 0x0D || n >= 0x20 && n <= 0xD7FF || n >= 0xE000 && n <= 0xFFFD || n >= 0x10000 && n <= 0x10FFFF) {
		return 0, false
	}
	return n, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':' || c == '-' || c == '.' || c >= 0x80
}

func local(name string) string {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[i+1:]
	}
	return name
}
