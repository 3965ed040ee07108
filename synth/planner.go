package synth

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const hashLine = "######################################################################\n"

func (l *layout) plannerArgs() string {
	return "--conf pegasus.properties --dir " + l.basedir + " --sites " + execSite + " --output-site local --cleanup leaf --force workflow.yml "
}

func writeBraindump(w *bufio.Writer, c *config, l *layout, clk *clock) {
	kv := func(k, v string) { fmt.Fprintf(w, "%s: %q\n", k, v) }
	kv("user", planUser)
	w.WriteString("grid_dn: null\n")
	kv("submit_hostname", submitHostName)
	kv("root_wf_uuid", l.uuid)
	kv("wf_uuid", l.uuid)
	kv("dax", l.dax)
	kv("dax_label", c.Label)
	kv("dax_index", "0")
	kv("dax_version", "5.0.4")
	kv("pegasus_wf_name", l.prefix)
	kv("timestamp", string(clk.appendCompact(nil, l.planned/1000)))
	kv("basedir", l.basedir)
	kv("submit_dir", l.submit)
	kv("planner", binDir+"/pegasus-plan")
	kv("planner_version", pegasusVersion)
	kv("pegasus_build", pegasusBuild)
	kv("planner_arguments", "\""+l.plannerArgs()+"\"")
	kv("jsd", "jobstate.log")
	kv("rundir", l.rundir)
	kv("bindir", binDir)
	kv("vogroup", "pegasus")
	kv("uses_pmc", "false")
	kv("properties", l.props)
	kv("condor_log", l.prefix+".log")
	kv("dag", l.dag)
	kv("type", "dag")
	kv("notify", l.prefix+".notify")
}

func writeDAG(w *bufio.Writer, c *config, p *plan, l *layout) {
	w.WriteString(hashLine)
	w.WriteString("# PEGASUS WMS GENERATED DAG FILE\n# DAG " + c.Label + "\n# Index = 0, Count = null\n")
	w.WriteString(hashLine)
	for _, m := range c.maxJobs {
		w.WriteString("MAXJOBS " + m.cat + " " + strconv.Itoa(m.limit) + "\n")
	}
	retry := strconv.Itoa(c.retry)
	for _, n := range p.nodes {
		w.WriteString("\nJOB " + n.name + " " + n.dir + "/" + n.name + ".sub\n")
		w.WriteString("SCRIPT POST " + n.name + " " + postScript(l, n) + "\n")
		w.WriteString("PRIORITY " + n.name + " " + strconv.Itoa(n.priority) + "\n")
		w.WriteString("RETRY " + n.name + " " + retry + "\n")
		if n.category != catNone {
			w.WriteString("CATEGORY " + n.name + " " + catName[n.category] + "\n")
		}
		w.WriteString("VARS " + n.name + " +DAGNodeRetry=\"$(RETRY)\"\n")
	}
	w.WriteString("\n")
	for _, e := range p.edges {
		w.WriteString("PARENT  " + p.nodes[e[0]].name + " CHILD " + p.nodes[e[1]].name + "\n")
	}
	w.WriteString(hashLine + "# End of DAG\n" + hashLine)
}

// bpWriter writes the planner's BP lines with slowly increasing 1970 stamps.
type bpWriter struct {
	w   *bufio.Writer
	ts  int64
	r   rng
	buf []byte
	id  string
}

func (b *bpWriter) event(name string, kv ...string) {
	b.ts += b.r.between(60, 320)
	b.buf = append(b.buf[:0], "ts="...)
	b.buf = appendBPts(b.buf, b.ts)
	b.buf = append(b.buf, " event="...)
	b.buf = append(b.buf, name...)
	b.buf = append(b.buf, " xwf.id="...)
	b.buf = append(b.buf, b.id...)
	for i := 0; i+1 < len(kv); i += 2 {
		b.buf = append(b.buf, ' ')
		b.buf = append(b.buf, kv[i]...)
		b.buf = append(b.buf, "=\""...)
		b.buf = append(b.buf, kv[i+1]...)
		b.buf = append(b.buf, '"')
	}
	b.buf = append(b.buf, '\n')
	b.w.Write(b.buf)
}

func writeStaticBP(w *bufio.Writer, c *config, p *plan, l *layout, g *fileGen) {
	b := &bpWriter{w: w, ts: l.staticTS, r: newRNG(c.Seed, streamPlan, 2, 0), id: l.uuid}
	for i, n := range p.nodes {
		if n.typ != typeCompute {
			continue
		}
		b.event("task.info", "task.id", n.taskID(), "type", "1", "type_desc", "compute",
			"transformation", p.xf[n.xf].name, "argv", strings.Join(p.taskArgs(int32(i)), " "))
	}
	for _, e := range p.tedges {
		b.event("task.edge", "parent.task.id", p.nodes[e[0]].taskID(), "child.task.id", p.nodes[e[1]].taskID())
	}
	b.ts += 44000
	b.event("static.meta.start")
	b.event("xwf.meta", "key", "wf.api", "value", "python")
	b.event("static.meta.end")
	b.ts += 230000
	retry := strconv.Itoa(c.retry)
	for _, n := range p.nodes {
		t := strconv.Itoa(n.typ)
		if n.typ == typeCompute {
			b.event("job.info", "job.id", n.name, "submit_file", n.dir+"/"+n.name+".sub", "type", t, "type_desc", typeDesc[n.typ],
				"clustered", "0", "max_retries", retry, "executable", g.executable(n), "task_count", "1")
		} else {
			b.event("job.info", "job.id", n.name, "submit_file", n.dir+"/"+n.name+".sub", "type", t, "type_desc", typeDesc[n.typ],
				"clustered", "0", "max_retries", retry, "executable", g.executable(n), "argv", g.auxArguments(n), "task_count", "0")
		}
	}
	for _, n := range p.nodes {
		if n.typ == typeCompute {
			b.event("wf.map.task_job", "job.id", n.name, "task.id", n.taskID())
		}
	}
	for _, e := range p.edges {
		b.event("job.edge", "parent.job.id", p.nodes[e[0]].name, "child.job.id", p.nodes[e[1]].name)
	}
}

// planCounts are the planner's wf_metrics.
func planCounts(p *plan) map[string]int {
	m := map[string]int{}
	for _, n := range p.nodes {
		switch n.typ {
		case typeCompute:
			m["compute"]++
			if n.xf == xPreprocess {
				m["input"]++
			}
			if n.leaf {
				m["output"]++
			} else {
				m["inter"]++
			}
		case typeStageIn:
			m["si"]++
		case typeStageOut:
			m["so"]++
		case typeRegister:
			m["reg"]++
		case typeCleanup:
			m["cleanup"]++
		case typeCreateDir:
			m["createdir"]++
		}
	}
	return m
}

func writeMetrics(w *bufio.Writer, c *config, p *plan, l *layout) {
	m := planCounts(p)
	start := float64(l.planned) / 1000
	end := float64(l.planEnd) / 1000
	fmt.Fprintf(w, `{
  "client": "pegasus-plan",
  "version": "%s",
  "wf_api": "python",
  "type": "metrics",
  "start_time": %s,
  "end_time": %s,
  "duration": %s,
  "exitcode": 0,
  "root_wf_uuid": "%s",
  "wf_uuid": "%s",
  "data_config": "condorio",
  "planner_args": "%s",
  "uses_pmc": false,
  "wf_metrics": {
    "compute_tasks": %d,
    "dax_tasks": 0,
    "dag_tasks": 0,
    "total_tasks": %d,
    "deleted_tasks": 0,
    "dax_input_files": %d,
    "dax_inter_files": %d,
    "dax_output_files": %d,
    "dax_total_files": %d,
    "compute_jobs": %d,
    "clustered_jobs": 0,
    "si_tx_jobs": %d,
    "so_tx_jobs": %d,
    "inter_tx_jobs": 0,
    "reg_jobs": %d,
    "cleanup_jobs": %d,
    "create_dir_jobs": %d,
    "dax_jobs": 0,
    "dag_jobs": 0,
    "chmod_jobs": 0,
    "total_jobs": %d
  },
  "app_metrics": {
    "name": "%s"
  }
}
`, pegasusVersion, javaDouble(start), javaDouble(end), javaDouble(float64(l.planEnd-l.planned)/1000), l.uuid, l.uuid, l.plannerArgs(),
		m["compute"], m["compute"], m["input"], m["inter"], m["output"], m["input"]+m["inter"]+m["output"], m["compute"],
		m["si"], m["so"], m["reg"], m["cleanup"], m["createdir"], len(p.nodes), c.Label)
}

var dotColor = map[int]string{
	typeCompute: "blueviolet", typeStageIn: "gold", typeStageOut: "goldenrod", typeRegister: "orange",
	typeCreateDir: "darkturquoise", typeCleanup: "deepskyblue",
}

func writeDot(w *bufio.Writer, p *plan) {
	w.WriteString("digraph E {\nsize=\"8.0,10.0\"\nratio=fill\nnode [shape=ellipse]\nedge [arrowhead=normal, arrowsize=1.0]\n")
	for _, n := range p.nodes {
		w.WriteString("\t\"" + n.name + "\" [color=" + dotColor[n.typ] + ",style=filled,label=\"" + n.name + "\"]\n")
	}
	w.WriteString("\n")
	for _, e := range p.edges {
		w.WriteString("\t\"" + p.nodes[e[0]].name + "\" -> \"" + p.nodes[e[1]].name + "\"\n")
	}
	w.WriteString("}\n")
}

func writeMetadata(w *bufio.Writer, p *plan, l *layout) {
	w.WriteString("{\n  \"root_workflow_uuid\": \"" + l.uuid + "\",\n  \"workflow_uuid\": \"" + l.uuid +
		"\",\n  \"wf_metadata\": {\n    \"wf.api\": \"python\"\n  },\n  \"graph\": {\n    \"jobs\": {\n")
	for i, n := range p.nodes {
		w.WriteString("      \"" + n.name + "\": {}")
		if i < len(p.nodes)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	w.WriteString("    }\n  }\n}")
}

func writeCache(w *bufio.Writer, p *plan, l *layout) {
	for i, n := range p.nodes {
		if n.typ == typeCompute {
			lfn := p.outLFN(int32(i))
			w.WriteString(lfn + " file://" + l.scratch + "/./" + lfn + " site=\"local\"\n")
		}
	}
}

func writeProperties(w *bufio.Writer, c *config, l *layout) error {
	w.WriteString("#Pegasus USER PROPERTIES AT RUNTIME\n#ESCAPES IN VALUES ARE INTRODUCED\n#")
	w.WriteString(javaDate(time.UnixMilli(l.planEnd).In(c.Location)) + "\n")
	defaults := [][2]string{
		{"pegasus.home.sharedstatedir", "/usr/share/pegasus"},
		{"pegasus.catalog.replica.output", "JDBCRC"},
		{"pegasus.catalog.transformation.file", l.basedir + "/transformations.yml"},
		{"pegasus.home.bindir", binDir},
		{"dagman.maxpre", "1"},
		{"pegasus.catalog.replica.output.db.url", "jdbc\\:sqlite\\:" + l.submit + "/" + l.prefix + ".replicas.db"},
		{"pegasus.transfer.worker.package", "true"},
		{"pegasus.catalog.site.file", l.basedir + "/sites.yml"},
		{"pegasus.catalog.replica.output.db.driver", "sqlite"},
		{"pegasus.home.sysconfdir", "/etc/pegasus"},
		{"pegasus.home.schemadir", "/usr/share/pegasus/schema"},
		{"pegasus.data.configuration", "condorio"},
	}
	for _, kv := range defaults {
		if _, ok := c.props.Get(kv[0]); !ok {
			w.WriteString(kv[0] + "=" + kv[1] + "\n")
		}
	}
	return c.props.Write(w)
}

func writeCondorSub(w *bufio.Writer, l *layout, clk *clock) {
	sched := "/var/lib/condor/spool"
	env := "_CONDOR_SCHEDD_ADDRESS_FILE=" + sched + "/.schedd_address _CONDOR_MAX_DAGMAN_LOG=0 _CONDOR_SCHEDD_DAEMON_AD_FILE=" + sched + "/.schedd_classad _CONDOR_DAGMAN_LOG=" + l.dag + ".dagman.out"
	fmt.Fprintf(w, `# Filename: %[1]s.condor.sub
# Generated by condor_submit_dag %[1]s
universe	= scheduler
executable	= %[2]s/condor_dagman
getenv		= True
output		= %[1]s.lib.out
error		= %[1]s.lib.err
log		= %[1]s.dagman.log
remove_kill_sig	= SIGUSR1
+OtherJobRemoveRequirements	= "DAGManJobId =?= $(cluster)"
# Note: default on_exit_remove expression:
# ( ExitSignal =?= 11 || (ExitCode =!= UNDEFINED && ExitCode >=0 && ExitCode <= 2))
# attempts to ensure that DAGMan is automatically
# requeued by the schedd if it exits abnormally or
# is killed (e.g., during a reboot).
on_exit_remove	= (ExitSignal =?= 11 || (ExitCode =!= UNDEFINED && ExitCode >=0 && ExitCode <= 2))
copy_to_spool	= False
arguments	= "-p 0 -f -l . -Lockfile %[1]s.lock -AutoRescue 1 -DoRescueFrom 0 -Dag %[1]s -MaxPost 20 -Suppress_notification -CsdVersion $CondorVersion:' '10.2.5' '2023-02-27' 'BuildID:' '631644' 'PackageID:' '10.2.5-1' '$ -Dagman %[2]s/condor_dagman"
environment	= "%[3]s"
executable=%[2]s/pegasus-dagman
+pegasus_wf_uuid="%[4]s"
+pegasus_root_wf_uuid="%[4]s"
+pegasus_wf_name="%[5]s"
+pegasus_wf_time="%[6]s"
+pegasus_version="%[7]s"
+pegasus_job_class=11
+pegasus_cluster_size=1
+pegasus_site="local"
+pegasus_execution_sites="%[8]s"
+pegasus_wf_xformation="pegasus::dagman"
environment	= "%[3]s PEGASUS_METRICS=true "
queue
`, l.dag, binDir, env, l.uuid, l.prefix, string(clk.appendCompact(nil, l.planned/1000)), pegasusVersion, execSite)
}

// writeRescue writes <dag>.rescue001 as DAGMan does when nodes failed.
func writeRescue(w *bufio.Writer, c *config, s *sim) {
	t := time.Unix(s.end, 0).UTC()
	fmt.Fprintf(w, "# Rescue DAG file, created after running\n#   the %s DAG file\n# Created %d/%d/%d %02d:%02d:%02d UTC\n# Rescue DAG version: 2.0.1 (partial)\n#\n",
		s.l.dag, int(t.Month()), t.Day(), t.Year(), t.Hour(), t.Minute(), t.Second())
	fmt.Fprintf(w, "# Total number of Nodes: %d\n# Nodes premarked DONE: %d\n# Nodes that failed: %d\n#   ",
		len(s.p.nodes), s.counts[stDone], s.counts[stFailed])
	for i, n := range s.p.nodes {
		if s.state[i] == stFailed {
			w.WriteString(n.name + ",")
		}
	}
	w.WriteString("<ENDLIST>\n\n")
	for i, n := range s.p.nodes {
		if s.state[i] == stDone {
			w.WriteString("DONE " + n.name + "\n")
		}
	}
	if c.retry > 0 {
		for _, n := range s.p.nodes {
			w.WriteString("RETRY " + n.name + " " + strconv.Itoa(c.retry) + "\n")
		}
	}
}

// writeDagMetrics writes <dag>.metrics as DAGMan does at exit.
func writeDagMetrics(w *bufio.Writer, s *sim) {
	start := float64(s.l.start)
	end := float64(s.end) + 0.421
	fmt.Fprintf(w, `{
    "client":"condor_dagman",
    "version":"%s",
    "planner":"",
    "planner_version":"",
    "type":"metrics",
    "wf_uuid":"",
    "root_wf_uuid":"",
    "start_time":%.3f,
    "end_time":%.3f,
    "duration":%.3f,
    "exitcode":%d,
    "dagman_id":"%d",
    "parent_dagman_id":"",
    "rescue_dag_number":0,
    "jobs":%d,
    "jobs_failed":%d,
    "jobs_succeeded":%d,
    "dag_jobs":0,
    "dag_jobs_failed":0,
    "dag_jobs_succeeded":0,
    "total_jobs":%d,
    "total_jobs_run":%d,
    "DagStatus":%d
}
`, condorVersion, start+0.599, end, end-start-0.599, s.exitStatus, s.l.dagmanID, len(s.p.nodes), s.counts[stFailed], s.counts[stDone],
		len(s.p.nodes), s.counts[stFailed]+s.counts[stDone], 2*s.exitStatus)
}
