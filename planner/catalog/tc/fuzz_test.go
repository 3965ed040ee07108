package tc

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func entries(c *Catalog) string {
	var b strings.Builder
	for _, e := range c.Entries {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%v|%v\n", e.FQN(), e.Site, e.PFN, e.Type, e.Arch, e.OS, e.OSRelease, e.OSVersion, e.Glibc, e.Profiles, e.Metadata)
	}
	return b.String()
}

// FuzzParse checks that the transformation catalog parser never panics,
// that errors carry a line, and that Write gives back what was parsed.
func FuzzParse(f *testing.F) {
	f.Add([]byte("tr ns::a:1.0 {\n  profile env \"A\" \"1\"\n  site local {\n    pfn \"/bin/a\"\n    arch \"x86_64\"\n    os \"linux\"\n    type \"INSTALLED\"\n  }\n}\n"))
	f.Add([]byte("# comment\ntr b {\n site s1 { pfn \"http://h/b\" type \"STAGEABLE\" profile condor \"k\" \"v \\\"q\\\"\" }\n site s2 { pfn \"/b\" }\n}\n"))
	f.Add([]byte("local  ns::name:1.0  /bin/x  INSTALLED  x86_64::linux  env::A=\"1\",condor::B=\"2\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseBytes(data, "tc.txt")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line <= 0 {
				t.Fatalf("error %v is not a *ParseError with a line", err)
			}
			return
		}
		var out bytes.Buffer
		if err := c.Write(&out); err != nil {
			t.Fatal(err)
		}
		again, err := ParseBytes(out.Bytes(), "out.txt")
		if err != nil {
			t.Fatalf("written catalog does not parse: %v\n%s", err, out.String())
		}
		if a, b := entries(c), entries(again); a != b {
			t.Fatalf("round trip changed the catalog:\n%s---\n%s---\n%s", a, b, out.String())
		}
	})
}
