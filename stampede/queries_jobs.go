package stampede

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// JobColumns are the columns of Pegasus's job-instance listing (jobs.txt,
// TOOLS.md §1.11.6), in order.
var JobColumns = []string{"Job", "Try", "Site", "Kickstart", "Mult", "Kickstart-Mult", "CPU-Time", "Post",
	"CondorQTime", "Resource", "Runtime", "Seqexec", "Seqexec-Delay", "Exitcode", "Hostname"}

// A job listing has one row per try of every job and can have millions of
// rows, so its cells are formatted by DuckDB, in parallel, rather than
// fetched as numbers and formatted in Go: fetching one packed string per row
// is several times cheaper than fetching fifteen values. The formatting is
// Pegasus's (Python's) and must stay equal to package report's: fstr is
// Python's repr(round(x, 3)) — DuckDB's DOUBLE to VARCHAR cast prints
// exactly Python's repr, and printf('%.3f') rounds the exact binary value,
// ties to even, as Python's round does (tested against report.Fstr).

// fstrSQL is report.Fstr in SQL, of a DOUBLE expression v. A whole number
// (the usual case: DAGMan's times are whole seconds) prints as its integer
// and ".0". Otherwise, when v equals round(v·1000)/1000, v is the double
// nearest a number with at most three decimals and its VARCHAR cast already
// is repr(round(v, 3)); else printf rounds the exact value.
func fstrSQL(v string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN '-'
		WHEN %[1]s = trunc(%[1]s) AND abs(%[1]s) < 1e15 AND %[1]s <> 0 THEN CAST(CAST(%[1]s AS BIGINT) AS VARCHAR) || '.0'
		WHEN %[1]s = round(%[1]s * 1000) / 1000 THEN CAST(%[1]s AS VARCHAR)
		ELSE CAST(CAST(printf('%%.3f', %[1]s) AS DOUBLE) AS VARCHAR) END`, v)
}

// exitcodeSQL is report.RawToRegular in SQL, "None" for NULL.
func exitcodeSQL(e string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN 'None' WHEN %[1]s < 0 THEN '-128'
		WHEN %[1]s %% 128 <> 0 THEN CAST(-(%[1]s %% 128) AS VARCHAR) ELSE CAST(%[1]s // 256 AS VARCHAR) END`, e)
}

// jobRowsSQL lists the formatted cells of every try of the scope, packed
// into one string per row. The times come from jobstate (the earliest row
// of a state when it occurs more than once); Kickstart, Kickstart-Mult and
// CPU-Time sum the try's task invocations (no PRE or POST script record);
// Exitcode is the highest raw status among its invocations, PRE script
// included.
const jobRowsSQL = `
WITH scope(wf_id, pos) AS (SELECT * FROM (VALUES %[1]s)),
ji AS (
	SELECT s.pos, j.exec_job_id, ji.job_id, ji.job_instance_id, ji.job_submit_seq, ji.site, ji.multiplier_factor,
		ji.local_duration, ji.cluster_duration, ji.host_id
	FROM job j JOIN scope s ON s.wf_id = j.wf_id JOIN job_instance ji ON ji.job_id = j.job_id
), try AS (
	SELECT job_instance_id, row_number() OVER (PARTITION BY job_id ORDER BY job_submit_seq, job_instance_id) AS try FROM ji
), inv AS (
	SELECT i.job_instance_id,
		sum(CASE WHEN i.task_submit_seq >= 0 THEN i.remote_duration END) AS ks,
		%[2]s AS ks_mult,
		sum(CASE WHEN i.task_submit_seq >= 0 THEN i.remote_cpu_time END) AS cpu,
		max(CASE WHEN i.task_submit_seq >= -1 THEN i.exitcode END) AS exitcode
	FROM invocation i %[3]s
	WHERE %[4]s
	GROUP BY i.job_instance_id
), st AS (
	SELECT js.job_instance_id,
		min(CASE WHEN js.state = 'SUBMIT' THEN js.timestamp END) AS submit,
		min(CASE WHEN js.state = 'EXECUTE' THEN js.timestamp END) AS execute,
		min(CASE WHEN js.state IN ('GRID_SUBMIT', 'GLOBUS_SUBMIT') THEN js.timestamp END) AS grid_submit,
		min(CASE WHEN js.state = 'POST_SCRIPT_TERMINATED' THEN js.timestamp END) AS post_end,
		max(CASE WHEN js.state IN ('POST_SCRIPT_STARTED', 'JOB_TERMINATED') THEN js.timestamp END) AS post_start
	FROM jobstate js %[5]s
	GROUP BY js.job_instance_id
), v AS (
	SELECT ji.pos, ji.job_submit_seq AS seq, ji.job_instance_id AS id, ji.exec_job_id, t.try, ji.site,
		ji.multiplier_factor, h.hostname, inv.exitcode,
		inv.ks AS v1, inv.ks_mult AS v2, inv.cpu AS v3, st.post_end - st.post_start AS v4,
		least(st.grid_submit, st.execute) - st.submit AS v5, st.execute - st.grid_submit AS v6,
		ji.local_duration AS v7, ji.cluster_duration AS v8, ji.cluster_duration - inv.ks AS v9
	FROM ji JOIN try t ON t.job_instance_id = ji.job_instance_id
		LEFT JOIN inv ON inv.job_instance_id = ji.job_instance_id
		LEFT JOIN st ON st.job_instance_id = ji.job_instance_id
		LEFT JOIN host h ON h.host_id = ji.host_id
), c AS (
	SELECT pos, seq, id, exec_job_id AS c1, CAST(try AS VARCHAR) AS c2, coalesce(site, '-') AS c3, %[6]s AS c4,
		coalesce(CAST(multiplier_factor AS VARCHAR), 'None') AS c5, %[7]s AS c6, %[8]s AS c7, %[9]s AS c8, %[10]s AS c9,
		%[11]s AS c10, %[12]s AS c11, %[13]s AS c12, %[14]s AS c13, %[15]s AS c14, coalesce(hostname, 'None') AS c15
	FROM v
)
SELECT pos, concat_ws(chr(31), %[16]s) FROM c ORDER BY pos, seq, id`

// JobRows calls fn, for every try of every job of each workflow of the
// scope (sub-workflow and auxiliary jobs included), with the workflow's
// position in the scope and the row's cells, in JobColumns order, printed
// as Pegasus prints them (times with fstr, "-" for none; Exitcode the
// regular exit code, "None" without invocations; Hostname "None" when
// unknown). Rows come in scope order, then job_submit_seq order. The cells
// are packed in one string (separated by U+001F, see UnpackCells), valid
// only during the call.
func (q *Scoped) JobRows(ctx context.Context, fn func(pos int, packed string) error) error {
	if len(q.scope) == 0 {
		return nil
	}
	var pos []string
	for i, id := range q.scope {
		pos = append(pos, fmt.Sprintf("(%d, %d)", id, i))
	}
	ksMult, join, jsWhere := "NULL", "", ""
	f := func(i int) string { return fstrSQL(fmt.Sprintf("v%d", i)) }
	c6 := "c4" // Kickstart-Mult is Kickstart when every factor is 1
	if !q.unitMult {
		ksMult = "sum(CASE WHEN i.task_submit_seq >= 0 THEN i.remote_duration * m.multiplier_factor END)"
		join = "JOIN job_instance m ON m.job_instance_id = i.job_instance_id"
		c6 = f(2)
	}
	if !q.all {
		jsWhere = "WHERE js.job_instance_id IN (SELECT job_instance_id FROM ji)"
	}
	var packed []string
	for i := 1; i <= len(JobColumns); i++ {
		packed = append(packed, fmt.Sprintf("c%d", i))
	}
	stmt := fmt.Sprintf(jobRowsSQL, strings.Join(pos, ", "), ksMult, join, q.where("i.wf_id"), jsWhere,
		f(1), c6, f(3), f(4), f(5), f(6), f(7), f(8), f(9), exitcodeSQL("exitcode"), strings.Join(packed, ", "))
	rows, err := q.db.SQL.QueryContext(ctx, stmt)
	if err != nil {
		return fmt.Errorf("%s: job instance statistics: %w", q.db.Path, err)
	}
	defer rows.Close()
	var p int
	var s string
	n := 0
	for rows.Next() {
		if n++; n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(&p, &s); err != nil {
			return err
		}
		if err := fn(p, s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ErrPackedRow means a packed row of JobRows could not be split: a job,
// site or host name holds the separator, an ASCII control character
// (U+001F) that HTCondor and DNS names never contain.
var ErrPackedRow = errors.New("malformed job row (a name holds the control character U+001F)")

// UnpackCells splits a packed row of JobRows into cells (len(cells) of
// them), which share the row's memory.
func UnpackCells(s string, cells []string) error {
	for i := range cells {
		j := strings.IndexByte(s, 0x1f)
		if i == len(cells)-1 {
			if j >= 0 {
				return ErrPackedRow
			}
			cells[i] = s
			return nil
		}
		if j < 0 {
			return ErrPackedRow
		}
		cells[i], s = s[:j], s[j+1:]
	}
	return nil
}
