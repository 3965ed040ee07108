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

// Scoped runs the statistics queries over one scope. NewScoped looks at the
// database once to pick the cheapest correct form of each query: whether
// the scope is the whole database (then rows reached only through joins,
// like jobstate's, need no scope filter) and whether every multiplier_factor
// is 1 (then invocations need no join with job_instance). It is safe for
// concurrent use.
type Scoped struct {
	db    *DB
	scope Scope
	// all: the scope holds every workflow of the database.
	all bool
	// unitMult: every job_instance.multiplier_factor is 1.
	unitMult bool
	// driverScans: scans read through the driver even when DuckDB's
	// vectors are reachable (for tests).
	driverScans bool
}

// NewScoped prepares the queries over the workflows of s.
func (db *DB) NewScoped(ctx context.Context, s Scope) (*Scoped, error) {
	q := &Scoped{db: db, scope: s}
	var others int64
	var unit sql.NullBool
	err := db.SQL.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM workflow WHERE NOT (`+s.in("wf_id")+`)),
		(SELECT bool_and(multiplier_factor = 1) FROM job_instance)`).Scan(&others, &unit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", db.Path, err)
	}
	q.all = others == 0
	q.unitMult = !unit.Valid || unit.Bool
	return q, nil
}

// where returns the scope condition on col, "true" when the scope is the
// whole database.
func (q *Scoped) where(col string) string {
	if q.all {
		return "true"
	}
	return q.scope.in(col)
}

// instances is a subquery of the job_instance rows of the scope.
func (q *Scoped) instances() string {
	if q.all {
		return "job_instance"
	}
	return "(SELECT * FROM job_instance WHERE job_id IN (SELECT job_id FROM job WHERE " + q.scope.in("wf_id") + "))"
}

// subJobs is a subquery of the ids of the sub-workflow jobs (type dax or
// dag): few, so that "job_id NOT IN (subJobs)" filters job instances by
// kind without joining the job table.
const subJobs = "(SELECT job_id FROM job WHERE type_desc IN ('dax', 'dag'))"

// invocationsX is a subquery of the scope's invocations with x, the run
// time times the multiplier factor (no join when every factor is 1).
func (q *Scoped) invocationsX(extra string) string {
	if q.unitMult {
		return "(SELECT *, remote_duration AS x FROM invocation WHERE " + q.where("wf_id") + " " + extra + ")"
	}
	return `(SELECT inv.*, inv.remote_duration * ji.multiplier_factor AS x FROM invocation inv
		JOIN job_instance ji ON inv.job_instance_id = ji.job_instance_id WHERE ` + q.where("inv.wf_id") + " " + extra + ")"
}

// SumErrorBound bounds how far a floating-point sum of n terms whose
// absolute values add up to absSum can move when the terms are added in
// another order: 2(n−1)·u·absSum, u = 2⁻⁵³, with a margin. Pegasus's
// SQLite adds in row order; sums computed in another order are within this
// bound of Pegasus's.
func SumErrorBound(n int64, absSum float64) float64 {
	if n < 2 {
		return 0
	}
	return 2 * float64(n-1) * 0x1p-53 * absSum * (1 + 1e-9)
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

// countsSQL computes, per workflow and kind, the job counts (kind 'job' or
// 'sub'), and the task counts (kind 'task'), in one statement that reads
// each table once.
//
// A job succeeded (failed) when the exitcode of its last try (highest
// job_submit_seq) is 0 (not 0); a job without tries, or whose last try has
// no exitcode, is neither. Retries are tries beyond the first.
//
// Tasks: total counts task rows (attached to a job) that are not dax/dag
// tasks. Succeeded/failed count distinct abs_task_id among the invocations
// of the last try of each non-sub-workflow job with exitcode 0 / not 0
// (succeeded_any looks at every try, for pegasus-mpi-cluster workflows).
// Retries are invocations carrying a task id minus the distinct task ids.
const countsSQL = `
WITH ji AS (
	SELECT j.wf_id, j.type_desc IN ('dax', 'dag') AS sub, ji.job_id, ji.job_instance_id, ji.job_submit_seq, ji.exitcode
	FROM job j JOIN job_instance ji ON ji.job_id = j.job_id WHERE %[1]s
), tries AS (
	SELECT job_id, any_value(wf_id) AS wf_id, any_value(sub) AS sub, count(*) AS n,
		arg_max_null(exitcode, job_submit_seq) AS last_exit, arg_max(job_instance_id, job_submit_seq) AS last_id
	FROM ji GROUP BY job_id
), job_total AS (
	SELECT wf_id, type_desc IN ('dax', 'dag') AS sub, count(*) AS total FROM job j WHERE %[1]s GROUP BY ALL
), job_done AS (
	SELECT wf_id, sub, count(*) FILTER (WHERE last_exit = 0) AS succeeded,
		count(*) FILTER (WHERE last_exit <> 0) AS failed, sum(n) - count(*) AS retries
	FROM tries GROUP BY ALL
), task_runs AS (
	SELECT i.wf_id, i.abs_task_id,
		bool_or(t.last_id IS NOT NULL AND i.exitcode = 0) AS ok,
		bool_or(i.exitcode = 0) AS ok_any,
		bool_or(t.last_id IS NOT NULL AND i.exitcode <> 0) AS bad,
		count(*) AS n
	FROM invocation i LEFT JOIN tries t ON t.last_id = i.job_instance_id
	WHERE %[2]s AND i.abs_task_id IS NOT NULL
		AND i.job_instance_id NOT IN (SELECT job_instance_id FROM job_instance WHERE job_id IN %[4]s)
	GROUP BY i.wf_id, i.abs_task_id
), task_done AS (
	SELECT wf_id, count(*) FILTER (WHERE ok) AS succeeded, count(*) FILTER (WHERE bad) AS failed,
		count(*) FILTER (WHERE ok_any) AS succeeded_any, sum(n) - count(*) AS retries
	FROM task_runs GROUP BY wf_id
), task_total AS (
	SELECT t.wf_id, count(*) AS total FROM task t
	WHERE %[3]s AND t.type_desc NOT IN ('dax', 'dag') AND t.job_id IN (SELECT job_id FROM job)
	GROUP BY t.wf_id
)
SELECT t.wf_id, CASE WHEN t.sub THEN 'sub' ELSE 'job' END, coalesce(d.succeeded, 0), coalesce(d.failed, 0), 0,
	t.total, coalesce(d.retries, 0)
FROM job_total t LEFT JOIN job_done d ON d.wf_id = t.wf_id AND d.sub = t.sub
UNION ALL
SELECT coalesce(d.wf_id, t.wf_id), 'task', coalesce(d.succeeded, 0), coalesce(d.failed, 0),
	coalesce(d.succeeded_any, 0), coalesce(t.total, 0), coalesce(d.retries, 0)
FROM task_done d FULL JOIN task_total t ON t.wf_id = d.wf_id`

// WorkflowCounts returns the task, job and sub-workflow counts of every
// workflow of the scope, each computed on that workflow alone (Pegasus's
// SCOPE_SINGLE); their sum is the scope's total (SCOPE_TREE/SCOPE_MULTI).
// With pmc, succeeded tasks are counted over every try of a job, as for
// pegasus-mpi-cluster workflows. Workflows with no rows are absent.
func (q *Scoped) WorkflowCounts(ctx context.Context, pmc bool) (map[int64]WorkflowCounts, error) {
	return q.workflowCounts(ctx, pmc, true)
}

// workflowCounts computes the counts by scans when scans is set and the
// ids allow (countsScan), else by countsSQL.
func (q *Scoped) workflowCounts(ctx context.Context, pmc, scans bool) (map[int64]WorkflowCounts, error) {
	if scans {
		out, ok, err := q.countsScan(ctx, pmc)
		if err != nil {
			return nil, fmt.Errorf("%s: counts: %w", q.db.Path, err)
		}
		if ok {
			return out, nil
		}
	}
	out := map[int64]WorkflowCounts{}
	rows, err := q.db.SQL.QueryContext(ctx, fmt.Sprintf(countsSQL, q.where("j.wf_id"), q.where("i.wf_id"), q.where("t.wf_id"), subJobs))
	if err != nil {
		return nil, fmt.Errorf("%s: counts: %w", q.db.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var wf, any int64
		var kind string
		var c Counts
		if err := rows.Scan(&wf, &kind, &c.Succeeded, &c.Failed, &any, &c.Total, &c.Retries); err != nil {
			return nil, err
		}
		wc := out[wf]
		switch kind {
		case "sub":
			wc.SubWorkflows = c
		case "job":
			wc.Jobs = c
		default:
			if pmc {
				c.Succeeded = any
			}
			wc.Tasks = c
		}
		out[wf] = wc
	}
	return out, rows.Err()
}

// WorkflowRetries returns, per workflow of the scope that has workflowstate
// rows, its highest restart_count (0 for a workflow DAGMan ran once).
// Workflows without rows are absent (Pegasus prints None for them).
func (q *Scoped) WorkflowRetries(ctx context.Context) (map[int64]int64, error) {
	rows, err := q.db.SQL.QueryContext(ctx, `SELECT wf_id, max(restart_count) FROM workflowstate WHERE `+
		q.scope.in("wf_id")+` GROUP BY wf_id`)
	if err != nil {
		return nil, fmt.Errorf("%s: workflow retries: %w", q.db.Path, err)
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
	// KickstartBound and SubmitBound bound how far each side's sums can be
	// from the sums added in row-id order (SumErrorBound); 0 when they are
	// those sums.
	KickstartBound, SubmitBound float64
}

// The sums of CumulativeTimes: x the value, id the row order. Badput uses
// "exitcode > 0" on the raw status, as Pegasus does: tries with a negative
// code are in the total but in neither goodput nor badput. whole tells
// whether every x is a whole number (then any order gives the same sums).
const (
	kickstartTimesFrom = `FROM %s inv WHERE inv.task_submit_seq >= 0 AND inv.transformation <> 'condor::dagman'`
	kickstartTimesCols = `inv.invocation_id AS id, inv.exitcode, inv.x`
	submitTimesFrom    = `FROM (SELECT ji.job_instance_id AS id, ji.exitcode, ji.local_duration * ji.multiplier_factor AS x
	FROM %s ji WHERE %s)`
	sumsUnordered = `SELECT sum(x), sum(CASE WHEN exitcode = 0 THEN x ELSE 0 END), sum(CASE WHEN exitcode > 0 THEN x ELSE 0 END),
	bool_and(x = trunc(x)) AND coalesce(sum(abs(x)), 0) < 9e15, count(x), coalesce(sum(abs(x)), 0) `
	sumsOrdered = `SELECT sum(x ORDER BY id), sum(CASE WHEN exitcode = 0 THEN x ELSE 0 END),
	sum(CASE WHEN exitcode > 0 THEN x ELSE 0 END ORDER BY id), true, 0, 0 `
)

// CumulativeTimes sums the job wall times over the scope, every try of every
// job included. When expanded (the scope is a whole hierarchy), the submit
// side leaves out sub-workflow job instances that started a child workflow,
// whose jobs are counted in the child. With ordered, the totals and badputs
// are added in row-id order, as Pegasus's SQLite adds them, so that they are
// the same doubles to the last bit (goodput is not printed by Pegasus, and
// is added in any order); otherwise they are added in any order (cheaper:
// the ordered sums sort the rows) within the bounds the result gives, unless
// every value is whole (then any order gives the same sums).
func (q *Scoped) CumulativeTimes(ctx context.Context, expanded, ordered bool) (CumulativeTimes, error) {
	var t CumulativeTimes
	kfrom := fmt.Sprintf(kickstartTimesFrom, q.invocationsX(""))
	kfrom = "FROM (SELECT " + kickstartTimesCols + " " + kfrom + ")"
	if err := q.orderedSums(ctx, kfrom, ordered, &t.KickstartWall, &t.KickstartGoodput, &t.KickstartBadput, &t.KickstartBound); err != nil {
		return t, fmt.Errorf("%s: cumulative job wall time: %w", q.db.Path, err)
	}
	cond := "true"
	if expanded {
		cond = "(ji.subwf_id IS NULL OR ji.job_id NOT IN " + subJobs + ")"
	}
	sfrom := fmt.Sprintf(submitTimesFrom, q.instances(), cond)
	if err := q.orderedSums(ctx, sfrom, ordered, &t.SubmitWall, &t.SubmitGoodput, &t.SubmitBadput, &t.SubmitBound); err != nil {
		return t, fmt.Errorf("%s: cumulative submit-side wall time: %w", q.db.Path, err)
	}
	return t, nil
}

// orderedSums computes the three sums over from (columns id, exitcode, x):
// in any order when every value is whole (cheap, and exact) or when not
// ordered (then bound is their SumErrorBound), else ordered by id.
func (q *Scoped) orderedSums(ctx context.Context, from string, ordered bool, all, good, bad *sql.NullFloat64, bound *float64) error {
	var whole sql.NullBool
	var n int64
	var abs float64
	if err := q.db.SQL.QueryRowContext(ctx, sumsUnordered+from).Scan(all, good, bad, &whole, &n, &abs); err != nil {
		return err
	}
	*bound = 0
	if !whole.Valid || whole.Bool {
		return nil
	}
	if !ordered {
		*bound = SumErrorBound(n, abs)
		return nil
	}
	var ignore sql.NullBool
	return q.db.SQL.QueryRowContext(ctx, sumsOrdered+from).Scan(all, good, bad, &ignore, &n, &abs)
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
	// Sums are added in invocation_id order when Ordered; otherwise in any
	// order, and RuntimeAbsSum, CPUCount and CPUAbsSum give their error
	// bounds (SumErrorBound).
	Ordered                  bool
	RuntimeAbsSum, CPUAbsSum float64
	CPUCount                 int64
}

// Every invocation counts: PRE and POST scripts (dagman::pre, dagman::post),
// sub-workflow DAGMan records (condor::dagman) and every retry.
const transformationStatsSQL = `
SELECT %[4]s, inv.transformation,
	CASE WHEN inv.exitcode = 0 THEN 'successful' ELSE 'failed' END AS type,
	count(*), min(x), max(x), sum(x %[3]s) / count(x), sum(x %[3]s),
	min(inv.maxrss), max(inv.maxrss), avg(inv.maxrss),
	min(inv.avg_cpu), max(inv.avg_cpu), sum(inv.avg_cpu %[3]s) / count(inv.avg_cpu),
	coalesce(sum(abs(x)), 0), coalesce(sum(abs(inv.avg_cpu)), 0), count(inv.avg_cpu)
FROM %[1]s inv
GROUP BY GROUPING SETS (%[2]s)
ORDER BY 1, inv.transformation, type`

// TransformationStats returns the breakdown per transformation and outcome
// for the whole scope (WfID 0), and also per workflow when perWorkflow is
// set, ordered by workflow, transformation and type.
//
// With orderedFor nil, every transformation is listed and its sums (hence
// means) are added in any order: they differ from Pegasus's (whose SQLite
// adds in invocation_id order) by at most their SumErrorBound, which only
// shows when a printed value is that close to a rounding tie. With
// orderedFor set, only those transformations are listed, their sums added
// in invocation_id order (slower).
func (q *Scoped) TransformationStats(ctx context.Context, perWorkflow bool, orderedFor []string) ([]TransformationStat, error) {
	// grouping(inv.wf_id) is only allowed when wf_id is in a grouping set.
	sets, wf := "(inv.transformation, type)", "0"
	if perWorkflow {
		sets = "(inv.wf_id, inv.transformation, type), " + sets
		wf = "CASE WHEN grouping(inv.wf_id) = 1 THEN 0 ELSE inv.wf_id END"
	}
	order, extra := "", ""
	if orderedFor != nil {
		order = "ORDER BY inv.invocation_id"
		extra = "AND transformation IN (" + quoteList(orderedFor) + ")"
		if !q.unitMult {
			extra = "AND inv.transformation IN (" + quoteList(orderedFor) + ")"
		}
	}
	rows, err := q.db.SQL.QueryContext(ctx, fmt.Sprintf(transformationStatsSQL, q.invocationsX(extra), sets, order, wf))
	if err != nil {
		return nil, fmt.Errorf("%s: transformation statistics: %w", q.db.Path, err)
	}
	defer rows.Close()
	var out []TransformationStat
	for rows.Next() {
		t := TransformationStat{Ordered: orderedFor != nil}
		var minMem, maxMem sql.NullInt64
		if err := rows.Scan(&t.WfID, &t.Transformation, &t.Type, &t.Count, &t.Min, &t.Max, &t.Mean, &t.Total,
			&minMem, &maxMem, &t.MeanMem, &t.MinCPU, &t.MaxCPU, &t.MeanCPU, &t.RuntimeAbsSum, &t.CPUAbsSum, &t.CPUCount); err != nil {
			return nil, err
		}
		t.MinMem = sql.NullFloat64{Float64: float64(minMem.Int64), Valid: minMem.Valid}
		t.MaxMem = sql.NullFloat64{Float64: float64(maxMem.Int64), Valid: maxMem.Valid}
		out = append(out, t)
	}
	return out, rows.Err()
}

// quoteList renders strings as a list of SQL literals.
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// IntegrityStat is the integrity-check total of one type and file type.
type IntegrityStat struct {
	WfID     int64          // 0 in the scope-wide rows
	Type     string         // "check" (checksum compared) or "compute" (generated)
	FileType sql.NullString // "input" or "output"
	Count    int64
	Duration float64 // seconds, added in integrity_id order
}

// IntegrityStats returns the integrity totals of the scope (WfID 0) and of
// each of its workflows, ordered by workflow, type and file type.
func (q *Scoped) IntegrityStats(ctx context.Context) ([]IntegrityStat, error) {
	rows, err := q.db.SQL.QueryContext(ctx, `
		SELECT CASE WHEN grouping(wf_id) = 1 THEN 0 ELSE wf_id END, type, file_type,
			sum(count), sum(duration ORDER BY integrity_id)
		FROM integrity WHERE `+q.where("wf_id")+`
		GROUP BY GROUPING SETS ((wf_id, type, file_type), (type, file_type))
		ORDER BY 1, type, file_type`)
	if err != nil {
		return nil, fmt.Errorf("%s: integrity statistics: %w", q.db.Path, err)
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
	// Runtime is added in row-id order when the query was ordered; else
	// AbsSum and Terms give its error bound (SumErrorBound).
	AbsSum float64
	Terms  int64
}

// TimeStats are the four tables of the time statistics, by hour.
type TimeStats struct {
	Jobs, Invocations, JobsByHost, InvocationsByHost []HourStat
}

// Job instances are placed in the hour of their EXECUTE event (an instance
// that executed twice counts twice); sub-workflow jobs are left out. The
// plain table only counts instances with a local_duration; the per-host one
// counts every instance that has a host. One query fills both (grouping
// sets): the host set's rows without a host are dropped.
const jobsPerHourSQL = `
SELECT CAST(trunc(js.timestamp / 3600) AS BIGINT) AS hr, grouping(h.hostname) = 0 AS by_host, h.hostname,
	count(*) FILTER (WHERE ji.local_duration IS NOT NULL), count(*),
	sum(ji.local_duration %[3]s), coalesce(sum(abs(ji.local_duration)), 0), count(ji.local_duration)
FROM jobstate js JOIN %[1]s ji ON js.job_instance_id = ji.job_instance_id
	LEFT JOIN host h ON ji.host_id = h.host_id
WHERE js.state = 'EXECUTE' AND ji.job_id NOT IN %[2]s
GROUP BY GROUPING SETS ((hr), (hr, h.hostname))
ORDER BY by_host, hr, h.hostname`

// Invocations (PRE/POST script records included, sub-workflow DAGMan
// records left out) are placed in the hour of their start time; the
// per-host table only has invocations whose job instance has a host.
const invocationsPerHourSQL = `
SELECT CAST(trunc(inv.start_time / 3600) AS BIGINT) AS hr, grouping(h.hostname) = 0 AS by_host, h.hostname,
	count(*), count(*), sum(inv.remote_duration %[2]s), coalesce(sum(abs(inv.remote_duration)), 0), count(*)
FROM invocation inv LEFT JOIN job_instance ji ON inv.job_instance_id = ji.job_instance_id
	LEFT JOIN host h ON ji.host_id = h.host_id
WHERE %[1]s AND inv.transformation <> 'condor::dagman'
GROUP BY GROUPING SETS ((hr), (hr, h.hostname))
ORDER BY by_host, hr, h.hostname`

// TimeStats counts the job instances and invocations of the scope per hour,
// and per hour and host. With ordered, the runtimes are added in row-id
// order (slower); see HourStat.
func (q *Scoped) TimeStats(ctx context.Context, ordered bool) (TimeStats, error) {
	return q.timeStats(ctx, ordered, true)
}

// timeStats computes the time statistics by scans when unordered, scans is
// set and the ids allow (timeStatsScan), else by query.
func (q *Scoped) timeStats(ctx context.Context, ordered, scans bool) (TimeStats, error) {
	if !ordered && scans {
		t, ok, err := q.timeStatsScan(ctx)
		if err != nil {
			return t, fmt.Errorf("%s: time statistics: %w", q.db.Path, err)
		}
		if ok {
			return t, nil
		}
	}
	var t TimeStats
	jorder, iorder := "", ""
	if ordered {
		jorder, iorder = "ORDER BY ji.job_instance_id, js.timestamp", "ORDER BY inv.invocation_id"
	}
	if err := q.hourStats(ctx, fmt.Sprintf(jobsPerHourSQL, q.instances(), subJobs, jorder), ordered, &t.Jobs, &t.JobsByHost); err != nil {
		return t, err
	}
	err := q.hourStats(ctx, fmt.Sprintf(invocationsPerHourSQL, q.where("inv.wf_id"), iorder), ordered, &t.Invocations, &t.InvocationsByHost)
	return t, err
}

func (q *Scoped) hourStats(ctx context.Context, query string, ordered bool, plain, byHost *[]HourStat) error {
	rows, err := q.db.SQL.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: time statistics: %w", q.db.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h HourStat
		var host sql.NullString
		var isHost bool
		var withDuration, all int64
		if err := rows.Scan(&h.Hour, &isHost, &host, &withDuration, &all, &h.Runtime, &h.AbsSum, &h.Terms); err != nil {
			return err
		}
		if ordered {
			h.AbsSum, h.Terms = 0, 0
		}
		if !isHost {
			h.Count = withDuration
			*plain = append(*plain, h)
			continue
		}
		if !host.Valid {
			continue
		}
		h.Host, h.Count = host.String, all
		*byHost = append(*byHost, h)
	}
	return rows.Err()
}
