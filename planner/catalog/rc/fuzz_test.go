package rc

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func dump(c *Catalog) string {
	var b strings.Builder
	for _, r := range c.Replicas {
		fmt.Fprintf(&b, "%q %q %q\n", r.LFN, r.PFN, r.Attrs)
	}
	return b.String()
}

// FuzzParse checks that the replica file parser never panics, that errors
// carry a line, and that Write gives back what was parsed.
func FuzzParse(f *testing.F) {
	f.Add([]byte("# file-based replica catalog: 2012-01-01T00:00:00.000+00:00\nf.a file:///d/f.a site=\"local\"\n\"a b\" \"gsiftp://h/a b\" pool=\"x\" checksum.type=\"sha256\"\n"))
	f.Add([]byte("x\\\"y \"q\\\\\" site=\"s\"\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data), "rc.txt")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line <= 0 {
				// Over-long lines are reported by the scanner without a line.
				if strings.Contains(err.Error(), "token too long") {
					return
				}
				t.Fatalf("error %v is not a *ParseError with a line", err)
			}
			return
		}
		var out bytes.Buffer
		if err := c.Write(&out, true, time.Unix(0, 0).UTC()); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(bytes.NewReader(out.Bytes()), "out.txt")
		if err != nil {
			t.Fatalf("written catalog does not parse: %v\n%s", err, out.String())
		}
		if a, b := dump(c), dump(again); a != b {
			t.Fatalf("round trip changed the catalog:\n%s---\n%s---\n%s", a, b, out.String())
		}
	})
}
