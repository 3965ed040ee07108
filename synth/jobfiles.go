package synth

import (
	"strconv"
	"strings"
)

// errFile renders the try's .err.NNN: PegasusLite's log for compute jobs,
// pegasus-lite-local's PATH note for auxiliary jobs, nothing for removed jobs.
func (g *fileGen) errFile(t *tryRec) {
	nd := g.p.nodes[t.node]
	if !t.ran() {
		return
	}
	if nd.typ != typeCompute {
		g.b = append(g.b, "DEBUG: Adding default values to PATH - /bin:/usr/bin:/usr/local/bin:/opt/local/bin\n"...)
		return
	}
	h := g.hs.of(t.slot)
	r := newRNG(g.c.Seed, streamFile, uint64(t.node), uint64(t.attempt)|6<<40)
	lite := floorDiv(t.exec+r.between(100, 300), 1000)
	ts := func(sec int64) {
		g.b = g.clk.appendSpaced(g.b, sec)
		g.b = append(g.b, ": "...)
	}
	ts(lite)
	g.b = append(g.b, "PegasusLite: version "+pegasusVersion+"\n"...)
	ts(lite)
	g.b = append(g.b, "Executing on host "...)
	g.b = append(g.b, h.name...)
	g.b = append(g.b, " IP="...)
	g.b = append(g.b, h.ip...)
	g.b = append(g.b, "\n\n########################[Pegasus Lite] Setting up workdir ########################\n"...)
	ts(lite)
	g.b = append(g.b, "Not creating a new work directory as it is already set to "...)
	g.b = append(g.b, g.cwd(t, g.starterPID(t))...)
	g.b = append(g.b, "\n\n##############[Pegasus Lite] Figuring out the worker package to use ##############\n"...)
	ts(lite)
	g.b = append(g.b, "The job contained a Pegasus worker package\ntar: write error\n"...)
	g.b = append(g.b, "\n##################### Checking file integrity for input files #####################\n"...)
	g.b = append(g.b, "\n######################[Pegasus Lite] Executing the user task ######################\n"...)
	if g.c.NoKickstart {
		g.b = append(g.b, taskStderr(g.c, g.p, t)...)
	}
	if t.jobExit != 0 {
		ts(floorDiv(t.ksEnd(), 1000))
		g.b = append(g.b, "User task failed with exitcode "...)
		g.b = strconv.AppendInt(g.b, int64(t.jobExit), 10)
		g.b = append(g.b, '\n')
	}
	g.b = append(g.b, "PegasusLite: exitcode "...)
	g.b = strconv.AppendInt(g.b, int64(t.jobExit), 10)
	g.b = append(g.b, '\n')
}

// metaFile renders <job>.meta, which pegasus-exitcode writes after a
// successful try: the job's output files with their checksums.
func (g *fileGen) metaFile(t *tryRec) {
	nd := g.p.nodes[t.node]
	type ent struct {
		lfn, size, ctime, sum, timing string
	}
	var ents []ent
	switch {
	case nd.typ == typeCompute:
		end := floorDiv(t.ksEnd(), 1000)
		r := newRNG(g.c.Seed, streamFile, uint64(t.node), uint64(t.attempt)|8<<40)
		ents = append(ents, ent{g.p.outLFN(t.node), strconv.FormatInt(g.outputSize(t.node), 10),
			string(g.clk.appendISO(nil, end)), string(g.sha(t.node)), "0." + strconv.FormatInt(r.between(0, 3), 10)})
	case nd.typ == typeStageIn && !nd.worker:
		for _, j := range nd.members {
			r := newRNG(g.c.Seed, streamNode, uint64(j), 5)
			us := (g.l.planned/1000 - r.between(3600, 86400*3)) * 1_000_000
			ents = append(ents, ent{g.p.inLFN(j), strconv.FormatInt(g.inputSize(j), 10),
				string(appendNaiveUTCus(nil, us)), string(r.hex(nil, 64)), "0.0" + strconv.FormatInt(r.between(15, 40), 10)})
		}
	}
	if len(ents) == 0 {
		g.b = append(g.b, "[]\n"...)
		return
	}
	g.b = append(g.b, "[\n"...)
	for k, e := range ents {
		if k > 0 {
			g.b = append(g.b, ",\n"...)
		}
		g.b = append(g.b, "  {\n    \"_id\": \""...)
		g.b = append(g.b, e.lfn...)
		g.b = append(g.b, "\",\n    \"_type\": \"file\",\n    \"_attributes\": {\n      \"user\": \""+planUser+"\",\n      \"size\": \""...)
		g.b = append(g.b, e.size...)
		g.b = append(g.b, "\",\n      \"ctime\": \""...)
		g.b = append(g.b, e.ctime...)
		g.b = append(g.b, "\",\n      \"checksum.type\": \"sha256\",\n      \"checksum.value\": \""...)
		g.b = append(g.b, e.sum...)
		g.b = append(g.b, "\",\n      \"checksum.timing\": \""...)
		g.b = append(g.b, e.timing...)
		g.b = append(g.b, "\"\n    }\n  }"...)
	}
	g.b = append(g.b, "\n]\n"...)
}

// holdReason is the text DAGMan logs after ULOG_JOB_HELD.
func holdReason(s *sim, t *tryRec) string {
	h := s.hs.of(t.slot1)
	slot := "slot1_" + strconv.Itoa(int(t.slot1)%slotsPerHost+1) + "@" + h.name
	r := newRNG(s.c.Seed, streamTry, uint64(t.node), uint64(t.attempt)|6<<40)
	switch t.holdKind {
	case holdTransferOutput:
		dir := scratchExecDir + "/dir_" + strconv.FormatInt(r.between(10000, 999999), 10)
		return "Error from " + slot + ": STARTER at " + h.ip + " failed to send file(s) to <" + submitHostIP +
			":9618>: error reading from " + dir + "/" + s.p.outLFN(t.node) + ": (errno 2) No such file or directory; SHADOW failed to receive file(s) from <" +
			h.ip + ":" + strconv.FormatInt(r.between(32768, 60999), 10) + ">"
	case holdMemory:
		return "Error from " + slot + ": Job has gone over cgroup memory limit of 2048 megabytes. Last measured usage: " +
			strconv.FormatInt(r.between(2049, 2600), 10) + " megabytes.  Consider resubmitting with a higher request_memory."
	}
	dir := scratchExecDir + "/dir_" + strconv.FormatInt(r.between(10000, 999999), 10)
	return "Error from " + slot + ": Failed to execute '" + dir + "/condor_exec.exe': (errno=8: 'Exec format error')"
}

// --- planner files of one job: .sub, .sh, .in ---

func (g *fileGen) envString(nd *node) string {
	var sb strings.Builder
	sb.WriteString("LANG=en_US.UTF-8 ")
	site := "local"
	if nd.typ == typeCompute {
		site = execSite
	} else {
		sb.WriteString("PATH=" + binDir + ":/usr/local/bin:/usr/bin:/usr/local/sbin:/usr/sbin PYTHONPATH=/usr/lib64/python3.6/site-packages ")
	}
	sb.WriteString("CONDOR_JOBID=$(cluster).$(process) PEGASUS_WF_UUID=" + g.l.uuid + " PEGASUS_WF_LABEL=" + g.c.Label +
		" PEGASUS_DAG_JOB_ID=" + nd.name + " PEGASUS_SITE=" + site)
	if nd.typ == typeCompute {
		return sb.String()
	}
	if nd.typ == typeStageOut {
		sb.WriteString(" _PEGASUS_TRANSFER_INPUT_FILES=")
		for _, j := range nd.members {
			m := g.p.nodes[j]
			sb.WriteString(g.l.submit + "/" + m.dir + "/" + m.name + ".meta,")
		}
	}
	sb.WriteString(" PEGASUS_BIN_DIR=" + binDir)
	if nd.typ != typeRegister {
		sb.WriteString(" _PEGASUS_CONNECT_STDIN=true")
	}
	return sb.String()
}

// auxArguments is the kickstart command line of an auxiliary job (the
// arguments of pegasus-lite-local.sh).
func (g *fileGen) auxArguments(nd *node) string {
	head := "pegasus-kickstart  -n " + g.p.xf[nd.xf].name + " -N null "
	if nd.typ != typeRegister {
		head += "-i - "
	}
	head += "-R local  -L " + g.c.Label + " -T " + g.stamp + " "
	switch nd.typ {
	case typeStageIn, typeStageOut:
		return head + "pegasus-transfer  --threads 2 "
	case typeRegister:
		return head + binDir + "/pegasus-rc-client --prefix pegasus.catalog.replica.output --conf " + g.l.submit + "/" + g.l.props +
			" -v --meta " + g.registerMetas(nd) + " --insert " + g.l.submit + "/" + nd.dir + "/" + nd.name + ".in"
	}
	return head + "pegasus-transfer "
}

// executable is the .sub executable of a node.
func (g *fileGen) executable(nd *node) string {
	if nd.typ == typeCompute {
		return g.l.submit + "/" + nd.dir + "/" + nd.name + ".sh"
	}
	return liteLocal
}

func (g *fileGen) subFile(i int32) {
	nd := g.p.nodes[i]
	put := func(k, v string) {
		g.b = append(g.b, k...)
		g.b = append(g.b, " = "...)
		g.b = append(g.b, v...)
		g.b = append(g.b, '\n')
	}
	hash := "######################################################################\n"
	g.b = append(g.b, hash...)
	g.b = append(g.b, "# PEGASUS WMS GENERATED SUBMIT FILE\n# DAG : "...)
	g.b = append(g.b, g.c.Label...)
	g.b = append(g.b, ", Index = 0, Count = null\n# SUBMIT FILE NAME : "...)
	g.b = append(g.b, nd.name...)
	g.b = append(g.b, ".sub\n"...)
	g.b = append(g.b, hash...)
	g.b = append(g.b, "stream_error  = false\nstream_output = false\n"...)
	put("environment", "\""+g.envString(nd)+"\"")
	compute := nd.typ == typeCompute
	if compute {
		put("+WantIOProxy", "True")
	} else {
		put("arguments", "\""+g.auxArguments(nd)+"\"")
	}
	put("error", g.l.absJob(nd, ".err"))
	put("executable", g.executable(nd))
	if compute {
		put("initialdir", g.l.scratch)
	} else if nd.typ != typeRegister {
		put("input", g.l.absJob(nd, ".in"))
	}
	put("log", g.l.submit+"/"+g.l.prefix+".log")
	put("notification", "NEVER")
	put("output", g.l.absJob(nd, ".out"))
	put("periodic_release", "False")
	put("periodic_remove", "(JobStatus == 5) && ((CurrentTime - EnteredCurrentStatus) > 1800)")
	put("priority", strconv.Itoa(nd.priority))
	if compute {
		put("should_transfer_files", "YES")
		put("submit_event_user_notes", "pool:"+execSite)
		put("transfer_executable", "true")
		var in strings.Builder
		in.WriteString(g.l.submit + "/" + workerPackage + "," + g.l.submit + "/pegasus-lite-common.sh")
		if nd.xf == xPreprocess {
			in.WriteString("," + g.l.scratch + "/" + g.p.inLFN(i))
		}
		for _, q := range nd.inputs {
			in.WriteString("," + g.l.scratch + "/" + g.p.outLFN(q))
		}
		put("transfer_input_files", in.String())
		put("transfer_output_files", nd.name+".dat")
		put("universe", "vanilla")
		put("when_to_transfer_output", "ON_EXIT")
	} else {
		put("submit_event_user_notes", "pool:local")
		put("transfer_executable", "false")
		put("universe", "local")
	}
	put("+pegasus_generator", "\"Pegasus\"")
	put("+pegasus_root_wf_uuid", "\""+g.l.uuid+"\"")
	put("+pegasus_wf_uuid", "\""+g.l.uuid+"\"")
	put("+pegasus_version", "\""+pegasusVersion+"\"")
	put("+pegasus_wf_name", "\""+g.l.prefix+"\"")
	put("+pegasus_wf_time", "\""+string(g.clk.appendCompact(nil, g.l.planned/1000))+"\"")
	put("+pegasus_wf_xformation", "\""+g.p.xf[nd.xf].name+"\"")
	if compute {
		put("+pegasus_wf_dax_job_id", "\""+nd.taskID()+"\"")
	} else {
		put("+pegasus_wf_dax_job_id", "\"null\"")
	}
	put("+pegasus_wf_dag_job_id", "\""+nd.name+"\"")
	put("+pegasus_job_class", strconv.Itoa(nd.typ))
	if compute {
		put("+pegasus_site", "\""+execSite+"\"")
	} else {
		put("+pegasus_site", "\"local\"")
	}
	put("+pegasus_job_runtime", "0")
	put("+pegasus_cores", "1")
	put("+pegasus_gpus", "1")
	put("+pegasus_cluster_size", "1")
	g.b = append(g.b, "queue\n"...)
	g.b = append(g.b, hash...)
	g.b = append(g.b, "# END OF SUBMIT FILE\n"...)
	g.b = append(g.b, hash...)
}

// kickstartLine is the command the PegasusLite script runs.
func (g *fileGen) kickstartLine(i int32) string {
	nd := g.p.nodes[i]
	out := g.p.outLFN(i)
	var sb strings.Builder
	if !g.c.NoKickstart {
		sb.WriteString("pegasus-kickstart  -n " + g.p.xf[nd.xf].name + " -N " + nd.taskID() + " -R " + execSite + "  -s " + out + "=" + out +
			" -L " + g.c.Label + " -T " + g.stamp + " ")
	}
	sb.WriteString(g.p.xf[nd.xf].exe)
	for _, a := range g.p.taskArgs(i) {
		sb.WriteString(" " + a)
	}
	return sb.String()
}

func (g *fileGen) shFile(i int32) {
	g.b = append(g.b, `#!/bin/bash
set -e
pegasus_lite_version_major="5"
pegasus_lite_version_minor="0"
pegasus_lite_version_patch="5"
pegasus_lite_enforce_strict_wp_check="true"
pegasus_lite_version_allow_wp_auto_download="true"


. pegasus-lite-common.sh

pegasus_lite_init

# cleanup in case of failures
trap pegasus_lite_signal_int INT
trap pegasus_lite_signal_term TERM
trap pegasus_lite_unexpected_exit EXIT

printf "\n########################[Pegasus Lite] Setting up workdir ########################\n"  1>&2
# work dir
export pegasus_lite_work_dir=$PWD
pegasus_lite_setup_work_dir

printf "\n##############[Pegasus Lite] Figuring out the worker package to use ##############\n"  1>&2
# figure out the worker package to use
pegasus_lite_worker_package

pegasus_lite_section_start stage_in
printf "\n##################### Checking file integrity for input files #####################\n"  1>&2
# do file integrity checks

pegasus_lite_section_end stage_in
set +e
job_ec=0
pegasus_lite_section_start task_execute
printf "\n######################[Pegasus Lite] Executing the user task ######################\n"  1>&2
`...)
	g.b = append(g.b, g.kickstartLine(i)...)
	g.b = append(g.b, `
job_ec=$?
pegasus_lite_section_end task_execute
set -e
pegasus_lite_section_start stage_out
pegasus_lite_section_end stage_out

set -e


# clear the trap, and exit cleanly
trap - EXIT
pegasus_lite_final_exit
`...)
}

// inFile renders the stdin of an auxiliary job (transfer lists, RC lines).
func (g *fileGen) inFile(nd *node) {
	switch {
	case nd.typ == typeCreateDir:
		g.b = append(g.b, "[\n  {\n    \"id\": 1,\n    \"type\": \"mkdir\",\n    \"target\": { \"site_label\": \"local\", \"url\": \"file://"...)
		g.b = append(g.b, g.l.scratch...)
		g.b = append(g.b, "\" } }\n]\n"...)
	case nd.typ == typeCleanup:
		g.b = append(g.b, "[\n  {\n    \"id\": 1,\n    \"type\": \"remove\",\n    \"target\": { \"site_label\": \"local\", \"url\": \"file://"...)
		g.b = append(g.b, g.l.scratch...)
		g.b = append(g.b, "\", \"recursive\": \"True\" } }\n]\n"...)
	case nd.worker:
		g.b = append(g.b, "[\n { \"type\": \"transfer\",\n   \"linkage\": \"input\",\n   \"lfn\": \"pegasus::worker\",\n   \"id\": 1,\n   \"src_urls\": [\n     { \"site_label\": \"pegasus\", \"url\": \"http://download.pegasus.isi.edu/pegasus/"+pegasusVersion+"/"+workerPackage+"\" }\n   ],\n   \"dest_urls\": [\n     { \"site_label\": \"local\", \"url\": \"file:///"...)
		g.b = append(g.b, g.l.submit...)
		g.b = append(g.b, "/"+workerPackage+"\" }\n   ] }\n]\n"...)
	case nd.typ == typeStageIn:
		g.b = append(g.b, "[\n"...)
		for k, j := range nd.members {
			if k > 0 {
				g.b = append(g.b, " ,\n"...)
			}
			lfn := g.p.inLFN(j)
			g.b = append(g.b, " { \"type\": \"transfer\",\n   \"linkage\": \"input\",\n   \"lfn\": \""...)
			g.b = append(g.b, lfn...)
			g.b = append(g.b, "\",\n   \"id\": "...)
			g.b = strconv.AppendInt(g.b, int64(k+1), 10)
			g.b = append(g.b, ",\n   \"generate_checksum\": true,\n   \"src_urls\": [\n     { \"site_label\": \"local\", \"url\": \""...)
			g.b = append(g.b, g.inputSrc(j)...)
			g.b = append(g.b, "\", \"priority\": 50 }\n   ],\n   \"dest_urls\": [\n     { \"site_label\": \"local\", \"url\": \"file://"...)
			g.b = append(g.b, g.l.scratch...)
			g.b = append(g.b, "/./"...)
			g.b = append(g.b, lfn...)
			g.b = append(g.b, "\" }\n   ] }\n"...)
		}
		g.b = append(g.b, "]\n"...)
	case nd.typ == typeStageOut:
		g.b = append(g.b, "[\n"...)
		for k, j := range nd.members {
			if k > 0 {
				g.b = append(g.b, " ,\n"...)
			}
			lfn := g.p.outLFN(j)
			g.b = append(g.b, " { \"type\": \"transfer\",\n   \"linkage\": \"output\",\n   \"lfn\": \""...)
			g.b = append(g.b, lfn...)
			g.b = append(g.b, "\",\n   \"id\": "...)
			g.b = strconv.AppendInt(g.b, int64(k+1), 10)
			g.b = append(g.b, ",\n   \"verify_checksum_remote\": true,\n   \"src_urls\": [\n     { \"site_label\": \"local\", \"url\": \"file://"...)
			g.b = append(g.b, g.l.scratch...)
			g.b = append(g.b, "/./"...)
			g.b = append(g.b, lfn...)
			g.b = append(g.b, "\" }\n   ],\n   \"dest_urls\": [\n     { \"site_label\": \"local\", \"url\": \"file://"...)
			g.b = append(g.b, g.l.outputs...)
			g.b = append(g.b, '/')
			g.b = append(g.b, lfn...)
			g.b = append(g.b, "\" }\n   ] }\n"...)
		}
		g.b = append(g.b, "]\n"...)
	case nd.typ == typeRegister:
		for _, j := range nd.members {
			lfn := g.p.outLFN(j)
			g.b = append(g.b, lfn...)
			g.b = append(g.b, " file://"...)
			g.b = append(g.b, g.l.outputs...)
			g.b = append(g.b, '/')
			g.b = append(g.b, lfn...)
			g.b = append(g.b, " site=\"local\"\n"...)
		}
	}
}
