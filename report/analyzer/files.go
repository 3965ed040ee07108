package analyzer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

// ErrNoDAG means a directory holds no .dag file, so files mode has nothing
// to read.
var ErrNoDAG = errors.New("could not find any .dag file")

// FilesOptions tune FromFiles.
type FilesOptions struct {
	Options
	// Strict takes the .out/.err names from the submit file's output and
	// error commands (-s) instead of <job>.out/.err beside it.
	Strict bool
}

// maxText bounds what is read of one .err or PRE-script log (its end is
// kept, where the errors are), as monitord bounds stored texts.
const maxText = 64 << 10

// FromFiles analyses a submit directory from its files alone: the .dag
// (and rescue DAGs), jobstate.log (else the DAGMan log), the submit files,
// the jobs' .out kickstart records and .err files, and the PRE-script logs
// of sub-workflow jobs. Files that are missing or cannot be read leave notes
// in the report rather than errors; only a directory without a .dag file is
// an error (ErrNoDAG).
func FromFiles(ctx context.Context, dir string, o FilesOptions) (*Report, error) {
	fr := &filesReader{o: o}
	shown := o.Dir
	if shown == "" {
		shown = dir
	}
	w, err := fr.workflow(ctx, dir, "root", shown)
	if err != nil {
		return nil, err
	}
	r := &Report{SubmitDirectory: o.Dir, Mode: "files", RootUUID: w.UUID, Workflows: []*Workflow{w}}
	if r.SubmitDirectory == "" {
		r.SubmitDirectory = dir
	}
	if fr.bd != nil && fr.bd.RootUUID() != "" {
		r.RootUUID = fr.bd.RootUUID()
	}
	if o.Recurse || o.TraverseAll {
		if err := fr.recurse(ctx, r, w, map[string]bool{filepath.Clean(dir): true}); err != nil {
			return nil, err
		}
	}
	return r, nil
}

type filesReader struct {
	o  FilesOptions
	bd *ingest.Braindump // of the last workflow read
}

// fjob is one DAG node as the files describe it.
type fjob struct {
	name    string
	node    *ingest.DAGNode
	state   string // last state; "UNSUBMITTED" when never seen
	tries   []*ftry
	inLog   bool
	order   int
	subwf   bool
	outcome string
}

// ftry is one try of a node, from jobstate.log.
type ftry struct {
	n        int    // 1-based
	seq      int    // job_submit_seq column, 0 when "-"
	sched    string // HTCondor id
	site     string
	state    string
	jobExit  *int // JOB_FAILURE/JOB_SUCCESS status
	post     *int // POST_SCRIPT_* status
	pre      *int // PRE_SCRIPT_* status
	held     bool
	aborted  bool
	failed   bool
	finished bool
}

func (fr *filesReader) workflow(ctx context.Context, dir, key, shown string) (*Workflow, error) {
	w := &Workflow{Key: key, Status: StatusRunning, ParentName: "-", ParentUUID: "-", DagFile: "-", SubmitHost: "-",
		SubmitDir: dir, User: "-", PlannerVersion: "-", Name: "-", UUID: "-"}
	w.Counts.HasUnknown = true
	bd, err := ingest.ReadBraindumpDir(dir)
	fr.bd = bd
	if err != nil {
		w.Notes = append(w.Notes, "no braindump file: "+oneLine(err))
	} else {
		w.UUID = orDash(bd.WfUUID())
		w.SubmitHost = orDash(bd.Get("submit_hostname"))
		w.SubmitDir = orDash(bd.SubmitDir())
		w.User = orDash(bd.Get("user"))
		w.PlannerVersion = orDash(bd.PlannerVersion())
		w.Name = orDash(bd.Label())
		if bd.Get("root_wf_uuid") != "" && bd.Get("root_wf_uuid") != bd.WfUUID() {
			w.ParentUUID = orDash(bd.Get("root_wf_uuid"))
		}
	}
	dagPath, err := findDAG(dir, bd)
	if err != nil {
		return nil, err
	}
	w.DagFile = filepath.Base(dagPath)
	recorded := ""
	if bd != nil {
		recorded = bd.SubmitDir()
	}

	// The DAG: the jobs, their submit files, PRE scripts and VARS.
	var jobs []*fjob
	byName := map[string]*fjob{}
	addJob := func(name string, node *ingest.DAGNode) *fjob {
		j := &fjob{name: name, node: node, state: "UNSUBMITTED", order: len(jobs)}
		j.subwf = strings.HasPrefix(name, "pegasus-plan") || strings.HasPrefix(name, "subdax_") || (node != nil && node.Kind == "SUBDAG")
		jobs = append(jobs, j)
		byName[name] = j
		return j
	}
	dag, err := ingest.ReadDAGFile(dagPath)
	if err != nil {
		w.Notes = append(w.Notes, "could not read the DAG: "+oneLine(err))
	} else {
		for _, n := range dag.Nodes {
			addJob(n.Name, n)
		}
	}

	// What happened: jobstate.log, else the DAGMan log, else the rescue DAG.
	js := filepath.Join(dir, "jobstate.log")
	dagmanOut := dagPath + ".dagman.out"
	finished, dagStatus := false, 0
	switch jsErr := fr.readJobstate(ctx, js, byName, addJob, &finished, &dagStatus); {
	case jsErr == nil:
		if a, b := modTime(js), modTime(dagmanOut); a > 0 && b > a {
			w.Notes = append(w.Notes, "jobstate.log older than the dagman.out file, workflow logs may not be up to date...")
		}
	case errors.Is(jsErr, fs.ErrNotExist):
		w.Notes = append(w.Notes, fmt.Sprintf("could not access %s: reading the DAGMan log %s instead", js, filepath.Base(dagmanOut)))
		if err := fr.readDagmanOut(ctx, dagmanOut, byName, addJob, &finished, &dagStatus); err != nil {
			w.Notes = append(w.Notes, "could not read the DAGMan log either ("+oneLine(err)+"): the states come from the rescue DAG, if any")
			fr.readRescue(dagPath, byName, w)
		}
	default:
		w.Notes = append(w.Notes, "jobstate.log could not be read to the end ("+oneLine(jsErr)+"): the states after that line are missing")
	}

	// Classify on the final state.
	for _, j := range jobs {
		w.Counts.Total++
		j.outcome = classify(j.state)
		switch j.outcome {
		case "success":
			w.Counts.Success++
		case "failed":
			w.Counts.Failed++
		case "unsubmitted":
			w.Counts.Unsubmitted++
		default:
			w.Counts.Unknown++
		}
		if t := j.last(); t != nil && t.held {
			w.Counts.Held++
		}
	}
	switch {
	case w.Counts.Total > 0 && w.Counts.Success == w.Counts.Total:
		w.Status = StatusSuccess
	case w.Counts.Failed > 0:
		w.Status = StatusFailure
	case finished && dagStatus != 0:
		w.Status = StatusFailure
	}

	// Details of the failed jobs (else of the unknown ones), the earlier
	// failed tries, and the held jobs.
	type work struct {
		j  *fjob
		t  *ftry
		ji *JobInstance
	}
	var todo []*work
	detailUnknown := w.Counts.Failed == 0
	for _, j := range jobs {
		last := j.last()
		for _, t := range j.tries {
			role := ""
			switch {
			case t == last && j.outcome == "failed":
				role = RoleFailed
			case t == last && j.outcome == "unknown" && detailUnknown:
				role = RoleUnknown
			case t != last && t.failed:
				role = RoleEarlier
			}
			if role != "" {
				todo = append(todo, &work{j: j, t: t, ji: &JobInstance{Role: role}})
			}
		}
		if last == nil && j.outcome == "unknown" && detailUnknown {
			todo = append(todo, &work{j: j, t: &ftry{n: 1, state: j.state}, ji: &JobInstance{Role: RoleUnknown}})
		}
	}
	var needHolds []*work
	for _, wk := range todo {
		if wk.t.held {
			needHolds = append(needHolds, wk)
		}
	}
	holdWanted := map[string]bool{}
	for _, j := range jobs {
		if t := j.last(); t != nil && t.held {
			holdWanted[j.name] = true
		}
	}
	for _, wk := range needHolds {
		holdWanted[wk.j.name] = true
	}
	var holds map[string][]holdEntry
	if len(holdWanted) > 0 {
		holds, err = readHoldReasons(ctx, dagmanOut, holdWanted)
		if err != nil {
			w.Notes = append(w.Notes, "could not read the hold reasons from the DAGMan log: "+oneLine(err))
		}
	}

	ctxFiles := &fileCtx{dir: dir, recorded: recorded, strict: fr.o.Strict, given: shown}
	if err := parallel(ctx, len(todo), func(i int) {
		wk := todo[i]
		ctxFiles.fill(wk.ji, wk.j, wk.t, holds[wk.j.name])
	}); err != nil {
		return nil, err
	}
	for _, wk := range todo {
		switch wk.ji.Role {
		case RoleFailed:
			w.Failed = append(w.Failed, wk.ji)
		case RoleUnknown:
			w.Unknown = append(w.Unknown, wk.ji)
		default:
			w.Earlier = append(w.Earlier, wk.ji)
		}
	}
	for _, j := range jobs {
		t := j.last()
		if t == nil || !t.held {
			continue
		}
		h := &HeldJob{Name: j.name, LastInstanceID: int64(t.seq), SubmitFile: "-"}
		if j.node != nil {
			h.SubmitFile = j.node.SubmitFile
		}
		for _, he := range holds[j.name] {
			if he.sched == t.sched || t.sched == "" {
				h.Reason = he.reason
			}
		}
		w.Held = append(w.Held, h)
	}
	w.Finish()
	if w.Counts.Total > 0 && w.Counts.Unsubmitted == w.Counts.Total {
		w.Notes = append(w.Notes, "Looks like the workflow did not start.")
		w.Notes = append(w.Notes, didNotStart(dir)...)
	}
	return w, nil
}

func (j *fjob) last() *ftry {
	if len(j.tries) == 0 {
		return nil
	}
	return j.tries[len(j.tries)-1]
}

// classify maps a final jobstate.log state to Pegasus's file-mode outcome,
// except that a failed PRE script is a failure (Pegasus's files mode calls
// it unknown and, when other jobs failed, does not show it; its database
// mode counts it as failed).
func classify(state string) string {
	switch state {
	case "JOB_SUCCESS", "POST_SCRIPT_SUCCESS":
		return "success"
	case "JOB_FAILURE", "POST_SCRIPT_FAILURE", "POST_SCRIPT_FAILED", "PRE_SCRIPT_FAILURE", "PRE_SCRIPT_FAILED":
		return "failed"
	case "UNSUBMITTED":
		return "unsubmitted"
	}
	return "unknown"
}

// findDAG returns the workflow's .dag file: the one braindump names, else
// the first *.dag of the directory.
func findDAG(dir string, bd *ingest.Braindump) (string, error) {
	if bd != nil && bd.DagFile() != "" {
		p := filepath.Join(dir, filepath.Base(bd.DagFile()))
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".dag") && !e.IsDir() {
			return filepath.Join(dir, e.Name()), nil
		}
	}
	return "", fmt.Errorf("%w in %s", ErrNoDAG, dir)
}

// readJobstate replays jobstate.log into the jobs' tries.
func (fr *filesReader) readJobstate(ctx context.Context, path string, byName map[string]*fjob, add func(string, *ingest.DAGNode) *fjob,
	finished *bool, dagStatus *int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := ingest.NewJobstateScanner(f, path)
	n := 0
	for sc.Next() {
		if n++; n&8191 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		e := sc.Entry()
		if e.Internal() {
			switch e.State {
			case "DAGMAN_STARTED":
				*finished = false
			case "DAGMAN_FINISHED":
				*finished = true
				*dagStatus, _ = strconv.Atoi(strings.TrimSpace(e.Info))
			}
			continue
		}
		j := byName[e.Job]
		if j == nil {
			j = add(e.Job, nil)
		}
		j.apply(e.State, e.Info, e.Site, e.Seq)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(sc.Partial) > 0 {
		return fmt.Errorf("%s: the last line is cut short (%q)", path, strings.TrimSpace(string(sc.Partial)))
	}
	return nil
}

// apply records one jobstate.log state of the job.
func (j *fjob) apply(state, info, site string, seq int) {
	j.inLog = true
	t := j.last()
	newTry := false
	switch {
	case t == nil:
		newTry = true
	case seq != 0 && t.seq != 0:
		newTry = seq != t.seq
	case state == "PRE_SCRIPT_STARTED":
		newTry = true
	case state == "SUBMIT":
		newTry = t.state != "PRE_SCRIPT_SUCCESS" && t.state != "PRE_SCRIPT_TERMINATED" && t.state != "PRE_SCRIPT_STARTED"
	}
	if newTry {
		t = &ftry{n: len(j.tries) + 1, seq: seq}
		j.tries = append(j.tries, t)
	}
	if site != "" && site != "-" {
		t.site = site
	}
	status := func() *int {
		if n, err := strconv.Atoi(info); err == nil {
			return &n
		}
		return nil
	}
	switch state {
	case "SUBMIT", "EXECUTE", "JOB_TERMINATED", "JOB_HELD", "JOB_RELEASED", "JOB_ABORTED":
		if strings.Contains(info, ".") {
			t.sched = info
		}
	}
	switch state {
	case "JOB_HELD":
		t.held = true
	case "JOB_ABORTED":
		t.aborted = true
	case "JOB_SUCCESS", "JOB_FAILURE":
		t.jobExit = status()
	case "POST_SCRIPT_SUCCESS", "POST_SCRIPT_FAILURE", "POST_SCRIPT_FAILED":
		t.post = status()
	case "PRE_SCRIPT_SUCCESS", "PRE_SCRIPT_FAILURE", "PRE_SCRIPT_FAILED":
		t.pre = status()
	}
	switch state {
	case "JOB_HELD_REASON", "IMAGE_SIZE", "SHADOW_EXCEPTION", "GRID_SUBMIT", "GLOBUS_SUBMIT", "JOB_EVICTED", "JOB_RELEASED":
		// Events that do not end or move a try along: the state before them stands.
		if t.state != "" {
			j.state = t.state
			return
		}
	}
	t.state = state
	j.state = state
	switch state {
	case "JOB_FAILURE", "POST_SCRIPT_FAILURE", "POST_SCRIPT_FAILED", "PRE_SCRIPT_FAILURE", "PRE_SCRIPT_FAILED", "SUBMIT_FAILED":
		t.failed, t.finished = true, true
	case "JOB_SUCCESS", "POST_SCRIPT_SUCCESS":
		t.failed, t.finished = false, true
	}
}

// readDagmanOut takes the final node states from the DAGMan log, when
// jobstate.log is missing.
func (fr *filesReader) readDagmanOut(ctx context.Context, path string, byName map[string]*fjob, add func(string, *ingest.DAGNode) *fjob,
	finished *bool, dagStatus *int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sum, err := ingest.ReadLogStates(ctx, f, path, nil)
	if err != nil {
		return err
	}
	*finished, *dagStatus = sum.Finished, sum.ExitStatus
	for _, ns := range sum.Nodes {
		j := byName[ns.Node]
		if j == nil {
			j = add(ns.Node, nil)
		}
		j.inLog = true
		for k := 1; k <= max(ns.Tries, 1); k++ {
			j.tries = append(j.tries, &ftry{n: k})
		}
		t := j.last()
		t.sched, t.state, t.held = ns.Sched, ns.State, ns.Held
		switch ns.Outcome {
		case "success":
			j.state = "JOB_SUCCESS"
		case "failure":
			j.state = ns.State
			if classify(j.state) != "failed" {
				j.state = "JOB_FAILURE"
			}
			t.failed = true
		default:
			j.state = ns.State
		}
		t.state = j.state
		if ns.HasStatus {
			code := ns.ExitCode
			if strings.HasPrefix(ns.State, "POST_SCRIPT") {
				t.post = &code
			} else {
				t.jobExit = &code
			}
		}
	}
	return nil
}

// readRescue takes what the latest rescue DAG says — the nodes done, the
// nodes that failed — when nothing else says what happened. Partial rescue
// DAGs (DAGMan's default) name nodes of the original DAG only, so they are
// read here rather than as DAGs.
func (fr *filesReader) readRescue(dagPath string, byName map[string]*fjob, w *Workflow) {
	rescues, _ := filepath.Glob(dagPath + ".rescue[0-9][0-9][0-9]")
	if len(rescues) == 0 {
		return
	}
	sort.Strings(rescues)
	path := rescues[len(rescues)-1]
	b, err := os.ReadFile(path)
	if err != nil {
		w.Notes = append(w.Notes, "could not read the rescue DAG: "+oneLine(err))
		return
	}
	var done, failed []string
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) >= 2 && strings.EqualFold(f[0], "DONE"):
			done = append(done, f[1])
		case len(f) >= 2 && strings.EqualFold(f[0], "JOB") && len(f) >= 4 && strings.EqualFold(f[len(f)-1], "DONE"):
			done = append(done, f[1])
		case strings.HasPrefix(l, "# Nodes that failed:") && i+1 < len(lines):
			list := strings.TrimSpace(strings.TrimPrefix(lines[i+1], "#"))
			for _, n := range strings.Split(list, ",") {
				if n = strings.TrimSpace(n); n != "" && n != "<ENDLIST>" && !strings.HasPrefix(n, "...") {
					failed = append(failed, n)
				}
			}
		}
	}
	w.Notes = append(w.Notes, "DAGMan wrote a rescue DAG ("+filepath.Base(path)+"): the workflow failed; the states come from it")
	for _, name := range done {
		if j := byName[name]; j != nil {
			j.state = "JOB_SUCCESS"
		}
	}
	for _, name := range failed {
		if j := byName[name]; j != nil {
			j.state = "JOB_FAILURE"
			n := 1
			if j.node != nil {
				n = triesOnDisk(filepath.Join(filepath.Dir(dagPath), j.node.SubmitFile))
			}
			j.tries = append(j.tries, &ftry{n: n, state: "JOB_FAILURE", failed: true, finished: true, seq: 0, sched: "rescue"})
		}
	}
}

// triesOnDisk counts a job's tries by its rotated output files (at least 1).
func triesOnDisk(subPath string) int {
	m, _ := filepath.Glob(strings.TrimSuffix(subPath, ".sub") + ".out.[0-9][0-9][0-9]")
	return max(len(m), 1)
}

// holdEntry is one hold reason of a node in the DAGMan log.
type holdEntry struct{ sched, reason string }

// readHoldReasons collects, for the nodes wanted, the hold reasons the
// DAGMan log records after each ULOG_JOB_HELD event.
func readHoldReasons(ctx context.Context, path string, wanted map[string]bool) (map[string][]holdEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]holdEntry{}
	dc := ingest.DagmanClassifier{Clock: &ingest.Clock{}}
	br := bufio.NewReaderSize(f, 1<<20)
	event := []byte("ULOG_JOB_HELD")
	reason := []byte("Hold reason: ")
	pending := ""
	pendingSched := ""
	num := 0
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// An over-long line: skip the rest of it.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		num++
		if num&65535 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
		}
		if bytes.Contains(line, event) || (pending != "" && bytes.Contains(line, reason)) {
			dl := dc.Classify(bytes.TrimRight(line, "\r\n"), num)
			switch {
			case dl.Kind == ingest.LineULog && dl.Name == "JOB_HELD":
				pending, pendingSched = "", ""
				if wanted[dl.Node] {
					pending, pendingSched = dl.Node, dl.Sched
				}
			case dl.Kind == ingest.LineHoldReason && pending != "":
				out[pending] = append(out[pending], holdEntry{sched: pendingSched, reason: dl.Text})
				pending = ""
			}
		}
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
	}
}

// fileCtx resolves the files of a submit directory.
type fileCtx struct {
	dir      string // the directory read
	recorded string // the submit directory the planner recorded
	given    string
	strict   bool
	parsers  sync.Pool // of *ksrecord.Parser: their buffers are reused
}

// fill reads what the files say about one try of a job.
func (fc *fileCtx) fill(ji *JobInstance, j *fjob, t *ftry, holds []holdEntry) {
	ji.Name, ji.State, ji.Try = j.name, t.state, t.n
	if ji.State == "" {
		ji.State = j.state
	}
	ji.InstanceID = int64(t.seq)
	ji.Site, ji.Hostname, ji.WorkDir = orDash(t.site), "-", "-"
	ji.SubmitFile, ji.StdoutFile, ji.StderrFile = "-", "-", "-"
	ji.Executable, ji.Argv, ji.PreExe, ji.PreArgv = "-", "-", "-", "-"
	ji.SubmitDir, ji.SubwfDir = fc.recorded, "-"
	if ji.SubmitDir == "" {
		ji.SubmitDir = fc.dir
	}
	ji.StdoutText, ji.StderrText = "-", "-"
	ji.Held, ji.Aborted = t.held, t.aborted
	for _, h := range holds {
		if h.sched == t.sched || t.sched == "" {
			ji.HoldReasons = append(ji.HoldReasons, h.reason)
		}
	}
	if t.jobExit != nil {
		ji.RawExit, ji.HasRawExit = regularToRaw(*t.jobExit), true
	}
	if t.post != nil {
		ji.Post = &Task{Seq: -2, Exit: DecodeRaw(regularToRaw(*t.post)), Transformation: "dagman::post", Executable: "-", Arguments: "-"}
	}
	if j.node == nil {
		ji.Notes = append(ji.Notes, "the job is not in the DAG file")
		return
	}
	subRel := j.node.SubmitFile
	ji.SubmitFile = pyJoin(fc.shown(), subRel)
	subPath := filepath.Join(fc.dir, subRel)
	if pre := j.node.Pre; pre != nil {
		ji.PreExe, ji.PreArgv = pre.Executable, orDash(strings.TrimSpace(pre.Args))
		if t.pre != nil {
			ji.Tasks = append(ji.Tasks, Task{Key: "0", Seq: -1, Exit: DecodeRaw(regularToRaw(*t.pre)), Executable: ji.PreExe,
				Arguments: ji.PreArgv, Transformation: "dagman::pre", AbsTaskID: "-", Site: "-", Hostname: "-", Cwd: "-"})
		}
	}
	var sub *ingest.SubmitFile
	if j.node.Kind != "SUBDAG" {
		s, err := ingest.ReadSubmitFile(subPath)
		if err != nil {
			ji.Notes = append(ji.Notes, "could not read the submit file: "+oneLine(err))
		} else {
			sub = s
		}
	}
	initialDir := ""
	if sub != nil {
		if v, ok := sub.Attr("pegasus_site"); ok && ji.Site == "-" {
			ji.Site = v
		}
		if v, ok := sub.Get("executable"); ok {
			ji.Executable = v
		}
		if v, ok := sub.ArgumentsRaw(); ok && strings.TrimSpace(v) != "" {
			ji.Argv = strings.TrimSpace(v)
		}
		if v, ok := sub.Attr("pegasus_wf_xformation"); ok {
			ji.TypeDesc = v
		}
		if v, ok := sub.Get("initialdir"); ok {
			initialDir = fc.local(v)
		}
		if filepath.Base(ji.Executable) == "condor_dagman" {
			j.subwf = true
		}
	}

	// A sub-workflow job: where its workflow is.
	if j.subwf {
		ji.SubwfDir = fc.subworkflowDir(j, sub, t)
	}

	// The PRE script's log, for a failed PRE script.
	if strings.HasPrefix(t.state, "PRE_SCRIPT_FAIL") && j.node.Pre != nil {
		if base := preLogBase(j.node.Pre.Args); base != "" {
			p := fmt.Sprintf("%s.%03d", fc.local(base), t.n-1)
			if txt, err := readTail(p, maxText); err == nil {
				ji.PreLog, ji.PreLogFile = txt, fc.display(p)
			} else {
				ji.Notes = append(ji.Notes, "could not read the PRE script log: "+oneLine(err))
			}
		}
		return
	}
	if j.node.Kind == "SUBDAG" || t.state == "UNSUBMITTED" || t.seq == 0 && t.sched == "" && t.state == "" {
		return
	}
	if j.subwf {
		// A DAGMan job: no kickstart record; its .err may say something.
		errPath := rotated(strings.TrimSuffix(subPath, ".sub")+".err", t.n-1, j.node.Post != nil)
		if txt, err := readTail(errPath, maxText); err == nil && strings.TrimSpace(txt) != "" {
			ji.JobStderr, ji.StderrFile = txt, fc.display(errPath)
		}
		return
	}

	// The job's .out and .err, with the try's number.
	outBase := strings.TrimSuffix(subPath, ".sub") + ".out"
	errBase := strings.TrimSuffix(subPath, ".sub") + ".err"
	if !strings.HasSuffix(subPath, ".sub") {
		outBase, errBase = filepath.Join(filepath.Dir(subPath), j.name+".out"), filepath.Join(filepath.Dir(subPath), j.name+".err")
	}
	if fc.strict && sub != nil {
		if v, ok := sub.Get("output"); ok {
			outBase = fc.strictPath(v, j, t, initialDir)
		}
		if v, ok := sub.Get("error"); ok {
			errBase = fc.strictPath(v, j, t, initialDir)
		}
	}
	rotates := j.node.Post != nil
	outPath := rotated(outBase, t.n-1, rotates)
	errPath := rotated(errBase, t.n-1, rotates)
	ji.StdoutFile, ji.StderrFile = fc.display(outPath), fc.display(errPath)

	if txt, err := readTail(errPath, maxText); err == nil {
		ji.JobStderr = txt
	} else if !errors.Is(err, fs.ErrNotExist) || t.finished {
		ji.Notes = append(ji.Notes, "could not read the job's stderr: "+oneLine(err))
	}
	kp, _ := fc.parsers.Get().(*ksrecord.Parser)
	if kp == nil {
		kp = ksrecord.NewParser()
	}
	ks, err := kp.ParseFile(outPath)
	fc.parsers.Put(kp)
	switch {
	case err == nil && len(ks.Records) > 0:
		ji.Record = true
		fc.records(ji, ks)
	case err == nil:
		// No record: the file is the job's stdout.
		if txt, err := readTail(outPath, maxText); err == nil && strings.TrimSpace(txt) != "" {
			ji.StdoutText = strings.TrimSpace(txt)
		}
		if strings.TrimSpace(ji.JobStderr) != "" {
			ji.StderrText = strings.TrimSpace(ji.JobStderr)
		}
		if t.finished && !t.aborted && !t.held {
			ji.Notes = append(ji.Notes, "no kickstart record in "+ji.StdoutFile)
		}
	case errors.Is(err, fs.ErrNotExist):
		if !t.aborted {
			ji.Notes = append(ji.Notes, "the job's output file "+ji.StdoutFile+" does not exist: no kickstart record to read")
		}
		if strings.TrimSpace(ji.JobStderr) != "" {
			ji.StderrText = strings.TrimSpace(ji.JobStderr)
		}
	default:
		ji.Notes = append(ji.Notes, "could not read the kickstart record: "+oneLine(err))
		if txt, err := readTail(outPath, maxText); err == nil && strings.TrimSpace(txt) != "" {
			ji.StdoutText = strings.TrimSpace(txt)
		}
		if strings.TrimSpace(ji.JobStderr) != "" {
			ji.StderrText = strings.TrimSpace(ji.JobStderr)
		}
	}
}

// records turns kickstart records into tasks numbered 1..n; the failing
// record (else the first) gives the try's host, directory and texts.
func (fc *fileCtx) records(ji *JobInstance, ks *ksrecord.File) {
	pick := -1
	for i := range ks.Records {
		r := &ks.Records[i]
		t := Task{Key: strconv.Itoa(i + 1), Seq: i + 1, Executable: orDash(r.Executable), Arguments: "-",
			Transformation: r.Transformation, AbsTaskID: "-", Hostname: orDash(r.Hostname), Site: orDash(r.Resource), Cwd: orDash(r.Cwd)}
		switch {
		case r.HasFailure:
			t.Exit = Exit{Raw: -1, Launch: true}
		case r.HasRaw:
			t.Exit = DecodeRaw(r.Raw)
		case r.Signalled:
			t.Exit = Exit{Signal: r.Signal, Raw: r.Signal}
		case r.HasExit:
			t.Exit = Exit{Code: r.ExitCode, Raw: r.ExitCode << 8}
		}
		if len(r.Argv) > 0 {
			t.Arguments = strings.Join(r.Argv, " ")
		}
		if r.HasDerivation && r.Derivation != "" && r.Derivation != "null" {
			t.AbsTaskID = r.Derivation
		}
		if r.HasStdout {
			t.Stdout, _ = ksrecord.SplitPayloads(r.Stdout)
		}
		if r.HasStderr {
			t.Stderr, _ = ksrecord.SplitPayloads(r.Stderr)
			if r.Signalled && ks.Format == "xml" {
				t.Stderr = "Job was " + r.SignalName + " with signal " + strconv.Itoa(r.Signal) + t.Stderr
			}
		}
		if r.HasFailure && r.Failure != "" && t.Stderr == "" {
			t.Stderr = r.Failure
		}
		if pick < 0 && (!t.Exit.OK() || r.HasFailure) {
			pick = i
		}
		ji.Tasks = append(ji.Tasks, t)
	}
	first := 0
	if pick >= 0 {
		first = pick
	}
	t := &ji.Tasks[first]
	ji.Hostname, ji.WorkDir = t.Hostname, t.Cwd
	if t.Site != "-" {
		ji.Site = t.Site
	}
	if pick >= 0 {
		ji.StdoutText = orDash(strings.TrimSpace(t.Stdout))
		ji.StderrText = orDash(strings.TrimSpace(t.Stderr))
	}
}

// shown is the directory as paths are shown: the one given.
func (fc *fileCtx) shown() string {
	if fc.given != "" {
		return fc.given
	}
	return fc.dir
}

// display shows a path under the directory read as under the one given.
func (fc *fileCtx) display(p string) string {
	if rel, err := filepath.Rel(fc.dir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return pyJoin(fc.shown(), rel)
	}
	return p
}

// local maps a path recorded on the planning machine into the directory
// read (submit directories get moved).
func (fc *fileCtx) local(p string) string {
	if fc.recorded != "" {
		rc := filepath.Clean(fc.recorded)
		if c := filepath.Clean(p); strings.HasPrefix(c, rc+string(filepath.Separator)) {
			return filepath.Join(fc.dir, c[len(rc)+1:])
		}
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(fc.dir, p)
	}
	return p
}

// strictPath resolves a submit file's output/error value: $(cluster),
// $(process) and the node's VARS substituted, other macros removed,
// relative to initialdir (else the submit directory).
func (fc *fileCtx) strictPath(v string, j *fjob, t *ftry, initialDir string) string {
	v = ingest.Unquote(strings.TrimSpace(v))
	cluster, proc, _ := strings.Cut(t.sched, ".")
	vars := map[string]string{"cluster": cluster, "process": proc}
	if j.node != nil {
		for _, kv := range j.node.Vars {
			vars[strings.ToLower(kv.Key)] = kv.Value
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(v, "$(")
		if i < 0 {
			b.WriteString(v)
			break
		}
		end := strings.IndexByte(v[i:], ')')
		if end < 0 {
			b.WriteString(v)
			break
		}
		b.WriteString(v[:i])
		b.WriteString(vars[strings.ToLower(v[i+2:i+end])])
		v = v[i+end+1:]
	}
	p := b.String()
	if !filepath.IsAbs(p) && initialDir != "" {
		return filepath.Join(initialDir, p)
	}
	return fc.local(p)
}

// subworkflowDir finds the submit directory of a sub-workflow job's
// workflow: the directory of the _CONDOR_DAGMAN_LOG its submit file sets
// (else its initialdir, else the SUBDAG's DIR), with the try's number when
// the planner made one directory per try.
func (fc *fileCtx) subworkflowDir(j *fjob, sub *ingest.SubmitFile, t *ftry) string {
	dir := ""
	if sub != nil {
		for _, kv := range sub.Environment() {
			if kv.Key == "_CONDOR_DAGMAN_LOG" {
				dir = filepath.Dir(fc.local(kv.Value))
			}
		}
		if v, ok := sub.Get("initialdir"); ok && dir == "" {
			dir = fc.local(v)
		}
	}
	if dir == "" && j.node.Dir != "" {
		dir = fc.local(j.node.Dir)
	}
	if dir == "" {
		return "-"
	}
	if n := max(t.n-1, 0); dirExists(fmt.Sprintf("%s.%03d", dir, n)) {
		dir = fmt.Sprintf("%s.%03d", dir, n)
	} else if dirExists(dir + ".000") {
		dir += ".000"
	}
	return fc.display(dir)
}

// recurse adds the workflows of failed sub-workflow jobs that ran (a
// failed PRE script planned none), at any depth, each after its parent.
func (fr *filesReader) recurse(ctx context.Context, r *Report, w *Workflow, seen map[string]bool) error {
	for _, ji := range w.Failed {
		if ji.SubwfDir == "" || ji.SubwfDir == "-" || strings.HasPrefix(ji.State, "PRE_SCRIPT") {
			continue
		}
		dir := ji.SubwfDir
		if !dirExists(dir) {
			ji.Notes = append(ji.Notes, "the sub-workflow's directory "+dir+" does not exist")
			continue
		}
		if seen[filepath.Clean(dir)] {
			continue
		}
		seen[filepath.Clean(dir)] = true
		child, err := fr.workflow(ctx, dir, "", dir)
		if err != nil {
			ji.Notes = append(ji.Notes, "could not analyse the sub-workflow in "+dir+": "+oneLine(err))
			continue
		}
		child.Key, child.Via, child.ParentUUID, child.ParentName = child.UUID, ji.Name, w.UUID, w.Name
		if child.Key == "-" {
			child.Key = dir
		}
		ji.SubwfUUID = child.UUID
		explainSubworkflow(ji, child)
		r.Workflows = append(r.Workflows, child)
		if err := fr.recurse(ctx, r, child, seen); err != nil {
			return err
		}
	}
	return nil
}

// preLogBase finds the -Dpegasus.log.*=<path> argument of a PRE script.
func preLogBase(args string) string {
	for _, f := range strings.Fields(args) {
		if strings.HasPrefix(f, "-Dpegasus.log.") {
			if _, v, ok := strings.Cut(f, "="); ok {
				return v
			}
		}
	}
	return ""
}

// rotated returns the file of try n+1: base.NNN when the job's POST script
// rotates the files (NNN = n, whether or not the file exists: an older
// try's file would be the wrong one), else base, else the highest base.NNN.
func rotated(base string, n int, rotates bool) string {
	want := fmt.Sprintf("%s.%03d", base, n)
	if rotates || fileExists(want) {
		return want
	}
	if fileExists(base) {
		return base
	}
	if m, _ := filepath.Glob(base + ".[0-9][0-9][0-9]"); len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1]
	}
	return base
}

// readTail reads a text file, keeping its last n bytes.
func readTail(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return "", fmt.Errorf("%s: is a directory", path)
	}
	if fi.Size() > n {
		if _, err := f.Seek(fi.Size()-n, io.SeekStart); err != nil {
			return "", err
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return "", err
	}
	if fi.Size() > n {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b), nil
}

func regularToRaw(code int) int {
	if code < 0 {
		return -code & 0x7f
	}
	return code << 8
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func modTime(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.ModTime().UnixNano()
}

// pyJoin joins like Python's os.path.join: "." + "a/b" is "./a/b".
func pyJoin(dir, p string) string {
	if filepath.IsAbs(p) || dir == "" {
		return p
	}
	if strings.HasSuffix(dir, "/") {
		return dir + p
	}
	return dir + "/" + p
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

// parallel runs fn(0..n-1) on a few goroutines, stopping early when ctx is
// cancelled.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	workers := min(runtime.GOMAXPROCS(0)*2, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if i&255 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			fn(i)
		}
		return nil
	}
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	var err error
	for i := 0; i < n; i++ {
		if i&255 == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return err
}
