package ingest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// SubmitFile is an HTCondor submit description (<job>.sub) as Pegasus writes
// it: "key = value" commands, "+Attr = value" / "MY.Attr = value" ClassAd
// attributes, comments and a final "queue". Command keys are case-insensitive
// and stored lower-cased; attribute names keep their case. Later lines win.
type SubmitFile struct {
	Commands map[string]string // lower-cased command -> raw value
	Attrs    map[string]string // ClassAd attribute (without "+"/"MY.") -> raw value
	Keys     []string          // commands and "+attrs" in file order (attrs with their "+")
	Queue    int               // the count of the queue statement (1 when bare)
	HasQueue bool
}

// ReadSubmitFile parses the submit file at path.
func ReadSubmitFile(path string) (*SubmitFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSubmit(b, path)
}

// ReadSubmit parses a submit description read from r.
func ReadSubmit(r io.Reader, name string) (*SubmitFile, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	return ParseSubmit(b, name)
}

// ParseSubmit parses a submit description. A trailing backslash continues a
// line. Lines that are neither comments, commands nor queue statements are
// errors.
func ParseSubmit(data []byte, name string) (*SubmitFile, error) {
	s := &SubmitFile{Commands: make(map[string]string, 32), Attrs: make(map[string]string, 24), Keys: make([]string, 0, 56)}
	lineNo := 0
	var cont []byte
	contStart := 0
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		line = bytes.TrimRight(line, "\r")
		if len(cont) > 0 || bytes.HasSuffix(line, []byte("\\")) {
			if len(cont) == 0 {
				contStart = lineNo
			}
			if bytes.HasSuffix(line, []byte("\\")) {
				cont = append(cont, line[:len(line)-1]...)
				continue
			}
			cont = append(cont, line...)
			line = cont
			cont = nil
		} else {
			contStart = lineNo
		}
		if perr := s.addLine(line); perr != nil {
			return nil, &ParseError{File: name, Line: contStart, Err: perr}
		}
	}
	if len(cont) > 0 {
		if perr := s.addLine(cont); perr != nil {
			return nil, &ParseError{File: name, Line: contStart, Err: perr}
		}
	}
	return s, nil
}

func (s *SubmitFile) addLine(line []byte) error {
	t := bytes.TrimSpace(line)
	if len(t) == 0 || t[0] == '#' {
		return nil
	}
	eq := bytes.IndexByte(t, '=')
	if eq < 0 {
		f := strings.Fields(string(t))
		if strings.EqualFold(f[0], "queue") {
			s.HasQueue = true
			s.Queue = 1
			if len(f) > 1 {
				if n, err := strconv.Atoi(f[1]); err == nil {
					s.Queue = n
				}
			}
			return nil
		}
		return fmt.Errorf("%w: expected \"key = value\", got %q", ErrSyntax, truncate(string(t), 60))
	}
	key := string(bytes.TrimSpace(t[:eq]))
	val := string(bytes.TrimSpace(t[eq+1:]))
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrSyntax)
	}
	switch {
	case key[0] == '+':
		s.Attrs[key[1:]] = val
		s.Keys = append(s.Keys, key)
	case len(key) > 3 && strings.EqualFold(key[:3], "MY."):
		s.Attrs[key[3:]] = val
		s.Keys = append(s.Keys, "+"+key[3:])
	default:
		k := strings.ToLower(key)
		if strings.ContainsAny(k, " \t") {
			return fmt.Errorf("%w: bad key %q", ErrSyntax, key)
		}
		s.Commands[k] = val
		s.Keys = append(s.Keys, k)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Get returns the raw value of a submit command (case-insensitive).
func (s *SubmitFile) Get(cmd string) (string, bool) {
	v, ok := s.Commands[strings.ToLower(cmd)]
	return v, ok
}

// Attr returns a ClassAd attribute with surrounding double quotes removed.
func (s *SubmitFile) Attr(name string) (string, bool) {
	v, ok := s.Attrs[name]
	if !ok {
		// Attribute names are case-insensitive in ClassAds.
		for k, x := range s.Attrs {
			if strings.EqualFold(k, name) {
				v, ok = x, true
				break
			}
		}
		if !ok {
			return "", false
		}
	}
	return Unquote(v), true
}

// Unquote removes one pair of surrounding double quotes.
func Unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// unquoteBytes is Unquote for a byte slice.
func unquoteBytes(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// ArgumentsRaw returns the arguments command as monitord stores it: the text
// inside the double quotes of the new syntax, or the raw value of the old one.
func (s *SubmitFile) ArgumentsRaw() (string, bool) {
	v, ok := s.Get("arguments")
	if !ok {
		return "", false
	}
	return Unquote(v), true
}

// Arguments splits the arguments command into an argument vector following
// HTCondor's rules: the new syntax (value in double quotes; arguments
// separated by blanks; single quotes group, ” is a literal quote inside them;
// "" is a literal double quote) or the old syntax (blank-separated, \" escapes).
func (s *SubmitFile) Arguments() ([]string, error) {
	v, ok := s.Get("arguments")
	if !ok {
		if v, ok = s.Get("args"); !ok {
			return nil, nil
		}
	}
	return SplitCondorArgs(v)
}

// SplitCondorArgs splits an HTCondor arguments value (see Arguments).
func SplitCondorArgs(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return splitNewArgs(v[1 : len(v)-1])
	}
	// Old syntax.
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) && v[i+1] == '"' {
			cur.WriteByte('"')
			in = true
			i++
			continue
		}
		if c == ' ' || c == '\t' {
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
			continue
		}
		cur.WriteByte(c)
		in = true
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

func splitNewArgs(v string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' && i+1 < len(v) && v[i+1] == '"':
			cur.WriteByte('"')
			in = true
			i++
		case c == '\'':
			in = true
			i++
			closed := false
			for i < len(v) {
				if v[i] == '\'' {
					if i+1 < len(v) && v[i+1] == '\'' {
						cur.WriteByte('\'')
						i += 2
						continue
					}
					closed = true
					break
				}
				if v[i] == '"' && i+1 < len(v) && v[i+1] == '"' {
					cur.WriteByte('"') // "" is a literal double quote everywhere
					i += 2
					continue
				}
				cur.WriteByte(v[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("%w: unbalanced single quote in arguments", ErrSyntax)
			}
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

// Environment parses the environment command into key/value pairs: the new
// syntax (value in double quotes, entries separated by blanks, single quotes
// group) or the old one (entries separated by ';').
func (s *SubmitFile) Environment() []KV {
	v, ok := s.Get("environment")
	if !ok {
		return nil
	}
	v = strings.TrimSpace(v)
	var entries []string
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		entries, _ = splitNewArgs(v[1 : len(v)-1])
	} else {
		entries = strings.Split(v, ";")
	}
	var out []KV
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		k, val, _ := strings.Cut(e, "=")
		out = append(out, KV{k, val})
	}
	return out
}

// scanSubmit calls fn for every "key = value" line of a submit description,
// without building maps (the fast path monitord uses for every job). attr
// is set for ClassAd attributes ("+name" or "MY.name", key without prefix).
// It returns false if the file has a line ParseSubmit would reject; lines
// continued with a backslash are joined as ParseSubmit does.
func scanSubmit(data []byte, fn func(key []byte, attr bool, value []byte)) bool {
	if bytes.Contains(data, []byte("\\\n")) || bytes.Contains(data, []byte("\\\r\n")) {
		sf, err := ParseSubmit(data, "")
		if err != nil {
			return false
		}
		for _, k := range sf.Keys {
			if k[0] == '+' {
				fn([]byte(k[1:]), true, []byte(sf.Attrs[k[1:]]))
			} else {
				fn([]byte(k), false, []byte(sf.Commands[k]))
			}
		}
		return true
	}
	ok := true
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		eq := bytes.IndexByte(line, '=')
		if eq <= 0 {
			if !bytes.HasPrefix(bytes.ToLower(line), []byte("queue")) {
				ok = false
			}
			continue
		}
		key := bytes.TrimSpace(line[:eq])
		val := bytes.TrimSpace(line[eq+1:])
		switch {
		case key[0] == '+':
			fn(key[1:], true, val)
		case len(key) > 3 && equalFold(key[:3], "MY."):
			fn(key[3:], true, val)
		default:
			fn(key, false, val)
		}
	}
	return ok
}

// submitSyntaxError returns ParseSubmit's error for a file scanSubmit rejected.
func submitSyntaxError(data []byte, name string) error {
	_, err := ParseSubmit(data, name)
	return err
}

// equalFold reports whether b equals the ASCII string s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if d >= 'A' && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}
