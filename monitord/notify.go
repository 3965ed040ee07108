package monitord

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
)

// NotifyConfig tunes notifications.
type NotifyConfig struct {
	Max     int           // most actions running at once (default 10; 0 disables)
	Timeout time.Duration // kill an action after this long (0: no limit)
	// EndWait is how long monitord, once the run is loaded, waits for
	// actions still running or queued (default 2 minutes): then it kills
	// the ones running and drops the queued ones, logging both, so that a
	// hook that hangs cannot keep monitord (and pegasus-run) from ending.
	EndWait time.Duration
	Verbose bool     // log every action in full, not only failures' one-liners
	Log     string   // monitord-notifications.log path
	Env     []string // base environment (default os.Environ())
}

// notifier runs the hooks of .notify files (FORMATS.md §7) for the events of
// a live run: asynchronously, at most Max at once, each with a time limit, so
// a slow hook never stalls monitoring. Outcomes go to the log file.
type notifier struct {
	cfg     NotifyConfig
	sem     chan struct{}
	wg      sync.WaitGroup
	closing chan struct{} // closed when EndWait has passed at the end
	logMu   sync.Mutex

	mu    sync.Mutex
	wfs   map[string]*notifyWf // by workflow uuid
	skip  map[string]int       // log file -> lines already seen by an earlier monitord
	fired int
	ends  sync.Map // endKey -> *ingest.JobEnd of nodes waiting for their POST script
}

type notifyWf struct {
	uuid, dir, origDir, label string
	dagmanOut                 string
	byJob                     map[string][]ingest.Notification
	wf                        []ingest.Notification
	inv                       map[string][]ingest.Notification
	hasPost                   map[string]bool
}

func newNotifier(cfg NotifyConfig) *notifier {
	if cfg.Env == nil {
		cfg.Env = os.Environ()
	}
	if cfg.EndWait <= 0 {
		cfg.EndWait = 2 * time.Minute
	}
	n := &notifier{cfg: cfg, wfs: map[string]*notifyWf{}, skip: map[string]int{}, closing: make(chan struct{})}
	if cfg.Max > 0 {
		n.sem = make(chan struct{}, cfg.Max)
	}
	return n
}

// workflow registers a workflow's notifications when its plan is seen.
func (n *notifier) workflow(e *ingest.Event) {
	if n.sem == nil || e.Plan == nil {
		return
	}
	dir := filepath.Dir(e.Src.File)
	bd, err := ingest.ReadBraindumpDir(dir)
	if err != nil {
		return
	}
	nf := bd.Get("notify")
	if nf == "" {
		nf = strings.TrimSuffix(bd.DagFile(), ".dag") + ".notify"
	}
	list, err := ingest.ReadNotifyFile(filepath.Join(dir, filepath.Base(nf)))
	if err != nil {
		n.log(fmt.Sprintf("%s - %s - cannot read notifications: %v", isoLocal(time.Now()), e.Wf, err))
		return
	}
	w := &notifyWf{uuid: e.Wf, dir: dir, origDir: bd.SubmitDir(), label: bd.Label() + "-" + bd.Get("dax_index"),
		byJob: map[string][]ingest.Notification{}, inv: map[string][]ingest.Notification{}, hasPost: map[string]bool{}}
	if w.origDir == "" {
		w.origDir = dir
	}
	if d, err := ingest.ReadDAGNodes(filepath.Join(dir, filepath.Base(bd.DagFile()))); err == nil {
		for _, node := range d.Nodes {
			w.hasPost[node.Name] = node.Post != nil
		}
	}
	for _, nt := range list {
		switch nt.Level {
		case "WORKFLOW":
			if nt.ID == e.Wf {
				w.wf = append(w.wf, nt)
			}
		case "INVOCATION":
			w.inv[nt.ID] = append(w.inv[nt.ID], nt)
		default:
			w.byJob[nt.ID] = append(w.byJob[nt.ID], nt)
		}
	}
	n.mu.Lock()
	n.wfs[e.Wf] = w
	n.mu.Unlock()
}

// matches reports whether a hook with condition cond fires for what happened
// (start, success, failure, end).
func matches(cond, what string) (bool, string) {
	switch what {
	case "start":
		if cond == "start" || cond == "all" {
			return true, "start"
		}
	case "success":
		switch cond {
		case "on_success", "at_end":
			return true, cond
		case "all":
			return true, "at_end"
		}
	case "failure":
		switch cond {
		case "on_error", "at_end":
			return true, cond
		case "all":
			return true, "at_end"
		}
	}
	return false, ""
}

// event looks at one event and fires the hooks it triggers.
func (n *notifier) event(e *ingest.Event) {
	if n.sem == nil {
		return
	}
	if e.Kind == ingest.WfPlan {
		n.workflow(e)
		return
	}
	n.mu.Lock()
	w := n.wfs[e.Wf]
	skip := n.skip[e.Src.File]
	n.mu.Unlock()
	if w == nil || (e.Src.Line > 0 && e.Src.Line <= skip) {
		return
	}
	base := map[string]string{
		"PEGASUS_EVENT_TIMESTAMP":     strconv.FormatInt(int64(e.TS), 10),
		"PEGASUS_EVENT_TIMESTAMP_ISO": isoLocal(time.Unix(int64(e.TS), 0)),
		"PEGASUS_SUBMIT_DIR":          w.origDir,
		"PEGASUS_WFID":                w.label,
	}
	switch e.Kind {
	case ingest.XwfStart:
		for _, nt := range w.wf {
			if ok, ev := matches(nt.Condition, "start"); ok {
				n.run(nt, ev, with(base, "PEGASUS_JOBID", w.uuid, "PEGASUS_STDOUT", e.Src.File))
			}
		}
	case ingest.XwfEnd:
		what := "success"
		if e.Status != 0 {
			what = "failure"
		}
		for _, nt := range w.wf {
			if ok, ev := matches(nt.Condition, what); ok {
				n.run(nt, ev, with(base, "PEGASUS_JOBID", w.uuid, "PEGASUS_STDOUT", e.Src.File, "PEGASUS_STATUS", strconv.Itoa(e.Status)))
			}
		}
	case ingest.MainStart:
		for _, nt := range w.byJob[e.Job] {
			if ok, ev := matches(nt.Condition, "start"); ok {
				env := with(base, "PEGASUS_JOBID", e.Job)
				if e.Files != nil {
					env = with(env, "PEGASUS_STDOUT", filepath.Join(w.origDir, e.Files.Stdout), "PEGASUS_STDERR", filepath.Join(w.origDir, e.Files.Stderr))
				}
				n.run(nt, ev, env)
			}
		}
	case ingest.MainEnd, ingest.PostEnd:
		// A node's end: its POST script's when it has one.
		if e.Kind == ingest.MainEnd && w.hasPost[e.Job] {
			n.rememberEnd(w, e)
			return
		}
		what, status := "success", "0"
		if e.ExitCode != 0 {
			what, status = "failure", strconv.Itoa(ingest.RegularExit(e.ExitCode))
		}
		env := with(base, "PEGASUS_JOBID", e.Job, "PEGASUS_STATUS", status)
		if end := n.endOf(w, e); end != nil {
			env = with(env, "PEGASUS_STDOUT", filepath.Join(w.origDir, end.StdoutFile), "PEGASUS_STDERR", filepath.Join(w.origDir, end.StderrFile))
		}
		for _, nt := range w.byJob[e.Job] {
			if ok, ev := matches(nt.Condition, what); ok {
				n.run(nt, ev, env)
			}
		}
	case ingest.InvEnd:
		if e.Inv == nil || e.Inv.TaskSeq < 1 {
			return
		}
		for _, nt := range w.inv[e.Job] {
			if nt.Task != e.Inv.TaskSeq {
				continue
			}
			what := "success"
			if e.ExitCode != 0 {
				what = "failure"
			}
			ok, ev := matches(nt.Condition, what)
			if !ok {
				continue
			}
			env := with(base, "PEGASUS_JOBID", e.Job, "PEGASUS_INVID", strconv.Itoa(e.Inv.TaskSeq),
				"PEGASUS_STATUS", strconv.Itoa(ingest.RegularExit(e.ExitCode)))
			if e.End != nil && e.End.StdoutFile != "" {
				// The files of the job try the task ran in.
				env = with(env, "PEGASUS_STDOUT", filepath.Join(w.origDir, e.End.StdoutFile), "PEGASUS_STDERR", filepath.Join(w.origDir, e.End.StderrFile))
			}
			n.run(nt, ev, env)
		}
	}
}

// The main.end of a node with a POST script carries its output files; the
// hook fires at the POST script's end.
type endKey struct {
	wf, job string
	inst    int
}

func (n *notifier) rememberEnd(w *notifyWf, e *ingest.Event) {
	if len(w.byJob[e.Job]) > 0 && e.End != nil {
		n.ends.Store(endKey{w.uuid, e.Job, e.Inst}, e.End)
	}
}

func (n *notifier) endOf(w *notifyWf, e *ingest.Event) *ingest.JobEnd {
	if e.End != nil {
		return e.End
	}
	if v, ok := n.ends.LoadAndDelete(endKey{w.uuid, e.Job, e.Inst}); ok {
		return v.(*ingest.JobEnd)
	}
	return nil
}

func with(m map[string]string, kv ...string) map[string]string {
	c := make(map[string]string, len(m)+len(kv)/2)
	for k, v := range m {
		c[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

// run starts one action asynchronously.
func (n *notifier) run(nt ingest.Notification, event string, env map[string]string) {
	args, err := splitAction(nt.Action)
	if err != nil || len(args) == 0 {
		n.log(fmt.Sprintf("%s - %s - %s - %s - cannot parse action: %v", isoLocal(time.Now()), env["PEGASUS_JOBID"], event, nt.Action, err))
		return
	}
	env = with(env, "PEGASUS_EVENT", event)
	n.mu.Lock()
	n.fired++
	n.mu.Unlock()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		select {
		case n.sem <- struct{}{}:
		case <-n.closing:
			n.log(fmt.Sprintf("%s - %s - %s - %s - not run: pegasus-monitord ended (waited %s for the actions before it)",
				isoLocal(time.Now()), env["PEGASUS_JOBID"], event, nt.Action, n.cfg.EndWait))
			return
		}
		defer func() { <-n.sem }()
		start := time.Now()
		status, stdout, stderr := n.exec(args, env)
		line := fmt.Sprintf("%s - %s - %s - %s - %s", isoLocal(start), env["PEGASUS_JOBID"], event, nt.Action, status)
		if n.cfg.Verbose || status != "0" {
			var b strings.Builder
			fmt.Fprintf(&b, "Notification time  : %s\nNotification event : %s\nNotification action: %s\nNotification status: %s\n",
				isoLocal(start), event, nt.Action, status)
			for _, k := range sortedKeys(env) {
				fmt.Fprintf(&b, "  %s=%s\n", k, env[k])
			}
			fmt.Fprintf(&b, "stdout:\n%s\nstderr:\n%s\n", stdout, stderr)
			if n.cfg.Verbose {
				line = b.String()
			} else {
				line += "\n" + b.String()
			}
		}
		n.log(line)
	}()
}

func (n *notifier) exec(args []string, env map[string]string) (status, stdout, stderr string) {
	ctx := context.Background()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append([]string(nil), n.cfg.Env...)
	for _, k := range sortedKeys(env) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "failed to start: " + err.Error(), "", ""
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timeout <-chan time.Time
	if n.cfg.Timeout > 0 {
		timeout = time.After(n.cfg.Timeout)
	}
	var err error
	kill := func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			err = <-done
		}
	}
	select {
	case err = <-done:
	case <-timeout:
		kill()
		return fmt.Sprintf("timed out after %s (%v)", n.cfg.Timeout, err), truncate(o.String()), truncate(e.String())
	case <-n.closing:
		kill()
		return fmt.Sprintf("killed: pegasus-monitord ended, %s after the run was loaded (%v)", n.cfg.EndWait, err), truncate(o.String()), truncate(e.String())
	}
	status = "0"
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			status = strconv.Itoa(ee.ExitCode())
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				status = "killed by " + ws.Signal().String()
			}
		} else {
			status = err.Error()
		}
	}
	return status, truncate(o.String()), truncate(e.String())
}

func truncate(s string) string {
	if len(s) > 16<<10 {
		return s[:16<<10] + "\n[truncated]"
	}
	return s
}

func (n *notifier) log(line string) {
	if n.cfg.Log == "" {
		return
	}
	n.logMu.Lock()
	defer n.logMu.Unlock()
	f, err := os.OpenFile(n.cfg.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteString(strings.TrimRight(line, "\n") + "\n")
}

// wait waits for the running actions (monitord waits for them at shutdown).
// wait waits for the actions still running or queued, at most EndWait.
func (n *notifier) wait() {
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(n.cfg.EndWait):
		close(n.closing)
		<-done
	}
}

// splitAction splits an action line with shell-like quoting (single quotes,
// double quotes with backslash escapes, backslash escapes), without a shell.
func splitAction(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
			in = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unbalanced single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			in = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unbalanced double quote")
			}
			in = true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
