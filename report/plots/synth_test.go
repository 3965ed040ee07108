package plots_test

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/monitord"
	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/report/plots"
	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
	"github.com/pegasus-go/pegasus/synth"
)

// generated writes a synthetic run and loads it, returning its database
// path and truth.
func generated(t *testing.T, o synth.Options) (string, *synth.Truth) {
	t.Helper()
	ctx := context.Background()
	o.Dir = filepath.Join(t.TempDir(), "run")
	o.Location = time.UTC
	tr, err := synth.Generate(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := monitord.Run(ctx, monitord.Config{DagmanOut: filepath.Join(o.Dir, tr.Label+"-0.dag.dagman.out"), Replay: true,
		Ingest: ingest.Options{Loc: time.UTC}})
	if err != nil {
		t.Fatal(err)
	}
	return res.DBPath, tr
}

// TestGenerated draws a generated run, with one bar per try and binned,
// and checks the charts against the run's truth and against each other.
func TestGenerated(t *testing.T) {
	dbPath, truth := generated(t, synth.Options{Jobs: 400, Seed: 3, FailRate: 0.1, HoldRate: 0.02})
	db := openDB(t, dbPath)
	out := t.TempDir()
	res := generate(t, db, plots.Options{OutputDir: out, Location: time.UTC, MaxGraphNodes: 1000})
	checkCharts(t, res, out)
	s := res.Sections[0]
	if s.Gantt == nil || s.Gantt.Bins != nil {
		t.Fatal("want one bar per try below the detail limit")
	}
	if got := len(s.Gantt.Tries); got != truth.JobInstances {
		t.Errorf("Gantt: %d tries, the run had %d", got, truth.JobInstances)
	}
	if got, want := s.Span.End()-s.Span.Start(), float64(truth.WorkflowWall); got != want {
		t.Errorf("span %v s, the run's wall time %v s", got, want)
	}
	checkCritical(t, db, s)
	if got, want := s.Critical.Makespan(), float64(truth.WorkflowWall); got != want {
		t.Errorf("critical path makespan %v, the run's wall time %v", got, want)
	}
	sameAsStatistics(t, db, res)
	if s.DAG == nil || len(s.DAG.Graph.Edges) != truth.Edges || len(s.DAG.Graph.Nodes) != truth.DAGNodes {
		t.Errorf("DAG graph: want %d nodes and %d edges, got %+v", truth.DAGNodes, truth.Edges, s.DAG)
	} else {
		dot, err := os.ReadFile(filepath.Join(out, s.DAG.Dot))
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Count(dot, []byte(" -> ")); got != truth.Edges {
			t.Errorf("%s: %d edges, want %d", s.DAG.Dot, got, truth.Edges)
		}
	}

	// Binned: the same run above the detail limit. The binned averages,
	// integrated over time, give back each phase's total time.
	res2 := generate(t, db, plots.Options{OutputDir: t.TempDir(), Location: time.UTC, DetailLimit: 50, Level: plots.AllCharts})
	checkCharts(t, res2, res2.Index[:len(res2.Index)-len("/index.html")])
	b := res2.Sections[0].Gantt.Bins
	if b == nil {
		t.Fatal("want binned views above the detail limit")
	}
	var want [4]float64
	var ok, bad int64
	for _, tr := range s.Gantt.Tries {
		want[0] += (tr.Submit - tr.First) + (tr.PostStart - tr.Terminate)
		want[1] += tr.Execute - tr.Submit
		want[2] += tr.Terminate - tr.Execute
		want[3] += tr.End - tr.PostStart
		switch {
		case tr.Failed():
			bad++
		case tr.Exitcode.Valid:
			ok++
		}
	}
	for k, series := range [][]float64{b.DAGMan, b.Queued, b.Running, b.Post} {
		got := 0.0
		for _, v := range series {
			got += v * b.Width
		}
		if math.Abs(got-want[k]) > 1e-6*math.Max(1, want[k]) {
			t.Errorf("phase %v: binned time %v s, tries add up to %v s", plots.Phase(k), got, want[k])
		}
	}
	var gotOK, gotBad int64
	for i := range b.Succeeded {
		gotOK += b.Succeeded[i]
		gotBad += b.Failed[i]
	}
	if gotOK != ok || gotBad != bad {
		t.Errorf("tries ended: %d succeeded and %d failed in the bins, %d and %d in the tries", gotOK, gotBad, ok, bad)
	}
	// Hosts: each host's binned use is its tries' run time.
	hb := res2.Sections[0].Host.Bins
	runOn := map[string]float64{}
	for _, tr := range s.Gantt.Tries {
		h := tr.Host
		if h == "" {
			h = "Unknown"
		}
		runOn[h] += tr.Terminate - tr.Execute
	}
	if len(hb.Hosts) == 0 || hb.Total != len(runOn) {
		t.Errorf("binned hosts: %d of %d, the tries ran on %d", len(hb.Hosts), hb.Total, len(runOn))
	}
	for i, h := range hb.Hosts {
		got := 0.0
		for _, v := range hb.Busy[i] {
			got += v * hb.Width
		}
		if math.Abs(got-runOn[h]) > 1e-6*math.Max(1, runOn[h]) {
			t.Errorf("host %s: binned run time %v s, tries %v s", h, got, runOn[h])
		}
	}
	// The critical path does not depend on the view.
	if c1, c2 := s.Critical, res2.Sections[0].Critical; strings.Join(c1.Jobs, " ") != strings.Join(c2.Jobs, " ") || len(c1.Segments) != len(c2.Segments) {
		t.Errorf("critical path differs when binned: %v / %v", c1.Jobs, c2.Jobs)
	}
}

// sameAsStatistics checks the data of the charts of a one-root result
// against what pegasus-statistics (report/statistics) writes for the same
// database: the page's summary is summary.txt, the breakdown is
// breakdown.txt's "All" table, the time chart by day is time.txt's, and
// the critical path's makespan is the workflow wall time.
func sameAsStatistics(t *testing.T, db *stampede.DB, res *plots.Result) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	root := res.Sections[0]
	if _, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{root.Workflow}},
		statistics.Options{Levels: statistics.Summary | statistics.Transformation | statistics.Time, Format: statistics.Text,
			TimeFilter: statistics.Day, Location: time.UTC, OutputDir: dir}); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Summary, sum) {
		t.Errorf("the page's summary differs from summary.txt:\n%s\n---\n%s", res.Summary, sum)
	}
	sameRows(t, "breakdown", breakdownRows(root.Tree.Breakdown), breakdownTables(t, filepath.Join(dir, "breakdown.txt"))["All"])
	byDay := generate(t, db, plots.Options{Level: plots.Time, TimeFilter: plots.Day, Location: time.UTC})
	days := timeTables(t, filepath.Join(dir, "time.txt"))
	var jobs, invs map[string][2]string = map[string][2]string{}, map[string][2]string{}
	for _, b := range byDay.Sections[0].Tree.Time.Buckets {
		if b.Jobs > 0 {
			jobs[b.Label] = [2]string{strconv.FormatInt(b.Jobs, 10), fstr(b.JobRuntime)}
		}
		if b.Invocations > 0 {
			invs[b.Label] = [2]string{strconv.FormatInt(b.Invocations, 10), fstr(b.InvRuntime)}
		}
	}
	if len(days[0]) == 0 || len(days[1]) == 0 {
		t.Fatalf("time.txt has no daily rows: %v", days)
	}
	for i, got := range []map[string][2]string{jobs, invs} {
		if len(got) != len(days[i]) {
			t.Errorf("time table %d: %v, time.txt %v", i, got, days[i])
		}
		for day, w := range days[i] {
			if got[day] != w {
				t.Errorf("time table %d, %s: %v, time.txt %v", i, day, got[day], w)
			}
		}
	}
	m := wallTimeRE.FindSubmatch(sum)
	if m == nil {
		t.Fatal("summary.txt has no wall time")
	}
	if got := report.FormatSeconds(sql.NullFloat64{Float64: root.Critical.Makespan(), Valid: true}); got != string(m[1]) {
		t.Errorf("critical path makespan %s, summary.txt's workflow wall time %s", got, m[1])
	}
}

// TestSyntheticRows draws a hierarchical run written straight into the
// tables (stampede.FillSynthetic, with edges): one section per workflow,
// binned views, critical paths along the edges.
func TestSyntheticRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "syn.duckdb")
	buildDB(t, path, 20000, 2)
	db := openDB(t, path)
	out := t.TempDir()
	res := generate(t, db, plots.Options{OutputDir: out, Location: time.UTC})
	checkCharts(t, res, out)
	if len(res.Sections) != 3 {
		t.Fatalf("%d sections, want the root and 2 sub-workflows", len(res.Sections))
	}
	var tries int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM job_instance`).Scan(&tries); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range res.Sections {
		total += s.Span.Tries
		if s.Gantt.Bins == nil || s.Host.Bins == nil {
			t.Errorf("%s: want binned views", s.Workflow.UUID)
		}
		if s.Workflow.ParentID.Valid {
			checkCritical(t, db, s)
			if len(s.Critical.Jobs) < 10 {
				t.Errorf("%s: critical path of %d jobs, want a chain", s.Workflow.UUID, len(s.Critical.Jobs))
			}
		}
	}
	if total != tries {
		t.Errorf("sections have %d tries, the database %d", total, tries)
	}
}

// buildDB writes a synthetic hierarchical run with DAG edges.
func buildDB(tb testing.TB, path string, jobs, subs int) {
	tb.Helper()
	ctx := context.Background()
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.FillSynthetic(ctx, stampede.SyntheticRun{Jobs: jobs, SubWorkflows: subs}); err != nil {
		tb.Fatal(err)
	}
	if err := db.FillSyntheticEdges(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestNoJobData draws a run whose DAGMan log stops before any job: the
// page says there is no job data instead of failing.
func TestNoJobData(t *testing.T) {
	dir := truncatedRun(t, "process_wf_success", "Submitting HTCondor Node")
	db := openDB(t, filepath.Join(dir, "process-0.stampede.duckdb"))
	res := generate(t, db, plots.Options{})
	page, err := os.ReadFile(res.Index)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), plots.NoJobData) {
		t.Error("the page does not say that there is no job data")
	}
	for _, c := range res.Charts() {
		if c.Kind == "gantt" || c.Kind == "host" || c.Kind == "critical" {
			t.Errorf("a %s chart without job data", c.Kind)
		}
	}
}

// TestPartialRun draws a run whose log stops half-way (jobs still
// running, others never submitted): every chart is drawn.
func TestPartialRun(t *testing.T) {
	dir := truncatedRun(t, "process_wf_success", "POST Script of node ls_ID0000001 completed")
	db := openDB(t, filepath.Join(dir, "process-0.stampede.duckdb"))
	out := t.TempDir()
	res := generate(t, db, plots.Options{OutputDir: out})
	kinds := checkCharts(t, res, out)
	for _, k := range []string{"gantt", "host", "time", "breakdown", "critical"} {
		if kinds[k] != 1 {
			t.Errorf("%d %s charts, want 1", kinds[k], k)
		}
	}
	s := res.Sections[0]
	if s.Span.Ended.Valid {
		t.Error("the truncated run has ended")
	}
	checkCritical(t, db, s)
}

// truncatedRun replays a copy of a sample whose dagman.out is cut after
// the line holding marker (before it when it is the start of a job).
func truncatedRun(t *testing.T, sample, marker string) string {
	t.Helper()
	r := sampledb.Load(t, sample)
	dir := sampledb.CopyTree(t, r.Dir)
	outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	b, err := os.ReadFile(outs[0])
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		t.Fatalf("sample log changed: no %q", marker)
	}
	if strings.HasPrefix(marker, "Submitting") {
		i = bytes.LastIndexByte(b[:i], '\n') + 1
	} else {
		i += bytes.IndexByte(b[i:], '\n') + 1
	}
	if err := os.WriteFile(outs[0], b[:i], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"process-0.stampede.duckdb", "jobstate.log"} {
		os.Remove(filepath.Join(dir, f))
	}
	if _, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: outs[0], Replay: true, Ingest: ingest.Options{Loc: zone(t)}}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMultipleRoots draws two runs of one database on one page, each with
// its own time and breakdown charts.
func TestMultipleRoots(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range []string{"aaaa0000-0000-4000-8000-000000000001", "bbbb0000-0000-4000-8000-000000000002"} {
		if err := db.FillSynthetic(ctx, stampede.SyntheticRun{UUID: u, Jobs: 1500 * (i + 1), Start: float64(1700000000 + i*86400)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	rdb := openDB(t, path)
	out := t.TempDir()
	res := generate(t, rdb, plots.Options{OutputDir: out, Location: time.UTC})
	checkCharts(t, res, out)
	if len(res.Sections) != 2 {
		t.Fatalf("%d sections, want 2", len(res.Sections))
	}
	for i, s := range res.Sections {
		if s.Tree == nil || len(s.Tree.Charts) != 2 {
			t.Fatalf("root %d: want its time and breakdown charts", i)
		}
		var n int64
		for _, r := range s.Tree.Breakdown.Rows {
			if r.Transformation != "dagman::post" {
				n += r.Count()
			}
		}
		if n != s.Span.Tries {
			t.Errorf("root %d: %d kickstart invocations in the breakdown, %d tries", i, n, s.Span.Tries)
		}
	}
	if !strings.Contains(string(res.Summary), "Jobs ") {
		t.Errorf("no summary: %q", res.Summary)
	}
}

// TestEmptyWorkflow draws a workflow the database knows nothing else
// about (no job, no task, no state): the page says there is no job data.
func TestEmptyWorkflow(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "empty.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO workflow (wf_id, wf_uuid, dag_file_name, timestamp, dax_label, root_wf_id)
		VALUES (1, 'e0000000-0000-4000-8000-000000000001', 'empty-0.dag', 1700000000, 'empty', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	res := generate(t, openDB(t, path), plots.Options{Location: time.UTC})
	page, err := os.ReadFile(res.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{plots.NoJobData, "no jobs in the database", "no tasks in the database", "<h2>Summary</h2>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if n := len(res.Charts()); n != 2 { // the two graph notes
		t.Errorf("%d charts for an empty workflow, want the 2 graph notes", n)
	}
	for _, c := range res.Charts() {
		if c.PNG != nil {
			t.Errorf("%s: an image without data", c.Title)
		}
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}
