package main

import (
	"context"
	"errors"
	"io"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/transfer"
)

// execute carries out the requests, or the list in file or on stdin.
func execute(ctx context.Context, reqs []transfer.Request, file, conf string, defines []string, attempts int,
	kind transfer.Kind, recursive bool, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	props, err := cli.LoadProperties(conf, defines)
	if err != nil {
		return err
	}
	err = transfer.RunTargets(ctx, props, getenv, transfer.Targets{Reqs: reqs, File: file, Kind: kind,
		Recursive: recursive, Attempts: attempts, Stdin: stdin, Stdout: stdout})
	if errors.Is(err, transfer.ErrNothingToDo) {
		return cli.Usage(err)
	}
	return err
}

func absURL(p string) string { return transfer.AbsURL(p) }
