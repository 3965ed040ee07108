package stampede

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestJobListingRanges checks that a job listing read in several ranges of
// job_instance_id is the one read in one, row for row, for a run that is
// the whole database and for one of two runs, with and without multiplier
// factors.
func TestJobListingRanges(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "l.duckdb"), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs := []SyntheticRun{
		{UUID: "5e1f0000-0000-4000-8000-00000000000a", Jobs: 2000, SubWorkflows: 3},
		{UUID: "5e1f0000-0000-4000-8000-00000000000b", Jobs: 700, SubWorkflows: 1},
	}
	dump := func(q *Scoped, parts int) []string {
		t.Helper()
		l, err := q.jobListing(ctx, 100, parts)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(l.parts); got != parts {
			t.Fatalf("read in %d ranges, want %d", got, parts)
		}
		var out []string
		err = l.Each(func(pos int, r *JobTry) error {
			out = append(out, fmt.Sprintf("%d %+v", pos, *r))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i, r := range runs {
		if err := db.FillSynthetic(ctx, r); err != nil {
			t.Fatal(err)
		}
		root, err := db.WorkflowByUUID(ctx, runs[0].UUID)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := db.Descendants(ctx, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		scope := Scope{root.ID}
		for _, w := range desc {
			scope = append(scope, w.ID)
		}
		for _, mult := range []bool{false, true} {
			set := `UPDATE job_instance SET multiplier_factor = 1`
			if mult {
				set += ` + 2 * (job_instance_id % 7 = 0)::INTEGER`
			}
			if _, err := db.SQL.ExecContext(ctx, set); err != nil {
				t.Fatal(err)
			}
			q, err := db.NewScoped(ctx, scope)
			if err != nil {
				t.Fatal(err)
			}
			if q.all != (i == 0) || q.unitMult == mult {
				t.Fatalf("runs %d, mult %v: all=%v unitMult=%v", i+1, mult, q.all, q.unitMult)
			}
			one := dump(q, 1)
			if len(one) < 2000 {
				t.Fatalf("%d rows", len(one))
			}
			for _, parts := range []int{2, 3, 8} {
				several := dump(q, parts)
				if len(several) != len(one) {
					t.Fatalf("%d ranges: %d rows, want %d", parts, len(several), len(one))
				}
				for j := range one {
					if several[j] != one[j] {
						t.Fatalf("runs %d, mult %v, %d ranges, row %d:\n%s\nwant\n%s", i+1, mult, parts, j, several[j], one[j])
					}
				}
			}
		}
	}
}
