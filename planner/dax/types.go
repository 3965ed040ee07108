package dax

import (
	"fmt"
	"strings"
)

// Kind is the kind of a task of the abstract workflow.
type Kind uint8

// Task kinds, with the Stampede type ids 1, 10 and 11.
const (
	Compute Kind = iota // <job>
	DAXTask             // <dax>: a sub-workflow planned at run time
	DAGTask             // <dag>: a sub-workflow given as a DAGMan file
)

// String returns the element name of the kind.
func (k Kind) String() string {
	switch k {
	case DAXTask:
		return "dax"
	case DAGTask:
		return "dag"
	}
	return "job"
}

// Link is the direction of a file use.
type Link uint8

// File use directions.
const (
	LinkNone Link = iota
	LinkInput
	LinkOutput
	LinkInout
)

// String returns the DAX spelling of the link.
func (l Link) String() string {
	switch l {
	case LinkInput:
		return "input"
	case LinkOutput:
		return "output"
	case LinkInout:
		return "inout"
	}
	return "none"
}

// IsInput reports whether the job reads the file.
func (l Link) IsInput() bool { return l == LinkInput || l == LinkInout }

// IsOutput reports whether the job writes the file.
func (l Link) IsOutput() bool { return l == LinkOutput || l == LinkInout }

// ParseLink parses a link attribute value.
func ParseLink(s string) (Link, error) {
	switch strings.ToLower(s) {
	case "input", "in":
		return LinkInput, nil
	case "output", "out":
		return LinkOutput, nil
	case "inout":
		return LinkInout, nil
	case "none", "":
		return LinkNone, nil
	}
	return LinkNone, fmt.Errorf("unknown link %q", s)
}

// Transfer is the transfer flag of a file use.
type Transfer uint8

// Transfer modes.
const (
	TransferTrue Transfer = iota
	TransferFalse
	TransferOptional
)

// String returns the DAX spelling.
func (t Transfer) String() string {
	switch t {
	case TransferFalse:
		return "false"
	case TransferOptional:
		return "optional"
	}
	return "true"
}

// Wanted reports whether the file should reach the output site.
func (t Transfer) Wanted() bool { return t != TransferFalse }

// Profile is a namespace/key/value triple.
type Profile struct {
	Namespace, Key, Value string
}

// Invoke is a notification: run Command when the condition When holds.
type Invoke struct {
	When    string // never, start, on_success, on_error, at_end, all
	Command string
}

// WhenValues lists the invoke conditions in the order the planner sorts them.
var WhenValues = []string{"never", "start", "on_success", "on_error", "at_end", "all"}

// WhenRank returns the position of w in WhenValues (len for unknown values).
func WhenRank(w string) int {
	for i, v := range WhenValues {
		if v == w {
			return i
		}
	}
	return len(WhenValues)
}

// NormalizeWhen maps the 5.x short condition names to the DAX 3 ones and
// reports whether the value is known.
func NormalizeWhen(w string) (string, bool) {
	switch w {
	case "success":
		return "on_success", true
	case "error":
		return "on_error", true
	case "end":
		return "at_end", true
	}
	return w, WhenRank(w) < len(WhenValues)
}

// KV is one metadata key/value.
type KV struct{ Key, Value string }

// PFN is one physical location of a file or executable.
type PFN struct {
	URL, Site string
	Profiles  []Profile
}

// File is a <file> catalog entry: a replica known to the DAX.
type File struct {
	Name     string
	PFNs     []PFN
	Profiles []Profile
	Metadata []KV
	Line     int
}

// Executable is an <executable> catalog entry (a transformation catalog entry).
type Executable struct {
	Namespace, Name, Version              string
	Arch, OS, OSRelease, OSVersion, Glibc string
	Installed                             bool
	PFNs                                  []PFN
	Profiles                              []Profile
	Metadata                              []KV
	Invokes                               []Invoke
	Line                                  int
}

// FQN returns the fully qualified transformation name ns::name:version.
func (e *Executable) FQN() string { return FQN(e.Namespace, e.Name, e.Version) }

// TransformationUse is a <uses> child of a <transformation>.
type TransformationUse struct {
	Namespace, Name, Version string
	Executable               bool
}

// Transformation is a compound transformation: extra files a job needs.
type Transformation struct {
	Namespace, Name, Version string
	Uses                     []TransformationUse
	Invokes                  []Invoke
	Metadata                 []KV
	Line                     int
}

// FQN returns ns::name:version.
func (t *Transformation) FQN() string { return FQN(t.Namespace, t.Name, t.Version) }

// Use is a file used by a job.
type Use struct {
	Name       string
	Namespace  string // executables only
	Version    string // executables only
	Link       Link
	Register   bool
	Transfer   Transfer
	Optional   bool
	Executable bool
	Size       string
	Metadata   []KV
}

// Job is a task of the abstract workflow: a <job>, <dax> or <dag> element.
type Job struct {
	Kind                     Kind
	ID                       string
	Namespace, Name, Version string // transformation (jobs)
	File                     string // LFN of the DAX or DAG file (dax, dag)
	NodeLabel                string
	Argument                 string // arguments with file references replaced by their LFN
	Profiles                 []Profile
	Stdin, Stdout, Stderr    string
	Uses                     []Use
	Invokes                  []Invoke
	Metadata                 []KV
	Level                    string // DAX 2 level attribute, informational
	Line                     int
}

// Transformation returns the fully qualified transformation name of the job.
func (j *Job) Transformation() string {
	switch j.Kind {
	case DAXTask:
		return "pegasus::pegasus-plan"
	case DAGTask:
		return "condor::dagman"
	}
	return FQN(j.Namespace, j.Name, j.Version)
}

// Edge is a control-flow dependency parent -> child between task ids.
type Edge struct {
	Parent, Child string
	Label         string
	Line          int
}

// Workflow is an abstract workflow.
type Workflow struct {
	Version         string // schema version as written ("2.1", "3.6", "5.0")
	Name            string // label
	Index           int
	Count           string // as written; "" when absent
	Metadata        []KV
	Invokes         []Invoke
	Files           []File
	Executables     []Executable
	Transformations []Transformation
	Jobs            []*Job
	Edges           []Edge
	// Sites, TC and RC entries of a YAML 5.0 workflow are not held here.
}

// FQN renders a transformation name as ns::name:version, omitting empty parts.
func FQN(ns, name, version string) string {
	n := len(name)
	if ns != "" {
		n += len(ns) + 2
	}
	if version != "" {
		n += len(version) + 1
	}
	var b strings.Builder
	b.Grow(n)
	if ns != "" {
		b.WriteString(ns)
		b.WriteString("::")
	}
	b.WriteString(name)
	if version != "" {
		b.WriteByte(':')
		b.WriteString(version)
	}
	return b.String()
}

// SplitFQN parses ns::name:version (namespace and version optional).
func SplitFQN(s string) (ns, name, version string) {
	if i := strings.Index(s, "::"); i >= 0 {
		ns, s = s[:i], s[i+2:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s, version = s[:i], s[i+1:]
	}
	return ns, s, version
}
