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
