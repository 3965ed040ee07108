// Package ewf is the planner's executable workflow: the jobs (DAGMan nodes)
// the refinement stages create from the abstract workflow, their profiles,
// transfers and dependencies. The refine package builds it and codegen
// writes it out; ewf itself holds no policy.
package ewf

import (
	"slices"
	"sort"

	"github.com/pegasus-go/pegasus/planner/dax"
)

// Type is the Stampede job type id (PLANNER.md §2.8).
type Type int

// Job types.
const (
	Unassigned    Type = 0
	Compute       Type = 1
	StageIn       Type = 2
	StageOut      Type = 3
	Registration  Type = 4
	InterSite     Type = 5
	CreateDir     Type = 6
	StagedCompute Type = 7
	Cleanup       Type = 8
	Chmod         Type = 9
	DAXJob        Type = 10
	DAGJob        Type = 11
)

// Desc returns the Stampede type_desc of t.
func (t Type) Desc() string {
	switch t {
	case Compute:
		return "compute"
	case StageIn:
		return "stage-in-tx"
	case StageOut:
		return "stage-out-tx"
	case Registration:
		return "registration"
	case InterSite:
		return "inter-site-tx"
	case CreateDir:
		return "create-dir"
	case StagedCompute:
		return "staged-compute"
	case Cleanup:
		return "cleanup"
	case Chmod:
		return "chmod"
	case DAXJob:
		return "dax"
	case DAGJob:
		return "dag"
	}
	return "unassigned"
}

// Profiles is an ordered key/value set of one profile namespace. Set
// overwrites; keys keep the order of first insertion. A job has a handful
// of keys per namespace, so the set is a slice searched linearly: cheaper
// than a map to build, copy and read at that size.
type Profiles struct {
	kv []kv
}

type kv struct{ k, v string }

func (p *Profiles) find(k string) int {
	for i := range p.kv {
		if p.kv[i].k == k {
			return i
		}
	}
	return -1
}

// Set sets key.
func (p *Profiles) Set(k, v string) {
	if i := p.find(k); i >= 0 {
		p.kv[i].v = v
		return
	}
	if p.kv == nil {
		p.kv = make([]kv, 0, 4)
	}
	p.kv = append(p.kv, kv{k, v})
}

// Grow makes room for n more keys.
func (p *Profiles) Grow(n int) {
	p.kv = slices.Grow(p.kv, n)
}

// SetDefault sets key unless it is set.
func (p *Profiles) SetDefault(k, v string) {
	if p.find(k) < 0 {
		p.kv = append(p.kv, kv{k, v})
	}
}

// Get returns the value of key.
func (p *Profiles) Get(k string) (string, bool) {
	if i := p.find(k); i >= 0 {
		return p.kv[i].v, true
	}
	return "", false
}

// Value returns the value of key or "".
func (p *Profiles) Value(k string) string {
	v, _ := p.Get(k)
	return v
}

// Delete removes key.
func (p *Profiles) Delete(k string) {
	if i := p.find(k); i >= 0 {
		p.kv = append(p.kv[:i:i], p.kv[i+1:]...)
	}
}

// Keys returns the keys in insertion order (a new slice).
func (p *Profiles) Keys() []string {
	out := make([]string, len(p.kv))
	for i, e := range p.kv {
		out[i] = e.k
	}
	return out
}

// AppendKeys appends the keys in insertion order to dst.
func (p *Profiles) AppendKeys(dst []string) []string {
	for _, e := range p.kv {
		dst = append(dst, e.k)
	}
	return dst
}

// SortedKeys returns the keys in byte order.
func (p *Profiles) SortedKeys() []string {
	out := p.Keys()
	sort.Strings(out)
	return out
}

// Len returns the number of keys.
func (p *Profiles) Len() int { return len(p.kv) }

// Clone returns a copy.
func (p *Profiles) Clone() Profiles {
	if len(p.kv) == 0 {
		return Profiles{}
	}
	return Profiles{kv: append(make([]kv, 0, len(p.kv)+4), p.kv...)}
}

// ProfileSet holds the profiles of every namespace of a job.
type ProfileSet struct {
	Condor, Env, Dagman, Pegasus, Globus, Hints Profiles
}

// Ns returns the namespace called ns, or nil.
func (s *ProfileSet) Ns(ns string) *Profiles {
	switch ns {
	case "condor":
		return &s.Condor
	case "env":
		return &s.Env
	case "dagman":
		return &s.Dagman
	case "pegasus":
		return &s.Pegasus
	case "globus":
		return &s.Globus
	case "hints":
		return &s.Hints
	}
	return nil
}

// Add sets ns.key=value (dagman keys upper-cased; unknown namespaces ignored).
func (s *ProfileSet) Add(ns, key, value string) {
	p := s.Ns(ns)
	if p == nil {
		return
	}
	if ns == "dagman" {
		key = upper(key)
	}
	p.Set(key, value)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Clone returns a deep copy.
func (s *ProfileSet) Clone() ProfileSet {
	return ProfileSet{s.Condor.Clone(), s.Env.Clone(), s.Dagman.Clone(), s.Pegasus.Clone(), s.Globus.Clone(), s.Hints.Clone()}
}

// FileUse is a file a job reads or writes.
type FileUse struct {
	LFN        string
	Transfer   dax.Transfer
	Register   bool
	Optional   bool
	Executable bool
	Bypass     string // URL the worker reads from / writes to directly (bypassed staging)
	ExeSrc     *URL   // source of a staged executable
}

// URL is one source or destination of a transfer.
type URL struct {
	Site string
	URL  string
}

// Transfer is one file copy of a transfer job.
type Transfer struct {
	LFN     string
	Linkage string // input or output
	Src     []URL  // ordered candidates
	Dst     URL
}

// Job is one node of the executable workflow.
type Job struct {
	Index    int
	Name     string
	Type     Type
	Task     *dax.Job   // abstract task of a compute/DAX/DAG job
	Tasks    []*dax.Job // constituents of a clustered job (nil otherwise)
	Members  []*Job     // the original jobs a cluster replaced
	XForm    string     // transformation name written as -n and pegasus_wf_xformation
	Site     string     // execution site
	Staging  string     // staging site whose work dir the job uses
	Level    int        // level in the abstract workflow (longest path from a root)
	Depth    int        // depth in the executable workflow
	Priority int

	Executable string // application or tool path
	Arguments  string // application arguments
	Stdin      string // LFN bound to stdin
	Stdout     string
	Stderr     string
	StdinFile  bool // stdin is the generated <job>.in file
	Stageable  bool // the executable is staged into the work dir
	NoGrid     bool // not wrapped by kickstart

	Inputs  []FileUse
	Outputs []FileUse

	Profiles ProfileSet

	Transfers   []Transfer     // transfer jobs
	RegLines    []string       // registration jobs: lines of the .in file
	CleanupURLs []URL          // cleanup jobs
	Recursive   bool           // leaf cleanup
	Invokes     []dax.Invoke   // job-level notifications
	TaskInvokes [][]dax.Invoke // per constituent of a clustered job
	Sub         *SubWorkflow   // DAX/DAG jobs
	InFileBody  []byte         // extra .in content (clustered jobs, create-dir)
	// WorkerPackage is the file name of the Pegasus worker package the job
	// unpacks (compute jobs) or fetches (stage_worker jobs), "" for none.
	WorkerPackage string

	// Set by the wrap stage for code generation.
	Dir        string // job file directory relative to the submit dir ("" or "00/00")
	Script     []byte // PegasusLite wrapper script (<job>.sh), if any
	InBody     []byte // content of <job>.in, if any
	Category   string // DAGMan category
	Retry      int    // DAGMan RETRY
	PostScript string // SCRIPT POST line value (path and arguments), "" for none
	PreScript  string // SCRIPT PRE line value, "" for none

	Parents  []int32
	Children []int32
	Deleted  bool
}

// TaskID returns the abstract task id, or "" for auxiliary jobs.
func (j *Job) TaskID() string {
	if j.Task != nil && len(j.Tasks) <= 1 {
		return j.Task.ID
	}
	return ""
}

// Clustered reports whether the job is a cluster of several tasks.
func (j *Job) Clustered() bool { return len(j.Tasks) > 1 }

// SubWorkflow describes a DAX or DAG job.
type SubWorkflow struct {
	File      string // resolved path of the DAX or DAG file
	SubmitDir string // absolute submit directory of the sub-workflow (DAX) or DIR (DAG)
	RelSubmit string // path of SubmitDir relative to the parent's submit dir
	DAGFile   string // path of the sub-workflow's .dag relative to the parent's submit dir
	Basename  string
	PlanArgs  []string // pegasus-plan arguments of the PRE script (DAX)
}

// Workflow is the executable workflow.
type Workflow struct {
	Label string
	Index int
	Count string
	Jobs  []*Job
	edges [][2]int32
	set   map[uint64]struct{}
	names map[string]*Job
}

// New returns an empty workflow.
func New(label string, index int) *Workflow {
	return &Workflow{Label: label, Index: index, set: map[uint64]struct{}{}, names: map[string]*Job{}}
}

// Reserve makes room for about jobs jobs and edges edges.
func (w *Workflow) Reserve(jobs, edges int) {
	if len(w.Jobs) == 0 && len(w.names) == 0 {
		w.names = make(map[string]*Job, jobs)
		w.Jobs = make([]*Job, 0, jobs)
	}
	if len(w.edges) == 0 && len(w.set) == 0 {
		w.edges = make([][2]int32, 0, edges)
	}
}

// Add appends job j, assigning its index. A duplicate name panics: names are
// the planner's own and must be unique.
func (w *Workflow) Add(j *Job) *Job {
	if _, dup := w.names[j.Name]; dup {
		panic("ewf: duplicate job name " + j.Name)
	}
	j.Index = len(w.Jobs)
	w.Jobs = append(w.Jobs, j)
	w.names[j.Name] = j
	return j
}

// Job returns the job called name, or nil.
func (w *Workflow) Job(name string) *Job { return w.names[name] }

// HasName reports whether a job is called name.
func (w *Workflow) HasName(name string) bool { _, ok := w.names[name]; return ok }

// Rename changes the name of j.
func (w *Workflow) Rename(j *Job, name string) {
	delete(w.names, j.Name)
	j.Name = name
	w.names[name] = j
}

// scanLimit is the out-degree up to which duplicate edges are found by
// scanning the parent's children; edges of parents with more children are
// also kept in a set.
const scanLimit = 32

func edgeKey(p, c int32) uint64 { return uint64(uint32(p))<<32 | uint64(uint32(c)) }

// AddEdge adds parent -> child unless present; it reports whether it was added.
func (w *Workflow) AddEdge(parent, child *Job) bool {
	if parent == child || w.HasEdge(parent, child) {
		return false
	}
	pi, ci := int32(parent.Index), int32(child.Index)
	if n := len(parent.Children); n >= scanLimit-1 {
		if w.set == nil {
			w.set = map[uint64]struct{}{}
		}
		if n == scanLimit-1 {
			for _, c := range parent.Children {
				w.set[edgeKey(pi, c)] = struct{}{}
			}
		}
		w.set[edgeKey(pi, ci)] = struct{}{}
	}
	w.edges = append(w.edges, [2]int32{pi, ci})
	parent.Children = append(parent.Children, ci)
	child.Parents = append(child.Parents, pi)
	return true
}

// HasEdge reports whether parent -> child exists.
func (w *Workflow) HasEdge(parent, child *Job) bool {
	if len(parent.Children) < scanLimit {
		ci := int32(child.Index)
		for _, c := range parent.Children {
			if c == ci {
				return true
			}
		}
		return false
	}
	_, ok := w.set[edgeKey(int32(parent.Index), int32(child.Index))]
	return ok
}

// Edges returns the live edges in insertion order.
func (w *Workflow) Edges() [][2]*Job {
	out := make([][2]*Job, 0, len(w.edges))
	for _, e := range w.edges {
		p, c := w.Jobs[e[0]], w.Jobs[e[1]]
		if p.Deleted || c.Deleted {
			continue
		}
		out = append(out, [2]*Job{p, c})
	}
	return out
}

// NumEdges returns the number of live edges.
func (w *Workflow) NumEdges() int { return len(w.Edges()) }

// Live returns the jobs that are not deleted, in index order.
func (w *Workflow) Live() []*Job {
	out := make([]*Job, 0, len(w.Jobs))
	for _, j := range w.Jobs {
		if !j.Deleted {
			out = append(out, j)
		}
	}
	return out
}

// ParentsOf returns the live parents of j.
func (w *Workflow) ParentsOf(j *Job) []*Job {
	out := make([]*Job, 0, len(j.Parents))
	for _, p := range j.Parents {
		if pj := w.Jobs[p]; !pj.Deleted {
			out = append(out, pj)
		}
	}
	return out
}

// ChildrenOf returns the live children of j.
func (w *Workflow) ChildrenOf(j *Job) []*Job {
	out := make([]*Job, 0, len(j.Children))
	for _, c := range j.Children {
		if cj := w.Jobs[c]; !cj.Deleted {
			out = append(out, cj)
		}
	}
	return out
}

// Compact drops deleted jobs and their edges, renumbering the rest while
// keeping job and edge order.
func (w *Workflow) Compact() {
	if !slices.ContainsFunc(w.Jobs, func(j *Job) bool { return j.Deleted }) {
		return
	}
	remap := make([]int32, len(w.Jobs))
	live := w.Jobs[:0]
	for i, j := range w.Jobs {
		if j.Deleted {
			remap[i] = -1
			delete(w.names, j.Name)
			continue
		}
		remap[i] = int32(len(live))
		live = append(live, j)
	}
	for i := len(live); i < len(w.Jobs); i++ {
		w.Jobs[i] = nil
	}
	w.Jobs = live
	old := w.edges
	w.edges = make([][2]int32, 0, len(old))
	w.set = nil
	for _, j := range w.Jobs {
		j.Parents, j.Children = j.Parents[:0], j.Children[:0]
	}
	for i, j := range w.Jobs {
		j.Index = i
	}
	for _, e := range old {
		p, c := remap[e[0]], remap[e[1]]
		if p < 0 || c < 0 {
			continue
		}
		w.AddEdge(w.Jobs[p], w.Jobs[c])
	}
}

// TopoOrder returns the live jobs in a topological order (Kahn's algorithm,
// roots and ready jobs taken in index order), or nil and a job on a cycle.
func (w *Workflow) TopoOrder() ([]*Job, *Job) {
	n := len(w.Jobs)
	indeg := make([]int32, n)
	for _, e := range w.edges {
		if w.Jobs[e[0]].Deleted || w.Jobs[e[1]].Deleted {
			continue
		}
		indeg[e[1]]++
	}
	// A FIFO queue keeps the order close to index order.
	queue := make([]int32, 0, n)
	for i, j := range w.Jobs {
		if !j.Deleted && indeg[i] == 0 {
			queue = append(queue, int32(i))
		}
	}
	out := make([]*Job, 0, n)
	for h := 0; h < len(queue); h++ {
		j := w.Jobs[queue[h]]
		out = append(out, j)
		for _, c := range j.Children {
			if w.Jobs[c].Deleted {
				continue
			}
			indeg[c]--
			if indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	live := 0
	for _, j := range w.Jobs {
		if !j.Deleted {
			live++
		}
	}
	if len(out) != live {
		for i, j := range w.Jobs {
			if !j.Deleted && indeg[i] > 0 {
				return nil, j
			}
		}
	}
	return out, nil
}

// ComputeDepths sets Depth of every live job to its longest distance from a
// root, in topological order.
func (w *Workflow) ComputeDepths(order []*Job) {
	for _, j := range order {
		j.Depth = 0
	}
	for _, j := range order {
		for _, c := range j.Children {
			cj := w.Jobs[c]
			if !cj.Deleted && cj.Depth < j.Depth+1 {
				cj.Depth = j.Depth + 1
			}
		}
	}
}

// EachEdge calls fn for every live edge in insertion order.
func (w *Workflow) EachEdge(fn func(parent, child *Job)) {
	for _, e := range w.edges {
		p, c := w.Jobs[e[0]], w.Jobs[e[1]]
		if p.Deleted || c.Deleted {
			continue
		}
		fn(p, c)
	}
}
