package monitord

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/stampede"
)

// DAGMan can write a Pegasus-style jobstate log itself (JOBSTATE_LOG): monitord
// must not write over it, and can load a run from it.
func TestDAGManJobstateLog(t *testing.T) {
	src := testutil.Sample(t, "process_wf_failure")
	dagmans, err := os.ReadFile(filepath.Join(src, "expected", "jobstate.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := copyTree(t, src)
	dag := filepath.Join(dir, "process-0.dag")
	d, _ := os.ReadFile(dag)
	os.WriteFile(dag, append([]byte("JOBSTATE_LOG jobstate.log\n"), d...), 0o644)
	os.WriteFile(filepath.Join(dir, "jobstate.log"), dagmans, 0o644)

	res, err := Run(context.Background(), Config{DagmanOut: dagmanOut(t, dir), Replay: true, Ingest: ingest.Options{Loc: sampleLoc(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "jobstate.log")); string(got) != string(dagmans) {
		t.Errorf("DAGMan's jobstate.log was modified")
	}
	ours, err := os.ReadFile(filepath.Join(dir, "jobstate.monitord.log"))
	if err != nil || len(ours) == 0 {
		t.Fatalf("monitord's own log: %v", err)
	}

	// Loading from DAGMan's log gives the same tries, states and exit codes.
	fromLog := filepath.Join(t.TempDir(), "fromlog.duckdb")
	if _, err := Run(context.Background(), Config{DagmanOut: dagmanOut(t, dir), Replay: true, Dest: fromLog,
		JobstateInput: filepath.Join(dir, "jobstate.log"), Ingest: ingest.Options{Loc: sampleLoc(t)}}); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT j.exec_job_id, ji.job_submit_seq, ji.sched_id, ji.exitcode, ji.local_duration,
		(SELECT string_agg(state || '@' || CAST(timestamp AS BIGINT), ',' ORDER BY jobstate_submit_seq) FROM jobstate s WHERE s.job_instance_id = ji.job_instance_id)
		FROM job_instance ji JOIN job j USING (job_id) ORDER BY 2`
	open := func(p string) *stampede.DB {
		db, err := stampede.Open(context.Background(), p, stampede.OpenOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	a, b := open(res.DBPath), open(fromLog)
	defer a.Close()
	defer b.Close()
	want, got := rowsText(t, a.SQL, q), rowsText(t, b.SQL, q)
	if want != got {
		t.Errorf("from DAGMan's jobstate log:\n%s\nfrom dagman.out:\n%s", got, want)
	}
	if s := rowsText(t, b.SQL, `SELECT state, status FROM workflowstate ORDER BY timestamp`); s != "WORKFLOW_STARTED|NULL\nWORKFLOW_TERMINATED|1\n" {
		t.Errorf("workflow states: %q", s)
	}
}
