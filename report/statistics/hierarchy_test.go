package statistics_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
)

// hierarchyDB writes a three-level run by hand: top (1) runs compute jobs
// c1 and p1 and the sub-workflow job sub_mid, whose first try fails before
// its child starts and whose second try runs mid (2); mid runs c2 (failed,
// then retried) and sub_leaf, which runs leaf (3); leaf runs c3 and c4
// (never submitted). p1's try has a negative raw status (a launch
// failure). mid was restarted once (a rescue DAG).
func hierarchyDB(t *testing.T) *stampede.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`INSERT INTO workflow (wf_id, wf_uuid, dax_label, parent_wf_id, root_wf_id) VALUES
			(1, 'h-1', 'top', NULL, 1), (2, 'h-2', 'mid', 1, 1), (3, 'h-3', 'leaf', 2, 1)`,
		`INSERT INTO workflowstate VALUES
			(1, 'WORKFLOW_STARTED', 1000, 0, NULL, NULL), (1, 'WORKFLOW_TERMINATED', 1300, 0, 0, NULL),
			(2, 'WORKFLOW_STARTED', 1100, 0, NULL, NULL), (2, 'WORKFLOW_TERMINATED', 1150, 0, 1, NULL),
			(2, 'WORKFLOW_STARTED', 1160, 1, NULL, NULL), (2, 'WORKFLOW_TERMINATED', 1250, 1, 0, NULL),
			(3, 'WORKFLOW_STARTED', 1170, 0, NULL, NULL), (3, 'WORKFLOW_TERMINATED', 1200, 0, 0, NULL)`,
		`INSERT INTO host VALUES (1, 1, 'condorpool', 'node1', '10.0.0.1', NULL, NULL), (2, 2, 'condorpool', 'node2', '10.0.0.2', NULL, NULL)`,
		`INSERT INTO job VALUES
			(1, 1, 'c1', 'c1.sub', 'compute', false, 1, '/bin/t', NULL, 1),
			(2, 1, 'p1', 'p1.sub', 'compute', false, 1, '/bin/t', NULL, 1),
			(3, 1, 'sub_mid', 'sub_mid.sub', 'dax', false, 1, '/bin/pegasus-plan', NULL, 1),
			(4, 2, 'c2', 'c2.sub', 'compute', false, 1, '/bin/t', NULL, 1),
			(5, 2, 'sub_leaf', 'sub_leaf.sub', 'dag', false, 1, '/bin/condor_dagman', NULL, 1),
			(6, 3, 'c3', 'c3.sub', 'compute', false, 1, '/bin/t', NULL, 1),
			(7, 3, 'c4', 'c4.sub', 'compute', false, 1, '/bin/t', NULL, 1)`,
		`INSERT INTO task VALUES
			(1, 1, 1, 'ID1', 't', NULL, 'compute'), (2, 1, 2, 'ID2', 't', NULL, 'compute'), (3, 1, 3, 'ID3', 'mid', NULL, 'dax'),
			(4, 2, 4, 'ID1', 't', NULL, 'compute'), (5, 3, 6, 'ID1', 't', NULL, 'compute'), (6, 3, 7, 'ID2', 't', NULL, 'compute')`,
		`INSERT INTO job_instance (job_instance_id, job_id, host_id, job_submit_seq, site, local_duration, subwf_id, multiplier_factor, exitcode) VALUES
			(1, 1, 1, 1, 'condorpool', 10, NULL, 1, 0),
			(2, 2, 1, 2, 'condorpool', 4, NULL, 1, -1),
			(3, 3, NULL, 3, 'local', 5, NULL, 1, 256),
			(4, 3, NULL, 4, 'local', 150, 2, 1, 0),
			(5, 4, 2, 1, 'condorpool', 20, NULL, 1, 256),
			(6, 4, 2, 2, 'condorpool', 25, NULL, 1, 0),
			(7, 5, NULL, 3, 'local', 40, 3, 1, 0),
			(8, 6, 1, 1, 'condorpool', 12, NULL, 1, 0)`,
		// EXECUTE events: c2's second try was evicted and executed again.
		`INSERT INTO jobstate VALUES
			(1, 'EXECUTE', 1005, 1, NULL), (2, 'EXECUTE', 1015, 1, NULL), (3, 'EXECUTE', 1025, 1, NULL),
			(4, 'EXECUTE', 1035, 1, NULL), (5, 'EXECUTE', 1105, 1, NULL), (6, 'EXECUTE', 1155, 1, NULL),
			(6, 'EXECUTE', 1158, 2, NULL), (7, 'EXECUTE', 1162, 1, NULL), (8, 'EXECUTE', 1172, 1, NULL)`,
		`INSERT INTO invocation (invocation_id, wf_id, job_instance_id, task_submit_seq, start_time, remote_duration, exitcode,
			transformation, executable, abs_task_id) VALUES
			(1, 1, 1, 1, 1010, 8.5, 0, 't', '/bin/t', 'ID1'),
			(2, 1, 2, 1, 1020, 3.25, -1, 't', '/bin/t', 'ID2'),
			(3, 1, 3, -1, 1030, 1.0, 256, 'dagman::pre', '/bin/pegasus-plan', NULL),
			(4, 1, 4, -1, 1040, 2.0, 0, 'dagman::pre', '/bin/pegasus-plan', NULL),
			(5, 1, 4, 1, 1045, 150.0, 0, 'condor::dagman', '/bin/condor_dagman', 'ID3'),
			(6, 2, 5, 1, 1110, 18.0, 256, 't', '/bin/t', 'ID1'),
			(7, 2, 6, 1, 1160, 22.75, 0, 't', '/bin/t', 'ID1'),
			(8, 2, 7, 1, 1165, 40.0, 0, 'condor::dagman', '/bin/condor_dagman', NULL),
			(9, 3, 8, 1, 1175, 11.0, 0, 't', '/bin/t', 'ID1'),
			(10, 3, 8, -2, 1190, 1.0, 0, 'dagman::post', '/bin/pegasus-exitcode', NULL)`,
	} {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// records returns the CSV records of a file (comments and empty lines
// left out), each joined with commas.
func records(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, r := range readCSV(t, path) {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

// TestHierarchy checks how a hierarchy rolls up (TOOLS.md §0.3, §1.11,
// §5), on a run whose every number is worked out by hand below.
func TestHierarchy(t *testing.T) {
	ctx := context.Background()
	db := hierarchyDB(t)
	generate := func(t *testing.T, uuid string) string {
		t.Helper()
		wf, err := db.WorkflowByUUID(ctx, uuid)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		res, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{wf}},
			statistics.Options{Levels: statistics.All, Format: statistics.CSV, Location: time.UTC, OutputDir: out})
		if err != nil || len(res.Failures) > 0 {
			t.Fatal(err, res.Failures)
		}
		return out
	}
	equal := func(t *testing.T, name string, got, want []string) {
		t.Helper()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	t.Run("root", func(t *testing.T) {
		out := generate(t, "h-1")
		// Whole tree. Jobs: c1 ok, p1 failed (a negative status is not 0),
		// c2 ok after one retry, c3 ok, c4 never submitted. Tasks: the
		// same, the dax task left out, tasks counted by their invocation
		// in the job's last try. Sub-workflow jobs: sub_mid (ok on its
		// second try) and sub_leaf.
		equal(t, "summary.csv", records(t, filepath.Join(out, "summary.csv")), []string{
			"Type,Succeeded,Failed,Incomplete,Total,Retries,Total+Retries",
			"Tasks,3,1,1,5,1,5",
			"Jobs,3,1,1,5,1,5",
			"Sub-Workflows,2,0,0,2,1,3",
		})
		equal(t, "summary-time.csv", records(t, filepath.Join(out, "summary-time.csv")), []string{
			"stat_type,time_seconds",
			// top alone: 1300 − 1000; its sub-workflows never count.
			"workflow_wall_time,300.000000",
			// Task invocations of the whole tree, no PRE/POST record, no
			// condor::dagman record: 8.5 + 3.25 + 18 + 22.75 + 11.
			"workflow_cumulative_job_wall_time,63.5",
			// Every try but those of sub-workflow jobs that started a
			// child: 10 + 4 + 5 (sub_mid's first try) + 20 + 25 + 12.
			"cumulative_job_walltime_from_submit_side,76.0",
			// Raw status > 0 only: c2's first try; p1's -1 is in neither.
			"workflow_cumulative_badput_time,18.0",
			"cumulative_job_badput_walltime_from_submit_side,25.0",
		})
		// One block per workflow, its own jobs only; WF_Retries is the
		// highest restart count (mid was restarted once), added up in ALL.
		equal(t, "workflow.csv", records(t, filepath.Join(out, "workflow.csv")), []string{
			"Workflow_Id,Dax_Label,Type,Succeeded,Failed,Incomplete,Total,Retries,Total+Retries,WF_Retries",
			"h-1,top,Tasks,1,1,0,2,0,2,0",
			"h-1,top,Jobs,1,1,0,2,0,2,0",
			"h-1,top,Sub-Workflows,1,0,0,1,1,2,0",
			"h-2,mid,Tasks,1,0,0,1,1,2,1",
			"h-2,mid,Jobs,1,0,0,1,1,2,1",
			"h-2,mid,Sub-Workflows,1,0,0,1,0,1,1",
			"h-3,leaf,Tasks,1,0,1,2,0,1,0",
			"h-3,leaf,Jobs,1,0,1,2,0,1,0",
			"h-3,leaf,Sub-Workflows,0,0,0,0,0,0,0",
			"ALL,,Tasks,3,1,1,5,1,5,1",
			"ALL,,Jobs,3,1,1,5,1,5,1",
			"ALL,,Sub-Workflows,2,0,0,2,1,3,1",
		})
		// Every try of every workflow, workflow by workflow in
		// job_submit_seq order, tries numbered per job; Exitcode from the
		// invocations (PRE script included), -128 for a negative status.
		var jobs []string
		for _, r := range readCSV(t, filepath.Join(out, "jobs.csv")) {
			if r[0] != "Workflow_Id" {
				jobs = append(jobs, strings.Join([]string{r[1], r[2], r[3], r[12], r[15]}, ","))
			}
		}
		equal(t, "jobs.csv (label, job, try, runtime, exitcode)", jobs, []string{
			"top,c1,1,10.0,0", "top,p1,1,4.0,-128", "top,sub_mid,1,5.0,1", "top,sub_mid,2,150.0,0",
			"mid,c2,1,20.0,1", "mid,c2,2,25.0,0", "mid,sub_leaf,1,40.0,0",
			"leaf,c3,1,12.0,0",
		})
		// Jobs per day: tries placed by their EXECUTE events, c2's second
		// try twice, sub-workflow jobs left out: 10 + 4 + 20 + 25 + 25 + 12.
		// Invocations: all but the condor::dagman records.
		tm := records(t, filepath.Join(out, "time.csv"))
		equal(t, "time.csv", tm, []string{
			"stat_type,date[YYYY-MM-DD],count,runtime (sec)",
			"jobs/day,1970-01-01,6,96.0",
			"stat_type,date[YYYY-MM-DD],count,runtime (sec)",
			"invocations/day,1970-01-01,8,67.5",
		})
	})

	t.Run("sub-workflow alone", func(t *testing.T) {
		// mid with leaf below it: c2, c3, c4 and sub_leaf.
		out := generate(t, "h-2")
		equal(t, "summary.csv", records(t, filepath.Join(out, "summary.csv")), []string{
			"Type,Succeeded,Failed,Incomplete,Total,Retries,Total+Retries",
			"Tasks,2,0,1,3,1,3",
			"Jobs,2,0,1,3,1,3",
			"Sub-Workflows,1,0,0,1,0,1",
		})
		equal(t, "summary-time.csv", records(t, filepath.Join(out, "summary-time.csv")), []string{
			"stat_type,time_seconds",
			// Each run of the rescue DAG: (1150 − 1100) + (1250 − 1160).
			"workflow_wall_time,140.000000",
			"workflow_cumulative_job_wall_time,51.75",
			"cumulative_job_walltime_from_submit_side,57.0",
			"workflow_cumulative_badput_time,18.0",
			"cumulative_job_badput_walltime_from_submit_side,20.0",
		})
	})
}

// TestDaylightSavingHours checks our choice for the hour filter across the
// end of daylight-saving time: the two local hours printed alike
// (01:30 PDT and 01:30 PST on 2023-11-05 in Los Angeles) make one line.
func TestDaylightSavingHours(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dst.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 1699173000 is 2023-11-05 08:30 UTC (01:30 PDT), 1699176600 an hour later (01:30 PST).
	for _, s := range []string{
		`INSERT INTO workflow (wf_id, wf_uuid, dax_label, root_wf_id) VALUES (1, 'd-1', 'dst', 1)`,
		`INSERT INTO job VALUES (1, 1, 'a', 'a.sub', 'compute', false, 0, '/bin/t', NULL, 1), (2, 1, 'b', 'b.sub', 'compute', false, 0, '/bin/t', NULL, 1)`,
		`INSERT INTO job_instance (job_instance_id, job_id, job_submit_seq, local_duration, multiplier_factor, exitcode) VALUES (1, 1, 1, 3, 1, 0), (2, 2, 2, 4, 1, 0)`,
		`INSERT INTO jobstate VALUES (1, 'EXECUTE', 1699173000, 1, NULL), (2, 'EXECUTE', 1699176600, 1, NULL)`,
		`INSERT INTO invocation (invocation_id, wf_id, job_instance_id, task_submit_seq, start_time, remote_duration, exitcode,
			transformation, executable, abs_task_id) VALUES
			(1, 1, 1, 1, 1699173000, 2.5, 0, 't', '/bin/t', 'ID1'), (2, 1, 2, 1, 1699176600, 3.5, 0, 't', '/bin/t', 'ID2')`,
	} {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	wf, err := db.WorkflowByUUID(ctx, "d-1")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{wf}},
		statistics.Options{Levels: statistics.Time, Format: statistics.CSV, TimeFilter: statistics.Hour, Location: la, OutputDir: out})
	if err != nil || len(res.Failures) > 0 {
		t.Fatal(err, res.Failures)
	}
	got := strings.Join(records(t, filepath.Join(out, "time.csv")), "\n")
	want := strings.Join([]string{
		"stat_type,date[YYYY-MM-DD : HH],count,runtime (sec)",
		"jobs/hour,2023-11-05 : 01,2,7.0",
		"stat_type,date[YYYY-MM-DD : HH],count,runtime (sec)",
		"invocations/hour,2023-11-05 : 01,2,6.0",
	}, "\n")
	if got != want {
		t.Errorf("time.csv:\n%s\nwant:\n%s", got, want)
	}
	db.Close()
}
