package plots_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/report/plots"
	"github.com/pegasus-go/pegasus/stampede"
)

var (
	benchDB   = flag.String("benchdb", "", "TestWriteBenchmarkDB: write a synthetic run's database to this `file`")
	benchJobs = flag.Int("benchjobs", 1000000, "TestWriteBenchmarkDB: number of jobs")
	benchSubs = flag.Int("benchsubs", 10, "TestWriteBenchmarkDB: number of sub-workflows")
)

// TestWriteBenchmarkDB writes the database the command is timed on
// (docs/plots.md): go test ./report/plots -run WriteBenchmarkDB -benchdb /tmp/1m.duckdb
func TestWriteBenchmarkDB(t *testing.T) {
	if *benchDB == "" {
		t.Skip("no -benchdb given")
	}
	start := time.Now()
	buildDB(t, *benchDB, *benchJobs, *benchSubs)
	t.Logf("wrote %d jobs to %s in %v", *benchJobs, *benchDB, time.Since(start).Round(time.Millisecond))
}

// BenchmarkGenerate draws every chart and the page of synthetic
// hierarchical runs (10 sub-workflows, DAG edges, no Graphviz).
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{100000, 1000000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.duckdb")
			buildDB(b, path, n, 10)
			ctx := context.Background()
			out := b.TempDir()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
				if err != nil {
					b.Fatal(err)
				}
				roots, err := db.RootWorkflows(ctx)
				if err != nil {
					b.Fatal(err)
				}
				res, err := plots.Generate(ctx, db, plots.Selection{Workflows: roots},
					plots.Options{OutputDir: out, Location: time.UTC})
				if err != nil || len(res.Warnings) > 0 {
					b.Fatal(err, res.Warnings)
				}
				db.Close()
			}
		})
	}
}
