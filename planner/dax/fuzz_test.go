package dax

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// summary is the part of a workflow a DAX round trip must keep.
func summary(wf *Workflow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d\n", wf.Name, wf.Index)
	for _, j := range wf.Jobs {
		fmt.Fprintf(&b, "job %s %d %s %s %q %s|%s|%s\n", j.ID, j.Kind, j.Transformation(), j.File, j.Argument, j.Stdin, j.Stdout, j.Stderr)
		for _, u := range j.Uses {
			fmt.Fprintf(&b, "  uses %s %v %v %v %v\n", u.Name, u.Link, u.Transfer, u.Register, u.Optional)
		}
		for _, p := range j.Profiles {
			fmt.Fprintf(&b, "  profile %s %s %q\n", p.Namespace, p.Key, p.Value)
		}
	}
	for _, e := range wf.Edges {
		fmt.Fprintf(&b, "edge %s %s\n", e.Parent, e.Child)
	}
	for _, f := range wf.Files {
		for _, p := range f.PFNs {
			fmt.Fprintf(&b, "file %s %s %s\n", f.Name, p.URL, p.Site)
		}
	}
	return b.String()
}

// FuzzParse checks that the DAX parser never panics, that every error is a
// *ParseError with a line, and that what it accepts survives Write and Parse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(f), "testdata", "planner", "*", "*.dax"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`<adag version="3.6" name="d"><job id="ID1" name="a"><argument>-i <file name="f.a"/></argument><uses name="f.a" link="input"/></job><job id="ID2" name="b"/><child ref="ID2"><parent ref="ID1"/></child></adag>`))
	f.Add([]byte(`<adag version="2.1" name="x" index="2"><filename file="f"/><job id="j" name="n" namespace="ns" version="1"><uses file="f" link="output" dontTransfer="optional"/><stdout file="o"/></job></adag>`))
	f.Add([]byte(`<adag version="3.4" name="h"><dax id="d1" file="sub.dax"><argument>--force</argument></dax><dag id="g1" file="x.dag"/><file name="sub.dax"><pfn url="file:///s.dax" site="local"/></file></adag>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		wf, err := ParseBytes(bytes.Clone(data), "in.dax")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line <= 0 && !errors.Is(err, ErrNotDAX) {
				t.Fatalf("error %v is not a *ParseError with a line", err)
			}
			return
		}
		_ = wf.Check("in.dax")
		var out bytes.Buffer
		if err := Write(&out, wf); err != nil {
			t.Fatalf("write: %v", err)
		}
		again, err := ParseBytes(out.Bytes(), "out.dax")
		if err != nil {
			t.Fatalf("written DAX does not parse: %v\n%s", err, out.String())
		}
		if a, b := summary(wf), summary(again); a != b {
			t.Fatalf("round trip changed the workflow:\n%s\n---\n%s\n---\n%s", a, b, out.String())
		}
	})
}
