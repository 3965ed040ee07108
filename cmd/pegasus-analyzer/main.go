// Command pegasus-analyzer reports why a workflow run failed: the counts of
// succeeded, failed, held and unsubmitted jobs, then for each failed or held
// job its root cause first, its files, tasks, exit codes and output — from
// the run's Stampede database or from the submit directory's files alone.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/pegasus-go/pegasus/internal/cli"
)

const help = `
pegasus-analyzer - why did my workflow fail?

Usage:
  pegasus-analyzer [options] [SUBMIT_DIR]
  pegasus-analyzer --debug-job JOB [--debug-dir DIR] [SUBMIT_DIR]

pegasus-analyzer reads the run's Stampede database (found as pegasus-statistics
finds it: the properties' pegasus.monitord.output, else
<label>-<index>.stampede.duckdb in the submit directory, else in braindump's
submit_dir; or --dest) and prints, in Markdown:
  - the summary: total, succeeded, failed, held and unsubmitted jobs;
  - the failure signatures: failures with the same transformation, exit code
    and first stderr line counted as one line, then the failures per host;
  - for each held, failing and failed job: its root cause on the first line
    (the exit status or signal, the message of the kickstart record, the job's
    stderr or the HTCondor hold reason that says why), then its last state,
    site, submit/output/error files (of the failed try), and per task the
    exit code, host, executable, arguments, working directory and output.
With many failures, the first --examples jobs of each signature are shown in
full and the others listed by name.

With --dest and no submit directory (no argument, and the working directory
is none), the report is on every root workflow of the database, each with the
submit directory the database records; a note says when it cannot be read.

With --files, no database is needed: the report comes from jobstate.log (else
the DAGMan log), the .dag, the .sub files and the jobs' .out/.err files. When
the database is missing or does not hold the run, the files are read instead,
with a note saying so.

Examples:
  # The run in the current directory
  pegasus-analyzer

  # A run, from its files only
  pegasus-analyzer --files /runs/diamond/run0001

  # For scripts: the JSON of pegasus-analyzer --json, plus root causes
  pegasus-analyzer --json /runs/diamond/run0001 > failures.json

  # Every failed job in full, into sub-workflows, without task output
  pegasus-analyzer --all -r -q /runs/diamond/run0001

  # Every run of a database, wherever their submit directories are now
  pegasus-analyzer --dest /data/all-runs.duckdb

  # A sub-workflow, with the database of the top workflow
  pegasus-analyzer -d run0001/00/00/inner.000 --top-dir run0001

  # Re-run a failed job by hand
  pegasus-analyzer --debug-job ls_ID0000001 --debug-dir /tmp/dbg /runs/diamond/run0001
  cd /tmp/dbg && ./debug_ls_ID0000001.sh

Exit status: 0 every workflow reported succeeded; 1 a workflow failed, is
still running or its state is unknown; 2 usage or input error (no such directory, not a submit directory, unreadable database);
130 interrupted. With --debug-job: 0 the script was written, 2 it could not
be. (Pegasus 4.x and 5.1 exit 2 for a failed workflow and 1 for errors; the
current Pegasus exits 0 for a failed workflow.)
`

func main() {
	stopGC := tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	stopGC()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode: the exit statuses of --help. An error that is neither a usage
// error nor an explicit exit is an input error (2).
func exitCode(err error, stderr io.Writer) int {
	var ee *cli.ExitError
	var ue *cli.UsageError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp), errors.Is(err, context.Canceled),
		errors.As(err, &ee), errors.As(err, &ue):
		return cli.ExitCode("pegasus-analyzer", err, stderr)
	}
	fmt.Fprintf(stderr, "pegasus-analyzer: %s\n", oneLine(err.Error()))
	return cli.ExitUsage
}

// gcFloor is the heap size below which tuneGC lets no garbage collection
// run.
const gcFloor = 64 << 20

// tuneGC: the report holds what it says of every failed try at once, and
// most of the heap stays live until the end, so a collection mostly traces
// live data. Unless GOGC or GOMEMLIMIT say otherwise, no collection runs
// until the heap reaches gcFloor (most runs end before); once one has run,
// collections follow GOGC=400. The returned function stops the watch.
func tuneGC() (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcFloor)
	done := make(chan struct{})
	go func() {
		sample := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(sample)
		start := sample[0].Value.Uint64()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if metrics.Read(sample); sample[0].Value.Uint64() != start {
					debug.SetGCPercent(400)
					debug.SetMemoryLimit(math.MaxInt64)
					return
				}
			}
		}
	}()
	return func() { close(done) }
}
