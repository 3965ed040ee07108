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
	noenv := func(string) string { return "" }
	tests := []struct {
		name   string
		args   func(dir string) []string
		stdin  func(dir string) string
		code   int
		gone   []string
		kept   []string
		stderr string
	}{
		{name: "url-per-line", stdin: func(d string) string { return "file://" + d + "/f1\n" + d + "/f2\nfile://" + d + "/never\n" },
			gone: []string{"f1", "f2"}, kept: []string{"dir/f3", "keep"}},
		{name: "leaf-cleanup-json", stdin: func(d string) string {
			return `[ { "id": 1, "type": "remove", "target": { "site_label": "local", "url": "file://` + d + `/dir", "recursive": "True" } } ]`
		}, gone: []string{"dir"}, kept: []string{"f1", "keep"}},
		{name: "recursive-flag", args: func(d string) []string { return []string{"-r", "-u", "file://" + d + "/dir"} }, gone: []string{"dir"}, kept: []string{"keep"}},
		{name: "directory-without-recursive", args: func(d string) []string { return []string{"-u", d + "/dir"} }, code: 1, kept: []string{"dir/f3"}, stderr: "pegasus-cleanup: "},
		{name: "bad-line", stdin: func(d string) string { return "two urls here\n" }, code: 1, stderr: "one URL per line"},
		{name: "help", args: func(string) []string { return []string{"-h"} }, code: 0, stderr: "Usage: pegasus-cleanup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"f1", "f2", "dir/f3", "keep"} {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
				os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
			}
			var args []string
			if tc.args != nil {
				args = tc.args(dir)
			}
			stdin := ""
			if tc.stdin != nil {
				stdin = tc.stdin(dir)
			}
			var out, errb bytes.Buffer
			err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, noenv)
			if code := cli.ExitCode("pegasus-cleanup", err, &errb); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out.String(), errb.String())
			}
			for _, g := range tc.gone {
				if _, err := os.Lstat(filepath.Join(dir, g)); !os.IsNotExist(err) {
					t.Errorf("%s still there", g)
				}
			}
			for _, k := range tc.kept {
				if _, err := os.Lstat(filepath.Join(dir, k)); err != nil {
					t.Errorf("%s removed", k)
				}
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
		})
	}
}
