package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/synth"
)

// benchSynthRun generates a synthetic run of n compute jobs once per
// machine (under the temporary directory) and returns its dagman.out.
func benchSynthRun(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "pegasus-ingest-bench-synth-"+strconv.Itoa(n))
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err != nil {
		os.RemoveAll(dir)
		if _, err := synth.Generate(context.Background(), synth.Options{Dir: dir, Jobs: n, Seed: 1, FailRate: 0.05}); err != nil {
			b.Fatal(err)
		}
	}
	m, err := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	if err != nil || len(m) != 1 {
		b.Fatalf("no dagman.out in %s", dir)
	}
	return m[0]
}

// benchReplay replays a synthetic run through the ingest side alone: every
// file is read and parsed and every event made, jobstate.log lines are
// dropped and the events are counted.
func benchReplay(b *testing.B, n int) {
	out := benchSynthRun(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	defer testutil.CPUPerOp(b)()
	events := 0
	for i := 0; i < b.N; i++ {
		opts := ingest.Options{Jobstate: func(ingest.JobstateRecord, string) {}}
		_, err := ingest.Replay(context.Background(), out, opts, func(batch []*ingest.Event) error {
			events += len(batch)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if events == 0 {
		b.Fatal("no events")
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

func BenchmarkReplay1k(b *testing.B)  { benchReplay(b, 1000) }
func BenchmarkReplay10k(b *testing.B) { benchReplay(b, 10000) }
