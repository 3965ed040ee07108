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
