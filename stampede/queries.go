package stampede

// Shared read-only queries over the Stampede tables, used by the reports
// (pegasus-statistics, and the analyzer and plots). Every statistic is one SQL
// statement that DuckDB runs over the whole scope; Go only receives results
// that are already aggregated (one row per workflow, transformation, hour or
// job instance). The definitions are Pegasus's (TOOLS.md §0 and §1.11); each
// query's doc comment says which one it implements.
//
// Where Pegasus's SQLite sums floating-point values in scan order, the sums
// here are ordered by the row's id (sum(x ORDER BY id)), so that the results
// are the same doubles, last digit included.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrWorkflowNotFound means no workflow has the uuid asked for.
var ErrWorkflowNotFound = errors.New("workflow not found")

// WorkflowInfo is a row of the workflow table.
type WorkflowInfo struct {
	ID        int64
	UUID      string
	Label     string // dax_label
	DagFile   string
	SubmitDir string
	ParentID  sql.NullInt64
	RootID    int64
}

// IsRoot reports whether the workflow is the root of its hierarchy.
func (w WorkflowInfo) IsRoot() bool { return w.RootID == w.ID || !w.ParentID.Valid }

const workflowColumns = `wf_id, wf_uuid, coalesce(dax_label, ''), coalesce(dag_file_name, ''),
	coalesce(submit_dir, ''), parent_wf_id, coalesce(root_wf_id, wf_id)`

func (db *DB) queryWorkflows(ctx context.Context, q string, args ...any) ([]WorkflowInfo, error) {
	rows, err := db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: read workflows: %w", db.Path, err)
	}
	defer rows.Close()
	var out []WorkflowInfo
	for rows.Next() {
		var w WorkflowInfo
		if err := rows.Scan(&w.ID, &w.UUID, &w.Label, &w.DagFile, &w.SubmitDir, &w.ParentID, &w.RootID); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// WorkflowByUUID returns the workflow with that uuid, or an error wrapping
// ErrWorkflowNotFound.
func (db *DB) WorkflowByUUID(ctx context.Context, uuid string) (WorkflowInfo, error) {
	ws, err := db.queryWorkflows(ctx, `SELECT `+workflowColumns+` FROM workflow WHERE wf_uuid = ? ORDER BY wf_id LIMIT 1`, uuid)
	if err != nil {
		return WorkflowInfo{}, err
	}
	if len(ws) == 0 {
		return WorkflowInfo{}, fmt.Errorf("workflow %s: %w in %s", uuid, ErrWorkflowNotFound, db.Path)
	}
	return ws[0], nil
}

// RootWorkflows lists the root workflows, in wf_id order.
func (db *DB) RootWorkflows(ctx context.Context) ([]WorkflowInfo, error) {
	return db.queryWorkflows(ctx, `SELECT `+workflowColumns+` FROM workflow
		WHERE parent_wf_id IS NULL OR root_wf_id = wf_id ORDER BY wf_id`)
}

// Descendants lists the sub-workflows of the workflow wfID at any depth
// (following parent_wf_id), in wf_id order; the workflow itself is not
// included.
func (db *DB) Descendants(ctx context.Context, wfID int64) ([]WorkflowInfo, error) {
	return db.queryWorkflows(ctx, `WITH RECURSIVE d(wf_id) AS (
			SELECT wf_id FROM workflow WHERE parent_wf_id = ? AND wf_id <> parent_wf_id
			UNION
			SELECT w.wf_id FROM workflow w JOIN d ON w.parent_wf_id = d.wf_id WHERE w.wf_id <> w.parent_wf_id)
		SELECT `+workflowColumns+` FROM workflow WHERE wf_id IN (SELECT wf_id FROM d) ORDER BY wf_id`, wfID)
}

// TreeWorkflows lists every workflow whose root is one of roots (the roots
// included), ordered by root_wf_id then wf_id: Pegasus's SCOPE_MULTI.
func (db *DB) TreeWorkflows(ctx context.Context, roots []int64) ([]WorkflowInfo, error) {
	if len(roots) == 0 {
		return nil, nil
	}
	return db.queryWorkflows(ctx, `SELECT `+workflowColumns+` FROM workflow
		WHERE coalesce(root_wf_id, wf_id) IN (`+idList(roots)+`) ORDER BY coalesce(root_wf_id, wf_id), wf_id`)
}

// Scope is a set of workflows (wf_id values) that a statistic covers.
type Scope []int64

// in renders "col IN (ids)"; an empty scope matches nothing.
func (s Scope) in(col string) string {
	if len(s) == 0 {
		return "false"
	}
	return col + " IN (" + idList(s) + ")"
}

func idList(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// Counts is one row of Pegasus's summary table: how many tasks, jobs or
// sub-workflows succeeded, failed, were not finished, and how often they
// were retried (TOOLS.md §1.11.1–3).
type Counts struct {
	Succeeded, Failed, Total, Retries int64
}

// Incomplete is Total − (Succeeded + Failed): unsubmitted, running and
// unfinished items together.
func (c Counts) Incomplete() int64 { return c.Total - (c.Succeeded + c.Failed) }

// TotalRetries is Succeeded + Failed + Retries: the tries that finished
// (it leaves out unfinished items, so it can be below Total).
func (c Counts) TotalRetries() int64 { return c.Succeeded + c.Failed + c.Retries }

// Add returns the sum of two counts.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Succeeded + o.Succeeded, c.Failed + o.Failed, c.Total + o.Total, c.Retries + o.Retries}
}

// WorkflowCounts are the three summary rows of one workflow (its own jobs
// only: a sub-workflow job counts as a job of its parent).
type WorkflowCounts struct {
	Tasks, Jobs, SubWorkflows Counts
}

// Add returns the row-wise sum.
func (c WorkflowCounts) Add(o WorkflowCounts) WorkflowCounts {
	return WorkflowCounts{c.Tasks.Add(o.Tasks), c.Jobs.Add(o.Jobs), c.SubWorkflows.Add(o.SubWorkflows)}
}

// Job counts per workflow and kind. A job succeeded (failed) when the
// exitcode of its last try (highest job_submit_seq) is 0 (not 0); a job
// without tries, or whose last try has no exitcode, is neither. Retries are
// tries beyond the first.
const jobCountsSQL = `
WITH sj AS (
	SELECT j.wf_id, j.job_id, j.type_desc IN ('dax', 'dag') AS sub FROM job j WHERE %s
), tries AS (
	SELECT ji.job_id, count(*) AS n, arg_max_null(ji.exitcode, ji.job_submit_seq) AS last_exit
	FROM job_instance ji WHERE ji.job_id IN (SELECT job_id FROM sj)
	GROUP BY ji.job_id
)
SELECT sj.wf_id, sj.sub,
	count(*) FILTER (WHERE t.last_exit = 0),
	count(*) FILTER (WHERE t.last_exit <> 0),
	count(*),
	coalesce(sum(t.n), 0) - count(t.job_id)
FROM sj LEFT JOIN tries t ON t.job_id = sj.job_id
GROUP BY sj.wf_id, sj.sub`

// Task counts per workflow. Total counts task rows (attached to a job) that
// are not dax/dag tasks. Succeeded/failed count distinct abs_task_id among
// the invocations of the last try of each non-sub-workflow job with exitcode
// 0 / not 0 (with pmc, succeeded looks at every try). Retries are invocations
// carrying a task id minus the distinct task ids.
const taskCountsSQL = `
WITH nj AS (
	SELECT j.wf_id, ji.job_id, ji.job_instance_id, ji.job_submit_seq
	FROM job j JOIN job_instance ji ON ji.job_id = j.job_id
	WHERE %[1]s AND j.type_desc NOT IN ('dax', 'dag')
), last AS (
	SELECT arg_max(job_instance_id, job_submit_seq) AS job_instance_id FROM nj GROUP BY job_id
), inv AS (
	SELECT i.wf_id, i.abs_task_id, i.exitcode, i.job_instance_id IN (SELECT job_instance_id FROM last) AS is_last
	FROM invocation i JOIN nj ON nj.job_instance_id = i.job_instance_id AND nj.wf_id = i.wf_id
	WHERE %[2]s AND i.abs_task_id IS NOT NULL
), done AS (
	SELECT wf_id,
		count(DISTINCT abs_task_id) FILTER (WHERE is_last AND exitcode = 0) AS succeeded,
		count(DISTINCT abs_task_id) FILTER (WHERE exitcode = 0) AS succeeded_pmc,
		count(DISTINCT abs_task_id) FILTER (WHERE is_last AND exitcode <> 0) AS failed,
		count(*) - count(DISTINCT abs_task_id) AS retries
	FROM inv GROUP BY wf_id
), total AS (
	SELECT t.wf_id, count(*) AS total FROM task t JOIN job j ON t.job_id = j.job_id
	WHERE %[3]s AND t.type_desc NOT IN ('dax', 'dag') GROUP BY t.wf_id
)
SELECT coalesce(d.wf_id, t.wf_id), coalesce(d.succeeded, 0), coalesce(d.succeeded_pmc, 0),
	coalesce(d.failed, 0), coalesce(t.total, 0), coalesce(d.retries, 0)
FROM done d FULL JOIN total t ON t.wf_id = d.wf_id`

// WorkflowCounts returns the task, job and sub-workflow counts of every
// workflow of the scope, each computed on that workflow alone (Pegasus's
// SCOPE_SINGLE); their sum is the scope's total (SCOPE_TREE/SCOPE_MULTI).
// With pmc, succeeded tasks are counted over every try of a job, as for
// pegasus-mpi-cluster workflows. Workflows with no rows are absent.
func (db *DB) WorkflowCounts(ctx context.Context, s Scope, pmc bool) (map[int64]WorkflowCounts, error) {
	out := map[int64]WorkflowCounts{}
	rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf(jobCountsSQL, s.in("j.wf_id")))
	if err != nil {
		return nil, fmt.Errorf("%s: job counts: %w", db.Path, err)
	}
	for rows.Next() {
		var wf int64
		var sub bool
		var c Counts
		if err := rows.Scan(&wf, &sub, &c.Succeeded, &c.Failed, &c.Total, &c.Retries); err != nil {
			rows.Close()
			return nil, err
		}
		wc := out[wf]
		if sub {
			wc.SubWorkflows = c
		} else {
			wc.Jobs = c
		}
		out[wf] = wc
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.SQL.QueryContext(ctx, fmt.Sprintf(taskCountsSQL, s.in("j.wf_id"), s.in("i.wf_id"), s.in("t.wf_id")))
	if err != nil {
		return nil, fmt.Errorf("%s: task counts: %w", db.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var wf, pmcOK int64
		var c Counts
		if err := rows.Scan(&wf, &c.Succeeded, &pmcOK, &c.Failed, &c.Total, &c.Retries); err != nil {
			return nil, err
		}
		if pmc {
			c.Succeeded = pmcOK
		}
		wc := out[wf]
		wc.Tasks = c
		out[wf] = wc
	}
	return out, rows.Err()
}

// WorkflowRetries returns, per workflow of the scope that has workflowstate
// rows, its highest restart_count (0 for a workflow DAGMan ran once).
// Workflows without rows are absent (Pegasus prints None for them).
func (db *DB) WorkflowRetries(ctx context.Context, s Scope) (map[int64]int64, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT wf_id, max(restart_count) FROM workflowstate WHERE `+
		s.in("wf_id")+` GROUP BY wf_id`)
	if err != nil {
		return nil, fmt.Errorf("%s: workflow retries: %w", db.Path, err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var wf, n int64
		if err := rows.Scan(&wf, &n); err != nil {
			return nil, err
		}
		out[wf] = n
	}
	return out, rows.Err()
}

// WallTime is a workflow wall time in microseconds (Pegasus keeps
// timestamps as NUMERIC(16,6), so the value is exact to the microsecond).
type WallTime struct {
	Micros int64
	Valid  bool // false when starts and ends do not pair up (running or crashed)
}

// Seconds returns the wall time in seconds.
func (w WallTime) Seconds() float64 { return float64(w.Micros) / 1e6 }

// WorkflowWallTime is Pegasus's workflow wall time of the given workflows
// (their own workflowstate rows, never their sub-workflows'): the sum of the
// timestamps of every row that is not WORKFLOW_STARTED minus the sum of the
// WORKFLOW_STARTED timestamps, valid only if both sets have the same,
// non-zero, size. With rescue DAGs it is the sum of each run's duration.
func (db *DB) WorkflowWallTime(ctx context.Context, wfs []int64) (WallTime, error) {
	var w WallTime
	var starts, ends int64
	var diff sql.NullInt64
	err := db.SQL.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE state = 'WORKFLOW_STARTED'),
			count(*) FILTER (WHERE state <> 'WORKFLOW_STARTED'),
			CAST(sum(CASE WHEN state = 'WORKFLOW_STARTED' THEN -1 ELSE 1 END * CAST(round(timestamp * 1e6) AS HUGEINT)) AS BIGINT)
		FROM workflowstate WHERE `+Scope(wfs).in("wf_id")).Scan(&starts, &ends, &diff)
	if err != nil {
		return w, fmt.Errorf("%s: workflow wall time: %w", db.Path, err)
	}
	if starts == ends && starts > 0 && diff.Valid {
		w = WallTime{Micros: diff.Int64, Valid: true}
	}
	return w, nil
}

// CumulativeTimes are the summary's job wall times (TOOLS.md §1.11.4).
// Each is NULL when no row qualifies.
type CumulativeTimes struct {
	// Kickstart side: Σ remote_duration × multiplier_factor over invocations
	// of the jobs' tasks (no PRE/POST script, no sub-workflow DAGMan record).
	KickstartWall, KickstartGoodput, KickstartBadput sql.NullFloat64
	// Submit side: Σ local_duration × multiplier_factor over job instances.
	SubmitWall, SubmitGoodput, SubmitBadput sql.NullFloat64
}

// Badput uses "exitcode > 0" on the raw status, as Pegasus does: tries with
// a negative code are in the total but in neither goodput nor badput.
const kickstartTimesSQL = `
SELECT sum(x ORDER BY id), sum(CASE WHEN exitcode = 0 THEN x ELSE 0 END ORDER BY id),
	sum(CASE WHEN exitcode > 0 THEN x ELSE 0 END ORDER BY id)
FROM (SELECT inv.invocation_id AS id, inv.exitcode, inv.remote_duration * ji.multiplier_factor AS x
	FROM invocation inv JOIN job_instance ji ON inv.job_instance_id = ji.job_instance_id
	WHERE %s AND inv.task_submit_seq >= 0 AND inv.transformation <> 'condor::dagman')`

const submitTimesSQL = `
SELECT sum(x ORDER BY id), sum(CASE WHEN exitcode = 0 THEN x ELSE 0 END ORDER BY id),
	sum(CASE WHEN exitcode > 0 THEN x ELSE 0 END ORDER BY id)
FROM (SELECT ji.job_instance_id AS id, ji.exitcode, ji.local_duration * ji.multiplier_factor AS x
	FROM job_instance ji JOIN job j ON ji.job_id = j.job_id
	WHERE %s %s)`

// CumulativeTimes sums the job wall times over the scope, every try of every
// job included. When expanded (the scope is a whole hierarchy), the submit
// side leaves out sub-workflow job instances that started a child workflow,
// whose jobs are counted in the child.
func (db *DB) CumulativeTimes(ctx context.Context, s Scope, expanded bool) (CumulativeTimes, error) {
	var t CumulativeTimes
	err := db.SQL.QueryRowContext(ctx, fmt.Sprintf(kickstartTimesSQL, s.in("inv.wf_id"))).
		Scan(&t.KickstartWall, &t.KickstartGoodput, &t.KickstartBadput)
	if err != nil {
		return t, fmt.Errorf("%s: cumulative job wall time: %w", db.Path, err)
	}
	extra := ""
	if expanded {
		extra = "AND (j.type_desc NOT IN ('dax', 'dag') OR ji.subwf_id IS NULL)"
	}
	err = db.SQL.QueryRowContext(ctx, fmt.Sprintf(submitTimesSQL, s.in("j.wf_id"), extra)).
		Scan(&t.SubmitWall, &t.SubmitGoodput, &t.SubmitBadput)
	if err != nil {
		return t, fmt.Errorf("%s: cumulative submit-side wall time: %w", db.Path, err)
	}
	return t, nil
}

// TransformationStat is one row of the transformation breakdown.
type TransformationStat struct {
	WfID           int64 // 0 in the scope-wide rows
	Transformation string
	Type           string // "successful" (exitcode 0) or "failed"
	Count          int64
	// Runtime (remote_duration × multiplier_factor), seconds.
	Min, Max, Mean, Total float64
	// maxrss in KB (NULL when no invocation has one).
	MinMem, MaxMem, MeanMem sql.NullFloat64
	// avg_cpu as a fraction (1 = one core busy).
	MinCPU, MaxCPU, MeanCPU sql.NullFloat64
}

// Every invocation counts: PRE and POST scripts (dagman::pre, dagman::post),
// sub-workflow DAGMan records (condor::dagman) and every retry.
const transformationStatsSQL = `
SELECT CASE WHEN grouping(inv.wf_id) = 1 THEN 0 ELSE inv.wf_id END, inv.transformation,
	CASE WHEN inv.exitcode = 0 THEN 'successful' ELSE 'failed' END AS type,
	count(*), min(x), max(x), sum(x ORDER BY inv.invocation_id) / count(x), sum(x ORDER BY inv.invocation_id),
	min(inv.maxrss), max(inv.maxrss), avg(inv.maxrss),
	min(inv.avg_cpu), max(inv.avg_cpu), sum(inv.avg_cpu ORDER BY inv.invocation_id) / count(inv.avg_cpu)
FROM (SELECT inv.*, inv.remote_duration * ji.multiplier_factor AS x
	FROM invocation inv JOIN job_instance ji ON inv.job_instance_id = ji.job_instance_id WHERE %s) inv
GROUP BY GROUPING SETS (%s)
ORDER BY 1, inv.transformation, type`

// TransformationStats returns the breakdown per transformation and outcome
// for the whole scope (WfID 0), and also per workflow when perWorkflow is
// set, ordered by workflow, transformation and type.
func (db *DB) TransformationStats(ctx context.Context, s Scope, perWorkflow bool) ([]TransformationStat, error) {
	sets := "(inv.transformation, type)"
	if perWorkflow {
		sets = "(inv.wf_id, inv.transformation, type), " + sets
	}
	rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf(transformationStatsSQL, s.in("inv.wf_id"), sets))
	if err != nil {
		return nil, fmt.Errorf("%s: transformation statistics: %w", db.Path, err)
	}
	defer rows.Close()
	var out []TransformationStat
	for rows.Next() {
		var t TransformationStat
		var minMem, maxMem sql.NullInt64
		if err := rows.Scan(&t.WfID, &t.Transformation, &t.Type, &t.Count, &t.Min, &t.Max, &t.Mean, &t.Total,
			&minMem, &maxMem, &t.MeanMem, &t.MinCPU, &t.MaxCPU, &t.MeanCPU); err != nil {
			return nil, err
		}
		t.MinMem = sql.NullFloat64{Float64: float64(minMem.Int64), Valid: minMem.Valid}
		t.MaxMem = sql.NullFloat64{Float64: float64(maxMem.Int64), Valid: maxMem.Valid}
		out = append(out, t)
	}
	return out, rows.Err()
}

// IntegrityStat is the integrity-check total of one type and file type.
type IntegrityStat struct {
	WfID     int64          // 0 in the scope-wide rows
	Type     string         // "check" (checksum compared) or "compute" (generated)
	FileType sql.NullString // "input" or "output"
	Count    int64
	Duration float64 // seconds
}

// IntegrityStats returns the integrity totals of the scope (WfID 0) and of
// each of its workflows, ordered by workflow, type and file type.
func (db *DB) IntegrityStats(ctx context.Context, s Scope) ([]IntegrityStat, error) {
	rows, err := db.SQL.QueryContext(ctx, `
		SELECT CASE WHEN grouping(wf_id) = 1 THEN 0 ELSE wf_id END, type, file_type,
			sum(count), sum(duration ORDER BY integrity_id)
		FROM integrity WHERE `+s.in("wf_id")+`
		GROUP BY GROUPING SETS ((wf_id, type, file_type), (type, file_type))
		ORDER BY 1, type, file_type`)
	if err != nil {
		return nil, fmt.Errorf("%s: integrity statistics: %w", db.Path, err)
	}
	defer rows.Close()
	var out []IntegrityStat
	for rows.Next() {
		var t IntegrityStat
		if err := rows.Scan(&t.WfID, &t.Type, &t.FileType, &t.Count, &t.Duration); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// HourStat is the number of job instances (or invocations) and their summed
// runtime in one hour (Hour is epoch seconds / 3600, truncated), optionally
// on one host.
type HourStat struct {
	Hour    int64
	Host    string // "" unless by host
	Count   int64
	Runtime sql.NullFloat64 // NULL when no row has a duration
}

// Job instances are placed in the hour of their EXECUTE event (an instance
// that executed twice counts twice); sub-workflow jobs are left out. The
// per-host variant does not require local_duration, as in Pegasus.
const jobsPerHourSQL = `
SELECT CAST(trunc(js.timestamp / 3600) AS BIGINT) AS hr, %[1]s count(*),
	sum(ji.local_duration)
FROM job j JOIN job_instance ji ON ji.job_id = j.job_id
	JOIN jobstate js ON js.job_instance_id = ji.job_instance_id %[2]s
WHERE %[3]s AND js.state = 'EXECUTE' AND j.type_desc NOT IN ('dax', 'dag') %[4]s
GROUP BY ALL ORDER BY ALL`

// Invocations (PRE/POST script records included, sub-workflow DAGMan
// records left out) are placed in the hour of their start time.
const invocationsPerHourSQL = `
SELECT CAST(trunc(inv.start_time / 3600) AS BIGINT) AS hr, %[1]s count(*),
	sum(inv.remote_duration)
FROM invocation inv %[2]s
WHERE %[3]s AND inv.transformation <> 'condor::dagman'
GROUP BY ALL ORDER BY ALL`

// JobsPerHour returns the job instances per hour (and host) of the scope.
func (db *DB) JobsPerHour(ctx context.Context, s Scope, byHost bool) ([]HourStat, error) {
	host, join, cond := "", "", "AND ji.local_duration IS NOT NULL"
	if byHost {
		host, join, cond = "h.hostname,", "JOIN host h ON ji.host_id = h.host_id", ""
	}
	return db.hourStats(ctx, fmt.Sprintf(jobsPerHourSQL, host, join, s.in("j.wf_id"), cond), byHost)
}

// InvocationsPerHour returns the invocations per hour (and host) of the scope.
func (db *DB) InvocationsPerHour(ctx context.Context, s Scope, byHost bool) ([]HourStat, error) {
	host, join := "", ""
	if byHost {
		host = "h.hostname,"
		join = "JOIN job_instance ji ON inv.job_instance_id = ji.job_instance_id JOIN host h ON ji.host_id = h.host_id"
	}
	return db.hourStats(ctx, fmt.Sprintf(invocationsPerHourSQL, host, join, s.in("inv.wf_id")), byHost)
}

func (db *DB) hourStats(ctx context.Context, q string, byHost bool) ([]HourStat, error) {
	rows, err := db.SQL.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("%s: time statistics: %w", db.Path, err)
	}
	defer rows.Close()
	var out []HourStat
	for rows.Next() {
		var h HourStat
		dest := []any{&h.Hour, &h.Count, &h.Runtime}
		if byHost {
			dest = []any{&h.Hour, &h.Host, &h.Count, &h.Runtime}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// JobInstanceStat describes one try of a job (one row of jobs.txt,
// TOOLS.md §1.11.6). Durations are seconds; NULL where Pegasus prints "-".
type JobInstanceStat struct {
	WfID     int64
	Job      string // exec_job_id
	Try      int64  // 1-based, in job_submit_seq order among the job's tries
	Site     sql.NullString
	Mult     int64 // multiplier_factor
	Hostname sql.NullString
	// Kickstart: Σ remote_duration of the try's task invocations (no PRE or
	// POST script records); KickstartMult: Σ remote_duration × multiplier;
	// CPUTime: Σ remote_cpu_time.
	Kickstart, KickstartMult, CPUTime sql.NullFloat64
	// Post: POST_SCRIPT_TERMINATED − the later of POST_SCRIPT_STARTED and
	// JOB_TERMINATED. CondorQTime: first of GRID_SUBMIT, GLOBUS_SUBMIT or
	// EXECUTE − SUBMIT. Resource: EXECUTE − first GRID_SUBMIT/GLOBUS_SUBMIT.
	Post, CondorQTime, Resource sql.NullFloat64
	Runtime                     sql.NullFloat64 // local_duration (DAGMan's view)
	Seqexec                     sql.NullFloat64 // cluster_duration
	// ExitCode is the highest raw exit status among the try's invocations,
	// PRE script included, POST script not; NULL without invocations.
	ExitCode sql.NullInt64
}

// Where a state occurs more than once for a try, the single-state values
// take its earliest time.
const jobInstanceStatsSQL = `
WITH ji AS (
	SELECT j.wf_id, j.exec_job_id, ji.job_id, ji.job_instance_id, ji.job_submit_seq, ji.site,
		ji.multiplier_factor, ji.local_duration, ji.cluster_duration, ji.host_id
	FROM job j JOIN job_instance ji ON ji.job_id = j.job_id WHERE %[1]s
), inv AS (
	SELECT i.job_instance_id,
		sum(i.remote_duration) FILTER (WHERE i.task_submit_seq >= 0) AS ks,
		sum(i.remote_duration * ji.multiplier_factor) FILTER (WHERE i.task_submit_seq >= 0) AS ks_mult,
		sum(i.remote_cpu_time) FILTER (WHERE i.task_submit_seq >= 0) AS cpu,
		max(i.exitcode) FILTER (WHERE i.task_submit_seq >= -1) AS exitcode
	FROM invocation i JOIN ji ON ji.job_instance_id = i.job_instance_id AND ji.wf_id = i.wf_id
	GROUP BY i.job_instance_id
), st AS (
	SELECT js.job_instance_id,
		min(js.timestamp) FILTER (WHERE js.state = 'SUBMIT') AS submit,
		min(js.timestamp) FILTER (WHERE js.state = 'EXECUTE') AS execute,
		min(js.timestamp) FILTER (WHERE js.state = 'POST_SCRIPT_TERMINATED') AS post_end,
		min(js.timestamp) FILTER (WHERE js.state IN ('GRID_SUBMIT', 'GLOBUS_SUBMIT')) AS grid_submit,
		min(js.timestamp) FILTER (WHERE js.state IN ('GRID_SUBMIT', 'GLOBUS_SUBMIT', 'EXECUTE')) AS queued_end,
		max(js.timestamp) FILTER (WHERE js.state IN ('POST_SCRIPT_STARTED', 'JOB_TERMINATED')) AS post_start
	FROM jobstate js JOIN ji ON ji.job_instance_id = js.job_instance_id
	WHERE js.state IN ('SUBMIT', 'EXECUTE', 'GRID_SUBMIT', 'GLOBUS_SUBMIT', 'POST_SCRIPT_STARTED', 'POST_SCRIPT_TERMINATED', 'JOB_TERMINATED')
	GROUP BY js.job_instance_id
)
SELECT ji.wf_id, ji.exec_job_id, row_number() OVER (PARTITION BY ji.job_id ORDER BY ji.job_submit_seq, ji.job_instance_id),
	ji.site, ji.multiplier_factor, h.hostname, inv.ks, inv.ks_mult, inv.cpu,
	st.post_end - st.post_start, st.queued_end - st.submit, st.execute - st.grid_submit,
	ji.local_duration, ji.cluster_duration, inv.exitcode
FROM ji LEFT JOIN inv ON inv.job_instance_id = ji.job_instance_id
	LEFT JOIN st ON st.job_instance_id = ji.job_instance_id
	LEFT JOIN host h ON h.host_id = ji.host_id
ORDER BY list_position([%[2]s], ji.wf_id), ji.job_submit_seq, ji.job_instance_id`

// JobInstanceStats calls fn for every try of every job of the scope, each
// workflow's tries together in the scope's order and, within a workflow, in
// job_submit_seq order. Sub-workflow, auxiliary and compute jobs are all
// listed. It stops at the first error fn returns.
func (db *DB) JobInstanceStats(ctx context.Context, s Scope, fn func(*JobInstanceStat) error) error {
	if len(s) == 0 {
		return nil
	}
	rows, err := db.SQL.QueryContext(ctx, fmt.Sprintf(jobInstanceStatsSQL, s.in("j.wf_id"), idList(s)))
	if err != nil {
		return fmt.Errorf("%s: job instance statistics: %w", db.Path, err)
	}
	defer rows.Close()
	var r JobInstanceStat
	for rows.Next() {
		if err := rows.Scan(&r.WfID, &r.Job, &r.Try, &r.Site, &r.Mult, &r.Hostname, &r.Kickstart, &r.KickstartMult,
			&r.CPUTime, &r.Post, &r.CondorQTime, &r.Resource, &r.Runtime, &r.Seqexec, &r.ExitCode); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}
