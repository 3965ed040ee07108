package statistics_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
)

// TestSumOrder checks that sums print as Pegasus's SQLite computes them,
// adding in row-id order, even when the database stores the rows in
// another order. The mean of the four run times below is a rounding tie
// (48.2405): added in id order, the sum divided by 4 is 48.2405 (printed
// 48.24), added backward it is 48.240500000000004 (printed 48.241). The
// rows are stored backward, so a sum in storage order would print 48.241.
func TestSumOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	durations := []string{"45.311", "30.26", "88.715", "28.676"} // invocation_id 1..4
	stmts := []string{
		`INSERT INTO workflow (wf_id, wf_uuid, dax_label, root_wf_id) VALUES (1, 'u-1', 'order', 1)`,
		`INSERT INTO workflowstate VALUES (1, 'WORKFLOW_STARTED', 1000, 0, NULL, NULL), (1, 'WORKFLOW_TERMINATED', 1100, 0, 0, NULL)`,
		`INSERT INTO job VALUES (1, 1, 'j1', 'j1.sub', 'compute', false, 0, '/bin/t', NULL, 1)`,
		`INSERT INTO job_instance (job_instance_id, job_id, job_submit_seq, local_duration, multiplier_factor, exitcode) VALUES (1, 1, 1, 200, 1, 0)`,
	}
	for i := len(durations) - 1; i >= 0; i-- {
		stmts = append(stmts, `INSERT INTO invocation (invocation_id, wf_id, job_instance_id, task_submit_seq, start_time,
			remote_duration, exitcode, transformation, executable, abs_task_id) VALUES (`+
			string(rune('1'+i))+`, 1, 1, `+string(rune('1'+i))+`, 1010, `+durations[i]+`, 0, 't', '/bin/t', 'ID`+string(rune('1'+i))+`')`)
	}
	for _, s := range stmts {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	db, err = stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wf, err := db.WorkflowByUUID(ctx, "u-1")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{wf}},
		statistics.Options{Levels: statistics.All, Format: statistics.CSV, Location: time.UTC, OutputDir: out})
	if err != nil || len(res.Failures) > 0 {
		t.Fatal(err, res.Failures)
	}
	b, err := os.ReadFile(filepath.Join(out, "breakdown.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "ALL,,t,successful,4,28.676,88.715,48.24,192.962,"; !strings.Contains(string(b), want) {
		t.Errorf("breakdown.csv lacks %q:\n%s", want, b)
	}
	b, err = os.ReadFile(filepath.Join(out, "summary-time.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// 45.311 + 30.26 + 88.715 + 28.676 in id order; backward it is 192.96200000000002.
	if want := "\nworkflow_cumulative_job_wall_time,192.962\r\n"; !strings.Contains(string(b), want) {
		t.Errorf("summary-time.csv lacks %q:\n%s", want, b)
	}
}

// TestPMC checks the -p definition: with pegasus-mpi-cluster, a task that
// succeeded in any try of its job counts as succeeded, even if the job's
// last try failed (normally only the last try counts).
func TestPMC(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`INSERT INTO workflow (wf_id, wf_uuid, dax_label, root_wf_id) VALUES (1, 'u-1', 'pmc', 1)`,
		`INSERT INTO job VALUES (1, 1, 'j1', 'j1.sub', 'compute', true, 1, '/bin/pmc', NULL, 2)`,
		`INSERT INTO task VALUES (1, 1, 1, 'ID1', 't', NULL, 'compute'), (2, 1, 1, 'ID2', 't', NULL, 'compute')`,
		`INSERT INTO job_instance (job_instance_id, job_id, job_submit_seq, multiplier_factor, exitcode) VALUES (1, 1, 1, 1, 256), (2, 1, 2, 1, 256)`,
		// Try 1: ID1 succeeded, ID2 failed. Try 2: ID1 failed, ID2 failed.
		`INSERT INTO invocation (invocation_id, wf_id, job_instance_id, task_submit_seq, start_time, remote_duration, exitcode,
			transformation, executable, abs_task_id) VALUES
			(1, 1, 1, 1, 10, 1, 0, 't', '/bin/t', 'ID1'), (2, 1, 1, 2, 11, 1, 256, 't', '/bin/t', 'ID2'),
			(3, 1, 2, 1, 20, 1, 256, 't', '/bin/t', 'ID1'), (4, 1, 2, 2, 21, 1, 256, 't', '/bin/t', 'ID2')`,
	} {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	q, err := db.NewScoped(ctx, stampede.Scope{1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pmc  bool
		want stampede.Counts
	}{
		{false, stampede.Counts{Succeeded: 0, Failed: 2, Total: 2, Retries: 2}},
		{true, stampede.Counts{Succeeded: 1, Failed: 2, Total: 2, Retries: 2}},
	} {
		c, err := q.WorkflowCounts(ctx, tc.pmc)
		if err != nil {
			t.Fatal(err)
		}
		if got := c[1].Tasks; got != tc.want {
			t.Errorf("pmc=%v: tasks %+v, want %+v", tc.pmc, got, tc.want)
		}
		if got, want := c[1].Jobs, (stampede.Counts{Failed: 1, Total: 1, Retries: 1}); got != want {
			t.Errorf("pmc=%v: jobs %+v, want %+v", tc.pmc, got, want)
		}
	}
	db.Close()
}
