// Command pegasus-run runs a planned workflow on this machine: it starts
// pegasus-dagman (the built-in DAGMan executor with pegasus-monitord beside
// it) on the submit directory pegasus-plan wrote, shows progress, and
// reports how the run ended. See docs/executor.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/executor"
	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/planner/codegen"
)

const help = `
pegasus-run - run a planned workflow on this machine

Usage:
  pegasus-run [options] SUBMITDIR

Runs the workflow pegasus-plan wrote into SUBMITDIR: the jobs of its DAG
run on this machine in dependency order, as HTCondor's DAGMan would run
them (priorities, retries, PRE and POST scripts, sub-workflows, category
limits), with pegasus-monitord loading the run into
<label>-<index>.stampede.duckdb as it goes. pegasus-run stays in the
foreground until the workflow has ended and monitord has finished, showing
progress on a terminal. A failed run leaves a rescue DAG: fix the cause and
run pegasus-run again, and it resumes where the run stopped. Interrupting
pegasus-run (Ctrl-C) stops the jobs and also leaves a rescue DAG.

The statistics and the analyzer can be run while the workflow runs:
  pegasus-statistics -i SUBMITDIR   pegasus-analyzer SUBMITDIR

Examples:
  pegasus-run /runs/me/pegasus/diamond/run0001
  pegasus-run -j 8 --detach /runs/me/pegasus/diamond/run0001
  pegasus-plan --submit ...          # plans, then runs pegasus-run

To run the same submit directory under HTCondor instead:
  condor_submit SUBMITDIR/<label>-<index>.dag.condor.sub

Exit status: 0 the workflow succeeded (or, with --detach, was started),
1 it failed or could not be started, 2 usage error, 130 interrupted.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-run", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-run", help, stderr)
	conf := fs.String("conf", "", "properties `file` (default: the run's own properties)")
	defines := fs.StringArrayP("define", "D", nil, "set a property, `key=value` (repeatable)")
	maxJobs := fs.IntP("maxjobs", "j", 0, "most jobs running at once (default: dagman.maxjobs, else the number of CPUs)")
	maxPre := fs.Int("maxpre", 0, "most PRE scripts at once (default: dagman.maxpre, else 20)")
	maxPost := fs.Int("maxpost", 0, "most POST scripts at once (default: dagman.maxpost, else 20)")
	detach := fs.Bool("detach", false, "start the workflow and return at once")
	force := fs.Bool("force", false, "run a workflow that already succeeded again, from the start")
	noMonitord := fs.Bool("no-monitord", false, "do not start pegasus-monitord")
	quiet := fs.BoolP("quiet", "q", false, "print only errors")
	fs.Bool("nogrid", false, "accepted for compatibility")
	fs.Bool("grid", false, "accepted for compatibility")
	fs.BoolP("verbose", "v", false, "accepted for compatibility")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Usagef("expected one SUBMITDIR, got %d arguments", fs.NArg())
	}
	dag, submitDir, err := findDAG(fs.Arg(0))
	if err != nil {
		return err
	}
	confPath := *conf
	if confPath == "" {
		if bd, err := ingest.ReadBraindumpDir(submitDir); err == nil && bd.Get("properties") != "" {
			confPath = abs(submitDir, bd.Get("properties"))
			if _, err := os.Stat(confPath); err != nil {
				confPath = ""
			}
		}
	}
	props, err := cli.LoadProperties(confPath, *defines)
	if err != nil {
		return err
	}
	pick := func(flag int, keys ...string) int {
		if flag > 0 {
			return flag
		}
		for _, k := range keys {
			if v := props.Int(k, 0); v > 0 {
				return v
			}
		}
		return 0
	}
	jobs := pick(*maxJobs, "dagman.maxjobs", "pegasus.dagman.maxjobs")
	if jobs == 0 {
		jobs = runtime.NumCPU()
	}
	pre := pick(*maxPre, "dagman.maxpre")
	post := pick(*maxPost, "dagman.maxpost")

	dagmanOut := dag + ".dagman.out"
	if pid := executor.LockHolder(dag + ".lock"); pid > 0 {
		return fmt.Errorf("the workflow is already running (process %d holds %s)", pid, dag+".lock")
	}
	if !*force {
		var st executor.StatusReader
		st.Path = dagmanOut
		if err := st.Update(); err == nil && st.St.Exited && st.St.ExitCode == 0 {
			fmt.Fprintf(stdout, "The workflow in %s already succeeded; nothing to do (--force runs it again).\n", submitDir)
			return nil
		}
	}
	self, _ := os.Executable()
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	pd := findTool(filepath.Dir(self), "pegasus-dagman")
	if pd == "" {
		return errors.New("pegasus-dagman not found beside pegasus-run nor on PATH")
	}
	writeCondorSub(dag, submitDir, pd)

	dargs := []string{"--local", "-Dag", filepath.Base(dag), "-Lockfile", filepath.Base(dag) + ".lock", "-MaxJobs", strconv.Itoa(jobs)}
	if pre > 0 {
		dargs = append(dargs, "-MaxPre", strconv.Itoa(pre))
	}
	if post > 0 {
		dargs = append(dargs, "-MaxPost", strconv.Itoa(post))
	}
	if *force {
		dargs = append(dargs, "-AutoRescue", "0", "-DoRescueFrom", "0")
	} else {
		dargs = append(dargs, "-AutoRescue", "1", "-DoRescueFrom", "0")
	}
	if *noMonitord {
		dargs = append(dargs, "--no-monitord")
	}
	// Properties given here also reach monitord (notifications, output...).
	if *conf != "" {
		c, _ := filepath.Abs(*conf)
		dargs = append(dargs, "--conf", c)
	}
	for _, d := range *defines {
		dargs = append(dargs, "--define", d)
	}
	var startOff int64
	if fi, err := os.Stat(dagmanOut); err == nil {
		startOff = fi.Size()
	}
	cmd := exec.Command(pd, dargs...)
	cmd.Dir = filepath.Dir(dag)
	cmd.Env = append(os.Environ(), "_CONDOR_DAGMAN_LOG="+dagmanOut)
	if *detach {
		out, err1 := os.OpenFile(dag+".lib.out", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		errf, err2 := os.OpenFile(dag+".lib.err", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err1 != nil || err2 != nil {
			return errors.Join(err1, err2)
		}
		cmd.Stdout, cmd.Stderr = out, errf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			return err
		}
		out.Close()
		errf.Close()
		if !*quiet {
			fmt.Fprintf(stdout, "Workflow started (pegasus-dagman, process %d).\nDAGMan log: %s\nFollow it with: pegasus-statistics %s, pegasus-analyzer %s\n", cmd.Process.Pid, dagmanOut, submitDir, submitDir)
		}
		cmd.Process.Release()
		return nil
	}
	// pegasus-dagman's messages come through a pipe, so that they are
	// printed on their own lines, not over the progress line.
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		return err
	}
	msgs := make(chan string)
	go func() {
		defer close(msgs)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			msgs <- sc.Text()
		}
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	st := &executor.StatusReader{Path: dagmanOut, Off: startOff}
	showProgress := !*quiet && cli.IsTerminal(stderr)
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	interrupted := false
	drawn := false // the progress line is on the screen
	say := func(line string) {
		if drawn {
			fmt.Fprint(stderr, "\r\x1b[K")
			drawn = false
		}
		fmt.Fprintln(stderr, line)
	}
	var werr error
	exited := false
	stop := ctx.Done()
	for !exited || msgs != nil {
		select {
		case werr = <-waited:
			exited = true
			// What pegasus-dagman wrote last, but do not wait for
			// descendants that may hold the pipe.
			tick.Reset(time.Second)
		case line, ok := <-msgs:
			if !ok {
				msgs = nil
				continue
			}
			say(line)
		case <-stop:
			stop = nil
			interrupted = true
			say("pegasus-run: stopping the workflow (its jobs are removed, a rescue DAG is written)...")
			cmd.Process.Signal(syscall.SIGTERM)
		case <-tick.C:
			if exited {
				msgs = nil
				continue
			}
			if showProgress {
				st.Update()
				drawProgress(stderr, &st.St, time.Since(start))
				drawn = true
			}
		}
	}
	st.Update()
	if drawn {
		fmt.Fprint(stderr, "\r\x1b[K")
	}
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	if !st.St.Exited {
		if werr != nil {
			return fmt.Errorf("pegasus-dagman: %v (see %s)", werr, dagmanOut)
		}
		return fmt.Errorf("the workflow did not run (see %s)", dagmanOut)
	}
	report(stdout, stderr, st, submitDir, dag, time.Since(start), *quiet)
	if interrupted {
		return cli.Exit(cli.ExitInterrupted, nil)
	}
	if st.St.ExitCode != 0 || code != 0 {
		return cli.Exit(1, nil)
	}
	return nil
}

// writeCondorSub writes <dag>.condor.sub for HTCondor when the planner did
// not, so the submit directory also runs with condor_submit.
func writeCondorSub(dag, submitDir, pegasusDagman string) {
	if _, err := os.Stat(dag + ".condor.sub"); err == nil {
		return
	}
	c := &codegen.CondorSubmit{DAG: dag, PegasusDAG: pegasusDagman}
	if p, err := exec.LookPath("condor_dagman"); err == nil {
		c.CondorDAG = p
	}
	if bd, err := ingest.ReadBraindumpDir(submitDir); err == nil {
		c.WfUUID, c.RootWfUUID, c.WfName = bd.WfUUID(), bd.RootUUID(), bd.Get("pegasus_wf_name")
		c.WfTime, c.Version = bd.Get("timestamp"), bd.Get("planner_version")
	}
	executor.WriteCondorSubmit(c)
}

func drawProgress(w io.Writer, s *executor.Status, elapsed time.Duration) {
	if s.Total == 0 {
		fmt.Fprintf(w, "\r\x1b[Kstarting... %s", elapsed.Round(time.Second))
		return
	}
	// pegasus-status's columns, on one line redrawn in place.
	const width = 30
	filled := s.Done * width / s.Total
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	fmt.Fprintf(w, "\r\x1b[K[%s] %5.1f%% %d/%d done, %d running, %d in scripts, %d ready, %d failed  %s",
		bar, float64(s.Done)*100/float64(s.Total), s.Done, s.Total, s.Queued, s.Pre+s.Post, s.Ready, s.Failed, elapsed.Round(time.Second))
}

func report(stdout, stderr io.Writer, r *executor.StatusReader, submitDir, dag string, elapsed time.Duration, quiet bool) {
	s := &r.St
	if s.ExitCode == 0 {
		if !quiet {
			fmt.Fprintf(stdout, "Workflow succeeded: %d of %d jobs done in %s.\n", s.Done, s.Total, elapsed.Round(time.Millisecond))
			printDB(stdout, submitDir)
		}
		return
	}
	what := "failed"
	if s.ExitCode == 2 {
		what = "was stopped"
	}
	fmt.Fprintf(stderr, "Workflow %s: %d of %d jobs done, %d failed, %d not run (DAGMan exit %d) after %s.\n",
		what, s.Done, s.Total, s.Failed, s.Total-s.Done-s.Failed, s.ExitCode, elapsed.Round(time.Millisecond))
	for i, f := range s.Failures {
		if i == 10 {
			fmt.Fprintf(stderr, "  ... and %d more\n", len(s.Failures)-10)
			break
		}
		fmt.Fprintf(stderr, "  %s: %s\n", f.Node, f.Reason)
	}
	if s.Rescue != "" {
		fmt.Fprintf(stderr, "Rescue DAG: %s\n", filepath.Join(filepath.Dir(dag), s.Rescue))
	}
	fmt.Fprintf(stderr, "Details: pegasus-analyzer %s\nTo resume, fix the cause and run: pegasus-run %s\n", submitDir, submitDir)
	if !quiet {
		printDB(stdout, submitDir)
	}
}

func printDB(w io.Writer, submitDir string) {
	m, _ := filepath.Glob(filepath.Join(submitDir, "*.stampede.duckdb"))
	if len(m) > 0 {
		fmt.Fprintf(w, "Database: %s\nStatistics: pegasus-statistics %s\n", m[0], submitDir)
	}
}

// findDAG resolves SUBMITDIR (or a .dag file) to the DAG file.
func findDAG(arg string) (dag, dir string, err error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return "", "", err
	}
	if !fi.IsDir() {
		a, _ := filepath.Abs(arg)
		return a, filepath.Dir(a), nil
	}
	dir, _ = filepath.Abs(arg)
	bd, err := ingest.ReadBraindumpDir(dir)
	if err == nil && bd.DagFile() != "" {
		return abs(dir, bd.DagFile()), dir, nil
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.dag"))
	if len(m) == 1 {
		return m[0], dir, nil
	}
	if err != nil {
		return "", "", fmt.Errorf("%s: not a submit directory: %v", arg, err)
	}
	return "", "", fmt.Errorf("%s: the braindump names no DAG", arg)
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
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
