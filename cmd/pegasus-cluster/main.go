// Command pegasus-cluster runs the tasks of a clustered job one after the
// other: one command line per task in its input (the job's .in file), with
// a [cluster-task] line after each and a [cluster-summary] line at the end
// (FORMATS.md §5.4). See docs/planner.md.
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
)

const help = `
pegasus-cluster - run the tasks of a clustered job in sequence

Usage:
  pegasus-cluster [options] [INPUT]

INPUT (default: standard input, as the planner's clustered jobs use it) has
one task per line: a command line, split into words like a shell does (single
and double quotes, backslash escapes; no variables, globs or redirections).
Blank lines and lines starting with '#' are skipped; a comment
'#@ <task id> <transformation> <derivation>' names the task that follows.
The planner writes each task as a pegasus-kickstart command line, so the
job's output holds one kickstart record per task.

Each task's stdout and stderr go to pegasus-cluster's. After each task a line
  [cluster-task id=N, start="...", duration=S, status=RAW, line=L, pid=P, app="..."]
is printed on stdout (status is the raw wait status: exit code times 256, or
the signal), and at the end
  [cluster-summary stat="ok|fail", lines=L, tasks=T, succeeded=S, failed=F, extra=X, duration=S, start="...", pid=P, app="..."]
where lines counts the input lines, tasks the task lines and extra the tasks
not run because an earlier one failed with -f.

Examples:
  # As a clustered job runs it
  pegasus-cluster -f < merge_diamond-findrange-4.0_PID2_ID1.in

  # Keep going after failures, record progress in a file
  pegasus-cluster -R progress.txt tasks.in

Exit status:
  0  every task succeeded
  1  a task failed (or could not start), or the input could not be read
  2  usage error
  130 interrupted (the running task is killed)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-cluster", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-cluster", help, stderr)
	failFast := fs.BoolP("fail-hard", "f", false, "stop at the first failed task (default from pegasus.clusterer.job.aggregator.seqexec.firstjobfail)")
	report := fs.StringP("report", "R", "", "also append the [cluster-task] lines to `file`")
	okCodes := fs.IntSliceP("success", "S", nil, "extra exit `codes` that count as success")
	conf := fs.String("conf", "", "properties `file`")
	defines := fs.StringArrayP("define", "D", nil, "set property `key=value`")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return cli.Usagef("expected at most one input file, got %d", fs.NArg())
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	if !fs.Changed("fail-hard") {
		*failFast = props.Bool("pegasus.clusterer.job.aggregator.seqexec.firstjobfail", false)
	}
	in := stdin
	name := "<stdin>"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	tasks, lines, err := ReadTasks(in, name)
	if err != nil {
		return err
	}
	app := os.Args[0]
	if exe, err := os.Executable(); err == nil {
		app = exe
	}
	r := &Runner{Stdout: stdout, Stderr: stderr, FailFast: *failFast, App: app}
	for _, c := range *okCodes {
		r.OK = append(r.OK, c)
	}
	if *report != "" {
		f, err := os.OpenFile(*report, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		r.Report = f
	}
	sum, err := r.Run(ctx, tasks, lines)
	if err != nil {
		return err
	}
	if sum.Failed > 0 || sum.Extra > 0 {
		msg := fmt.Sprintf("%d of %d tasks failed", sum.Failed, len(tasks))
		if sum.Extra > 0 {
			msg += fmt.Sprintf(", %d not run", sum.Extra)
		}
		return cli.Exit(cli.ExitFailure, errors.New(msg))
	}
	return nil
}
