package analyzer

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/monitord"
	"github.com/pegasus-go/pegasus/stampede"
	"github.com/pegasus-go/pegasus/synth"
)

// generate writes a synthetic run and replays it into its database.
func generate(t *testing.T, o synth.Options) (*synth.Truth, string, string) {
	t.Helper()
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	o.Dir = filepath.Join(t.TempDir(), "run")
	o.Location = loc
	tr, err := synth.Generate(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := monitord.Run(ctx, monitord.Config{DagmanOut: filepath.Join(o.Dir, tr.DAGFile+".dagman.out"),
		Replay: true, Ingest: ingest.Options{Loc: loc}})
	if err != nil {
		t.Fatal(err)
	}
	return tr, o.Dir, res.DBPath
}

// wantKinds says which root causes an injected failure may be reported
// with. A try held and then removed is explained by its hold reason, so the
// kind follows the reason the generator wrote.
func wantKinds(f synth.Failure) []string {
	switch f.Cause {
	case "exit:1":
		return []string{KindExitStatus} // "malformed record": no known message
	case "exit:2":
		return []string{"bad-arguments"} // "invalid option"
	case "signal:9":
		return []string{KindSignal}
	case "missing-input":
		return []string{"missing-file"}
	case "permission-denied":
		return []string{"permission-denied"}
	case "post-script":
		return []string{KindPostScript}
	case "held-aborted":
		switch {
		case strings.Contains(f.HoldReason, "Exec format error"):
			return []string{"exec-format"}
		case strings.Contains(f.HoldReason, "memory limit"):
			return []string{"out-of-memory"}
		case strings.Contains(f.HoldReason, "failed to send file"):
			return []string{"transfer-output"}
		}
	}
	return nil
}

// checkTruth checks that every failure the generator injected is in the
// report — the final ones as failed jobs, the others as earlier tries —
// with its cause: kind, exit status or signal, first stderr line, hold
// reason. And that nothing else is reported as failed.
func checkTruth(t *testing.T, mode string, tr *synth.Truth, w *Workflow) {
	t.Helper()
	type key struct {
		job string
		try int
	}
	got := map[key]*JobInstance{}
	for _, set := range [][]*JobInstance{w.Failed, w.Earlier} {
		for _, ji := range set {
			got[key{ji.Name, ji.Try}] = ji
		}
	}
	seen := 0
	causes := map[string]int{}
	for _, f := range tr.Failures {
		ji := got[key{f.Job, f.Try}]
		where := fmt.Sprintf("%s: %s try %d (%s)", mode, f.Job, f.Try, f.Cause)
		if ji == nil {
			t.Errorf("%s: not reported", where)
			continue
		}
		seen++
		causes[f.Cause]++
		if wantRole := map[bool]string{true: RoleFailed, false: RoleEarlier}[f.Final]; ji.Role != wantRole {
			t.Errorf("%s: reported as %s, want %s", where, ji.Role, wantRole)
		}
		c := ji.Cause
		kinds := wantKinds(f)
		ok := false
		for _, k := range kinds {
			ok = ok || c.Kind == k
		}
		if !ok {
			t.Errorf("%s: root cause %s (%s), want one of %v", where, c.Kind, c.Summary(), kinds)
		}
		switch f.Cause {
		case "exit:1", "exit:2", "missing-input", "permission-denied":
			if want := fmt.Sprint(f.ExitCode); c.Exit != want || !strings.Contains(c.What, "exited with status "+want) {
				t.Errorf("%s: exit %q (%s), want %s", where, c.Exit, c.What, want)
			}
		case "signal:9":
			if c.Exit != "signal 9" || !strings.Contains(c.What, "killed by signal 9 (SIGKILL)") {
				t.Errorf("%s: exit %q (%s), want signal 9", where, c.Exit, c.What)
			}
		case "post-script":
			if c.Exit != fmt.Sprintf("post %d", f.PostStatus) {
				t.Errorf("%s: exit %q, want the POST script's %d", where, c.Exit, f.PostStatus)
			}
		case "held-aborted":
			if !ji.Held || !ji.Aborted || lastNonEmpty(ji.HoldReasons) != f.HoldReason {
				t.Errorf("%s: held %v aborted %v reasons %q, want %q", where, ji.Held, ji.Aborted, ji.HoldReasons, f.HoldReason)
			}
			if c.Source != "hold reason" || !strings.Contains(f.HoldReason, c.Evidence) {
				t.Errorf("%s: evidence %q from %q, want the hold reason", where, c.Evidence, c.Source)
			}
		}
		if f.StderrFirstLine != "" && c.FirstLine != strings.TrimSpace(f.StderrFirstLine) {
			t.Errorf("%s: first stderr line %q, want %q", where, c.FirstLine, f.StderrFirstLine)
		}
		if ji.Group == 0 {
			t.Errorf("%s: in no signature group", where)
		}
	}
	if seen != len(got) {
		t.Errorf("%s: %d failed tries reported, %d injected", mode, len(got), seen)
	}
	if w.Counts.Failed != tr.JobsFailed || w.Counts.Success != tr.JobsSucceeded || w.Counts.Total != tr.DAGNodes {
		t.Errorf("%s: counts %+v, truth: %d nodes, %d succeeded, %d failed", mode, w.Counts, tr.DAGNodes, tr.JobsSucceeded, tr.JobsFailed)
	}
	if len(causes) < 5 {
		t.Errorf("%s: only causes %v were injected: the test covers too little", mode, causes)
	}
	// The signature groups count every failure once.
	n := 0
	for _, g := range w.Groups {
		n += len(g.Jobs) + len(g.Earlier)
		for _, ji := range g.Jobs {
			if ji.Cause.Kind != g.Kind || ji.Cause.Transformation != g.Transformation || ji.Cause.Exit != g.Exit ||
				maskDigits(ji.Cause.FirstLine) != maskDigits(g.FirstLine) {
				t.Errorf("%s: %s is in signature %d but its cause differs", mode, ji.Name, g.N)
			}
		}
	}
	if n != len(got) {
		t.Errorf("%s: the signatures hold %d failures, want %d", mode, n, len(got))
	}
}

// TestSyntheticFailures generates runs with every kind of injected failure,
// with and without retries, and checks both modes against the truth.
func TestSyntheticFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and replays workflows")
	}
	noRetry := properties.New()
	if err := noRetry.SetDefine("dagman.retry=0"); err != nil {
		t.Fatal(err)
	}
	for _, o := range []synth.Options{
		{Jobs: 400, Seed: 7, FailRate: 0.2, HoldRate: 0.08, Width: 8, Depth: 2, Slots: 40},
		{Jobs: 300, Seed: 3, FailRate: 0.3, HoldRate: 0.1, Width: 10, Depth: 2, Slots: 32, Properties: noRetry},
	} {
		t.Run(fmt.Sprintf("seed%d", o.Seed), func(t *testing.T) {
			tr, dir, dbPath := generate(t, o)
			ctx := context.Background()
			db, err := stampede.Open(ctx, dbPath, stampede.OpenOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rep, err := FromDatabase(ctx, db, tr.WfUUID, Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			checkTruth(t, "database", tr, rep.Workflows[0])
			if rep.Workflows[0].Status != StatusFailure || rep.OK() {
				t.Errorf("status %s", rep.Workflows[0].Status)
			}
			frep, err := FromFiles(ctx, dir, FilesOptions{Options: Options{Dir: dir}})
			if err != nil {
				t.Fatal(err)
			}
			checkTruth(t, "files", tr, frep.Workflows[0])
			// Both modes agree on the signatures.
			if a, b := len(rep.Workflows[0].Groups), len(frep.Workflows[0].Groups); a != b {
				t.Errorf("%d signatures from the database, %d from the files", a, b)
			}
			// Every failure is in the text report, in full or by name.
			txt := textOf(t, rep, TextOptions{Examples: 1})
			for _, f := range tr.Failures {
				if f.Final && !strings.Contains(txt, "`"+f.Job+"`") {
					t.Errorf("failed job %s not in the text report", f.Job)
				}
			}
		})
	}
}
