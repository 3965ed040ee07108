package dagcheck_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/daxapi"
)

// TestBraindumpStaging: braindump.yml goes to the work directory of each
// staging site with the first stage-in job, or with a stage-in job of its
// own when no input is staged; condorio ships it with every compute job.
func TestBraindumpStaging(t *testing.T) {
	fx, daxPath := setup(t, fan(2, ""), "")
	wd := "file://" + fx.Scratch + "/me/pegasus/fan/run0001"
	bd := func(p *planned) [2]string { return p.allTransfers(t, "stage_in_")["braindump.yml"] }
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none"})
	if got := bd(p); got != [2]string{"file://" + p.dir + "/braindump.yml", wd + "/braindump.yml"} {
		t.Fatalf("braindump transfer %v", got)
	}
	if got := p.names("stage_in_"); len(got) != 1 {
		t.Fatalf("stage-in jobs %v", got)
	}
	// No input to stage: a stage-in job of its own, after create-dir and
	// before the removal of the work directory.
	w := daxapi.New("gen")
	w.JobWithID("ID1", "t", "make", "1.0").Uses(w.File("f.out"), dax.LinkOutput)
	fx2, daxPath2 := setup(t, w, "")
	p = mustPlan(t, fx2, daxPath2, planner.Options{OutputSite: "local"})
	if got := p.names("stage_in_"); !reflect.DeepEqual(got, []string{"stage_in_local_local_0_0"}) {
		t.Fatalf("stage-in jobs %v", got)
	}
	if got := transfers(t, p.in(t, "stage_in_local_local_0_0")); len(got) != 1 || got["braindump.yml"][1] != "file://"+fx2.Scratch+"/me/pegasus/gen/run0001/braindump.yml" {
		t.Fatalf("transfers %v", got)
	}
	if !p.hasEdge("create_dir_gen_0_local", "stage_in_local_local_0_0") || !p.hasEdge("stage_in_local_local_0_0", "cleanup_gen_0_local") {
		t.Fatalf("edges %v", p.dag.Edges)
	}
	for _, n := range p.names("clean_up_") {
		if strings.Contains(p.in(t, n), "braindump.yml") {
			t.Errorf("%s deletes braindump.yml before the end", n)
		}
	}
	// condorio: in every compute job's transfer_input_files.
	p = mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none", Defines: []string{"pegasus.data.configuration=condorio"}, Dir: filepath.Join(t.TempDir(), "c")})
	for _, n := range []string{"split_ID0000001", "work_ID0000002", "join_ID0000004"} {
		if tif := p.sub(t, n)["transfer_input_files"]; !strings.HasSuffix(tif, ","+p.dir+"/braindump.yml") {
			t.Errorf("%s transfer_input_files %q", n, tif)
		}
	}
	// Off with pegasus.transfer.braindump=false.
	p = mustPlan(t, fx2, daxPath2, planner.Options{OutputSite: "local", Defines: []string{"pegasus.transfer.braindump=false"}, Dir: filepath.Join(t.TempDir(), "off")})
	if got := p.names("stage_in_"); len(got) != 0 {
		t.Fatalf("stage-in jobs without braindump staging: %v", got)
	}
}

// TestOutputBypass: with pegasus.transfer.bypass.output.staging the worker
// writes outputs straight to the output site; no stage-out job carries
// them, registration follows the producing job.
func TestOutputBypass(t *testing.T) {
	w := daxapi.New("ob")
	a := w.JobWithID("ID1", "t", "a", "1.0").Uses(w.File("f.in"), dax.LinkInput).UsesWith(w.File("f.mid"), dax.LinkOutput, false, dax.TransferFalse, false)
	w.JobWithID("ID2", "t", "b", "1.0").Uses(w.File("f.mid"), dax.LinkInput).Uses(w.File("f.out"), dax.LinkOutput).Depends(a)
	for _, dc := range []string{"condorio", "nonsharedfs"} {
		t.Run(dc, func(t *testing.T) {
			fx, daxPath := setup(t, w, "", "pegasus.data.configuration = "+dc, "pegasus.transfer.bypass.output.staging = true")
			p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none"})
			if got := p.names("stage_out_"); len(got) != 0 {
				t.Fatalf("stage-out jobs %v", got)
			}
			dst := fx.Storage + "/f.out"
			reg := p.names("register_")
			if len(reg) != 1 || !p.hasEdge("b_ID2", reg[0]) || p.in(t, reg[0]) != "f.out file://"+dst+" site=\"local\"\n" {
				t.Fatalf("registration %v", reg)
			}
			switch dc {
			case "condorio":
				sub := p.sub(t, "b_ID2")
				if sub["transfer_output_files"] != "f.out" || sub["transfer_output_remaps"] != `"f.out = `+dst+`"` {
					t.Fatalf("b: transfer_output_files %q remaps %q", sub["transfer_output_files"], sub["transfer_output_remaps"])
				}
			case "nonsharedfs":
				sh := p.read(t, "00/00/b_ID2.sh")
				if !strings.Contains(sh, `"url": "file://`+dst+`"`) {
					t.Fatalf("the wrapper does not write to the output site:\n%s", sh)
				}
			}
			// The cache gives the output site as the file's location.
			if c := p.read(t, p.out.Basename+".cache"); !strings.Contains(c, "f.out file://"+dst+" site=\"local\"\n") {
				t.Fatalf("cache:\n%s", c)
			}
			// Without bypass, a stage-out job.
			p = mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none", Dir: filepath.Join(t.TempDir(), "nb"),
				Defines: []string{"pegasus.transfer.bypass.output.staging=false"}})
			if got := p.names("stage_out_"); len(got) != 1 {
				t.Fatalf("stage-out jobs without bypass: %v", got)
			}
		})
	}
}

// TestNonSharedFSInputBypass: in nonsharedfs, PegasusLite reads a replica
// reachable from the worker (a URL, or a file on the execution site)
// directly; a file on another site is staged.
func TestNonSharedFSInputBypass(t *testing.T) {
	w := daxapi.New("ib")
	w.JobWithID("ID1", "t", "a", "1.0").Uses(w.File("f.web"), dax.LinkInput).Uses(w.File("f.in"), dax.LinkInput).Uses(w.File("f.out"), dax.LinkOutput)
	fx, daxPath := setup(t, w, threeSites, "pegasus.data.configuration = nonsharedfs", "pegasus.transfer.bypass.input.staging = true")
	retc(t, fx)
	rcb, _ := os.ReadFile(filepath.Join(fx.Root, "rc.txt"))
	os.WriteFile(filepath.Join(fx.Root, "rc.txt"), append(rcb, []byte("f.web http://data.example.org/f.web site=\"web\"\n")...), 0o644)
	p := mustPlan(t, fx, daxPath, planner.Options{Sites: []string{"condorpool"}, StagingSites: []string{"condorpool=staging"}, OutputSite: "local", Cleanup: "none"})
	ins := p.allTransfers(t, "stage_in_")
	if _, ok := ins["f.web"]; ok {
		t.Fatal("f.web is staged although the worker can fetch it")
	}
	if _, ok := ins["f.in"]; !ok {
		t.Fatal("f.in (a file on the submit host) is not staged")
	}
	sh := p.read(t, "00/00/a_ID1.sh")
	if !strings.Contains(sh, `"url": "http://data.example.org/f.web"`) || !strings.Contains(sh, `"url": "http://staging.example.org/staging/me/pegasus/ib/run0001/f.in"`) {
		t.Fatalf("wrapper:\n%s", sh)
	}
}

// TestCategoriesAndMaxJobs checks the default categories and MAXJOBS lines
// and their overrides.
func TestCategoriesAndMaxJobs(t *testing.T) {
	w := fan(2, "")
	fx, daxPath := setup(t, w, "", "dagman.stagein.maxjobs = 3", "dagman.bulk.maxjobs = 2")
	b, _ := os.ReadFile(daxPath)
	// A job profile puts the join job in its own category.
	b = bytes.Replace(b, []byte(`name="join" version="1.0">`), []byte(`name="join" version="1.0">`+"\n"+`<profile namespace="dagman" key="category">bulk</profile>`), 1)
	os.WriteFile(daxPath, b, 0o644)
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local"})
	dag := p.read(t, p.out.Basename+".dag")
	var maxjobs []string
	for _, l := range strings.Split(dag, "\n") {
		if strings.HasPrefix(l, "MAXJOBS ") {
			maxjobs = append(maxjobs, l)
		}
	}
	if want := []string{"MAXJOBS registration 1", "MAXJOBS stagein 3", "MAXJOBS cleanup 4", "MAXJOBS stageout 10", "MAXJOBS bulk 2"}; !reflect.DeepEqual(maxjobs, want) {
		t.Fatalf("MAXJOBS %v, want %v", maxjobs, want)
	}
	want := map[string]string{"stage_in_": "stagein", "stage_out_": "stageout", "register_": "registration", "clean_up_": "cleanup",
		"create_dir_": "", "cleanup_": "", "split_": "", "work_": "", "join_": "bulk"}
	for _, n := range p.dag.Nodes {
		found := false
		for pfx, cat := range want {
			if strings.HasPrefix(n.Name, pfx) {
				found = true
				if n.Category != cat {
					t.Errorf("%s: category %q, want %q", n.Name, n.Category, cat)
				}
			}
		}
		if !found {
			t.Errorf("unexpected node %s", n.Name)
		}
	}
}

// TestNotifications checks the .notify lines of every kind: workflow,
// job (with the executable's and the transformation's invokes), DAX and
// DAG jobs (only their own invokes), and the tasks of a clustered job.
func TestNotifications(t *testing.T) {
	w := daxapi.New("notes").Invoke("at_end", "/bin/wf-end").Invoke("start", "/bin/wf-start")
	w.AddExecutable("t", "a", "1.0", true).AddPFN("/bin/a", "local").Invoke("on_error", "/bin/exe-a-failed")
	w.Transformation("t", "a", "1.0").Invoke("start", "/bin/tr-a-start")
	a := w.JobWithID("ID1", "t", "a", "1.0").Uses(w.File("f.in"), dax.LinkInput).Uses(w.File("f.x"), dax.LinkOutput).Invoke("at_end", "/bin/a-end")
	b1 := w.JobWithID("ID2", "t", "b", "1.0").Uses(w.File("f.x"), dax.LinkInput).Uses(w.File("f.y"), dax.LinkOutput).Profile("pegasus", "label", "L").Invoke("on_success", "/bin/b1-ok").Depends(a)
	b2 := w.JobWithID("ID3", "t", "b", "1.0").Uses(w.File("f.y"), dax.LinkInput).Uses(w.File("f.z"), dax.LinkOutput).Profile("pegasus", "label", "L").Invoke("on_error", "/bin/b2-failed").Depends(b1)
	d := w.DAX("ID4", "sub.dax").Invoke("start", "/bin/sub-start").Depends(b2)
	w.DAG("ID5", "other.dag").Invoke("on_error", "/bin/dag-failed").Depends(d)
	fx, daxPath := setup(t, w, "")
	for _, f := range []string{"sub.dax", "other.dag"} {
		os.WriteFile(filepath.Join(fx.Root, f), []byte("x\n"), 0o644)
	}
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none", Cluster: []string{"label"}})
	got := p.read(t, p.out.Basename+".notify")
	uuid := testEnv("PEGASUS_WF_UUID")
	want := "WORKFLOW " + uuid + " start /bin/wf-start\n" +
		"WORKFLOW " + uuid + " at_end /bin/wf-end\n" +
		"\nJOB a_ID1 start /bin/tr-a-start\nJOB a_ID1 on_error /bin/exe-a-failed\nJOB a_ID1 at_end /bin/a-end\n" +
		"\nINVOCATION merge_t-b-1.0_L 1 on_success /bin/b1-ok\nINVOCATION merge_t-b-1.0_L 2 on_error /bin/b2-failed\n" +
		"\nDAXJOB pegasus-plan_ID4 start /bin/sub-start\n" +
		"\nDAGJOB subdag_other_ID5 on_error /bin/dag-failed\n"
	if got != want {
		t.Fatalf(".notify\n%s\nwant\n%s", got, want)
	}
	// monitord's reader takes every line.
	ns, err := ingest.ReadNotifyFile(filepath.Join(p.dir, p.out.Basename+".notify"))
	if err != nil || len(ns) != 9 || ns[5].Level != "INVOCATION" || ns[5].Task != 1 {
		t.Fatalf("ingest.ReadNotify: %v %+v", err, ns)
	}
}

// TestDataReuse: tasks whose outputs are all in the replica sources are
// removed, their consumers stage those files from the replicas; --force
// plans every task; a workflow whose outputs all exist is not planned.
func TestDataReuse(t *testing.T) {
	fx, daxPath := setup(t, fan(3, ""), "")
	rcb, _ := os.ReadFile(filepath.Join(fx.Root, "rc.txt"))
	var extra strings.Builder
	for i := 0; i < 3; i++ {
		for _, f := range []string{fmt.Sprintf("f.part%d", i), fmt.Sprintf("f.res%d", i)} {
			fmt.Fprintf(&extra, "%s file://%s/old/%s site=\"local\"\n", f, fx.Root, f)
		}
	}
	os.WriteFile(filepath.Join(fx.Root, "rc.txt"), append(rcb, extra.String()...), 0o644)
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none"})
	var compute []string
	for _, n := range p.dag.Nodes {
		if strings.Contains(n.Name, "_ID") {
			compute = append(compute, n.Name)
		}
	}
	if !reflect.DeepEqual(compute, []string{"join_ID0000005"}) {
		t.Fatalf("compute jobs %v, want only the join", compute)
	}
	ins := p.allTransfers(t, "stage_in_")
	for i := 0; i < 3; i++ {
		f := fmt.Sprintf("f.res%d", i)
		if ins[f][0] != "file://"+fx.Root+"/old/"+f {
			t.Errorf("%s staged from %q", f, ins[f][0])
		}
	}
	m := metrics(t, p)
	if m["deleted_tasks"] != 4 || m["compute_tasks"] != 5 || m["compute_jobs"] != 1 {
		t.Fatalf("metrics %v", m)
	}
	// The static events keep every task; only the join is mapped to a job.
	if len(p.static.tasks) != 5 || len(p.static.taskJob) != 1 {
		t.Fatalf("static.bp: %d tasks, %d mapped", len(p.static.tasks), len(p.static.taskJob))
	}
	// --force plans them all.
	p = mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none", Force: true, Dir: filepath.Join(t.TempDir(), "f")})
	if m := metrics(t, p); m["deleted_tasks"] != 0 || m["compute_jobs"] != 5 {
		t.Fatalf("--force metrics %v", m)
	}
	// Every output there: nothing to run, no submit directory.
	os.WriteFile(filepath.Join(fx.Root, "rc.txt"), append(rcb, []byte(extra.String()+"f.out file:///old/f.out site=\"local\"\n")...), 0o644)
	dir := filepath.Join(t.TempDir(), "all")
	out, err := planner.Plan(t.Context(), planner.Options{Conf: fx.Conf, DAX: daxPath, Dir: dir, OutputSite: "local", Getenv: testEnv, BinDir: "/opt/pegasus/bin"})
	if err != nil || !out.Empty {
		t.Fatalf("plan: %+v %v", out, err)
	}
	if _, err := os.Stat(out.SubmitDir); !os.IsNotExist(err) {
		t.Fatalf("a submit directory was written for an empty plan: %v", err)
	}
}

func metrics(t *testing.T, p *planned) map[string]float64 {
	t.Helper()
	var m struct {
		WfMetrics map[string]float64 `json:"wf_metrics"`
	}
	if err := json.Unmarshal([]byte(p.read(t, p.out.Basename+".metrics")), &m); err != nil {
		t.Fatal(err)
	}
	return m.WfMetrics
}

// TestOutputFiles checks the workflow-level files of a plan against the
// .dag and the DAX: .dot, .cache, .replica.store, the properties copy that
// braindump names, braindump.yml and braindump.txt, .metrics, the .notify
// that is always there, and the .in files of every job that has one.
func TestOutputFiles(t *testing.T) {
	w := fan(2, "")
	w.File("f.in").AddPFN("file:///elsewhere/f.in", "local")
	fx, daxPath := setup(t, w, "", "pegasus.dir.storage.deep = false")
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Defines: []string{"pegasus.gridstart.label=custom"},
		Args: "--conf c --dax wf.dax --output-site local"})
	base := p.out.Basename
	// .dot: one node per job with its type's color, one edge per .dag edge.
	colors := map[string]string{"create_dir_": "darkturquoise", "stage_in_": "gold", "stage_out_": "goldenrod", "register_": "orange",
		"clean_up_": "deepskyblue", "cleanup_": "deepskyblue", "split_": "blueviolet", "work_": "blueviolet", "join_": "blueviolet"}
	dot := p.read(t, base+".dot")
	if !strings.HasPrefix(dot, "digraph E {\nsize=\"8.0,10.0\"\nratio=fill\nnode [shape=ellipse]\nedge [arrowhead=normal, arrowsize=1.0]\n") || !strings.HasSuffix(dot, "\n}\n") {
		t.Fatalf(".dot frame:\n%s", dot)
	}
	for _, n := range p.dag.Nodes {
		c := ""
		for pfx, col := range colors {
			if strings.HasPrefix(n.Name, pfx) {
				c = col
			}
		}
		if l := fmt.Sprintf("\t%q [color=%s,style=filled,label=%q]\n", n.Name, c, n.Name); c == "" || !strings.Contains(dot, l) {
			t.Errorf(".dot lacks %q", l)
		}
	}
	if got := strings.Count(dot, " -> "); got != len(p.dag.Edges) {
		t.Errorf(".dot has %d edges, the .dag %d", got, len(p.dag.Edges))
	}
	for _, e := range p.dag.Edges {
		if !strings.Contains(dot, fmt.Sprintf("\t%q -> %q\n", e[0], e[1])) {
			t.Errorf(".dot lacks the edge %v", e)
		}
	}
	// .cache: every file the jobs write, where it is after the run.
	wd := "file://" + fx.Scratch + "/me/pegasus/fan/run0001"
	cache := strings.Split(strings.TrimSuffix(p.read(t, base+".cache"), "\n"), "\n")
	sort.Strings(cache)
	wantCache := []string{"f.out " + wd + "/f.out site=\"local\"", "f.part0 " + wd + "/f.part0 site=\"local\"", "f.part1 " + wd + "/f.part1 site=\"local\"",
		"f.res0 " + wd + "/f.res0 site=\"local\"", "f.res1 " + wd + "/f.res1 site=\"local\""}
	if !reflect.DeepEqual(cache, wantCache) {
		t.Errorf(".cache\n%s\nwant\n%s", strings.Join(cache, "\n"), strings.Join(wantCache, "\n"))
	}
	if got := p.read(t, base+".replica.store"); got != "f.in file:///elsewhere/f.in site=\"local\"\n" {
		t.Errorf(".replica.store %q", got)
	}
	// braindump: the same pairs in both files.
	txt := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(p.read(t, "braindump.txt"), "\n"), "\n") {
		k, v, _ := strings.Cut(l, " ")
		txt[k] = v
	}
	bd, err := ingest.ReadBraindumpDir(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	yml := bd.Values // braindump.yml, read by monitord's reader
	if len(txt) != len(yml) || len(txt) < 25 {
		t.Fatalf("braindump.txt has %d keys, braindump.yml %d", len(txt), len(yml))
	}
	for k, v := range txt {
		// As 5.0.5: planner_arguments is quoted in both files; grid_dn is
		// the YAML null.
		if yml[k] != v && !(k == "grid_dn" && yml[k] == "") {
			t.Errorf("braindump %s: txt %q, yml %q", k, v, yml[k])
		}
	}
	if bd.WfUUID() != testEnv("PEGASUS_WF_UUID") || txt["submit_dir"] != p.dir || txt["dag"] != base+".dag" || txt["planner_arguments"] != `"--conf c --dax wf.dax --output-site local"` {
		t.Errorf("braindump %+v", txt)
	}
	// The properties copy braindump names: the effective properties, -D included.
	props := p.read(t, txt["properties"])
	for _, kv := range []string{"pegasus.gridstart.label=custom\n", "pegasus.catalog.replica.file=" + filepath.Join(fx.Root, "rc.txt") + "\n", "pegasus.data.configuration=sharedfs\n"} {
		if !strings.Contains(props, kv) {
			t.Errorf("%s lacks %q:\n%s", txt["properties"], kv, props)
		}
	}
	if !regexp.MustCompile(`^pegasus\.\d+\.properties$`).MatchString(txt["properties"]) {
		t.Errorf("properties file name %q", txt["properties"])
	}
	// The registration job and the sub-workflow planner read that copy.
	reg := p.sub(t, p.names("register_")[0])
	if !strings.Contains(reg["arguments"], "--conf "+filepath.Join(p.dir, txt["properties"])+" --insert ") {
		t.Errorf("registration arguments %s", reg["arguments"])
	}
	// The gridstart label is the -L of every kickstart line.
	if a := p.sub(t, "split_ID0000001")["arguments"]; !strings.Contains(a, " -L custom -T ") {
		t.Errorf("arguments %s", a)
	}
	// .metrics: JSON whose job counts are those of the .dag.
	m := metrics(t, p)
	count := map[string]int{}
	for _, n := range p.dag.Nodes {
		count[strings.SplitN(n.Name, "_", 2)[0]]++
	}
	if int(m["total_jobs"]) != len(p.dag.Nodes) || int(m["si_tx_jobs"]) != count["stage"]-int(m["so_tx_jobs"]) || int(m["reg_jobs"]) != count["register"] ||
		int(m["cleanup_jobs"]) != count["clean"]+count["cleanup"] || int(m["create_dir_jobs"]) != count["create"] || m["compute_jobs"] != 4 || m["dax_input_files"] != 1 {
		t.Errorf("metrics %v vs nodes %v", m, count)
	}
	// .notify exists even without notifications; the .condor.sub runs the DAG.
	if got := p.read(t, base+".notify"); got != "" {
		t.Errorf(".notify %q", got)
	}
	if cs := p.read(t, base+".dag.condor.sub"); !strings.Contains(cs, "-Dag "+base+".dag") {
		t.Errorf(".condor.sub:\n%s", cs)
	}
	// Every job reading a generated stdin has its .in file, named in its .sub.
	for _, n := range p.dag.Nodes {
		sub := p.sub(t, n.Name)
		if in, ok := sub["input"]; ok {
			if _, err := os.Stat(in); err != nil || !strings.HasPrefix(in, p.dir+"/") {
				t.Errorf("%s: input %s: %v", n.Name, in, err)
			}
		}
	}
}

// TestDeterministicConfigurations plans one workflow with every feature
// twice per configuration, with the uuid and the time pinned: every file
// is byte-identical. Without pinning, the files differ only in the uuid,
// the timestamps and the properties file name.
func TestDeterministicConfigurations(t *testing.T) {
	w := fan(40, "")
	w.DAX("ID0000100", "sub.dax").AddArguments("--force")
	w.File("f.in").AddPFN("file:///elsewhere/f.in", "local")
	for _, dc := range []string{"sharedfs", "nonsharedfs", "condorio"} {
		t.Run(dc, func(t *testing.T) {
			fx, daxPath := setup(t, w, "", "pegasus.data.configuration = "+dc, "pegasus.clusters.size = 3", "pegasus.transfer.worker.package = true")
			os.WriteFile(filepath.Join(fx.Root, "sub.dax"), []byte("x\n"), 0o644)
			plan := func(dir string, getenv func(string) string) map[string]string {
				out, err := planner.Plan(t.Context(), planner.Options{Conf: fx.Conf, DAX: daxPath, Dir: dir, RelativeDir: "run", OutputSite: "local",
					Cluster: []string{"horizontal"}, Getenv: getenv, BinDir: "/opt/pegasus/bin"})
				if err != nil {
					t.Fatal(err)
				}
				return snapshot(t, out.SubmitDir)
			}
			a := plan(filepath.Join(fx.Root, "a"), testEnv)
			b := plan(filepath.Join(fx.Root, "a2"), testEnv)
			// The submit directories differ in name: compare with it replaced.
			for k := range b {
				b[k] = strings.ReplaceAll(b[k], filepath.Join(fx.Root, "a2"), filepath.Join(fx.Root, "a"))
			}
			if !reflect.DeepEqual(keys(a), keys(b)) {
				t.Fatalf("file sets differ")
			}
			for k := range a {
				if a[k] != b[k] {
					t.Errorf("%s differs between two pinned plans", k)
				}
			}
			// Unpinned: a fresh uuid and the clock.
			free := func(k string) string {
				if k == "PEGASUS_WF_UUID" || k == "SOURCE_DATE_EPOCH" {
					return ""
				}
				return testEnv(k)
			}
			c := plan(filepath.Join(fx.Root, "a3"), free)
			var bd map[string]string
			for k, v := range c {
				if k == "braindump.txt" {
					bd = map[string]string{}
					for _, l := range strings.Split(v, "\n") {
						kk, vv, _ := strings.Cut(l, " ")
						bd[kk] = vv
					}
				}
			}
			uuid := bd["wf_uuid"]
			if uuid == testEnv("PEGASUS_WF_UUID") || len(uuid) != 36 {
				t.Fatalf("uuid %q", uuid)
			}
			norm := func(m map[string]string, uuid, props, t0 string) map[string]string {
				out := map[string]string{}
				re := regexp.MustCompile(`\d{8}T\d{6}[+-]\d{4}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)|"(start|end)_time": [0-9.]+|"duration": [0-9.]+`)
				for k, v := range m {
					v = strings.ReplaceAll(v, uuid, "UUID")
					v = strings.ReplaceAll(v, props, "PROPS")
					v = strings.ReplaceAll(v, filepath.Join(fx.Root, t0), filepath.Join(fx.Root, "a"))
					v = re.ReplaceAllString(v, "TIME")
					out[strings.ReplaceAll(k, props, "PROPS")] = v
				}
				return out
			}
			na := norm(a, testEnv("PEGASUS_WF_UUID"), propsName(a), "a")
			nc := norm(c, uuid, propsName(c), "a3")
			if !reflect.DeepEqual(keys(na), keys(nc)) {
				t.Fatalf("file sets differ: %v\n%v", keys(na), keys(nc))
			}
			for k := range na {
				if na[k] != nc[k] {
					t.Errorf("%s differs beyond the uuid and the time:\n%s", k, firstDiff(na[k], nc[k]))
				}
			}
		})
	}
}

func propsName(m map[string]string) string {
	for k := range m {
		if strings.HasPrefix(k, "pegasus.") && strings.HasSuffix(k, ".properties") {
			return k
		}
	}
	return "\x00"
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d vs %d lines", len(la), len(lb))
}

func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			m[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOutputStorage: outputs go to the output site's shared-storage
// directory when it has one, else its local-storage directory; --output-dir
// replaces the directory.
func TestOutputStorage(t *testing.T) {
	w := daxapi.New("os")
	w.JobWithID("ID1", "t", "a", "1.0").Uses(w.File("f.in"), dax.LinkInput).Uses(w.File("f.out"), dax.LinkOutput)
	const sites = `<?xml version="1.0" encoding="UTF-8"?>
<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="4.0">
  <site handle="local" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="%[1]s/scratch"><file-server operation="all" url="file://%[1]s/scratch"/></directory>
    <directory type="local-storage" path="%[1]s/local-out"><file-server operation="all" url="file://%[1]s/local-out"/></directory>
    %[2]s
  </site>
</sitecatalog>
`
	shared := `<directory type="shared-storage" path="%[1]s/shared-out"><file-server operation="all" url="file://%[1]s/shared-out"/></directory>`
	for _, tc := range []struct {
		name, extra, outputDir, want string
	}{
		{"shared-storage", shared, "", "shared-out"},
		{"local-storage", "", "", "local-out"},
		{"output-dir", shared, "elsewhere", "elsewhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx, daxPath := setup(t, w, "")
			if err := os.WriteFile(filepath.Join(fx.Root, "sites.xml"), []byte(fmt.Sprintf(strings.Replace(sites, "%[2]s", tc.extra, 1), fx.Root)), 0o644); err != nil {
				t.Fatal(err)
			}
			o := planner.Options{OutputSite: "local", Cleanup: "none"}
			want := filepath.Join(fx.Root, tc.want)
			if tc.outputDir != "" {
				o.OutputDir = want
			}
			p := mustPlan(t, fx, daxPath, o)
			outs := p.names("stage_out_")
			if len(outs) != 1 {
				t.Fatalf("stage-out jobs %v", outs)
			}
			var entries []struct {
				LFN  string `json:"lfn"`
				Dest []struct {
					URL string `json:"url"`
				} `json:"dest_urls"`
			}
			if err := json.Unmarshal([]byte(p.in(t, outs[0])), &entries); err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].LFN != "f.out" || len(entries[0].Dest) != 1 || entries[0].Dest[0].URL != "file://"+want+"/f.out" {
				t.Fatalf("stage-out entries %+v, want f.out to file://%s/f.out", entries, want)
			}
		})
	}
}
