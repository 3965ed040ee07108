// Package daxapi builds abstract workflows from Go and writes them as DAX
// 3.6, as the Pegasus DAX APIs do: jobs, sub-workflow (DAX and DAG) jobs,
// files, executables, compound transformations, profiles, metadata,
// dependencies and invoke notifications. What it writes, dax.Parse reads
// back to the same workflow.
//
//	w := daxapi.New("diamond")
//	a := w.File("f.a").AddPFN("file:///data/f.a", "local")
//	pre := w.Job("diamond", "preprocess", "4.0").AddArguments("-i", a, "-o", w.File("f.b"))
//	pre.Uses(a, daxapi.Input).Uses(w.File("f.b"), daxapi.Output)
//	err := w.WriteFile("diamond.dax")
package daxapi

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pegasus-go/pegasus/planner/dax"
)

// Link directions of a file use.
const (
	Input  = dax.LinkInput
	Output = dax.LinkOutput
	Inout  = dax.LinkInout
)

// Workflow is an abstract workflow under construction.
type Workflow struct {
	wf    dax.Workflow
	files map[string]*File
	ids   int
	jobs  map[string]*Job
}

// New returns an empty workflow labelled name.
func New(name string) *Workflow {
	return &Workflow{wf: dax.Workflow{Version: "3.6", Name: name, Count: "1"}, files: map[string]*File{}, jobs: map[string]*Job{}}
}

// SetIndex sets the workflow index.
func (w *Workflow) SetIndex(i int) *Workflow { w.wf.Index = i; return w }

// Metadata adds a workflow metadata pair.
func (w *Workflow) Metadata(k, v string) *Workflow {
	w.wf.Metadata = append(w.wf.Metadata, dax.KV{Key: k, Value: v})
	return w
}

// Invoke adds a workflow notification.
func (w *Workflow) Invoke(when, command string) *Workflow {
	w.wf.Invokes = append(w.wf.Invokes, dax.Invoke{When: when, Command: command})
	return w
}

// File is a logical file; adding a PFN makes it a replica catalog entry of the DAX.
type File struct {
	w    *Workflow
	Name string
}

// File returns the file called lfn (the same value for the same name).
func (w *Workflow) File(lfn string) *File {
	if f, ok := w.files[lfn]; ok {
		return f
	}
	f := &File{w: w, Name: lfn}
	w.files[lfn] = f
	return f
}

// AddPFN records a physical location of the file in the DAX.
func (f *File) AddPFN(url, site string) *File {
	e := f.entry()
	e.PFNs = append(e.PFNs, dax.PFN{URL: url, Site: site})
	return f
}

// entry returns the DAX file entry of f, creating it.
func (f *File) entry() *dax.File {
	for i := range f.w.wf.Files {
		if f.w.wf.Files[i].Name == f.Name {
			return &f.w.wf.Files[i]
		}
	}
	f.w.wf.Files = append(f.w.wf.Files, dax.File{Name: f.Name})
	return &f.w.wf.Files[len(f.w.wf.Files)-1]
}

// Profile adds a profile to the file's catalog entry.
func (f *File) Profile(ns, key, value string) *File {
	e := f.entry()
	e.Profiles = append(e.Profiles, dax.Profile{Namespace: ns, Key: key, Value: value})
	return f
}

// Metadata adds a metadata pair to the file's catalog entry.
func (f *File) Metadata(k, v string) *File {
	e := f.entry()
	e.Metadata = append(e.Metadata, dax.KV{Key: k, Value: v})
	return f
}

// Executable adds an executable (transformation catalog) entry with one PFN.
func (w *Workflow) Executable(ns, name, version, pfn, site string, installed bool) *Workflow {
	w.AddExecutable(ns, name, version, installed).AddPFN(pfn, site)
	return w
}

// Executable is an executable entry of the workflow (a transformation
// catalog entry that wins over the catalog's).
type Executable struct {
	w *Workflow
	i int
}

// AddExecutable adds an executable entry (x86_64, linux) without PFN.
func (w *Workflow) AddExecutable(ns, name, version string, installed bool) *Executable {
	w.wf.Executables = append(w.wf.Executables, dax.Executable{Namespace: ns, Name: name, Version: version, Installed: installed,
		Arch: "x86_64", OS: "linux"})
	return &Executable{w: w, i: len(w.wf.Executables) - 1}
}

func (e *Executable) e() *dax.Executable { return &e.w.wf.Executables[e.i] }

// AddPFN adds a location of the executable.
func (e *Executable) AddPFN(url, site string) *Executable {
	x := e.e()
	x.PFNs = append(x.PFNs, dax.PFN{URL: url, Site: site})
	return e
}

// System sets the architecture and operating system.
func (e *Executable) System(arch, os string) *Executable {
	x := e.e()
	x.Arch, x.OS = arch, os
	return e
}

// Profile adds a profile, applied to every job of the executable.
func (e *Executable) Profile(ns, key, value string) *Executable {
	x := e.e()
	x.Profiles = append(x.Profiles, dax.Profile{Namespace: ns, Key: key, Value: value})
	return e
}

// Invoke adds a notification for every job of the executable.
func (e *Executable) Invoke(when, command string) *Executable {
	x := e.e()
	x.Invokes = append(x.Invokes, dax.Invoke{When: when, Command: command})
	return e
}

// Metadata adds a metadata pair.
func (e *Executable) Metadata(k, v string) *Executable {
	x := e.e()
	x.Metadata = append(x.Metadata, dax.KV{Key: k, Value: v})
	return e
}

// Transformation is a compound transformation: the files and executables a
// job of that transformation needs besides its own executable.
type Transformation struct {
	w *Workflow
	i int
}

// Transformation adds a compound transformation ns::name:version.
func (w *Workflow) Transformation(ns, name, version string) *Transformation {
	w.wf.Transformations = append(w.wf.Transformations, dax.Transformation{Namespace: ns, Name: name, Version: version})
	return &Transformation{w: w, i: len(w.wf.Transformations) - 1}
}

func (t *Transformation) t() *dax.Transformation { return &t.w.wf.Transformations[t.i] }

// Uses adds a data file the transformation's jobs need.
func (t *Transformation) Uses(f *File) *Transformation {
	x := t.t()
	x.Uses = append(x.Uses, dax.TransformationUse{Name: f.Name})
	return t
}

// UsesExecutable adds an executable the transformation's jobs need.
func (t *Transformation) UsesExecutable(ns, name, version string) *Transformation {
	x := t.t()
	x.Uses = append(x.Uses, dax.TransformationUse{Namespace: ns, Name: name, Version: version, Executable: true})
	return t
}

// Invoke adds a notification for every job of the transformation.
func (t *Transformation) Invoke(when, command string) *Transformation {
	x := t.t()
	x.Invokes = append(x.Invokes, dax.Invoke{When: when, Command: command})
	return t
}

// Job is a task of the workflow.
type Job struct {
	w *Workflow
	j *dax.Job
}

// Job adds a compute job with the next id (ID0000001, ...).
func (w *Workflow) Job(ns, name, version string) *Job {
	w.ids++
	return w.JobWithID(fmt.Sprintf("ID%07d", w.ids), ns, name, version)
}

// JobWithID adds a compute job with an explicit id.
func (w *Workflow) JobWithID(id, ns, name, version string) *Job {
	j := &dax.Job{Kind: dax.Compute, ID: id, Namespace: ns, Name: name, Version: version}
	w.wf.Jobs = append(w.wf.Jobs, j)
	jb := &Job{w: w, j: j}
	w.jobs[id] = jb
	return jb
}

// DAX adds a sub-workflow job planned at run time from the DAX file lfn.
func (w *Workflow) DAX(id, lfn string) *Job {
	j := &dax.Job{Kind: dax.DAXTask, ID: id, File: lfn}
	w.wf.Jobs = append(w.wf.Jobs, j)
	jb := &Job{w: w, j: j}
	w.jobs[id] = jb
	return jb
}

// DAG adds a sub-workflow job given as a DAGMan file.
func (w *Workflow) DAG(id, lfn string) *Job {
	j := &dax.Job{Kind: dax.DAGTask, ID: id, File: lfn}
	w.wf.Jobs = append(w.wf.Jobs, j)
	jb := &Job{w: w, j: j}
	w.jobs[id] = jb
	return jb
}

// ID returns the job id.
func (j *Job) ID() string { return j.j.ID }

// AddArguments appends arguments; *File values are written as file references.
func (j *Job) AddArguments(args ...any) *Job {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch v := a.(type) {
		case *File:
			parts = append(parts, v.Name)
		default:
			parts = append(parts, fmt.Sprint(v))
		}
	}
	s := strings.Join(parts, " ")
	if j.j.Argument != "" {
		s = j.j.Argument + " " + s
	}
	j.j.Argument = s
	return j
}

// Uses declares a file the job reads or writes (register and transfer true).
func (j *Job) Uses(f *File, link dax.Link) *Job {
	return j.UsesWith(f, link, true, dax.TransferTrue, false)
}

// UsesWith declares a file use with explicit flags.
func (j *Job) UsesWith(f *File, link dax.Link, register bool, transfer dax.Transfer, optional bool) *Job {
	j.j.Uses = append(j.j.Uses, dax.Use{Name: f.Name, Link: link, Register: register, Transfer: transfer, Optional: optional})
	return j
}

// Profile adds a profile to the job.
func (j *Job) Profile(ns, key, value string) *Job {
	j.j.Profiles = append(j.j.Profiles, dax.Profile{Namespace: ns, Key: key, Value: value})
	return j
}

// Invoke adds a job notification.
func (j *Job) Invoke(when, command string) *Job {
	j.j.Invokes = append(j.j.Invokes, dax.Invoke{When: when, Command: command})
	return j
}

// UsesExecutable declares a user executable ns::name:version the job
// needs staged (uses executable="true").
func (j *Job) UsesExecutable(ns, name, version string) *Job {
	j.j.Uses = append(j.j.Uses, dax.Use{Name: name, Namespace: ns, Version: version, Link: dax.LinkInput, Register: false,
		Transfer: dax.TransferTrue, Executable: true})
	return j
}

// Metadata adds a metadata pair to the job.
func (j *Job) Metadata(k, v string) *Job {
	j.j.Metadata = append(j.j.Metadata, dax.KV{Key: k, Value: v})
	return j
}

// NodeLabel sets the job's node label.
func (j *Job) NodeLabel(l string) *Job { j.j.NodeLabel = l; return j }

// Stderr binds the job's standard error to f.
func (j *Job) Stderr(f *File) *Job { j.j.Stderr = f.Name; return j }

// Stdout binds the job's standard output to f.
func (j *Job) Stdout(f *File) *Job { j.j.Stdout = f.Name; return j }

// Stdin binds the job's standard input to f.
func (j *Job) Stdin(f *File) *Job { j.j.Stdin = f.Name; return j }

// Depends adds the dependency parent -> j.
func (j *Job) Depends(parents ...*Job) *Job {
	for _, p := range parents {
		j.w.wf.Edges = append(j.w.wf.Edges, dax.Edge{Parent: p.j.ID, Child: j.j.ID})
	}
	return j
}

// Workflow returns the built abstract workflow.
func (w *Workflow) Workflow() *dax.Workflow { return &w.wf }

// Write writes the workflow as DAX 3.6.
func (w *Workflow) Write(out io.Writer) error { return dax.Write(out, &w.wf) }

// WriteFile writes the workflow to path.
func (w *Workflow) WriteFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := w.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
