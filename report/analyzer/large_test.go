package analyzer

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/stampede"
)

// TestLargeRunReport reads a run shaped like the benchmark's (buildBenchRun:
// 5% of the jobs fail twice, 2% fail once then succeed, 1 in 10 failures
// held and removed) and checks the counts, and that the text report shows
// only the first examples of each signature and names the others.
func TestLargeRunReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a database of 4000 jobs")
	}
	dir := filepath.Join(t.TempDir(), "run")
	path := buildBenchRun(t, dir, 4000, 5, 2, 1)
	ctx := context.Background()
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := FromDatabase(ctx, db, benchUUID, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	w := rep.Workflows[0]
	// Failed: i%100 < 5 (200 jobs); held: also i%1000 < 10 (20 jobs).
	if c := w.Counts; c.Total != 4000 || c.Success != 3800 || c.Failed != 200 || c.Held != 20 || c.Unsubmitted != 0 {
		t.Errorf("counts %+v", c)
	}
	if len(w.Failed) != 200 || len(w.Earlier) != 200+80 || len(w.Held) != 20 {
		t.Errorf("%d failed, %d earlier tries, %d held", len(w.Failed), len(w.Earlier), len(w.Held))
	}
	kinds := map[string]int{}
	for _, ji := range w.Failed {
		kinds[ji.Cause.Kind]++
	}
	// Of the 180 not held: job_id % 5 picks the message.
	if kinds["out-of-memory"] != 20 || kinds["missing-file"] != 36 || kinds["bad-arguments"] != 36 || kinds["permission-denied"] != 36 ||
		kinds[KindSignal] != 36 || kinds[KindExitStatus] != 36 {
		t.Errorf("causes %v", kinds)
	}

	txt := textOf(t, rep, TextOptions{Examples: 2, Signatures: 10})
	sections := parseMD(txt)
	failedJobs, inDetails := 0, false
	for _, s := range sections {
		switch {
		case strings.HasPrefix(s.heading, "## "):
			inDetails = s.heading == "## Failed jobs' details"
		case inDetails && strings.HasPrefix(s.heading, "### Job: "):
			failedJobs++
		}
	}
	want := 0
	for _, g := range w.Groups[:min(10, len(w.Groups))] {
		want += min(2, len(g.Jobs))
	}
	if failedJobs != want {
		t.Errorf("%d failed jobs in full, want %d", failedJobs, want)
	}
	if !strings.Contains(txt, "## Failed jobs not shown in full") || !strings.Contains(txt, "more signatures, with") {
		t.Errorf("the jobs not shown are not listed")
	}
	if all := textOf(t, rep, TextOptions{}); strings.Count(all, "\n### Job: ") != 200+20 {
		t.Errorf("with no limits, %d job sections, want 220", strings.Count(all, "\n### Job: "))
	}
}
