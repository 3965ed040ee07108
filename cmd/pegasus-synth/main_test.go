package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/stampede"
)

func TestBadUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--jobs", "3", "--out", "x", "--bogus"}, "unknown flag: --bogus"},
		{"no jobs", []string{"--out", "x"}, "--jobs must be at least 1"},
		{"no out", []string{"--jobs", "3"}, "--out is required"},
		{"bad rate", []string{"-n", "3", "-o", "x", "--fail-rate", "1.5"}, "--fail-rate must be in [0, 1)"},
		{"bad start", []string{"-n", "3", "-o", "x", "--start", "yesterday"}, `--start "yesterday"`},
		{"argument", []string{"-n", "3", "-o", "x", "extra"}, `unexpected argument "extra"`},
		{"bad define", []string{"-n", "3", "-o", "x", "-D", "novalue"}, "not key=value"},
		{"out and stampede", []string{"-n", "3", "-o", "x", "--stampede", "y"}, "--stampede and --out exclude each other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, &stdout, &stderr)
			var msg bytes.Buffer
			if code := exitCode(err, &msg); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if lines := strings.Count(msg.String(), "\n"); lines != 1 || !strings.Contains(msg.String(), tc.want) {
				t.Errorf("message %q: want one line containing %q", msg.String(), tc.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--help"}, &stdout, &stderr)
	if code := exitCode(err, &bytes.Buffer{}); code != 0 {
		t.Fatalf("--help: exit code %d", code)
	}
	for _, want := range []string{"Usage: pegasus-synth", "Examples:", "--fail-rate", "--hold-rate", "--conf"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wf")
	conf := filepath.Join(t.TempDir(), "p.properties")
	if err := os.WriteFile(conf, []byte("dagman.stagein.maxjobs = 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-n", "25", "-o", dir, "--seed", "9", "--label", "demo", "--start", "2023-03-03T23:09:48-08:00",
		"--retry", "2", "--conf", conf, "-D", "pegasus.stageout.clusters=1", "--width", "4", "--depth", "2"}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "DAG nodes") || stderr.Len() != 0 {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	var tr struct {
		Options struct {
			Jobs  int    `json:"jobs"`
			Retry int    `json:"retry"`
			Start string `json:"start"`
		} `json:"options"`
		DAGFile string `json:"dag_file"`
		Start   int64  `json:"workflow_start_epoch"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, 3, 4, 7, 9, 48, 0, time.UTC).Unix()
	if tr.Options.Jobs != 25 || tr.Options.Retry != 2 || tr.DAGFile != "demo-0.dag" || tr.Start != want {
		t.Errorf("truth: %+v (start %d, want %d)", tr, tr.Start, want)
	}
	dag, err := os.ReadFile(filepath.Join(dir, "demo-0.dag"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"MAXJOBS stagein 3\n", "RETRY create_dir_demo_0_local 2\n", "JOB stage_out_local_local_4_0 "} {
		if !bytes.Contains(dag, []byte(line)) {
			t.Errorf("DAG lacks %q", line)
		}
	}
	// A second run into the same directory is refused (exit 1, not 2).
	err = run(context.Background(), args, &stdout, &stderr)
	if code := exitCode(err, &bytes.Buffer{}); code != 1 {
		t.Errorf("rerun into a full directory: exit %d, want 1", code)
	}
}

// --stampede writes the rows of a synthetic run into a new database: the
// jobs asked for (plus one dax job per sub-workflow), the sub-workflows,
// and job edges; an existing file is refused and left alone.
func TestStampedeFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.duckdb")
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-n", "500", "--stampede", path, "--sub-workflows", "3", "-q"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var wfs, jobs, daxJobs, edges int
	q := `SELECT (SELECT count(*) FROM workflow), (SELECT count(*) FROM job WHERE type_desc <> 'dax'),
		(SELECT count(*) FROM job WHERE type_desc = 'dax'), (SELECT count(*) FROM job_edge)`
	if err := db.SQL.QueryRowContext(ctx, q).Scan(&wfs, &jobs, &daxJobs, &edges); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if wfs != 4 || jobs != 500 || daxJobs != 3 || edges == 0 {
		t.Errorf("%d workflows, %d jobs, %d dax jobs, %d edges; want 4, 500, 3 and some edges", wfs, jobs, daxJobs, edges)
	}
	before, _ := os.Stat(path)
	if err := run(ctx, []string{"-n", "5", "--stampede", path, "-q"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("existing file: err %v", err)
	}
	if after, err := os.Stat(path); err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Error("the existing file was touched")
	}
}
