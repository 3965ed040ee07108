package statistics_test

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/monitord"
	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
	"github.com/pegasus-go/pegasus/synth"
)

// readCSV reads the records of one of our CSV files (comment lines skipped).
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
			keep = append(keep, line)
		}
	}
	r := csv.NewReader(strings.NewReader(strings.Join(keep, "")))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

// TestSyntheticTruth generates a run with failures, retries and held jobs,
// replays it, and checks the statistics against what the generator says it
// wrote: counts, retries, wall times and per-transformation figures.
//
// Two of Pegasus's definitions make the statistics differ from the
// generator's plain counts, and the test expects them:
//   - a task's outcome is its invocation's exit code in the job's last try,
//     so a job whose last try failed only because of its POST script (the
//     task exited 0) counts as a succeeded task;
//   - a try removed while held has no kickstart record: pegasus-monitord
//     then records an invocation with DAGMan's run time (EXECUTE to
//     JOB_ABORTED) and the job's failure code, so the removed tries' run
//     time (truth's aborted_run_seconds) is in every cumulative wall time,
//     on both sides, as badput, and in the transformation's failed row.
func TestSyntheticTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and replays a workflow")
	}
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, o := range []synth.Options{
		{Jobs: 300, Seed: 7, FailRate: 0.15, HoldRate: 0.05, Width: 6, Depth: 2, Slots: 40},
		{Jobs: 120, Seed: 11, FailRate: 0.4, Width: 4, Depth: 3, Slots: 16},
	} {
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
		db, err := stampede.Open(ctx, res.DBPath, stampede.OpenOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		wf, err := db.WorkflowByUUID(ctx, tr.WfUUID)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		r, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{wf}},
			statistics.Options{Levels: statistics.All, Format: statistics.CSV, Location: loc, OutputDir: out})
		db.Close()
		if err != nil || len(r.Failures) > 0 {
			t.Fatalf("generate: %v %v", err, r.Failures)
		}
		if tr.JobsFailed == 0 || tr.Retries == 0 {
			t.Fatalf("seed %d: the generated run has no failure or retry to check", o.Seed)
		}

		// summary.csv: Type,Succeeded,Failed,Incomplete,Total,Retries,Total+Retries
		rows := map[string][]string{}
		for _, rec := range readCSV(t, filepath.Join(out, "summary.csv"))[1:] {
			rows[rec[0]] = rec[1:]
		}
		ints := func(v ...int) string {
			var s []string
			for _, n := range v {
				s = append(s, strconv.Itoa(n))
			}
			return strings.Join(s, ",")
		}
		postOnly, aborted := 0, map[string]int{}
		for _, f := range tr.Failures {
			if f.Final && f.Cause == "post-script" {
				postOnly++
			}
			if f.Cause == "held-aborted" {
				aborted[strings.SplitN(f.Job, "_ID", 2)[0]]++
			}
		}
		if o.HoldRate > 0 && len(aborted) == 0 {
			t.Fatalf("seed %d: no try removed while held: pick another seed", o.Seed)
		}
		jobsIncomplete := tr.DAGNodes - tr.JobsSucceeded - tr.JobsFailed
		if got, want := strings.Join(rows["Jobs"], ","), ints(tr.JobsSucceeded, tr.JobsFailed, jobsIncomplete, tr.DAGNodes,
			tr.Retries, tr.JobsSucceeded+tr.JobsFailed+tr.Retries); got != want {
			t.Errorf("seed %d: Jobs row %s, want %s", o.Seed, got, want)
		}
		if got, want := strings.Join(rows["Tasks"][:4], ","), ints(tr.TasksSucceeded+postOnly, tr.TasksFailed-postOnly, tr.TasksIncomplete,
			tr.ComputeTasks); got != want {
			t.Errorf("seed %d: Tasks row %s, want %s", o.Seed, got, want)
		}
		if got := strings.Join(rows["Sub-Workflows"], ","); got != "0,0,0,0,0,0" {
			t.Errorf("seed %d: Sub-Workflows row %s", o.Seed, got)
		}

		// summary-time.csv
		times := map[string]string{}
		for _, rec := range readCSV(t, filepath.Join(out, "summary-time.csv"))[1:] {
			times[rec[0]] = rec[1]
		}
		for _, c := range []struct {
			name string
			want float64
		}{
			{"workflow_wall_time", float64(tr.WorkflowWall)},
			{"workflow_cumulative_job_wall_time", tr.KickstartSeconds},
			{"workflow_cumulative_badput_time", tr.KickstartBadputSeconds},
			{"cumulative_job_walltime_from_submit_side", float64(tr.SubmitSideSeconds)},
			{"cumulative_job_badput_walltime_from_submit_side", float64(tr.SubmitSideBadputSeconds)},
		} {
			if c.name != "workflow_wall_time" {
				c.want += float64(tr.AbortedRunSeconds)
			}
			if got := num(t, times[c.name]); math.Abs(got-c.want) > 1e-6 {
				t.Errorf("seed %d: %s = %v, want %v", o.Seed, c.name, got, c.want)
			}
		}

		// breakdown.csv, overall block: per transformation and outcome.
		type agg struct {
			ok, failed      int
			min, max, total float64
		}
		got := map[string]*agg{}
		for _, rec := range readCSV(t, filepath.Join(out, "breakdown.csv")) {
			if rec[0] != "ALL" {
				continue
			}
			a := got[rec[2]]
			if a == nil {
				a = &agg{min: math.Inf(1), max: math.Inf(-1)}
				got[rec[2]] = a
			}
			n, _ := strconv.Atoi(rec[4])
			if rec[3] == "successful" {
				a.ok += n
			} else {
				a.failed += n
			}
			a.min = math.Min(a.min, num(t, rec[5]))
			a.max = math.Max(a.max, num(t, rec[6]))
			a.total += num(t, rec[8])
		}
		var extraTotal float64
		for _, x := range tr.Transformations {
			a := got[x.Name]
			if a == nil {
				t.Errorf("seed %d: transformation %s missing from breakdown.csv", o.Seed, x.Name)
				continue
			}
			if a.ok != x.Succeeded || a.failed != x.Failed+aborted[x.Name] {
				t.Errorf("seed %d: %s: %d successful, %d failed; want %d, %d", o.Seed, x.Name, a.ok, a.failed,
					x.Succeeded, x.Failed+aborted[x.Name])
			}
			extraTotal += a.total - x.Total
			if aborted[x.Name] > 0 {
				continue // the removed tries' durations are not in the truth per try
			}
			if a.min != x.Min || a.max != x.Max || math.Abs(a.total-x.Total) > 0.0015 {
				t.Errorf("seed %d: %s: min %v max %v total %v; want %v %v %v", o.Seed, x.Name, a.min, a.max, a.total, x.Min, x.Max, x.Total)
			}
		}
		if math.Abs(extraTotal-float64(tr.AbortedRunSeconds)) > 0.01 {
			t.Errorf("seed %d: transformation totals exceed the kickstart records by %v, want the removed tries' %d s",
				o.Seed, extraTotal, tr.AbortedRunSeconds)
		}
	}
}
