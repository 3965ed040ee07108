package synth

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkGenerate1k writes a 1,000-job submit directory (about 3,000
// files, 10 MB) per iteration; bytes/op is the size written.
func BenchmarkGenerate1k(b *testing.B) {
	root := b.TempDir()
	loc := losAngeles(b)
	b.ReportAllocs()
	var bytes int64
	i := 0
	for b.Loop() {
		i++
		tr, err := Generate(context.Background(), Options{
			Dir: filepath.Join(root, strconv.Itoa(i)), SubmitDir: "/home/pegasus/submit/run0001",
			Jobs: 1000, Seed: 1, FailRate: 0.02, HoldRate: 0.005, Location: loc,
		})
		if err != nil {
			b.Fatal(err)
		}
		bytes = tr.Bytes
	}
	b.SetBytes(bytes)
}
