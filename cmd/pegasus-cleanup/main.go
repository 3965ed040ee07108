// Command pegasus-cleanup removes files (and, with --recursive, directory
// trees) on local or S3 storage, as the cleanup jobs of a planned workflow
// ask. See docs/transfer.md.
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

const usage = `Usage: pegasus-cleanup [options] [-u URL]... [-f FILE]

Removes the files named by -u/--url, or listed in FILE or on stdin: one
URL (or absolute path) per line, or Pegasus 5's JSON list of "remove"
entries (what the cleanup jobs get; "recursive": "True" removes a whole
tree, as the leaf cleanup job of the work directory does). A file that is
already gone is fine (rm -f). With -r/--recursive every target is removed
with everything below it (rm -rf; for s3:// every key under the prefix).
The log goes to stdout; on failure a one-line error goes to stderr.

Examples:
  pegasus-cleanup < clean_up_stage_out_0_0.in
  pegasus-cleanup -r -u file:///scratch/run0001
  printf 'file:///scratch/f.a\ns3://bucket/run/f.b\n' | pegasus-cleanup

Exit status: 0 removed (or absent), 1 failure, 2 bad usage, 130 interrupted.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(cli.ExitCode("pegasus-cleanup", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := cli.NewFlagSet("pegasus-cleanup", usage, stderr)
	urls := fs.StringArrayP("url", "u", nil, "`URL` (or path) to remove (repeatable)")
	file := fs.StringP("file", "f", "", "read the list from `FILE` instead of stdin")
	recursive := fs.BoolP("recursive", "r", false, "remove directory trees (rm -rf)")
	attempts := fs.IntP("max-attempts", "m", 0, "attempts per removal (default 3)")
	conf := fs.String("conf", "", "properties `FILE`")
	defines := fs.StringArrayP("define", "D", nil, "set a property (`key=value`)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	var reqs []transfer.Request
	for _, u := range *urls {
		reqs = append(reqs, transfer.Request{ID: len(reqs) + 1, Kind: transfer.KindRemove, Target: transfer.Endpoint{URL: absURL(u)}, Recursive: *recursive})
	}
	return execute(ctx, reqs, *file, *conf, *defines, *attempts, transfer.KindRemove, *recursive, stdin, stdout, getenv)
}
