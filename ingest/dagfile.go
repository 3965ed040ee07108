package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// DAG is an HTCondor DAGMan input file (<label>-<index>.dag, or a rescue DAG),
// as far as Pegasus writes and reads it. Node order is file order.
type DAG struct {
	Nodes       []*DAGNode
	byName      map[string]*DAGNode
	MaxJobs     map[string]int // category -> limit (MAXJOBS)
	Edges       [][2]string    // parent, child in file order
	Config      string         // CONFIG file
	Dot         string         // DOT file
	JobstateLog string         // JOBSTATE_LOG file: DAGMan writes its own jobstate log there
	NodeStatus  string         // NODE_STATUS_FILE
	Final       string         // name of the FINAL node, if any
	Rescue      bool           // the file is a rescue DAG (has a rescue header)
	Partial     bool           // a partial rescue DAG, to apply on top of the original
	Done        []string       // nodes named on DONE lines (rescue DAGs), in order

	strs map[string]string // interned script executables and categories
}

// DAGNode is one node of a DAG: a JOB, SUBDAG EXTERNAL, FINAL or PMC TASK line
// plus everything other lines attach to it.
type DAGNode struct {
	Name string
	// idx is the node's position in the DAG's Nodes, beside Name: the log
	// reader reads Name and the tracker idx, one cache line.
	idx int

	Kind        string // "JOB", "SUBDAG", "FINAL" or "TASK"
	SubmitFile  string // submit file (JOB/FINAL) or DAG file (SUBDAG)
	Dir         string // DIR option
	Noop        bool
	Done        bool // marked DONE (on the JOB line or a DONE line)
	Pre         *DAGScript
	Post        *DAGScript
	Retry       int
	RetryUnless *int // UNLESS-EXIT value
	Priority    int
	Category    string
	Vars        []KV
	AbortOn     *DAGAbort
	PreSkip     *int
	Parents     []string
	Children    []string
	Line        int // line of the node's definition
}

// DAGScript is a SCRIPT PRE/POST line.
type DAGScript struct {
	Executable string
	Args       string // the text after the blank that follows the executable, as written
	Defer      *DAGDefer
}

// DAGDefer is a SCRIPT DEFER status time clause.
type DAGDefer struct{ Status, Seconds int }

// DAGAbort is an ABORT-DAG-ON clause.
type DAGAbort struct {
	ExitValue int
	Return    *int
}

// Node returns the node called name, or nil.
func (d *DAG) Node(name string) *DAGNode {
	return d.byName[name]
}

// ReadDAGFile parses the DAG file at path.
func ReadDAGFile(path string) (*DAG, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadDAG(f, path)
}

// ReadDAGNodes reads the DAG file at path without its PARENT/CHILD and VARS
// lines: the nodes, their scripts, retries, priorities and categories. It is
// what monitord needs, at a fraction of the cost for large DAGs.
func ReadDAGNodes(path string) (*DAG, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readDAG(f, path, true)
}

// ReadDAG parses a DAG file. Keywords are case-insensitive. Unknown keywords
// are an error (DAGMan rejects them too); blank and comment lines are skipped.
// A rescue DAG's DONE lines mark nodes done.
func ReadDAG(r io.Reader, name string) (*DAG, error) {
	return readDAG(r, name, false)
}

// DAGJobstateLog returns the file a DAG's JOBSTATE_LOG line names (the
// last one), "" when it has none, as ReadDAG would give it, but reading only
// that line's keyword on every line (no node is built).
func DAGJobstateLog(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	const kw = "JOBSTATE_LOG"
	var out string
	for sc.Scan() {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) <= len(kw) || raw[len(kw)] != ' ' && raw[len(kw)] != '\t' || !bytes.EqualFold(raw[:len(kw)], []byte(kw)) {
			continue
		}
		out = arg1(strings.Fields(string(raw)))
	}
	return out, sc.Err()
}

func readDAG(r io.Reader, name string, nodesOnly bool) (*DAG, error) {
	d := &DAG{byName: map[string]*DAGNode{}, MaxJobs: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	lineNo := 0
	type pending struct {
		line int
		text string
	}
	// Lines referring to nodes are applied once all nodes are known. While
	// every such line so far named one node already defined, they are
	// applied at once instead, in the same order (Pegasus writes a node's
	// lines after its JOB line); the first error among them is kept for
	// after the scan, where it would have come.
	var later []pending
	deferring := false
	var applyErr error
	var kwBuf [24]byte
	for sc.Scan() {
		lineNo++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if raw[0] == '#' {
			if bytes.HasPrefix(raw, []byte("# Rescue DAG file")) {
				d.Rescue = true
				if bytes.Contains(raw, []byte("partial")) {
					d.Partial = true
				}
			}
			continue
		}
		first := raw
		if i := bytes.IndexAny(raw, " \t"); i >= 0 {
			first = raw[:i]
		}
		kw := upperKeyword(kwBuf[:0], first)
		switch kw {
		case "PARENT", "VARS":
			if nodesOnly {
				continue
			}
			fallthrough
		case "SCRIPT", "RETRY", "PRIORITY", "CATEGORY", "ABORT-DAG-ON", "PRE_SKIP", "DONE":
			if !deferring && applyErr == nil && kw != "PARENT" && kw != "DONE" {
				// apply copies what it keeps of these lines but VARS
				// lines: their text is read in place.
				line := view(raw)
				if kw == "VARS" {
					line = string(raw)
				}
				if n := d.byName[lineNode(kw, line)]; n != nil {
					if err := d.apply(line); err != nil {
						applyErr = &ParseError{File: name, Line: lineNo, Err: err}
					}
					continue
				}
			}
			deferring = true
			later = append(later, pending{lineNo, string(raw)})
			continue
		case "DATA", "SPLICE", "SET_JOB_ATTR", "REJECT", "ENV", "SUBMIT-DESCRIPTION", "SAVE_POINT_FILE", "CONNECT", "PIN_IN", "PIN_OUT", "INCLUDE":
			// Valid DAGMan syntax that Pegasus does not write; accepted and ignored.
			continue
		}
		line := string(raw)
		var fields []string
		switch kw {
		case "JOB", "FINAL", "TASK", "SUBDAG", "MAXJOBS", "CONFIG", "DOT", "JOBSTATE_LOG", "NODE_STATUS_FILE":
			fields = strings.Fields(line)
		default:
			return nil, &ParseError{File: name, Line: lineNo, Err: fmt.Errorf("unknown DAG keyword %q", string(first))}
		}
		switch kw {
		case "JOB", "FINAL", "TASK":
			if len(fields) < 2 || (kw != "TASK" && len(fields) < 3) {
				return nil, &ParseError{File: name, Line: lineNo, Err: fmt.Errorf("%s needs a node name and a submit file", kw)}
			}
			n := &DAGNode{Name: fields[1], Kind: kw, Line: lineNo}
			if kw == "TASK" {
				n.Kind = "TASK"
			} else {
				n.SubmitFile = fields[2]
				if err := nodeOptions(n, fields[3:]); err != nil {
					return nil, &ParseError{File: name, Line: lineNo, Err: err}
				}
			}
			if kw == "FINAL" {
				d.Final = n.Name
			}
			if err := d.add(n); err != nil {
				return nil, &ParseError{File: name, Line: lineNo, Err: err}
			}
		case "SUBDAG":
			if len(fields) < 4 || strings.ToUpper(fields[1]) != "EXTERNAL" {
				return nil, &ParseError{File: name, Line: lineNo, Err: fmt.Errorf("SUBDAG needs EXTERNAL, a node name and a DAG file")}
			}
			n := &DAGNode{Name: fields[2], Kind: "SUBDAG", SubmitFile: fields[3], Line: lineNo}
			if err := nodeOptions(n, fields[4:]); err != nil {
				return nil, &ParseError{File: name, Line: lineNo, Err: err}
			}
			if err := d.add(n); err != nil {
				return nil, &ParseError{File: name, Line: lineNo, Err: err}
			}
		case "MAXJOBS":
			if len(fields) != 3 {
				return nil, &ParseError{File: name, Line: lineNo, Err: fmt.Errorf("MAXJOBS needs a category and a number")}
			}
			n, err := strconv.Atoi(fields[2])
			if err != nil {
				return nil, &ParseError{File: name, Line: lineNo, Err: fmt.Errorf("MAXJOBS %s: %q is not a number", fields[1], fields[2])}
			}
			d.MaxJobs[fields[1]] = n
		case "CONFIG":
			d.Config = arg1(fields)
		case "DOT":
			d.Dot = arg1(fields)
		case "JOBSTATE_LOG":
			d.JobstateLog = arg1(fields)
		case "NODE_STATUS_FILE":
			d.NodeStatus = arg1(fields)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: name, Line: lineNo + 1, Err: err}
	}
	if applyErr != nil {
		return nil, applyErr
	}
	for _, p := range later {
		if err := d.apply(p.text); err != nil {
			return nil, &ParseError{File: name, Line: p.line, Err: err}
		}
	}
	return d, nil
}

// upperKeyword returns the keyword kw in upper case, using buf when it
// fits (the common keywords then cost no allocation).
func upperKeyword(buf []byte, kw []byte) string {
	if len(kw) > cap(buf) {
		return strings.ToUpper(string(kw))
	}
	for _, c := range kw {
		if c >= 0x80 {
			return strings.ToUpper(string(kw)) // Unicode case mapping
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf = append(buf, c)
	}
	switch string(buf) { // constant strings: no allocation
	case "JOB":
		return "JOB"
	case "SCRIPT":
		return "SCRIPT"
	case "RETRY":
		return "RETRY"
	case "PRIORITY":
		return "PRIORITY"
	case "CATEGORY":
		return "CATEGORY"
	case "VARS":
		return "VARS"
	case "PARENT":
		return "PARENT"
	}
	if bytes.Equal(buf, kw) {
		return string(kw)
	}
	return strings.ToUpper(string(kw))
}

// lineNode returns the node a SCRIPT, RETRY, PRIORITY, CATEGORY, VARS,
// ABORT-DAG-ON or PRE_SKIP line is about, or "" (for ALL_NODES or a line
// apply rejects).
func lineNode(kw, line string) string {
	var buf [6]string
	i, n := 1, 2 // the node is the second field, or the third of SCRIPT PRE|POST
	if kw == "SCRIPT" {
		i, n = 2, 3
	}
	f := leadingFieldsTo(buf[:0], line, n)
	if kw == "SCRIPT" && len(f) > 1 && strings.EqualFold(f[1], "DEFER") {
		i = 5 // SCRIPT DEFER status time PRE|POST node
		f = leadingFieldsTo(buf[:0], line, 6)
	}
	if i >= len(f) || f[i] == "ALL_NODES" {
		return ""
	}
	return f[i]
}

func arg1(fields []string) string {
	if len(fields) > 1 {
		return fields[1]
	}
	return ""
}

func (d *DAG) add(n *DAGNode) error {
	if _, dup := d.byName[n.Name]; dup {
		return fmt.Errorf("node %s defined twice", n.Name)
	}
	d.byName[n.Name] = n
	n.idx = len(d.Nodes)
	d.Nodes = append(d.Nodes, n)
	return nil
}

func nodeOptions(n *DAGNode, opts []string) error {
	for i := 0; i < len(opts); i++ {
		switch strings.ToUpper(opts[i]) {
		case "DIR":
			if i+1 >= len(opts) {
				return fmt.Errorf("DIR needs a directory")
			}
			n.Dir = opts[i+1]
			i++
		case "NOOP":
			n.Noop = true
		case "DONE":
			n.Done = true
		default:
			return fmt.Errorf("unknown option %q for node %s", opts[i], n.Name)
		}
	}
	return nil
}

func (d *DAG) nodes(names []string) ([]*DAGNode, error) {
	out := make([]*DAGNode, 0, len(names))
	for _, nm := range names {
		if nm == "ALL_NODES" {
			return d.Nodes, nil
		}
		n := d.byName[nm]
		if n == nil {
			return nil, fmt.Errorf("node %s is not defined", nm)
		}
		out = append(out, n)
	}
	return out, nil
}

// intern returns a copy of s shared by the equal strings interned before
// (a few executables and categories repeat over every node).
func (d *DAG) intern(s string) string {
	if v, ok := d.strs[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(d.strs) < 1024 {
		if d.strs == nil {
			d.strs = make(map[string]string)
		}
		d.strs[v] = v
	}
	return v
}

// node1 is nodes for one name, using buf for the result.
func (d *DAG) node1(name string, buf *[1]*DAGNode) ([]*DAGNode, error) {
	if name == "ALL_NODES" {
		return d.Nodes, nil
	}
	n := d.byName[name]
	if n == nil {
		return nil, fmt.Errorf("node %s is not defined", name)
	}
	buf[0] = n
	return buf[:], nil
}

func (d *DAG) apply(line string) error {
	first := line
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		first = line[:i]
	}
	kw := strings.ToUpper(first)
	var buf [7]string
	var one [1]*DAGNode
	var fields []string
	switch kw {
	case "SCRIPT":
		// keyword, [DEFER s t], PRE|POST, node, executable
		if fields = leadingFieldsTo(buf[:0], line, 4); len(fields) > 1 && strings.EqualFold(fields[1], "DEFER") {
			fields = leadingFieldsTo(buf[:0], line, 7)
		}
	case "VARS":
		fields = leadingFieldsTo(buf[:0], line, 2)
	case "PARENT":
		fields = strings.Fields(line)
	default:
		fields = leadingFieldsTo(buf[:0], line, 6)
	}
	switch kw {
	case "SCRIPT":
		// SCRIPT [DEFER status time] PRE|POST node executable [args...]
		i := 1
		var def *DAGDefer
		if i < len(fields) && strings.ToUpper(fields[i]) == "DEFER" {
			if i+2 >= len(fields) {
				return fmt.Errorf("SCRIPT DEFER needs a status and a time")
			}
			st, err1 := strconv.Atoi(fields[i+1])
			sec, err2 := strconv.Atoi(fields[i+2])
			if err1 != nil || err2 != nil {
				return fmt.Errorf("SCRIPT DEFER: bad numbers")
			}
			def = &DAGDefer{Status: st, Seconds: sec}
			i += 3
		}
		if i+2 >= len(fields) {
			return fmt.Errorf("SCRIPT needs PRE|POST, a node and an executable")
		}
		which := strings.ToUpper(fields[i])
		node := d.byName[fields[i+1]]
		if node == nil {
			return fmt.Errorf("SCRIPT for undefined node %s", fields[i+1])
		}
		exe := fields[i+2]
		// The arguments are the rest of the line after the executable, as written.
		rest := line
		for k := 0; k <= i+2; k++ {
			rest = strings.TrimLeft(rest, " \t")
			rest = rest[len(fields[k]):]
		}
		// Pegasus takes the arguments as the text after the single blank that
		// follows the executable, so further blanks are kept.
		if rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			rest = rest[1:]
		}
		// Copies: line may be a view of the reader's buffer, and a node's
		// script should not keep the whole line alive.
		s := &DAGScript{Executable: d.intern(exe), Args: strings.Clone(rest), Defer: def}
		switch which {
		case "PRE":
			node.Pre = s
		case "POST":
			node.Post = s
		default:
			return fmt.Errorf("SCRIPT type %q is not PRE or POST", fields[i])
		}
	case "RETRY":
		if len(fields) < 3 {
			return fmt.Errorf("RETRY needs a node and a count")
		}
		ns, err := d.node1(fields[1], &one)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("RETRY %s: %q is not a number", fields[1], fields[2])
		}
		var unless *int
		if len(fields) >= 5 && strings.ToUpper(fields[3]) == "UNLESS-EXIT" {
			u, err := strconv.Atoi(fields[4])
			if err != nil {
				return fmt.Errorf("RETRY %s UNLESS-EXIT: %q is not a number", fields[1], fields[4])
			}
			unless = &u
		}
		for _, node := range ns {
			node.Retry, node.RetryUnless = n, unless
		}
	case "VARS":
		if len(fields) < 2 {
			return fmt.Errorf("VARS needs a node")
		}
		ns, err := d.node1(fields[1], &one)
		if err != nil {
			return err
		}
		rest := strings.TrimLeft(line, " \t")
		rest = strings.TrimLeft(rest[len(fields[0]):], " \t")
		rest = rest[len(fields[1]):]
		kvs, err := parseVars(rest)
		if err != nil {
			return fmt.Errorf("VARS %s: %v", fields[1], err)
		}
		for _, node := range ns {
			node.Vars = append(node.Vars, kvs...)
		}
	case "PRIORITY":
		if len(fields) != 3 {
			return fmt.Errorf("PRIORITY needs a node and a number")
		}
		ns, err := d.node1(fields[1], &one)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("PRIORITY %s: %q is not a number", fields[1], fields[2])
		}
		for _, node := range ns {
			node.Priority = n
		}
	case "CATEGORY":
		if len(fields) != 3 {
			return fmt.Errorf("CATEGORY needs a node and a category")
		}
		ns, err := d.node1(fields[1], &one)
		if err != nil {
			return err
		}
		cat := d.intern(fields[2]) // a copy: line may be a view of the reader's buffer
		for _, node := range ns {
			node.Category = cat
		}
	case "PARENT":
		ci := -1
		for i, f := range fields {
			if strings.ToUpper(f) == "CHILD" {
				ci = i
				break
			}
		}
		if ci < 2 || ci == len(fields)-1 {
			return fmt.Errorf("PARENT needs parents, CHILD and children")
		}
		parents, err := d.nodes(fields[1:ci])
		if err != nil {
			return err
		}
		children, err := d.nodes(fields[ci+1:])
		if err != nil {
			return err
		}
		for _, p := range parents {
			for _, c := range children {
				d.Edges = append(d.Edges, [2]string{p.Name, c.Name})
				p.Children = append(p.Children, c.Name)
				c.Parents = append(c.Parents, p.Name)
			}
		}
	case "ABORT-DAG-ON":
		if len(fields) < 3 {
			return fmt.Errorf("ABORT-DAG-ON needs a node and an exit value")
		}
		ns, err := d.node1(fields[1], &one)
		if err != nil {
			return err
		}
		v, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("ABORT-DAG-ON %s: %q is not a number", fields[1], fields[2])
		}
		a := &DAGAbort{ExitValue: v}
		if len(fields) >= 5 && strings.ToUpper(fields[3]) == "RETURN" {
			r, err := strconv.Atoi(fields[4])
			if err != nil {
				return fmt.Errorf("ABORT-DAG-ON %s RETURN: %q is not a number", fields[1], fields[4])
			}
			a.Return = &r
		}
		for _, node := range ns {
			node.AbortOn = a
		}
	case "PRE_SKIP":
		if len(fields) != 3 {
			return fmt.Errorf("PRE_SKIP needs a node and an exit code")
		}
		ns, err := d.node1(fields[1], &one)
		if err != nil {
			return err
		}
		v, err := strconv.Atoi(fields[2])
		if err != nil {
			return fmt.Errorf("PRE_SKIP %s: %q is not a number", fields[1], fields[2])
		}
		for _, node := range ns {
			node.PreSkip = &v
		}
	case "DONE":
		if len(fields) != 2 {
			return fmt.Errorf("DONE needs a node")
		}
		d.Done = append(d.Done, fields[1])
		if n := d.byName[fields[1]]; n != nil {
			n.Done = true
		} else if !d.Partial {
			return fmt.Errorf("DONE for undefined node %s", fields[1])
		}
	}
	return nil
}

// parseVars parses `key="value" key2="value2"`; values may hold \" and \\.
func parseVars(s string) ([]KV, error) {
	var out []KV
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("expected key=\"value\" at %q", s[i:])
		}
		key := strings.TrimSpace(s[i : i+eq])
		i += eq + 1
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) || s[i] != '"' {
			return nil, fmt.Errorf("value of %s is not quoted", key)
		}
		i++
		var b strings.Builder
		closed := false
		for i < len(s) {
			c := s[i]
			if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			if c == '"' {
				closed = true
				i++
				break
			}
			b.WriteByte(c)
			i++
		}
		if !closed {
			return nil, fmt.Errorf("unterminated value of %s", key)
		}
		out = append(out, KV{key, b.String()})
	}
}

// leadingFields returns at most n blank-separated fields from the start of
// s, leaving the rest unsplit (SCRIPT lines carry long argument lists).
func leadingFields(s string, n int) []string {
	return leadingFieldsTo(make([]string, 0, n), s, n)
}

// leadingFieldsTo is leadingFields appending to out.
func leadingFieldsTo(out []string, s string, n int) []string {
	i := 0
	for len(out) < n {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}
