// Command pegasus-synth writes a realistic Pegasus 5.x submit directory of any
// size (planner files, DAGMan log, kickstart records, truth.json) for tests,
// benchmarks and demos. See docs/synth.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/stampede"
	"github.com/pegasus-go/pegasus/synth"
)

const usage = `Usage: pegasus-synth --jobs N --out DIR [options]
       pegasus-synth --jobs N --stampede FILE [--sub-workflows K]

Writes into DIR a submit directory shaped like the ones Pegasus 5.0.5 and
HTCondor 10.2 leave behind after a run: braindump.yml, <label>-0.dag, one .sub
per job in hashed 00/00/ folders, <label>-0.static.bp, .metrics, .notify, the
DAGMan log <label>-0.dag.dagman.out (simulated second by second), one kickstart
record and one PegasusLite stderr file per job try, the rescue DAG when jobs
failed, and truth.json with the counts and times tests assert against.
The same flags (and time zone, TZ) always give the same bytes.

With --stampede, no submit directory is written: the rows of a synthetic
hierarchical run go straight into a new Stampede DuckDB file (about 100 MB
for a million jobs, where the submit directory would take 20 GB), for
benchmarks of pegasus-statistics, pegasus-analyzer and pegasus-plots at
sizes whose logs would not fit on disk. Its shapes are described in
docs/synth.md.

Examples:
  pegasus-synth --jobs 1000 --out /tmp/wf1k
  pegasus-synth -n 100000 -o /tmp/wf100k --seed 7 --fail-rate 0.05 --hold-rate 0.01
  TZ=America/Los_Angeles pegasus-synth -n 50 -o demo --width 4 --depth 2 \
      --label diamond --start 2023-03-03T23:09:48 --retry 2
  pegasus-synth -n 500 -o runs/a --conf pegasus.properties -Ddagman.stagein.maxjobs=2
  pegasus-synth -n 1000000 --stampede /tmp/1m.duckdb --sub-workflows 10

Exit status: 0 written, 1 error, 2 bad usage, 130 interrupted.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports usage errors on one line (exit 2) and leaves the rest to cli.
func exitCode(err error, stderr io.Writer) int {
	var ue *cli.UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "pegasus-synth: %v (see --help)\n", err)
		return cli.ExitUsage
	}
	return cli.ExitCode("pegasus-synth", err, stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-synth", usage, stderr)
	jobs := fs.IntP("jobs", "n", 0, "number of compute jobs (required)")
	out := fs.StringP("out", "o", "", "output `directory`, created; must be absent or empty (required)")
	seed := fs.Uint64P("seed", "s", 1, "random seed")
	failRate := fs.Float64("fail-rate", 0.02, "probability that a compute job try fails")
	holdRate := fs.Float64("hold-rate", 0.005, "probability that a compute job try is held")
	width := fs.Int("width", 10, "fan-out width of each group of compute jobs")
	depth := fs.Int("depth", 3, "fan-out levels per group, each closed by a merge job")
	label := fs.String("label", "synth", "workflow label")
	start := fs.String("start", "", "DAGMan start `time`, ISO 8601; without a zone, local time (default 2023-01-17T10:00:00)")
	slots := fs.Int("slots", 0, "execution slots in the simulated pool (default jobs/100 within [32, 1000])")
	retry := fs.Int("retry", -1, "RETRY for every node (default: dagman.retry property, else 1)")
	conf := fs.String("conf", "", "Pegasus properties `file` (dagman.retry, dagman.<category>.maxjobs, pegasus.stagein.clusters, ...)")
	defines := fs.StringArrayP("define", "D", nil, "property `key=value` (repeatable)")
	submitDir := fs.String("submit-dir", "", "absolute submit directory to record in the files (default: the absolute --out)")
	noKS := fs.Bool("no-kickstart", false, "run compute tasks without kickstart (their .out files hold the task's stdout)")
	full := fs.Bool("full", false, "also write the PegasusLite .sh scripts and the .meta files (2 more files per job)")
	workers := fs.Int("workers", 0, "file-writing goroutines (default 2×CPUs, at least 4)")
	quiet := fs.BoolP("quiet", "q", false, "no progress bar and no summary")
	dbFile := fs.String("stampede", "", "write a synthetic run's rows into this new DuckDB `file` instead of a submit directory")
	subWfs := fs.Int("sub-workflows", 10, "with --stampede: sub-workflows of the root workflow")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	case *jobs < 1:
		return cli.Usagef("--jobs must be at least 1")
	case *dbFile != "" && *out != "":
		return cli.Usagef("--stampede and --out exclude each other")
	case *dbFile != "":
		if *subWfs < 0 {
			return cli.Usagef("--sub-workflows cannot be negative")
		}
		return writeStampede(ctx, *dbFile, *jobs, *subWfs, *quiet, stdout)
	case *out == "":
		return cli.Usagef("--out is required")
	case *failRate < 0 || *failRate >= 1:
		return cli.Usagef("--fail-rate must be in [0, 1)")
	case *holdRate < 0 || *holdRate >= 1:
		return cli.Usagef("--hold-rate must be in [0, 1)")
	case *width < 1 || *depth < 1:
		return cli.Usagef("--width and --depth must be at least 1")
	case *slots < 0 || *workers < 0:
		return cli.Usagef("--slots and --workers cannot be negative")
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	if *retry >= 0 {
		props.Set("dagman.retry", fmt.Sprint(*retry))
	}
	var t0 time.Time
	if *start != "" {
		if t0, err = parseStart(*start); err != nil {
			return cli.Usage(err)
		}
	}
	progress, stopBar := cli.Progress(stderr, *quiet, "writing", false)
	tr, err := synth.Generate(ctx, synth.Options{
		Dir: *out, SubmitDir: *submitDir, Jobs: *jobs, Seed: *seed, FailRate: *failRate, HoldRate: *holdRate,
		Width: *width, Depth: *depth, Label: *label, Start: t0, Slots: *slots, Properties: props,
		NoKickstart: *noKS, Full: *full, Workers: *workers, Progress: progress,
	})
	stopBar()
	if err != nil {
		if errors.Is(err, synth.ErrBadOptions) {
			return cli.Usage(err)
		}
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "%s: %d DAG nodes, %d job tries (%d retries), %d succeeded, %d failed, %d never submitted; DAGMan exit status %d\n",
			*out, tr.DAGNodes, tr.JobInstances, tr.Retries, tr.JobsSucceeded, tr.JobsFailed, tr.JobsNeverRun, tr.DAGManExitStatus)
		fmt.Fprintf(stdout, "%d files, %.1f MB; workflow wall time %s; truth in %s/truth.json\n",
			tr.Files, float64(tr.Bytes)/1e6, time.Duration(tr.WorkflowWall)*time.Second, *out)
	}
	return nil
}

// writeStampede fills a new DuckDB file with a synthetic run
// (stampede.FillSynthetic, with job edges). The file must not exist; on
// failure nothing is left behind.
func writeStampede(ctx context.Context, path string, jobs, subs int, quiet bool, stdout io.Writer) (err error) {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s: exists already", path)
	}
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			os.Remove(path + ".wal")
		}
	}()
	t0 := time.Now()
	if err := db.FillSynthetic(ctx, stampede.SyntheticRun{Jobs: jobs, SubWorkflows: subs}); err != nil {
		return err
	}
	if err := db.FillSyntheticEdges(ctx); err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(stdout, "%s: a synthetic run of %d jobs in %d sub-workflows, written in %s\n", path, jobs, subs, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// parseStart accepts RFC 3339 and zone-less ISO 8601 forms (local time).
func parseStart(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--start %q: not an ISO 8601 time (e.g. 2023-01-17T10:00:00 or 2023-01-17T10:00:00-08:00)", s)
}
