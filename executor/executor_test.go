package executor

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
)

// wfDir is a hand-written DAG with shell jobs, for tests.
type wfDir struct {
	t   *testing.T
	dir string
	dag strings.Builder
}

func newWF(t *testing.T) *wfDir {
	return &wfDir{t: t, dir: t.TempDir()}
}

// job adds a node whose job runs script with /bin/sh in the DAG directory;
// extra lines go into the submit file.
func (w *wfDir) job(name, script string, extra ...string) {
	w.t.Helper()
	sub := fmt.Sprintf("universe = local\nexecutable = /bin/sh\narguments = \"-c '%s' %s\"\noutput = %s.out\nerror = %s.err\nlog = wf.log\n%s\nqueue\n",
		strings.NewReplacer("'", "''", `"`, `""`).Replace(script), name, name, name, strings.Join(extra, "\n"))
	if err := os.WriteFile(filepath.Join(w.dir, name+".sub"), []byte(sub), 0o644); err != nil {
		w.t.Fatal(err)
	}
	fmt.Fprintf(&w.dag, "JOB %s %s.sub\n", name, name)
}

func (w *wfDir) line(s string) { w.dag.WriteString(s + "\n") }

func (w *wfDir) path() string {
	w.t.Helper()
	p := filepath.Join(w.dir, "wf.dag")
	if err := os.WriteFile(p, []byte(w.dag.String()), 0o644); err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *wfDir) run(cfg Config) *Result {
	w.t.Helper()
	cfg.DAG = w.path()
	if cfg.KillGrace == 0 {
		cfg.KillGrace = time.Second
	}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		w.t.Fatalf("Run: %v\n%s", err, w.read("wf.dag.dagman.out"))
	}
	return res
}

func (w *wfDir) read(name string) string {
	b, _ := os.ReadFile(filepath.Join(w.dir, name))
	return string(b)
}

// classify parses a dagman.out with monitord's classifier.
func classify(t *testing.T, path string) []ingest.DagmanLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dc := &ingest.DagmanClassifier{Clock: &ingest.Clock{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var out []ingest.DagmanLine
	n := 0
	for sc.Scan() {
		n++
		dl := dc.Classify(sc.Bytes(), n)
		if !dl.HasTS {
			t.Fatalf("%s:%d: no time stamp: %q", path, n, sc.Text())
		}
		out = append(out, dl)
	}
	return out
}

// events returns "node:EVENT" for the job lines monitord acts on.
func nodeEvents(lines []ingest.DagmanLine, node string) []string {
	var out []string
	last := ""
	for _, dl := range lines {
		if dl.Kind == ingest.LineSubmitting {
			last = dl.Node
		}
		if dl.Kind == ingest.LineSubmitFailed && last == node {
			out = append(out, "submit-failed")
			continue
		}
		if dl.Node != node {
			continue
		}
		switch dl.Kind {
		case ingest.LineULog:
			out = append(out, dl.Name)
		case ingest.LineSubmitting:
			out = append(out, "submitting")
		case ingest.LineSubmitFailed:
			out = append(out, "submit-failed")
		case ingest.LineScriptStart:
			out = append(out, map[bool]string{true: "pre", false: "post"}[dl.Pre]+"-start")
		case ingest.LineScriptEnd:
			s := map[bool]string{true: "pre", false: "post"}[dl.Pre]
			if dl.OK {
				out = append(out, s+"-ok")
			} else {
				out = append(out, s+"-failed-"+strconv.Itoa(dl.Status))
			}
		case ingest.LineJobFailed:
			if dl.Signal {
				out = append(out, "signal-"+strconv.Itoa(dl.Status))
			} else {
				out = append(out, "failed-"+strconv.Itoa(dl.Status))
			}
		case ingest.LineJobSuccess:
			out = append(out, "success")
		}
	}
	return out
}

func kinds(lines []ingest.DagmanLine, k ingest.LineKind) []ingest.DagmanLine {
	var out []ingest.DagmanLine
	for _, dl := range lines {
		if dl.Kind == k {
			out = append(out, dl)
		}
	}
	return out
}

func TestDiamond(t *testing.T) {
	w := newWF(t)
	// Each job appends its name to order.txt; D checks its parents ran.
	w.job("A", "echo A >> order.txt")
	w.job("B", "echo B >> order.txt")
	w.job("C", "echo C >> order.txt")
	w.job("D", "grep -q B order.txt && grep -q C order.txt && echo D >> order.txt")
	w.line("PARENT A CHILD B C")
	w.line("PARENT B C CHILD D")
	res := w.run(Config{})
	if res.ExitCode != 0 || res.Done != 4 || res.Rescue != "" {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}
	order := strings.Fields(w.read("order.txt"))
	if len(order) != 4 || order[0] != "A" || order[3] != "D" {
		t.Fatalf("order %v", order)
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	for _, n := range []string{"A", "B", "C", "D"} {
		got := strings.Join(nodeEvents(lines, n), " ")
		if got != "submitting SUBMIT EXECUTE JOB_TERMINATED success" {
			t.Errorf("%s: %s", n, got)
		}
	}
	if k := kinds(lines, ingest.LineStartingUp); len(k) != 1 {
		t.Errorf("%d STARTING UP lines", len(k))
	}
	if k := kinds(lines, ingest.LineParsing); len(k) != 1 || k[0].Text != "wf.dag" {
		t.Errorf("Parsing lines %+v", k)
	}
	if k := kinds(lines, ingest.LinePID); len(k) != 1 || k[0].Status != os.Getpid() {
		t.Errorf("PID lines %+v", k)
	}
	ex := kinds(lines, ingest.LineExiting)
	if len(ex) != 1 || ex[0].Status != 0 || lines[len(lines)-1].Kind != ingest.LineExiting {
		t.Errorf("exit lines %+v", ex)
	}
	last := kinds(lines, ingest.LineNodeCounts)
	if c := last[len(last)-1].Counts; c[0] != 4 || c[6] != 0 {
		t.Errorf("last counts %v", c)
	}
	metrics := w.read("wf.dag.metrics")
	for _, want := range []string{`"exitcode":0`, `"jobs":4`, `"jobs_succeeded":4`, `"total_jobs_run":4`, `"DagStatus":0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, metrics)
		}
	}
	ulog := w.read("wf.log")
	if strings.Count(ulog, "Job terminated.") != 4 || strings.Count(ulog, "Job submitted from host") != 4 || !strings.Contains(ulog, "(1) Normal termination (return value 0)") {
		t.Errorf("job event log:\n%s", ulog)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "wf.dag.lock")); err == nil {
		t.Error("lock file left behind")
	}
}

// A failing node is retried, then fails; its descendants are futile, the
// independent branch still runs, and a rescue DAG lets a second run
// resume: only what did not succeed runs again.
func TestRetryRescueResume(t *testing.T) {
	w := newWF(t)
	w.job("A", "echo A >> runs.txt")
	w.job("B", "echo B >> runs.txt; test -f fixed")
	w.job("C", "echo C >> runs.txt")
	w.job("D", "echo D >> runs.txt")
	w.line("PARENT A CHILD B C")
	w.line("PARENT B CHILD D")
	w.line("RETRY B 2")
	res := w.run(Config{})
	if res.ExitCode != 1 || res.Done != 2 || res.Failed != 1 || res.Futile != 1 {
		t.Fatalf("result %+v", res)
	}
	if got := strings.Fields(w.read("runs.txt")); strings.Count(strings.Join(got, ""), "B") != 3 {
		t.Fatalf("B ran %v, want 3 tries", got)
	}
	if res.Rescue != filepath.Join(w.dir, "wf.dag.rescue001") || len(res.Failures) != 1 || res.Failures[0].Node != "B" || res.Failures[0].Retries != 2 {
		t.Fatalf("rescue %q failures %+v", res.Rescue, res.Failures)
	}
	rescue := w.read("wf.dag.rescue001")
	for _, want := range []string{"# Rescue DAG version: 2.0.1 (partial)", "# Nodes that failed: 1\n#   B,<ENDLIST>", "DONE A\nDONE C\n", "RETRY B 2"} {
		if !strings.Contains(rescue, want) {
			t.Errorf("rescue DAG lacks %q:\n%s", want, rescue)
		}
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	want := "submitting SUBMIT EXECUTE JOB_TERMINATED failed-1 submitting SUBMIT EXECUTE JOB_TERMINATED failed-1 submitting SUBMIT EXECUTE JOB_TERMINATED failed-1"
	if got := strings.Join(nodeEvents(lines, "B"), " "); got != want {
		t.Errorf("B events\n%s\nwant\n%s", got, want)
	}
	if ex := kinds(lines, ingest.LineExiting); ex[0].Status != 1 {
		t.Errorf("exit %d", ex[0].Status)
	}
	if !strings.Contains(w.read("wf.dag.dagman.out"), "Retrying node B (retry #2 of 2)...") {
		t.Error("no retry line")
	}

	// Fix the cause and run again: A and C are not run again.
	os.WriteFile(filepath.Join(w.dir, "fixed"), nil, 0o644)
	os.WriteFile(filepath.Join(w.dir, "runs.txt"), nil, 0o644)
	res = w.run(Config{})
	if res.ExitCode != 0 || res.Done != 4 {
		t.Fatalf("second run %+v", res)
	}
	if got := strings.Fields(w.read("runs.txt")); strings.Join(got, " ") != "B D" {
		t.Fatalf("second run ran %v, want B D", got)
	}
	lines = classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if n := len(kinds(lines, ingest.LineStartingUp)); n != 2 {
		t.Errorf("%d STARTING UP banners, want 2 (the log is appended)", n)
	}
	if n := len(kinds(lines, ingest.LineParsing)); n != 2 {
		t.Errorf("%d Parsing lines, want 2", n)
	}
	// HTCondor ids stay unique across runs.
	seen := map[string]bool{}
	for _, dl := range kinds(lines, ingest.LineULog) {
		if dl.Name == "SUBMIT" {
			if seen[dl.Sched] {
				t.Errorf("id %s used twice", dl.Sched)
			}
			seen[dl.Sched] = true
		}
	}
	if !strings.Contains(w.read("wf.dag.dagman.out"), "USING RESCUE DAG wf.dag.rescue001") {
		t.Error("second run does not say it uses the rescue DAG")
	}
}

func TestPostScriptDecides(t *testing.T) {
	w := newWF(t)
	w.job("ok_post_fails", "exit 0")
	w.line("SCRIPT POST ok_post_fails /bin/sh -c false")
	w.job("fails_post_ok", "exit 3")
	w.line("SCRIPT POST fails_post_ok post.sh $JOB $RETURN $RETRY")
	os.WriteFile(filepath.Join(w.dir, "post.sh"), []byte("#!/bin/sh\necho \"$@\" >> post.txt\nexit 0\n"), 0o755)
	w.job("pre_fails", "exit 0")
	w.line("SCRIPT PRE pre_fails pre.sh")
	os.WriteFile(filepath.Join(w.dir, "pre.sh"), []byte("#!/bin/sh\nexit 4\n"), 0o755)
	res := w.run(Config{})
	if res.ExitCode != 1 || res.Done != 1 || res.Failed != 2 {
		t.Fatalf("result %+v", res)
	}
	if got := strings.TrimSpace(w.read("post.txt")); got != "fails_post_ok 3 0" {
		t.Errorf("POST arguments %q", got)
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if got := strings.Join(nodeEvents(lines, "ok_post_fails"), " "); got != "submitting SUBMIT EXECUTE JOB_TERMINATED success post-start POST_SCRIPT_TERMINATED post-failed-1" {
		t.Errorf("ok_post_fails: %s", got)
	}
	if got := strings.Join(nodeEvents(lines, "fails_post_ok"), " "); got != "submitting SUBMIT EXECUTE JOB_TERMINATED failed-3 post-start POST_SCRIPT_TERMINATED post-ok" {
		t.Errorf("fails_post_ok: %s", got)
	}
	if got := strings.Join(nodeEvents(lines, "pre_fails"), " "); got != "pre-start pre-failed-4" {
		t.Errorf("pre_fails: %s", got)
	}
	out := w.read("wf.dag.dagman.out")
	if !strings.Contains(out, "Error: Job exited with status 0 and POST Script failed with status 1") {
		t.Errorf("failure report:\n%s", out)
	}
}

// Limits: -maxjobs, MAXJOBS per category, and PRIORITY order.
func TestLimitsAndPriority(t *testing.T) {
	w := newWF(t)
	// Each job records its start and end; overlap gives the concurrency.
	rec := "echo `date +%s%N` start $0 >> log.txt; sleep 0.2; echo `date +%s%N` end $0 >> log.txt"
	for i := 0; i < 6; i++ {
		w.job(fmt.Sprintf("a%d", i), rec)
		w.line(fmt.Sprintf("CATEGORY a%d small", i))
	}
	w.line("MAXJOBS small 2")
	res := w.run(Config{MaxJobs: 3})
	if res.ExitCode != 0 {
		t.Fatal(res)
	}
	if got := maxOverlap(t, w.read("log.txt")); got != 2 {
		t.Errorf("category small ran %d at once, want 2", got)
	}

	w = newWF(t)
	for i := 0; i < 6; i++ {
		w.job(fmt.Sprintf("b%d", i), rec)
		w.line(fmt.Sprintf("PRIORITY b%d %d", i, i*10))
	}
	res = w.run(Config{MaxJobs: 1})
	if res.ExitCode != 0 {
		t.Fatal(res)
	}
	if got := maxOverlap(t, w.read("log.txt")); got != 1 {
		t.Errorf("-maxjobs 1 ran %d at once", got)
	}
	var order []string
	for _, l := range strings.Split(strings.TrimSpace(w.read("log.txt")), "\n") {
		if f := strings.Fields(l); f[1] == "start" {
			order = append(order, f[2])
		}
	}
	if strings.Join(order, " ") != "b5 b4 b3 b2 b1 b0" {
		t.Errorf("start order %v, want by priority", order)
	}
}

func maxOverlap(t *testing.T, log string) int {
	t.Helper()
	type ev struct {
		at    int64
		delta int
	}
	var evs []ev
	for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
		f := strings.Fields(l)
		at, _ := strconv.ParseInt(f[0], 10, 64)
		d := 1
		if f[1] == "end" {
			d = -1
		}
		evs = append(evs, ev{at, d})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].at != evs[j].at {
			return evs[i].at < evs[j].at
		}
		return evs[i].delta < evs[j].delta
	})
	cur, best := 0, 0
	for _, e := range evs {
		cur += e.delta
		if cur > best {
			best = cur
		}
	}
	return best
}
