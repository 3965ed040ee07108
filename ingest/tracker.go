package ingest

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// A job state transition, as monitord names them in jobstate.log (FORMATS.md §2.3).
const (
	stDagmanSubmit = "DAGMAN_SUBMIT" // internal: never written
	stPreStarted   = "PRE_SCRIPT_STARTED"
	stPreTerm      = "PRE_SCRIPT_TERMINATED"
	stPreSuccess   = "PRE_SCRIPT_SUCCESS"
	stPreFailure   = "PRE_SCRIPT_FAILURE"
	stSubmit       = "SUBMIT"
	stSubmitFailed = "SUBMIT_FAILED"
	stExecute      = "EXECUTE"
	stTerminated   = "JOB_TERMINATED"
	stJobSuccess   = "JOB_SUCCESS"
	stJobFailure   = "JOB_FAILURE"
	stHeld         = "JOB_HELD"
	stHeldReason   = "JOB_HELD_REASON"
	stReleased     = "JOB_RELEASED"
	stEvicted      = "JOB_EVICTED"
	stAborted      = "JOB_ABORTED"
	stPostStarted  = "POST_SCRIPT_STARTED"
	stPostTerm     = "POST_SCRIPT_TERMINATED"
	stPostSuccess  = "POST_SCRIPT_SUCCESS"
	stPostFailure  = "POST_SCRIPT_FAILURE"
)

// Warning is a non-fatal problem met while tracking a workflow (a line about
// an unknown job, a kickstart record that does not parse, ...).
type Warning struct {
	Pos  Pos
	Text string
}

func (w Warning) String() string {
	if p := w.Pos.String(); p != "" {
		return p + ": " + w.Text
	}
	return w.Text
}

// submitInfo is what monitord takes from a job's .sub file.
type submitInfo struct {
	exists       bool
	hasArgs      bool
	hasDaxJobID  bool
	site         string
	walltime     string
	executable   string
	argsRaw      string
	input        string // relative to the submit dir when under it
	output       string // raw output path (absolute or relative), before rotation
	errorf       string
	xformation   string
	daxJobID     string
	cores        int
	subDagmanOut string // _CONDOR_DAGMAN_LOG of sub-workflow jobs
	initialDir   string
}

// instance is one job instance (one try of a DAG node).
type instance struct {
	node   string
	seq    int
	sched  string
	state  string
	js     int
	site   string
	sub    *submitInfo
	ni     *nodeInfo
	outNum int // output counter for this try (rotation suffix); -1 when none

	preStart, preEnd   float64
	preExit            int
	mainStart, mainEnd float64
	mainExit           int
	postStart, postEnd float64
	postExit           int

	deferTS float64 // the main.end state's time and jobstate seq, when deferred
	deferJS int

	// The flags sit together (an instance is kept per node for the whole run).
	hasPreStart, hasPreEnd, hasPreExit    bool
	hasMainStart, hasMainEnd, hasMainExit bool
	hasPostStart, hasPostEnd              bool
	ended                                 bool // main.end emitted
	deferred                              bool // main.end waits for the POST script
}

// nodeInfo is what the tracker keeps per DAG node across tries.
type nodeInfo struct {
	dn       *DAGNode    // the node's DAG entry; nil when unknown
	sub      *submitInfo // its submit file, once read (until the node succeeds)
	latest   *instance
	tries    int
	counter  int // output counter; -1 before the first SUBMIT or PRE failure
	finished bool
}

// workflow follows one (sub-)workflow's dagman.out and turns it into events.
type workflow struct {
	m       *Monitor
	dir     string // the submit directory as found on disk
	origDir string // the submit directory the planner recorded
	// filepath.Clean(origDir), and whether dir is joinableDir (for each
	// job's output paths).
	origClean   string
	dirJoinable bool
	bd          *Braindump
	uuid        string
	root        string
	parent      string
	dag         *DAG
	dagPath     string
	outPath     string // dagman.out
	jsBuf       []byte // the jobstate.log line being handed on (jsLine)
	label       string
	index       string

	clock      *Clock
	classifier DagmanClassifier

	nodes         map[string]*nodeInfo
	byIdx         []*nodeInfo // nodes by their DAG entry's position, as found
	jobSeq        int         // last job_submit_seq assigned
	restarts      int         // "Parsing" lines seen
	running       bool
	dagmanID      string
	dagmanPID     int
	version       [3]int
	lastSubmitted string
	lastChanged   *instance
	recovery      bool
	sigusr1       bool
	lineNo        int
	exitStatus    int
	finished      bool // DAGMan exit line seen
	condorLog     string

	// known sub-workflow directories -> uuid, so a retried node maps again.
	subDirs map[string]string

	bare  bool        // a lone dagman.out: no submit directory files are read
	pf    *prefetcher // reads submit files ahead of the tracker
	alloc eventAlloc  // the tracker's events (newEvent)
}

func (w *workflow) warn(line int, format string, args ...any) {
	w.m.warn(Warning{Pos: Pos{File: w.outPath, Line: line}, Text: fmt.Sprintf(format, args...)})
}

// rebase maps a path the planner wrote (under the original submit dir) into
// the directory found on disk, and returns it with its submit-relative form.
func (w *workflow) rebase(p string) (abs, rel string) {
	if p == "" {
		return "", ""
	}
	clean := path.Clean(p)
	if w.origDir != "" {
		od := path.Clean(w.origDir)
		if clean == od {
			return w.dir, "."
		}
		if len(clean) > len(od) && clean[len(od)] == '/' && clean[:len(od)] == od {
			rel = clean[len(od)+1:]
			return filepath.Join(w.dir, filepath.FromSlash(rel)), rel
		}
	}
	if !path.IsAbs(clean) {
		return filepath.Join(w.dir, filepath.FromSlash(clean)), clean
	}
	if len(clean) > len(w.dir) && clean[len(w.dir)] == '/' && clean[:len(w.dir)] == w.dir {
		rel = clean[len(w.dir)+1:]
		return clean, rel
	}
	return clean, clean
}

// rebaseRel is the rel part of rebase, without building the path on disk.
func (w *workflow) rebaseRel(p string) string {
	if p == "" {
		return ""
	}
	od := ""
	if w.origDir != "" {
		od = path.Clean(w.origDir)
		if rel, ok := relUnder(p, od); ok {
			return rel
		}
	}
	clean := path.Clean(p)
	if od != "" {
		if clean == od {
			return "."
		}
		if len(clean) > len(od) && clean[len(od)] == '/' && clean[:len(od)] == od {
			return clean[len(od)+1:]
		}
	}
	if !path.IsAbs(clean) {
		return clean
	}
	if len(clean) > len(w.dir) && clean[len(w.dir)] == '/' && clean[:len(w.dir)] == w.dir {
		return clean[len(w.dir)+1:]
	}
	return clean
}

// submit returns the parsed submit file of node n, named node (kept with
// the node until it succeeds; read ahead by the log reader when it can).
func (w *workflow) submit(n *nodeInfo, node string) *submitInfo {
	if n.sub != nil {
		return n.sub
	}
	var si *submitInfo
	if f := w.prefetched(node, n.dn); f != nil {
		<-f.done
		si, f.si = f.si, nil
	} else {
		si = w.loadSubmit(node, n.dn)
	}
	n.sub = si
	return si
}

// view is b as a string, without a copy: b must not change while it is used.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// copyBatch copies strings that outlive the buffer they point into (views
// made with view) in one allocation: add notes where each goes, finish
// copies them all and sets them, in the order they were added (a batch of
// more than eight is copied eight at a time).
type copyBatch struct {
	refs [8]struct {
		dst    *string
		off, n int
	}
	nref int
	buf  []byte // the strings, one after the other
}

// add sets *dst to a copy of v when finish is called.
func (c *copyBatch) add(dst *string, v string) {
	if c.nref == len(c.refs) {
		c.finish() // more than a submit file has: another batch
	}
	c.refs[c.nref].dst, c.refs[c.nref].off, c.refs[c.nref].n = dst, len(c.buf), len(v)
	c.nref++
	c.buf = append(c.buf, v...)
}

// finish copies the strings added and sets them.
func (c *copyBatch) finish() {
	all := string(c.buf)
	for _, r := range c.refs[:c.nref] {
		*r.dst = all[r.off : r.off+r.n]
	}
	c.nref = 0
	c.buf = c.buf[:0]
}

// loadSubmit reads a node's submit file. It only reads the workflow's
// immutable fields, so the read-ahead goroutines may call it.
// dn is the node's DAG entry when the caller has it (nil: looked up).
func (w *workflow) loadSubmit(node string, dn *DAGNode) *submitInfo {
	si := &submitInfo{cores: 1}
	if w.bare {
		return si
	}
	var subPath string
	if dn == nil && w.dag != nil {
		dn = w.dag.Node(node)
	}
	if dn != nil {
		if dn.Kind == "SUBDAG" {
			si.site = "local"
			si.xformation = "condor::dagman"
			// A sub-DAG planned by Pegasus (a braindump beside it) is followed
			// through its own dagman.out, as a sub-workflow job's is.
			dag := dn.SubmitFile
			if dn.Dir != "" && !filepath.IsAbs(dag) {
				dag = filepath.Join(dn.Dir, dag)
			}
			if !filepath.IsAbs(dag) {
				dag = filepath.Join(w.dir, dag)
			}
			for _, bd := range []string{"braindump.yml", "braindump.txt"} {
				if _, err := os.Stat(filepath.Join(filepath.Dir(dag), bd)); err == nil {
					si.subDagmanOut = dag + ".dagman.out"
					break
				}
			}
			return si
		}
		if dn.SubmitFile == "" {
			return si
		}
		subPath = dn.SubmitFile
		if dn.Dir != "" && !filepath.IsAbs(subPath) {
			subPath = filepath.Join(dn.Dir, subPath)
		}
	} else {
		subPath = node + ".sub"
	}
	if !filepath.IsAbs(subPath) {
		subPath = filepath.Join(w.dir, subPath)
	}
	bp := bufPool.Get().(*[]byte)
	data, err := readFileInto(subPath, *bp, 0)
	defer func() {
		*bp = data[:0]
		bufPool.Put(bp)
	}()
	if err != nil {
		if !os.IsNotExist(err) {
			w.warn(0, "submit file of %s: %v", node, err)
		}
		return si
	}
	si.exists = true
	wantEnv := strings.HasPrefix(node, "pegasus-plan") || strings.HasPrefix(node, "subdax_")
	var env string
	// The values are views of the pooled buffer: whatever is kept is copied,
	// the strings of the submit file together.
	kb := bufPool.Get().(*[]byte)
	keep := copyBatch{buf: (*kb)[:0]}
	defer func() {
		*kb = keep.buf[:0]
		bufPool.Put(kb)
	}()
	ok := scanSubmit(data, func(key []byte, attr bool, val []byte) {
		if attr {
			switch {
			case equalFold(key, "pegasus_site"):
				si.site = w.m.intern(unquoteBytes(val))
			case equalFold(key, "pegasus_wf_xformation"):
				si.xformation = w.m.intern(unquoteBytes(val))
			case equalFold(key, "pegasus_wf_dax_job_id"):
				if v := unquoteBytes(val); string(v) != "null" && len(v) > 0 {
					keep.add(&si.daxJobID, view(v))
					si.hasDaxJobID = true
				} else {
					keep.add(&si.daxJobID, "") // in order with an earlier line's value
					si.hasDaxJobID = false
				}
			case equalFold(key, "pegasus_cores"):
				if n, err := strconv.Atoi(string(bytes.TrimSpace(unquoteBytes(val)))); err == nil && n > 0 {
					si.cores = n
				}
			}
			return
		}
		switch {
		case equalFold(key, "executable"):
			keep.add(&si.executable, view(val))
		case equalFold(key, "arguments"):
			keep.add(&si.argsRaw, view(unquoteBytes(val)))
			si.hasArgs = true
		case equalFold(key, "input"):
			keep.add(&si.input, w.rebaseRel(view(val)))
		case equalFold(key, "output"):
			keep.add(&si.output, view(val))
		case equalFold(key, "error"):
			keep.add(&si.errorf, view(val))
		case equalFold(key, "initialdir"):
			si.initialDir = w.m.intern(val)
		case equalFold(key, "globusrsl"):
			si.walltime = rslWalltime(string(val))
		case equalFold(key, "environment"):
			if wantEnv {
				env = string(val)
			}
		}
	})
	keep.finish()
	if !ok {
		w.warn(0, "submit file of %s: %v", node, submitSyntaxError(data, subPath))
	}
	if env != "" {
		sf := &SubmitFile{Commands: map[string]string{"environment": env}}
		for _, kv := range sf.Environment() {
			if kv.Key == "_CONDOR_DAGMAN_LOG" {
				si.subDagmanOut = kv.Value
			}
		}
	}
	return si
}

// rslWalltime extracts maxwalltime/maxtime/maxcputime (minutes) from a
// globusrsl value and returns it in seconds.
func rslWalltime(rsl string) string {
	low := strings.ToLower(rsl)
	for _, k := range []string{"maxwalltime", "maxtime", "maxcputime"} {
		i := strings.Index(low, "("+k)
		if i < 0 {
			continue
		}
		rest := low[i+1+len(k):]
		rest = strings.TrimLeft(rest, " =")
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(rest[:j]); err == nil {
			return strconv.Itoa(n * 60)
		}
	}
	return ""
}

// hasPost reports whether a node has a POST script (or is a PMC TASK, whose
// outputs are always rotated).
func (n *nodeInfo) hasPost() bool {
	return n.dn != nil && (n.dn.Post != nil || n.dn.Kind == "TASK")
}

func (n *nodeInfo) kind() string {
	if n.dn != nil {
		return n.dn.Kind
	}
	return "JOB"
}

// lineNode returns the tracking state of a log line's node: found by its
// DAG entry when the classifier resolved it, else by name.
func (w *workflow) lineNode(dl *DagmanLine) *nodeInfo {
	// dn is from the classifier's DAG; when that is the workflow's (as
	// always but in tests), its index needs no check.
	dn := dl.dn
	if dn == nil || w.dag == nil || w.classifier.dag != w.dag && (dn.idx >= len(w.dag.Nodes) || w.dag.Nodes[dn.idx] != dn) {
		return w.node(dl.Node)
	}
	if w.byIdx == nil {
		w.byIdx = make([]*nodeInfo, len(w.dag.Nodes))
	}
	n := w.byIdx[dn.idx]
	if n == nil {
		if n = w.nodes[dn.Name]; n == nil {
			n = &nodeInfo{counter: -1, dn: dn}
			w.nodes[dn.Name] = n
		}
		w.byIdx[dn.idx] = n
	}
	return n
}

func (w *workflow) node(name string) *nodeInfo {
	n := w.nodes[name]
	if n == nil {
		n = &nodeInfo{counter: -1}
		if w.dag != nil {
			n.dn = w.dag.Node(name)
		}
		w.nodes[name] = n
	}
	return n
}

func (w *workflow) newInstance(n *nodeInfo, name string) *instance {
	w.jobSeq++
	si := w.submit(n, name)
	inst := &instance{node: name, seq: w.jobSeq, site: si.site, sub: si, ni: n, outNum: n.counter}
	n.latest = inst
	n.tries++
	n.finished = false
	return inst
}

// emit sends an event of this workflow, marked with the log line that caused it.
func (w *workflow) emit(e *Event) {
	if e.Wf == "" {
		e.Wf = w.uuid
	}
	if e.Src.File == "" {
		e.Src = Pos{File: w.outPath, Line: w.lineNo}
	}
	w.m.out.event(e)
}

// newEvent returns a zero Event for the tracker to fill.
func (w *workflow) newEvent() *Event { return w.alloc.new() }

func (w *workflow) jobEvent(k Kind, inst *instance, ts float64, js bool) *Event {
	e := w.newEvent() // zero: only the fields set are written
	e.Kind, e.TS, e.Wf, e.Job, e.Inst, e.Sched = k, ts, w.uuid, inst.node, inst.seq, inst.sched
	if js {
		e.JS = inst.js
	}
	return e
}

// jsLine hands on the jobstate.log line in w.jsBuf: to Options.Jobstate as
// a view of the buffer (valid during the call), else as an event.
func (w *workflow) jsLine(ts float64) {
	if f := w.m.opts.Jobstate; f != nil {
		f(JobstateRecord{Dir: w.dir, Text: view(w.jsBuf)}, w.uuid)
		return
	}
	w.m.out.event(&Event{Kind: JobstateLine, TS: ts, Wf: w.uuid, Src: Pos{File: w.outPath, Line: w.lineNo}, Line: &JobstateRecord{Dir: w.dir, Text: string(w.jsBuf)}})
}

func (w *workflow) internal(ts float64, marker, value string) {
	b := strconv.AppendInt(w.jsBuf[:0], int64(ts), 10)
	b = append(append(b, " INTERNAL *** "...), marker...)
	if value != "" {
		b = append(append(b, ' '), value...)
	}
	w.jsBuf = append(b, " ***"...)
	w.jsLine(ts)
}

// feedLine processes one raw dagman.out line.
func (w *workflow) feedLine(raw []byte, num int) {
	w.lineNo = num
	dl := w.classifier.Classify(raw, num)
	if !dl.HasTS {
		return
	}
	if w.recovery {
		if dl.Kind == LineRecoveryEnd {
			w.recovery = false
		}
		return
	}
	w.handle(&dl)
}

func (w *workflow) handle(dl *DagmanLine) {
	ts := dl.TS
	switch dl.Kind {
	case LineULog:
		state := dl.Name
		switch state {
		case "SUBMIT", "EXECUTE", "JOB_TERMINATED", "JOB_HELD", "JOB_RELEASED", "JOB_EVICTED", "JOB_ABORTED",
			"POST_SCRIPT_TERMINATED", "GRID_SUBMIT", "GLOBUS_SUBMIT", "GRID_SUBMIT_FAILED", "GLOBUS_SUBMIT_FAILED",
			"REMOTE_ERROR", "IMAGE_SIZE":
		}
		w.update(w.lineNode(dl), dl.Node, dl.Sched, state, 0, false, ts, "", dl.Num)
	case LineSubmitting:
		w.update(w.lineNode(dl), dl.Node, "", stDagmanSubmit, 0, false, ts, "", dl.Num)
		w.lastSubmitted = dl.Node
	case LineSubmitFailed:
		if w.lastSubmitted != "" {
			w.update(nil, w.lastSubmitted, "", stSubmitFailed, 0, false, ts, "", dl.Num)
		}
	case LineScriptStart:
		if dl.Pre {
			w.update(w.lineNode(dl), dl.Node, "", stPreStarted, 0, false, ts, "", dl.Num)
		} else {
			w.update(w.lineNode(dl), dl.Node, "", stPostStarted, 0, false, ts, "", dl.Num)
		}
	case LineScriptEnd:
		if dl.Pre {
			// HTCondor logs no ULOG event for PRE scripts: synthesise the termination.
			w.update(w.lineNode(dl), dl.Node, "", stPreTerm, 0, false, ts, "", dl.Num)
			if dl.OK {
				w.update(w.lineNode(dl), dl.Node, "", stPreSuccess, 0, true, ts, "", dl.Num)
			} else {
				w.update(w.lineNode(dl), dl.Node, "", stPreFailure, dl.Status, true, ts, "", dl.Num)
			}
		} else if dl.OK {
			w.update(w.lineNode(dl), dl.Node, "", stPostSuccess, 0, true, ts, "", dl.Num)
		} else {
			w.update(w.lineNode(dl), dl.Node, "", stPostFailure, dl.Status, true, ts, "", dl.Num)
		}
	case LineJobFailed:
		st := dl.Status
		if dl.Signal {
			st = -st // marks a signal; see update
		}
		w.update(w.lineNode(dl), dl.Node, dl.Sched, stJobFailure, st, true, ts, "", dl.Num)
	case LineJobSuccess:
		w.update(w.lineNode(dl), dl.Node, dl.Sched, stJobSuccess, 0, true, ts, "", dl.Num)
	case LineExiting:
		w.dagmanEnd(ts, dl.Status)
	case LineStartingUp:
		w.dagmanID = dl.Text
		// DAGMan restarted: forget nodes that finished successfully, so later
		// activity on them makes fresh instances.
		for _, n := range w.nodes {
			if n.latest != nil && (n.latest.state == stPostSuccess || (n.latest.state == stJobSuccess && !n.latest.ni.hasPost())) {
				n.finished = true
			}
		}
	case LinePID:
		w.dagmanPID = dl.Status
	case LineParsing:
		w.dagmanStart(ts)
	case LineVersion:
		parts := strings.SplitN(dl.Text, ".", 3)
		for i := 0; i < len(parts) && i < 3; i++ {
			n, _ := strconv.Atoi(strings.TrimRightFunc(parts[i], func(r rune) bool { return r < '0' || r > '9' }))
			w.version[i] = n
		}
	case LineCondorLog:
		w.condorLog = dl.Text
	case LineRecoveryStart:
		w.recovery = true
	case LineSIGUSR1:
		w.sigusr1 = true
	case LineHoldReason:
		if w.lastChanged != nil {
			w.update(w.lastChanged.ni, w.lastChanged.node, w.lastChanged.sched, stHeldReason, 0, false, ts, dl.Text, dl.Num)
		}
	}
}

// holdReasonsLogged reports whether this DAGMan logs hold reasons (>= 8.3.3).
func (w *workflow) holdReasonsLogged() bool {
	v := w.version
	if v == [3]int{} {
		return true
	}
	return v[0] > 8 || (v[0] == 8 && (v[1] > 3 || (v[1] == 3 && v[2] >= 3)))
}

func (w *workflow) dagmanStart(ts float64) {
	if w.running {
		// Two starts without an end: DAGMan crashed.
		w.dagmanEnd(ts-1, 2)
	}
	w.restarts++
	w.running = true
	w.finished = false
	w.internal(ts, "DAGMAN_STARTED", w.dagmanID)
	reason := ""
	w.emit(&Event{Kind: XwfStart, TS: ts, RestartCount: w.restarts - 1, Reason: reason})
}

func (w *workflow) dagmanEnd(ts float64, status int) {
	w.internal(ts, "DAGMAN_FINISHED", strconv.Itoa(status))
	reason := ""
	if w.sigusr1 {
		reason = "DAGMan aborted as it received SIGUSR1 signal."
		w.sigusr1 = false
	}
	rc := w.restarts - 1
	if rc < 0 {
		rc = 0
	}
	w.emit(&Event{Kind: XwfEnd, TS: ts, RestartCount: rc, Status: status, HasStatus: true, Reason: reason})
	w.running = false
	w.finished = true
	w.exitStatus = status
}

// update applies one job state change (monitord's update_job_state).
// status is the script/job exit status for *_SUCCESS/*_FAILURE states;
// a negative status on JOB_FAILURE means "failed with signal".
// n is the node's tracking state (nil: looked up by name).
func (w *workflow) update(n *nodeInfo, node, sched, state string, status int, hasStatus bool, ts float64, reason string, line int) {
	if n == nil {
		n = w.node(node)
	}
	inst := n.latest
	if n.finished {
		inst = nil
	}
	switch state {
	case stPreStarted:
		inst = w.newInstance(n, node)
	case stDagmanSubmit, stSubmit, stSubmitFailed:
		reuse := inst != nil && (inst.state == stPreSuccess || inst.state == stDagmanSubmit || (sched != "" && inst.sched == sched))
		if !reuse {
			inst = w.newInstance(n, node)
		}
	default:
		if inst == nil {
			w.warn(line, "state %s for job %s, which has no instance: ignored", state, node)
			return
		}
	}
	if state == stSubmit && !(inst.sched != "" && inst.sched == sched) {
		// The output counter: 0 at the first SUBMIT, +1 on later ones.
		n.counter++
		inst.outNum = n.counter
	}
	if state == stPreFailure {
		n.counter++
		inst.outNum = n.counter
	}
	if state == stDagmanSubmit {
		inst.state = state
		return
	}
	newSched := false
	if sched != "" && inst.sched != sched {
		newSched = inst.sched == ""
		inst.sched = sched
	}
	inst.state = state
	inst.js++
	w.lastChanged = inst

	// The jobstate.log line.
	info := inst.sched
	regular := status
	if hasStatus {
		if regular < 0 {
			regular = -regular
		}
		info = strconv.Itoa(regular)
	}
	site := inst.site
	w.jsBuf = AppendJobstateLine(w.jsBuf[:0], int64(ts), node, state, info, site, inst.sub.walltime, inst.seq)
	w.jsLine(ts)

	if newSched && state != stSubmit {
		// An HTCondor id for an instance that had none: make sure the row exists.
		e := w.jobEvent(SubmitStart, inst, ts, false)
		if site != "" {
			e.Site, e.HasSite = site, true
		}
		w.emit(e)
	}

	switch state {
	case stPreStarted:
		inst.preStart, inst.hasPreStart = ts, true
		w.emit(w.jobEvent(PreStart, inst, ts, true))
	case stPreTerm:
		inst.preEnd, inst.hasPreEnd = ts, true
		w.emit(w.jobEvent(PreTerm, inst, ts, true))
	case stPreSuccess, stPreFailure:
		raw := status << 8
		inst.preExit, inst.hasPreExit = raw, true
		inst.preEnd, inst.hasPreEnd = ts, true
		w.scriptInvocation(inst, -1, ts)
		e := w.jobEvent(PreEnd, inst, ts, true)
		e.ExitCode, e.HasExit = raw, true
		e.HasStatus = true
		if raw != 0 {
			e.Status = -1
		}
		w.emit(e)
		if state == stPreFailure {
			inst.mainExit, inst.hasMainExit = raw, true
			w.finishJob(inst, ts, inst.js, true)
		}
	case stSubmit:
		e := w.jobEvent(SubmitStart, inst, ts, true)
		if site != "" {
			e.Site, e.HasSite = site, true
		}
		w.emit(e)
		e2 := w.jobEvent(SubmitEnd, inst, ts, true)
		e2.HasStatus = true
		w.emit(e2)
		w.m.discoverSubWorkflow(w, inst, ts)
	case stSubmitFailed:
		inst.mainExit, inst.hasMainExit = 1<<8, true
		e := w.jobEvent(SubmitStart, inst, ts, true)
		if site != "" {
			e.Site, e.HasSite = site, true
		}
		w.emit(e)
		e2 := w.jobEvent(SubmitEnd, inst, ts, true)
		e2.Status, e2.HasStatus = -1, true
		w.emit(e2)
		w.finishJob(inst, ts, inst.js, true)
	case "GRID_SUBMIT", "GLOBUS_SUBMIT":
		k1, k2 := GridSubmitStart, GridSubmitEnd
		if state == "GLOBUS_SUBMIT" {
			k1, k2 = GlobusSubmitStart, GlobusSubmitEnd
		}
		w.emit(w.jobEvent(k1, inst, ts, true))
		e := w.jobEvent(k2, inst, ts, true)
		e.HasStatus = true
		w.emit(e)
	case "GRID_SUBMIT_FAILED", "GLOBUS_SUBMIT_FAILED":
		k1, k2 := GridSubmitStart, GridSubmitEnd
		if state == "GLOBUS_SUBMIT_FAILED" {
			k1, k2 = GlobusSubmitStart, GlobusSubmitEnd
		}
		inst.mainExit, inst.hasMainExit = 1<<8, true
		w.emit(w.jobEvent(k1, inst, ts, true))
		e := w.jobEvent(k2, inst, ts, true)
		e.Status, e.HasStatus = -1, true
		w.emit(e)
		w.finishJob(inst, ts, inst.js, true)
	case stExecute:
		inst.mainStart, inst.hasMainStart = ts, true
		e := w.jobEvent(MainStart, inst, ts, true)
		f := &StdFiles{Stdin: inst.sub.input}
		f.Stdout = w.rebaseRel(inst.sub.output)
		f.Stderr = w.rebaseRel(inst.sub.errorf)
		e.Files = f
		w.emit(e)
	case "REMOTE_ERROR":
		w.emit(w.jobEvent(RemoteError, inst, ts, true))
	case "IMAGE_SIZE":
		w.emit(w.jobEvent(ImageInfo, inst, ts, true))
	case stTerminated:
		inst.mainEnd, inst.hasMainEnd = ts, true
		e := w.jobEvent(MainTerm, inst, ts, true)
		e.HasStatus = true
		w.emit(e)
	case stEvicted:
		e := w.jobEvent(MainTerm, inst, ts, true)
		e.Status, e.HasStatus = -1, true
		w.emit(e)
	case stJobSuccess, stJobFailure:
		raw := 0
		if state == stJobFailure {
			if status < 0 {
				raw = -status // killed by a signal: the raw status is the signal number
			} else {
				raw = status << 8
			}
		}
		inst.mainExit, inst.hasMainExit = raw, true
		if n.hasPost() {
			inst.deferTS, inst.deferJS = ts, inst.js
			inst.deferred = true
		} else {
			w.finishJob(inst, ts, inst.js, false)
		}
	case stAborted:
		if !inst.hasMainExit || inst.mainExit == 0 {
			inst.mainExit, inst.hasMainExit = 1<<8, true
		}
		if !inst.hasMainEnd {
			inst.mainEnd, inst.hasMainEnd = ts, true
		}
		w.emit(w.jobEvent(AbortInfo, inst, ts, true))
		w.finishJob(inst, ts, inst.js, true)
	case stHeld:
		if !w.holdReasonsLogged() {
			e := w.jobEvent(HeldStart, inst, ts, true)
			w.emit(e)
		}
	case stHeldReason:
		if w.holdReasonsLogged() {
			e := w.jobEvent(HeldStart, inst, ts, true)
			e.Reason = reason
			w.emit(e)
		}
	case stReleased:
		e := w.jobEvent(HeldEnd, inst, ts, true)
		e.HasStatus = true
		w.emit(e)
	case stPostStarted:
		inst.postStart, inst.hasPostStart = ts, true
		w.emit(w.jobEvent(PostStart, inst, ts, true))
	case "POST_SCRIPT_TERMINATED":
		inst.postEnd, inst.hasPostEnd = ts, true
		w.emit(w.jobEvent(PostTerm, inst, ts, true))
	case stPostSuccess, stPostFailure:
		raw := status << 8
		inst.postExit = raw
		if !inst.hasPostEnd {
			inst.postEnd, inst.hasPostEnd = ts, true
		}
		if !inst.hasMainExit {
			inst.mainExit, inst.hasMainExit = raw, true
		}
		if !inst.hasMainEnd {
			inst.mainEnd, inst.hasMainEnd = ts, true
		}
		if !inst.ended {
			mts, mjs := ts, inst.js
			if inst.deferred {
				mts, mjs = inst.deferTS, inst.deferJS
			}
			w.finishJob(inst, mts, mjs, false)
		}
		w.scriptInvocation(inst, -2, ts)
		if state == stPostSuccess {
			inst.ni.sub = nil // done: keep memory small
		}
		e := w.jobEvent(PostEnd, inst, ts, true)
		e.ExitCode, e.HasExit = raw, true
		e.HasStatus = true
		e.Last = true
		if raw != 0 {
			e.Status = -1
		}
		w.emit(e)
	default:
		// Other ULOG events only make a jobstate.log line.
	}
}

// scriptInvocation emits the pseudo-invocation of a PRE (-1) or POST (-2) script.
func (w *workflow) scriptInvocation(inst *instance, seq int, ts float64) {
	var s *DAGScript
	if dn := inst.ni.dn; dn != nil {
		if seq == -1 {
			s = dn.Pre
		} else {
			s = dn.Post
		}
	}
	inv := &InvocationEnd{TaskSeq: seq}
	var start, end float64
	var hasStart, hasEnd bool
	exit := 0
	if seq == -1 {
		inv.Transformation = "dagman::pre"
		start, hasStart, end, hasEnd, exit = inst.preStart, inst.hasPreStart, inst.preEnd, inst.hasPreEnd, inst.preExit
	} else {
		inv.Transformation = "dagman::post"
		start, hasStart, end, hasEnd, exit = inst.postStart, inst.hasPostStart, inst.postEnd, inst.hasPostEnd, inst.postExit
	}
	if !hasEnd {
		end = ts
	}
	if !hasStart {
		start = end
	}
	inv.StartTime = start
	inv.Duration = end - start
	inv.CPUTime, inv.HasCPUTime = inv.Duration, true
	if s != nil {
		inv.Executable = s.Executable
		inv.Argv, inv.HasArgv = s.Args, true
	}
	if !w.m.opts.NoInvStart {
		e := w.newEvent()
		e.Kind, e.TS, e.Job, e.Inst, e.Sched, e.Inv = InvStart, start, inst.node, inst.seq, inst.sched, inv
		w.emit(e)
	}
	e := w.newEvent()
	e.Kind, e.TS, e.Job, e.Inst, e.Sched, e.Inv = InvEnd, ts, inst.node, inst.seq, inst.sched, inv
	e.ExitCode, e.HasExit = exit, true
	w.emit(e)
}

// finishJob parses the job's output files and emits its invocations and its
// main.end. ts and js are those of the state that ended the job.
func (w *workflow) finishJob(inst *instance, ts float64, js int, failedEarly bool) {
	if inst.ended {
		return
	}
	inst.ended = true
	inst.deferred = false
	if w.bare {
		return
	}
	snap := w.snapshot(inst, ts, js, failedEarly)
	w.m.out.future(snap)
}

// sortedNodes returns node names in sorted order (for stable state files).
func (w *workflow) sortedNodes() []string {
	names := make([]string, 0, len(w.nodes))
	for k := range w.nodes {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// feedJobstate processes one entry of a jobstate log written by HTCondor's
// DAGMan (JOBSTATE_LOG), the alternative input to dagman.out.
func (w *workflow) feedJobstate(e *JobstateEntry) {
	w.lineNo = e.Line
	ts := float64(e.TS) + w.m.opts.Adjust
	if e.Internal() {
		switch e.State {
		case "DAGMAN_STARTED":
			w.dagmanID = e.Info
			w.dagmanStart(ts)
		case "DAGMAN_FINISHED":
			n, _ := strconv.Atoi(e.Info)
			w.dagmanEnd(ts, n)
		}
		return
	}
	sched := ""
	status, hasStatus := 0, false
	switch e.State {
	case stJobSuccess, stJobFailure, stPreSuccess, stPreFailure, stPostSuccess, stPostFailure:
		n, err := strconv.Atoi(e.Info)
		if err != nil {
			w.warn(e.Line, "state %s of %s without a status: ignored", e.State, e.Job)
			return
		}
		status, hasStatus = n, true
	default:
		if e.Info != "-" {
			sched = e.Info
		}
	}
	if e.State == stPreSuccess || e.State == stPreFailure {
		if inst := w.node(e.Job).latest; inst != nil && inst.state == stPreStarted {
			w.update(nil, e.Job, "", stPreTerm, 0, false, ts, "", e.Line)
		}
	}
	w.update(nil, e.Job, sched, e.State, status, hasStatus, ts, "", e.Line)
}
