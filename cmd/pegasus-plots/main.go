// Command pegasus-plots draws charts of a workflow run from its Stampede
// database (Gantt chart, hosts over time, jobs per hour or day, breakdown
// per transformation, critical path, workflow graphs) as PNG files, and one
// self-contained index.html that embeds them with the statistics summary.
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
pegasus-plots - charts of a workflow run, from its Stampede database

Usage:
  pegasus-plots [options] [SUBMIT_DIR ... | DATABASE | ARCHIVE_DIR | WF_UUID ...]

pegasus-plots reads the database pegasus-monitord loaded (found from the
submit directory as pegasus-statistics finds it; or a DuckDB file or a
Parquet archive given as argument or with --dest) and writes into
<submit dir>/plots (emptied first), ./plots for a database argument, or the
-o directory:
  index.html         one page with the statistics summary and every chart
                     embedded: open it in a browser, copy it anywhere
  gantt_chart/       one bar per job try split into DAGMan, HTCondor queue,
                     remote run (kickstart's view inside) and POST script;
                     past --detail-limit tries, tries per phase over time
  host_chart/        which host ran what, when (busiest hosts over time when
                     binned)
  time_chart/        job instances and invocations per hour or day, with
                     their runtime (pegasus-statistics' time statistics)
  breakdown_chart/   invocations and total runtime per transformation
  critical_path/     the chain of jobs that set the makespan, split into
                     queue, run, POST script and DAGMan time
  dag_graph/, dax_graph/  the jobs and the tasks as Graphviz .dot files,
                     rendered to PNG when Graphviz's dot is installed and the
                     workflow has at most -m jobs/tasks
A hierarchical run gets one section per sub-workflow.

Plotting levels (-p, comma-separated): all (default), all_charts,
all_graphs, gantt_chart, host_chart, time_chart, breakdown_chart,
critical_path, dag_graph, dax_graph.

Examples:
  # Every chart of the run in the current directory
  pegasus-plots

  # Charts of a run into /tmp/p, graphs up to 500 nodes
  pegasus-plots -o /tmp/p -m 500 /runs/diamond/run0001

  # Only the Gantt chart and the critical path
  pegasus-plots -p gantt_chart,critical_path /runs/diamond/run0001

  # From a database file or a Parquet archive
  pegasus-plots -o out /data/diamond-0.stampede.duckdb
  pegasus-plots --dest /data/archive -u -o out 6d3c0b7e-...

  # Every run of a shared database (pegasus.monitord.output) on one page
  pegasus-plots --multiple-wf -o all --dest /data/runs.stampede.duckdb

Without Graphviz the graphs are written as .dot files only; install it with
'apt-get install graphviz' (Debian, Ubuntu), 'dnf install graphviz' or
'brew install graphviz'.

Exit status: 0 done (charts that could not be drawn are listed as
warnings and in the page); 1 error (no database, unknown workflow); 2 usage
error; 3 pegasus-monitord has not finished loading the run (wait for it,
replay it, or use -i); 130 interrupted.
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
		fmt.Fprintf(stderr, "pegasus-plots: %v\n", err)
		return exitNotLoaded
	}
	return cli.ExitCode("pegasus-plots", err, stderr)
}
