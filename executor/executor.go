package executor

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/dagmanstats"
)

// condorVersion is the HTCondor version whose DAGMan formats we write.
const condorVersion = "10.2.5"

// Config says what to run and how.
type Config struct {
	DAG       string   // the .dag file
	DagmanOut string   // default <DAG>.dagman.out
	MaxJobs   int      // most node jobs at once (-maxjobs); 0 = no limit
	MaxPre    int      // most PRE scripts at once; default 20
	MaxPost   int      // most POST scripts at once; default 20
	BinDir    string   // put first on the PATH of jobs and scripts
	Env       []string // the environment of scripts and of getenv jobs; default os.Environ()
	// ScratchDir holds the private directories of jobs that transfer files
	// (should_transfer_files = YES); default os.TempDir().
	ScratchDir string
	// KillGrace is how long a job has between SIGTERM and SIGKILL when
	// the workflow is removed; default 5s.
	KillGrace time.Duration
	// FlushInterval bounds how long a written dagman.out line stays in the
	// buffer while the executor is busy; default 100ms.
	FlushInterval time.Duration
	// NoRescue ignores existing rescue DAGs (DAGMan's -DoRescueFrom 0
	// without -AutoRescue).
	NoRescue bool
	// Argv is recorded in dagman.out's argv[] lines; default os.Args.
	Argv []string

	ids      *idSource // shared with sub-DAGs
	parentID int       // the DAGMan id of the parent DAG, for sub-DAGs
	dagmanID int       // this DAGMan's id, for sub-DAGs
}

// Result is how a run ended.
type Result struct {
	ExitCode                    int // DAGMan's exit code: 0 success, 1 failure, 2 removed
	DAGStatus                   int // FORMATS.md §1.3
	Total, Done, Failed, Futile int
	Rescue                      string        // the rescue DAG written, if any
	Failures                    []NodeFailure // the failed nodes
	DagmanOut                   string
	DAGManID                    int
}

// NodeFailure describes a failed node.
type NodeFailure struct {
	Node    string
	Retries int
	Reason  string // as DAGMan's "Error:" line
}

type nodeState int

const (
	stUnready nodeState = iota
	stReady
	stPre
	stQueued
	stPost
	stDone
	stError
	stFutile
	numStates
)

type node struct {
	dn        *ingest.DAGNode
	name      string
	idx       int
	state     nodeState
	waiting   int // parents not done
	children  []*node
	parents   []*node
	cat       *category
	retries   int // retries used
	preDone   bool
	readySeq  int64
	heapIdx   int
	cluster   int
	spec      *jobSpec
	proc      *proc
	jobRet    int // $RETURN
	preRet    int
	jobText   string // "Job exited with status 2" etc.
	postText  string
	holding   bool
	submitted time.Time
	ulog      *userLog
	submitErr bool
}

type category struct {
	name    string
	max     int
	running int
}

type evKind int

const (
	evExecute evKind = iota
	evTerminated
	evHeld
	evPre
	evPost
	evSubmitFailed
)

type event struct {
	n    *node
	kind evKind
	info exitInfo
	text string
	at   time.Time
	// evicted: a held job that could not start; HTCondor logs it as
	// executed and evicted before the hold.
	evicted bool
}

type idSource struct{ next atomic.Int64 }

func (s *idSource) take() int { return int(s.next.Add(1)) }

type engine struct {
	cfg       Config
	ctx       context.Context
	dagPath   string // absolute
	dagName   string // as DAGMan prints it (base name)
	dir       string
	nodes     []*node
	byName    map[string]*node
	cats      map[string]*category
	log       *dagmanLog
	ulogs     map[string]*userLog
	events    chan event
	ready     readyHeap
	seq       int64
	count     [numStates]int
	held      int
	idle      int
	jobs      int // node jobs in the queue
	pres      int
	posts     int
	postQ     []*node
	pending   []event // events seen this cycle, processed in order
	dagmanID  int
	start     time.Time
	stats     dagmanstats.Runtime
	jobsRun   int
	rescueNum int
	changed   bool
	removed   bool // SIGUSR1 / context cancelled
	abortRet  *int // ABORT-DAG-ON
	defer_    struct{ maxJobs, cat, pre, post int }
	env       []string
	loc       *time.Location
}

// Run runs the DAG to its end on this machine, writing dagman.out as
// HTCondor DAGMan does. An error means the DAG could not be run at all (a
// bad DAG file, a lock held by another run, an unwritable log); a workflow
// that ran and failed is a Result with a non-zero ExitCode. Cancelling ctx
// removes the workflow as condor_rm would: jobs are stopped (SIGTERM, then
// SIGKILL after KillGrace) and a rescue DAG is written.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	e, err := newEngine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	lockPath := e.dagPath + ".lock"
	if err := lock(lockPath); err != nil {
		return nil, err
	}
	defer os.Remove(lockPath)
	return e.run()
}

func newEngine(ctx context.Context, cfg Config) (*engine, error) {
	if cfg.DAG == "" {
		return nil, errors.New("no DAG file")
	}
	dagPath, err := filepath.Abs(cfg.DAG)
	if err != nil {
		return nil, err
	}
	if cfg.MaxPre <= 0 {
		cfg.MaxPre = 20
	}
	if cfg.MaxPost <= 0 {
		cfg.MaxPost = 20
	}
	if cfg.KillGrace <= 0 {
		cfg.KillGrace = 5 * time.Second
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 100 * time.Millisecond
	}
	if cfg.Env == nil {
		cfg.Env = os.Environ()
	}
	if cfg.ScratchDir == "" {
		cfg.ScratchDir = os.TempDir()
	}
	if cfg.Argv == nil {
		cfg.Argv = os.Args
	}
	if cfg.DagmanOut == "" {
		cfg.DagmanOut = dagPath + ".dagman.out"
	}
	e := &engine{cfg: cfg, ctx: ctx, dagPath: dagPath, dagName: filepath.Base(dagPath), dir: filepath.Dir(dagPath),
		byName: map[string]*node{}, cats: map[string]*category{}, ulogs: map[string]*userLog{},
		events: make(chan event, 256), loc: time.Local}
	e.env = cfg.Env
	if cfg.BinDir != "" {
		e.env = withPath(cfg.Env, cfg.BinDir)
	}
	return e, nil
}

func withPath(env []string, bin string) []string {
	out := make([]string, 0, len(env)+1)
	path := ""
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[5:]
			continue
		}
		out = append(out, kv)
	}
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return append(out, "PATH="+bin+":"+path)
}

func (e *engine) getenv(k string) string {
	for i := len(e.cfg.Env) - 1; i >= 0; i-- {
		if kk, v, ok := strings.Cut(e.cfg.Env[i], "="); ok && kk == k {
			return v
		}
	}
	return ""
}

// load reads the DAG and the rescue DAG and builds the node graph.
func (e *engine) load() (*rescueFile, error) {
	dag, err := ingest.ReadDAGFile(e.dagPath)
	if err != nil {
		return nil, err
	}
	if dag.Final != "" {
		return nil, fmt.Errorf("%s: FINAL nodes are not supported", e.dagPath)
	}
	for i, dn := range dag.Nodes {
		if dn.Kind == "TASK" {
			return nil, fmt.Errorf("%s:%d: TASK nodes (PMC) are not supported", e.dagPath, dn.Line)
		}
		n := &node{dn: dn, name: dn.Name, idx: i, heapIdx: -1}
		e.nodes = append(e.nodes, n)
		e.byName[n.name] = n
	}
	for name, max := range dag.MaxJobs {
		e.cats[name] = &category{name: name, max: max}
	}
	for _, n := range e.nodes {
		for _, c := range n.dn.Children {
			n.children = append(n.children, e.byName[c])
		}
		for _, p := range n.dn.Parents {
			n.parents = append(n.parents, e.byName[p])
		}
		if n.dn.Category != "" {
			c := e.cats[n.dn.Category]
			if c == nil {
				c = &category{name: n.dn.Category}
				e.cats[c.name] = c
			}
			n.cat = c
		}
		if n.dn.Done {
			n.state = stDone
		}
	}
	if err := e.checkCycles(); err != nil {
		return nil, err
	}
	var rescue *rescueFile
	if !e.cfg.NoRescue {
		if num := lastRescue(e.dagPath); num > 0 {
			rescue, err = readRescue(RescuePath(e.dagPath, num))
			if err != nil {
				return nil, err
			}
			rescue.num = num
			e.rescueNum = num
			for _, name := range rescue.done {
				n := e.byName[name]
				if n == nil {
					return nil, fmt.Errorf("%s: DONE for node %s, which %s does not have", rescue.path, name, e.dagPath)
				}
				n.state = stDone
			}
		}
	}
	return rescue, nil
}

func (e *engine) checkCycles() error {
	state := make([]int8, len(e.nodes))
	var stack []*node
	for _, root := range e.nodes {
		if state[root.idx] != 0 {
			continue
		}
		// Iterative DFS: state 1 on the path, 2 finished.
		type frame struct {
			n *node
			i int
		}
		fs := []frame{{root, 0}}
		state[root.idx] = 1
		stack = append(stack[:0], root)
		for len(fs) > 0 {
			f := &fs[len(fs)-1]
			if f.i < len(f.n.children) {
				c := f.n.children[f.i]
				f.i++
				switch state[c.idx] {
				case 1:
					return fmt.Errorf("%s: the DAG has a cycle through node %s", e.dagPath, c.name)
				case 0:
					state[c.idx] = 1
					fs = append(fs, frame{c, 0})
				}
				continue
			}
			state[f.n.idx] = 2
			fs = fs[:len(fs)-1]
		}
	}
	return nil
}

func (e *engine) setState(n *node, s nodeState) {
	e.count[n.state]--
	n.state = s
	e.count[s]++
	e.changed = true
}

func (e *engine) counts() counts {
	return counts{done: e.count[stDone], pre: e.count[stPre], queued: e.count[stQueued], post: e.count[stPost],
		ready: e.count[stReady], unready: e.count[stUnready], failed: e.count[stError], futile: e.count[stFutile], held: e.held}
}

func (e *engine) run() (*Result, error) {
	e.start = time.Now()
	if err := os.MkdirAll(filepath.Dir(e.cfg.DagmanOut), 0o755); err != nil {
		return nil, err
	}
	startID := 0
	if e.cfg.ids == nil {
		e.cfg.ids = &idSource{}
		startID = lastClusterID(e.cfg.DagmanOut)
		e.cfg.ids.next.Store(int64(startID))
	}
	e.dagmanID = e.cfg.dagmanID
	if e.dagmanID == 0 {
		e.dagmanID = e.cfg.ids.take()
	}
	f, err := os.OpenFile(e.cfg.DagmanOut, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	e.log = newDagmanLog(f, e.loc)
	rescue, loadErr := e.load()
	e.banner(rescue)
	if loadErr != nil {
		now := time.Now()
		e.log.say(now, "ERROR: ", loadErr.Error())
		e.log.say(now, "Aborting DAG...")
		e.exitLine(now, 1)
		e.log.close()
		return nil, loadErr
	}
	res := e.loop()
	e.closeUserLogs()
	if err := e.log.close(); err != nil && res.err == nil {
		res.err = fmt.Errorf("%s: %w", e.cfg.DagmanOut, err)
	}
	return res.Result, res.err
}

type runResult struct {
	*Result
	err error
}

// lastClusterID finds the largest HTCondor id an earlier run wrote into
// the log, so ids stay unique across rescue runs.
func lastClusterID(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	best := 0
	scan := func(line []byte, marker string, term byte) {
		i := bytes.Index(line, []byte(marker))
		if i < 0 {
			return
		}
		rest := line[i+len(marker):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j < len(rest) && rest[j] == term {
			if n, err := strconv.Atoi(string(rest[:j])); err == nil && n > best {
				best = n
			}
		}
	}
	r := bufio.NewReaderSize(f, 256<<10)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			scan(line, "assigned HTCondor ID (", '.')
			scan(line, "condor_scheduniv_exec.", '.')
		}
		if err == bufio.ErrBufferFull {
			for err == bufio.ErrBufferFull {
				_, err = r.ReadSlice('\n')
			}
		}
		if err != nil {
			return best
		}
	}
}

func (e *engine) banner(rescue *rescueFile) {
	now := time.Now()
	l := e.log
	id := strconv.Itoa(e.dagmanID)
	exe, _ := os.Executable()
	lines := []string{
		"******************************************************",
		"** condor_scheduniv_exec." + id + ".0 (CONDOR_DAGMAN) STARTING UP",
		"** " + exe,
		"** SubsystemInfo: name=DAGMAN type=DAGMAN(9) class=CLIENT(2)",
		"** Configuration: subsystem:DAGMAN local:<NONE> class:CLIENT",
		"** $CondorVersion: " + condorVersion + " 2023-02-27 BuildID: pegasus-go PackageID: pegasus-go $",
		"** $CondorPlatform: pegasus-go local executor $",
		"** PID = " + strconv.Itoa(os.Getpid()),
		"******************************************************",
		"DAGMAN_USE_STRICT setting: 1",
		"DAGMAN_VERBOSITY setting: 3",
		"DAGMAN_MAX_SUBMITS_PER_INTERVAL setting: 0 (no limit: the local executor submits in event-driven cycles)",
		"DAGMAN_USER_LOG_SCAN_INTERVAL setting: 0",
		"DAGMAN_MAX_JOBS_SUBMITTED setting: " + strconv.Itoa(e.cfg.MaxJobs),
		"DAGMAN_MAX_PRE_SCRIPTS setting: " + strconv.Itoa(e.cfg.MaxPre),
		"DAGMAN_MAX_POST_SCRIPTS setting: " + strconv.Itoa(e.cfg.MaxPost),
		"DAGMAN_ALWAYS_RUN_POST setting: False",
		"DAGMAN_AUTO_RESCUE setting: " + map[bool]string{true: "False", false: "True"}[e.cfg.NoRescue],
		"DAGMAN_MAX_RESCUE_NUM setting: 100",
		"DAGMAN_WRITE_PARTIAL_RESCUE setting: True",
		"DAGMAN_RESET_RETRIES_UPON_RESCUE setting: True",
	}
	for i, a := range append([]string{"condor_scheduniv_exec." + id + ".0"}, argvTail(e.cfg.Argv)...) {
		lines = append(lines, "argv["+strconv.Itoa(i)+"] == \""+a+"\"")
	}
	lines = append(lines,
		"Workflow batch-id: <"+id+".0>",
		"Workflow batch-name: <"+e.dagName+"+"+id+">",
		"DAG Lockfile will be written to "+e.dagName+".lock",
		"DAG Input file is "+e.dagName,
	)
	if rescue != nil {
		lines = append(lines,
			"Found rescue DAG number "+strconv.Itoa(rescue.num)+"; running "+filepath.Base(rescue.path)+" in combination with normal DAG file",
			"***********************************************************************",
			"USING RESCUE DAG "+filepath.Base(rescue.path))
	}
	lines = append(lines, "Parsing 1 dagfiles", "Parsing "+e.dagName+" ...")
	for _, s := range lines {
		l.say(now, s)
	}
}

func argvTail(argv []string) []string {
	if len(argv) <= 1 {
		return nil
	}
	return argv[1:]
}

// loop runs the DAG: submit cycles and event cycles until nothing can run.
func (e *engine) loop() runResult {
	now := time.Now()
	l := e.log
	for _, n := range e.nodes {
		e.count[n.state]++
	}
	unused := []string{}
	for name, c := range e.cats {
		has := false
		for _, n := range e.nodes {
			if n.cat == c {
				has = true
				break
			}
		}
		if !has && c.max > 0 {
			unused = append(unused, name)
		}
	}
	sortStrings(unused)
	for _, name := range unused {
		l.say(now, "Warning: category ", name, " has no assigned nodes, so the throttle setting (", strconv.Itoa(e.cats[name].max), ") will have no effect")
	}
	l.say(now, "Dag contains ", strconv.Itoa(len(e.nodes)), " total jobs")
	l.say(now, "Bootstrapping...")
	l.say(now, "Number of pre-completed nodes: ", strconv.Itoa(e.count[stDone]))
	for _, n := range e.nodes {
		if n.state == stDone {
			continue
		}
		for _, p := range n.parents {
			if p.state != stDone {
				n.waiting++
			}
		}
		if n.waiting == 0 {
			e.makeReady(n)
		}
	}
	l.status(now, dagStatusOK, len(e.nodes), e.counts(), &e.stats)
	e.changed = false
	l.say(now, "Registering condor_event_timer...")
	l.flush(now)

	for {
		// Submit cycle.
		t0 := time.Now()
		submitted := e.submitCycle(t0)
		e.stats.Submit.Add(time.Since(t0).Seconds())
		if submitted > 0 {
			w := " jobs"
			if submitted == 1 {
				w = " job"
			}
			l.say(time.Now(), "Just submitted ", strconv.Itoa(submitted), w, " this cycle...")
		}
		if e.changed {
			e.changed = false
			l.status(time.Now(), e.dagStatus(), len(e.nodes), e.counts(), &e.stats)
		}
		if e.jobs+e.pres+e.posts == 0 && len(e.pending) == 0 && (e.ready.Len() == 0 || e.removed || e.abortRet != nil) {
			break
		}
		if l.err != nil && !e.removed {
			e.remove("the DAGMan log could not be written: " + l.err.Error())
			continue
		}
		// Wait for events: flush first so a live monitord sees everything.
		t1 := time.Now()
		if len(e.pending) == 0 {
			if t1.Sub(l.lastFl) >= e.cfg.FlushInterval || len(e.events) == 0 {
				e.flushAll(t1)
			}
			select {
			case ev := <-e.events:
				e.pending = append(e.pending, ev)
			case <-e.ctx.Done():
				if !e.removed {
					e.remove("")
				}
				continue
			}
		}
		t2 := time.Now()
		e.stats.Sleep.Add(t2.Sub(t1).Seconds())
		// Event cycle: everything that has happened.
	drain:
		for {
			select {
			case ev := <-e.events:
				e.pending = append(e.pending, ev)
			default:
				break drain
			}
		}
		now := time.Now()
		l.say(now, "Currently monitoring 1 HTCondor log file(s)")
		nev := len(e.pending)
		for i := 0; i < len(e.pending); i++ {
			e.handle(now, e.pending[i])
		}
		e.pending = e.pending[:0]
		e.startPosts(now)
		t3 := time.Now()
		e.stats.LogProcess.Add(t3.Sub(t2).Seconds())
		if nev > 0 {
			e.stats.Event.Add(t3.Sub(t2).Seconds())
		}
		if e.changed {
			e.changed = false
			l.status(now, e.dagStatus(), len(e.nodes), e.counts(), &e.stats)
		}
		if e.ctx.Err() != nil && !e.removed {
			e.remove("")
		}
	}
	return e.finish()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (e *engine) flushAll(now time.Time) {
	e.log.flush(now)
	for _, u := range e.ulogs {
		u.flush()
	}
}

func (e *engine) dagStatus() int {
	switch {
	case e.removed:
		return dagStatusRM
	case e.abortRet != nil:
		return dagStatusAbort
	case e.count[stError] > 0:
		return dagStatusNodeFailed
	}
	return dagStatusOK
}

func (e *engine) makeReady(n *node) {
	e.setState(n, stReady)
	e.seq++
	n.readySeq = e.seq
	heap.Push(&e.ready, n)
}

// submitCycle starts PRE scripts and jobs of ready nodes, highest PRIORITY
// first, within the -maxjobs, category and -MaxPre limits.
func (e *engine) submitCycle(now time.Time) int {
	if e.removed || e.abortRet != nil {
		return 0
	}
	submitted := 0
	var deferred []*node
	for e.ready.Len() > 0 {
		n := heap.Pop(&e.ready).(*node)
		if e.cfg.MaxJobs > 0 && e.jobs >= e.cfg.MaxJobs {
			e.defer_.maxJobs++
			deferred = append(deferred, n)
			break
		}
		if n.cat != nil && n.cat.max > 0 && n.cat.running >= n.cat.max {
			e.defer_.cat++
			deferred = append(deferred, n)
			continue
		}
		if n.dn.Pre != nil && !n.preDone {
			if e.pres >= e.cfg.MaxPre {
				e.defer_.pre++
				deferred = append(deferred, n)
				continue
			}
			e.startPre(now, n)
			continue
		}
		e.submit(now, n)
		submitted++
	}
	for _, n := range deferred {
		heap.Push(&e.ready, n)
	}
	return submitted
}

func (e *engine) nodeVars(n *node) map[string]string {
	vars := map[string]string{
		"retry": strconv.Itoa(n.retries), "job": n.name, "dagnodename": n.name,
		"cluster": strconv.Itoa(n.cluster), "clusterid": strconv.Itoa(n.cluster),
		"process": "0", "procid": "0", "node": n.name,
	}
	for _, kv := range n.dn.Vars {
		k := strings.ToLower(strings.TrimPrefix(kv.Key, "+"))
		k = strings.TrimPrefix(k, "my.")
		vars[k] = strings.ReplaceAll(kv.Value, "$(RETRY)", strconv.Itoa(n.retries))
	}
	return vars
}

// submit "submits" a node's job: reads its submit file and starts it.
func (e *engine) submit(now time.Time, n *node) {
	l := e.log
	if n.cluster != 0 {
		l.say(now, "Reassigning the id of job ", n.name, " from (", strconv.Itoa(n.cluster), ".0.0) to (-1.-1.-1)")
	}
	l.say(now, "Submitting HTCondor Node ", n.name, " job(s)...")
	subDir := e.dir
	if n.dn.Dir != "" {
		subDir = abs(e.dir, n.dn.Dir)
	}
	subFile := n.dn.SubmitFile
	if n.dn.Kind == "SUBDAG" {
		subFile += ".condor.sub"
	}
	l.say(now, "Submitting node ", n.name, " from file ", subFile, " using direct job submission")
	n.cluster = e.cfg.ids.take()
	n.spec, n.submitErr = nil, false
	var err error
	if n.dn.Kind != "SUBDAG" {
		n.spec, err = readJobSpec(abs(subDir, n.dn.SubmitFile), subDir, e.nodeVars(n), e.getenv)
	}
	if err != nil {
		l.say(now, "ERROR: submit attempt failed")
		l.say(now, "Submit file: ", subFile)
		l.say(now, "Error from submit: ", oneLine(err.Error()))
		l.say(now, "Job submit failed after 1 try.")
		l.say(now, "Shortcutting node ", n.name, " retries because of submit failure(s)")
		n.submitErr = true
		n.jobRet = -1001
		n.jobText = "Job submit failed"
		e.setState(n, stQueued)
		e.jobs++
		if n.cat != nil {
			n.cat.running++
		}
		e.pending = append(e.pending, event{n: n, kind: evSubmitFailed, at: now})
		return
	}
	l.say(now, "\tassigned HTCondor ID (", strconv.Itoa(n.cluster), ".0.0)")
	e.setState(n, stQueued)
	e.jobs++
	e.jobsRun++
	if n.cat != nil {
		n.cat.running++
	}
	n.submitted = now
	n.proc = &proc{}
	n.ulog = nil
	if n.spec != nil && n.spec.log != "" {
		n.ulog = e.userLog(n.spec.log)
		if n.ulog != nil {
			n.ulog.submitted(n.cluster, now, n.name)
		}
	}
	if n.dn.Kind == "SUBDAG" {
		go e.runSubDAG(n, subDir)
	} else {
		go e.runJob(n, n.spec, n.cluster)
	}
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

func (e *engine) userLog(path string) *userLog {
	if u, ok := e.ulogs[path]; ok {
		return u
	}
	u, err := openUserLog(path)
	if err != nil {
		e.log.say(time.Now(), "Warning: cannot write the job event log ", path, ": ", err.Error())
	}
	e.ulogs[path] = u
	return u
}

func (e *engine) closeUserLogs() {
	for _, u := range e.ulogs {
		if u != nil {
			u.close()
		}
	}
}

// runJob runs one try of a node's job (in its own goroutine) and reports
// its execution and its end.
func (e *engine) runJob(n *node, js *jobSpec, cluster int) {
	dir := js.iwd
	scratch := dir
	made := false
	// The scratch directory is gone before the engine hears of the end.
	send := func(ev event) {
		if made {
			os.RemoveAll(scratch)
		}
		e.events <- ev
	}
	hold := func(text string) {
		send(event{n: n, kind: evHeld, text: text, at: time.Now()})
	}
	if js.transfer {
		var err error
		scratch, err = os.MkdirTemp(e.cfg.ScratchDir, "dir_"+strconv.Itoa(cluster)+"_")
		if err != nil {
			hold("Error from starter: cannot create the job's scratch directory: " + err.Error())
			return
		}
		made = true
		for _, in := range js.inputFiles {
			if err := copyIn(abs(js.iwd, in), scratch); err != nil {
				hold("Error from starter: failed to transfer input file " + in + ": " + err.Error())
				return
			}
		}
		dir = scratch
	}
	files, err := openStd(js)
	if err != nil {
		hold("Error from starter: " + err.Error())
		return
	}
	argv := append([]string{js.executable}, js.args...)
	env := jobEnv(js, e.cfg.Env, e.cfg.BinDir, scratch, cluster)
	info := runProcess(n.proc, js.executable, argv, dir, env, files, func(at time.Time) {
		e.events <- event{n: n, kind: evExecute, at: at}
	})
	cerr := closeStd(files)
	if !info.startedOK {
		send(event{n: n, kind: evHeld, evicted: true, at: time.Now(),
			text: fmt.Sprintf("Failed to execute '%s' with arguments %s: %s", js.executable, strings.Join(js.args, " "), errnoText(info.startErr))})
		return
	}
	if cerr != nil {
		hold("Error from starter: failed to write the job's output: " + cerr.Error())
		return
	}
	if js.transfer && !info.aborted {
		for _, out := range js.outputFiles {
			src := filepath.Join(scratch, out)
			dst := abs(js.iwd, filepath.Base(out))
			if r, ok := js.outputRemaps[out]; ok {
				dst = abs(js.iwd, r)
			}
			fi, err := os.Stat(src)
			if err == nil {
				if fi.IsDir() {
					err = copyIn(src, filepath.Dir(dst))
				} else {
					err = copyFile(src, dst, fi.Mode())
				}
			}
			if err != nil {
				var de *destError
				if errors.As(err, &de) {
					// The submit side could not store it (a full disk...).
					hold(fmt.Sprintf("Error from slot1@localhost: SHADOW failed to receive file(s): failed to write to file %s: %s", de.path, errnoText(de.err)))
				} else {
					hold(fmt.Sprintf("Error from slot1@localhost: STARTER failed to send file(s): error reading from %s: %s; SHADOW failed to receive file(s)", src, errnoText(err)))
				}
				return
			}
		}
	}
	send(event{n: n, kind: evTerminated, info: info, at: info.endAt})
}

// runSubDAG runs a SUBDAG EXTERNAL node: a nested DAGMan in this process,
// in the sub-DAG's directory, with its own dagman.out.
func (e *engine) runSubDAG(n *node, subDir string) {
	dagFile := abs(subDir, n.dn.SubmitFile)
	cfg := e.cfg
	cfg.DAG = dagFile
	cfg.DagmanOut = ""
	cfg.parentID = e.dagmanID
	cfg.dagmanID = n.cluster
	cfg.Argv = []string{"condor_dagman", "-p", "0", "-f", "-l", ".", "-Lockfile", filepath.Base(dagFile) + ".lock",
		"-AutoRescue", "1", "-DoRescueFrom", "0", "-Dag", filepath.Base(dagFile)}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	go func() {
		// A removal of this node (not of the whole workflow) stops the sub-DAG.
		for {
			if n.proc.stopped() {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	at := time.Now()
	e.events <- event{n: n, kind: evExecute, at: at}
	res, err := Run(ctx, cfg)
	info := exitInfo{startedOK: true, execAt: at, endAt: time.Now()}
	switch {
	case err != nil:
		info.code = 1
		e.events <- event{n: n, kind: evHeld, text: "Error from DAGMan: " + oneLine(err.Error()), at: info.endAt}
		return
	default:
		info.code = res.ExitCode
	}
	info.aborted = n.proc.stopped()
	e.events <- event{n: n, kind: evTerminated, info: info, at: info.endAt}
}

// handle processes one event of the event cycle.
func (e *engine) handle(now time.Time, ev event) {
	l := e.log
	n := ev.n
	switch ev.kind {
	case evExecute:
		l.say(now, "Reassigning the id of job ", n.name, " from (", strconv.Itoa(n.cluster), ".0.0) to (", strconv.Itoa(n.cluster), ".0.0)")
		l.ulog(now, "SUBMIT", n.name, n.cluster, n.submitted)
		e.idle++
		l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle))
		l.ulog(now, "EXECUTE", n.name, n.cluster, ev.at)
		e.idle--
		l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle))
		if n.ulog != nil {
			n.ulog.executing(n.cluster, ev.at)
		}
		n.holding = true // executing; cleared at termination
	case evTerminated:
		n.holding = false
		info := ev.info
		if info.aborted {
			e.jobAborted(now, n, ev.at, "via condor_rm (by user "+e.getenv("USER")+")")
			return
		}
		l.ulog(now, "JOB_TERMINATED", n.name, n.cluster, ev.at)
		l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle))
		if n.ulog != nil {
			n.ulog.terminated(n.cluster, ev.at, &info)
		}
		n.jobRet = info.dagReturn()
		id := "(" + strconv.Itoa(n.cluster) + ".0.0)"
		switch {
		case info.signaled:
			l.say(now, "Node ", n.name, " job proc ", id, " failed with signal ", strconv.Itoa(info.signal), ".")
			n.jobText = "Job failed due to signal " + strconv.Itoa(info.signal)
		case info.code != 0:
			l.say(now, "Node ", n.name, " job proc ", id, " failed with status ", strconv.Itoa(info.code), ".")
			n.jobText = "Job exited with status " + strconv.Itoa(info.code)
		default:
			l.say(now, "Node ", n.name, " job proc ", id, " completed successfully.")
			n.jobText = ""
		}
		e.jobEnded(now, n)
	case evHeld:
		if !n.holding {
			// Never executed: the submit event still comes first.
			l.say(now, "Reassigning the id of job ", n.name, " from (", strconv.Itoa(n.cluster), ".0.0) to (", strconv.Itoa(n.cluster), ".0.0)")
			l.ulog(now, "SUBMIT", n.name, n.cluster, n.submitted)
			l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle+1))
		}
		if ev.evicted && !n.holding {
			// As HTCondor's starter: the job was started (execute), could
			// not run its program (evicted), then held.
			e.idle++
			l.ulog(now, "EXECUTE", n.name, n.cluster, ev.at)
			l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle-1))
			l.ulog(now, "JOB_EVICTED", n.name, n.cluster, ev.at)
			l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle))
			e.idle--
			if n.ulog != nil {
				n.ulog.executing(n.cluster, ev.at)
				n.ulog.evicted(n.cluster, ev.at)
			}
		}
		n.holding = false
		l.ulog(now, "JOB_HELD", n.name, n.cluster, ev.at)
		l.say(now, "  Hold reason: ", oneLine(ev.text))
		if n.ulog != nil {
			n.ulog.held(n.cluster, ev.at, oneLine(ev.text))
		}
		e.held++
		l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle))
		// A held job cannot be released on this machine: the job's
		// periodic_remove (or the user) removes it, at once.
		e.held--
		n.jobText = "Job was held: " + oneLine(ev.text)
		e.jobAborted(now, n, ev.at, "The job was held on this machine and cannot be released: removed at once")
	case evSubmitFailed:
		e.jobEnded(now, n)
	case evPre:
		e.preEnded(now, n, ev.info)
	case evPost:
		e.postEnded(now, n, ev.info)
	}
}

// jobAborted reports a removed job (ULOG_JOB_ABORTED, $RETURN -1002).
func (e *engine) jobAborted(now time.Time, n *node, at time.Time, why string) {
	l := e.log
	l.ulog(now, "JOB_ABORTED", n.name, n.cluster, at)
	l.say(now, "Number of idle job procs: ", strconv.Itoa(e.idle))
	if n.ulog != nil {
		n.ulog.aborted(n.cluster, at, why)
	}
	n.jobRet = -1002
	if n.jobText == "" {
		n.jobText = "HTCondor reported ULOG_JOB_ABORTED event for job proc (" + strconv.Itoa(n.cluster) + ".0.0)"
	}
	e.jobEnded(now, n)
}

// jobEnded moves a node whose job is over to its POST script, or to its end.
func (e *engine) jobEnded(now time.Time, n *node) {
	e.jobs--
	if n.cat != nil {
		n.cat.running--
	}
	e.log.say(now, "Node ", n.name, " job completed")
	if e.removed {
		// Stopped by the removal: not a failure, it runs again next time.
		e.setState(n, stReady)
		return
	}
	if n.dn.Post != nil {
		e.setState(n, stPost)
		e.postQ = append(e.postQ, n)
		return
	}
	if n.jobRet == 0 {
		e.nodeDone(now, n)
		return
	}
	e.nodeFailed(now, n, n.jobRet, n.jobText)
}

func (e *engine) startPosts(now time.Time) {
	i := 0
	for ; i < len(e.postQ) && e.posts < e.cfg.MaxPost && !e.removed; i++ {
		e.startPost(now, e.postQ[i])
	}
	if i < len(e.postQ) {
		e.defer_.post += len(e.postQ) - i
	}
	e.postQ = append(e.postQ[:0], e.postQ[i:]...)
}

func (e *engine) scriptArgs(n *node, s *ingest.DAGScript, post bool) []string {
	args := strings.Fields(s.Args)
	for i, a := range args {
		switch strings.ToUpper(a) {
		case "$JOB", "$NODE":
			args[i] = n.name
		case "$RETRY":
			args[i] = strconv.Itoa(n.retries)
		case "$MAX_RETRIES":
			args[i] = strconv.Itoa(n.dn.Retry)
		case "$JOBID":
			args[i] = strconv.Itoa(n.cluster) + ".0"
		case "$RETURN":
			if post {
				args[i] = strconv.Itoa(n.jobRet)
			}
		case "$PRE_SCRIPT_RETURN":
			args[i] = strconv.Itoa(n.preRet)
		case "$DAG_STATUS":
			args[i] = strconv.Itoa(e.dagStatus())
		case "$FAILED_COUNT":
			args[i] = strconv.Itoa(e.count[stError])
		}
	}
	return args
}

func (e *engine) scriptDir(n *node) string {
	if n.dn.Dir != "" {
		return abs(e.dir, n.dn.Dir)
	}
	return e.dir
}

// runScript runs a PRE or POST script in the node's directory, with its
// output discarded as DAGMan does.
func (e *engine) runScript(n *node, s *ingest.DAGScript, post bool, pr *proc) {
	args := e.scriptArgs(n, s, post)
	dir := e.scriptDir(n)
	exe := abs(dir, s.Executable)
	if !strings.Contains(s.Executable, "/") {
		if p, err := lookPath(s.Executable, e.env); err == nil {
			exe = p
		}
	}
	kind := evPre
	if post {
		kind = evPost
	}
	// DAGMan runs a node's scripts in its DIR: a missing one is a script
	// that cannot start (said plainly, not as exec's "no such file").
	if err := checkDir(dir); err != nil {
		e.events <- event{n: n, kind: kind, info: exitInfo{startErr: fmt.Errorf("cannot change to the node's directory %s: %w", dir, err)}, at: time.Now()}
		return
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		e.events <- event{n: n, kind: kind, info: exitInfo{startErr: err}, at: time.Now()}
		return
	}
	info := runProcess(pr, exe, append([]string{exe}, args...), dir, e.env, []*os.File{null, null, null}, nil)
	null.Close()
	e.events <- event{n: n, kind: kind, info: info, at: time.Now()}
}

func lookPath(name string, env []string) (string, error) {
	path := ""
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			path = kv[5:]
		}
	}
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", os.ErrNotExist
}

func (e *engine) startPre(now time.Time, n *node) {
	e.setState(n, stPre)
	e.pres++
	e.log.say(now, "Running PRE script of Node ", n.name, "...")
	n.proc = &proc{}
	go e.runScript(n, n.dn.Pre, false, n.proc)
}

func (e *engine) startPost(now time.Time, n *node) {
	e.posts++
	e.log.say(now, "Running POST script of Node ", n.name, "...")
	e.log.say(now, "Warning: mysin has length 0 (ignore if produced by DAGMan; see gittrac #4987, #5031)")
	n.proc = &proc{}
	go e.runScript(n, n.dn.Post, true, n.proc)
}

// scriptStatus is a script's result as DAGMan sees it.
func scriptStatus(info exitInfo) (int, string) {
	switch {
	case info.startErr != nil:
		return 1, "could not be started: " + info.startErr.Error()
	case info.signaled:
		return -info.signal, "died on signal " + strconv.Itoa(info.signal)
	}
	return info.code, ""
}

func (e *engine) preEnded(now time.Time, n *node, info exitInfo) {
	l := e.log
	e.pres--
	if info.aborted && e.removed {
		e.setState(n, stReady)
		return
	}
	st, why := scriptStatus(info)
	if why != "" {
		l.say(now, "Warning: PRE script of node ", n.name, " ", why)
	}
	n.preRet = st
	if n.dn.PreSkip != nil && st == *n.dn.PreSkip {
		l.say(now, "PRE_SKIP return value ", strconv.Itoa(st), " indicates we are done (successfully) with node ", n.name)
		e.nodeDone(now, n)
		return
	}
	if st == 0 {
		l.say(now, "PRE Script of node ", n.name, " completed successfully.")
		n.preDone = true
		if e.removed || e.abortRet != nil {
			e.setState(n, stReady)
			return
		}
		e.setState(n, stReady)
		e.seq++
		n.readySeq = e.seq
		heap.Push(&e.ready, n)
		return
	}
	if info.signaled {
		l.say(now, "PRE Script of node ", n.name, " died on signal ", strconv.Itoa(info.signal))
	} else {
		l.say(now, "PRE Script of node ", n.name, " failed with status ", strconv.Itoa(st))
	}
	e.nodeFailed(now, n, st, "PRE script failed with status "+strconv.Itoa(st))
}

func (e *engine) postEnded(now time.Time, n *node, info exitInfo) {
	l := e.log
	e.posts--
	if info.aborted && e.removed {
		e.setState(n, stReady)
		return
	}
	st, why := scriptStatus(info)
	if why != "" {
		l.say(now, "Warning: POST script of node ", n.name, " ", why)
	}
	if n.spec != nil && n.spec.log != "" {
		l.say(now, "Initializing user log writer for ", n.spec.log, ", (", strconv.Itoa(n.cluster), ".0.0)")
	}
	at := time.Now()
	l.ulog(now, "POST_SCRIPT_TERMINATED", n.name, n.cluster, at)
	if n.ulog != nil {
		n.ulog.postTerminated(n.cluster, at, n.name, &info)
	}
	if st == 0 && !info.aborted {
		l.say(now, "POST Script of node ", n.name, " completed successfully.")
		e.nodeDone(now, n)
		return
	}
	if info.signaled {
		l.say(now, "POST Script of node ", n.name, " died on signal ", strconv.Itoa(info.signal))
	} else {
		l.say(now, "POST Script of node ", n.name, " failed with status ", strconv.Itoa(st))
	}
	l.say(now, "POST for Node ", n.name, " returned ", strconv.Itoa(st))
	text := n.jobText
	if text == "" {
		text = "Job exited with status 0"
	}
	if info.signaled {
		text += " and POST Script died on signal " + strconv.Itoa(info.signal)
	} else {
		text += " and POST Script failed with status " + strconv.Itoa(st)
	}
	e.nodeFailed(now, n, st, text)
}

func (e *engine) nodeDone(now time.Time, n *node) {
	e.setState(n, stDone)
	if n.dn.AbortOn != nil && n.dn.AbortOn.ExitValue == 0 {
		e.abortOn(now, n, 0)
	}
	for _, c := range n.children {
		c.waiting--
		if c.waiting == 0 && c.state == stUnready {
			e.makeReady(c)
		}
	}
}

// nodeFailed retries a node or marks it failed (and its descendants futile).
func (e *engine) nodeFailed(now time.Time, n *node, ret int, text string) {
	if a := n.dn.AbortOn; a != nil && a.ExitValue == ret {
		n.postText = text
		e.setState(n, stError)
		e.abortOn(now, n, ret)
		return
	}
	unless := n.dn.RetryUnless != nil && *n.dn.RetryUnless == ret
	if n.retries < n.dn.Retry && !unless && !e.removed && !n.submitErr {
		n.retries++
		e.log.say(now, "Retrying node ", n.name, " (retry #", strconv.Itoa(n.retries), " of ", strconv.Itoa(n.dn.Retry), ")...")
		n.preDone = false
		e.makeReady(n)
		return
	}
	if unless {
		e.log.say(now, "Node ", n.name, " has exit value ", strconv.Itoa(ret), " matching UNLESS-EXIT: not retried")
	}
	n.postText = text
	e.setState(n, stError)
	// Descendants can no longer run.
	stack := append([]*node(nil), n.children...)
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c.state == stUnready {
			e.setState(c, stFutile)
			stack = append(stack, c.children...)
		}
	}
}

func (e *engine) abortOn(now time.Time, n *node, ret int) {
	v := ret
	if n.dn.AbortOn.Return != nil {
		v = *n.dn.AbortOn.Return
	}
	e.abortRet = &v
	e.log.say(now, "Aborting DAG because we got the ABORT exit value from a node")
	e.stopAll()
}

// remove stops everything, as condor_rm of DAGMan does.
func (e *engine) remove(why string) {
	now := time.Now()
	e.removed = true
	e.changed = true
	if why != "" {
		e.log.say(now, "ERROR: ", why)
	}
	e.log.say(now, "Received SIGUSR1")
	e.stopAll()
}

func (e *engine) stopAll() {
	var procs []*proc
	for _, n := range e.nodes {
		if (n.state == stQueued || n.state == stPre || n.state == stPost) && n.proc != nil {
			n.proc.stop(syscall.SIGTERM)
			procs = append(procs, n.proc)
		}
	}
	if len(procs) == 0 {
		return
	}
	grace := e.cfg.KillGrace
	go func() {
		time.Sleep(grace)
		for _, p := range procs {
			p.stop(syscall.SIGKILL)
		}
	}()
}

// finish writes the end of dagman.out, the rescue DAG and the metrics.
func (e *engine) finish() runResult {
	now := time.Now()
	l := e.log
	res := &Result{Total: len(e.nodes), Done: e.count[stDone], Failed: e.count[stError], Futile: e.count[stFutile],
		DagmanOut: e.cfg.DagmanOut, DAGManID: e.dagmanID}
	status := e.dagStatus()
	exit := 0
	switch {
	case e.removed:
		exit = 2
	case e.abortRet != nil:
		exit = *e.abortRet
		if exit == 0 && e.count[stDone] != len(e.nodes) {
			exit = 1
		}
	case e.count[stDone] != len(e.nodes):
		exit = 1
		if status == dagStatusOK {
			status = dagStatusError
		}
	}
	var rerr error
	if exit == 0 && !e.removed && e.abortRet == nil {
		l.say(now, "All jobs Completed!")
	} else {
		var failed []*node
		for _, n := range e.nodes {
			if n.state == stError {
				failed = append(failed, n)
				res.Failures = append(res.Failures, NodeFailure{Node: n.name, Retries: n.retries, Reason: n.postText})
			}
		}
		if len(failed) > 0 {
			l.say(now, "ERROR: the following job(s) failed:")
			for _, n := range failed {
				e.reportFailed(now, n)
			}
		}
		l.say(now, "Aborting DAG...")
		num := lastRescue(e.dagPath) + 1
		path := RescuePath(e.dagPath, num)
		l.say(now, "Writing Rescue DAG to ", filepath.Base(path), "...")
		if err := e.writeRescue(path); err != nil {
			l.say(now, "ERROR: failed to write the rescue DAG: ", err.Error())
			rerr = fmt.Errorf("writing the rescue DAG: %w", err)
		} else {
			res.Rescue = path
		}
		if e.removed {
			l.say(now, "Removing submitted jobs...")
			l.say(now, "Removing any/all submitted HTCondor jobs...")
		}
	}
	l.say(now, "Note: ", strconv.Itoa(e.defer_.maxJobs), " total job deferrals because of -MaxJobs limit (", strconv.Itoa(e.cfg.MaxJobs), ")")
	l.say(now, "Note: 0 total job deferrals because of -MaxIdle limit (1000)")
	l.say(now, "Note: ", strconv.Itoa(e.defer_.cat), " total job deferrals because of node category throttles")
	l.say(now, "Note: ", strconv.Itoa(e.defer_.pre), " total PRE script deferrals because of -MaxPre limit (", strconv.Itoa(e.cfg.MaxPre), ") or DEFER")
	l.say(now, "Note: ", strconv.Itoa(e.defer_.post), " total POST script deferrals because of -MaxPost limit (", strconv.Itoa(e.cfg.MaxPost), ") or DEFER")
	l.say(now, "Note: 0 total HOLD script deferrals because of -MaxHold limit (20) or DEFER")
	l.status(now, status, len(e.nodes), e.counts(), &e.stats)
	if err := e.writeMetrics(e.dagPath+".metrics", exit, status); err != nil {
		l.say(now, "Warning: failed to write metrics file ", e.dagName, ".metrics: ", err.Error())
	} else {
		l.say(now, "Wrote metrics file ", e.dagName, ".metrics.")
	}
	l.stats(now, &e.stats)
	e.exitLine(now, exit)
	res.ExitCode, res.DAGStatus = exit, status
	return runResult{Result: res, err: rerr}
}

func (e *engine) exitLine(now time.Time, exit int) {
	e.log.say(now, "**** condor_scheduniv_exec.", strconv.Itoa(e.dagmanID), ".0 (condor_DAGMAN) pid ", strconv.Itoa(os.Getpid()), " EXITING WITH STATUS ", strconv.Itoa(exit))
}

func (e *engine) reportFailed(now time.Time, n *node) {
	l := e.log
	l.say(now, "---------------------- Job ----------------------")
	l.say(now, "      Node Name: ", n.name)
	l.say(now, "           Noop: ", strconv.FormatBool(n.dn.Noop))
	l.say(now, "         NodeID: ", strconv.Itoa(n.idx))
	l.say(now, "    Node Status: STATUS_ERROR")
	ret := n.jobRet
	if n.dn.Post != nil && n.postText != "" && strings.Contains(n.postText, "POST Script") {
		ret = 1
		if i := strings.LastIndex(n.postText, "status "); i >= 0 {
			if v, err := strconv.Atoi(n.postText[i+7:]); err == nil {
				ret = v
			}
		}
	}
	l.say(now, "Node return val: ", strconv.Itoa(ret))
	text := n.postText
	if n.retries > 0 {
		text += " (after " + strconv.Itoa(n.retries) + " node retries)"
	}
	l.say(now, "          Error: ", text)
	subFile := n.dn.SubmitFile
	if n.dn.Kind == "SUBDAG" {
		subFile += ".condor.sub"
	}
	l.say(now, "Job Submit File: ", subFile)
	if n.dn.Pre != nil {
		l.say(now, "      PRE Script: ", n.dn.Pre.Executable, " ", n.dn.Pre.Args)
	}
	if n.dn.Post != nil {
		l.say(now, "    POST Script: ", n.dn.Post.Executable, " ", n.dn.Post.Args)
	}
	l.say(now, "          Retry: ", strconv.Itoa(n.dn.Retry))
	l.say(now, " HTCondor Job ID: (", strconv.Itoa(n.cluster), ".0.0)")
	var b strings.Builder
	b.WriteString("PARENTS: ")
	for i, p := range n.parents {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.name)
	}
	b.WriteString(" WAITING: ")
	b.WriteString(strconv.Itoa(n.waiting))
	b.WriteString(" CHILDREN: ")
	for i, c := range n.children {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.name)
	}
	l.say(now, b.String())
	l.say(now, "---------------------------------------\t<END>")
}

// readyHeap orders ready nodes by PRIORITY (highest first), then by the
// order in which they became ready.
type readyHeap []*node

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	if h[i].dn.Priority != h[j].dn.Priority {
		return h[i].dn.Priority > h[j].dn.Priority
	}
	return h[i].readySeq < h[j].readySeq
}
func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}
func (h *readyHeap) Push(x any) {
	n := x.(*node)
	n.heapIdx = len(*h)
	*h = append(*h, n)
}
func (h *readyHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	n.heapIdx = -1
	return n
}

var _ io.Closer = (*os.File)(nil)
