package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// BPRecord is one NetLogger BP line: its attributes in order.
type BPRecord struct {
	Line  int
	Attrs []KV
}

// Get returns the value of attribute key.
func (r *BPRecord) Get(key string) (string, bool) {
	for _, kv := range r.Attrs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Event returns the record's event name.
func (r *BPRecord) Event() string { v, _ := r.Get("event"); return v }

// BPScanner reads NetLogger BP lines (FORMATS.md §3.1). Blank lines and "#"
// comments are skipped; a line that is not name=value pairs, or lacks ts or
// event, is an error. A final line without its newline is read if it is
// complete, so a file being written can be read up to its last full record.
//
// The attributes' strings are views of the blocks the input is read into,
// which are never written again: they stay valid after the next record, and
// a file's lines cost one allocation per block instead of one each.
type BPScanner struct {
	r    io.Reader
	name string
	line int
	rec  BPRecord
	err  error

	buf      []byte // the current block: buf[pos:end] is read and not consumed
	pos, end int
	eof      error // the error that ended the input (io.EOF at its end)
}

// bpBlock is the size of the blocks a BPScanner reads into.
const bpBlock = 1 << 20

// NewBPScanner returns a scanner reading from r; name is used in errors.
func NewBPScanner(r io.Reader, name string) *BPScanner {
	return &BPScanner{r: r, name: name}
}

// readLine returns the next line with its newline (without one at the end
// of the input), and the input's error once no line is left.
func (s *BPScanner) readLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			line := s.buf[s.pos : s.pos+i+1]
			s.pos += i + 1
			return line, nil
		}
		if s.eof != nil {
			line := s.buf[s.pos:s.end]
			s.pos = s.end
			if len(line) > 0 && s.eof == io.EOF {
				return line, nil
			}
			return nil, s.eof
		}
		if s.end == len(s.buf) {
			// A new block, with the partial line: the old one stays as
			// it is for the strings that view it.
			rest := s.end - s.pos
			nb := make([]byte, max(bpBlock, 2*rest))
			s.end = copy(nb, s.buf[s.pos:s.end])
			s.buf, s.pos = nb, 0
		}
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = err
		} else if n == 0 {
			s.eof = io.ErrNoProgress
		}
	}
}

// Next advances to the next record. It returns false at the end or on the
// first error.
func (s *BPScanner) Next() bool {
	if s.err != nil {
		return false
	}
	for {
		raw, err := s.readLine()
		if err != nil {
			if err != io.EOF {
				s.err = &ParseError{File: s.name, Line: s.line + 1, Err: err}
			}
			return false
		}
		s.line++
		line := bytes.TrimSpace(raw)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		attrs, perr := parseBP(view(line), s.rec.Attrs[:0])
		if perr == nil {
			if _, ok := find(attrs, "event"); !ok {
				perr = fmt.Errorf("%w: no event attribute", ErrSyntax)
			} else if _, ok := find(attrs, "ts"); !ok {
				perr = fmt.Errorf("%w: no ts attribute", ErrSyntax)
			}
		}
		if perr != nil {
			if !bytes.HasSuffix(raw, []byte("\n")) {
				// An incomplete last line of a file still being written.
				s.err = &ParseError{File: s.name, Line: s.line, Err: fmt.Errorf("%w: %v", ErrTruncated, perr)}
				return false
			}
			s.err = &ParseError{File: s.name, Line: s.line, Err: perr}
			return false
		}
		s.rec = BPRecord{Line: s.line, Attrs: attrs}
		return true
	}
}

// Record returns the current record, valid until the next call to Next.
func (s *BPScanner) Record() *BPRecord { return &s.rec }

// Err returns the first error; nil at a clean end of input.
func (s *BPScanner) Err() error { return s.err }

func find(attrs []KV, key string) (string, bool) {
	for _, kv := range attrs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ParseBPLine splits one BP line into its attributes.
func ParseBPLine(line []byte) ([]KV, error) {
	return parseBP(string(line), make([]KV, 0, 12))
}

// bpNameChar marks the bytes of a BP attribute name.
var bpNameChar = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '-'
	}
	return t
}()

// parseBP splits a BP line into attrs (appended to dst). Keys and values
// are substrings of line: one string per line, not one per attribute.
func parseBP(line string, dst []KV) ([]KV, error) {
	attrs := dst
	i := 0
	n := len(line)
	for {
		for i < n && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= n {
			return attrs, nil
		}
		st := i
		for i < n && line[i] != '=' {
			if c := line[i]; !bpNameChar[c] {
				return nil, fmt.Errorf("%w: bad character %q in attribute name", ErrSyntax, c)
			}
			i++
		}
		if i >= n || i == st {
			return nil, fmt.Errorf("%w: expected name=value at %q", ErrSyntax, truncate(line[st:], 40))
		}
		key := line[st:i]
		i++ // '='
		if i < n && line[i] == '"' {
			i++
			vs := i
			escaped := false
			closed := false
			for i < n {
				q := strings.IndexByte(line[i:], '"')
				if q < 0 {
					i = n
					break
				}
				i += q
				// A backslash right before a quote escapes it (whatever
				// precedes the backslash: only quotes are escaped).
				if i > vs && line[i-1] == '\\' {
					escaped = true
					i++
					continue
				}
				closed = true
				break
			}
			if !closed {
				return nil, fmt.Errorf("%w: unterminated quoted value of %s", ErrSyntax, key)
			}
			v := line[vs:i]
			if escaped {
				v = strings.ReplaceAll(v, `\"`, `"`)
			}
			i++ // closing quote
			attrs = append(attrs, KV{key, v})
			continue
		}
		st = i
		for i < n && line[i] != ' ' && line[i] != '\t' {
			if line[i] == '"' {
				return nil, fmt.Errorf("%w: stray quote in value of %s", ErrSyntax, key)
			}
			i++
		}
		if i == st {
			return nil, fmt.Errorf("%w: empty value of %s", ErrSyntax, key)
		}
		attrs = append(attrs, KV{key, line[st:i]})
	}
}

// ParseBPTime reads a BP ts value: ISO 8601 (with Z or an offset) or a bare
// epoch number.
func ParseBPTime(v string) (float64, bool) {
	if len(v) > 4 && v[4] == '-' {
		// ISO 8601 (the usual form): no failed number parse, whose error
		// allocates.
		return ParseISOTime(v)
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f, true
	}
	return ParseISOTime(v)
}

// StaticEvent converts a record of a <label>-<index>.static.bp file into an
// event. Unknown event names give (nil, nil): they are skipped.
func StaticEvent(rec *BPRecord, name string) (*Event, error) {
	e := new(Event)
	ok, err := staticEvent(e, rec, name)
	if !ok || err != nil {
		return nil, err
	}
	return e, nil
}

// staticEvent is StaticEvent filling e, a zero Event (only the fields set
// are written); it reports false for a record to skip.
func staticEvent(e *Event, rec *BPRecord, name string) (bool, error) {
	ev := rec.Event()
	k := KindOf(ev)
	e.Kind, e.Src = k, Pos{File: name, Line: rec.Line}
	e.Wf, _ = rec.Get("xwf.id")
	if ts, ok := rec.Get("ts"); ok {
		if t, ok := ParseBPTime(ts); ok {
			e.TS = math.Trunc(t)
		}
	}
	bad := func(attr string) error {
		return &ParseError{File: name, Line: rec.Line, Err: fmt.Errorf("%w: %s event without %s", ErrSyntax, ev, attr)}
	}
	need := func(attr string) (string, error) {
		v, ok := rec.Get(attr)
		if !ok {
			return "", bad(attr)
		}
		return v, nil
	}
	atoi := func(attr string, def int) (int, error) {
		v, ok := rec.Get(attr)
		if !ok || v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, &ParseError{File: name, Line: rec.Line, Err: fmt.Errorf("%w: %s=%q is not a number", ErrSyntax, attr, v)}
		}
		return n, nil
	}
	var err error
	switch k {
	case TaskInfo:
		t := &TaskDef{}
		if e.TaskID, err = need("task.id"); err != nil {
			return false, err
		}
		if t.Type, err = atoi("type", 0); err != nil {
			return false, err
		}
		t.TypeDesc, _ = rec.Get("type_desc")
		t.Transformation, _ = rec.Get("transformation")
		t.Argv, t.HasArgv = rec.Get("argv")
		e.Task = t
	case TaskEdge:
		if e.ParentID, err = need("parent.task.id"); err != nil {
			return false, err
		}
		if e.ChildID, err = need("child.task.id"); err != nil {
			return false, err
		}
	case JobInfo:
		j := &JobDef{}
		if e.Job, err = need("job.id"); err != nil {
			return false, err
		}
		j.SubmitFile, _ = rec.Get("submit_file")
		if j.Type, err = atoi("type", 0); err != nil {
			return false, err
		}
		j.TypeDesc, _ = rec.Get("type_desc")
		cl, _ := rec.Get("clustered")
		j.Clustered = cl == "1" || strings.EqualFold(cl, "true")
		if j.MaxRetries, err = atoi("max_retries", 0); err != nil {
			return false, err
		}
		j.Executable, _ = rec.Get("executable")
		j.Argv, j.HasArgv = rec.Get("argv")
		if j.TaskCount, err = atoi("task_count", 0); err != nil {
			return false, err
		}
		e.JobDef = j
	case JobEdge:
		if e.ParentID, err = need("parent.job.id"); err != nil {
			return false, err
		}
		if e.ChildID, err = need("child.job.id"); err != nil {
			return false, err
		}
	case WfMapTaskJob:
		if e.Job, err = need("job.id"); err != nil {
			return false, err
		}
		if e.TaskID, err = need("task.id"); err != nil {
			return false, err
		}
	case XwfMeta:
		if e.Key, err = need("key"); err != nil {
			return false, err
		}
		e.Value, _ = rec.Get("value")
	case TaskMeta:
		if e.TaskID, err = need("task.id"); err != nil {
			return false, err
		}
		if e.Key, err = need("key"); err != nil {
			return false, err
		}
		e.Value, _ = rec.Get("value")
	case RCMeta:
		if e.LFN, err = need("lfn.id"); err != nil {
			return false, err
		}
		if e.Key, err = need("key"); err != nil {
			return false, err
		}
		e.Value, _ = rec.Get("value")
	case WfMapFile:
		if e.TaskID, err = need("task.id"); err != nil {
			return false, err
		}
		if e.LFN, err = need("lfn.id"); err != nil {
			return false, err
		}
	case StaticMetaStart, StaticMetaEnd:
	default:
		return false, nil
	}
	return true, nil
}

// BPWriter writes events as NetLogger BP lines in monitord's style
// ("stampede." prefix, ts in ISO 8601 UTC with microseconds; string values
// quoted when empty or holding blanks, quotes or '='). Per-workflow
// attributes of wf.plan (FORMATS.md §3.3) are added to every event.
type BPWriter struct {
	w      *bufio.Writer
	plans  map[string]*Event
	buf    []byte
	Prefix string // event name prefix, "stampede." by default
}

// NewBPWriter returns a writer on w.
func NewBPWriter(w io.Writer) *BPWriter {
	return &BPWriter{w: bufio.NewWriterSize(w, 256*1024), plans: map[string]*Event{}, Prefix: "stampede."}
}

// Flush flushes buffered output.
func (bw *BPWriter) Flush() error { return bw.w.Flush() }

func (bw *BPWriter) str(key, v string) {
	bw.buf = append(bw.buf, ' ')
	bw.buf = append(bw.buf, key...)
	bw.buf = append(bw.buf, '=')
	if v == "" || strings.ContainsAny(v, " \t\"=\n\r") {
		bw.buf = append(bw.buf, '"')
		for i := 0; i < len(v); i++ {
			c := v[i]
			switch c {
			case '"':
				bw.buf = append(bw.buf, '\\', '"')
			case '\n':
				bw.buf = append(bw.buf, '\\', 'n')
			case '\r':
				bw.buf = append(bw.buf, '\\', 'r')
			default:
				bw.buf = append(bw.buf, c)
			}
		}
		bw.buf = append(bw.buf, '"')
		return
	}
	bw.buf = append(bw.buf, v...)
}

func (bw *BPWriter) int(key string, v int64) {
	bw.buf = append(bw.buf, ' ')
	bw.buf = append(bw.buf, key...)
	bw.buf = append(bw.buf, '=')
	bw.buf = strconv.AppendInt(bw.buf, v, 10)
}

func (bw *BPWriter) float(key string, v float64) {
	bw.buf = append(bw.buf, ' ')
	bw.buf = append(bw.buf, key...)
	bw.buf = append(bw.buf, '=')
	bw.buf = strconv.AppendFloat(bw.buf, v, 'f', 6, 64)
}

// FormatBPTime formats epoch seconds as BP's ISO 8601 UTC with microseconds.
func FormatBPTime(ts float64) string {
	sec := math.Floor(ts)
	t := time.Unix(int64(sec), int64((ts-sec)*1e6+0.5)*1000).UTC()
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// Write writes one event. JobstateLine events are not Stampede events and
// are skipped.
func (bw *BPWriter) Write(e *Event) error {
	if e.Kind == JobstateLine || e.Kind == KindUnknown {
		return nil
	}
	if e.Kind == RCMeta && len(e.Pairs) > 0 {
		// One line per pair, as Pegasus writes them.
		one := *e
		one.Pairs = nil
		if err := bw.Write(&one); err != nil {
			return err
		}
		for _, kv := range e.Pairs {
			one.Key, one.Value = kv.Key, kv.Value
			if err := bw.Write(&one); err != nil {
				return err
			}
		}
		return nil
	}
	if e.Kind == WfPlan {
		bw.plans[e.Wf] = e
	}
	b := bw.buf[:0]
	b = append(b, "ts="...)
	b = append(b, FormatBPTime(e.TS)...)
	b = append(b, " event="...)
	b = append(b, bw.Prefix...)
	if e.Kind == OtherJobState {
		b = append(b, "job_inst."+strings.ToLower(e.State)+".info"...)
	} else {
		b = append(b, e.Kind.String()...)
	}
	b = append(b, " level="...)
	b = append(b, e.Level()...)
	bw.buf = b
	bw.str("xwf.id", e.Wf)
	if e.Kind != XwfMapSubwfJob {
		if p := bw.plans[e.Wf]; p != nil && p.Plan != nil {
			root := p.Plan.Root
			if root == "" {
				root = e.Wf
			}
			bw.str("root.xwf.id", root)
			bw.str("dax", p.Plan.DaxFile)
			bw.str("dag", p.Plan.DagFile)
			bw.int("wf.ts", int64(p.TS))
			bw.str("submit.dir", p.Plan.SubmitDir)
			bw.str("pegasus.version", p.Plan.PlannerVersion)
			if p.Plan.SubmitHost != "" {
				bw.str("submit.hostname", p.Plan.SubmitHost)
			}
			if p.Plan.User != "" {
				bw.str("wf.user", p.Plan.User)
			}
		}
	}
	if e.Kind.IsJobInst() || e.Kind == InvStart || e.Kind == InvEnd || e.Kind == IntMetric || e.Kind == TaskMonitoring {
		bw.str("job.id", e.Job)
		bw.int("job_inst.id", int64(e.Inst))
		if e.JS > 0 {
			bw.int("js.id", int64(e.JS))
		}
		if e.Sched != "" {
			bw.str("sched.id", e.Sched)
		}
	}
	switch e.Kind {
	case WfPlan:
		p := e.Plan
		bw.str("dax.label", p.Label)
		bw.str("dax.version", p.Version)
		bw.str("dax.index", p.Index)
		bw.str("dax.file", p.DaxFile)
		bw.str("dag.file.name", p.DagFile)
		bw.str("submit.hostname", p.SubmitHost)
		bw.str("submit.dir", p.SubmitDir)
		bw.str("argv", p.Argv)
		bw.str("user", p.User)
		if p.GridDN != "" {
			bw.str("grid_dn", p.GridDN)
		}
		bw.str("planner.version", p.PlannerVersion)
		if p.Parent != "" {
			bw.str("parent.xwf.id", p.Parent)
		}
		bw.str("root.xwf.id", p.Root)
	case XwfStart, XwfEnd:
		bw.int("restart_count", int64(e.RestartCount))
		if e.Kind == XwfEnd {
			bw.int("status", int64(e.Status))
		}
		bw.str("reason", e.Reason)
	case XwfMapSubwfJob:
		bw.str("subwf.id", e.SubWf)
		bw.str("job.id", e.Job)
		bw.int("job_inst.id", int64(e.Inst))
	case TaskInfo:
		bw.str("task.id", e.TaskID)
		bw.int("type", int64(e.Task.Type))
		bw.str("type_desc", e.Task.TypeDesc)
		bw.str("transformation", e.Task.Transformation)
		if e.Task.HasArgv {
			bw.str("argv", e.Task.Argv)
		}
	case TaskEdge:
		bw.str("parent.task.id", e.ParentID)
		bw.str("child.task.id", e.ChildID)
	case JobEdge:
		bw.str("parent.job.id", e.ParentID)
		bw.str("child.job.id", e.ChildID)
	case JobInfo:
		j := e.JobDef
		bw.str("job.id", e.Job)
		bw.str("submit_file", j.SubmitFile)
		bw.int("type", int64(j.Type))
		bw.str("type_desc", j.TypeDesc)
		cl := int64(0)
		if j.Clustered {
			cl = 1
		}
		bw.int("clustered", cl)
		bw.int("max_retries", int64(j.MaxRetries))
		bw.str("executable", j.Executable)
		if j.HasArgv {
			bw.str("argv", j.Argv)
		}
		bw.int("task_count", int64(j.TaskCount))
	case WfMapTaskJob:
		bw.str("job.id", e.Job)
		bw.str("task.id", e.TaskID)
	case XwfMeta:
		bw.str("key", e.Key)
		bw.str("value", e.Value)
	case TaskMeta:
		bw.str("task.id", e.TaskID)
		bw.str("key", e.Key)
		bw.str("value", e.Value)
	case RCMeta:
		bw.str("lfn.id", e.LFN)
		bw.str("key", e.Key)
		bw.str("value", e.Value)
	case WfMapFile:
		bw.str("task.id", e.TaskID)
		bw.str("lfn.id", e.LFN)
	case RCPFN:
		bw.str("lfn.id", e.LFN)
		bw.str("pfn", e.PFN)
		bw.str("site", e.Site)
	case HeldStart:
		bw.str("reason", e.Reason)
	case Tag:
		bw.str("name", e.Name)
		bw.int("count", int64(e.Count))
	case MainStart:
		if e.Files != nil {
			if e.Files.Stdin != "" {
				bw.str("stdin.file", e.Files.Stdin)
			}
			if e.Files.Stdout != "" {
				bw.str("stdout.file", e.Files.Stdout)
			}
			if e.Files.Stderr != "" {
				bw.str("stderr.file", e.Files.Stderr)
			}
		}
	case HostInfo:
		h := e.Host
		bw.str("site", h.Site)
		bw.str("hostname", h.Hostname)
		bw.str("ip", h.IP)
		if h.HasMemory {
			bw.int("total_memory", h.TotalMemory)
		}
		if h.HasUname {
			bw.str("uname", h.Uname)
		}
	case InvStart:
		bw.int("inv.id", int64(e.Inv.TaskSeq))
	case InvEnd:
		v := e.Inv
		bw.int("inv.id", int64(v.TaskSeq))
		bw.float("start_time", v.StartTime)
		bw.float("dur", v.Duration)
		if v.HasCPUTime {
			bw.float("remote_cpu_time", v.CPUTime)
		}
		if v.HasAvgCPU {
			bw.float("avg_cpu", v.AvgCPU)
		}
		if v.HasMaxRSS {
			bw.int("maxrss", v.MaxRSS)
		}
		bw.str("exitcode", strconv.Itoa(e.ExitCode))
		bw.str("transformation", v.Transformation)
		bw.str("executable", v.Executable)
		if v.HasArgv {
			bw.str("argv", v.Argv)
		}
		if v.HasTaskID {
			bw.str("task.id", v.TaskID)
		}
	case IntMetric:
		m := e.Metric
		bw.str("type", m.Type)
		bw.str("file_type", m.FileType)
		bw.int("count", int64(m.Count))
		bw.float("duration", m.Duration)
	case TaskMonitoring:
		for _, kv := range e.Pairs {
			bw.str(kv.Key, kv.Value)
		}
	case WfMetrics:
		if e.Metrics != nil {
			for _, kv := range e.Metrics.Counts {
				bw.str(kv.Key, kv.Value)
			}
		}
	}
	if e.HasSite && e.Kind != RCPFN && e.Kind != HostInfo {
		bw.str("site", e.Site)
	}
	if e.HasStatus && e.Kind != XwfEnd {
		bw.int("status", int64(e.Status))
	}
	if e.HasExit && e.Kind != InvEnd {
		bw.str("exitcode", strconv.Itoa(e.ExitCode))
	}
	if (e.Kind == MainEnd || e.Kind == Composite) && e.End != nil {
		d := e.End
		if d.HasUser {
			bw.str("user", d.User)
		}
		if d.HasLocalDuration {
			bw.float("local.dur", d.LocalDuration)
		}
		if d.StdinFile != "" {
			bw.str("stdin_file", d.StdinFile)
		}
		if d.StdoutFile != "" {
			bw.str("stdout.file", d.StdoutFile)
		}
		if d.StderrFile != "" {
			bw.str("stderr.file", d.StderrFile)
		}
		if d.HasStdoutText {
			bw.str("stdout.text", d.StdoutText)
		}
		if d.HasStderrText {
			bw.str("stderr.text", d.StderrText)
		}
		bw.str("multiplier_factor", strconv.Itoa(d.Multiplier))
		if d.HasWorkDir {
			bw.str("work_dir", d.WorkDir)
		}
		if d.HasCluster {
			bw.float("cluster.start", d.ClusterStart)
			bw.float("cluster.dur", d.ClusterDuration)
		}
	}
	bw.buf = append(bw.buf, '\n')
	_, err := bw.w.Write(bw.buf)
	return err
}
