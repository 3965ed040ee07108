package monitord

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/synth"
)

// benchRun generates a synthetic run of n compute jobs once per process.
func benchRun(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "pegasus-bench-synth-"+strconv.Itoa(n))
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err != nil {
		os.RemoveAll(dir)
		if _, err := synth.Generate(context.Background(), synth.Options{Dir: dir, Jobs: n, Seed: 1, FailRate: 0.05}); err != nil {
			b.Fatal(err)
		}
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	return m[0]
}

func benchReplay(b *testing.B, n int, dest string) {
	out := benchRun(b, n)
	// As pegasus-monitord's main does.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg := Config{DagmanOut: out, Replay: true, Ingest: ingest.Options{}}
		switch dest {
		case "none":
			cfg.NoEvents = true
		case "db":
			cfg.Dest = filepath.Join(b.TempDir(), "b.duckdb")
		}
		if _, err := Run(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

func BenchmarkReplay1kNoEvents(b *testing.B) { benchReplay(b, 1000, "none") }
func BenchmarkReplay1kDuckDB(b *testing.B)   { benchReplay(b, 1000, "db") }
func BenchmarkReplay10kDuckDB(b *testing.B)  { benchReplay(b, 10000, "db") }
