package kickstart

import (
	"strconv"
	"unicode/utf8"
)

// YAML scalar writing. Everything written stays inside the subset that both
// PyYAML's safe loader and ingest/ksrecord read: one-line plain or
// double-quoted scalars, and literal blocks for captured data.

const hexDigits = "0123456789ABCDEF"

// printable reports whether PyYAML's reader accepts r unescaped in a
// double-quoted scalar or a literal block line (tab, line feed and carriage
// return are handled by the callers).
func printable(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x7e:
		return true
	case r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return false // YAML line breaks and the BOM: always escaped
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// appendQuoted appends s as a YAML double-quoted scalar. Bytes that are not
// valid UTF-8 are written as \xNN (the reader gets U+00NN).
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		case printable(r):
			dst = append(dst, s[i:i+n]...)
		case r <= 0xff:
			dst = append(dst, '\\', 'x', hexDigits[r>>4], hexDigits[r&15])
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			for sh := 12; sh >= 0; sh -= 4 {
				dst = append(dst, hexDigits[(r>>sh)&15])
			}
		default:
			dst = append(dst, '\\', 'U')
			for sh := 28; sh >= 0; sh -= 4 {
				dst = append(dst, hexDigits[(r>>sh)&15])
			}
		}
		i += n
	}
	return append(dst, '"')
}

// plainSafe reports whether s can be written as a plain scalar and read back
// as the same string: a conservative character set, no leading indicator,
// and nothing PyYAML would resolve to a number, boolean or null.
func plainSafe(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '/' || c == '.' || c == '_' || c == '+' || c == '@' || c == '%' || c == ',' || c == '=' || c == '~':
			if i == 0 && (c == '%' || c == '@' || c == ',' || c == '~' || c == '=') {
				return false
			}
		case c == '-':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE",
		"on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL":
		return false
	}
	if looksNumeric(s) {
		return false
	}
	return true
}

// looksNumeric is true for anything PyYAML might read as an int or float
// (decimal, with underscores, signs, exponents, leading dots).
func looksNumeric(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == '_' || c == '+' || c == '-' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	if digits == 0 {
		return s == "." || s == ".." // harmless either way
	}
	_, err := strconv.ParseFloat(s, 64)
	if err == nil {
		return true
	}
	// Underscores, several dots ("1.2.3" is a string for PyYAML, but keep
	// the rule simple and quote anything made of number characters only
	// with at most one dot).
	dots := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dots++
		}
	}
	return dots <= 1
}

// appendScalar appends s plain when that is safe, else double-quoted.
func appendScalar(dst []byte, s string) []byte {
	if plainSafe(s) {
		return append(dst, s...)
	}
	return appendQuoted(dst, s)
}

// literalOK reports whether data can be written as a literal block: every
// line printable (tabs allowed), no carriage returns, and at least one
// non-empty line.
func literalOK(data []byte) bool {
	nonEmpty := false
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
			case c == '\t' || (c >= 0x20 && c < 0x7f):
				nonEmpty = true
			default:
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && n == 1) || !printable(r) {
			return false
		}
		nonEmpty = true
		i += n
	}
	return nonEmpty
}

// appendData appends "data: ..." for captured output at the given indent:
// a literal block when the text allows, else a double-quoted scalar.
func appendData(dst []byte, indent int, data []byte) []byte {
	dst = appendIndent(dst, indent)
	dst = append(dst, "data: "...)
	if !literalOK(data) {
		dst = appendQuoted(dst, string(data))
		return append(dst, '\n')
	}
	dst = append(dst, '|')
	// An indentation indicator when the first non-empty line starts with
	// a space (the reader would take that space as indentation).
	for i := 0; i < len(data); i++ {
		if data[i] == '\n' {
			continue
		}
		if data[i] == ' ' || data[i] == '\t' {
			dst = append(dst, '2')
		}
		break
	}
	trailing := 0
	for i := len(data) - 1; i >= 0 && data[i] == '\n'; i-- {
		trailing++
	}
	switch {
	case trailing == 0:
		dst = append(dst, '-')
	case trailing > 1:
		dst = append(dst, '+')
	}
	dst = append(dst, '\n')
	body := data[:len(data)-trailing]
	for len(body) > 0 {
		line := body
		rest := []byte(nil)
		for j, c := range body {
			if c == '\n' {
				line, rest = body[:j], body[j+1:]
				break
			}
		}
		if len(line) > 0 {
			dst = appendIndent(dst, indent+2)
			dst = append(dst, line...)
		}
		dst = append(dst, '\n')
		if rest == nil {
			break
		}
		body = rest
	}
	for i := 1; i < trailing; i++ {
		dst = append(dst, '\n')
	}
	return dst
}

func appendIndent(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}
