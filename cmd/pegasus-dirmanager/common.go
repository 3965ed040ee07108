package main

import (
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/transfer"
)

// execute reads the list (when no request was given on the command line)
// and carries it out, logging to stdout.
func execute(ctx context.Context, reqs []transfer.Request, file, conf string, defines []string, attempts int,
	kind transfer.Kind, recursive bool, stdin io.Reader, stdout io.Writer, getenv func(string) string) error {
	props, err := cli.LoadProperties(conf, defines)
	if err != nil {
		return err
	}
	cfg, err := transfer.ConfigFromProperties(props, getenv)
	if err != nil {
		return err
	}
	if attempts > 0 {
		cfg.Attempts = attempts
	}
	log := transfer.NewLogger(stdout, nil)
	cfg.Log = log
	if len(reqs) == 0 {
		in, name := stdin, "stdin"
		if file != "" {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			in, name = f, file
		}
		log.Infof("Reading URL pairs from %s", name)
		if reqs, err = transfer.ReadTargets(in, name, kind, recursive); err != nil {
			return err
		}
		log.Infof("%d transfers loaded", len(reqs))
	}
	if len(reqs) == 0 {
		return cli.Usagef("nothing to do: give a path or URL, or a list on stdin")
	}
	_, err = transfer.New(cfg).Run(ctx, reqs)
	return err
}

// absURL turns a path into a file URL (relative paths against the working
// directory); URLs are kept.
func absURL(p string) string {
	if containsScheme(p) {
		return p
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return "file://" + abs
}

func containsScheme(p string) bool {
	for i := 0; i < len(p) && i < 16; i++ {
		c := p[i]
		if c == ':' {
			return i > 0 && len(p) > i+2 && p[i+1] == '/' && p[i+2] == '/'
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return false
}
