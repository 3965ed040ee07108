package dax

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// TestSchemaValidDocuments reads one schema-valid document per DAX schema
// (testdata/planner/dax/valid-<version>.dax): each is first validated with
// xmllint against ../shared/spec/schemas/dax-<version>.xsd, then parsed and
// checked element by element; what Write makes of it must validate against
// dax-3.6.xsd and read back to the same workflow.
func TestSchemaValidDocuments(t *testing.T) {
	root := testutil.RepoRoot(t)
	schemas, haveSchemas := testutil.SchemasDir(t)
	xmllint, lintErr := exec.LookPath("xmllint")
	validate := func(t *testing.T, file, xsd string) {
		t.Helper()
		if lintErr != nil {
			t.Log("xmllint not installed (apt-get install libxml2-utils): schema validation skipped")
			return
		}
		if !haveSchemas {
			t.Logf("Pegasus schemas not found at %s (set PEGASUS_SCHEMAS): schema validation skipped", schemas)
			return
		}
		if _, err := os.Stat(filepath.Join(schemas, xsd)); err != nil {
			t.Fatalf("schema %s: %v", xsd, err)
		}
		if out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(schemas, xsd), file).CombinedOutput(); err != nil {
			t.Fatalf("%s does not validate against %s: %v\n%s", file, xsd, err, out)
		}
	}
	two := func(t *testing.T, wf *Workflow, v string) {
		pre, post := wf.Jobs[0], wf.Jobs[1]
		if wf.Version != v || pre.ID != "ID000001" || pre.Transformation() != "v::pre:1.0" || post.Transformation() != "v::post:1.0" {
			t.Fatalf("workflow %+v jobs %+v %+v", wf, pre, post)
		}
		if pre.Argument != "-i f.a -o f.b" || post.Argument != "-i f.b -o f.c" {
			t.Errorf("arguments %q %q", pre.Argument, post.Argument)
		}
		if u := use(pre, "f.a"); !u.Link.IsInput() || u.Transfer != TransferTrue || !u.Register {
			t.Errorf("pre f.a %+v", u)
		}
		if u := use(pre, "f.b"); !u.Link.IsOutput() || u.Transfer != TransferOptional || u.Register {
			t.Errorf("pre f.b %+v", u)
		}
		if !reflect.DeepEqual(wf.Edges, []Edge{{Parent: "ID000001", Child: "ID000002", Line: wf.Edges[0].Line}}) {
			t.Errorf("edges %+v", wf.Edges)
		}
	}
	for _, tc := range []struct {
		file, xsd string
		check     func(*testing.T, *Workflow)
	}{
		{"valid-2.0.dax", "dax-2.0.xsd", func(t *testing.T, wf *Workflow) {
			two(t, wf, "2.0")
			pre, post := wf.Jobs[0], wf.Jobs[1]
			if pre.Stdin != "f.a" || !reflect.DeepEqual(pre.Profiles, []Profile{{"env", "K", "v"}}) {
				t.Errorf("pre stdin %q profiles %+v", pre.Stdin, pre.Profiles)
			}
			if u := use(post, "f.c"); !u.Link.IsOutput() || u.Transfer != TransferFalse || !u.Register {
				t.Errorf("post f.c %+v", u)
			}
		}},
		{"valid-2.1.dax", "dax-2.1.xsd", func(t *testing.T, wf *Workflow) {
			two(t, wf, "2.1")
			pre, post := wf.Jobs[0], wf.Jobs[1]
			if pre.Stdout != "pre.out" || !reflect.DeepEqual(pre.Profiles, []Profile{{"condor", "priority", "5"}}) {
				t.Errorf("pre stdout %q profiles %+v", pre.Stdout, pre.Profiles)
			}
			if u := use(pre, "pre"); !u.Executable || u.Transfer != TransferFalse {
				t.Errorf("pre executable use %+v", u)
			}
			if u := use(post, "f.b"); !u.Optional || !u.Link.IsInput() {
				t.Errorf("post f.b %+v", u)
			}
			if u := use(post, "f.c"); u.Transfer != TransferFalse || !u.Register {
				t.Errorf("post f.c %+v", u)
			}
		}},
		{"valid-3.4.dax", "dax-3.4.xsd", func(t *testing.T, wf *Workflow) { three(t, wf, "3.4", false) }},
		{"valid-3.6.dax", "dax-3.6.xsd", func(t *testing.T, wf *Workflow) { three(t, wf, "3.6", true) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := filepath.Join(root, "testdata", "planner", "dax", tc.file)
			validate(t, p, tc.xsd)
			wf, err := ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := wf.Check(p); err != nil {
				t.Fatal(err)
			}
			tc.check(t, wf)
			var buf bytes.Buffer
			if err := Write(&buf, wf); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "written.dax")
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			validate(t, out, "dax-3.6.xsd")
			back, err := ParseBytes(buf.Bytes(), out)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := stripLines(wf), stripLines(back); !reflect.DeepEqual(a, b) {
				t.Errorf("written and read back differs:\n got %+v\nwant %+v", b, a)
			}
		})
	}
}

// three checks the 3.x documents; metadata is 3.6 only.
func three(t *testing.T, wf *Workflow, v string, metadata bool) {
	t.Helper()
	if wf.Version != v || wf.Name != "v"+v[:1]+v[2:] || len(wf.Jobs) != 3 {
		t.Fatalf("workflow %s %s, %d jobs", wf.Version, wf.Name, len(wf.Jobs))
	}
	if !reflect.DeepEqual(wf.Invokes, []Invoke{{"start", "/bin/echo start"}, {"at_end", "/bin/echo end"}}) {
		t.Errorf("workflow invokes %+v", wf.Invokes)
	}
	f := wf.Files[0]
	if f.Name != "f.a" || !reflect.DeepEqual(f.PFNs, []PFN{{URL: "file:///data/f.a", Site: "local", Profiles: []Profile{{"env", "K", "v"}}}}) {
		t.Errorf("file %+v", f)
	}
	e := wf.Executables[0]
	if e.FQN() != "ns::exe:1.0" || e.Installed || e.Arch != "x86_64" || e.OS != "linux" || e.PFNs[0].Site != "web" ||
		!reflect.DeepEqual(e.Profiles, []Profile{{"condor", "request_memory", "100"}}) ||
		!reflect.DeepEqual(e.Invokes, []Invoke{{"on_error", "/bin/echo exe failed"}}) {
		t.Errorf("executable %+v", e)
	}
	tr := wf.Transformations[0]
	if tr.FQN() != "ns::compound:1.0" || !reflect.DeepEqual(tr.Uses, []TransformationUse{{"ns", "exe", "1.0", true}, {"", "conf.txt", "", false}}) {
		t.Errorf("transformation %+v", tr)
	}
	j := wf.Jobs[0]
	if j.Argument != "-i f.a -o f.b" || j.NodeLabel != "first" || j.Stdin != "f.a" || j.Stdout != "out.txt" || j.Stderr != "err.txt" ||
		!reflect.DeepEqual(j.Profiles, []Profile{{"pegasus", "label", "p1"}}) || !reflect.DeepEqual(j.Invokes, []Invoke{{"on_success", "/bin/echo job ok"}}) {
		t.Errorf("job %+v", j)
	}
	if u := use(j, "f.b"); !u.Link.IsOutput() || u.Transfer != TransferTrue || u.Register {
		t.Errorf("f.b %+v", u)
	}
	if u := use(j, "out.txt"); u.Transfer != TransferOptional || !u.Register || !u.Optional {
		t.Errorf("out.txt %+v", u)
	}
	if u := use(j, "exe"); !u.Executable || u.Namespace != "ns" {
		t.Errorf("exe %+v", u)
	}
	if metadata != (len(wf.Metadata) == 1 && len(j.Metadata) == 1 && len(f.Metadata) == 1 && len(e.Metadata) == 1) {
		t.Errorf("metadata: workflow %+v job %+v file %+v executable %+v", wf.Metadata, j.Metadata, f.Metadata, e.Metadata)
	}
	d, g := wf.Jobs[1], wf.Jobs[2]
	if d.Kind != DAXTask || d.File != "sub.dax" || d.Argument != "--cluster horizontal" || !reflect.DeepEqual(d.Invokes, []Invoke{{"all", "/bin/echo sub"}}) {
		t.Errorf("dax job %+v", d)
	}
	if g.Kind != DAGTask || g.File != "other.dag" || !reflect.DeepEqual(g.Profiles, []Profile{{"dagman", "DIR", "/x"}}) {
		t.Errorf("dag job %+v", g)
	}
	if len(wf.Edges) != 2 || wf.Edges[0].Parent != "ID1" || wf.Edges[0].Child != "ID2" || wf.Edges[0].Label != "f.b" || wf.Edges[1].Child != "ID3" {
		t.Errorf("edges %+v", wf.Edges)
	}
}

// stripLines is a workflow without line numbers and version, for comparing a
// document with what Write made of it.
func stripLines(wf *Workflow) Workflow {
	s := *wf
	s.Version = ""
	s.Jobs = nil
	for _, j := range wf.Jobs {
		c := *j
		c.Line = 0
		c.Level = ""
		s.Jobs = append(s.Jobs, &c)
	}
	s.Files = append([]File(nil), wf.Files...)
	for i := range s.Files {
		s.Files[i].Line = 0
	}
	s.Executables = append([]Executable(nil), wf.Executables...)
	for i := range s.Executables {
		s.Executables[i].Line = 0
	}
	s.Transformations = append([]Transformation(nil), wf.Transformations...)
	for i := range s.Transformations {
		s.Transformations[i].Line = 0
	}
	s.Edges = nil
	for _, e := range wf.Edges {
		e.Line = 0
		s.Edges = append(s.Edges, e)
	}
	return s
}
