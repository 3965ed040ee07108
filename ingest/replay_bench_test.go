package ingest_test

import (
	"context"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/synthrun"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// benchReplay replays a synthetic run through the ingest side alone: every
// file is read and parsed and every event made, jobstate.log lines are
// dropped and the events are counted.
func benchReplay(b *testing.B, n int) {
	out := synthrun.DagmanOut(b, n)
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
