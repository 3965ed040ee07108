package statistics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pegasus-go/pegasus/stampede"
)

// Level is a set of kinds of statistics (pegasus-statistics -s).
type Level uint8

// The levels, named as on the command line.
const (
	Summary        Level = 1 << iota // summary
	Workflow                         // wf_stats
	Jobs                             // jb_stats
	Transformation                   // tf_stats
	Time                             // ti_stats
	Integrity                        // int_stats
	// All is every level; in multi-workflow mode it leaves out Jobs.
	All = Summary | Workflow | Jobs | Transformation | Time | Integrity
)

var levelNames = []struct {
	name string
	l    Level
}{
	{"all", All}, {"summary", Summary}, {"wf_stats", Workflow}, {"jb_stats", Jobs},
	{"tf_stats", Transformation}, {"ti_stats", Time}, {"int_stats", Integrity},
}

// ParseLevels reads a comma-separated -s value. Values are trimmed and
// lower-cased; unknown ones are returned in invalid and otherwise ignored,
// and an empty result means Summary. In multi-workflow mode "all" leaves
// out Jobs (they are listed for one workflow only; asking for jb_stats
// explicitly is an error there, see Generate).
func ParseLevels(s string, multi bool) (l Level, invalid []string) {
	for _, v := range strings.Split(s, ",") {
		v = strings.ToLower(strings.TrimSpace(v))
		found := false
		for _, n := range levelNames {
			if v != n.name {
				continue
			}
			found = true
			if n.l == All && multi {
				l |= All &^ Jobs
			} else {
				l |= n.l
			}
		}
		if !found && v != "" {
			invalid = append(invalid, v)
		}
	}
	if l == 0 {
		l = Summary
	}
	return l, invalid
}

// Format is the output format (-f).
type Format int

// The formats.
const (
	Text Format = iota
	CSV
)

// ParseFormat reads "text" or "csv" (any case).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "text":
		return Text, nil
	case "csv":
		return CSV, nil
	}
	return Text, fmt.Errorf("invalid format %q: want text or csv", s)
}

// TimeFilter is the bucket of the time statistics (-t).
type TimeFilter int

// The time filters.
const (
	Day TimeFilter = iota
	Hour
)

// ParseTimeFilter reads "day" or "hour".
func ParseTimeFilter(s string) (TimeFilter, error) {
	switch strings.ToLower(s) {
	case "day":
		return Day, nil
	case "hour":
		return Hour, nil
	}
	return Day, fmt.Errorf("invalid time filter %q: want day or hour", s)
}

func (f TimeFilter) String() string {
	if f == Hour {
		return "hour"
	}
	return "day"
}

// Options select what Generate writes.
type Options struct {
	Levels     Level
	Format     Format
	TimeFilter TimeFilter
	// Location is the time zone of the dates in the time statistics; nil
	// means the process's local zone (what Pegasus uses).
	Location *time.Location
	// PMC counts succeeded tasks over every try of a job instead of its
	// last try (workflows clustered with pegasus-mpi-cluster).
	PMC bool
	// OutputDir is where the files go; it must exist.
	OutputDir string
}

// Selection names the workflows to report on.
type Selection struct {
	// Workflows: in single mode the workflow (a root or a sub-workflow),
	// reported with all its sub-workflows; in multi mode the root workflows.
	Workflows []stampede.WorkflowInfo
	Multi     bool
}

// File is one file written.
type File struct {
	Label string // as printed on the console, e.g. "Summary"
	Path  string
}

// Result is what Generate did.
type Result struct {
	// Summary is the content of summary.txt (text format only), which the
	// command echoes.
	Summary []byte
	// Files are the files written, in the order Pegasus lists them.
	Files []File
	// Failures are the kinds of statistics that could not be generated
	// (their files were removed); the others were still written.
	Failures []error
}

// ErrJobsMulti is returned when job statistics are asked for several workflows.
var ErrJobsMulti = errors.New("Job breakdown statistics cannot be computed over multiple workflows")

// Generate computes the statistics and writes their files into
// opts.OutputDir. It returns an error (and writes nothing) for a bad
// selection; an error while producing one kind of statistics is recorded in
// Result.Failures, that kind's files are removed and the others still run,
// as in Pegasus. A cancelled context is returned as an error.
func Generate(ctx context.Context, db *stampede.DB, sel Selection, opts Options) (*Result, error) {
	if len(sel.Workflows) == 0 {
		return nil, errors.New("no workflow selected")
	}
	if sel.Multi && opts.Levels&Jobs != 0 {
		return nil, ErrJobsMulti
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	g := &gen{db: db, sel: sel, opts: opts}
	if err := g.resolve(ctx); err != nil {
		return nil, err
	}
	res := &Result{}
	type kind struct {
		level Level
		name  string
		run   func(context.Context) ([]File, error)
	}
	// Pegasus's generation order.
	kinds := []kind{
		{Summary, "summary", g.summary},
		{Time, "time", g.timeStats},
		{Jobs, "job", g.jobs},
		{Transformation, "transformation", g.breakdown},
		{Integrity, "integrity", g.integrity},
		{Workflow, "workflow", g.workflow},
	}
	// The kinds are independent (each writes its own files): they run
	// concurrently, which keeps both the database and Go busy, and their
	// results are taken in Pegasus's order.
	type outcome struct {
		files []File
		err   error
	}
	outcomes := make([]outcome, len(kinds))
	var wg sync.WaitGroup
	for i, k := range kinds {
		if opts.Levels&k.level == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fs, err := k.run(ctx)
			outcomes[i] = outcome{fs, err}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var files []File
	for i, k := range kinds {
		if o := outcomes[i]; o.err != nil {
			res.Failures = append(res.Failures, fmt.Errorf("%s statistics generation failed: %w", k.name, o.err))
		} else {
			files = append(files, o.files...)
		}
	}
	res.Summary = g.summaryText
	order := []string{labelSummary, labelSummaryTime, labelWorkflow, labelJobs, labelBreakdown, labelIntegrity, labelTime, labelTimeHost}
	sort.SliceStable(files, func(i, j int) bool { return indexOf(order, files[i].Label) < indexOf(order, files[j].Label) })
	res.Files = files
	return res, nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return len(list)
}

// The console labels of the files.
const (
	labelSummary     = "Summary"
	labelSummaryTime = "Summary Time"
	labelWorkflow    = "Workflow execution statistics"
	labelJobs        = "Job instance statistics"
	labelBreakdown   = "Transformation statistics"
	labelIntegrity   = "Integrity statistics"
	labelTime        = "Time statistics"
	labelTimeHost    = "Time statistics (per host)"
)

// WriteConsole prints what pegasus-statistics prints when it is done: in
// text format the summary (each line right-trimmed) and an empty line,
// then one line per file written, and a line counting the failures.
func (r *Result) WriteConsole(w io.Writer) error {
	var b strings.Builder
	if len(r.Summary) > 0 {
		for _, line := range strings.SplitAfter(string(r.Summary), "\n") {
			if line == "" {
				continue
			}
			b.WriteString(strings.TrimRight(line, " \t\r\n"))
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	for _, f := range r.Files {
		fmt.Fprintf(&b, "%-30s: %s\n", f.Label, f.Path)
	}
	if len(r.Failures) > 0 {
		fmt.Fprintf(&b, "Failed to generate %d type(s) of statistics\n", len(r.Failures))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// gen holds one generation's state.
type gen struct {
	db   *stampede.DB
	sel  Selection
	opts Options

	wfs   []stampede.WorkflowInfo // the individual workflows, in report order
	scope stampede.Scope          // their ids, same order
	q     *stampede.Scoped        // the queries over scope

	// counts returns the per-workflow counts, computed once (the summary
	// and the workflow statistics both need them).
	counts      func() (map[int64]stampede.WorkflowCounts, error)
	summaryText []byte
}

// resolve lists the individual workflows: in single mode the workflow
// followed by its sub-workflows at any depth; in multi mode every workflow
// of the selected roots, ordered by root.
func (g *gen) resolve(ctx context.Context) error {
	if g.sel.Multi {
		var roots []int64
		for _, w := range g.sel.Workflows {
			roots = append(roots, w.ID)
		}
		wfs, err := g.db.TreeWorkflows(ctx, roots)
		if err != nil {
			return err
		}
		g.wfs = wfs
	} else {
		w := g.sel.Workflows[0]
		desc, err := g.db.Descendants(ctx, w.ID)
		if err != nil {
			return err
		}
		g.wfs = append([]stampede.WorkflowInfo{w}, desc...)
	}
	for _, w := range g.wfs {
		g.scope = append(g.scope, w.ID)
	}
	q, err := g.db.NewScoped(ctx, g.scope)
	g.q = q
	g.counts = sync.OnceValues(func() (map[int64]stampede.WorkflowCounts, error) {
		return q.WorkflowCounts(ctx, g.opts.PMC)
	})
	return err
}

// totalCounts sums the per-workflow counts over the whole scope.
func (g *gen) totalCounts() (stampede.WorkflowCounts, error) {
	per, err := g.counts()
	if err != nil {
		return stampede.WorkflowCounts{}, err
	}
	var t stampede.WorkflowCounts
	for _, id := range g.scope {
		t = t.Add(per[id])
	}
	return t, nil
}

// title is "<uuid> (<label>)", how Pegasus names a workflow's block.
func title(w stampede.WorkflowInfo) string { return w.UUID + " (" + w.Label + ")" }

// path returns the output path of a file name, joined as Python's
// os.path.join does (the path is printed on the console as given).
func (g *gen) path(name string) string { return PyJoin(g.opts.OutputDir, name) }

// PyJoin joins a directory and a name as Python's os.path.join does:
// without cleaning the directory ("./statistics" stays as it is).
func PyJoin(dir, name string) string {
	if dir == "" || strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir + name
	}
	return dir + string(filepath.Separator) + name
}

// ext is the extension of the selected format.
func (g *gen) ext() string {
	if g.opts.Format == CSV {
		return ".csv"
	}
	return ".txt"
}

// removeAll deletes files written by a failed generator.
func removeAll(paths ...string) {
	for _, p := range paths {
		os.Remove(p)
	}
}
