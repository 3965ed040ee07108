// Package rc reads and writes the file-based replica catalog format
// ("SimpleFile", PLANNER.md §1.6): one "LFN PFN key="value" ..." line per
// replica. The same format serves the replica catalog, --cache and
// --inherited-rc-files inputs and the planner's .replica.store and .cache.
package rc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Sentinel causes of a ParseError.
var (
	ErrSyntax = errors.New("replica catalog syntax error")
)

// ParseError is an error at a line of a replica file.
type ParseError struct {
	File string
	Line int
	Err  error
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %v: %s", e.File, e.Line, e.Err, e.Msg)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Attr is one key="value" attribute.
type Attr struct{ Key, Value string }

// Replica is one LFN -> PFN mapping.
type Replica struct {
	LFN   string
	PFN   string
	Attrs []Attr
	File  string // source file, for error messages
	Line  int
}

// Site returns the site attribute ("site", or the 3.x spelling "pool").
func (r *Replica) Site() string {
	site := ""
	for _, a := range r.Attrs {
		if a.Key == "site" || a.Key == "pool" {
			site = a.Value
		}
	}
	return site
}

// Attr returns the value of attribute k.
func (r *Replica) Attr(k string) (string, bool) {
	for _, a := range r.Attrs {
		if a.Key == k {
			return a.Value, true
		}
	}
	return "", false
}

// Catalog holds replicas in file order, indexed by LFN.
type Catalog struct {
	Replicas []*Replica
	byLFN    map[string][]*Replica
}

// New returns an empty catalog.
func New() *Catalog { return &Catalog{byLFN: map[string][]*Replica{}} }

// Add appends a replica; an identical (LFN, PFN, site) triple is not added twice.
func (c *Catalog) Add(r *Replica) bool {
	if c.byLFN == nil {
		c.byLFN = map[string][]*Replica{}
	}
	for _, o := range c.byLFN[r.LFN] {
		if o.PFN == r.PFN && o.Site() == r.Site() {
			return false
		}
	}
	c.Replicas = append(c.Replicas, r)
	c.byLFN[r.LFN] = append(c.byLFN[r.LFN], r)
	return true
}

// Lookup returns the replicas of lfn in file order.
func (c *Catalog) Lookup(lfn string) []*Replica {
	if c == nil {
		return nil
	}
	return c.byLFN[lfn]
}

// Len returns the number of replicas.
func (c *Catalog) Len() int {
	if c == nil {
		return 0
	}
	return len(c.Replicas)
}

// Delete removes the replicas of lfn (only the one with pfn, when pfn is not
// empty) and returns how many were removed.
func (c *Catalog) Delete(lfn, pfn string) int {
	n := 0
	kept := c.Replicas[:0]
	for _, r := range c.Replicas {
		if r.LFN == lfn && (pfn == "" || r.PFN == pfn) {
			n++
			continue
		}
		kept = append(kept, r)
	}
	c.Replicas = kept
	c.byLFN = map[string][]*Replica{}
	for _, r := range c.Replicas {
		c.byLFN[r.LFN] = append(c.byLFN[r.LFN], r)
	}
	return n
}

// LFNs returns the distinct LFNs, sorted.
func (c *Catalog) LFNs() []string {
	out := make([]string, 0, len(c.byLFN))
	for k := range c.byLFN {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ParseFile reads a replica file. A missing file is an error.
func ParseFile(path string) (*Catalog, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads replica lines from r; name is used in errors.
func Parse(r io.Reader, name string) (*Catalog, error) {
	c := New()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	ln := 0
	for sc.Scan() {
		ln++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		rep, err := ParseLine(line)
		if err != nil {
			return nil, &ParseError{File: name, Line: ln, Err: ErrSyntax, Msg: err.Error()}
		}
		rep.File, rep.Line = name, ln
		c.Add(rep)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// ParseLine parses one replica line.
func ParseLine(line string) (*Replica, error) {
	s := &lexer{s: line}
	lfn, ok, err := s.word()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("empty line")
	}
	pfn, ok, err := s.word()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("LFN %s has no PFN", lfn)
	}
	r := &Replica{LFN: lfn, PFN: pfn}
	for {
		s.blank()
		if s.i >= len(s.s) {
			break
		}
		j := strings.IndexByte(s.s[s.i:], '=')
		if j <= 0 {
			return nil, fmt.Errorf("attribute %q is not key=\"value\"", s.s[s.i:])
		}
		key := s.s[s.i : s.i+j]
		if strings.ContainsAny(key, " \t\"") {
			return nil, fmt.Errorf("attribute %q is not key=\"value\"", key)
		}
		s.i += j + 1
		val, ok, err := s.word()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("attribute %s has no value", key)
		}
		r.Attrs = append(r.Attrs, Attr{Key: key, Value: val})
	}
	return r, nil
}

type lexer struct {
	s string
	i int
}

func (l *lexer) blank() {
	for l.i < len(l.s) && (l.s[l.i] == ' ' || l.s[l.i] == '\t') {
		l.i++
	}
}

func (l *lexer) word() (string, bool, error) {
	l.blank()
	if l.i >= len(l.s) {
		return "", false, nil
	}
	if l.s[l.i] == '"' {
		var b strings.Builder
		l.i++
		for l.i < len(l.s) {
			c := l.s[l.i]
			if c == '\\' && l.i+1 < len(l.s) {
				if n := l.s[l.i+1]; n < 0x20 && n != '\t' {
					return "", false, fmt.Errorf("control character %q in a quoted string", n)
				}
				b.WriteByte(l.s[l.i+1])
				l.i += 2
				continue
			}
			if c == '"' {
				l.i++
				return b.String(), true, nil
			}
			if c < 0x20 && c != '\t' {
				return "", false, fmt.Errorf("control character %q in a quoted string", c)
			}
			b.WriteByte(c)
			l.i++
		}
		return "", false, errors.New("unterminated quoted string")
	}
	j := l.i
	for j < len(l.s) && l.s[j] != ' ' && l.s[j] != '\t' {
		if l.s[j] < 0x20 {
			return "", false, fmt.Errorf("control character %q in %q", l.s[j], l.s[l.i:])
		}
		j++
	}
	w := l.s[l.i:j]
	l.i = j
	return w, true, nil
}

// Quote returns s as a bare token, or double-quoted with backslash escapes
// when it holds white space, '"', '\' or '=', or starts with '#'.
func Quote(s string) string {
	if s != "" && s[0] != '#' && !strings.ContainsAny(s, " \t\"\\=") {
		return s
	}
	return quoteAlways(s)
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func quoteAlways(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	return `"` + quoteEscaper.Replace(s) + `"`
}

// AppendLine appends the file-format line of r (without newline) to b.
func AppendLine(b []byte, r *Replica) []byte {
	b = append(b, Quote(r.LFN)...)
	b = append(b, ' ')
	b = append(b, Quote(r.PFN)...)
	for _, a := range r.Attrs {
		b = append(b, ' ')
		b = append(b, a.Key...)
		b = append(b, '=')
		b = append(b, quoteAlways(a.Value)...)
	}
	return b
}

// Write writes every replica, one per line. With header, the first line is
// the "# file-based replica catalog: <time>" comment.
func (c *Catalog) Write(w io.Writer, header bool, now time.Time) error {
	bw := bufio.NewWriter(w)
	if header {
		fmt.Fprintf(bw, "# file-based replica catalog: %s\n", now.Format("2006-01-02T15:04:05.000-07:00"))
	}
	var buf []byte
	for _, r := range c.Replicas {
		buf = AppendLine(buf[:0], r)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}
