package analyzer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pegasus-go/pegasus/stampede"
)

// benchUUID is the workflow of the benchmark databases.
const benchUUID = "b3c4d5e6-0000-4000-8000-000000000001"

// buildBenchRun writes a submit directory (braindump.yml) and a Stampede
// database bench-0.stampede.duckdb shaped like what pegasus-monitord loads
// from a real run of `jobs` compute jobs, with DuckDB SQL (range() and
// INSERT ... SELECT) rather than a replay, so that a million jobs take
// seconds. failPct percent of the jobs fail both their tries; retryPct
// percent fail their first try and succeed on the second; heldPct percent
// of the failed ones were held and removed. The texts are shaped like
// kickstart's and PegasusLite's: every try has a .err log of ~700 bytes, the
// failed ones a captured task stderr whose message comes from a handful of
// causes (missing input, invalid option, permission denied, killed by
// signal 9, malformed input), varying in their numbers.
func buildBenchRun(tb testing.TB, dir string, jobs int, failPct, retryPct, heldPct int) string {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	bd := fmt.Sprintf("wf_uuid: %s\nroot_wf_uuid: %s\ndax_label: bench\ndag: bench-0.dag\nsubmit_dir: %s\nuser: bench\nplanner_version: 5.0.5\n",
		benchUUID, benchUUID, dir)
	if err := os.WriteFile(filepath.Join(dir, "braindump.yml"), []byte(bd), 0o644); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "bench-0.stampede.duckdb")
	ctx := context.Background()
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	n := strconv.Itoa(jobs)
	// Job i fails when i % 100 < failPct, is retried when it falls in the
	// next retryPct, and among the failed, held when i % 1000 < heldPct*10.
	fail := fmt.Sprintf("(i %% 100 < %d)", failPct)
	retried := fmt.Sprintf("(i %% 100 >= %d AND i %% 100 < %d)", failPct, failPct+retryPct)
	held := fmt.Sprintf("(%s AND i %% 1000 < %d)", fail, heldPct*10)
	stmts := []string{
		`INSERT INTO workflow VALUES (1, '` + benchUUID + `', 'bench-0.dag', 1673949600, 'submit.example.org', '` + dir + `',
			'--conf pegasus.properties --sites condorpool', 'bench', NULL, '5.0.5', 'bench', '5.0', 'bench.yml', NULL, NULL, 1)`,
		`INSERT INTO workflowstate VALUES (1, 'WORKFLOW_STARTED', 1673949600, 0, NULL, NULL),
			(1, 'WORKFLOW_TERMINATED', 1674049600, 0, 1, NULL)`,
		`INSERT INTO host SELECT h, 1, 'condorpool', printf('node%03d.cluster.example.org', h), printf('10.21.%d.%d', h // 250, h % 250),
			'linux-4.18.0-x86_64', 65653728 FROM range(1, 201) t(h)`,
		// One compute job per i, named after one of six transformations.
		`INSERT INTO job SELECT i, 1, printf('%s_ID%07d', ['preprocess','findrange','analyze','align','merge','score'][1 + i % 6], i),
			printf('00/%02d/%s_ID%07d.sub', i // 10000 % 100, ['preprocess','findrange','analyze','align','merge','score'][1 + i % 6], i),
			'compute', false, 1, printf('` + dir + `/00/%02d/job_%d.sh', i // 10000 % 100, i), NULL, 1
			FROM range(1, ` + n + ` + 1) t(i)`,
		`INSERT INTO task SELECT i, 1, i, printf('ID%07d', i), ['preprocess','findrange','analyze','align','merge','score'][1 + i % 6],
			NULL, 'compute' FROM range(1, ` + n + ` + 1) t(i)`,
		// Tries: try 1 of every job, try 2 of the failed and retried ones.
		`CREATE TEMP TABLE tries AS
			SELECT i AS job_id, 1 AS try, ` + fail + ` OR ` + retried + ` AS bad, ` + held + ` AS held FROM range(1, ` + n + ` + 1) t(i)
			UNION ALL
			SELECT i, 2, ` + fail + `, ` + held + ` FROM range(1, ` + n + ` + 1) t(i) WHERE ` + fail + ` OR ` + retried,
		`CREATE TEMP TABLE inst AS SELECT row_number() OVER (ORDER BY try, job_id) AS id, * FROM tries`,
		`INSERT INTO job_instance SELECT id, job_id, CASE WHEN held THEN NULL ELSE 1 + (id * 7919) % 200 END, id, printf('%d.0', 1000 + id),
			'condorpool', 'bench', printf('/var/lib/condor/execute/dir_%d', 100000 + (id * 104729) % 900000), NULL, NULL,
			CASE WHEN held THEN NULL ELSE 1 + id % 300 END, NULL,
			printf('00/%02d/job_%d.out.%03d', job_id // 10000 % 100, job_id, try - 1),
			CASE
				WHEN held THEN ''
				WHEN NOT bad THEN printf('#@ 1 stdout%%0Atask %d: processed %d records%%0A', job_id, (id * 31) % 900000)
				WHEN job_id % 5 = 0 THEN printf('#@ 1 stderr%%0A task: cannot open %%27input_%d.dat%%27: No such file or directory%%0A', job_id)
				WHEN job_id % 5 = 1 THEN printf('#@ 1 stderr%%0A task: invalid option -- %%27%s%%27%%0ATry %%27task --help%%27 for more information.%%0A', chr(CAST(97 + (job_id // 5) % 26 AS INTEGER)))
				WHEN job_id % 5 = 2 THEN printf('#@ 1 stderr%%0A task: cannot create %%27out_%d.dat%%27: Permission denied%%0A', job_id)
				WHEN job_id % 5 = 3 THEN printf('#@ 1 stdout%%0Atask: starting%%0A')
				ELSE printf('#@ 1 stderr%%0A task: error: malformed record at line %d of input_%d.dat%%0A', (id * 13) % 90000, job_id)
			END,
			printf('00/%02d/job_%d.err.%03d', job_id // 10000 % 100, job_id, try - 1),
			CASE WHEN held THEN NULL ELSE printf('2023-01-17 10:%02d:%02d: PegasusLite: version 5.0.5%%0A2023-01-17 10:%02d:%02d: Executing on host node%03d.cluster.example.org IP=10.21.0.%d%%0A%%0A########################[Pegasus Lite] Setting up workdir ########################%%0A2023-01-17 10:%02d:%02d: Not creating a new work directory as it is already set to /var/lib/condor/execute/dir_%d%%0A%%0A##############[Pegasus Lite] Figuring out the worker package to use ##############%%0A2023-01-17 10:%02d:%02d: The job contained a Pegasus worker package%%0A%%0A##################### Checking file integrity for input files #####################%%0A%%0A######################[Pegasus Lite] Executing the user task ######################%%0A%sPegasusLite: exitcode %d%%0A',
				id % 60, id % 60, id % 60, id % 60, 1 + (id * 7919) % 200, id % 250, id % 60, (id + 1) % 60, 100000 + (id * 104729) % 900000,
				id % 60, (id + 2) % 60,
				CASE WHEN bad THEN printf('2023-01-17 10:%02d:%02d: User task failed with exitcode %d%%0A', id % 60, (id + 3) % 60, CASE WHEN job_id % 5 = 1 THEN 2 ELSE 1 END) ELSE '' END,
				CASE WHEN NOT bad THEN 0 WHEN job_id % 5 = 1 THEN 2 ELSE 1 END) END,
			printf('00/%02d/job_%d.in', job_id // 10000 % 100, job_id), 1,
			CASE WHEN bad THEN 256 ELSE 0 END
			FROM inst`,
		// The task's record and the POST script's, for every try.
		`INSERT INTO invocation SELECT 2 * id - 1, 1, id, 1, 1673949600 + id, 10.5, 9.1,
			CASE WHEN NOT bad THEN 0 WHEN held THEN 256 WHEN job_id % 5 = 1 THEN 512 WHEN job_id % 5 = 3 THEN 9 ELSE 256 END,
			['preprocess','findrange','analyze','align','merge','score'][1 + job_id % 6], '/opt/bench/bin/task', NULL,
			printf('ID%07d', job_id), 2532, 0.9 FROM inst`,
		`INSERT INTO invocation SELECT 2 * id, 1, id, -2, 1673949700 + id, 1, 1, CASE WHEN bad THEN 256 ELSE 0 END, 'dagman::post',
			'/usr/bin/pegasus-exitcode', ' -r $RETURN -s PegasusLite:+exitcode+0 -l bench-0.exitcode.log', NULL, NULL, NULL FROM inst`,
		// DAGMan's states of every try (the held ones held, then removed).
		`INSERT INTO jobstate
			SELECT id, s.state, 1673949600 + id + s.k, s.k, CASE WHEN s.state = 'JOB_HELD' THEN printf('Error from slot1_%d@node%03d.cluster.example.org: Job has gone over cgroup memory limit of 2048 megabytes. Last measured usage: %d megabytes.  Consider resubmitting with a higher request_memory.', 1 + id % 8, 1 + id % 200, 2049 + id % 500) END
			FROM inst, (SELECT * FROM (VALUES (1, 'SUBMIT', 0), (2, 'EXECUTE', 0), (3, 'JOB_TERMINATED', 1), (4, 'JOB_SUCCESS', 2), (4, 'JOB_FAILURE', 3),
				(3, 'JOB_HELD', 4), (4, 'JOB_ABORTED', 4), (5, 'POST_SCRIPT_STARTED', 0), (6, 'POST_SCRIPT_TERMINATED', 0),
				(7, 'POST_SCRIPT_SUCCESS', 2), (7, 'POST_SCRIPT_FAILED', 3)) v(k, state, cls)) s
			WHERE s.cls = 0 OR (s.cls = 1 AND NOT held) OR (s.cls = 2 AND NOT bad) OR (s.cls = 3 AND bad AND NOT held)
				OR (s.cls = 4 AND held) OR (s.cls = 3 AND held AND s.state = 'POST_SCRIPT_FAILED')`,
		`DROP TABLE inst`, `DROP TABLE tries`, `CHECKPOINT`,
	}
	for _, q := range stmts {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			tb.Fatalf("%v\n%s", err, q)
		}
	}
	return path
}

// TestWriteBenchRun writes a benchmark run where $ANALYZER_BENCH_DIR says
// (jobs: $ANALYZER_BENCH_JOBS, default 1,000,000), for timing the command:
//
//	ANALYZER_BENCH_DIR=/tmp/run1m go test ./report/analyzer -run TestWriteBenchRun
//	time pegasus-analyzer /tmp/run1m > /dev/null
func TestWriteBenchRun(t *testing.T) {
	dir := os.Getenv("ANALYZER_BENCH_DIR")
	if dir == "" {
		t.Skip("set ANALYZER_BENCH_DIR to write a benchmark run")
	}
	jobs := 1_000_000
	if v := os.Getenv("ANALYZER_BENCH_JOBS"); v != "" {
		var err error
		if jobs, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	buildBenchRun(t, dir, jobs, 5, 2, 1)
}
