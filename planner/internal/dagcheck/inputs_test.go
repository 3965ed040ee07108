package dagcheck_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/daxapi"
	"github.com/pegasus-go/pegasus/planner/refine"
)

// transfers returns, per LFN, the source and destination URLs of a
// pegasus-transfer input.
func transfers(t *testing.T, in string) map[string][2]string {
	t.Helper()
	var specs []struct {
		LFN     string `json:"lfn"`
		SrcURLs []struct {
			URL string `json:"url"`
		} `json:"src_urls"`
		DstURLs []struct {
			URL string `json:"url"`
		} `json:"dest_urls"`
	}
	if err := json.Unmarshal([]byte(in), &specs); err != nil {
		t.Fatalf("%v\n%s", err, in)
	}
	out := map[string][2]string{}
	for _, s := range specs {
		out[s.LFN] = [2]string{s.SrcURLs[0].URL, s.DstURLs[0].URL}
	}
	return out
}

// allTransfers merges the transfers of every node whose name has prefix.
func (p *planned) allTransfers(t *testing.T, prefix string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, n := range p.names(prefix) {
		for k, v := range transfers(t, p.in(t, n)) {
			out[k] = v
		}
	}
	return out
}

// sc30Sites is an sc-3.0 catalog with the layout of the fixture: bare
// file:// file servers whose path is the mount point.
const sc30Sites = `<?xml version="1.0" encoding="UTF-8"?>
<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="3.0">
  <site handle="local" arch="x86_64" os="LINUX">
    <head-fs>
      <scratch><shared>
        <file-server protocol="file" url="file://" mount-point="%[1]s/scratch"/>
        <internal-mount-point mount-point="%[1]s/scratch"/>
      </shared></scratch>
      <storage><local>
        <file-server protocol="file" url="file://" mount-point="%[1]s/outputs"/>
        <internal-mount-point mount-point="%[1]s/outputs"/>
      </local></storage>
      <profile namespace="env" key="PEGASUS_HOME">/opt/ph</profile>
    </head-fs>
  </site>
</sitecatalog>
`

// TestSiteCatalog30 plans with an sc-3.0 site catalog.
func TestSiteCatalog30(t *testing.T) {
	fx, daxPath := setup(t, fan(2, ""), sc30Sites)
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none"})
	wd := "file://" + fx.Root + "/scratch/me/pegasus/fan/run0001"
	if got := targets(t, p.in(t, "create_dir_fan_0_local"), "mkdir"); !reflect.DeepEqual(got, []string{wd}) {
		t.Fatalf("create-dir %v", got)
	}
	if got := p.allTransfers(t, "stage_in_")["f.in"]; got != [2]string{"file://" + fx.Root + "/inputs/f.in", wd + "/f.in"} {
		t.Fatalf("stage-in of f.in %v", got)
	}
	if got := p.allTransfers(t, "stage_out_")["f.out"]; got != [2]string{wd + "/f.out", "file://" + fx.Root + "/outputs/f.out"} {
		t.Fatalf("stage-out of f.out %v", got)
	}
	// The head-fs profile gives the tools' directory.
	if got := p.sub(t, "split_ID0000001")["executable"]; got != "/opt/ph/bin/pegasus-kickstart" {
		t.Fatalf("kickstart %q", got)
	}
}

// TestCatalogVariables: ${NAME} in the catalogs is the environment
// variable NAME; an unset one is an error naming the file and line.
func TestCatalogVariables(t *testing.T) {
	w := daxapi.New("vars")
	w.JobWithID("ID1", "", "use", "").Uses(w.File("f.in"), dax.LinkInput).Uses(w.File("f.out"), dax.LinkOutput)
	fx, daxPath := setup(t, w, strings.ReplaceAll(threeSites, "%[1]s/scratch", "${WORKDIR}/scratch"))
	tcb, _ := os.ReadFile(filepath.Join(fx.Root, "tc.txt"))
	os.WriteFile(filepath.Join(fx.Root, "tc.txt"), []byte(strings.ReplaceAll(string(tcb), filepath.Join(fx.Root, "bin", "standin"), "${APP}")), 0o644)
	env := func(vars map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := vars[k]; ok {
				return v
			}
			return testEnv(k)
		}
	}
	p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Sites: []string{"local"}, Cleanup: "none",
		Getenv: env(map[string]string{"WORKDIR": fx.Root, "APP": "/usr/bin/app"})})
	if got := p.sub(t, "use_ID1")["initialdir"]; got != fx.Root+"/scratch/me/pegasus/vars/run0001" {
		t.Fatalf("initialdir %q", got)
	}
	if got := p.sub(t, "use_ID1")["arguments"]; !strings.Contains(got, " /usr/bin/app") {
		t.Fatalf("arguments %q", got)
	}
	_, err := planIt(t, fx, daxPath, planner.Options{Sites: []string{"local"}, Dir: filepath.Join(t.TempDir(), "x"), Getenv: env(map[string]string{"WORKDIR": fx.Root})})
	if !errors.Is(err, planner.ErrVariable) || !strings.Contains(err.Error(), filepath.Join(fx.Root, "tc.txt")+":3:") || !strings.Contains(err.Error(), "${APP}") {
		t.Fatalf("unset variable: %v", err)
	}
}

// TestCompoundTransformation: the files and executables of a DAX
// <transformation> are staged for the jobs of that transformation.
func TestCompoundTransformation(t *testing.T) {
	for _, dc := range []string{"sharedfs", "nonsharedfs"} {
		t.Run(dc, func(t *testing.T) {
			w := daxapi.New("comp")
			conf := w.File("app.conf")
			w.JobWithID("ID1", "ns", "app", "1.0").Uses(w.File("f.in"), dax.LinkInput).Uses(w.File("f.out"), dax.LinkOutput)
			w.Transformation("ns", "app", "1.0").Uses(conf).UsesExecutable("ns", "helper", "2.0").UsesExecutable("ns", "tool", "1.0")
			fx, daxPath := setup(t, w, "", "pegasus.data.configuration = "+dc)
			// helper is stageable from the submit host, tool is installed.
			tcb, _ := os.ReadFile(filepath.Join(fx.Root, "tc.txt"))
			tcb = append(tcb, []byte(fmt.Sprintf("tr ns::helper:2.0 {\n  site local {\n    pfn \"file://%[1]s/bin/helper\"\n    type \"STAGEABLE\"\n  }\n}\n"+
				"tr ns::tool:1.0 {\n  site local {\n    pfn \"/usr/bin/tool\"\n    type \"INSTALLED\"\n  }\n}\n", fx.Root))...)
			os.WriteFile(filepath.Join(fx.Root, "tc.txt"), tcb, 0o644)
			rcb, _ := os.ReadFile(filepath.Join(fx.Root, "rc.txt"))
			rcb = append(rcb, []byte(fmt.Sprintf("app.conf file://%s/inputs/app.conf site=\"local\"\n", fx.Root))...)
			os.WriteFile(filepath.Join(fx.Root, "rc.txt"), rcb, 0o644)
			p := mustPlan(t, fx, daxPath, planner.Options{OutputSite: "local", Cleanup: "none"})
			ins := p.allTransfers(t, "stage_in_")
			wd := "file://" + fx.Scratch + "/me/pegasus/comp/run0001"
			if got := ins["app.conf"]; got != [2]string{"file://" + fx.Root + "/inputs/app.conf", wd + "/app.conf"} {
				t.Errorf("app.conf %v", got)
			}
			if got := ins["ns_helper_2.0"]; got != [2]string{"file://" + fx.Root + "/bin/helper", wd + "/ns_helper_2.0"} {
				t.Errorf("helper %v", got)
			}
			if _, ok := ins["ns_tool_1.0"]; ok {
				t.Error("an installed executable is staged")
			}
			if len(ins) != 4 { // f.in, app.conf, the helper and braindump.yml
				t.Errorf("transfers %v", ins)
			}
			if dc == "nonsharedfs" {
				sh := p.read(t, "00/00/app_ID1.sh")
				if !strings.Contains(sh, "chmod +x ns_helper_2.0\n") || !strings.Contains(sh, `"lfn": "app.conf"`) {
					t.Errorf("PegasusLite script:\n%s", sh)
				}
			}
			// A compound executable nobody provides is an error at the
			// transformation's line.
			w.Transformation("ns", "app", "1.0").UsesExecutable("ns", "missing", "1.0")
			w.WriteFile(daxPath)
			_, err := planIt(t, fx, daxPath, planner.Options{Dir: filepath.Join(t.TempDir(), "x")})
			var re *refine.Error
			if !errors.Is(err, refine.ErrNoTransformation) || !errors.As(err, &re) || re.Line == 0 || !strings.Contains(err.Error(), "ns::missing:1.0") {
				t.Fatalf("missing compound executable: %v", err)
			}
		})
	}
}

// TestAuxiliaryTools checks where the planner takes each of its tools
// from: the transformation catalog when it names the tool, else
// $PEGASUS_HOME/bin of the site's env profile, else the directory of the
// running pegasus-plan.
func TestAuxiliaryTools(t *testing.T) {
	w := daxapi.New("aux")
	in, mid, out := w.File("f.in"), w.File("f.mid"), w.File("f.out")
	a := w.JobWithID("ID1", "t", "work", "1.0").Uses(in, dax.LinkInput).Uses(mid, dax.LinkOutput)
	b := w.JobWithID("ID2", "t", "work", "1.0").Uses(in, dax.LinkInput).Uses(w.File("f.mid2"), dax.LinkOutput)
	c := w.JobWithID("ID3", "t", "join", "1.0").Uses(mid, dax.LinkInput).Uses(w.File("f.mid2"), dax.LinkInput).Uses(out, dax.LinkOutput).Depends(a, b)
	w.DAX("ID4", "sub.dax").Depends(c)
	fx, daxPath := setup(t, w, "", "pegasus.clusters.size = 2")
	os.WriteFile(filepath.Join(fx.Root, "sub.dax"), []byte("<adag/>\n"), 0o644)
	tools := map[string]string{ // node -> tool in the .sub or its arguments
		"create_dir_aux_0_local":    "pegasus-transfer",
		"stage_in_local_local_0_0":  "pegasus-transfer",
		"stage_out_local_local_1_0": "pegasus-transfer",
		"register_local_1_0":        "pegasus-rc-client",
		"cleanup_aux_0_local":       "pegasus-transfer",
		"merge_t-work-1.0_PID1_ID1": "pegasus-cluster",
		"join_ID3":                  "pegasus-kickstart",
	}
	check := func(t *testing.T, p *planned, dir, kickstart string, tc map[string]string) {
		t.Helper()
		for node, tool := range tools {
			sub := p.sub(t, node)
			want := filepath.Join(dir, tool)
			if v, ok := tc[tool]; ok {
				want = v
			}
			got := sub["executable"]
			if tool != "pegasus-cluster" && tool != "pegasus-kickstart" {
				// Kickstart runs the tool: the last word of the arguments
				// before any tool option.
				if got != kickstart {
					t.Errorf("%s: executable %q, want kickstart %q", node, got, kickstart)
				}
				if !strings.Contains(sub["arguments"], " "+want) {
					t.Errorf("%s: arguments %s do not run %s", node, sub["arguments"], want)
				}
				continue
			}
			if tool == "pegasus-kickstart" {
				want = kickstart
			}
			if got != want {
				t.Errorf("%s: executable %q, want %q", node, got, want)
			}
		}
		// Clustered tasks run under kickstart too.
		if in := p.in(t, "merge_t-work-1.0_PID1_ID1"); !strings.Contains(in, "\n"+kickstart+" -n t::work:1.0") {
			t.Errorf("cluster tasks:\n%s", in)
		}
		exitcode := filepath.Join(dir, "pegasus-exitcode")
		if v, ok := tc["pegasus-exitcode"]; ok {
			exitcode = v
		}
		for _, n := range p.dag.Nodes {
			if n.Kind == "SUBDAG" {
				// As Pegasus 5.0.5: no POST script for a sub-workflow.
				if n.Post != nil {
					t.Errorf("%s: POST %+v", n.Name, n.Post)
				}
				continue
			}
			if n.Post == nil || n.Post.Executable != exitcode {
				t.Errorf("%s: POST %+v, want %s", n.Name, n.Post, exitcode)
			}
		}
		plan := filepath.Join(dir, "pegasus-plan")
		if v, ok := tc["pegasus-plan"]; ok {
			plan = v
		}
		if pre := p.dag.Node("pegasus-plan_ID4").Pre; pre == nil || pre.Executable != plan {
			t.Errorf("PRE %+v, want %s", pre, plan)
		}
	}
	o := planner.Options{OutputSite: "local", Cluster: []string{"horizontal"}, Cleanup: "leaf"}
	// 1. Nothing in the catalogs: beside pegasus-plan.
	p := mustPlan(t, fx, daxPath, o)
	check(t, p, "/opt/pegasus/bin", "/opt/pegasus/bin/pegasus-kickstart", nil)

	// 2. PEGASUS_HOME of the site.
	sites, _ := os.ReadFile(filepath.Join(fx.Root, "sites.xml"))
	withHome := strings.Replace(string(sites), "</site>", `<profile namespace="env" key="PEGASUS_HOME">/site/pegasus</profile></site>`, 1)
	os.WriteFile(filepath.Join(fx.Root, "sites.xml"), []byte(withHome), 0o644)
	o.Dir = filepath.Join(t.TempDir(), "home")
	p = mustPlan(t, fx, daxPath, o)
	check(t, p, "/site/pegasus/bin", "/site/pegasus/bin/pegasus-kickstart", nil)

	// 3. The transformation catalog wins.
	tcPaths := map[string]string{
		"pegasus-kickstart": "/tc/kickstart", "pegasus-transfer": "/tc/transfer", "pegasus-rc-client": "/tc/rc-client",
		"pegasus-exitcode": "/tc/exitcode", "pegasus-cluster": "/tc/cluster", "pegasus-plan": "/tc/plan",
	}
	names := map[string]string{"pegasus-kickstart": "pegasus::kickstart", "pegasus-transfer": "pegasus::transfer", "pegasus-rc-client": "pegasus::rc-client",
		"pegasus-exitcode": "pegasus::exitcode", "pegasus-cluster": "pegasus::pegasus-cluster", "pegasus-plan": "pegasus::pegasus-plan"}
	tcb, _ := os.ReadFile(filepath.Join(fx.Root, "tc.txt"))
	base := string(tcb)
	var extra strings.Builder
	for tool, pth := range tcPaths {
		fmt.Fprintf(&extra, "tr %s {\n  site local {\n    pfn \"%s\"\n    type \"INSTALLED\"\n  }\n}\n", names[tool], pth)
	}
	os.WriteFile(filepath.Join(fx.Root, "tc.txt"), []byte(base+extra.String()), 0o644)
	o.Dir = filepath.Join(t.TempDir(), "tc")
	p = mustPlan(t, fx, daxPath, o)
	check(t, p, "/site/pegasus/bin", "/tc/kickstart", tcPaths)

	// 4. A dirmanager or cleanup tool named in the catalog runs the
	// create-dir and cleanup jobs instead of pegasus-transfer.
	extra.WriteString("tr pegasus::dirmanager {\n  site local {\n    pfn \"/tc/pegasus-dirmanager\"\n    type \"INSTALLED\"\n  }\n}\n" +
		"tr pegasus::cleanup {\n  site local {\n    pfn \"/tc/pegasus-cleanup\"\n    type \"INSTALLED\"\n  }\n}\n")
	os.WriteFile(filepath.Join(fx.Root, "tc.txt"), []byte(base+extra.String()), 0o644)
	o.Dir = filepath.Join(t.TempDir(), "dm")
	p = mustPlan(t, fx, daxPath, o)
	for node, tool := range map[string]string{"create_dir_aux_0_local": "/tc/pegasus-dirmanager", "cleanup_aux_0_local": "/tc/pegasus-cleanup"} {
		if args := p.sub(t, node)["arguments"]; !strings.HasSuffix(args, " "+tool+`"`) {
			t.Errorf("%s: arguments %s", node, args)
		}
	}
}
