//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command pegasus-kickstart runs one job and writes its invocation record
// (YAML as Pegasus 5.x, or iv-2.3 XML with --xml) to stdout.
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

	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/kickstart"
)

const version = "5.0.5"

const help = `Usage: pegasus-kickstart [options] [--] application [arguments...]

Runs application and writes an invocation record describing it to stdout:
start, duration, exit status (or signal, or why it could not start),
resource usage, the executable, stdout/stderr, files, and the machine.
The exit code is the application's; 128+n when it died on signal n; 127
when it could not be started (the reason is also printed on stderr); 1
when the record could not be written after the application succeeded.

Options:
  -n tr       transformation name (namespace::name:version)
  -N dv       derivation (abstract job id)
  -R site     resource (site) the job runs on
  -L label    workflow label
  -T stamp    workflow time stamp (ISO 8601)
  -i fn       stdin from file fn; "-" passes kickstart's own stdin
              (default /dev/null)
  -o fn       stdout to file fn instead of capturing it into the record
  -e fn       stderr to file fn instead of capturing it into the record
              ("-" for -o/-e is the default capture)
  -w dir      run in directory dir
  -W dir      run in directory dir, creating it first
  -X          make the application executable if it is not
  -B size     bound on captured stdout/stderr data per stream, in bytes
              (default 262144; the last bytes are kept, data_truncated set)
  -s [lfn=]fn stat file fn before the job; @list reads one per line
  -S [lfn=]fn stat output file fn after the job, with sha256; @list too
  -l fn       append the record to file fn instead of stdout
  -I fn       read the application and its arguments from fn, one per line
  -f          full machine section (per-process states, walks /proc)
  -q          omit stdout/stderr data when the job succeeds
  -H          omit the XML declaration (with --xml)
  -F          fail fast (accepted; only a main job is run)
  --xml       write an iv-2.3 XML record instead of YAML
  --conf fn   Pegasus properties file: pegasus.gridstart.arguments are
              kickstart options put before the command line's
  -V, --version
  -h, --help

Examples:
  pegasus-kickstart -n pegasus::transfer -N null -i - -R local \
      -L diamond -T 2023-03-04T01:00:54-08:00 pegasus-transfer --threads 2 < stage_in.in
  pegasus-kickstart -n diamond::analyze:4.0 -N ID0000004 -R condorpool \
      -S f.d=f.d /usr/bin/analyze -a f.c1 -o f.d
`

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	code := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, sigs)
	os.Exit(code)
}

// run returns the exit code: the job's, or 1 (kickstart failed) or 2 (usage).
func run(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	o, err := kickstart.ParseArgs(args)
	if err == nil && o.Conf != "" {
		// The properties' pegasus.gridstart.arguments go before the
		// command line's options (which win where they repeat one).
		props, perr := properties.Load(o.Conf)
		if perr != nil {
			fmt.Fprintf(stderr, "pegasus-kickstart: %v\n", perr)
			return 2
		}
		v, _ := props.Get("pegasus.gridstart.arguments")
		if extra := strings.Fields(v); len(extra) > 0 {
			o, err = kickstart.ParseArgs(append(extra, args...))
		}
	}
	switch {
	case errors.Is(err, kickstart.ErrHelp):
		fmt.Fprint(stdout, help)
		return 0
	case errors.Is(err, kickstart.ErrVersion):
		fmt.Fprintf(stdout, "pegasus-kickstart %s (pegasus-go)\n", version)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "pegasus-kickstart: %v\nTry 'pegasus-kickstart --help' for more information.\n", err)
		return 2
	}
	inv, err := kickstart.Run(ctx, o, kickstart.Env{Stdin: stdin, Signals: sigs})
	if err != nil {
		fmt.Fprintf(stderr, "pegasus-kickstart: %v\n", err)
		return 1
	}
	out := stdout
	if o.LogFile != "" {
		f, err := os.OpenFile(o.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
		if err != nil {
			fmt.Fprintf(stderr, "pegasus-kickstart: %v\n", err)
		} else {
			defer f.Close()
			out = f
		}
	}
	if o.XML {
		err = kickstart.WriteXML(out, inv, !o.NoHeader)
	} else {
		err = kickstart.WriteYAML(out, inv)
	}
	st := inv.Main.Status
	if st.Failed {
		// Said on kickstart's own stderr too (the job's .err file), so the
		// reason is in plain sight, not only in the record.
		fmt.Fprintf(stderr, "pegasus-kickstart: cannot run %s\n", st.Message)
	}
	code := st.KickstartExit()
	if err != nil {
		// The record is kickstart's output: a job whose record is lost
		// (a full disk...) has not succeeded.
		fmt.Fprintf(stderr, "pegasus-kickstart: cannot write the invocation record: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
