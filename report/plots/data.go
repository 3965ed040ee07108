package plots

import (
	"sort"
	"time"

	"github.com/pegasus-go/pegasus/stampede"
)

// GanttData is what the workflow Gantt chart draws: the tries themselves
// (Tries, when there are at most Options.DetailLimit of them) or the tries
// per phase over time (Bins).
type GanttData struct {
	Start float64 // epoch seconds the time axis counts from (the workflow's start)
	End   float64
	Tries []stampede.Try
	Bins  *stampede.StateBins
	Total int64 // tries of the workflow
}

// HostData is what the host chart draws: the tries on their hosts (Tries),
// or how busy the busiest hosts were over time (Bins).
type HostData struct {
	Start, End float64
	Tries      []stampede.Try
	Bins       *stampede.HostBins
}

// TimeBucket is one hour or day of the time chart.
type TimeBucket struct {
	Start       time.Time
	Label       string // "2006-01-02 15h" or "2006-01-02"
	Jobs        int64  // job instances (EXECUTE in the bucket, with a duration)
	JobRuntime  float64
	Invocations int64
	InvRuntime  float64
}

// TimeData is the time chart of a root workflow and its sub-workflows:
// pegasus-statistics' time statistics (ti_stats), by hour or day.
type TimeData struct {
	Filter  TimeFilter // Hour or Day
	Buckets []TimeBucket
}

// BreakdownRow is one transformation of the breakdown chart.
type BreakdownRow struct {
	Transformation                     string
	Succeeded, Failed                  int64   // invocations, by exit code
	SucceededRuntime, FailedRuntime    float64 // summed runtime, seconds
	SucceededPresent, FailedPresent    bool    // whether breakdown.txt has that row
	MinRuntime, MaxRuntime, AvgRuntime float64
}

// Count is the number of invocations.
func (r BreakdownRow) Count() int64 { return r.Succeeded + r.Failed }

// Runtime is the total runtime.
func (r BreakdownRow) Runtime() float64 { return r.SucceededRuntime + r.FailedRuntime }

// BreakdownData is the breakdown chart: pegasus-statistics' transformation
// statistics (tf_stats), ordered by total runtime, largest first.
type BreakdownData struct {
	Rows []BreakdownRow
}

// Phase is a part of a job try.
type Phase int

// The phases of a try, in time order (see stampede.TryTable).
const (
	PhaseDAGMan Phase = iota // waiting on DAGMan: parents, PRE script, limits, noticing the end
	PhaseQueue               // in the HTCondor queue
	PhaseRun                 // running remotely
	PhasePost                // POST script
)

func (p Phase) String() string {
	return [...]string{"DAGMan", "HTCondor queue", "remote run", "POST script"}[p]
}

// Segment is a stretch of the critical path.
type Segment struct {
	Row    int    // index of the job in CriticalData.Jobs
	Job    string // exec_job_id
	Seq    int    // job_submit_seq of the try ("" gaps have the next try's)
	Phase  Phase
	Start  float64
	End    float64
	Failed bool // part of a try that failed
}

// Duration is End − Start.
func (s Segment) Duration() float64 { return s.End - s.Start }

// CriticalData is the critical path of a workflow: the jobs that set its
// makespan, and its time split into segments that cover [Start, End]
// exactly, back to back.
type CriticalData struct {
	Start, End float64 // the makespan is End − Start
	Jobs       []string
	JobIDs     []int64
	Segments   []Segment
	Tries      []stampede.Try // the path's tries, in path order
}

// Makespan is End − Start.
func (c *CriticalData) Makespan() float64 { return c.End - c.Start }

// PhaseTotals sums the segments per phase.
func (c *CriticalData) PhaseTotals() [4]float64 {
	var t [4]float64
	for _, s := range c.Segments {
		t[s.Phase] += s.Duration()
	}
	return t
}

// criticalPath splits [start, end] along the tries of the path's jobs: for
// each try in order, DAGMan time up to its submission, queue time up to
// its execution, run time up to its end, DAGMan time up to its POST script
// and POST script time up to its last event, each starting where the
// previous ended (a try that began before its predecessor ended adds only
// what lies beyond); what remains up to end is DAGMan's.
func criticalPath(start, end float64, jobs []int64, tries []stampede.Try) *CriticalData {
	c := &CriticalData{Start: start, End: end, JobIDs: jobs}
	byJob := map[int64][]stampede.Try{}
	for _, t := range tries {
		byJob[t.JobID] = append(byJob[t.JobID], t)
	}
	cursor := start
	add := func(row int, t stampede.Try, p Phase, to float64) {
		if to < cursor {
			to = cursor
		}
		if to > end {
			to = end
		}
		if to > cursor || p != PhaseDAGMan {
			c.Segments = append(c.Segments, Segment{Row: row, Job: t.Job, Seq: t.Seq, Phase: p, Start: cursor, End: to, Failed: t.Failed()})
		}
		cursor = to
	}
	for row, id := range jobs {
		ts := byJob[id]
		sort.Slice(ts, func(i, j int) bool { return ts[i].Seq < ts[j].Seq })
		name := ""
		for _, t := range ts {
			name = t.Job
			c.Tries = append(c.Tries, t)
			add(row, t, PhaseDAGMan, t.Submit)
			add(row, t, PhaseQueue, t.Execute)
			add(row, t, PhaseRun, t.Terminate)
			add(row, t, PhaseDAGMan, t.PostStart)
			add(row, t, PhasePost, t.End)
		}
		c.Jobs = append(c.Jobs, name)
	}
	if cursor < end {
		row := len(c.Jobs) - 1
		job := ""
		if row >= 0 {
			job = c.Jobs[row]
		}
		c.Segments = append(c.Segments, Segment{Row: row, Job: job, Phase: PhaseDAGMan, Start: cursor, End: end})
	}
	// Drop empty segments (a try without POST script has an empty post
	// phase) except when the path would be empty.
	kept := c.Segments[:0]
	for _, s := range c.Segments {
		if s.End > s.Start {
			kept = append(kept, s)
		}
	}
	c.Segments = kept
	return c
}

// GraphData is a workflow graph: the .dot file, and its PNG when Graphviz
// rendered it.
type GraphData struct {
	Kind  string // "dag" or "dax"
	Graph stampede.Graph
	Dot   string // path relative to the output directory; "" when not written
	PNG   string // path relative to the output directory; "" when not rendered
	// Skipped says why no graph was drawn ("" when it was).
	Skipped string

	png  []byte
	w, h int
}

// Section is one workflow of the page.
type Section struct {
	Workflow stampede.WorkflowInfo
	Span     stampede.WorkflowSpan
	Depth    int // 0 for a root, 1 for its sub-workflows, ...
	// WallTime is the workflow's own wall time (pegasus-statistics'
	// definition).
	WallTime stampede.WallTime
	// Tree is set on the first section of each root: the time chart and
	// the breakdown across the root and all its sub-workflows.
	Tree *TreeData

	Gantt     *GanttData
	Host      *HostData
	Breakdown *BreakdownData // the workflow's own invocations
	Critical  *CriticalData
	DAG, DAX  *GraphData

	Charts []*Chart
	// Drawn is false for workflows beyond MaxSections (listed only).
	Drawn bool

	pending [4]*Chart // the charts being drawn, by sectionKinds
}

// TreeData is what is drawn for a whole hierarchy.
type TreeData struct {
	Time      *TimeData
	Breakdown *BreakdownData
	Charts    []*Chart
}

// Chart is one image written.
type Chart struct {
	Kind   string // "gantt", "host", "time", "breakdown", "critical", "dag", "dax"
	Title  string
	Path   string // relative to the output directory
	PNG    []byte // nil when there is no image (a .dot file without Graphviz)
	Width  int
	Height int
	Note   string // shown under the chart
	Dot    string // the .dot file, for graphs
	Err    error  // why the chart could not be drawn
}
