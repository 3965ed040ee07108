package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/stampede"
)

func init() {
	os.Setenv("TZ", sampledb.Zone)
}

func runMonitord(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code = cli.ExitCode("pegasus-monitord", err, &errb)
	return code, out.String(), errb.String()
}

func sample(t *testing.T, name string) (dir, dagmanOut string) {
	dir = sampledb.CopyTree(t, testutil.Sample(t, name))
	outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	return dir, outs[0]
}

func query(t *testing.T, db, q string) string {
	t.Helper()
	// A live monitord may hold the file for a moment: wait, as readers do.
	sdb, err := stampede.Open(context.Background(), db, stampede.OpenOptions{ReadOnly: true, Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	rows, err := sdb.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		for i, v := range vals {
			if i > 0 {
				b.WriteByte('|')
			}
			b.WriteString(toString(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func TestReplayWritesEverything(t *testing.T) {
	dir, out := sample(t, "process_wf_failure")
	code, _, stderr := runMonitord(t, "--replay", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "loaded 1 workflow(s), 5 jobs, 3 job instances, 6 invocations") {
		t.Errorf("summary: %q", stderr)
	}
	db := filepath.Join(dir, "process-0.stampede.duckdb")
	if got := query(t, db, "SELECT count(*) FROM job_instance"); got != "3\n" {
		t.Errorf("job instances: %q", got)
	}
	for _, f := range []string{"jobstate.log", "monitord.started", "monitord.done", "monitord.info"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The sample's own jobstate.log was kept.
	if _, err := os.Stat(filepath.Join(dir, "jobstate.log.000")); err != nil {
		t.Errorf("old jobstate.log not rotated: %v", err)
	}
	info, _ := os.ReadFile(filepath.Join(dir, "monitord.info"))
	for _, want := range []string{"monitord_job_sequence 4\n", "monitord_dagman_out_sequence 268\n", "monitord_workflow_restart_count 1\n", "create_dir_process_0_local 0\n", "ls_ID0000001 1\n"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("monitord.info lacks %q:\n%s", want, info)
		}
	}
	// The analyst view works.
	if got := query(t, db, "SELECT exec_job_id, try, status, exitcode FROM job_try ORDER BY job_submit_seq"); got !=
		"create_dir_process_0_local|1|succeeded|0\nls_ID0000001|1|failed|1\nls_ID0000001|2|failed|1\n" {
		t.Errorf("job_try view:\n%s", got)
	}
}

func TestBPDestination(t *testing.T) {
	dir, out := sample(t, "process_wf_success")
	bp := filepath.Join(dir, "events.bp")
	code, _, stderr := runMonitord(t, "-r", "--dest", "file://"+bp, out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(bp)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"event=stampede.wf.plan ", "event=stampede.job.info ", "event=stampede.inv.end ", "event=stampede.job_inst.main.end ", "event=stampede.xwf.end "} {
		if !strings.Contains(s, want) {
			t.Errorf("BP stream lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "process-0.stampede.duckdb")); err == nil {
		t.Errorf("a BP destination also wrote a database")
	}
}

// TestBadInput: runs that cannot be loaded exit non-zero with a message
// naming the file, and leave an existing database as it was; damaged job
// files are reported but do not stop the load.
func TestBadInput(t *testing.T) {
	t.Run("missing-static-bp", func(t *testing.T) {
		dir, out := sample(t, "process_wf_failure")
		db := filepath.Join(dir, "process-0.stampede.duckdb")
		if code, _, e := runMonitord(t, "-r", out); code != 0 {
			t.Fatalf("first load: %s", e)
		}
		before := query(t, db, "SELECT count(*), sum(job_instance_id) FROM job_instance")
		os.Remove(filepath.Join(dir, "process-0.static.bp"))
		code, _, stderr := runMonitord(t, "-r", out)
		if code != 1 || !strings.Contains(stderr, "process-0.static.bp") || !strings.Contains(stderr, "missing") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if after := query(t, db, "SELECT count(*), sum(job_instance_id) FROM job_instance"); after != before {
			t.Errorf("database changed: %q -> %q", before, after)
		}
	})
	t.Run("malformed-static-bp", func(t *testing.T) {
		dir, out := sample(t, "process_wf_failure")
		p := filepath.Join(dir, "process-0.static.bp")
		b, _ := os.ReadFile(p)
		lines := strings.SplitAfter(string(b), "\n")
		lines[2] = "ts=1970-02-06T23:45:30Z event=task.edge xwf.id=x parent.task.id=\"unterminated\n"
		os.WriteFile(p, []byte(strings.Join(lines, "")), 0o644)
		code, _, stderr := runMonitord(t, "-r", out)
		if code != 1 || !strings.Contains(stderr, "process-0.static.bp:3:") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "monitord.done")); err == nil {
			t.Errorf("a failed load wrote monitord.done")
		}
	})
	t.Run("empty-directory", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "x-0.dag.dagman.out")
		code, _, stderr := runMonitord(t, "-r", out)
		if code != 1 || !strings.Contains(stderr, "x-0.dag.dagman.out") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		os.WriteFile(out, nil, 0o644)
		code, _, stderr = runMonitord(t, "-r", out)
		if code != 1 || !strings.Contains(stderr, "braindump") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("truncated-dagman-out", func(t *testing.T) {
		dir, out := sample(t, "process_wf_failure")
		b, _ := os.ReadFile(out)
		cut := strings.Index(string(b), "03/03/23 23:11:04 Node ls_ID0000001 job proc")
		os.WriteFile(out, b[:cut+30], 0o644) // ends mid-line, before the job's end
		code, _, stderr := runMonitord(t, "-r", "-v", out)
		if code != 0 {
			t.Fatalf("a truncated log must still load: exit %d, %s", code, stderr)
		}
		for _, want := range []string{"last line is incomplete", "no DAGMan exit line"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q: %s", want, stderr)
			}
		}
		db := filepath.Join(dir, "process-0.stampede.duckdb")
		if got := query(t, db, "SELECT state FROM workflowstate"); got != "WORKFLOW_STARTED\n" {
			t.Errorf("workflow states: %q", got)
		}
		// The running job is there, with no exit code yet.
		if got := query(t, db, "SELECT job_submit_seq, exitcode FROM job_instance ORDER BY 1"); got != "1|0\n2|NULL\n" {
			t.Errorf("instances: %q", got)
		}
	})
	t.Run("corrupt-and-garbage-kickstart", func(t *testing.T) {
		dir, out := sample(t, "process_wf_failure")
		ks := filepath.Join(dir, "00", "00", "ls_ID0000001.out.000")
		b, _ := os.ReadFile(ks)
		os.WriteFile(ks, []byte(strings.Replace(string(b), "    usage:\n", "    usage: {utime: [\n", 1)), 0o644)
		os.WriteFile(filepath.Join(dir, "00", "00", "ls_ID0000001.out.001"), []byte("\x00\x01\xff\xfe garbage \x00"), 0o644)
		code, _, stderr := runMonitord(t, "-r", "-v", out)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"ls_ID0000001.out.000:", "ls_ID0000001.out.001", "KICKSTART-PARSE-ERROR"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		// Both tries fall back to the one invocation built from the submit file.
		db := filepath.Join(dir, "process-0.stampede.duckdb")
		if got := query(t, db, "SELECT count(*), min(transformation), min(exitcode) FROM invocation WHERE task_submit_seq = 1 AND job_instance_id > 1"); got != "2|ls|512\n" {
			t.Errorf("fallback invocations: %q", got)
		}
	})
	t.Run("usage", func(t *testing.T) {
		if code, _, stderr := runMonitord(t, "-r"); code != 2 || !strings.Contains(stderr, "--help") {
			t.Errorf("no argument: exit %d %q", code, stderr)
		}
		if code, _, stderr := runMonitord(t, "-r", "foo.log"); code != 2 || !strings.Contains(stderr, "dagman.out") {
			t.Errorf("bad argument: exit %d %q", code, stderr)
		}
		if code, _, _ := runMonitord(t, "--help"); code != 0 {
			t.Errorf("--help: exit %d", code)
		}
	})
}
