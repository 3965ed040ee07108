// Command pegasus-dirmanager creates directories (mkdir -p, idempotent) on
// local or S3 storage, as the create-dir jobs of a planned workflow ask.
// See docs/transfer.md.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/transfer"
)

const usage = `Usage: pegasus-dirmanager [-c] (-d PATH | -u URL)... [options]
       pegasus-dirmanager [-c] [-f FILE] [options] < list

Creates each directory given with -d/--dir or -u/--url, with its parents
(mkdir -p); a directory that exists already is fine. For s3:// URLs the
bucket is created when it does not exist (prefixes need nothing). Without
-d/-u, the directories are read from FILE or stdin: Pegasus 5's JSON list
of "mkdir" entries (what the create-dir jobs get) or one URL per line.
The log goes to stdout; on failure a one-line error goes to stderr.

Examples:
  pegasus-dirmanager -c -d /scratch/run0001
  pegasus-dirmanager --create --url file:///scratch/run0001 --url s3://bucket/run0001
  pegasus-dirmanager < create_dir_diamond_0_local.in

Exit status: 0 created (or existing), 1 failure, 2 bad usage, 130 interrupted.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(cli.ExitCode("pegasus-dirmanager", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := cli.NewFlagSet("pegasus-dirmanager", usage, stderr)
	fs.BoolP("create", "c", true, "create the directories (the default and only action)")
	dirs := fs.StringArrayP("dir", "d", nil, "directory `PATH` to create (repeatable)")
	urls := fs.StringArrayP("url", "u", nil, "directory `URL` to create (repeatable)")
	file := fs.StringP("file", "f", "", "read the list from `FILE` instead of stdin")
	attempts := fs.IntP("max-attempts", "m", 0, "attempts per directory (default 3)")
	conf := fs.String("conf", "", "properties `FILE`")
	defines := fs.StringArrayP("define", "D", nil, "set a property (`key=value`)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	var reqs []transfer.Request
	for _, d := range *dirs {
		reqs = append(reqs, transfer.Request{ID: len(reqs) + 1, Kind: transfer.KindMkdir, Target: transfer.Endpoint{URL: absURL(d)}})
	}
	for _, u := range *urls {
		reqs = append(reqs, transfer.Request{ID: len(reqs) + 1, Kind: transfer.KindMkdir, Target: transfer.Endpoint{URL: u}})
	}
	return execute(ctx, reqs, *file, *conf, *defines, *attempts, transfer.KindMkdir, false, stdin, stdout, getenv)
}
