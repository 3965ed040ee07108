package dagcheck_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/internal/fixture"
)

// TestSampleDAXesWithIngest plans every sample DAX and reads the .dag with
// ingest.ReadDAGFile: every JOB's submit file exists and every edge names a node.
func TestSampleDAXesWithIngest(t *testing.T) {
	daxes, _ := filepath.Glob(filepath.Join(testutil.SamplesDir(t), "dax", "*.dax"))
	for _, p := range daxes {
		for _, dc := range []string{"sharedfs", "nonsharedfs", "condorio"} {
			t.Run(filepath.Base(p)+"/"+dc, func(t *testing.T) {
				// static.bp against the DAX and the .dag, read with ingest.
				fx := fixture.Build(t, p, "pegasus.data.configuration = "+dc)
				mustPlan(t, fx, p, planner.Options{OutputSite: "local", Force: true})
			})
		}
		t.Run(filepath.Base(p), func(t *testing.T) {
			fx := fixture.Build(t, p)
			out, err := planner.Plan(context.Background(), planner.Options{Conf: fx.Conf, DAX: p, Dir: filepath.Join(fx.Root, "submit"),
				OutputSite: "local", Force: true, BinDir: "/opt/pegasus/bin",
				Getenv: func(k string) string {
					if k == "SOURCE_DATE_EPOCH" {
						return "1314032400"
					}
					return ""
				}})
			if err != nil {
				t.Fatal(err)
			}
			d, err := ingest.ReadDAGFile(filepath.Join(out.SubmitDir, out.Basename+".dag"))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Nodes) != out.Jobs {
				t.Errorf("%d nodes, planner reported %d jobs", len(d.Nodes), out.Jobs)
			}
			for _, n := range d.Nodes {
				if n.Kind == "JOB" {
					if _, err := os.Stat(filepath.Join(out.SubmitDir, n.SubmitFile)); err != nil {
						t.Errorf("node %s: %v", n.Name, err)
					}
				}
				if n.Post == nil || !strings.HasSuffix(n.Post.Executable, "pegasus-exitcode") {
					t.Errorf("node %s has no pegasus-exitcode POST script", n.Name)
				}
			}
			for _, e := range d.Edges {
				if d.Node(e[0]) == nil || d.Node(e[1]) == nil {
					t.Errorf("edge %v names an unknown node", e)
				}
			}
		})
	}
}
