package stampede

// Queries behind pegasus-plots. They work on a temporary table of the job
// tries of a scope (TryTable), one row per job instance with the times that
// split it into phases, so that every chart's data is one aggregation over a
// narrow table: a run of a million jobs gives charts from a few thousand
// numbers, never a million rows in Go (the critical path reads one pair of
// ids per job with parents, see CriticalJobs).

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// TryTable is a temporary table of the job tries of a scope, held on one
// connection of the database (temporary tables belong to a connection).
// Its methods must not be called concurrently. Close releases it.
//
// Each try is split by five times that never decrease:
//
//	First      its first jobstate event (PRE script start, or SUBMIT)
//	Submit     SUBMIT (First when missing)
//	Execute    first EXECUTE (Submit when missing)
//	Terminate  last JOB_TERMINATED or JOB_ABORTED (else the POST script's
//	           start, else the last event)
//	PostStart  POST_SCRIPT_STARTED (Terminate when missing)
//	End        the last event of the try
//
// so that [First,Submit] is DAGMan's side (PRE script, waiting for a slot
// under its limits), [Submit,Execute] the HTCondor queue, [Execute,Terminate]
// the remote run, [Terminate,PostStart] DAGMan noticing the end, and
// [PostStart,End] the POST script. Tries without any jobstate row are left
// out (they never ran).
type TryTable struct {
	db   *DB
	conn *sql.Conn
}

const tryTableSQL = `
CREATE OR REPLACE TEMP TABLE plot_try AS
SELECT wf_id, job_id, ji_id, seq, host_id, exitcode, first_ts, sub, exe, term, pstart,
	greatest(last_ts, pstart) AS last_ts
FROM (
	SELECT wf_id, job_id, ji_id, seq, host_id, exitcode, first_ts, last_ts, sub, exe, term,
		greatest(coalesce(post0, term), term) AS pstart
	FROM (
		SELECT wf_id, job_id, ji_id, seq, host_id, exitcode, first_ts, last_ts, post0, sub, exe,
			greatest(coalesce(term0, post0, last_ts), exe) AS term
		FROM (
			SELECT wf_id, job_id, ji_id, seq, host_id, exitcode, first_ts, last_ts, post0, term0, sub,
				greatest(coalesce(exe0, sub), sub) AS exe
			FROM (
				SELECT j.wf_id, ji.job_id, ji.job_instance_id AS ji_id, ji.job_submit_seq AS seq, ji.host_id,
					ji.exitcode, s.first_ts, s.last_ts, s.post0, s.term0, s.exe0,
					greatest(coalesce(s.sub0, s.first_ts), s.first_ts) AS sub
				FROM job_instance ji JOIN job j ON j.job_id = ji.job_id
				JOIN (
					SELECT job_instance_id, min(timestamp) AS first_ts, max(timestamp) AS last_ts,
						min(timestamp) FILTER (WHERE state = 'SUBMIT') AS sub0,
						min(timestamp) FILTER (WHERE state = 'EXECUTE') AS exe0,
						max(timestamp) FILTER (WHERE state IN ('JOB_TERMINATED', 'JOB_ABORTED')) AS term0,
						min(timestamp) FILTER (WHERE state = 'POST_SCRIPT_STARTED') AS post0
					FROM jobstate %[2]s GROUP BY job_instance_id
				) s ON s.job_instance_id = ji.job_instance_id
				WHERE %[1]s))))`

// NewTryTable builds the try table of the workflows of s.
func (db *DB) NewTryTable(ctx context.Context, s Scope) (*TryTable, error) {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", db.Path, err)
	}
	t := &TryTable{db: db, conn: conn}
	// When the scope is the whole database, jobstate needs no filter.
	var others int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM workflow WHERE NOT (`+s.in("wf_id")+`)`).Scan(&others); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", db.Path, err)
	}
	jsFilter := ""
	if others > 0 {
		jsFilter = `WHERE job_instance_id IN (SELECT ji.job_instance_id FROM job_instance ji JOIN job j ON j.job_id = ji.job_id WHERE ` +
			s.in("j.wf_id") + `)`
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(tryTableSQL, s.in("j.wf_id"), jsFilter)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: job tries: %w", db.Path, err)
	}
	return t, nil
}

// Close drops the table and gives the connection back.
func (t *TryTable) Close() error {
	_, err := t.conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS plot_try`)
	if cerr := t.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// WorkflowSpan is when a workflow ran and how many tries it has.
type WorkflowSpan struct {
	WfID int64
	// First and Last are the first and last jobstate events of its tries
	// (valid when Tries > 0).
	First, Last float64
	// Started is the first WORKFLOW_STARTED, Ended the last
	// WORKFLOW_TERMINATED (NULL when the workflow has none).
	Started, Ended sql.NullFloat64
	// Restarts is the number of WORKFLOW_STARTED rows beyond the first
	// (rescue DAGs).
	Restarts int64
	// Tries and Jobs count the tries and the jobs with tries; FailedTries
	// the tries with a non-zero exit code.
	Tries, Jobs, FailedTries int64
	// AllJobs counts every job of the workflow, tried or not.
	AllJobs int64
}

// Start is when the workflow started: its first WORKFLOW_STARTED, or its
// first job event when that is earlier or there is none.
func (w WorkflowSpan) Start() float64 {
	switch {
	case w.Started.Valid && w.Tries > 0:
		return math.Min(w.Started.Float64, w.First)
	case w.Started.Valid:
		return w.Started.Float64
	}
	return w.First
}

// End is when the workflow ended: its last WORKFLOW_TERMINATED, or its last
// job event when that is later or there is none.
func (w WorkflowSpan) End() float64 {
	switch {
	case w.Ended.Valid && w.Tries > 0:
		return math.Max(w.Ended.Float64, w.Last)
	case w.Ended.Valid:
		return w.Ended.Float64
	case w.Tries > 0:
		return w.Last
	}
	return w.Start()
}

// Spans returns the span of every workflow of the table's scope that has
// tries, jobs or workflow states.
func (t *TryTable) Spans(ctx context.Context, s Scope) (map[int64]WorkflowSpan, error) {
	out := map[int64]WorkflowSpan{}
	rows, err := t.conn.QueryContext(ctx, `
		WITH tr AS (SELECT wf_id, min(first_ts) AS f, max(last_ts) AS l, count(*) AS n, count(DISTINCT job_id) AS jobs,
				count(*) FILTER (WHERE exitcode <> 0) AS failed FROM plot_try GROUP BY wf_id),
			ws AS (SELECT wf_id, min(timestamp) FILTER (WHERE state = 'WORKFLOW_STARTED') AS s,
				max(timestamp) FILTER (WHERE state = 'WORKFLOW_TERMINATED') AS e,
				greatest(count(*) FILTER (WHERE state = 'WORKFLOW_STARTED') - 1, 0) AS restarts
				FROM workflowstate WHERE `+s.in("wf_id")+` GROUP BY wf_id),
			jb AS (SELECT wf_id, count(*) AS n FROM job WHERE `+s.in("wf_id")+` GROUP BY wf_id)
		SELECT w.wf_id, coalesce(tr.f, 0), coalesce(tr.l, 0), ws.s, ws.e, coalesce(ws.restarts, 0),
			coalesce(tr.n, 0), coalesce(tr.jobs, 0), coalesce(tr.failed, 0), coalesce(jb.n, 0)
		FROM workflow w LEFT JOIN tr ON tr.wf_id = w.wf_id LEFT JOIN ws ON ws.wf_id = w.wf_id
			LEFT JOIN jb ON jb.wf_id = w.wf_id
		WHERE `+s.in("w.wf_id"))
	if err != nil {
		return nil, fmt.Errorf("%s: workflow spans: %w", t.db.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var w WorkflowSpan
		if err := rows.Scan(&w.WfID, &w.First, &w.Last, &w.Started, &w.Ended, &w.Restarts,
			&w.Tries, &w.Jobs, &w.FailedTries, &w.AllJobs); err != nil {
			return nil, err
		}
		out[w.WfID] = w
	}
	return out, rows.Err()
}

// Try is one job try with its phase times (see TryTable).
type Try struct {
	WfID, JobID, InstanceID int64
	Job, Type               string // exec_job_id, type_desc
	Seq                     int    // job_submit_seq
	Host                    string // "" when unknown
	// Transformation is the comma-joined distinct transformations of its
	// invocations, PRE and POST scripts left out ("" when none).
	Transformation string
	Exitcode       sql.NullInt64 // raw; NULL while running

	First, Submit, Execute, Terminate, PostStart, End float64
	// Kickstart is the remote run as kickstart saw it: the first task's
	// start and the sum of the tasks' durations (NULL without records).
	KickstartStart, KickstartDuration sql.NullFloat64
}

// Failed reports whether the try ended with a non-zero exit code.
func (t Try) Failed() bool { return t.Exitcode.Valid && t.Exitcode.Int64 != 0 }

// Tries lists the tries of workflow wfID in submit order (only those of
// jobIDs when it is not nil).
func (t *TryTable) Tries(ctx context.Context, wfID int64, jobIDs []int64) ([]Try, error) {
	filter := ""
	if jobIDs != nil {
		filter = "AND " + Scope(jobIDs).in("t.job_id")
	}
	rows, err := t.conn.QueryContext(ctx, `
		WITH t AS (SELECT * FROM plot_try t WHERE wf_id = ? `+filter+`),
		inv AS (
			SELECT i.job_instance_id,
				string_agg(DISTINCT i.transformation, ',' ORDER BY i.transformation)
					FILTER (WHERE i.transformation NOT IN ('dagman::pre', 'dagman::post')) AS xf,
				min(i.start_time) FILTER (WHERE i.task_submit_seq >= 0) AS ks,
				sum(i.remote_duration) FILTER (WHERE i.task_submit_seq >= 0) AS kd
			FROM invocation i WHERE i.wf_id = ? AND i.job_instance_id IN (SELECT ji_id FROM t)
			GROUP BY i.job_instance_id)
		SELECT t.wf_id, t.job_id, t.ji_id, j.exec_job_id, j.type_desc, t.seq, coalesce(h.hostname, ''),
			coalesce(inv.xf, ''), t.exitcode, t.first_ts, t.sub, t.exe, t.term, t.pstart, t.last_ts, inv.ks, inv.kd
		FROM t JOIN job j ON j.job_id = t.job_id LEFT JOIN host h ON h.host_id = t.host_id
			LEFT JOIN inv ON inv.job_instance_id = t.ji_id
		ORDER BY t.sub, t.first_ts, t.seq, t.ji_id`, wfID, wfID)
	if err != nil {
		return nil, fmt.Errorf("%s: job tries: %w", t.db.Path, err)
	}
	defer rows.Close()
	var out []Try
	for rows.Next() {
		var r Try
		if err := rows.Scan(&r.WfID, &r.JobID, &r.InstanceID, &r.Job, &r.Type, &r.Seq, &r.Host, &r.Transformation,
			&r.Exitcode, &r.First, &r.Submit, &r.Execute, &r.Terminate, &r.PostStart, &r.End,
			&r.KickstartStart, &r.KickstartDuration); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// StateBins are the tries of a workflow binned over time: how many were,
// on average over each bin, in each phase, and how many ended in it.
type StateBins struct {
	Start, Width float64 // bin i covers [Start+i·Width, Start+(i+1)·Width)
	// Average number of tries in a phase over each bin: DAGMan ([First,
	// Submit] and [Terminate, PostStart]), HTCondor queue, remote run and
	// POST script.
	DAGMan, Queued, Running, Post []float64
	// Tries that ended in each bin, with exit code 0 and otherwise
	// (running tries are in neither).
	Succeeded, Failed []int64
}

// phaseEventsSQL turns each try of a workflow into +1/−1 events per phase:
// phase 0 DAGMan, 1 queue, 2 run, 3 POST.
const phaseEventsSQL = `
	SELECT first_ts AS ts, 0 AS ph, 1 AS d FROM t UNION ALL SELECT sub, 0, -1 FROM t
	UNION ALL SELECT term, 0, 1 FROM t UNION ALL SELECT pstart, 0, -1 FROM t
	UNION ALL SELECT sub, 1, 1 FROM t UNION ALL SELECT exe, 1, -1 FROM t
	UNION ALL SELECT exe, 2, 1 FROM t UNION ALL SELECT term, 2, -1 FROM t
	UNION ALL SELECT pstart, 3, 1 FROM t UNION ALL SELECT last_ts, 3, -1 FROM t`

// binnedSQL averages step functions over bins: for a +1/−1 event at ts in
// bin b, the count is changed for (bin end − ts) in b and for every later
// bin in full, so the time integral over bin b is Σ(events before b)·w +
// Σ(events in b)·(end of b − ts). %[1]s is the events (ts, key, d), %[2]s
// the keys.
const binnedSQL = `
WITH ev AS (%[1]s),
b AS (
	SELECT key, least(greatest(floor((ts - $1) / $2), 0), $3 - 1)::BIGINT AS bin, d, ts FROM ev
),
agg AS (
	SELECT key, bin, sum(d) AS dsum, sum(d * (($1 + (bin + 1) * $2) - ts)) AS integ FROM b GROUP BY key, bin
),
grid AS (SELECT k.key, r.bin FROM (%[2]s) k, range(0, $3) r(bin))
SELECT g.key, g.bin,
	(coalesce(sum(a.dsum) OVER (PARTITION BY g.key ORDER BY g.bin ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) * $2
		+ coalesce(a.integ, 0)) / $2
FROM grid g LEFT JOIN agg a ON a.key = g.key AND a.bin = g.bin
ORDER BY g.key, g.bin`

// StateBins bins the tries of workflow wfID into n bins over [start, end].
func (t *TryTable) StateBins(ctx context.Context, wfID int64, start, end float64, n int) (StateBins, error) {
	sb := StateBins{Start: start, Width: binWidth(start, end, n)}
	ev := `WITH t AS (SELECT * FROM plot_try WHERE wf_id = ` + fmt.Sprint(wfID) + `) SELECT ts, ph AS key, d FROM (` + phaseEventsSQL + `)`
	q := fmt.Sprintf(binnedSQL, ev, `SELECT * FROM range(0, 4) k(key)`)
	rows, err := t.conn.QueryContext(ctx, q, start, sb.Width, n)
	if err != nil {
		return sb, fmt.Errorf("%s: tries per phase: %w", t.db.Path, err)
	}
	defer rows.Close()
	phases := []*[]float64{&sb.DAGMan, &sb.Queued, &sb.Running, &sb.Post}
	for _, p := range phases {
		*p = make([]float64, n)
	}
	for rows.Next() {
		var key, bin int64
		var v float64
		if err := rows.Scan(&key, &bin, &v); err != nil {
			return sb, err
		}
		// Averages of integer counts: clear float noise below zero.
		(*phases[key])[bin] = math.Max(v, 0)
	}
	if err := rows.Err(); err != nil {
		return sb, err
	}
	sb.Succeeded, sb.Failed = make([]int64, n), make([]int64, n)
	rows2, err := t.conn.QueryContext(ctx, `
		SELECT least(greatest(floor((last_ts - $1) / $2), 0), $3 - 1)::BIGINT AS bin,
			count(*) FILTER (WHERE exitcode = 0), count(*) FILTER (WHERE exitcode <> 0)
		FROM plot_try WHERE wf_id = $4 GROUP BY bin`, start, sb.Width, n, wfID)
	if err != nil {
		return sb, fmt.Errorf("%s: tries ended per bin: %w", t.db.Path, err)
	}
	defer rows2.Close()
	for rows2.Next() {
		var bin, ok, bad int64
		if err := rows2.Scan(&bin, &ok, &bad); err != nil {
			return sb, err
		}
		sb.Succeeded[bin], sb.Failed[bin] = ok, bad
	}
	return sb, rows2.Err()
}

func binWidth(start, end float64, n int) float64 {
	w := (end - start) / float64(n)
	if !(w > 0) {
		w = 1
	}
	return w
}

// HostBins is how busy the busiest hosts of a workflow were over time.
type HostBins struct {
	Start, Width float64
	// Hosts are the busiest hosts (most run time), busiest first; "Unknown"
	// for tries without a host.
	Hosts []string
	// Busy[h][i] is the average number of tries running on Hosts[h] over bin i.
	Busy [][]float64
	// Total is the number of hosts that ran tries, Tries[h] the tries of Hosts[h].
	Total int
	Tries []int64
}

// HostBins bins the remote runs ([Execute, Terminate]) of workflow wfID per
// host into n bins over [start, end], for the max busiest hosts.
func (t *TryTable) HostBins(ctx context.Context, wfID int64, start, end float64, n, max int) (HostBins, error) {
	hb := HostBins{Start: start, Width: binWidth(start, end, n)}
	rows, err := t.conn.QueryContext(ctx, `
		SELECT coalesce(host_id, -1), count(*) OVER (), count(*) AS tries FROM plot_try WHERE wf_id = ?
		GROUP BY ALL ORDER BY sum(term - exe) DESC, 1 LIMIT ?`, wfID, max)
	if err != nil {
		return hb, fmt.Errorf("%s: busiest hosts: %w", t.db.Path, err)
	}
	var ids []int64
	for rows.Next() {
		var id, total, n int64
		if err := rows.Scan(&id, &total, &n); err != nil {
			rows.Close()
			return hb, err
		}
		ids = append(ids, id)
		hb.Total = int(total)
		hb.Tries = append(hb.Tries, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return hb, err
	}
	names := map[int64]string{-1: "Unknown"}
	rows, err = t.conn.QueryContext(ctx, `SELECT host_id, hostname FROM host WHERE `+Scope(ids).in("host_id"))
	if err != nil {
		return hb, fmt.Errorf("%s: hosts: %w", t.db.Path, err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return hb, err
		}
		names[id] = name
	}
	rows.Close()
	index := map[int64]int{}
	for i, id := range ids {
		index[id] = i
		name, ok := names[id]
		if !ok {
			name = fmt.Sprintf("host %d", id)
		}
		hb.Hosts = append(hb.Hosts, name)
		hb.Busy = append(hb.Busy, make([]float64, n))
	}
	ev := `WITH t AS (SELECT coalesce(host_id, -1) AS h, exe, term FROM plot_try WHERE wf_id = ` + fmt.Sprint(wfID) +
		` AND ` + Scope(ids).in("coalesce(host_id, -1)") + `)
		SELECT exe AS ts, h AS key, 1 AS d FROM t UNION ALL SELECT term, h, -1 FROM t`
	keys := `SELECT unnest([` + idList(ids) + `]) AS key`
	rows, err = t.conn.QueryContext(ctx, fmt.Sprintf(binnedSQL, ev, keys), start, hb.Width, n)
	if err != nil {
		return hb, fmt.Errorf("%s: host use per bin: %w", t.db.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, bin int64
		var v float64
		if err := rows.Scan(&key, &bin, &v); err != nil {
			return hb, err
		}
		hb.Busy[index[key]][bin] = math.Max(v, 0)
	}
	return hb, rows.Err()
}

// CriticalJobs returns the chain of jobs of workflow wfID that set its
// makespan, first to last: the job whose last try ended last, preceded by
// its parent (job_edge) that ended last, and so on up to a job without
// parents. Ties go to the higher job id. Only jobs with tries are followed.
func (t *TryTable) CriticalJobs(ctx context.Context, wfID int64) ([]int64, error) {
	var last sql.NullInt64
	err := t.conn.QueryRowContext(ctx, `SELECT job_id FROM plot_try WHERE wf_id = ?
		ORDER BY last_ts DESC, job_id DESC LIMIT 1`, wfID).Scan(&last)
	if err == sql.ErrNoRows || (err == nil && !last.Valid) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: last job: %w", t.db.Path, err)
	}
	// The parent that ended last, of every job with parents.
	rows, err := t.conn.QueryContext(ctx, `
		WITH je AS (SELECT job_id, max(last_ts) AS fin FROM plot_try WHERE wf_id = $1 GROUP BY job_id),
		jn AS (SELECT j.job_id, j.exec_job_id FROM job j JOIN je ON je.job_id = j.job_id WHERE j.wf_id = $1),
		e AS (SELECT c.job_id AS child, p.job_id AS parent
			FROM job_edge e JOIN jn c ON c.exec_job_id = e.child_exec_job_id JOIN jn p ON p.exec_job_id = e.parent_exec_job_id
			WHERE e.wf_id = $1)
		SELECT child, arg_max(parent, (fin, parent)) FROM e JOIN je ON je.job_id = e.parent GROUP BY child`, wfID)
	if err != nil {
		return nil, fmt.Errorf("%s: critical parents: %w", t.db.Path, err)
	}
	defer rows.Close()
	parent := map[int64]int64{}
	for rows.Next() {
		var c, p int64
		if err := rows.Scan(&c, &p); err != nil {
			return nil, err
		}
		parent[c] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	path := []int64{last.Int64}
	seen := map[int64]bool{last.Int64: true}
	for {
		p, ok := parent[path[len(path)-1]]
		if !ok || seen[p] { // a cycle would be a broken DAG: stop there
			break
		}
		seen[p] = true
		path = append(path, p)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, nil
}

// GraphNode is a node of a workflow graph.
type GraphNode struct {
	Name  string // exec_job_id or abs_task_id
	Type  string // type_desc, or the task's transformation
	State string // "succeeded", "failed", "running" or "not run"
}

// Graph is a workflow graph: jobs and job_edge, or tasks and task_edge.
type Graph struct {
	// Total is the number of nodes; Nodes and Edges are filled only when
	// Total is at most the limit asked for.
	Total int
	Nodes []GraphNode
	Edges [][2]int // indexes into Nodes, parent first
}

// JobGraph returns the DAG of workflow wfID (jobs, coloured by the outcome
// of their last try) when it has at most max jobs.
func (db *DB) JobGraph(ctx context.Context, wfID int64, max int) (Graph, error) {
	return db.graph(ctx, `SELECT count(*) FROM job WHERE wf_id = $1`, `
		SELECT j.exec_job_id, j.type_desc, CASE WHEN l.n IS NULL THEN 'not run' WHEN l.e IS NULL THEN 'running'
			WHEN l.e = 0 THEN 'succeeded' ELSE 'failed' END
		FROM job j LEFT JOIN (SELECT job_id, count(*) AS n, arg_max_null(exitcode, job_submit_seq) AS e FROM job_instance
			WHERE job_id IN (SELECT job_id FROM job WHERE wf_id = $1) GROUP BY job_id) l ON l.job_id = j.job_id
		WHERE j.wf_id = $1 ORDER BY j.job_id`,
		`SELECT parent_exec_job_id, child_exec_job_id FROM job_edge WHERE wf_id = $1`, wfID, max)
}

// TaskGraph returns the abstract workflow of workflow wfID (tasks,
// coloured by the outcome of their last invocation) when it has at most
// max tasks.
func (db *DB) TaskGraph(ctx context.Context, wfID int64, max int) (Graph, error) {
	return db.graph(ctx, `SELECT count(*) FROM task WHERE wf_id = $1`, `
		SELECT t.abs_task_id, t.transformation, CASE WHEN i.e IS NULL THEN 'not run' WHEN i.e = 0 THEN 'succeeded' ELSE 'failed' END
		FROM task t LEFT JOIN (SELECT abs_task_id, arg_max(exitcode, invocation_id) AS e FROM invocation
			WHERE wf_id = $1 AND abs_task_id IS NOT NULL GROUP BY abs_task_id) i ON i.abs_task_id = t.abs_task_id
		WHERE t.wf_id = $1 ORDER BY t.task_id`,
		`SELECT parent_abs_task_id, child_abs_task_id FROM task_edge WHERE wf_id = $1`, wfID, max)
}

func (db *DB) graph(ctx context.Context, countQ, nodesQ, edgesQ string, wfID int64, max int) (Graph, error) {
	var g Graph
	if err := db.SQL.QueryRowContext(ctx, countQ, wfID).Scan(&g.Total); err != nil {
		return g, fmt.Errorf("%s: graph size: %w", db.Path, err)
	}
	if g.Total == 0 || g.Total > max {
		return g, nil
	}
	rows, err := db.SQL.QueryContext(ctx, nodesQ, wfID)
	if err != nil {
		return g, fmt.Errorf("%s: graph nodes: %w", db.Path, err)
	}
	index := map[string]int{}
	for rows.Next() {
		var n GraphNode
		if err := rows.Scan(&n.Name, &n.Type, &n.State); err != nil {
			rows.Close()
			return g, err
		}
		if _, dup := index[n.Name]; dup {
			continue
		}
		index[n.Name] = len(g.Nodes)
		g.Nodes = append(g.Nodes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return g, err
	}
	rows, err = db.SQL.QueryContext(ctx, edgesQ, wfID)
	if err != nil {
		return g, fmt.Errorf("%s: graph edges: %w", db.Path, err)
	}
	defer rows.Close()
	seen := map[[2]int]bool{}
	for rows.Next() {
		var p, c string
		if err := rows.Scan(&p, &c); err != nil {
			return g, err
		}
		pi, ok1 := index[p]
		ci, ok2 := index[c]
		e := [2]int{pi, ci}
		if !ok1 || !ok2 || seen[e] {
			continue
		}
		seen[e] = true
		g.Edges = append(g.Edges, e)
	}
	return g, rows.Err()
}
