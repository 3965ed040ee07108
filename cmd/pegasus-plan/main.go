// Command pegasus-plan plans an abstract workflow (DAX XML or YAML) into an
// HTCondor DAGMan submit directory. See docs/planner.md.
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
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/pegasus-go/pegasus/planner"
)

const usage = `Usage: pegasus-plan [-Dprop=value ...] [options] --dax FILE | FILE

Plans an abstract workflow (DAX 2.x/3.x XML or YAML 5.0) against the site,
transformation and replica catalogs named in the properties, and writes a
complete HTCondor DAGMan submit directory.

Examples:
  pegasus-plan --conf pegasus.properties --dax diamond.dax --dir submit \
               --sites local --output-site local --cleanup none
  pegasus-plan -Dpegasus.data.configuration=nonsharedfs --staging-site condorpool=staging \
               --sites condorpool -o local --dax workflow.dax --dir runs
  pegasus-plan --conf p.props --cluster horizontal --force --submit workflow.dax

Options:
`

func main() {
	// Planning allocates a large, long-lived graph: collect less often
	// (the heap of a 100,000-task plan stays near 2 GB).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

type usageError struct{ error }

func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, pflag.ErrHelp):
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "pegasus-plan: interrupted")
		return 130
	}
	fmt.Fprintf(stderr, "pegasus-plan: %v\n", err)
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("pegasus-plan", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var o planner.Options
	defines := fs.StringArrayP("define", "D", nil, "set property `key=value` (repeatable; wins over --conf)")
	fs.StringVarP(&o.DAX, "dax", "d", "", "abstract workflow `file` (DAX XML or YAML); may also be given as the last argument")
	fs.StringVar(&o.Conf, "conf", "", "properties `file` (default ./pegasus.properties when present)")
	sites := fs.StringSliceP("sites", "s", nil, "candidate execution `sites` (default: every site of the site catalog)")
	fs.StringArrayVar(&o.StagingSites, "staging-site", nil, "staging site of an execution site, `exec=staging[,...]`")
	fs.StringVarP(&o.OutputSite, "output-site", "o", "", "output `site` receiving files marked transfer=true")
	outAlias := fs.String("output", "", "alias of --output-site")
	outSites := fs.StringSlice("output-sites", nil, "5.x spelling of --output-site (the first site is used)")
	fs.StringVarP(&o.OutputDir, "output-dir", "O", "", "storage `directory` overriding the output site's")
	fs.StringVar(&o.Dir, "dir", "", "base submit `directory` (default: the working directory)")
	fs.StringVar(&o.RelativeDir, "relative-dir", "", "relative `dir` for the submit directory and the remote work directories")
	fs.StringVar(&o.RelativeSubmitDir, "relative-submit-dir", "", "relative submit `dir` (overrides --relative-dir for the submit side)")
	fs.StringVarP(&o.RandomDir, "randomdir", "r", "", "`name` of the remote work directory")
	fs.Lookup("randomdir").NoOptDefVal = "\x00"
	fs.StringVarP(&o.Basename, "basename", "b", "", "`prefix` of the workflow files instead of <label>-<index>")
	cache := fs.StringSliceP("cache", "c", nil, "replica cache `files` consulted first")
	inherited := fs.StringSlice("inherited-rc-files", nil, "replica `files` of lower priority than the DAX (sub-workflows)")
	cluster := fs.StringSliceP("cluster", "C", nil, "clustering `styles`: horizontal, label")
	fs.StringVar(&o.Cleanup, "cleanup", "", "cleanup `strategy`: none, leaf, inplace (default inplace)")
	nocleanup := fs.BoolP("nocleanup", "n", false, "same as --cleanup none")
	fs.BoolVarP(&o.Force, "force", "f", false, "skip data reuse: plan every task")
	fs.Bool("force-replan", false, "re-plan sub-workflows on retry (accepted)")
	fs.StringVarP(&o.JobPrefix, "job-prefix", "j", "", "`prefix` of job names")
	fs.StringVarP(&o.Group, "group", "g", "", "VO `group` in the default relative submit directory (default pegasus)")
	submit := fs.BoolP("submit", "S", false, "run pegasus-run on the submit directory after planning")
	forward := fs.StringArrayP("forward", "F", nil, "`option` passed on to pegasus-run (-F nogrid gives --nogrid)")
	fs.BoolVarP(&o.Deferred, "deferred", "z", false, "internal: the plan of a sub-workflow job's PRE script")
	fs.Bool("monitor", false, "accepted for compatibility")
	fs.Int("rescue", 999, "accepted for compatibility")
	verbose := fs.CountP("verbose", "v", "raise the log level (repeatable)")
	quiet := fs.CountP("quiet", "q", "lower the log level (repeatable)")
	version := fs.BoolP("version", "V", false, "print the version and exit")
	help := fs.BoolP("help", "h", false, "print this help")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file` (for performance work)")
	_ = fs.MarkHidden("cpuprofile")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *help {
		fs.Usage()
		return nil
	}
	if *version {
		fmt.Fprintf(stdout, "pegasus-plan %s (%s)\n", planner.Version, planner.Build)
		return nil
	}
	if rest := fs.Args(); len(rest) > 0 {
		if o.DAX != "" || len(rest) > 1 {
			return usageError{fmt.Errorf("unexpected arguments %q", strings.Join(rest, " "))}
		}
		o.DAX = rest[0]
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	o.Defines = *defines
	o.Sites = *sites
	if o.OutputSite == "" {
		o.OutputSite = *outAlias
	}
	if o.OutputSite == "" && len(*outSites) > 0 {
		o.OutputSite = (*outSites)[0]
	}
	if o.RandomDir == "\x00" {
		o.RandomDir = ""
	}
	o.Cache = *cache
	o.InheritedRC = *inherited
	o.Cluster = *cluster
	if *nocleanup && o.Cleanup == "" {
		o.Cleanup = "none"
	}
	o.Verbose = *verbose
	var argv []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-D") {
			argv = append(argv, a)
		}
	}
	o.Args = strings.Join(argv, " ")
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		o.PlannerPath = exe
		o.BinDir = filepath.Dir(exe)
	}
	level := 3 + *verbose - *quiet // WARN by default; INFO and above print progress messages
	if level >= 4 {
		o.Log = func(format string, a ...any) { fmt.Fprintf(stderr, "[INFO] "+format+"\n", a...) }
	}
	progress := newProgress(stderr, *quiet > 0)
	if progress != nil {
		o.Progress = progress.update
		defer progress.done()
	}
	out, err := planner.Plan(ctx, o)
	if progress != nil {
		progress.done()
	}
	if err != nil {
		return err
	}
	if out.Empty {
		fmt.Fprintf(stdout, "The outputs of every task of the workflow exist already: nothing to run.\n")
		return nil
	}
	if level >= 3 {
		fmt.Fprintf(stdout, "Planned %d tasks into %d jobs.\nSubmit directory: %s\n", out.Tasks, out.Jobs, out.SubmitDir)
	}
	if !*submit {
		if level >= 3 {
			fmt.Fprintf(stdout, "To run the workflow: pegasus-run %s\n", out.SubmitDir)
		}
		return nil
	}
	runner := findRunner(o.BinDir)
	if runner == "" {
		return fmt.Errorf("--submit: pegasus-run is not available (looked beside %s and on PATH); the plan is complete, run it later with: pegasus-run %s", o.BinDir, out.SubmitDir)
	}
	var fwd []string
	for _, f := range *forward {
		fwd = append(fwd, "--"+strings.TrimLeft(f, "-"))
	}
	cmd := exec.CommandContext(ctx, runner, append(fwd, out.SubmitDir)...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pegasus-run %s: %w", out.SubmitDir, err)
	}
	return nil
}

func findRunner(bin string) string {
	if bin != "" {
		p := filepath.Join(bin, "pegasus-run")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	if p, err := exec.LookPath("pegasus-run"); err == nil {
		return p
	}
	return ""
}

// progress redraws one status line on a terminal.
type progress struct {
	w     io.Writer
	shown bool
}

func newProgress(stderr io.Writer, quiet bool) *progress {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: stderr}
}

func (p *progress) update(stage string, done, total int) {
	p.shown = true
	fmt.Fprintf(p.w, "\r\x1b[Kplanning: %s (%d/%d)", stage, done+1, total)
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
