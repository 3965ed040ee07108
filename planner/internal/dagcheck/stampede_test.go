package dagcheck_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/stampede"
)

// TestStaticBPIntoStampede feeds a fresh plan (clustered, with in-place
// cleanup) to our own ingest as monitord would before DAGMan has written
// anything (an empty dagman.out), loads the events into a Stampede
// database and checks its task, job, task_edge, job_edge and task-to-job
// mapping against the DAX and the .dag.
func TestStaticBPIntoStampede(t *testing.T) {
	w := fan(5, "")
	fx, daxPath := setup(t, w, "", "pegasus.clusters.size = 2")
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cluster: []string{"horizontal"}, Cleanup: "inplace"})
	wf, err := dax.ParseFile(daxPath)
	if err != nil {
		t.Fatal(err)
	}

	dagmanOut := filepath.Join(p.dir, p.out.Basename+".dag.dagman.out")
	if err := os.WriteFile(dagmanOut, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := stampede.Open(ctx, filepath.Join(t.TempDir(), "plan.stampede.db"), stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Load(ctx, func(sink func([]*ingest.Event) error) error {
		_, err := ingest.Replay(ctx, dagmanOut, ingest.Options{OnWarning: func(w ingest.Warning) { t.Logf("ingest: %v", w) }}, sink)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rows := func(q string) [][2]string {
		t.Helper()
		r, err := db.SQL.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer r.Close()
		var out [][2]string
		for r.Next() {
			var a, b sql.NullString
			if err := r.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, [2]string{a.String, b.String})
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	// task: one row per DAX job, with its transformation.
	var wantTasks [][2]string
	for _, j := range wf.Jobs {
		wantTasks = append(wantTasks, [2]string{j.ID, j.Transformation()})
	}
	sortPairs(wantTasks)
	if got := rows(`SELECT abs_task_id, transformation FROM task ORDER BY 1, 2`); !reflect.DeepEqual(got, wantTasks) {
		t.Errorf("task rows %v, want %v", got, wantTasks)
	}
	// task_edge: the DAX's dependencies.
	var wantTaskEdges [][2]string
	for _, e := range wf.Edges {
		wantTaskEdges = append(wantTaskEdges, [2]string{e.Parent, e.Child})
	}
	sortPairs(wantTaskEdges)
	if got := rows(`SELECT parent_abs_task_id, child_abs_task_id FROM task_edge ORDER BY 1, 2`); !reflect.DeepEqual(got, wantTaskEdges) {
		t.Errorf("task_edge rows %v, want %v", got, wantTaskEdges)
	}
	// job: one row per node of the .dag, with its submit file.
	var wantJobs [][2]string
	for _, n := range p.dag.Nodes {
		wantJobs = append(wantJobs, [2]string{n.Name, filepath.Base(n.SubmitFile)})
	}
	sortPairs(wantJobs)
	if got := rows(`SELECT exec_job_id, regexp_extract(submit_file, '[^/]*$') FROM job ORDER BY 1, 2`); !reflect.DeepEqual(got, wantJobs) {
		t.Errorf("job rows %v, want %v", got, wantJobs)
	}
	// job_edge: the .dag's PARENT/CHILD lines.
	var wantJobEdges [][2]string
	for _, n := range p.dag.Nodes {
		for _, c := range n.Children {
			wantJobEdges = append(wantJobEdges, [2]string{n.Name, c})
		}
	}
	sortPairs(wantJobEdges)
	if got := rows(`SELECT parent_exec_job_id, child_exec_job_id FROM job_edge ORDER BY 1, 2`); !reflect.DeepEqual(got, wantJobEdges) {
		t.Errorf("job_edge rows %v, want %v", got, wantJobEdges)
	}
	// Every task is mapped to the job running it: the clustered work tasks
	// to their merge job, the others to <name>_<id>.
	var wantMap [][2]string
	for job, tasks := range p.static.jobTasks {
		for _, task := range tasks {
			wantMap = append(wantMap, [2]string{task, job})
		}
	}
	sortPairs(wantMap)
	if len(wantMap) != len(wf.Jobs) {
		t.Fatalf("static.bp maps %d tasks, the DAX has %d", len(wantMap), len(wf.Jobs))
	}
	got := rows(`SELECT t.abs_task_id, j.exec_job_id FROM task t JOIN job j USING (job_id) ORDER BY 1, 2`)
	if !reflect.DeepEqual(got, wantMap) {
		t.Errorf("task -> job %v, want %v", got, wantMap)
	}
	clustered := rows(`SELECT exec_job_id, task_count::VARCHAR FROM job WHERE clustered ORDER BY 1`)
	if want := [][2]string{{"merge_t-work-1.0_PID2_ID1", "2"}, {"merge_t-work-1.0_PID2_ID2", "2"}}; !reflect.DeepEqual(clustered, want) {
		t.Errorf("clustered jobs %v, want %v", clustered, want)
	}
	// Type ids (PLANNER.md §2.8): type_desc in the database and the same id
	// as +pegasus_job_class in every submit file.
	ids := map[string]string{"compute": "1", "stage-in-tx": "2", "stage-out-tx": "3", "registration": "4", "create-dir": "6", "cleanup": "8"}
	kinds := map[string]bool{}
	for _, r := range rows(`SELECT exec_job_id, type_desc::VARCHAR FROM job ORDER BY 1`) {
		name, desc := r[0], r[1]
		want := "compute"
		for prefix, d := range map[string]string{"create_dir_": "create-dir", "stage_in_": "stage-in-tx", "stage_out_": "stage-out-tx",
			"register_": "registration", "clean_up_": "cleanup", "cleanup_": "cleanup"} {
			if strings.HasPrefix(name, prefix) {
				want = d
			}
		}
		kinds[want] = true
		if desc != want {
			t.Errorf("%s: type_desc %s, want %s", name, desc, want)
		}
		if sub := p.sub(t, name); sub["+pegasus_job_class"] != ids[want] {
			t.Errorf("%s: +pegasus_job_class %q, want %s (%s)", name, sub["+pegasus_job_class"], ids[want], want)
		}
	}
	if len(kinds) != len(ids) {
		t.Errorf("job kinds planned %v, want one of each of %v", kinds, ids)
	}
	if n := rows(`SELECT count(*)::VARCHAR, '' FROM job_instance`); n[0][0] != "0" {
		t.Errorf("%s job instances before anything ran", n[0][0])
	}
}

func sortPairs(p [][2]string) {
	sort.Slice(p, func(i, j int) bool {
		if p[i][0] != p[j][0] {
			return p[i][0] < p[j][0]
		}
		return p[i][1] < p[j][1]
	})
}
