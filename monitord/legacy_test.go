package monitord

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/stampede"
)

// legacyRun writes a Pegasus 3.x/4.x style submit directory: braindump.txt
// with the old key names, a flat directory, XML kickstart records, and a
// dagman.out of an old DAGMan (year-less stamps, "Condor Node", two-part ids,
// no hold reasons).
func legacyRun(t *testing.T) (dir, dagmanOut string) {
	dir = filepath.Join(t.TempDir(), "run0001")
	orig := "/home/alice/runs/alice/pegasus/diamond/run0001"
	files := map[string]string{
		"braindump.txt": `user alice
grid_dn null
submit_hostname submit.example.org
wf_uuid 5a4c2a10-0000-4000-8000-000000000001
dax /home/alice/diamond.dax
label diamond
dax_index 0
dax_version 3.2
pegasus_wf_name diamond-0
pegasus_wf_time 20130512T101010-0700
basedir /home/alice/runs
run ` + orig + `
planner /opt/pegasus/3.1/bin/pegasus-plan
pegasus_version 3.1.0
planner_arguments "--dax diamond.dax --sites local --force"
jsd ` + orig + `/jobstate.log
dag diamond-0.dag
type dag
`,
		"diamond-0.dag": `######################################################################
# PEGASUS WMS GENERATED DAG FILE
# DAG diamond
# Index = 0, Count = 1
######################################################################
JOB create_dir_diamond_0_local create_dir_diamond_0_local.sub
SCRIPT POST create_dir_diamond_0_local /opt/pegasus/3.1/bin/exitpost -e create_dir_diamond_0_local.out
RETRY create_dir_diamond_0_local 3
JOB preprocess_ID1 preprocess_ID1.sub
SCRIPT POST preprocess_ID1 /opt/pegasus/3.1/bin/exitpost -e preprocess_ID1.out
RETRY preprocess_ID1 3
JOB analyze_ID2 analyze_ID2.sub
RETRY analyze_ID2 3
JOB merge_ID3 merge_ID3.sub
SCRIPT POST merge_ID3 /opt/pegasus/3.1/bin/exitpost -e merge_ID3.out
PARENT create_dir_diamond_0_local CHILD preprocess_ID1
PARENT preprocess_ID1 CHILD analyze_ID2 merge_ID3
`,
		"diamond-0.static.bp": `ts=2013-05-12T17:10:10.000000Z event=task.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 task.id="ID1" type="1" type_desc="compute" transformation="diamond::preprocess:4.0" argv="-a top"
ts=2013-05-12T17:10:10.000000Z event=task.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 task.id="ID2" type="1" type_desc="compute" transformation="diamond::analyze:4.0"
ts=2013-05-12T17:10:10.000000Z event=task.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 task.id="ID3" type="1" type_desc="compute" transformation="diamond::merge:4.0"
ts=2013-05-12T17:10:10.000000Z event=task.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 task.id="ID4" type="1" type_desc="compute" transformation="diamond::merge:4.0"
ts=2013-05-12T17:10:10.000000Z event=task.edge xwf.id=5a4c2a10-0000-4000-8000-000000000001 parent.task.id="ID1" child.task.id="ID2"
ts=2013-05-12T17:10:10.000000Z event=job.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="create_dir_diamond_0_local" submit_file="create_dir_diamond_0_local.sub" type="6" type_desc="create-dir" clustered="0" max_retries="3" executable="/opt/pegasus/3.1/bin/dirmanager" argv="--create --dir /scratch" task_count="0"
ts=2013-05-12T17:10:10.000000Z event=job.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="preprocess_ID1" submit_file="preprocess_ID1.sub" type="1" type_desc="compute" clustered="0" max_retries="3" executable="/bin/preprocess" argv="-a top" task_count="1"
ts=2013-05-12T17:10:10.000000Z event=job.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="analyze_ID2" submit_file="analyze_ID2.sub" type="1" type_desc="compute" clustered="0" max_retries="3" executable="/bin/analyze" task_count="1"
ts=2013-05-12T17:10:10.000000Z event=job.info xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="merge_ID3" submit_file="merge_ID3.sub" type="1" type_desc="compute" clustered="1" max_retries="0" executable="/opt/pegasus/3.1/bin/seqexec" task_count="2"
ts=2013-05-12T17:10:10.000000Z event=wf.map.task_job xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="preprocess_ID1" task.id="ID1"
ts=2013-05-12T17:10:10.000000Z event=wf.map.task_job xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="analyze_ID2" task.id="ID2"
ts=2013-05-12T17:10:10.000000Z event=wf.map.task_job xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="merge_ID3" task.id="ID3"
ts=2013-05-12T17:10:10.000000Z event=wf.map.task_job xwf.id=5a4c2a10-0000-4000-8000-000000000001 job.id="merge_ID3" task.id="ID4"
ts=2013-05-12T17:10:10.000000Z event=job.edge xwf.id=5a4c2a10-0000-4000-8000-000000000001 parent.job.id="create_dir_diamond_0_local" child.job.id="preprocess_ID1"
ts=2013-05-12T17:10:10.000000Z event=job.edge xwf.id=5a4c2a10-0000-4000-8000-000000000001 parent.job.id="preprocess_ID1" child.job.id="analyze_ID2"
ts=2013-05-12T17:10:10.000000Z event=job.edge xwf.id=5a4c2a10-0000-4000-8000-000000000001 parent.job.id="preprocess_ID1" child.job.id="merge_ID3"
`,
		"diamond-0.dag.dagman.out": `05/12 10:12:01 ******************************************************
05/12 10:12:01 ** condor_scheduniv_exec.100.0 (CONDOR_DAGMAN) STARTING UP
05/12 10:12:01 ** $CondorVersion: 7.8.8 Jun 21 2013 BuildID: 145231 $
05/12 10:12:01 ** PID = 4242
05/12 10:12:01 Parsing diamond-0.dag ...
05/12 10:12:02 Submitting Condor Node create_dir_diamond_0_local job(s)...
05/12 10:12:07 Event: ULOG_SUBMIT for Condor Node create_dir_diamond_0_local (101.0)
05/12 10:12:12 Event: ULOG_EXECUTE for Condor Node create_dir_diamond_0_local (101.0)
05/12 10:12:17 Event: ULOG_JOB_TERMINATED for Condor Node create_dir_diamond_0_local (101.0)
05/12 10:12:17 Node create_dir_diamond_0_local job proc (101.0) completed successfully.
05/12 10:12:17 Running POST script of Node create_dir_diamond_0_local...
05/12 10:12:22 Event: ULOG_POST_SCRIPT_TERMINATED for Condor Node create_dir_diamond_0_local (101.0)
05/12 10:12:22 POST Script of Node create_dir_diamond_0_local completed successfully.
05/12 10:12:27 Submitting Condor Node preprocess_ID1 job(s)...
05/12 10:12:32 Event: ULOG_SUBMIT for Condor Node preprocess_ID1 (102.0)
05/12 10:12:37 Event: ULOG_EXECUTE for Condor Node preprocess_ID1 (102.0)
05/12 10:13:37 Event: ULOG_JOB_TERMINATED for Condor Node preprocess_ID1 (102.0)
05/12 10:13:37 Node preprocess_ID1 job proc (102.0) failed with signal 9.
05/12 10:13:37 Running POST script of Node preprocess_ID1...
05/12 10:13:42 Event: ULOG_POST_SCRIPT_TERMINATED for Condor Node preprocess_ID1 (102.0)
05/12 10:13:42 POST Script of Node preprocess_ID1 failed with status 1
05/12 10:13:42 Retrying node preprocess_ID1 (retry #1 of 3)...
05/12 10:13:47 Submitting Condor Node preprocess_ID1 job(s)...
05/12 10:13:52 Event: ULOG_SUBMIT for Condor Node preprocess_ID1 (103.0)
05/12 10:13:57 Event: ULOG_EXECUTE for Condor Node preprocess_ID1 (103.0)
05/12 10:14:17 Event: ULOG_JOB_TERMINATED for Condor Node preprocess_ID1 (103.0)
05/12 10:14:17 Node preprocess_ID1 job proc (103.0) completed successfully.
05/12 10:14:17 Running POST script of Node preprocess_ID1...
05/12 10:14:22 Event: ULOG_POST_SCRIPT_TERMINATED for Condor Node preprocess_ID1 (103.0)
05/12 10:14:22 POST Script of Node preprocess_ID1 completed successfully.
05/12 10:14:27 Submitting Condor Node analyze_ID2 job(s)...
05/12 10:14:27 Submitting Condor Node merge_ID3 job(s)...
05/12 10:14:32 Event: ULOG_SUBMIT for Condor Node analyze_ID2 (104.0)
05/12 10:14:32 Event: ULOG_SUBMIT for Condor Node merge_ID3 (105.0)
05/12 10:14:37 Event: ULOG_JOB_HELD for Condor Node analyze_ID2 (104.0)
05/12 10:14:37 Event: ULOG_EXECUTE for Condor Node merge_ID3 (105.0)
05/12 10:14:52 Event: ULOG_JOB_RELEASED for Condor Node analyze_ID2 (104.0)
05/12 10:14:57 Event: ULOG_EXECUTE for Condor Node analyze_ID2 (104.0)
05/12 10:14:57 Event: ULOG_JOB_TERMINATED for Condor Node merge_ID3 (105.0)
05/12 10:14:57 Node merge_ID3 job proc (105.0) completed successfully.
05/12 10:14:57 Running POST script of Node merge_ID3...
05/12 10:15:02 Event: ULOG_POST_SCRIPT_TERMINATED for Condor Node merge_ID3 (105.0)
05/12 10:15:02 POST Script of Node merge_ID3 completed successfully.
05/12 10:15:07 Event: ULOG_JOB_TERMINATED for Condor Node analyze_ID2 (104.0)
05/12 10:15:07 Node analyze_ID2 job proc (104.0) completed successfully.
05/12 10:15:12 **** condor_scheduniv_exec.100.0 (condor_DAGMAN) pid 4242 EXITING WITH STATUS 0
`,
		"create_dir_diamond_0_local.out.000": xmlRecord("pegasus::dirmanager", "null", "local", "submit.example.org", "2013-05-12T10:12:13.250-07:00", "2.500", "0.100", "0.200", 0, "", "created /scratch\n", "", "--create"),
		"preprocess_ID1.out.000":             xmlRecord("diamond::preprocess:4.0", "ID1", "condor", "node7.example.org", "2013-05-12T10:12:38.000-07:00", "59.000", "50.000", "1.000", 9, "SIGKILL", "step 1\n", "out of memory\n", "-a", "top"),
		"preprocess_ID1.out.001":             xmlRecord("diamond::preprocess:4.0", "ID1", "condor", "node8.example.org", "2013-05-12T10:13:58.000-07:00", "19.000", "18.000", "0.500", 0, "", "done\n", "", "-a", "top"),
		"analyze_ID2.out":                    xmlRecord("diamond::analyze:4.0", "ID2", "condor", "node8.example.org", "2013-05-12T10:14:58.000-07:00", "9.000", "8.000", "0.500", 0, "", "", "", "-v"),
		"merge_ID3.out.000": xmlRecord("diamond::merge:4.0", "ID3", "condor", "node9.example.org", "2013-05-12T10:14:38.000-07:00", "9.000", "4.000", "1.000", 0, "", "m1\n", "", "1") +
			"[cluster-task id=1, start=\"2013-05-12T10:14:38.000-07:00\", duration=9.000, status=0, line=1, pid=11, app=\"/bin/merge\"]\n" +
			xmlRecord("diamond::merge:4.0", "ID4", "condor", "node9.example.org", "2013-05-12T10:14:47.500-07:00", "9.500", "4.000", "1.000", 0, "", "m2\n", "", "2") +
			"[cluster-task id=2, start=\"2013-05-12T10:14:47.500-07:00\", duration=9.500, status=0, line=2, pid=12, app=\"/bin/merge\"]\n" +
			"[cluster-summary stat=\"ok\", lines=2, tasks=2, succeeded=2, failed=0, extra=0, duration=18.600, start=\"2013-05-12T10:14:38.000-07:00\", pid=10, app=\"/opt/pegasus/3.1/bin/seqexec\"]\n",
	}
	daxID := map[string]string{"create_dir_diamond_0_local": "null", "preprocess_ID1": "ID1", "analyze_ID2": "ID2", "merge_ID3": "ID3"}
	for _, job := range []string{"create_dir_diamond_0_local", "preprocess_ID1", "analyze_ID2", "merge_ID3"} {
		site := "condor"
		if strings.HasPrefix(job, "create_dir") {
			site = "local"
		}
		files[job+".sub"] = fmt.Sprintf(`universe = vanilla
executable = /opt/pegasus/3.1/bin/kickstart
arguments = -n %s -N %s /bin/x
output = %s/%s.out
error = %s/%s.err
log = %s/diamond-0.log
+pegasus_site = "%s"
+pegasus_wf_xformation = "%s"
+pegasus_wf_dax_job_id = "%s"
+pegasus_job_class = 1
queue
`, job, job, orig, job, orig, job, orig, site, job, daxID[job])
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The log was last written in 2013: that is the year of its year-less stamps.
	out := filepath.Join(dir, "diamond-0.dag.dagman.out")
	when := time.Date(2013, 5, 12, 17, 20, 0, 0, time.UTC)
	if err := os.Chtimes(out, when, when); err != nil {
		t.Fatal(err)
	}
	return dir, out
}

func xmlRecord(tr, deriv, site, host, start, dur, utime, stime string, raw int, signal, stdout, stderr string, args ...string) string {
	status := fmt.Sprintf(`<status raw="%d"><regular exitcode="%d"/></status>`, raw, raw>>8)
	if signal != "" {
		status = fmt.Sprintf(`<status raw="%d"><signalled signal="%d" corefile="false">%s</signalled></status>`, raw, raw&127, signal)
	}
	var av strings.Builder
	for i, a := range args {
		fmt.Fprintf(&av, `<arg nr="%d">%s</arg>`, i+1, a)
	}
	data := func(id, s string) string {
		if s == "" {
			return fmt.Sprintf(`<statcall error="0" id="%s"><temporary name="/tmp/%s" descriptor="3"/><statinfo size="0"/></statcall>`, id, id)
		}
		return fmt.Sprintf(`<statcall error="0" id="%s"><temporary name="/tmp/%s" descriptor="3"/><statinfo size="%d"/><data>%s</data></statcall>`, id, id, len(s), s)
	}
	return `<?xml version="1.0" encoding="ISO-8859-1"?>
<invocation xmlns="http://pegasus.isi.edu/schema/invocation" version="2.1" start="` + start + `" duration="` + dur + `" transformation="` + tr + `" derivation="` + deriv + `" resource="` + site + `" hostaddr="10.1.1.` + fmt.Sprint(len(host)) + `" hostname="` + host + `" pid="1" uid="500" user="alice" gid="500" group="users" umask="0022">
  <mainjob start="` + start + `" duration="` + dur + `" pid="2"><usage utime="` + utime + `" stime="` + stime + `" maxrss="2048" minflt="1" majflt="0" nswap="0" nsignals="0" nvcsw="1" nivcsw="1"/>` + status + `<statcall error="0"><file name="/bin/` + strings.Split(tr, ":")[len(strings.Split(tr, ":"))-2] + `"/></statcall><argument-vector>` + av.String() + `</argument-vector></mainjob>
  <cwd>/scratch/alice/run0001</cwd>
  <usage utime="0.010" stime="0.010" minflt="1" majflt="0" nswap="0" nsignals="0"/>
  <machine page-size="4096"><stamp>` + start + `</stamp><uname system="linux" nodename="` + host + `" release="2.6.32" machine="x86_64">x</uname><linux><ram total="8388608" free="1"/><boot>2013-05-01T00:00:00.000-07:00</boot><cpu count="4" speed="2400" vendor="GenuineIntel">Xeon</cpu><load min1="0" min5="0" min15="0"/></linux></machine>
  ` + data("stdin", "") + `
  ` + data("stdout", stdout) + `
  ` + data("stderr", stderr) + `
</invocation>
`
}

func TestLegacyRun(t *testing.T) {
	dir, out := legacyRun(t)
	res, err := Run(context.Background(), Config{DagmanOut: out, Replay: true, Ingest: ingest.Options{Loc: sampleLocT(t), OnWarning: func(w ingest.Warning) { t.Logf("warning: %s", w) }}})
	if err != nil {
		t.Fatal(err)
	}
	db, err := stampede.Open(context.Background(), res.DBPath, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := func(query string) string {
		t.Helper()
		return rowsText(t, db.SQL, query)
	}
	checks := []struct{ query, want string }{
		// Legacy braindump keys.
		{`SELECT dax_label, planner_version, submit_dir, timestamp, planner_arguments FROM workflow`,
			"diamond|3.1.0|/home/alice/runs/alice/pegasus/diamond/run0001|1368378610|--dax diamond.dax --sites local --force\n"},
		{`SELECT state, timestamp, restart_count, status FROM workflowstate ORDER BY timestamp`,
			"WORKFLOW_STARTED|1368378721|0|NULL\nWORKFLOW_TERMINATED|1368378912|0|0\n"},
		// One row per try; the signal and the POST script's verdict.
		{`SELECT j.exec_job_id, ji.job_submit_seq, ji.sched_id, ji.exitcode, ji.stdout_file, ji.local_duration, ji.cluster_start, ji.cluster_duration
			FROM job_instance ji JOIN job j USING (job_id) ORDER BY ji.job_submit_seq`,
			"create_dir_diamond_0_local|1|101.0|0|create_dir_diamond_0_local.out.000|5|NULL|NULL\n" +
				"preprocess_ID1|2|102.0|256|preprocess_ID1.out.000|60|NULL|NULL\n" +
				"preprocess_ID1|3|103.0|0|preprocess_ID1.out.001|20|NULL|NULL\n" +
				"analyze_ID2|4|104.0|0|analyze_ID2.out|10|NULL|NULL\n" +
				"merge_ID3|5|105.0|0|merge_ID3.out.000|20|1368378878|18.6\n"},
		// XML records give argv and the signal prefix of the stderr text.
		{`SELECT j.exec_job_id, inv.task_submit_seq, inv.exitcode, inv.argv, inv.abs_task_id, inv.remote_duration, inv.start_time
			FROM invocation inv JOIN job_instance ji USING (job_instance_id) JOIN job j USING (job_id) WHERE inv.task_submit_seq > 0 ORDER BY inv.invocation_id`,
			"create_dir_diamond_0_local|1|0|--create|NULL|2.5|1368378733\n" +
				"preprocess_ID1|1|9|-a top|ID1|59|1368378758\n" +
				"preprocess_ID1|1|0|-a top|ID1|19|1368378838\n" +
				"merge_ID3|1|0|1|ID3|9|1368378878\n" +
				"merge_ID3|2|0|2|ID4|9.5|1368378887\n" +
				"analyze_ID2|1|0|-v|ID2|9|1368378898\n"},
		{`SELECT stdout_text FROM job_instance WHERE sched_id = '102.0'`,
			"#@ 1 stdout%0Astep 1%0A%0A#@ 1 stderr%0AJob was SIGKILL with signal 9out of memory%0A%0A\n"},
		// Old DAGMan: a hold without reason, then the release.
		{`SELECT js.state, js.jobstate_submit_seq, js.reason FROM jobstate js JOIN job_instance ji USING (job_instance_id) WHERE ji.sched_id = '104.0' ORDER BY js.jobstate_submit_seq`,
			"SUBMIT|1|NULL\nJOB_HELD|2|NULL\nJOB_RELEASED|3|NULL\nEXECUTE|4|NULL\nJOB_TERMINATED|5|NULL\nJOB_SUCCESS|6|NULL\n"},
		// XML records carry the machine's memory.
		{`SELECT hostname, site, total_memory, uname FROM host ORDER BY host_id`,
			"submit.example.org|local|8388608|linux-2.6.32-x86_64\nnode7.example.org|condor|8388608|linux-2.6.32-x86_64\nnode8.example.org|condor|8388608|linux-2.6.32-x86_64\nnode9.example.org|condor|8388608|linux-2.6.32-x86_64\n"},
		{`SELECT count(*) FROM task WHERE job_id IS NOT NULL`, "4\n"},
	}
	for _, c := range checks {
		if got := q(c.query); got != c.want {
			t.Errorf("%s\n got:\n%s want:\n%s", strings.Join(strings.Fields(c.query), " "), got, c.want)
		}
	}
	js, err := os.ReadFile(filepath.Join(dir, "jobstate.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1368378817 preprocess_ID1 JOB_FAILURE 9 condor - 2\n",
		"1368378822 preprocess_ID1 POST_SCRIPT_FAILURE 1 condor - 2\n",
		"1368378877 analyze_ID2 JOB_HELD 104.0 condor - 4\n",
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("jobstate.log lacks %q", want)
		}
	}
}

func sampleLocT(t *testing.T) *time.Location { return sampleLoc(t) }

func rowsText(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('|')
			}
			if v == nil {
				b.WriteString("NULL")
			} else {
				b.WriteString(dbString(v))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
