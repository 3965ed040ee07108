package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		format   string // record format on stdout, "" for none
		stdout   string // substring of stdout
		stderr   string // substring of stderr
		taskOut  string // the task's captured stdout
		exitCode int
	}{
		{name: "success", args: []string{"-n", "t", "/bin/sh", "-c", "echo hi"}, code: 0, format: "yaml", taskOut: "hi\n"},
		{name: "exit-code", args: []string{"/bin/sh", "-c", "exit 7"}, code: 7, format: "yaml"},
		{name: "signal", args: []string{"/bin/sh", "-c", "kill -9 $$"}, code: 137, format: "yaml"},
		{name: "missing", args: []string{"/no/such/program"}, code: 127, format: "yaml", stderr: "pegasus-kickstart: cannot run /no/such/program: no such file or directory\n"},
		{name: "xml", args: []string{"--xml", "/bin/sh", "-c", "echo hi"}, code: 0, format: "xml", taskOut: "hi\n"},
		{name: "help", args: []string{"--help"}, code: 0, stdout: "Usage: pegasus-kickstart"},
		{name: "version", args: []string{"-V"}, code: 0, stdout: "pegasus-kickstart"},
		{name: "usage", args: []string{"-n"}, code: 2, stderr: "needs a value"},
		{name: "no-app", args: []string{}, code: 2, stderr: "no application"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, os.Stdin, &out, &errb, nil)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) || !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stdout %q / stderr %q, want %q / %q", out.String(), errb.String(), tc.stdout, tc.stderr)
			}
			if tc.format == "" {
				return
			}
			f, err := ksrecord.Parse(&out, "out")
			if err != nil || f.Format != tc.format || len(f.Records) != 1 {
				t.Fatalf("record: %v %+v", err, f)
			}
			if r := f.Records[0]; r.Stdout != tc.taskOut {
				t.Errorf("task stdout %q, want %q", r.Stdout, tc.taskOut)
			}
		})
	}
}

// fullDisk fails every write, as a file on a full disk does.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// A record that cannot be written (a full disk) makes a successful job a
// failed one, with the reason on stderr; a failed job keeps its own code.
func TestRecordWriteError(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"/bin/true"}, 1},
		{[]string{"/bin/sh", "-c", "exit 5"}, 5},
		{[]string{"--xml", "/bin/true"}, 1},
	} {
		var errb bytes.Buffer
		code := run(context.Background(), tc.args, os.Stdin, fullDisk{}, &errb, nil)
		if code != tc.code || errb.String() != "pegasus-kickstart: cannot write the invocation record: no space left on device\n" {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and the reason", tc.args, code, errb.String(), tc.code)
		}
	}
	// A log file on a full disk too.
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-l", "/dev/full", "/bin/true"}, os.Stdin, &out, &errb, nil); code != 1 || !strings.Contains(errb.String(), "no space left on device") {
		t.Errorf("-l /dev/full: exit %d, stderr %q", code, errb.String())
	}
}

func TestLogFile(t *testing.T) {
	log := filepath.Join(t.TempDir(), "ks.log")
	var out, errb bytes.Buffer
	for range 2 {
		if code := run(context.Background(), []string{"-l", log, "/bin/true"}, os.Stdin, &out, &errb, nil); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("stdout got %d bytes with -l", out.Len())
	}
	f, err := ksrecord.ParseFile(log)
	if err != nil || len(f.Records) != 2 {
		t.Fatalf("log file: %v, %d records", err, len(f.Records))
	}
}

// BenchmarkKickstartTrue builds pegasus-kickstart and compares running
// "pegasus-kickstart /bin/true" with running /bin/true directly; the
// difference is kickstart's per-job overhead (reported as overhead-ns/op).
func BenchmarkKickstartTrue(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "pegasus-kickstart")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	spawn := func(args ...string) time.Duration {
		t0 := time.Now()
		if err := exec.Command(args[0], args[1:]...).Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var direct, wrapped time.Duration
	for b.Loop() {
		direct += spawn("/bin/true")
		wrapped += spawn(bin, "/bin/true")
	}
	n := float64(b.N)
	b.ReportMetric(float64(wrapped.Nanoseconds())/n, "kickstart-ns/op")
	b.ReportMetric(float64(direct.Nanoseconds())/n, "true-ns/op")
	b.ReportMetric(float64((wrapped-direct).Nanoseconds())/n, "overhead-ns/op")
}

// --conf: pegasus.gridstart.arguments are options put before the command
// line's, which win where they repeat one; a bad file is a usage error.
func TestConf(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pegasus.properties")
	if err := os.WriteFile(conf, []byte("pegasus.gridstart.arguments = -n from::props -R propsite\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--conf", conf, "-R", "cli", "/bin/true"}, os.Stdin, &out, &errb, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{`transformation: "from::props"`, `resource: "cli"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("record lacks %s:\n%s", want, out.String())
		}
	}
	errb.Reset()
	if code := run(context.Background(), []string{"--conf=" + filepath.Join(dir, "missing"), "/bin/true"}, os.Stdin, &out, &errb, nil); code != 2 || !strings.Contains(errb.String(), "missing") {
		t.Errorf("missing file: exit %d, stderr %q", code, errb.String())
	}
}
