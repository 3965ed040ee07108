package ingest

import "testing"

func BenchmarkZZReadDAGNodes(b *testing.B) {
	for b.Loop() {
		if _, err := ReadDAGNodes("/tmp/s100k/synth-0.dag"); err != nil {
			b.Fatal(err)
		}
	}
}
