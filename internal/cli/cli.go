// Package cli holds what every command shares: exit codes chosen in one
// place, usage errors, --conf/-D handling and a progress bar that only shows
// on a terminal. Libraries never print; only commands use this package.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/pegasus-go/pegasus/internal/properties"
)

// Exit codes shared by the commands (a command's own --help lists the ones it uses).
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// UsageError is a command-line mistake: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a usage error.
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// Usagef formats a usage error.
func Usagef(format string, args ...any) error { return &UsageError{Err: fmt.Errorf(format, args...)} }

// ExitError carries an explicit exit code and an optional message.
type ExitError struct {
	Code int
	Err  error // nil: exit silently with Code
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// Exit returns an error that makes the command exit with code.
func Exit(code int, err error) error { return &ExitError{Code: code, Err: err} }

// ExitCode prints err (one line, prefixed by the command name) to stderr and
// returns the process exit code for it.
func ExitCode(cmd string, err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, pflag.ErrHelp) {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintf(stderr, "%s: %s\n", cmd, oneLine(ee.Err.Error()))
		}
		return ee.Code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "%s: interrupted\n", cmd)
		return ExitInterrupted
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", cmd, oneLine(err.Error()), cmd)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %s\n", cmd, oneLine(err.Error()))
	return ExitFailure
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.ReplaceAll(s, "\n", "; ")
}

// NewFlagSet returns a pflag set that reports errors instead of exiting and
// prints usage (with the given help text) on --help.
func NewFlagSet(name, help string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.Usage = func() {
		fmt.Fprint(stderr, strings.TrimLeft(help, "\n"))
		fmt.Fprintf(stderr, "\nOptions:\n%s", fs.FlagUsages())
	}
	return fs
}

// Parse parses args; errors become usage errors.
func Parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		return Usage(err)
	}
	return nil
}

// LoadProperties reads the --conf file (if any) and applies -D overrides.
func LoadProperties(conf string, defines []string) (*properties.Properties, error) {
	p := properties.New()
	if conf != "" {
		c, err := properties.Load(conf)
		if err != nil {
			return nil, err
		}
		p = c
	}
	for _, d := range defines {
		if err := p.SetDefine(d); err != nil {
			return nil, Usage(err)
		}
	}
	return p, nil
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Progress returns a callback drawing a progress bar on stderr, or nil when
// stderr is not a terminal or quiet is set. Call the returned stop function
// when done.
func Progress(stderr io.Writer, quiet bool, desc string, bytes bool) (func(done, total int64), func()) {
	if quiet || !IsTerminal(stderr) {
		return nil, func() {}
	}
	var mu sync.Mutex
	var bar *progressbar.ProgressBar
	update := func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if bar == nil {
			opts := []progressbar.Option{
				progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(desc),
				progressbar.OptionThrottle(100 * time.Millisecond), progressbar.OptionClearOnFinish(),
				progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true),
			}
			if bytes {
				opts = append(opts, progressbar.OptionShowBytes(true))
			} else {
				opts = append(opts, progressbar.OptionShowCount())
			}
			bar = progressbar.NewOptions64(total, opts...)
		}
		if total > 0 && bar.GetMax64() != total {
			bar.ChangeMax64(total)
		}
		_ = bar.Set64(done)
	}
	stop := func() {
		mu.Lock()
		defer mu.Unlock()
		if bar != nil {
			_ = bar.Finish()
		}
	}
	return update, stop
}
