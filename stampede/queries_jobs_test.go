package stampede

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"testing"
)

// TestJobListingRanges checks that a job listing read in several ranges of
// job_instance_id, or assembled from scans, is the one read in one query,
// row for row, for a run that is
// the whole database and for one of two runs, with and without multiplier
// factors.
func TestJobListingRanges(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	runs := []SyntheticRun{
		{UUID: "5e1f0000-0000-4000-8000-00000000000a", Jobs: 2000, SubWorkflows: 3},
		{UUID: "5e1f0000-0000-4000-8000-00000000000b", Jobs: 700, SubWorkflows: 1},
	}
	dump := func(q *Scoped, parts int) []string {
		t.Helper()
		how := listingQuery
		q.driverScans = parts < 0
		if parts <= 0 { // the scans, from DuckDB's vectors (0) or through the driver (-1)
			how, parts = listingScans, 1
		}
		l, err := q.jobListing(ctx, how, 100, parts)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(l.parts); got != parts {
			t.Fatalf("read in %d ranges, want %d", got, parts)
		}
		var out []string
		err = l.Each(func(pos int, r *JobTry) error {
			// Sums of several doubles depend on their order, which
			// DuckDB's aggregates do not fix: compare them to 1e-9.
			for _, f := range []*sql.NullFloat64{&r.Kickstart, &r.KickstartMult, &r.CPUTime, &r.SeqexecDelay} {
				f.Float64 = math.Round(f.Float64*1e9) / 1e9
			}
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
		// Cases the generator does not make: clustered tries (several
		// task records, one without CPU time), PRE and POST script
		// records, grid submits, repeated states, missing sites and run
		// times, cluster durations.
		for _, stmt := range []string{
			`INSERT INTO invocation SELECT invocation_id + 10000000, wf_id, job_instance_id, 2, start_time, remote_duration / 3 + 0.1,
				NULL, 0, transformation, executable, argv, abs_task_id, maxrss, avg_cpu FROM invocation WHERE job_instance_id % 5 = 0`,
			`INSERT INTO invocation SELECT invocation_id + 20000000, wf_id, job_instance_id, -1, start_time, 1.5, 0.25, 256,
				'dagman::pre', executable, argv, NULL, maxrss, avg_cpu FROM invocation WHERE job_instance_id % 7 = 1 AND task_submit_seq = 1`,
			`INSERT INTO invocation SELECT invocation_id + 30000000, wf_id, job_instance_id, -2, start_time, 2.5, 0.5, 512,
				'dagman::post', executable, argv, NULL, maxrss, avg_cpu FROM invocation WHERE job_instance_id % 3 = 2 AND task_submit_seq = 1`,
			`INSERT INTO jobstate SELECT job_instance_id, 'GRID_SUBMIT', timestamp + 0.5, 99, NULL FROM jobstate
				WHERE state = 'SUBMIT' AND job_instance_id % 4 = 0`,
			`INSERT INTO jobstate SELECT job_instance_id, state, timestamp + 3.25, 98, NULL FROM jobstate
				WHERE state IN ('SUBMIT', 'EXECUTE', 'JOB_TERMINATED', 'POST_SCRIPT_TERMINATED') AND job_instance_id % 6 = 0`,
			`UPDATE job_instance SET site = NULL WHERE job_instance_id % 11 = 0`,
			`UPDATE job_instance SET local_duration = NULL WHERE job_instance_id % 13 = 0`,
			`UPDATE job_instance SET cluster_duration = local_duration + 0.125 WHERE job_instance_id % 5 = 0`,
		} {
			if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		scope := treeScope(t, db, runs[0].UUID)
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
			for _, parts := range []int{0, -1, 2, 3, 8} {
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

// TestTimeStatsScan checks that the time statistics computed from scans
// are those of the queries (sums to their error bound), for a run that is
// the whole database and for one of two, with hosts sharing a name.
func TestTimeStatsScan(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	runs := []SyntheticRun{
		{UUID: "5e1f0000-0000-4000-8000-00000000000e", Jobs: 3000, SubWorkflows: 2, Hosts: 30},
		{UUID: "5e1f0000-0000-4000-8000-00000000000f", Jobs: 800, Hosts: 20},
	}
	dump := func(hs []HourStat) []string {
		var out []string
		for _, h := range hs {
			out = append(out, fmt.Sprintf("%d %q %d %v %.6f %d", h.Hour, h.Host, h.Count, h.Runtime.Valid,
				math.Round(h.Runtime.Float64*1e6)/1e6, h.Terms))
		}
		return out
	}
	for i, r := range runs {
		if err := db.FillSynthetic(ctx, r); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			for _, stmt := range []string{
				`UPDATE job_instance SET local_duration = NULL WHERE job_instance_id % 13 = 0`,
				`UPDATE job_instance SET host_id = NULL WHERE job_instance_id % 11 = 0`,
				`INSERT INTO jobstate SELECT job_instance_id, 'EXECUTE', timestamp + 4000, 99, NULL FROM jobstate
					WHERE state = 'EXECUTE' AND job_instance_id % 9 = 0`,
			} {
				if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Hosts of one name in both runs.
		if _, err := db.SQL.ExecContext(ctx, `UPDATE host SET hostname = 'shared' || (host_id % 3) WHERE host_id % 4 = 0`); err != nil {
			t.Fatal(err)
		}
		for _, uuid := range []string{runs[0].UUID, r.UUID} {
			q, err := db.NewScoped(ctx, treeScope(t, db, uuid))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := q.timeStatsScan(ctx); err != nil || !ok {
				t.Fatalf("scan: ok %v, %v", ok, err)
			}
			want, err := q.timeStats(ctx, false, false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := q.timeStats(ctx, false, true)
			if err != nil {
				t.Fatal(err)
			}
			q.driverScans = true
			viaDriver, err := q.timeStats(ctx, false, true)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(viaDriver) != fmt.Sprint(got) {
				t.Errorf("runs %d, %s: scans through the driver differ:\n%v\n%v", i+1, uuid, viaDriver, got)
			}
			for k, pair := range [][2][]HourStat{{got.Jobs, want.Jobs}, {got.Invocations, want.Invocations},
				{got.JobsByHost, want.JobsByHost}, {got.InvocationsByHost, want.InvocationsByHost}} {
				g, w := dump(pair[0]), dump(pair[1])
				if len(w) == 0 {
					t.Errorf("runs %d, %s, table %d: empty", i+1, uuid, k)
				}
				if fmt.Sprint(g) != fmt.Sprint(w) {
					t.Errorf("runs %d, %s, table %d:\n got %v\nwant %v", i+1, uuid, k, g, w)
				}
			}
		}
	}
}

// TestCumulativeTimesBound checks that the cumulative times added in any
// order are within their bounds of those added in row-id order, which
// carry no bound, and that whole values need no bound.
func TestCumulativeTimesBound(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	if err := db.FillSynthetic(ctx, SyntheticRun{Jobs: 3000, SubWorkflows: 2}); err != nil {
		t.Fatal(err)
	}
	q, err := db.NewScoped(ctx, Scope{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, whole := range []bool{false, true} {
		if whole {
			for _, stmt := range []string{`UPDATE invocation SET remote_duration = round(remote_duration)`,
				`UPDATE job_instance SET local_duration = round(local_duration)`} {
				if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		any, err := q.CumulativeTimes(ctx, true, false)
		if err != nil {
			t.Fatal(err)
		}
		ord, err := q.CumulativeTimes(ctx, true, true)
		if err != nil {
			t.Fatal(err)
		}
		if ord.KickstartBound != 0 || ord.SubmitBound != 0 {
			t.Errorf("whole %v: ordered sums with bounds %g, %g", whole, ord.KickstartBound, ord.SubmitBound)
		}
		if whole != (any.KickstartBound == 0 && any.SubmitBound == 0) {
			t.Errorf("whole %v: bounds %g, %g", whole, any.KickstartBound, any.SubmitBound)
		}
		for _, c := range []struct {
			a, o sql.NullFloat64
			b    float64
		}{{any.KickstartWall, ord.KickstartWall, any.KickstartBound}, {any.KickstartBadput, ord.KickstartBadput, any.KickstartBound},
			{any.SubmitWall, ord.SubmitWall, any.SubmitBound}, {any.SubmitBadput, ord.SubmitBadput, any.SubmitBound}} {
			if !c.a.Valid || !c.o.Valid || c.o.Float64 == 0 || math.Abs(c.a.Float64-c.o.Float64) > c.b {
				t.Errorf("whole %v: %v vs ordered %v, bound %g", whole, c.a, c.o, c.b)
			}
		}
	}
}

// TestScanCancel checks that a cancelled scan stops with the context's
// error, from DuckDB's vectors and through the driver.
func TestScanCancel(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "c.duckdb"), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, driverScans := range []bool{false, true} {
		q := &Scoped{db: db, driverScans: driverScans}
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := q.scan(ctx, `SELECT range FROM range(10000000)`, []colType{colInt64}, func(r *scanRow) error {
			if n++; n == 5000 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || n >= 10000000 {
			t.Errorf("driver %v: %v after %d rows", driverScans, err, n)
		}
	}
	// The connections still work.
	for _, driverScans := range []bool{false, true, false, true} {
		q := &Scoped{db: db, driverScans: driverScans}
		var sum int64
		err := q.scan(context.Background(), `SELECT range FROM range(100000)`, []colType{colInt64}, func(r *scanRow) error {
			v, _ := r.i64(0)
			sum += v
			return nil
		})
		if err != nil || sum != 100000*99999/2 {
			t.Errorf("driver %v, after a cancelled scan: sum %d, %v", driverScans, sum, err)
		}
	}
}

// treeScope returns the scope of the workflow uuid and its descendants.
func treeScope(t *testing.T, db *DB, uuid string) Scope {
	t.Helper()
	ctx := context.Background()
	root, err := db.WorkflowByUUID(ctx, uuid)
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
	return scope
}

// TestCountsScan checks that the counts computed from scans are those of
// countsSQL, for a run that is the whole database and for one of two, with
// retries, failures, sub-workflow jobs, tries without exit code, tasks
// without invocations, and PMC counting.
func TestCountsScan(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	runs := []SyntheticRun{
		{UUID: "5e1f0000-0000-4000-8000-00000000000c", Jobs: 3000, SubWorkflows: 3},
		{UUID: "5e1f0000-0000-4000-8000-00000000000d", Jobs: 500},
	}
	for i, r := range runs {
		if err := db.FillSynthetic(ctx, r); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			for _, stmt := range []string{
				`INSERT INTO invocation SELECT invocation_id + 10000000, wf_id, job_instance_id, 2, start_time, 1.0,
					NULL, 256, transformation, executable, argv, abs_task_id || '_b', maxrss, avg_cpu FROM invocation
					WHERE job_instance_id % 5 = 0 AND abs_task_id IS NOT NULL`,
				`UPDATE job_instance SET exitcode = NULL WHERE job_instance_id % 17 = 0`,
				`DELETE FROM invocation WHERE job_instance_id % 19 = 0`,
			} {
				if _, err := db.SQL.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, uuid := range []string{runs[0].UUID, r.UUID} {
			q, err := db.NewScoped(ctx, treeScope(t, db, uuid))
			if err != nil {
				t.Fatal(err)
			}
			for _, pmc := range []bool{false, true} {
				if _, ok, err := q.countsScan(ctx, pmc); err != nil || !ok {
					t.Fatalf("scan: ok %v, %v", ok, err)
				}
				want, err := q.workflowCounts(ctx, pmc, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, driverScans := range []bool{false, true} {
					q.driverScans = driverScans
					got, err := q.workflowCounts(ctx, pmc, true)
					if err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("runs %d, %s, pmc %v, driver %v:\n got %v\nwant %v", i+1, uuid, pmc, driverScans, got, want)
					}
				}
				q.driverScans = false
				var tot WorkflowCounts
				for _, c := range want {
					tot = tot.Add(c)
				}
				if tot.Jobs.Failed == 0 || tot.Jobs.Retries == 0 || tot.Tasks.Failed == 0 || tot.Tasks.Succeeded == 0 {
					t.Errorf("runs %d, %s: counts miss a case: %+v", i+1, uuid, tot)
				}
			}
		}
	}
}

// TestSmallDatabaseCompression checks that a small database is written
// without FSST and dictionary string compression, and a bigger one with
// them.
func TestSmallDatabaseCompression(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		jobs int
		want bool
	}{{1000, false}, {smallDatabaseJobs + 1000, true}} {
		path := filepath.Join(t.TempDir(), "c.duckdb")
		db, err := Open(ctx, path, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FillSynthetic(ctx, SyntheticRun{Jobs: c.jobs}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db, err = Open(ctx, path, OpenOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT compression FROM pragma_storage_info('job')
			UNION ALL SELECT compression FROM pragma_storage_info('jobstate')) WHERE compression IN ('FSST', 'Dictionary', 'DictFSST')`).Scan(&n)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := n > 0; got != c.want {
			t.Errorf("%d jobs: %d segments with FSST or dictionary compression", c.jobs, n)
		}
	}
}

// TestForcedColumnCompression checks that the columns the schema declares
// FSST-compressed (values unique by construction, where DuckDB's choice
// between methods costs checkpoint time and cannot pick dictionary
// compression with profit) are stored with FSST in a big database, and that
// a string column declared with none is left to DuckDB's choice.
func TestForcedColumnCompression(t *testing.T) {
	forced := regexp.MustCompile(`(\w+) VARCHAR (?:NOT NULL )?USING COMPRESSION fsst`).FindAllStringSubmatch(schemaSQL, -1)
	if len(forced) < 5 {
		t.Fatalf("schema declares %d FSST columns", len(forced))
	}
	ctx := context.Background()
	db := tempDB(t, ctx)
	// Ten values repeated: DuckDB alone would pick dictionary compression
	// for both columns.
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO job
		SELECT i, 1, 'job_' || (i % 10), 'job.sub', 'compute', false, 0, '/bin/x', '-n ' || (i % 10), 1
		FROM range(150000) r(i); CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
	// job.exec_job_id is declared FSST; job.argv is not.
	got := map[string]string{}
	for _, col := range []string{"exec_job_id", "argv"} {
		got[col] = columnCompression(t, ctx, db.SQL, "job", col)
	}
	if got["exec_job_id"] != "FSST" {
		t.Errorf("job.exec_job_id stored as %q, want FSST", got["exec_job_id"])
	}
	if got["argv"] != "Dictionary" {
		t.Errorf("job.argv stored as %q, want DuckDB's choice (dictionary) for ten repeated values", got["argv"])
	}
}
