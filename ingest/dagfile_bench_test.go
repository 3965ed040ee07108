package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkReadDAG(b *testing.B) {
	m, _ := filepath.Glob(filepath.Join(os.TempDir(), "pegasus-bench-synth-10000", "*.dag"))
	if len(m) == 0 {
		b.Skip("no generated run")
	}
	for i := 0; i < b.N; i++ {
		if _, err := ReadDAGFile(m[0]); err != nil {
			b.Fatal(err)
		}
	}
}
