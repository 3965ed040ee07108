package dax

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Sentinel causes of a ParseError.
var (
	ErrSyntax         = errors.New("malformed XML")
	ErrNotDAX         = errors.New("not a DAX document (root element is not adag)")
	ErrVersion        = errors.New("unsupported DAX version")
	ErrMissingAttr    = errors.New("missing required attribute")
	ErrBadValue       = errors.New("invalid attribute value")
	ErrDuplicateID    = errors.New("duplicate job id")
	ErrUnknownJob     = errors.New("dependency names an unknown job")
	ErrCycle          = errors.New("dependency cycle")
	ErrUnknownElement = errors.New("unexpected element")
)

// ParseError is an error at a position of a DAX file.
type ParseError struct {
	File string
	Line int
	Err  error
	Msg  string // detail, may be empty
}

func (e *ParseError) Error() string {
	s := e.Err.Error()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, s)
	}
	return fmt.Sprintf("%s: %s", e.File, s)
}

// Unwrap returns the sentinel cause.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseFile reads the DAX at path.
func ParseFile(path string) (*Workflow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

// node is one element of the document with its mixed content.
type node struct {
	name  string
	attrs []xattr
	parts []part
	line  int
}

type part struct {
	text  string
	child *node
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

func (n *node) get(name string) string {
	v, _ := n.attr(name)
	return v
}

func (n *node) children() []*node {
	out := make([]*node, 0, len(n.parts))
	for _, p := range n.parts {
		if p.child != nil {
			out = append(out, p.child)
		}
	}
	return out
}

func (n *node) text() string {
	if len(n.parts) == 1 && n.parts[0].child == nil {
		return n.parts[0].text
	}
	var b strings.Builder
	for _, p := range n.parts {
		if p.child == nil {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

type parser struct {
	t    *tokenizer
	name string
	v2   bool
	wf   *Workflow
	// slabs the nodes of one top-level element are cut from
	nodes []node
	attrs []xattr
	parts []part
}

// Parse reads a DAX document of version 2.0, 2.1 or 3.x from r; name is
// used in errors. The result is checked for duplicate ids and dangling
// dependencies but not for cycles (see Workflow.Check).
func Parse(r io.Reader, name string) (*Workflow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ParseOwned(data, name)
}

// ParseBytes is Parse on a document in memory.
func ParseBytes(data []byte, name string) (*Workflow, error) {
	return ParseOwned(bytes.Clone(data), name)
}

// ParseOwned is ParseBytes without a copy: the workflow's strings share
// data, which the caller must not change afterwards.
func ParseOwned(data []byte, name string) (*Workflow, error) {
	t, err := newTokenizerOwned(data)
	if err != nil {
		return nil, syntax(name, err)
	}
	p := &parser{t: t, name: name, wf: &Workflow{}}
	if err := p.run(); err != nil {
		return nil, err
	}
	if err := p.wf.checkRefs(name); err != nil {
		return nil, err
	}
	return p.wf, nil
}

func (p *parser) errf(line int, cause error, format string, args ...any) error {
	return &ParseError{File: p.name, Line: line, Err: cause, Msg: fmt.Sprintf(format, args...)}
}

func syntax(name string, err error) error {
	var se *syntaxError
	if errors.As(err, &se) {
		return &ParseError{File: name, Line: se.line, Err: ErrSyntax, Msg: se.msg}
	}
	return &ParseError{File: name, Err: ErrSyntax, Msg: err.Error()}
}

func (p *parser) run() error {
	// Find the root element.
	kind, rname, rattrs, _, rself, rootLine, err := p.t.next()
	for err == nil && kind == tokText {
		kind, rname, rattrs, _, rself, rootLine, err = p.t.next()
	}
	if err != nil {
		return syntax(p.name, err)
	}
	if kind == tokEOF {
		return p.errf(rootLine, ErrNotDAX, "no root element")
	}
	if rname != "adag" {
		return p.errf(rootLine, ErrNotDAX, "root element is <%s>", rname)
	}
	rn := &node{name: "adag", attrs: append([]xattr(nil), rattrs...), line: rootLine}
	ver := rn.get("version")
	if ver == "" {
		return p.errf(rootLine, ErrMissingAttr, "adag needs a version")
	}
	major, minor, ok := splitVersion(ver)
	switch {
	case !ok:
		return p.errf(rootLine, ErrVersion, "version %q", ver)
	case major == 2 && (minor == 0 || minor == 1):
		p.v2 = true
	case major == 3 && minor <= 6:
	default:
		return p.errf(rootLine, ErrVersion, "version %q (supported: 2.0, 2.1, 3.0-3.6)", ver)
	}
	wf := p.wf
	wf.Version = ver
	wf.Name = rn.get("name")
	if wf.Name == "" {
		return p.errf(rootLine, ErrMissingAttr, "adag needs a name")
	}
	if s, ok := rn.attr("index"); ok && s != "" {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return p.errf(rootLine, ErrBadValue, "adag index %q", s)
		}
		wf.Index = n
	}
	wf.Count = rn.get("count")
	if rself {
		return p.rest()
	}
	// Stream the children of adag one subtree at a time.
	for {
		kind, name, attrs, _, self, line, err := p.t.next()
		if err != nil {
			return syntax(p.name, err)
		}
		switch kind {
		case tokStart:
			n, err := p.subtree(name, attrs, self, line)
			if err != nil {
				return err
			}
			if err := p.top(n); err != nil {
				return err
			}
			// The nodes of this element are no longer needed.
			p.nodes, p.attrs, p.parts = p.nodes[:0], p.attrs[:0], p.parts[:0]
		case tokEnd:
			// The tokenizer checks nesting, so this is </adag>.
			return p.rest()
		case tokEOF:
			return p.errf(line, ErrSyntax, "unexpected end of file")
		}
	}
}

// rest checks that nothing but comments follows the root element.
func (p *parser) rest() error {
	for {
		kind, _, _, _, _, _, err := p.t.next()
		if err != nil {
			return syntax(p.name, err)
		}
		if kind == tokEOF {
			return nil
		}
	}
}

func splitVersion(v string) (major, minor int, ok bool) {
	a, b, _ := strings.Cut(strings.TrimSpace(v), ".")
	ma, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	if b == "" {
		return ma, 0, true
	}
	b, _, _ = strings.Cut(b, ".")
	mi, err := strconv.Atoi(b)
	if err != nil {
		return 0, 0, false
	}
	return ma, mi, true
}

// subtree reads the element started by name/attrs up to its end.
func (p *parser) subtree(name string, attrs []xattr, self bool, line int) (*node, error) {
	n := p.newNode(name, attrs, line)
	if self {
		return n, nil
	}
	for {
		kind, cname, cattrs, text, cself, cline, err := p.t.next()
		if err != nil {
			return nil, syntax(p.name, err)
		}
		switch kind {
		case tokStart:
			c, err := p.subtree(cname, cattrs, cself, cline)
			if err != nil {
				return nil, err
			}
			n.parts = append(n.parts, part{child: c})
		case tokText:
			n.parts = append(n.parts, part{text: text})
		case tokEnd:
			return n, nil
		case tokEOF:
			return nil, p.errf(cline, ErrSyntax, "unexpected end of file")
		}
	}
}

// newNode returns a node cut from the parser's slabs. The slabs are reset
// after each top-level element; values are copied out before that.
func (p *parser) newNode(name string, attrs []xattr, line int) *node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]node, 0, 256)
	}
	p.nodes = append(p.nodes, node{name: name, line: line})
	n := &p.nodes[len(p.nodes)-1]
	if len(attrs) > 0 {
		if cap(p.attrs)-len(p.attrs) < len(attrs) {
			p.attrs = make([]xattr, 0, max(1024, len(attrs)))
		}
		k := len(p.attrs)
		p.attrs = append(p.attrs, attrs...)
		n.attrs = p.attrs[k:len(p.attrs):len(p.attrs)]
	}
	return n
}

func (p *parser) top(n *node) error {
	wf := p.wf
	switch n.name {
	case "metadata":
		wf.Metadata = append(wf.Metadata, KV{n.get("key"), n.text()})
	case "invoke":
		iv, err := p.invoke(n)
		if err != nil {
			return err
		}
		wf.Invokes = append(wf.Invokes, iv)
	case "file":
		f, err := p.fileEntry(n)
		if err != nil {
			return err
		}
		wf.Files = append(wf.Files, f)
	case "filename":
		// DAX 2 file list: informational only.
	case "executable":
		e, err := p.executable(n)
		if err != nil {
			return err
		}
		wf.Executables = append(wf.Executables, e)
	case "transformation":
		t, err := p.transformation(n)
		if err != nil {
			return err
		}
		wf.Transformations = append(wf.Transformations, t)
	case "job", "dax", "dag":
		j, err := p.job(n)
		if err != nil {
			return err
		}
		wf.Jobs = append(wf.Jobs, j)
	case "child":
		child := n.get("ref")
		if child == "" {
			return p.errf(n.line, ErrMissingAttr, "child needs ref")
		}
		for _, c := range n.children() {
			if c.name != "parent" {
				continue
			}
			par := c.get("ref")
			if par == "" {
				return p.errf(c.line, ErrMissingAttr, "parent needs ref")
			}
			wf.Edges = append(wf.Edges, Edge{Parent: par, Child: child, Label: c.get("edge-label"), Line: c.line})
		}
	default:
		// Unknown elements are ignored (logged by the planner in verbose mode).
	}
	return nil
}

func (p *parser) invoke(n *node) (Invoke, error) {
	when := n.get("when")
	w, ok := NormalizeWhen(when)
	if !ok {
		return Invoke{}, p.errf(n.line, ErrBadValue, "invoke when=%q", when)
	}
	return Invoke{When: w, Command: strings.TrimSpace(n.text())}, nil
}

func (p *parser) profile(n *node) (Profile, error) {
	ns := n.get("namespace")
	key := n.get("key")
	if ns == "" || key == "" {
		return Profile{}, p.errf(n.line, ErrMissingAttr, "profile needs namespace and key")
	}
	return Profile{Namespace: strings.ToLower(ns), Key: key, Value: strings.TrimSpace(p.mixed(n, false))}, nil
}

// mixed renders mixed content, replacing file references by their names.
// With collapse, runs of white space holding a line break become one blank.
func (p *parser) mixed(n *node, collapse bool) string {
	var b strings.Builder
	for _, pt := range n.parts {
		if pt.child == nil {
			b.WriteString(pt.text)
			continue
		}
		switch pt.child.name {
		case "file":
			b.WriteString(pt.child.get("name"))
		case "filename":
			b.WriteString(pt.child.get("file"))
		}
	}
	s := b.String()
	if collapse {
		s = collapseBreaks(s)
	}
	return s
}

func collapseBreaks(s string) string {
	if !strings.ContainsAny(s, "\n\r") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			j := i
			brk := false
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
				if s[j] == '\n' || s[j] == '\r' {
					brk = true
				}
				j++
			}
			if brk {
				b.WriteByte(' ')
			} else {
				b.WriteString(s[i:j])
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return strings.TrimSpace(b.String())
}

func (p *parser) pfn(n *node) (PFN, error) {
	url := n.get("url")
	if url == "" {
		return PFN{}, p.errf(n.line, ErrMissingAttr, "pfn needs url")
	}
	site, ok := n.attr("site")
	if !ok || site == "" {
		site = "local"
	}
	out := PFN{URL: url, Site: site}
	for _, c := range n.children() {
		if c.name == "profile" {
			pr, err := p.profile(c)
			if err != nil {
				return PFN{}, err
			}
			out.Profiles = append(out.Profiles, pr)
		}
	}
	return out, nil
}

func (p *parser) fileEntry(n *node) (File, error) {
	f := File{Name: n.get("name"), Line: n.line}
	if f.Name == "" {
		return f, p.errf(n.line, ErrMissingAttr, "file needs name")
	}
	for _, c := range n.children() {
		switch c.name {
		case "pfn":
			pf, err := p.pfn(c)
			if err != nil {
				return f, err
			}
			f.PFNs = append(f.PFNs, pf)
		case "profile":
			pr, err := p.profile(c)
			if err != nil {
				return f, err
			}
			f.Profiles = append(f.Profiles, pr)
		case "metadata":
			f.Metadata = append(f.Metadata, KV{c.get("key"), c.text()})
		}
	}
	return f, nil
}

func parseBool(s string, def bool) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, true
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no":
		return false, true
	}
	return def, false
}

func (p *parser) executable(n *node) (Executable, error) {
	e := Executable{
		Namespace: n.get("namespace"), Name: n.get("name"), Version: n.get("version"),
		Arch: n.get("arch"), OS: n.get("os"), OSRelease: n.get("osrelease"),
		OSVersion: n.get("osversion"), Glibc: n.get("glibc"), Line: n.line,
	}
	if e.Name == "" {
		return e, p.errf(n.line, ErrMissingAttr, "executable needs name")
	}
	inst, ok := parseBool(n.get("installed"), true)
	if !ok {
		return e, p.errf(n.line, ErrBadValue, "executable installed=%q", n.get("installed"))
	}
	e.Installed = inst
	for _, c := range n.children() {
		switch c.name {
		case "pfn":
			pf, err := p.pfn(c)
			if err != nil {
				return e, err
			}
			e.PFNs = append(e.PFNs, pf)
		case "profile":
			pr, err := p.profile(c)
			if err != nil {
				return e, err
			}
			e.Profiles = append(e.Profiles, pr)
		case "metadata":
			e.Metadata = append(e.Metadata, KV{c.get("key"), c.text()})
		case "invoke":
			iv, err := p.invoke(c)
			if err != nil {
				return e, err
			}
			e.Invokes = append(e.Invokes, iv)
		}
	}
	return e, nil
}

func (p *parser) transformation(n *node) (Transformation, error) {
	t := Transformation{Namespace: n.get("namespace"), Name: n.get("name"), Version: n.get("version"), Line: n.line}
	if t.Name == "" {
		return t, p.errf(n.line, ErrMissingAttr, "transformation needs name")
	}
	for _, c := range n.children() {
		switch c.name {
		case "uses":
			ex, ok := parseBool(c.get("executable"), true)
			if !ok {
				return t, p.errf(c.line, ErrBadValue, "uses executable=%q", c.get("executable"))
			}
			u := TransformationUse{Namespace: c.get("namespace"), Name: c.get("name"), Version: c.get("version"), Executable: ex}
			if u.Name == "" {
				return t, p.errf(c.line, ErrMissingAttr, "uses needs name")
			}
			t.Uses = append(t.Uses, u)
		case "invoke":
			iv, err := p.invoke(c)
			if err != nil {
				return t, err
			}
			t.Invokes = append(t.Invokes, iv)
		case "metadata":
			t.Metadata = append(t.Metadata, KV{c.get("key"), c.text()})
		}
	}
	return t, nil
}

func validID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (p *parser) job(n *node) (*Job, error) {
	j := &Job{ID: n.get("id"), NodeLabel: n.get("node-label"), Line: n.line, Level: n.get("level")}
	if j.ID == "" {
		return nil, p.errf(n.line, ErrMissingAttr, "%s needs id", n.name)
	}
	if !validID(j.ID) {
		return nil, p.errf(n.line, ErrBadValue, "%s id %q", n.name, j.ID)
	}
	switch n.name {
	case "job":
		j.Kind = Compute
		j.Namespace, j.Name, j.Version = n.get("namespace"), n.get("name"), n.get("version")
		if j.Name == "" {
			return nil, p.errf(n.line, ErrMissingAttr, "job %s needs name", j.ID)
		}
	case "dax", "dag":
		if n.name == "dax" {
			j.Kind = DAXTask
		} else {
			j.Kind = DAGTask
		}
		j.File = n.get("file")
		if j.File == "" {
			return nil, p.errf(n.line, ErrMissingAttr, "%s %s needs file", n.name, j.ID)
		}
	}
	kids := n.children()
	nuses := 0
	for _, c := range kids {
		if c.name == "uses" {
			nuses++
		}
	}
	if nuses > 0 {
		j.Uses = make([]Use, 0, nuses)
	}
	for _, c := range kids {
		switch c.name {
		case "argument":
			j.Argument = p.mixed(c, true)
		case "profile":
			pr, err := p.profile(c)
			if err != nil {
				return nil, err
			}
			j.Profiles = append(j.Profiles, pr)
		case "stdin", "stdout", "stderr":
			name := c.get("name")
			if p.v2 || name == "" {
				if f := c.get("file"); f != "" {
					name = f
				}
			}
			if name == "" {
				return nil, p.errf(c.line, ErrMissingAttr, "%s needs name", c.name)
			}
			switch c.name {
			case "stdin":
				j.Stdin = name
			case "stdout":
				j.Stdout = name
			default:
				j.Stderr = name
			}
		case "uses":
			u, err := p.uses(c)
			if err != nil {
				return nil, err
			}
			j.Uses = append(j.Uses, u)
		case "invoke":
			iv, err := p.invoke(c)
			if err != nil {
				return nil, err
			}
			j.Invokes = append(j.Invokes, iv)
		case "metadata":
			j.Metadata = append(j.Metadata, KV{c.get("key"), c.text()})
		}
	}
	return j, nil
}

func (p *parser) uses(c *node) (Use, error) {
	u := Use{Register: true, Transfer: TransferTrue}
	if p.v2 {
		u.Name = c.get("file")
		if u.Name == "" {
			u.Name = c.get("name")
		}
	} else {
		u.Name = c.get("name")
	}
	if u.Name == "" {
		return u, p.errf(c.line, ErrMissingAttr, "uses needs name")
	}
	u.Namespace, u.Version, u.Size = c.get("namespace"), c.get("version"), c.get("size")
	link, err := ParseLink(c.get("link"))
	if err != nil {
		return u, p.errf(c.line, ErrBadValue, "uses %s: %v", u.Name, err)
	}
	u.Link = link
	var ok bool
	// DAX 2.0 negative flags first; the 2.1/3.x spelling wins when both appear.
	if s, has := c.attr("dontRegister"); has {
		var v bool
		if v, ok = parseBool(s, false); !ok {
			return u, p.errf(c.line, ErrBadValue, "uses %s dontRegister=%q", u.Name, s)
		}
		u.Register = !v
	}
	if s, has := c.attr("dontTransfer"); has {
		switch strings.ToLower(s) {
		case "true":
			u.Transfer = TransferFalse
		case "false", "":
			u.Transfer = TransferTrue
		case "optional":
			u.Transfer = TransferOptional
		default:
			return u, p.errf(c.line, ErrBadValue, "uses %s dontTransfer=%q", u.Name, s)
		}
	}
	if s, has := c.attr("register"); has {
		if u.Register, ok = parseBool(s, true); !ok {
			return u, p.errf(c.line, ErrBadValue, "uses %s register=%q", u.Name, s)
		}
	}
	if s, has := c.attr("transfer"); has {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "":
			u.Transfer = TransferTrue
		case "false":
			u.Transfer = TransferFalse
		case "optional":
			u.Transfer = TransferOptional
		default:
			return u, p.errf(c.line, ErrBadValue, "uses %s transfer=%q", u.Name, s)
		}
	}
	if u.Optional, ok = parseBool(c.get("optional"), false); !ok {
		return u, p.errf(c.line, ErrBadValue, "uses %s optional=%q", u.Name, c.get("optional"))
	}
	if u.Executable, ok = parseBool(c.get("executable"), false); !ok {
		return u, p.errf(c.line, ErrBadValue, "uses %s executable=%q", u.Name, c.get("executable"))
	}
	if p.v2 && c.get("type") == "executable" {
		u.Executable = true
	}
	for _, m := range c.children() {
		if m.name == "metadata" {
			u.Metadata = append(u.Metadata, KV{m.get("key"), m.text()})
		}
	}
	return u, nil
}

// checkRefs rejects duplicate ids and edges naming unknown jobs.
func (wf *Workflow) checkRefs(name string) error {
	ids := make(map[string]int, len(wf.Jobs))
	for _, j := range wf.Jobs {
		if l, dup := ids[j.ID]; dup {
			return &ParseError{File: name, Line: j.Line, Err: ErrDuplicateID, Msg: fmt.Sprintf("%s (first defined on line %d)", j.ID, l)}
		}
		ids[j.ID] = j.Line
	}
	for _, e := range wf.Edges {
		for _, r := range [2]string{e.Parent, e.Child} {
			if _, ok := ids[r]; !ok {
				return &ParseError{File: name, Line: e.Line, Err: ErrUnknownJob, Msg: r}
			}
		}
	}
	return nil
}

// Check verifies that the dependencies form a DAG. The error names a job on
// a cycle and the line of one of the cycle's edges.
func (wf *Workflow) Check(name string) error {
	idx := make(map[string]int, len(wf.Jobs))
	for i, j := range wf.Jobs {
		idx[j.ID] = i
	}
	n := len(wf.Jobs)
	indeg := make([]int, n)
	adj := make([][]int32, n)
	for _, e := range wf.Edges {
		p, c := idx[e.Parent], idx[e.Child]
		adj[p] = append(adj[p], int32(c))
		indeg[c]++
	}
	queue := make([]int, 0, n)
	for i := range indeg {
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	seen := 0
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		seen++
		for _, c := range adj[i] {
			indeg[c]--
			if indeg[c] == 0 {
				queue = append(queue, int(c))
			}
		}
	}
	if seen == n {
		return nil
	}
	// The jobs left with parents are on a cycle or below one. Walking up
	// from one of them through parents that are also left must repeat a
	// job: that job is on a cycle, and so is the edge that led to it.
	parents := make([][]int32, n)
	edgeOf := map[[2]int32]int{}
	for k, e := range wf.Edges {
		p, c := int32(idx[e.Parent]), int32(idx[e.Child])
		parents[c] = append(parents[c], p)
		if _, ok := edgeOf[[2]int32{p, c}]; !ok {
			edgeOf[[2]int32{p, c}] = k
		}
	}
	start := -1
	for i := range indeg {
		if indeg[i] > 0 {
			start = i
			break
		}
	}
	if start >= 0 {
		step := make([]int32, n) // 1 + position in the walk, 0 = not visited
		cur := int32(start)
		for pos := int32(1); step[cur] == 0; pos++ {
			step[cur] = pos
			next := int32(-1)
			for _, p := range parents[cur] {
				if indeg[p] > 0 {
					next = p
					break
				}
			}
			if next < 0 {
				break
			}
			if step[next] != 0 {
				e := wf.Edges[edgeOf[[2]int32{next, cur}]]
				return &ParseError{File: name, Line: e.Line, Err: ErrCycle, Msg: fmt.Sprintf("%s -> %s is on a cycle", e.Parent, e.Child)}
			}
			cur = next
		}
	}
	return &ParseError{File: name, Err: ErrCycle}
}
