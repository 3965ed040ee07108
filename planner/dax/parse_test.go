package dax

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

func mustParse(t *testing.T, doc string) *Workflow {
	t.Helper()
	wf, err := ParseBytes([]byte(doc), "t.dax")
	if err != nil {
		t.Fatal(err)
	}
	return wf
}

func use(j *Job, name string) Use {
	for _, u := range j.Uses {
		if u.Name == name {
			return u
		}
	}
	return Use{}
}

// TestDAX20 checks the DAX 2.0 spellings: negative flags, <filename>
// references and uses file=, type="executable", streams with file=.
func TestDAX20(t *testing.T) {
	wf := mustParse(t, `<?xml version="1.0" encoding="UTF-8"?>
<adag xmlns="http://pegasus.isi.edu/schema/DAX" version="2.0" count="1" index="3" name="old" jobCount="1" fileCount="3" childCount="0">
  <filename file="f.a" link="input"/>
  <job id="ID1" namespace="vahi" name="preprocess" version="1.0" level="3" dv-namespace="vahi" dv-name="top" dv-version="1.0">
    <argument>-a top  -i <filename file="f.a"/>  -o <filename file="f.b1"/>
      <filename file="f.b2"/>
    </argument>
    <profile namespace="ENV" key="CONFIG">-c <filename file="conf.txt"/></profile>
    <stdin file="f.in" link="input"/>
    <stdout file="f.out" link="output"/>
    <uses file="f.a" link="input" dontRegister="false" dontTransfer="false" type="data"/>
    <uses file="f.b1" link="output" dontRegister="true" dontTransfer="true" temporaryHint="true"/>
    <uses file="f.b2" link="output" dontTransfer="optional"/>
    <uses file="keg" link="input" type="executable"/>
    <uses file="f.c" link="inout" dontRegister="true" register="true" dontTransfer="true" transfer="true"/>
  </job>
</adag>`)
	if wf.Version != "2.0" || wf.Name != "old" || wf.Index != 3 || wf.Count != "1" {
		t.Fatalf("adag %+v", wf)
	}
	j := wf.Jobs[0]
	if j.Transformation() != "vahi::preprocess:1.0" || j.Level != "3" || j.Kind != Compute {
		t.Fatalf("job %+v", j)
	}
	// File references become their names; a line break and the blanks
	// around it become one blank; other white space is kept.
	if j.Argument != "-a top  -i f.a  -o f.b1 f.b2" {
		t.Fatalf("argument %q", j.Argument)
	}
	if !reflect.DeepEqual(j.Profiles, []Profile{{"env", "CONFIG", "-c conf.txt"}}) {
		t.Fatalf("profiles %+v", j.Profiles)
	}
	if j.Stdin != "f.in" || j.Stdout != "f.out" {
		t.Fatalf("streams %q %q", j.Stdin, j.Stdout)
	}
	for _, tc := range []struct {
		name string
		want Use
	}{
		{"f.a", Use{Name: "f.a", Link: LinkInput, Register: true, Transfer: TransferTrue}},
		{"f.b1", Use{Name: "f.b1", Link: LinkOutput, Register: false, Transfer: TransferFalse}},
		{"f.b2", Use{Name: "f.b2", Link: LinkOutput, Register: true, Transfer: TransferOptional}},
		{"keg", Use{Name: "keg", Link: LinkInput, Register: true, Transfer: TransferTrue, Executable: true}},
		// Both spellings: the 2.1 one wins.
		{"f.c", Use{Name: "f.c", Link: LinkInout, Register: true, Transfer: TransferTrue}},
	} {
		if got := use(j, tc.name); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("uses %s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if len(wf.Files) != 0 {
		t.Errorf("the DAX 2 file list is informational: %+v", wf.Files)
	}
}

// TestDAX21 checks the 2.1 flags.
func TestDAX21(t *testing.T) {
	wf := mustParse(t, `<adag version="2.1" name="x">
  <job id="j1" name="a"><uses file="o1" link="output" transfer="optional" register="false"/><uses file="o2" link="output" transfer="false"/></job>
  <job id="j2" name="b"><uses file="o1" link="input" optional="true"/></job>
  <child ref="j2"><parent ref="j1"/></child>
</adag>`)
	if u := use(wf.Jobs[0], "o1"); u.Transfer != TransferOptional || u.Register {
		t.Fatalf("o1 %+v", u)
	}
	if u := use(wf.Jobs[0], "o2"); u.Transfer != TransferFalse || !u.Register {
		t.Fatalf("o2 %+v", u)
	}
	if u := use(wf.Jobs[1], "o1"); !u.Optional || !u.Link.IsInput() {
		t.Fatalf("input o1 %+v", u)
	}
	if !reflect.DeepEqual(wf.Edges, []Edge{{Parent: "j1", Child: "j2", Line: 4}}) {
		t.Fatalf("edges %+v", wf.Edges)
	}
}

// TestDAX3Elements parses every element of DAX 3.x.
func TestDAX3Elements(t *testing.T) {
	wf := mustParse(t, `<?xml version="1.0" encoding="UTF-8"?>
<adag xmlns="http://pegasus.isi.edu/schema/DAX" version="3.6" name="all" index="2" count="5">
  <metadata key="creator">me</metadata>
  <invoke when="start">/bin/notify start</invoke>
  <invoke when="at_end">/bin/notify end</invoke>
  <file name="f.a">
    <metadata key="size">1024</metadata>
    <profile namespace="pegasus" key="checksum">x</profile>
    <pfn url="file:///data/f.a" site="local"><profile namespace="env" key="K">v</profile></pfn>
    <pfn url="http://mirror/f.a"/>
  </file>
  <executable namespace="ns" name="exe" version="1.0" arch="x86_64" os="linux" osrelease="rhel" osversion="7" glibc="2.17" installed="false">
    <metadata key="owner">me</metadata>
    <profile namespace="condor" key="request_memory">100</profile>
    <pfn url="http://h/exe" site="web"/>
    <invoke when="on_error">/bin/exe-failed</invoke>
  </executable>
  <transformation namespace="ns" name="compound" version="1.0">
    <uses name="exe" namespace="ns" version="1.0"/>
    <uses name="conf.txt" executable="false"/>
    <invoke when="on_success">/bin/compound-ok</invoke>
  </transformation>
  <job id="ID1" namespace="ns" name="exe" version="1.0" node-label="first">
    <argument>-i  <file name="f.a"/> -o <file name="f.b"/></argument>
    <profile namespace="Pegasus" key="label">p1</profile>
    <stdin name="f.a"/>
    <stdout name="out.txt"/>
    <stderr name="err.txt"/>
    <uses name="f.a" link="input" size="1024"><metadata key="k">v</metadata></uses>
    <uses name="f.b" link="output" transfer="true" register="false"/>
    <uses name="exe" namespace="ns" version="1.0" link="input" executable="true"/>
    <invoke when="success">/bin/job-ok</invoke>
    <metadata key="time">60</metadata>
  </job>
  <dax id="ID2" file="sub.dax" node-label="sub">
    <argument>--force --cluster horizontal</argument>
    <invoke when="all">/bin/sub</invoke>
  </dax>
  <dag id="ID3" file="other.dag"><profile namespace="dagman" key="DIR">/x</profile></dag>
  <child ref="ID2"><parent ref="ID1" edge-label="f.b"/></child>
  <child ref="ID3"><parent ref="ID2"/></child>
</adag>`)
	if wf.Name != "all" || wf.Index != 2 || wf.Count != "5" || !reflect.DeepEqual(wf.Metadata, []KV{{"creator", "me"}}) {
		t.Fatalf("adag %+v", wf)
	}
	if !reflect.DeepEqual(wf.Invokes, []Invoke{{"start", "/bin/notify start"}, {"at_end", "/bin/notify end"}}) {
		t.Fatalf("invokes %+v", wf.Invokes)
	}
	f := wf.Files[0]
	if f.Name != "f.a" || len(f.PFNs) != 2 || !reflect.DeepEqual(f.PFNs[0], PFN{URL: "file:///data/f.a", Site: "local", Profiles: []Profile{{"env", "K", "v"}}}) ||
		f.PFNs[1].Site != "local" || !reflect.DeepEqual(f.Metadata, []KV{{"size", "1024"}}) || len(f.Profiles) != 1 {
		t.Fatalf("file %+v", f)
	}
	e := wf.Executables[0]
	if e.FQN() != "ns::exe:1.0" || e.Installed || e.Arch != "x86_64" || e.OSRelease != "rhel" || e.OSVersion != "7" || e.Glibc != "2.17" ||
		e.PFNs[0].Site != "web" || !reflect.DeepEqual(e.Invokes, []Invoke{{"on_error", "/bin/exe-failed"}}) || len(e.Profiles) != 1 || len(e.Metadata) != 1 {
		t.Fatalf("executable %+v", e)
	}
	tr := wf.Transformations[0]
	if tr.FQN() != "ns::compound:1.0" || !reflect.DeepEqual(tr.Uses, []TransformationUse{{"ns", "exe", "1.0", true}, {"", "conf.txt", "", false}}) ||
		!reflect.DeepEqual(tr.Invokes, []Invoke{{"on_success", "/bin/compound-ok"}}) {
		t.Fatalf("transformation %+v", tr)
	}
	j := wf.Jobs[0]
	if j.Argument != "-i  f.a -o f.b" || j.NodeLabel != "first" || j.Stdin != "f.a" || j.Stdout != "out.txt" || j.Stderr != "err.txt" {
		t.Fatalf("job %+v", j)
	}
	if !reflect.DeepEqual(j.Profiles, []Profile{{"pegasus", "label", "p1"}}) || !reflect.DeepEqual(j.Metadata, []KV{{"time", "60"}}) {
		t.Fatalf("job profiles %+v metadata %+v", j.Profiles, j.Metadata)
	}
	// The 5.x short condition names are the DAX 3 ones.
	if !reflect.DeepEqual(j.Invokes, []Invoke{{"on_success", "/bin/job-ok"}}) {
		t.Fatalf("job invokes %+v", j.Invokes)
	}
	if u := use(j, "f.a"); u.Size != "1024" || !reflect.DeepEqual(u.Metadata, []KV{{"k", "v"}}) {
		t.Fatalf("f.a %+v", u)
	}
	if u := use(j, "exe"); !u.Executable || u.Namespace != "ns" || u.Version != "1.0" {
		t.Fatalf("exe %+v", u)
	}
	d := wf.Jobs[1]
	if d.Kind != DAXTask || d.File != "sub.dax" || d.Argument != "--force --cluster horizontal" || d.Transformation() != "pegasus::pegasus-plan" ||
		!reflect.DeepEqual(d.Invokes, []Invoke{{"all", "/bin/sub"}}) {
		t.Fatalf("dax %+v", d)
	}
	g := wf.Jobs[2]
	if g.Kind != DAGTask || g.File != "other.dag" || g.Transformation() != "condor::dagman" || g.Profiles[0] != (Profile{"dagman", "DIR", "/x"}) {
		t.Fatalf("dag %+v", g)
	}
	if len(wf.Edges) != 2 || wf.Edges[0] != (Edge{Parent: "ID1", Child: "ID2", Label: "f.b", Line: 40}) {
		t.Fatalf("edges %+v", wf.Edges)
	}
	if err := wf.Check("t.dax"); err != nil {
		t.Fatal(err)
	}
}

// TestSamples parses the sample DAXes of real Pegasus.
func TestSamples(t *testing.T) {
	dir := filepath.Join(testutil.SamplesDir(t), "dax")
	wf, err := ParseFile(filepath.Join(dir, "blackdiamond-2.0.dax"))
	if err != nil {
		t.Fatal(err)
	}
	if len(wf.Jobs) != 4 || len(wf.Edges) != 4 || wf.Jobs[0].Argument != "-a top -T 6  -i f.a  -o f.b1 f.b2" {
		t.Fatalf("2.0: %d jobs, %d edges, argument %q", len(wf.Jobs), len(wf.Edges), wf.Jobs[0].Argument)
	}
	if u := use(wf.Jobs[2], "f.c2"); u.Transfer != TransferFalse || u.Register {
		t.Fatalf("2.0 f.c2 %+v", u)
	}
	if p := wf.Jobs[3].Profiles; len(p) != 3 || p[0] != (Profile{"dagman", "RETRY", "10"}) || p[1] != (Profile{"globus", "count", "3"}) {
		t.Fatalf("2.0 profiles %+v", p)
	}
	wf, err = ParseFile(filepath.Join(dir, "blackdiamond-3.6.dax"))
	if err != nil {
		t.Fatal(err)
	}
	if len(wf.Jobs) != 5 || len(wf.Invokes) != 2 || len(wf.Metadata) != 2 || len(wf.Executables) != 3 || wf.Executables[0].PFNs[0].Site != "TestCluster" {
		t.Fatalf("3.6: %+v", wf)
	}
	if a := wf.Jobs[3].Argument; a != "-a analyze -T 60 -if.c1,f.c2 -of.d" {
		t.Fatalf("3.6 argument %q", a)
	}
	wf, err = ParseFile(filepath.Join(dir, "pipeline-3.4.dax"))
	if err != nil {
		t.Fatal(err)
	}
	if len(wf.Jobs) == 0 || len(wf.Files) == 0 || wf.Invokes[0].When != "all" {
		t.Fatalf("3.4: %d jobs, %d files, invokes %+v", len(wf.Jobs), len(wf.Files), wf.Invokes)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		err  error
		line int
	}{
		{`<adag version="4.0" name="x"><job id="a" name="b"/></adag>`, ErrVersion, 1},
		{`<adag name="x"><job id="a" name="b"/></adag>`, ErrMissingAttr, 1},
		{"<adag version=\"3.6\" name=\"x\">\n<job name=\"b\"/></adag>", ErrMissingAttr, 2},
		{"<adag version=\"3.6\" name=\"x\">\n<job id=\"a b\" name=\"b\"/></adag>", ErrBadValue, 2},
		{"<adag version=\"3.6\" name=\"x\">\n<job id=\"a\" name=\"b\">\n<uses name=\"f\" link=\"sideways\"/></job></adag>", ErrBadValue, 3},
		{"<adag version=\"3.6\" name=\"x\">\n<job id=\"a\" name=\"b\">\n<uses name=\"f\" link=\"input\" transfer=\"maybe\"/></job></adag>", ErrBadValue, 3},
		{"<adag version=\"3.6\" name=\"x\">\n<job id=\"a\" name=\"b\"/>\n<job id=\"a\" name=\"c\"/></adag>", ErrDuplicateID, 3},
		{"<adag version=\"3.6\" name=\"x\">\n<job id=\"a\" name=\"b\"/>\n<child ref=\"a\"><parent ref=\"z\"/></child></adag>", ErrUnknownJob, 3},
		{"<adag version=\"3.6\" name=\"x\">\n<invoke when=\"sometimes\">x</invoke></adag>", ErrBadValue, 2},
		{"<adag version=\"3.6\" name=\"x\">\n<dax id=\"d\"/></adag>", ErrMissingAttr, 2},
		{"<sitecatalog/>", ErrNotDAX, 1},
		{"<adag version=\"3.6\" name=\"x\">\n<job id=\"a\" name=\"b\">\n</adag>", ErrSyntax, 3},
	} {
		_, err := ParseBytes([]byte(tc.doc), "bad.dax")
		var pe *ParseError
		if !errors.Is(err, tc.err) || !errors.As(err, &pe) || pe.Line != tc.line || !strings.HasPrefix(err.Error(), "bad.dax:") {
			t.Errorf("%q: err = %v, want %v on line %d", tc.doc, err, tc.err, tc.line)
		}
	}
}
