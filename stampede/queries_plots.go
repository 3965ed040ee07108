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
	"strconv"
	"strings"
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
	// Tries counts the tries, FailedTries those with a non-zero exit code,
	// and Jobs every job of the workflow, tried or not.
	Tries, FailedTries, Jobs int64
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
		WITH tr AS (SELECT wf_id, min(first_ts) AS f, max(last_ts) AS l, count(*) AS n,
				count(*) FILTER (WHERE exitcode <> 0) AS failed FROM plot_try GROUP BY wf_id),
			ws AS (SELECT wf_id, min(timestamp) FILTER (WHERE state = 'WORKFLOW_STARTED') AS s,
				max(timestamp) FILTER (WHERE state = 'WORKFLOW_TERMINATED') AS e,
				greatest(count(*) FILTER (WHERE state = 'WORKFLOW_STARTED') - 1, 0) AS restarts
				FROM workflowstate WHERE `+s.in("wf_id")+` GROUP BY wf_id),
			jb AS (SELECT wf_id, count(*) AS n FROM job WHERE `+s.in("wf_id")+` GROUP BY wf_id)
		SELECT w.wf_id, coalesce(tr.f, 0), coalesce(tr.l, 0), ws.s, ws.e, coalesce(ws.restarts, 0),
			coalesce(tr.n, 0), coalesce(tr.failed, 0), coalesce(jb.n, 0)
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
			&w.Tries, &w.FailedTries, &w.Jobs); err != nil {
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

// Tries lists the tries of the workflows wfIDs, or of the jobs jobIDs
// (when wfIDs is nil), per workflow in submit order.
func (t *TryTable) Tries(ctx context.Context, wfIDs, jobIDs []int64) (map[int64][]Try, error) {
	filter := Scope(wfIDs).in("wf_id")
	if wfIDs == nil {
		filter = Scope(jobIDs).in("job_id")
	}
	rows, err := t.conn.QueryContext(ctx, `
		WITH t AS (SELECT * FROM plot_try WHERE `+filter+`),
		inv AS (
			SELECT i.job_instance_id,
				string_agg(DISTINCT i.transformation, ',' ORDER BY i.transformation)
					FILTER (WHERE i.transformation NOT IN ('dagman::pre', 'dagman::post')) AS xf,
				min(i.start_time) FILTER (WHERE i.task_submit_seq >= 0) AS ks,
				sum(i.remote_duration) FILTER (WHERE i.task_submit_seq >= 0) AS kd
			FROM invocation i WHERE i.job_instance_id IN (SELECT ji_id FROM t)
			GROUP BY i.job_instance_id)
		SELECT t.wf_id, t.job_id, t.ji_id, j.exec_job_id, j.type_desc, t.seq, coalesce(h.hostname, ''),
			coalesce(inv.xf, ''), t.exitcode, t.first_ts, t.sub, t.exe, t.term, t.pstart, t.last_ts, inv.ks, inv.kd
		FROM t JOIN job j ON j.job_id = t.job_id LEFT JOIN host h ON h.host_id = t.host_id
			LEFT JOIN inv ON inv.job_instance_id = t.ji_id
		ORDER BY t.wf_id, t.sub, t.first_ts, t.seq, t.ji_id`)
	if err != nil {
		return nil, fmt.Errorf("%s: job tries: %w", t.db.Path, err)
	}
	defer rows.Close()
	out := map[int64][]Try{}
	for rows.Next() {
		var r Try
		if err := rows.Scan(&r.WfID, &r.JobID, &r.InstanceID, &r.Job, &r.Type, &r.Seq, &r.Host, &r.Transformation,
			&r.Exitcode, &r.First, &r.Submit, &r.Execute, &r.Terminate, &r.PostStart, &r.End,
			&r.KickstartStart, &r.KickstartDuration); err != nil {
			return nil, err
		}
		out[r.WfID] = append(out[r.WfID], r)
	}
	return out, rows.Err()
}

// BinRange is the time range a workflow's binned charts cover.
type BinRange struct {
	WfID       int64
	Start, End float64
}

// Width is the width of one of n bins of the range (1 s for an empty range).
func (r BinRange) Width(n int) float64 {
	w := (r.End - r.Start) / float64(n)
	if !(w > 0) {
		w = 1
	}
	return w
}

// rangesSQL renders the ranges as a table (wf_id, s0, w).
func rangesSQL(ranges []BinRange, n int) string {
	var b strings.Builder
	b.WriteString("(VALUES ")
	for i, r := range ranges {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%d::BIGINT, %s::DOUBLE, %s::DOUBLE)", r.WfID,
			strconv.FormatFloat(r.Start, 'g', -1, 64), strconv.FormatFloat(r.Width(n), 'g', -1, 64))
	}
	b.WriteString(") r(wf_id, s0, w)")
	return b.String()
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

// tryColumns are the times of a try, in order; phaseEdges says which
// column opens (+1) and which closes (−1) each phase: 0 DAGMan ([first,
// sub] and [term, pstart]), 1 queue, 2 run, 3 POST.
var (
	tryColumns = []string{"first_ts", "sub", "exe", "term", "pstart", "last_ts"}
	phaseEdges = [4][6]float64{
		{1, -1, 0, 1, -1, 0},
		{0, 1, -1, 0, 0, 0},
		{0, 0, 1, -1, 0, 0},
		{0, 0, 0, 0, 1, -1},
	}
)

// StateBins bins the tries of each range's workflow into n bins over its
// range. Each time column is aggregated on its own (count and covered time
// per bin, which is cheaper than unpivoting the table into events); the
// phases are sums of columns with signs.
func (t *TryTable) StateBins(ctx context.Context, ranges []BinRange, n int) (map[int64]*StateBins, error) {
	out := map[int64]*StateBins{}
	if len(ranges) == 0 {
		return out, nil
	}
	for _, r := range ranges {
		out[r.WfID] = &StateBins{Start: r.Start, Width: r.Width(n),
			DAGMan: make([]float64, n), Queued: make([]float64, n), Running: make([]float64, n), Post: make([]float64, n),
			Succeeded: make([]int64, n), Failed: make([]int64, n)}
	}
	var q strings.Builder
	// Not materialized: scanning plot_try once per column costs less than
	// writing the joined rows out and reading them back.
	q.WriteString("WITH t AS NOT MATERIALIZED (SELECT * FROM plot_try JOIN " + rangesSQL(ranges, n) + " USING (wf_id))\n")
	for i, c := range tryColumns {
		if i > 0 {
			q.WriteString("UNION ALL\n")
		}
		bin := "least(greatest(floor((" + c + " - s0) / w), 0), $1 - 1)::BIGINT"
		fmt.Fprintf(&q, `SELECT wf_id, %d AS col, %s AS bin, count(*) AS n, sum((s0 + (%s + 1) * w) - %s) AS integ,
			count(*) FILTER (WHERE exitcode = 0) AS ok, count(*) FILTER (WHERE exitcode <> 0) AS bad, any_value(w) AS w
			FROM t GROUP BY ALL
`, i, bin, bin, c)
	}
	rows, err := t.conn.QueryContext(ctx, q.String(), n)
	if err != nil {
		return nil, fmt.Errorf("%s: tries per phase: %w", t.db.Path, err)
	}
	defer rows.Close()
	type acc struct{ d, integ [4][]float64 }
	accs := map[int64]*acc{}
	widths := map[int64]float64{}
	for rows.Next() {
		var wf, col, bin, cnt, ok, bad int64
		var integ, w float64
		if err := rows.Scan(&wf, &col, &bin, &cnt, &integ, &ok, &bad, &w); err != nil {
			return nil, err
		}
		a := accs[wf]
		if a == nil {
			a = &acc{}
			for k := range a.d {
				a.d[k], a.integ[k] = make([]float64, n), make([]float64, n)
			}
			accs[wf] = a
			widths[wf] = w
		}
		for k := range phaseEdges {
			if sign := phaseEdges[k][col]; sign != 0 {
				a.d[k][bin] += sign * float64(cnt)
				a.integ[k][bin] += sign * integ
			}
		}
		if tryColumns[col] == "last_ts" {
			out[wf].Succeeded[bin], out[wf].Failed[bin] = ok, bad
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for wf, a := range accs {
		sb := out[wf]
		for k, dst := range []*[]float64{&sb.DAGMan, &sb.Queued, &sb.Running, &sb.Post} {
			*dst = stepAverage(a.d[k], a.integ[k], widths[wf])
		}
	}
	return out, nil
}

// stepAverage turns per-bin count changes d and covered times integ
// (Σ change × (end of bin − time of change)) into the average count over
// each bin of width w: (count at the bin's start × w + integ) / w.
func stepAverage(d, integ []float64, w float64) []float64 {
	out := make([]float64, len(d))
	c := 0.0
	for i := range d {
		// Averages of integer counts: clear float noise below zero.
		out[i] = math.Max((c*w+integ[i])/w, 0)
		c += d[i]
	}
	return out
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

// HostBins bins the remote runs ([Execute, Terminate]) of each range's
// workflow per host into n bins over its range, for its max busiest
// hosts, in one pass over the table.
func (t *TryTable) HostBins(ctx context.Context, ranges []BinRange, n, max int) (map[int64]*HostBins, error) {
	out := map[int64]*HostBins{}
	if len(ranges) == 0 {
		return out, nil
	}
	var wfs []int64
	for _, r := range ranges {
		out[r.WfID] = &HostBins{Start: r.Start, Width: r.Width(n)}
		wfs = append(wfs, r.WfID)
	}
	top := `SELECT wf_id, h, tries, total FROM (
			SELECT wf_id, coalesce(host_id, -1) AS h, count(*) AS tries,
				row_number() OVER (PARTITION BY wf_id ORDER BY sum(term - exe) DESC, coalesce(host_id, -1)) AS rk,
				count(*) OVER (PARTITION BY wf_id) AS total
			FROM plot_try WHERE ` + Scope(wfs).in("wf_id") + ` GROUP BY wf_id, coalesce(host_id, -1))
		WHERE rk <= ` + strconv.Itoa(max)
	rows, err := t.conn.QueryContext(ctx, `SELECT t.wf_id, t.h, coalesce(h.hostname, CASE WHEN t.h = -1 THEN 'Unknown' ELSE 'host ' || t.h END),
			t.tries, t.total FROM (`+top+`) t LEFT JOIN host h ON h.host_id = t.h
		ORDER BY t.wf_id, t.tries DESC, t.h`)
	if err != nil {
		return nil, fmt.Errorf("%s: busiest hosts: %w", t.db.Path, err)
	}
	type key struct{ wf, h int64 }
	index := map[key]int{}
	for rows.Next() {
		var wf, h, tries, total int64
		var name string
		if err := rows.Scan(&wf, &h, &name, &tries, &total); err != nil {
			rows.Close()
			return nil, err
		}
		hb := out[wf]
		index[key{wf, h}] = len(hb.Hosts)
		hb.Hosts = append(hb.Hosts, name)
		hb.Tries = append(hb.Tries, tries)
		hb.Busy = append(hb.Busy, make([]float64, n))
		hb.Total = int(total)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// As in StateBins: the starts (exe) and ends (term) of the runs per
	// host and bin.
	ebin := "least(greatest(floor((exe - s0) / w), 0), $1 - 1)::BIGINT"
	tbin := "least(greatest(floor((term - s0) / w), 0), $1 - 1)::BIGINT"
	rows, err = t.conn.QueryContext(ctx, `WITH top AS (`+top+`), t AS (
			SELECT p.wf_id, coalesce(p.host_id, -1) AS h, p.exe, p.term, r.s0, r.w FROM plot_try p
			SEMI JOIN top ON top.wf_id = p.wf_id AND top.h = coalesce(p.host_id, -1)
			JOIN `+rangesSQL(ranges, n)+` USING (wf_id))
		SELECT wf_id, h, 1 AS sign, `+ebin+` AS bin, count(*), sum((s0 + (`+ebin+` + 1) * w) - exe), any_value(w) FROM t GROUP BY ALL
		UNION ALL
		SELECT wf_id, h, -1 AS sign, `+tbin+` AS bin, count(*), sum((s0 + (`+tbin+` + 1) * w) - term), any_value(w) FROM t GROUP BY ALL`, n)
	if err != nil {
		return nil, fmt.Errorf("%s: host use per bin: %w", t.db.Path, err)
	}
	defer rows.Close()
	type acc struct {
		d, integ []float64
		w        float64
	}
	accs := map[key]*acc{}
	for rows.Next() {
		var wf, h, sign, bin, cnt int64
		var integ, w float64
		if err := rows.Scan(&wf, &h, &sign, &bin, &cnt, &integ, &w); err != nil {
			return nil, err
		}
		k := key{wf, h}
		a := accs[k]
		if a == nil {
			a = &acc{d: make([]float64, n), integ: make([]float64, n), w: w}
			accs[k] = a
		}
		a.d[bin] += float64(sign * cnt)
		a.integ[bin] += float64(sign) * integ
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, a := range accs {
		if i, ok := index[k]; ok {
			out[k.wf].Busy[i] = stepAverage(a.d, a.integ, a.w)
		}
	}
	return out, nil
}

// CriticalJobs returns, for each workflow of wfIDs that has tries, the
// chain of jobs that set its makespan, first to last: the job whose last
// try ended last, preceded by its parent (job_edge) that ended last, and
// so on up to a job without parents. Ties go to the higher job id. Only
// jobs with tries are followed.
func (t *TryTable) CriticalJobs(ctx context.Context, wfIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(wfIDs) == 0 {
		return out, nil
	}
	in := Scope(wfIDs).in("wf_id")
	rows, err := t.conn.QueryContext(ctx, `SELECT wf_id, arg_max(job_id, (last_ts, job_id)) FROM plot_try WHERE `+in+` GROUP BY wf_id`)
	if err != nil {
		return nil, fmt.Errorf("%s: last jobs: %w", t.db.Path, err)
	}
	last := map[int64]int64{}
	for rows.Next() {
		var wf, job int64
		if err := rows.Scan(&wf, &job); err != nil {
			rows.Close()
			return nil, err
		}
		last[wf] = job
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The parent that ended last, of every job with parents (jobs without
	// tries drop out at the join with je).
	rows, err = t.conn.QueryContext(ctx, `
		WITH je AS (SELECT job_id, max(last_ts) AS fin FROM plot_try WHERE `+in+` GROUP BY job_id),
		j AS (SELECT job_id, wf_id, exec_job_id FROM job WHERE `+in+`),
		e AS (SELECT c.job_id AS child, p.job_id AS parent
			FROM job_edge e JOIN j c ON c.wf_id = e.wf_id AND c.exec_job_id = e.child_exec_job_id
			JOIN j p ON p.wf_id = e.wf_id AND p.exec_job_id = e.parent_exec_job_id
			WHERE e.`+in+`)
		SELECT child, arg_max(parent, (fin, parent)) FROM e JOIN je ON je.job_id = e.parent GROUP BY child`)
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
	for wf, job := range last {
		path := []int64{job}
		seen := map[int64]bool{job: true}
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
		out[wf] = path
	}
	return out, nil
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
