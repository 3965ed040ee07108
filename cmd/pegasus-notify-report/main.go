// Command pegasus-notify-report is a notification hook that writes a status
// report of the workflow each time it is run. It is run by pegasus-monitord.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/monitord"
	"github.com/pegasus-go/pegasus/stampede"
)

const help = `
pegasus-notify-report - write a workflow status report on a notification

Usage (as a hook in the abstract workflow, run by pegasus-monitord):
  <invoke when="all">pegasus-notify-report</invoke>

Appends to <submit dir>/notification-report.txt (or -o FILE) what happened
and, from the run's Stampede database, how many jobs succeeded, failed and
are still running, and which jobs failed.

Examples:
  pegasus-notify-report
  pegasus-notify-report -o /shared/reports/diamond.txt
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-notify-report", err, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-notify-report", help, stderr)
	out := fs.StringP("output", "o", "", "report `file` (default <submit dir>/notification-report.txt)")
	fs.String("conf", "", "properties `file` (accepted for consistency; not used)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	n, err := monitord.NotificationFromEnv(getenv)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(n.SubmitDir, "notification-report.txt")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "== %s  %s\n", n.Time, n.Subject())
	fmt.Fprint(&b, status(ctx, n.SubmitDir))
	b.WriteString("\n")
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report appended to %s\n", *out)
	return nil
}

// status summarises the run from its database (a live monitord commits about
// once a second; the report waits a moment if the file is busy).
func status(ctx context.Context, dir string) string {
	bd, err := ingest.ReadBraindumpDir(dir)
	if err != nil {
		return "  (no braindump: " + err.Error() + ")\n"
	}
	path := monitord.DefaultDB(dir, bd.DagFile())
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true, Wait: 10 * time.Second})
	if err != nil {
		return "  (database not readable: " + err.Error() + ")\n"
	}
	defer db.Close()
	var b strings.Builder
	var total, ok, failed, running int
	err = db.SQL.QueryRowContext(ctx, `
		WITH last AS (SELECT job_id, arg_max(exitcode, job_submit_seq) AS exitcode FROM job_instance GROUP BY job_id)
		SELECT count(*), count(*) FILTER (WHERE l.exitcode = 0), count(*) FILTER (WHERE l.exitcode <> 0),
			count(*) FILTER (WHERE l.job_id IS NOT NULL AND l.exitcode IS NULL)
		FROM job j JOIN workflow w ON w.wf_id = j.wf_id LEFT JOIN last l ON l.job_id = j.job_id
		WHERE w.wf_uuid = ?`, bd.WfUUID()).Scan(&total, &ok, &failed, &running)
	if err != nil {
		return "  (query failed: " + err.Error() + ")\n"
	}
	fmt.Fprintf(&b, "  jobs: %d total, %d succeeded, %d failed, %d running, %d not started\n",
		total, ok, failed, running, total-ok-failed-running)
	rows, err := db.SQL.QueryContext(ctx, `
		SELECT exec_job_id, try, exitcode, coalesce(hostname, '-') FROM job_try
		WHERE wf_uuid = ? AND status = 'failed' ORDER BY submit_time LIMIT 20`, bd.WfUUID())
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var job, host string
			var try, code int
			if rows.Scan(&job, &try, &code, &host) == nil {
				fmt.Fprintf(&b, "  failed: %s (try %d, exit code %d, host %s)\n", job, try, code, host)
			}
		}
	}
	return b.String()
}
