// Command montage-dax writes a Montage-shaped DAX of about N tasks, with the
// catalogs to plan it, into a directory (benchmark input).
//
//	go run ./planner/montage/montage-dax -n 10000 -o /tmp/m10k
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pegasus-go/pegasus/planner/montage"
)

func main() {
	n := flag.Int("n", 10000, "number of tasks")
	out := flag.String("o", "montage", "output directory")
	flag.Parse()
	if err := run(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "montage-dax:", err)
		os.Exit(1)
	}
}

func run(n int, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w := montage.Generate(n)
	if err := w.WriteFile(filepath.Join(dir, "montage.dax")); err != nil {
		return err
	}
	sites := fmt.Sprintf(`<sitecatalog xmlns="http://pegasus.isi.edu/schema/sitecatalog" version="4.0">
  <site handle="local" arch="x86_64" os="LINUX">
    <directory type="shared-scratch" path="%[1]s/scratch"><file-server operation="all" url="file://%[1]s/scratch"/></directory>
    <directory type="local-storage" path="%[1]s/outputs"><file-server operation="all" url="file://%[1]s/outputs"/></directory>
  </site>
</sitecatalog>
`, dir)
	var tc strings.Builder
	for _, t := range []string{"mProjectPP", "mDiffFit", "mConcatFit", "mBgModel", "mBackground", "mImgtbl", "mAdd", "mShrink", "mJPEG"} {
		fmt.Fprintf(&tc, "tr montage::%s:3.3 {\n  site local {\n    pfn \"/usr/bin/true\"\n    type \"INSTALLED\"\n  }\n}\n", t)
	}
	props := fmt.Sprintf("pegasus.catalog.site.file = %[1]s/sites.xml\npegasus.catalog.transformation.file = %[1]s/tc.txt\npegasus.catalog.replica = File\npegasus.catalog.replica.file = %[1]s/rc.txt\n", dir)
	for name, body := range map[string]string{"sites.xml": sites, "tc.txt": tc.String(), "rc.txt": "", "pegasus.properties": props} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}
