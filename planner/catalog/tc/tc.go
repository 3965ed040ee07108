// Package tc reads and writes the Pegasus transformation catalog in its text
// (multi-line) format and reads the legacy six-column File format
// (PLANNER.md §1.5).
package tc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pegasus-go/pegasus/planner/dax"
)

// Entry types.
const (
	Installed = "INSTALLED"
	Stageable = "STAGEABLE"
)

// Sentinel causes of a ParseError.
var (
	ErrSyntax = errors.New("transformation catalog syntax error")
)

// ParseError is an error at a line of a catalog file.
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

// Profile is a namespace/key/value.
type Profile struct{ Namespace, Key, Value string }

// Entry is one (transformation, site) mapping.
type Entry struct {
	Namespace, Name, Version string
	Site                     string
	PFN                      string
	Type                     string // INSTALLED or STAGEABLE
	Arch, OS                 string
	OSRelease, OSVersion     string
	Glibc                    string
	Profiles                 []Profile // transformation-level first, then site-level (later wins)
	Metadata                 []Profile // Namespace unused
	Line                     int
}

// FQN returns ns::name:version.
func (e *Entry) FQN() string { return dax.FQN(e.Namespace, e.Name, e.Version) }

// Catalog is a transformation catalog in file order.
type Catalog struct {
	Entries []*Entry
	index   map[string][]*Entry // key: fqn + "\x00" + site
}

// Add appends an entry.
func (c *Catalog) Add(e *Entry) {
	c.Entries = append(c.Entries, e)
	if c.index != nil {
		k := e.FQN() + "\x00" + e.Site
		c.index[k] = append(c.index[k], e)
	}
}

func (c *Catalog) build() {
	c.index = make(map[string][]*Entry, len(c.Entries))
	for _, e := range c.Entries {
		k := e.FQN() + "\x00" + e.Site
		c.index[k] = append(c.index[k], e)
	}
}

// Lookup returns the entries of transformation fqn on site, in file order.
func (c *Catalog) Lookup(fqn, site string) []*Entry {
	if c == nil {
		return nil
	}
	if c.index == nil {
		c.build()
	}
	return c.index[fqn+"\x00"+site]
}

// Sites returns the sites that have an entry for fqn, in file order.
func (c *Catalog) Sites(fqn string) []string {
	if c == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range c.Entries {
		if e.FQN() == fqn && !seen[e.Site] {
			seen[e.Site] = true
			out = append(out, e.Site)
		}
	}
	return out
}

// Has reports whether any entry names fqn.
func (c *Catalog) Has(fqn string) bool { return len(c.Sites(fqn)) > 0 }

// Remove deletes the entries matching fqn (and site, unless empty) and
// returns how many were removed.
func (c *Catalog) Remove(fqn, site string) int {
	kept := c.Entries[:0]
	n := 0
	for _, e := range c.Entries {
		if e.FQN() == fqn && (site == "" || e.Site == site) {
			n++
			continue
		}
		kept = append(kept, e)
	}
	c.Entries = kept
	c.index = nil
	return n
}

// ParseFile reads a catalog file, detecting the format: text when the first
// significant token is "tr", else the six-column File format.
func ParseFile(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseBytes(data, path)
}

// ParseBytes parses catalog text, detecting the format.
func ParseBytes(data []byte, name string) (*Catalog, error) {
	if isFileFormat(string(data)) {
		return ParseFileFormat(strings.NewReader(string(data)), name)
	}
	return Parse(strings.NewReader(string(data)), name)
}

func isFileFormat(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Fields(t)
		return f[0] != "tr" && len(f) >= 4
	}
	return false
}

type token struct {
	text   string
	quoted bool
	line   int
}

func tokenize(r io.Reader, name string) ([]token, error) {
	br := bufio.NewReader(r)
	var toks []token
	line := 1
	var cur strings.Builder
	curLine := 0
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, token{text: cur.String(), line: curLine})
			cur.Reset()
		}
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case c == '\n':
			flush()
			line++
		case c == ' ' || c == '\t' || c == '\r':
			flush()
		case c == '#':
			flush()
			for {
				c, err = br.ReadByte()
				if err != nil || c == '\n' {
					break
				}
			}
			if c == '\n' {
				line++
			}
		case c == '{' || c == '}':
			flush()
			toks = append(toks, token{text: string(c), line: line})
		case c == '"':
			flush()
			start := line
			var s strings.Builder
			for {
				c, err = br.ReadByte()
				if err != nil {
					return nil, &ParseError{File: name, Line: start, Err: ErrSyntax, Msg: "unterminated string"}
				}
				if c == '\\' {
					n, err := br.ReadByte()
					if err != nil {
						return nil, &ParseError{File: name, Line: start, Err: ErrSyntax, Msg: "unterminated string"}
					}
					s.WriteByte(n)
					continue
				}
				if c == '"' {
					break
				}
				if c == '\n' {
					line++
				}
				s.WriteByte(c)
			}
			toks = append(toks, token{text: s.String(), quoted: true, line: start})
		default:
			if cur.Len() == 0 {
				curLine = line
			}
			cur.WriteByte(c)
			if c == '$' {
				// ${VAR} template placeholders are part of a word.
				if b, err := br.Peek(1); err == nil && b[0] == '{' {
					for {
						c, err = br.ReadByte()
						if err != nil {
							break
						}
						cur.WriteByte(c)
						if c == '}' {
							break
						}
					}
				}
			}
		}
	}
	flush()
	return toks, nil
}

// Parse reads the text format.
func Parse(r io.Reader, name string) (*Catalog, error) {
	toks, err := tokenize(r, name)
	if err != nil {
		return nil, err
	}
	c := &Catalog{}
	i := 0
	errAt := func(t token, format string, args ...any) error {
		return &ParseError{File: name, Line: t.line, Err: ErrSyntax, Msg: fmt.Sprintf(format, args...)}
	}
	lastLine := 1
	if len(toks) > 0 {
		lastLine = toks[len(toks)-1].line
	}
	next := func() (token, error) {
		if i >= len(toks) {
			return token{}, &ParseError{File: name, Line: lastLine, Err: ErrSyntax, Msg: "unexpected end of file"}
		}
		t := toks[i]
		i++
		return t, nil
	}
	expect := func(s string) error {
		t, err := next()
		if err != nil {
			return err
		}
		if t.quoted || t.text != s {
			return errAt(t, "expected %q, found %q", s, t.text)
		}
		return nil
	}
	profile := func() (Profile, error) {
		var p Profile
		ns, err := next()
		if err != nil {
			return p, err
		}
		k, err := next()
		if err != nil {
			return p, err
		}
		v, err := next()
		if err != nil {
			return p, err
		}
		if !validNamespace(strings.ToLower(ns.text)) {
			return p, errAt(ns, "unknown profile namespace %q", ns.text)
		}
		if k.text == "" {
			return p, errAt(k, "empty profile key")
		}
		return Profile{Namespace: strings.ToLower(ns.text), Key: k.text, Value: v.text}, nil
	}
	for i < len(toks) {
		t, _ := next()
		if t.quoted || t.text != "tr" {
			return nil, errAt(t, "expected \"tr\", found %q", t.text)
		}
		nt, err := next()
		if err != nil {
			return nil, err
		}
		if nt.text == "{" {
			return nil, errAt(nt, "tr needs a transformation name")
		}
		if !bareWord(nt.text) {
			return nil, errAt(nt, "transformation name %q", nt.text)
		}
		ns, nm, ver := dax.SplitFQN(nt.text)
		if nm == "" {
			return nil, errAt(nt, "transformation %q has no name", nt.text)
		}
		if err := expect("{"); err != nil {
			return nil, err
		}
		var trProfiles []Profile
		for {
			kt, err := next()
			if err != nil {
				return nil, err
			}
			if kt.text == "}" && !kt.quoted {
				break
			}
			switch kt.text {
			case "profile":
				p, err := profile()
				if err != nil {
					return nil, err
				}
				trProfiles = append(trProfiles, p)
			case "metadata":
				if _, err := next(); err != nil {
					return nil, err
				}
				if _, err := next(); err != nil {
					return nil, err
				}
			case "site":
				st, err := next()
				if err != nil {
					return nil, err
				}
				if st.text == "{" {
					return nil, errAt(st, "site needs a handle")
				}
				if !bareWord(st.text) {
					return nil, errAt(st, "site handle %q", st.text)
				}
				e := &Entry{Namespace: ns, Name: nm, Version: ver, Site: st.text, Type: Installed, Line: st.line}
				e.Profiles = append(e.Profiles, trProfiles...)
				if err := expect("{"); err != nil {
					return nil, err
				}
				for {
					at, err := next()
					if err != nil {
						return nil, err
					}
					if at.text == "}" && !at.quoted {
						break
					}
					switch strings.ToLower(at.text) {
					case "profile":
						p, err := profile()
						if err != nil {
							return nil, err
						}
						e.Profiles = append(e.Profiles, p)
					case "metadata":
						k, err := next()
						if err != nil {
							return nil, err
						}
						v, err := next()
						if err != nil {
							return nil, err
						}
						e.Metadata = append(e.Metadata, Profile{Key: k.text, Value: v.text})
					case "pfn", "arch", "os", "osrelease", "osversion", "glibc", "type", "container":
						v, err := next()
						if err != nil {
							return nil, err
						}
						switch strings.ToLower(at.text) {
						case "pfn":
							e.PFN = v.text
						case "arch":
							e.Arch = v.text
						case "os":
							e.OS = v.text
						case "osrelease":
							e.OSRelease = v.text
						case "osversion":
							e.OSVersion = v.text
						case "glibc":
							e.Glibc = v.text
						case "type":
							tv := strings.ToUpper(v.text)
							if tv != Installed && tv != Stageable {
								return nil, errAt(v, "type must be INSTALLED or STAGEABLE, found %q", v.text)
							}
							e.Type = tv
						}
					default:
						return nil, errAt(at, "unknown keyword %q in site entry", at.text)
					}
				}
				if e.PFN == "" {
					return nil, errAt(st, "site %s of %s has no pfn", e.Site, nt.text)
				}
				c.Add(e)
			default:
				return nil, errAt(kt, "unknown keyword %q in tr entry", kt.text)
			}
		}
	}
	return c, nil
}

// ParseFileFormat reads the legacy format:
// site  ns::name:ver  pfn  TYPE  ARCH::OS[:VER[:GLIBC]]  NS::KEY="V",KEY2="V2";NS2::...
func ParseFileFormat(r io.Reader, name string) (*Catalog, error) {
	c := &Catalog{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	ln := 0
	for sc.Scan() {
		ln++
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Fields(t)
		if len(f) < 4 {
			return nil, &ParseError{File: name, Line: ln, Err: ErrSyntax, Msg: "expected site, transformation, pfn and type"}
		}
		if !bareWord(f[0]) || !bareWord(f[1]) {
			return nil, &ParseError{File: name, Line: ln, Err: ErrSyntax, Msg: fmt.Sprintf("site %q or transformation %q has quotes, braces or control characters", f[0], f[1])}
		}
		ns, nm, ver := dax.SplitFQN(f[1])
		if nm == "" {
			return nil, &ParseError{File: name, Line: ln, Err: ErrSyntax, Msg: fmt.Sprintf("transformation %q has no name", f[1])}
		}
		e := &Entry{Site: f[0], Namespace: ns, Name: nm, Version: ver, PFN: f[2], Type: strings.ToUpper(f[3]), Line: ln}
		if e.Type != Installed && e.Type != Stageable {
			return nil, &ParseError{File: name, Line: ln, Err: ErrSyntax, Msg: fmt.Sprintf("type must be INSTALLED or STAGEABLE, found %q", f[3])}
		}
		if len(f) > 4 && f[4] != "NULL" {
			parts := strings.Split(strings.ReplaceAll(f[4], "::", ":"), ":")
			e.Arch = parts[0]
			if len(parts) > 1 {
				e.OS = parts[1]
			}
			if len(parts) > 2 {
				e.OSVersion = parts[2]
			}
			if len(parts) > 3 {
				e.Glibc = parts[3]
			}
		}
		if len(f) > 5 && f[5] != "NULL" {
			for _, grp := range strings.Split(strings.Join(f[5:], " "), ";") {
				nsp, kvs, ok := strings.Cut(grp, "::")
				if !ok {
					continue
				}
				for _, kv := range strings.Split(kvs, ",") {
					k, v, _ := strings.Cut(kv, "=")
					p := Profile{Namespace: strings.ToLower(strings.TrimSpace(nsp)), Key: strings.TrimSpace(k), Value: strings.Trim(strings.TrimSpace(v), `"`)}
					if !validNamespace(p.Namespace) || p.Key == "" {
						return nil, &ParseError{File: name, Line: ln, Err: ErrSyntax, Msg: fmt.Sprintf("profile %q: want NS::KEY=\"VALUE\" with a known namespace", grp)}
					}
					e.Profiles = append(e.Profiles, p)
				}
			}
		}
		c.Add(e)
	}
	return c, sc.Err()
}

// bareWord reports whether s can be written unquoted as a transformation
// name or site handle.
func bareWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c <= ' ', c == '"', c == '\\', c == '{', c == '}', c == '#', c == 0x7f:
			return false
		}
	}
	return true
}

// validNamespace reports whether ns is a profile namespace.
func validNamespace(ns string) bool {
	switch ns {
	case "env", "condor", "globus", "dagman", "pegasus", "hints", "selector", "stat":
		return true
	}
	return false
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Write renders the catalog in the text format, one tr block per
// transformation in order of first appearance. Profiles are written per site.
func (c *Catalog) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var order []string
	groups := map[string][]*Entry{}
	for _, e := range c.Entries {
		k := e.FQN()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], e)
	}
	for _, k := range order {
		fmt.Fprintf(bw, "tr %s {\n", k)
		for _, e := range groups[k] {
			fmt.Fprintf(bw, "    site %s {\n", e.Site)
			for _, p := range e.Profiles {
				fmt.Fprintf(bw, "        profile %s %s %s\n", p.Namespace, quote(p.Key), quote(p.Value))
			}
			for _, m := range e.Metadata {
				fmt.Fprintf(bw, "        metadata %s %s\n", quote(m.Key), quote(m.Value))
			}
			fmt.Fprintf(bw, "        pfn %s\n", quote(e.PFN))
			for _, kv := range [][2]string{{"arch", e.Arch}, {"os", e.OS}, {"osrelease", e.OSRelease}, {"osversion", e.OSVersion}, {"glibc", e.Glibc}} {
				if kv[1] != "" {
					fmt.Fprintf(bw, "        %s %s\n", kv[0], quote(kv[1]))
				}
			}
			fmt.Fprintf(bw, "        type %s\n", quote(e.Type))
			fmt.Fprintf(bw, "    }\n")
		}
		fmt.Fprintf(bw, "}\n\n")
	}
	return bw.Flush()
}
