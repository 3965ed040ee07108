// Package daxapi builds abstract workflows from Go and writes them as DAX
// 3.6, as the Pegasus DAX APIs do: jobs, files, executables, profiles,
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
	for i := range f.w.wf.Files {
		if f.w.wf.Files[i].Name == f.Name {
			f.w.wf.Files[i].PFNs = append(f.w.wf.Files[i].PFNs, dax.PFN{URL: url, Site: site})
			return f
		}
	}
	f.w.wf.Files = append(f.w.wf.Files, dax.File{Name: f.Name, PFNs: []dax.PFN{{URL: url, Site: site}}})
	return f
}

// Executable adds an executable (transformation catalog) entry.
func (w *Workflow) Executable(ns, name, version, pfn, site string, installed bool) *Workflow {
	w.wf.Executables = append(w.wf.Executables, dax.Executable{Namespace: ns, Name: name, Version: version, Installed: installed,
		Arch: "x86_64", OS: "linux", PFNs: []dax.PFN{{URL: pfn, Site: site}}})
	return w
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
