// Command pegasus-exitcode is the POST script of every planned job: it reads
// the kickstart records of the job's output file, decides whether the job
// succeeded, rotates the job's .out/.err files and records the metadata of
// the files the job produced. See docs/planner.md.
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
)

const help = `
pegasus-exitcode - decide whether a job succeeded (DAGMan POST script)

Usage:
  pegasus-exitcode [options] JOB.out

DAGMan runs it after each job, in the directory of the .dag, as the planner
wrote it:
  SCRIPT POST <job> pegasus-exitcode -r $RETURN -l <wf>.exitcode.log -M <wf>.cache.meta .//00/00/<job>.out

It moves JOB.out and JOB.err to JOB.out.NNN and JOB.err.NNN (NNN the first
free number from 000, the same for both), then decides. The job failed when:
  - DAGMan's -r status is not 0;
  - JOB.out holds no kickstart record, or a record cannot be parsed;
  - a record's task did not exit with status 0 (exit code, signal, or a
    task that could not start), or a [cluster-summary] reports failures;
  - the PegasusLite line "PegasusLite: exitcode N" in JOB.err has N != 0;
  - a --failure-message appears in the job's stdout or stderr, or a
    --success-message appears in neither.
Messages are URL-encoded ('+' for a space), as the planner writes them:
-s PegasusLite:+exitcode+0 means "PegasusLite: exitcode 0".

When the job succeeded, JOB.meta gets the JSON list of the output files the
records declare (name, size, ctime, user, checksum), and each of them is
appended to the -M file as '<lfn> @@PFN@@ key="value" ...' lines.

Each decision is appended as one line to the -l log, when given.

Examples:
  # As DAGMan runs it
  pegasus-exitcode -r 0 -l diamond-0.exitcode.log -M diamond-0.cache.meta .//00/00/analyze_ID0000004.out

  # Check a PegasusLite job by hand without rotating its files
  pegasus-exitcode -n -s PegasusLite:+exitcode+0 00/00/ls_ID0000001.out.001

Exit status:
  0  the job succeeded
  1  the job failed (the reason is printed on stderr and logged)
  2  usage error
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-exitcode", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-exitcode", help, stderr)
	ret := fs.StringP("return", "r", "", "job exit status as DAGMan reports it ($RETURN)")
	noRename := fs.BoolP("no-rename", "n", false, "do not rotate JOB.out and JOB.err")
	logFile := fs.StringP("log", "l", "", "append the decision to `file`")
	metaFile := fs.StringP("meta", "M", "", "append the job's output file metadata to `file` (the workflow's .cache.meta)")
	failures := fs.StringArrayP("failure-message", "f", nil, "the job failed if `message` (URL-encoded) is in its output (repeatable)")
	successes := fs.StringArrayP("success-message", "s", nil, "the job failed unless `message` (URL-encoded) is in its output (repeatable)")
	errFile := fs.StringP("error-file", "e", "", "stderr `file` of the job (default: JOB.out with .err)")
	conf := fs.String("conf", "", "properties `file` (pegasus.exitcode.failuremsg and pegasus.exitcode.successmsg add a message each)")
	defines := fs.StringArrayP("define", "D", nil, "set property `key=value`")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Usagef("expected one job output file, got %d arguments", fs.NArg())
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	opts := Options{
		Out: fs.Arg(0), Err: *errFile, Rename: !*noRename, MetaFile: *metaFile,
	}
	for _, m := range *failures {
		opts.Failure = append(opts.Failure, unquote(m))
	}
	for _, m := range *successes {
		opts.Success = append(opts.Success, unquote(m))
	}
	opts.Failure = append(opts.Failure, propMessages(props.String("pegasus.exitcode.failuremsg", ""))...)
	opts.Success = append(opts.Success, propMessages(props.String("pegasus.exitcode.successmsg", ""))...)
	if *ret != "" {
		var n int
		if _, err := fmt.Sscan(*ret, &n); err != nil {
			return cli.Usagef("-r %q is not a number", *ret)
		}
		opts.Return = &n
	}
	res, err := Check(opts)
	if err != nil && !errors.Is(err, ErrJobFailed) {
		return err
	}
	if *logFile != "" {
		if lerr := appendLog(*logFile, time.Now(), res, err); lerr != nil {
			fmt.Fprintf(stderr, "pegasus-exitcode: %v\n", lerr)
		}
	}
	if err != nil {
		return cli.Exit(cli.ExitFailure, err)
	}
	return nil
}

func appendLog(path string, now time.Time, res *Result, jobErr error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	status := "succeeded"
	if jobErr != nil {
		status = "failed: " + jobErr.Error()
	}
	_, err = fmt.Fprintf(f, "%s %s %s\n", now.Format("2006-01-02T15:04:05.000-07:00"), res.Out, status)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
