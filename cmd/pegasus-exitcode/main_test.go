package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// record returns a minimal 5.x kickstart record.
func record(tr, id string, raw int, extra string) string {
	ec := raw >> 8
	return "- invocation: True\n  version: 3.0\n  transformation: \"" + tr + "\"\n  derivation: \"" + id + "\"\n" +
		"  mainjob:\n    duration: 0.1\n    status:\n      raw: " + strconv.Itoa(raw) + "\n      regular_exitcode: " + strconv.Itoa(ec) + "\n" + extra
}

const xmlRecord = `<?xml version="1.0" encoding="ISO-8859-1"?>
<invocation xmlns="http://pegasus.isi.edu/schema/invocation" version="2.1" start="2012-09-25T16:41:31.899-04:00" duration="1.0" transformation="ns::k:1.0" derivation="ID1" resource="local" hostname="h" user="u">
<mainjob start="2012-09-25T16:41:31.899-04:00" duration="1.0" pid="1"><usage utime="0.1" stime="0.1" maxrss="1"/>
<status raw="9"><signalled signal="9" corefile="false">SIGKILL</signalled></status></mainjob>
<cwd>/tmp</cwd></invocation>
`

func writeJob(t *testing.T, dir, out, errText string) string {
	t.Helper()
	p := filepath.Join(dir, "job_ID1.out")
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if errText != "" {
		if err := os.WriteFile(filepath.Join(dir, "job_ID1.err"), []byte(errText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func runCmd(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stderr.String(), err
}

func TestDecisions(t *testing.T) {
	ok := record("k", "ID1", 0, "")
	tests := []struct {
		name    string
		out     string
		err     string
		args    []string
		wantErr string // substring of the failure reason; "" means success
	}{
		{name: "success", out: ok},
		{name: "dagman-return", out: ok, args: []string{"-r", "1"}, wantErr: "the job exited with status 1"},
		{name: "task-exit-code", out: record("k", "ID1", 512, ""), wantErr: "task 1 (k ID1): exited with code 2"},
		{name: "second-task-fails", out: ok + record("k", "ID2", 256, ""), wantErr: "task 2 (k ID2): exited with code 1"},
		{name: "signalled-xml", out: xmlRecord, wantErr: "task 1 (ns::k:1.0 ID1): died on SIGKILL"},
		{name: "no-record", out: "hello\n", wantErr: "no kickstart record"},
		{name: "empty", out: "", wantErr: "no kickstart record"},
		{name: "lite-exitcode", out: ok, err: "x\nPegasusLite: exitcode 3\n", wantErr: "PegasusLite: exitcode 3"},
		{name: "lite-exitcode-zero", out: ok, err: "PegasusLite: exitcode 0\n", args: []string{"-s", "PegasusLite:+exitcode+0"}},
		{name: "success-message-missing", out: ok, args: []string{"-s", "PegasusLite:+exitcode+0"}, wantErr: `success message "PegasusLite: exitcode 0" not found`},
		{name: "failure-message", out: ok, err: "Segmentation fault\n", args: []string{"-f", "Segmentation+fault"}, wantErr: `failure message "Segmentation fault" found`},
		{name: "cluster-summary-failed", out: ok + "[cluster-summary stat=\"fail\", lines=2, tasks=2, succeeded=1, failed=1, extra=0, duration=1.0, start=\"2012-09-25T16:41:22.734-04:00\", pid=1, app=\"pegasus-cluster\"]\n", wantErr: "1 of 2 tasks failed"},
		{name: "bad-record", out: "- invocation: True\n  mainjob: [unclosed\n", wantErr: "job_ID1.out.000:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeJob(t, dir, tc.out, tc.err)
			args := append(append([]string{}, tc.args...), p)
			stderr, err := runCmd(t, dir, args...)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v (stderr %q), want success", err, stderr)
				}
				return
			}
			if !errors.Is(err, ErrJobFailed) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want a job failure containing %q", err, tc.wantErr)
			}
			if code := cli.ExitCode("pegasus-exitcode", err, &bytes.Buffer{}); code != 1 {
				t.Fatalf("exit code %d, want 1", code)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	ok := record("k", "ID1", 0, "")
	// Two earlier tries already rotated; .002 is taken by a stray .err only.
	for _, n := range []string{"job_ID1.out.000", "job_ID1.err.000", "job_ID1.out.001", "job_ID1.err.002"} {
		os.WriteFile(filepath.Join(dir, n), []byte("old"), 0o644)
	}
	p := writeJob(t, dir, ok, "stderr text")
	if _, err := runCmd(t, dir, p); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"job_ID1.out.003": ok, "job_ID1.err.003": "stderr text", "job_ID1.out.001": "old"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Fatalf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, gone := range []string{"job_ID1.out", "job_ID1.err"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Fatalf("%s still exists", gone)
		}
	}
	// -n leaves the files alone.
	p = writeJob(t, dir, ok, "")
	if _, err := runCmd(t, dir, "-n", p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("-n rotated the output: %v", err)
	}
}

func TestMetaAndLog(t *testing.T) {
	dir := t.TempDir()
	files := "  files:\n    f.b:\n      lfn: \"f.b\"\n      file_name: /w/f.b\n      size: 12\n      ctime: 2023-03-03T22:24:20-08:00\n      user: alice\n      output: True\n      sha256: abc\n      checksum_timing: 0.25\n"
	p := writeJob(t, dir, record("k", "ID1", 0, files), "")
	cacheMeta := filepath.Join(dir, "wf.cache.meta")
	log := filepath.Join(dir, "wf.exitcode.log")
	if _, err := runCmd(t, dir, "-l", log, "-M", cacheMeta, p); err != nil {
		t.Fatal(err)
	}
	meta, _ := os.ReadFile(filepath.Join(dir, "job_ID1.meta"))
	wantMeta := `[
  {
    "_id": "f.b",
    "_type": "file",
    "_attributes": {
      "user": "alice",
      "size": "12",
      "ctime": "2023-03-03T22:24:20-08:00",
      "checksum.type": "sha256",
      "checksum.value": "abc",
      "checksum.timing": "0.25"
    }
  }
]
`
	if string(meta) != wantMeta {
		t.Fatalf("job meta:\n%s\nwant\n%s", meta, wantMeta)
	}
	cm, _ := os.ReadFile(cacheMeta)
	if want := "f.b @@PFN@@ user=\"alice\" size=\"12\" ctime=\"2023-03-03T22:24:20-08:00\" checksum.type=\"sha256\" checksum.value=\"abc\" checksum.timing=\"0.25\"\n"; string(cm) != want {
		t.Fatalf("cache meta %q, want %q", cm, want)
	}
	// A failed try adds no metadata but is logged.
	p = writeJob(t, dir, record("k", "ID1", 256, files), "")
	if _, err := runCmd(t, dir, "-l", log, "-M", cacheMeta, p); !errors.Is(err, ErrJobFailed) {
		t.Fatalf("err = %v, want a failure", err)
	}
	cm2, _ := os.ReadFile(cacheMeta)
	if !bytes.Equal(cm, cm2) {
		t.Fatalf("a failed job changed the cache meta: %q", cm2)
	}
	lines := strings.Split(strings.TrimSpace(readFile(t, log)), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "job_ID1.out.000 succeeded") || !strings.Contains(lines[1], "job_ID1.out.001 failed: job failed:") {
		t.Fatalf("log:\n%s", strings.Join(lines, "\n"))
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

// TestSamples replays the POST scripts of the real runs: the metadata of
// the successful run's jobs match what the real pegasus-exitcode wrote,
// and the failed run's compute job fails both tries.
func TestSamples(t *testing.T) {
	ok := testutil.Sample(t, "process_wf_success")
	dir := t.TempDir()
	jobs := []string{"create_dir_process_0_local", "ls_ID0000001", "stage_out_local_local_0_0", "register_local_0_0", "cleanup_process_0_local"}
	for _, j := range jobs {
		for _, ext := range []string{".out", ".err"} {
			data, err := os.ReadFile(filepath.Join(ok, "00", "00", j+ext+".000"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, j+ext), data, 0o644)
		}
		args := []string{"-r", "0", "-M", filepath.Join(dir, "process-0.cache.meta")}
		if j == "ls_ID0000001" {
			args = append(args, "-s", "PegasusLite:+exitcode+0")
		}
		if _, err := runCmd(t, dir, append(args, filepath.Join(dir, j+".out"))...); err != nil {
			t.Fatalf("%s: %v", j, err)
		}
		if got, want := readFile(t, filepath.Join(dir, j+".meta")), readFile(t, filepath.Join(ok, "00", "00", j+".meta")); got != want {
			t.Fatalf("%s.meta:\n%s\nwant\n%s", j, got, want)
		}
	}
	if got, want := readFile(t, filepath.Join(dir, "process-0.cache.meta")), readFile(t, filepath.Join(ok, "process-0.cache.meta")); got != want {
		t.Fatalf("cache meta:\n%s\nwant\n%s", got, want)
	}

	failed := testutil.Sample(t, "process_wf_failure")
	for _, try := range []string{"000", "001"} {
		dir := t.TempDir()
		for _, ext := range []string{".out", ".err"} {
			data, _ := os.ReadFile(filepath.Join(failed, "00", "00", "ls_ID0000001"+ext+"."+try))
			os.WriteFile(filepath.Join(dir, "ls_ID0000001"+ext), data, 0o644)
		}
		_, err := runCmd(t, dir, "-r", "2", "-s", "PegasusLite:+exitcode+0", filepath.Join(dir, "ls_ID0000001.out"))
		if !errors.Is(err, ErrJobFailed) || !strings.Contains(err.Error(), "status 2") {
			t.Fatalf("try %s: err = %v, want a failure with status 2", try, err)
		}
		// Without DAGMan's status the record and PegasusLite decide.
		_, err = runCmd(t, dir, "-n", filepath.Join(dir, "ls_ID0000001.out.000"))
		if !errors.Is(err, ErrJobFailed) || !strings.Contains(err.Error(), "exited with code 2") {
			t.Fatalf("try %s: err = %v, want the task's exit code 2", try, err)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"a.out", "b.out"}, {"-r", "x", "a.out"}} {
		_, err := runCmd(t, t.TempDir(), args...)
		if code := cli.ExitCode("pegasus-exitcode", err, &bytes.Buffer{}); code != 2 {
			t.Fatalf("%q: exit %d, want 2 (err %v)", args, code, err)
		}
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &bytes.Buffer{}, &stderr); cli.ExitCode("x", err, &bytes.Buffer{}) != 0 || !strings.Contains(stderr.String(), "Examples:") {
		t.Fatalf("--help: %v\n%s", err, stderr.String())
	}
}
