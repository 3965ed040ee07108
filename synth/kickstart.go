package synth

import (
	"strconv"
	"strings"
)

// fileGen renders per-job and per-try files. One per writer goroutine.
type fileGen struct {
	c     *config
	p     *plan
	l     *layout
	hs    *hosts
	clk   *clock
	b     []byte
	r     rng
	stamp string // wf-stamp, ISO
}

func newFileGen(c *config, p *plan, l *layout, hs *hosts) *fileGen {
	g := &fileGen{c: c, p: p, l: l, hs: hs, clk: newClock(c.Location), b: make([]byte, 0, 64<<10)}
	g.stamp = l.planStampISO(g.clk)
	return g
}

// --- small YAML helpers; ind is the indentation in spaces ---

const spaces = "                                "

func (g *fileGen) key(ind int, k string) {
	g.b = append(g.b, spaces[:ind]...)
	g.b = append(g.b, k...)
	g.b = append(g.b, ':')
}

func (g *fileGen) kv(ind int, k, v string) {
	g.key(ind, k)
	g.b = append(g.b, ' ')
	g.b = append(g.b, v...)
	g.b = append(g.b, '\n')
}

func (g *fileGen) kvq(ind int, k, v string) {
	g.key(ind, k)
	g.b = append(g.b, " \""...)
	g.b = append(g.b, v...)
	g.b = append(g.b, "\"\n"...)
}

func (g *fileGen) kvi(ind int, k string, v int64) {
	g.key(ind, k)
	g.b = append(g.b, ' ')
	g.b = strconv.AppendInt(g.b, v, 10)
	g.b = append(g.b, '\n')
}

// kvf writes v/1000 with three decimals (durations kept in milliseconds).
func (g *fileGen) kvms(ind int, k string, ms int64) {
	g.key(ind, k)
	g.b = append(g.b, ' ')
	g.b = appendMs(g.b, ms)
	g.b = append(g.b, '\n')
}

func appendMs(b []byte, ms int64) []byte {
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	return app3(b, int(ms%1000))
}

// kvd writes a value with two decimals given in hundredths.
func (g *fileGen) kvc(ind int, k string, hundredths int64) {
	g.key(ind, k)
	g.b = append(g.b, ' ')
	g.b = strconv.AppendInt(g.b, hundredths/100, 10)
	g.b = append(g.b, '.')
	g.b = app2(g.b, int(hundredths%100))
	g.b = append(g.b, '\n')
}

func (g *fileGen) kvISO(ind int, k string, sec int64) {
	g.key(ind, k)
	g.b = append(g.b, ' ')
	g.b = g.clk.appendISO(g.b, sec)
	g.b = append(g.b, '\n')
}

func (g *fileGen) kvISOms(ind int, k string, ms int64) {
	g.key(ind, k)
	g.b = append(g.b, ' ')
	g.b = g.clk.appendISOms(g.b, ms)
	g.b = append(g.b, '\n')
}

// owner is who owns a file in a stat block.
type owner struct {
	uid  int64
	user string
	gid  int64
	grp  string
}

var (
	rootOwner = owner{0, "root", 0, "root"}
	userOwner = owner{planUID, planUser, planGID, planGroup}
)

// stat writes the common stat fields (mode through group). Times are epoch seconds.
func (g *fileGen) stat(ind int, mode string, size, inode int64, mtime, atime, ctime int64, o owner) {
	g.kv(ind, "mode", mode)
	g.kvi(ind, "size", size)
	g.kvi(ind, "inode", inode)
	g.kvi(ind, "nlink", 1)
	g.kvi(ind, "blksize", 4096)
	g.kvi(ind, "blocks", (size+4095)/4096*8)
	g.kvISO(ind, "mtime", mtime)
	g.kvISO(ind, "atime", atime)
	g.kvISO(ind, "ctime", ctime)
	g.owner(ind, o)
}

func (g *fileGen) owner(ind int, o owner) {
	g.kvi(ind, "uid", o.uid)
	g.kv(ind, "user", o.user)
	g.kvi(ind, "gid", o.gid)
	g.kv(ind, "group", o.grp)
}

// maxData is how much captured output kickstart keeps in a record.
const maxData = 64 << 10

// data writes a captured-output block ("data: |" and the text indented).
func (g *fileGen) data(ind int, text string) {
	if len(text) > maxData {
		cut := strings.LastIndexByte(text[:maxData], '\n')
		text = text[:cut+1]
		g.kv(ind, "data_truncated", "true")
	} else {
		g.kv(ind, "data_truncated", "false")
	}
	g.key(ind, "data")
	g.b = append(g.b, " |\n"...)
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		g.b = append(g.b, spaces[:ind+2]...)
		g.b = append(g.b, line...)
		g.b = append(g.b, '\n')
		text = rest
	}
	g.b = append(g.b, '\n')
}

func (g *fileGen) usage(ind int, utimeMs, stimeMs, maxrss, minflt, outblock, nvcsw, nivcsw int64) {
	g.kvms(ind, "utime", utimeMs)
	g.kvms(ind, "stime", stimeMs)
	g.kvi(ind, "maxrss", maxrss)
	g.kvi(ind, "minflt", minflt)
	g.kvi(ind, "majflt", 0)
	g.kvi(ind, "nswap", 0)
	g.kvi(ind, "inblock", 0)
	g.kvi(ind, "outblock", outblock)
	g.kvi(ind, "msgsnd", 0)
	g.kvi(ind, "msgrcv", 0)
	g.kvi(ind, "nsignals", 0)
	g.kvi(ind, "nvcsw", nvcsw)
	g.kvi(ind, "nivcsw", nivcsw)
}

// cwd is the directory HTCondor ran the try in.
func (g *fileGen) cwd(t *tryRec, starter int64) string {
	if t.slot < 0 {
		return localExecDir + "/dir_" + strconv.FormatInt(starter, 10)
	}
	return scratchExecDir + "/dir_" + strconv.FormatInt(starter, 10)
}

// starterPID is the HTCondor starter's pid for a try (names the execute dir).
func (g *fileGen) starterPID(t *tryRec) int64 {
	h := g.hs.of(t.slot)
	r := newRNG(g.c.Seed, streamFile, uint64(t.node), uint64(t.attempt)|7<<40)
	return h.pidBase + (t.cluster*37)%400000 + r.between(0, 30)
}

// kickstart renders the try's kickstart record into g.b.
func (g *fileGen) kickstart(t *tryRec) {
	nd := g.p.nodes[t.node]
	xf := &g.p.xf[nd.xf]
	h := g.hs.of(t.slot)
	g.r = newRNG(g.c.Seed, streamFile, uint64(t.node), uint64(t.attempt))
	r := &g.r
	compute := nd.typ == typeCompute
	failed := t.raw != 0
	starter := g.starterPID(t)
	cwd := g.cwd(t, starter)
	pid := starter + r.between(3, 120)
	mainStart := t.ksStart + t.mainOff
	ksEnd := t.ksEnd()
	endSec := floorDiv(ksEnd, 1000)
	startSec := floorDiv(t.ksStart, 1000)

	g.b = append(g.b, "- invocation: True\n"...)
	g.kv(2, "version", "3.0")
	g.kvISOms(2, "start", t.ksStart)
	g.kvms(2, "duration", ksEnd-t.ksStart)
	g.kvq(2, "transformation", xf.name)
	if compute {
		g.kvq(2, "derivation", nd.taskID())
		g.kvq(2, "resource", execSite)
	} else {
		g.kvq(2, "derivation", "null")
		g.kvq(2, "resource", "local")
	}
	g.kvq(2, "wf-label", g.c.Label)
	g.kvq(2, "wf-stamp", g.stamp)
	g.kv(2, "interface", h.iface)
	g.kv(2, "hostaddr", h.ip)
	g.kv(2, "hostname", h.name)
	g.kvi(2, "pid", pid)
	g.owner(2, userOwner)
	g.kv(2, "umask", "0o0022")

	g.key(2, "mainjob")
	g.b = append(g.b, '\n')
	g.kvISOms(4, "start", mainStart)
	g.kvms(4, "duration", t.mainDur)
	g.kvi(4, "pid", pid+r.between(1, 9))
	g.key(4, "usage")
	g.b = append(g.b, '\n')
	cpu := t.mainDur * (60 + r.between(0, 38)) / 100
	if !compute {
		cpu = t.mainDur * r.between(8, 30) / 100
	}
	ut := cpu * r.between(70, 92) / 100
	g.usage(6, ut, cpu-ut, r.between(2400, 900000), r.between(120, 90000), r.between(8, 20000), r.between(1, 9000), r.between(0, 400))
	g.key(4, "status")
	g.b = append(g.b, '\n')
	g.kvi(6, "raw", int64(t.raw))
	if t.raw&0x7f != 0 {
		g.kvi(6, "signalled_signal", int64(t.raw&0x7f))
		g.kv(6, "signalled_name", "SIGKILL")
		g.kv(6, "corefile", "false")
	} else {
		g.kvi(6, "regular_exitcode", int64(t.raw>>8))
	}
	g.key(4, "executable")
	g.b = append(g.b, '\n')
	g.kv(6, "file_name", xf.exe)
	exeSize := int64(2998)
	switch nd.xf {
	case xRCClient:
		exeSize = 614
	case xPreprocess, xFindrange, xAnalyze, xAlign, xScore, xMerge:
		exeSize = 90000 + int64(nd.xf)*17713
	}
	exeMtime := g.l.start - 86400*40 - int64(nd.xf)*7919
	g.stat(6, "0o100755", exeSize, 209458954+int64(nd.xf)*12, exeMtime, g.l.start-3600*5, exeMtime+3600*24*3, rootOwner)
	g.key(4, "argument_vector")
	g.b = append(g.b, '\n')
	for _, a := range g.argv(t.node) {
		g.b = append(g.b, "      - \""...)
		g.b = append(g.b, a...)
		g.b = append(g.b, "\"\n"...)
	}
	g.key(4, "procs") // kickstart writes no value here
	g.b = append(g.b, '\n')
	g.key(2, "jobids")
	g.b = append(g.b, '\n')
	g.key(4, "condor")
	g.b = append(g.b, ' ')
	g.b = strconv.AppendInt(g.b, t.cluster, 10)
	g.b = append(g.b, ".0\n"...)
	g.kv(2, "cwd", cwd)
	g.key(2, "usage")
	g.b = append(g.b, '\n')
	g.usage(4, r.between(14, 26), r.between(55, 68), r.between(2500, 2700), r.between(120, 150), 0, r.between(1, 3), r.between(2, 8))
	g.machine(h, r)

	g.key(2, "files")
	g.b = append(g.b, '\n')
	switch {
	case compute:
		g.computeFiles(t, cwd, startSec, endSec, failed)
	default:
		g.auxFiles(t, cwd, startSec, endSec)
	}
	if failed {
		g.fullRecord(t, cwd, starter, endSec)
	}
}

func (g *fileGen) machine(h *host, r *rng) {
	g.key(2, "machine")
	g.b = append(g.b, '\n')
	g.kvi(4, "page-size", 4096)
	g.kv(4, "uname_system", "linux")
	g.kv(4, "uname_nodename", h.name)
	g.kv(4, "uname_release", h.release)
	g.kv(4, "uname_machine", "x86_64")
	g.kvi(4, "ram_total", h.ram)
	g.kvi(4, "ram_free", h.ram*r.between(15, 70)/100)
	g.kvi(4, "ram_shared", r.between(200000, 260000))
	g.kvi(4, "ram_buffer", 10616)
	g.kvi(4, "swap_total", h.swap)
	g.kvi(4, "swap_free", h.swap*r.between(80, 100)/100)
	g.kvi(4, "cpu_count", int64(h.cpus))
	g.kvi(4, "cpu_speed", int64(h.speed)-r.between(0, 900))
	g.kv(4, "cpu_vendor", h.vendor)
	g.kv(4, "cpu_model", h.model)
	l1 := r.between(5, int64(h.cpus)*90)
	g.kvc(4, "load_min1", l1)
	g.kvc(4, "load_min5", l1*r.between(70, 110)/100)
	g.kvc(4, "load_min15", l1*r.between(60, 100)/100)
	total := r.between(420, 520)
	running := r.between(1, 4)
	other := r.between(160, 200)
	g.kvi(4, "procs_total", total)
	g.kvi(4, "procs_running", running)
	g.kvi(4, "procs_sleeping", total-running-other)
	g.kvi(4, "procs_other", other)
	g.kvi(4, "procs_vmsize", r.between(86000000, 109000000))
	g.kvi(4, "procs_rss", r.between(9200000, 9700000))
	tasks := r.between(1420, 1500)
	trun := r.between(1, 5)
	g.kvi(4, "task_total", tasks)
	g.kvi(4, "task_running", trun)
	g.kvi(4, "task_sleeping", tasks-trun-other)
	g.kvi(4, "task_other", other)
}

// argv is the argument vector kickstart records for the main job.
func (g *fileGen) argv(i int32) []string {
	nd := g.p.nodes[i]
	switch nd.typ {
	case typeCompute:
		return g.p.taskArgs(i)
	case typeRegister:
		return []string{"--prefix", "pegasus.catalog.replica.output", "--conf", g.l.submit + "/" + g.l.props, "-v",
			"--meta", g.registerMetas(nd), "--insert", g.l.submit + "/" + nd.dir + "/" + nd.name + ".in"}
	case typeStageIn, typeStageOut:
		return []string{"--threads", "2"}
	}
	return nil
}

func (g *fileGen) registerMetas(nd *node) string {
	var sb strings.Builder
	for k, j := range nd.members {
		if k > 0 {
			sb.WriteByte(',')
		}
		m := g.p.nodes[j]
		sb.WriteString(g.l.submit + "/" + m.dir + "/" + m.name + ".meta")
	}
	return sb.String()
}

// outputSize is the size of a compute job's output file (stable per job).
func (g *fileGen) outputSize(i int32) int64 {
	r := newRNG(g.c.Seed, streamNode, uint64(i), 1)
	return r.between(2000, 40_000_000)
}

func (g *fileGen) sha(i int32) []byte {
	r := newRNG(g.c.Seed, streamNode, uint64(i), 2)
	return r.hex(nil, 64)
}

func (g *fileGen) tempEntry(name, cwd string, descr, size, start, end int64, r *rng) {
	g.key(4, name)
	g.b = append(g.b, '\n')
	g.key(6, "temporary_name")
	g.b = append(g.b, ' ')
	g.b = append(g.b, cwd...)
	prefix := "/ks.out."
	switch name {
	case "stderr":
		prefix = "/ks.err."
	case "metadata":
		prefix = "/ks.meta."
	}
	g.b = append(g.b, prefix...)
	g.b = r.token(g.b, 6)
	g.b = append(g.b, '\n')
	g.kvi(6, "descriptor", descr)
	mt := start
	if size > 0 {
		mt = end
	}
	g.stat(6, "0o100600", size, r.between(10_000_000, 450_000_000), mt, start, mt, userOwner)
}

func (g *fileGen) devNull() {
	g.key(4, "stdin")
	g.b = append(g.b, '\n')
	g.kv(6, "file_name", "/dev/null")
	boot := g.l.start - 86400*37
	g.stat(6, "0o20666", 0, 3075, boot, boot, boot, rootOwner)
}

func (g *fileGen) computeFiles(t *tryRec, cwd string, start, end int64, failed bool) {
	r := &g.r
	i := t.node
	if t.cause == causeNone {
		lfn := g.p.outLFN(i)
		g.key(4, lfn)
		g.b = append(g.b, '\n')
		g.kvq(6, "lfn", lfn)
		g.kv(6, "file_name", cwd+"/"+lfn)
		g.stat(6, "0o100644", g.outputSize(i), r.between(100_000_000, 250_000_000), end, end, end, userOwner)
		g.kv(6, "output", "True")
		g.key(6, "sha256")
		g.b = append(g.b, ' ')
		g.b = append(g.b, g.sha(i)...)
		g.b = append(g.b, '\n')
		g.kvc(6, "checksum_timing", r.between(0, 40))
	}
	g.devNull()
	stdout := g.tryStdout(t)
	g.tempEntry("stdout", cwd, 3, int64(len(stdout)), start, end, r)
	if stdout != "" {
		g.data(6, stdout)
	}
	stderr := taskStderr(g.c, g.p, t)
	g.tempEntry("stderr", cwd, 4, int64(len(stderr)), start, end, r)
	if stderr != "" {
		g.data(6, stderr)
	}
	g.tempEntry("metadata", cwd, 5, 0, start, start, r)
}

// tryStdout is what a compute task printed on stdout in a try.
func (g *fileGen) tryStdout(t *tryRec) string {
	switch t.cause {
	case causeNone, causePostScript:
		return g.taskStdout(t)
	case causeSignal9:
		return g.p.xf[g.p.nodes[t.node].xf].name + ": starting\n"
	}
	return ""
}

func (g *fileGen) taskStdout(t *tryRec) string {
	nd := g.p.nodes[t.node]
	r := newRNG(g.c.Seed, streamNode, uint64(t.node), 3)
	name := g.p.xf[nd.xf].name
	recs := r.between(1000, 900000)
	switch nd.xf {
	case xPreprocess:
		return name + ": read " + strconv.FormatInt(recs, 10) + " records from " + g.p.inLFN(t.node) + "\n" +
			name + ": wrote " + strconv.FormatInt(recs, 10) + " records to " + g.p.outLFN(t.node) + "\n"
	case xMerge:
		return name + ": merged " + strconv.Itoa(len(nd.inputs)) + " inputs into " + g.p.outLFN(t.node) +
			" (" + strconv.FormatInt(g.outputSize(t.node), 10) + " bytes)\n"
	case xFindrange:
		return name + ": range [0." + strconv.FormatInt(r.between(1000, 4999), 10) + ", 0." +
			strconv.FormatInt(r.between(5000, 9999), 10) + "] over " + strconv.FormatInt(recs, 10) + " samples\n"
	case xAnalyze:
		return name + ": " + strconv.FormatInt(r.between(2, 40), 10) + " clusters, silhouette 0." + strconv.FormatInt(r.between(1000, 9999), 10) + "\n"
	case xAlign:
		n := r.between(1000, 90000)
		a := n * r.between(850, 999) / 1000
		return name + ": aligned " + strconv.FormatInt(a, 10) + " of " + strconv.FormatInt(n, 10) + " reads\n"
	default:
		return name + ": mean 0." + strconv.FormatInt(r.between(1000, 9999), 10) + " sd 0." + strconv.FormatInt(r.between(1000, 4999), 10) + "\n"
	}
}

// taskStderr is what the task wrote to stderr in a try; its first line is
// recorded in truth.json for failed tries.
func taskStderr(c *config, p *plan, t *tryRec) string {
	nd := p.nodes[t.node]
	if nd.typ != typeCompute {
		return ""
	}
	name := p.xf[nd.xf].name
	in := ""
	if nd.xf == xPreprocess {
		in = p.inLFN(t.node)
	} else if len(nd.inputs) > 0 {
		in = p.outLFN(nd.inputs[0])
	}
	r := newRNG(c.Seed, streamTry, uint64(t.node), uint64(t.attempt)|5<<40)
	switch t.cause {
	case causeExit1:
		return name + ": error: malformed record at line " + strconv.FormatInt(r.between(2, 90000), 10) + " of " + in + "\n"
	case causeExit2:
		return name + ": invalid option -- '" + string(rune('a'+r.intn(26))) + "'\nTry '" + name + " --help' for more information.\n"
	case causeMissingInput:
		return name + ": cannot open '" + in + "': No such file or directory\n"
	case causePermission:
		return name + ": cannot create '" + p.outLFN(t.node) + "': Permission denied\n"
	case causePostScript:
		return name + ": warning: no records passed the filter, " + p.outLFN(t.node) + " not written\n"
	}
	return ""
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// fullRecord adds what kickstart prints only when the job failed: its own
// notes, the log file, the environment and the resource limits.
func (g *fileGen) fullRecord(t *tryRec, cwd string, starter, end int64) {
	r := &g.r
	g.key(4, "kickstart")
	g.b = append(g.b, '\n')
	g.kvi(6, "error", 2)
	g.kv(6, "note", "ignore error - it is just a warning")
	g.kv(6, "file_name", "pegasus-kickstart")
	g.key(4, "logfile")
	g.b = append(g.b, '\n')
	g.kvi(6, "descriptor_number", 1)
	g.stat(6, "0o100644", 4096, r.between(100_000_000, 250_000_000), end, end-1, end, userOwner)
	g.key(2, "environment")
	g.b = append(g.b, '\n')
	cl := strconv.FormatInt(t.cluster, 10) + ".0"
	nd := g.p.nodes[t.node]
	env := [][2]string{
		{"BATCH_SYSTEM", "HTCondor"},
		{"CONDOR_JOBID", cl},
		{"GOMAXPROCS", "1"},
		{"KICKSTART_INTEGRITY_DATA", cwd + "/ks.integrity." + string(r.token(nil, 6))},
		{"KICKSTART_METADATA", cwd + "/ks.meta." + string(r.token(nil, 6))},
		{"LANG", "en_US.UTF-8"},
		{"OMP_NUM_THREADS", "1"},
		{"PATH", cwd + "/pegasus-" + pegasusVersion + "-x86_64_rhel_8/bin:/usr/local/bin:/usr/bin"},
		{"PEGASUS_DAG_JOB_ID", nd.name},
		{"PEGASUS_MULTIPART_DIR", cwd + "/.pegasus.multipart.d"},
		{"PEGASUS_SITE", execSite},
		{"PEGASUS_WF_LABEL", g.c.Label},
		{"PEGASUS_WF_UUID", g.l.uuid},
		{"PWD", cwd},
		{"SHLVL", "1"},
		{"TEMP", cwd},
		{"TMP", cwd},
		{"TMPDIR", cwd},
		{"_", cwd + "/pegasus-" + pegasusVersion + "-x86_64_rhel_8/bin/pegasus-kickstart"},
		{"_CONDOR_JOB_AD", cwd + "/.job.ad"},
		{"_CONDOR_JOB_IWD", cwd},
		{"_CONDOR_JOB_PIDS", ""},
		{"_CONDOR_MACHINE_AD", cwd + "/.machine.ad"},
		{"_CONDOR_SCRATCH_DIR", cwd},
		{"_CONDOR_SLOT", "slot1_" + strconv.Itoa(int(t.slot)%slotsPerHost+1)},
		{"pegasus_lite_work_dir", cwd},
	}
	for _, e := range env {
		g.b = append(g.b, "    \""...)
		g.b = append(g.b, e[0]...)
		g.b = append(g.b, "\": \""...)
		g.b = append(g.b, e[1]...)
		g.b = append(g.b, "\"\n"...)
	}
	g.b = append(g.b, limitsBlock...)
}

const limitsBlock = `  limits:
    RLIMIT_CPU_soft: unlimited
    RLIMIT_CPU_hard: unlimited
    RLIMIT_FSIZE_soft: unlimited
    RLIMIT_FSIZE_hard: unlimited
    RLIMIT_DATA_soft: unlimited
    RLIMIT_DATA_hard: unlimited
    RLIMIT_STACK_soft: unlimited
    RLIMIT_STACK_hard: unlimited
    RLIMIT_CORE_soft: 0
    RLIMIT_CORE_hard: 0
    RESOURCE_5_soft: unlimited
    RESOURCE_5_hard: unlimited
    RLIMIT_NPROC_soft: 256324
    RLIMIT_NPROC_hard: 256324
    RLIMIT_NOFILE_soft: 1024
    RLIMIT_NOFILE_hard: 262144
    RLIMIT_MEMLOCK_soft: 65536
    RLIMIT_MEMLOCK_hard: 65536
    RLIMIT_AS_soft: unlimited
    RLIMIT_AS_hard: unlimited
    RLIMIT_LOCKS_soft: unlimited
    RLIMIT_LOCKS_hard: unlimited
    RLIMIT_SIGPENDING_soft: 256324
    RLIMIT_SIGPENDING_hard: 256324
    RLIMIT_MSGQUEUE_soft: 819200
    RLIMIT_MSGQUEUE_hard: 819200
    RLIMIT_NICE_soft: 0
    RLIMIT_NICE_hard: 0
    RLIMIT_RTPRIO_soft: 0
    RLIMIT_RTPRIO_hard: 0
    RESOURCE_15_soft: unlimited
    RESOURCE_15_hard: unlimited
`
