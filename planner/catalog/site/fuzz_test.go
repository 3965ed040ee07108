package site

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// FuzzParse checks that the site catalog parser never panics and that every
// error is a *ParseError with a line.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(f), "testdata", "planner", "*", "sites*.xml"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`<sitecatalog version="3.0"><site handle="local" arch="x86_64" os="LINUX"><head-fs><scratch><shared><file-server protocol="file" url="file://" mount-point="/tmp"/><internal-mount-point mount-point="/tmp"/></shared></scratch></head-fs><profile namespace="env" key="PEGASUS_HOME">/opt</profile></site></sitecatalog>`))
	f.Add([]byte(`<sitecatalog version="4.1"><site handle="c"><grid type="batch" contact="h" scheduler="slurm" jobtype="compute"/><directory type="shared-scratch" path="/s"><file-server operation="get" url="http://h/s"/></directory></site></sitecatalog>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data), "sites.xml")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "sites.xml" {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		for _, s := range c.Sites {
			if c.Site(s.Handle) == nil {
				t.Fatalf("site %q not found by handle", s.Handle)
			}
			_ = s.Scratch()
			_ = s.Storage()
		}
	})
}
