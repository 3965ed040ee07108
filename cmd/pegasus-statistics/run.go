package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/report/statistics"
)

// config is the parsed command line.
type config struct {
	output, conf, dest, levels, format, timeFilter, zone string
	ai                                                   string
	ignore, multi, pmc, isUUID                           bool
	verbose, quiet                                       int
	args                                                 []string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-statistics", help, stderr)
	var c config
	fs.StringVarP(&c.output, "output", "o", "", "write the files into `DIR` (created if missing, never emptied); default <submit dir>/statistics, emptied first")
	fs.StringVarP(&c.conf, "conf", "c", "", "properties `file`; its pegasus.monitord.output or pegasus.catalog.workflow.url names the database")
	fs.StringVar(&c.dest, "dest", "", "the Stampede database: a DuckDB `file` (or duckdb:///PATH) or a Parquet archive directory")
	fs.StringVarP(&c.format, "file", "f", "text", "output format: text or csv")
	fs.StringVarP(&c.levels, "statistics-level", "s", "all", "comma-separated `levels`: all, summary, wf_stats, jb_stats, tf_stats, ti_stats, int_stats")
	fs.StringVarP(&c.timeFilter, "time-filter", "t", "day", "bucket of the time statistics: day or hour")
	fs.StringVar(&c.zone, "time-zone", "", "time `zone` of the time statistics, e.g. UTC or Europe/Paris (default: the local zone, $TZ)")
	fs.BoolVarP(&c.ignore, "ignore-db-inconsistency", "i", false, "do not check that pegasus-monitord finished loading the run")
	fs.BoolVarP(&c.multi, "multiple-wf", "m", false, "statistics over several root workflows (all of the database when none is named)")
	fs.BoolVarP(&c.pmc, "ispmc", "p", false, "count succeeded tasks over every try (pegasus-mpi-cluster workflows; default from braindump uses_pmc)")
	fs.BoolVarP(&c.isUUID, "isuuid", "u", false, "the arguments are workflow UUIDs, not submit directories")
	fs.CountVarP(&c.verbose, "verbose", "v", "print warnings (repeat for more)")
	fs.CountVarP(&c.quiet, "quiet", "q", "print less")
	fs.StringVar(&c.ai, "ai", "true", "accepted for compatibility with Pegasus's option (`BOOL`): this implementation sends the statistics to no AI service and prints no AI analysis")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if _, err := strconv.ParseBool(c.ai); err != nil {
		return cli.Usagef("--ai %s: not a boolean", c.ai)
	}
	c.args = fs.Args()
	return statisticsCommand(ctx, c, stdout, stderr)
}

func statisticsCommand(ctx context.Context, c config, stdout, stderr io.Writer) error {
	warn := func(format string, a ...any) {
		if c.verbose-c.quiet >= 1 {
			fmt.Fprintf(stderr, "pegasus-statistics: warning: "+format+"\n", a...)
		}
	}
	format, err := statistics.ParseFormat(c.format)
	if err != nil {
		return cli.Usage(err)
	}
	tf, err := statistics.ParseTimeFilter(c.timeFilter)
	if err != nil {
		return cli.Usage(err)
	}
	loc := time.Local
	if c.zone != "" {
		if loc, err = time.LoadLocation(c.zone); err != nil {
			return cli.Usagef("--time-zone %s: %v", c.zone, err)
		}
	}

	// Positional arguments: none means the current directory (or, with
	// -m, every root workflow); several mean multi-workflow mode.
	targets := c.args
	all := false
	switch {
	case len(targets) == 0 && c.multi:
		all = true
	case len(targets) == 0:
		targets = []string{"."}
	case len(targets) == 1 && c.multi:
		warn("Single submit-dir is specified, but multiple-wf flag is set.")
		c.multi = false
	case len(targets) > 1 && !c.multi:
		warn("Multiple submit-dirs are specified, but multiple-wf flag is not set.")
		c.multi = true
	}
	levels, invalid := statistics.ParseLevels(c.levels, c.multi)
	if len(invalid) > 0 {
		fmt.Fprintf(stderr, "Invalid value(s) for statistics_level, ignoring %s\n", strings.Join(invalid, ","))
	}
	if c.multi && levels&statistics.Jobs != 0 {
		return cli.Usage(statistics.ErrJobsMulti)
	}
	byUUID := c.isUUID || all
	if byUUID && c.conf == "" && c.dest == "" {
		return cli.Usagef("--dest or --conf is needed to find the database when workflows are given by UUID (-u) or with -m and no submit directory")
	}
	if (c.multi || c.isUUID) && c.output == "" {
		return cli.Usagef("the output directory (-o) is required with several workflows or with UUIDs")
	}
	var conf *properties.Properties
	if c.conf != "" {
		if conf, err = properties.Load(c.conf); err != nil {
			return err
		}
	}

	// Submit directories: their UUIDs, the monitord check and the database.
	var dirs []*report.SubmitDir
	var uuids []string
	if !byUUID {
		for _, d := range targets {
			sd, err := report.OpenSubmitDir(d)
			if err != nil {
				if len(c.args) == 0 && c.dest != "" {
					// No argument, and "." is no submit directory: the
					// database's only root workflow is meant.
					dirs, targets, all = nil, nil, true
					break
				}
				return err
			}
			dirs = append(dirs, sd)
			uuids = append(uuids, sd.Braindump.WfUUID())
		}
	} else {
		uuids = targets
	}
	if len(dirs) > 0 {
		if c.ignore {
			warn("Ignoring db inconsistency")
			warn("The tool is meant to be run after the workflow completion.")
		} else {
			for _, d := range dirs {
				if err := report.CheckLoaded(d.Dir); err != nil {
					return err
				}
			}
		}
	} else if all && !c.ignore {
		warn("cannot check that pegasus-monitord finished loading the workflows (no submit directory given)")
	}
	if !c.pmc && len(dirs) > 0 {
		pmc := 0
		for _, d := range dirs {
			if d.UsesPMC() {
				pmc++
			}
		}
		switch {
		case pmc == len(dirs):
			c.pmc = true
		case pmc > 0:
			warn("Input workflows use both PMC & regular clustering! Calculating statistics with regular clustering")
		}
	}

	dbPath, err := report.DatabasePath(c.dest, conf, filepath.Dir(c.conf), dirs)
	if err != nil {
		return err
	}
	db, err := report.OpenDatabase(ctx, dbPath, 10*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()

	if all {
		uuids = nil
	}
	wfs, err := report.SelectWorkflows(ctx, db, uuids, c.multi)
	if err != nil {
		return err
	}
	sel := statistics.Selection{Workflows: wfs, Multi: c.multi}

	out := c.output
	if out == "" {
		if len(dirs) == 0 {
			return cli.Usagef("the output directory (-o) is required when no submit directory is given")
		}
		// Pegasus empties the default directory.
		out = statistics.PyJoin(dirs[0].Dir, "statistics")
		if err := os.RemoveAll(out); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	res, err := statistics.Generate(ctx, db, sel, statistics.Options{
		Levels: levels, Format: format, TimeFilter: tf, Location: loc, PMC: c.pmc, OutputDir: out,
	})
	if err != nil {
		return err
	}
	if err := res.WriteConsole(stdout); err != nil {
		return err
	}
	if len(res.Failures) > 0 {
		for _, f := range res.Failures {
			fmt.Fprintf(stderr, "pegasus-statistics: %v\n", f)
		}
		return cli.Exit(cli.ExitFailure, nil)
	}
	return nil
}
