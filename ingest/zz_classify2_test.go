package ingest

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkZZClassify(b *testing.B) {
	data, err := os.ReadFile("/tmp/s100k/synth-0.dag.dagman.out")
	if err != nil {
		b.Skip()
	}
	lines := bytes.Split(data, []byte("\n"))
	dag, err := ReadDAGNodes("/tmp/s100k/synth-0.dag")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		dc := &DagmanClassifier{Clock: &Clock{}, dag: dag}
		for i, l := range lines {
			dc.Classify(l, i)
		}
	}
}
