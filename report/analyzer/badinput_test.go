package analyzer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/monitord"
	"github.com/pegasus-go/pegasus/stampede"
)

// sampleCopy copies a sample's submit directory (not replayed).
func sampleCopy(t *testing.T, name string) string {
	t.Helper()
	return sampledb.CopyTree(t, testutil.Sample(t, name))
}

func hasNote(notes []string, part string) bool {
	for _, n := range notes {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// checkFailedLs checks what must survive bad input in the failed sample:
// the counts, the failed job and why it failed (exit status 2).
func checkFailedLs(t *testing.T, rep *Report) *JobInstance {
	t.Helper()
	w := rep.Workflows[0]
	if c := w.Counts; c.Total != 5 || c.Success != 1 || c.Failed != 1 || c.Unsubmitted != 3 || w.Status != StatusFailure {
		t.Errorf("counts %+v, status %s", c, w.Status)
	}
	ls := byName(w.Failed, "ls_ID0000001")
	if ls == nil {
		t.Fatalf("ls_ID0000001 not reported as failed: %+v", w.Failed)
	}
	if ls.Cause.Exit != "2" || !strings.Contains(ls.Cause.What, "status 2") {
		t.Errorf("cause %+v: want exit status 2", ls.Cause)
	}
	return ls
}

// replay loads a (damaged) copy of a sample, as pegasus-monitord would.
func replay(t *testing.T, dir string) string {
	t.Helper()
	loc, err := time.LoadLocation(sampledb.Zone)
	if err != nil {
		t.Fatal(err)
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	res, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: outs[0], Replay: true, Ingest: ingest.Options{Loc: loc}})
	if err != nil {
		t.Fatal(err)
	}
	return res.DBPath
}

func fromDB(t *testing.T, dir, path string) *Report {
	t.Helper()
	ctx := context.Background()
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bd, err := ingest.ReadBraindumpDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := FromDatabase(ctx, db, bd.WfUUID(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestMissingKickstart: the failed job's .out files are gone. Files mode
// says so and falls back on PegasusLite's exit status in the .err file;
// database mode (monitord loaded the run without them) too.
func TestMissingKickstart(t *testing.T) {
	dir := sampleCopy(t, "process_wf_failure")
	outs, _ := filepath.Glob(filepath.Join(dir, "00", "00", "ls_ID0000001.out*"))
	for _, o := range outs {
		if err := os.Remove(o); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := FromFiles(context.Background(), dir, FilesOptions{Options: Options{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	ls := checkFailedLs(t, rep)
	if !hasNote(ls.Notes, "ls_ID0000001.out.001 does not exist") || ls.Record {
		t.Errorf("notes %q", ls.Notes)
	}
	if ls.Cause.Kind != KindNoRecord || !strings.Contains(ls.Cause.What, "(PegasusLite)") {
		t.Errorf("cause %+v", ls.Cause)
	}
	if txt := textOf(t, rep, TextOptions{}); !strings.Contains(txt, "does not exist: no kickstart record to read") ||
		!strings.Contains(txt, "#### Job stderr - ls_ID0000001") {
		t.Errorf("the text report does not say what is missing:\n%s", txt)
	}

	rep = fromDB(t, dir, replay(t, dir))
	ls = checkFailedLs(t, rep)
	if ls.Record || !hasNote(ls.Notes, "no kickstart record was loaded") {
		t.Errorf("database mode: record %v, notes %q", ls.Record, ls.Notes)
	}
}

// TestTruncatedKickstart: the failed try's .out is cut in the middle of its
// record.
func TestTruncatedKickstart(t *testing.T) {
	dir := sampleCopy(t, "process_wf_failure")
	out := filepath.Join(dir, "00", "00", "ls_ID0000001.out.001")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b[:len(b)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := FromFiles(context.Background(), dir, FilesOptions{Options: Options{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	ls := checkFailedLs(t, rep)
	if !hasNote(ls.Notes, "could not read the kickstart record") || !hasNote(ls.Notes, "truncated") {
		t.Errorf("notes %q", ls.Notes)
	}
	if !strings.HasPrefix(ls.StdoutText, "- invocation: True") {
		t.Errorf("stdout text %.40q: want the raw file", ls.StdoutText)
	}

	rep = fromDB(t, dir, replay(t, dir))
	ls = checkFailedLs(t, rep)
	if !hasNote(ls.Notes, "no kickstart record was loaded") {
		t.Errorf("database mode: notes %q", ls.Notes)
	}
}

// TestLogsMissing: without jobstate.log the DAGMan log says what happened;
// without it either, the rescue DAG says which jobs were done.
func TestLogsMissing(t *testing.T) {
	dir := sampleCopy(t, "process_wf_failure")
	if err := os.Remove(filepath.Join(dir, "jobstate.log")); err != nil {
		t.Fatal(err)
	}
	rep, err := FromFiles(context.Background(), dir, FilesOptions{Options: Options{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	w := rep.Workflows[0]
	if !hasNote(w.Notes, "reading the DAGMan log process-0.dag.dagman.out instead") {
		t.Errorf("notes %q", w.Notes)
	}
	ls := checkFailedLs(t, rep)
	if ls.Cause.Kind != "bad-arguments" || ls.Try != 2 || !strings.HasSuffix(ls.StdoutFile, "ls_ID0000001.out.001") {
		t.Errorf("ls: cause %s, try %d, %s", ls.Cause.Kind, ls.Try, ls.StdoutFile)
	}

	if err := os.Remove(filepath.Join(dir, "process-0.dag.dagman.out")); err != nil {
		t.Fatal(err)
	}
	rep, err = FromFiles(context.Background(), dir, FilesOptions{Options: Options{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	w = rep.Workflows[0]
	if !hasNote(w.Notes, "rescue DAG (process-0.dag.rescue001)") || w.Counts.Success != 1 || w.Counts.Total != 5 || w.Status == StatusSuccess {
		t.Errorf("counts %+v, status %s, notes %q", w.Counts, w.Status, w.Notes)
	}
}

// TestTruncatedJobstate: jobstate.log ends in the middle of a line (a
// monitord that died, a full disk): what it says up to there is reported.
func TestTruncatedJobstate(t *testing.T) {
	dir := sampleCopy(t, "process_wf_failure")
	js := filepath.Join(dir, "jobstate.log")
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Index(string(b), "1677913874 ls_ID0000001 EXECUTE") + 20
	if err := os.WriteFile(js, b[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := FromFiles(context.Background(), dir, FilesOptions{Options: Options{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	w := rep.Workflows[0]
	if !hasNote(w.Notes, "the last line is cut short") {
		t.Errorf("notes %q", w.Notes)
	}
	// The second try was running at the cut: nothing failed yet.
	if w.Counts.Failed != 0 || w.Counts.Unknown != 1 || w.Status != StatusRunning || len(w.Unknown) != 1 {
		t.Errorf("counts %+v, status %s", w.Counts, w.Status)
	}
	if len(w.Earlier) != 1 || w.Earlier[0].Try != 1 || w.Earlier[0].Cause.Kind != "bad-arguments" {
		t.Errorf("earlier tries %+v", w.Earlier)
	}
}

// TestNotASubmitDirectory: no .dag, no workflow.
func TestNotASubmitDirectory(t *testing.T) {
	_, err := FromFiles(context.Background(), t.TempDir(), FilesOptions{})
	if !errors.Is(err, ErrNoDAG) {
		t.Errorf("err %v, want ErrNoDAG", err)
	}
}

// TestDatabaseWithoutTheRun: the error says the workflow is not there, so
// that the command can fall back on the files.
func TestDatabaseWithoutTheRun(t *testing.T) {
	db := hierDB(t)
	_, err := FromDatabase(context.Background(), db, "f84f05fc-a8d0-42b5-bac5-52d6f41a77e3", Options{})
	if !errors.Is(err, stampede.ErrWorkflowNotFound) {
		t.Errorf("err %v, want ErrWorkflowNotFound", err)
	}
}
