package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/report/analyzer"
	"github.com/pegasus-go/pegasus/stampede"
)

// config is the parsed command line.
type config struct {
	dir, dag, topDir, conf, dest, prints, wfType   string
	debugJob, debugDir, localExe, ai               string
	files, recurse, traverse, quiet, strict, jsonO bool
	summary, all                                   bool
	examples, signatures, verbose                  int
	args                                           []string
}

// aiHelp describes --ai, which Pegasus's newest tools have.
const aiHelp = "accepted for compatibility with Pegasus's option (`BOOL`): this implementation sends the report to no AI service and prints no AI analysis"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-analyzer", help, stderr)
	var c config
	fs.StringVarP(&c.dir, "input-dir", "i", "", "the submit `directory` (default: SUBMIT_DIR, else .)")
	fs.StringVarP(&c.dir, "dir", "d", "", "the submit `directory` (same as --input-dir)")
	fs.StringVar(&c.dag, "dag", "", "the .dag `file`: its directory is the submit directory")
	fs.BoolVarP(&c.files, "files", "f", false, "files mode: read jobstate.log, the .dag, .sub, .out and .err files; no database")
	fs.StringVar(&c.dest, "dest", "", "the Stampede database: a DuckDB `file` (or duckdb:///PATH) or a Parquet archive directory")
	fs.StringVarP(&c.conf, "conf", "c", "", "properties `file`; its pegasus.monitord.output or pegasus.catalog.workflow.url names the database")
	fs.StringVar(&c.topDir, "top-dir", "", "the top workflow's submit `directory`, whose database holds this sub-workflow")
	fs.BoolVarP(&c.recurse, "recurse", "r", false, "also analyse the sub-workflows of failed sub-workflow jobs (at any depth)")
	fs.BoolVarP(&c.traverse, "traverse-all", "T", false, "analyse the workflow and every sub-workflow, failed or not")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "leave out the tasks' stdout and stderr (file names are still printed)")
	fs.BoolVarP(&c.strict, "strict", "s", false, "files mode: take the .out/.err names from the submit files' output and error")
	fs.BoolVarP(&c.summary, "summary", "S", false, "print only the summary and the failure signatures")
	fs.StringVarP(&c.prints, "print", "p", "", "comma-separated: pre (the PRE script of failed jobs), invocation (the command that re-runs them), all")
	fs.BoolVarP(&c.jsonO, "json", "j", false, "print JSON (pegasus-analyzer's keys, plus root causes and signatures) instead of the report")
	fs.IntVar(&c.examples, "examples", analyzer.DefaultExamples, "failed jobs of each signature shown in full; 0 shows all")
	fs.IntVar(&c.signatures, "signatures", analyzer.DefaultSignatures, "failure signatures listed, most frequent first; 0 lists all")
	fs.BoolVarP(&c.all, "all", "a", false, "list every signature and show every failed job in full (--signatures 0 --examples 0)")
	fs.StringVar(&c.debugJob, "debug-job", "", "write a script that re-runs `JOB` (a job name or its .sub file) locally")
	fs.StringVar(&c.debugDir, "debug-dir", "", "debug mode: the `directory` to re-run the job in (default: a new temporary directory)")
	fs.StringVar(&c.localExe, "local-executable", "", "debug mode: run this `path` instead of the job's executable inside PegasusLite")
	fs.StringVar(&c.wfType, "type", "condor", "debug mode: the workflow type (only condor)")
	fs.CountVarP(&c.verbose, "verbose", "v", "say where the database was found and how long reading took")
	fs.StringVar(&c.ai, "ai", "true", aiHelp)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if _, err := strconv.ParseBool(c.ai); err != nil {
		return cli.Usagef("--ai %s: not a boolean", c.ai)
	}
	c.args = fs.Args()
	return analyze(ctx, c, stdout, stderr)
}

func analyze(ctx context.Context, c config, stdout, stderr io.Writer) error {
	start := time.Now()
	verbose := func(format string, a ...any) {
		if c.verbose > 0 {
			fmt.Fprintf(stderr, "pegasus-analyzer: "+format+"\n", a...)
		}
	}
	switch {
	case len(c.args) > 1:
		return cli.Usagef("one submit directory at most, not %d", len(c.args))
	case c.recurse && c.traverse:
		return cli.Usagef("options --recurse and --traverse-all are mutually exclusive; please specify only one of these options")
	case c.wfType != "condor":
		return cli.Usagef("workflow type %s not supported!", c.wfType)
	case c.examples < 0 || c.signatures < 0:
		return cli.Usagef("--examples and --signatures must be 0 (all) or more")
	}
	if c.all {
		c.examples, c.signatures = 0, 0
	}
	printPre, printInv := false, false
	for _, p := range strings.Split(c.prints, ",") {
		switch strings.TrimSpace(p) {
		case "":
		case "pre":
			printPre = true
		case "invocation":
			printInv = true
		case "all":
			printPre, printInv = true, true
		default:
			return cli.Usagef("--print %s: want pre, invocation or all", p)
		}
	}
	dir := "."
	switch {
	case c.dir != "":
		dir = c.dir
	case len(c.args) == 1:
		dir = c.args[0]
	case c.dag != "":
		dir = filepath.Dir(c.dag)
	}
	if c.debugJob != "" {
		return debugJob(c, dir, stdout)
	}
	if c.dest != "" && !c.files && c.dir == "" && len(c.args) == 0 && c.dag == "" {
		if _, err := ingest.ReadBraindumpDir(dir); errors.Is(err, ingest.ErrNoBraindump) {
			// No submit directory: the database's root workflows.
			return destOnly(ctx, c, stdout, verbose, start, printPre, printInv)
		}
	}
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("%s: no such directory", dir)
	} else if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", dir)
	}
	var conf *properties.Properties
	if c.conf != "" {
		p, err := properties.Load(c.conf)
		if err != nil {
			return err
		}
		conf = p
	}
	opts := analyzer.Options{Dir: dir, TopDir: c.topDir, TraverseAll: c.traverse, Recurse: c.recurse}
	if c.verbose > 1 {
		opts.Trace = func(step string, d time.Duration) { verbose("  %-14s %v", step, d.Round(time.Millisecond)) }
	}

	var rep *analyzer.Report
	var fallback string
	if !c.files {
		var err error
		rep, fallback, err = fromDatabase(ctx, c, conf, opts, verbose)
		if err != nil {
			return err
		}
	}
	if rep == nil {
		r, err := analyzer.FromFiles(ctx, dir, analyzer.FilesOptions{Options: opts, Strict: c.strict})
		if err != nil {
			return err
		}
		if fallback != "" {
			r.Notes = append(r.Notes, fallback)
		}
		rep = r
	}
	verbose("read the run in %v (%s mode)", time.Since(start).Round(time.Millisecond), rep.Mode)
	return write(c, []*analyzer.Report{rep}, stdout, verbose, start, printPre, printInv)
}

// write prints the reports (several: one after the other; in JSON, an
// array) and returns the exit status's error: nil when every workflow
// reported succeeded.
func write(c config, reps []*analyzer.Report, stdout io.Writer, verbose func(string, ...any), start time.Time,
	printPre, printInv bool) error {
	ok := true
	for i, rep := range reps {
		var err error
		if c.jsonO {
			switch {
			case len(reps) == 1:
			case i == 0:
				_, err = io.WriteString(stdout, "[\n")
			default:
				_, err = io.WriteString(stdout, ",\n")
			}
			if err == nil {
				err = analyzer.WriteJSON(stdout, rep)
			}
		} else {
			err = analyzer.WriteText(stdout, rep, analyzer.TextOptions{
				Examples: c.examples, Signatures: c.signatures, Quiet: c.quiet, Summary: c.summary, PrintPre: printPre, PrintInvocation: printInv,
				TopDir: c.topDir, Recurse: c.recurse,
			})
		}
		if err != nil {
			return err
		}
		ok = ok && rep.OK()
	}
	if c.jsonO && len(reps) > 1 {
		if _, err := io.WriteString(stdout, "]\n"); err != nil {
			return err
		}
	}
	verbose("done in %v", time.Since(start).Round(time.Millisecond))
	if !ok {
		return cli.Exit(cli.ExitFailure, nil)
	}
	return nil
}

// destOnly reports, with --dest and no submit directory, on every root
// workflow of the database, each with the submit directory the database
// records (the report notes when it cannot be read).
func destOnly(ctx context.Context, c config, stdout io.Writer, verbose func(string, ...any), start time.Time,
	printPre, printInv bool) error {
	path := stampede.ParseDest(c.dest)
	db, err := openDatabase(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	roots, err := db.RootWorkflows(ctx)
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		return fmt.Errorf("%s: no workflow in the database", path)
	}
	opts := analyzer.Options{TraverseAll: c.traverse, Recurse: c.recurse}
	if c.verbose > 1 {
		opts.Trace = func(step string, d time.Duration) { verbose("  %-14s %v", step, d.Round(time.Millisecond)) }
	}
	reps := make([]*analyzer.Report, 0, len(roots))
	for _, w := range roots {
		verbose("database %s, workflow %s (no submit directory given: %d root workflow(s))", path, w.UUID, len(roots))
		rep, err := analyzer.FromDatabase(ctx, db, w.UUID, opts)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	verbose("read the database in %v", time.Since(start).Round(time.Millisecond))
	return write(c, reps, stdout, verbose, start, printPre, printInv)
}

// fromDatabase analyses the run from its database. When there is no
// database, or it does not hold the run, or a running monitord holds it, it
// returns no report and the note to print above the files-mode report.
func fromDatabase(ctx context.Context, c config, conf *properties.Properties, opts analyzer.Options,
	verbose func(string, ...any)) (*analyzer.Report, string, error) {
	sd, err := report.OpenSubmitDir(opts.Dir)
	if err != nil {
		return nil, "", err
	}
	uuid := sd.Braindump.WfUUID()
	if uuid == "" {
		return nil, "", fmt.Errorf("%s: braindump has no wf_uuid", sd.Braindump.Path)
	}
	// The database: --dest, else that of the top workflow's directory.
	var path string
	switch {
	case c.dest != "":
		path = stampede.ParseDest(c.dest)
	default:
		top := sd
		if c.topDir != "" {
			if top, err = report.OpenSubmitDir(c.topDir); err != nil {
				return nil, "", err
			}
		}
		if path, err = top.Database(conf); errors.Is(err, report.ErrNoDatabase) {
			return nil, "no Stampede database was found (" + oneLine(err.Error()) + "): this report comes from the submit directory's files", nil
		} else if err != nil {
			return nil, "", err
		}
	}
	verbose("database %s, workflow %s", path, uuid)
	t := time.Now()
	db, err := openDatabase(ctx, path)
	verbose("opened the database in %v", time.Since(t).Round(time.Millisecond))
	if errors.Is(err, stampede.ErrLocked) {
		return nil, "the database " + path + " is locked (pegasus-monitord is still writing it): this report comes from the submit directory's files", nil
	}
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	rep, err := analyzer.FromDatabase(ctx, db, uuid, opts)
	if errors.Is(err, stampede.ErrWorkflowNotFound) {
		return nil, "the database " + path + " does not hold workflow " + uuid + " (load it with pegasus-monitord --replay): this report comes from the submit directory's files", nil
	}
	if err != nil {
		return nil, "", err
	}
	return rep, "", nil
}

// openDatabase opens a DuckDB file read-only (waiting a while if a loading
// monitord holds it) or a Parquet archive.
func openDatabase(ctx context.Context, path string) (*stampede.DB, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("database %s: no such file or directory", path)
		}
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if fi.IsDir() {
		if !stampede.IsArchive(path) {
			return nil, fmt.Errorf("%s: a directory, but not a Parquet archive of Stampede tables", path)
		}
		return stampede.OpenArchive(ctx, path)
	}
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true, Wait: 5 * time.Second})
	if err != nil {
		if errors.Is(err, stampede.ErrLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var n int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM workflow`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: not a Stampede database: %w", path, err)
	}
	return db, nil
}

// debugJob writes the job's debug script and says how to run it.
func debugJob(c config, dir string, stdout io.Writer) error {
	ds, err := analyzer.WriteDebugScript(analyzer.DebugOptions{
		Job: c.debugJob, SubmitDir: dir, DebugDir: c.debugDir, LocalExecutable: c.localExe,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "pegasus-analyzer: finished generating job debug script!")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "To run it, you need to type:")
	fmt.Fprintf(stdout, "   $ cd %s\n", ds.Dir)
	fmt.Fprintf(stdout, "   $ ./%s\n", filepath.Base(ds.Script))
	return nil
}

func oneLine(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
}
