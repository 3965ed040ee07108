package synth

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

// These tests compare the generated files with the real Pegasus 5.0.5 /
// HTCondor 10.2 samples, line kind by line kind and key by key.

// conformDir generates the directory the conformance tests look at.
func conformDir(t *testing.T) (string, *Truth) {
	t.Helper()
	dir := t.TempDir()
	o := testOptions(t, dir)
	return dir, generate(t, o)
}

var (
	normStamp  = regexp.MustCompile(`^\d\d/\d\d/\d\d \d\d:\d\d:\d\d `)
	normBrace  = regexp.MustCompile(`\{\d\d/\d\d/\d\d \d\d:\d\d:\d\d\}`)
	normID     = regexp.MustCompile(`\(-?\d+\.-?\d+\.-?\d+\)`)
	normName   = regexp.MustCompile(`(Node Name:|Node|node|job|PARENTS:|CHILDREN:) \S+`)
	normPath   = regexp.MustCompile(`/\S+`)
	normNumber = regexp.MustCompile(`-?\d+(\.\d+)?(E-?\d+)?`)
	normSpace  = regexp.MustCompile(`\s+`)
)

// lineKind reduces a dagman.out line to its shape: no times, ids, node
// names, paths or numbers; dag is the DAG file name to abstract.
func lineKind(line, dag string) string {
	l := normStamp.ReplaceAllString(line, "")
	l = strings.ReplaceAll(l, dag, "DAG")
	l = strings.ReplaceAll(l, strings.TrimSuffix(dag, ".dag"), "PREFIX")
	l = normBrace.ReplaceAllString(l, "{T}")
	l = normID.ReplaceAllString(l, "(ID)")
	l = normName.ReplaceAllString(l, "$1 X")
	l = normPath.ReplaceAllString(l, "/P")
	l = normNumber.ReplaceAllString(l, "N")
	return strings.TrimSpace(normSpace.ReplaceAllString(l, " "))
}

// Line kinds the samples happen not to contain but that DAGMan writes.
var extraKinds = []*regexp.Regexp{
	// A job that exited 0 and whose POST script failed (the samples only have failing jobs).
	regexp.MustCompile(`^Error: POST Script failed with status N \(after N node X$`),
	regexp.MustCompile(`^Event: ULOG_JOB_RELEASED for HTCondor Node X \(ID\) \{T\}$`),
	regexp.MustCompile(`^Hold reason: Error from slotN_N@\S+: Job has gone over cgroup memory limit of N megabytes\. Last measured usage: N megabytes\. Consider resubmitting with a higher request_memory\.$`),
	regexp.MustCompile(`^Hold reason: Error from slotN_N@\S+: Failed to execute '/P \(errno=N: 'Exec format error'\)$`),
	regexp.MustCompile(`^Hold reason: Error from slotN_N@\S+: STARTER at N\.N failed to send file\(s\) to <N\.N:N>: error reading from /P \(errno N\) No such file or directory; SHADOW failed to receive file\(s\) from <N\.N:N>$`),
}

func sampleKinds(t *testing.T) map[string]bool {
	t.Helper()
	root := testutil.SamplesDir(t)
	kinds := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(root, "*", "*.dagman.out"))
	more, _ := filepath.Glob(filepath.Join(root, "dagman-out", "*.dagman.out"))
	files = append(files, more...)
	if len(files) < 4 {
		t.Fatalf("expected the sample dagman.out files under %s", root)
	}
	for _, f := range files {
		dag := strings.TrimSuffix(filepath.Base(f), ".dagman.out")
		for _, line := range readLines(t, f) {
			kinds[lineKind(line, dag)] = true
		}
	}
	return kinds
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestDagmanOutLineKindsMatchSamples(t *testing.T) {
	kinds := sampleKinds(t)
	dir, tr := conformDir(t)
	bad := map[string]string{}
	for _, line := range readLines(t, filepath.Join(dir, tr.DAGFile+".dagman.out")) {
		k := lineKind(line, tr.DAGFile)
		if kinds[k] {
			continue
		}
		extra := false
		for _, re := range extraKinds {
			extra = extra || re.MatchString(k)
		}
		if !extra {
			bad[k] = line
		}
	}
	for k, line := range bad {
		t.Errorf("line kind not in the samples: %q\n\t(from %q)", k, line)
	}
}

// keyPaths lists the dotted key paths of a kickstart record, with file and
// environment names abstracted.
func keyPaths(v any, prefix string, out map[string]bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k, child := range m {
		switch {
		case prefix == "files." && !map[string]bool{"stdin": true, "stdout": true, "stderr": true, "metadata": true, "kickstart": true, "logfile": true}[k]:
			k = "<lfn>"
		case prefix == "environment.":
			k = "<env>"
		}
		out[prefix+k] = true
		keyPaths(child, prefix+k+".", out)
	}
}

func recordPaths(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := yaml.Unmarshal(b, &recs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]bool{}
	for _, r := range recs {
		keyPaths(r, "", out)
	}
	return out
}

func TestKickstartKeysMatchSamples(t *testing.T) {
	root := testutil.SamplesDir(t)
	sample := map[string]bool{}
	outs, _ := filepath.Glob(filepath.Join(root, "*", "00", "00", "*.out.*"))
	for _, f := range outs {
		for k := range recordPaths(t, f) {
			sample[k] = true
		}
	}
	dir, _ := conformDir(t)
	mine, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.out.*"))
	missing := map[string]bool{}
	for _, f := range mine {
		if fi, err := os.Stat(f); err != nil || fi.Size() == 0 {
			continue
		}
		paths := recordPaths(t, f)
		for k := range paths {
			// Signal keys (FORMATS.md §5.3): no sample job was killed by a signal.
			signal := k == "mainjob.status.signalled_signal" || k == "mainjob.status.signalled_name" || k == "mainjob.status.corefile"
			if !sample[k] && !signal {
				t.Errorf("%s: key %s is in no sample record", filepath.Base(f), k)
			}
		}
		for _, k := range []string{"mainjob.usage.maxrss", "mainjob.status.raw", "mainjob.executable.file_name",
			"machine.ram_total", "machine.cpu_model", "machine.load_min15", "machine.task_other",
			"files.stdin.mode", "files.stderr.temporary_name", "files.metadata.temporary_name", "usage.nivcsw"} {
			if !paths[k] {
				missing[k] = true
			}
		}
	}
	for k := range missing {
		t.Errorf("some record lacks %s", k)
	}
}

// subKeyOrder lists the keys of a submit file in order.
func subKeyOrder(t *testing.T, path string) []string {
	var keys []string
	for _, line := range readLines(t, path) {
		if k, _, ok := strings.Cut(line, " ="); ok && !strings.HasPrefix(line, "#") {
			keys = append(keys, strings.TrimSpace(k))
		}
	}
	return keys
}

func TestSubmitFilesMatchSamples(t *testing.T) {
	root := testutil.SamplesDir(t)
	dir, _ := conformDir(t)
	h := filepath.Join(root, "hierarchical_wf_success", "00", "00")
	pairs := [][2]string{
		{filepath.Join(root, "process_wf_failure", "00", "00", "ls_ID0000001.sub"), "preprocess_ID0000001.sub"},
		{filepath.Join(h, "create_dir_hierarchical-workflow_0_local.sub"), "create_dir_synth_0_local.sub"},
		{filepath.Join(h, "stage_worker_local_hierarchical-workflow_0_local.sub"), "stage_worker_local_synth_0_local.sub"},
		{filepath.Join(h, "stage_in_local_local_1_0.sub"), "stage_in_local_local_0_0.sub"},
		{filepath.Join(h, "stage_out_local_local_0_0.sub"), "stage_out_local_local_4_0.sub"},
		{filepath.Join(h, "register_local_0_0.sub"), "register_local_4_0.sub"},
		{filepath.Join(h, "cleanup_hierarchical-workflow_0_local.sub"), "cleanup_synth_0_local.sub"},
	}
	for _, p := range pairs {
		matches, _ := filepath.Glob(filepath.Join(dir, "*", "*", p[1]))
		if len(matches) != 1 {
			t.Errorf("%s not generated", p[1])
			continue
		}
		want := strings.Join(subKeyOrder(t, p[0]), " ")
		if got := strings.Join(subKeyOrder(t, matches[0]), " "); got != want {
			t.Errorf("%s keys:\n got %s\nwant %s", p[1], got, want)
		}
	}
}

func TestBraindumpMatchesSample(t *testing.T) {
	root := testutil.SamplesDir(t)
	dir, _ := conformDir(t)
	keys := func(path string) string {
		var ks []string
		for _, line := range readLines(t, path) {
			k, v, _ := strings.Cut(line, ": ")
			ks = append(ks, k)
			if k != "grid_dn" && !(strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`)) {
				t.Errorf("%s: %s value %s is not quoted", path, k, v)
			}
		}
		return strings.Join(ks, " ")
	}
	if got, want := keys(filepath.Join(dir, "braindump.yml")), keys(filepath.Join(root, "process_wf_failure", "braindump.yml")); got != want {
		t.Errorf("braindump keys:\n got %s\nwant %s", got, want)
	}
}

var bpAttr = regexp.MustCompile(` ([\w.]+)=`)

// bpShapes maps each event to its attribute names, and checks the planner's
// quoting (every value after ts, event and xwf.id double-quoted).
func bpShapes(t *testing.T, path string) map[string]string {
	shapes := map[string]string{}
	for _, line := range readLines(t, path) {
		var names []string
		for _, m := range bpAttr.FindAllStringSubmatch(line, -1) {
			names = append(names, m[1])
		}
		ev := strings.Fields(line)[1]
		shapes[ev] = strings.Join(names, " ")
		for _, f := range strings.Fields(line)[3:] {
			if !strings.Contains(f, `="`) && strings.Contains(f, "=") {
				t.Errorf("%s: unquoted value in %q", path, line)
				break
			}
		}
	}
	return shapes
}

func TestStaticBPMatchesSample(t *testing.T) {
	root := testutil.SamplesDir(t)
	dir, tr := conformDir(t)
	want := bpShapes(t, filepath.Join(root, "hierarchical_wf_success", "hierarchical-workflow-0.static.bp"))
	got := bpShapes(t, filepath.Join(dir, strings.TrimSuffix(tr.DAGFile, ".dag")+".static.bp"))
	// Compute jobs carry no argv (their executable is the PegasusLite script).
	want["job.info compute"] = "event xwf.id job.id submit_file type type_desc clustered max_retries executable task_count"
	var evs []string
	for ev := range got {
		evs = append(evs, ev)
	}
	sort.Strings(evs)
	for _, ev := range evs {
		if want[ev] == "" {
			t.Errorf("event %s is not in the sample", ev)
		} else if got[ev] != want[ev] && !(ev == "job.info" && got[ev] == want["job.info compute"]) {
			t.Errorf("%s attributes:\n got %s\nwant %s", ev, got[ev], want[ev])
		}
	}
}

var (
	errStamp = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d: `)
)

func TestPegasusLiteErrMatchesSamples(t *testing.T) {
	root := testutil.SamplesDir(t)
	shape := func(line string) string {
		line = errStamp.ReplaceAllString(line, "TS: ")
		line = normPath.ReplaceAllString(line, "/P")
		line = normNumber.ReplaceAllString(line, "N")
		return line
	}
	sample := map[string]bool{}
	errs, _ := filepath.Glob(filepath.Join(root, "*", "00", "00", "*.err.*"))
	for _, f := range errs {
		for _, l := range readLines(t, f) {
			sample[shape(l)] = true
		}
	}
	dir, _ := conformDir(t)
	mine, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.err.*"))
	for _, f := range mine {
		for _, l := range readLines(t, f) {
			if s := shape(l); !sample[s] && !strings.HasPrefix(s, "TS: Executing on host ") {
				t.Errorf("%s: line kind %q not in the samples", filepath.Base(f), s)
			}
		}
	}
}

func TestDAGLinesMatchSample(t *testing.T) {
	root := testutil.SamplesDir(t)
	dir, tr := conformDir(t)
	shape := func(line string) string {
		f := strings.Fields(line)
		if len(f) == 0 {
			return ""
		}
		switch f[0] {
		case "JOB", "PRIORITY", "RETRY", "CATEGORY", "VARS":
			return f[0] + " " + strings.Join(f[2:], " ")
		case "SCRIPT":
			return "SCRIPT " + f[1] + " " + f[3]
		case "PARENT":
			return "PARENT"
		}
		return line
	}
	norm := func(s string) string {
		s = normNumber.ReplaceAllString(s, "N")
		s = regexp.MustCompile(`\S+\.sub`).ReplaceAllString(s, "X.sub")
		return regexp.MustCompile(`\S*/pegasus-exitcode`).ReplaceAllString(s, "pegasus-exitcode")
	}
	sample := map[string]bool{}
	for _, l := range readLines(t, filepath.Join(root, "process_wf_failure", "process-0.dag")) {
		sample[norm(strings.ReplaceAll(shape(l), "process", "LABEL"))] = true
	}
	for _, l := range readLines(t, filepath.Join(root, "hierarchical_wf_success", "hierarchical-workflow-0.dag")) {
		sample[norm(strings.ReplaceAll(shape(l), "hierarchical-workflow", "LABEL"))] = true
	}
	for _, l := range readLines(t, filepath.Join(dir, tr.DAGFile)) {
		if k := norm(strings.ReplaceAll(shape(l), "synth", "LABEL")); !sample[k] {
			t.Errorf("DAG line kind %q (from %q) not in the sample", k, l)
		}
	}
}
