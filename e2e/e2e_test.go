package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/daxapi"
	"github.com/pegasus-go/pegasus/stampede"
)

// bin holds the commands, built once for the package.
var bin string

var tools = []string{"pegasus-plan", "pegasus-run", "pegasus-dagman", "pegasus-monitord", "pegasus-kickstart",
	"pegasus-transfer", "pegasus-exitcode", "pegasus-rc-client", "pegasus-cluster", "pegasus-statistics", "pegasus-analyzer"}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("go.mod not found")
		}
		dir = up
	}
}

func TestMain(m *testing.M) {
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "pegasus-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	args := []string{"build", "-o", dir + "/"}
	for _, t := range tools {
		args = append(args, "./cmd/"+t)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the commands: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func root(t *testing.T) string {
	t.Helper()
	r, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// command runs one of the built tools; it returns the exit code and output.
func command(t *testing.T, dir, tool string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, tool), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PEGASUS_HOME=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", tool, err)
		}
		code = ee.ExitCode()
	}
	return code, out.String(), errb.String()
}

// example writes the black-diamond example into a new directory.
func example(t *testing.T, fail bool) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "work")
	args := []string{filepath.Join(root(t), "examples", "setup.sh"), work}
	if fail {
		args = append(args, "--fail")
	}
	if out, err := exec.Command("/bin/sh", args...).CombinedOutput(); err != nil {
		t.Fatalf("setup.sh: %v\n%s", err, out)
	}
	return work
}

var submitRE = regexp.MustCompile(`Submit directory: (\S+)`)

// plan plans work/<daxName> and returns the submit directory.
func plan(t *testing.T, work, daxName string, args ...string) string {
	t.Helper()
	all := append([]string{"--conf", filepath.Join(work, "pegasus.properties"), "--dax", filepath.Join(work, daxName),
		"--dir", filepath.Join(work, "submit"), "--sites", "local", "--output-site", "local"}, args...)
	code, out, errs := command(t, work, "pegasus-plan", all...)
	if code != 0 {
		t.Fatalf("pegasus-plan %v: exit %d\n%s%s", all, code, out, errs)
	}
	m := submitRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no submit directory in:\n%s", out)
	}
	checkLiteWrappers(t, m[1])
	return m[1]
}

// checkLiteWrappers checks that the planner's PegasusLite wrappers end with
// the "PegasusLite: exitcode N" line on stderr that real PegasusLite prints
// and that the planner's own POST scripts require (-s
// PegasusLite:+exitcode+0).
func checkLiteWrappers(t *testing.T, submit string) {
	t.Helper()
	shs, _ := filepath.Glob(filepath.Join(submit, "*", "*", "*.sh"))
	for _, sh := range shs {
		b, err := os.ReadFile(sh)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("\nexit $job_ec")) && !bytes.Contains(b, []byte("PegasusLite: exitcode")) {
			t.Errorf("%s: the wrapper does not print \"PegasusLite: exitcode N\"", sh)
		}
	}
}

func query(t *testing.T, db, sql string) string {
	t.Helper()
	d, err := stampede.Open(context.Background(), db, stampede.OpenOptions{ReadOnly: true, Wait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.SQL.Query(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		for i, x := range v {
			if i > 0 {
				b.WriteByte('|')
			}
			fmt.Fprint(&b, x)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func dbPath(t *testing.T, submit string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(submit, "*.stampede.duckdb"))
	if len(m) != 1 {
		t.Fatalf("databases in %s: %v", submit, m)
	}
	return m[0]
}

func readDAG(t *testing.T, submit string) *ingest.DAG {
	t.Helper()
	bd, err := ingest.ReadBraindumpDir(submit)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ingest.ReadDAGFile(filepath.Join(submit, bd.DagFile()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkRotated checks that every node's job output was rotated by its POST
// script into .out.000 (first try) and that no bare .out is left.
func checkRotated(t *testing.T, submit string, d *ingest.DAG) {
	t.Helper()
	for _, n := range d.Nodes {
		if n.Kind != "JOB" {
			continue
		}
		base := filepath.Join(submit, strings.TrimSuffix(n.SubmitFile, ".sub"))
		if _, err := os.Stat(base + ".out.000"); err != nil {
			t.Errorf("%s: %v", n.Name, err)
		}
		if _, err := os.Stat(base + ".out"); err == nil {
			t.Errorf("%s: .out not rotated", n.Name)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func workDir(work, label string) string {
	return filepath.Join(work, "scratch", os.Getenv("USER"), "pegasus", label, "run0001")
}

// checkSucceeded runs the checks every successful run must pass.
func checkSucceeded(t *testing.T, work, submit string, outputs map[string]string) {
	t.Helper()
	d := readDAG(t, submit)
	checkRotated(t, submit, d)
	for lfn, want := range outputs {
		got, err := os.ReadFile(filepath.Join(work, "outputs", lfn))
		if err != nil {
			t.Errorf("output %s: %v", lfn, err)
			continue
		}
		if want != "" && string(got) != want {
			t.Errorf("output %s = %q, want %q", lfn, got, want)
		}
		rc := readFile(t, filepath.Join(work, "rc.txt"))
		if !strings.Contains(rc, lfn+" file://"+filepath.Join(work, "outputs", lfn)+` site="local"`) {
			t.Errorf("%s is not registered in the replica catalog:\n%s", lfn, rc)
		}
	}
	db := dbPath(t, submit)
	want := fmt.Sprintf("%d|%d\n", len(d.Nodes), len(d.Nodes))
	if got := query(t, db, "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded') FROM (SELECT DISTINCT ON (job_id) * FROM job_try ORDER BY job_id, try DESC)"); got != want {
		t.Errorf("jobs, succeeded = %q, want %q", got, want)
	}
	if got := query(t, db, "SELECT status FROM workflowstate WHERE state = 'WORKFLOW_TERMINATED' ORDER BY timestamp DESC LIMIT 1"); got != "0\n" {
		t.Errorf("workflow end status %q", got)
	}
	for _, f := range []string{"monitord.done", "monitord.info"} {
		if _, err := os.Stat(filepath.Join(submit, f)); err != nil {
			t.Error(err)
		}
	}
}

const diamondResult = "min=3 max=100 count=40\n"

// TestExample plans and runs the bundled example (sharedfs, in-place
// cleanup), then reads it back with the reporting tools.
func TestExample(t *testing.T) {
	work := example(t, false)
	submit := plan(t, work, "blackdiamond.dax")
	code, out, errs := command(t, work, "pegasus-run", submit)
	if code != 0 {
		t.Fatalf("pegasus-run: exit %d\n%s%s\n%s", code, out, errs, readFile(t, filepath.Join(submit, "blackdiamond-0.dag.dagman.out")))
	}
	if !strings.Contains(out, "Workflow succeeded: 14 of 14 jobs done") {
		t.Errorf("pegasus-run said:\n%s", out)
	}
	checkSucceeded(t, work, submit, map[string]string{"f.d": diamondResult})
	if _, err := os.Stat(workDir(work, "blackdiamond")); !os.IsNotExist(err) {
		t.Errorf("the work directory is still there after cleanup: %v", err)
	}
	if got := query(t, dbPath(t, submit), "SELECT count(*) FROM invocation WHERE abs_task_id IS NOT NULL"); got != "4\n" {
		t.Errorf("task invocations %q, want 4", got)
	}
	if code, out, errs := command(t, work, "pegasus-statistics", "-s", "all", "-o", filepath.Join(work, "stats"), submit); code != 0 {
		t.Fatalf("pegasus-statistics: %d %s %s", code, out, errs)
	}
	summary := readFile(t, filepath.Join(work, "stats", "summary.txt"))
	if !regexp.MustCompile(`\n\s*Jobs\s+14\s+0\s+0\s+14\s+0\s+14\s`).MatchString(summary) {
		t.Errorf("statistics summary:\n%s", summary)
	}
	code, out, _ = command(t, work, "pegasus-analyzer", submit)
	if code != 0 || !strings.Contains(out, "`success`") {
		t.Errorf("pegasus-analyzer: %d\n%s", code, out)
	}
	// A second pegasus-run has nothing to do.
	code, out, _ = command(t, work, "pegasus-run", submit)
	if code != 0 || !strings.Contains(out, "already succeeded") {
		t.Errorf("second pegasus-run: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(submit, "blackdiamond-0.dag.condor.sub")); err != nil {
		t.Error(err)
	}
}

// TestExampleFailure runs the example with a job that fails on purpose:
// retried once, then the rescue DAG; the reports tell the truth; after the
// cause is fixed a second pegasus-run resumes and succeeds.
func TestExampleFailure(t *testing.T) {
	work := example(t, true)
	submit := plan(t, work, "blackdiamond.dax")
	code, out, errs := command(t, work, "pegasus-run", submit)
	if code != 1 {
		t.Fatalf("pegasus-run: exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Workflow failed:", "findrange_ID0000003: Job exited with status 3 and POST Script failed with status 1 (after 1 node retries)", "Rescue DAG: " + filepath.Join(submit, "blackdiamond-0.dag.rescue001"), "pegasus-run " + submit} {
		if !strings.Contains(errs, want) {
			t.Errorf("pegasus-run's report lacks %q:\n%s", want, errs)
		}
	}
	d := readDAG(t, submit)
	// The truth: the failed node's descendants never ran; everything else did.
	futile := map[string]bool{}
	var mark func(string)
	mark = func(n string) {
		for _, c := range d.Node(n).Children {
			if !futile[c] {
				futile[c] = true
				mark(c)
			}
		}
	}
	mark("findrange_ID0000003")
	succeeded := len(d.Nodes) - 1 - len(futile)
	db := dbPath(t, submit)
	got := query(t, db, `SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE try > 1) FROM job_try`)
	if want := fmt.Sprintf("%d|2|1\n", succeeded); got != want {
		t.Errorf("succeeded tries, failed tries, retries = %q, want %q", got, want)
	}
	if got := query(t, db, "SELECT try, exitcode FROM job_try WHERE exec_job_id = 'findrange_ID0000003' ORDER BY try"); got != "1|1\n2|1\n" {
		t.Errorf("findrange_ID0000003 tries %q", got)
	}
	if got := query(t, db, "SELECT count(*) FROM job"); got != strconv.Itoa(len(d.Nodes))+"\n" {
		t.Errorf("jobs %q", got)
	}
	code, out, _ = command(t, work, "pegasus-analyzer", submit)
	if code == 0 && !strings.Contains(out, "findrange_ID0000003") || !strings.Contains(out, "fails on purpose") {
		t.Errorf("pegasus-analyzer (exit %d) does not show the failure:\n%s", code, out)
	}
	if code, out, errs := command(t, work, "pegasus-statistics", "-s", "all", "-o", filepath.Join(work, "stats"), submit); code != 0 {
		t.Fatalf("pegasus-statistics: %d %s %s", code, out, errs)
	}
	summary := readFile(t, filepath.Join(work, "stats", "summary.txt"))
	wantJobs := fmt.Sprintf(`\n\s*Jobs\s+%d\s+1\s+%d\s+%d\s+1\s+%d\s`, succeeded, len(futile), len(d.Nodes), succeeded+1+1)
	if !regexp.MustCompile(wantJobs).MatchString(summary) {
		t.Errorf("statistics summary does not match %s:\n%s", wantJobs, summary)
	}

	// Fix the cause (the job's argument) and run again: only what did not
	// succeed runs.
	sub := filepath.Join(submit, "00", "00", "findrange_ID0000003.sub")
	os.WriteFile(sub, []byte(strings.Replace(readFile(t, sub), " --fail", "", 1)), 0o644)
	code, out, errs = command(t, work, "pegasus-run", submit)
	if code != 0 {
		t.Fatalf("resumed pegasus-run: exit %d\n%s%s", code, out, errs)
	}
	if got := readFile(t, filepath.Join(work, "outputs", "f.d")); got != diamondResult {
		t.Errorf("f.d = %q", got)
	}
	got = query(t, db, "SELECT count(*) FROM job_try WHERE exec_job_id = 'preprocess_ID0000001'")
	if got != "1\n" {
		t.Errorf("preprocess ran %s times in all, want once", got)
	}
	if got := query(t, db, "SELECT max(restart_count) FROM workflowstate"); got != "1\n" {
		t.Errorf("restart count %q", got)
	}
	if got := query(t, db, "SELECT count(*) FROM (SELECT DISTINCT ON (job_id) * FROM job_try ORDER BY job_id, try DESC) WHERE status = 'succeeded'"); got != strconv.Itoa(len(d.Nodes))+"\n" {
		t.Errorf("jobs succeeded at last: %q", got)
	}
}

// TestDataConfigurations runs the example in the other data
// configurations and with bypass.
func TestDataConfigurations(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"nonsharedfs", []string{"-Dpegasus.data.configuration=nonsharedfs", "--staging-site", "local=local"}},
		{"condorio", []string{"-Dpegasus.data.configuration=condorio"}},
		{"condorio-bypass", []string{"-Dpegasus.data.configuration=condorio", "-Dpegasus.transfer.bypass.input.staging=true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := example(t, false)
			submit := plan(t, work, "blackdiamond.dax", tc.args...)
			code, out, errs := command(t, work, "pegasus-run", submit)
			if code != 0 {
				t.Fatalf("pegasus-run: exit %d\n%s%s", code, out, errs)
			}
			checkSucceeded(t, work, submit, map[string]string{"f.d": diamondResult})
			if _, err := os.Stat(workDir(work, "blackdiamond")); !os.IsNotExist(err) {
				t.Errorf("the work directory is still there after cleanup: %v", err)
			}
		})
	}
}

// fanWorkflow writes a split -> n x work -> join workflow whose stand-in
// program sleeps sleep seconds per task, with catalogs, into a new directory.
func fanWorkflow(t *testing.T, n int, sleep string) string {
	t.Helper()
	w := daxapi.New("fan")
	in := w.File("f.in")
	split := w.JobWithID("ID0000001", "t", "split", "1.0").Uses(in, dax.LinkInput).AddArguments("-i", in, "-o")
	join := w.JobWithID(fmt.Sprintf("ID%07d", n+2), "t", "join", "1.0").AddArguments("-i")
	out := w.File("f.out")
	for i := 0; i < n; i++ {
		part, res := w.File(fmt.Sprintf("f.part%d", i)), w.File(fmt.Sprintf("f.res%d", i))
		split.Uses(part, dax.LinkOutput).AddArguments(part)
		wj := w.JobWithID(fmt.Sprintf("ID%07d", i+2), "t", "work", "1.0").Uses(part, dax.LinkInput).Uses(res, dax.LinkOutput).
			AddArguments("-i", part, "-o", res).Depends(split)
		join.Uses(res, dax.LinkInput).AddArguments(res)
		join.Depends(wj)
	}
	join.Uses(out, dax.LinkOutput).AddArguments("-o", out)
	work := filepath.Join(t.TempDir(), "work")
	for _, d := range []string{"inputs", "scratch", "outputs", "bin"} {
		os.MkdirAll(filepath.Join(work, d), 0o755)
	}
	if err := w.WriteFile(filepath.Join(work, "fan.dax")); err != nil {
		t.Fatal(err)
	}
	standIn := "#!/bin/sh\n# stand-in task: read every -i file, write every -o file\nsleep " + sleep + "\nmode=\nfor a in \"$@\"; do\n  case \"$a\" in\n    -i) mode=i ;;\n    -o) mode=o ;;\n    *) if [ \"$mode\" = i ]; then cat \"$a\" > /dev/null; elif [ \"$mode\" = o ]; then echo \"$a\" > \"$a\"; fi ;;\n  esac\ndone\n"
	os.WriteFile(filepath.Join(work, "bin", "standin"), []byte(standIn), 0o755)
	os.WriteFile(filepath.Join(work, "inputs", "f.in"), []byte("input\n"), 0o644)
	os.WriteFile(filepath.Join(work, "sites.xml"), []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="4.0">
  <site handle="local" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="%[1]s/scratch"><file-server operation="all" url="file://%[1]s/scratch"/></directory>
    <directory type="local-storage" path="%[1]s/outputs"><file-server operation="all" url="file://%[1]s/outputs"/></directory>
  </site>
</sitecatalog>
`, work)), 0o644)
	var tc strings.Builder
	for _, tr := range []string{"split", "work", "join"} {
		fmt.Fprintf(&tc, "tr t::%s:1.0 {\n  site local {\n    pfn \"%s/bin/standin\"\n    arch \"x86_64\"\n    os \"linux\"\n    type \"INSTALLED\"\n  }\n}\n", tr, work)
	}
	os.WriteFile(filepath.Join(work, "tc.txt"), []byte(tc.String()), 0o644)
	os.WriteFile(filepath.Join(work, "rc.txt"), []byte(fmt.Sprintf("f.in file://%s/inputs/f.in site=\"local\"\n", work)), 0o644)
	os.WriteFile(filepath.Join(work, "pegasus.properties"), []byte(fmt.Sprintf(
		"pegasus.catalog.site.file = %[1]s/sites.xml\npegasus.catalog.transformation.file = %[1]s/tc.txt\npegasus.catalog.replica = File\npegasus.catalog.replica.file = %[1]s/rc.txt\npegasus.clusters.size = 3\n", work)), 0o644)
	return work
}

// TestClusteringAndCleanup runs horizontally clustered jobs, with in-place
// and with leaf cleanup.
func TestClusteringAndCleanup(t *testing.T) {
	for _, cleanup := range []string{"inplace", "leaf"} {
		t.Run(cleanup, func(t *testing.T) {
			work := fanWorkflow(t, 6, "0")
			submit := plan(t, work, "fan.dax", "--cluster", "horizontal", "--cleanup", cleanup)
			d := readDAG(t, submit)
			merged := 0
			for _, n := range d.Nodes {
				if strings.HasPrefix(n.Name, "merge_") {
					merged++
				}
			}
			if merged != 2 {
				t.Fatalf("%d clustered jobs, want 2", merged)
			}
			code, out, errs := command(t, work, "pegasus-run", submit)
			if code != 0 {
				t.Fatalf("pegasus-run: exit %d\n%s%s", code, out, errs)
			}
			checkSucceeded(t, work, submit, map[string]string{"f.out": "f.out\n"})
			if _, err := os.Stat(workDir(work, "fan")); !os.IsNotExist(err) {
				t.Errorf("the work directory is still there after %s cleanup: %v", cleanup, err)
			}
			// Every task ran once: 8 task invocations, 6 of them inside the 2 clusters.
			db := dbPath(t, submit)
			if got := query(t, db, "SELECT count(*) FROM invocation WHERE abs_task_id IS NOT NULL"); got != "8\n" {
				t.Errorf("task invocations %q, want 8", got)
			}
			if got := query(t, db, "SELECT count(*) FROM invocation i JOIN job_instance ji USING (job_instance_id) JOIN job j ON j.job_id = ji.job_id WHERE j.exec_job_id LIKE 'merge_%' AND i.abs_task_id IS NOT NULL"); got != "6\n" {
				t.Errorf("clustered task invocations %q, want 6", got)
			}
		})
	}
}

// dump returns every table's rows as text.
func dump(t *testing.T, path string) string {
	t.Helper()
	var b strings.Builder
	for _, tbl := range stampede.Tables {
		if tbl == "dbversion" {
			continue
		}
		rows := strings.Split(strings.TrimSpace(query(t, path, `SELECT * FROM "`+tbl+`" ORDER BY ALL`)), "\n")
		for _, r := range rows {
			if r != "" {
				fmt.Fprintln(&b, tbl, r)
			}
		}
	}
	return b.String()
}

func pidFromFile(t *testing.T, p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "pid" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// TestLiveMonitordKill runs a workflow slow enough to be watched: the
// statistics and the analyzer read its database while it runs; monitord is
// killed with SIGKILL half-way, pegasus-dagman starts it again, and the
// final database equals a replay of the finished run.
func TestLiveMonitordKill(t *testing.T) {
	work := fanWorkflow(t, 8, "0.3")
	submit := plan(t, work, "fan.dax", "--cleanup", "none")
	run := exec.Command(filepath.Join(bin, "pegasus-run"), "-j", "2", submit)
	var out, errs bytes.Buffer
	run.Stdout, run.Stderr = &out, &errs
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Wait() }()
	db := filepath.Join(submit, "fan-0.stampede.duckdb")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(db); err == nil {
			if n, _ := strconv.Atoi(strings.TrimSpace(query(t, db, "SELECT count(*) FROM job_instance"))); n >= 3 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("the workflow ended before it could be watched: %v\n%s%s", err, out.String(), errs.String())
		default:
		}
		if time.Now().After(deadline) {
			run.Process.Kill()
			t.Fatalf("no job in the database after 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Readers while monitord writes.
	if code, o, e := command(t, work, "pegasus-statistics", "-i", "-s", "summary", "-o", filepath.Join(work, "live-stats"), submit); code != 0 {
		t.Errorf("live pegasus-statistics: exit %d\n%s%s", code, o, e)
	}
	if code, o, e := command(t, work, "pegasus-analyzer", submit); code != 0 && code != 1 || o == "" {
		t.Errorf("live pegasus-analyzer: exit %d\n%s%s", code, o, e)
	}
	pid := pidFromFile(t, filepath.Join(submit, "monitord.started"))
	if pid == 0 {
		t.Fatal("no monitord pid")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 monitord: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pegasus-run: %v\n%s%s", err, out.String(), errs.String())
		}
	case <-time.After(120 * time.Second):
		run.Process.Kill()
		t.Fatal("the workflow did not end")
	}
	if !strings.Contains(errs.String(), "starting it again") {
		t.Errorf("pegasus-dagman did not report the monitord restart:\n%s", errs.String())
	}
	if p := pidFromFile(t, filepath.Join(submit, "monitord.started")); p == pid {
		t.Error("monitord.started still names the killed monitord")
	}
	checkSucceeded(t, work, submit, map[string]string{"f.out": "f.out\n"})

	// The reference: a replay of the finished run in a copy.
	twin := filepath.Join(t.TempDir(), "twin")
	if o, err := exec.Command("cp", "-a", submit, twin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, o)
	}
	for _, f := range []string{"fan-0.stampede.duckdb", "monitord.info", "monitord.done", "monitord.started", "jobstate.log"} {
		os.Remove(filepath.Join(twin, f))
	}
	if code, o, e := command(t, twin, "pegasus-monitord", "-r", filepath.Join(twin, "fan-0.dag.dagman.out")); code != 0 {
		t.Fatalf("replay: %d %s %s", code, o, e)
	}
	got, want := dump(t, db), dump(t, filepath.Join(twin, "fan-0.stampede.duckdb"))
	norm := strings.NewReplacer(submit, "SUBMIT", twin, "SUBMIT")
	got, want = norm.Replace(got), norm.Replace(want)
	if got != want {
		t.Errorf("the live database (monitord killed and restarted) differs from a replay:\n%s", diff(t, got, want))
	}
}

// diff returns the differences of two texts as diff -u shows them.
func diff(t *testing.T, got, want string) string {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "got"), []byte(got), 0o644)
	os.WriteFile(filepath.Join(d, "want"), []byte(want), 0o644)
	out, _ := exec.Command("diff", "-u", filepath.Join(d, "want"), filepath.Join(d, "got")).CombinedOutput()
	if len(out) > 6000 {
		out = append(out[:6000], "..."...)
	}
	return string(out)
}

func firstDiff(a, b []string) string {
	in := map[string]int{}
	for _, x := range b {
		in[x]++
	}
	var out []string
	for _, x := range a {
		if in[x] > 0 {
			in[x]--
			continue
		}
		out = append(out, "+ "+x)
	}
	for x, n := range in {
		for ; n > 0; n-- {
			out = append(out, "- "+x)
		}
	}
	sort.Strings(out)
	if len(out) > 20 {
		out = out[:20]
	}
	return strings.Join(out, "\n")
}

// kindsOf returns, per node, the sequence of the lines monitord acts on,
// with statuses replaced by their sign (ok / failed), and the sequence of
// the workflow-level lines, read with monitord's classifier.
func kindsOf(t *testing.T, path string) (map[string]string, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dc := &ingest.DagmanClassifier{Clock: &ingest.Clock{}}
	nodes := map[string][]string{}
	var wf []string
	last := ""
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		dl := dc.Classify([]byte(l), i+1)
		what := ""
		switch dl.Kind {
		case ingest.LineULog:
			what = dl.Name
		case ingest.LineSubmitting:
			what, last = "submitting", dl.Node
		case ingest.LineScriptStart:
			what = map[bool]string{true: "PRE", false: "POST"}[dl.Pre] + "-start"
		case ingest.LineScriptEnd:
			what = map[bool]string{true: "PRE", false: "POST"}[dl.Pre] + map[bool]string{true: "-ok", false: "-failed"}[dl.OK]
		case ingest.LineJobFailed:
			what = "job-failed"
		case ingest.LineJobSuccess:
			what = "job-ok"
		case ingest.LineHoldReason:
			what, dl.Node = "hold-reason", last
		case ingest.LineStartingUp, ingest.LineVersion, ingest.LinePID, ingest.LineParsing, ingest.LineExiting, ingest.LineSIGUSR1:
			wf = append(wf, strconv.Itoa(int(dl.Kind)))
		}
		if what != "" && dl.Node != "" {
			nodes[dl.Node] = append(nodes[dl.Node], what)
		}
	}
	out := map[string]string{}
	for n, k := range nodes {
		out[n] = strings.Join(k, " ")
	}
	return out, strings.Join(wf, " ")
}

// TestDagmanOutLikeHTCondor compares the dagman.out the executor writes
// with real HTCondor DAGMan logs: the same line kinds, in the same order,
// for the same situations (a node that succeeds, a node that fails and is
// retried, the workflow's start and end).
func TestDagmanOutLikeHTCondor(t *testing.T) {
	okSample, okWF := kindsOf(t, filepath.Join(testutil.Sample(t, "process_wf_success"), "process-0.dag.dagman.out"))
	failSample, failWF := kindsOf(t, filepath.Join(testutil.Sample(t, "process_wf_failure"), "process-0.dag.dagman.out"))

	work := example(t, true)
	submit := plan(t, work, "blackdiamond.dax")
	if code, out, errs := command(t, work, "pegasus-run", submit); code != 1 {
		t.Fatalf("pegasus-run: exit %d\n%s%s", code, out, errs)
	}
	ours, oursWF := kindsOf(t, filepath.Join(submit, "blackdiamond-0.dag.dagman.out"))
	if oursWF != failWF || okWF != failWF {
		t.Errorf("workflow-level lines %q, HTCondor's %q", oursWF, failWF)
	}
	succeeded := okSample["create_dir_process_0_local"]
	for _, n := range []string{"create_dir_blackdiamond_0_local", "stage_in_local_local_0_0", "preprocess_ID0000001", "findrange_ID0000002"} {
		if ours[n] != succeeded {
			t.Errorf("%s: %q\nHTCondor's succeeded node: %q", n, ours[n], succeeded)
		}
	}
	if got, want := ours["findrange_ID0000003"], failSample["ls_ID0000001"]; got != want {
		t.Errorf("failed node with a retry: %q\nHTCondor's: %q", got, want)
	}
	if _, ran := ours["analyze_ID0000004"]; ran {
		t.Error("a node below the failure ran")
	}
}

// TestForHTCondor checks that a submit directory stays valid for real
// HTCondor: every file we emit or run parses with the submit-file and DAG
// readers, <dag>.condor.sub runs pegasus-dagman in the scheduler universe,
// and condor_submit_dag -no_submit accepts the DAG when HTCondor is
// installed.
func TestForHTCondor(t *testing.T) {
	work := example(t, false)
	submit := plan(t, work, "blackdiamond.dax")
	if code, out, errs := command(t, work, "pegasus-run", "--detach", submit); code != 0 || !strings.Contains(out, "Workflow started") {
		t.Fatalf("pegasus-run --detach: exit %d\n%s%s", code, out, errs)
	}
	dag := filepath.Join(submit, "blackdiamond-0.dag")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(submit, "monitord.done")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the detached run did not finish:\n%s", readFile(t, dag+".lib.err"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	d := readDAG(t, submit)
	for _, n := range d.Nodes {
		sf, err := ingest.ReadSubmitFile(filepath.Join(submit, n.SubmitFile))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sf.Arguments(); err != nil || !sf.HasQueue {
			t.Errorf("%s: arguments %v, queue %v", n.SubmitFile, err, sf.HasQueue)
		}
	}
	sf, err := ingest.ReadSubmitFile(dag + ".condor.sub")
	if err != nil {
		t.Fatal(err)
	}
	args, err := sf.Arguments()
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := sf.Get("universe"); u != "scheduler" {
		t.Errorf("universe %q", u)
	}
	if exe, _ := sf.Get("executable"); filepath.Base(exe) != "pegasus-dagman" {
		t.Errorf("executable %q", exe)
	}
	if a := strings.Join(args, " "); !strings.Contains(a, "-Dag blackdiamond-0.dag") || !strings.Contains(a, "-AutoRescue 1") {
		t.Errorf("arguments %q", a)
	}
	env := map[string]string{}
	for _, kv := range sf.Environment() {
		env[kv.Key] = kv.Value
	}
	if env["_CONDOR_DAGMAN_LOG"] != "blackdiamond-0.dag.dagman.out" {
		t.Errorf("environment %v", env)
	}
	csd, err := exec.LookPath("condor_submit_dag")
	if err != nil {
		t.Skip("HTCondor is not installed: condor_submit_dag -no_submit not run")
	}
	twin := filepath.Join(t.TempDir(), "twin")
	if o, err := exec.Command("cp", "-a", submit, twin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, o)
	}
	cmd := exec.Command(csd, "-no_submit", "-f", "blackdiamond-0.dag")
	cmd.Dir = twin
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("condor_submit_dag -no_submit: %v\n%s", err, out)
	}
}

// TestDagmanWithHTCondor runs pegasus-dagman as HTCondor would (from
// <dag>.condor.sub, with -Dagman naming condor_dagman): it runs that
// condor_dagman with its arguments and pegasus-monitord beside it, and
// exits with DAGMan's code once monitord has loaded the run. A stand-in
// condor_dagman writes a real DAGMan log of the samples.
func TestDagmanWithHTCondor(t *testing.T) {
	sample := testutil.Sample(t, "process_wf_success")
	dir := filepath.Join(t.TempDir(), "run")
	if o, err := exec.Command("cp", "-a", sample, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, o)
	}
	for _, f := range []string{"monitord.info", "monitord.started", "monitord.done", "monitord.recover", "jobstate.log", "process-0.dag.dagman.out"} {
		os.Remove(filepath.Join(dir, f))
	}
	fake := filepath.Join(dir, "condor_dagman")
	script := "#!/bin/sh\necho \"$@\" > args.txt\nsed \"s/\\*\\* PID = [0-9]*/** PID = $$/\" " + filepath.Join(sample, "process-0.dag.dagman.out") + " > \"$_CONDOR_DAGMAN_LOG\"\nexit 0\n"
	os.WriteFile(fake, []byte(script), 0o755)
	cmd := exec.Command(filepath.Join(bin, "pegasus-dagman"), "-p", "0", "-f", "-l", ".", "-Lockfile", "process-0.dag.lock",
		"-AutoRescue", "1", "-DoRescueFrom", "0", "-Dag", "process-0.dag", "-MaxPost", "20", "-Suppress_notification", "-Dagman", fake)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "_CONDOR_DAGMAN_LOG=process-0.dag.dagman.out")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pegasus-dagman: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(readFile(t, filepath.Join(dir, "args.txt"))); !strings.HasPrefix(got, "-p 0 -f -l . -Lockfile process-0.dag.lock") || !strings.Contains(got, "-Dagman "+fake) {
		t.Errorf("condor_dagman got %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "monitord.done")); err != nil {
		t.Fatalf("monitord did not finish: %v\n%s", err, readFile(t, filepath.Join(dir, "monitord.log")))
	}
	if got := query(t, filepath.Join(dir, "process-0.stampede.duckdb"), "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded') FROM job_try"); got != "5|5\n" {
		t.Errorf("job tries, succeeded = %q", got)
	}
}

// TestHierarchicalWorkflow plans a workflow whose one job is the example
// as a sub-workflow (a <dax> job: SUBDAG EXTERNAL with a pegasus-plan PRE
// script that plans it when it is reached), runs it, and reads it back:
// the sub-workflow runs as a nested DAG, monitord follows it into the same
// database, and the statistics count it.
func TestHierarchicalWorkflow(t *testing.T) {
	work := example(t, false)
	outer := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<adag xmlns="http://pegasus.isi.edu/schema/DAX" version="3.6" name="outer">
  <file name="blackdiamond.dax"><pfn url="file://%s/blackdiamond.dax" site="local"/></file>
  <dax id="ID1" file="blackdiamond.dax"><argument>--force</argument></dax>
</adag>
`, work)
	if err := os.WriteFile(filepath.Join(work, "outer.dax"), []byte(outer), 0o644); err != nil {
		t.Fatal(err)
	}
	submit := plan(t, work, "outer.dax")
	code, out, errs := command(t, work, "pegasus-run", submit)
	if code != 0 {
		t.Fatalf("pegasus-run: exit %d\n%s%s", code, out, errs)
	}
	d := readDAG(t, submit)
	var sub *ingest.DAGNode
	for _, n := range d.Nodes {
		if n.Kind == "SUBDAG" {
			sub = n
		}
	}
	if sub == nil {
		t.Fatalf("no SUBDAG node in %v", d.Nodes)
	}
	inner := readDAG(t, filepath.Join(submit, sub.Dir))
	for _, f := range []string{"monitord.done"} {
		if _, err := os.Stat(filepath.Join(submit, f)); err != nil {
			t.Error(err)
		}
	}
	db := dbPath(t, submit)
	if got := query(t, db, "SELECT count(*) FROM workflow"); got != "2\n" {
		t.Errorf("workflows %q, want 2", got)
	}
	want := fmt.Sprintf("%d|%d\n", len(d.Nodes)+len(inner.Nodes), len(d.Nodes)+len(inner.Nodes))
	if got := query(t, db, "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded') FROM (SELECT DISTINCT ON (job_id) * FROM job_try ORDER BY job_id, try DESC)"); got != want {
		t.Errorf("jobs, succeeded = %q, want %q", got, want)
	}
	if code, out, errs := command(t, work, "pegasus-statistics", "-s", "summary", "-o", filepath.Join(work, "stats"), submit); code != 0 {
		t.Fatalf("pegasus-statistics: %d %s %s", code, out, errs)
	}
	summary := readFile(t, filepath.Join(work, "stats", "summary.txt"))
	if !regexp.MustCompile(`\n\s*Tasks\s+4\s+0\s+0\s+4\s`).MatchString(summary) || !regexp.MustCompile(`\n\s*Sub-Workflows\s+1\s+0\s+0\s+1\s`).MatchString(summary) {
		t.Errorf("statistics summary:\n%s", summary)
	}
}
