package analyzer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/pegasus-go/pegasus/stampede"
)

// Options tune the readers.
type Options struct {
	// Dir is the submit directory as given; it is reported as
	// submit_directory and is where files named in the database (PRE
	// script logs, the DAGMan log) are looked for. Empty (database mode):
	// the workflow's submit directory as the database records it, with a
	// note when it cannot be read there.
	Dir string
	// TopDir is the top-level workflow's directory (--top-dir), used in the
	// commands printed for failed sub-workflows.
	TopDir string
	// TraverseAll analyses every descendant workflow too (-T).
	TraverseAll bool
	// Recurse analyses the workflows of failed sub-workflow jobs too, at
	// any depth (-r).
	Recurse bool
	// Trace, if set, is told how long each step of reading took.
	Trace func(step string, d time.Duration)
}

// FromDatabase analyses the workflow uuid of a Stampede database. The error
// wraps stampede.ErrWorkflowNotFound when the database does not hold it.
func FromDatabase(ctx context.Context, db *stampede.DB, uuid string, o Options) (*Report, error) {
	wf, err := db.WorkflowByUUID(ctx, uuid)
	if err != nil {
		return nil, err
	}
	r := &Report{SubmitDirectory: o.Dir, Mode: "database", Database: db.Path}
	if o.Dir == "" {
		o.Dir = wf.SubmitDir
		r.SubmitDirectory = wf.SubmitDir
		if note := unreadableDir(wf.SubmitDir); note != "" {
			r.Notes = append(r.Notes, note)
			o.Dir = ""
		}
	}
	ids := []int64{wf.ID}
	keys := map[int64]string{wf.ID: "root"}
	if o.TraverseAll {
		desc, err := db.Descendants(ctx, wf.ID)
		if err != nil {
			return nil, err
		}
		for _, d := range desc {
			ids = append(ids, d.ID)
			keys[d.ID] = d.UUID
		}
	}
	rd := &dbReader{db: db, o: o}
	ws, err := rd.workflows(ctx, ids, keys)
	if err != nil {
		return nil, err
	}
	r.Workflows = ws
	if err := rd.recurse(ctx, r); err != nil {
		return nil, err
	}
	root := ws[0]
	r.RootUUID = root.UUID
	var rootUUID sql.NullString
	if err := db.SQL.QueryRowContext(ctx, `SELECT r.wf_uuid FROM workflow w JOIN workflow r ON r.wf_id = w.root_wf_id WHERE w.wf_id = ?`, wf.ID).Scan(&rootUUID); err == nil && rootUUID.Valid {
		r.RootUUID = rootUUID.String
	}
	return r, nil
}

type dbReader struct {
	db *stampede.DB
	o  Options
}

// workflows analyses the workflows ids, in that order.
func (rd *dbReader) workflows(ctx context.Context, ids []int64, keys map[int64]string) ([]*Workflow, error) {
	byID := map[int64]*Workflow{}
	var out []*Workflow
	rows, err := rd.db.SQL.QueryContext(ctx, `SELECT w.wf_id, w.wf_uuid, coalesce(w.dag_file_name, '-'), coalesce(w.submit_hostname, '-'),
			coalesce(w.submit_dir, '-'), coalesce(w."user", '-'), coalesce(w.planner_version, '-'), coalesce(w.dax_label, '-'),
			coalesce(p.dax_label, '-'), coalesce(p.wf_uuid, '-')
		FROM workflow w LEFT JOIN workflow p ON p.wf_id = w.parent_wf_id AND w.parent_wf_id <> w.wf_id
		WHERE w.wf_id IN (`+idList(ids)+`)`)
	if err != nil {
		return nil, rd.err("read workflows", err)
	}
	for rows.Next() {
		w := &Workflow{Status: StatusUnknown}
		if err := rows.Scan(&w.ID, &w.UUID, &w.DagFile, &w.SubmitHost, &w.SubmitDir, &w.User, &w.PlannerVersion, &w.Name,
			&w.ParentName, &w.ParentUUID); err != nil {
			rows.Close()
			return nil, err
		}
		w.Key = keys[w.ID]
		byID[w.ID] = w
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if w := byID[id]; w != nil {
			out = append(out, w)
		}
	}
	if err := rd.status(ctx, idList(ids), byID); err != nil {
		return nil, err
	}
	t := time.Now()
	rd.step("workflows", &t)
	// Every workflow is read at once (-T reads a whole hierarchy): the
	// queries of the failed tries then go over the big tables once.
	sc, err := rd.scope(ctx, ids, byID)
	if err != nil {
		return nil, err
	}
	if sc.jobs > 0 {
		if err := rd.counts(ctx, &sc, byID); err != nil {
			return nil, err
		}
		rd.step("counts", &t)
		// The held jobs are read while the failed ones are.
		var heldErr error
		var heldTime time.Duration
		done := make(chan struct{})
		go func() {
			defer close(done)
			start := time.Now()
			heldErr = rd.held(ctx, sc, byID)
			heldTime = time.Since(start)
		}()
		err := rd.details(ctx, sc, byID, &t)
		<-done
		if err != nil {
			return nil, err
		}
		if heldErr != nil {
			return nil, heldErr
		}
		if rd.o.Trace != nil {
			rd.o.Trace("held jobs", heldTime)
		}
	}
	for _, w := range out {
		w.Counts.Unsubmitted = w.Counts.Total - w.Counts.Success - w.Counts.Failed
		w.Finish()
		rd.notes(w)
	}
	rd.step("diagnosis", &t)
	return out, nil
}

// step reports the time since *t to Options.Trace and resets *t.
func (rd *dbReader) step(name string, t *time.Time) {
	if rd.o.Trace != nil {
		now := time.Now()
		rd.o.Trace(name, now.Sub(*t))
		*t = now
	}
}

func (rd *dbReader) err(what string, err error) error {
	return fmt.Errorf("%s: %s: %w", rd.db.Path, what, err)
}

// status: the last workflowstate row (by restart_count, then time; a
// WORKFLOW_TERMINATED row wins a tie): started means running, terminated
// with status 0 success, any other status failure; no row, unknown.
func (rd *dbReader) status(ctx context.Context, in string, byID map[int64]*Workflow) error {
	rows, err := rd.db.SQL.QueryContext(ctx, `SELECT wf_id, state, status FROM (
			SELECT wf_id, state, status, row_number() OVER (PARTITION BY wf_id
				ORDER BY restart_count DESC, timestamp DESC, (state = 'WORKFLOW_TERMINATED') DESC) AS rn
			FROM workflowstate WHERE wf_id IN (`+in+`)) WHERE rn = 1`)
	if err != nil {
		return rd.err("read workflow states", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var state string
		var status sql.NullInt64
		if err := rows.Scan(&id, &state, &status); err != nil {
			return err
		}
		w := byID[id]
		switch {
		case w == nil:
		case state == "WORKFLOW_STARTED":
			w.Status = StatusRunning
		case state == "WORKFLOW_TERMINATED" && status.Valid && status.Int64 == 0:
			w.Status = StatusSuccess
		default:
			w.Status = StatusFailure
		}
	}
	return rows.Err()
}

// jobScope is the set of jobs of the workflows read, as a predicate on
// job_id cheap enough for the big tables: a range when their job ids are
// contiguous (those of a workflow are, as monitord assigns them), else a
// semi-join.
type jobScope struct {
	wfs    string // the wf_id list
	single bool   // one workflow
	jobs   int
	lo, hi int64
	dense  bool
	// iLo, iHi bound the job_instance_id of the scope's tries (set by
	// counts): a constant range lets DuckDB skip the row groups of the big
	// tables that hold other workflows' rows.
	iLo, iHi int64
}

// scope counts the jobs of each workflow (Counts.Total) and returns the
// scope of them all.
func (rd *dbReader) scope(ctx context.Context, ids []int64, byID map[int64]*Workflow) (jobScope, error) {
	sc := jobScope{wfs: idList(ids), single: len(ids) == 1, lo: 1<<63 - 1, hi: -1 << 63}
	rows, err := rd.db.SQL.QueryContext(ctx, `SELECT wf_id, count(*), min(job_id), max(job_id) FROM job WHERE wf_id IN (`+sc.wfs+`) GROUP BY wf_id`)
	if err != nil {
		return sc, rd.err("count jobs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var wf, lo, hi int64
		var n int
		if err := rows.Scan(&wf, &n, &lo, &hi); err != nil {
			return sc, rd.err("count jobs", err)
		}
		if w := byID[wf]; w != nil {
			w.Counts.Total = n
		}
		sc.jobs += n
		sc.lo, sc.hi = min(sc.lo, lo), max(sc.hi, hi)
	}
	if err := rows.Err(); err != nil {
		return sc, rd.err("count jobs", err)
	}
	sc.dense = sc.jobs > 0 && sc.hi-sc.lo+1 == int64(sc.jobs)
	return sc, nil
}

// in renders the scope as a predicate on a job_id column.
func (sc jobScope) in(col string) string {
	r := fmt.Sprintf("%s BETWEEN %d AND %d", col, sc.lo, sc.hi)
	if sc.dense {
		return r
	}
	return fmt.Sprintf("%s AND %s IN (SELECT job_id FROM job WHERE wf_id IN (%s))", r, col, sc.wfs)
}

// Tries of the scope, and the jobs that have a try without exit code 0
// (failed, or not finished): only those need a per-job look, since a job
// whose every try exited 0 succeeded.
const triesSQL = `
WITH ji AS (
	SELECT job_id, job_instance_id, job_submit_seq, exitcode FROM job_instance WHERE %[1]s
), odd AS (
	SELECT DISTINCT job_id FROM ji WHERE exitcode IS NULL OR exitcode <> 0
), t AS (
	SELECT * FROM ji WHERE job_id IN (SELECT job_id FROM odd)
), last AS (
	SELECT job_id, max(job_submit_seq) AS seq, arg_max_null(exitcode, job_submit_seq) AS ex FROM t GROUP BY job_id
)`

// counts: every job counts in total; a job succeeded or failed by the exit
// code of its last try (highest job_submit_seq). The jobs with tries are
// counted with a bitmap (bitstring_agg) rather than a hash of every job.
func (rd *dbReader) counts(ctx context.Context, sc *jobScope, byID map[int64]*Workflow) error {
	if !sc.single {
		return rd.countsPerWorkflow(ctx, sc, byID)
	}
	var w *Workflow
	for _, w = range byID {
	}
	if w == nil {
		return nil
	}
	// A workflow whose jobs never ran (a sub-workflow loaded from its
	// static.bp alone) has no try: bitstring_agg is then NULL.
	distinct := fmt.Sprintf("coalesce(bit_count(bitstring_agg(job_id, %d, %d)), 0)", sc.lo, sc.hi)
	if sc.hi-sc.lo > 1<<31 {
		distinct = "count(DISTINCT job_id)"
	}
	q := fmt.Sprintf(triesSQL, sc.in("job_id")) + `
		SELECT (SELECT ` + distinct + ` FROM ji), (SELECT count(*) FROM odd),
			(SELECT count(*) FROM last WHERE ex = 0), (SELECT count(*) FROM last WHERE ex <> 0),
			(SELECT coalesce(min(job_instance_id), 0) FROM ji), (SELECT coalesce(max(job_instance_id), -1) FROM ji)`
	var withTries, odd, ok, bad int
	if err := rd.db.SQL.QueryRowContext(ctx, q).Scan(&withTries, &odd, &ok, &bad, &sc.iLo, &sc.iHi); err != nil {
		return rd.err("count jobs", err)
	}
	w.Counts.Success = withTries - odd + ok
	w.Counts.Failed = bad
	return nil
}

// countsPerWorkflow counts the jobs of several workflows as counts does:
// a job succeeded when every try exited 0 or its last one did, failed when
// its last try exited non-zero.
func (rd *dbReader) countsPerWorkflow(ctx context.Context, sc *jobScope, byID map[int64]*Workflow) error {
	q := `WITH ji AS (
			SELECT job_id, job_instance_id, job_submit_seq, exitcode FROM job_instance WHERE ` + sc.in("job_id") + `
		), jt AS (
			SELECT job_id, bool_and(exitcode IS NOT NULL AND exitcode = 0) AS allok, arg_max_null(exitcode, job_submit_seq) AS ex
			FROM ji GROUP BY job_id
		)
		SELECT j.wf_id, count(*) FILTER (WHERE jt.allok OR jt.ex = 0), count(*) FILTER (WHERE NOT jt.allok AND jt.ex <> 0),
			(SELECT coalesce(min(job_instance_id), 0) FROM ji), (SELECT coalesce(max(job_instance_id), -1) FROM ji)
		FROM jt JOIN job j ON j.job_id = jt.job_id GROUP BY j.wf_id`
	rows, err := rd.db.SQL.QueryContext(ctx, q)
	if err != nil {
		return rd.err("count jobs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var wf int64
		var ok, bad int
		if err := rows.Scan(&wf, &ok, &bad, &sc.iLo, &sc.iHi); err != nil {
			return rd.err("count jobs", err)
		}
		if w := byID[wf]; w != nil {
			w.Counts.Success, w.Counts.Failed = ok, bad
		}
	}
	return rows.Err()
}

// held: Pegasus's query — the distinct JOB_HELD rows (instance, job, reason)
// of each job's newest instance (by job_instance_id).
func (rd *dbReader) held(ctx context.Context, sc jobScope, byID map[int64]*Workflow) error {
	q := `WITH h AS (
			SELECT job_instance_id, reason, jobstate_submit_seq FROM jobstate
			WHERE job_instance_id BETWEEN ` + strconv.FormatInt(sc.iLo, 10) + ` AND ` + strconv.FormatInt(sc.iHi, 10) + ` AND state = 'JOB_HELD'
		), hi AS (
			SELECT job_id, job_instance_id FROM job_instance
			WHERE job_instance_id IN (SELECT job_instance_id FROM h) AND ` + sc.in("job_id") + `
		), m AS (
			SELECT job_id, max(job_instance_id) AS max_ji FROM job_instance WHERE job_id IN (SELECT job_id FROM hi) GROUP BY job_id
		), r AS (
			SELECT DISTINCT h.job_instance_id, m.job_id, h.reason FROM h JOIN m ON m.max_ji = h.job_instance_id
		), jn AS (
			SELECT job_id, wf_id, exec_job_id, submit_file FROM job WHERE job_id IN (SELECT job_id FROM r)
		)
		SELECT jn.wf_id, r.job_instance_id, jn.exec_job_id, jn.submit_file, coalesce(r.reason, '')
		FROM r JOIN jn ON jn.job_id = r.job_id ORDER BY r.job_instance_id, r.reason`
	rows, err := rd.db.SQL.QueryContext(ctx, q)
	if err != nil {
		return rd.err("read held jobs", err)
	}
	defer rows.Close()
	type key struct {
		wf   int64
		name string
	}
	index := map[key]*HeldJob{}
	for rows.Next() {
		h := &HeldJob{}
		var wf int64
		if err := rows.Scan(&wf, &h.LastInstanceID, &h.Name, &h.SubmitFile, &h.Reason); err != nil {
			return err
		}
		w := byID[wf]
		if w == nil {
			continue
		}
		w.Counts.Held++
		// Keyed by job name, as Pegasus's dictionary: a later row wins.
		if prev := index[key{wf, h.Name}]; prev != nil {
			*prev = *h
			continue
		}
		index[key{wf, h.Name}] = h
		w.Held = append(w.Held, h)
	}
	return rows.Err()
}

// The failed tries: the last try of a failed job ("failed"), the latest
// failed try of a job whose newest try has no exit code yet ("failing"),
// and the other failed tries ("earlier"), with their try number. They go
// into a temporary table, which the next queries join: DuckDB then knows
// how few they are.
const badSQL = `CREATE OR REPLACE TEMP TABLE analyzer_bad AS ` + triesSQL + `, ranked AS (
	SELECT t.job_id, t.job_instance_id, t.job_submit_seq, t.exitcode, l.seq, l.ex,
		row_number() OVER (PARTITION BY t.job_id ORDER BY t.job_submit_seq) AS try
	FROM t JOIN last l ON l.job_id = t.job_id
), bad AS (
	SELECT job_id, job_instance_id, try, job_submit_seq, seq, ex
	FROM ranked WHERE exitcode <> 0
)
SELECT job_id, job_instance_id, try,
	CASE WHEN job_submit_seq = seq THEN 'failed'
		WHEN ex IS NULL AND job_submit_seq = max(job_submit_seq) OVER (PARTITION BY job_id) THEN 'failing'
		ELSE 'earlier' END AS role
FROM bad`

// detailsSQL reads what the report shows of the failed tries but their
// texts, which textsSQL reads on their own (joins would copy them around).
// Neither is sorted: Go sorts the tries.
const detailsSQL = `WITH inst AS (
	SELECT job_instance_id, host_id, site, work_dir, stdout_file, stderr_file, exitcode, subwf_id
	FROM job_instance WHERE job_instance_id BETWEEN @ILO AND @IHI AND job_instance_id IN (SELECT job_instance_id FROM analyzer_bad)
), jn AS (
	SELECT job_id, wf_id, exec_job_id, submit_file, type_desc, executable, argv FROM job
	WHERE job_id BETWEEN @JLO AND @JHI AND job_id IN (SELECT job_id FROM analyzer_bad)
), st AS (
	SELECT job_instance_id, arg_max(state, jobstate_submit_seq) AS state, bool_or(state = 'JOB_ABORTED') AS aborted
	FROM jobstate WHERE job_instance_id BETWEEN @ILO AND @IHI AND job_instance_id IN (SELECT job_instance_id FROM analyzer_bad)
	GROUP BY job_instance_id
)
SELECT jn.wf_id, b.role, b.try, i.job_instance_id, jn.exec_job_id, jn.submit_file, jn.type_desc, jn.executable,
	coalesce(jn.argv, '-'), coalesce(i.site, '-'), coalesce(i.work_dir, '-'), coalesce(i.stdout_file, '-'),
	coalesce(i.stderr_file, '-'), i.exitcode, coalesce(h.hostname, '-'),
	coalesce(sw.submit_dir, '-'), coalesce(sw.wf_uuid, ''), coalesce(st.state, '-'), coalesce(st.aborted, false)
FROM analyzer_bad b JOIN inst i ON i.job_instance_id = b.job_instance_id JOIN jn ON jn.job_id = b.job_id
LEFT JOIN host h ON h.host_id = i.host_id
LEFT JOIN workflow sw ON sw.wf_id = i.subwf_id
LEFT JOIN st ON st.job_instance_id = b.job_instance_id`

// The .err text of an earlier try is read only when its tasks wrote nothing
// on stderr ("#@ N stderr" is then absent from its captured output): it
// is shown nowhere, and the diagnosis looks at it only in that case.
const textsSQL = `SELECT i.job_instance_id, i.stdout_text,
	CASE WHEN b.role = 'earlier' AND contains(coalesce(i.stdout_text, ''), ' stderr%0A') THEN NULL ELSE i.stderr_text END
FROM job_instance i JOIN analyzer_bad b ON b.job_instance_id = i.job_instance_id
WHERE i.job_instance_id BETWEEN @ILO AND @IHI AND i.job_instance_id IN (SELECT job_instance_id FROM analyzer_bad)`

// holdsSQL: the hold reasons of the failed tries, in order.
const holdsSQL = `SELECT job_instance_id, coalesce(reason, '') FROM jobstate
WHERE job_instance_id BETWEEN @ILO AND @IHI AND state = 'JOB_HELD' AND job_instance_id IN (SELECT job_instance_id FROM analyzer_bad)
ORDER BY job_instance_id, jobstate_submit_seq`

// tasksSQL: the tasks' and the PRE script's invocations of the failed
// tries; postSQL the POST script's exit codes (its long arguments are not
// needed).
//
// A record pegasus-monitord read from a kickstart output has the task's CPU
// time; the one it makes up for a try without a record (a job removed
// while held, an output file missing) has none.
const tasksSQL = `SELECT i.job_instance_id, i.task_submit_seq, i.exitcode, i.executable, coalesce(i.argv, '-'), i.transformation, i.abs_task_id,
	i.remote_cpu_time IS NOT NULL
FROM invocation i WHERE i.job_instance_id BETWEEN @ILO AND @IHI AND i.job_instance_id IN (SELECT job_instance_id FROM analyzer_bad)
	AND i.task_submit_seq >= -1`

const postSQL = `SELECT job_instance_id, exitcode FROM invocation
WHERE job_instance_id BETWEEN @ILO AND @IHI AND job_instance_id IN (SELECT job_instance_id FROM analyzer_bad) AND task_submit_seq = -2`

// bounds fills in the @ILO/@IHI and @JLO/@JHI of the queries of the
// failed tries: the range of their job_instance_id and job_id. Constant
// bounds let DuckDB skip the row groups of other workflows (the semi-join
// alone reads the whole of jobstate and invocation for each workflow).
func bounds(bad []badTry) *strings.Replacer {
	iLo, iHi, jLo, jHi := bad[0].instID, bad[0].instID, bad[0].jobID, bad[0].jobID
	for _, b := range bad[1:] {
		iLo, iHi = min(iLo, b.instID), max(iHi, b.instID)
		jLo, jHi = min(jLo, b.jobID), max(jHi, b.jobID)
	}
	f := func(n int64) string { return strconv.FormatInt(n, 10) }
	return strings.NewReplacer("@ILO", f(iLo), "@IHI", f(iHi), "@JLO", f(jLo), "@JHI", f(jHi))
}

// badTry is a row of the temporary table of the failed tries.
type badTry struct {
	jobID, instID, try int64
	role               string
}

// findBad fills the temporary table of the failed tries on conn and returns
// its rows.
func (rd *dbReader) findBad(ctx context.Context, conn *sql.Conn, sc jobScope) ([]badTry, error) {
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(badSQL, sc.in("job_id"))); err != nil {
		return nil, rd.err("find failed tries", err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT job_id, job_instance_id, try, role FROM analyzer_bad`)
	if err != nil {
		return nil, rd.err("find failed tries", err)
	}
	defer rows.Close()
	var out []badTry
	for rows.Next() {
		var b badTry
		if err := rows.Scan(&b.jobID, &b.instID, &b.try, &b.role); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// withBad runs fn on a connection of its own, where it first copies the
// failed tries into a temporary table (with DuckDB's appender: faster than
// finding them again).
func (rd *dbReader) withBad(ctx context.Context, bad []badTry, fn func(conn *sql.Conn) error) error {
	conn, err := rd.db.SQL.Conn(ctx)
	if err != nil {
		return rd.err("read failed jobs", err)
	}
	defer conn.Close()
	defer conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS analyzer_bad`)
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE analyzer_bad (job_id BIGINT, job_instance_id BIGINT, try BIGINT, role VARCHAR)`); err != nil {
		return rd.err("copy failed tries", err)
	}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("not a database/sql/driver connection: %T", dc)
		}
		a, err := duckdb.NewAppender(c, "temp", "main", "analyzer_bad")
		if err != nil {
			return err
		}
		for _, b := range bad {
			if err := a.AppendRow(b.jobID, b.instID, b.try, b.role); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
	if err != nil {
		return rd.err("copy failed tries", err)
	}
	return fn(conn)
}

// texts are the captured output of one try, unquoted.
type texts struct {
	stdout, stderr string
	ok             bool
}

// tryRows are what one query says about each failed try, by the try's
// position in the list of failed tries.
type tryRows struct {
	texts  []texts
	tasks  [][]Task
	record []bool
	post   []*Task
	holds  [][]string
	held   []bool
}

// details reads the failed tries in three parts at once, each on its own
// connection (DuckDB works on one while Go converts the rows of another):
// what the report shows of them, their texts, and their invocations and
// hold reasons.
func (rd *dbReader) details(ctx context.Context, sc jobScope, byID map[int64]*Workflow, t *time.Time) error {
	var (
		wg                  sync.WaitGroup
		errTexts, errTasks  error
		outTexts, outTasks  tryRows
		tTexts, tTasks, tMe time.Duration
	)
	conn, err := rd.db.SQL.Conn(ctx)
	if err != nil {
		return rd.err("read failed jobs", err)
	}
	defer conn.Close()
	defer conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS analyzer_bad`)
	bad, err := rd.findBad(ctx, conn, sc)
	if err != nil {
		return err
	}
	rd.step("failed tries", t)
	if len(bad) == 0 {
		return nil
	}
	q := bounds(bad)
	pos := make(map[int64]int32, len(bad))
	for i, b := range bad {
		pos[b.instID] = int32(i)
	}
	start := time.Now()
	wg.Add(2)
	go func() {
		defer wg.Done()
		errTexts = rd.withBad(ctx, bad, func(conn *sql.Conn) (err error) {
			outTexts, err = rd.readTexts(ctx, conn, pos, q)
			return err
		})
		tTexts = time.Since(start)
	}()
	go func() {
		defer wg.Done()
		errTasks = rd.withBad(ctx, bad, func(conn *sql.Conn) (err error) {
			outTasks, err = rd.readTasks(ctx, conn, pos, q)
			return err
		})
		tTasks = time.Since(start)
	}()
	all, err := rd.readInstances(ctx, conn, byID, q)
	tMe = time.Since(start)
	wg.Wait()
	for _, e := range []error{err, errTexts, errTasks} {
		if e != nil {
			return e
		}
	}
	if rd.o.Trace != nil {
		rd.o.Trace("failed jobs", tMe)
		rd.o.Trace("job output", tTexts)
		rd.o.Trace("tasks", tTasks)
		*t = time.Now()
	}
	sort.Slice(all, func(i, j int) bool { return all[i].InstanceID < all[j].InstanceID })
	for _, ji := range all {
		k, ok := pos[ji.InstanceID]
		if !ok {
			continue
		}
		if tx := outTexts.texts[k]; tx.ok {
			ji.StdoutText, ji.StderrText = tx.stdout, tx.stderr
		}
		ji.Tasks, ji.Record, ji.Post = outTasks.tasks[k], outTasks.record[k], outTasks.post[k]
		ji.HoldReasons, ji.Held = outTasks.holds[k], outTasks.held[k]
		for i := range ji.Tasks {
			if ji.Tasks[i].Seq == -1 {
				ji.PreExe, ji.PreArgv = ji.Tasks[i].Executable, ji.Tasks[i].Arguments
			}
		}
		// Unsorted rows: the PRE script, then the tasks in order.
		if len(ji.Tasks) > 1 {
			sort.Slice(ji.Tasks, func(i, j int) bool { return ji.Tasks[i].Seq < ji.Tasks[j].Seq })
			n := 0
			for i := range ji.Tasks {
				if ji.Tasks[i].AbsTaskID == "-" {
					n++
					ji.Tasks[i].Key = "id" + strconv.Itoa(n)
				}
			}
		}
		rd.finishInstance(ji)
		w := byID[ji.wf]
		switch ji.Role {
		case RoleFailed:
			w.Failed = append(w.Failed, ji)
		case RoleFailing:
			w.Failing = append(w.Failing, ji)
		default:
			w.Earlier = append(w.Earlier, ji)
		}
	}
	return nil
}

// readInstances reads what the report shows of the failed tries but their
// texts and tasks.
func (rd *dbReader) readInstances(ctx context.Context, conn *sql.Conn, byID map[int64]*Workflow, q *strings.Replacer) ([]*JobInstance, error) {
	rows, err := conn.QueryContext(ctx, q.Replace(detailsSQL))
	if err != nil {
		return nil, rd.err("read failed jobs", err)
	}
	defer rows.Close()
	var all []*JobInstance
	for rows.Next() {
		ji := &JobInstance{}
		var exit sql.NullInt64
		if err := rows.Scan(&ji.wf, &ji.Role, &ji.Try, &ji.InstanceID, &ji.Name, &ji.SubmitFile, &ji.TypeDesc, &ji.Executable,
			&ji.Argv, &ji.Site, &ji.WorkDir, &ji.StdoutFile, &ji.StderrFile, &exit, &ji.Hostname,
			&ji.SubwfDir, &ji.SubwfUUID, &ji.State, &ji.Aborted); err != nil {
			return nil, err
		}
		w := byID[ji.wf]
		if w == nil {
			continue
		}
		ji.SubmitDir = w.SubmitDir
		ji.PreExe, ji.PreArgv = "-", "-"
		ji.StdoutText, ji.StderrText = "-", "-"
		ji.RawExit, ji.HasRawExit = int(exit.Int64), exit.Valid
		all = append(all, ji)
	}
	return all, rows.Err()
}

// readTexts reads the captured output of the failed tries.
func (rd *dbReader) readTexts(ctx context.Context, conn *sql.Conn, pos map[int64]int32, q *strings.Replacer) (tryRows, error) {
	out := tryRows{texts: make([]texts, len(pos))}
	rows, err := conn.QueryContext(ctx, q.Replace(textsSQL))
	if err != nil {
		return out, rd.err("read the output of failed jobs", err)
	}
	defer rows.Close()
	for rows.Next() {
		var inst int64
		var stdout, stderr sql.NullString
		if err := rows.Scan(&inst, &stdout, &stderr); err != nil {
			return out, err
		}
		k, ok := pos[inst]
		if !ok {
			continue
		}
		tx := texts{"-", "-", true}
		if stdout.Valid {
			tx.stdout = unquote(stdout.String)
		}
		if stderr.Valid {
			tx.stderr = unquote(stderr.String)
		}
		out.texts[k] = tx
	}
	return out, rows.Err()
}

// readTasks reads the invocations and the hold reasons of the failed tries.
func (rd *dbReader) readTasks(ctx context.Context, conn *sql.Conn, pos map[int64]int32, q *strings.Replacer) (tryRows, error) {
	n := len(pos)
	tr := tryRows{tasks: make([][]Task, n), record: make([]bool, n), post: make([]*Task, n), holds: make([][]string, n), held: make([]bool, n)}
	rows, err := conn.QueryContext(ctx, q.Replace(holdsSQL))
	if err != nil {
		return tr, rd.err("read hold reasons", err)
	}
	for rows.Next() {
		var inst int64
		var reason string
		if err := rows.Scan(&inst, &reason); err != nil {
			rows.Close()
			return tr, err
		}
		k, ok := pos[inst]
		if !ok {
			continue
		}
		tr.held[k] = true
		if reason != "" {
			tr.holds[k] = append(tr.holds[k], reason)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tr, err
	}
	rows, err = conn.QueryContext(ctx, q.Replace(postSQL))
	if err != nil {
		return tr, rd.err("read POST scripts", err)
	}
	for rows.Next() {
		var inst int64
		var raw int
		if err := rows.Scan(&inst, &raw); err != nil {
			rows.Close()
			return tr, err
		}
		k, ok := pos[inst]
		if !ok {
			continue
		}
		tr.post[k] = &Task{Seq: -2, Exit: DecodeRaw(raw), Transformation: "dagman::post", Executable: "-", Arguments: "-", AbsTaskID: "-"}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tr, err
	}
	rows, err = conn.QueryContext(ctx, q.Replace(tasksSQL))
	if err != nil {
		return tr, rd.err("read failed tasks", err)
	}
	defer rows.Close()
	for rows.Next() {
		var inst int64
		var t Task
		var raw int
		var absID sql.NullString
		var record bool
		if err := rows.Scan(&inst, &t.Seq, &raw, &t.Executable, &t.Arguments, &t.Transformation, &absID, &record); err != nil {
			return tr, err
		}
		k, ok := pos[inst]
		if !ok {
			continue
		}
		if record && t.Seq >= 1 {
			tr.record[k] = true
		}
		t.Exit = DecodeRaw(raw)
		if absID.Valid {
			t.Key, t.AbsTaskID = absID.String, absID.String
		} else {
			t.Key, t.AbsTaskID = "id1", "-"
		}
		tr.tasks[k] = append(tr.tasks[k], t)
	}
	return tr, rows.Err()
}

// finishInstance splits the captured task output into the tasks and picks
// up the PRE script's log.
func (rd *dbReader) finishInstance(ji *JobInstance) {
	sections := splitTaskOutput(ji.StdoutText)
	for i := range ji.Tasks {
		t := &ji.Tasks[i]
		if s, ok := sections[t.Seq]; ok {
			t.Stdout, t.Stderr = s.stdout, s.stderr
		}
		t.Hostname, t.Site, t.Cwd = ji.Hostname, ji.Site, ji.WorkDir
	}
	if ji.State == "PRE_SCRIPT_FAILED" {
		// monitord stores the PRE script's log as the try's stdout.
		if ji.StdoutText != "-" {
			ji.PreLog, ji.PreLogFile = ji.StdoutText, ji.StdoutFile
		} else {
			ji.Notes = append(ji.Notes, "no PRE script log was loaded for this try")
		}
	} else if !ji.Record && !ji.Aborted && ji.SubwfUUID == "" && ji.TypeDesc != "dax" && ji.TypeDesc != "dag" &&
		ji.StdoutFile != "-" && !strings.HasPrefix(ji.State, "SUBMIT") {
		ji.Notes = append(ji.Notes, "no kickstart record was loaded for this try: "+ji.StdoutFile+
			" was missing or could not be read when pegasus-monitord loaded the run")
	}
	if ji.SubwfDir != "-" && ji.SubwfDir != "" {
		ji.SubwfDir = rebase(ji.SubwfDir, ji.SubmitDir, rd.o.Dir)
	}
}

// unquote reverses monitord's URL-quoting of texts (%XX escapes), as
// ingest.UnquoteText does, a little faster: the texts of thousands of
// failed jobs go through it.
func unquote(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, i, len(s))
	copy(b, s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			if h, l := unhex(s[i+1]), unhex(s[i+2]); h >= 0 && l >= 0 {
				b = append(b, byte(h<<4|l))
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// rebase moves path from the recorded submit directory to the one given.
func rebase(path, recorded, given string) string {
	if given == "" || recorded == "" || recorded == "-" {
		return path
	}
	rc := filepath.Clean(recorded)
	if p := filepath.Clean(path); strings.HasPrefix(p, rc+string(filepath.Separator)) {
		return filepath.Join(given, p[len(rc)+1:])
	}
	return path
}

type taskOutput struct{ stdout, stderr string }

// splitTaskOutput splits a try's captured output into the "#@ N stdout" and
// "#@ N stderr" sections monitord writes, keyed by task number.
func splitTaskOutput(text string) map[int]taskOutput {
	if !strings.HasPrefix(text, "#@ ") {
		return nil
	}
	out := map[int]taskOutput{}
	for text != "" {
		if !strings.HasPrefix(text, "#@ ") {
			break
		}
		hdr, rest, _ := strings.Cut(text, "\n")
		f := strings.Fields(hdr[3:])
		end := strings.Index(rest, "\n#@ ")
		body := rest
		if end >= 0 {
			body, text = rest[:end], rest[end+1:]
		} else {
			text = ""
		}
		body = strings.TrimSuffix(body, "\n")
		if len(f) != 2 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		s := out[n]
		switch f[1] {
		case "stdout":
			s.stdout += body
		case "stderr":
			s.stderr += body
		}
		out[n] = s
	}
	return out
}

// notes adds what a reader of the report should know about the workflow.
func (rd *dbReader) notes(w *Workflow) {
	if w.Status == StatusFailure && w.Counts.Failed == 0 {
		w.Notes = append(w.Notes, "The workflow failed, but none of its jobs did: look at the DAGMan log (<dag>.dagman.out) and monitord.log in the submit directory.")
	}
	if w.Counts.Total > 0 && w.Counts.Unsubmitted == w.Counts.Total {
		w.Notes = append(w.Notes, "Looks like the workflow did not start.")
		if rd.o.Dir != "" && w.Key == "root" {
			w.Notes = append(w.Notes, didNotStart(rd.o.Dir)...)
		}
	}
	if w.Status == StatusRunning {
		w.Notes = append(w.Notes, "The workflow is still running (or its DAGMan died without a final record): the counts are those of the moment.")
	}
}

// didNotStart looks for why DAGMan did not start: an NFS locking error in
// the DAGMan log, and a non-empty <dag>.lib.err.
func didNotStart(dir string) []string {
	var notes []string
	if outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out")); len(outs) > 0 {
		if b, err := readHead(outs[0], 4<<20); err == nil {
			for _, l := range strings.Split(b, "\n") {
				if strings.Contains(l, "Error:") && (strings.Contains(l, "NFS") || strings.Contains(l, "lock")) {
					notes = append(notes, "Error detected in "+filepath.Base(outs[0])+": "+strings.TrimSpace(l)+
						" (the submit directory should not be on NFS; else set CREATE_LOCKS_ON_LOCAL_DISK or ENABLE_USERLOG_LOCKING)")
					break
				}
			}
		}
	}
	if errs, _ := filepath.Glob(filepath.Join(dir, "*.dag.lib.err")); len(errs) > 0 {
		if b, err := readHead(errs[0], 64<<10); err == nil && strings.TrimSpace(b) != "" {
			notes = append(notes, "Error detected in "+filepath.Base(errs[0])+": "+strings.TrimSpace(b))
		}
	}
	return notes
}

// unreadableDir says, for a submit directory the database records, why its
// files cannot be read; "" when they can.
func unreadableDir(dir string) string {
	if dir == "" {
		return "the database records no submit directory for this workflow: no file of the run (the DAGMan log, <dag>.lib.err) was read"
	}
	f, err := os.Open(dir)
	if err == nil {
		_, err = f.Readdirnames(1)
		f.Close()
		if err == io.EOF {
			err = nil
		}
	}
	switch {
	case err == nil:
		return ""
	case errors.Is(err, os.ErrNotExist):
		err = errors.New("no such directory")
	case errors.Is(err, os.ErrPermission):
		err = errors.New("permission denied")
	default:
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
	}
	return "the submit directory the database records, " + dir + ", cannot be read (" + err.Error() +
		"): the files there (the DAGMan log, <dag>.lib.err) were not read; everything else comes from the database"
}

// readHead reads at most n bytes of a file.
func readHead(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := f.Read(b)
	if k > 0 {
		err = nil
	}
	return string(b[:k]), err
}

// recurse adds, with Options.Recurse, the workflows of failed sub-workflow
// jobs (and theirs), after the workflow that ran them.
func (rd *dbReader) recurse(ctx context.Context, r *Report) error {
	if !rd.o.Recurse {
		return nil
	}
	seen := map[string]bool{}
	for _, w := range r.Workflows {
		seen[w.UUID] = true
	}
	var out []*Workflow
	var visit func(w *Workflow) error
	visit = func(w *Workflow) error {
		out = append(out, w)
		var subs []*JobInstance
		for _, ji := range append(append([]*JobInstance(nil), w.Failed...), w.Failing...) {
			if ji.SubwfUUID != "" && !seen[ji.SubwfUUID] {
				seen[ji.SubwfUUID] = true
				subs = append(subs, ji)
			}
		}
		sort.SliceStable(subs, func(i, j int) bool { return subs[i].InstanceID < subs[j].InstanceID })
		for _, ji := range subs {
			child, err := rd.db.WorkflowByUUID(ctx, ji.SubwfUUID)
			if err != nil {
				w.Notes = append(w.Notes, "sub-workflow "+ji.SubwfUUID+" of job "+ji.Name+" is not in the database")
				continue
			}
			cw, err := rd.workflows(ctx, []int64{child.ID}, map[int64]string{child.ID: child.UUID})
			if err != nil {
				return err
			}
			cw[0].Via = ji.Name
			explainSubworkflow(ji, cw[0])
			if err := visit(cw[0]); err != nil {
				return err
			}
		}
		return nil
	}
	for _, w := range r.Workflows {
		if err := visit(w); err != nil {
			return err
		}
	}
	r.Workflows = out
	return nil
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
