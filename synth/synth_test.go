package synth

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests pin America/Los_Angeles whatever the host has

	"go.yaml.in/yaml/v3"

	"github.com/pegasus-go/pegasus/ingest"
)

func losAngeles(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// testOptions is a small workflow with every kind of failure.
func testOptions(t testing.TB, dir string) Options {
	return Options{
		Dir: dir, SubmitDir: "/home/pegasus/submit/pegasus/synth/run0001",
		Jobs: 160, Seed: 42, FailRate: 0.18, HoldRate: 0.08, Width: 4, Depth: 2,
		Location: losAngeles(t), Slots: 24,
	}
}

func generate(t testing.TB, o Options) *Truth {
	t.Helper()
	tr, err := Generate(context.Background(), o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return tr
}

// tree reads every file under dir, keyed by relative path.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		m[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDeterminism(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	oa := testOptions(t, a)
	ob := testOptions(t, b)
	ob.Workers = 1 // a different degree of parallelism must not change a byte
	oc := testOptions(t, c)
	oc.Seed = 43
	generate(t, oa)
	generate(t, ob)
	generate(t, oc)
	ta, tb, tc := tree(t, a), tree(t, b), tree(t, c)
	if len(ta) != len(tb) {
		t.Fatalf("same seed: %d files vs %d", len(ta), len(tb))
	}
	for name, data := range ta {
		if !bytes.Equal(data, tb[name]) {
			t.Errorf("same seed: %s differs", name)
		}
	}
	if bytes.Equal(ta["synth-0.dag.dagman.out"], tc["synth-0.dag.dagman.out"]) {
		t.Error("different seeds gave the same dagman.out")
	}
	if bytes.Equal(ta["braindump.yml"], tc["braindump.yml"]) {
		t.Error("different seeds gave the same braindump (wf_uuid)")
	}
}

func TestRejectsNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(context.Background(), testOptions(t, dir))
	if err == nil || !strings.Contains(err.Error(), ErrDirNotEmpty.Error()) {
		t.Fatalf("got %v, want ErrDirNotEmpty", err)
	}
	if _, err := Generate(context.Background(), Options{Dir: t.TempDir()}); err == nil {
		t.Fatal("Jobs 0 accepted")
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, testOptions(t, t.TempDir()))
	if err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// Line patterns from FORMATS.md §1.2 (monitord's rules) and §1.3.
var (
	reStamp    = regexp.MustCompile(`^(\d\d/\d\d/\d\d \d\d:\d\d:\d\d) (.*)$`)
	reULog     = regexp.MustCompile(`Event: ULOG_(\w+) for (?:HT)?Condor (?:Job|Node) (\S+) \((-?\d+)\.(-?\d+)(?:\.(-?\d+))?\)(?: \{(\d\d/\d\d/\d\d \d\d:\d\d:\d\d)\})?$`)
	reSubmit   = regexp.MustCompile(`^Submitting (?:HT)?Condor Node (\S+) job\(s\)\.\.\.$`)
	reRunPost  = regexp.MustCompile(`^(?:\(D_\w+\) )?Running (PRE|POST) script of (?:Job|Node) (\S+)\.\.\.$`)
	rePostEnd  = regexp.MustCompile(`^(?:\(D_\w+\) )?(PRE|POST) Script of (?:Job|node|Node) (\S+) (completed successfully\.|failed with status (-?\d+)\.?)$`)
	reJobFail  = regexp.MustCompile(`^(?:\(D_\w+\) )?Node (\S+) job proc \(([-\d.]+)\) failed with (status|signal) (-?\d+)\.$`)
	reJobOK    = regexp.MustCompile(`^(?:\(D_\w+\) )?Node (\S+) job proc \(([-\d.]+)\) completed successfully\.$`)
	reExit     = regexp.MustCompile(`\(condor_DAGMAN\).* EXITING WITH STATUS (\d+)$`)
	reStart    = regexp.MustCompile(`\*\* condor_scheduniv_exec\.(\S+) \(CONDOR_DAGMAN\) STARTING UP`)
	rePID      = regexp.MustCompile(`\*\* PID = (\d+)$`)
	reParsing  = regexp.MustCompile(`Parsing (\S+) \.\.\.$`)
	reVersion  = regexp.MustCompile(`\*\* \$CondorVersion: (\d+\.\d+\.\d+)`)
	reHold     = regexp.MustCompile(`^\s*Hold reason: (.+)$`)
	reDAGStat  = regexp.MustCompile(`^DAG status: (\d+) \((\w+)\)$`)
	reOfNodes  = regexp.MustCompile(`^Of (\d+) nodes total:$`)
	reCounts   = regexp.MustCompile(`^\s*\d+(\s+\d+){7}$`)
	reHeldNow  = regexp.MustCompile(`^(\d+) job proc\(s\) currently held$`)
	reAssigned = regexp.MustCompile(`^\tassigned HTCondor ID \((\d+)\.0\.0\)$`)
)

type ulogEv struct {
	name string
	at   int64 // braced time, epoch
	line int64 // line time, epoch
}

// dagmanLog is what the tests read back from dagman.out.
type dagmanLog struct {
	lines      int
	kinds      map[string]int
	clusters   map[string][]int64 // node -> HTCondor clusters, in submit order
	events     map[int64][]ulogEv // cluster -> ULOG events
	clusterOf  map[int64]string   // cluster -> node
	postFailed map[int64]bool     // cluster -> POST script failed
	jobStatus  map[int64]int      // cluster -> status in "failed with status"
	failedNode map[string]bool    // nodes in the final ERROR block
	start, end int64              // Parsing line, EXITING line
	exit       int
	holdReason map[int64]string
}

func readDagman(t *testing.T, path string, loc *time.Location) *dagmanLog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := &dagmanLog{kinds: map[string]int{}, clusters: map[string][]int64{}, events: map[int64][]ulogEv{},
		clusterOf: map[int64]string{}, postFailed: map[int64]bool{}, jobStatus: map[int64]int{},
		failedNode: map[string]bool{}, holdReason: map[int64]string{}, exit: -1}
	parse := func(s string) int64 {
		tm, err := time.ParseInLocation("01/02/06 15:04:05", s, loc)
		if err != nil {
			t.Fatalf("bad time %q: %v", s, err)
		}
		return tm.Unix()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var prev int64
	var lastCluster int64
	inError := false
	for sc.Scan() {
		d.lines++
		m := reStamp.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Fatalf("line %d has no DAGMan timestamp: %q", d.lines, sc.Text())
		}
		ts := parse(m[1])
		if ts < prev {
			t.Fatalf("line %d: time goes backwards (%s)", d.lines, m[1])
		}
		prev = ts
		msg := m[2]
		switch {
		case strings.HasPrefix(msg, "Event: ULOG_"):
			u := reULog.FindStringSubmatch(msg)
			if u == nil {
				t.Fatalf("line %d: ULOG line does not match §1.2 rule 1: %q", d.lines, msg)
			}
			c, _ := strconv.ParseInt(u[3], 10, 64)
			at := parse(u[6])
			if at > ts {
				t.Fatalf("line %d: event time after the line time", d.lines)
			}
			if d.clusterOf[c] != u[2] {
				t.Fatalf("line %d: cluster %d belongs to %s, not %s", d.lines, c, d.clusterOf[c], u[2])
			}
			d.events[c] = append(d.events[c], ulogEv{u[1], at, ts})
			d.kinds["ULOG_"+u[1]]++
			lastCluster = c
		case strings.HasPrefix(msg, "Submitting HTCondor Node"):
			if reSubmit.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: submit line does not match rule 2: %q", d.lines, msg)
			}
			d.kinds["submit"]++
		case strings.HasPrefix(msg, "\tassigned HTCondor ID"):
			a := reAssigned.FindStringSubmatch(msg)
			if a == nil {
				t.Fatalf("line %d: %q", d.lines, msg)
			}
			c, _ := strconv.ParseInt(a[1], 10, 64)
			// the node is on the previous "Submitting node X from file" line; recorded below
			lastCluster = c
			d.kinds["assigned"]++
		case strings.HasPrefix(msg, "Submitting node "):
			name := strings.Fields(msg)[2]
			d.clusters[name] = append(d.clusters[name], 0) // cluster filled on the next line
		case strings.HasPrefix(msg, "Running POST script"):
			if reRunPost.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q does not match rule 4", d.lines, msg)
			}
			d.kinds["post-start"]++
		case strings.HasPrefix(msg, "POST Script of"):
			p := rePostEnd.FindStringSubmatch(msg)
			if p == nil {
				t.Fatalf("line %d: %q does not match rule 5", d.lines, msg)
			}
			if p[4] != "" {
				d.postFailed[lastCluster] = true
			}
			d.kinds["post-end"]++
		case strings.Contains(msg, " job proc (") && strings.Contains(msg, "failed"):
			p := reJobFail.FindStringSubmatch(msg)
			if p == nil {
				t.Fatalf("line %d: %q does not match rule 6", d.lines, msg)
			}
			n, _ := strconv.Atoi(p[4])
			d.jobStatus[lastCluster] = n
			d.kinds["job-failed"]++
		case strings.Contains(msg, " job proc (") && strings.HasSuffix(msg, "completed successfully."):
			if reJobOK.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q does not match rule 7", d.lines, msg)
			}
			d.jobStatus[lastCluster] = 0
			d.kinds["job-ok"]++
		case strings.Contains(msg, "EXITING WITH STATUS"):
			p := reExit.FindStringSubmatch(msg)
			if p == nil {
				t.Fatalf("line %d: %q does not match rule 8", d.lines, msg)
			}
			d.exit, _ = strconv.Atoi(p[1])
			d.end = ts
			d.kinds["exit"]++
		case strings.Contains(msg, "STARTING UP"):
			if reStart.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q does not match rule 9", d.lines, msg)
			}
			d.kinds["starting"]++
		case strings.HasPrefix(msg, "** PID"):
			if rePID.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q does not match rule 10", d.lines, msg)
			}
			d.kinds["pid"]++
		case strings.HasPrefix(msg, "Parsing ") && strings.HasSuffix(msg, " ..."):
			if reParsing.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q does not match rule 11", d.lines, msg)
			}
			d.start = ts
			d.kinds["parsing"]++
		case strings.HasPrefix(msg, "** $CondorVersion"):
			if reVersion.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q does not match rule 12", d.lines, msg)
			}
			d.kinds["version"]++
		case strings.Contains(msg, "Hold reason:"):
			p := reHold.FindStringSubmatch(msg)
			if p == nil {
				t.Fatalf("line %d: %q does not match rule 17", d.lines, msg)
			}
			d.holdReason[lastCluster] = p[1]
			d.kinds["hold-reason"]++
		case strings.HasPrefix(msg, "DAG status:"):
			if reDAGStat.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q", d.lines, msg)
			}
			d.kinds["dag-status"]++
		case strings.HasPrefix(msg, "Of ") && strings.HasSuffix(msg, "nodes total:"):
			if reOfNodes.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q", d.lines, msg)
			}
			d.kinds["of-nodes"]++
		case strings.HasSuffix(msg, "currently held"):
			if reHeldNow.FindStringSubmatch(msg) == nil {
				t.Fatalf("line %d: %q", d.lines, msg)
			}
			d.kinds["held-now"]++
		case reCounts.MatchString(msg):
			d.kinds["counts"]++
		case strings.HasPrefix(msg, "ERROR: the following job(s) failed:"):
			inError = true
		case inError && strings.HasPrefix(msg, "      Node Name: "):
			d.failedNode[strings.TrimPrefix(msg, "      Node Name: ")] = true
		}
		// Attach the cluster printed on an "assigned" line to the node submitted just before.
		if strings.HasPrefix(msg, "\tassigned HTCondor ID") {
			for name, cs := range d.clusters {
				if len(cs) > 0 && cs[len(cs)-1] == 0 {
					cs[len(cs)-1] = lastCluster
					d.clusterOf[lastCluster] = name
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestStructure(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	tr := generate(t, o)
	dag, err := ingest.ReadDAGFile(filepath.Join(dir, tr.DAGFile))
	if err != nil {
		t.Fatalf("ReadDAGFile: %v", err)
	}
	if got, want := len(dag.Nodes), tr.DAGNodes; got != want {
		t.Fatalf("DAG has %d nodes, truth says %d", got, want)
	}
	if got, want := len(dag.Edges), tr.Edges; got != want {
		t.Errorf("DAG has %d edges, truth says %d", got, want)
	}
	// Every JOB has its submit file; every node has POST, RETRY, PRIORITY.
	for _, n := range dag.Nodes {
		if _, err := os.Stat(filepath.Join(dir, n.SubmitFile)); err != nil {
			t.Errorf("node %s: %v", n.Name, err)
		}
		if n.Post == nil || !strings.Contains(n.Post.Executable, "pegasus-exitcode") {
			t.Errorf("node %s has no pegasus-exitcode POST script", n.Name)
		}
		if n.Retry != 1 {
			t.Errorf("node %s: RETRY %d, want 1", n.Name, n.Retry)
		}
	}
	// Acyclic: Kahn's algorithm consumes every node.
	indeg := map[string]int{}
	for _, n := range dag.Nodes {
		indeg[n.Name] = len(n.Parents)
	}
	var queue []string
	for _, n := range dag.Nodes {
		if indeg[n.Name] == 0 {
			queue = append(queue, n.Name)
		}
	}
	seen := 0
	for len(queue) > 0 {
		n := dag.Node(queue[0])
		queue = queue[1:]
		seen++
		for _, c := range n.Children {
			if indeg[c]--; indeg[c] == 0 {
				queue = append(queue, c)
			}
		}
	}
	if seen != len(dag.Nodes) {
		t.Fatalf("DAG has a cycle: %d of %d nodes sorted", seen, len(dag.Nodes))
	}

	log := readDagman(t, filepath.Join(dir, tr.DAGFile+".dagman.out"), o.Location)
	for _, k := range []string{"starting", "pid", "version", "parsing", "submit", "assigned", "ULOG_SUBMIT", "ULOG_EXECUTE",
		"ULOG_JOB_TERMINATED", "ULOG_POST_SCRIPT_TERMINATED", "ULOG_JOB_HELD", "ULOG_JOB_RELEASED", "ULOG_JOB_ABORTED",
		"ULOG_SHADOW_EXCEPTION", "hold-reason", "post-start", "post-end", "job-ok", "job-failed", "dag-status", "of-nodes",
		"counts", "held-now", "exit"} {
		if log.kinds[k] == 0 {
			t.Errorf("dagman.out has no %s line (this option set should produce every kind)", k)
		}
	}
	if log.kinds["dag-status"] != log.kinds["counts"] || log.kinds["dag-status"] != log.kinds["held-now"] {
		t.Errorf("status tables are incomplete: %v", log.kinds)
	}
	// Each try has .out.NNN and .err.NNN, numbered from 000, and no more.
	for _, n := range dag.Nodes {
		dirOf := filepath.Dir(filepath.Join(dir, n.SubmitFile))
		tries := len(log.clusters[n.Name])
		for k := 0; k < tries; k++ {
			for _, ext := range []string{".out.", ".err."} {
				if _, err := os.Stat(filepath.Join(dirOf, fmt.Sprintf("%s%s%03d", n.Name, ext, k))); err != nil {
					t.Errorf("try %d of %s: %v", k, n.Name, err)
				}
			}
		}
		if _, err := os.Stat(filepath.Join(dirOf, fmt.Sprintf("%s.out.%03d", n.Name, tries))); err == nil {
			t.Errorf("%s has a .out.%03d but only %d tries", n.Name, tries, tries)
		}
	}
}

// ksRecord is the part of a kickstart record the tests look at.
type ksRecord struct {
	Invocation     bool   `yaml:"invocation"`
	Version        string `yaml:"version"`
	Transformation string `yaml:"transformation"`
	Derivation     string `yaml:"derivation"`
	Hostname       string `yaml:"hostname"`
	Mainjob        struct {
		Duration float64 `yaml:"duration"`
		Status   struct {
			Raw    int  `yaml:"raw"`
			Signal *int `yaml:"signalled_signal"`
		} `yaml:"status"`
	} `yaml:"mainjob"`
	Jobids struct {
		Condor string `yaml:"condor"`
	} `yaml:"jobids"`
	Files map[string]struct {
		Output bool   `yaml:"output"`
		Data   string `yaml:"data"`
		Size   int64  `yaml:"size"`
	} `yaml:"files"`
}

func readRecord(t *testing.T, path string) *ksRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	var recs []ksRecord
	if err := yaml.Unmarshal(b, &recs); err != nil {
		t.Fatalf("%s is not valid YAML: %v", path, err)
	}
	if len(recs) != 1 || !recs[0].Invocation || recs[0].Version != "3.0" {
		t.Fatalf("%s: want one invocation record of version 3.0, got %+v", path, recs)
	}
	// Generic parse too: every key of the samples' records is present.
	var generic []map[string]any
	if err := yaml.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"start", "duration", "transformation", "derivation", "resource", "wf-label", "wf-stamp",
		"interface", "hostaddr", "hostname", "pid", "uid", "user", "gid", "group", "umask", "mainjob", "jobids", "cwd",
		"usage", "machine", "files"} {
		if _, ok := generic[0][k]; !ok {
			t.Errorf("%s: record has no %q", path, k)
		}
	}
	return &recs[0]
}

func TestTruthMatchesFiles(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	tr := generate(t, o)
	// truth.json on disk is the returned Truth.
	var disk Truth
	b, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &disk); err != nil {
		t.Fatal(err)
	}
	if disk.JobInstances != tr.JobInstances || disk.WfUUID != tr.WfUUID || len(disk.Failures) != len(tr.Failures) {
		t.Fatal("truth.json differs from the returned Truth")
	}
	if tr.JobsFailed == 0 || tr.HeldEvents == 0 || tr.Retries == 0 {
		t.Fatalf("test options should produce failures, holds and retries: %+v", tr)
	}

	log := readDagman(t, filepath.Join(dir, tr.DAGFile+".dagman.out"), o.Location)
	dag, err := ingest.ReadDAGFile(filepath.Join(dir, tr.DAGFile))
	if err != nil {
		t.Fatal(err)
	}
	submitted := 0
	for _, cs := range log.clusters {
		submitted += len(cs)
	}
	check := func(what string, got, want int64) {
		t.Helper()
		if got != want {
			t.Errorf("%s: files say %d, truth says %d", what, got, want)
		}
	}
	check("ULOG_SUBMIT lines", int64(log.kinds["ULOG_SUBMIT"]), int64(tr.JobInstances))
	check("Submitting lines", int64(submitted), int64(tr.JobInstances))
	check("retries", int64(submitted-len(log.clusters)), int64(tr.Retries))
	check("never submitted", int64(len(dag.Nodes)-len(log.clusters)), int64(tr.JobsNeverRun))
	check("ULOG_JOB_HELD lines", int64(log.kinds["ULOG_JOB_HELD"]), int64(tr.HeldEvents))
	check("ULOG_JOB_RELEASED lines", int64(log.kinds["ULOG_JOB_RELEASED"]), int64(tr.ReleasedEvents))
	check("ULOG_JOB_ABORTED lines", int64(log.kinds["ULOG_JOB_ABORTED"]), int64(tr.AbortedEvents))
	check("failed POST scripts", int64(len(log.postFailed)), int64(len(tr.Failures)))
	check("failed nodes", int64(len(log.failedNode)), int64(tr.JobsFailed))
	check("exit status", int64(log.exit), int64(tr.DAGManExitStatus))
	check("workflow start", log.start, tr.WorkflowStart)
	check("workflow end", log.end, tr.WorkflowEnd)
	check("wall time", log.end-log.start, tr.WorkflowWall)

	// Succeeded jobs are the rescue DAG's DONE lines.
	// (A partial rescue DAG only makes sense on top of the original DAG.)
	rescue, err := os.ReadFile(filepath.Join(dir, tr.RescueDAG))
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, line := range strings.Split(string(rescue), "\n") {
		if name, ok := strings.CutPrefix(line, "DONE "); ok {
			if dag.Node(name) == nil {
				t.Errorf("rescue DAG: DONE for unknown node %s", name)
			}
			done++
		}
	}
	check("rescue DONE lines", int64(done), int64(tr.JobsSucceeded))

	// Submit side: JOB_TERMINATED - last EXECUTE per try, as written in dagman.out.
	var ss, ssBad, aborted int64
	for c, evs := range log.events {
		var exec, term, abort int64 = -1, -1, -1
		for _, e := range evs {
			switch e.name {
			case "EXECUTE":
				exec = e.at
			case "JOB_TERMINATED":
				term = e.at
			case "JOB_ABORTED":
				abort = e.at
			}
		}
		if term >= 0 {
			ss += term - exec
			if log.postFailed[c] {
				ssBad += term - exec
			}
		}
		if abort >= 0 {
			aborted += abort - exec
		}
	}
	check("submit-side seconds", ss, tr.SubmitSideSeconds)
	check("submit-side badput seconds", ssBad, tr.SubmitSideBadputSeconds)
	check("aborted run seconds", aborted, tr.AbortedRunSeconds)

	// Kickstart side, per transformation, from every .out.NNN.
	type agg struct {
		n, ok, bad      int
		min, max, total int64
	}
	perXf := map[string]*agg{}
	var ksMs, ksBadMs int64
	records := 0
	failuresByTry := map[string]Failure{}
	for _, f := range tr.Failures {
		failuresByTry[fmt.Sprintf("%s/%d", f.Job, f.Try)] = f
	}
	statsOK, statsFailed, computeTries, computeTried := 0, 0, 0, 0
	for _, n := range dag.Nodes {
		if cs := log.clusters[n.Name]; len(cs) > 0 && strings.Contains(n.Name, "_ID") {
			computeTried++
			computeTries += len(cs)
			last := readRecord(t, filepath.Join(dir, filepath.Dir(n.SubmitFile), fmt.Sprintf("%s.out.%03d", n.Name, len(cs)-1)))
			if last != nil && last.Mainjob.Status.Raw == 0 {
				statsOK++
			} else {
				statsFailed++
			}
		}
		for k, c := range log.clusters[n.Name] {
			path := filepath.Join(dir, filepath.Dir(n.SubmitFile), fmt.Sprintf("%s.out.%03d", n.Name, k))
			rec := readRecord(t, path)
			f, failed := failuresByTry[fmt.Sprintf("%s/%d", n.Name, k+1)]
			if failed != log.postFailed[c] {
				t.Errorf("%s try %d: in failures %v, POST failed %v", n.Name, k+1, failed, log.postFailed[c])
			}
			if rec == nil {
				if !failed || f.Cause != "held-aborted" {
					t.Errorf("%s: empty record but cause %q", path, f.Cause)
				}
				continue
			}
			if got := rec.Jobids.Condor; got != fmt.Sprintf("%d.0", c) {
				t.Errorf("%s: jobids.condor %s, dagman.out says %d", path, got, c)
			}
			records++
			ms := int64(math.Round(rec.Mainjob.Duration * 1000))
			ksMs += ms
			raw := rec.Mainjob.Status.Raw
			if raw > 0 {
				ksBadMs += ms
			}
			a := perXf[rec.Transformation]
			if a == nil {
				a = &agg{min: ms, max: ms}
				perXf[rec.Transformation] = a
			}
			a.n++
			a.total += ms
			a.min, a.max = min(a.min, ms), max(a.max, ms)
			if raw == 0 {
				a.ok++
			} else {
				a.bad++
			}
			if failed {
				if f.RawStatus != raw {
					t.Errorf("%s: raw status %d, truth %d", path, raw, f.RawStatus)
				}
				first, _, _ := strings.Cut(rec.Files["stderr"].Data, "\n")
				if first != f.StderrFirstLine {
					t.Errorf("%s: first stderr line %q, truth %q", path, first, f.StderrFirstLine)
				}
				if want, ok := map[string]int{"exit:1": 256, "exit:2": 512, "signal:9": 9, "missing-input": 256,
					"permission-denied": 256, "post-script": 0}[f.Cause]; !ok || want != raw {
					t.Errorf("%s: cause %s with raw status %d", path, f.Cause, raw)
				}
				if status, ok := log.jobStatus[c]; !ok || status != f.ExitCode {
					t.Errorf("%s: DAGMan job status %d, truth exit code %d", path, status, f.ExitCode)
				}
			} else if raw != 0 {
				t.Errorf("%s: raw status %d on a successful try", path, raw)
			}
		}
	}
	check("kickstart records", int64(records), int64(tr.KickstartRecords))
	check("statistics tasks succeeded", int64(statsOK), int64(tr.StatsTasksSucceeded))
	check("statistics tasks failed", int64(statsFailed), int64(tr.StatsTasksFailed))
	check("task retries", int64(computeTries-computeTried), int64(tr.TaskRetries))
	check("kickstart ms", ksMs, int64(math.Round(tr.KickstartSeconds*1000)))
	check("kickstart badput ms", ksBadMs, int64(math.Round(tr.KickstartBadputSeconds*1000)))
	if len(perXf) != len(tr.Transformations) {
		t.Errorf("%d transformations in records, %d in truth", len(perXf), len(tr.Transformations))
	}
	for _, x := range tr.Transformations {
		a := perXf[x.Name]
		if a == nil {
			t.Errorf("transformation %s not in any record", x.Name)
			continue
		}
		if a.n != x.Count || a.ok != x.Succeeded || a.bad != x.Failed || a.min != int64(math.Round(x.Min*1000)) ||
			a.max != int64(math.Round(x.Max*1000)) || a.total != int64(math.Round(x.Total*1000)) {
			t.Errorf("transformation %s: records %+v, truth %+v", x.Name, *a, x)
		}
	}
	// Held tries carry the hold reason logged by DAGMan.
	for c, reason := range log.holdReason {
		name := log.clusterOf[c]
		k := indexOf(log.clusters[name], c)
		if f, ok := failuresByTry[fmt.Sprintf("%s/%d", name, k+1)]; ok && f.HoldReason != "" && f.HoldReason != reason {
			t.Errorf("%s try %d: hold reason %q, truth %q", name, k+1, reason, f.HoldReason)
		}
	}
	// Types.
	types := map[string]int{}
	tasks := 0
	for _, n := range dag.Nodes {
		sub := subKeys(t, filepath.Join(dir, n.SubmitFile))
		class, _ := strconv.Atoi(sub["+pegasus_job_class"])
		types[typeDesc[class]]++
		if class == typeCompute {
			tasks++
		}
	}
	if fmt.Sprint(types) != fmt.Sprint(tr.NodesByType) {
		t.Errorf("job classes in .sub files %v, truth %v", types, tr.NodesByType)
	}
	check("compute tasks", int64(tasks), int64(tr.ComputeTasks))
	check("tasks", int64(tr.TasksSucceeded+tr.TasksFailed+tr.TasksIncomplete), int64(tr.ComputeTasks))
}

func indexOf(a []int64, v int64) int {
	for i, x := range a {
		if x == v {
			return i
		}
	}
	return -1
}

func TestSuccessfulWorkflow(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.FailRate, o.HoldRate, o.Jobs = 0, 0, 40
	tr := generate(t, o)
	if tr.DAGManExitStatus != 0 || tr.JobsSucceeded != tr.DAGNodes || tr.Retries != 0 || len(tr.Failures) != 0 {
		t.Fatalf("a workflow without failures did not succeed: %+v", tr)
	}
	if tr.RescueDAG != "" {
		t.Error("rescue DAG named for a successful run")
	}
	if _, err := os.Stat(filepath.Join(dir, "synth-0.dag.rescue001")); err == nil {
		t.Error("rescue DAG written for a successful run")
	}
	b, err := os.ReadFile(filepath.Join(dir, "synth-0.dag.dagman.out"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(" All jobs Completed!\n")) || !bytes.HasSuffix(b, []byte("EXITING WITH STATUS 0\n")) {
		t.Error("dagman.out does not end like a successful DAGMan run")
	}
	if tr.KickstartBadputSeconds != 0 || tr.SubmitSideBadputSeconds != 0 {
		t.Errorf("badput in a run without failures: %v %v", tr.KickstartBadputSeconds, tr.SubmitSideBadputSeconds)
	}
}

func TestProgress(t *testing.T) {
	o := testOptions(t, t.TempDir())
	var calls, last, total int64
	o.Progress = func(done, tot int64) {
		if done < last {
			t.Errorf("progress went back from %d to %d", last, done)
		}
		calls++
		last, total = done, tot
	}
	tr := generate(t, o)
	if calls == 0 || last != total || total != int64(tr.DAGNodes) {
		t.Fatalf("progress: %d calls, last %d of %d, %d nodes", calls, last, total, tr.DAGNodes)
	}
}

func TestOneJob(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.Jobs, o.FailRate, o.HoldRate = 1, 0, 0
	tr := generate(t, o)
	// Like process_wf_success: create-dir, worker package, stage-in, the task, stage-out, registration, cleanup.
	want := map[string]int{"compute": 1, "create-dir": 1, "stage-in-tx": 2, "stage-out-tx": 1, "registration": 1, "cleanup": 1}
	if fmt.Sprint(tr.NodesByType) != fmt.Sprint(want) {
		t.Fatalf("nodes %v, want %v", tr.NodesByType, want)
	}
	names := []string{}
	dag, err := ingest.ReadDAGFile(filepath.Join(dir, tr.DAGFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range dag.Nodes {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "cleanup_synth_0_local create_dir_synth_0_local preprocess_ID0000001 register_local_0_0 stage_in_local_local_0_0 stage_out_local_local_0_0 stage_worker_local_synth_0_local" {
		t.Errorf("node names: %s", got)
	}
}

// subKeys reads the "key = value" lines of a submit file.
func subKeys(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

func TestNoKickstart(t *testing.T) {
	dir := t.TempDir()
	o := testOptions(t, dir)
	o.NoKickstart = true
	tr := generate(t, o)
	auxTries := 0
	for _, x := range tr.Transformations {
		if !strings.HasPrefix(x.Name, "pegasus::") {
			t.Errorf("compute transformation %s has kickstart records", x.Name)
		}
		auxTries += x.Count
	}
	if tr.KickstartRecords != auxTries {
		t.Errorf("%d records, %d auxiliary tries", tr.KickstartRecords, auxTries)
	}
	for _, f := range tr.Failures {
		if f.RawStatus != -1 {
			t.Errorf("%s try %d: raw status %d without kickstart", f.Job, f.Try, f.RawStatus)
		}
	}
	// Compute .out files hold the task's stdout, the .err files its stderr.
	outs, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*_ID*.out.000"))
	if len(outs) == 0 {
		t.Fatal("no compute .out files")
	}
	for _, f := range outs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("invocation")) {
			t.Errorf("%s holds a kickstart record", f)
		}
	}
	for _, f := range tr.Failures {
		if f.StderrFirstLine == "" {
			continue
		}
		errs, _ := filepath.Glob(filepath.Join(dir, "*", "*", fmt.Sprintf("%s.err.%03d", f.Job, f.Try-1)))
		if len(errs) != 1 {
			t.Fatalf("no .err for %s try %d", f.Job, f.Try)
		}
		b, _ := os.ReadFile(errs[0])
		if !bytes.Contains(b, []byte("\n"+f.StderrFirstLine+"\n")) {
			t.Errorf("%s does not contain %q", errs[0], f.StderrFirstLine)
		}
	}
}
