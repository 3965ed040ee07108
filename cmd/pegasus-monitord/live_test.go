package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/stampede"
)

// TestMain lets the test binary act as pegasus-monitord in a child process,
// so that a test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv("PEGASUS_MONITORD_TEST_MAIN") == "1" {
		err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
		os.Exit(cli.ExitCode("pegasus-monitord", err, os.Stderr))
	}
	os.Exit(m.Run())
}

// dump returns every table's rows as text (the database creation time aside).
func dump(t *testing.T, path string) string {
	t.Helper()
	db, err := stampede.Open(context.Background(), path, stampede.OpenOptions{ReadOnly: true, Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, tbl := range stampede.Tables {
		if tbl == "dbversion" {
			continue
		}
		rows, err := db.SQL.Query(`SELECT * FROM "` + tbl + `" ORDER BY ALL`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			rows.Scan(p...)
			fmt.Fprintln(&b, tbl, v)
		}
		rows.Close()
	}
	return b.String()
}

func jobstateLines(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "MONITORD_") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A live monitord killed with SIGKILL half-way through a run and started
// again gives the same database and jobstate.log as a replay of the whole
// run; readers can read while it runs; hooks fire once.
func TestLiveKillAndRestart(t *testing.T) {
	dir, out := sample(t, "process_wf_failure")
	// A run nobody monitored yet (the sample keeps the real monitord's files).
	for _, f := range []string{"monitord.info", "monitord.started", "monitord.done", "monitord.recover", "jobstate.log"} {
		os.Remove(filepath.Join(dir, f))
	}
	full, _ := os.ReadFile(out)
	// DAGMan's pid: this test process, which is alive while the test runs.
	full = bytes.Replace(full, []byte("** PID = 147795"), []byte("** PID = "+strconv.Itoa(os.Getpid())), 1)
	hooks := filepath.Join(dir, "hooks.log")
	script := filepath.Join(dir, "hook.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$PEGASUS_EVENT $PEGASUS_JOBID $PEGASUS_STATUS\" >> "+hooks+"\n"), 0o755)
	notify := "WORKFLOW f84f05fc-a8d0-42b5-bac5-52d6f41a77e3 start " + script + "\n" +
		"WORKFLOW f84f05fc-a8d0-42b5-bac5-52d6f41a77e3 all " + script + "\n\n" +
		"JOB ls_ID0000001 error " + script + "\n" +
		"JOB create_dir_process_0_local success " + script + "\n"
	os.WriteFile(filepath.Join(dir, "process-0.notify"), []byte(notify), 0o644)
	cut := bytes.Index(full, []byte("03/03/23 23:11:14 Submitting HTCondor Node ls_ID0000001"))
	os.WriteFile(out, full[:cut], 0o644)

	// The uninterrupted reference: a replay of the whole log.
	ref := sampleTwin(t, dir, full)

	child := exec.Command(os.Args[0], "--poll", "50ms", "-v", out)
	child.Env = append(os.Environ(), "PEGASUS_MONITORD_TEST_MAIN=1")
	var stderr bytes.Buffer
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "process-0.stampede.duckdb")
	// A reader can read while the run is followed.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(db); err == nil {
			if got := query(t, db, "SELECT count(*) FROM job_instance"); got == "2\n" {
				break
			}
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			t.Fatalf("the running job never showed in the database; monitord said:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := query(t, db, "SELECT exec_job_id, exitcode FROM job_try WHERE status = 'failed' OR status = 'running' ORDER BY 1"); got != "ls_ID0000001|1\n" {
		t.Logf("mid-run job states: %q", got)
	}
	time.Sleep(200 * time.Millisecond) // let a hook or two run
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if _, err := os.Stat(filepath.Join(dir, "monitord.recover")); err != nil {
		t.Errorf("a killed monitord leaves monitord.recover: %v", err)
	}

	// DAGMan goes on; monitord is started again.
	f, _ := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(full[cut:])
	f.Close()
	code, _, e := runMonitord(t, "--poll", "50ms", out)
	if code != 0 {
		t.Fatalf("restarted monitord: exit %d: %s", code, e)
	}
	if got, want := dump(t, db), dump(t, filepath.Join(ref, "process-0.stampede.duckdb")); got != want {
		t.Errorf("database after kill -9 and restart differs from an uninterrupted run:\n got\n%s\nwant\n%s", got, want)
	}
	if got, want := jobstateLines(t, filepath.Join(dir, "jobstate.log")), jobstateLines(t, filepath.Join(ref, "jobstate.log")); got != want {
		t.Errorf("jobstate.log differs:\n got\n%s\nwant\n%s", got, want)
	}
	for _, f := range []string{"monitord.done", "monitord.info"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"monitord.recover", "monitord.pid"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	h, _ := os.ReadFile(hooks)
	lines := strings.Split(strings.TrimSpace(string(h)), "\n")
	count := map[string]int{}
	for _, l := range lines {
		count[l]++
	}
	wantHooks := map[string]int{
		"start f84f05fc-a8d0-42b5-bac5-52d6f41a77e3 ":   2, // "start" and "all"
		"at_end f84f05fc-a8d0-42b5-bac5-52d6f41a77e3 1": 1,
		"on_success create_dir_process_0_local 0":       1,
		"on_error ls_ID0000001 1":                       2, // two failed tries
	}
	for k, n := range wantHooks {
		if count[k] != n {
			t.Errorf("hook %q ran %d times, want %d; all hooks:\n%s", k, count[k], n, h)
		}
	}
	if len(lines) != 6 {
		t.Errorf("hooks ran %d times, want 6:\n%s", len(lines), h)
	}
}

// sampleTwin copies dir with the complete log and replays it.
func sampleTwin(t *testing.T, dir string, full []byte) string {
	t.Helper()
	twin := filepath.Join(t.TempDir(), "twin")
	cp := exec.Command("cp", "-a", dir, twin)
	if out, err := cp.CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(twin, "process-0.dag.dagman.out"), full, 0o644)
	if code, _, e := runMonitord(t, "-r", filepath.Join(twin, "process-0.dag.dagman.out")); code != 0 {
		t.Fatalf("replay: %s", e)
	}
	return twin
}
