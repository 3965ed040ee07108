// Package sampledb gives tests a Stampede database loaded from one of the real
// Pegasus sample runs: the sample is copied to a temporary directory and
// replayed with pegasus-monitord's engine, in the zone the runs happened in.
package sampledb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/monitord"
)

// Zone is the time zone the sample runs happened in.
const Zone = "America/Los_Angeles"

// Run is a replayed sample.
type Run struct {
	Name   string // sample name, e.g. "process_wf_failure"
	Dir    string // the copy of its submit directory (writable)
	DB     string // the DuckDB file monitord wrote in Dir
	Expect string // the sample's expected/ directory (read-only)
}

// Load copies the sample called name and replays it. The test is skipped when
// the samples are absent and fails when the replay fails.
func Load(t testing.TB, name string) *Run {
	t.Helper()
	src := testutil.Sample(t, name)
	dir := testutil.CopyTree(t, src)
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}
	outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	if len(outs) != 1 {
		t.Fatalf("%s: want one *.dag.dagman.out, found %v", dir, outs)
	}
	res, err := monitord.Run(context.Background(), monitord.Config{
		DagmanOut: outs[0], Replay: true, Ingest: ingest.Options{Loc: loc},
	})
	if err != nil {
		t.Fatalf("replay %s: %v", name, err)
	}
	return &Run{Name: name, Dir: dir, DB: res.DBPath, Expect: filepath.Join(src, "expected")}
}

// All loads every sample run that has an expected/ directory.
func All(t testing.TB) []*Run {
	t.Helper()
	var out []*Run
	for _, n := range testutil.SampleRuns(t) {
		out = append(out, Load(t, n))
	}
	return out
}

// CopyTree copies a directory (the samples are read-only) into a temporary
// directory, leaving out expected/.
func CopyTree(t testing.TB, src string) string { return testutil.CopyTree(t, src) }
