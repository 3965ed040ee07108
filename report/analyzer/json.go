package analyzer

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// WriteJSON writes the report as pegasus-analyzer --json does (Pegasus 5):
// the same keys in the same order, pretty-printed with a 2-space indent and
// ASCII-only strings as Python's json.dumps writes them. What this tool adds
// is under keys Pegasus does not use: per job "try", "root_cause",
// "hold_reasons" and "notes"; per task "raw_exitcode" and "signal"; per
// workflow "failure_signatures", "failures_by_host" and "notes"; at the top
// "mode", "database" and "notes". docs/analyzer.md describes them.
func WriteJSON(out io.Writer, r *Report) error {
	j := &jsonWriter{w: bufio.NewWriterSize(out, 256<<10)}
	j.open('{')
	j.key("root_wf_uuid").str(r.RootUUID)
	j.key("submit_directory").str(r.SubmitDirectory)
	j.key("workflows").open('{')
	for _, w := range r.Workflows {
		j.key(w.Key)
		j.workflow(w, r.Mode == "files")
	}
	j.close('}')
	j.key("mode").str(r.Mode)
	if r.Database != "" {
		j.key("database").str(r.Database)
	}
	if len(r.Notes) > 0 {
		j.key("notes").strs(r.Notes)
	}
	j.close('}')
	j.w.WriteByte('\n')
	return j.w.Flush()
}

func (j *jsonWriter) workflow(w *Workflow, files bool) {
	j.open('{')
	j.key("wf_uuid").str(w.UUID)
	j.key("dag_file_name").str(w.DagFile)
	j.key("submit_hostname").str(w.SubmitHost)
	j.key("submit_dir").str(w.SubmitDir)
	j.key("user").str(w.User)
	j.key("planner_version").str(w.PlannerVersion)
	j.key("wf_name").str(w.Name)
	j.key("wf_status").str(w.Status)
	j.key("parent_wf_name").str(w.ParentName)
	j.key("parent_wf_uuid").str(w.ParentUUID)
	j.key("jobs").open('{')
	j.key("total").int(w.Counts.Total)
	j.key("success").int(w.Counts.Success)
	j.key("failed").int(w.Counts.Failed)
	j.key("held").int(w.Counts.Held)
	j.key("unsubmitted").int(w.Counts.Unsubmitted)
	if w.Counts.HasUnknown {
		j.key("unknown").int(w.Counts.Unknown)
	}
	j.key("job_details").open('{')
	if len(w.Held) > 0 {
		j.key("held_jobs_details").open('{')
		for _, h := range w.Held {
			j.key(h.Name).open('{')
			j.key("submit_file").str(h.SubmitFile)
			j.key("last_job_instance_id").int64(h.LastInstanceID)
			j.key("reason").str(h.Reason)
			j.key("root_cause")
			j.cause(h.Cause, 0)
			j.close('}')
		}
		j.close('}')
	}
	if len(w.Failing) > 0 {
		j.key("failing_jobs_details").open('{')
		for _, ji := range w.Failing {
			j.key(strconv.FormatInt(ji.InstanceID, 10))
			j.instance(ji, files)
		}
		j.close('}')
	}
	if len(w.Failed) > 0 {
		j.key("failed_jobs_details").open('{')
		for _, ji := range w.Failed {
			j.key(ji.Name)
			j.instance(ji, files)
		}
		j.close('}')
	}
	if len(w.Unknown) > 0 {
		j.key("unknown_jobs_details").open('{')
		for _, ji := range w.Unknown {
			j.key(ji.Name)
			j.instance(ji, files)
		}
		j.close('}')
	}
	j.close('}')
	j.close('}')
	if len(w.Notes) > 0 {
		j.key("notes").strs(w.Notes)
	}
	if w.Via != "" {
		j.key("parent_job").str(w.Via)
	}
	j.key("failure_signatures").open('[')
	for _, g := range w.Groups {
		j.elem().open('{')
		j.key("signature").int(g.N)
		j.key("kind").str(g.Kind)
		j.key("meaning").str(g.Meaning)
		j.key("transformation").str(g.Transformation)
		j.key("exit").str(g.Exit)
		j.key("first_stderr_line").str(g.FirstLine)
		j.key("failed_jobs").int(len(g.Jobs))
		j.key("earlier_tries").int(len(g.Earlier))
		j.key("jobs").open('[')
		for _, ji := range g.Jobs {
			j.elem().str(ji.Name)
		}
		j.close(']')
		j.key("earlier").open('[')
		for _, ji := range g.Earlier {
			j.elem().open('{')
			j.key("job_name").str(ji.Name)
			j.key("try").int(ji.Try)
			j.close('}')
		}
		j.close(']')
		j.close('}')
	}
	j.close(']')
	j.key("failures_by_host").open('[')
	for _, h := range w.Hosts {
		j.elem().open('{')
		j.key("hostname").str(h.Host)
		j.key("failed_jobs").int(h.Jobs)
		j.key("earlier_tries").int(h.Earlier)
		j.key("signatures").open('[')
		for _, g := range h.Groups {
			j.elem().int(g)
		}
		j.close(']')
		j.close('}')
	}
	j.close(']')
	j.close('}')
}

func (j *jsonWriter) instance(ji *JobInstance, files bool) {
	j.open('{')
	j.key("job_name").str(ji.Name)
	j.key("state").str(ji.State)
	j.key("site").str(ji.Site)
	j.key("hostname").str(ji.Hostname)
	j.key("work_dir").str(ji.WorkDir)
	j.key("submit_file").str(ji.SubmitFile)
	j.key("stdout_file").str(ji.StdoutFile)
	j.key("stderr_file").str(ji.StderrFile)
	j.key("executable").str(ji.Executable)
	j.key("argv").str(ji.Argv)
	j.key("pre_executable").str(ji.PreExe)
	j.key("pre_argv").str(ji.PreArgv)
	j.key("submit_dir").str(ji.SubmitDir)
	j.key("subwf_dir").str(ji.SubwfDir)
	j.key("stdout_text").str(trimText(ji.StdoutText))
	j.key("stderr_text").str(trimText(ji.StderrText))
	j.key("tasks").open('{')
	for i := range ji.Tasks {
		t := &ji.Tasks[i]
		key := t.Key
		if files {
			key = strconv.Itoa(t.Seq)
		}
		j.key(key).open('{')
		j.key("task_submit_seq").int(t.Seq)
		j.key("exitcode").int(t.Exit.Regular())
		j.key("executable").str(t.Executable)
		j.key("arguments").str(t.Arguments)
		j.key("transformation").str(t.Transformation)
		j.key("abs_task_id").str(t.AbsTaskID)
		j.key("raw_exitcode").int(t.Exit.Raw)
		if t.Exit.Signal != 0 {
			j.key("signal").int(t.Exit.Signal)
		}
		j.close('}')
	}
	j.close('}')
	j.key("try").int(ji.Try)
	if ji.InstanceID != 0 && !files {
		j.key("job_instance_id").int64(ji.InstanceID)
	}
	j.key("root_cause")
	j.cause(ji.Cause, ji.Group)
	if len(ji.HoldReasons) > 0 {
		j.key("hold_reasons").strs(ji.HoldReasons)
	}
	if ji.PreLogFile != "" {
		j.key("pre_log_file").str(ji.PreLogFile)
	}
	if ji.SubwfUUID != "" {
		j.key("subwf_uuid").str(ji.SubwfUUID)
	}
	if len(ji.Notes) > 0 {
		j.key("notes").strs(ji.Notes)
	}
	j.close('}')
}

func (j *jsonWriter) cause(c Cause, group int) {
	j.open('{')
	j.key("kind").str(c.Kind)
	j.key("meaning").str(c.Meaning)
	j.key("what").str(c.What)
	j.key("evidence").str(c.Evidence)
	j.key("source").str(c.Source)
	j.key("transformation").str(c.Transformation)
	j.key("exit").str(c.Exit)
	if group > 0 {
		j.key("signature").int(group)
	}
	j.close('}')
}

// trimText is Pegasus's strip() of the texts ("-" stays).
func trimText(s string) string {
	return strings.Trim(s, " \t\r\n\v\f")
}

// jsonWriter writes indented JSON: Python's json.dumps(indent=2) layout.
type jsonWriter struct {
	w     *bufio.Writer
	depth int
	first bool // nothing written yet in the current container
	empty []bool
}

// indent is a newline and spaces enough for any depth the writer reaches.
const indent = "\n                                                                "

func (j *jsonWriter) newline() {
	if n := 1 + 2*j.depth; n <= len(indent) {
		j.w.WriteString(indent[:n])
		return
	}
	j.w.WriteByte('\n')
	for i := 0; i < j.depth; i++ {
		j.w.WriteString("  ")
	}
}

// sep starts a member or element.
func (j *jsonWriter) sep() {
	if !j.first {
		j.w.WriteByte(',')
	}
	j.first = false
	j.empty[len(j.empty)-1] = false
	j.newline()
}

func (j *jsonWriter) open(c byte) *jsonWriter {
	j.w.WriteByte(c)
	j.depth++
	j.first = true
	j.empty = append(j.empty, true)
	return j
}

func (j *jsonWriter) close(c byte) *jsonWriter {
	j.depth--
	if !j.empty[len(j.empty)-1] {
		j.newline()
	}
	j.empty = j.empty[:len(j.empty)-1]
	j.w.WriteByte(c)
	j.first = false
	return j
}

func (j *jsonWriter) key(k string) *jsonWriter {
	j.sep()
	writeJSONString(j.w, k)
	j.w.WriteString(": ")
	return j
}

func (j *jsonWriter) elem() *jsonWriter {
	j.sep()
	return j
}

func (j *jsonWriter) str(s string) *jsonWriter {
	writeJSONString(j.w, s)
	return j
}

func (j *jsonWriter) int(n int) *jsonWriter {
	var b [24]byte
	j.w.Write(strconv.AppendInt(b[:0], int64(n), 10))
	return j
}

func (j *jsonWriter) int64(n int64) *jsonWriter {
	var b [24]byte
	j.w.Write(strconv.AppendInt(b[:0], n, 10))
	return j
}

func (j *jsonWriter) strs(ss []string) *jsonWriter {
	j.open('[')
	for _, s := range ss {
		j.elem().str(s)
	}
	return j.close(']')
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes s as a JSON string with only ASCII characters, as
// Python's json.dumps does by default (invalid UTF-8 becomes U+FFFD).
func writeJSONString(w *bufio.Writer, s string) {
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		w.WriteString(s[start:i])
		switch {
		case c == '"':
			w.WriteString(`\"`)
			i++
		case c == '\\':
			w.WriteString(`\\`)
			i++
		case c == '\n':
			w.WriteString(`\n`)
			i++
		case c == '\r':
			w.WriteString(`\r`)
			i++
		case c == '\t':
			w.WriteString(`\t`)
			i++
		case c == '\b':
			w.WriteString(`\b`)
			i++
		case c == '\f':
			w.WriteString(`\f`)
			i++
		case c < 0x80:
			writeU(w, rune(c))
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r >= 0x10000 {
				r -= 0x10000
				writeU(w, 0xd800+(r>>10))
				writeU(w, 0xdc00+(r&0x3ff))
			} else {
				writeU(w, r)
			}
			i += size
		}
		start = i
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
}

func writeU(w *bufio.Writer, r rune) {
	w.WriteString(`\u`)
	w.WriteByte(hexDigits[r>>12&15])
	w.WriteByte(hexDigits[r>>8&15])
	w.WriteByte(hexDigits[r>>4&15])
	w.WriteByte(hexDigits[r&15])
}
