package stampede

import (
	"context"
	"fmt"
)

// SyntheticRun describes a hierarchical run that FillSynthetic writes
// straight into the Stampede tables, for benchmarks of the reports (far
// faster than generating and replaying a submit directory of that size).
type SyntheticRun struct {
	UUID         string  // root workflow uuid; "" means a fixed one
	Jobs         int     // jobs that are not sub-workflow jobs, spread over the workflows
	SubWorkflows int     // sub-workflows, each started by a dax job of the root
	Hosts        int     // execution hosts; 0 means 200
	Start        float64 // epoch seconds of the root's start; 0 means 2023-01-17 18:00 UTC
}

// FillSynthetic adds a synthetic run to a database opened for writing. The
// rows follow Pegasus's shapes with fixed pseudo-random distributions
// (hash of the row number), so the same options always give the same rows:
//   - job types: 80% compute (one task each, 20 transformations), the rest
//     stage-in, stage-out, registration, create-dir and cleanup jobs;
//   - tries: 1 (90%), 2 (8%) or 3 (2%) per job; every try but the last
//     fails (exit 1), and 1% of the jobs' last tries fail too;
//   - each try: 7 jobstate rows (SUBMIT ... POST_SCRIPT_SUCCESS/FAILED), a
//     kickstart invocation (1 s to 20 min, memory and CPU use) and a POST
//     script invocation; sub-workflow jobs get a condor::dagman invocation;
//   - times spread over about three days; integrity rows for 10% of tries.
//
// Ids start after the largest ids already in the tables.
func (db *DB) FillSynthetic(ctx context.Context, r SyntheticRun) error {
	if r.Jobs < 1 {
		return fmt.Errorf("synthetic run: jobs must be at least 1")
	}
	if r.UUID == "" {
		r.UUID = "5e1f0000-0000-4000-8000-000000000001"
	}
	if r.Hosts <= 0 {
		r.Hosts = 200
	}
	if r.Start == 0 {
		r.Start = 1673978400
	}
	k := r.SubWorkflows
	span := 3 * 86400.0
	vars := fmt.Sprintf(`
CREATE OR REPLACE TEMP TABLE syn_param AS SELECT
	(SELECT coalesce(max(wf_id), 0) FROM workflow) AS wf0,
	(SELECT coalesce(max(job_id), 0) FROM job) AS job0,
	(SELECT coalesce(max(job_instance_id), 0) FROM job_instance) AS ji0,
	(SELECT coalesce(max(host_id), 0) FROM host) AS host0,
	(SELECT coalesce(max(invocation_id), 0) FROM invocation) AS inv0,
	(SELECT coalesce(max(task_id), 0) FROM task) AS task0,
	(SELECT coalesce(max(integrity_id), 0) FROM integrity) AS int0,
	%d::BIGINT AS n, %d::BIGINT AS k, %d::BIGINT AS hosts, %f::DOUBLE AS t0, %f::DOUBLE AS span, '%s' AS uuid`,
		r.Jobs, k, r.Hosts, r.Start, span, r.UUID)
	stmts := []string{vars,
		// Workflows: the root (w = 0) and its sub-workflows (w = 1..k).
		`INSERT INTO workflow (wf_id, wf_uuid, dag_file_name, timestamp, submit_hostname, submit_dir, planner_arguments,
			"user", planner_version, dax_label, dax_version, dax_file, parent_wf_id, root_wf_id)
		SELECT wf0 + 1 + w, CASE WHEN w = 0 THEN uuid ELSE uuid || '-sub-' || w END,
			CASE WHEN w = 0 THEN 'synth-0.dag' ELSE 'sub' || w || '-0.dag' END, t0 - 60, 'submit.example.org',
			'/scratch/synth/run0001' || CASE WHEN w = 0 THEN '' ELSE '/00/00/sub' || w END, '--sites condorpool',
			'pegasus', '5.0.5', CASE WHEN w = 0 THEN 'synth' ELSE 'sub' || w END, '5.0', 'workflow.yml',
			CASE WHEN w = 0 THEN NULL ELSE wf0 + 1 END, wf0 + 1
		FROM syn_param, range(0, k + 1) t(w)`,
		`INSERT INTO workflowstate SELECT wf0 + 1 + w, s, t0 + CASE WHEN s = 'WORKFLOW_STARTED' THEN w * 10 ELSE span + 3600 - w * 10 END,
			0, CASE WHEN s = 'WORKFLOW_STARTED' THEN NULL ELSE 0 END, NULL
		FROM syn_param, range(0, k + 1) t(w), (VALUES ('WORKFLOW_STARTED'), ('WORKFLOW_TERMINATED')) v(s)`,
		`INSERT INTO host SELECT host0 + h, wf0 + 1, 'condorpool', 'node' || lpad(h::VARCHAR, 4, '0') || '.cluster.example.org',
			'10.1.' || (h // 250) || '.' || (h % 250), 'linux-x86_64', 64 * 1024 * 1024
		FROM syn_param, range(1, hosts + 1) t(h)`,
		// Jobs: i = 0..n-1 spread over the workflows; then the k dax jobs of the root.
		`CREATE OR REPLACE TEMP TABLE syn_job AS
		SELECT job0 + 1 + i AS job_id, wf0 + 1 + (i % (k + 1)) AS wf_id, i, hash(i) % 100 AS r,
			CASE WHEN hash(i) % 100 < 80 THEN 'compute' WHEN hash(i) % 100 < 88 THEN 'stage-in-tx'
				WHEN hash(i) % 100 < 94 THEN 'stage-out-tx' WHEN hash(i) % 100 < 97 THEN 'registration'
				WHEN hash(i) % 100 < 98 THEN 'create-dir' ELSE 'cleanup' END AS type_desc,
			1 + (hash(i * 7 + 1) % 100 < 10)::INT + (hash(i * 7 + 1) % 100 < 2)::INT AS tries,
			hash(i * 7 + 2) % 100 = 0 AS fails
		FROM syn_param, range(0, n) t(i)
		UNION ALL
		SELECT job0 + 1 + n + w, wf0 + 1, n + w, 0, 'dax', 1, false
		FROM syn_param, range(0, k) t(w)`,
		`CREATE OR REPLACE TEMP TABLE syn_xf AS
		SELECT job_id, CASE type_desc WHEN 'compute' THEN 'tr' || lpad((hash(i * 7 + 3) % 20)::VARCHAR, 2, '0')
			WHEN 'stage-in-tx' THEN 'pegasus::transfer' WHEN 'stage-out-tx' THEN 'pegasus::transfer'
			WHEN 'registration' THEN 'pegasus::rc-client' WHEN 'create-dir' THEN 'pegasus::dirmanager'
			WHEN 'cleanup' THEN 'pegasus::cleanup' ELSE 'condor::dagman' END AS xf
		FROM syn_job`,
		`INSERT INTO job SELECT j.job_id, j.wf_id,
			CASE j.type_desc WHEN 'compute' THEN x.xf || '_ID' || lpad(j.i::VARCHAR, 7, '0')
				WHEN 'dax' THEN 'pegasus-plan_sub' || (j.i - n + 1) ELSE replace(j.type_desc, '-', '_') || '_' || j.i END,
			'00/00/' || j.i || '.sub', j.type_desc, false, 2, '/usr/bin/pegasus-kickstart', NULL, (j.type_desc = 'compute')::INT
		FROM syn_job j JOIN syn_xf x USING (job_id), syn_param`,
		`INSERT INTO task SELECT task0 + j.i + 1, j.wf_id, j.job_id, 'ID' || lpad(j.i::VARCHAR, 7, '0'), x.xf, NULL, 'compute'
		FROM syn_job j JOIN syn_xf x USING (job_id), syn_param WHERE j.type_desc = 'compute'`,
		// Tries: a = 1..tries; the last fails when the job fails.
		`CREATE OR REPLACE TEMP TABLE syn_try AS
		SELECT ji0 + row_number() OVER (ORDER BY j.i, a) AS job_instance_id, j.job_id, j.wf_id, j.i, a, j.type_desc,
			a = j.tries AS last, CASE WHEN a < j.tries OR j.fails THEN 256 ELSE 0 END AS exitcode,
			t0 + (j.i::DOUBLE / n) * span + (a - 1) * 900 + hash(j.i * 13 + a) % 600 AS submit,
			5 + hash(j.i * 13 + a + 1) % 120 AS queue,
			CASE WHEN j.type_desc = 'dax' THEN 3600 ELSE 1 + (hash(j.i * 13 + a + 2) % 1000)::DOUBLE * (hash(j.i * 13 + a + 3) % 1200) / 1000 END AS run,
			host0 + 1 + hash(j.i * 13 + a + 4) % hosts AS host_id
		FROM syn_job j, syn_param, range(1, 4) t(a) WHERE a <= j.tries`,
		`INSERT INTO job_instance (job_instance_id, job_id, host_id, job_submit_seq, sched_id, site, "user", work_dir,
			local_duration, subwf_id, multiplier_factor, exitcode)
		SELECT job_instance_id, job_id, CASE WHEN type_desc = 'dax' THEN NULL ELSE host_id END, (job_instance_id - ji0)::INT,
			(job_instance_id - ji0) || '.0', CASE WHEN type_desc = 'compute' THEN 'condorpool' ELSE 'local' END, 'pegasus',
			'/scratch/synth/run0001', round(run) + 1, CASE WHEN type_desc = 'dax' THEN wf0 + 1 + (i - n + 1) END, 1, exitcode
		FROM syn_try, syn_param`,
		`INSERT INTO jobstate SELECT job_instance_id,
			CASE s.state WHEN 'JOB_RESULT' THEN CASE WHEN exitcode = 0 THEN 'JOB_SUCCESS' ELSE 'JOB_FAILURE' END
				WHEN 'POST_SCRIPT_RESULT' THEN CASE WHEN exitcode = 0 THEN 'POST_SCRIPT_SUCCESS' ELSE 'POST_SCRIPT_FAILED' END
				ELSE s.state END,
			submit + CASE WHEN s.seq >= 2 THEN queue ELSE 0 END + s.dt * (round(run) + 1) + s.off, s.seq, NULL
		FROM syn_try, (VALUES (1, 'SUBMIT', 0, 0), (2, 'EXECUTE', 0, 0), (3, 'JOB_TERMINATED', 1, 0), (4, 'JOB_RESULT', 1, 0),
			(5, 'POST_SCRIPT_STARTED', 1, 5), (6, 'POST_SCRIPT_TERMINATED', 1, 7), (7, 'POST_SCRIPT_RESULT', 1, 7)) s(seq, state, dt, off)`,
		// Invocations: the kickstart record (or condor::dagman) and the POST script.
		`INSERT INTO invocation SELECT inv0 + 2 * (t.job_instance_id - ji0) - 1, t.wf_id, t.job_instance_id, 1, t.submit + t.queue + 1,
			t.run, CASE WHEN t.type_desc = 'dax' THEN NULL ELSE round(t.run * (hash(t.i + 5) % 100) / 100, 3) END,
			t.exitcode, x.xf, '/usr/bin/' || x.xf, NULL,
			CASE WHEN t.type_desc = 'compute' THEN 'ID' || lpad(t.i::VARCHAR, 7, '0') END,
			CASE WHEN t.type_desc = 'dax' THEN NULL ELSE 2000 + hash(t.i + 6) % 200000 END,
			CASE WHEN t.type_desc = 'dax' THEN NULL ELSE (1 + hash(t.i + 7) % 150) / 100.0 END
		FROM syn_try t JOIN syn_xf x USING (job_id), syn_param`,
		`INSERT INTO invocation SELECT inv0 + 2 * (t.job_instance_id - ji0), t.wf_id, t.job_instance_id, -2,
			t.submit + t.queue + round(t.run) + 6, 1 + t.i % 3, 1, t.exitcode, 'dagman::post', '/usr/bin/pegasus-exitcode',
			NULL, NULL, NULL, NULL
		FROM syn_try t, syn_param`,
		`INSERT INTO integrity SELECT int0 + row_number() OVER (ORDER BY t.job_instance_id), t.wf_id, t.job_instance_id,
			CASE WHEN t.i % 2 = 0 THEN 'check' ELSE 'compute' END, CASE WHEN t.i % 3 = 0 THEN 'input' ELSE 'output' END,
			1 + t.i % 4, round((hash(t.i + 8) % 1000) / 1000.0, 3)
		FROM syn_try t, syn_param WHERE hash(t.job_instance_id) % 10 = 0 AND t.type_desc <> 'dax'`,
		`DROP TABLE syn_param; DROP TABLE syn_job; DROP TABLE syn_xf; DROP TABLE syn_try`,
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("synthetic run: %w\n%s", err, q)
		}
	}
	return nil
}
