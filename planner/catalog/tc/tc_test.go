package tc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// TestSample reads the sample text catalog of real Pegasus, with its
// ${...} template entry filled in as the planner's variable expansion would.
func TestSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testutil.SamplesDir(t), "catalogs", "tc.text"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBytes(data, "tc.text"); !errors.Is(err, ErrSyntax) {
		t.Fatalf("unexpanded template: err = %v", err)
	}
	r := strings.NewReplacer("${NAMESPACE}", "pegasus", "${NAME}", "keg", "${VERSION}", "1.0", "${SITE}", "local",
		"${KEGPATH}", "/usr/bin/pegasus-keg", "${ARCH}", "x86_64", "${OS}", "linux")
	c, err := ParseBytes([]byte(r.Replace(string(data))), "tc.text")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range c.Entries {
		got = append(got, e.FQN()+" "+e.Site+" "+e.Type+" "+e.PFN)
	}
	want := []string{
		"example::keg:1.0 isi INSTALLED /path/to/keg",
		"example::keg:1.0 wind STAGEABLE /path/to/keg",
		"pegasus::keg:1.0 local STAGEABLE /usr/bin/pegasus-keg",
		"myxform condorpool INSTALLED /usr/bin/true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	isi := c.Lookup("example::keg:1.0", "isi")[0]
	// tr-level profiles first, then the site's: the later JAVA_HOME wins.
	wantP := []Profile{{"env", "APP_HOME", "/tmp/karan"}, {"env", "JAVA_HOME", "/bin/java.1.5"}, {"env", "me", "with"},
		{"condor", "more", "test"}, {"env", "JAVA_HOME", "/bin/java.1.6"}}
	if !reflect.DeepEqual(isi.Profiles, wantP) || isi.Arch != "x86" || isi.OS != "linux" || isi.OSRelease != "fc" || isi.OSVersion != "4" || isi.Line != 8 {
		t.Fatalf("isi entry %+v", isi)
	}
	my := c.Lookup("myxform", "condorpool")[0]
	if !reflect.DeepEqual(my.Metadata, []Profile{{"", "key", "value"}, {"", "appmodel", "myxform.aspen"}, {"", "version", "3.0"}}) ||
		!reflect.DeepEqual(my.Profiles, []Profile{{"pegasus", "clusters.size", "20"}}) {
		t.Fatalf("myxform %+v", my)
	}
	if got := c.Sites("example::keg:1.0"); !reflect.DeepEqual(got, []string{"isi", "wind"}) {
		t.Fatalf("sites %v", got)
	}
	// Written in the text format and read back, the catalog is the same.
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatal(err)
	}
	again, err := ParseBytes(buf.Bytes(), "again")
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for i, e := range again.Entries {
		w := c.Entries[i]
		if e.FQN() != w.FQN() || e.Site != w.Site || e.PFN != w.PFN || e.Type != w.Type || e.Arch != w.Arch || e.OSVersion != w.OSVersion {
			t.Errorf("entry %d after a round trip: %+v, want %+v", i, e, w)
		}
	}
}

// TestFileFormat reads the legacy six-column format.
func TestFileFormat(t *testing.T) {
	doc := "# site tr pfn type sysinfo profiles\n" +
		"local  diamond::preprocess:4.0  /opt/keg  INSTALLED  INTEL64::LINUX  ENV::KEY1=\"V1\",KEY2=\"V2\";CONDOR::universe=\"vanilla\"\n" +
		"isi    findrange                gsiftp://h/keg  STAGEABLE  x86_64::linux:5:2.17  NULL\n"
	c, err := ParseBytes([]byte(doc), "tc.data")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 2 {
		t.Fatalf("%d entries", len(c.Entries))
	}
	e := c.Entries[0]
	if e.FQN() != "diamond::preprocess:4.0" || e.Site != "local" || e.PFN != "/opt/keg" || e.Type != Installed || e.Arch != "INTEL64" || e.OS != "LINUX" || e.Line != 2 ||
		!reflect.DeepEqual(e.Profiles, []Profile{{"env", "KEY1", "V1"}, {"env", "KEY2", "V2"}, {"condor", "universe", "vanilla"}}) {
		t.Fatalf("entry %+v", e)
	}
	e = c.Entries[1]
	if e.FQN() != "findrange" || e.Type != Stageable || e.OSVersion != "5" || e.Glibc != "2.17" || len(e.Profiles) != 0 {
		t.Fatalf("entry %+v", e)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		line int
	}{
		{"tr a {\n site local {\n  pfn \"/x\"\n  type \"BROKEN\"\n }\n}\n", 4},
		{"tr a {\n site local {\n  arch \"x86\"\n }\n}\n", 2},
		{"tr a {\n site local {\n  pfn \"/x\"\n  profile bogus \"k\" \"v\"\n }\n}\n", 4},
		{"tr a {\n site local {\n  pfn \"/x\n", 3},
		{"tx a {\n}\n", 1},
		{"tr a {\n site local {\n  pfn \"/x\"\n", 3},
		{"local a /x BROKEN\n", 1},
	} {
		_, err := ParseBytes([]byte(tc.doc), "tc.txt")
		var pe *ParseError
		if !errors.Is(err, ErrSyntax) || !errors.As(err, &pe) || pe.Line != tc.line {
			t.Errorf("%q: err = %v, want a syntax error on line %d", tc.doc, err, tc.line)
		}
	}
}
