package executor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// A job killed by a signal, a missing executable, a submit file that
// cannot be read: each is reported clearly, the node fails, the rest of
// the workflow runs, and the rescue DAG keeps what succeeded.
func TestBadJobs(t *testing.T) {
	w := newWF(t)
	w.job("ok", "echo ok > ok.txt")
	w.job("signalled", "kill -9 $$")
	os.WriteFile(filepath.Join(w.dir, "missing.sub"), []byte("universe = local\nexecutable = /no/such/program\narguments = \"-x\"\noutput = missing.out\nerror = missing.err\nlog = wf.log\nqueue\n"), 0o644)
	w.line("JOB missing missing.sub")
	w.line("JOB nosub nosuchfile.sub")
	w.job("after_signalled", "true")
	w.line("PARENT signalled CHILD after_signalled")
	res := w.run(Config{})
	if res.ExitCode != 1 || res.Done != 1 || res.Failed != 3 || res.Futile != 1 {
		t.Fatalf("result %+v", res)
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if got := strings.Join(nodeEvents(lines, "signalled"), " "); got != "submitting SUBMIT EXECUTE JOB_TERMINATED signal-9" {
		t.Errorf("signalled: %s", got)
	}
	if got := strings.Join(nodeEvents(lines, "missing"), " "); got != "submitting SUBMIT EXECUTE JOB_EVICTED JOB_HELD JOB_ABORTED" {
		t.Errorf("missing: %s", got)
	}
	var hold []string
	for _, dl := range kinds(lines, ingest.LineHoldReason) {
		hold = append(hold, dl.Text)
	}
	if len(hold) != 1 || !strings.Contains(hold[0], "Failed to execute '/no/such/program' with arguments -x: (errno=2: 'No such file or directory')") {
		t.Errorf("hold reasons %q", hold)
	}
	if got := strings.Join(nodeEvents(lines, "nosub"), " "); got != "submitting submit-failed" {
		t.Errorf("nosub: %s", got)
	}
	out := w.read("wf.dag.dagman.out")
	for _, want := range []string{
		"Error: Job failed due to signal 9",
		"Error: Job was held: Failed to execute '/no/such/program'",
		"Error from submit: open " + filepath.Join(w.dir, "nosuchfile.sub") + ": no such file or directory",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dagman.out lacks %q", want)
		}
	}
	if res.Rescue == "" || !strings.Contains(w.read("wf.dag.rescue001"), "DONE ok\n") {
		t.Errorf("rescue DAG:\n%s", w.read("wf.dag.rescue001"))
	}
	if w.read("ok.txt") != "ok\n" {
		t.Error("the independent job did not run")
	}
	ulog := w.read("wf.log")
	for _, want := range []string{"Job was held.", "Job was aborted.", "(0) Abnormal termination (signal 9)"} {
		if !strings.Contains(ulog, want) {
			t.Errorf("job event log lacks %q", want)
		}
	}
}

// A job that cannot start is logged as HTCondor logs one: submitted,
// executed, evicted, held (the held job of the samples, whose program could
// not be executed); HTCondor keeps it held, a local run removes it.
func TestCannotStartLikeHTCondor(t *testing.T) {
	sample := classify(t, filepath.Join(testutil.Sample(t, "dagman-out"), "sample_2_held.dag.dagman.out"))
	want := strings.Join(nodeEvents(sample, "create_dir_Drug-Combination-Therapy_0_local"), " ")
	if !strings.HasSuffix(want, "JOB_HELD") {
		t.Fatalf("the sample's held node: %s", want)
	}
	w := newWF(t)
	os.WriteFile(filepath.Join(w.dir, "x.sub"), []byte("universe = local\nexecutable = "+filepath.Join(w.dir, "not-a-program")+"\noutput = x.out\nerror = x.err\nlog = wf.log\nqueue\n"), 0o644)
	os.WriteFile(filepath.Join(w.dir, "not-a-program"), []byte("\x00\x01binary junk"), 0o755)
	w.line("JOB x x.sub")
	w.run(Config{})
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if got := strings.Join(nodeEvents(lines, "x"), " "); got != want+" JOB_ABORTED" {
		t.Errorf("x: %s\nHTCondor's held node: %s (then removed)", got, want)
	}
	var hold []string
	for _, dl := range kinds(lines, ingest.LineHoldReason) {
		hold = append(hold, dl.Text)
	}
	if len(hold) != 1 || !strings.Contains(hold[0], "(errno=8: 'Exec format error')") {
		t.Errorf("hold reasons %q", hold)
	}
	ulog := w.read("wf.log")
	for _, want := range []string{"001 (", "004 (", "Job was evicted.", "012 (", "Job was held.", "009 ("} {
		if !strings.Contains(ulog, want) {
			t.Errorf("job event log lacks %q:\n%s", want, ulog)
		}
	}
}

// A job whose output cannot be written (a full disk, simulated with
// /dev/full) fails with a clear hold reason; a retry on a good disk
// succeeds. A dagman.out that cannot be written stops the run with an
// error, and the rescue DAG still keeps what was done.
func TestWriteErrors(t *testing.T) {
	w := newWF(t)
	// The job's output file is on a "full disk" on the first try only.
	w.job("writer", "echo data")
	w.line("RETRY writer 1")
	w.line("SCRIPT PRE writer pre.sh $RETRY")
	os.WriteFile(filepath.Join(w.dir, "pre.sh"), []byte("#!/bin/sh\nrm -f writer.out\nif [ \"$1\" = 0 ]; then ln -s /dev/full writer.out; fi\n"), 0o755)
	res := w.run(Config{})
	if res.ExitCode != 0 {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}
	if w.read("writer.out") != "data\n" {
		t.Errorf("writer.out = %q", w.read("writer.out"))
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	want := "pre-start pre-ok submitting SUBMIT EXECUTE JOB_TERMINATED failed-1 pre-start pre-ok submitting SUBMIT EXECUTE JOB_TERMINATED success"
	if got := strings.Join(nodeEvents(lines, "writer"), " "); got != want {
		t.Errorf("writer events\n%s\nwant\n%s", got, want)
	}

	// dagman.out itself on a full disk.
	w = newWF(t)
	w.job("a", "true")
	w.job("b", "true")
	w.line("PARENT a CHILD b")
	if err := os.Symlink("/dev/full", filepath.Join(w.dir, "wf.dag.dagman.out")); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), Config{DAG: w.path(), FlushInterval: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("err = %v, want a write error", err)
	}
	rescue := w.read("wf.dag.rescue001")
	if !strings.Contains(rescue, "# Rescue DAG version: 2.0.1 (partial)") {
		t.Fatalf("no rescue DAG after the log failed:\n%s", rescue)
	}
}

// Cancelling the run removes it: running jobs get SIGTERM, the log says
// so, a rescue DAG is written and the exit code is 2.
func TestRemove(t *testing.T) {
	w := newWF(t)
	w.job("quick", "true")
	os.WriteFile(filepath.Join(w.dir, "slow.sh"), []byte("trap 'echo TERM > term.txt; exit 143' TERM\nsleep 30 &\nwait\n"), 0o644)
	w.job("slow", "exec /bin/sh slow.sh")
	w.job("child", "true")
	w.line("PARENT slow CHILD child")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for i := 0; i < 200; i++ {
			time.Sleep(25 * time.Millisecond)
			if b, _ := os.ReadFile(filepath.Join(w.dir, "wf.dag.dagman.out")); strings.Contains(string(b), "ULOG_EXECUTE for HTCondor Node slow") {
				break
			}
		}
		cancel()
	}()
	t0 := time.Now()
	res, err := Run(ctx, Config{DAG: w.path(), KillGrace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(t0) > 10*time.Second {
		t.Errorf("removal took %s", time.Since(t0))
	}
	if res.ExitCode != 2 || res.DAGStatus != dagStatusRM || res.Rescue == "" {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}
	if w.read("term.txt") != "TERM\n" {
		t.Error("the running job did not get SIGTERM")
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if len(kinds(lines, ingest.LineSIGUSR1)) != 1 {
		t.Error("no Received SIGUSR1 line")
	}
	if got := strings.Join(nodeEvents(lines, "slow"), " "); got != "submitting SUBMIT EXECUTE JOB_ABORTED" {
		t.Errorf("slow: %s", got)
	}
	if ex := kinds(lines, ingest.LineExiting); len(ex) != 1 || ex[0].Status != 2 {
		t.Errorf("exit lines %+v", ex)
	}
	rescue := w.read("wf.dag.rescue001")
	if !strings.Contains(rescue, "DONE quick") || strings.Contains(rescue, "DONE slow") {
		t.Errorf("rescue DAG:\n%s", rescue)
	}
	// A second executor on the same DAG while one runs is refused.
	if err := lock(filepath.Join(w.dir, "wf.dag.lock")); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Config{DAG: w.path()})
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second run: %v", err)
	}
}

// Jobs that ask for file transfer run in a private scratch directory with
// their inputs copied in, and their outputs come back, as HTCondor does;
// a missing output holds the job.
func TestFileTransfer(t *testing.T) {
	w := newWF(t)
	os.WriteFile(filepath.Join(w.dir, "in.txt"), []byte("hello\n"), 0o644)
	os.MkdirAll(filepath.Join(w.dir, "data"), 0o755)
	os.WriteFile(filepath.Join(w.dir, "data", "d.txt"), []byte("dir\n"), 0o644)
	scratch := t.TempDir()
	w.job("xfer", "test \"$PWD\" != \"$_CONDOR_JOB_IWD\" && cat in.txt data/d.txt > out.txt && pwd > where.txt",
		"universe = vanilla", "should_transfer_files = YES", "when_to_transfer_output = ON_EXIT",
		"transfer_input_files = in.txt,data", "transfer_output_files = out.txt,where.txt",
		"transfer_output_remaps = \"where.txt = remapped.txt\"")
	w.job("lost", "true", "universe = vanilla", "should_transfer_files = YES", "transfer_output_files = never.txt")
	res := w.run(Config{ScratchDir: scratch})
	if res.Done != 1 || res.Failed != 1 {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}
	if got := w.read("out.txt"); got != "hello\ndir\n" {
		t.Errorf("out.txt = %q", got)
	}
	where := strings.TrimSpace(w.read("remapped.txt"))
	if !strings.HasPrefix(where, scratch) {
		t.Errorf("the job ran in %q, not in a scratch directory under %s", where, scratch)
	}
	if _, err := os.Stat(where); !os.IsNotExist(err) {
		t.Errorf("scratch directory left behind: %v", err)
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if got := strings.Join(nodeEvents(lines, "lost"), " "); got != "submitting SUBMIT EXECUTE JOB_HELD JOB_ABORTED" {
		t.Errorf("lost: %s", got)
	}
	if hr := kinds(lines, ingest.LineHoldReason); len(hr) != 1 || !strings.Contains(hr[0].Text, "never.txt: (errno=2: 'No such file or directory')") {
		t.Errorf("hold reason %+v", hr)
	}
}

// A SUBDAG EXTERNAL node runs its DAG in its directory, with its own
// dagman.out; the parent waits for it and takes its exit code.
func TestSubDAG(t *testing.T) {
	w := newWF(t)
	inner := filepath.Join(w.dir, "inner")
	os.MkdirAll(inner, 0o755)
	os.WriteFile(filepath.Join(inner, "x.sub"), []byte("universe = local\nexecutable = /bin/sh\narguments = \"-c 'pwd > x.txt'\"\nqueue\n"), 0o644)
	os.WriteFile(filepath.Join(inner, "inner.dag"), []byte("JOB x x.sub\n"), 0o644)
	w.job("before", "echo before > before.txt")
	w.line("SUBDAG EXTERNAL sub inner/inner.dag")
	w.line("SCRIPT PRE sub /bin/sh -c true")
	w.job("after", "test -f inner/x.txt")
	w.line("PARENT before CHILD sub")
	w.line("PARENT sub CHILD after")
	res := w.run(Config{})
	if res.ExitCode != 0 || res.Done != 3 {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}
	if got := strings.TrimSpace(w.read("inner/x.txt")); got != inner {
		t.Errorf("the sub-DAG's job ran in %q, want %s", got, inner)
	}
	lines := classify(t, filepath.Join(inner, "inner.dag.dagman.out"))
	if ex := kinds(lines, ingest.LineExiting); len(ex) != 1 || ex[0].Status != 0 {
		t.Errorf("sub-DAG exit %+v", ex)
	}
	outer := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if got := strings.Join(nodeEvents(outer, "sub"), " "); got != "pre-start pre-ok submitting SUBMIT EXECUTE JOB_TERMINATED success" {
		t.Errorf("sub: %s", got)
	}
	// The sub-DAG's DAGMan id is the node's HTCondor id.
	var subID string
	for _, dl := range kinds(outer, ingest.LineULog) {
		if dl.Node == "sub" {
			subID = dl.Sched
		}
	}
	if st := kinds(lines, ingest.LineStartingUp); len(st) != 1 || st[0].Text != subID {
		t.Errorf("sub-DAG started as %+v, node id %s", st, subID)
	}
	if m := w.read("inner/inner.dag.metrics"); !strings.Contains(m, `"parent_dagman_id":"`) || strings.Contains(m, `"parent_dagman_id":""`) {
		t.Errorf("sub-DAG metrics:\n%s", m)
	}
	if m := w.read("wf.dag.metrics"); !strings.Contains(m, `"dag_jobs":1`) || !strings.Contains(m, `"dag_jobs_succeeded":1`) {
		t.Errorf("metrics:\n%s", m)
	}
}
