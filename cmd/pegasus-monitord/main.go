// Command pegasus-monitord turns a workflow's DAGMan log and job files into
// Stampede data: a DuckDB database (or a NetLogger BP file), jobstate.log,
// and optionally a Parquet archive.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/monitord"
)

const help = `
pegasus-monitord - load a workflow's logs into a Stampede database

Usage:
  pegasus-monitord [options] <label>-<index>.dag.dagman.out

Without --replay it follows a running workflow: it reads the logs as they
grow, commits to the database about once a second (opening the file only
for each commit, so reports and an analyst's duckdb shell can read between
commits), runs the hooks of the workflow's .notify file, and ends when
DAGMan exits. pegasus-run starts it for you. Started again after a crash,
even kill -9, it loads the run again from the start and gives the same
database; hooks already run are not run again.

pegasus-monitord reads the DAGMan log of a workflow (and the submit, job
output and kickstart files beside it, following sub-workflows), and writes:
  - the Stampede tables into a DuckDB database, by default
    <label>-<index>.stampede.duckdb beside the DAG (--dest changes it);
  - jobstate.log in every workflow directory (the old one is kept as
    jobstate.log.NNN);
  - monitord.started, monitord.done and monitord.info, which the reporting
    tools check before reading the database.
Loading is one transaction: if it fails, the database is left as it was.
Loading the same run again replaces its rows; nothing is duplicated.

Examples:
  # Load a finished run into <submit dir>/diamond-0.stampede.duckdb
  pegasus-monitord --replay /runs/diamond/run0001/diamond-0.dag.dagman.out

  # Into a database of your choice, and archive the run as Parquet
  pegasus-monitord -r --dest /data/all-runs.duckdb --archive /data/archive run0001/diamond-0.dag.dagman.out

  # Write the NetLogger event stream instead of a database
  pegasus-monitord -r --dest file:///tmp/diamond.bp run0001/diamond-0.dag.dagman.out

  # Then query it
  duckdb /runs/diamond/run0001/diamond-0.stampede.duckdb \
    "SELECT exec_job_id, try, status, runtime_seconds FROM job_try ORDER BY runtime_seconds DESC LIMIT 5"

Debugging aids: PEGASUS_CPUPROFILE=FILE writes a CPU profile of the whole
command, PEGASUS_MEMPROFILE=FILE an allocation/heap profile at exit (read
them with go tool pprof).

Exit status: 0 loaded, 1 the run could not be loaded (the message names the
file and line), 2 usage error, 43 another monitord follows this workflow,
130 interrupted.
`

func main() {
	// Loading allocates many short-lived objects: trade memory for less GC
	// work, within a bound that keeps a 100,000-job replay under 1 GiB of
	// RSS (DuckDB takes about half of it) and grows with the live heap for
	// bigger runs. GOGC and GOMEMLIMIT in the environment win.
	stopGC := tuneGC()
	defer stopGC()
	stopProfiles := startProfiles(os.Stderr)
	defer stopProfiles()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	stopProfiles()
	stopGC()
	os.Exit(cli.ExitCode("pegasus-monitord", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-monitord", help, stderr)
	replay := fs.BoolP("replay", "r", false, "replay a workflow's logs from the start (the way to load a run)")
	dest := fs.StringP("dest", "d", "", "where events go: a DuckDB `file` (or duckdb:///PATH), file://PATH.bp for a NetLogger BP file, or - for BP on stdout")
	archive := fs.String("archive", "", "also write the loaded run as Parquet under `DIR`/<table>/root_wf_uuid=<uuid>/")
	conf := fs.String("conf", "", "properties `file` (overrides the run's own properties)")
	defines := fs.StringArrayP("define", "D", nil, "set a property, `key=value` (repeatable)")
	adjust := fs.Float64P("adjust", "a", 0, "`seconds` added to every DAGMan time stamp (time-zone correction)")
	jobstate := fs.StringP("job", "j", "", "jobstate file `name` (default jobstate.log)")
	outdir := fs.StringP("output-dir", "o", "", "write monitord's files into `DIR`, prefixed with <wf_uuid>-")
	noRecursive := fs.Bool("no-recursive", false, "do not follow sub-workflows")
	noEvents := fs.Bool("no-events", false, "only write jobstate.log (no database)")
	fs.Bool("no-database", false, "same as --no-events")
	fs.Bool("nodatabase", false, "same as --no-events")
	skipStdout := fs.Bool("skip-stdout", false, "do not store jobs' stdout/stderr text")
	fromJobstate := fs.String("jobstate-input", "", "read the root workflow's events from the jobstate log `file` HTCondor's DAGMan wrote (JOBSTATE_LOG) instead of dagman.out")
	noNotify := fs.Bool("no-notifications", false, "do not run the hooks of .notify files (a replay never runs them)")
	fs.Bool("no-notification", false, "same as --no-notifications")
	notifyMax := fs.Int("notifications-max", 10, "most notification hooks running at once (0 disables them)")
	notifyTimeout := fs.Int("notifications-timeout", 0, "kill a notification hook after `seconds` (0: no limit)")
	notifyEndWait := fs.Int("notifications-end-wait", 0, "once the run is loaded, wait at most `seconds` for hooks still running or queued, then kill or drop them (default 120)")
	force := fs.BoolP("force", "f", false, "start even if monitord.pid names a running monitord")
	fs.Bool("fast-start", false, "accepted for compatibility")
	fs.BoolP("condor-daemon", "N", false, "accepted for compatibility")
	verbose := fs.CountP("verbose", "v", "print warnings and a summary (repeat for more)")
	quiet := fs.BoolP("quiet", "q", false, "print nothing but errors, no progress")
	encoding := fs.StringP("encoding", "e", "bp", "event encoding for file destinations: bp")
	poll := fs.Duration("poll", time.Second, "when following a running workflow: longest wait between reads of the logs, and between database commits")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Usagef("expected one <label>-<index>.dag.dagman.out argument, got %d", fs.NArg())
	}
	if !strings.HasSuffix(fs.Arg(0), ".dagman.out") {
		return cli.Usagef("%s: the argument must be a <dag>.dagman.out file", fs.Arg(0))
	}
	if *encoding != "bp" {
		return cli.Usagef("--encoding %s: only bp is supported", *encoding)
	}
	if fs.Changed("no-database") || fs.Changed("nodatabase") {
		*noEvents = true
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	if *replay {
		replayGC()
	}
	progress, stopProgress := cli.Progress(stderr, *quiet, "loading", true)
	defer stopProgress()
	warnings := 0
	cfg := monitord.Config{
		DagmanOut: fs.Arg(0), Replay: *replay, Dest: *dest, NoEvents: *noEvents, JobstateName: *jobstate,
		OutputDir: *outdir, Archive: *archive, Props: props, Stdout: stdout, JobstateInput: *fromJobstate,
		Ingest: ingest.Options{
			Adjust: *adjust, SkipStdout: *skipStdout, NoRecursive: *noRecursive, Progress: progress,
			OnWarning: func(w ingest.Warning) {
				warnings++
				if *verbose > 0 && !*quiet {
					fmt.Fprintf(stderr, "warning: %s\n", w)
				}
			},
		},
	}
	if *notifyMax < 0 || *notifyTimeout < 0 || *notifyEndWait < 0 {
		return cli.Usagef("--notifications-max, --notifications-timeout and --notifications-end-wait must not be negative")
	}
	if fs.Changed("no-notification") {
		*noNotify = true
	}
	cfg.Force, cfg.NoNotifications = *force, *noNotify || *notifyMax == 0
	if fs.Changed("notifications-max") {
		cfg.Notify.Max = *notifyMax
	}
	cfg.Notify.Timeout = time.Duration(*notifyTimeout) * time.Second
	cfg.Notify.EndWait = time.Duration(*notifyEndWait) * time.Second
	cfg.Notify.Verbose = *verbose > 0
	cfg.Ingest.Poll, cfg.CommitInterval = *poll, *poll
	res, err := monitord.Run(ctx, cfg)
	if errors.Is(err, monitord.ErrRunning) {
		return cli.Exit(43, err)
	}
	stopProgress()
	if err != nil {
		return err
	}
	if !*quiet {
		where := res.DBPath
		if where == "" {
			where = res.BPPath
		}
		if where == "" && *dest == "-" {
			where = "stdout"
		}
		wfs := 0
		if res.Replay != nil {
			wfs = len(res.Replay.Workflows)
		}
		msg := fmt.Sprintf("loaded %d workflow(s), %d jobs, %d job instances, %d invocations in %s",
			wfs, res.Stats.Jobs, res.Stats.JobInstances, res.Stats.Invocations, res.Elapsed.Round(time.Millisecond))
		if where != "" {
			msg += " into " + where
		}
		if warnings > 0 {
			msg += fmt.Sprintf(" (%d warnings; -v shows them)", warnings)
			if *verbose > 0 {
				msg = strings.TrimSuffix(msg, "; -v shows them)") + ")"
			}
		}
		fmt.Fprintln(stderr, msg)
		if len(res.Archived) > 0 {
			fmt.Fprintf(stderr, "archived %d tables under %s\n", len(res.Archived), *archive)
		}
	}
	return nil
}
