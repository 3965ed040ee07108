package analyzer

import (
	"strings"
	"testing"
)

func task(seq, raw int, tr, stderr string) Task {
	return Task{Seq: seq, Exit: DecodeRaw(raw), Transformation: tr, AbsTaskID: "ID1", Stderr: stderr, Executable: "/bin/" + tr, Arguments: "-"}
}

// TestDiagnose covers each way Diagnose explains a failure, in its order of
// precedence.
func TestDiagnose(t *testing.T) {
	post1 := &Task{Seq: -2, Exit: DecodeRaw(256)}
	for _, c := range []struct {
		name string
		ji   JobInstance
		kind string
		what string // part of Cause.What
		ev   string // Cause.Evidence
		exit string
	}{
		{name: "task stderr message",
			ji:   JobInstance{Tasks: []Task{task(1, 256, "pre", "pre: cannot open 'a.dat': No such file or directory\n")}, Post: post1},
			kind: "missing-file", what: "task ID1 (pre) exited with status 1", ev: "pre: cannot open 'a.dat': No such file or directory", exit: "1"},
		{name: "the first failing task",
			ji:   JobInstance{Tasks: []Task{task(1, 0, "a", ""), task(2, 512, "b", "b: invalid option -- 'q'"), task(3, 256, "c", "c: Permission denied")}},
			kind: "bad-arguments", what: "task ID1 (b) exited with status 2", ev: "b: invalid option -- 'q'", exit: "2"},
		{name: "no message: plain exit with the first stderr line",
			ji:   JobInstance{Tasks: []Task{task(1, 256, "x", "\n  x: error: malformed record at line 7\nmore\n")}},
			kind: KindExitStatus, what: "exited with status 1", ev: "x: error: malformed record at line 7", exit: "1"},
		{name: "killed by signal 9",
			ji:   JobInstance{Tasks: []Task{{Seq: 1, Exit: DecodeRaw(9), Transformation: "x", Stdout: "x: starting\n"}}},
			kind: KindSignal, what: "was killed by signal 9 (SIGKILL)", ev: "x: starting", exit: "signal 9"},
		{name: "signal 9 explained by the job's stderr",
			ji:   JobInstance{Tasks: []Task{{Seq: 1, Exit: DecodeRaw(9), Transformation: "x"}}, StderrText: "slurmstepd: error: Detected 1 oom-kill event(s)\n"},
			kind: "out-of-memory", ev: "slurmstepd: error: Detected 1 oom-kill event(s)", exit: "signal 9"},
		{name: "signal 9 explained by an earlier hold",
			ji: JobInstance{Tasks: []Task{{Seq: 1, Exit: DecodeRaw(9), Transformation: "x"}}, Held: true,
				HoldReasons: []string{"Error from slot1@n1: Job has gone over cgroup memory limit of 2048 megabytes."}},
			kind: "out-of-memory", exit: "signal 9"},
		{name: "a hold does not outrank the task's own message",
			ji: JobInstance{Tasks: []Task{task(1, 256, "x", "x: error: malformed record")}, Held: true,
				HoldReasons: []string{"Error from slot1@n1: Job has gone over cgroup memory limit of 2048 megabytes."}},
			kind: KindExitStatus, ev: "x: error: malformed record", exit: "1"},
		{name: "wrapper exit 137",
			ji:   JobInstance{Tasks: []Task{task(1, 137<<8, "x", "")}},
			kind: KindSignal, what: "(128+9: a process it ran was killed by signal 9 (SIGKILL))", exit: "137"},
		{name: "exit 127",
			ji:   JobInstance{Tasks: []Task{task(1, 127<<8, "x", "")}},
			kind: KindCommandNotFound, exit: "127"},
		{name: "exit 126",
			ji:   JobInstance{Tasks: []Task{task(1, 126<<8, "x", "")}},
			kind: KindNotExecutable, exit: "126"},
		{name: "launch failure",
			ji:   JobInstance{Tasks: []Task{task(1, -1, "x", "")}},
			kind: KindLaunch, what: "could not be started", exit: "launch"},
		{name: "held, then removed",
			ji: JobInstance{Held: true, Aborted: true, State: "POST_SCRIPT_FAILED", Tasks: []Task{task(1, 256, "x", "")},
				HoldReasons: []string{"Error from slot1_2@n8: Failed to execute '/x/condor_exec.exe': (errno=8: 'Exec format error')"}},
			kind: "exec-format", what: "HTCondor held the job, then it was removed",
			ev: "Error from slot1_2@n8: Failed to execute '/x/condor_exec.exe': (errno=8: 'Exec format error')"},
		{name: "held with an unknown reason, then removed",
			ji:   JobInstance{Held: true, Aborted: true, HoldReasons: []string{"The job attribute PeriodicHold expression evaluated to TRUE"}},
			kind: KindHeld, ev: "The job attribute PeriodicHold expression evaluated to TRUE"},
		{name: "PRE script (planner) failed",
			ji: JobInstance{State: "PRE_SCRIPT_FAILED", Tasks: []Task{{Seq: -1, Exit: DecodeRaw(256), Transformation: "dagman::pre"}},
				PreLog: "2023.03.04 01:02:15.312 PST: [INFO]  Planner launched\n2023.03.04 01:02:16.001 PST: [ERROR]  Unable to find the replica catalog file rc.yml\n"},
			kind: KindPreScript, what: "the PRE script exited with status 1",
			ev: "2023.03.04 01:02:16.001 PST: [ERROR]  Unable to find the replica catalog file rc.yml", exit: "1"},
		{name: "PRE script failed on a known message",
			ji:   JobInstance{State: "PRE_SCRIPT_FAILURE", PreLog: "[FATAL] java.io.FileNotFoundException: x.yml (No such file or directory)\n"},
			kind: KindPreScript, ev: "[FATAL] java.io.FileNotFoundException: x.yml (No such file or directory)"},
		{name: "POST script failed though the task exited 0",
			ji:   JobInstance{State: "POST_SCRIPT_FAILED", Post: post1, Tasks: []Task{task(1, 0, "p", "p: warning: no records passed the filter\n")}},
			kind: KindPostScript, what: "the POST script exited with status 1 although every task exited 0",
			ev: "p: warning: no records passed the filter", exit: "post 1"},
		{name: "sub-workflow",
			ji:   JobInstance{State: "JOB_FAILURE", SubwfUUID: "u-1", SubwfDir: "/r/00/00/inner.000", HasRawExit: true, RawExit: 256},
			kind: KindSubWorkflow, what: "sub-workflow u-1 failed", exit: "1"},
		{name: "removed without a hold",
			ji:   JobInstance{State: "JOB_ABORTED", Aborted: true},
			kind: KindRemoved, what: "the job was removed"},
		{name: "submission refused",
			ji:   JobInstance{State: "SUBMIT_FAILED"},
			kind: KindSubmitFailed},
		{name: "no kickstart record: PegasusLite says the status",
			ji:   JobInstance{State: "POST_SCRIPT_FAILURE", JobStderr: "PegasusLite: version 5.0.5\nUser task failed with exitcode 3\nPegasusLite: exitcode 3\n"},
			kind: KindNoRecord, what: "the job exited with status 3 (PegasusLite), without a kickstart record", exit: "3"},
		{name: "no kickstart record: DAGMan's status and a message",
			ji:   JobInstance{State: "JOB_FAILURE", HasRawExit: true, RawExit: 9, StderrText: "/x/job.sh: line 3: ./align: Permission denied"},
			kind: "permission-denied", what: "the job was killed by signal 9 (SIGKILL) (DAGMan), without a kickstart record", exit: "signal 9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ji := c.ji
			got := Diagnose(&ji)
			if got.Kind != c.kind {
				t.Errorf("kind %s, want %s (%s)", got.Kind, c.kind, got.Summary())
			}
			if !strings.Contains(got.What, c.what) {
				t.Errorf("what %q, want %q in it", got.What, c.what)
			}
			if c.ev != "" && got.Evidence != c.ev {
				t.Errorf("evidence %q, want %q", got.Evidence, c.ev)
			}
			if c.exit != "" && got.Exit != c.exit {
				t.Errorf("exit %q, want %q", got.Exit, c.exit)
			}
			if got.Meaning == "" && got.Kind != KindExitStatus {
				t.Errorf("no meaning for %s", got.Kind)
			}
			if s := got.Summary(); strings.Contains(s, "\n") || s == "" {
				t.Errorf("summary %q is not one line", s)
			}
		})
	}
}

func TestDiagnoseHeld(t *testing.T) {
	c := DiagnoseHeld(&HeldJob{Reason: "Transfer output files failure at execution point slot1@n1 while sending files to access point submit. Details: reading from file out.dat: (errno 2) No such file or directory"})
	if c.Kind != "transfer-output" || c.Source != "hold reason" {
		t.Errorf("%+v", c)
	}
	if c := DiagnoseHeld(&HeldJob{Reason: "via condor_hold (by user bob)"}); c.Kind != KindHeld || c.Evidence != "via condor_hold (by user bob)" {
		t.Errorf("%+v", c)
	}
}

// TestGroups checks the grouping: same kind, transformation, exit and first
// line (digits masked) make one signature; the most frequent comes first;
// hosts count their failures.
func TestGroups(t *testing.T) {
	mk := func(name, host, tr string, raw int, stderr, role string) *JobInstance {
		return &JobInstance{Name: name, Hostname: host, Role: role, Tasks: []Task{task(1, raw, tr, stderr)}}
	}
	w := &Workflow{
		Failed: []*JobInstance{
			mk("a1", "n1", "align", 256, "align: error at line 12", RoleFailed),
			mk("a2", "n2", "align", 256, "align: error at line 913", RoleFailed),
			mk("m1", "n1", "merge", 256, "merge: cannot open 'in1.dat': No such file or directory", RoleFailed),
			mk("a3", "n1", "align", 512, "align: error at line 1", RoleFailed), // other exit code
			mk("a4", "n2", "align", 256, "align: error at line 5", RoleFailed),
		},
		Earlier: []*JobInstance{mk("m1", "n3", "merge", 256, "merge: cannot open 'in22.dat': No such file or directory", RoleEarlier)},
	}
	w.Finish()
	if len(w.Groups) != 3 {
		t.Fatalf("%d groups, want 3", len(w.Groups))
	}
	g := w.Groups[0]
	if len(g.Jobs) != 3 || g.Kind != KindExitStatus || g.Transformation != "align" || g.Exit != "1" || g.FirstLine != "align: error at line 12" {
		t.Errorf("first group %+v", g)
	}
	if g := w.Groups[1]; len(g.Jobs) != 1 || len(g.Earlier) != 1 || g.Kind != "missing-file" {
		t.Errorf("second group %+v", g)
	}
	if w.Groups[2].Exit != "2" {
		t.Errorf("third group %+v", w.Groups[2])
	}
	hosts := map[string]HostGroup{}
	for _, h := range w.Hosts {
		hosts[h.Host] = *h
	}
	if h := hosts["n1"]; h.Jobs != 3 || h.Earlier != 0 || len(h.Groups) != 3 {
		t.Errorf("n1: %+v", h)
	}
	if h := hosts["n3"]; h.Jobs != 0 || h.Earlier != 1 {
		t.Errorf("n3: %+v", h)
	}
	if w.Hosts[0].Host != "n1" {
		t.Errorf("hosts not sorted by failures: %v", w.Hosts[0])
	}
}
