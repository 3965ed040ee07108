package site

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// sc30 is an sc-3.0 catalog (valid against sc-3.0.xsd): a grid site whose
// scratch is served by GridFTP from an external mount point that differs
// from the internal one, and a local site whose file servers are bare
// file:// URLs with the path in mount-point.
const sc30 = `<?xml version="1.0" encoding="UTF-8"?>
<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="3.0">
  <site handle="isi" arch="x86_64" os="LINUX">
    <grid type="gt5" contact="smarty.isi.edu/jobmanager-pbs" scheduler="PBS" jobtype="compute"/>
    <head-fs>
      <scratch>
        <shared>
          <file-server protocol="gsiftp" url="gsiftp://smarty.isi.edu" mount-point="/nfs/scratch01"/>
          <internal-mount-point mount-point="/scratch01"/>
        </shared>
      </scratch>
      <storage>
        <shared>
          <file-server protocol="gsiftp" url="gsiftp://smarty.isi.edu" mount-point="/nfs/storage01"/>
          <internal-mount-point mount-point="/storage01"/>
        </shared>
      </storage>
      <profile namespace="env" key="PEGASUS_HOME">/opt/pegasus</profile>
    </head-fs>
    <worker-fs>
      <scratch>
        <local>
          <file-server protocol="file" url="file://" mount-point="/tmp"/>
          <internal-mount-point mount-point="/tmp"/>
        </local>
      </scratch>
    </worker-fs>
    <profile namespace="pegasus" key="style">glite</profile>
  </site>
  <site handle="local" arch="x86_64" os="LINUX">
    <head-fs>
      <scratch>
        <shared>
          <file-server protocol="file" url="file://" mount-point="/home/me/work"/>
          <internal-mount-point mount-point="/home/me/work"/>
        </shared>
      </scratch>
      <storage>
        <local>
          <file-server protocol="file" url="file://" mount-point="/home/me/outputs"/>
          <internal-mount-point mount-point="/home/me/outputs"/>
        </local>
      </storage>
    </head-fs>
  </site>
</sitecatalog>
`

func TestParseSC30(t *testing.T) {
	c, err := Parse(strings.NewReader(sc30), "sites3.xml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "3.0" || !reflect.DeepEqual(c.Handles(), []string{"isi", "local"}) {
		t.Fatalf("version %q sites %v", c.Version, c.Handles())
	}
	isi := c.Site("isi")
	if isi.Arch != "x86_64" || isi.OS != "LINUX" || isi.Line != 3 {
		t.Fatalf("isi %+v", isi)
	}
	if len(isi.Grids) != 1 || isi.Grids[0] != (Grid{Type: "gt5", Contact: "smarty.isi.edu/jobmanager-pbs", Scheduler: "PBS", JobType: "compute"}) {
		t.Fatalf("grids %+v", isi.Grids)
	}
	// head-fs profiles and site profiles both apply to the site.
	if v, ok := isi.Env("PEGASUS_HOME"); !ok || v != "/opt/pegasus" {
		t.Fatalf("PEGASUS_HOME %q %v", v, ok)
	}
	if v, ok := isi.profile("pegasus", "style"); !ok || v != "glite" {
		t.Fatalf("style %q", v)
	}
	// The internal mount point is the path jobs use; the file server URL
	// (with its external mount point) is how transfers reach it.
	sc := isi.Scratch()
	if sc == nil || sc.Type != SharedScratch || sc.Path != "/scratch01" {
		t.Fatalf("scratch %+v", sc)
	}
	if u, ok := sc.URL("/scratch01/run1/f.a", "put"); !ok || u != "gsiftp://smarty.isi.edu/nfs/scratch01/run1/f.a" {
		t.Fatalf("scratch URL %q %v", u, ok)
	}
	if st := isi.Storage(); st == nil || st.Type != SharedStorage || st.Path != "/storage01" {
		t.Fatalf("storage %+v", st)
	}
	if d := isi.Directory(LocalScratch); d == nil || d.Path != "/tmp" {
		t.Fatalf("worker scratch %+v", d)
	}
	// Bare file:// servers give file:///path URLs.
	loc := c.Site("local")
	if u, ok := loc.Scratch().URL("/home/me/work/run1", "get"); !ok || u != "file:///home/me/work/run1" {
		t.Fatalf("local scratch URL %q", u)
	}
	st := loc.Storage()
	if st == nil || st.Type != LocalStorage {
		t.Fatalf("local storage %+v", st)
	}
	if u, _ := st.URL("/home/me/outputs/f.d", "put"); u != "file:///home/me/outputs/f.d" {
		t.Fatalf("local storage URL %q", u)
	}
	// A path outside the directory has no URL.
	if _, ok := st.URL("/elsewhere/f.d", "put"); ok {
		t.Fatal("URL for a path outside the directory")
	}
}

// TestParseSamples reads the real sc-4.0 and sc-4.1 catalogs of the samples.
func TestParseSamples(t *testing.T) {
	dir := filepath.Join(testutil.SamplesDir(t), "catalogs")
	c, err := ParseFile(filepath.Join(dir, "sites.xml"))
	if err != nil {
		t.Fatal(err)
	}
	loc := c.Site("local")
	if c.Version != "4.0" || loc == nil || loc.Arch != "ppc64le" {
		t.Fatalf("sites.xml: %+v", c)
	}
	if sc := loc.Scratch(); sc.Path != "/Volumes/Work/lfs1/work/pegasus-features/PM-1159/work" {
		t.Fatalf("scratch %+v", sc)
	}
	// No shared-storage: the local-storage directory receives the outputs.
	if st := loc.Storage(); st.Type != LocalStorage || st.Path != "/Volumes/Work/lfs1/work/pegasus-features/PM-1159/outputs" {
		t.Fatalf("storage %+v", st)
	}
	if v, _ := loc.Env("PEGASUS_HOME"); v != "/usr/" {
		t.Fatalf("PEGASUS_HOME %q", v)
	}
	if v, _ := loc.profile("pegasus", "clusters.num"); v != "1" {
		t.Fatalf("clusters.num %q", v)
	}

	c, err = ParseFile(filepath.Join(dir, "sites.xml4"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "4.1" || c.Site("osg") == nil || c.Site("unl") == nil || c.Site("local") == nil {
		t.Fatalf("sites.xml4: %v", c.Handles())
	}
	// osg has only a local scratch: that is its scratch.
	if sc := c.Site("osg").Scratch(); sc == nil || sc.Type != LocalScratch || sc.Path != "/tmp" {
		t.Fatalf("osg scratch %+v", sc)
	}
	// unl serves its scratch with http for get and srm for put.
	unl := c.Site("unl").Scratch()
	if u, _ := unl.URL("/internal-mnt/panfs/CMS/data/engage/scratch/run/f", "get"); u != "http://ff-se.unl.edu:8443/panfs/panasas/CMS/data/engage/scratch/run/f" {
		t.Fatalf("get URL %q", u)
	}
	if u, _ := unl.URL("/internal-mnt/panfs/CMS/data/engage/scratch/run/f", "put"); u != "srm://ff-se.unl.edu:8443/panfs/panasas/CMS/data/engage/scratch/run/f" {
		t.Fatalf("put URL %q", u)
	}
	if v, _ := c.Site("osg").profile("condor", "universe"); v != "vanilla" {
		t.Fatalf("osg universe %q", v)
	}
}

// TestSchemas validates the sc-3.0 catalog these tests read against the
// Pegasus schema (skipped without xmllint). The sample sc-4.0 catalog is
// not schema-valid (arch ppc64le is newer than the schema) and still reads.
func TestSchemas(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (apt-get install libxml2-utils)")
	}
	schemas, ok := testutil.SchemasDir(t)
	if !ok {
		t.Skipf("Pegasus schemas not found at %s (set PEGASUS_SCHEMAS)", schemas)
	}
	p := filepath.Join(t.TempDir(), "sites3.xml")
	if err := os.WriteFile(p, []byte(sc30), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(schemas, "sc-3.0.xsd"), p).CombinedOutput(); err != nil {
		t.Errorf("%s does not validate against sc-3.0.xsd: %v\n%s", p, err, out)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		err  error
		line int
	}{
		{"<sitecatalog version=\"4.0\">\n<site handle=\"a\"/>\n<site handle=\"a\"/>\n</sitecatalog>", ErrDupSite, 3},
		{"<sitecatalog version=\"4.0\">\n<site handle=\"a\">\n<directory type=\"scratch\" path=\"/x\"/>\n</site>\n</sitecatalog>", ErrFormat, 3},
		{"<sitecatalog version=\"4.0\">\n<site arch=\"x86\"/>\n</sitecatalog>", ErrFormat, 2},
		{"<sitecatalog version=\"2.0\">\n</sitecatalog>", ErrFormat, 1},
		{"<sites version=\"4.0\"/>", ErrFormat, 1},
		{"<sitecatalog version=\"4.0\">\n<site handle=\"a\">\n<profile namespace=\"env\">x</profile>\n</site>\n</sitecatalog>", ErrFormat, 3},
		{"<sitecatalog version=\"4.0\">\n<site handle=\"a\">\n</sitecatalg>", ErrSyntax, 3},
	} {
		_, err := Parse(strings.NewReader(tc.doc), "s.xml")
		var pe *ParseError
		if !errors.Is(err, tc.err) || !errors.As(err, &pe) || pe.Line != tc.line || !strings.HasPrefix(err.Error(), "s.xml:") {
			t.Errorf("%q: err = %v, want %v at line %d", tc.doc, err, tc.err, tc.line)
		}
	}
}
