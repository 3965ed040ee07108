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
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
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
// temporary directory renamed to m.SubmitDir afterwards).
func Write(ctx context.Context, dir string, m *Meta, wf *dax.Workflow, res *refine.Result, props *properties.Properties) error {
	w := &writer{dir: dir, m: m, wf: wf, res: res}
	steps := []func() error{
		w.dag, w.staticBP, w.notify, w.replicaStore, w.cache, w.dot, w.braindump, w.metrics,
		func() error { return w.props(props) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return w.jobFiles(ctx)
}

type writer struct {
	dir string
	m   *Meta
	wf  *dax.Workflow
	res *refine.Result
}

func (w *writer) file(name string, fn func(b *bufio.Writer) error) error {
	p := filepath.Join(w.dir, name)
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	b := bufio.NewWriterSize(f, 256*1024)
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

const hashes = "######################################################################"

// dag writes <basename>.dag in the 5.x layout.
func (w *writer) dag() error {
	return w.file(w.m.Basename+".dag", func(b *bufio.Writer) error {
		fmt.Fprintf(b, "%s\n# PEGASUS WMS GENERATED DAG FILE\n# DAG %s\n# Index = %d, Count = %s\n%s\n", hashes, w.m.Label, w.m.Index, countOf(w.m.Count), hashes)
		for _, mj := range w.res.MaxJobs {
			fmt.Fprintf(b, "MAXJOBS %s %s\n", mj[0], mj[1])
		}
		for _, j := range w.res.Order {
			b.WriteString("\n")
			switch {
			case j.Sub != nil:
				fmt.Fprintf(b, "SUBDAG EXTERNAL %s %s", j.Name, j.Sub.DAGFile)
				if j.Sub.SubmitDir != "" && j.Type == ewf.DAGJob {
					fmt.Fprintf(b, " DIR %s", j.Sub.SubmitDir)
				}
				b.WriteString("\n")
			default:
				fmt.Fprintf(b, "JOB %s %s\n", j.Name, subPath(j))
			}
			if j.PreScript != "" {
				fmt.Fprintf(b, "SCRIPT PRE %s %s\n", j.Name, j.PreScript)
			}
			if j.PostScript != "" {
				fmt.Fprintf(b, "SCRIPT POST %s %s\n", j.Name, j.PostScript)
			}
			if j.Priority != 0 || j.Profiles.Condor.Value("priority") != "" {
				fmt.Fprintf(b, "PRIORITY %s %d\n", j.Name, j.Priority)
			}
			fmt.Fprintf(b, "RETRY %s %d\n", j.Name, j.Retry)
			if j.Category != "" {
				fmt.Fprintf(b, "CATEGORY %s %s\n", j.Name, j.Category)
			}
			fmt.Fprintf(b, "VARS %s +DAGNodeRetry=\"$(RETRY)\"\n", j.Name)
		}
		b.WriteString("\n")
		for _, e := range w.res.WF.Edges() {
			fmt.Fprintf(b, "PARENT  %s CHILD %s\n", e[0].Name, e[1].Name)
		}
		fmt.Fprintf(b, "%s\n# End of DAG\n%s\n", hashes, hashes)
		return nil
	})
}

func countOf(c string) string {
	if c == "" {
		return "null"
	}
	return c
}

func subPath(j *ewf.Job) string {
	if j.Dir == "" {
		return j.Name + ".sub"
	}
	return j.Dir + "/" + j.Name + ".sub"
}

// condorQuote renders an argument string in HTCondor's new syntax: the
// whole string in double quotes, embedded double quotes doubled.
func condorQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// envValue renders the environment in HTCondor's new syntax.
func envValue(keys []string, get func(string) string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := get(k)
		b.WriteString(k)
		b.WriteByte('=')
		if strings.ContainsAny(v, " \t'\"") {
			v = strings.ReplaceAll(v, `"`, `""`)
			v = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		b.WriteString(v)
	}
	b.WriteByte('"')
	return b.String()
}

// sub renders the submit file of job j.
func (w *writer) sub(j *ewf.Job, b *bytes.Buffer) {
	m := w.m
	fmt.Fprintf(b, "%s\n# PEGASUS WMS GENERATED SUBMIT FILE\n# DAG : %s, Index = %d, Count = %s\n# SUBMIT FILE NAME : %s.sub\n%s\n", hashes, m.Label, m.Index, countOf(m.Count), j.Name, hashes)
	c := &j.Profiles.Condor
	se, so := "false", "false"
	if v, ok := c.Get("stream_error"); ok {
		se = v
	}
	if v, ok := c.Get("stream_output"); ok {
		so = v
	}
	fmt.Fprintf(b, "stream_error  = %s\nstream_output = %s\n", se, so)
	// Environment: env profiles plus the variables monitoring tools use.
	env := j.Profiles.Env.Clone()
	env.Set("CONDOR_JOBID", "$(cluster).$(process)")
	env.Set("PEGASUS_WF_UUID", m.WfUUID)
	env.Set("PEGASUS_WF_LABEL", m.Label)
	env.Set("PEGASUS_DAG_JOB_ID", j.Name)
	env.Set("PEGASUS_SITE", j.Site)
	if j.Type != ewf.Compute {
		env.SetDefault("PEGASUS_BIN_DIR", m.BinDir)
	}
	keys := env.Keys()
	fmt.Fprintf(b, "environment = %s\n", envValue(keys, env.Value))
	for _, k := range c.SortedKeys() {
		if k == "stream_error" || k == "stream_output" {
			continue
		}
		v := c.Value(k)
		if v == "" {
			continue
		}
		if k == "arguments" {
			v = condorQuote(v)
		}
		fmt.Fprintf(b, "%s = %s\n", k, v)
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
	fmt.Fprintf(b, `+pegasus_generator = "Pegasus"
+pegasus_root_wf_uuid = "%s"
+pegasus_wf_uuid = "%s"
+pegasus_version = "%s"
+pegasus_wf_name = "%s-%d"
+pegasus_wf_time = "%s"
+pegasus_wf_xformation = "%s"
+pegasus_wf_dax_job_id = "%s"
+pegasus_wf_dag_job_id = "%s"
+pegasus_job_class = %d
+pegasus_site = "%s"
+pegasus_job_runtime = %s
+pegasus_cores = %s
+pegasus_cluster_size = %d
queue
%s
# END OF SUBMIT FILE
%s
`, m.RootUUID, m.WfUUID, m.Version, m.Label, m.Index, m.PlanTime.Format("20060102T150405-0700"), j.XForm, taskID, j.Name,
		int(j.Type), j.Site, runtime, cores, size, hashes, hashes)
}

// jobFiles writes the .sub, .in and .sh files of every job, in parallel.
func (w *writer) jobFiles(ctx context.Context) error {
	dirs := map[string]bool{}
	for _, j := range w.res.Order {
		if !dirs[j.Dir] {
			dirs[j.Dir] = true
			if err := os.MkdirAll(filepath.Join(w.dir, j.Dir), 0o755); err != nil {
				return err
			}
		}
	}
	jobs := w.res.Order
	workers := runtime.GOMAXPROCS(0)
	if workers > 4 {
		workers = 4
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			var buf bytes.Buffer
			for i := k; i < len(jobs); i += workers {
				if i%1024 == 0 && ctx.Err() != nil {
					errs[k] = ctx.Err()
					return
				}
				j := jobs[i]
				base := filepath.Join(w.dir, j.Dir, j.Name)
				if j.Sub == nil {
					buf.Reset()
					w.sub(j, &buf)
					if err := os.WriteFile(base+".sub", buf.Bytes(), 0o644); err != nil {
						errs[k] = err
						return
					}
				}
				if j.InBody != nil {
					if err := os.WriteFile(base+".in", j.InBody, 0o644); err != nil {
						errs[k] = err
						return
					}
				}
				if j.Script != nil {
					if err := os.WriteFile(base+".sh", j.Script, 0o755); err != nil {
						errs[k] = err
						return
					}
				}
			}
		}(k)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// bpQuote quotes a BP attribute value.
func bpQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// staticBP writes the Stampede static events (FORMATS.md §3.4.1).
func (w *writer) staticBP() error {
	ts := w.m.PlanTime.UTC().Format("2006-01-02T15:04:05.000000Z")
	pre := "ts=" + ts + " event="
	id := " xwf.id=" + w.m.WfUUID
	return w.file(w.m.Basename+".static.bp", func(b *bufio.Writer) error {
		for _, t := range w.wf.Jobs {
			typ := 1
			switch t.Kind {
			case dax.DAXTask:
				typ = 10
			case dax.DAGTask:
				typ = 11
			}
			fmt.Fprintf(b, "%stask.info%s task.id=%s type=\"%d\" type_desc=\"%s\" transformation=%s", pre, id, bpQuote(t.ID), typ, ewf.Type(typ).Desc(), bpQuote(t.Transformation()))
			if t.Argument != "" {
				fmt.Fprintf(b, " argv=%s", bpQuote(t.Argument))
			}
			b.WriteByte('\n')
		}
		for _, e := range w.wf.Edges {
			fmt.Fprintf(b, "%stask.edge%s parent.task.id=%s child.task.id=%s\n", pre, id, bpQuote(e.Parent), bpQuote(e.Child))
		}
		if len(w.wf.Metadata) > 0 || w.m.WfAPI != "" {
			fmt.Fprintf(b, "%sstatic.meta.start%s\n", pre, id)
			if w.m.WfAPI != "" {
				fmt.Fprintf(b, "%sxwf.meta%s key=\"wf.api\" value=%s\n", pre, id, bpQuote(w.m.WfAPI))
			}
			for _, kv := range w.wf.Metadata {
				fmt.Fprintf(b, "%sxwf.meta%s key=%s value=%s\n", pre, id, bpQuote(kv.Key), bpQuote(kv.Value))
			}
			for _, t := range w.wf.Jobs {
				for _, kv := range t.Metadata {
					fmt.Fprintf(b, "%stask.meta%s task.id=%s key=%s value=%s\n", pre, id, bpQuote(t.ID), bpQuote(kv.Key), bpQuote(kv.Value))
				}
			}
			fmt.Fprintf(b, "%sstatic.meta.end%s\n", pre, id)
		}
		for _, j := range w.res.Order {
			exe := j.Profiles.Condor.Value("executable")
			args := j.Profiles.Condor.Value("arguments")
			submit := subPath(j)
			if j.Sub != nil {
				submit = j.Sub.DAGFile
				if j.Type == ewf.DAXJob {
					exe = j.Profiles.Condor.Value("executable")
				}
			}
			clustered, count := 0, 0
			if j.Clustered() {
				clustered, count = 1, len(j.Tasks)
			} else if j.Task != nil && (j.Type == ewf.Compute || j.Type == ewf.DAXJob || j.Type == ewf.DAGJob) {
				count = 1
			}
			fmt.Fprintf(b, "%sjob.info%s job.id=%s submit_file=%s type=\"%d\" type_desc=\"%s\" clustered=\"%d\" max_retries=\"%d\" executable=%s",
				pre, id, bpQuote(j.Name), bpQuote(submit), int(j.Type), j.Type.Desc(), clustered, j.Retry, bpQuote(exe))
			if args != "" {
				fmt.Fprintf(b, " argv=%s", bpQuote(args))
			}
			fmt.Fprintf(b, " task_count=\"%d\"\n", count)
		}
		for _, j := range w.res.Order {
			if j.Clustered() {
				for _, t := range j.Tasks {
					fmt.Fprintf(b, "%swf.map.task_job%s job.id=%s task.id=%s\n", pre, id, bpQuote(j.Name), bpQuote(t.ID))
				}
			} else if j.Task != nil {
				fmt.Fprintf(b, "%swf.map.task_job%s job.id=%s task.id=%s\n", pre, id, bpQuote(j.Name), bpQuote(j.Task.ID))
			}
		}
		for _, e := range w.res.WF.Edges() {
			fmt.Fprintf(b, "%sjob.edge%s parent.job.id=%s child.job.id=%s\n", pre, id, bpQuote(e[0].Name), bpQuote(e[1].Name))
		}
		return nil
	})
}

func sortInvokes(ivs []dax.Invoke) []dax.Invoke {
	out := append([]dax.Invoke(nil), ivs...)
	sort.SliceStable(out, func(a, b int) bool { return dax.WhenRank(out[a].When) < dax.WhenRank(out[b].When) })
	return out
}

// notify writes the notifications file (FORMATS.md §7.2).
func (w *writer) notify() error {
	return w.file(w.m.Basename+".notify", func(b *bufio.Writer) error {
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
	return w.file(w.m.Basename+".replica.store", func(b *bufio.Writer) error {
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
	return w.file(w.m.Basename+".cache", func(b *bufio.Writer) error {
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
	return w.file(w.m.Basename+".dot", func(b *bufio.Writer) error {
		b.WriteString("digraph E {\nsize=\"8.0,10.0\"\nratio=fill\nnode [shape=ellipse]\nedge [arrowhead=normal, arrowsize=1.0]\n")
		for _, j := range w.res.Order {
			fmt.Fprintf(b, "\t\"%s\" [color=%s,style=filled,label=\"%s\"]\n", j.Name, dotColor(j.Type), j.Name)
		}
		b.WriteString("\n")
		for _, e := range w.res.WF.Edges() {
			fmt.Fprintf(b, "\t\"%s\" -> \"%s\"\n", e[0].Name, e[1].Name)
		}
		b.WriteString("}\n")
		return nil
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
	if err := w.file("braindump.yml", func(b *bufio.Writer) error {
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
	return w.file("braindump.txt", func(b *bufio.Writer) error {
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
	return w.file(w.m.PropsName, func(b *bufio.Writer) error {
		fmt.Fprintf(b, "# effective properties of workflow %s-%d (wf_uuid %s)\n", w.m.Label, w.m.Index, w.m.WfUUID)
		return p.Write(b)
	})
}
