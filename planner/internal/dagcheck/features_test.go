package dagcheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/daxapi"
	"github.com/pegasus-go/pegasus/planner/internal/fixture"
	"github.com/pegasus-go/pegasus/planner/montage"
	"github.com/pegasus-go/pegasus/planner/refine"
)

// planned is a planned submit directory read back with ingest's readers.
type planned struct {
	dax    string // the abstract workflow planned
	dir    string
	out    *planner.Outcome
	dag    *ingest.DAG
	static *staticBP
	fx     *fixture.Dir
}

func testEnv(k string) string {
	switch k {
	case "SOURCE_DATE_EPOCH":
		return "1314032400"
	case "PEGASUS_WF_UUID":
		return "11111111-2222-4333-8444-555555555555"
	case "USER":
		return "me"
	}
	return ""
}

// setup writes the DAX of w and the fixture catalogs; sites, when not
// empty, replaces the fixture's site catalog (%[1]s is the fixture root).
func setup(t *testing.T, w *daxapi.Workflow, sites string, props ...string) (*fixture.Dir, string) {
	t.Helper()
	fx := fixture.BuildFor(t, w.Workflow(), props...)
	daxPath := filepath.Join(fx.Root, "wf.dax")
	if err := w.WriteFile(daxPath); err != nil {
		t.Fatal(err)
	}
	if sites != "" {
		if err := os.WriteFile(filepath.Join(fx.Root, "sites.xml"), []byte(fmt.Sprintf(sites, fx.Root)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return fx, daxPath
}

func planIt(t *testing.T, fx *fixture.Dir, daxPath string, o planner.Options) (*planned, error) {
	t.Helper()
	o.Conf, o.DAX = fx.Conf, daxPath
	if o.Dir == "" {
		o.Dir = filepath.Join(fx.Root, "submit")
	}
	if o.BinDir == "" {
		o.BinDir = "/opt/pegasus/bin"
	}
	if o.Getenv == nil {
		o.Getenv = testEnv
	}
	out, err := planner.Plan(context.Background(), o)
	if err != nil {
		return nil, err
	}
	p := &planned{dax: daxPath, dir: out.SubmitDir, out: out, fx: fx}
	if p.dag, err = ingest.ReadDAGFile(filepath.Join(out.SubmitDir, out.Basename+".dag")); err != nil {
		t.Fatal(err)
	}
	p.static = readStatic(t, filepath.Join(out.SubmitDir, out.Basename+".static.bp"))
	crossCheck(t, p)
	return p, nil
}

func mustPlan(t *testing.T, fx *fixture.Dir, daxPath string, o planner.Options) *planned {
	t.Helper()
	p, err := planIt(t, fx, daxPath, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// staticBP is a .static.bp read with ingest's BP scanner and StaticEvent.
type staticBP struct {
	tasks     map[string]*ingest.TaskDef
	taskEdges [][2]string
	jobs      map[string]*ingest.JobDef
	jobOrder  []string
	jobEdges  [][2]string
	taskJob   map[string]string // task -> job
	jobTasks  map[string][]string
}

func readStatic(t *testing.T, path string) *staticBP {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &staticBP{tasks: map[string]*ingest.TaskDef{}, jobs: map[string]*ingest.JobDef{}, taskJob: map[string]string{}, jobTasks: map[string][]string{}}
	sc := ingest.NewBPScanner(f, path)
	for sc.Next() {
		ev, err := ingest.StaticEvent(sc.Record(), path)
		if err != nil {
			t.Fatal(err)
		}
		if ev == nil {
			continue
		}
		switch ev.Kind {
		case ingest.TaskInfo:
			s.tasks[ev.TaskID] = ev.Task
		case ingest.TaskEdge:
			s.taskEdges = append(s.taskEdges, [2]string{ev.ParentID, ev.ChildID})
		case ingest.JobInfo:
			s.jobs[ev.Job] = ev.JobDef
			s.jobOrder = append(s.jobOrder, ev.Job)
		case ingest.JobEdge:
			s.jobEdges = append(s.jobEdges, [2]string{ev.ParentID, ev.ChildID})
		case ingest.WfMapTaskJob:
			if prev, dup := s.taskJob[ev.TaskID]; dup {
				t.Errorf("%s: task %s mapped to %s and %s", path, ev.TaskID, prev, ev.Job)
			}
			s.taskJob[ev.TaskID] = ev.Job
			s.jobTasks[ev.Job] = append(s.jobTasks[ev.Job], ev.TaskID)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// crossCheck compares the static events with the DAX and the .dag the plan
// implies: the tasks and task edges are the DAX's, the jobs and job edges
// the .dag's, every task maps to exactly one job, and job.info agrees with
// the node (submit file, retries, clustering).
func crossCheck(t *testing.T, p *planned) {
	t.Helper()
	wf, err := dax.ParseFile(p.dax)
	if err != nil {
		t.Fatal(err)
	}
	s := p.static
	if len(s.tasks) != len(wf.Jobs) {
		t.Errorf("static.bp has %d tasks, the DAX %d", len(s.tasks), len(wf.Jobs))
	}
	for _, j := range wf.Jobs {
		td := s.tasks[j.ID]
		if td == nil {
			t.Errorf("task %s missing from static.bp", j.ID)
			continue
		}
		want := 1
		switch j.Kind {
		case dax.DAXTask:
			want = 10
		case dax.DAGTask:
			want = 11
		}
		if td.Type != want || td.Transformation != j.Transformation() {
			t.Errorf("task.info %s: %+v", j.ID, td)
		}
	}
	var daxEdges [][2]string
	for _, e := range wf.Edges {
		daxEdges = append(daxEdges, [2]string{e.Parent, e.Child})
	}
	if !reflect.DeepEqual(s.taskEdges, daxEdges) {
		t.Errorf("task edges %v, DAX edges %v", s.taskEdges, daxEdges)
	}
	var nodes []string
	for _, n := range p.dag.Nodes {
		nodes = append(nodes, n.Name)
		jd := s.jobs[n.Name]
		if jd == nil {
			t.Errorf("node %s has no job.info", n.Name)
			continue
		}
		sub := n.SubmitFile
		if n.Kind == "SUBDAG" && n.Dir != "" && !filepath.IsAbs(sub) && !filepath.IsAbs(n.Dir) {
			sub = filepath.Join(n.Dir, sub) // a planned sub-workflow: DIR <its submit dir>
		}
		if jd.SubmitFile != sub || jd.MaxRetries != n.Retry {
			t.Errorf("job.info %s %+v disagrees with the .dag (%s, retry %d)", n.Name, jd, n.SubmitFile, n.Retry)
		}
		if jd.Clustered != (len(s.jobTasks[n.Name]) > 1) || jd.Clustered && jd.TaskCount != len(s.jobTasks[n.Name]) {
			t.Errorf("job.info %s clustered=%v task_count=%d, %d tasks mapped", n.Name, jd.Clustered, jd.TaskCount, len(s.jobTasks[n.Name]))
		}
	}
	if !reflect.DeepEqual(nodes, s.jobOrder) {
		t.Errorf("job.info order %v, .dag nodes %v", s.jobOrder, nodes)
	}
	if !reflect.DeepEqual(s.jobEdges, p.dag.Edges) {
		t.Errorf("job edges differ from the .dag's:\n%v\n%v", s.jobEdges, p.dag.Edges)
	}
	// Every task is mapped to a job, except those data reuse removed.
	var m struct {
		WfMetrics struct {
			Deleted int `json:"deleted_tasks"`
		} `json:"wf_metrics"`
	}
	if err := json.Unmarshal([]byte(p.read(t, p.out.Basename+".metrics")), &m); err != nil {
		t.Fatal(err)
	}
	unmapped := 0
	for _, j := range wf.Jobs {
		if _, ok := s.taskJob[j.ID]; !ok {
			unmapped++
		}
	}
	if unmapped != m.WfMetrics.Deleted {
		t.Errorf("%d tasks are mapped to no job, %d were removed by data reuse", unmapped, m.WfMetrics.Deleted)
	}
}

func (p *planned) read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sub returns the key = value lines of a node's submit file.
func (p *planned) sub(t *testing.T, node string) map[string]string {
	t.Helper()
	n := p.dag.Node(node)
	if n == nil {
		t.Fatalf("no node %s", node)
	}
	m := map[string]string{}
	for _, l := range strings.Split(p.read(t, n.SubmitFile), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok && !strings.HasPrefix(l, "#") {
			m[strings.TrimSpace(k)] = v
		}
	}
	return m
}

// in returns the .in file of a node.
func (p *planned) in(t *testing.T, node string) string {
	t.Helper()
	return p.read(t, strings.TrimSuffix(p.dag.Node(node).SubmitFile, ".sub")+".in")
}

func (p *planned) names(prefix string) []string {
	var out []string
	for _, n := range p.dag.Nodes {
		if strings.HasPrefix(n.Name, prefix) {
			out = append(out, n.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (p *planned) hasEdge(a, b string) bool {
	for _, e := range p.dag.Edges {
		if e[0] == a && e[1] == b {
			return true
		}
	}
	return false
}

// fan returns a workflow: split -> n x work -> join, with files.
func fan(n int, label string) *daxapi.Workflow {
	w := daxapi.New("fan")
	in := w.File("f.in")
	split := w.JobWithID("ID0000001", "t", "split", "1.0").Uses(in, dax.LinkInput)
	join := w.JobWithID(fmt.Sprintf("ID%07d", n+2), "t", "join", "1.0")
	out := w.File("f.out")
	for i := 0; i < n; i++ {
		part := w.File(fmt.Sprintf("f.part%d", i))
		res := w.File(fmt.Sprintf("f.res%d", i))
		split.Uses(part, dax.LinkOutput)
		j := w.JobWithID(fmt.Sprintf("ID%07d", i+2), "t", "work", "1.0").Uses(part, dax.LinkInput).Uses(res, dax.LinkOutput).
			AddArguments("-i", part, "-o", res)
		if label != "" {
			j.Profile("pegasus", "label", label)
		}
		j.Depends(split)
		join.Uses(res, dax.LinkInput)
		join.Depends(j)
	}
	join.Uses(out, dax.LinkOutput)
	return w
}

func TestHorizontalClustering(t *testing.T) {
	w := fan(5, "")
	fx, daxPath := setup(t, w, "", "pegasus.clusters.size = 2")
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cluster: []string{"horizontal"}, Cleanup: "none"})
	merged := p.names("merge_")
	if want := []string{"merge_t-work-1.0_PID2_ID1", "merge_t-work-1.0_PID2_ID2"}; !reflect.DeepEqual(merged, want) {
		t.Fatalf("clusters %v, want %v", merged, want)
	}
	// The fifth work task stays alone; the others are gone.
	if got := p.names("work_"); !reflect.DeepEqual(got, []string{"work_ID0000006"}) {
		t.Fatalf("unclustered work jobs %v", got)
	}
	if got := p.static.jobTasks["merge_t-work-1.0_PID2_ID1"]; !reflect.DeepEqual(got, []string{"ID0000002", "ID0000003"}) {
		t.Fatalf("cluster 1 tasks %v", got)
	}
	for _, m := range merged {
		if !p.hasEdge("split_ID0000001", m) || !p.hasEdge(m, "join_ID0000007") {
			t.Errorf("%s lacks its edges", m)
		}
	}
	sub := p.sub(t, "merge_t-work-1.0_PID2_ID1")
	// sharedfs: the aggregator runs directly, each task line carries kickstart.
	if sub["executable"] != "/opt/pegasus/bin/pegasus-cluster" || sub["arguments"] != `"-f"` || !strings.HasSuffix(sub["input"], "merge_t-work-1.0_PID2_ID1.in") {
		t.Fatalf("cluster submit: executable %q arguments %q input %q", sub["executable"], sub["arguments"], sub["input"])
	}
	in := p.in(t, "merge_t-work-1.0_PID2_ID1")
	lines := strings.Split(strings.TrimSpace(in), "\n")
	if len(lines) != 4 || lines[0] != "#@ ID0000002 t::work:1.0 ID0000002" || lines[2] != "#@ ID0000003 t::work:1.0 ID0000003" {
		t.Fatalf(".in:\n%s", in)
	}
	if !strings.HasPrefix(lines[1], "/opt/pegasus/bin/pegasus-kickstart -n t::work:1.0 -N ID0000002 -R local ") || !strings.HasSuffix(lines[1], "-i f.part0 -o f.res0") {
		t.Fatalf("task line %q", lines[1])
	}
	if jd := p.static.jobs["merge_t-work-1.0_PID2_ID1"]; !jd.Clustered || jd.TaskCount != 2 || jd.Type != 1 {
		t.Fatalf("job.info %+v", jd)
	}
	if !strings.Contains(p.read(t, p.out.Basename+".metrics"), `"clustered_jobs": 2`) {
		t.Error("metrics: clustered_jobs")
	}
}

func TestLabelClustering(t *testing.T) {
	// A chain a -> b -> c, all labelled, is one cluster in dependency order.
	w := daxapi.New("chain")
	f1, f2, f3, f4 := w.File("f1"), w.File("f2"), w.File("f3"), w.File("f4")
	a := w.JobWithID("ID1", "", "a", "").Uses(f1, dax.LinkInput).Uses(f2, dax.LinkOutput).Profile("pegasus", "label", "p1")
	b := w.JobWithID("ID2", "", "b", "").Uses(f2, dax.LinkInput).Uses(f3, dax.LinkOutput).Profile("pegasus", "label", "p1").Depends(a)
	w.JobWithID("ID3", "", "c", "").Uses(f3, dax.LinkInput).Uses(f4, dax.LinkOutput).Profile("pegasus", "label", "p1").Depends(b)
	fx, daxPath := setup(t, w, "")
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cluster: []string{"label"}, Cleanup: "none"})
	if got := p.names("merge_"); !reflect.DeepEqual(got, []string{"merge_a_p1"}) {
		t.Fatalf("clusters %v", got)
	}
	if got := p.static.jobTasks["merge_a_p1"]; !reflect.DeepEqual(got, []string{"ID1", "ID2", "ID3"}) {
		t.Fatalf("tasks %v", got)
	}
	// Only f1 is staged in: f2 and f3 are made inside the cluster.
	in := p.in(t, p.names("stage_in_")[0])
	if !strings.Contains(in, `"lfn": "f1"`) || strings.Contains(in, `"lfn": "f2"`) {
		t.Fatalf("stage-in:\n%s", in)
	}

	// a and c labelled, b not: the path a -> b -> c leaves the cluster.
	w = daxapi.New("broken")
	f1, f2, f3, f4 = w.File("f1"), w.File("f2"), w.File("f3"), w.File("f4")
	a = w.JobWithID("ID1", "", "a", "").Uses(f1, dax.LinkInput).Uses(f2, dax.LinkOutput).Profile("pegasus", "label", "p1")
	b = w.JobWithID("ID2", "", "b", "").Uses(f2, dax.LinkInput).Uses(f3, dax.LinkOutput).Depends(a)
	w.JobWithID("ID3", "", "c", "").Uses(f3, dax.LinkInput).Uses(f4, dax.LinkOutput).Profile("pegasus", "label", "p1").Depends(b)
	fx, daxPath = setup(t, w, "")
	_, err := planIt(t, fx, daxPath, planner.Options{OutputSite: "local", Cluster: []string{"label"}})
	var re *refine.Error
	if !errors.Is(err, refine.ErrCluster) || !errors.As(err, &re) || re.Line == 0 || !strings.HasPrefix(err.Error(), daxPath+":") {
		t.Fatalf("err = %v, want a clustering error with the DAX line", err)
	}
	if _, err := planIt(t, fx, daxPath, planner.Options{Cluster: []string{"vertical"}}); !errors.Is(err, refine.ErrCluster) {
		t.Fatalf("unknown style: %v", err)
	}
}

func TestLeafCleanup(t *testing.T) {
	fx, daxPath := setup(t, fan(3, ""), "")
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "leaf"})
	if got := p.names("clean"); !reflect.DeepEqual(got, []string{"cleanup_fan_0_local"}) {
		t.Fatalf("cleanup jobs %v", got)
	}
	// After every job but the registrations.
	anc := ancestors(p.dag, "cleanup_fan_0_local")
	for _, n := range p.dag.Nodes {
		reg := strings.HasPrefix(n.Name, "register_")
		if n.Name != "cleanup_fan_0_local" && anc[n.Name] == reg {
			t.Errorf("node %s: ancestor of the leaf cleanup = %v", n.Name, anc[n.Name])
		}
	}
	sub := p.sub(t, "cleanup_fan_0_local")
	if !strings.HasPrefix(sub["arguments"], `"-n pegasus::cleanup -N null -i - -R local `) || !strings.HasSuffix(sub["arguments"], `/opt/pegasus/bin/pegasus-transfer"`) {
		t.Fatalf("arguments %s", sub["arguments"])
	}
	wd := filepath.Join(fx.Scratch, "me", "pegasus", "fan", "run0001")
	if got := targets(t, p.in(t, "cleanup_fan_0_local"), "remove"); !reflect.DeepEqual(got, []string{"file://" + wd + " recursive"}) {
		t.Fatalf("targets %q, want the work directory %s", got, wd)
	}
	// As Pegasus 5.0.5: no category for the leaf cleanup job.
	if c := p.dag.Node("cleanup_fan_0_local").Category; c != "" {
		t.Errorf("category %q", c)
	}
}

func TestInPlaceCleanup(t *testing.T) {
	fx, daxPath := setup(t, fan(4, ""), "")
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local"})
	wd := filepath.Join(fx.Scratch, "me", "pegasus", "fan", "run0001")
	jobs := p.names("clean_up_")
	if len(jobs) == 0 {
		t.Fatal("no in-place cleanup jobs")
	}
	// users of each file in the work directory: the DAX jobs and the transfers.
	users := map[string][]string{}
	wf, _ := dax.ParseFile(daxPath)
	for _, j := range wf.Jobs {
		for _, u := range j.Uses {
			users[u.Name] = append(users[u.Name], j.Name+"_"+j.ID)
		}
	}
	deleted := map[string]string{}
	for _, cj := range jobs {
		anc := ancestors(p.dag, cj)
		for _, u := range targets(t, p.in(t, cj), "remove") {
			lfn := strings.TrimPrefix(u, "file://"+wd+"/")
			if lfn == u {
				t.Fatalf("%s deletes %s outside the work directory", cj, u)
			}
			if prev, dup := deleted[lfn]; dup {
				t.Errorf("%s deleted by %s and %s", lfn, prev, cj)
			}
			deleted[lfn] = cj
			for _, user := range users[lfn] {
				if !anc[user] {
					t.Errorf("%s deletes %s before its user %s is done", cj, lfn, user)
				}
			}
			if lfn == "f.out" && !anc["stage_out_local_local_2_0"] {
				t.Errorf("f.out deleted before its stage-out")
			}
		}
	}
	// Everything the workflow put in the work directory is deleted.
	for lfn := range users {
		if _, ok := deleted[lfn]; !ok {
			t.Errorf("%s is never cleaned up", lfn)
		}
	}
	// As Pegasus 5.x, the work directory itself goes after the stage-outs.
	if got := p.names("cleanup_"); !reflect.DeepEqual(got, []string{"cleanup_fan_0_local"}) {
		t.Errorf("leaf cleanup jobs %v", got)
	}
}

// targets returns the target URLs of the entries of type typ of a
// pegasus-transfer input, with " recursive" appended for recursive ones.
func targets(t *testing.T, in, typ string) []string {
	t.Helper()
	var entries []struct {
		ID     int    `json:"id"`
		Type   string `json:"type"`
		Target struct {
			Site      string `json:"site_label"`
			URL       string `json:"url"`
			Recursive string `json:"recursive"`
		} `json:"target"`
	}
	if err := json.Unmarshal([]byte(in), &entries); err != nil {
		t.Fatalf("%v:\n%s", err, in)
	}
	var out []string
	for i, e := range entries {
		if e.Type != typ || e.ID != i+1 || e.Target.Site == "" {
			t.Fatalf("entry %d: %+v", i, e)
		}
		u := e.Target.URL
		if e.Target.Recursive == "True" {
			u += " recursive"
		}
		out = append(out, u)
	}
	return out
}

// ancestors returns every node with a path to name.
func ancestors(d *ingest.DAG, name string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{name}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, par := range d.Node(n).Parents {
			if !seen[par] {
				seen[par] = true
				stack = append(stack, par)
			}
		}
	}
	return seen
}

func TestHierarchical(t *testing.T) {
	w := daxapi.New("outer")
	pre := w.JobWithID("ID1", "", "prep", "").Uses(w.File("f.in"), dax.LinkInput).Uses(w.File("f.mid"), dax.LinkOutput)
	sub := w.DAX("ID2", "inner.dax").AddArguments("--cluster", "horizontal").Depends(pre)
	w.DAG("ID3", "other.dag").Depends(sub)
	fx, daxPath := setup(t, w, "")
	for _, f := range []string{"inner.dax", "other.dag"} {
		os.WriteFile(filepath.Join(fx.Root, f), []byte("placeholder\n"), 0o644)
	}
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none"})
	dj := p.dag.Node("pegasus-plan_ID2")
	if dj == nil || dj.Kind != "SUBDAG" || dj.Category != "subwf" {
		t.Fatalf("DAX job node %+v", dj)
	}
	if dj.SubmitFile != "inner.dag" || dj.Dir != "00/00/inner_ID2" {
		t.Fatalf("sub-workflow dag %s in %s, want inner.dag in its own submit directory", dj.SubmitFile, dj.Dir)
	}
	if dj.Pre == nil || dj.Pre.Executable != "/opt/pegasus/bin/pegasus-plan" {
		t.Fatalf("PRE %+v", dj.Pre)
	}
	for _, a := range []string{"--cluster horizontal", "--deferred --dax " + filepath.Join(fx.Root, "inner.dax"), "--relative-submit-dir me/pegasus/outer/run0001/00/00/inner_ID2",
		"--basename inner", "--cleanup none", "-Dpegasus.workflow.root.uuid=11111111-2222-4333-8444-555555555555",
		"--cache " + p.dir + "/outer-0.cache", "--conf " + p.dir + "/pegasus."} {
		if !strings.Contains(dj.Pre.Args, a) {
			t.Errorf("PRE arguments lack %q:\n%s", a, dj.Pre.Args)
		}
	}
	gj := p.dag.Node("subdag_other_ID3")
	if gj == nil || gj.Kind != "SUBDAG" || gj.SubmitFile != filepath.Join(fx.Root, "other.dag") || gj.Category != "subwf" {
		t.Fatalf("DAG job node %+v", gj)
	}
	if !p.hasEdge("prep_ID1", "pegasus-plan_ID2") || !p.hasEdge("pegasus-plan_ID2", "subdag_other_ID3") {
		t.Fatalf("edges %v", p.dag.Edges)
	}
	if jd := p.static.jobs["pegasus-plan_ID2"]; jd.Type != 10 || jd.TaskCount != 1 {
		t.Errorf("job.info %+v", jd)
	}
	if jd := p.static.jobs["subdag_other_ID3"]; jd.Type != 11 || jd.TypeDesc != "dag" {
		t.Errorf("job.info %+v", jd)
	}
	// No .sub for SUBDAG nodes.
	if _, err := os.Stat(filepath.Join(p.dir, "00/00/pegasus-plan_ID2.sub")); err == nil {
		t.Error("a .sub was written for a SUBDAG node")
	}
	// A sub-workflow file nobody has is an error naming the DAX line.
	os.Remove(filepath.Join(fx.Root, "other.dag"))
	_, err := planIt(t, fx, daxPath, planner.Options{OutputSite: "local", Dir: filepath.Join(fx.Root, "submit2")})
	if !errors.Is(err, refine.ErrNoReplica) || !strings.Contains(err.Error(), "other.dag") {
		t.Fatalf("missing DAG file: %v", err)
	}
}

const threeSites = `<?xml version="1.0" encoding="UTF-8"?>
<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="4.0">
  <site handle="local" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="%[1]s/scratch"><file-server operation="all" url="file://%[1]s/scratch"/></directory>
    <directory type="local-storage" path="%[1]s/outputs"><file-server operation="all" url="file://%[1]s/outputs"/></directory>
  </site>
  <site handle="condorpool" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="/pool/scratch"><file-server operation="all" url="gsiftp://pool.example.org/pool/scratch"/></directory>
    <profile namespace="pegasus" key="style">condor</profile>
  </site>
  <site handle="staging" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="/data/staging"><file-server operation="all" url="http://staging.example.org/staging"/></directory>
  </site>
</sitecatalog>
`

// retc puts every transformation of the fixture on condorpool too.
func retc(t *testing.T, fx *fixture.Dir) {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(fx.Root, "tc.txt"))
	s := strings.ReplaceAll(string(b), "site local {", "site condorpool {")
	os.WriteFile(filepath.Join(fx.Root, "tc.txt"), []byte(s), 0o644)
}

func TestStagingSite(t *testing.T) {
	fx, daxPath := setup(t, fan(2, ""), threeSites, "pegasus.data.configuration = nonsharedfs")
	retc(t, fx)
	p := mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, StagingSites: []string{"condorpool=staging"}, OutputSite: "local", Cleanup: "none"})
	rel := "me/pegasus/fan/run0001"
	// One create-dir for the staging site, run from the submit host.
	if got := p.names("create_dir_"); !reflect.DeepEqual(got, []string{"create_dir_fan_0_staging"}) {
		t.Fatalf("create-dir jobs %v", got)
	}
	if got := targets(t, p.in(t, "create_dir_fan_0_staging"), "mkdir"); !reflect.DeepEqual(got, []string{"http://staging.example.org/staging/" + rel}) {
		t.Fatalf("create-dir targets %v", got)
	}
	// Inputs go from the submit host to the staging site.
	sin := p.names("stage_in_")
	if len(sin) == 0 {
		t.Fatal("no stage-in job")
	}
	var specs []struct {
		LFN     string `json:"lfn"`
		SrcURLs []struct {
			Site string `json:"site_label"`
			URL  string `json:"url"`
		} `json:"src_urls"`
		DstURLs []struct {
			Site string `json:"site_label"`
			URL  string `json:"url"`
		} `json:"dest_urls"`
	}
	if err := json.Unmarshal([]byte(p.in(t, sin[0])), &specs); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range specs {
		if s.LFN == "f.in" {
			found = true
			if s.DstURLs[0].Site != "staging" || s.DstURLs[0].URL != "http://staging.example.org/staging/"+rel+"/f.in" || s.SrcURLs[0].Site != "local" {
				t.Fatalf("f.in transfer %+v", s)
			}
		}
	}
	if !found {
		t.Fatalf("f.in not staged in:\n%s", p.in(t, sin[0]))
	}
	// The compute job runs on condorpool through PegasusLite, pulling from the staging site.
	sub := p.sub(t, "split_ID0000001")
	if sub["universe"] != "vanilla" || !strings.HasSuffix(sub["executable"], "split_ID0000001.sh") || sub["+pegasus_site"] != `"condorpool"` {
		t.Fatalf("compute submit %v", sub)
	}
	sh := p.read(t, "00/00/split_ID0000001.sh")
	if !strings.Contains(sh, `"url": "http://staging.example.org/staging/`+rel+`/f.in"`) || !strings.Contains(sh, `"url": "http://staging.example.org/staging/`+rel+`/f.part0"`) {
		t.Fatalf("PegasusLite script does not use the staging site:\n%s", sh)
	}

	// Invalid mappings.
	for _, tc := range []struct {
		props   []string
		staging string
	}{
		{[]string{"pegasus.data.configuration=condorio"}, "condorpool=staging"},
		{[]string{"pegasus.data.configuration=sharedfs"}, "condorpool=staging"},
		{nil, "condorpool=nowhere"},
	} {
		_, err := planIt(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, StagingSites: []string{tc.staging}, Defines: tc.props, Dir: filepath.Join(t.TempDir(), "x")})
		if err == nil || !(errors.Is(err, refine.ErrConfig) || errors.Is(err, refine.ErrNoSite)) {
			t.Errorf("%v %s: err = %v", tc.props, tc.staging, err)
		}
	}
}

func TestBypassInputStaging(t *testing.T) {
	fx, daxPath := setup(t, fan(2, ""), threeSites, "pegasus.data.configuration = condorio", "pegasus.transfer.bypass.input.staging = true")
	retc(t, fx)
	p := mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, OutputSite: "local", Cleanup: "none"})
	// f.in has a file:// replica on local: HTCondor ships it from there.
	for _, n := range p.names("stage_in_") {
		if strings.Contains(p.in(t, n), `"lfn": "f.in"`) {
			t.Fatalf("f.in is staged although bypassed:\n%s", p.in(t, n))
		}
	}
	// The wrapper runs: kickstart is not installed here, so the task exits
	// 127 and the wrapper says so on its last stderr line, as PegasusLite.
	cmd := exec.Command("bash", filepath.Join(p.dir, "00", "00", "split_ID0000001.sh"))
	cmd.Dir = t.TempDir()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 127 || !strings.HasSuffix(stderr.String(), "PegasusLite: exitcode 127\n") {
		t.Fatalf("wrapper: %v\n%s", err, stderr.String())
	}
	tif := p.sub(t, "split_ID0000001")["transfer_input_files"]
	if !strings.Contains(tif, filepath.Join(fx.Root, "inputs", "f.in")) {
		t.Fatalf("transfer_input_files %q lacks the replica path", tif)
	}
	// Without bypass, f.in goes through a stage-in job.
	p = mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, OutputSite: "local", Cleanup: "none",
		Defines: []string{"pegasus.transfer.bypass.input.staging=false"}, Dir: filepath.Join(t.TempDir(), "nb")})
	staged := false
	for _, n := range p.names("stage_in_") {
		staged = staged || strings.Contains(p.in(t, n), `"lfn": "f.in"`)
	}
	if !staged {
		t.Fatal("f.in is not staged without bypass")
	}
}

// TestReplicaSelectors checks the order of a file's source URLs in the
// stage-in job for each selector (PLANNER.md §1.7).
func TestReplicaSelectors(t *testing.T) {
	w := daxapi.New("sel")
	in := w.File("f.in")
	w.JobWithID("ID1", "", "use", "").Uses(in, dax.LinkInput).Uses(w.File("f.out"), dax.LinkOutput)
	fx, daxPath := setup(t, w, threeSites)
	rcText := fmt.Sprintf("f.in file://%s/inputs/f.in site=\"local\"\nf.in gsiftp://pool.example.org/d/f.in site=\"condorpool\"\nf.in http://mirror.example.org/f.in site=\"mirror\"\nf.in http://staging.example.org/f.in site=\"staging\"\nf.in file:///elsewhere/f.in site=\"condorpool\"\n", fx.Root)
	os.WriteFile(filepath.Join(fx.Root, "rc.txt"), []byte(rcText), 0o644)
	srcs := func(t *testing.T, defines ...string) []string {
		t.Helper()
		p := mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"local"}, OutputSite: "local", Cleanup: "none", Defines: defines, Dir: filepath.Join(t.TempDir(), "s")})
		var specs []struct {
			LFN     string `json:"lfn"`
			SrcURLs []struct {
				URL string `json:"url"`
			} `json:"src_urls"`
		}
		if err := json.Unmarshal([]byte(p.in(t, p.names("stage_in_")[0])), &specs); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range specs {
			if s.LFN == "f.in" {
				for _, u := range s.SrcURLs {
					out = append(out, u.URL)
				}
			}
		}
		return out
	}
	local := "file://" + fx.Root + "/inputs/f.in"
	tests := []struct {
		name    string
		defines []string
		want    []string
	}{
		// file:// on the transfer's site first, then the rest in catalog order
		// (no replica is on the compute site local besides the file).
		{"Default", nil, []string{local, "gsiftp://pool.example.org/d/f.in", "http://mirror.example.org/f.in", "http://staging.example.org/f.in"}},
		{"Regex", []string{"pegasus.selector.replica=Regex", "pegasus.selector.replica.regex.rank.1=mirror", "pegasus.selector.replica.regex.rank.2=^gsiftp:"},
			[]string{"http://mirror.example.org/f.in", "gsiftp://pool.example.org/d/f.in", local, "http://staging.example.org/f.in"}},
		{"Restricted", []string{"pegasus.selector.replica=Restricted", "pegasus.selector.replica.*.prefer.stagein.sites=staging", "pegasus.selector.replica.*.ignore.stagein.sites=condorpool,mirror"},
			[]string{"http://staging.example.org/f.in", local}},
		{"Local", []string{"pegasus.selector.replica=Local"}, []string{local}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := srcs(t, tc.defines...); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("sources\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	_, err := planIt(t, fx, daxPath, planner.Options{Defines: []string{"pegasus.selector.replica=Closest"}, Dir: filepath.Join(t.TempDir(), "bad")})
	if !errors.Is(err, refine.ErrConfig) {
		t.Fatalf("unknown selector: %v", err)
	}
}

func TestWorkerPackage(t *testing.T) {
	fx, daxPath := setup(t, fan(2, ""), threeSites, "pegasus.transfer.worker.package = true")
	retc(t, fx)
	// condorio: into the submit directory, shipped by HTCondor.
	p := mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, OutputSite: "local", Cleanup: "none",
		Defines: []string{"pegasus.data.configuration=condorio"}})
	w := "stage_worker_local_fan_0_local"
	if got := p.names("stage_worker_"); !reflect.DeepEqual(got, []string{w}) {
		t.Fatalf("worker jobs %v", got)
	}
	in := p.in(t, w)
	tarball := "pegasus-worker-5.0.5-x86_64_linux.tar.gz"
	if !strings.Contains(in, `"lfn": "pegasus::worker"`) || !strings.Contains(in, `"url": "http://download.pegasus.isi.edu/pegasus/5.0.5/`+tarball+`"`) ||
		!strings.Contains(in, `"url": "file://`+p.dir+"/"+tarball+`"`) {
		t.Fatalf("worker .in:\n%s", in)
	}
	if jd := p.static.jobs[w]; jd.Type != 2 {
		t.Fatalf("job.info %+v", jd)
	}
	if !p.hasEdge(w, "split_ID0000001") || p.hasEdge(w, "work_ID0000002") {
		t.Fatalf("worker edges %v", p.dag.Node(w).Children)
	}
	for _, n := range []string{"split_ID0000001", "work_ID0000002", "join_ID0000004"} {
		if tif := p.sub(t, n)["transfer_input_files"]; !strings.Contains(tif, p.dir+"/"+tarball) {
			t.Errorf("%s transfer_input_files %q", n, tif)
		}
		if sh := p.read(t, "00/00/"+n+".sh"); !strings.Contains(sh, "tar xzf "+tarball) {
			t.Errorf("%s.sh does not unpack the worker package", n)
		}
	}

	// nonsharedfs with a pegasus::worker entry: into the staging work directory.
	tcb, _ := os.ReadFile(filepath.Join(fx.Root, "tc.txt"))
	os.WriteFile(filepath.Join(fx.Root, "tc.txt"), append(tcb, []byte("tr pegasus::worker {\n  site local {\n    pfn \"/opt/pegasus-worker.tar.gz\"\n    type \"STAGEABLE\"\n  }\n}\n")...), 0o644)
	p = mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, OutputSite: "local", Cleanup: "none",
		Defines: []string{"pegasus.data.configuration=nonsharedfs"}, Dir: filepath.Join(t.TempDir(), "n")})
	w = "stage_worker_local_fan_0_condorpool"
	in = p.in(t, w)
	if !strings.Contains(in, `"url": "file:///opt/pegasus-worker.tar.gz"`) || !strings.Contains(in, `"url": "gsiftp://pool.example.org/pool/scratch/me/pegasus/fan/run0001/pegasus-worker.tar.gz"`) {
		t.Fatalf("worker .in:\n%s", in)
	}
	if !p.hasEdge("create_dir_fan_0_condorpool", w) {
		t.Fatalf("the worker job does not wait for create-dir: %v", p.dag.Node(w).Parents)
	}
	sh := p.read(t, "00/00/split_ID0000001.sh")
	if !strings.Contains(sh, "pool/scratch/me/pegasus/fan/run0001/pegasus-worker.tar.gz") || !strings.Contains(sh, "tar xzf pegasus-worker.tar.gz") {
		t.Fatalf("split .sh:\n%s", sh)
	}
	// Off by default.
	p = mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, OutputSite: "local", Cleanup: "none",
		Defines: []string{"pegasus.data.configuration=nonsharedfs", "pegasus.transfer.worker.package=false"}, Dir: filepath.Join(t.TempDir(), "o")})
	if got := p.names("stage_worker_"); len(got) != 0 {
		t.Fatalf("worker jobs without the property: %v", got)
	}
}

// TestLargeMontage plans a generated Montage workflow big enough for the
// parallel stages (wrapping, job files) in each data configuration and
// reads it back; run with -race it checks those stages too.
func TestLargeMontage(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	w := montage.Generate(1500)
	for _, dc := range []string{"sharedfs", "nonsharedfs", "condorio"} {
		t.Run(dc, func(t *testing.T) {
			fx := fixture.BuildFor(t, w.Workflow(), "pegasus.data.configuration = "+dc)
			daxPath := filepath.Join(fx.Root, "wf.dax")
			if err := w.WriteFile(daxPath); err != nil {
				t.Fatal(err)
			}
			p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cluster: []string{"horizontal"}, Defines: []string{"pegasus.clusters.size=7"}})
			if len(p.dag.Nodes) != p.out.Jobs {
				t.Fatalf("%d nodes, %d jobs", len(p.dag.Nodes), p.out.Jobs)
			}
			for _, n := range p.dag.Nodes {
				if n.Kind == "JOB" {
					if _, err := os.Stat(filepath.Join(p.dir, n.SubmitFile)); err != nil {
						t.Fatal(err)
					}
				}
				if n.Post == nil || !strings.Contains(n.Post.Args, "-M montage-0.cache.meta") {
					t.Fatalf("POST of %s: %+v", n.Name, n.Post)
				}
			}
		})
	}
}
