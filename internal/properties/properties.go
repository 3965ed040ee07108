// Package properties reads Pegasus properties files (Java .properties syntax),
// the format of every tool's --conf option, and layers -Dkey=value overrides
// on top of them.
package properties

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Properties is an ordered set of key/value pairs. Later Set calls win.
type Properties struct {
	m    map[string]string
	keys []string
}

// New returns an empty set.
func New() *Properties { return &Properties{m: map[string]string{}} }

// Load reads a properties file. A missing file is an error.
func Load(path string) (*Properties, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := New()
	if err := p.Read(f, path); err != nil {
		return nil, err
	}
	return p, nil
}

// Read adds the properties in r (Java .properties syntax: "key=value",
// "key: value" or "key value"; "#" and "!" comments; a trailing backslash
// continues a line; \t \n \r \f \uXXXX escapes). name is used in errors.
func (p *Properties) Read(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	lineNo := 0
	var logical strings.Builder
	startLine := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if logical.Len() == 0 {
			trimmed := strings.TrimLeft(line, " \t\f")
			if trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!' {
				continue
			}
			startLine = lineNo
			line = trimmed
		} else {
			line = strings.TrimLeft(line, " \t\f")
		}
		if continues(line) {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		if err := p.addLine(logical.String()); err != nil {
			return fmt.Errorf("%s:%d: %v", name, startLine, err)
		}
		logical.Reset()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if logical.Len() > 0 {
		if err := p.addLine(logical.String()); err != nil {
			return fmt.Errorf("%s:%d: %v", name, startLine, err)
		}
	}
	return nil
}

// continues reports whether line ends with an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func (p *Properties) addLine(line string) error {
	// The key ends at the first unescaped '=', ':' or blank.
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	if i > len(line) {
		i = len(line)
	}
	key := line[:i]
	rest := strings.TrimLeft(line[i:], " \t\f")
	if len(rest) > 0 && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	k, err := unescape(key)
	if err != nil {
		return err
	}
	v, err := unescape(rest)
	if err != nil {
		return err
	}
	if k == "" {
		return fmt.Errorf("empty property name")
	}
	p.Set(k, v)
	return nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 >= len(s) {
				return "", fmt.Errorf("malformed \\u escape")
			}
			n, err := strconv.ParseUint(s[i+1:i+5], 16, 32)
			if err != nil {
				return "", fmt.Errorf("malformed \\u escape %q", s[i-1:i+5])
			}
			b.WriteRune(rune(n))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// Set sets key to value.
func (p *Properties) Set(key, value string) {
	if _, ok := p.m[key]; !ok {
		p.keys = append(p.keys, key)
	}
	p.m[key] = value
}

// SetDefine applies a "-D" style "key=value" override.
func (p *Properties) SetDefine(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return fmt.Errorf("property override %q is not key=value", kv)
	}
	p.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	return nil
}

// Get returns the value of key and whether it is set.
func (p *Properties) Get(key string) (string, bool) {
	if p == nil {
		return "", false
	}
	v, ok := p.m[key]
	return v, ok
}

// String returns the value of key, or def when unset.
func (p *Properties) String(key, def string) string {
	if v, ok := p.Get(key); ok {
		return v
	}
	return def
}

// Bool returns the value of key as a boolean ("true"/"false", case-insensitive), or def.
func (p *Properties) Bool(key string, def bool) bool {
	v, ok := p.Get(key)
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1", "on":
		return true
	case "false", "no", "0", "off":
		return false
	}
	return def
}

// Int returns the value of key as an integer, or def when unset or malformed.
func (p *Properties) Int(key string, def int) int {
	v, ok := p.Get(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n
}

// Keys returns the keys in the order they were first set.
func (p *Properties) Keys() []string {
	if p == nil {
		return nil
	}
	return append([]string(nil), p.keys...)
}

// WithPrefix returns the keys starting with prefix, sorted.
func (p *Properties) WithPrefix(prefix string) []string {
	var out []string
	for _, k := range p.Keys() {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Merge copies every property of o into p (o wins).
func (p *Properties) Merge(o *Properties) {
	if o == nil {
		return
	}
	for _, k := range o.keys {
		p.Set(k, o.m[k])
	}
}

// Write writes the properties in key order of insertion, escaping as needed.
func (p *Properties) Write(w io.Writer) error {
	for _, k := range p.keys {
		if _, err := fmt.Fprintf(w, "%s=%s\n", escape(k, true), escape(p.m[k], false)); err != nil {
			return err
		}
	}
	return nil
}

func escape(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '=', ':':
			if key {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case ' ':
			if key || i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
