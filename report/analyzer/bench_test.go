package analyzer

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/stampede"
)

// benchRun returns a benchmark run: $ANALYZER_BENCH_DIR when set (see
// TestWriteBenchRun), else 100,000 jobs built into a temporary directory.
func benchRun(b *testing.B) string {
	b.Helper()
	if dir := os.Getenv("ANALYZER_BENCH_DIR"); dir != "" {
		return filepath.Join(dir, "bench-0.stampede.duckdb")
	}
	dir := filepath.Join(b.TempDir(), "run")
	return buildBenchRun(b, dir, 100_000, 5, 2, 1)
}

// BenchmarkReport times what pegasus-analyzer does on a run with 5% failed
// jobs: open the database, read and diagnose the failures, write the report.
func BenchmarkReport(b *testing.B) {
	path := benchRun(b)
	ctx := context.Background()
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true, Wait: time.Second})
				if err != nil {
					b.Fatal(err)
				}
				r, err := FromDatabase(ctx, db, benchUUID, Options{Dir: filepath.Dir(path)})
				if err != nil {
					b.Fatal(err)
				}
				if format == "json" {
					err = WriteJSON(io.Discard, r)
				} else {
					err = WriteText(io.Discard, r, TextOptions{Examples: DefaultExamples})
				}
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
		})
	}
}
