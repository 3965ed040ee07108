package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/monitord"
)

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	err := run(context.Background(), args, &o, &e)
	code = exitCode(err, &e)
	return o.String(), e.String(), code
}

// TestExitCodes: 0 when every workflow succeeded, 1 when one failed.
func TestExitCodes(t *testing.T) {
	ok := sampledb.Load(t, "process_wf_success")
	out, errOut, code := runCmd(t, ok.Dir)
	if code != 0 || errOut != "" || !strings.HasSuffix(out, "## Done\n\npegasus-analyzer: end of status report\n\n") {
		t.Errorf("success: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	failed := sampledb.Load(t, "process_wf_failure")
	for _, args := range [][]string{{failed.Dir}, {"-d", failed.Dir, "--json"}, {"--files", "-i", failed.Dir}, {"-S", failed.Dir},
		{"--ai", "false", failed.Dir}} {
		out, errOut, code := runCmd(t, args...)
		if code != 1 || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
		switch {
		case args[len(args)-1] == "--json":
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["root_wf_uuid"] != "f84f05fc-a8d0-42b5-bac5-52d6f41a77e3" {
				t.Errorf("%v: JSON %v %v", args, err, m["root_wf_uuid"])
			}
		case args[0] == "-S":
			if strings.Contains(out, "## Failed jobs' details") || !strings.Contains(out, "## Failure signatures") ||
				!strings.HasSuffix(out, "**One or more workflows failed!**\n\n") {
				t.Errorf("-S:\n%s", out)
			}
		default:
			if !strings.Contains(out, "**Root cause:** the command line is wrong (an invalid option or argument) — task ID0000001 (ls) exited with status 2") {
				t.Errorf("%v: no root cause:\n%s", args, out)
			}
		}
	}
}

// TestInputErrors: a missing directory, a directory that is no submit
// directory, an unreadable database: exit 2, one line on stderr.
func TestInputErrors(t *testing.T) {
	empty := t.TempDir()
	notDB := sampledb.CopyTree(t, testutil.Sample(t, "process_wf_success"))
	junk := filepath.Join(t.TempDir(), "junk.duckdb")
	if err := os.WriteFile(junk, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"/no/such/dir"}, "pegasus-analyzer: /no/such/dir: no such directory\n"},
		{[]string{empty}, "not a workflow submit directory"},
		{[]string{"--files", empty}, "could not find any .dag file in " + empty},
		{[]string{"--dest", junk, notDB}, "pegasus-analyzer: open " + junk},
		{[]string{"--debug-job", "nope", empty}, "cannot access job submit file"},
	} {
		out, errOut, code := runCmd(t, c.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, c.msg) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, out, errOut, c.msg)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"-r", "-T"}, "mutually exclusive"},
		{[]string{"--type", "pbs", "--debug-job", "x"}, "workflow type pbs not supported!"},
		{[]string{"--examples", "-1"}, "--examples and --signatures must be 0 (all) or more"},
		{[]string{"--print", "everything"}, "--print everything"},
		{[]string{"a", "b"}, "one submit directory at most"},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"--ai", "maybe"}, "--ai maybe: not a boolean"},
	} {
		_, errOut, code := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.msg) || !strings.Contains(errOut, "Try 'pegasus-analyzer --help'") {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut)
		}
	}
	_, errOut, code := runCmd(t, "--help")
	if code != 0 || !strings.Contains(errOut, "Examples:") || !strings.Contains(errOut, "Exit status: 0 every workflow reported succeeded") ||
		!strings.Contains(errOut, "--debug-job JOB") {
		t.Errorf("--help: exit %d\n%s", code, errOut)
	}
}

// TestFallbackToFiles: without a database, or with one that does not hold
// the run, the report comes from the files, and says so.
func TestFallbackToFiles(t *testing.T) {
	dir := sampledb.CopyTree(t, testutil.Sample(t, "process_wf_failure"))
	out, errOut, code := runCmd(t, dir)
	if code != 1 || errOut != "" || !strings.HasPrefix(out, "> **Note:** no Stampede database was found") ||
		!strings.Contains(out, "`POST_SCRIPT_FAILURE`") {
		t.Errorf("no database: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	other := sampledb.Load(t, "process_wf_success")
	out, _, code = runCmd(t, "--json", "--dest", other.DB, dir)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	notes, _ := m["notes"].([]any)
	if code != 1 || m["mode"] != "files" || len(notes) != 1 || !strings.Contains(notes[0].(string), "does not hold workflow f84f05fc-a8d0-42b5-bac5-52d6f41a77e3") {
		t.Errorf("database without the run: exit %d, mode %v, notes %v", code, m["mode"], notes)
	}
}

// TestDebugJob writes the script of the failed sample job.
func TestDebugJob(t *testing.T) {
	dir := sampledb.CopyTree(t, testutil.Sample(t, "process_wf_failure"))
	dbg := filepath.Join(t.TempDir(), "dbg")
	out, errOut, code := runCmd(t, "--debug-job", "ls_ID0000001", "--debug-dir", dbg, dir)
	if code != 0 || errOut != "" || !strings.Contains(out, "pegasus-analyzer: finished generating job debug script!") ||
		!strings.Contains(out, "$ cd "+dbg+"\n") || !strings.Contains(out, "$ ./debug_ls_ID0000001.sh\n") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	for _, f := range []string{"debug_ls_ID0000001.sh", "stripped_pl_ls_ID0000001.sh"} {
		if _, err := os.Stat(filepath.Join(dbg, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestOptions: --print, --quiet and --examples change what is shown.
func TestOptions(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	out, _, _ := runCmd(t, "-p", "all", "-q", r.Dir)
	if !strings.Contains(out, "To re-run this job, use:") || strings.Contains(out, "Kickstart stderr") {
		t.Errorf("-p all -q:\n%s", out)
	}
	out, _, _ = runCmd(t, "-vv", r.Dir)
	_, errOut, _ := runCmd(t, "-vv", r.Dir)
	if !strings.Contains(errOut, "opened the database in") || !strings.Contains(errOut, "failed jobs") || strings.Contains(out, "opened") {
		t.Errorf("-vv: stderr %q", errOut)
	}
}

// TestArchive reads the run from a Parquet archive (--dest DIR).
func TestArchive(t *testing.T) {
	dir := sampledb.CopyTree(t, testutil.Sample(t, "process_wf_failure"))
	loc, err := time.LoadLocation(sampledb.Zone)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "archive")
	if _, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: filepath.Join(dir, "process-0.dag.dagman.out"),
		Replay: true, Archive: archive, Dest: filepath.Join(t.TempDir(), "x.duckdb"), Ingest: ingest.Options{Loc: loc}}); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCmd(t, "--json", "--dest", archive, dir)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	jobs := m["workflows"].(map[string]any)["root"].(map[string]any)["jobs"].(map[string]any)
	failed := jobs["job_details"].(map[string]any)["failed_jobs_details"].(map[string]any)
	if code != 1 || m["mode"] != "database" || jobs["failed"] != 1.0 || jobs["unsubmitted"] != 3.0 || failed["ls_ID0000001"] == nil {
		t.Errorf("exit %d, mode %v, jobs %v", code, m["mode"], jobs)
	}
}

// TestDestWithoutSubmitDir: with --dest and no submit directory (the
// working directory is none), the report is on the database's root
// workflows, each with the submit directory the database records, and says
// when that directory cannot be read.
func TestDestWithoutSubmitDir(t *testing.T) {
	failed := sampledb.Load(t, "process_wf_failure")
	t.Chdir(t.TempDir())
	out, errOut, code := runCmd(t, "--json", "--dest", failed.DB)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: stderr %q", err, errOut)
	}
	root := m["workflows"].(map[string]any)["root"].(map[string]any)
	jobs := root["jobs"].(map[string]any)
	failedJobs := jobs["job_details"].(map[string]any)["failed_jobs_details"].(map[string]any)
	if code != 1 || m["mode"] != "database" || m["root_wf_uuid"] != "f84f05fc-a8d0-42b5-bac5-52d6f41a77e3" ||
		m["submit_directory"] != root["submit_dir"] || jobs["failed"] != 1.0 || failedJobs["ls_ID0000001"] == nil {
		t.Errorf("exit %d, stderr %q, mode %v, uuid %v, submit_directory %v (recorded %v), jobs %v",
			code, errOut, m["mode"], m["root_wf_uuid"], m["submit_directory"], root["submit_dir"], jobs)
	}
	// The sample's recorded directory is that of the machine it ran on.
	recorded := root["submit_dir"].(string)
	notes, _ := m["notes"].([]any)
	if _, err := os.Stat(recorded); err == nil {
		t.Skipf("%s exists here", recorded)
	}
	if len(notes) != 1 || !strings.Contains(notes[0].(string), "the submit directory the database records, "+recorded+", cannot be read (no such directory)") {
		t.Errorf("notes %q", notes)
	}
	out, errOut, code = runCmd(t, "--dest", failed.DB)
	if code != 1 || errOut != "" || !strings.HasPrefix(out, "> **Note:** the submit directory the database records, "+recorded) ||
		!strings.Contains(out, "**Root cause:** the command line is wrong (an invalid option or argument) — task ID0000001 (ls) exited with status 2") {
		t.Errorf("text: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	// A submit directory in the working directory wins over --dest's roots.
	t.Chdir(failed.Dir)
	out, _, code = runCmd(t, "--json", "--dest", failed.DB)
	m = nil
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != 1 || m["submit_directory"] != "." || m["notes"] != nil {
		t.Errorf("in the submit directory: exit %d, %v, submit_directory %v, notes %v", code, err, m["submit_directory"], m["notes"])
	}
}

// TestDestSeveralRoots: a database holding two runs is reported run by run
// (in JSON, an array); the exit status is 0 only if both succeeded.
func TestDestSeveralRoots(t *testing.T) {
	loc, err := time.LoadLocation(sampledb.Zone)
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "all.duckdb")
	for _, name := range []string{"process_wf_success", "process_wf_failure"} {
		dir := sampledb.CopyTree(t, testutil.Sample(t, name))
		outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
		if len(outs) != 1 {
			t.Fatalf("%s: %v", dir, outs)
		}
		if _, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: outs[0], Replay: true, Dest: dest,
			Ingest: ingest.Options{Loc: loc}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(t.TempDir())
	out, errOut, code := runCmd(t, "--json", "--dest", dest)
	var reps []map[string]any
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("%v: stderr %q\n%s", err, errOut, out)
	}
	if code != 1 || len(reps) != 2 {
		t.Fatalf("exit %d, %d reports", code, len(reps))
	}
	statuses := map[string]string{}
	for _, r := range reps {
		w := r["workflows"].(map[string]any)["root"].(map[string]any)
		statuses[r["root_wf_uuid"].(string)] = w["wf_status"].(string)
	}
	if len(statuses) != 2 || statuses["f84f05fc-a8d0-42b5-bac5-52d6f41a77e3"] != "failure" {
		t.Errorf("statuses %v", statuses)
	}
	out, _, code = runCmd(t, "-S", "--dest", dest)
	if code != 1 || strings.Count(out, "## Summary") != 2 || strings.Count(out, "**Workflow Status**") != 2 ||
		!strings.Contains(out, "`failure`") || !strings.Contains(out, "`success`") {
		t.Errorf("text: exit %d:\n%s", code, out)
	}
}

// jsonRun runs the command with --json and decodes the report.
func jsonRun(t *testing.T, args ...string) (map[string]any, int) {
	t.Helper()
	out, errOut, code := runCmd(t, append([]string{"--json"}, args...)...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: %v: stderr %q\n%s", args, err, errOut, out)
	}
	return m, code
}

// rootJobs returns the "jobs" object of the report's "root" workflow.
func rootJobs(m map[string]any) (wf, jobs map[string]any) {
	wf = m["workflows"].(map[string]any)["root"].(map[string]any)
	return wf, wf["jobs"].(map[string]any)
}

// TestConfNamesDatabase: --conf's pegasus.monitord.output names the
// database, which is not in the submit directory.
func TestConfNamesDatabase(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	moved := filepath.Join(t.TempDir(), "elsewhere.duckdb")
	if err := os.Rename(r.DB, moved); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "pegasus.properties")
	if err := os.WriteFile(conf, []byte("pegasus.monitord.output = duckdb://"+moved+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, code := jsonRun(t, "--conf", conf, r.Dir)
	_, jobs := rootJobs(m)
	if code != 1 || m["mode"] != "database" || m["database"] != moved || jobs["failed"] != 1.0 {
		t.Errorf("exit %d, mode %v, database %v, jobs %v", code, m["mode"], m["database"], jobs)
	}
	// Without --conf, no database is found: files mode, with a note.
	m, code = jsonRun(t, r.Dir)
	if notes, _ := m["notes"].([]any); code != 1 || m["mode"] != "files" || len(notes) != 1 ||
		!strings.Contains(notes[0].(string), "no Stampede database was found") {
		t.Errorf("without --conf: exit %d, mode %v, notes %v", code, m["mode"], m["notes"])
	}
}

// TestTopDir: a sub-workflow's directory, with the top workflow's directory
// (whose database holds the hierarchy) given by --top-dir.
func TestTopDir(t *testing.T) {
	r := sampledb.Load(t, "hierarchical_wf_success")
	sub := filepath.Join(r.Dir, "00", "00", "blackdiamond_diamond_subworkflow.000")
	m, code := jsonRun(t, "-d", sub, "--top-dir", r.Dir)
	wf, jobs := rootJobs(m)
	// The sample's sub-workflow never ran as far as its database knows (its
	// DAGMan log was not published): every job unsubmitted, status unknown.
	if code != 1 || m["mode"] != "database" || m["database"] != r.DB || m["root_wf_uuid"] != "48f759a4-165f-47d6-8c32-571649ce311b" ||
		wf["wf_uuid"] != "160be601-bda4-45fb-86cd-9cf7a269bb22" || wf["parent_wf_uuid"] != "48f759a4-165f-47d6-8c32-571649ce311b" ||
		jobs["total"] != 15.0 || jobs["unsubmitted"] != 15.0 {
		t.Errorf("exit %d, mode %v, database %v, root %v, workflow %v (parent %v), jobs %v", code, m["mode"], m["database"],
			m["root_wf_uuid"], wf["wf_uuid"], wf["parent_wf_uuid"], jobs)
	}
	// Without --top-dir the sub-workflow's directory has no database.
	if m, _ := jsonRun(t, "-d", sub); m["mode"] != "files" {
		t.Errorf("without --top-dir: mode %v", m["mode"])
	}
}

// TestStrict: -s takes the .out/.err names from the submit file's output
// and error commands; here they point into logs/, where the default names
// (beside the .sub file) are not.
func TestStrict(t *testing.T) {
	dir := sampledb.CopyTree(t, testutil.Sample(t, "process_wf_failure"))
	jobDir := filepath.Join(dir, "00", "00")
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ls_ID0000001.out.000", "ls_ID0000001.out.001", "ls_ID0000001.err.000", "ls_ID0000001.err.001"} {
		if err := os.Rename(filepath.Join(jobDir, f), filepath.Join(logs, f)); err != nil {
			t.Fatal(err)
		}
	}
	subFile := filepath.Join(jobDir, "ls_ID0000001.sub")
	b, err := os.ReadFile(subFile)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "run0001//00/00/ls_ID0000001.out", "run0001/logs/ls_ID0000001.out")
	s = strings.ReplaceAll(s, "run0001//00/00/ls_ID0000001.err", "run0001/logs/ls_ID0000001.err")
	if s == string(b) {
		t.Fatal("the sample's submit file has no output/error line to change")
	}
	if err := os.WriteFile(subFile, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	job := func(m map[string]any) map[string]any {
		_, jobs := rootJobs(m)
		return jobs["job_details"].(map[string]any)["failed_jobs_details"].(map[string]any)["ls_ID0000001"].(map[string]any)
	}
	m, code := jsonRun(t, "--files", "-s", dir)
	ls := job(m)
	rc, _ := ls["root_cause"].(map[string]any)
	if code != 1 || ls["stdout_file"] != filepath.Join(logs, "ls_ID0000001.out.001") || ls["stderr_file"] != filepath.Join(logs, "ls_ID0000001.err.001") ||
		rc["kind"] != "bad-arguments" || ls["tasks"].(map[string]any)["1"].(map[string]any)["exitcode"] != 2.0 {
		t.Errorf("-s: exit %d, stdout_file %v, stderr_file %v, root cause %v", code, ls["stdout_file"], ls["stderr_file"], rc)
	}
	// Without -s the record is looked for beside the .sub file, and missed.
	m, _ = jsonRun(t, "--files", dir)
	ls = job(m)
	if notes := fmt.Sprint(ls["notes"]); ls["stdout_file"] != filepath.Join(jobDir, "ls_ID0000001.out.001") ||
		!strings.Contains(notes, "ls_ID0000001.out.001 does not exist: no kickstart record to read") {
		t.Errorf("without -s: stdout_file %v, notes %v", ls["stdout_file"], ls["notes"])
	}
}
