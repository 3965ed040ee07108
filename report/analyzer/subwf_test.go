package analyzer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/stampede"
)

// hierUUIDs are the workflows of hierDB.
const (
	outerUUID = "11111111-1111-4111-8111-111111111111"
	innerUUID = "22222222-2222-4222-8222-222222222222"
	okUUID    = "33333333-3333-4333-8333-333333333333"
)

// hierDB writes a Stampede database, row by row, for a hierarchy shaped
// like what pegasus-monitord loads from a Pegasus 5 run: an outer workflow
// whose sub-workflow job pegasus-plan_inner failed because a job of the
// inner workflow failed, whose pegasus-plan_other failed in its PRE script
// (the planner), and whose pegasus-plan_ok succeeded. The outer workflow's
// job ids are not contiguous (the inner one's job sits between them).
func hierDB(t *testing.T) *stampede.DB {
	t.Helper()
	ctx := context.Background()
	db, err := stampede.Open(ctx, filepath.Join(t.TempDir(), "h.duckdb"), stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q := func(s string) string { return "'" + strings.ReplaceAll(ingest.Quote(s), "'", "''") + "'" }
	planLog := "2023.03.04 01:02:15.312 PST: [INFO]  Planner launched\n" +
		"2023.03.04 01:02:15.901 PST: [ERROR]  Unable to parse the workflow /home/alice/other.yml: java.io.FileNotFoundException: /home/alice/other.yml (No such file or directory)\n"
	for _, s := range []string{
		`INSERT INTO workflow (wf_id, wf_uuid, dag_file_name, timestamp, submit_hostname, submit_dir, "user", planner_version, dax_label, parent_wf_id, root_wf_id) VALUES
			(1, '` + outerUUID + `', 'outer-0.dag', 1677920000, 'submit.example.org', '/home/alice/runs/outer/run0001', 'alice', '5.0.5', 'outer', NULL, 1),
			(2, '` + innerUUID + `', 'inner.dag', 1677920030, 'submit.example.org', '/home/alice/runs/outer/run0001/00/00/inner.000', 'alice', '5.0.5', 'inner', 1, 1),
			(3, '` + okUUID + `', 'ok.dag', 1677920030, 'submit.example.org', '/home/alice/runs/outer/run0001/00/00/ok.000', 'alice', '5.0.5', 'ok', 1, 1)`,
		`INSERT INTO workflowstate VALUES (1, 'WORKFLOW_STARTED', 1677920000, 0, NULL, NULL), (1, 'WORKFLOW_TERMINATED', 1677920191, 0, 1, NULL),
			(2, 'WORKFLOW_STARTED', 1677920031, 0, NULL, NULL), (2, 'WORKFLOW_TERMINATED', 1677920185, 0, 1, NULL),
			(3, 'WORKFLOW_STARTED', 1677920031, 0, NULL, NULL), (3, 'WORKFLOW_TERMINATED', 1677920100, 0, 0, NULL)`,
		`INSERT INTO host VALUES (1, 1, 'local', 'submit.example.org', '10.0.0.1', NULL, NULL), (2, 1, 'condorpool', 'node17.example.org', '10.0.0.17', NULL, NULL)`,
		`INSERT INTO job VALUES
			(1, 1, 'prep_ID0000001', '00/00/prep_ID0000001.sub', 'compute', false, 1, '/usr/bin/prep', NULL, 1),
			(2, 1, 'pegasus-plan_inner', '00/00/pegasus-plan_inner.sub', 'dag', false, 0, '/usr/bin/condor_dagman', ' -p 0 -Dag inner.dag', 1),
			(3, 1, 'pegasus-plan_other', '00/00/pegasus-plan_other.sub', 'dag', false, 0, '/usr/bin/condor_dagman', ' -p 0 -Dag other.dag', 1),
			(5, 1, 'pegasus-plan_ok', '00/00/pegasus-plan_ok.sub', 'dag', false, 0, '/usr/bin/condor_dagman', ' -p 0 -Dag ok.dag', 1),
			(4, 2, 'align_ID0000001', '00/00/align_ID0000001.sub', 'compute', false, 0, '/home/alice/runs/outer/run0001/00/00/inner.000/00/00/align_ID0000001.sh', NULL, 1),
			(7, 2, 'sort_ID0000002', '00/00/sort_ID0000002.sub', 'compute', false, 1, '/home/alice/runs/outer/run0001/00/00/inner.000/00/00/sort_ID0000002.sh', NULL, 1),
			(6, 3, 'ok_ID0000001', '00/00/ok_ID0000001.sub', 'compute', false, 0, '/bin/true', NULL, 1)`,
		`INSERT INTO job_instance (job_instance_id, job_id, host_id, job_submit_seq, sched_id, site, work_dir, subwf_id,
				stdout_file, stdout_text, stderr_file, stderr_text, exitcode) VALUES
			(1, 1, 1, 1, '41.0', 'local', '/tmp', NULL, '00/00/prep_ID0000001.out.000', '', '00/00/prep_ID0000001.err.000', '', 0),
			(2, 2, 1, 2, '42.0', 'local', '/home/alice/runs/outer/run0001/00/00/inner.000', 2, NULL, NULL, '00/00/pegasus-plan_inner.err', NULL, 256),
			(3, 3, NULL, 3, NULL, 'local', NULL, NULL, 'pegasus-plan_other.pre.log.000', ` + q(planLog) + `, NULL, NULL, 256),
			(5, 5, 1, 4, '45.0', 'local', NULL, 3, NULL, NULL, NULL, NULL, 0),
			(4, 4, 2, 1, '44.0', 'condorpool', '/var/lib/condor/execute/dir_777', NULL, '00/00/align_ID0000001.out.000',
				` + q("#@ 1 stderr\n align: cannot open 'ref.fa': No such file or directory\n\n") + `, '00/00/align_ID0000001.err.000',
				` + q("PegasusLite: version 5.0.5\nPegasusLite: exitcode 1\n") + `, 256),
			(6, 6, 2, 1, '46.0', 'condorpool', NULL, NULL, NULL, NULL, NULL, NULL, 0),
			(7, 7, 2, 2, '47.0', 'condorpool', '/var/lib/condor/execute/dir_778', NULL, '00/00/sort_ID0000002.out.000',
				` + q("#@ 1 stderr\n sort: write failed: /tmp/sortXYZ: No space left on device\n\n") + `, '00/00/sort_ID0000002.err.000', NULL, 512),
			(8, 7, 2, 3, '48.0', 'condorpool', NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO jobstate VALUES
			(2, 'SUBMIT', 1677920030, 1, NULL), (2, 'EXECUTE', 1677920030, 2, NULL), (2, 'JOB_TERMINATED', 1677920190, 3, NULL), (2, 'JOB_FAILURE', 1677920190, 4, NULL),
			(3, 'PRE_SCRIPT_STARTED', 1677920020, 1, NULL), (3, 'PRE_SCRIPT_TERMINATED', 1677920029, 2, NULL), (3, 'PRE_SCRIPT_FAILED', 1677920029, 3, NULL),
			(4, 'SUBMIT', 1677920040, 1, NULL), (4, 'EXECUTE', 1677920050, 2, NULL), (4, 'JOB_TERMINATED', 1677920170, 3, NULL),
			(4, 'JOB_FAILURE', 1677920175, 4, NULL), (4, 'POST_SCRIPT_STARTED', 1677920175, 5, NULL), (4, 'POST_SCRIPT_FAILED', 1677920180, 6, NULL),
			(7, 'SUBMIT', 1677920040, 1, NULL), (7, 'EXECUTE', 1677920041, 2, NULL), (7, 'JOB_TERMINATED', 1677920050, 3, NULL),
			(7, 'JOB_FAILURE', 1677920050, 4, NULL), (8, 'SUBMIT', 1677920060, 1, NULL), (8, 'EXECUTE', 1677920061, 2, NULL),
			(8, 'JOB_HELD', 1677920062, 3, 'Error from slot1@node17.example.org: Job has gone over memory limit of 2048 megabytes.')`,
		`INSERT INTO invocation (invocation_id, wf_id, job_instance_id, task_submit_seq, start_time, remote_duration, remote_cpu_time, exitcode,
				transformation, executable, argv, abs_task_id) VALUES
			(1, 1, 2, 1, 1677920030, 160, NULL, 256, 'condor::dagman', '/usr/bin/condor_dagman', ' -p 0 -Dag inner.dag', NULL),
			(2, 1, 3, -1, 1677920020, 9, NULL, 256, 'dagman::pre', '00/00/pegasus-plan_other.pre.sh', '-Dpegasus.log.*=/home/alice/runs/outer/run0001/pegasus-plan_other.pre.log --deferred /home/alice/other.yml', NULL),
			(3, 2, 4, 1, 1677920051, 119.5, 112.3, 256, 'align', '/opt/bio/bin/align', NULL, 'ID0000001'),
			(4, 2, 4, -2, 1677920175, 5, 1, 256, 'dagman::post', '/usr/bin/pegasus-exitcode', ' -r $RETURN', NULL),
			(5, 2, 7, 1, 1677920042, 8, 7.5, 512, 'sort', '/usr/bin/sort', NULL, 'ID0000002')`,
	} {
		if _, err := db.SQL.ExecContext(ctx, s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	return db
}

func byName(jobs []*JobInstance, name string) *JobInstance {
	for _, ji := range jobs {
		if ji.Name == name {
			return ji
		}
	}
	return nil
}

func TestSubWorkflowsDatabase(t *testing.T) {
	db := hierDB(t)
	ctx := context.Background()
	dir := "/data/moved/run0001" // where the run is now

	rep, err := FromDatabase(ctx, db, outerUUID, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Workflows) != 1 || rep.OK() {
		t.Fatalf("%d workflows, ok %v", len(rep.Workflows), rep.OK())
	}
	w := rep.Workflows[0]
	if c := w.Counts; c.Total != 4 || c.Success != 2 || c.Failed != 2 || c.Unsubmitted != 0 || w.Status != StatusFailure {
		t.Errorf("counts %+v, status %s", c, w.Status)
	}
	inner := byName(w.Failed, "pegasus-plan_inner")
	if inner == nil || inner.SubwfDir != dir+"/00/00/inner.000" || inner.SubwfUUID != innerUUID || inner.Cause.Kind != KindSubWorkflow {
		t.Fatalf("pegasus-plan_inner: %+v", inner)
	}
	txt := textOf(t, rep, TextOptions{Examples: 3})
	if !strings.Contains(txt, "pegasus-analyzer -d "+dir+"/00/00/inner.000 --top-dir "+dir) {
		t.Errorf("no command for the sub-workflow:\n%s", txt)
	}
	other := byName(w.Failed, "pegasus-plan_other")
	if other == nil || other.Cause.Kind != KindPreScript || !strings.Contains(other.Cause.Evidence, "[ERROR]  Unable to parse the workflow") ||
		other.PreExe != "00/00/pegasus-plan_other.pre.sh" || !strings.Contains(other.PreLog, "Planner launched") {
		t.Fatalf("pegasus-plan_other: %+v", other)
	}
	if !strings.Contains(txt, "#### Task #-1 - dagman::pre - - - stdout") || !strings.Contains(txt, "FileNotFoundException") {
		t.Errorf("no PRE script log:\n%s", txt)
	}
	if strings.Contains(txt, "pegasus-analyzer -d "+dir+"/00/00/other") {
		t.Errorf("a command for a sub-workflow that was never planned:\n%s", txt)
	}

	// -r: the inner workflow's report follows, and explains the job.
	rep, err = FromDatabase(ctx, db, outerUUID, Options{Dir: dir, Recurse: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Workflows) != 2 || rep.Workflows[1].UUID != innerUUID || rep.Workflows[1].Via != "pegasus-plan_inner" || rep.Workflows[1].Key != innerUUID {
		t.Fatalf("workflows %v", rep.Workflows)
	}
	align := byName(rep.Workflows[1].Failed, "align_ID0000001")
	if align == nil || align.Cause.Kind != "missing-file" || align.Hostname != "node17.example.org" || !align.Record {
		t.Fatalf("align: %+v", align)
	}
	// sort_ID0000002 is being retried after a failed try: "failing".
	iw := rep.Workflows[1]
	if c := iw.Counts; c.Total != 2 || c.Failed != 1 || c.Success != 0 || c.Unsubmitted != 1 || len(iw.Failing) != 1 {
		t.Errorf("inner counts %+v, failing %v", c, iw.Failing)
	} else if f := iw.Failing[0]; f.Name != "sort_ID0000002" || f.Try != 1 || f.InstanceID != 7 || f.Cause.Kind != "disk-full" {
		t.Errorf("failing job %+v", f)
	}
	if txt := textOf(t, rep, TextOptions{}); !strings.Contains(txt, "## Failing jobs' details\n\n### Job: `sort_ID0000002`") {
		t.Errorf("no failing job in the text:\n%s", txt)
	}
	if ev := byName(rep.Workflows[0].Failed, "pegasus-plan_inner").Cause.Evidence; !strings.Contains(ev, "missing-file: align: cannot open 'ref.fa'") {
		t.Errorf("pegasus-plan_inner's evidence %q does not say why the sub-workflow failed", ev)
	}
	m := jsonOf(t, rep)
	wfs := m["workflows"].(map[string]any)
	if _, ok := wfs[innerUUID]; !ok || len(wfs) != 2 {
		t.Fatalf("JSON workflows %v", wfs)
	}
	failing := wfs[innerUUID].(map[string]any)["jobs"].(map[string]any)["job_details"].(map[string]any)["failing_jobs_details"].(map[string]any)
	if f, ok := failing["7"].(map[string]any); !ok || f["job_name"] != "sort_ID0000002" || f["state"] != "JOB_FAILURE" {
		t.Errorf("failing_jobs_details %v", failing)
	}

	// -T: every descendant, the successful one too.
	rep, err = FromDatabase(ctx, db, outerUUID, Options{Dir: dir, TraverseAll: true})
	if err != nil {
		t.Fatal(err)
	}
	var st []string
	for _, w := range rep.Workflows {
		st = append(st, w.Key+"="+w.Status)
	}
	if got := strings.Join(st, " "); got != "root=failure "+innerUUID+"=failure "+okUUID+"=success" {
		t.Errorf("workflows %s", got)
	}
	if w := rep.Workflows[2]; w.ParentUUID != outerUUID || w.ParentName != "outer" || w.Counts.Success != 1 {
		t.Errorf("ok workflow %+v", w)
	}

	// The inner workflow on its own (pegasus-analyzer -d inner --top-dir outer).
	rep, err = FromDatabase(ctx, db, innerUUID, Options{Dir: dir + "/00/00/inner.000"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RootUUID != outerUUID || rep.Workflows[0].Key != "root" || rep.Workflows[0].ParentUUID != outerUUID {
		t.Errorf("root %s, key %s, parent %s", rep.RootUUID, rep.Workflows[0].Key, rep.Workflows[0].ParentUUID)
	}
}

// TestSubWorkflowsFiles reads the same hierarchy from its files
// (testdata/analyzer/hierarchy) and checks the report against a golden file.
func TestSubWorkflowsFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "analyzer", "hierarchy")
	rep, err := FromFiles(context.Background(), dir, FilesOptions{Options: Options{Dir: dir, Recurse: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Workflows) != 2 {
		t.Fatalf("%d workflows", len(rep.Workflows))
	}
	w := rep.Workflows[0]
	if c := w.Counts; c.Total != 3 || c.Success != 1 || c.Failed != 2 || c.Unknown != 0 {
		t.Errorf("counts %+v", c)
	}
	other := byName(w.Failed, "pegasus-plan_other")
	if other == nil || other.Cause.Kind != KindPreScript || other.Cause.Exit != "1" || other.PreLogFile != dir+"/pegasus-plan_other.pre.log.000" {
		t.Fatalf("pegasus-plan_other %+v", other)
	}
	inner := rep.Workflows[1]
	align := byName(inner.Failed, "align_ID0000001")
	if inner.UUID != innerUUID || inner.Via != "pegasus-plan_inner" || align == nil || align.Cause.Kind != "missing-file" ||
		align.StdoutFile != dir+"/00/00/inner.000/00/00/align_ID0000001.out.000" {
		t.Fatalf("inner %+v, align %+v", inner, align)
	}
	if c := inner.Counts; c.Failed != 1 || c.Unsubmitted != 1 {
		t.Errorf("inner counts %+v", c)
	}
	golden(t, filepath.Join("..", "..", "testdata", "analyzer", "hierarchy-files.md"), textOf(t, rep, TextOptions{Examples: 3, Recurse: true}))
}

// TestTraverseAllSample: -T on the real hierarchical sample, whose
// sub-workflow's DAGMan log was never published, so that monitord loads its
// jobs (from its static.bp) without a single try: the sub-workflow is
// reported with every job unsubmitted and an unknown status, and the report
// is not a success.
func TestTraverseAllSample(t *testing.T) {
	r := sampledb.Load(t, "hierarchical_wf_success")
	rep := analyseSample(t, r, Options{TraverseAll: true})
	if len(rep.Workflows) != 2 || rep.OK() {
		t.Fatalf("%d workflows, ok %v", len(rep.Workflows), rep.OK())
	}
	root, child := rep.Workflows[0], rep.Workflows[1]
	if c := root.Counts; root.Key != "root" || root.Status != StatusSuccess || c.Total != 13 || c.Success != 13 {
		t.Errorf("root %s: status %s, counts %+v", root.Key, root.Status, c)
	}
	if c := child.Counts; child.Key != child.UUID || child.ParentUUID != root.UUID || child.Name != "blackdiamond" ||
		child.Status != StatusUnknown || c.Total != 15 || c.Success != 0 || c.Failed != 0 || c.Unsubmitted != 15 {
		t.Errorf("child %s (%s, parent %s): status %s, counts %+v", child.Key, child.Name, child.ParentUUID, child.Status, c)
	}
	if !hasNote(child.Notes, "did not start") {
		t.Errorf("child notes %q", child.Notes)
	}
	m := jsonOf(t, rep)
	wfs := m["workflows"].(map[string]any)
	if _, ok := wfs[child.UUID]; !ok || len(wfs) != 2 {
		t.Errorf("JSON workflows %v", wfs)
	}
	// Without -T, the top workflow alone, a success.
	if rep := analyseSample(t, r, Options{}); len(rep.Workflows) != 1 || !rep.OK() {
		t.Errorf("without -T: %d workflows, ok %v", len(rep.Workflows), rep.OK())
	}
}

// TestTraverseAllMatchesSingle: -T reads every workflow of the hierarchy in
// one pass over the tables (the outer workflow's job ids interleave with
// the others'); each workflow must come out as when it is read alone.
func TestTraverseAllMatchesSingle(t *testing.T) {
	db := hierDB(t)
	ctx := context.Background()
	dir := "/data/moved/run0001"
	all, err := FromDatabase(ctx, db, outerUUID, Options{Dir: dir, TraverseAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Workflows) != 3 {
		t.Fatalf("%d workflows", len(all.Workflows))
	}
	summary := func(w *Workflow) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %+v\n", w.Status, w.Counts)
		for _, h := range w.Held {
			fmt.Fprintf(&b, "held %s #%d %q\n", h.Name, h.LastInstanceID, h.Reason)
		}
		for i, list := range [][]*JobInstance{w.Failed, w.Failing, w.Earlier} {
			role := []string{"failed", "failing", "earlier"}[i]
			for _, ji := range list {
				fmt.Fprintf(&b, "%s %s #%d try %d %s %s tasks=%d cause=%s %q\n", role, ji.Name, ji.InstanceID, ji.Try, ji.State,
					ji.SubmitDir, len(ji.Tasks), ji.Cause.Kind, ji.Cause.Evidence)
			}
		}
		for _, g := range w.Groups {
			fmt.Fprintf(&b, "group %s %d %d\n", g.key, len(g.Jobs), len(g.Earlier))
		}
		return b.String()
	}
	for _, w := range all.Workflows {
		alone, err := FromDatabase(ctx, db, w.UUID, Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summary(w), summary(alone.Workflows[0]); got != want {
			t.Errorf("%s read with -T:\n%s\nread alone:\n%s", w.UUID, got, want)
		}
	}
	if w := all.Workflows[1]; w.Counts.Total != 2 || w.Counts.Failed != 1 || w.Counts.Held != 1 || len(w.Held) != 1 ||
		w.Held[0].Name != "sort_ID0000002" || !strings.Contains(w.Held[0].Reason, "memory limit") {
		t.Errorf("inner counts %+v, held %v", w.Counts, w.Held)
	}
	if c := all.Workflows[0].Counts; c.Held != 0 {
		t.Errorf("outer counts %+v", c)
	}
}

// TestRecordedSubmitDir: without Options.Dir, the report is on the submit
// directory the database records, with a note when it cannot be read.
func TestRecordedSubmitDir(t *testing.T) {
	db := hierDB(t)
	ctx := context.Background()
	rep, err := FromDatabase(ctx, db, outerUUID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const recorded = "/home/alice/runs/outer/run0001"
	if rep.SubmitDirectory != recorded || len(rep.Notes) != 1 ||
		rep.Notes[0] != "the submit directory the database records, "+recorded+", cannot be read (no such directory): the files there (the DAGMan log, <dag>.lib.err) were not read; everything else comes from the database" {
		t.Errorf("submit directory %q, notes %q", rep.SubmitDirectory, rep.Notes)
	}
	if txt := textOf(t, rep, TextOptions{}); !strings.HasPrefix(txt, "> **Note:** the submit directory the database records, "+recorded) {
		t.Errorf("text:\n%s", txt)
	}
	if note := unreadableDir(t.TempDir()); note != "" {
		t.Errorf("a readable directory: %q", note)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if note := unreadableDir(f); !strings.Contains(note, ", cannot be read (not a directory)") {
		t.Errorf("a file: %q", note)
	}
}
