package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// diamond copies the black diamond test inputs into a temporary directory.
func diamond(t *testing.T) string {
	t.Helper()
	src := filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond")
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644)
	}
	return dst
}

func runPlan(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	code := exitCode(err, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestSubmit(t *testing.T) {
	dir := diamond(t)
	bin := t.TempDir()
	record := filepath.Join(bin, "args")
	script := "#!/bin/sh\necho \"$@\" > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "pegasus-run"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("SOURCE_DATE_EPOCH", "1314032400")
	stdout, stderr, code := runPlan(t, "--conf", filepath.Join(dir, "pegasus.properties"), "--dax", filepath.Join(dir, "blackdiamond.dax"),
		"--dir", filepath.Join(dir, "submit"), "--relative-dir", "run", "--sites", "local", "-o", "local", "--submit", "-F", "nogrid")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("pegasus-run was not run: %v\n%s", err, stdout)
	}
	if want := "--nogrid " + filepath.Join(dir, "submit", "run") + "\n"; string(got) != want {
		t.Fatalf("pegasus-run got %q, want %q", got, want)
	}
	// Without pegasus-run the plan stays and the error says how to run it.
	t.Setenv("PATH", t.TempDir())
	_, stderr, code = runPlan(t, "--conf", filepath.Join(dir, "pegasus.properties"), "--dax", filepath.Join(dir, "blackdiamond.dax"),
		"--dir", filepath.Join(dir, "submit"), "--relative-dir", "run2", "--sites", "local", "--submit")
	if code != 1 || !strings.Contains(stderr, "--submit: pegasus-run is not available") || !strings.Contains(stderr, "pegasus-run "+filepath.Join(dir, "submit", "run2")) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "submit", "run2", "blackdiamond-0.dag")); err != nil {
		t.Fatalf("plan removed: %v", err)
	}
}

func TestErrorsAndHelp(t *testing.T) {
	dir := diamond(t)
	bad := filepath.Join(dir, "bad.dax")
	os.WriteFile(bad, []byte("<?xml version=\"1.0\"?>\n<adag version=\"3.6\" name=\"x\">\n<job id=\"a\" name=\"b\">\n</adag>\n"), 0o644)
	_, stderr, code := runPlan(t, "--conf", filepath.Join(dir, "pegasus.properties"), "--dax", bad, "--dir", filepath.Join(dir, "s"))
	if code != 1 || !strings.HasPrefix(stderr, "pegasus-plan: "+bad+":4: malformed XML") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = runPlan(t, "--help")
	if code != 0 || !strings.Contains(stderr, "Examples:") {
		t.Fatalf("--help: %d %s", code, stderr)
	}
	_, _, code = runPlan(t, "--bogus")
	if code == 0 {
		t.Fatal("unknown option accepted")
	}
}

// TestSubWorkflowPreScript plans a workflow with a DAX job, then runs the
// PRE script line the planner wrote for it, as DAGMan would: the
// sub-workflow's .dag appears where the SUBDAG line expects it.
func TestSubWorkflowPreScript(t *testing.T) {
	dir := diamond(t)
	t.Setenv("SOURCE_DATE_EPOCH", "1314032400")
	outer := `<?xml version="1.0" encoding="UTF-8"?>
<adag xmlns="http://pegasus.isi.edu/schema/DAX" version="3.6" name="outer">
  <file name="blackdiamond.dax"><pfn url="file://` + filepath.Join(dir, "blackdiamond.dax") + `" site="local"/></file>
  <dax id="ID1" file="blackdiamond.dax"><argument>--force</argument></dax>
</adag>
`
	os.WriteFile(filepath.Join(dir, "outer.dax"), []byte(outer), 0o644)
	_, stderr, code := runPlan(t, "--conf", filepath.Join(dir, "pegasus.properties"), "--dax", filepath.Join(dir, "outer.dax"),
		"--dir", filepath.Join(dir, "submit"), "--relative-dir", "outer", "--sites", "local", "-o", "local")
	if code != 0 {
		t.Fatalf("outer plan: %s", stderr)
	}
	submit := filepath.Join(dir, "submit", "outer")
	dag, err := os.ReadFile(filepath.Join(submit, "outer-0.dag"))
	if err != nil {
		t.Fatal(err)
	}
	var pre []string
	var subdag, subdir string
	for _, l := range strings.Split(string(dag), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 3 && f[0] == "SCRIPT" && f[1] == "PRE":
			pre = f[3:]
		case len(f) > 3 && f[0] == "SUBDAG":
			subdag = f[3]
			// SUBDAG EXTERNAL <node> <file> [DIR <dir>]: DAGMan looks for
			// the file in DIR, relative to the parent DAG's directory.
			if len(f) > 5 && f[4] == "DIR" {
				subdag = filepath.Join(f[5], subdag)
				subdir = f[5]
			}
		}
	}
	if len(pre) == 0 || !strings.HasSuffix(pre[0], "pegasus-plan") || subdag == "" || subdir == "" {
		t.Fatalf("no PRE script or SUBDAG line in\n%s", dag)
	}
	// DAGMan runs the PRE script in the DAG's directory.
	wd, _ := os.Getwd()
	os.Chdir(submit)
	defer os.Chdir(wd)
	_, stderr, code = runPlan(t, pre[1:]...)
	if code != 0 {
		t.Fatalf("PRE script %q: %s", pre, stderr)
	}
	if _, err := os.Stat(filepath.Join(submit, subdag)); err != nil {
		t.Fatalf("the sub-workflow plan is not where SUBDAG looks: %v", err)
	}
	// A retry of the PRE script re-plans and keeps the previous plan aside.
	if _, stderr, code = runPlan(t, pre[1:]...); code != 0 {
		t.Fatalf("PRE script again: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(submit, filepath.Dir(subdag)+".000", filepath.Base(subdag))); err != nil {
		t.Fatalf("previous sub-workflow plan not kept: %v", err)
	}
}

// TestNamingOptions: --basename names the workflow files, --relative-dir the
// submit directory, --randomdir the remote work directory, --job-prefix the
// compute and create-dir jobs; -v prints the phases, -q silences stdout.
func TestNamingOptions(t *testing.T) {
	dir := diamond(t)
	t.Setenv("SOURCE_DATE_EPOCH", "1314032400")
	stdout, stderr, code := runPlan(t, "--conf", filepath.Join(dir, "pegasus.properties"), "--dax", filepath.Join(dir, "blackdiamond.dax"),
		"--dir", filepath.Join(dir, "submit"), "--relative-dir", "rel", "--basename", "mywf", "--randomdir=rnd", "--job-prefix", "p_",
		"--sites", "local", "-o", "local", "--cleanup", "none", "-v")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	submit := filepath.Join(dir, "submit", "rel")
	if !strings.Contains(stdout, "Submit directory: "+submit+"\n") {
		t.Errorf("stdout %q", stdout)
	}
	for _, phase := range []string{"[INFO] read ", "[INFO] planning ", "[INFO] refined into 8 jobs", "[INFO] wrote submit directory " + submit} {
		if !strings.Contains(stderr, phase) {
			t.Errorf("-v: no %q in\n%s", phase, stderr)
		}
	}
	for _, f := range []string{"mywf.dag", "mywf.static.bp", "mywf.notify", "mywf.metrics", "mywf.cache", "mywf.replica.store", "mywf.dot", "mywf.dag.condor.sub"} {
		if _, err := os.Stat(filepath.Join(submit, f)); err != nil {
			t.Error(err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(submit, "blackdiamond-0.*")); len(m) != 0 {
		t.Errorf("files under the default basename: %v", m)
	}
	dag, err := os.ReadFile(filepath.Join(submit, "mywf.dag"))
	if err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"create_dir_p_blackdiamond_0_local", "p_preprocess_ID0000001", "p_findrange_ID0000002", "p_analyze_ID0000004"} {
		if !strings.Contains(string(dag), "JOB "+job+" 00/00/"+job+".sub\n") {
			t.Errorf("no job %s in\n%s", job, dag)
		}
	}
	in, err := os.ReadFile(filepath.Join(submit, "00", "00", "create_dir_p_blackdiamond_0_local.in"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(in), `"url": "file:///home/me/work/rnd"`) {
		t.Errorf("--randomdir: create-dir target\n%s", in)
	}
	bd, err := os.ReadFile(filepath.Join(submit, "braindump.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(bd), "\ndag mywf.dag\n") {
		t.Errorf("braindump.txt:\n%s", bd)
	}
	// -q: nothing on stdout; the plan is made all the same.
	stdout, stderr, code = runPlan(t, "--conf", filepath.Join(dir, "pegasus.properties"), "--dax", filepath.Join(dir, "blackdiamond.dax"),
		"--dir", filepath.Join(dir, "submit"), "--relative-dir", "quiet", "--sites", "local", "-o", "local", "-q")
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("-q: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "submit", "quiet", "blackdiamond-0.dag")); err != nil {
		t.Fatal(err)
	}
}
