package analyzer

import (
	"fmt"
	"strconv"
	"strings"
)

// Diagnose finds the root cause of a failed (or held) try from what the
// report knows about it, in this order:
//
//  1. held by HTCondor and then removed: the hold reason; a sub-workflow
//     whose DAGMan failed: the sub-workflow (see explainSubworkflow);
//  2. a task that failed (kickstart record): a signature in its stderr or
//     its stdout — or, when it wrote nothing on stderr, in the job's .err
//     file or a hold reason; else its exit decoded (signal, 126, 127,
//     128+N, launch failure, plain status) with its first stderr line;
//  3. a failed PRE script (for a sub-workflow job, the planner): a
//     signature or the first error line of its log;
//  4. a POST script that failed although every task exited 0;
//  5. a removal, a refused submission;
//  6. no kickstart record: DAGMan's or PegasusLite's exit status and a
//     signature in the .err file.
//
// The message signatures are the table of Signatures.
func Diagnose(ji *JobInstance) Cause {
	return newMatcher(signatures).diagnose(ji)
}

func (m *matcher) diagnose(ji *JobInstance) Cause {
	c := m.cause(ji)
	if c.Transformation == "" {
		c.Transformation = ji.transformation()
	}
	if c.Exit == "" {
		c.Exit = "-"
	}
	if c.FirstLine == "" {
		c.FirstLine = c.Evidence
	}
	return c
}

func (m *matcher) cause(ji *JobInstance) Cause {
	holds := strings.Join(ji.HoldReasons, "\n")
	jobErr := ji.JobStderr
	if jobErr == "" && ji.StderrText != "-" {
		jobErr = ji.StderrText
	}
	failing := ji.failingTask()

	// 1. Held, then removed: the hold is why.
	if ji.Held && ji.Aborted {
		c := Cause{Kind: KindHeld, Meaning: "HTCondor held the job", What: "HTCondor held the job, then it was removed",
			Evidence: lastNonEmpty(ji.HoldReasons), Source: "hold reason"}
		if s, ev := m.match(holds); s != nil {
			c.Kind, c.Meaning, c.Evidence = s.Kind, s.Meaning, ev
		}
		if c.Evidence == "" {
			c.Evidence, c.Source = "(no hold reason was logged)", ""
		}
		return c
	}

	// A sub-workflow's DAGMan failed: the sub-workflow says why.
	subwf := ji.SubwfUUID != "" || (ji.SubwfDir != "" && ji.SubwfDir != "-") || ji.TypeDesc == "dag" || ji.TypeDesc == "dax"
	if subwf && !strings.HasPrefix(ji.State, "PRE_SCRIPT_FAIL") && (failing == nil || failing.Transformation == "condor::dagman") {
		c := Cause{Kind: KindSubWorkflow, Meaning: "the sub-workflow failed: its own report says why",
			What: "sub-workflow " + nonDash(ji.SubwfUUID, ji.SubwfDir) + " failed", Exit: ji.rawExitShort()}
		if failing != nil {
			c.Exit = failing.Exit.Short()
		}
		return c
	}

	// 2. A task failed.
	if failing != nil {
		c := Cause{What: "task " + failing.label() + " " + failing.Exit.String(),
			Transformation: failing.Transformation, Exit: failing.Exit.Short(), FirstLine: firstLine(failing.Stderr)}
		sources := []struct{ name, text string }{{"task stderr", failing.Stderr}, {"task stdout", failing.Stdout}}
		if c.FirstLine == "" {
			// The task said nothing on stderr: the job's .err file and
			// the hold reasons may say why (a kill, a limit).
			sources = append(sources, struct{ name, text string }{"job stderr", jobErr}, struct{ name, text string }{"hold reason", holds})
		}
		for _, src := range sources {
			if s, ev := m.match(src.text); s != nil {
				c.Kind, c.Meaning, c.Evidence, c.Source = s.Kind, s.Meaning, ev, src.name
				return c
			}
		}
		e := failing.Exit
		switch {
		case e.Launch:
			c.Kind, c.Meaning = KindLaunch, "kickstart could not start the executable"
		case e.Signal != 0:
			c.Kind, c.Meaning = KindSignal, signalMeaning(e.Signal)
		case e.Code == 126:
			c.Kind, c.Meaning = KindNotExecutable, "the command was found but could not be run (not executable, or not a program)"
		case e.Code == 127:
			c.Kind, c.Meaning = KindCommandNotFound, "a command the job runs is not installed, or not in PATH, on the execution host"
		case e.Code > 128 && signalMeaning(e.Code-128) != "":
			c.Kind, c.Meaning = KindSignal, signalMeaning(e.Code-128)
			c.What += " (128+" + strconv.Itoa(e.Code-128) + ": a process it ran was killed by signal " + SignalName(e.Code-128) + ")"
		default:
			c.Kind = KindExitStatus
		}
		if c.Evidence = c.FirstLine; c.Evidence != "" {
			c.Source = "task stderr"
		} else if c.Evidence = lastLine(failing.Stdout); c.Evidence != "" {
			c.Source = "task stdout"
		}
		return c
	}

	// 3. The PRE script failed.
	if pre := ji.preTask(); ji.State == "PRE_SCRIPT_FAILED" || ji.State == "PRE_SCRIPT_FAILURE" || (pre != nil && !pre.Exit.OK()) {
		c := Cause{Kind: KindPreScript, Meaning: "the PRE script failed (for a sub-workflow job: the planner, pegasus-plan)",
			What: "the PRE script failed", Source: "PRE script log"}
		if pre != nil && !pre.Exit.OK() {
			c.What = "the PRE script " + pre.Exit.String()
			c.Exit = pre.Exit.Short()
		}
		log := ji.PreLog
		if log == "" && ji.Tasks != nil && pre != nil {
			log = pre.Stdout
		}
		if s, ev := m.match(log); s != nil {
			c.Meaning += ": " + s.Meaning
			c.Evidence = ev
		} else if ev := errorLine(log); ev != "" {
			c.Evidence = ev
		} else {
			c.Evidence, c.Source = lastLine(log), "PRE script log"
		}
		if c.Evidence == "" {
			c.Source = ""
		}
		return c
	}

	// 4. The POST script failed though every task exited 0.
	if ji.postFailed() && len(ji.realTasks()) > 0 {
		c := Cause{Kind: KindPostScript,
			Meaning: "the POST script (pegasus-exitcode) rejected the job although every task exited 0: it checks the job's output and stderr",
			What:    "the POST script failed"}
		if ji.Post != nil {
			c.What = "the POST script " + ji.Post.Exit.String() + " although every task exited 0"
			c.Exit = "post " + ji.Post.Exit.Short()
		} else if ji.HasRawExit {
			c.What = "the POST script " + DecodeRaw(ji.RawExit).String() + " although every task exited 0"
			c.Exit = "post " + DecodeRaw(ji.RawExit).Short()
		}
		for _, t := range ji.realTasks() {
			if s, ev := m.match(t.Stderr); s != nil {
				c.Evidence, c.Source = ev, "task stderr"
				break
			}
			if l := firstLine(t.Stderr); l != "" && c.Evidence == "" {
				c.Evidence, c.Source = l, "task stderr"
			}
		}
		if c.Evidence == "" {
			if s, ev := m.match(jobErr); s != nil {
				c.Evidence, c.Source = ev, "job stderr"
			}
		}
		c.FirstLine = c.Evidence
		return c
	}

	// 5. Removal, submission.
	if ji.Aborted {
		c := Cause{Kind: KindRemoved, Meaning: "the job was removed from the HTCondor queue (condor_rm, or a periodic_remove expression)",
			What: "the job was removed", Exit: ji.rawExitShort()}
		if s, ev := m.match(jobErr); s != nil {
			c.Meaning, c.Evidence, c.Source = s.Meaning, ev, "job stderr"
		}
		return c
	}
	if strings.HasSuffix(ji.State, "SUBMIT_FAILED") {
		return Cause{Kind: KindSubmitFailed, Meaning: "HTCondor refused to submit the job (see the DAGMan log)", What: "the submission failed"}
	}

	// 6. No kickstart record to say why.
	c := Cause{Kind: KindNoRecord, Meaning: "the job left no kickstart record (it may not have started, or its output file is missing or unreadable)",
		What: "the job failed without a kickstart record"}
	if code, ok := pegasusLiteExit(jobErr); ok && code != 0 {
		c.What = "the job exited with status " + strconv.Itoa(code) + " (PegasusLite), without a kickstart record"
		c.Exit = strconv.Itoa(code)
	} else if ji.HasRawExit && ji.RawExit != 0 {
		e := DecodeRaw(ji.RawExit)
		c.What = "the job " + e.String() + " (DAGMan), without a kickstart record"
		c.Exit = e.Short()
	}
	if s, ev := m.match(jobErr); s != nil {
		c.Kind, c.Meaning, c.Evidence, c.Source = s.Kind, s.Meaning, ev, "job stderr"
	} else if s, ev := m.match(holds); s != nil {
		c.Kind, c.Meaning, c.Evidence, c.Source = s.Kind, s.Meaning, ev, "hold reason"
	} else if ev := lastLine(ji.StdoutText); ev != "" && ji.StdoutText != "-" {
		c.Evidence, c.Source = ev, "job stdout"
	}
	return c
}

// DiagnoseHeld finds the cause of a hold from its reason.
func DiagnoseHeld(h *HeldJob) Cause {
	return newMatcher(signatures).diagnoseHeld(h)
}

func (m *matcher) diagnoseHeld(h *HeldJob) Cause {
	c := Cause{Kind: KindHeld, Meaning: "HTCondor held the job", What: "HTCondor held the job", Evidence: h.Reason, Source: "hold reason", Exit: "-"}
	if s, ev := m.match(h.Reason); s != nil {
		c.Kind, c.Meaning, c.Evidence = s.Kind, s.Meaning, ev
	}
	c.FirstLine = c.Evidence
	return c
}

// Summary is the cause in one line: meaning, what happened, evidence.
func (c Cause) Summary() string {
	var b strings.Builder
	if c.Meaning != "" {
		b.WriteString(c.Meaning)
		b.WriteString(" — ")
	}
	b.WriteString(c.What)
	if c.Evidence != "" {
		b.WriteString(": \"")
		b.WriteString(c.Evidence)
		b.WriteString("\"")
		if c.Source != "" {
			b.WriteString(" (")
			b.WriteString(c.Source)
			b.WriteString(")")
		}
	}
	return b.String()
}

func (ji *JobInstance) failingTask() *Task {
	for i := range ji.Tasks {
		if t := &ji.Tasks[i]; t.Seq >= 1 && !t.Exit.OK() {
			return t
		}
	}
	return nil
}

func (ji *JobInstance) preTask() *Task {
	for i := range ji.Tasks {
		if ji.Tasks[i].Seq == -1 {
			return &ji.Tasks[i]
		}
	}
	return nil
}

func (ji *JobInstance) realTasks() []*Task {
	var out []*Task
	for i := range ji.Tasks {
		if ji.Tasks[i].Seq >= 1 {
			out = append(out, &ji.Tasks[i])
		}
	}
	return out
}

func (ji *JobInstance) postFailed() bool {
	if ji.Post != nil {
		return !ji.Post.Exit.OK()
	}
	return ji.State == "POST_SCRIPT_FAILED" || ji.State == "POST_SCRIPT_FAILURE"
}

// transformation is the job's transformation: its failing task's, else its
// first task's, else the one its submit file names.
func (ji *JobInstance) transformation() string {
	if t := ji.failingTask(); t != nil && t.Transformation != "" {
		return t.Transformation
	}
	for _, t := range ji.realTasks() {
		if t.Transformation != "" {
			return t.Transformation
		}
	}
	if ji.TypeDesc != "" {
		return ji.TypeDesc
	}
	return "-"
}

func (ji *JobInstance) rawExitShort() string {
	if ji.HasRawExit {
		return DecodeRaw(ji.RawExit).Short()
	}
	return ""
}

func (t *Task) label() string {
	name := t.AbsTaskID
	if name == "" || name == "-" {
		name = "#" + strconv.Itoa(t.Seq)
	}
	if t.Transformation != "" {
		return name + " (" + t.Transformation + ")"
	}
	return name
}

// pegasusLiteExit reads "PegasusLite: exitcode N" from a PegasusLite log.
func pegasusLiteExit(s string) (int, bool) {
	const mark = "PegasusLite: exitcode "
	i := strings.LastIndex(s, mark)
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+len(mark):])
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(f[0])
	return n, err == nil
}

// errorLine returns the first line of a log that reports an error
// ("[ERROR]", "[FATAL]", "ERROR:", "Error:" and the like), trimmed.
func errorLine(s string) string {
	lower := asciiLower(s)
	best := -1
	for _, m := range [...]string{"[fatal", "[error", "error:", "fatal:", "exception"} {
		if i := strings.Index(lower, m); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return lineAt(s, best)
}

func lastNonEmpty(ss []string) string {
	for i := len(ss) - 1; i >= 0; i-- {
		if s := strings.TrimSpace(ss[i]); s != "" {
			return s
		}
	}
	return ""
}

func nonDash(vals ...string) string {
	for _, v := range vals {
		if v != "" && v != "-" {
			return v
		}
	}
	return "-"
}

// explainSubworkflow gives a failed sub-workflow job the cause its
// sub-workflow's report found: its most frequent failure signature.
func explainSubworkflow(ji *JobInstance, child *Workflow) {
	if ji.Cause.Kind != KindSubWorkflow {
		return
	}
	if len(child.Groups) == 0 {
		ji.Cause.Evidence, ji.Cause.Source = "workflow status "+child.Status+", no failed job", "sub-workflow report"
		return
	}
	g := child.Groups[0]
	n := 0
	for _, x := range child.Groups {
		n += len(x.Jobs)
	}
	ev := fmt.Sprintf("%d failed job(s); the most frequent signature (%d): %s", n, len(g.Jobs), g.Kind)
	if g.FirstLine != "" {
		ev += ": " + g.FirstLine
	}
	ji.Cause.Evidence, ji.Cause.Source = ev, "sub-workflow report"
}
