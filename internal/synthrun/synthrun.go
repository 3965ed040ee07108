// Package synthrun gives benchmarks a generated run to read: a synthetic
// submit directory of n compute jobs (seed 1, 5% of the tries failing),
// written once per machine under the temporary directory and kept for the
// next benchmarks.
package synthrun

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pegasus-go/pegasus/synth"
)

// DagmanOut returns the dagman.out of the generated run of n jobs,
// generating the run first if it is not there yet.
func DagmanOut(tb testing.TB, n int) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "pegasus-bench-synth-"+strconv.Itoa(n))
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err != nil {
		os.RemoveAll(dir)
		if _, err := synth.Generate(context.Background(), synth.Options{Dir: dir, Jobs: n, Seed: 1, FailRate: 0.05}); err != nil {
			tb.Fatal(err)
		}
	}
	m, err := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	if err != nil || len(m) != 1 {
		tb.Fatalf("no dagman.out in %s", dir)
	}
	return m[0]
}
