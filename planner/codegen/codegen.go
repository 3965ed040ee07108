// Package codegen writes the submit directory of a refined workflow: the
// DAGMan .dag, one HTCondor .sub per job, the .in and PegasusLite .sh job
// files, and the monitoring files (.static.bp, .notify, .metrics,
// braindump, .dot, .cache, .replica.store) in the formats of PLANNER.md §3
// and FORMATS.md. Output is deterministic for given inputs, UUID and time.
package codegen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/ewf"
	"github.com/pegasus-go/pegasus/planner/refine"
)

// Meta describes the planner run for the workflow-level files.
type Meta struct {
	Label, Count        string
	Index               int
	Basename            string // prefix of the workflow files
	SubmitDir           string // final absolute submit directory
	BaseDir             string
	WfUUID, RootUUID    string
	DAX, DAXVersion     string
	PlanTime            time.Time
	Start, End          time.Time
	Version, Build      string
	Planner, BinDir     string
	PlannerArgs         string
	PropsName           string
	User, Host, VOGroup string
	DataConfig          string
	WfAPI               string
}

// Write writes every file of the submit directory into dir (normally a
// temporary directory renamed to m.SubmitDir afterwards). The job files are
// written by a pool of workers while the workflow-level files are rendered:
// file creation is system-call bound and overlaps with rendering even on
// few cores.
//
// static, when not nil, is the static events file StartStatic began in dir.
func Write(ctx context.Context, dir string, m *Meta, wf *dax.Workflow, res *refine.Result, props *properties.Properties, static *Static) error {
	w := &writer{dir: dir, m: m, wf: wf, res: res, sc: newSubConst(m), static: static}
	if err := w.mkdirs(); err != nil {
		if static != nil {
			static.Abort()
		}
		return err
	}
	steps := []func() error{
		w.jobFiles(ctx), w.dag, w.staticBP, w.dot,
		func() error {
			for _, f := range []func() error{w.notify, w.replicaStore, w.cache, w.braindump, w.metrics, w.condorSub,
				func() error { return w.props(props) }} {
				if err := f(); err != nil {
					return err
				}
			}
			return nil
		},
	}
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, f := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

type writer struct {
	dir    string
	m      *Meta
	wf     *dax.Workflow
	res    *refine.Result
	sc     *subConst
	static *Static
}

// small writes a small file through a bufio.Writer.
func (w *writer) small(name string, fn func(b *bufio.Writer) error) error {
	f, err := os.Create(filepath.Join(w.dir, name))
	if err != nil {
		return err
	}
	b := bufio.NewWriterSize(f, 64*1024)
	if err := fn(b); err != nil {
		f.Close()
		return err
	}
	if err := b.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// out is a large file written in pieces from an append buffer.
type out struct {
	f   *os.File
	b   []byte
	err error
}

const outChunk = 1 << 20

// flush writes the buffer out when it holds a full chunk; it takes and
// returns the caller's buffer.
func (o *out) flush(b []byte) []byte {
	if len(b) < outChunk {
		return b
	}
	if o.err == nil {
		_, o.err = o.f.Write(b)
	}
	return b[:0]
}

// file writes a large file: fn appends to the buffer it gets, calls
// o.flush now and then, and returns the buffer.
func (w *writer) file(name string, fn func(o *out, b []byte) []byte) error {
	f, err := os.Create(filepath.Join(w.dir, name))
	if err != nil {
		return err
	}
	o := &out{f: f}
	b := fn(o, make([]byte, 0, outChunk+64*1024))
	if o.err == nil && len(b) > 0 {
		_, o.err = f.Write(b)
	}
	if err := f.Close(); o.err == nil {
		o.err = err
	}
	return o.err
}

const hashes = "######################################################################"

// dag writes <basename>.dag in the 5.x layout.
func (w *writer) dag() error {
	return w.file(w.m.Basename+".dag", func(o *out, b []byte) []byte {
		b = append(b, hashes+"\n# PEGASUS WMS GENERATED DAG FILE\n# DAG "...)
		b = append(b, w.m.Label...)
		b = append(b, "\n# Index = "...)
		b = strconv.AppendInt(b, int64(w.m.Index), 10)
		b = append(b, ", Count = "...)
		b = append(b, countOf(w.m.Count)...)
		b = append(b, "\n"+hashes+"\n"...)
		for _, mj := range w.res.MaxJobs {
			b = append(b, "MAXJOBS "...)
			b = append(b, mj[0]...)
			b = append(b, ' ')
			b = append(b, mj[1]...)
			b = append(b, '\n')
		}
		line := func(kw string, j *ewf.Job, v string) {
			b = append(b, kw...)
			b = append(b, j.Name...)
			b = append(b, ' ')
			b = append(b, v...)
			b = append(b, '\n')
		}
		for _, j := range w.res.Order {
			b = append(b, '\n')
			if j.Sub != nil {
				b = append(b, "SUBDAG EXTERNAL "...)
				b = append(b, j.Name...)
				b = append(b, ' ')
				switch {
				case j.Sub.SubmitDir != "" && j.Type == ewf.DAGJob:
					b = append(b, j.Sub.DAGFile...)
					b = append(b, " DIR "...)
					b = append(b, j.Sub.SubmitDir...)
				case j.Sub.RelSubmit != "":
					// A planned sub-workflow runs in its own submit directory, so
					// that its relative paths resolve there under DAGMan too.
					b = append(b, filepath.Base(j.Sub.DAGFile)...)
					b = append(b, " DIR "...)
					b = append(b, j.Sub.RelSubmit...)
				default:
					b = append(b, j.Sub.DAGFile...)
				}
				b = append(b, '\n')
			} else {
				b = append(b, "JOB "...)
				b = append(b, j.Name...)
				b = append(b, ' ')
				b = appendSubPath(b, j)
				b = append(b, '\n')
			}
			if j.PreScript != "" {
				line("SCRIPT PRE ", j, j.PreScript)
			}
			if j.PostScript != "" {
				line("SCRIPT POST ", j, j.PostScript)
			}
			if j.Priority != 0 || j.Profiles.Condor.Value("priority") != "" {
				b = append(b, "PRIORITY "...)
				b = append(b, j.Name...)
				b = append(b, ' ')
				b = strconv.AppendInt(b, int64(j.Priority), 10)
				b = append(b, '\n')
			}
			b = append(b, "RETRY "...)
			b = append(b, j.Name...)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(j.Retry), 10)
			b = append(b, '\n')
			if j.Category != "" {
				line("CATEGORY ", j, j.Category)
			}
			line("VARS ", j, `+DAGNodeRetry="$(RETRY)"`)
			b = o.flush(b)
		}
		b = append(b, '\n')
		w.res.WF.EachEdge(func(p, c *ewf.Job) {
			b = append(b, "PARENT  "...)
			b = append(b, p.Name...)
			b = append(b, " CHILD "...)
			b = append(b, c.Name...)
			b = append(b, '\n')
			b = o.flush(b)
		})
		return append(b, hashes+"\n# End of DAG\n"+hashes+"\n"...)
	})
}

func countOf(c string) string {
	if c == "" {
		return "null"
	}
	return c
}

func appendSubPath(b []byte, j *ewf.Job) []byte {
	if j.Dir != "" {
		b = append(b, j.Dir...)
		b = append(b, '/')
	}
	b = append(b, j.Name...)
	return append(b, ".sub"...)
}

func subPath(j *ewf.Job) string {
	if j.Dir == "" {
		return j.Name + ".sub"
	}
	return j.Dir + "/" + j.Name + ".sub"
}

// appendCondorQuoted appends s in HTCondor's new argument syntax: the whole
// string in double quotes, embedded double quotes doubled.
func appendCondorQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// appendEnvValue appends one KEY=value entry of the new environment syntax.
func appendEnvValue(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, '=')
	if strings.ContainsAny(v, " \t'\"") {
		v = strings.ReplaceAll(v, `"`, `""`)
		v = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return append(b, v...)
}

// subConst holds the parts of every submit file that depend only on the
// workflow, rendered once.
type subConst struct {
	header1 string // up to "# SUBMIT FILE NAME : "
	ads     string // +pegasus_generator ... +pegasus_wf_time lines
	footer  string // "queue" and the closing comment
}

func newSubConst(m *Meta) *subConst {
	return &subConst{
		header1: hashes + "\n# PEGASUS WMS GENERATED SUBMIT FILE\n# DAG : " + m.Label + ", Index = " + strconv.Itoa(m.Index) +
			", Count = " + countOf(m.Count) + "\n# SUBMIT FILE NAME : ",
		ads: "+pegasus_generator = \"Pegasus\"\n+pegasus_root_wf_uuid = \"" + m.RootUUID + "\"\n+pegasus_wf_uuid = \"" + m.WfUUID +
			"\"\n+pegasus_version = \"" + m.Version + "\"\n+pegasus_wf_name = \"" + m.Label + "-" + strconv.Itoa(m.Index) +
			"\"\n+pegasus_wf_time = \"" + m.PlanTime.Format("20060102T150405-0700") + "\"\n",
		footer: "queue\n" + hashes + "\n# END OF SUBMIT FILE\n" + hashes + "\n",
	}
}

// fixedEnv are the environment variables every submit file sets.
var fixedEnv = [...]string{"CONDOR_JOBID", "PEGASUS_WF_UUID", "PEGASUS_WF_LABEL", "PEGASUS_DAG_JOB_ID", "PEGASUS_SITE"}

// sub appends the submit file of job j to b.
func (w *writer) sub(j *ewf.Job, b []byte) []byte {
	m := w.m
	sc := w.sc
	b = append(b, sc.header1...)
	b = append(b, j.Name...)
	b = append(b, ".sub\n"...)
	b = append(b, hashes...)
	b = append(b, '\n')
	c := &j.Profiles.Condor
	se, so := "false", "false"
	if v, ok := c.Get("stream_error"); ok {
		se = v
	}
	if v, ok := c.Get("stream_output"); ok {
		so = v
	}
	b = append(b, "stream_error  = "...)
	b = append(b, se...)
	b = append(b, "\nstream_output = "...)
	b = append(b, so...)
	b = append(b, '\n')
	// Environment: env profiles in insertion order, then the variables
	// monitoring tools use (as the Pegasus 5.x planner orders them).
	var kbuf [24]string
	keys := kbuf[:0]
	env := &j.Profiles.Env
	keys = env.AppendKeys(keys)
	for _, k := range fixedEnv {
		if _, ok := env.Get(k); !ok {
			keys = append(keys, k)
		}
	}
	binDir := false
	if _, ok := env.Get("PEGASUS_BIN_DIR"); !ok && j.Type != ewf.Compute {
		keys = append(keys, "PEGASUS_BIN_DIR")
		binDir = true
	}
	b = append(b, "environment = \""...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ' ')
		}
		var v string
		switch k {
		case "CONDOR_JOBID":
			v = "$(cluster).$(process)"
		case "PEGASUS_WF_UUID":
			v = m.WfUUID
		case "PEGASUS_WF_LABEL":
			v = m.Label
		case "PEGASUS_DAG_JOB_ID":
			v = j.Name
		case "PEGASUS_SITE":
			v = j.Site
		case "PEGASUS_BIN_DIR":
			if binDir {
				v = m.BinDir
			} else {
				v = env.Value(k)
			}
		default:
			v = env.Value(k)
		}
		b = appendEnvValue(b, k, v)
	}
	b = append(b, "\"\n"...)
	keys = keys[:0]
	keys = c.AppendKeys(keys)
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "stream_error" || k == "stream_output" })
	slices.Sort(keys)
	for _, k := range keys {
		v := c.Value(k)
		if v == "" {
			continue
		}
		b = append(b, k...)
		b = append(b, " = "...)
		if k == "arguments" {
			b = appendCondorQuoted(b, v)
		} else {
			b = append(b, v...)
		}
		b = append(b, '\n')
	}
	taskID := j.TaskID()
	if taskID == "" {
		taskID = "null"
	}
	runtime := j.Profiles.Pegasus.Value("runtime")
	if runtime == "" {
		runtime = j.Profiles.Globus.Value("maxwalltime")
	}
	if runtime == "" {
		runtime = "0"
	}
	cores := j.Profiles.Pegasus.Value("cores")
	if cores == "" {
		cores = "1"
	}
	size := 1
	if j.Clustered() {
		size = len(j.Tasks)
	}
	b = append(b, sc.ads...)
	b = append(b, "+pegasus_wf_xformation = \""...)
	b = append(b, j.XForm...)
	b = append(b, "\"\n+pegasus_wf_dax_job_id = \""...)
	b = append(b, taskID...)
	b = append(b, "\"\n+pegasus_wf_dag_job_id = \""...)
	b = append(b, j.Name...)
	b = append(b, "\"\n+pegasus_job_class = "...)
	b = strconv.AppendInt(b, int64(j.Type), 10)
	b = append(b, "\n+pegasus_site = \""...)
	b = append(b, j.Site...)
	b = append(b, "\"\n+pegasus_job_runtime = "...)
	b = append(b, runtime...)
	b = append(b, "\n+pegasus_cores = "...)
	b = append(b, cores...)
	b = append(b, "\n+pegasus_cluster_size = "...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, '\n')
	return append(b, sc.footer...)
}

// mkdirs creates the job file directories. The submit directory and every
// directory holding directories get the top-directory attribute (see
// markTopDir) before their subdirectories are made.
func (w *writer) mkdirs() error {
	markTopDir(w.dir)
	made := map[string]bool{"": true}
	for _, j := range w.res.Order {
		if made[j.Dir] {
			continue
		}
		for i := 0; i <= len(j.Dir); i++ {
			if i < len(j.Dir) && j.Dir[i] != '/' {
				continue
			}
			d := j.Dir[:i]
			if made[d] {
				continue
			}
			made[d] = true
			p := filepath.Join(w.dir, d)
			if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			if i < len(j.Dir) {
				markTopDir(p)
			}
		}
	}
	// A planned sub-workflow's directory is its SUBDAG's DIR, where DAGMan
	// runs the PRE script that plans it: it must exist before the run.
	for _, j := range w.res.Order {
		if j.Sub != nil && j.Sub.RelSubmit != "" && filepath.IsLocal(j.Sub.RelSubmit) {
			if err := os.MkdirAll(filepath.Join(w.dir, j.Sub.RelSubmit), 0o755); err != nil {
				return err
			}
		}
	}
	return nil
}

// jobWorkers is the number of goroutines creating job files. Creating a
// file is a system call that often waits on file system locks, so more
// workers than cores still help.
const jobWorkers = 8

// jobFiles returns the step writing the .sub, .in and .sh files of every job.
func (w *writer) jobFiles(ctx context.Context) func() error {
	return func() error {
		jobs := w.res.Order
		var wg sync.WaitGroup
		var next atomic.Int64
		errs := make([]error, jobWorkers)
		const batch = 64
		for k := 0; k < jobWorkers; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 0, 8192)
				path := make([]byte, 0, 512)
				for {
					if ctx.Err() != nil {
						errs[k] = ctx.Err()
						return
					}
					lo := int(next.Add(batch)) - batch
					if lo >= len(jobs) {
						return
					}
					for _, j := range jobs[lo:min(lo+batch, len(jobs))] {
						path = append(path[:0], w.dir...)
						path = append(path, '/')
						if j.Dir != "" {
							path = append(path, j.Dir...)
							path = append(path, '/')
						}
						path = append(path, j.Name...)
						if j.Sub == nil {
							buf = w.sub(j, buf[:0])
							if err := writeFile(append(path, ".sub"...), buf, 0o644); err != nil {
								errs[k] = err
								return
							}
						}
						if j.InBody != nil {
							if err := writeFile(append(path, ".in"...), j.InBody, 0o644); err != nil {
								errs[k] = err
								return
							}
						}
						if j.Script != nil {
							if err := writeFile(append(path, ".sh"...), j.Script, 0o755); err != nil {
								errs[k] = err
								return
							}
						}
					}
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
}

// appendBPQuoted appends a quoted BP attribute value.
func appendBPQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i]...)
		b = append(b, '\\', '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// bpWriter renders BP events into an append buffer flushed to a file.
type bpWriter struct {
	o       *out
	b       []byte
	pre, id string
}

func newBPWriter(o *out, b []byte, m *Meta) *bpWriter {
	ts := m.PlanTime.UTC().Format("2006-01-02T15:04:05.000000Z")
	return &bpWriter{o: o, b: b, pre: "ts=" + ts + " event=", id: " xwf.id=" + m.WfUUID}
}

func (w *bpWriter) ev(name string) {
	w.b = append(w.b, w.pre...)
	w.b = append(w.b, name...)
	w.b = append(w.b, w.id...)
}

func (w *bpWriter) attr(key, value string) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, key...)
	w.b = append(w.b, '=')
	w.b = appendBPQuoted(w.b, value)
}

func (w *bpWriter) num(key string, n int) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, key...)
	w.b = append(w.b, `="`...)
	w.b = strconv.AppendInt(w.b, int64(n), 10)
	w.b = append(w.b, '"')
}

func (w *bpWriter) end() {
	w.b = append(w.b, '\n')
	w.b = w.o.flush(w.b)
}

// taskEvents renders the events of the abstract workflow: task.info,
// task.edge and the workflow and task metadata.
func (w *bpWriter) taskEvents(m *Meta, wf *dax.Workflow, stop *atomic.Bool) {
	for i, t := range wf.Jobs {
		if i%4096 == 0 && stop.Load() {
			return
		}
		typ := ewf.Compute
		switch t.Kind {
		case dax.DAXTask:
			typ = ewf.DAXJob
		case dax.DAGTask:
			typ = ewf.DAGJob
		}
		w.ev("task.info")
		w.attr("task.id", t.ID)
		w.num("type", int(typ))
		w.attr("type_desc", typ.Desc())
		w.attr("transformation", t.Transformation())
		if t.Argument != "" {
			w.attr("argv", t.Argument)
		}
		w.end()
	}
	for _, e := range wf.Edges {
		w.ev("task.edge")
		w.attr("parent.task.id", e.Parent)
		w.attr("child.task.id", e.Child)
		w.end()
	}
	if len(wf.Metadata) > 0 || m.WfAPI != "" {
		w.ev("static.meta.start")
		w.end()
		if m.WfAPI != "" {
			w.ev("xwf.meta")
			w.attr("key", "wf.api")
			w.attr("value", m.WfAPI)
			w.end()
		}
		for _, kv := range wf.Metadata {
			w.ev("xwf.meta")
			w.attr("key", kv.Key)
			w.attr("value", kv.Value)
			w.end()
		}
		for _, t := range wf.Jobs {
			for _, kv := range t.Metadata {
				w.ev("task.meta")
				w.attr("task.id", t.ID)
				w.attr("key", kv.Key)
				w.attr("value", kv.Value)
				w.end()
			}
		}
		w.ev("static.meta.end")
		w.end()
	}
}

// jobEvents renders the events of the executable workflow: job.info,
// wf.map.task_job and job.edge.
func (w *bpWriter) jobEvents(res *refine.Result) {
	for _, j := range res.Order {
		clustered, count := 0, 0
		if j.Clustered() {
			clustered, count = 1, len(j.Tasks)
		} else if j.Task != nil && (j.Type == ewf.Compute || j.Type == ewf.DAXJob || j.Type == ewf.DAGJob) {
			count = 1
		}
		w.ev("job.info")
		w.attr("job.id", j.Name)
		if j.Sub != nil {
			w.attr("submit_file", j.Sub.DAGFile)
		} else {
			w.b = append(w.b, ` submit_file="`...)
			w.b = appendSubPath(w.b, j)
			w.b = append(w.b, '"')
		}
		w.num("type", int(j.Type))
		w.attr("type_desc", j.Type.Desc())
		w.num("clustered", clustered)
		w.num("max_retries", j.Retry)
		w.attr("executable", j.Profiles.Condor.Value("executable"))
		if args := j.Profiles.Condor.Value("arguments"); args != "" {
			w.attr("argv", args)
		}
		w.num("task_count", count)
		w.end()
	}
	for _, j := range res.Order {
		if j.Clustered() {
			for _, t := range j.Tasks {
				w.ev("wf.map.task_job")
				w.attr("job.id", j.Name)
				w.attr("task.id", t.ID)
				w.end()
			}
		} else if j.Task != nil {
			w.ev("wf.map.task_job")
			w.attr("job.id", j.Name)
			w.attr("task.id", j.Task.ID)
			w.end()
		}
	}
	res.WF.EachEdge(func(p, c *ewf.Job) {
		w.ev("job.edge")
		w.attr("parent.job.id", p.Name)
		w.attr("child.job.id", c.Name)
		w.end()
	})
}

// Static is the <basename>.static.bp being written (FORMATS.md §3.4.1).
// StartStatic writes the events of the abstract workflow in the background
// while the workflow is refined; Write appends the events of the
// executable workflow.
type Static struct {
	done chan struct{}
	stop atomic.Bool
	o    *out
	b    []byte
	err  error
}

// StartStatic starts writing dir/<basename>.static.bp. Call Write with the
// result, or Abort.
func StartStatic(dir string, m *Meta, wf *dax.Workflow) *Static {
	s := &Static{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		f, err := os.Create(filepath.Join(dir, m.Basename+".static.bp"))
		if err != nil {
			s.err = err
			return
		}
		s.o = &out{f: f}
		w := newBPWriter(s.o, make([]byte, 0, outChunk+64*1024), m)
		w.taskEvents(m, wf, &s.stop)
		s.b = w.b
	}()
	return s
}

// Abort stops the background writing and closes the file.
func (s *Static) Abort() {
	s.stop.Store(true)
	<-s.done
	if s.o != nil {
		s.o.f.Close()
	}
}

// staticBP finishes the static events (started by StartStatic, or here).
func (w *writer) staticBP() error {
	s := w.static
	if s == nil {
		s = StartStatic(w.dir, w.m, w.wf)
	}
	<-s.done
	if s.err != nil {
		return s.err
	}
	bw := newBPWriter(s.o, s.b, w.m)
	bw.jobEvents(w.res)
	o := s.o
	if o.err == nil && len(bw.b) > 0 {
		_, o.err = o.f.Write(bw.b)
	}
	if err := o.f.Close(); o.err == nil {
		o.err = err
	}
	return o.err
}

func sortInvokes(ivs []dax.Invoke) []dax.Invoke {
	out := append([]dax.Invoke(nil), ivs...)
	sort.SliceStable(out, func(a, b int) bool { return dax.WhenRank(out[a].When) < dax.WhenRank(out[b].When) })
	return out
}

// notify writes the notifications file (FORMATS.md §7.2).
func (w *writer) notify() error {
	return w.small(w.m.Basename+".notify", func(b *bufio.Writer) error {
		for _, iv := range sortInvokes(w.wf.Invokes) {
			fmt.Fprintf(b, "WORKFLOW %s %s %s\n", w.m.WfUUID, iv.When, iv.Command)
		}
		for _, j := range w.res.Order {
			kw := "JOB"
			switch j.Type {
			case ewf.DAXJob:
				kw = "DAXJOB"
			case ewf.DAGJob:
				kw = "DAGJOB"
			}
			var lines []string
			if !j.Clustered() {
				for _, iv := range sortInvokes(j.Invokes) {
					lines = append(lines, fmt.Sprintf("%s %s %s %s", kw, j.Name, iv.When, iv.Command))
				}
			} else {
				for i, ivs := range j.TaskInvokes {
					for _, iv := range sortInvokes(ivs) {
						lines = append(lines, fmt.Sprintf("INVOCATION %s %d %s %s", j.Name, i+1, iv.When, iv.Command))
					}
				}
			}
			if len(lines) == 0 {
				continue
			}
			b.WriteString("\n")
			for _, l := range lines {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
		return nil
	})
}

// replicaStore writes the DAX file entries in replica catalog format.
func (w *writer) replicaStore() error {
	if len(w.wf.Files) == 0 {
		return nil
	}
	return w.small(w.m.Basename+".replica.store", func(b *bufio.Writer) error {
		var buf []byte
		for _, f := range w.wf.Files {
			for _, p := range f.PFNs {
				buf = rc.AppendLine(buf[:0], &rc.Replica{LFN: f.Name, PFN: p.URL, Attrs: []rc.Attr{{Key: "site", Value: p.Site}}})
				b.Write(buf)
				b.WriteByte('\n')
			}
		}
		return nil
	})
}

// cache writes the transient replica catalog.
func (w *writer) cache() error {
	return w.small(w.m.Basename+".cache", func(b *bufio.Writer) error {
		var buf []byte
		for _, r := range w.res.Transient {
			buf = rc.AppendLine(buf[:0], r)
			b.Write(buf)
			b.WriteByte('\n')
		}
		return nil
	})
}

func dotColor(t ewf.Type) string {
	switch t {
	case ewf.Compute:
		return "blueviolet"
	case ewf.StageIn:
		return "gold"
	case ewf.StageOut:
		return "goldenrod"
	case ewf.InterSite:
		return "goldenrod4"
	case ewf.Registration:
		return "orange"
	case ewf.CreateDir:
		return "darkturquoise"
	case ewf.StagedCompute:
		return "violet"
	case ewf.Cleanup:
		return "deepskyblue"
	}
	return "grey"
}

func (w *writer) dot() error {
	return w.file(w.m.Basename+".dot", func(o *out, b []byte) []byte {
		b = append(b, "digraph E {\nsize=\"8.0,10.0\"\nratio=fill\nnode [shape=ellipse]\nedge [arrowhead=normal, arrowsize=1.0]\n"...)
		for _, j := range w.res.Order {
			b = append(b, "\t\""...)
			b = append(b, j.Name...)
			b = append(b, "\" [color="...)
			b = append(b, dotColor(j.Type)...)
			b = append(b, ",style=filled,label=\""...)
			b = append(b, j.Name...)
			b = append(b, "\"]\n"...)
			b = o.flush(b)
		}
		b = append(b, '\n')
		w.res.WF.EachEdge(func(p, c *ewf.Job) {
			b = append(b, "\t\""...)
			b = append(b, p.Name...)
			b = append(b, "\" -> \""...)
			b = append(b, c.Name...)
			b = append(b, "\"\n"...)
			b = o.flush(b)
		})
		return append(b, "}\n"...)
	})
}

func (w *writer) braindumpPairs() [][2]string {
	m := w.m
	rundir := filepath.Base(m.SubmitDir)
	return [][2]string{
		{"user", m.User}, {"grid_dn", "null"}, {"submit_hostname", m.Host},
		{"root_wf_uuid", m.RootUUID}, {"wf_uuid", m.WfUUID}, {"dax", m.DAX},
		{"dax_label", m.Label}, {"dax_index", strconv.Itoa(m.Index)}, {"dax_version", m.DAXVersion},
		{"pegasus_wf_name", fmt.Sprintf("%s-%d", m.Label, m.Index)}, {"timestamp", m.PlanTime.Format("20060102T150405-0700")},
		{"basedir", m.BaseDir}, {"submit_dir", m.SubmitDir}, {"planner", m.Planner},
		{"planner_version", m.Version}, {"pegasus_build", m.Build},
		{"planner_arguments", `"` + m.PlannerArgs + `"`}, {"jsd", "jobstate.log"}, {"rundir", rundir},
		{"bindir", m.BinDir}, {"vogroup", m.VOGroup}, {"uses_pmc", "false"},
		{"properties", m.PropsName}, {"condor_log", m.Basename + ".log"}, {"dag", m.Basename + ".dag"},
		{"type", "dag"}, {"notify", m.Basename + ".notify"}, {"data_config", m.DataConfig},
	}
}

// yamlQuote renders s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (w *writer) braindump() error {
	pairs := w.braindumpPairs()
	if err := w.small("braindump.yml", func(b *bufio.Writer) error {
		for _, kv := range pairs {
			if kv[0] == "grid_dn" {
				b.WriteString("grid_dn: null\n")
				continue
			}
			fmt.Fprintf(b, "%s: %s\n", kv[0], yamlQuote(kv[1]))
		}
		return nil
	}); err != nil {
		return err
	}
	return w.small("braindump.txt", func(b *bufio.Writer) error {
		for _, kv := range pairs {
			fmt.Fprintf(b, "%s %s\n", kv[0], kv[1])
		}
		return nil
	})
}

// Counts returns the wf_metrics of the metrics file, in file order.
func Counts(wf *dax.Workflow, res *refine.Result) [][2]any {
	var ct, dt, gt int
	for _, t := range wf.Jobs {
		switch t.Kind {
		case dax.DAXTask:
			dt++
		case dax.DAGTask:
			gt++
		default:
			ct++
		}
	}
	n := map[ewf.Type]int{}
	clustered, compute := 0, 0
	for _, j := range res.Order {
		n[j.Type]++
		if j.Type == ewf.Compute {
			if j.Clustered() {
				clustered++
			} else {
				compute++
			}
		}
	}
	return [][2]any{
		{"compute_tasks", ct}, {"dax_tasks", dt}, {"dag_tasks", gt}, {"total_tasks", ct + dt + gt},
		{"deleted_tasks", res.Deleted}, {"dax_input_files", res.Files.Input}, {"dax_inter_files", res.Files.Inter},
		{"dax_output_files", res.Files.Output}, {"dax_total_files", res.Files.Total},
		{"compute_jobs", compute}, {"clustered_jobs", clustered}, {"si_tx_jobs", n[ewf.StageIn]},
		{"so_tx_jobs", n[ewf.StageOut]}, {"inter_tx_jobs", n[ewf.InterSite]}, {"reg_jobs", n[ewf.Registration]},
		{"cleanup_jobs", n[ewf.Cleanup]}, {"create_dir_jobs", n[ewf.CreateDir]}, {"dax_jobs", n[ewf.DAXJob]},
		{"dag_jobs", n[ewf.DAGJob]}, {"chmod_jobs", n[ewf.Chmod]}, {"total_jobs", len(res.Order)},
	}
}

func epoch(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}

func (w *writer) metrics() error {
	return WriteMetrics(filepath.Join(w.dir, w.m.Basename+".metrics"), w.m, Counts(w.wf, w.res), 0, "")
}

// WriteMetrics writes the JSON metrics file; with a non-empty errMsg the type
// is "error" (a failed plan).
func WriteMetrics(path string, m *Meta, counts [][2]any, exitcode int, errMsg string) error {
	var b bytes.Buffer
	typ := "metrics"
	if errMsg != "" {
		typ = "error"
	}
	api := m.WfAPI
	if api == "" {
		api = "dax"
	}
	fmt.Fprintf(&b, "{\n  \"client\": \"pegasus-plan\",\n  \"version\": %s,\n  \"wf_api\": %s,\n  \"type\": %q,\n", strconv.Quote(m.Version), strconv.Quote(api), typ)
	fmt.Fprintf(&b, "  \"start_time\": %s,\n  \"end_time\": %s,\n  \"duration\": %s,\n  \"exitcode\": %d,\n",
		epoch(m.Start), epoch(m.End), strconv.FormatFloat(m.End.Sub(m.Start).Seconds(), 'f', 3, 64), exitcode)
	fmt.Fprintf(&b, "  \"root_wf_uuid\": %s,\n  \"wf_uuid\": %s,\n  \"data_config\": %s,\n  \"planner_args\": %s,\n  \"uses_pmc\": false,\n",
		strconv.Quote(m.RootUUID), strconv.Quote(m.WfUUID), strconv.Quote(m.DataConfig), strconv.Quote(m.PlannerArgs))
	if errMsg != "" {
		fmt.Fprintf(&b, "  \"error\": %s,\n", strconv.Quote(errMsg))
	}
	b.WriteString("  \"wf_metrics\": {\n")
	for i, kv := range counts {
		sep := ","
		if i == len(counts)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %q: %v%s\n", kv[0], kv[1], sep)
	}
	fmt.Fprintf(&b, "  },\n  \"app_metrics\": {\n    \"name\": %s\n  }\n}\n", strconv.Quote(m.Label))
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func (w *writer) props(p *properties.Properties) error {
	return w.small(w.m.PropsName, func(b *bufio.Writer) error {
		fmt.Fprintf(b, "# effective properties of workflow %s-%d (wf_uuid %s)\n", w.m.Label, w.m.Index, w.m.WfUUID)
		return p.Write(b)
	})
}

// condorSub writes <dag>.condor.sub: the scheduler-universe job that runs the
// workflow under HTCondor with pegasus-dagman, which starts condor_dagman and
// pegasus-monitord together.
func (w *writer) condorSub() error {
	m := w.m
	c := &CondorSubmit{DAG: m.Basename + ".dag", PegasusDAG: filepath.Join(m.BinDir, "pegasus-dagman"),
		WfUUID: m.WfUUID, RootWfUUID: m.RootUUID, WfName: m.Label + "-" + strconv.Itoa(m.Index),
		WfTime: m.PlanTime.Format("20060102T150405-0700"), Version: m.Version}
	if p, err := exec.LookPath("condor_dagman"); err == nil {
		c.CondorDAG = p
	}
	return w.small(c.DAG+".condor.sub", func(b *bufio.Writer) error {
		_, err := b.WriteString(c.Text())
		return err
	})
}
