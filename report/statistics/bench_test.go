package statistics_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
)

var (
	benchDB   = flag.String("benchdb", "", "TestWriteBenchmarkDB: write a synthetic run's database to this `file`")
	benchJobs = flag.Int("benchjobs", 1000000, "TestWriteBenchmarkDB: number of jobs")
)

// syntheticUUID is the root workflow of the benchmark databases.
const syntheticUUID = "5e1f0000-0000-4000-8000-000000000001"

// buildDB writes a synthetic run of n jobs (and 10 sub-workflows) into a
// new database at path, with SQL (stampede.FillSynthetic).
func buildDB(tb testing.TB, path string, n int) {
	tb.Helper()
	ctx := context.Background()
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.FillSynthetic(ctx, stampede.SyntheticRun{UUID: syntheticUUID, Jobs: n, SubWorkflows: 10}); err != nil {
		tb.Fatal(err)
	}
	if err := db.Checkpoint(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
}

// TestWriteBenchmarkDB writes the database the command is timed on
// (docs/statistics.md): go test ./report/statistics -run WriteBenchmarkDB -benchdb /tmp/1m.duckdb
func TestWriteBenchmarkDB(t *testing.T) {
	if *benchDB == "" {
		t.Skip("no -benchdb given")
	}
	start := time.Now()
	buildDB(t, *benchDB, *benchJobs)
	t.Logf("wrote %d jobs to %s in %v", *benchJobs, *benchDB, time.Since(start).Round(time.Millisecond))
}

// BenchmarkGenerate times pegasus-statistics -s all (opening the database
// included) on synthetic runs of 100,000 and 1,000,000 jobs, written with
// stampede.FillSynthetic (10 sub-workflows).
func BenchmarkGenerate(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"100k", 100000}, {"1M", 1000000}} {
		n := size.n
		path := filepath.Join(b.TempDir(), "bench.duckdb")
		built := false
		for _, f := range []statistics.Format{statistics.Text, statistics.CSV} {
			b.Run(fmt.Sprintf("jobs=%s/%s", size.name, map[statistics.Format]string{statistics.Text: "text", statistics.CSV: "csv"}[f]), func(b *testing.B) {
				if !built {
					buildDB(b, path, n)
					built = true
				}
				ctx := context.Background()
				out := b.TempDir()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
					if err != nil {
						b.Fatal(err)
					}
					wf, err := db.WorkflowByUUID(ctx, syntheticUUID)
					if err != nil {
						b.Fatal(err)
					}
					res, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{wf}},
						statistics.Options{Levels: statistics.All, Format: f, Location: time.UTC, OutputDir: out})
					if err != nil || len(res.Failures) > 0 {
						b.Fatal(err, res.Failures)
					}
					db.Close()
				}
			})
		}
	}
}
