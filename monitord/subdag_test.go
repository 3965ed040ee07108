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

// A DAX job our planner turns into a SUBDAG EXTERNAL node: the sub-DAG,
// planned into its own directory (with a braindump), is followed.
func TestSubDAGFollowed(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "outer")
	child := copyTree(t, testutil.Sample(t, "process_wf_failure"))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(child, filepath.Join(parent, "inner")); err != nil {
		t.Fatal(err)
	}
	const uuid = "0b5f4a5e-1111-4222-8333-944455556666"
	files := map[string]string{
		"braindump.yml": "wf_uuid: \"" + uuid + "\"\nroot_wf_uuid: \"" + uuid + "\"\ndax_label: \"outer\"\ndax_index: \"0\"\n" +
			"submit_dir: \"" + parent + "\"\ndag: \"outer-0.dag\"\nuser: \"alice\"\ntimestamp: \"20230303T230000-0800\"\n",
		"outer-0.dag":       "SUBDAG EXTERNAL inner_ID1 process-0.dag DIR inner\n",
		"outer-0.static.bp": `ts=1970-01-01T00:00:00Z event=job.info xwf.id=` + uuid + ` job.id="inner_ID1" submit_file="inner/process-0.dag" type="10" type_desc="dax" clustered="0" max_retries="0" executable="condor_dagman" task_count="1"` + "\n",
		"outer-0.dag.dagman.out": `03/03/23 23:09:40 ** condor_scheduniv_exec.6.0 (CONDOR_DAGMAN) STARTING UP
03/03/23 23:09:40 Parsing outer-0.dag ...
03/03/23 23:09:41 Submitting HTCondor Node inner_ID1 job(s)...
03/03/23 23:09:42 Event: ULOG_SUBMIT for HTCondor Node inner_ID1 (6.1.0) {03/03/23 23:09:41}
03/03/23 23:09:43 Event: ULOG_EXECUTE for HTCondor Node inner_ID1 (6.1.0) {03/03/23 23:09:42}
03/03/23 23:11:30 Event: ULOG_JOB_TERMINATED for HTCondor Node inner_ID1 (6.1.0) {03/03/23 23:11:29}
03/03/23 23:11:30 Node inner_ID1 job proc (6.1.0) failed with status 1.
03/03/23 23:11:35 **** condor_scheduniv_exec.6.0 (condor_DAGMAN) pid 1 EXITING WITH STATUS 1
`,
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(parent, n), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), Config{DagmanOut: filepath.Join(parent, "outer-0.dag.dagman.out"), Replay: true,
		Ingest: ingest.Options{Loc: sampleLoc(t)}})
	if err != nil {
		t.Fatal(err)
	}
	db, err := stampede.Open(context.Background(), res.DBPath, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := rowsText(t, db.SQL, `SELECT w.dax_label, p.dax_label, (SELECT count(*) FROM job_instance ji JOIN job j USING (job_id) WHERE j.wf_id = w.wf_id)
		FROM workflow w LEFT JOIN workflow p ON p.wf_id = w.parent_wf_id ORDER BY w.wf_id`)
	if got != "outer|NULL|1\nprocess|outer|3\n" {
		t.Errorf("workflows:\n%s", got)
	}
	if got := rowsText(t, db.SQL, `SELECT j.exec_job_id, s.dax_label FROM job_instance ji JOIN job j USING (job_id) JOIN workflow s ON s.wf_id = ji.subwf_id`); got != "inner_ID1|process\n" {
		t.Errorf("sub-workflow link: %q", got)
	}
}
