// Command pegasus-transfer copies files between URLs (file, symlink, s3,
// http) as the stage-in, stage-out and inter-site jobs of a planned
// workflow ask, and creates or removes directories for the create-dir and
// cleanup jobs of Pegasus 5.x. See docs/transfer.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/transfer"
)

const usage = `Usage: pegasus-transfer [options] [-f FILE]

Reads a transfer list from stdin (or FILE) and carries it out: Pegasus 5's
JSON list (entries of type "transfer", "mkdir" and "remove") or the older
text list of URL pairs (source line, destination line, optional "# src dst"
site comments). URLs: file:// (or a bare absolute path), symlink:// (link
instead of copy), s3:// and s3s:// (s3://[user@site/]bucket/key), and
http(s):// sources. Destination directories are created; copies are
written to a temporary name and renamed into place. Failed transfers are
retried with back-off (not the permanent failures: missing source or
bucket, refused access). The log goes to stdout in pegasus-transfer's
shape; on failure a one-line error goes to stderr.

S3 credentials and endpoint: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; the
properties pegasus.transfer.s3.{endpoint,region,access_key,secret_key};
and the Pegasus s3cfg file (pegasus.transfer.s3cfg, $S3CFG or
~/.pegasus/s3cfg) for s3://user@site/... URLs.

Examples:
  pegasus-transfer --threads 2 < stage_in_local_local_0_0.in
  pegasus-transfer -f pairs.txt --symlink --max-attempts 5
  AWS_ENDPOINT_URL=http://127.0.0.1:9000 pegasus-transfer --checksum < stage_out.in
  pegasus-kickstart -n pegasus::transfer -N null -i - -R local pegasus-transfer --threads 2 < job.in

Exit status: 0 all transfers done, 1 a transfer failed or the list is
bad, 2 bad usage, 130 interrupted.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(cli.ExitCode("pegasus-transfer", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := cli.NewFlagSet("pegasus-transfer", usage, stderr)
	file := fs.StringP("file", "f", "", "read the transfer list from `FILE` instead of stdin")
	threads := fs.IntP("threads", "n", 0, "concurrent transfers (default 8, or pegasus.transfer.threads)")
	attempts := fs.IntP("max-attempts", "m", 0, "attempts per transfer (default 3, or pegasus.transfer.attempts)")
	backoff := fs.Float64("backoff", -1, "first back-off between attempts, in `seconds` (default 5; doubles)")
	symlink := fs.Bool("symlink", false, "symlink instead of copying between local files of the same site")
	checksum := fs.Bool("checksum", false, "compute the sha256 of every transferred file")
	conf := fs.String("conf", "", "properties `FILE`")
	defines := fs.StringArrayP("define", "D", nil, "set a property (`key=value`)")
	debug := fs.BoolP("debug", "d", false, "log debugging lines")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	cfg, err := transfer.ConfigFromProperties(props, getenv)
	if err != nil {
		return err
	}
	if *threads > 0 {
		cfg.Threads = *threads
	}
	if *attempts > 0 {
		cfg.Attempts = *attempts
	}
	if *backoff >= 0 {
		cfg.Backoff = max(time.Duration(*backoff*float64(time.Second)), time.Nanosecond)
	}
	cfg.Symlink = cfg.Symlink || *symlink
	cfg.Checksum = *checksum
	log := transfer.NewLogger(stdout, nil)
	log.Debug = *debug
	cfg.Log = log

	in, name := stdin, "stdin"
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, *file
	}
	log.Infof("Reading URL pairs from %s", name)
	reqs, err := transfer.ReadRequests(in, name)
	if err != nil {
		return err
	}
	log.Infof("%d transfers loaded", len(reqs))
	if len(reqs) == 0 {
		log.Infof("Stats: no local files in the transfer set")
		log.Infof("All transfers completed successfully.")
		return nil
	}
	_, err = transfer.New(cfg).Run(ctx, reqs)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	return nil
}
