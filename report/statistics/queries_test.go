package statistics_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/pegasus-go/pegasus/stampede"
)

// TestTransformationStatsScopes checks the breakdown query in its four
// forms (per workflow or not, sums in any order or in invocation order) on
// a database holding two runs, with and without multiplier factors: the
// scope-wide rows must be the same whichever form computed them, and must
// cover only the scope's run.
func TestTransformationStatsScopes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range []stampede.SyntheticRun{
		{UUID: "5e1f0000-0000-4000-8000-00000000000a", Jobs: 3000, SubWorkflows: 3},
		{UUID: "5e1f0000-0000-4000-8000-00000000000b", Jobs: 500, SubWorkflows: 1},
	} {
		if err := db.FillSynthetic(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	root, err := db.WorkflowByUUID(ctx, "5e1f0000-0000-4000-8000-00000000000a")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := db.Descendants(ctx, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	scope := stampede.Scope{root.ID}
	for _, w := range desc {
		scope = append(scope, w.ID)
	}
	for _, mult := range []bool{false, true} {
		if mult {
			if _, err := db.SQL.ExecContext(ctx, `UPDATE job_instance SET multiplier_factor = 3 WHERE job_instance_id % 7 = 0`); err != nil {
				t.Fatal(err)
			}
		}
		q, err := db.NewScoped(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		for _, only := range [][]string{nil, {"tr03", "dagman::post", "pegasus::transfer"}} {
			per, err := q.TransformationStats(ctx, true, only)
			if err != nil {
				t.Fatalf("mult=%v ordered=%v, per workflow: %v", mult, only != nil, err)
			}
			overall, err := q.TransformationStats(ctx, false, only)
			if err != nil {
				t.Fatalf("mult=%v ordered=%v, scope only: %v", mult, only != nil, err)
			}
			var want []stampede.TransformationStat
			perWF := map[int64]int64{}
			for _, s := range per {
				if s.WfID == 0 {
					want = append(want, s)
				} else {
					perWF[s.WfID] += s.Count
				}
			}
			if len(perWF) != len(scope) {
				t.Errorf("mult=%v: rows for %d workflows, want the scope's %d", mult, len(perWF), len(scope))
			}
			if len(want) == 0 || len(overall) != len(want) {
				t.Fatalf("mult=%v ordered=%v: %d scope-wide rows, want %d", mult, only != nil, len(overall), len(want))
			}
			var total int64
			for i, g := range overall {
				w := want[i]
				total += g.Count
				if g.WfID != 0 || g.Transformation != w.Transformation || g.Type != w.Type || g.Count != w.Count ||
					g.Min != w.Min || g.Max != w.Max || g.MinMem != w.MinMem || g.MaxMem != w.MaxMem || g.Ordered != w.Ordered ||
					!approx(g.Total, w.Total) || !approx(g.Mean, w.Mean) || !approx(g.MeanCPU.Float64, w.MeanCPU.Float64) {
					t.Errorf("mult=%v ordered=%v row %d:\n got %+v\nwant %+v", mult, only != nil, i, g, w)
				}
			}
			if only != nil {
				continue
			}
			// Every invocation of the scope's run is in one row, and no
			// invocation of the other run.
			var n int64
			if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM invocation i JOIN workflow w USING (wf_id)
				WHERE w.root_wf_id = ?`, root.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if total != n {
				t.Errorf("mult=%v: rows count %d invocations, the run has %d", mult, total, n)
			}
		}
	}
}

// approx reports whether two sums of the same terms, added in orders that
// may differ, agree.
func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) }
