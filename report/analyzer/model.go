package analyzer

// Report is what the analyzer found about one submit directory: one or more
// workflows (the directory's own first).
type Report struct {
	RootUUID        string // root_wf_uuid
	SubmitDirectory string // the directory as given
	Mode            string // "database" or "files"
	Database        string // the database read (database mode)
	Workflows       []*Workflow
	Notes           []string // what could not be read, for the whole report
}

// Status values of a workflow (wf_status).
const (
	StatusSuccess = "success"
	StatusFailure = "failure"
	StatusRunning = "running"
	StatusUnknown = "unknown"
)

// OK reports whether every workflow of the report succeeded.
func (r *Report) OK() bool {
	if len(r.Workflows) == 0 {
		return false
	}
	for _, w := range r.Workflows {
		if w.Status != StatusSuccess {
			return false
		}
	}
	return true
}

// Workflow is the analysis of one workflow.
type Workflow struct {
	Key            string // "root" for the submit directory's workflow, else its uuid
	ID             int64  // wf_id (database mode)
	UUID           string
	DagFile        string
	SubmitHost     string
	SubmitDir      string // as recorded by the planner
	User           string
	PlannerVersion string
	Name           string // dax_label
	Status         string
	ParentName     string // "-" for a root workflow
	ParentUUID     string

	Counts Counts

	Held    []*HeldJob
	Failing []*JobInstance // newest try still running after a failed one
	Failed  []*JobInstance
	Unknown []*JobInstance // files mode: jobs in no final state, shown when none failed
	// Earlier are the failed tries of jobs that were retried (and may have
	// succeeded since): diagnosed and counted in the signatures, not detailed.
	Earlier []*JobInstance

	Groups []*Group     // failure signatures, most frequent first
	Hosts  []*HostGroup // failures per execution host, most first

	// Via names the failed sub-workflow job of the parent workflow that
	// led here (with --recurse), "" otherwise.
	Via   string
	Notes []string
}

// Counts are the job counts of a workflow. Held can overlap Failed.
type Counts struct {
	Total, Success, Failed, Held, Unsubmitted, Unknown int
	// HasUnknown: the unknown count applies (files mode).
	HasUnknown bool
}

// HeldJob is a job whose latest try was held by HTCondor.
type HeldJob struct {
	Name           string
	SubmitFile     string
	LastInstanceID int64
	Reason         string
	Cause          Cause
}

// Roles of a job instance in the report.
const (
	RoleFailed  = "failed"
	RoleFailing = "failing"
	RoleUnknown = "unknown"
	RoleEarlier = "earlier"
)

// JobInstance is one try of a job, with everything the report shows about
// it. String fields hold "-" where Pegasus prints "-" for a missing value.
type JobInstance struct {
	wf         int64 // wf_id (database mode), while reading
	Role       string
	InstanceID int64 // job_instance_id (database mode)
	Try        int   // job_submit_seq (database mode) or 1 + DAGMan retry (files mode)
	Name       string
	State      string
	Site       string
	Hostname   string
	WorkDir    string
	SubmitFile string
	StdoutFile string
	StderrFile string
	Executable string
	Argv       string
	PreExe     string
	PreArgv    string
	SubmitDir  string
	SubwfDir   string
	SubwfUUID  string
	TypeDesc   string
	// StdoutText and StderrText are what Pegasus reports as the job's
	// stdout_text and stderr_text: in database mode the kickstart-captured
	// task output ("#@ N stdout" sections) and the .err file; in files mode
	// the failing kickstart record's stdout and stderr ("-" when none).
	StdoutText string
	StderrText string
	// JobStderr is the .err file's text (PegasusLite's log) when it is not
	// already StderrText.
	JobStderr string
	// PreLog is the PRE script's log (for a sub-workflow: the planner's),
	// and PreLogFile where it was read, for a failed PRE script.
	PreLog     string
	PreLogFile string

	Tasks []Task
	Post  *Task // the POST script's record, if any
	// RawExit is the try's exit as DAGMan saw it (job_instance.exitcode, or
	// the jobstate.log JOB_FAILURE/POST_SCRIPT_FAILURE status), when known.
	RawExit    int
	HasRawExit bool
	// HoldReasons are the try's HTCondor hold reasons, in order; Aborted
	// means it was removed (JOB_ABORTED).
	HoldReasons []string
	Held        bool
	Aborted     bool
	// Record: kickstart records were read for this try.
	Record bool

	Cause Cause
	Group int // 1-based index into Workflow.Groups
	Notes []string
}

// Task is one invocation of a try: a kickstart record of one of its tasks
// (Seq >= 1), or the PRE script (Seq -1).
type Task struct {
	Key            string // abs_task_id ("id1", "id2", ... when none); files mode: the sequence number
	Seq            int
	Exit           Exit
	Executable     string
	Arguments      string // "-" when none
	Transformation string
	AbsTaskID      string // "-" when none
	// From the kickstart record (files mode) or the try's captured output.
	Stdout   string
	Stderr   string
	Hostname string
	Site     string
	Cwd      string
}

// Cause is the root cause of a failure: what kind it is, what it means, what
// happened and the line that says so.
type Cause struct {
	Kind     string // a signature kind or one of the Kind constants
	Meaning  string // what the kind means
	What     string // what happened, e.g. "task ID0000001 (ls) exited with status 2"
	Evidence string // the line that says why, e.g. "/bin/ls: invalid option -- 'z'"
	Source   string // where Evidence comes from: "task stderr", "job stderr", "hold reason", ...
	// For grouping: the task's transformation and exit, and the first line
	// of its stderr (or the evidence when it has none).
	Transformation string
	Exit           string
	FirstLine      string
}

// Group is a failure signature: failures with the same transformation, exit
// and first stderr line (digits masked), and so the same root cause.
type Group struct {
	N              int // 1-based
	Kind           string
	Meaning        string
	Transformation string
	Exit           string
	FirstLine      string // the first member's line
	Jobs           []*JobInstance
	Earlier        []*JobInstance
	Hosts          map[string]int
	key            string
}

// HostGroup counts the failures of one execution host.
type HostGroup struct {
	Host    string
	Jobs    int
	Earlier int
	Groups  []int // signature numbers seen on the host, ascending
}
