package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configure a Monitor.
type Options struct {
	// Loc is the time zone of DAGMan's zone-less time stamps; nil means the
	// process time zone (TZ), as Pegasus does.
	Loc *time.Location
	// Adjust is added to every dagman.out time stamp (monitord --adjust).
	Adjust float64
	// SkipStdout leaves job stdout/stderr text out of the events (--skip-stdout).
	SkipStdout bool
	// NoRecursive does not follow sub-workflows (--no-recursive).
	NoRecursive bool
	// Workers is the number of goroutines parsing job output files; 0 means
	// four per processor (GOMAXPROCS).
	Workers int
	// Now returns the wall-clock time for MONITORD_* markers; nil means time.Now.
	Now func() time.Time
	// OnWarning receives non-fatal problems, one call at a time (from
	// several goroutines).
	OnWarning func(Warning)
	// Progress, if set, is called with bytes of the root dagman.out read so far and its size.
	Progress func(done, total int64)
	// BatchSize is the number of events per batch handed to the sink (default 1024).
	BatchSize int
	// Jobstate, if set, receives each jobstate.log line as its workflow's
	// tracker makes it (possibly from several goroutines, one per
	// workflow), instead of a JobstateLine event in the stream: the cheaper
	// way for a caller that only writes the lines out. r.Text is only valid
	// during the call (the tracker reuses its bytes).
	Jobstate func(r JobstateRecord, wf string)
	// Events, if set, recycles the events of batches the sink hands back
	// with Events.Release (see EventPool).
	Events *EventPool
	// NoInvStart leaves out the inv.start events, which carry nothing their
	// inv.end does not (the inv.end's Inv is the same invocation): for a
	// sink that stores Stampede tables, where they make no row.
	NoInvStart bool
	// JobstateInput, if set, is a jobstate log written by HTCondor's DAGMan
	// (the DAG's JOBSTATE_LOG) read instead of the root workflow's dagman.out.
	JobstateInput string

	// Follow keeps reading logs as they grow, until DAGMan's exit line (live
	// monitoring); sub-workflows are then followed concurrently. Set by Follow.
	Follow bool
	// Poll is the longest wait between reads of a growing log (default 1 s).
	Poll time.Duration
	// GiveUp is how long to wait for a log that does not exist yet, and for
	// new lines once DAGMan's process is gone (default 10 min).
	GiveUp time.Duration
	// Alive reports whether DAGMan's process (pid from "** PID =") still
	// runs; nil means a local kill(pid, 0) check. Only used when following.
	Alive func(pid int) bool
}

// WorkflowState is what a tracked workflow looked like when monitoring
// stopped, for monitord's state files (monitord.info, FORMATS.md §10.6).
type WorkflowState struct {
	Dir          string
	UUID         string
	Parent       string
	DagmanOut    string
	JobSequence  int // next job_submit_seq
	LinesRead    int
	RestartCount int
	Finished     bool // DAGMan's exit line was seen
	ExitStatus   int
	Found        bool // the dagman.out existed

	counters func() []KV
}

// Counters returns each node's output counter, by node name. They are put
// in order while the caller goes on (sorting 100,000 names takes a tenth
// of a second, which a replay's load would otherwise wait for).
func (st *WorkflowState) Counters() []KV {
	if st.counters == nil {
		return nil
	}
	return st.counters()
}

// Result summarises a replay.
type Result struct {
	Root      string // root workflow uuid
	Workflows []WorkflowState
	Events    int64
	Warnings  int
}

// Monitor turns a workflow's logs (and those of its sub-workflows) into
// Stampede events, like pegasus-monitord.
type Monitor struct {
	opts Options
	out  *pipeline

	mu        sync.Mutex
	warnMu    sync.Mutex
	warnings  int
	workflows []*workflow
	byDir     map[string]*workflow
	ctx       context.Context
	subs      sync.WaitGroup // sub-workflows followed concurrently (live)

	internMu sync.Mutex
	interned map[string]string
}

// maxInterned bounds the intern table: past it, values are copied as they are.
const maxInterned = 4096

// intern returns b as a string, shared with earlier calls for the same
// value: the values it is used for (sites, transformations, initial
// directories of submit files) repeat over the jobs of a run.
func (m *Monitor) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	m.internMu.Lock()
	defer m.internMu.Unlock()
	if s, ok := m.interned[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(m.interned) < maxInterned {
		if m.interned == nil {
			m.interned = make(map[string]string)
		}
		m.interned[s] = s
	}
	return s
}

func (m *Monitor) warn(w Warning) {
	m.warnMu.Lock() // OnWarning is called from one goroutine at a time
	defer m.warnMu.Unlock()
	m.warnings++
	if m.opts.OnWarning != nil {
		m.opts.OnWarning(w)
	}
}

// ErrNotDagmanOut is returned for a path that does not end in .dagman.out.
var ErrNotDagmanOut = errors.New("the workflow log must be a <dag>.dagman.out file")

// Replay reads a workflow from its dagman.out (the positional argument of
// pegasus-monitord --replay) and the files of its submit directory, and hands
// the events, in order and in batches, to sink. Sub-workflows found through
// their jobs are followed unless NoRecursive is set. Job output files are
// parsed in parallel; the order of events is that of a sequential replay.
func Replay(ctx context.Context, dagmanOut string, opts Options, sink func([]*Event) error) (*Result, error) {
	opts.Follow = false
	return run(ctx, dagmanOut, opts, sink)
}

// Follow is Replay for a workflow that is still running: it reads the logs as
// they grow and returns when DAGMan's exit line has been read in every
// followed workflow (or DAGMan is gone, or ctx is cancelled). Events are
// handed to sink as soon as they are known, so sink sees running jobs.
func Follow(ctx context.Context, dagmanOut string, opts Options, sink func([]*Event) error) (*Result, error) {
	opts.Follow = true
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.GiveUp <= 0 {
		opts.GiveUp = 10 * time.Minute
	}
	if opts.Alive == nil {
		opts.Alive = processAlive
	}
	return run(ctx, dagmanOut, opts, sink)
}

func run(ctx context.Context, dagmanOut string, opts Options, sink func([]*Event) error) (*Result, error) {
	if !strings.HasSuffix(dagmanOut, ".dagman.out") {
		return nil, fmt.Errorf("%s: %w", dagmanOut, ErrNotDagmanOut)
	}
	if opts.Workers <= 0 {
		// More workers than processors, so that some parse while others
		// wait for the disk (see ioGovernor); from the page cache the
		// extra ones cost nothing.
		opts.Workers = govFactor * runtime.GOMAXPROCS(0)
	}
	defer ioGov.enter()()
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1024
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Monitor{opts: opts, byDir: map[string]*workflow{}, ctx: ctx}
	m.out = newPipeline(opts.Workers, opts.BatchSize, opts.Events)
	// A replay follows its workflows one after the other, on one goroutine;
	// a live monitor follows sub-workflows on goroutines of their own.
	m.out.single = !opts.Follow

	abs, err := filepath.Abs(dagmanOut)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)

	var trackErr error
	go func() {
		defer m.out.close()
		defer func() {
			if r := recover(); r != nil {
				trackErr = fmt.Errorf("internal error while replaying %s: %v", dagmanOut, r)
			}
		}()
		w, err := m.openWorkflow(dir, abs, nil, nil)
		if err != nil {
			trackErr = err
			return
		}
		trackErr = m.follow(w)
		m.subs.Wait() // live sub-workflows (their problems are warnings)
	}()
	var events int64
	sinkErr := m.out.drain(ctx, func(b []*Event) error {
		events += int64(len(b))
		return sink(b)
	})
	if sinkErr != nil {
		// Stop the producer: drain whatever it still sends.
		m.out.abort()
		return nil, sinkErr
	}
	if trackErr != nil {
		return nil, trackErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.warnMu.Lock()
	res := &Result{Events: events, Warnings: m.warnings}
	m.warnMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.workflows {
		res.Workflows = append(res.Workflows, w.state())
	}
	if len(m.workflows) > 0 {
		res.Root = m.workflows[0].uuid
	}
	return res, nil
}

func (w *workflow) state() WorkflowState {
	st := WorkflowState{Dir: w.dir, UUID: w.uuid, Parent: w.parent, DagmanOut: w.outPath, JobSequence: w.jobSeq + 1,
		LinesRead: w.lineNo, RestartCount: w.restarts, Finished: w.finished, ExitStatus: w.exitStatus}
	if _, err := os.Stat(w.outPath); err == nil {
		st.Found = true
	}
	// The workflow is no longer tracked: its nodes are read in the background.
	var kvs []KV
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, n := range w.sortedNodes() {
			if c := w.nodes[n].counter; c >= 0 {
				kvs = append(kvs, KV{n, strconv.Itoa(c)})
			}
		}
	})
	st.counters = func() []KV { wg.Wait(); return kvs }
	return st
}

// openWorkflow reads a workflow directory's braindump, DAG and static events
// and emits its wf.plan, static events and metrics. parent is nil for the root.
func (m *Monitor) openWorkflow(dir, dagmanOut string, parent *workflow, parentInst *instance) (*workflow, error) {
	bd, err := ReadBraindumpDir(dir)
	if err != nil {
		return nil, err
	}
	if bd.WfUUID() == "" {
		return nil, &ParseError{File: bd.Path, Err: fmt.Errorf("%w: braindump has no wf_uuid", ErrMissing)}
	}
	dagName := bd.DagFile()
	if dagName == "" {
		base := filepath.Base(dagmanOut)
		dagName = strings.TrimSuffix(base, ".dagman.out")
	}
	w := &workflow{
		m: m, dir: dir, origDir: bd.SubmitDir(), bd: bd, uuid: bd.WfUUID(), outPath: dagmanOut,
		nodes: map[string]*nodeInfo{}, subDirs: map[string]string{},
		label: bd.Label(), index: bd.Get("dax_index"),
	}
	w.alloc.pool = m.opts.Events
	if w.origDir == "" {
		w.origDir = dir
	}
	w.origClean, w.dirJoinable = filepath.Clean(w.origDir), joinableDir(dir)
	w.clock = &Clock{Loc: m.opts.Loc, Adjust: m.opts.Adjust}
	if fi, err := os.Stat(dagmanOut); err == nil {
		w.clock.SetYearHint(fi.ModTime())
	}
	w.classifier = DagmanClassifier{Clock: w.clock}
	if parent != nil {
		w.parent = parent.uuid
		w.root = parent.root
	} else {
		w.root = bd.RootUUID()
	}
	w.dagPath = filepath.Join(dir, filepath.Base(dagName))
	type dagRead struct {
		d   *DAG
		err error
	}
	dagc := make(chan dagRead, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				dagc <- dagRead{err: fmt.Errorf("internal error while reading %s: %v", w.dagPath, r)}
			}
		}()
		d, err := ReadDAGNodes(w.dagPath)
		dagc <- dagRead{d, err}
	}()
	joinDAG := func() error {
		r := <-dagc
		switch {
		case r.err == nil:
			w.dag = r.d
			w.classifier.dag = r.d
			w.nodes = make(map[string]*nodeInfo, len(r.d.Nodes))
		case !errors.Is(r.err, os.ErrNotExist):
			return r.err
		default:
			m.warn(Warning{Pos: Pos{File: w.dagPath}, Text: "DAG file not found: POST scripts and submit files are unknown"})
		}
		return nil
	}
	// The root workflow's DAG is read while its static events are: the
	// loader has work sooner. A sub-workflow's is read first, as a DAG
	// that does not parse means the sub-workflow is not followed at all
	// (the root's error ends the replay, whatever was sent before it).
	concurrentDAG := parent == nil
	if !concurrentDAG {
		if err := joinDAG(); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	m.workflows = append(m.workflows, w)
	m.byDir[dir] = w
	m.mu.Unlock()

	now := float64(m.opts.Now().Unix())
	w.internal(now, "MONITORD_STARTED", "")

	plan := &PlanInfo{
		Label: w.label, Version: bd.Get("dax_version"), Index: w.index, DaxFile: bd.Get("dax"),
		DagFile: filepath.Base(dagName), SubmitHost: bd.Get("submit_hostname"), SubmitDir: cleanDir(bd.SubmitDir()),
		Argv: bd.PlannerArguments(), User: bd.Get("user"), GridDN: bd.Get("grid_dn"),
		PlannerVersion: bd.PlannerVersion(), Parent: w.parent, Root: w.root,
	}
	if plan.GridDN == "null" {
		plan.GridDN = ""
	}
	ts, ok := bd.Timestamp()
	if !ok {
		ts = now
	}
	w.emit(&Event{Kind: WfPlan, TS: ts, Plan: plan, Src: Pos{File: bd.Path}})
	w.emit(&Event{Kind: StaticStart, TS: ts})
	base := strings.TrimSuffix(filepath.Base(dagName), ".dag")
	staticPath := filepath.Join(dir, base+".static.bp")
	err = m.readStatic(w, staticPath)
	if concurrentDAG {
		if derr := joinDAG(); derr != nil {
			return nil, derr // the error reported when the DAG was read first
		}
	}
	if err != nil {
		return nil, err
	}
	w.emit(&Event{Kind: StaticEnd, TS: ts})
	metricsPath := filepath.Join(dir, base+".metrics")
	if pm, err := ReadPlannerMetrics(metricsPath); err == nil {
		w.emit(&Event{Kind: WfMetrics, TS: ts, Metrics: pm})
	} else if !errors.Is(err, os.ErrNotExist) {
		m.warn(Warning{Pos: Pos{File: metricsPath}, Text: err.Error()})
	}
	if parent != nil && parentInst != nil {
		parent.emit(&Event{Kind: XwfMapSubwfJob, TS: ts, Wf: parent.uuid, SubWf: w.uuid, Job: parentInst.node, Inst: parentInst.seq})
	}
	return w, nil
}

// readStatic streams the planner's static events.
func (m *Monitor) readStatic(w *workflow, p string) error {
	f, err := os.Open(p)
	if err != nil {
		if os.IsNotExist(err) {
			return &ParseError{File: p, Err: fmt.Errorf("%w: the planner's static events file is missing", ErrMissing)}
		}
		return err
	}
	defer f.Close()
	sc := NewBPScanner(f, p)
	for sc.Next() {
		e := w.alloc.new()
		ok, err := staticEvent(e, sc.Record(), p)
		if err != nil {
			return err
		}
		if !ok {
			w.alloc.unget(e)
			continue
		}
		e.Wf = w.uuid
		w.emit(e)
	}
	return sc.Err()
}

// follow replays a workflow's dagman.out to its end.
func (m *Monitor) follow(w *workflow) error {
	if w.parent == "" && m.opts.JobstateInput != "" {
		return m.followJobstate(w, m.opts.JobstateInput)
	}
	f, err := m.openLog(w.outPath)
	if err != nil {
		if os.IsNotExist(err) {
			if w.parent == "" {
				return err
			}
			m.warn(Warning{Pos: Pos{File: w.outPath}, Text: "sub-workflow log not found: only its plan is loaded"})
			w.internal(float64(m.opts.Now().Unix()), "MONITORD_FINISHED", "0")
			return nil
		}
		return err
	}
	defer f.Close()
	var total int64
	if fi, err := f.Stat(); err == nil {
		total = fi.Size()
	}
	progress := m.opts.Progress
	if w.parent != "" {
		progress = nil
	}
	// A reader goroutine reads and classifies lines and asks for submit files
	// ahead; this goroutine tracks the jobs.
	w.pf = newPrefetcher(w, govFactor)
	defer func() { w.pf.close(); w.pf = nil }()
	batches := make(chan lineBatch, 8)
	free := make(chan []DagmanLine, 10) // line slices handled, for the reader to reuse
	stop := make(chan struct{})
	defer close(stop)
	go m.readLines(f, w, batches, free, stop)
	num := 0
	for b := range batches {
		for i := range b.lines {
			dl := &b.lines[i]
			w.lineNo = dl.Num
			if w.recovery {
				if dl.Kind == LineRecoveryEnd {
					w.recovery = false
				}
				continue
			}
			w.handle(dl)
		}
		select {
		case free <- b.lines[:0]:
		default:
		}
		num = b.last
		w.lineNo = num
		if b.partial {
			m.warn(Warning{Pos: Pos{File: w.outPath, Line: num + 1}, Text: "last line is incomplete (log still being written?): not read"})
		}
		if b.err != nil {
			return &ParseError{File: w.outPath, Line: num + 1, Err: b.err}
		}
		if err := m.ctx.Err(); err != nil {
			return err
		}
		if progress != nil {
			progress(b.done, total)
		}
		if b.idle {
			// Caught up with a live log: hand over what is known.
			m.out.flush()
		}
		if b.gone {
			m.warn(Warning{Pos: Pos{File: w.outPath, Line: num}, Text: "DAGMan is gone and its log stopped growing: monitoring ends"})
		}
	}
	if progress != nil {
		progress(total, total)
	}
	if !w.finished {
		m.warn(Warning{Pos: Pos{File: w.outPath, Line: num}, Text: "no DAGMan exit line: the workflow is still running, or its log is truncated"})
	}
	w.internal(float64(m.opts.Now().Unix()), "MONITORD_FINISHED", "0")
	return nil
}

// followJobstate replays a workflow from a jobstate log written by DAGMan.
func (m *Monitor) followJobstate(w *workflow, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	w.outPath = p
	sc := NewJobstateScanner(f, p)
	n := 0
	for sc.Next() {
		w.feedJobstate(sc.Entry())
		if n++; n&4095 == 0 {
			if err := m.ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(sc.Partial) > 0 {
		m.warn(Warning{Pos: Pos{File: p, Line: n + 1}, Text: "last line is incomplete (log still being written?): not read"})
	}
	if !w.finished {
		m.warn(Warning{Pos: Pos{File: p}, Text: "no DAGMAN_FINISHED line: the workflow is still running, or its log is truncated"})
	}
	w.internal(float64(m.opts.Now().Unix()), "MONITORD_FINISHED", "0")
	return nil
}

// discoverSubWorkflow follows the sub-workflow a job launches (FORMATS.md §10.4).
func (m *Monitor) discoverSubWorkflow(w *workflow, inst *instance, ts float64) {
	if m.opts.NoRecursive || inst.sub == nil || inst.sub.subDagmanOut == "" {
		return
	}
	logPath, _ := w.rebase(inst.sub.subDagmanOut)
	subDir := filepath.Clean(filepath.Dir(logPath))
	n := inst.outNum
	if n < 0 {
		n = 0
	}
	candidates := []string{fmt.Sprintf("%s.%03d", subDir, n), subDir + ".000", subDir}
	dir := ""
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			dir = c
			break
		}
	}
	if dir == "" {
		m.warn(Warning{Pos: Pos{File: w.outPath, Line: w.lineNo}, Text: fmt.Sprintf("sub-workflow directory of %s not found (%s): not followed", inst.node, candidates[0])})
		return
	}
	m.mu.Lock()
	sw := m.byDir[dir]
	m.mu.Unlock()
	if sw != nil {
		// A retry pointing to a workflow already followed: map the new instance.
		w.emit(&Event{Kind: XwfMapSubwfJob, TS: ts, Wf: w.uuid, SubWf: sw.uuid, Job: inst.node, Inst: inst.seq})
		return
	}
	child, err := m.openWorkflow(dir, filepath.Join(dir, filepath.Base(logPath)), w, inst)
	if err != nil {
		m.warn(Warning{Pos: Pos{File: dir}, Text: "sub-workflow not followed: " + err.Error()})
		return
	}
	if !m.opts.Follow {
		if err := m.follow(child); err != nil {
			m.warn(Warning{Pos: Pos{File: child.outPath}, Text: "sub-workflow: " + err.Error()})
		}
		return
	}
	// Live: the parent's other jobs go on while the sub-workflow runs.
	m.subs.Add(1)
	go func() {
		defer m.subs.Done()
		if err := m.follow(child); err != nil {
			if errors.Is(err, context.Canceled) {
				return
			}
			m.warn(Warning{Pos: Pos{File: child.outPath}, Text: "sub-workflow: " + err.Error()})
		}
	}()
}

// lookupIP resolves a host name once, with a short time limit.
func lookupIP(host string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return "unknown"
	}
	return addrs[0]
}

// cleanDir normalises a directory path the planner recorded (as Pegasus
// stores it: "a/./b" is "a/b").
func cleanDir(p string) string {
	if p == "" {
		return ""
	}
	return filepath.Clean(p)
}

// lineBatch is a run of classified dagman.out lines (only those the tracker
// acts on) handed from the reader to the tracker.
type lineBatch struct {
	lines   []DagmanLine
	last    int   // number of the last complete line read
	done    int64 // bytes read
	partial bool  // the file ends with an incomplete line
	idle    bool  // (live) the reader caught up and waits for more
	gone    bool  // (live) DAGMan is gone and the log stopped growing
	err     error
}

// readLines reads a dagman.out, classifies its lines, queues the submit files
// of nodes being submitted, and sends the lines that matter in batches. When
// following a live log it waits at the end for more, keeping an incomplete
// last line until it is complete, and stops after DAGMan's exit line.
func (m *Monitor) readLines(f *os.File, w *workflow, out chan<- lineBatch, free <-chan []DagmanLine, stop <-chan struct{}) {
	defer close(out)
	br := bufio.NewReaderSize(f, 256*1024)
	var done int64
	num := 0
	var carry []byte // an incomplete line, waiting for its end
	b := lineBatch{lines: make([]DagmanLine, 0, 512)}
	send := func() bool {
		b.last, b.done = num, done
		select {
		case out <- b:
		case <-stop:
			return false
		}
		b = lineBatch{}
		select {
		case b.lines = <-free:
		default:
			b.lines = make([]DagmanLine, 0, 512)
		}
		return true
	}
	exited := false
	pid := 0
	idle := 0
	var lastGrowth time.Time
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull || (len(carry) > 0 && len(line) > 0) {
			carry = append(carry, line...)
			if err == bufio.ErrBufferFull {
				continue
			}
			line = carry
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			num++
			done += int64(len(line))
			l := line[:len(line)-1]
			if len(l) > 0 && l[len(l)-1] == '\r' {
				l = l[:len(l)-1]
			}
			dl := w.classifier.Classify(l, num)
			carry = carry[:0]
			idle = 0
			if dl.Kind != LineOther && dl.HasTS {
				switch {
				case dl.Kind == LineSubmitting, dl.Kind == LineScriptStart && dl.Pre, dl.Kind == LineULog && dl.Name == "SUBMIT":
					w.pf.want(dl.Node, dl.dn)
				case dl.Kind == LineExiting:
					exited = true
				case dl.Kind == LineParsing:
					exited = false
				case dl.Kind == LinePID:
					pid = dl.Status
				}
				b.lines = append(b.lines, dl)
				if len(b.lines) == cap(b.lines) && !send() {
					return
				}
			}
			continue
		}
		if len(line) > 0 && len(carry) == 0 {
			carry = append(carry, line...)
		}
		if err != nil && err != io.EOF {
			b.err = err
			break
		}
		// End of the data written so far.
		if !m.opts.Follow || exited {
			b.partial = len(carry) > 0
			break
		}
		if fi, err := f.Stat(); err == nil && fi.Size() < done+int64(len(carry)) {
			m.warn(Warning{Pos: Pos{File: w.outPath}, Text: "log was truncated: monitoring ends"})
			break
		}
		idle++
		if idle == 1 {
			lastGrowth = time.Now()
		}
		// DAGMan may stay quiet for hours while jobs run: stop waiting only
		// when its process is gone (or, not knowing it, after GiveUp).
		if idle > 10 && ((pid > 0 && m.opts.Alive != nil && !m.opts.Alive(pid)) ||
			(pid <= 0 && time.Since(lastGrowth) > m.opts.GiveUp)) {
			b.gone = true
			b.partial = len(carry) > 0
			break
		}
		b.idle = true
		if !send() {
			return
		}
		wait := m.opts.Poll
		if idle < 5 {
			wait = m.opts.Poll / 10
		}
		select {
		case <-time.After(wait):
		case <-stop:
			return
		case <-m.ctx.Done():
			return
		}
	}
	send()
}

// openLog opens a dagman.out; when following, it waits for it to appear.
func (m *Monitor) openLog(p string) (*os.File, error) {
	f, err := os.Open(p)
	if err == nil || !m.opts.Follow || !os.IsNotExist(err) {
		return f, err
	}
	deadline := time.Now().Add(m.opts.GiveUp)
	for time.Now().Before(deadline) {
		select {
		case <-m.ctx.Done():
			return nil, m.ctx.Err()
		case <-time.After(m.opts.Poll):
		}
		if f, err = os.Open(p); err == nil || !os.IsNotExist(err) {
			return f, err
		}
	}
	return nil, err
}

// processAlive reports whether a local process exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
