package daxapi_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/daxapi"
	"github.com/pegasus-go/pegasus/planner/montage"
)

func diamond() *daxapi.Workflow {
	w := daxapi.New("diamond").Invoke("at_end", "/bin/mail -s done me@example.org").Metadata("creator", "test")
	a, b1, b2 := w.File("f.a").AddPFN("file:///data/f.a", "local").Profile("pegasus", "checksum.type", "sha256").Metadata("size", "1024"), w.File("f.b1"), w.File("f.b2")
	c1, c2, d := w.File("f.c1"), w.File("f.c2"), w.File("f.d")
	w.Executable("diamond", "preprocess", "4.0", "file:///usr/bin/keg", "local", true)
	w.AddExecutable("diamond", "findrange", "4.0", false).AddPFN("http://example.org/keg", "web").System("x86_64", "linux").
		Profile("env", "KEG_MODE", "range").Invoke("on_error", "/bin/exe-failed").Metadata("owner", "me")
	w.Transformation("diamond", "analyze", "4.0").UsesExecutable("diamond", "helper", "1.0").Uses(w.File("analyze.conf")).Invoke("on_success", "/bin/ok")
	pre := w.Job("diamond", "preprocess", "4.0").AddArguments("-a preprocess -i", a, "-o", b1, b2).
		Uses(a, daxapi.Input).Uses(b1, daxapi.Output).Uses(b2, daxapi.Output).Profile("condor", "request_memory", "100").
		Stdin(w.File("f.in")).Stdout(w.File("pre.out")).Stderr(w.File("pre.err")).Metadata("time", "60").NodeLabel("pre")
	l := w.Job("diamond", "findrange", "4.0").AddArguments("-i", b1, "-o", c1).Uses(b1, daxapi.Input).Uses(c1, daxapi.Output).Depends(pre)
	r := w.Job("diamond", "findrange", "4.0").AddArguments("-i", b2, "-o", c2).Uses(b2, daxapi.Input).Uses(c2, daxapi.Output).Depends(pre)
	an := w.Job("diamond", "analyze", "4.0").AddArguments("-i", c1, c2, "-o", d).Uses(c1, daxapi.Input).Uses(c2, daxapi.Input).
		UsesWith(d, daxapi.Output, true, dax.TransferTrue, false).UsesExecutable("diamond", "helper", "1.0").Invoke("on_error", "/bin/date").Depends(l, r)
	sub := w.DAX("ID0000010", "sub.dax").AddArguments("--cluster", "horizontal").Invoke("start", "/bin/sub-started").Depends(an)
	w.DAG("ID0000011", "other.dag").Profile("dagman", "DIR", "/elsewhere").Depends(sub)
	return w
}

// TestRoundTrip checks that what the API writes, the parser reads back identically.
func TestRoundTrip(t *testing.T) {
	for name, w := range map[string]*daxapi.Workflow{"diamond": diamond(), "montage": montage.Generate(60)} {
		var buf bytes.Buffer
		if err := w.Write(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := dax.Parse(bytes.NewReader(buf.Bytes()), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := w.Workflow()
		for _, j := range got.Jobs {
			j.Line = 0
		}
		for i := range got.Edges {
			got.Edges[i].Line = 0
		}
		for i := range got.Files {
			got.Files[i].Line = 0
		}
		for i := range got.Executables {
			got.Executables[i].Line = 0
		}
		for i := range got.Transformations {
			got.Transformations[i].Line = 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back differs\n got %+v\nwant %+v", name, got, want)
		}
	}
}

// TestSchemaValid validates the API's output and the sample DAXes against
// the Pegasus schemas with xmllint (skipped when xmllint is not installed).
func TestSchemaValid(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils)")
	}
	schemas, ok := testutil.SchemasDir(t)
	if !ok {
		t.Skipf("Pegasus schemas not found at %s (set PEGASUS_SCHEMAS)", schemas)
	}
	p := filepath.Join(t.TempDir(), "diamond.dax")
	if err := diamond().WriteFile(p); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{p: "dax-3.6.xsd"}
	dir := filepath.Join(testutil.SamplesDir(t), "dax")
	files[filepath.Join(dir, "blackdiamond-2.0.dax")] = "dax-2.0.xsd"
	files[filepath.Join(dir, "blackdiamond-3.6.dax")] = "dax-3.6.xsd"
	files[filepath.Join(dir, "pipeline-3.4.dax")] = "dax-3.4.xsd"
	for f, xsd := range files {
		out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(schemas, xsd), f).CombinedOutput()
		if err != nil {
			t.Errorf("%s does not validate against %s: %v\n%s", f, xsd, err, out)
		}
		if _, err := dax.ParseFile(f); err != nil {
			t.Errorf("parse %s: %v", f, err)
		}
	}
}
