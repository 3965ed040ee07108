package ingest

import (
	"fmt"
)

// Kind is the type of a Stampede event. The String form is the event name as
// monitord spells it internally (without the "stampede." prefix).
type Kind uint8

// Stampede event kinds (FORMATS.md §3.4), plus two of our own: WfMetrics
// (the planner's metrics file, loaded into workflow_metrics) and JobstateLine
// (a line for a workflow's jobstate.log; not a Stampede event, never stored).
const (
	KindUnknown Kind = iota

	// Workflow-level events.
	WfPlan         // wf.plan
	StaticStart    // static.start
	StaticEnd      // static.end
	XwfStart       // xwf.start
	XwfEnd         // xwf.end
	XwfMapSubwfJob // xwf.map.subwf_job

	// Static events (from <label>-<index>.static.bp).
	TaskInfo        // task.info
	TaskEdge        // task.edge
	StaticMetaStart // static.meta.start
	XwfMeta         // xwf.meta
	TaskMeta        // task.meta
	RCMeta          // rc.meta
	WfMapFile       // wf.map.file
	StaticMetaEnd   // static.meta.end
	JobInfo         // job.info
	WfMapTaskJob    // wf.map.task_job
	JobEdge         // job.edge

	// Job-instance events.
	PreStart          // job_inst.pre.start
	PreTerm           // job_inst.pre.term
	PreEnd            // job_inst.pre.end
	SubmitStart       // job_inst.submit.start
	SubmitEnd         // job_inst.submit.end
	GridSubmitStart   // job_inst.grid.submit.start
	GridSubmitEnd     // job_inst.grid.submit.end
	GlobusSubmitStart // job_inst.globus.submit.start
	GlobusSubmitEnd   // job_inst.globus.submit.end
	HeldStart         // job_inst.held.start
	HeldEnd           // job_inst.held.end
	MainStart         // job_inst.main.start
	MainTerm          // job_inst.main.term
	MainEnd           // job_inst.main.end
	Composite         // job_inst.composite
	PostStart         // job_inst.post.start
	PostTerm          // job_inst.post.term
	PostEnd           // job_inst.post.end
	HostInfo          // job_inst.host.info
	ImageInfo         // job_inst.image.info
	AbortInfo         // job_inst.abort.info
	Tag               // job_inst.tag
	RemoteError       // job_inst.remote_error
	OtherJobState     // job_inst.<x>.<y>: any other job state, stored by name

	// Invocation and data events.
	InvStart       // inv.start
	InvEnd         // inv.end
	IntMetric      // int.metric
	RCPFN          // rc.pfn
	TaskMonitoring // task.monitoring

	// Our additions.
	WfMetrics    // wf.metrics: the planner's metrics file
	JobstateLine // a jobstate.log line (not a Stampede event)

	numKinds
)

var kindNames = [numKinds]string{
	KindUnknown:       "unknown",
	WfPlan:            "wf.plan",
	StaticStart:       "static.start",
	StaticEnd:         "static.end",
	XwfStart:          "xwf.start",
	XwfEnd:            "xwf.end",
	XwfMapSubwfJob:    "xwf.map.subwf_job",
	TaskInfo:          "task.info",
	TaskEdge:          "task.edge",
	StaticMetaStart:   "static.meta.start",
	XwfMeta:           "xwf.meta",
	TaskMeta:          "task.meta",
	RCMeta:            "rc.meta",
	WfMapFile:         "wf.map.file",
	StaticMetaEnd:     "static.meta.end",
	JobInfo:           "job.info",
	WfMapTaskJob:      "wf.map.task_job",
	JobEdge:           "job.edge",
	PreStart:          "job_inst.pre.start",
	PreTerm:           "job_inst.pre.term",
	PreEnd:            "job_inst.pre.end",
	SubmitStart:       "job_inst.submit.start",
	SubmitEnd:         "job_inst.submit.end",
	GridSubmitStart:   "job_inst.grid.submit.start",
	GridSubmitEnd:     "job_inst.grid.submit.end",
	GlobusSubmitStart: "job_inst.globus.submit.start",
	GlobusSubmitEnd:   "job_inst.globus.submit.end",
	HeldStart:         "job_inst.held.start",
	HeldEnd:           "job_inst.held.end",
	MainStart:         "job_inst.main.start",
	MainTerm:          "job_inst.main.term",
	MainEnd:           "job_inst.main.end",
	Composite:         "job_inst.composite",
	PostStart:         "job_inst.post.start",
	PostTerm:          "job_inst.post.term",
	PostEnd:           "job_inst.post.end",
	HostInfo:          "job_inst.host.info",
	ImageInfo:         "job_inst.image.info",
	AbortInfo:         "job_inst.abort.info",
	Tag:               "job_inst.tag",
	RemoteError:       "job_inst.remote_error",
	OtherJobState:     "job_inst.other",
	InvStart:          "inv.start",
	InvEnd:            "inv.end",
	IntMetric:         "int.metric",
	RCPFN:             "rc.pfn",
	TaskMonitoring:    "task.monitoring",
	WfMetrics:         "wf.metrics",
	JobstateLine:      "jobstate.line",
}

var kindByName = func() map[string]Kind {
	m := make(map[string]Kind, numKinds)
	for k, n := range kindNames {
		m[n] = Kind(k)
	}
	return m
}()

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// KindOf returns the kind named name ("job.info", "stampede.job.info"), or
// KindUnknown.
func KindOf(name string) Kind {
	if len(name) > 9 && name[:9] == "stampede." {
		name = name[9:]
	}
	return kindByName[name]
}

// IsJobInst reports whether events of this kind belong to one job instance
// (they carry Job and Inst).
func (k Kind) IsJobInst() bool { return k >= PreStart && k <= OtherJobState }

// Pos is a position in an input file, for error messages and failure reports.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Event is one Stampede event. Events are flat values: the common attributes
// sit in the struct, the larger per-kind payloads hang off pointers that are
// nil for other kinds. Times are epoch seconds.
//
// The fields are laid out for the cache: what the events of a job instance
// (most of a replay's millions) carry sits in the first three 64-byte lines,
// the static and metadata attributes after them.
type Event struct {
	Kind Kind
	// The flags sit together after Kind (a smaller struct: a replay makes
	// millions of events).
	HasStatus bool // the event carries a status
	HasExit   bool // the event carries an exit code
	HasSite   bool
	Last      bool // no later event updates this job instance (a loader may write it out)

	TS float64 // ts: event time, epoch seconds
	Wf string  // xwf.id: the workflow uuid (the parent's for XwfMapSubwfJob)

	// Job-instance scope.
	Job   string // job.id: DAG node name (exec_job_id)
	Inst  int    // job_inst.id: job_submit_seq
	JS    int    // js.id: jobstate_submit_seq; 0 when absent
	Sched string // sched.id: HTCondor cluster.proc; "" when unknown

	Status   int // status: 0 ok, -1 failed (end/term events), DAGMan exit code (xwf.end)
	ExitCode int // exitcode: raw wait status (pre.end, post.end, main.end)
	Site     string
	End      *JobEnd        // main.end, composite; on inv.end of a job's task, the job's (for its files)
	Inv      *InvocationEnd // inv.end; on inv.start, the same invocation (its TaskSeq is inv.id)
	Host     *Host          // host.info
	Files    *StdFiles      // main.start
	Src      Pos            // where the event came from
	Reason   string         // reason: hold reason (held.start), workflow state reason (xwf.*)
	JobDef   *JobDef        // job.info

	// Static and metadata events.
	Task     *TaskDef // task.info
	TaskID   string   // task.id (task.info, task.meta, wf.map.task_job, wf.map.file)
	ParentID string   // parent.task.id / parent.job.id (edges)
	ChildID  string   // child.task.id / child.job.id (edges)
	LFN      string   // lfn.id (rc.meta, rc.pfn, wf.map.file)
	Key      string   // key (xwf.meta, task.meta, rc.meta)
	Value    string   // value (xwf.meta, task.meta, rc.meta)
	// Pairs is the payload of task.monitoring, and for rc.meta the file's
	// further key/value pairs after Key and Value (one event per output
	// file instead of one per key; the BP stream has one rc.meta line per
	// pair, and readers of it one event per line).
	Pairs []KV

	State        string // OtherJobState: the state name to store
	RestartCount int    // restart_count (xwf.start, xwf.end)
	SubWf        string // subwf.id (xwf.map.subwf_job)
	Name         string // name (job_inst.tag)
	Count        int    // count (job_inst.tag)
	PFN          string // pfn (rc.pfn)

	Plan    *PlanInfo        // wf.plan
	Metric  *IntegrityMetric // int.metric
	Metrics *PlannerMetrics  // wf.metrics
	Line    *JobstateRecord  // jobstate.line
}

// KV is one key/value pair of a free-form payload.
type KV struct{ Key, Value string }

// PlanInfo is the payload of wf.plan: one workflow's braindump.
type PlanInfo struct {
	Label, Version, Index string // dax.label, dax.version, dax.index
	DaxFile               string // dax.file
	DagFile               string // dag.file.name
	SubmitHost            string // submit.hostname
	SubmitDir             string // submit.dir
	Argv                  string // argv: planner arguments
	User                  string // user
	GridDN                string // grid_dn; "" when null
	PlannerVersion        string // planner.version
	Parent                string // parent.xwf.id; "" for a root workflow
	Root                  string // root.xwf.id
}

// TaskDef is the payload of task.info.
type TaskDef struct {
	Type           int
	TypeDesc       string
	Transformation string
	Argv           string
	HasArgv        bool
}

// JobDef is the payload of job.info.
type JobDef struct {
	SubmitFile string
	Type       int
	TypeDesc   string
	Clustered  bool
	MaxRetries int
	Executable string
	Argv       string
	HasArgv    bool
	TaskCount  int
}

// StdFiles names a job's standard files (main.start, relative to the submit dir
// when possible).
type StdFiles struct {
	Stdin, Stdout, Stderr string
}

// JobEnd is the payload of job_inst.main.end (and the composite event).
// The exit code and status sit in the Event.
type JobEnd struct {
	User             string
	HasUser          bool
	LocalDuration    float64 // local.dur: JOB_TERMINATED - EXECUTE
	HasLocalDuration bool
	StdinFile        string
	StdoutFile       string
	StderrFile       string
	StdoutText       string // URL-quoted (FORMATS.md §5.6)
	HasStdoutText    bool
	StderrText       string // URL-quoted
	HasStderrText    bool
	Multiplier       int // multiplier_factor
	WorkDir          string
	HasWorkDir       bool
	ClusterStart     float64
	ClusterDuration  float64
	HasCluster       bool
}

// InvocationEnd is the payload of inv.end. Event.ExitCode holds the raw status.
type InvocationEnd struct {
	TaskSeq        int     // inv.id: 1..N tasks, -1 PRE script, -2 POST script
	StartTime      float64 // start_time
	Duration       float64 // dur
	CPUTime        float64 // remote_cpu_time
	HasCPUTime     bool
	AvgCPU         float64 // avg_cpu
	HasAvgCPU      bool
	MaxRSS         int64 // maxrss, KiB
	HasMaxRSS      bool
	Transformation string
	Executable     string
	Argv           string
	HasArgv        bool
	TaskID         string // abs_task_id
	HasTaskID      bool
}

// Host is the payload of job_inst.host.info.
type Host struct {
	Site        string
	Hostname    string
	IP          string
	Uname       string
	HasUname    bool
	TotalMemory int64
	HasMemory   bool
}

// IntegrityMetric is the payload of int.metric.
type IntegrityMetric struct {
	Type     string // check | compute
	FileType string // input | output
	Count    int
	Duration float64
}

// PlannerMetrics is the planner's <label>-<index>.metrics file (FORMATS.md §8.1).
type PlannerMetrics struct {
	Raw        []byte // the file as written
	Client     string
	Version    string
	WfAPI      string
	Type       string
	StartTime  float64
	EndTime    float64
	Duration   float64
	ExitCode   int
	RootUUID   string
	UUID       string
	DataConfig string
	PlannerArg string
	UsesPMC    bool
	Counts     []KV // wf_metrics, in file order
	AppMetrics []KV // app_metrics, in file order
	Error      string
}

// JobstateRecord is one line for a workflow's jobstate.log (FORMATS.md §2).
// Dir is the workflow's submit directory the line belongs to.
type JobstateRecord struct {
	Dir  string
	Text string // the line, without its newline
}

// Level returns "Error" for end events that report a failure, else "Info".
func (e *Event) Level() string {
	switch e.Kind {
	case XwfEnd, PreEnd, SubmitEnd, GridSubmitEnd, GlobusSubmitEnd, MainTerm, MainEnd, PostEnd, InvEnd, Composite:
		if (e.HasStatus && e.Status != 0) || (e.HasExit && e.ExitCode != 0) {
			return "Error"
		}
	}
	return "Info"
}
