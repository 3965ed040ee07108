package rc

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// TestSample reads the sample replica catalog of real Pegasus (3.x "pool"
// attributes) and writes it back in the 5.x file format.
func TestSample(t *testing.T) {
	c, err := ParseFile(filepath.Join(testutil.SamplesDir(t), "catalogs", "rc.data"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 3 {
		t.Fatalf("%d replicas", c.Len())
	}
	r := c.Lookup("vahi.f.d")
	if len(r) != 1 || r[0].PFN != "file:///local-site/already-there/vahi.f.a" || r[0].Site() != "local" || r[0].Line != 4 {
		t.Fatalf("vahi.f.d: %+v", r)
	}
	if v, ok := r[0].Attr("pool"); !ok || v != "local" {
		t.Fatalf("pool attribute %q", v)
	}
	var b bytes.Buffer
	now := time.Date(2011, 8, 22, 10, 0, 0, 0, time.FixedZone("", -7*3600))
	if err := c.Write(&b, true, now); err != nil {
		t.Fatal(err)
	}
	want := "# file-based replica catalog: 2011-08-22T10:00:00.000-07:00\n" +
		"david.f.a gsiftp://hellboy.isi.edu/tmp/david.test pool=\"local\"\n" +
		"vahi.f.a file:///local-site/already-there/vahi.f.a pool=\"local\"\n" +
		"vahi.f.d file:///local-site/already-there/vahi.f.a pool=\"local\"\n"
	if b.String() != want {
		t.Fatalf("written\n%s\nwant\n%s", b.String(), want)
	}
}

// TestQuoting: names with blanks, quotes, backslashes or '=' are quoted and
// read back; a site attribute wins over a pool attribute written before it.
func TestQuoting(t *testing.T) {
	c := New()
	for _, r := range []*Replica{
		{LFN: "a b", PFN: `file:///x/"q"`, Attrs: []Attr{{"site", "local"}}},
		{LFN: `c\d=e`, PFN: "http://h/#f", Attrs: []Attr{{"pool", "old"}, {"site", "new"}, {"checksum.type", "sha256"}}},
		{LFN: "#hash", PFN: "/abs/path", Attrs: []Attr{{"site", "local"}}},
	} {
		c.Add(r)
	}
	if c.Add(&Replica{LFN: "a b", PFN: `file:///x/"q"`, Attrs: []Attr{{"site", "local"}}}) {
		t.Fatal("a duplicate replica was added")
	}
	var b bytes.Buffer
	if err := c.Write(&b, false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	again, err := Parse(strings.NewReader(b.String()), "rc")
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	for i, r := range again.Replicas {
		w := c.Replicas[i]
		if r.LFN != w.LFN || r.PFN != w.PFN || r.Site() != w.Site() || len(r.Attrs) != len(w.Attrs) {
			t.Errorf("replica %d: %+v, want %+v", i, r, w)
		}
	}
	if again.Replicas[1].Site() != "new" {
		t.Fatalf("site %q", again.Replicas[1].Site())
	}
	if n := again.Delete("a b", ""); n != 1 || again.Len() != 2 || again.Lookup("a b") != nil {
		t.Fatalf("delete: %d, %d left", n, again.Len())
	}
}

func TestErrors(t *testing.T) {
	// Unquoted attribute values are accepted on input.
	if c, err := Parse(strings.NewReader("f.a file:///a site=x\n"), "rc.txt"); err != nil || c.Lookup("f.a")[0].Site() != "x" {
		t.Fatalf("unquoted value: %v", err)
	}
	for _, tc := range []struct {
		doc  string
		line int
	}{
		{"f.a\n", 1},
		{"# comment\n\nf.a file:///a site=\"x\"\nf.b \"unterminated site=\"x\"\n", 4},
		{"f.a file:///a site\n", 1},
	} {
		_, err := Parse(strings.NewReader(tc.doc), "rc.txt")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != tc.line || !strings.HasPrefix(err.Error(), "rc.txt:") {
			t.Errorf("%q: err = %v, want an error on line %d", tc.doc, err, tc.line)
		}
	}
}
