package planner_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/internal/fixture"
	"github.com/pegasus-go/pegasus/planner/refine"
)

const testUUID = "11111111-2222-4333-8444-555555555555"

func env(extra map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		switch k {
		case "USER":
			return "me"
		case "PEGASUS_WF_UUID":
			return testUUID
		case "SOURCE_DATE_EPOCH":
			return "1314032400"
		}
		return ""
	}
}

func plan(t *testing.T, o planner.Options) *planner.Outcome {
	t.Helper()
	if o.Getenv == nil {
		o.Getenv = env(nil)
	}
	if o.BinDir == "" {
		o.BinDir = "/opt/pegasus-go/bin"
	}
	out, err := planner.Plan(context.Background(), o)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return out
}

// dagFile is the part of a .dag the tests look at.
type dagFile struct {
	nodes    []string
	submit   map[string]string
	priority map[string]string
	category map[string]string
	edges    [][2]string
}

func readDAG(t *testing.T, path string) *dagFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := &dagFile{submit: map[string]string{}, priority: map[string]string{}, category: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) == 0 || strings.HasPrefix(fl[0], "#") {
			continue
		}
		switch fl[0] {
		case "JOB":
			d.nodes = append(d.nodes, fl[1])
			d.submit[fl[1]] = fl[2]
		case "SUBDAG":
			d.nodes = append(d.nodes, fl[2])
			d.submit[fl[2]] = fl[3]
		case "PRIORITY":
			d.priority[fl[1]] = fl[2]
		case "CATEGORY":
			d.category[fl[1]] = fl[2]
		case "PARENT":
			d.edges = append(d.edges, [2]string{fl[1], fl[3]})
		}
	}
	return d
}

// bpEvent is one line of a BP file parsed with the FORMATS.md §3.1 grammar.
type bpEvent map[string]string

var bpField = regexp.MustCompile(`^([0-9A-Za-z_.-]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)(?:\s+|$)`)

func readBP(t *testing.T, path string) []bpEvent {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []bpEvent
	for n, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		ev := bpEvent{}
		rest := line
		for rest != "" {
			m := bpField.FindStringSubmatch(rest)
			if m == nil {
				t.Fatalf("%s:%d: not BP syntax at %q", path, n+1, rest)
			}
			v := m[2]
			if strings.HasPrefix(v, `"`) {
				v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
			}
			ev[m[1]] = v
			rest = rest[len(m[0]):]
		}
		if ev["ts"] == "" || ev["event"] == "" || ev["xwf.id"] != testUUID {
			t.Fatalf("%s:%d: missing ts/event/xwf.id: %q", path, n+1, line)
		}
		if !strings.HasPrefix(line, "ts="+ev["ts"]+" event="+ev["event"]+" ") {
			t.Fatalf("%s:%d: ts and event must come first", path, n+1)
		}
		out = append(out, ev)
	}
	return out
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func chdir(t *testing.T, dir string) {
	t.Helper()
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
}

// TestWalkthrough plans the black diamond of PLANNER.md §6 and checks the
// exact node set, types, priorities and edges (Tentacles create-dir edges).
func TestWalkthrough(t *testing.T) {
	dir := copyDir(t, filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond"))
	chdir(t, dir)
	out := plan(t, planner.Options{
		Conf: "pegasus.properties", DAX: "blackdiamond.dax", Dir: "submit", Sites: []string{"local"},
		OutputSite: "local", Cleanup: "none", Defines: []string{"pegasus.dir.create.strategy=Tentacles"},
		Args: "--conf pegasus.properties --dax blackdiamond.dax --dir submit --sites local --output-site local --cleanup none",
	})
	want := filepath.Join(dir, "submit", "me", "pegasus", "blackdiamond", "run0001")
	if out.SubmitDir != want {
		t.Fatalf("submit dir %s, want %s", out.SubmitDir, want)
	}
	d := readDAG(t, filepath.Join(want, "blackdiamond-0.dag"))
	nodes := append([]string(nil), d.nodes...)
	sort.Strings(nodes)
	wantNodes := []string{"analyze_ID0000004", "create_dir_blackdiamond_0_local", "findrange_ID0000002", "findrange_ID0000003",
		"preprocess_ID0000001", "register_local_2_0", "stage_in_local_local_0_0", "stage_out_local_local_2_0"}
	if !reflect.DeepEqual(nodes, wantNodes) {
		t.Fatalf("nodes %v\nwant %v", nodes, wantNodes)
	}
	var edges []string
	for _, e := range d.edges {
		edges = append(edges, e[0]+" -> "+e[1])
	}
	sort.Strings(edges)
	wantEdges := []string{
		"analyze_ID0000004 -> stage_out_local_local_2_0",
		"create_dir_blackdiamond_0_local -> analyze_ID0000004",
		"create_dir_blackdiamond_0_local -> findrange_ID0000002",
		"create_dir_blackdiamond_0_local -> findrange_ID0000003",
		"create_dir_blackdiamond_0_local -> preprocess_ID0000001",
		"create_dir_blackdiamond_0_local -> stage_in_local_local_0_0",
		"findrange_ID0000002 -> analyze_ID0000004",
		"findrange_ID0000003 -> analyze_ID0000004",
		"preprocess_ID0000001 -> findrange_ID0000002",
		"preprocess_ID0000001 -> findrange_ID0000003",
		"stage_in_local_local_0_0 -> preprocess_ID0000001",
		"stage_out_local_local_2_0 -> register_local_2_0",
	}
	if !reflect.DeepEqual(edges, wantEdges) {
		t.Fatalf("edges\n%s\nwant\n%s", strings.Join(edges, "\n"), strings.Join(wantEdges, "\n"))
	}
	wantPrio := map[string]string{"create_dir_blackdiamond_0_local": "800", "stage_in_local_local_0_0": "700", "preprocess_ID0000001": "20",
		"findrange_ID0000002": "30", "findrange_ID0000003": "30", "analyze_ID0000004": "40", "stage_out_local_local_2_0": "900",
		"register_local_2_0": "60"}
	if !reflect.DeepEqual(d.priority, wantPrio) {
		t.Errorf("priorities %v\nwant %v", d.priority, wantPrio)
	}
	wantCat := map[string]string{"stage_in_local_local_0_0": "stagein", "stage_out_local_local_2_0": "stageout", "register_local_2_0": "registration"}
	if !reflect.DeepEqual(d.category, wantCat) {
		t.Errorf("categories %v, want %v", d.category, wantCat)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(want, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read("00/00/register_local_2_0.in"); got != "f.d file:///home/me/outputs/f.d site=\"local\"\n" {
		t.Errorf("register .in = %q", got)
	}
	if got := read("blackdiamond-0.notify"); got != "WORKFLOW "+testUUID+" at_end /opt/pegasus/libexec/notification/email -t me@example.org\n" {
		t.Errorf("notify = %q", got)
	}
	if got := read("blackdiamond-0.replica.store"); got != "f.a file:///home/me/diamond/f.a site=\"local\"\n" {
		t.Errorf("replica.store = %q", got)
	}
	sub := read("00/00/preprocess_ID0000001.sub")
	for _, l := range []string{
		`arguments = "-n diamond::preprocess:4.0 -N ID0000001 -R local -L blackdiamond -T `,
		"executable = /opt/pegasus/bin/pegasus-kickstart\n",
		"initialdir = /home/me/work/me/pegasus/blackdiamond/run0001\n",
		"universe = local\n", "priority = 20\n", "+pegasus_job_class = 1\n", `+pegasus_wf_dax_job_id = "ID0000001"`,
		" /opt/pegasus/bin/pegasus-keg -a preprocess -T 60 -i f.a -o f.b1 f.b2\"\n",
	} {
		if !strings.Contains(sub, l) {
			t.Errorf("preprocess .sub lacks %q:\n%s", l, sub)
		}
	}
	in := read("00/00/stage_in_local_local_0_0.in")
	if !strings.Contains(in, `"url": "file:///home/me/diamond/f.a"`) || !strings.Contains(in, `"url": "file:///home/me/work/me/pegasus/blackdiamond/run0001/f.a"`) {
		t.Errorf("stage-in .in:\n%s", in)
	}
	// static.bp: 4 task.info, 4 task.edge, 8 job.info, 4 wf.map.task_job, 12 job.edge.
	count := map[string]int{}
	var order []string
	for _, ev := range readBP(t, filepath.Join(want, "blackdiamond-0.static.bp")) {
		if count[ev["event"]] == 0 {
			order = append(order, ev["event"])
		}
		count[ev["event"]]++
		if ev["event"] == "job.info" {
			if ev["max_retries"] != "1" || ev["submit_file"] != "00/00/"+ev["job.id"]+".sub" {
				t.Errorf("job.info %v", ev)
			}
			if strings.HasSuffix(ev["job.id"], "_ID0000001") && ev["task_count"] != "1" {
				t.Errorf("job.info %v", ev)
			}
		}
	}
	wantCount := map[string]int{"task.info": 4, "task.edge": 4, "job.info": 8, "wf.map.task_job": 4, "job.edge": 12}
	if !reflect.DeepEqual(count, wantCount) {
		t.Errorf("static.bp events %v, want %v", count, wantCount)
	}
	if !reflect.DeepEqual(order, []string{"task.info", "task.edge", "job.info", "wf.map.task_job", "job.edge"}) {
		t.Errorf("static.bp event order %v", order)
	}
	metrics := read("blackdiamond-0.metrics")
	for _, kv := range []string{`"compute_tasks": 4`, `"total_tasks": 4`, `"create_dir_jobs": 1`, `"compute_jobs": 4`, `"si_tx_jobs": 1`, `"so_tx_jobs": 1`, `"reg_jobs": 1`, `"cleanup_jobs": 0`, `"total_jobs": 8`, `"data_config": "sharedfs"`} {
		if !strings.Contains(metrics, kv) {
			t.Errorf("metrics lack %s:\n%s", kv, metrics)
		}
	}
	bd := read("braindump.yml")
	for _, kv := range []string{`dax_label: "blackdiamond"`, `dag: "blackdiamond-0.dag"`, `wf_uuid: "` + testUUID + `"`, `rundir: "run0001"`, `notify: "blackdiamond-0.notify"`} {
		if !strings.Contains(bd, kv) {
			t.Errorf("braindump.yml lacks %s", kv)
		}
	}
	if !strings.Contains(read("braindump.txt"), "dax_label blackdiamond\n") {
		t.Error("braindump.txt lacks dax_label")
	}
}

// TestWalkthroughMinimal checks the default (Minimal) create-dir edges.
func TestWalkthroughMinimal(t *testing.T) {
	dir := copyDir(t, filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond"))
	chdir(t, dir)
	out := plan(t, planner.Options{Conf: "pegasus.properties", DAX: "blackdiamond.dax", Dir: "submit", OutputSite: "local", Cleanup: "none"})
	d := readDAG(t, filepath.Join(out.SubmitDir, "blackdiamond-0.dag"))
	n := 0
	for _, e := range d.edges {
		if strings.HasPrefix(e[0], "create_dir") {
			n++
			if e[1] != "stage_in_local_local_0_0" {
				t.Errorf("Minimal create-dir edge to %s", e[1])
			}
		}
	}
	if n != 1 || len(d.edges) != 8 {
		t.Errorf("%d create-dir edges, %d edges; want 1 and 8", n, len(d.edges))
	}
}

// TestDeterministic plans twice with pinned uuid and time and compares every file.
func TestDeterministic(t *testing.T) {
	dir := copyDir(t, filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond"))
	chdir(t, dir)
	o := planner.Options{Conf: "pegasus.properties", DAX: "blackdiamond.dax", Dir: "submit", OutputSite: "local", RelativeDir: "run"}
	first := plan(t, o)
	if err := os.Rename(first.SubmitDir, filepath.Join(dir, "first")); err != nil {
		t.Fatal(err)
	}
	second := plan(t, o)
	a := snapshot(t, filepath.Join(dir, "first"))
	b := snapshot(t, second.SubmitDir)
	if !reflect.DeepEqual(keys(a), keys(b)) {
		t.Fatalf("file sets differ: %v vs %v", keys(a), keys(b))
	}
	for k := range a {
		if a[k] != b[k] {
			t.Errorf("%s differs between two identical plans", k)
		}
	}
}

func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			m[rel] = string(b)
		}
		return nil
	})
	return m
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBadInput checks clear errors and an untouched --dir.
func TestBadInput(t *testing.T) {
	base := filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond")
	orig, err := os.ReadFile(filepath.Join(base, "blackdiamond.dax"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		edit    func(dir string)
		opts    func(o *planner.Options)
		wantErr error
		wantMsg string
	}{
		{name: "malformed-xml", edit: func(dir string) {
			s := strings.Replace(string(orig), `<uses name="f.a"  link="input"/>`, `<uses name="f.a"  link="input">`, 1)
			os.WriteFile(filepath.Join(dir, "blackdiamond.dax"), []byte(s), 0o644)
		}, wantErr: dax.ErrSyntax, wantMsg: "blackdiamond.dax:"},
		{name: "undefined-transformation", edit: func(dir string) {
			s := strings.Replace(string(orig), `name="analyze" version="4.0">`+"\n    <argument>", `name="nosuch" version="4.0">`+"\n    <argument>", 1)
			os.WriteFile(filepath.Join(dir, "blackdiamond.dax"), []byte(s), 0o644)
		}, wantErr: refine.ErrNoTransformation, wantMsg: "blackdiamond.dax:28:"},
		{name: "cycle", edit: func(dir string) {
			s := strings.Replace(string(orig), `<child ref="ID0000002"><parent ref="ID0000001"/></child>`, `<child ref="ID0000002"><parent ref="ID0000001"/><parent ref="ID0000004"/></child>`, 1)
			os.WriteFile(filepath.Join(dir, "blackdiamond.dax"), []byte(s), 0o644)
		}, wantErr: dax.ErrCycle, wantMsg: "blackdiamond.dax:"},
		{name: "missing-site", opts: func(o *planner.Options) { o.Sites = []string{"nosuch"} }, wantErr: refine.ErrNoSite, wantMsg: "nosuch"},
		{name: "replica-without-site", edit: func(dir string) {
			os.WriteFile(filepath.Join(dir, "rc.data"), []byte("f.q file:///x/f.q\n"), 0o644)
		}, wantErr: refine.ErrReplicaSite, wantMsg: "rc.data:1:"},
		{name: "replica-on-unknown-site", edit: func(dir string) {
			s := strings.Replace(string(orig), `site="local"/></file>`, `site="elsewhere"/></file>`, 1)
			os.WriteFile(filepath.Join(dir, "blackdiamond.dax"), []byte(s), 0o644)
		}, wantErr: refine.ErrReplicaSite, wantMsg: "elsewhere"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			chdir(t, dir)
			if tc.edit != nil {
				tc.edit(dir)
			}
			o := planner.Options{Conf: "pegasus.properties", DAX: "blackdiamond.dax", Dir: "submit", OutputSite: "local", Getenv: env(nil)}
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := planner.Plan(context.Background(), o)
			if err == nil {
				t.Fatal("plan succeeded")
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("error %q, want %v containing %q", err, tc.wantErr, tc.wantMsg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			var files []string
			filepath.WalkDir(filepath.Join(dir, "submit"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					files = append(files, p)
				}
				return nil
			})
			// Only the metrics of the failed plan may remain (when the
			// submit directory was known by then).
			for _, f := range files {
				if filepath.Base(f) != "blackdiamond-0.metrics" {
					t.Errorf("failed plan left %s", f)
					continue
				}
				m, _ := os.ReadFile(f)
				for _, kv := range []string{`"type": "error"`, `"exitcode": 1`, `"compute_tasks": 4`, `"total_jobs": 0`, `"error": `} {
					if !strings.Contains(string(m), kv) {
						t.Errorf("error metrics lack %s:\n%s", kv, m)
					}
				}
				if !strings.Contains(string(m), strings.ReplaceAll(tc.wantMsg, `"`, `\"`)) {
					t.Errorf("error metrics do not give the error %q:\n%s", tc.wantMsg, m)
				}
			}
		})
	}
}

// TestSampleDAXesPlan plans every sample DAX with generated catalogs in each
// data configuration and checks the structure the plan needs.
func TestSampleDAXesPlan(t *testing.T) {
	daxes, _ := filepath.Glob(filepath.Join(testutil.SamplesDir(t), "dax", "*.dax"))
	if len(daxes) == 0 {
		t.Fatal("no sample DAX")
	}
	for _, p := range daxes {
		for _, dc := range []string{"sharedfs", "nonsharedfs", "condorio"} {
			t.Run(filepath.Base(p)+"/"+dc, func(t *testing.T) {
				fx := fixture.Build(t, p, "pegasus.data.configuration = "+dc)
				out := plan(t, planner.Options{Conf: fx.Conf, DAX: p, Dir: filepath.Join(fx.Root, "submit"), OutputSite: "local", Force: true})
				wf, _ := dax.ParseFile(p)
				d := readDAG(t, filepath.Join(out.SubmitDir, out.Basename+".dag"))
				CheckPlan(t, wf, fx, out, d.nodes, d.edges, d.submit)
			})
		}
	}
}

var _ = time.Second

// TestReplanAfterFailure: the error metrics of a failed plan do not block a
// new plan into the same directory.
func TestReplanAfterFailure(t *testing.T) {
	dir := copyDir(t, filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond"))
	chdir(t, dir)
	o := planner.Options{Conf: "pegasus.properties", DAX: "blackdiamond.dax", Dir: "submit", RelativeDir: "r", OutputSite: "local",
		Sites: []string{"nowhere"}, Getenv: env(nil)}
	if _, err := planner.Plan(context.Background(), o); !errors.Is(err, refine.ErrNoSite) {
		t.Fatalf("err = %v", err)
	}
	m, err := os.ReadFile(filepath.Join(dir, "submit", "r", "blackdiamond-0.metrics"))
	if err != nil || !strings.Contains(string(m), `"type": "error"`) || !strings.Contains(string(m), "execution site nowhere") {
		t.Fatalf("error metrics: %v\n%s", err, m)
	}
	o.Sites = []string{"local"}
	plan(t, o)
	m, _ = os.ReadFile(filepath.Join(dir, "submit", "r", "blackdiamond-0.metrics"))
	if !strings.Contains(string(m), `"type": "metrics"`) {
		t.Fatalf("metrics after the re-plan:\n%s", m)
	}
	// Planning into a complete plan is refused and leaves it alone.
	if _, err := planner.Plan(context.Background(), o); !errors.Is(err, planner.ErrSubmitDir) {
		t.Fatalf("plan over a plan: %v", err)
	}
	m2, _ := os.ReadFile(filepath.Join(dir, "submit", "r", "blackdiamond-0.metrics"))
	if string(m2) != string(m) {
		t.Fatalf("a refused plan changed the metrics:\n%s", m2)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "submit", ".r.tmp-*")); len(left) > 0 {
		t.Fatalf("temporary directories left: %v", left)
	}
}

// TestDeferredReplan: a sub-workflow re-planned by its PRE script moves the
// previous plan aside to <dir>.000, .001, ...
func TestDeferredReplan(t *testing.T) {
	dir := copyDir(t, filepath.Join(testutil.RepoRoot(t), "testdata", "planner", "blackdiamond"))
	chdir(t, dir)
	o := planner.Options{Conf: "pegasus.properties", DAX: "blackdiamond.dax", Dir: "submit", RelativeSubmitDir: "sub", OutputSite: "local",
		Deferred: true, Getenv: env(nil)}
	for i := 0; i < 3; i++ {
		plan(t, o)
	}
	for _, d := range []string{"sub", "sub.000", "sub.001"} {
		if _, err := os.Stat(filepath.Join(dir, "submit", d, "blackdiamond-0.dag")); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "submit", "sub.002")); err == nil {
		t.Error("sub.002 exists after three plans")
	}
}
