// Command pegasus-dagman is the program a workflow runs as: it starts the
// workflow's DAGMan — HTCondor's condor_dagman, or the executor built into
// this project for a run on this machine — together with pegasus-monitord,
// which it keeps running (and starts again if it dies) until the workflow
// has ended and monitord has loaded it all. See docs/executor.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/executor"
	"github.com/pegasus-go/pegasus/internal/cli"
)

const help = `pegasus-dagman - run a workflow's DAG and pegasus-monitord together

Usage:
  pegasus-dagman [--local] [--no-monitord] [condor_dagman options] -Dag FILE

It is the executable of <dag>.condor.sub (HTCondor's scheduler universe)
and what pegasus-run starts on this machine. It takes condor_dagman's
options; with -Dagman PATH (and no --local) it runs that condor_dagman,
otherwise the executor built into this project, which runs the jobs on
this machine. Either way it starts pegasus-monitord on the workflow's
dagman.out, starts it again if it dies, and once DAGMan has exited waits
for monitord to finish. It exits with DAGMan's exit code: 0 the workflow
succeeded, 1 it failed, 2 it was removed.

condor_dagman options understood by the local executor:
  -Dag FILE            the DAG to run (required)
  -MaxJobs N           most jobs at once (also -maxjobs; 0: no limit)
  -MaxPre N, -MaxPost N   most PRE / POST scripts at once (20)
  -AutoRescue 0|1      run from the newest rescue DAG (1)
  -DoRescueFrom N      ignore the rescue DAGs when N is 0 and -AutoRescue is 0
  -Lockfile, -p, -f, -l, -Debug, -Suppress_notification, -CsdVersion,
  -Dagman, -usedagdir, -outfile_dir  accepted

Own options:
  --local              run the built-in executor even if -Dagman is given
  --no-monitord        do not start pegasus-monitord
  --monitord PATH      the pegasus-monitord to run (default: beside this program, else PATH)
  --bin DIR            put DIR first on the PATH of jobs (default: this program's directory)
  --scratch DIR        where jobs that transfer files get their private directory
  --conf FILE          properties for pegasus-monitord (over the run's own)
  --define KEY=VALUE   one property for pegasus-monitord (repeatable)
  -h, --help

Environment: _CONDOR_DAGMAN_LOG names dagman.out (default <dag>.dagman.out).

Examples:
  pegasus-dagman --local -Dag diamond-0.dag -MaxJobs 4
  # as HTCondor runs it (from <dag>.condor.sub):
  pegasus-dagman -p 0 -f -l . -Lockfile diamond-0.dag.lock -AutoRescue 1 -DoRescueFrom 0 \
    -Dag diamond-0.dag -MaxPost 20 -Dagman /usr/bin/condor_dagman
`

func main() {
	ctx, stop := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGUSR1, syscall.SIGHUP)
	rt := &runtime{sigs: sigs, stop: stop}
	err := rt.run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-dagman", err, os.Stderr))
}

type runtime struct {
	sigs chan os.Signal
	stop context.CancelFunc
}

type options struct {
	dag, dagman, monitord, bin, scratch string
	conf                                string   // --conf, for monitord
	defines                             []string // --define k=v, for monitord
	local, noMonitord, autoRescue       bool
	maxJobs, maxPre, maxPost, rescueFrm int
}

func parseArgs(args []string) (*options, error) {
	o := &options{autoRescue: true, maxPre: 20, maxPost: 20}
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, error) {
			if i+1 >= len(args) {
				return "", cli.Usagef("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		num := func() (int, error) {
			v, err := val()
			if err != nil {
				return 0, err
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, cli.Usagef("%s %s: not a number", a, v)
			}
			return n, nil
		}
		var err error
		switch strings.ToLower(strings.TrimLeft(a, "-")) {
		case "h", "help":
			return nil, errHelp
		case "local":
			o.local = true
		case "no-monitord":
			o.noMonitord = true
		case "monitord":
			o.monitord, err = val()
		case "bin":
			o.bin, err = val()
		case "scratch":
			o.scratch, err = val()
		case "conf":
			o.conf, err = val()
		case "define":
			var d string
			if d, err = val(); err == nil {
				if !strings.Contains(d, "=") {
					return nil, cli.Usagef("--define %s: want key=value", d)
				}
				o.defines = append(o.defines, d)
			}
		case "dag":
			o.dag, err = val()
		case "dagman":
			o.dagman, err = val()
		case "maxjobs":
			o.maxJobs, err = num()
		case "maxpre":
			o.maxPre, err = num()
		case "maxpost":
			o.maxPost, err = num()
		case "autorescue":
			var n int
			n, err = num()
			o.autoRescue = n != 0
		case "dorescuefrom":
			o.rescueFrm, err = num()
		case "lockfile", "p", "l", "debug", "csdversion", "outfile_dir", "maxidle", "config", "batch-name", "notification", "priority":
			_, err = val()
		case "f", "suppress_notification", "dont_suppress_notification", "usedagdir", "allowversionmismatch", "verbose", "force", "import_env", "update_submit":
		default:
			return nil, cli.Usagef("unknown option %s", a)
		}
		if err != nil {
			return nil, err
		}
	}
	if o.dag == "" {
		return nil, cli.Usagef("no -Dag FILE")
	}
	return o, nil
}

var errHelp = errors.New("help")

func (rt *runtime) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(stdout, help)
		return nil
	}
	if err != nil {
		return err
	}
	self, _ := os.Executable()
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	selfDir := filepath.Dir(self)
	if o.bin == "" {
		o.bin = selfDir
	}
	dagmanOut := os.Getenv("_CONDOR_DAGMAN_LOG")
	if dagmanOut == "" {
		dagmanOut = o.dag + ".dagman.out"
	}
	dagAbs, _ := filepath.Abs(o.dag)
	outAbs := dagmanOut
	if !filepath.IsAbs(outAbs) {
		outAbs, _ = filepath.Abs(dagmanOut)
	}

	var mon *executor.Monitord
	if !o.noMonitord {
		path := o.monitord
		if path == "" {
			path = findTool(selfDir, "pegasus-monitord")
		}
		if path == "" {
			fmt.Fprintln(stderr, "pegasus-dagman: warning: pegasus-monitord not found beside this program nor on PATH; the run is not monitored")
		} else {
			var margs []string
			if o.conf != "" {
				c, _ := filepath.Abs(o.conf)
				margs = append(margs, "--conf", c)
			}
			for _, d := range o.defines {
				margs = append(margs, "-D", d)
			}
			// Notification hooks named without a path (pegasus-notify-email)
			// are found beside this program, as jobs find the Pegasus tools.
			mon = &executor.Monitord{Path: path, Args: margs, DagmanOut: outAbs, Dir: filepath.Dir(dagAbs), Env: pathFirst(os.Environ(), o.bin),
				LogFile: filepath.Join(filepath.Dir(dagAbs), "monitord.log"),
				Logf:    func(f string, a ...any) { fmt.Fprintf(stderr, "pegasus-dagman: "+f+"\n", a...) }}
		}
	}

	code := 0
	if o.dagman != "" && !o.local {
		code, err = rt.runCondor(ctx, o, args, mon, stderr)
	} else {
		code, err = rt.runLocal(ctx, o, dagAbs, outAbs, mon, stderr)
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return cli.Exit(code, nil)
	}
	return nil
}

// pathFirst returns env with dir first on its PATH.
func pathFirst(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	path := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+dir+":"+path)
}

func findTool(dir, name string) string {
	p := filepath.Join(dir, name)
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

// finishMonitord waits for monitord once DAGMan has exited.
func finishMonitord(mon *executor.Monitord, stderr io.Writer) {
	if mon == nil {
		return
	}
	// Monitord reads what is left of the log; give it time, but not forever,
	// and say what is awaited when it takes a while.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	slow := time.AfterFunc(5*time.Second, func() {
		fmt.Fprintf(stderr, "pegasus-dagman: the workflow has ended; waiting for pegasus-monitord (process %d) to finish loading it (see monitord.log)\n", mon.Pid())
	})
	err := mon.Finish(ctx)
	slow.Stop()
	if err != nil {
		fmt.Fprintf(stderr, "pegasus-dagman: warning: %v\n", err)
	}
}

func (rt *runtime) runLocal(ctx context.Context, o *options, dag, dagmanOut string, mon *executor.Monitord, stderr io.Writer) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for {
			select {
			case <-rt.sigs:
				cancel()
			case <-ctx.Done():
				return
			}
		}
	}()
	cfg := executor.Config{DAG: dag, DagmanOut: dagmanOut, MaxJobs: o.maxJobs, MaxPre: o.maxPre, MaxPost: o.maxPost,
		BinDir: o.bin, ScratchDir: o.scratch, NoRescue: !o.autoRescue && o.rescueFrm == 0}
	if mon != nil {
		if err := mon.Start(); err != nil {
			fmt.Fprintf(stderr, "pegasus-dagman: warning: cannot start pegasus-monitord: %v\n", err)
			mon = nil
		}
	}
	res, err := executor.Run(ctx, cfg)
	if err != nil {
		if mon != nil {
			// Monitord follows a log whose DAGMan never started (or exited
			// at once): stop it.
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			mon.Finish(sctx)
			c()
		}
		return 1, err
	}
	finishMonitord(mon, stderr)
	return res.ExitCode, nil
}

// runCondor runs HTCondor's condor_dagman with our arguments, passing
// signals on, with monitord beside it.
func (rt *runtime) runCondor(ctx context.Context, o *options, args []string, mon *executor.Monitord, stderr io.Writer) (int, error) {
	var pass []string
	for i := 0; i < len(args); i++ {
		switch strings.ToLower(strings.TrimLeft(args[i], "-")) {
		case "local", "no-monitord":
			continue
		case "monitord", "bin", "scratch", "conf", "define":
			i++
			continue
		}
		pass = append(pass, args[i])
	}
	cmd := exec.Command(o.dagman, pass...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, os.Stdin
	if err := cmd.Start(); err != nil {
		return 1, err
	}
	if mon != nil {
		if err := mon.Start(); err != nil {
			fmt.Fprintf(stderr, "pegasus-dagman: warning: cannot start pegasus-monitord: %v\n", err)
			mon = nil
		}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-rt.sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	finishMonitord(mon, stderr)
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		return cmd.ProcessState.ExitCode(), nil
	}
	return 1, err
}
