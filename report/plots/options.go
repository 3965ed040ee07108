package plots

import (
	"fmt"
	"strings"
	"time"

	"github.com/pegasus-go/pegasus/stampede"
)

// Level is a set of charts and graphs (pegasus-plots -p).
type Level uint16

// The charts and graphs.
const (
	Gantt        Level = 1 << iota // gantt_chart: one bar per job try, or tries per phase over time
	Host                           // host_chart: hosts over time
	Time                           // time_chart: jobs and invocations per hour or day
	Breakdown                      // breakdown_chart: invocations and runtime per transformation
	CriticalPath                   // critical_path: the chain of jobs that set the makespan
	DAGGraph                       // dag_graph: jobs and their dependencies
	DAXGraph                       // dax_graph: tasks and their dependencies

	AllCharts = Gantt | Host | Time | Breakdown | CriticalPath
	AllGraphs = DAGGraph | DAXGraph
	All       = AllCharts | AllGraphs
)

var levelNames = []struct {
	name string
	l    Level
}{
	{"all", All}, {"all_charts", AllCharts}, {"all_graphs", AllGraphs},
	{"gantt_chart", Gantt}, {"host_chart", Host}, {"time_chart", Time}, {"breakdown_chart", Breakdown},
	{"critical_path", CriticalPath}, {"dag_graph", DAGGraph}, {"dax_graph", DAXGraph},
}

// LevelNames lists the names ParseLevel accepts.
func LevelNames() []string {
	var out []string
	for _, n := range levelNames {
		out = append(out, n.name)
	}
	return out
}

// ParseLevel reads a -p value: one name, or several separated by commas
// (case and spaces ignored).
func ParseLevel(s string) (Level, error) {
	var l Level
	for _, v := range strings.Split(s, ",") {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		found := false
		for _, n := range levelNames {
			if n.name == v {
				l |= n.l
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("invalid plotting level %q: want one of %s", v, strings.Join(LevelNames(), ", "))
		}
	}
	if l == 0 {
		return 0, fmt.Errorf("empty plotting level: want one of %s", strings.Join(LevelNames(), ", "))
	}
	return l, nil
}

// TimeFilter is the bucket of the time chart.
type TimeFilter int

// The time filters. Auto picks hours when the run spans at most
// AutoHourLimit hours, days otherwise.
const (
	Auto TimeFilter = iota
	Hour
	Day
)

// AutoHourLimit is the longest run, in hours, that Auto charts by hour.
const AutoHourLimit = 96

// ParseTimeFilter reads "auto", "hour" or "day".
func ParseTimeFilter(s string) (TimeFilter, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "auto", "":
		return Auto, nil
	case "hour":
		return Hour, nil
	case "day":
		return Day, nil
	}
	return Auto, fmt.Errorf("invalid time filter %q: want auto, hour or day", s)
}

// Defaults of Options.
const (
	DefaultMaxGraphNodes = 100
	DefaultDetailLimit   = 2000
	// Bins is the number of time bins of the binned views.
	Bins = 400
	// MaxHosts is the number of hosts the binned host chart shows.
	MaxHosts = 40
	// MaxSections is the number of workflows drawn per page; the others
	// are listed without charts.
	MaxSections = 100
)

// Options tune Generate.
type Options struct {
	Level Level // zero means All
	// OutputDir is where the files go; it is created when missing.
	OutputDir string
	// MaxGraphNodes: graphs are drawn only for workflows with at most this
	// many jobs (DAG) or tasks (DAX); zero means DefaultMaxGraphNodes.
	MaxGraphNodes int
	// DetailLimit: workflows with more tries than this get binned Gantt
	// and host charts; zero means DefaultDetailLimit.
	DetailLimit int
	TimeFilter  TimeFilter
	// Location is the zone of the dates of the time chart; nil means the
	// process's local zone (as pegasus-statistics).
	Location *time.Location
	// PMC counts succeeded tasks over every try (pegasus-mpi-cluster runs),
	// for the summary.
	PMC bool
	// Dot is the Graphviz dot program that renders the graphs to PNG; ""
	// writes the .dot files only.
	Dot string
	// DotTimeout bounds one dot run; zero means a minute.
	DotTimeout time.Duration
}

func (o *Options) defaults() {
	if o.Level == 0 {
		o.Level = All
	}
	if o.MaxGraphNodes <= 0 {
		o.MaxGraphNodes = DefaultMaxGraphNodes
	}
	if o.DetailLimit <= 0 {
		o.DetailLimit = DefaultDetailLimit
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.DotTimeout <= 0 {
		o.DotTimeout = time.Minute
	}
}

// Selection names the workflows to draw.
type Selection struct {
	// Workflows: in single mode one workflow (a root or a sub-workflow),
	// drawn with its sub-workflows; in multi mode root workflows, each with
	// its sub-workflows.
	Workflows []stampede.WorkflowInfo
	Multi     bool
}
