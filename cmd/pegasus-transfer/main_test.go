package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/kickstart"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in", "f.a")
	os.MkdirAll(filepath.Dir(src), 0o755)
	os.WriteFile(src, []byte("data\n"), 0o644)
	integrity := filepath.Join(dir, "ks.meta")
	os.WriteFile(integrity, nil, 0o644)
	jsonList := `[
 { "type": "transfer", "linkage": "input", "lfn": "f.a", "id": 1, "generate_checksum": true,
   "src_urls": [ { "site_label": "local", "url": "` + src + `", "priority": 50 } ],
   "dest_urls": [ { "site_label": "local", "url": "file://` + dir + `/scratch/./f.a" } ] }
]`
	props := filepath.Join(dir, "pegasus.properties")
	os.WriteFile(props, []byte("pegasus.transfer.links = true\npegasus.transfer.backoff = 0.01\n"), 0o644)
	env := map[string]string{"KICKSTART_INTEGRITY_DATA": integrity}
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string
		stderr string
		check  func(t *testing.T)
	}{
		{
			name: "json-stage-in", args: []string{"--threads", "2"}, stdin: jsonList, code: 0,
			stdout: []string{"INFO:  Reading URL pairs from stdin", "INFO:  1 transfers loaded", "Starting transfers - attempt 1",
				"Stats: Total 1 transfers, 5.0 B transferred", "All transfers completed successfully."},
			check: func(t *testing.T) {
				if b, _ := os.ReadFile(dir + "/scratch/f.a"); string(b) != "data\n" {
					t.Errorf("copy holds %q", b)
				}
				e := kickstart.ParseIntegrity(mustRead(t, integrity))
				if len(e) != 1 || e[0].LFN != "f.a" {
					t.Errorf("integrity %+v", e)
				}
			},
		},
		{
			name: "pairs-with-links-from-properties", args: []string{"--conf", props}, code: 0,
			stdin:  "# local local\n" + src + "\nfile://" + dir + "/linked/f.a\n",
			stdout: []string{"ln -s '" + src + "'"},
			check: func(t *testing.T) {
				if target, err := os.Readlink(dir + "/linked/f.a"); err != nil || target != src {
					t.Errorf("link: %q %v", target, err)
				}
			},
		},
		{
			name: "mkdir-job-list", args: nil, code: 0,
			stdin:  `[{"id": 1, "type": "mkdir", "target": {"site_label": "local", "url": "file://` + dir + `/made/dir"}}]`,
			stdout: []string{"mkdir -p '" + dir + "/made/dir'", "Stats: no local files in the transfer set"},
		},
		{
			name: "failure", args: []string{"--max-attempts", "2", "--backoff", "0"}, code: 1,
			stdin:  "file://" + dir + "/absent\nfile://" + dir + "/x\n",
			stdout: []string{"ERROR:", "1 of 1 transfers failed"},
			stderr: "pegasus-transfer: 1 of 1 transfers failed",
		},
		{name: "bad-list", stdin: "[{\"type\": \"bogus\"}]", code: 1, stderr: "unknown type"},
		{name: "help", args: []string{"--help"}, code: 0, stderr: "Usage: pegasus-transfer"},
		{name: "bad-flag", args: []string{"--nope"}, code: 2, stderr: "unknown flag"},
		{name: "missing-conf", args: []string{"--conf", dir + "/nope"}, code: 1, stderr: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tc.args, strings.NewReader(tc.stdin), &out, &errb, func(k string) string { return env[k] })
			code := cli.ExitCode("pegasus-transfer", err, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
			if tc.code == 1 && strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
				t.Errorf("error is not one line: %q", errb.String())
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
