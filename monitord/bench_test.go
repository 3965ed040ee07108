package monitord

import (
	"context"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/synthrun"
)

func benchReplay(b *testing.B, n int, dest string) {
	out := synthrun.DagmanOut(b, n)
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
