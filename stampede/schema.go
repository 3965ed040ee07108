package stampede

// SchemaVersion is the Stampede schema version recorded in dbversion
// (Pegasus 5.x writes 14).
const SchemaVersion = 14

// Tables lists the Stampede tables in dependency order (parents first).
var Tables = []string{
	"dbversion", "workflow", "workflowstate", "workflow_meta", "workflow_metrics",
	"host", "job", "job_edge", "job_instance", "jobstate", "tag",
	"task", "task_edge", "task_meta", "invocation", "integrity",
	"rc_lfn", "rc_pfn", "rc_meta", "workflow_files", "lfn_workflow",
	"master_workflow", "master_workflowstate", "ensemble", "ensemble_workflow", "trigger",
}

// schemaSQL creates the Stampede schema. Table and column names are Pegasus's
// (FORMATS.md §4), so SQL written for Pegasus works. Times are epoch seconds
// and durations seconds, as DOUBLE (what Pegasus's SQLite stores); exit codes
// are raw wait statuses. Surrogate keys are BIGINT, assigned by the loader (a
// database has one writer at a time); uniqueness of natural keys is kept by
// the loader rather than by indexes, which would slow bulk loading.
//
// workflowstate.state and the type_desc columns are ENUMs, as in Pegasus's
// schema: they compare and print as text, and cost a byte a row.
//
// String columns are declared with a compression, so that DuckDB skips
// weighing the others for them at each checkpoint (most of a big load's
// COMMIT): zstd for paths, argument lists and job stderr text, values that
// are unique, or nearly, in every run (as small as FSST or smaller there,
// and faster to write; job.executable is a per-job wrapper script under
// PegasusLite); FSST for short unique names and ids (job names, task ids,
// Condor ids, edges, LFNs, replica values), where zstd would be bigger;
// dictionary for the few values of a name set (job states, sites, users,
// transformations, executables, metadata keys, integrity types), which
// costs a fraction of a byte a row, even when one value fills the column.
// zstd needs the storage format a new database is written in
// (storageVersion; docs/stampede.md). Columns that are empty in most runs
// (reasons, argv of jobs, stdin) are left to DuckDB, and so is
// job_instance.stdout_text, which is short and often empty.
//
// Our additions: workflow_metrics (the planner's metrics file, one row per
// counter), lfn_workflow (which workflows referenced each LFN, so the global
// rc_* tables can be archived per run) and the analyst views below.
var schemaSQL = `
CREATE TYPE IF NOT EXISTS workflow_state AS ENUM ('WORKFLOW_STARTED', 'WORKFLOW_TERMINATED');
CREATE TYPE IF NOT EXISTS type_desc AS ENUM ('unknown', 'compute', 'stage-in-tx', 'stage-out-tx', 'registration',
	'inter-site-tx', 'create-dir', 'staged-compute', 'cleanup', 'chmod', 'dax', 'dag');
CREATE TABLE IF NOT EXISTS dbversion (
	id BIGINT, version_number INTEGER, version VARCHAR NOT NULL, version_timestamp BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS workflow (
	wf_id BIGINT NOT NULL, wf_uuid VARCHAR NOT NULL, dag_file_name VARCHAR, timestamp DOUBLE,
	submit_hostname VARCHAR, submit_dir VARCHAR, planner_arguments VARCHAR, "user" VARCHAR,
	grid_dn VARCHAR, planner_version VARCHAR, dax_label VARCHAR, dax_version VARCHAR, dax_file VARCHAR,
	db_url VARCHAR, parent_wf_id BIGINT, root_wf_id BIGINT);
CREATE TABLE IF NOT EXISTS workflowstate (
	wf_id BIGINT NOT NULL, state workflow_state NOT NULL, timestamp DOUBLE NOT NULL,
	restart_count INTEGER NOT NULL, status INTEGER, reason VARCHAR);
CREATE TABLE IF NOT EXISTS workflow_meta (
	wf_id BIGINT NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS workflow_metrics (
	wf_id BIGINT NOT NULL, section VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR);
CREATE TABLE IF NOT EXISTS host (
	host_id BIGINT NOT NULL, wf_id BIGINT NOT NULL, site VARCHAR NOT NULL, hostname VARCHAR NOT NULL,
	ip VARCHAR NOT NULL, uname VARCHAR, total_memory BIGINT);
CREATE TABLE IF NOT EXISTS job (
	job_id BIGINT NOT NULL, wf_id BIGINT NOT NULL, exec_job_id VARCHAR NOT NULL USING COMPRESSION fsst,
	submit_file VARCHAR NOT NULL USING COMPRESSION zstd, type_desc type_desc NOT NULL, clustered BOOLEAN NOT NULL, max_retries INTEGER NOT NULL,
	executable VARCHAR NOT NULL USING COMPRESSION zstd, argv VARCHAR, task_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS job_edge (
	wf_id BIGINT NOT NULL, parent_exec_job_id VARCHAR NOT NULL USING COMPRESSION fsst, child_exec_job_id VARCHAR NOT NULL USING COMPRESSION fsst);
CREATE TABLE IF NOT EXISTS job_instance (
	job_instance_id BIGINT NOT NULL, job_id BIGINT NOT NULL, host_id BIGINT, job_submit_seq INTEGER NOT NULL,
	sched_id VARCHAR USING COMPRESSION fsst, site VARCHAR USING COMPRESSION dictionary, "user" VARCHAR USING COMPRESSION dictionary, work_dir VARCHAR USING COMPRESSION zstd, cluster_start DOUBLE,
	cluster_duration DOUBLE, local_duration DOUBLE, subwf_id BIGINT, stdout_file VARCHAR USING COMPRESSION zstd,
	stdout_text VARCHAR, stderr_file VARCHAR USING COMPRESSION zstd, stderr_text VARCHAR USING COMPRESSION zstd,
	stdin_file VARCHAR,
	multiplier_factor INTEGER NOT NULL DEFAULT 1, exitcode INTEGER);
CREATE TABLE IF NOT EXISTS jobstate (
	job_instance_id BIGINT NOT NULL, state VARCHAR NOT NULL USING COMPRESSION dictionary, timestamp DOUBLE NOT NULL,
	jobstate_submit_seq INTEGER NOT NULL, reason VARCHAR);
CREATE TABLE IF NOT EXISTS tag (
	tag_id BIGINT NOT NULL, wf_id BIGINT NOT NULL, job_instance_id BIGINT NOT NULL,
	name VARCHAR NOT NULL, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS task (
	task_id BIGINT NOT NULL, wf_id BIGINT NOT NULL, job_id BIGINT, abs_task_id VARCHAR NOT NULL USING COMPRESSION fsst,
	transformation VARCHAR NOT NULL USING COMPRESSION dictionary, argv VARCHAR USING COMPRESSION zstd, type_desc type_desc NOT NULL);
CREATE TABLE IF NOT EXISTS task_edge (
	wf_id BIGINT NOT NULL, parent_abs_task_id VARCHAR NOT NULL USING COMPRESSION fsst, child_abs_task_id VARCHAR NOT NULL USING COMPRESSION fsst);
CREATE TABLE IF NOT EXISTS task_meta (
	task_id BIGINT NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS invocation (
	invocation_id BIGINT NOT NULL, wf_id BIGINT NOT NULL, job_instance_id BIGINT NOT NULL,
	task_submit_seq INTEGER NOT NULL, start_time DOUBLE NOT NULL, remote_duration DOUBLE NOT NULL,
	remote_cpu_time DOUBLE, exitcode INTEGER NOT NULL, transformation VARCHAR NOT NULL USING COMPRESSION dictionary,
	executable VARCHAR NOT NULL USING COMPRESSION dictionary, argv VARCHAR USING COMPRESSION zstd, abs_task_id VARCHAR USING COMPRESSION fsst, maxrss BIGINT, avg_cpu DOUBLE);
CREATE TABLE IF NOT EXISTS integrity (
	integrity_id BIGINT NOT NULL, wf_id BIGINT NOT NULL, job_instance_id BIGINT NOT NULL,
	type VARCHAR NOT NULL USING COMPRESSION dictionary, file_type VARCHAR USING COMPRESSION dictionary, count INTEGER NOT NULL, duration DOUBLE NOT NULL);
CREATE TABLE IF NOT EXISTS rc_lfn (lfn_id BIGINT NOT NULL, lfn VARCHAR NOT NULL USING COMPRESSION fsst);
CREATE TABLE IF NOT EXISTS rc_pfn (pfn_id BIGINT NOT NULL, lfn_id BIGINT, pfn VARCHAR NOT NULL, site VARCHAR);
CREATE TABLE IF NOT EXISTS rc_meta (lfn_id BIGINT NOT NULL, key VARCHAR NOT NULL USING COMPRESSION dictionary, value VARCHAR NOT NULL USING COMPRESSION fsst);
CREATE TABLE IF NOT EXISTS workflow_files (
	wf_id BIGINT NOT NULL, task_id BIGINT NOT NULL, lfn_id BIGINT NOT NULL, file_type VARCHAR);
CREATE TABLE IF NOT EXISTS lfn_workflow (lfn_id BIGINT NOT NULL, wf_id BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS master_workflow (
	wf_id BIGINT, wf_uuid VARCHAR, dax_label VARCHAR, dax_version VARCHAR, dax_file VARCHAR,
	dag_file_name VARCHAR, timestamp DOUBLE, submit_hostname VARCHAR, submit_dir VARCHAR,
	planner_arguments VARCHAR, "user" VARCHAR, grid_dn VARCHAR, planner_version VARCHAR,
	db_url VARCHAR, archived BOOLEAN);
CREATE TABLE IF NOT EXISTS master_workflowstate (
	wf_id BIGINT, state VARCHAR, timestamp DOUBLE, restart_count INTEGER, status INTEGER, reason VARCHAR);
CREATE TABLE IF NOT EXISTS ensemble (
	id BIGINT, name VARCHAR, created DOUBLE, updated DOUBLE, state VARCHAR, max_running INTEGER,
	max_planning INTEGER, username VARCHAR);
CREATE TABLE IF NOT EXISTS ensemble_workflow (
	id BIGINT, ensemble_id BIGINT, name VARCHAR, basedir VARCHAR, created DOUBLE, updated DOUBLE,
	state VARCHAR, priority INTEGER, wf_uuid VARCHAR, submitdir VARCHAR, plan_command VARCHAR);
CREATE TABLE IF NOT EXISTS "trigger" (
	id BIGINT, ensemble_id BIGINT, name VARCHAR, state VARCHAR, workflow VARCHAR, args VARCHAR, type VARCHAR);
`

// viewsSQL defines the views for analysts. They are derived from the tables
// (which stay Pegasus-compatible) and documented in docs/stampede.md.
const viewsSQL = `
CREATE OR REPLACE VIEW job_try AS
SELECT w.wf_uuid, w.dax_label, j.wf_id, j.job_id, j.exec_job_id, j.type_desc,
	ji.job_instance_id, ji.job_submit_seq,
	row_number() OVER (PARTITION BY ji.job_id ORDER BY ji.job_submit_seq) AS try,
	ji.site, h.hostname, ji.sched_id, ji.exitcode AS raw_exitcode,
	CASE WHEN ji.exitcode IS NULL THEN NULL WHEN ji.exitcode < 0 THEN -128
		WHEN ji.exitcode % 128 <> 0 THEN -(ji.exitcode % 128) ELSE ji.exitcode // 256 END AS exitcode,
	CASE WHEN ji.exitcode IS NULL THEN 'running' WHEN ji.exitcode = 0 THEN 'succeeded' ELSE 'failed' END AS status,
	s.submit_time, s.execute_time, s.terminate_time, s.post_start_time, s.post_end_time, s.held_time,
	to_timestamp(s.submit_time) AS submitted_at,
	s.execute_time - s.submit_time AS queue_seconds,
	ji.local_duration AS runtime_seconds,
	s.post_end_time - s.post_start_time AS post_seconds,
	ji.multiplier_factor, ji.stdout_file, ji.stderr_file, ji.work_dir, ji.subwf_id
FROM job_instance ji
JOIN job j ON j.job_id = ji.job_id
JOIN workflow w ON w.wf_id = j.wf_id
LEFT JOIN host h ON h.host_id = ji.host_id
LEFT JOIN (
	SELECT job_instance_id,
		min(timestamp) FILTER (WHERE state = 'SUBMIT') AS submit_time,
		min(timestamp) FILTER (WHERE state = 'EXECUTE') AS execute_time,
		min(timestamp) FILTER (WHERE state = 'JOB_TERMINATED') AS terminate_time,
		min(timestamp) FILTER (WHERE state = 'POST_SCRIPT_STARTED') AS post_start_time,
		max(timestamp) FILTER (WHERE state IN ('POST_SCRIPT_SUCCESS','POST_SCRIPT_FAILED')) AS post_end_time,
		min(timestamp) FILTER (WHERE state = 'JOB_HELD') AS held_time
	FROM jobstate GROUP BY job_instance_id) s ON s.job_instance_id = ji.job_instance_id;

CREATE OR REPLACE VIEW task_run AS
SELECT w.wf_uuid, inv.wf_id, j.exec_job_id, ji.job_submit_seq, inv.task_submit_seq, inv.abs_task_id,
	inv.transformation, inv.executable, inv.argv,
	to_timestamp(inv.start_time) AS started_at, inv.start_time, inv.remote_duration, inv.remote_cpu_time,
	inv.avg_cpu, inv.maxrss, inv.exitcode AS raw_exitcode,
	CASE WHEN inv.exitcode < 0 THEN -128 WHEN inv.exitcode % 128 <> 0 THEN -(inv.exitcode % 128)
		ELSE inv.exitcode // 256 END AS exitcode,
	h.hostname, ji.site
FROM invocation inv
JOIN job_instance ji ON ji.job_instance_id = inv.job_instance_id
JOIN job j ON j.job_id = ji.job_id
JOIN workflow w ON w.wf_id = inv.wf_id
LEFT JOIN host h ON h.host_id = ji.host_id;

CREATE OR REPLACE VIEW workflow_run AS
SELECT w.wf_id, w.wf_uuid, w.dax_label, w.root_wf_id, w.parent_wf_id, w.submit_dir,
	to_timestamp(w.timestamp) AS planned_at,
	s.restart_count, s.started, s.ended, s.ended - s.started AS wall_seconds, s.status,
	to_timestamp(s.started) AS started_at, to_timestamp(s.ended) AS ended_at
FROM workflow w
LEFT JOIN (
	SELECT wf_id, restart_count,
		min(timestamp) FILTER (WHERE state = 'WORKFLOW_STARTED') AS started,
		max(timestamp) FILTER (WHERE state = 'WORKFLOW_TERMINATED') AS ended,
		max(status) FILTER (WHERE state = 'WORKFLOW_TERMINATED') AS status
	FROM workflowstate GROUP BY wf_id, restart_count) s ON s.wf_id = w.wf_id;
`
