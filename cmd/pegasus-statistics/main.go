// Command pegasus-statistics summarises a workflow run from its Stampede
// database: counts of tasks, jobs and sub-workflows, wall times, per-job,
// per-transformation, per-day and integrity statistics, as text or CSV
// files with Pegasus's names and layouts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/report"
)

const help = `
pegasus-statistics - statistics of a workflow run, from its Stampede database

Usage:
  pegasus-statistics [options] [SUBMIT_DIR ... | WF_UUID ...]

pegasus-statistics reads the database pegasus-monitord loaded (by default
<label>-<index>.stampede.duckdb in the submit directory, else in the
directory braindump.yml's submit_dir names) and writes, into
<submit dir>/statistics (emptied first) or the -o directory:
  summary     summary.txt (summary.csv, summary-time.csv): task/job/sub-workflow
              counts and the wall times; also printed on the console
  wf_stats    workflow.txt (.csv): the counts per (sub-)workflow
  jb_stats    jobs.txt (.csv): one line per job try (one workflow only)
  tf_stats    breakdown.txt (.csv): run time, memory and CPU per transformation
  ti_stats    time.txt (time.csv, time-per-host.csv): jobs and invocations per
              day or hour (-t), in the local time zone (--time-zone)
  int_stats   integrity.txt (.csv): checksum computations and checks
  all         all of these (default; without jb_stats for several workflows)
A hierarchical workflow is reported with all its sub-workflows. The numbers
are Pegasus's, definitions included (docs/statistics.md).

With several submit directories or UUIDs, or -m, the statistics cover
several root workflows (-o is then required; -m alone means every root
workflow of the database given with --dest or --conf).

Examples:
  # Everything, for the run in the current directory
  pegasus-statistics

  # The summary of a run, as CSV files in /tmp/stats
  pegasus-statistics -s summary -f csv -o /tmp/stats /runs/diamond/run0001

  # Hourly time statistics in UTC
  pegasus-statistics -s ti_stats -t hour --time-zone UTC /runs/diamond/run0001

  # A workflow by UUID, from a database or a Parquet archive
  pegasus-statistics --dest /data/all-runs.duckdb -u -o out 6d3c0b7e-...
  pegasus-statistics --dest /data/archive -m -o out

  # Two runs together
  pegasus-statistics -o both /runs/diamond/run0001 /runs/diamond/run0002

Exit status: 0 done; 1 error (no database, unknown workflow, or a kind of
statistics could not be generated); 2 usage error; 3 pegasus-monitord has
not finished loading the run (wait for it, replay it, or use -i); 130
interrupted. (Pegasus 5 exits 0 after printing an error; this tool does not.)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitNotLoaded is the exit status when pegasus-monitord has not finished.
const exitNotLoaded = 3

func exitCode(err error, stderr io.Writer) int {
	if errors.Is(err, report.ErrMonitordRunning) || errors.Is(err, report.ErrNotLoaded) {
		fmt.Fprintf(stderr, "pegasus-statistics: %v\n", err)
		return exitNotLoaded
	}
	return cli.ExitCode("pegasus-statistics", err, stderr)
}
