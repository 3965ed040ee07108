package kickstart

import (
	"time"
)

// Invocation is one provenance record: what ran, where, how it ended and
// what it cost (FORMATS.md §5). Run fills it; WriteYAML and WriteXML print it.
type Invocation struct {
	Start    time.Time // kickstart's own start
	Duration time.Duration

	Transformation string // -n
	Derivation     string // -N
	Resource       string // -R (the site)
	Label          string // -L
	Stamp          string // -T, written as given

	Interface string // primary network interface, "" when none
	Hostaddr  string // its address
	Hostname  string

	PID   int
	UID   int
	User  string
	GID   int
	Group string
	Umask uint32

	Main Job

	JobIDs []KV // e.g. condor: 43.0, in the order written
	Cwd    string
	Usage  Usage // kickstart's own resource usage

	Machine Machine

	Initial   []StatInfo // -s files, stat'ed before the job
	Final     []StatInfo // -S files, stat'ed (and checksummed) after it
	Integrity []IntegrityEntry
	Stdin     StatInfo
	Stdout    StatInfo
	Stderr    StatInfo
	Metadata  StatInfo
}

// Job is one phase of the invocation; kickstart runs only the main job.
type Job struct {
	Start      time.Time
	Duration   time.Duration
	PID        int // 0 when no process was started
	Usage      Usage
	Status     Status
	Executable StatInfo
	Argv       []string // the arguments after the executable
}

// Usage is the part of struct rusage kickstart reports. Times are seconds.
type Usage struct {
	Utime, Stime float64
	MaxRSS       int64 // KiB
	Minflt       int64
	Majflt       int64
	Nswap        int64
	Inblock      int64
	Outblock     int64
	Msgsnd       int64
	Msgrcv       int64
	Nsignals     int64
	Nvcsw        int64
	Nivcsw       int64
}

// Status is how the job ended: a wait(2) status, or a failure to start it.
type Status struct {
	// Raw is the wait status (exit code << 8, or the signal number with
	// 0x80 for a core dump); -1 when the job could not be started.
	Raw int
	// Failed is set when the job could not be started; Errno and Message
	// say why.
	Failed  bool
	Errno   int
	Message string
}

// Exited reports whether the job ran and exited normally.
func (s Status) Exited() bool { return !s.Failed && s.Raw&0x7f == 0 }

// ExitCode is the exit code of a job that exited.
func (s Status) ExitCode() int { return (s.Raw >> 8) & 0xff }

// Signalled reports whether the job was killed by a signal.
func (s Status) Signalled() bool {
	return !s.Failed && s.Raw&0x7f != 0 && s.Raw&0x7f != 0x7f
}

// Signal is the signal that killed the job.
func (s Status) Signal() int { return s.Raw & 0x7f }

// Core reports whether the killed job dumped core.
func (s Status) Core() bool { return s.Raw&0x80 != 0 }

// KickstartExit is the exit code kickstart itself returns for this status,
// as Pegasus's kickstart does: the job's exit code, 128+n for a signal, 127
// when it could not be started.
func (s Status) KickstartExit() int {
	switch {
	case s.Failed:
		return 127
	case s.Exited():
		return s.ExitCode()
	case s.Signalled():
		return 128 + s.Signal()
	default: // stopped
		return 128 + ((s.Raw >> 8) & 0xff)
	}
}

// StatInfo is what stat(2) said about a file or descriptor, plus the
// captured data of stdout/stderr and the checksum of output files.
type StatInfo struct {
	LFN        string // -s/-S logical file name
	Name       string // file name ("" for a descriptor)
	Temporary  bool   // a temporary file kickstart made (stdout, stderr, metadata)
	Descriptor int    // descriptor number, -1 when none
	Errno      int    // stat error, 0 when it succeeded

	Mode    uint32 // st_mode, file type bits included
	Size    int64
	Inode   uint64
	Nlink   uint64
	Blksize int64
	Blocks  int64
	Mtime   time.Time
	Atime   time.Time
	Ctime   time.Time
	UID     int
	User    string
	GID     int
	Group   string

	Output         bool   // a -S file
	SHA256         string // hex, for output files
	ChecksumTiming float64

	HasData   bool // Data was captured (stdout/stderr)
	Data      []byte
	Truncated bool
}

// Machine describes the host (the "machine" section). Memory sizes are
// bytes; the YAML writer prints KiB as Pegasus does.
type Machine struct {
	PageSize int
	Sysname  string
	Nodename string
	Release  string
	Version  string
	Arch     string

	RAMTotal, RAMFree, RAMShared, RAMBuffer uint64
	SwapTotal, SwapFree                     uint64
	Boot                                    time.Time

	CPUCount  int
	CPUSpeed  int // MHz
	CPUVendor string
	CPUModel  string

	Load1, Load5, Load15 float64

	// Procs is set only by a full scan (-f): process and thread states.
	HasProcs                                bool
	ProcsTotal, ProcsRunning, ProcsSleeping int
	ProcsOther                              int
	ProcsVMSize, ProcsRSS                   uint64 // KiB
	TaskSleeping, TaskOther                 int
	TaskTotal, TaskRunning                  int // from /proc/loadavg
	HasTasks                                bool
}

// KV is a key and a value.
type KV struct{ Key, Value string }

// IntegrityEntry is one file entry a tool running under kickstart (for
// example pegasus-transfer generating checksums) wrote to the file named by
// $KICKSTART_INTEGRITY_DATA; kickstart adds it to the record's files.
type IntegrityEntry struct {
	LFN   string
	Attrs []KV // in the order written; values are YAML scalars as written
}
