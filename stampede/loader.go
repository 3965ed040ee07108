package stampede

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2/mapping"

	"github.com/pegasus-go/pegasus/ingest"
)

// LoadStats counts what a load wrote.
type LoadStats struct {
	Workflows    int
	Jobs         int
	JobInstances int
	Invocations  int
	JobStates    int
	Events       int64
}

// Load runs produce inside one transaction: every batch of events it passes to
// the sink is written to the database, and the transaction commits only if
// produce returns nil. A workflow already in the database is replaced (its
// rows, and those of its sub-workflows, are deleted first), so loading a run
// twice never duplicates rows. On any error the database is left as it was.
func (db *DB) Load(ctx context.Context, produce func(sink func([]*ingest.Event) error) error) (LoadStats, error) {
	return db.load(ctx, produce, false)
}

// load is Load; appenderOnly writes through duckdb-go's Appender even when
// data chunks could be written directly (tests compare the two).
func (db *DB) load(ctx context.Context, produce func(sink func([]*ingest.Event) error) error, appenderOnly bool) (LoadStats, error) {
	if db.readOnly {
		return LoadStats{}, fmt.Errorf("%s: opened read-only", db.Path)
	}
	dc, err := db.rawConn(ctx)
	if err != nil {
		return LoadStats{}, err
	}
	defer dc.Close()
	l := &loader{ctx: ctx, dc: dc, wfs: map[string]*wfState{}, hosts: map[hostKey]int64{}, appenderOnly: appenderOnly}
	if err := l.begin(); err != nil {
		return LoadStats{}, err
	}
	committed := false
	defer func() {
		if !committed {
			l.rollback()
		}
	}()
	if err := produce(l.add); err != nil {
		return l.stats, err
	}
	if err := ctx.Err(); err != nil {
		return l.stats, err
	}
	if err := l.commit(); err != nil {
		return l.stats, err
	}
	committed = true
	return l.stats, nil
}

type hostKey struct {
	root               int64
	site, hostname, ip string
}

type instKey struct {
	job string
	seq int
}

type wfState struct {
	id      int64
	root    int64
	uuid    string
	jobs    map[string]int64
	tasks   map[string]int64
	taskRow map[int64]*taskRow
	order   []int64
	bySeq   []*instRow           // job instances by job_submit_seq, which the tracker numbers per workflow
	insts   map[instKey]*instRow // the others (a seq out of range or taken by another job)
	lastKey instKey              // the instance of the previous job event
	last    *instRow             // (a job's events tend to come together)
}

type taskRow struct {
	id             int64
	jobID          int64
	hasJob         bool
	absID          string
	transformation string
	argv           opt[string]
	typeDesc       string
}

// instRow is a job instance's row while its events come. Its optional
// columns are values with a flag, not pointers: a row costs one allocation,
// not one per column set.
type instRow struct {
	id, jobID  int64
	job        string // exec_job_id
	seq        int
	hostID     opt[int64]
	sched      opt[string]
	site       opt[string]
	user       opt[string]
	workDir    opt[string]
	clStart    opt[float64]
	clDur      opt[float64]
	localDur   opt[float64]
	subwf      opt[int64]
	stdoutFile opt[string]
	stdoutText opt[string]
	stderrFile opt[string]
	stderrText opt[string]
	stdinFile  opt[string]
	mult       int
	exit       opt[int64]
	written    bool
}

// opt is a value that may be absent (a NULL column).
type opt[T any] struct {
	v  T
	ok bool
}

func some[T any](v T) opt[T] { return opt[T]{v, true} }

// value is the column's value for database/sql: nil when absent.
func (o opt[T]) value() any {
	if !o.ok {
		return nil
	}
	return o.v
}

type loader struct {
	ctx          context.Context
	dc           driver.Conn
	cconn        mapping.Connection // dc's C handle, when direct
	direct       bool               // write data chunks through cconn
	appenderOnly bool               // never direct
	reset        string             // SQL putting back the DuckDB settings of before the load
	tabs         [numTables]*tbuf   // row buffers of this transaction
	next         [numTables]int64   // next surrogate key per table
	used         [numTables]bool    // tables that got a key in this transaction
	wfs          map[string]*wfState
	lastWf       *wfState // the one wf last returned
	hosts        map[hostKey]int64
	stats        LoadStats
	rc           *replicas // replica rows of this transaction
	w            *writer   // writes full chunks
}

func (l *loader) exec(q string, args ...any) error {
	if err := l.sync(); err != nil {
		return err
	}
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	_, err := l.dc.(driver.ExecerContext).ExecContext(l.ctx, q, nv)
	if err != nil {
		return fmt.Errorf("%s: %w", firstLine(q), err)
	}
	return nil
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i > 0 {
		q = q[:i]
	}
	if len(q) > 60 {
		q = q[:60] + "..."
	}
	return q
}

// queryInts runs a query returning one row of integers.
func (l *loader) queryRow(q string, dest ...*int64) error {
	if err := l.sync(); err != nil {
		return err
	}
	rows, err := l.dc.(driver.QueryerContext).QueryContext(l.ctx, q, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", firstLine(q), err)
	}
	defer rows.Close()
	vals := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(vals); err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	for i := range dest {
		switch v := vals[i].(type) {
		case int64:
			*dest[i] = v
		case int32:
			*dest[i] = int64(v)
		case nil:
			*dest[i] = 0
		default:
			n, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
			*dest[i] = n
		}
	}
	return nil
}

// keyColumns are the surrogate keys the loader assigns.
var keyColumns = []struct {
	t   tableID
	col string
}{
	{tWorkflow, "wf_id"}, {tHost, "host_id"}, {tJob, "job_id"}, {tJobInstance, "job_instance_id"},
	{tTag, "tag_id"}, {tTask, "task_id"}, {tInvocation, "invocation_id"}, {tIntegrity, "integrity_id"},
	{tRCLFN, "lfn_id"}, {tRCPFN, "pfn_id"},
}

// nextIDs sets the next key of each table above the largest in the database
// (another writer may have added rows since our last transaction).
func (l *loader) nextIDs() error {
	for _, kv := range keyColumns {
		var n int64
		if err := l.queryRow(fmt.Sprintf("SELECT coalesce(max(%s), 0) FROM %s", kv.col, kv.t), &n); err != nil {
			return err
		}
		if n+1 > l.next[kv.t] {
			l.next[kv.t] = n + 1
		}
	}
	return nil
}

func (l *loader) begin() error {
	// DuckDB works on one thread for the whole load. Its own work here
	// (storing appended chunks, compressing full row groups, the
	// checkpoint at COMMIT) runs one task at a time anyway, and a second
	// thread only spins waiting for the first while the parsers need the
	// core. With one thread there is nothing to gain from buffering full
	// row groups to write several at once (DuckDB's default is five), so
	// each is compressed and written as soon as it is full, while events
	// still come, instead of being left for the COMMIT. The settings are
	// put back when the load ends.
	var threads, buffered int64
	if err := l.queryRow("SELECT current_setting('threads'), current_setting('write_buffer_row_group_count')", &threads, &buffered); err != nil {
		return err
	}
	l.reset = ""
	set, reset := "", ""
	if threads > 1 {
		set += "SET threads = 1;"
		reset += fmt.Sprintf("SET threads = %d;", threads)
	}
	if buffered != 1 {
		set += "SET write_buffer_row_group_count = 1;"
		reset += fmt.Sprintf("SET write_buffer_row_group_count = %d;", buffered)
	}
	if set != "" {
		if err := l.exec(set); err != nil {
			return err
		}
		l.reset = reset
	}
	if err := l.exec("BEGIN TRANSACTION"); err != nil {
		l.resetSettings()
		return err
	}
	l.cconn, l.direct = cConnection(l.dc)
	l.direct = l.direct && !l.appenderOnly
	l.tabs = [numTables]*tbuf{}
	l.used = [numTables]bool{}
	if err := l.nextIDs(); err != nil {
		return err
	}
	l.beginReplicas()
	l.startWriter()
	return nil
}

func (l *loader) id(t tableID) int64 {
	l.used[t] = true
	n := l.next[t]
	l.next[t] = n + 1
	return n
}

// flush makes appended rows of a table visible to SQL statements.
func (l *loader) flush(t tableID) error {
	if b := l.tabs[t]; b != nil {
		return b.flush()
	}
	return nil
}

func (l *loader) rollback() {
	_ = l.stopWriter()
	for i, b := range l.tabs {
		if b != nil {
			_ = b.close(false)
			l.tabs[i] = nil
		}
	}
	_ = l.exec("ROLLBACK")
	l.resetSettings()
}

// resetSettings puts back the DuckDB settings begin and commit changed.
func (l *loader) resetSettings() error {
	if l.reset == "" {
		return nil
	}
	err := l.exec(l.reset)
	l.reset = ""
	return err
}

// add writes one batch of events.
func (l *loader) add(batch []*ingest.Event) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	for _, e := range batch {
		if err := l.event(e); err != nil {
			if e.Src.File != "" {
				return fmt.Errorf("%s: load %s: %w", e.Src, e.Kind, err)
			}
			return fmt.Errorf("load %s of %s: %w", e.Kind, e.Wf, err)
		}
	}
	l.stats.Events += int64(len(batch))
	return nil
}

func (l *loader) wf(uuid string) (*wfState, error) {
	// Events come in runs of one workflow's: the last one found saves
	// hashing the uuid for each.
	if l.lastWf != nil && uuid == l.lastWf.uuid {
		return l.lastWf, nil
	}
	w := l.wfs[uuid]
	if w == nil {
		return nil, fmt.Errorf("event for workflow %s before its wf.plan", uuid)
	}
	l.lastWf = w
	return w, nil
}

func (l *loader) event(e *ingest.Event) error {
	switch e.Kind {
	case ingest.JobstateLine, ingest.StaticStart, ingest.StaticMetaStart, ingest.StaticMetaEnd,
		ingest.InvStart, ingest.GridSubmitStart, ingest.GlobusSubmitStart, ingest.Composite, ingest.TaskMonitoring:
		return nil
	case ingest.WfPlan:
		return l.plan(e)
	}
	w, err := l.wf(e.Wf)
	if err != nil {
		return err
	}
	switch e.Kind {
	case ingest.StaticEnd:
		return l.writeTasks(w)
	case ingest.TaskInfo:
		t := &taskRow{id: l.id(tTask), absID: e.TaskID, transformation: e.Task.Transformation, typeDesc: e.Task.TypeDesc}
		if e.Task.HasArgv {
			t.argv = some(e.Task.Argv)
		}
		if old, ok := w.tasks[e.TaskID]; ok {
			delete(w.taskRow, old)
		}
		w.tasks[strings.Clone(e.TaskID)] = t.id // not the whole event line
		w.taskRow[t.id] = t
		w.order = append(w.order, t.id)
	case ingest.TaskEdge:
		return l.row(tTaskEdge).I(w.id).S(e.ParentID).S(e.ChildID).end()
	case ingest.JobInfo:
		j := e.JobDef
		id := l.id(tJob)
		w.jobs[strings.Clone(e.Job)] = id // not the whole event line
		l.stats.Jobs++
		r := l.row(tJob).I(id).I(w.id).S(e.Job).S(j.SubmitFile).S(typeDesc(j.TypeDesc)).B(j.Clustered).I(int64(j.MaxRetries)).S(j.Executable)
		if j.HasArgv {
			r.S(j.Argv)
		} else {
			r.N()
		}
		return r.I(int64(j.TaskCount)).end()
	case ingest.WfMapTaskJob:
		tid, ok := w.tasks[e.TaskID]
		jid, ok2 := w.jobs[e.Job]
		if ok && ok2 {
			if t := w.taskRow[tid]; t != nil {
				t.jobID, t.hasJob = jid, true
				return nil
			}
			// Task already written: update it.
			if err := l.flush(tTask); err != nil {
				return err
			}
			return l.exec("UPDATE task SET job_id = ? WHERE task_id = ?", jid, tid)
		}
	case ingest.JobEdge:
		return l.row(tJobEdge).I(w.id).S(e.ParentID).S(e.ChildID).end()
	case ingest.XwfMeta:
		return l.row(tWorkflowMeta).I(w.id).S(e.Key).S(e.Value).end()
	case ingest.TaskMeta:
		if tid, ok := w.tasks[e.TaskID]; ok {
			return l.row(tTaskMeta).I(tid).S(e.Key).S(e.Value).end()
		}
	case ingest.RCMeta:
		if err := l.rcMeta(w.id, e.LFN, e.Key, e.Value); err != nil {
			return err
		}
		for _, kv := range e.Pairs {
			if err := l.rcMeta(w.id, e.LFN, kv.Key, kv.Value); err != nil {
				return err
			}
		}
		return nil
	case ingest.RCPFN:
		return l.rcPFN(w.id, e.LFN, e.PFN, e.Site)
	case ingest.WfMapFile:
		if tid, ok := w.tasks[e.TaskID]; ok {
			return l.wfFile(w.id, tid, e.LFN)
		}
	case ingest.WfMetrics:
		return l.metrics(w, e.Metrics)
	case ingest.XwfStart:
		return l.row(tWorkflowstate).I(w.id).S("WORKFLOW_STARTED").F(e.TS).I(int64(e.RestartCount)).N().NS(e.Reason).end()
	case ingest.XwfEnd:
		return l.row(tWorkflowstate).I(w.id).S("WORKFLOW_TERMINATED").F(e.TS).I(int64(e.RestartCount)).I(int64(e.Status)).NS(e.Reason).end()
	case ingest.XwfMapSubwfJob:
		sub := l.wfs[e.SubWf]
		if sub == nil {
			return nil
		}
		ir, err := l.inst(w, e)
		if err != nil {
			return err
		}
		ir.subwf = some(sub.id)
		if ir.written {
			return l.updateInst(ir, "subwf_id", sub.id)
		}
	case ingest.HostInfo:
		h := e.Host
		k := hostKey{w.root, h.Site, h.Hostname, h.IP}
		id, ok := l.hosts[k]
		if !ok {
			id = l.id(tHost)
			l.hosts[k] = id
			r := l.row(tHost).I(id).I(w.root).S(h.Site).S(h.Hostname).S(h.IP)
			if h.HasUname {
				r.S(h.Uname)
			} else {
				r.N()
			}
			if h.HasMemory {
				r.I(h.TotalMemory)
			} else {
				r.N()
			}
			if err := r.end(); err != nil {
				return err
			}
		}
		ir, err := l.inst(w, e)
		if err != nil {
			return err
		}
		ir.hostID = some(id)
		if ir.written {
			return l.updateInst(ir, "host_id", id)
		}
	case ingest.InvEnd:
		ir, err := l.inst(w, e)
		if err != nil {
			return err
		}
		v := e.Inv
		l.stats.Invocations++
		r := l.row(tInvocation).I(l.id(tInvocation)).I(w.id).I(ir.id).I(int64(v.TaskSeq)).F(v.StartTime).F(v.Duration)
		if v.HasCPUTime {
			r.F(v.CPUTime)
		} else {
			r.N()
		}
		r.I(int64(e.ExitCode)).S(v.Transformation).S(v.Executable)
		if v.HasArgv {
			r.S(escapeArgv(v.Argv))
		} else {
			r.N()
		}
		if v.HasTaskID {
			r.S(v.TaskID)
		} else {
			r.N()
		}
		if v.HasMaxRSS {
			r.I(v.MaxRSS)
		} else {
			r.N()
		}
		if v.HasAvgCPU {
			r.F(v.AvgCPU)
		} else {
			r.N()
		}
		return r.end()
	case ingest.IntMetric:
		ir, err := l.inst(w, e)
		if err != nil {
			return err
		}
		m := e.Metric
		return l.row(tIntegrity).I(l.id(tIntegrity)).I(w.id).I(ir.id).S(m.Type).NS(m.FileType).I(int64(m.Count)).F(m.Duration).end()
	case ingest.Tag:
		ir, err := l.inst(w, e)
		if err != nil {
			return err
		}
		return l.row(tTag).I(l.id(tTag)).I(w.id).I(ir.id).S(e.Name).I(int64(e.Count)).end()
	default:
		if e.Kind.IsJobInst() {
			return l.jobState(w, e)
		}
	}
	return nil
}

// escapeArgv applies Pegasus's loader escaping of invocation argv: backslashes
// and single quotes are backslash-escaped.
func escapeArgv(s string) string {
	if !strings.ContainsAny(s, `\'`) {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return r.Replace(s)
}

var typeDescs = map[string]bool{"unknown": true, "compute": true, "stage-in-tx": true, "stage-out-tx": true,
	"registration": true, "inter-site-tx": true, "create-dir": true, "staged-compute": true, "cleanup": true,
	"chmod": true, "dax": true, "dag": true}

func typeDesc(s string) string {
	if typeDescs[s] {
		return s
	}
	return "unknown"
}

func (l *loader) plan(e *ingest.Event) error {
	p := e.Plan
	// Replace an earlier load of this workflow (and its sub-workflows).
	if err := l.deleteWorkflow(e.Wf); err != nil {
		return err
	}
	w := &wfState{id: l.id(tWorkflow), uuid: e.Wf, jobs: map[string]int64{}, tasks: map[string]int64{},
		taskRow: map[int64]*taskRow{}, insts: map[instKey]*instRow{}}
	var parent *int64
	if p.Parent != "" {
		if pw := l.wfs[p.Parent]; pw != nil {
			parent = &pw.id
		} else if id, ok, err := l.lookupWf(p.Parent); err != nil {
			return err
		} else if ok {
			parent = &id
		}
	}
	w.root = w.id
	if p.Root != "" && p.Root != e.Wf {
		if rw := l.wfs[p.Root]; rw != nil {
			w.root = rw.id
		} else if id, ok, err := l.lookupWf(p.Root); err != nil {
			return err
		} else if ok {
			w.root = id
		}
	}
	l.wfs[e.Wf] = w
	l.lastWf = nil
	l.stats.Workflows++
	return l.row(tWorkflow).I(w.id).S(e.Wf).NS(p.DagFile).F(e.TS).NS(p.SubmitHost).NS(p.SubmitDir).NS(p.Argv).
		NS(p.User).NS(p.GridDN).NS(p.PlannerVersion).NS(p.Label).NS(p.Version).NS(p.DaxFile).N().PI(parent).I(w.root).end()
}

func (l *loader) lookupWf(uuid string) (int64, bool, error) {
	if err := l.flush(tWorkflow); err != nil {
		return 0, false, err
	}
	var id int64 = -1
	q := "SELECT coalesce(max(wf_id), -1) FROM workflow WHERE wf_uuid = '" + strings.ReplaceAll(uuid, "'", "''") + "'"
	if err := l.queryRow(q, &id); err != nil {
		return 0, false, err
	}
	return id, id >= 0, nil
}

// deleteWorkflow removes every row of the workflow with this uuid and of its
// descendants.
func (l *loader) deleteWorkflow(uuid string) error {
	id, ok, err := l.lookupWf(uuid)
	if err != nil || !ok {
		return err
	}
	for _, t := range []tableID{tJob, tJobInstance, tTask, tHost} {
		if err := l.flush(t); err != nil {
			return err
		}
	}
	ids := fmt.Sprintf(`(WITH RECURSIVE d(wf_id) AS (SELECT %d UNION SELECT w.wf_id FROM workflow w JOIN d ON w.parent_wf_id = d.wf_id) SELECT wf_id FROM d)`, id)
	stmts := []string{
		`DELETE FROM jobstate WHERE job_instance_id IN (SELECT ji.job_instance_id FROM job_instance ji JOIN job j ON j.job_id = ji.job_id WHERE j.wf_id IN ` + ids + `)`,
		`DELETE FROM job_instance WHERE job_id IN (SELECT job_id FROM job WHERE wf_id IN ` + ids + `)`,
		`DELETE FROM task_meta WHERE task_id IN (SELECT task_id FROM task WHERE wf_id IN ` + ids + `)`,
	}
	for _, t := range []string{"invocation", "tag", "integrity", "job_edge", "job", "task_edge", "task", "workflow_meta",
		"workflow_metrics", "workflowstate", "workflow_files", "lfn_workflow", "host"} {
		stmts = append(stmts, `DELETE FROM `+t+` WHERE wf_id IN `+ids)
	}
	stmts = append(stmts, `DELETE FROM workflow WHERE wf_id IN `+ids)
	for _, q := range stmts {
		if err := l.exec(q); err != nil {
			return err
		}
	}
	// Keys freed by the deletion are given again to the reloaded run (in the
	// tables that got no key yet in this transaction), so a run loaded again
	// into its own database gets the same keys.
	for k := range l.next {
		if !l.used[k] {
			l.next[k] = 0
		}
	}
	return l.nextIDs()
}

func (l *loader) writeTasks(w *wfState) error {
	for _, id := range w.order {
		t := w.taskRow[id]
		if t == nil {
			continue
		}
		r := l.row(tTask).I(t.id).I(w.id)
		if t.hasJob {
			r.I(t.jobID)
		} else {
			r.N()
		}
		if err := r.S(t.absID).S(t.transformation).OS(t.argv).S(typeDesc(t.typeDesc)).end(); err != nil {
			return err
		}
		delete(w.taskRow, id)
	}
	w.order = w.order[:0]
	return nil
}

func (l *loader) metrics(w *wfState, m *ingest.PlannerMetrics) error {
	if m == nil {
		return nil
	}
	var top map[string]json.RawMessage
	_ = json.Unmarshal(m.Raw, &top)
	for _, k := range []string{"client", "version", "wf_api", "type", "start_time", "end_time", "duration", "exitcode",
		"root_wf_uuid", "wf_uuid", "data_config", "planner_args", "uses_pmc", "error"} {
		raw, ok := top[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw)
		}
		if err := l.row(tWorkflowMetrics).I(w.id).S("planner").S(k).S(s).end(); err != nil {
			return err
		}
	}
	for _, kv := range m.Counts {
		if err := l.row(tWorkflowMetrics).I(w.id).S("wf_metrics").S(kv.Key).S(kv.Value).end(); err != nil {
			return err
		}
	}
	for _, kv := range m.AppMetrics {
		if err := l.row(tWorkflowMetrics).I(w.id).S("app_metrics").S(kv.Key).S(kv.Value).end(); err != nil {
			return err
		}
	}
	return nil
}

// inst returns the row of the event's job instance, creating it if needed.
func (l *loader) inst(w *wfState, e *ingest.Event) (*instRow, error) {
	if w.last != nil && e.Inst == w.lastKey.seq && e.Job == w.lastKey.job {
		return w.last, nil
	}
	k := instKey{e.Job, e.Inst}
	if e.Inst > 0 && e.Inst < len(w.bySeq) {
		if ir := w.bySeq[e.Inst]; ir != nil && ir.job == e.Job {
			w.last, w.lastKey = ir, k
			return ir, nil
		}
	}
	if ir := w.insts[k]; ir != nil {
		w.last, w.lastKey = ir, k
		return ir, nil
	}
	jid, ok := w.jobs[e.Job]
	if !ok {
		// A node the static events did not describe: record it as unknown.
		jid = l.id(tJob)
		w.jobs[e.Job] = jid
		if err := l.row(tJob).I(jid).I(w.id).S(e.Job).S("").S("unknown").B(false).I(0).S("").N().I(0).end(); err != nil {
			return nil, err
		}
	}
	ir := &instRow{id: l.id(tJobInstance), jobID: jid, job: e.Job, seq: e.Inst, mult: 1}
	switch {
	case e.Inst > 0 && e.Inst < len(w.bySeq) && w.bySeq[e.Inst] == nil:
		w.bySeq[e.Inst] = ir
	case e.Inst >= len(w.bySeq) && e.Inst <= 2*len(w.bySeq)+4096: // dense numbers only
		w.bySeq = slices.Grow(w.bySeq, e.Inst+1-len(w.bySeq))[:e.Inst+1]
		w.bySeq[e.Inst] = ir
	default:
		w.insts[k] = ir
	}
	w.last, w.lastKey = ir, k
	l.stats.JobInstances++
	return ir, nil
}

// stateNames are the jobstate names of job event kinds, on success and on
// failure.
var stateNames = [256][2]string{
	ingest.PreStart:        {"PRE_SCRIPT_STARTED", "PRE_SCRIPT_STARTED"},
	ingest.PreTerm:         {"PRE_SCRIPT_TERMINATED", "PRE_SCRIPT_TERMINATED"},
	ingest.PreEnd:          {"PRE_SCRIPT_SUCCESS", "PRE_SCRIPT_FAILED"},
	ingest.SubmitEnd:       {"SUBMIT", "SUBMIT_FAILED"},
	ingest.MainStart:       {"EXECUTE", "EXECUTE"},
	ingest.MainTerm:        {"JOB_TERMINATED", "JOB_EVICTED"},
	ingest.MainEnd:         {"JOB_SUCCESS", "JOB_FAILURE"},
	ingest.PostStart:       {"POST_SCRIPT_STARTED", "POST_SCRIPT_STARTED"},
	ingest.PostTerm:        {"POST_SCRIPT_TERMINATED", "POST_SCRIPT_TERMINATED"},
	ingest.PostEnd:         {"POST_SCRIPT_SUCCESS", "POST_SCRIPT_FAILED"},
	ingest.HeldStart:       {"JOB_HELD", "JOB_HELD"},
	ingest.HeldEnd:         {"JOB_RELEASED", "JOB_RELEASED"},
	ingest.ImageInfo:       {"IMAGE_SIZE", "IMAGE_SIZE"},
	ingest.AbortInfo:       {"JOB_ABORTED", "JOB_ABORTED"},
	ingest.GridSubmitEnd:   {"GRID_SUBMIT", "GRID_SUBMIT_FAILED"},
	ingest.GlobusSubmitEnd: {"GLOBUS_SUBMIT", "GLOBUS_SUBMIT_FAILED"},
	ingest.RemoteError:     {"REMOTE_ERROR", "REMOTE_ERROR"},
}

func (l *loader) jobState(w *wfState, e *ingest.Event) error {
	ir, err := l.inst(w, e)
	if err != nil {
		return err
	}
	if e.Sched != "" && (!ir.sched.ok || ir.sched.v != e.Sched) {
		ir.sched = some(e.Sched)
		if ir.written {
			if err := l.updateInst(ir, "sched_id", e.Sched); err != nil {
				return err
			}
		}
	}
	switch e.Kind {
	case ingest.SubmitStart:
		if e.HasSite {
			ir.site = some(e.Site)
		}
		return nil
	case ingest.MainEnd:
		d := e.End
		if e.HasSite {
			ir.site = some(e.Site)
		}
		if d != nil {
			if d.HasUser {
				ir.user = some(d.User)
			}
			if d.HasWorkDir {
				ir.workDir = some(d.WorkDir)
			}
			if d.HasLocalDuration {
				ir.localDur = some(d.LocalDuration)
			}
			if d.HasCluster {
				ir.clStart, ir.clDur = some(d.ClusterStart), some(d.ClusterDuration)
			}
			if d.StdinFile != "" {
				ir.stdinFile = some(d.StdinFile)
			}
			if d.StdoutFile != "" {
				ir.stdoutFile = some(d.StdoutFile)
			}
			if d.StderrFile != "" {
				ir.stderrFile = some(d.StderrFile)
			}
			if d.HasStdoutText {
				ir.stdoutText = some(d.StdoutText)
			}
			if d.HasStderrText {
				ir.stderrText = some(d.StderrText)
			}
			if d.Multiplier > 0 {
				ir.mult = d.Multiplier
			}
		}
		if e.HasExit {
			ir.exit = some(int64(e.ExitCode))
		}
		if ir.written {
			if err := l.rewriteInst(ir); err != nil {
				return err
			}
		}
	case ingest.PostEnd:
		if e.HasExit {
			v := e.ExitCode
			ir.exit = some(int64(v))
			if ir.written {
				if err := l.updateInst(ir, "exitcode", int64(v)); err != nil {
					return err
				}
			}
		}
	}
	var state string
	if e.Kind == ingest.OtherJobState {
		state = e.State
	} else if names := stateNames[e.Kind]; names[0] != "" {
		state = names[0]
		if e.HasStatus && e.Status != 0 {
			state = names[1]
		}
	}
	if state != "" {
		l.stats.JobStates++
		if err := l.row(tJobstate).I(ir.id).S(state).F(e.TS).I(int64(e.JS)).NS(e.Reason).end(); err != nil {
			return err
		}
	}
	if e.Last && !ir.written {
		return l.writeInst(ir)
	}
	return nil
}

func (ir *instRow) values() []driver.Value {
	return []driver.Value{ir.id, ir.jobID, ir.hostID.value(), int64(ir.seq), ir.sched.value(), ir.site.value(),
		ir.user.value(), ir.workDir.value(), ir.clStart.value(), ir.clDur.value(), ir.localDur.value(), ir.subwf.value(),
		ir.stdoutFile.value(), ir.stdoutText.value(), ir.stderrFile.value(), ir.stderrText.value(), ir.stdinFile.value(),
		int64(ir.mult), ir.exit.value()}
}

func (l *loader) writeInst(ir *instRow) error {
	ir.written = true
	r := l.row(tJobInstance).I(ir.id).I(ir.jobID).OI(ir.hostID).I(int64(ir.seq)).OS(ir.sched).OS(ir.site).
		OS(ir.user).OS(ir.workDir).OF(ir.clStart).OF(ir.clDur).OF(ir.localDur).OI(ir.subwf).
		OS(ir.stdoutFile).OS(ir.stdoutText).OS(ir.stderrFile).OS(ir.stderrText).OS(ir.stdinFile).I(int64(ir.mult)).OI(ir.exit)
	err := r.end()
	ir.release()
	return err
}

// release drops the large texts of a written row (they are in the database
// now) and copies the short strings that come from a kickstart record,
// which would otherwise keep the record's whole text alive as long as the
// row is remembered.
func (ir *instRow) release() {
	ir.stdoutText, ir.stderrText = opt[string]{}, opt[string]{}
	// One copy for the four.
	kept := [...]*opt[string]{&ir.user, &ir.workDir, &ir.site, &ir.sched}
	n := 0
	for _, p := range kept {
		if p.ok {
			n += len(p.v)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range kept {
		if p.ok {
			b.WriteString(p.v)
		}
	}
	all := b.String()
	for _, p := range kept {
		if p.ok {
			p.v, all = all[:len(p.v)], all[len(p.v):]
		}
	}
}

// updateInst changes one column of an instance already written.
func (l *loader) updateInst(ir *instRow, col string, v any) error {
	if err := l.flush(tJobInstance); err != nil {
		return err
	}
	return l.exec("UPDATE job_instance SET "+col+" = ? WHERE job_instance_id = ?", v, ir.id)
}

// rewriteInst updates an instance already written with the fields of its
// job end (texts are only set when the event carried them).
func (l *loader) rewriteInst(ir *instRow) error {
	if err := l.flush(tJobInstance); err != nil {
		return err
	}
	v := ir.values()
	cols := []string{"host_id", "sched_id", "site", "\"user\"", "work_dir", "cluster_start", "cluster_duration",
		"local_duration", "subwf_id", "stdout_file", "stdout_text", "stderr_file", "stderr_text", "stdin_file",
		"multiplier_factor", "exitcode"}
	vals := []any{v[2], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17], v[18]}
	var set []string
	var args []any
	for i, c := range cols {
		if (c == "stdout_text" || c == "stderr_text") && vals[i] == nil {
			continue // released: keep what the database has
		}
		set = append(set, c+" = ?")
		args = append(args, vals[i])
	}
	args = append(args, ir.id)
	err := l.exec("UPDATE job_instance SET "+strings.Join(set, ", ")+" WHERE job_instance_id = ?", args...)
	ir.release()
	return err
}

// trace prints how long a load step took when PEGASUS_TRACE is set.
func trace(what string, t0 time.Time) {
	if os.Getenv("PEGASUS_TRACE") != "" {
		fmt.Fprintf(os.Stderr, "%8.3fs %s\n", time.Since(t0).Seconds(), what)
	}
}

func (l *loader) commit() error {
	t0 := time.Now()
	defer trace("commit total", t0)
	// Instances still open (running jobs, or jobs whose end was not seen).
	for _, w := range l.wfs {
		if err := l.writeTasks(w); err != nil {
			return err
		}
		for _, ir := range w.bySeq {
			if ir != nil && !ir.written {
				if err := l.writeInst(ir); err != nil {
					return err
				}
			}
		}
		for _, ir := range w.insts {
			if !ir.written {
				if err := l.writeInst(ir); err != nil {
					return err
				}
			}
		}
	}
	if err := l.stopWriter(); err != nil {
		return err
	}
	trace("open instances", t0)
	for i, b := range l.tabs {
		if b == nil {
			continue
		}
		t1 := time.Now()
		err := b.close(true)
		l.tabs[i] = nil
		if err != nil {
			return fmt.Errorf("write %s: %w", b.id, err)
		}
		trace("close "+b.id.String(), t1)
	}
	if err := l.resolveReplicas(); err != nil {
		return err
	}
	// The COMMIT checkpoints: every load is followed by the database's
	// close, which would otherwise write the rows to the WAL at the COMMIT
	// (and sync it), then read them back into the file at the close (a
	// tenth of a 1,000-job replay). A big load's COMMIT checkpoints anyway
	// (its WAL is over DuckDB's threshold); if another connection has a
	// transaction open, DuckDB writes the WAL as before. A small database
	// is checkpointed without FSST and dictionary compression, as at the
	// close (see smallDatabaseJobs). The checkpoint runs on the load's
	// single DuckDB thread (see begin): with more, the committing thread
	// spins waiting for the checkpoint's tasks, which run on one worker, in
	// the same time for twice the CPU.
	var jobs int64
	if err := l.queryRow("SELECT count(*) FROM job", &jobs); err != nil {
		return err
	}
	set, reset := "SET checkpoint_threshold = '0b'", "RESET checkpoint_threshold;"
	if jobs < smallDatabaseJobs {
		set += "; " + smallDatabaseCompression
		reset += "RESET disabled_compression_methods;"
	}
	if err := l.exec(set); err != nil {
		return err
	}
	l.reset += reset // put back with begin's settings
	t1 := time.Now()
	err := l.exec("COMMIT")
	trace("COMMIT", t1)
	if rerr := l.resetSettings(); err == nil {
		err = rerr
	}
	return err
}
