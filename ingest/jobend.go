package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

// parserPool reuses kickstart parsers (and their buffers) across jobs.
var parserPool = sync.Pool{New: func() any { return ksrecord.NewParser() }}

// bufPool holds the buffers submit and job files are read into.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// MaxOutputLength bounds the job stdout/stderr text stored per instance
// (Pegasus's MAX_OUTPUT_LENGTH).
const MaxOutputLength = 65535

// maxFileText bounds the .err (and non-kickstart .out) text read per instance.
const maxFileText = MaxOutputLength - 2000

// jobEnd is a snapshot of everything needed to turn a finished job instance's
// files into events. It is built by the tracker and evaluated by a worker, so
// it must not share mutable state with the tracker.
type jobEnd struct {
	wf          string
	dir         string // workflow submit dir on disk
	origDir     string
	origClean   string // filepath.Clean(origDir)
	dirJoinable bool   // joinableDir(dir)
	user        string // submitting user (braindump)
	submitHost  string
	node        string
	kind        string // JOB, SUBDAG, TASK, FINAL
	seq         int
	sched       string
	site        string
	sub         *submitInfo
	outNum      int
	hasPost     bool
	ts          float64
	js          int
	mainStart   float64
	hasMainStrt bool
	mainEnd     float64
	hasMainEnd  bool
	mainExit    int
	preFailure  bool
	preLogBase  string
	skipText    bool
	noInvStart  bool // Options.NoInvStart

	warn func(Warning)
	src  Pos // the log line that ended the job
}

func (w *workflow) snapshot(inst *instance, ts float64, js int, failedEarly bool) *jobEnd {
	j := &jobEnd{
		wf: w.uuid, dir: w.dir, origDir: w.origDir, origClean: w.origClean, dirJoinable: w.dirJoinable,
		node: inst.node, kind: inst.ni.kind(),
		seq: inst.seq, sched: inst.sched, site: inst.site, sub: inst.sub, outNum: inst.outNum,
		hasPost: inst.ni.hasPost(), ts: ts, js: js,
		mainStart: inst.mainStart, hasMainStrt: inst.hasMainStart, mainEnd: inst.mainEnd, hasMainEnd: inst.hasMainEnd,
		mainExit: inst.mainExit, skipText: w.m.opts.SkipStdout, noInvStart: w.m.opts.NoInvStart, warn: w.m.warn,
		src: Pos{File: w.outPath, Line: w.lineNo},
	}
	if w.bd != nil {
		j.user = w.bd.Get("user")
		j.submitHost = w.bd.Get("submit_hostname")
	}
	if inst.state == stPreFailure {
		j.preFailure = true
		if dn := inst.ni.dn; dn != nil && dn.Pre != nil {
			j.preLogBase = preLogBase(dn.Pre.Args)
		}
	}
	return j
}

// preLogBase finds the -Dpegasus.log.*=<path> argument of a PRE script.
func preLogBase(args string) string {
	for _, f := range strings.Fields(args) {
		if strings.HasPrefix(f, "-Dpegasus.log.") {
			if _, v, ok := strings.Cut(f, "="); ok {
				return v
			}
		}
	}
	return ""
}

// outputPaths returns the job's stdout/stderr paths: on disk and as reported
// (relative to the submit dir), with the try suffix when the node rotates them.
func (j *jobEnd) outputPaths() (outAbs, outRel, errAbs, errRel string) {
	suf := ""
	if j.hasPost {
		suf = rotationSuffix(max(j.outNum, 0))
	}
	resolve := func(p, ext string) (string, string) {
		if p == "" {
			// Beside the submit file is where Pegasus writes them.
			p = j.node + ext
		}
		if j.origDir != "" && j.dirJoinable {
			if rel, ok := relUnder(p, j.origClean); ok {
				// The usual form: one string for the path on disk, rel a view of it.
				abs := j.dir + string(filepath.Separator) + rel + suf
				return abs, abs[len(j.dir)+1:]
			}
		}
		abs, rel := rebaseWith(j.dir, j.origDir, p, j.sub.initialDir)
		if suf == "" {
			return abs, rel
		}
		abs += suf
		if strings.HasSuffix(abs[:len(abs)-len(suf)], rel) {
			// rel is the tail of abs (the usual case): share its bytes.
			return abs, abs[len(abs)-len(suf)-len(rel):]
		}
		return abs, rel + suf
	}
	outAbs, outRel = resolve(j.sub.output, ".out")
	errAbs, errRel = resolve(j.sub.errorf, ".err")
	return
}

// rotationSuffix returns ".NNN", the suffix of the n-th try's output files.
func rotationSuffix(n int) string {
	if n >= 0 && n < len(rotationSuffixes) {
		return rotationSuffixes[n]
	}
	if n >= 0 && n < 1000 {
		return string([]byte{'.', byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
	}
	return fmt.Sprintf(".%03d", n)
}

// rebaseWith maps a path written in a submit file onto the directory on disk.
func rebaseWith(dir, origDir, p, initialDir string) (abs, rel string) {
	clean := filepath.Clean(p)
	if origDir != "" {
		od := filepath.Clean(origDir)
		if underDir(clean, od) {
			rel = clean[len(od)+1:]
			return filepath.Join(dir, rel), rel
		}
	}
	if !filepath.IsAbs(clean) {
		base := dir
		if initialDir != "" {
			ib, _ := rebaseWith(dir, origDir, initialDir, "")
			if filepath.IsAbs(initialDir) || ib != "" {
				base = ib
			}
		}
		abs = filepath.Join(base, clean)
		if r, err := filepath.Rel(dir, abs); err == nil && !strings.HasPrefix(r, "..") {
			return abs, r
		}
		return abs, abs
	}
	if underDir(clean, dir) {
		return clean, clean[len(dir)+1:]
	}
	return clean, clean
}

// rotationSuffixes are the first tries' suffixes, made once.
var rotationSuffixes = func() (s [100]string) {
	for n := range s {
		s[n] = string([]byte{'.', '0', byte('0' + n/10), byte('0' + n%10)})
	}
	return s
}()

// relUnder returns the part of p below dir when p is dir, one or more
// slashes, then a clean relative path that stays below it (no "." or ".."
// element, no doubled or trailing slash): path.Clean(p) is then dir + "/" +
// that part. It is the usual form of the paths Pegasus writes into submit
// files ("/submit/dir//00/00/job.out"), answered without building the
// cleaned path. dir must be clean and not the root.
func relUnder(p, dir string) (string, bool) {
	if len(dir) < 2 || len(p) <= len(dir)+1 || p[len(dir)] != '/' || p[:len(dir)] != dir {
		return "", false
	}
	rest := strings.TrimLeft(p[len(dir):], "/")
	if rest == "" || rest == "." || rest == ".." || strings.HasPrefix(rest, "../") || path.Clean(rest) != rest {
		return "", false
	}
	return rest, true
}

// joinableDir reports whether joining dir and a clean relative path below it
// is their concatenation with a slash: dir is clean, and neither "." nor
// the root.
func joinableDir(dir string) bool {
	return dir != "" && dir != "." && dir != "/" && filepath.Clean(dir) == dir
}

// underDir reports whether p starts with dir followed by a separator
// (strings.HasPrefix(p, dir+"/") without building the prefix).
func underDir(p, dir string) bool {
	return len(p) > len(dir) && p[len(dir)] == filepath.Separator && p[:len(dir)] == dir
}

// events turns the instance's files into its end events.
func (j *jobEnd) events(alloc *eventAlloc) []*Event {
	var evs []*Event
	// ev appends an event of the instance to evs and returns it for the
	// caller to fill in: written in place, not copied (an Event is ~430
	// bytes, and a job end makes about ten).
	ev := func(kind Kind, ts float64) *Event {
		p := alloc.new()
		p.Kind, p.TS, p.Wf, p.Src = kind, ts, j.wf, j.src
		p.Job, p.Inst, p.Sched = j.node, j.seq, j.sched
		evs = append(evs, p)
		return p
	}
	outAbs, outRel, errAbs, errRel := j.outputPaths()
	end := &JobEnd{Multiplier: j.sub.cores, StdinFile: j.sub.input}
	if end.Multiplier < 1 {
		end.Multiplier = 1
	}
	end.User, end.HasUser = j.user, j.user != ""
	end.WorkDir, end.HasWorkDir = j.origDir, j.origDir != ""
	if j.hasMainStrt && j.hasMainEnd {
		end.LocalDuration, end.HasLocalDuration = j.mainEnd-j.mainStart, true
	}
	site := j.site
	mainExit := j.mainExit

	var ks *ksrecord.File
	noop := strings.HasPrefix(j.node, "noop_")
	if j.preFailure {
		// The PRE script (sub-workflow planning) failed: its log is the output.
		if j.preLogBase != "" {
			n := j.outNum
			if n < 0 {
				n = 0
			}
			logPath := fmt.Sprintf("%s.%03d", j.preLogBase, n)
			abs, rel := rebaseWith(j.dir, j.origDir, logPath, "")
			end.StdoutFile = rel
			if !j.skipText {
				if txt, ok := readText(abs, maxFileText); ok {
					end.StdoutText, end.HasStdoutText = Quote(txt), true
				}
			}
		}
	} else if !noop {
		end.StdoutFile, end.StderrFile = outRel, errRel
		kp := parserPool.Get().(*ksrecord.Parser)
		f, err := kp.ParseFile(outAbs)
		parserPool.Put(kp)
		switch {
		case err == nil:
			ks = f
		case errors.Is(err, fs.ErrNotExist):
		default:
			j.warn(Warning{Text: "KICKSTART-PARSE-ERROR --> " + err.Error()})
		}
	}

	var records []ksrecord.Record
	if ks != nil {
		records = ks.Records
	}
	var monitoring []monitoringEvent
	hostname, ip := "", ""
	var host *Host
	if len(records) > 0 {
		textBuf := bufPool.Get().(*[]byte)
		stdoutText := (*textBuf)[:0] // built here, copied once into the event
		if records[0].Resource != "" {
			site = records[0].Resource
		}
		size := 0
		for k := range records {
			r := &records[k]
			if r.User != "" {
				end.User, end.HasUser = r.User, true
			}
			if r.Cwd != "" {
				end.WorkDir, end.HasWorkDir = r.Cwd, true
			}
			if hostname == "" && r.Hostname != "" {
				hostname, ip = r.Hostname, r.Hostaddr
				host = &Host{Site: site, Hostname: r.Hostname, IP: r.Hostaddr}
				if r.HasUname {
					host.Uname, host.HasUname = r.System+"-"+r.Release+"-"+r.Machine, true
				}
				if ks.Format == "xml" && r.HasRAMTotal {
					host.TotalMemory, host.HasMemory = r.RAMTotal, true
				}
			}
			if j.skipText {
				continue
			}
			task := k + 1
			if r.HasStdout {
				data, mon := splitMonitoring(r.Stdout)
				monitoring = append(monitoring, mon...)
				if s, ok := snippet(data, size); ok {
					stdoutText = appendTaskText(stdoutText, task, " stdout\n", s)
					size += len(s) + 20
				}
			}
			if r.HasStderr {
				data, mon := splitMonitoring(r.Stderr)
				monitoring = append(monitoring, mon...)
				prefix := " "
				if r.Signalled && ks.Format == "xml" {
					prefix = "Job was "
					if r.SignalName != "" {
						prefix += r.SignalName
					}
					prefix += " with signal " + strconv.Itoa(r.Signal)
				}
				if s, ok := snippet(prefix+data, size); ok {
					stdoutText = appendTaskText(stdoutText, task, " stderr\n", s)
					size += len(s) + 20
				}
			}
		}
		if !j.skipText {
			end.StdoutText, end.HasStdoutText = string(stdoutText), true
		}
		if cap(stdoutText) <= 1<<20 {
			*textBuf = stdoutText[:0]
			bufPool.Put(textBuf)
		}
	} else if !j.preFailure && !noop && !j.skipText {
		// No kickstart record: the .out file itself is the job's stdout.
		if txt, ok := readText(outAbs, maxFileText); ok {
			data, mon := splitMonitoring(txt)
			monitoring = append(monitoring, mon...)
			if data != "" {
				end.StdoutText, end.HasStdoutText = Quote("#@ 1 stdout\n"+data), true
			} else {
				end.StdoutText, end.HasStdoutText = "", true
			}
		}
	}

	// The job's stderr file: stored as stderr_text; PegasusLite lines in it
	// override the exit code and the execution host.
	if !j.preFailure && !noop {
		bp := bufPool.Get().(*[]byte)
		raw, err := readFileInto(errAbs, *bp, maxFileText)
		if err == nil {
			// txt is a view of the pooled buffer: what is kept is copied.
			txt := view(raw)
			data, mon := splitMonitoring(txt)
			monitoring = append(monitoring, mon...)
			if !j.skipText {
				end.StderrText, end.HasStderrText = quoteCopy(data), true
			}
			if code, ok := pegasusLiteExit(data); ok {
				mainExit = code << 8
			}
			if h, a, ok := pegasusLiteHost(data); ok {
				h, a = clonePair(h, a)
				hostname, ip = h, a
				if host == nil {
					host = &Host{Site: site}
				}
				host.Hostname, host.IP = h, a
			}
		}
		*bp = raw[:0]
		bufPool.Put(bp)
	}
	_ = ip

	evs = make([]*Event, 0, endEventCount(records))
	if host != nil {
		if host.Hostname == "" {
			host.Hostname = "unknown"
		}
		if host.IP == "" {
			host.IP = "unknown"
		}
		host.Site = site
		if host.Site == "" {
			host.Site = "unknown"
		}
		ev(HostInfo, j.ts).Host = host
	} else if len(records) == 0 && (strings.HasPrefix(j.node, "subdax_") || j.kind == "SUBDAG") && j.submitHost != "" {
		ev(HostInfo, j.ts).Host = &Host{Site: "local", Hostname: j.submitHost, IP: lookupIP(j.submitHost)}
	}

	// Invocations.
	if len(records) > 0 {
		for k := range records {
			r := &records[k]
			inv := &InvocationEnd{TaskSeq: k + 1}
			switch {
			case r.HasStart:
				inv.StartTime = math.Trunc(r.Start)
			case j.hasMainStrt:
				inv.StartTime = j.mainStart
			case j.hasMainEnd:
				inv.StartTime = j.mainEnd
			default:
				inv.StartTime = j.ts
			}
			inv.Duration = r.Duration
			if r.HasUsage {
				inv.CPUTime, inv.HasCPUTime = r.Utime+r.Stime, true
				if inv.Duration > 0 {
					inv.AvgCPU, inv.HasAvgCPU = inv.CPUTime/inv.Duration, true
				}
			}
			if r.HasMaxRSS {
				inv.MaxRSS, inv.HasMaxRSS = r.MaxRSS, true
			}
			exit := mainExit
			if r.HasRaw {
				exit = r.Raw
			}
			inv.Transformation = r.Transformation
			if inv.Transformation == "" {
				inv.Transformation = j.sub.xformation
			}
			inv.Executable = r.Executable
			if inv.Executable == "" {
				inv.Executable = j.sub.executable
			}
			if ks.Format == "xml" && r.HasArgv {
				inv.Argv, inv.HasArgv = strings.Join(r.Argv, " "), true
			} else if j.sub.hasArgs {
				inv.Argv, inv.HasArgv = j.sub.argsRaw, true
			}
			if r.HasDerivation && r.Derivation != "" && r.Derivation != "null" {
				inv.TaskID, inv.HasTaskID = r.Derivation, true
			} else if j.sub.hasDaxJobID {
				inv.TaskID, inv.HasTaskID = j.sub.daxJobID, true
			}
			if !j.noInvStart {
				ev(InvStart, inv.StartTime).Inv = inv
			}
			e := ev(InvEnd, inv.StartTime+inv.Duration)
			e.ExitCode, e.HasExit, e.Inv, e.End = exit, true, inv, end
		}
	} else if !noop {
		inv := &InvocationEnd{TaskSeq: 1}
		inv.Transformation = j.sub.xformation
		if inv.Transformation == "" && j.kind == "SUBDAG" {
			inv.Transformation = "condor::dagman"
		}
		switch {
		case j.hasMainStrt:
			inv.StartTime = j.mainStart
		case j.hasMainEnd:
			inv.StartTime = j.mainEnd
		default:
			inv.StartTime = j.ts
		}
		if j.hasMainStrt && j.hasMainEnd {
			inv.Duration = j.mainEnd - j.mainStart
		}
		inv.Executable = j.sub.executable
		if inv.Executable == "" && j.kind == "SUBDAG" {
			inv.Executable = "condor_dagman"
		}
		if j.sub.hasArgs {
			inv.Argv, inv.HasArgv = j.sub.argsRaw, true
		}
		if j.sub.hasDaxJobID {
			inv.TaskID, inv.HasTaskID = j.sub.daxJobID, true
		}
		if !j.noInvStart {
			ev(InvStart, inv.StartTime).Inv = inv
		}
		e := ev(InvEnd, inv.StartTime+inv.Duration)
		e.ExitCode, e.HasExit, e.Inv, e.End = mainExit, true, inv, end
	}

	// Integrity metrics: checksums computed for the outputs of the tasks,
	// then those reported by pegasus-transfer / multipart blocks.
	compute := IntegrityMetric{Type: "compute", FileType: "output"}
	for k := range records {
		for _, o := range records[k].Outputs {
			if o.ChecksumValue == "" && o.ChecksumTiming == "" {
				continue
			}
			compute.Count++
			if t, err := strconv.ParseFloat(o.ChecksumTiming, 64); err == nil {
				compute.Duration += t
			}
		}
	}
	metrics := []IntegrityMetric{}
	if compute.Count > 0 {
		metrics = append(metrics, compute)
	}
	intErrors := 0
	for _, m := range monitoring {
		if m.event != "int.metric" {
			continue
		}
		for _, item := range m.payload {
			im := IntegrityMetric{Type: item.str("event"), FileType: item.str("file_type")}
			succeeded, failed := item.num("succeeded"), item.num("failed")
			if c, ok := item.numOK("count"); ok {
				im.Count = int(c)
			} else {
				im.Count = int(succeeded + failed)
			}
			im.Duration = item.num("duration")
			intErrors += int(failed)
			metrics = addMetric(metrics, im)
		}
	}
	if ks != nil {
		for _, mp := range ks.Multipart {
			if mp.IntegritySummary != nil {
				s := mp.IntegritySummary
				metrics = addMetric(metrics, IntegrityMetric{Type: "check", FileType: "input", Count: s.Succeeded + s.Failed, Duration: s.Duration})
				intErrors += s.Failed
			}
		}
	}
	for i := range metrics {
		m := metrics[i]
		if m.Type == "" || m.FileType == "" {
			continue
		}
		ev(IntMetric, j.ts).Metric = &m
	}
	if intErrors > 0 {
		e := ev(Tag, j.ts)
		e.Name, e.Count = "int.error", intErrors
	}

	// Output file metadata.
	// One event per file; the pairs after the first in one block.
	var more []KV
	for k := range records {
		for _, o := range records[k].Outputs {
			var e *Event
			start := len(more)
			for _, kv := range outputMeta(&o) {
				switch {
				case kv.Value == "":
				case e == nil:
					e = ev(RCMeta, j.ts)
					e.LFN, e.Key, e.Value = o.LFN, kv.Key, kv.Value
				default:
					if more == nil {
						more = make([]KV, 0, 5*totalOutputs(records)) // never grown
					}
					more = append(more, kv)
				}
			}
			if len(more) > start {
				e.Pairs = more[start:len(more):len(more)]
			}
		}
	}
	// Registration jobs register their outputs once they succeed.
	if strings.HasPrefix(j.node, "register_") && mainExit == 0 {
		for _, r := range j.registrations() {
			e := ev(RCPFN, j.ts)
			e.LFN, e.PFN, e.Site = r.lfn, r.pfn, r.site
		}
	}
	for _, m := range monitoring {
		if m.event == "int.metric" || m.event == "metadata" {
			continue
		}
		for _, item := range m.payload {
			e := ev(TaskMonitoring, j.ts)
			e.Pairs = append([]KV{{"monitoring_event", m.event}}, item.kvs...)
			if m.ts > 0 {
				e.TS = m.ts
			}
		}
	}

	// main.end
	e := ev(MainEnd, j.ts)
	e.JS, e.ExitCode, e.HasExit, e.HasStatus, e.End, e.Last = j.js, mainExit, true, true, end, !j.hasPost
	if mainExit != 0 {
		e.Status = -1
	}
	e.Site, e.HasSite = site, true
	if ks != nil && ks.Cluster != nil {
		if ks.Cluster.HasStart {
			end.ClusterStart = math.Trunc(ks.Cluster.Start)
		}
		end.ClusterDuration, end.HasCluster = ks.Cluster.Duration, true
	}
	return evs
}

// endEventCount returns the number of events a job end usually makes from
// its records: host, main.end, the invocations, the output files' metadata
// and their checksum metric (monitoring payloads and registrations come on
// top).
func endEventCount(records []ksrecord.Record) int {
	n := 2 + 2*max(1, len(records))
	checksums := false
	for k := range records {
		for _, o := range records[k].Outputs {
			for _, kv := range outputMeta(&o) {
				if kv.Value != "" {
					n++ // the file's rc.meta event
					break
				}
			}
			checksums = checksums || o.ChecksumValue != "" || o.ChecksumTiming != ""
		}
	}
	if checksums {
		n++
	}
	return n
}

// outputMeta returns an output file's rc.meta pairs, in Pegasus's order
// (those with an empty value are not stored).
func outputMeta(o *ksrecord.OutputFile) [6]KV {
	return [...]KV{{"user", o.User}, {"size", o.Size}, {"ctime", o.Ctime},
		{"checksum.type", o.ChecksumType}, {"checksum.value", o.ChecksumValue}, {"checksum.timing", o.ChecksumTiming}}
}

// totalOutputs returns the number of output files of records.
func totalOutputs(records []ksrecord.Record) int {
	n := 0
	for k := range records {
		n += len(records[k].Outputs)
	}
	return n
}

func addMetric(ms []IntegrityMetric, m IntegrityMetric) []IntegrityMetric {
	for i := range ms {
		if ms[i].Type == m.Type && ms[i].FileType == m.FileType {
			ms[i].Count += m.Count
			ms[i].Duration += m.Duration
			return ms
		}
	}
	return append(ms, m)
}

// snippet returns the part of a task's output that still fits in the job's
// text (Pegasus's get_snippet_to_populate): all of it when it fits, else its
// tail, else nothing. used is the size of the text so far.
func snippet(s string, used int) (string, bool) {
	if used+len(s)+20 < MaxOutputLength {
		return s, true
	}
	remaining := MaxOutputLength - used - 20
	if remaining <= 0 {
		return "", false
	}
	return s[len(s)-remaining:], true
}

type registration struct{ lfn, pfn, site string }

// registrations reads the <job>.in file of a registration job.
func (j *jobEnd) registrations() []registration {
	in := j.sub.input
	var p string
	if in != "" {
		p, _ = rebaseWith(j.dir, j.origDir, in, "")
	} else {
		// Beside the submit file.
		p = ""
		if j.sub.output != "" {
			abs, _ := rebaseWith(j.dir, j.origDir, j.sub.output, j.sub.initialDir)
			p = filepath.Join(filepath.Dir(abs), j.node+".in")
		}
	}
	if p == "" {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []registration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		toks := splitReplicaLine(line)
		if len(toks) < 2 {
			continue
		}
		r := registration{lfn: toks[0], pfn: toks[1]}
		for _, t := range toks[2:] {
			if k, v, ok := strings.Cut(t, "="); ok && k == "site" {
				r.site = v
			}
		}
		out = append(out, r)
	}
	return out
}

// splitReplicaLine splits a replica-catalog line into tokens, honouring
// double quotes (with backslash escapes) in LFN, PFN and attribute values.
func splitReplicaLine(line string) []string {
	var out []string
	var b strings.Builder
	in, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\\' && i+1 < len(line):
			b.WriteByte(line[i+1])
			i++
		case c == '"':
			quoted = !quoted
			in = true
		case !quoted && (c == ' ' || c == '\t'):
			if in {
				out = append(out, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, b.String())
	}
	return out
}

// readText reads up to max bytes of a file.
func readText(p string, max int) (string, bool) {
	bp := bufPool.Get().(*[]byte)
	b, err := readFileInto(p, *bp, max)
	s := string(b)
	*bp = b[:0]
	bufPool.Put(bp)
	return s, err == nil
}

const (
	liteExit = "PegasusLite: exitcode "
	liteHost = "Executing on host "
)

// pegasusLiteExit finds "PegasusLite: exitcode N" in a job's stderr.
func pegasusLiteExit(s string) (int, bool) {
	i := strings.LastIndex(s, liteExit)
	if i < 0 {
		return 0, false
	}
	rest := s[i+len(liteExit):]
	k := 0
	for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
		k++
	}
	n, err := strconv.Atoi(rest[:k])
	if err != nil {
		return 0, false
	}
	return n, true
}

// pegasusLiteHost finds "Executing on host <name> IP=<ip>" in a job's
// stderr. The results are substrings of s.
func pegasusLiteHost(s string) (string, string, bool) {
	i := strings.Index(s, liteHost)
	if i < 0 {
		return "", "", false
	}
	rest := s[i+len(liteHost):]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	h, ip, first := "", "", true
	for x := range strings.FieldsSeq(rest) {
		if first {
			h, first = x, false
			continue
		}
		x = strings.Trim(x, "[]")
		if strings.HasPrefix(x, "IP=") {
			ip = x[3:]
		}
	}
	return h, ip, !first
}

// clonePair copies a and b out of a buffer about to be reused, in one
// allocation. (a + b alone is no copy when one of them is empty.)
func clonePair(a, b string) (string, string) {
	if a == "" || b == "" {
		return strings.Clone(a), strings.Clone(b)
	}
	ab := a + b
	return ab[:len(a)], ab[len(a):]
}

// Quote URL-quotes text as monitord stores it (FORMATS.md §5.6): bytes below
// 0x20 or from 0x7F up become %XX, and so do '%', '\” and '"'.
func Quote(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsQuote(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	return quoteN(s, n)
}

// quoteCopy is Quote, but always returns a new string (never s itself).
func quoteCopy(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsQuote(s[i]) {
			n++
		}
	}
	if n == 0 {
		return strings.Clone(s)
	}
	return quoteN(s, n)
}

// quoteN quotes s, which has n > 0 bytes to quote, in one allocation.
func quoteN(s string, n int) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, len(s)+2*n)
	j, from := 0, 0 // from: start of the run of plain bytes not copied yet
	for i := 0; i < len(s); i++ {
		if c := s[i]; quoted[c] {
			j += copy(b[j:], s[from:i])
			b[j], b[j+1], b[j+2] = '%', hex[c>>4], hex[c&15]
			j += 3
			from = i + 1
		}
	}
	copy(b[j:], s[from:])
	return view(b) // b is not used again
}

func needsQuote(c byte) bool { return quoted[c] }

// quoted marks the bytes Quote escapes.
var quoted = func() (t [256]bool) {
	for c := range t {
		t[c] = c < 0x20 || c >= 0x7F || c == '%' || c == '\'' || c == '"'
	}
	return t
}()

// appendTaskText appends one task's output to a job's stdout text, quoted:
// "#@ <task> stdout|stderr\n", the text and a line break.
func appendTaskText(dst []byte, task int, head, text string) []byte {
	dst = append(dst, "#@ "...)
	dst = strconv.AppendInt(dst, int64(task), 10)
	dst = appendQuote(dst, head)
	dst = appendQuote(dst, text)
	return append(dst, "%0A"...)
}

// appendQuote appends s, quoted as Quote does, to dst.
func appendQuote(dst []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	from := 0 // start of the run of plain bytes not appended yet
	for i := 0; i < len(s); i++ {
		if c := s[i]; quoted[c] {
			dst = append(dst, s[from:i]...)
			dst = append(dst, '%', hex[c>>4], hex[c&15])
			from = i + 1
		}
	}
	return append(dst, s[from:]...)
}

// Unquote reverses Quote.
func UnquoteText(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

const (
	payloadStart = "@@@MONITORING_PAYLOAD - START@@@"
	payloadEnd   = "@@@MONITORING_PAYLOAD - END@@@"
)

type monitoringEvent struct {
	event   string
	ts      float64
	payload []payloadItem
}

type payloadItem struct{ kvs []KV }

func (p payloadItem) str(k string) string {
	for _, kv := range p.kvs {
		if kv.Key == k {
			return kv.Value
		}
	}
	return ""
}

func (p payloadItem) numOK(k string) (float64, bool) {
	for _, kv := range p.kvs {
		if kv.Key == k {
			f, err := strconv.ParseFloat(kv.Value, 64)
			return f, err == nil
		}
	}
	return 0, false
}

func (p payloadItem) num(k string) float64 { f, _ := p.numOK(k); return f }

// splitMonitoring removes monitoring payload segments from task output and
// returns the remaining text and the parsed payloads.
func splitMonitoring(s string) (string, []monitoringEvent) {
	if !strings.Contains(s, payloadStart) {
		return s, nil
	}
	var out strings.Builder
	var evs []monitoringEvent
	for {
		i := strings.Index(s, payloadStart)
		if i < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:i])
		rest := s[i+len(payloadStart):]
		j := strings.Index(rest, payloadEnd)
		if j < 0 {
			out.WriteString(s[i:])
			break
		}
		if ev, ok := parsePayload(rest[:j]); ok {
			evs = append(evs, ev)
		}
		s = rest[j+len(payloadEnd):]
	}
	return out.String(), evs
}

func parsePayload(js string) (monitoringEvent, bool) {
	var doc struct {
		Event   string            `json:"monitoring_event"`
		TS      json.Number       `json:"ts"`
		Payload []json.RawMessage `json:"payload"`
	}
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return monitoringEvent{}, false
	}
	ev := monitoringEvent{event: doc.Event}
	if f, err := doc.TS.Float64(); err == nil {
		ev.ts = f
	}
	for _, raw := range doc.Payload {
		kvs, err := orderedObject(raw)
		if err != nil {
			continue
		}
		ev.payload = append(ev.payload, payloadItem{kvs: kvs})
	}
	return ev, true
}
