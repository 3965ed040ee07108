package planner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
)

// TestYAMLProcessSample plans the 5.0 YAML workflow and catalogs of the
// process sample and compares the nodes and edges with the .dag the real
// Pegasus 5.0.5 planner wrote for them.
func TestYAMLProcessSample(t *testing.T) {
	sample := testutil.Sample(t, "process_wf_success")
	dir := t.TempDir()
	props := "pegasus.catalog.site.file = " + filepath.Join(sample, "catalogs", "sites.yml") + "\n" +
		"pegasus.catalog.transformation.file = " + filepath.Join(sample, "catalogs", "transformations.yml") + "\n" +
		"pegasus.catalog.replica.file = " + filepath.Join(dir, "rc.txt") + "\n" +
		"pegasus.data.configuration = condorio\n"
	os.WriteFile(filepath.Join(dir, "pegasus.properties"), []byte(props), 0o644)
	os.WriteFile(filepath.Join(dir, "rc.txt"), nil, 0o644)
	out := plan(t, planner.Options{Conf: filepath.Join(dir, "pegasus.properties"), DAX: filepath.Join(sample, "workflow.yml"),
		Dir: filepath.Join(dir, "submit"), Sites: []string{"condorpool"}, OutputSite: "local"})
	got := readDAG(t, filepath.Join(out.SubmitDir, "process-0.dag"))
	// The real planner adds no in-place cleanup job for this one-job
	// condorio workflow (only the final removal of the work directory);
	// ours deletes the staged-out file after its stage-out. Compare the rest.
	var kept []string
	for _, n := range got.nodes {
		if !strings.HasPrefix(n, "clean_up_") {
			kept = append(kept, n)
		}
	}
	got.nodes = kept
	var keptEdges [][2]string
	for _, e := range got.edges {
		if !strings.HasPrefix(e[0], "clean_up_") && !strings.HasPrefix(e[1], "clean_up_") {
			keptEdges = append(keptEdges, e)
		}
	}
	got.edges = keptEdges
	want := readDAG(t, filepath.Join(sample, "process-0.dag"))
	sortStrings := func(s []string) []string { s = append([]string(nil), s...); sort.Strings(s); return s }
	if !reflect.DeepEqual(sortStrings(got.nodes), sortStrings(want.nodes)) {
		t.Fatalf("nodes %v\nreal planner %v", got.nodes, want.nodes)
	}
	edgeSet := func(es [][2]string) []string {
		var out []string
		for _, e := range es {
			out = append(out, e[0]+" -> "+e[1])
		}
		sort.Strings(out)
		return out
	}
	if g, w := edgeSet(got.edges), edgeSet(want.edges); !reflect.DeepEqual(g, w) {
		t.Fatalf("edges\n%s\nreal planner\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	for n, p := range want.priority {
		if got.priority[n] != p {
			t.Errorf("priority of %s: %s, real planner %s", n, got.priority[n], p)
		}
	}
	// The node blocks (POST script line with its spacing, PRIORITY, RETRY,
	// CATEGORY, VARS) are the real planner's, up to the bin directory.
	gotBlocks := nodeBlocks(t, filepath.Join(out.SubmitDir, "process-0.dag"))
	for n, w := range nodeBlocks(t, filepath.Join(sample, "process-0.dag")) {
		if g := gotBlocks[n]; g != w {
			t.Errorf("node %s:\n%s\nreal planner:\n%s", n, g, w)
		}
	}
	sub, _ := os.ReadFile(filepath.Join(out.SubmitDir, "00", "00", "ls_ID0000001.sub"))
	for _, l := range []string{`+pegasus_site = "condorpool"`, "universe = vanilla", "transfer_output_files = listing.txt"} {
		if !strings.Contains(string(sub), l) {
			t.Errorf("ls .sub lacks %q", l)
		}
	}
	bp := readBP(t, filepath.Join(out.SubmitDir, "process-0.static.bp"))
	api := ""
	for _, ev := range bp {
		if ev["event"] == "xwf.meta" && ev["key"] == "wf.api" {
			api = ev["value"]
		}
	}
	if api != "python" {
		t.Errorf("wf.api %q, want python (x-pegasus apiLang)", api)
	}
}

// nodeBlocks returns the lines of each node's block of a .dag after the JOB
// line, with the directory of pegasus-exitcode replaced by <B>.
func nodeBlocks(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 2 && f[0] == "SCRIPT":
			i := strings.Index(l, "/pegasus-exitcode")
			k := strings.LastIndexByte(l[:max(i, 0)], ' ')
			if i > 0 && k > 0 {
				l = l[:k+1] + "<B>" + l[i:]
			}
			out[f[2]] += l + "\n"
		case len(f) > 2 && (f[0] == "PRIORITY" || f[0] == "RETRY" || f[0] == "CATEGORY" || f[0] == "VARS"):
			out[f[1]] += l + "\n"
		}
	}
	return out
}

func TestYAMLHierarchicalSample(t *testing.T) {
	sample := testutil.Sample(t, "hierarchical_wf_success")
	data, err := os.ReadFile(filepath.Join(sample, "workflow.yml"))
	if err != nil {
		t.Fatal(err)
	}
	wf := parseYAMLWorkflow(t, data)
	if wf.Name != "hierarchical-workflow" || len(wf.Jobs) != 3 {
		t.Fatalf("workflow %s with %d jobs", wf.Name, len(wf.Jobs))
	}
	sub := wf.Jobs[1]
	if sub.Kind != dax.DAXTask || sub.ID != "diamond_subworkflow" || sub.File != "inner_diamond_workflow.yml" ||
		sub.Argument != "--conf inner_diamond_workflow.pegasus.properties --output-sites local -vvv --basename inner" {
		t.Fatalf("sub-workflow job %+v", sub)
	}
	curl := wf.Jobs[0]
	if curl.Argument != "-o pegasus.html http://pegasus.isi.edu" || len(curl.Uses) != 1 || curl.Uses[0].Link != dax.LinkOutput || !curl.Uses[0].Register || !curl.Uses[0].Transfer.Wanted() {
		t.Fatalf("curl job %+v", curl)
	}
	if want := []dax.Edge{{Parent: "ID0000001", Child: "diamond_subworkflow"}, {Parent: "diamond_subworkflow", Child: "ID0000002"}}; len(wf.Edges) != 2 ||
		wf.Edges[0].Parent != want[0].Parent || wf.Edges[0].Child != want[0].Child || wf.Edges[1].Parent != want[1].Parent || wf.Edges[1].Child != want[1].Child {
		t.Fatalf("edges %+v", wf.Edges)
	}
}

// parseYAMLWorkflow reads a YAML workflow the way pegasus-plan does.
func parseYAMLWorkflow(t *testing.T, data []byte) *dax.Workflow {
	t.Helper()
	wf, err := planner.ReadWorkflowFile(writeTemp(t, "wf.yml", data))
	if err != nil {
		t.Fatal(err)
	}
	return wf
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestYAMLEmbeddedCatalogsAndErrors(t *testing.T) {
	dir := t.TempDir()
	wfText := `pegasus: "5.0"
name: emb
hooks:
  shell:
    - {_on: end, cmd: /bin/notify}
siteCatalog:
  sites:
    - name: local
      directories:
        - type: sharedScratch
          path: ` + dir + `/scratch
          fileServers: [{url: "file://` + dir + `/scratch", operation: all}]
        - type: localStorage
          path: ` + dir + `/out
          fileServers: [{url: "file://` + dir + `/out", operation: all}]
      profiles: {env: {PEGASUS_HOME: /opt/pegasus}}
transformationCatalog:
  transformations:
    - name: a
      namespace: ns
      version: "1.0"
      profiles: {env: {A: "1"}}
      sites: [{name: local, pfn: /bin/a, type: installed}]
replicaCatalog:
  replicas:
    - lfn: f.in
      pfns: [{site: local, pfn: /data/f.in}]
      checksum: {sha256: abc}
jobs:
  - type: job
    namespace: ns
    name: a
    version: "1.0"
    id: ID1
    arguments: [-i, f.in, -o, f.out]
    profiles: {condor: {request_memory: "2 GB"}}
    uses:
      - {lfn: f.in, type: input}
      - {lfn: f.out, type: output, stageOut: false, registerReplica: false}
jobDependencies: []
`
	p := writeTemp(t, "emb.yml", []byte(wfText))
	out := plan(t, planner.Options{DAX: p, Dir: filepath.Join(dir, "submit"), OutputSite: "local", Cleanup: "none"})
	sub, _ := os.ReadFile(filepath.Join(out.SubmitDir, "00", "00", "a_ID1.sub"))
	for _, l := range []string{"request_memory = 2 GB", "A=1", `-N ID1 -R local`, "/bin/a -i f.in -o f.out"} {
		if !strings.Contains(string(sub), l) {
			t.Errorf("a_ID1.sub lacks %q:\n%s", l, sub)
		}
	}
	d := readDAG(t, filepath.Join(out.SubmitDir, "emb-0.dag"))
	for _, n := range d.nodes {
		if strings.HasPrefix(n, "stage_out_") || strings.HasPrefix(n, "register_") {
			t.Errorf("stageOut: false still gave %s", n)
		}
	}
	in, _ := os.ReadFile(filepath.Join(out.SubmitDir, "00", "00", "stage_in_local_local_0_0.in"))
	if !strings.Contains(string(in), `"url": "file:///data/f.in"`) {
		t.Errorf("stage-in from the embedded replica:\n%s", in)
	}
	notify, _ := os.ReadFile(filepath.Join(out.SubmitDir, "emb-0.notify"))
	if !strings.Contains(string(notify), "at_end /bin/notify") {
		t.Errorf("notify %q", notify)
	}

	bad := []struct{ name, text, want string }{
		{"version", "pegasus: \"4.0\"\nname: x\njobs: []\n", `:1: invalid Pegasus 5.0 YAML: pegasus version "4.0"`},
		{"no-version", "name: x\n", "no pegasus version key"},
		{"syntax", "pegasus: \"5.0\"\nname: [x\n", ": invalid Pegasus 5.0 YAML: did not find expected"},
		{"job-type", "pegasus: \"5.0\"\nname: x\njobs:\n  - type: weird\n    id: A\n", `:4: invalid Pegasus 5.0 YAML: job type "weird"`},
		{"use-type", "pegasus: \"5.0\"\nname: x\njobs:\n  - name: a\n    id: A\n    uses:\n      - {lfn: f, type: sideways}\n", `:7: invalid Pegasus 5.0 YAML: use type "sideways"`},
		{"dup-id", "pegasus: \"5.0\"\nname: x\njobs:\n  - {name: a, id: A}\n  - {name: b, id: A}\n", ":5: duplicate job id"},
		{"unknown-child", "pegasus: \"5.0\"\nname: x\njobs:\n  - {name: a, id: A}\njobDependencies:\n  - id: A\n    children: [B]\n", ":7: dependency names an unknown job: B"},
		{"profile-ns", "pegasus: \"5.0\"\nname: x\njobs:\n  - name: a\n    id: A\n    profiles: {bogus: {k: v}}\n", `:6: invalid Pegasus 5.0 YAML: unknown profile namespace "bogus"`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTemp(t, "bad.yml", []byte(tc.text))
			_, err := planner.ReadWorkflowFile(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), p) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !errors.Is(err, planner.ErrYAML) && !errors.Is(err, dax.ErrDuplicateID) && !errors.Is(err, dax.ErrUnknownJob) {
				t.Fatalf("err = %v has no sentinel", err)
			}
		})
	}
}

// TestYAMLCatalogFiles plans a DAX against YAML site, transformation and
// replica catalog files named in the properties.
func TestYAMLCatalogFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"sites.yml": `pegasus: "5.0"
sites:
  - name: local
    arch: x86_64
    os.type: linux
    directories:
      - {type: sharedScratch, path: ` + dir + `/scratch, fileServers: [{url: "file://` + dir + `/scratch", operation: all}]}
      - {type: localStorage, path: ` + dir + `/out, fileServers: [{url: "file://` + dir + `/out", operation: all}]}
`,
		"transformations.yml": `pegasus: "5.0"
transformations:
  - {name: keg, namespace: d, version: "1.0", sites: [{name: local, pfn: /usr/bin/keg, type: installed, profiles: {env: {K: v}}}]}
`,
		"replicas.yml": `pegasus: "5.0"
replicas:
  - {lfn: f.a, pfns: [{site: local, pfn: /data/f.a}, {site: remote, pfn: "http://h/f.a"}]}
`,
		"wf.dax": `<adag xmlns="http://pegasus.isi.edu/schema/DAX" version="3.6" name="y">
  <job id="ID1" namespace="d" name="keg" version="1.0"><argument>-i f.a</argument><uses name="f.a" link="input"/><uses name="f.b" link="output" transfer="true" register="true"/></job>
</adag>
`,
		"pegasus.properties": "pegasus.catalog.site.file = sites.yml\npegasus.catalog.transformation.file = transformations.yml\npegasus.catalog.replica = YAML\npegasus.catalog.replica.file = replicas.yml\n",
	}
	for n, body := range files {
		os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644)
	}
	chdir(t, dir)
	out := plan(t, planner.Options{Conf: "pegasus.properties", DAX: "wf.dax", Dir: "submit", Cleanup: "none"})
	sub, _ := os.ReadFile(filepath.Join(out.SubmitDir, "00", "00", "keg_ID1.sub"))
	if !strings.Contains(string(sub), "/usr/bin/keg -i f.a") || !strings.Contains(string(sub), "K=v") {
		t.Fatalf("submit file:\n%s", sub)
	}
	in, _ := os.ReadFile(filepath.Join(out.SubmitDir, "00", "00", "stage_in_local_local_0_0.in"))
	if !strings.Contains(string(in), `"url": "file:///data/f.a"`) || !strings.Contains(string(in), `"url": "http://h/f.a"`) {
		t.Fatalf("stage-in:\n%s", in)
	}
	// Registration jobs write the file format only: none with a YAML catalog.
	d := readDAG(t, filepath.Join(out.SubmitDir, "y-0.dag"))
	for _, n := range d.nodes {
		if strings.HasPrefix(n, "register_") {
			t.Errorf("registration job %s with a YAML replica catalog", n)
		}
	}
	// A bad YAML catalog names its file and line.
	os.WriteFile(filepath.Join(dir, "transformations.yml"), []byte("pegasus: \"5.0\"\ntransformations:\n  - {name: keg, sites: [{name: local, pfn: /x, type: weird}]}\n"), 0o644)
	_, err := planner.Plan(context.Background(), planner.Options{Conf: "pegasus.properties", DAX: "wf.dax", Dir: "submit2", Getenv: env(nil)})
	if !errors.Is(err, planner.ErrYAML) || !strings.HasPrefix(err.Error(), "transformations.yml:3: ") {
		t.Fatalf("err = %v", err)
	}
}
