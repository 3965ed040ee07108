package ingest

import (
	"fmt"
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

// TestDAGJobstateLog checks that the JOBSTATE_LOG file read alone is the
// one ReadDAG gives.
func TestDAGJobstateLog(t *testing.T) {
	dir := t.TempDir()
	for i, text := range []string{
		"JOB a a.sub\n",
		"JOBSTATE_LOG js.log\nJOB a a.sub\n",
		"JOB a a.sub\n  jobstate_log\t/abs/js.log  \n",
		"JOBSTATE_LOG first.log\nJOB a a.sub\nJobState_Log second.log\n",
		"JOB a a.sub\nJOBSTATE_LOG\n",
	} {
		path := filepath.Join(dir, fmt.Sprintf("%d.dag", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := ReadDAGFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DAGJobstateLog(path)
		if err != nil || got != d.JobstateLog {
			t.Errorf("%q: %q, %v; ReadDAG gives %q", text, got, err, d.JobstateLog)
		}
	}
	if _, err := DAGJobstateLog(filepath.Join(dir, "missing.dag")); err == nil {
		t.Error("no error for a missing DAG")
	}
}
