package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/cli"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644)
	noenv := func(string) string { return "" }
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		made   []string
		stdout string
		stderr string
	}{
		{name: "dir-flag", args: []string{"-c", "-d", dir + "/a/b/c"}, made: []string{"a/b/c"}, stdout: "mkdir -p '" + dir + "/a/b/c'"},
		{name: "idempotent", args: []string{"--create", "--dir", dir + "/a/b/c", "--url", "file://" + dir + "/u"}, made: []string{"a/b/c", "u"}},
		{name: "pegasus-5-create-dir-list", stdin: `[ { "id": 1, "type": "mkdir", "target": { "site_label": "local", "url": "file://` + dir + `/run0001" } } ]`,
			made: []string{"run0001"}, stdout: "1 transfers loaded"},
		{name: "url-per-line", stdin: "file://" + dir + "/l1\n# comment\n" + dir + "/l2\n", made: []string{"l1", "l2"}},
		{name: "under-a-file", args: []string{"-d", dir + "/file/sub"}, code: 1, stderr: "pegasus-dirmanager: "},
		{name: "nothing", stdin: "", code: 2, stderr: "nothing to do"},
		{name: "help", args: []string{"--help"}, code: 0, stderr: "Usage: pegasus-dirmanager"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tc.args, strings.NewReader(tc.stdin), &out, &errb, noenv)
			if code := cli.ExitCode("pegasus-dirmanager", err, &errb); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out.String(), errb.String())
			}
			for _, m := range tc.made {
				if fi, err := os.Stat(filepath.Join(dir, m)); err != nil || !fi.IsDir() {
					t.Errorf("%s not created: %v", m, err)
				}
			}
			if !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stdout %q stderr %q, want %q / %q", out.String(), errb.String(), tc.stdout, tc.stderr)
			}
		})
	}
}

func TestAbsURL(t *testing.T) {
	wd, _ := os.Getwd()
	for in, want := range map[string]string{
		"/a/b": "file:///a/b", "rel": "file://" + filepath.Join(wd, "rel"), "s3://b/k": "s3://b/k", "file:///x": "file:///x",
	} {
		if got := absURL(in); got != want {
			t.Errorf("absURL(%q) = %q, want %q", in, got, want)
		}
	}
}
