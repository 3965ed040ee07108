package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

func la(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func epoch(t testing.TB, loc *time.Location, s string) float64 {
	tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return float64(tm.Unix())
}

func TestClassify(t *testing.T) {
	loc := la(t)
	tests := []struct {
		name string
		line string
		want DagmanLine
		ts   string // expected time stamp, local
	}{
		{"ulog-submit-brace-time", "03/04/23 11:56:38 Event: ULOG_SUBMIT for HTCondor Node ls_ID1 (100.0.0) {03/04/23 11:56:33}",
			DagmanLine{Kind: LineULog, Name: "SUBMIT", Node: "ls_ID1", Sched: "100.0"}, "2023-03-04 11:56:33"},
		{"ulog-old-condor-job-two-part-id", "03/04 11:56:38 Event: ULOG_EXECUTE for Condor Job ls_ID1 (100.0)",
			DagmanLine{Kind: LineULog, Name: "EXECUTE", Node: "ls_ID1", Sched: "100.0"}, "2023-03-04 11:56:38"},
		{"ulog-negative-cluster", "03/04/23 11:56:38 Event: ULOG_JOB_HELD for HTCondor Node x (-1.0.0) {03/04/23 11:56:30}",
			DagmanLine{Kind: LineULog, Name: "JOB_HELD", Node: "x", Sched: "-1.0"}, "2023-03-04 11:56:30"},
		{"submitting", "03/03/23 23:09:49 Submitting HTCondor Node create_dir_process_0_local job(s)...",
			DagmanLine{Kind: LineSubmitting, Node: "create_dir_process_0_local"}, "2023-03-03 23:09:49"},
		{"submitting-old", "03/03 23:09:49 Submitting Condor Node a job(s)...",
			DagmanLine{Kind: LineSubmitting, Node: "a"}, "2023-03-03 23:09:49"},
		{"submit-failed", "03/03/23 23:09:49 ERROR: submit attempt failed",
			DagmanLine{Kind: LineSubmitFailed}, "2023-03-03 23:09:49"},
		{"post-start", "03/03/23 23:09:59 Running POST script of Node create_dir_process_0_local...",
			DagmanLine{Kind: LineScriptStart, Node: "create_dir_process_0_local"}, "2023-03-03 23:09:59"},
		{"pre-start-debug-tag", "03/03/23 23:09:59 (D_ALWAYS) Running PRE script of Job p_sub...",
			DagmanLine{Kind: LineScriptStart, Pre: true, Node: "p_sub"}, "2023-03-03 23:09:59"},
		{"post-success", "03/03/23 23:10:04 POST Script of node create_dir_process_0_local completed successfully.",
			DagmanLine{Kind: LineScriptEnd, Node: "create_dir_process_0_local", OK: true}, "2023-03-03 23:10:04"},
		{"post-failure", "03/03/23 23:11:09 POST Script of node ls_ID0000001 failed with status 1",
			DagmanLine{Kind: LineScriptEnd, Node: "ls_ID0000001", Status: 1}, "2023-03-03 23:11:09"},
		{"pre-failure-job", "03/03/23 23:11:09 PRE Script of Job sub failed with status 2.",
			DagmanLine{Kind: LineScriptEnd, Pre: true, Node: "sub", Status: 2}, "2023-03-03 23:11:09"},
		{"job-failed", "03/03/23 23:11:04 Node ls_ID0000001 job proc (9.0.0) failed with status 2.",
			DagmanLine{Kind: LineJobFailed, Node: "ls_ID0000001", Sched: "9.0", Status: 2}, "2023-03-03 23:11:04"},
		{"job-failed-signal", "03/03/23 23:11:04 Node x job proc (9.0.0) failed with signal 9.",
			DagmanLine{Kind: LineJobFailed, Node: "x", Sched: "9.0", Status: 9, Signal: true}, "2023-03-03 23:11:04"},
		{"job-success", "03/03/23 23:09:59 Node create_dir_process_0_local job proc (8.0.0) completed successfully.",
			DagmanLine{Kind: LineJobSuccess, Node: "create_dir_process_0_local", Sched: "8.0"}, "2023-03-03 23:09:59"},
		{"exiting", "03/03/23 23:11:24 **** condor_scheduniv_exec.7.0 (condor_DAGMAN) pid 147795 EXITING WITH STATUS 1",
			DagmanLine{Kind: LineExiting, Status: 1}, "2023-03-03 23:11:24"},
		{"starting-up", "03/03/23 23:09:48 ** condor_scheduniv_exec.7.0 (CONDOR_DAGMAN) STARTING UP",
			DagmanLine{Kind: LineStartingUp, Text: "7.0"}, "2023-03-03 23:09:48"},
		{"pid", "03/03/23 23:09:48 ** PID = 147795", DagmanLine{Kind: LinePID, Status: 147795}, "2023-03-03 23:09:48"},
		{"parsing", "03/03/23 23:09:48 Parsing process-0.dag ...", DagmanLine{Kind: LineParsing, Text: "process-0.dag"}, "2023-03-03 23:09:48"},
		{"parsing-count-is-not-a-start", "03/03/23 23:09:48 Parsing 1 dagfiles", DagmanLine{}, "2023-03-03 23:09:48"},
		{"version", "03/03/23 23:09:48 ** $CondorVersion: 10.2.5 2023-02-27 BuildID: 631644 PackageID: 10.2.5-1 $",
			DagmanLine{Kind: LineVersion, Text: "10.2.5"}, "2023-03-03 23:09:48"},
		{"hold-reason", "08/31/22 17:40:39   Hold reason: Failed to execute 'x' (errno=8: 'Exec format error')",
			DagmanLine{Kind: LineHoldReason, Text: "Failed to execute 'x' (errno=8: 'Exec format error')"}, "2022-08-31 17:40:39"},
		{"recovery", "03/03/23 23:09:48 Running in RECOVERY mode... >>>>>>>>>>", DagmanLine{Kind: LineRecoveryStart}, "2023-03-03 23:09:48"},
		{"recovery-done", "03/03/23 23:09:48 ...done with RECOVERY mode <<<<<<<<<<", DagmanLine{Kind: LineRecoveryEnd}, "2023-03-03 23:09:48"},
		{"sigusr1", "03/03/23 23:09:48 Received SIGUSR1", DagmanLine{Kind: LineSIGUSR1}, "2023-03-03 23:09:48"},
		{"condor-log", "03/03/23 23:09:48 Condor log will be written to /tmp/x.log, etc.", DagmanLine{Kind: LineCondorLog, Text: "/tmp/x.log"}, "2023-03-03 23:09:48"},
		{"dag-status", "03/03/23 23:11:24 DAG status: 2 (DAG_STATUS_NODE_FAILED)", DagmanLine{Kind: LineDAGStatus, Status: 2, Text: "DAG_STATUS_NODE_FAILED"}, "2023-03-03 23:11:24"},
		{"counts", "03/03/23 23:11:24     1       0        0       0       0          0        1        3",
			DagmanLine{Kind: LineNodeCounts, Counts: []int{1, 0, 0, 0, 0, 0, 1, 3}}, "2023-03-03 23:11:24"},
		{"counts-with-words", "03/03/23 23:11:24     1       0        0       0       0          0        1        x3", DagmanLine{}, "2023-03-03 23:11:24"},
		{"counts-too-few", "03/03/23 23:11:24     1       0        0       0       0          0", DagmanLine{}, "2023-03-03 23:11:24"},
		{"ignored-retrying", "03/03/23 23:11:09 Retrying node ls_ID0000001 (retry #1 of 1)...", DagmanLine{}, "2023-03-03 23:11:09"},
		{"iso-stamp", "2023-03-04T11:56:38-08:00 Submitting HTCondor Node a job(s)...", DagmanLine{Kind: LineSubmitting, Node: "a"}, "2023-03-04 11:56:38"},
		{"no-stamp", "Submitting HTCondor Node a job(s)...", DagmanLine{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &Clock{Loc: loc, Year: 2023}
			dc := DagmanClassifier{Clock: clock}
			got := dc.Classify([]byte(tc.line), 7)
			want := tc.want
			want.Num = 7
			if tc.ts != "" {
				want.TS, want.HasTS = epoch(t, loc, tc.ts), true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Classify(%q)\n got  %+v\n want %+v", tc.line, got, want)
			}
		})
	}
}

func TestClockMultiLineLogPath(t *testing.T) {
	dc := DagmanClassifier{Clock: &Clock{Loc: time.UTC}}
	if k := dc.Classify([]byte("03/03/23 23:09:48 All DAG node user log files:"), 1).Kind; k != LineAllLogs {
		t.Fatalf("got %v", k)
	}
	got := dc.Classify([]byte("03/03/23 23:09:48   /run/x-0.log (Condor)"), 2)
	if got.Kind != LineCondorLog || got.Text != "/run/x-0.log (Condor)" {
		t.Fatalf("got %+v", got)
	}
}

func TestClockYearlessNewYear(t *testing.T) {
	c := &Clock{Loc: time.UTC, Year: 2022}
	a, _, _ := c.Stamp([]byte("12/31 23:59:59 x"))
	b, _, _ := c.Stamp([]byte("01/01 00:00:01 x"))
	if b-a != 2 {
		t.Fatalf("stamps across New Year differ by %v s, want 2", b-a)
	}
}

func TestClockUsesZone(t *testing.T) {
	line := []byte("03/03/23 23:09:48 x")
	utc, _, _ := (&Clock{Loc: time.UTC}).Stamp(line)
	pst, _, _ := (&Clock{Loc: la(t)}).Stamp(line)
	if pst-utc != 8*3600 {
		t.Fatalf("Los Angeles stamp is %v s after UTC, want 8 h", pst-utc)
	}
}

func TestParseISOTime(t *testing.T) {
	for in, want := range map[string]float64{
		"2023-03-04T11:57:07.327-08:00": 1677959827.327,
		"20230304T010100-0800":          1677920460,
		"2012-03-13T12:35:36.000000Z":   1331642136,
		"2012-03-13T13:35:36+01:00":     1331642136,
		"2012-03-13T12:35:36":           1331642136,
	} {
		got, ok := ParseISOTime(in)
		if !ok || (got-want) > 1e-6 || (want-got) > 1e-6 {
			t.Errorf("ParseISOTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "2023", "2023-13-01T00:00:00Z", "2023-03-04T11:57:07Q", "yesterday"} {
		if _, ok := ParseISOTime(bad); ok {
			t.Errorf("ParseISOTime(%q) accepted", bad)
		}
	}
}

// TestBareDagmanOut replays the three lone dagman.out samples and checks the
// final node states against DAGMan's own last progress table.
func TestBareDagmanOut(t *testing.T) {
	dir := filepath.Join(testutil.SamplesDir(t), "dagman-out")
	files, _ := filepath.Glob(filepath.Join(dir, "*.dagman.out"))
	if len(files) != 3 {
		t.Fatalf("want 3 bare dagman.out samples in %s, found %d", dir, len(files))
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sum, err := ReadLogStates(context.Background(), f, p, la(t))
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, n := range sum.Nodes {
				count[n.Outcome]++
			}
			if len(sum.Counts) < 7 {
				t.Fatalf("no progress table read")
			}
			done, failed := sum.Counts[0], sum.Counts[6]
			if count["success"] != done || count["failure"] != failed {
				t.Errorf("succeeded/failed nodes %d/%d, DAGMan's last table says Done %d Failed %d",
					count["success"], count["failure"], done, failed)
			}
			switch {
			case strings.Contains(p, "success"):
				if !sum.Finished || sum.ExitStatus != 0 || count["success"] != 17 {
					t.Errorf("finished=%v exit=%d successes=%d; want finished, 0, 17", sum.Finished, sum.ExitStatus, count["success"])
				}
			case strings.Contains(p, "failure"):
				if !sum.Finished || sum.ExitStatus != 1 {
					t.Errorf("finished=%v exit=%d; want finished with 1", sum.Finished, sum.ExitStatus)
				}
			case strings.Contains(p, "held"):
				if sum.Finished || count["held"] != 1 || sum.Held != 1 {
					t.Fatalf("finished=%v held=%d (DAGMan says %d); want a running DAG with 1 held job", sum.Finished, count["held"], sum.Held)
				}
				for _, n := range sum.Nodes {
					if n.Outcome == "held" && !strings.Contains(n.HoldWhy, "Exec format error") {
						t.Errorf("hold reason of %s: %q", n.Node, n.HoldWhy)
					}
				}
			}
		})
	}
}

// TestPlainLine checks the classifier's shortcut against the full rules:
// what it dismisses, Classify would have classified as LineOther.
func TestPlainLine(t *testing.T) {
	for _, c := range []struct {
		msg   string
		plain bool
	}{
		{"Number of idle job procs: 3", true},
		{"Warning: mysin has length 2", true},
		{"Of 1013 nodes total:", true},
		{"Event: ULOG_EXECUTE for HTCondor Node a (1.0.0) {01/17/23 10:00:03}", false},
		{"Node a job proc (1.0.0) completed successfully.", false},
		{"    0       0        2       0       0       1011        0        0", false}, // a row of node counts
		{"(D_NODE) 0 0 0 0 0 7 0", false},
		{"", false},
		{"...done with RECOVERY mode <<<", false},
		{"Hold reason: x", false},
		{"** PID = 12", false},
	} {
		msg := []byte(c.msg)
		direct := msg
		if len(direct) > 3 && direct[0] == '(' && direct[1] == 'D' && direct[2] == '_' {
			if p := bytes.IndexByte(direct, ')'); p > 0 && p+1 < len(direct) && direct[p+1] == ' ' {
				direct = direct[p+2:]
			}
		}
		if got := plainLine(msg, direct); got != c.plain {
			t.Errorf("plainLine(%q) = %v, want %v", c.msg, got, c.plain)
		}
		if c.plain {
			dc := DagmanClassifier{Clock: &Clock{Loc: time.UTC, Year: 2023}}
			if dl := dc.Classify(append([]byte("01/17/23 10:00:01 "), msg...), 1); dl.Kind != LineOther {
				t.Errorf("%q: Classify gives %v", c.msg, dl.Kind)
			}
		}
	}
}
