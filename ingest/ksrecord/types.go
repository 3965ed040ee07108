package ksrecord

// File is everything monitord takes from one job output file
// (<job>.out or <job>.out.NNN): the invocation records in file order, the
// clustered-job summary and task lines, and the multipart blocks
// (FORMATS.md §5).
type File struct {
	Format       string           // "yaml", "xml", or "" when the file held no record
	Records      []Record         // one per task, in file order
	Cluster      *ClusterSummary  // [cluster-summary ...] (or seqexec-summary), if any
	ClusterTasks []ClusterTask    // [cluster-task ...] (or seqexec-task) lines
	Multipart    []MultipartEntry // entries of ---------------pegasus-multipart blocks, in order
}

// Record is one invocation record, reduced to the fields monitord uses.
// String values are kept as the record spells them; Pegasus stores YAML scalars
// as Python's str() of the loaded value, which OutputFile already applies.
type Record struct {
	Hostname       string
	Hostaddr       string
	Resource       string // the site
	User           string
	Transformation string
	Derivation     string // abstract task id, "null" when none
	HasDerivation  bool

	Start       float64 // mainjob start, epoch seconds (with fraction)
	HasStart    bool
	StartText   string  // mainjob start as written
	Duration    float64 // mainjob duration, seconds
	HasDuration bool

	Utime, Stime float64 // mainjob usage
	HasUsage     bool
	MaxRSS       int64 // mainjob usage maxrss, KiB
	HasMaxRSS    bool

	RAMTotal    int64 // XML: machine/*/ram@total; YAML: machine.ram_total
	HasRAMTotal bool
	System      string // uname system
	Release     string // uname release
	Machine     string // uname machine
	HasUname    bool
	CPUCount    int
	CPUSpeed    int
	CPUVendor   string
	CPUModel    string

	Executable string // mainjob executable file name

	Raw        int // mainjob status raw wait status
	HasRaw     bool
	ExitCode   int // regular exit code (status regular)
	HasExit    bool
	Signalled  bool   // the task died on a signal
	Suspended  bool   // the task was stopped by a signal (Signal says which)
	Signal     int    // signal number
	SignalName string // e.g. "SIGKILL" (XML element text / YAML signalled_name)
	Corefile   bool
	// The task could not start: XML <failure error=N>text</failure>, YAML
	// failure_error (and a failure message when the record has one).
	HasFailure   bool
	FailureError int
	Failure      string

	Argv    []string // argument vector (XML argument-vector; YAML argument_vector)
	HasArgv bool
	Cwd     string

	Stdout    string // data of the stdout statcall/file, "" when none
	HasStdout bool
	Stderr    string // data of the stderr statcall/file
	HasStderr bool

	Outputs []OutputFile // files marked output, in record order

	InputBytes  int64 // total size of input files (not stdin/stdout/stderr/metadata)
	OutputBytes int64 // total size of output files
}

// OutputFile is one file a task declared as output, with the attributes
// monitord stores as rc_meta rows. Values are the strings Pegasus stores:
// Python's str() of the YAML value (so a timing of 0.00 is "0.0"), or the XML
// attribute text. Empty means absent.
type OutputFile struct {
	LFN            string
	Size           string
	Ctime          string
	User           string
	ChecksumType   string // e.g. "sha256"
	ChecksumValue  string
	ChecksumTiming string
}

// ClusterSummary is a [cluster-summary ...] line of a clustered job.
type ClusterSummary struct {
	Start     float64 // epoch seconds
	HasStart  bool
	Duration  float64
	Tasks     int
	Succeeded int
	Failed    int
	Stat      string
}

// ClusterTask is a [cluster-task ...] line.
type ClusterTask struct {
	ID       int
	Start    float64
	HasStart bool
	Duration float64
	Status   int // raw status
	App      string
}

// MultipartEntry is one top-level key of a multipart block.
type MultipartEntry struct {
	Key string
	// IntegritySummary is set for "integrity_summary" entries.
	IntegritySummary *IntegritySummary
	// Items holds the entry's value flattened, for the composite event: one
	// KV per scalar, keyed by its dotted path below the entry (list items
	// by index, e.g. "0.lfn"; "" for a scalar entry), the value as Python's
	// str() of the YAML value. Set for every entry, integrity_summary included.
	Items []KV
}

// IntegritySummary is the integrity_summary entry of a multipart block.
type IntegritySummary struct {
	Succeeded   int
	Failed      int
	Duration    float64
	HasDuration bool
}

// KV is one key/value pair.
type KV struct{ Key, Value string }
