package analyzer

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// Examples is how many failed jobs of each signature are shown in full;
	// the others are listed by name. 0 shows every job in full.
	Examples int
	// Signatures is how many failure signatures are listed (and have jobs
	// shown in full), most frequent first; the others are counted on one
	// line. 0 lists them all.
	Signatures int
	// Quiet leaves out the tasks' stdout and stderr sections (-q).
	Quiet bool
	// Summary prints only the summaries, the signatures and the footer (-S).
	Summary bool
	// PrintPre and PrintInvocation add the PRE script's command line and
	// the command that re-runs the job (-p pre, -p invocation).
	PrintPre, PrintInvocation bool
	// TopDir is given to the commands printed for failed sub-workflows.
	TopDir string
	// Recurse: the sub-workflows' reports are part of this report.
	Recurse bool
}

// Defaults of TextOptions.Examples and TextOptions.Signatures.
const (
	DefaultExamples   = 3
	DefaultSignatures = 50
)

// maxHosts bounds the rows of the per-host table.
const maxHosts = 20

// maxNames bounds the job names listed for the failures not shown in full.
const maxNames = 20

// WriteText writes the report as Markdown, laid out as Pegasus 5's
// pegasus-analyzer prints it (raw, as when piped), with the root cause first
// in each job's section and the failures grouped by signature.
func WriteText(out io.Writer, r *Report, o TextOptions) error {
	w := bufio.NewWriterSize(out, 256<<10)
	tw := &textWriter{w: w, o: o, r: r}
	for _, n := range r.Notes {
		tw.note(n)
	}
	failed := false
	for i, wf := range r.Workflows {
		if i > 0 || wf.Key != "root" {
			tw.workflowHeading(wf)
		}
		tw.workflow(wf)
		if wf.Status == StatusFailure {
			failed = true
		}
	}
	if failed {
		tw.line("**One or more workflows failed!**")
		tw.line("")
	} else {
		tw.line("## Done")
		tw.line("")
		tw.line("pegasus-analyzer: end of status report")
		tw.line("")
	}
	return w.Flush()
}

type textWriter struct {
	w *bufio.Writer
	o TextOptions
	r *Report
}

func (tw *textWriter) line(s string) {
	tw.w.WriteString(s)
	tw.w.WriteByte('\n')
}

func (tw *textWriter) note(s string) {
	tw.line("> **Note:** " + oneLineText(s))
	tw.line("")
}

func (tw *textWriter) workflowHeading(wf *Workflow) {
	title := "# Workflow `" + wf.UUID + "`"
	if wf.Name != "" && wf.Name != "-" {
		title = "# Workflow " + code(wf.Name) + " (`" + wf.UUID + "`)"
	}
	tw.line(title)
	tw.line("")
	if wf.Via != "" {
		tw.line("Sub-workflow of job " + code(wf.Via) + " of workflow `" + wf.ParentUUID + "`.")
		tw.line("")
	}
}

func (tw *textWriter) workflow(wf *Workflow) {
	tw.line("## Summary")
	tw.line("")
	if wf.Status == StatusFailure && wf.Counts.Failed == 0 && tw.r.Mode == "database" {
		tw.line("> The workflow failed but no job failed: check `dagman.out` and `monitord.log` in " + code(tw.r.SubmitDirectory) + ".")
		tw.line("")
	}
	tw.table([]string{"**Field**", "**Value**"}, nil, [][]string{
		{"**Submit Directory**", code(wf.SubmitDir)},
		{"**Workflow Status**", code(wf.Status)},
	})
	c := wf.Counts
	total := c.Total
	div := float64(total)
	if total == 0 {
		div = 1
	}
	pct := func(n int) string { return fmt.Sprintf("%.2f%%", float64(n)*100/div) }
	rows := [][]string{
		{"**Total Jobs**", strconv.Itoa(total), ""},
		{"**Succeeded**", strconv.Itoa(c.Success), pct(c.Success)},
		{"**Failed**", strconv.Itoa(c.Failed), pct(c.Failed)},
		{"**Held**", strconv.Itoa(c.Held), pct(c.Held)},
		{"**Unsubmitted**", strconv.Itoa(c.Unsubmitted), pct(c.Unsubmitted)},
	}
	if c.HasUnknown {
		rows = append(rows, []string{"**Unknown**", strconv.Itoa(c.Unknown), pct(c.Unknown)})
	}
	tw.table([]string{"**Jobs**", "**Count**", "**%**"}, []bool{false, true, true}, rows)
	for _, n := range wf.Notes {
		tw.note(n)
	}
	tw.signatures(wf)
	if !tw.o.Summary {
		tw.held(wf)
		shown := tw.shownJobs(wf)
		tw.details(wf, "## Failing jobs' details", wf.Failing, shown)
		tw.details(wf, "## Failed jobs' details", wf.Failed, shown)
		tw.details(wf, "## Unknown jobs' details", wf.Unknown, nil)
		tw.notShown(wf, shown)
	}
	if c.Failed > 0 {
		tw.line("**Workflow failed**")
		tw.line("")
		tw.table([]string{"**Field**", "**Value**"}, nil, [][]string{
			{"**UUID**", code(wf.UUID)},
			{"**Submit Directory**", code(wf.SubmitDir)},
		})
	}
}

// signatures writes the failures grouped by signature, and by host.
func (tw *textWriter) signatures(wf *Workflow) {
	if len(wf.Groups) == 0 {
		return
	}
	tw.line("## Failure signatures")
	tw.line("")
	var rows [][]string
	for _, g := range wf.Groups {
		if tw.hidden(g) {
			jobs, earlier := 0, 0
			for _, h := range wf.Groups[g.N-1:] {
				jobs += len(h.Jobs)
				earlier += len(h.Earlier)
			}
			rows = append(rows, []string{"…", strconv.Itoa(jobs), strconv.Itoa(earlier),
				fmt.Sprintf("%d more signatures (`--signatures 0` lists them all)", len(wf.Groups)-g.N+1), "", "", ""})
			break
		}
		rows = append(rows, []string{strconv.Itoa(g.N), strconv.Itoa(len(g.Jobs)), strconv.Itoa(len(g.Earlier)),
			code(g.Kind), code(g.Transformation), code(g.Exit), cell(g.FirstLine, 160)})
	}
	tw.table([]string{"**#**", "**Failed jobs**", "**Earlier tries**", "**Root cause**", "**Transformation**", "**Exit**", "**First stderr line**"},
		[]bool{true, true, true, false, false, false, false}, rows)
	if len(wf.Hosts) == 1 && wf.Hosts[0].Host == "-" {
		return
	}
	rows = rows[:0]
	for i, h := range wf.Hosts {
		if i == maxHosts {
			rows = append(rows, []string{fmt.Sprintf("… %d more hosts", len(wf.Hosts)-maxHosts), "", "", ""})
			break
		}
		gs := make([]string, len(h.Groups))
		for k, g := range h.Groups {
			gs[k] = strconv.Itoa(g)
		}
		rows = append(rows, []string{code(h.Host), strconv.Itoa(h.Jobs), strconv.Itoa(h.Earlier), strings.Join(gs, ", ")})
	}
	tw.table([]string{"**Host**", "**Failed jobs**", "**Earlier tries**", "**Signatures**"}, []bool{false, true, true, false}, rows)
}

// held writes the held jobs: the first Examples of each hold reason
// (digits masked) in full, the others by name.
func (tw *textWriter) held(wf *Workflow) {
	if len(wf.Held) == 0 {
		return
	}
	tw.line("## Held jobs' details")
	tw.line("")
	type reason struct {
		first  string
		hidden []string
		n      int
	}
	byReason := map[string]*reason{}
	var order []string
	shown := 0
	for _, h := range wf.Held {
		key := h.Cause.Kind + "\x00" + maskDigits(h.Reason)
		r := byReason[key]
		if r == nil {
			r = &reason{first: h.Name}
			byReason[key] = r
			order = append(order, key)
		}
		r.n++
		if tw.o.Examples > 0 && r.n > tw.o.Examples {
			if len(r.hidden) < maxNames {
				r.hidden = append(r.hidden, h.Name)
			}
			continue
		}
		if shown > 0 {
			tw.line("---")
			tw.line("")
		}
		shown++
		tw.line("### Job: " + code(h.Name))
		tw.line("")
		tw.line("**Root cause:** " + oneLineText(h.Cause.Summary()))
		tw.line("")
		tw.table([]string{"**Field**", "**Value**"}, nil, [][]string{
			{"**Submit File**", code(h.SubmitFile)},
			{"**Last job_instance_id**", code(strconv.FormatInt(h.LastInstanceID, 10))},
			{"**Reason**", code(h.Reason)},
		})
	}
	first := true
	for _, key := range order {
		r := byReason[key]
		if n := r.n - tw.o.Examples; tw.o.Examples > 0 && n > 0 {
			if first {
				tw.line(fmt.Sprintf("The first %d held jobs of each hold reason are shown above; `--examples 0` (or `--all`) shows every job.", tw.o.Examples))
				tw.line("")
				first = false
			}
			more := ""
			if n > len(r.hidden) {
				more = fmt.Sprintf(", … (%d more)", n-len(r.hidden))
			}
			tw.line(fmt.Sprintf("- %d more jobs held for the same reason as %s: %s%s", n, code(r.first), codeList(r.hidden), more))
		}
	}
	if !first {
		tw.line("")
	}
}

// shownJobs picks the jobs shown in full: the first Examples of each
// signature (all when Examples is 0).
func (tw *textWriter) shownJobs(wf *Workflow) map[*JobInstance]bool {
	shown := map[*JobInstance]bool{}
	for _, g := range wf.Groups {
		if tw.hidden(g) {
			break
		}
		for i, ji := range g.Jobs {
			if tw.o.Examples > 0 && i >= tw.o.Examples {
				break
			}
			shown[ji] = true
		}
	}
	return shown
}

// details writes the sections of the jobs, ordered by signature; with
// shown, only those jobs.
func (tw *textWriter) details(wf *Workflow, title string, jobs []*JobInstance, shown map[*JobInstance]bool) {
	var list []*JobInstance
	for _, ji := range jobs {
		if shown == nil || shown[ji] {
			list = append(list, ji)
		}
	}
	if len(list) == 0 {
		return
	}
	if shown != nil {
		stableSortByGroup(list)
	}
	tw.line(title)
	tw.line("")
	for _, ji := range list {
		tw.job(wf, ji)
	}
}

func stableSortByGroup(list []*JobInstance) {
	// Insertion order within a group is kept: a counting sort by group.
	maxG := 0
	for _, ji := range list {
		maxG = max(maxG, ji.Group)
	}
	buckets := make([][]*JobInstance, maxG+1)
	for _, ji := range list {
		buckets[ji.Group] = append(buckets[ji.Group], ji)
	}
	list = list[:0]
	for _, b := range buckets {
		list = append(list, b...)
	}
}

func (tw *textWriter) job(wf *Workflow, ji *JobInstance) {
	tw.line("### Job: " + code(ji.Name))
	tw.line("")
	rc := "**Root cause:** " + oneLineText(ji.Cause.Summary())
	if ji.Group > 0 && len(wf.Groups) > 1 {
		rc += fmt.Sprintf(" [signature %d]", ji.Group)
	}
	tw.line(rc)
	tw.line("")
	rows := [][]string{
		{"**Last State**", code(ji.State)},
		{"**Site**", code(ji.Site)},
		{"**Submit File**", code(ji.SubmitFile)},
		{"**Output File**", code(ji.StdoutFile)},
		{"**Error File**", code(ji.StderrFile)},
	}
	if len(ji.HoldReasons) > 0 {
		rows = append(rows, []string{"**Hold Reason**", code(lastNonEmpty(ji.HoldReasons))})
	}
	tw.table([]string{"**Field**", "**Value**"}, nil, rows)
	for _, n := range ji.Notes {
		tw.note(n)
	}
	if tw.o.PrintInvocation {
		tw.line("To re-run this job, use:")
		tw.line("")
		tw.fenced(ji.Executable + " " + ji.Argv)
	}
	if tw.o.PrintPre && ji.PreExe != "-" {
		tw.line("**SCRIPT PRE:**")
		tw.line("")
		tw.fenced(ji.PreExe + " " + ji.PreArgv)
	}
	if ji.SubwfDir != "-" && ji.SubwfDir != "" && !strings.HasPrefix(ji.State, "PRE_SCRIPT_FAIL") {
		if tw.o.Recurse && ji.SubwfUUID != "" {
			tw.line("This job contains sub workflows! The report of sub-workflow `" + ji.SubwfUUID + "` follows.")
			tw.line("")
		} else {
			top := tw.o.TopDir
			if top == "" {
				top = tw.r.SubmitDirectory
			}
			tw.line("This job contains sub workflows!")
			tw.line("Please run the command below for more information:")
			tw.line("")
			cmd := "pegasus-analyzer -d " + ji.SubwfDir + " --top-dir " + top
			if tw.r.Mode == "files" {
				cmd = "pegasus-analyzer --files -d " + ji.SubwfDir
			}
			tw.fenced(cmd)
		}
	}
	printed := false
	for _, t := range ji.shownTasks() {
		tw.line(fmt.Sprintf("#### Task #%d — Summary", t.Seq))
		tw.line("")
		tw.table([]string{"**Field**", "**Value**"}, nil, [][]string{
			{"**site**", code(nonDash(t.Site, ji.Site))},
			{"**hostname**", code(nonDash(t.Hostname, ji.Hostname))},
			{"**executable**", code(t.Executable)},
			{"**arguments**", code(t.Arguments)},
			{"**exitcode**", code(strconv.Itoa(t.Exit.Regular()))},
			{"**working dir**", code(nonDash(t.Cwd, ji.WorkDir))},
		})
		if tw.o.Quiet {
			continue
		}
		label := fmt.Sprintf("#### Task #%d - %s - %s", t.Seq, t.Transformation, t.AbsTaskID)
		if t.Seq == -1 {
			if strings.TrimSpace(ji.PreLog) != "" {
				tw.line(label + " - stdout")
				tw.line("")
				tw.fenced(tailLines(ji.PreLog, 200))
				printed = true
			}
			continue
		}
		if strings.TrimSpace(t.Stdout) != "" {
			tw.line(label + " - stdout")
			tw.line("")
			tw.fenced(t.Stdout)
			printed = true
		}
		if strings.TrimSpace(t.Stderr) != "" {
			tw.line(label + " - Kickstart stderr")
			tw.line("")
			tw.fenced(t.Stderr)
			printed = true
		}
	}
	if !tw.o.Quiet && ji.PreLog != "" && ji.preTask() == nil {
		title := "#### PRE script log - " + ji.Name
		if ji.PreLogFile != "" {
			title += " - " + ji.PreLogFile
		}
		tw.line(title)
		tw.line("")
		tw.fenced(tailLines(ji.PreLog, 200))
		printed = true
	}
	if !tw.o.Quiet && !printed {
		txt := ji.StderrText
		if txt == "-" || strings.TrimSpace(txt) == "" {
			txt = ji.JobStderr
		}
		if strings.TrimSpace(txt) != "" && txt != "-" {
			tw.line("#### Job stderr - " + ji.Name)
			tw.line("")
			tw.fenced(strings.TrimSpace(txt))
		} else if ji.StdoutText != "-" && strings.TrimSpace(ji.StdoutText) != "" && !ji.Record {
			tw.line("#### Job stdout - " + ji.Name)
			tw.line("")
			tw.fenced(tailLines(strings.TrimSpace(ji.StdoutText), 200))
		}
	}
}

// shownTasks: the failing tasks if any task failed, else all (the PRE
// script included).
func (ji *JobInstance) shownTasks() []*Task {
	var bad, all []*Task
	for i := range ji.Tasks {
		t := &ji.Tasks[i]
		all = append(all, t)
		if !t.Exit.OK() {
			bad = append(bad, t)
		}
	}
	if len(bad) > 0 {
		return bad
	}
	return all
}

// hidden reports whether a signature is beyond TextOptions.Signatures.
func (tw *textWriter) hidden(g *Group) bool {
	return tw.o.Signatures > 0 && g.N > tw.o.Signatures
}

// notShown lists, per signature, the failed jobs not shown in full.
func (tw *textWriter) notShown(wf *Workflow, shown map[*JobInstance]bool) {
	first := true
	for _, g := range wf.Groups {
		if tw.hidden(g) {
			n := 0
			for _, h := range wf.Groups[g.N-1:] {
				n += len(h.Jobs)
			}
			if n > 0 {
				if first {
					tw.line("## Failed jobs not shown in full")
					tw.line("")
					first = false
				}
				tw.line(fmt.Sprintf("- %d more signatures, with %d failed jobs: `--signatures 0` lists them, `--all` shows every job.",
					len(wf.Groups)-g.N+1, n))
			}
			break
		}
		var hidden []string
		n := 0
		for _, ji := range g.Jobs {
			if shown[ji] {
				continue
			}
			n++
			if len(hidden) < maxNames {
				hidden = append(hidden, ji.Name)
			}
		}
		if n == 0 {
			continue
		}
		if first {
			tw.line("## Failed jobs not shown in full")
			tw.line("")
			tw.line(fmt.Sprintf("The first %d jobs of each signature are shown above; `--examples 0` (or `--all`) shows every job.", tw.o.Examples))
			tw.line("")
			first = false
		}
		more := ""
		if n > len(hidden) {
			more = fmt.Sprintf(", … (%d more)", n-len(hidden))
		}
		tw.line(fmt.Sprintf("- Signature %d (%s): %d more jobs: %s%s", g.N, code(g.Kind), n, codeList(hidden), more))
	}
	if !first {
		tw.line("")
	}
}

// table writes a Markdown table with aligned columns; right marks the
// right-aligned columns.
func (tw *textWriter) table(header []string, right []bool, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = max(3, utf8.RuneCountInString(h))
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	isRight := func(i int) bool { return i < len(right) && right[i] }
	row := func(cells []string) {
		tw.w.WriteByte('|')
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			tw.w.WriteByte(' ')
			if isRight(i) {
				tw.w.WriteString(pad)
				tw.w.WriteString(c)
			} else {
				tw.w.WriteString(c)
				tw.w.WriteString(pad)
			}
			tw.w.WriteString(" |")
		}
		tw.w.WriteByte('\n')
	}
	row(header)
	tw.w.WriteByte('|')
	for i, wd := range widths {
		tw.w.WriteByte(' ')
		if isRight(i) {
			tw.w.WriteString(strings.Repeat("-", wd-1))
			tw.w.WriteByte(':')
		} else {
			tw.w.WriteString(strings.Repeat("-", wd))
		}
		tw.w.WriteString(" |")
	}
	tw.w.WriteByte('\n')
	for _, r := range rows {
		row(r)
	}
	tw.w.WriteByte('\n')
}

// fenced writes text in a fenced code block, with a fence longer than any
// backtick run inside.
func (tw *textWriter) fenced(text string) {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	tw.line(fence + "bash")
	tw.line(strings.TrimRight(text, "\n"))
	tw.line(fence)
	tw.line("")
}

// code renders a value as inline code in a table cell.
func code(s string) string {
	s = strings.ReplaceAll(oneLineText(s), "|", `\|`)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func codeList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = code(n)
	}
	return strings.Join(out, ", ")
}

// cell renders text in a table cell, cut to n runes.
func cell(s string, n int) string {
	s = oneLineText(s)
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n-1]) + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}

func oneLineText(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// tailLines keeps the last n lines of s, saying how many were left out.
func tailLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Count(s, "\n") + 1
	if lines <= n {
		return s
	}
	i := len(s)
	for k := 0; k < n; k++ {
		i = strings.LastIndexByte(s[:i], '\n')
	}
	return fmt.Sprintf("[... %d earlier lines left out ...]\n", lines-n) + s[i+1:]
}
