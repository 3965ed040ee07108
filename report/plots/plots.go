package plots

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
)

// Result is what Generate wrote.
type Result struct {
	// Index is the path of index.html.
	Index string
	// Sections are the workflows, each root followed by its sub-workflows.
	Sections []*Section
	// Summary is pegasus-statistics' summary.txt of the selection.
	Summary []byte
	// Files are the files written (index.html last), as paths joined to
	// Options.OutputDir.
	Files []string
	// Warnings are charts or graphs that could not be made; the rest was
	// still written.
	Warnings []string
}

// Charts returns every chart of the result, in page order.
func (r *Result) Charts() []*Chart {
	var out []*Chart
	for _, s := range r.Sections {
		if s.Tree != nil {
			out = append(out, s.Tree.Charts...)
		}
		out = append(out, s.Charts...)
	}
	return out
}

// ErrNoWorkflow means the selection is empty.
var ErrNoWorkflow = errors.New("no workflow selected")

// Generate draws the charts of the selected workflows into opts.OutputDir
// and writes index.html there. Errors reading the database stop it; a
// chart that cannot be drawn (or a graph Graphviz cannot render) is
// reported in Result.Warnings and the page says so in its place.
func Generate(ctx context.Context, db *stampede.DB, sel Selection, opts Options) (*Result, error) {
	opts.defaults()
	if len(sel.Workflows) == 0 {
		return nil, ErrNoWorkflow
	}
	g := &gen{db: db, sel: sel, opts: opts, res: &Result{}, ctx: ctx, sem: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if err := g.resolve(ctx); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.OutputDir, 0o755); err != nil {
		return nil, err
	}
	if err := g.collect(ctx); err != nil {
		g.drawing.Wait()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.draw(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := g.write(); err != nil {
		return nil, err
	}
	return g.res, nil
}

type gen struct {
	db    *stampede.DB
	sel   Selection
	opts  Options
	res   *Result
	roots []*Section // the first section of each root
	scope stampede.Scope

	mu sync.Mutex // guards res.Warnings

	ctx     context.Context // Generate's
	sem     chan struct{}   // limits the drawing goroutines
	drawing sync.WaitGroup  // the charts being drawn
}

func contains(ids stampede.Scope, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

func (g *gen) warn(format string, a ...any) {
	g.mu.Lock()
	g.res.Warnings = append(g.res.Warnings, fmt.Sprintf(format, a...))
	g.mu.Unlock()
}

// resolve lists the sections: each selected workflow followed by its
// sub-workflows, depth-first in wf_id order.
func (g *gen) resolve(ctx context.Context) error {
	seen := map[int64]bool{}
	for _, w := range g.sel.Workflows {
		if seen[w.ID] {
			continue
		}
		desc, err := g.db.Descendants(ctx, w.ID)
		if err != nil {
			return err
		}
		children := map[int64][]stampede.WorkflowInfo{}
		for _, d := range desc {
			if d.ParentID.Valid {
				children[d.ParentID.Int64] = append(children[d.ParentID.Int64], d)
			}
		}
		root := &Section{Workflow: w, Tree: &TreeData{}}
		g.roots = append(g.roots, root)
		var walk func(s *Section)
		walk = func(s *Section) {
			if seen[s.Workflow.ID] {
				return
			}
			seen[s.Workflow.ID] = true
			g.res.Sections = append(g.res.Sections, s)
			g.scope = append(g.scope, s.Workflow.ID)
			for _, c := range children[s.Workflow.ID] {
				walk(&Section{Workflow: c, Depth: s.Depth + 1})
			}
		}
		walk(root)
	}
	for i, s := range g.res.Sections {
		s.Drawn = i < MaxSections
	}
	return nil
}

// tree returns the workflow ids of the hierarchy starting at section i.
func (g *gen) tree(i int) stampede.Scope {
	ids := stampede.Scope{g.res.Sections[i].Workflow.ID}
	for _, s := range g.res.Sections[i+1:] {
		if s.Depth == 0 {
			break
		}
		ids = append(ids, s.Workflow.ID)
	}
	return ids
}

// collect runs the queries: the summary, counts, time and breakdown
// statistics and the graphs on the connection pool, the try table's
// queries on their own connection, all at once.
func (g *gen) collect(ctx context.Context) error {
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.summary(ctx) })
	eg.Go(func() error { return g.wallTimes(ctx) })
	for i, s := range g.res.Sections {
		if s.Tree == nil || g.opts.Level&(Time|Breakdown) == 0 {
			continue
		}
		tree := g.tree(i)
		eg.Go(func() error { return g.treeStats(ctx, s, tree) })
	}
	if g.opts.Level&AllGraphs != 0 {
		eg.Go(func() error { return g.graphs(ctx) })
	}
	// The spans of the workflows are needed even without these charts,
	// to say which workflows have no job data.
	eg.Go(func() error { return g.tries(ctx) })
	return eg.Wait()
}

// summary runs pegasus-statistics' summary over the selection.
func (g *gen) summary(ctx context.Context) error {
	tmp, err := os.MkdirTemp("", "pegasus-plots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	res, err := statistics.Generate(ctx, g.db, statistics.Selection{Workflows: g.sel.Workflows, Multi: g.sel.Multi},
		statistics.Options{Levels: statistics.Summary, Format: statistics.Text, Location: g.opts.Location, PMC: g.opts.PMC, OutputDir: tmp})
	if err != nil {
		return err
	}
	for _, f := range res.Failures {
		g.warn("summary: %v", f)
	}
	g.res.Summary = res.Summary
	return nil
}

// wallTimes gets each workflow's own wall time.
func (g *gen) wallTimes(ctx context.Context) error {
	for _, s := range g.res.Sections {
		var err error
		if s.WallTime, err = g.db.WorkflowWallTime(ctx, []int64{s.Workflow.ID}); err != nil {
			return err
		}
	}
	return nil
}

// treeStats gets the time statistics and the transformation breakdown of
// the hierarchy of root (and the breakdown of each of its workflows).
func (g *gen) treeStats(ctx context.Context, root *Section, tree stampede.Scope) error {
	q, err := g.db.NewScoped(ctx, tree)
	if err != nil {
		return err
	}
	if g.opts.Level&Time != 0 {
		ts, err := q.TimeStats(ctx, false)
		if err != nil {
			return err
		}
		root.Tree.Time = timeData(ts, g.opts.TimeFilter, g.opts.Location)
	}
	if g.opts.Level&Breakdown != 0 {
		// Always per workflow too: the scope-wide rows alone are not supported.
		rows, err := q.TransformationStats(ctx, true, nil)
		if err != nil {
			return err
		}
		root.Tree.Breakdown = breakdownData(rows, 0)
		if len(tree) > 1 {
			for _, s := range g.res.Sections {
				for _, id := range tree {
					if s.Workflow.ID == id && s.Drawn {
						s.Breakdown = breakdownData(rows, id)
					}
				}
			}
		}
	}
	g.drawTree(ctx, root)
	for _, s := range g.res.Sections {
		if bd := s.Breakdown; bd != nil && len(bd.Rows) > 0 && contains(tree, s.Workflow.ID) {
			title := "Invocations per transformation (this workflow)"
			g.chart(ctx, s, "breakdown", title, "breakdown_chart", func() ([]byte, int, int, error) { return drawBreakdown(bd, title) })
		}
	}
	return nil
}

// tries builds the try table and gets the Gantt, host and critical path
// data of the drawn workflows, each kind for all workflows in one query.
func (g *gen) tries(ctx context.Context) error {
	tt, err := g.db.NewTryTable(ctx, g.scope)
	if err != nil {
		return err
	}
	defer tt.Close()
	spans, err := tt.Spans(ctx, g.scope)
	if err != nil {
		return err
	}
	var small, withTries []int64
	var large []stampede.BinRange
	for _, s := range g.res.Sections {
		s.Span = spans[s.Workflow.ID]
		if !s.Drawn || s.Span.Tries == 0 {
			continue
		}
		withTries = append(withTries, s.Workflow.ID)
		if s.Span.Tries <= int64(g.opts.DetailLimit) {
			small = append(small, s.Workflow.ID)
		} else {
			large = append(large, stampede.BinRange{WfID: s.Workflow.ID, Start: s.Span.Start(), End: s.Span.End()})
		}
	}
	detail := map[int64][]stampede.Try{}
	if g.opts.Level&(Gantt|Host|CriticalPath) != 0 && len(small) > 0 {
		if detail, err = tt.Tries(ctx, small, nil); err != nil {
			return err
		}
	}
	// Each kind's charts are drawn as soon as its data is there.
	drawn := func(fn func(s *Section, tries []stampede.Try, small bool)) {
		for _, s := range g.res.Sections {
			if s.Drawn && s.Span.Tries > 0 {
				tries, isSmall := detail[s.Workflow.ID]
				fn(s, tries, isSmall)
			}
		}
	}
	if g.opts.Level&Gantt != 0 {
		states, err := tt.StateBins(ctx, large, Bins)
		if err != nil {
			return err
		}
		drawn(func(s *Section, tries []stampede.Try, _ bool) {
			gd := &GanttData{Start: s.Span.Start(), End: s.Span.End(), Tries: tries, Bins: states[s.Workflow.ID], Total: s.Span.Tries}
			s.Gantt = gd
			g.chart(ctx, s, "gantt", "Workflow execution Gantt chart", "gantt_chart",
				func() ([]byte, int, int, error) { return drawGantt(gd, g.opts.Location) })
		})
	}
	if g.opts.Level&Host != 0 {
		hosts, err := tt.HostBins(ctx, large, Bins, MaxHosts)
		if err != nil {
			return err
		}
		drawn(func(s *Section, tries []stampede.Try, _ bool) {
			hd := &HostData{Start: s.Span.Start(), End: s.Span.End(), Tries: tries, Bins: hosts[s.Workflow.ID]}
			s.Host = hd
			g.chart(ctx, s, "host", "Host over time chart", "host_chart",
				func() ([]byte, int, int, error) { return drawHost(hd, g.opts.Location) })
		})
	}
	var paths map[int64][]int64
	pathTries := map[int64][]stampede.Try{}
	if g.opts.Level&CriticalPath != 0 {
		if paths, err = tt.CriticalJobs(ctx, withTries); err != nil {
			return err
		}
		// The tries of the paths of large workflows (the small ones' are
		// in detail).
		var jobs []int64
		for _, r := range large {
			jobs = append(jobs, paths[r.WfID]...)
		}
		if len(jobs) > 0 {
			if pathTries, err = tt.Tries(ctx, nil, jobs); err != nil {
				return err
			}
		}
		drawn(func(s *Section, tries []stampede.Try, isSmall bool) {
			id := s.Workflow.ID
			path := pathTries[id]
			if isSmall {
				in := map[int64]bool{}
				for _, j := range paths[id] {
					in[j] = true
				}
				path = nil
				for _, t := range tries {
					if in[t.JobID] {
						path = append(path, t)
					}
				}
			}
			cd := criticalPath(s.Span.Start(), s.Span.End(), paths[id], path)
			s.Critical = cd
			if len(cd.Jobs) > 0 {
				g.chart(ctx, s, "critical", "Critical path", "critical_path",
					func() ([]byte, int, int, error) { return drawCritical(cd, g.opts.Location) })
			}
		})
	}
	return nil
}

// graphs writes the .dot files of the drawn workflows and renders them.
func (g *gen) graphs(ctx context.Context) error {
	type job struct {
		s    *Section
		kind string
	}
	var jobs []job
	for _, s := range g.res.Sections {
		if !s.Drawn {
			continue
		}
		if g.opts.Level&DAGGraph != 0 {
			jobs = append(jobs, job{s, "dag"})
		}
		if g.opts.Level&DAXGraph != 0 {
			jobs = append(jobs, job{s, "dax"})
		}
	}
	for _, j := range jobs {
		gd, err := g.graph(ctx, j.s, j.kind)
		if err != nil {
			return err
		}
		if j.kind == "dag" {
			j.s.DAG = gd
		} else {
			j.s.DAX = gd
		}
	}
	return nil
}

// timeData buckets the hourly time statistics by hour or day in loc,
// filling the buckets without data between the first and the last.
func timeData(ts stampede.TimeStats, f TimeFilter, loc *time.Location) *TimeData {
	hours := map[int64]*[4]float64{}
	var first, last int64 = 1<<62 - 1, -1 << 62
	add := func(h stampede.HourStat, col int) {
		v := hours[h.Hour]
		if v == nil {
			v = new([4]float64)
			hours[h.Hour] = v
		}
		v[col] += float64(h.Count)
		v[col+1] += h.Runtime.Float64
		first, last = min(first, h.Hour), max(last, h.Hour)
	}
	for _, h := range ts.Jobs {
		add(h, 0)
	}
	for _, h := range ts.Invocations {
		add(h, 2)
	}
	td := &TimeData{Filter: f}
	if len(hours) == 0 {
		if td.Filter == Auto {
			td.Filter = Hour
		}
		return td
	}
	if td.Filter == Auto {
		td.Filter = Hour
		if last-first+1 > AutoHourLimit {
			td.Filter = Day
		}
	}
	keys := make([]int64, 0, len(hours))
	for h := range hours {
		keys = append(keys, h)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	bucketOf := func(h int64) time.Time {
		t := time.Unix(h*3600, 0).In(loc)
		if td.Filter == Day {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		}
		return t
	}
	label := func(t time.Time) string {
		if td.Filter == Day {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02 15h")
	}
	next := func(t time.Time) time.Time {
		if td.Filter == Day {
			return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		}
		return t.Add(time.Hour)
	}
	end := bucketOf(keys[len(keys)-1])
	for t := bucketOf(keys[0]); !t.After(end); t = next(t) {
		td.Buckets = append(td.Buckets, TimeBucket{Start: t, Label: label(t)})
	}
	index := map[string]int{}
	for i, b := range td.Buckets {
		index[b.Label] = i
	}
	for _, h := range keys {
		v := hours[h]
		b := &td.Buckets[index[label(bucketOf(h))]]
		b.Jobs += int64(v[0])
		b.JobRuntime += v[1]
		b.Invocations += int64(v[2])
		b.InvRuntime += v[3]
	}
	return td
}

// breakdownData groups the transformation statistics of workflow wf (0:
// the scope-wide rows) per transformation, by total runtime.
func breakdownData(rows []stampede.TransformationStat, wf int64) *BreakdownData {
	byName := map[string]*BreakdownRow{}
	var order []string
	for _, r := range rows {
		if r.WfID != wf {
			continue
		}
		b := byName[r.Transformation]
		if b == nil {
			b = &BreakdownRow{Transformation: r.Transformation, MinRuntime: r.Min, MaxRuntime: r.Max}
			byName[r.Transformation] = b
			order = append(order, r.Transformation)
		}
		if r.Type == "successful" {
			b.Succeeded, b.SucceededRuntime, b.SucceededPresent = r.Count, r.Total, true
		} else {
			b.Failed, b.FailedRuntime, b.FailedPresent = r.Count, r.Total, true
		}
		b.MinRuntime, b.MaxRuntime = min(b.MinRuntime, r.Min), max(b.MaxRuntime, r.Max)
	}
	bd := &BreakdownData{}
	for _, n := range order {
		b := byName[n]
		if c := b.Count(); c > 0 {
			b.AvgRuntime = b.Runtime() / float64(c)
		}
		bd.Rows = append(bd.Rows, *b)
	}
	sort.SliceStable(bd.Rows, func(i, j int) bool {
		if a, b := bd.Rows[i].Runtime(), bd.Rows[j].Runtime(); a != b {
			return a > b
		}
		return bd.Rows[i].Count() > bd.Rows[j].Count()
	})
	return bd
}

// drawTree renders the charts of a hierarchy as soon as their data is
// there, while the other queries run.
func (g *gen) drawTree(ctx context.Context, s *Section) {
	t, u := s.Tree, s.Workflow.UUID
	add := func(kind, title, path string, fn func() ([]byte, int, int, error)) {
		c := &Chart{Kind: kind, Title: title, Path: path}
		t.Charts = append(t.Charts, c)
		g.render(ctx, c, fn)
	}
	if td := t.Time; td != nil && len(td.Buckets) > 0 {
		add("time", "Jobs and invocations per "+map[TimeFilter]string{Hour: "hour", Day: "day"}[td.Filter],
			filepath.Join("time_chart", u+".png"), func() ([]byte, int, int, error) { return drawTime(td, g.opts.Location) })
	}
	if bd := t.Breakdown; bd != nil && len(bd.Rows) > 0 {
		name := u + ".png"
		title := "Invocations per transformation"
		if s.Breakdown != nil {
			name = u + "_all.png"
			title += " (all workflows of the run)"
		}
		add("breakdown", title, filepath.Join("breakdown_chart", name),
			func() ([]byte, int, int, error) { return drawBreakdown(bd, title) })
	}
}

// render draws a chart on the pool of drawing goroutines (as many as
// CPUs), so that charts are drawn while the queries of others still run;
// Generate waits for them all.
func (g *gen) render(_ context.Context, c *Chart, fn func() ([]byte, int, int, error)) {
	// Not the collecting context: errgroup cancels it when the queries
	// are done, while charts may still wait for a drawing goroutine.
	ctx := g.ctx
	g.drawing.Add(1)
	go func() {
		defer g.drawing.Done()
		select {
		case g.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-g.sem }()
		c.PNG, c.Width, c.Height, c.Err = fn()
		if c.Err != nil {
			c.PNG = nil
			g.warn("%s: %v", c.Path, c.Err)
		}
	}()
}

// chart starts drawing one of a section's charts.
func (g *gen) chart(ctx context.Context, s *Section, kind, title, dir string, fn func() ([]byte, int, int, error)) {
	c := &Chart{Kind: kind, Title: title, Path: filepath.Join(dir, s.Workflow.UUID+".png")}
	// Each kind has its own slot: the slots are written by different
	// goroutines.
	s.pending[indexOf(sectionKinds, kind)] = c
	g.render(ctx, c, fn)
}

// sectionKinds are the kinds of a section's own charts, in page order.
var sectionKinds = []string{"gantt", "host", "critical", "breakdown"}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	panic("plots: unknown chart kind " + s)
}

// draw puts each section's charts in page order once they are drawn: the
// Gantt, host, critical path and breakdown charts, then the graphs.
func (g *gen) draw(ctx context.Context) {
	g.drawing.Wait()
	for _, s := range g.res.Sections {
		for _, c := range s.pending {
			if c != nil {
				s.Charts = append(s.Charts, c)
			}
		}
		for _, gd := range []*GraphData{s.DAG, s.DAX} {
			if gd == nil {
				continue
			}
			c := &Chart{Kind: gd.Kind, Title: map[string]string{"dag": "DAG graph (jobs)", "dax": "DAX graph (tasks)"}[gd.Kind],
				Dot: gd.Dot, Note: gd.Skipped}
			if gd.PNG != "" {
				c.PNG, c.Width, c.Height, c.Path = gd.png, gd.w, gd.h, gd.PNG
			}
			s.Charts = append(s.Charts, c)
		}
	}
}

// write writes the PNG files and index.html.
func (g *gen) write() error {
	for _, c := range g.res.Charts() {
		if c.Dot != "" {
			g.res.Files = append(g.res.Files, filepath.Join(g.opts.OutputDir, c.Dot))
		}
		if c.PNG == nil || c.Path == "" {
			continue
		}
		p := filepath.Join(g.opts.OutputDir, c.Path)
		if c.Kind != "dag" && c.Kind != "dax" { // graphs are written by dot
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, c.PNG, 0o644); err != nil {
				return err
			}
		}
		g.res.Files = append(g.res.Files, p)
	}
	page, err := g.html()
	if err != nil {
		return err
	}
	g.res.Index = filepath.Join(g.opts.OutputDir, "index.html")
	if err := os.WriteFile(g.res.Index, page, 0o644); err != nil {
		return err
	}
	g.res.Files = append(g.res.Files, g.res.Index)
	return nil
}
