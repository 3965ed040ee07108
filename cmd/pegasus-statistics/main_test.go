package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/monitord"
)

// zone is passed to every run so that the time statistics do not depend on
// the machine's zone.
const zone = "--time-zone=" + sampledb.Zone

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	err := run(context.Background(), args, &o, &e)
	code = exitCode(err, &e)
	return o.String(), e.String(), code
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSubmitDir runs the command on a replayed sample the way a user does:
// the submit directory as argument, files in <dir>/statistics (emptied
// first), the summary echoed on the console followed by the list of files.
func TestSubmitDir(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	stale := filepath.Join(r.Dir, "statistics", "stale.txt")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCmd(t, zone, r.Dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("the default output directory was not emptied")
	}
	out := filepath.Join(r.Dir, "statistics")
	var want strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(readFile(t, filepath.Join(out, "summary.txt")), "\n"), "\n") {
		want.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	want.WriteString("\n")
	for _, f := range []struct{ label, name string }{
		{"Summary", "summary.txt"}, {"Workflow execution statistics", "workflow.txt"},
		{"Job instance statistics", "jobs.txt"}, {"Transformation statistics", "breakdown.txt"},
		{"Integrity statistics", "integrity.txt"}, {"Time statistics", "time.txt"},
	} {
		fmt.Fprintf(&want, "%-30s: %s\n", f.label, out+"/"+f.name)
		if _, err := os.Stat(filepath.Join(out, f.name)); err != nil {
			t.Error(err)
		}
	}
	if stdout != want.String() {
		t.Errorf("console output:\n%s\nwant:\n%s", stdout, want.String())
	}
	if !strings.Contains(stdout, "Jobs           1         1       3           5         1         3") {
		t.Errorf("console summary lacks the real tool's Jobs row:\n%s", stdout)
	}

	// CSV, one level, -o: only the summary files, nothing else.
	o := t.TempDir()
	stdout, stderr, code = runCmd(t, zone, "-f", "CSV", "-s", "summary, bogus", "-o", o, r.Dir)
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, stderr)
	}
	if want := "Invalid value(s) for statistics_level, ignoring bogus\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	wantOut := fmt.Sprintf("%-30s: %s/summary.csv\n%-30s: %s/summary-time.csv\n", "Summary", o, "Summary Time", o)
	if stdout != wantOut {
		t.Errorf("csv console output %q, want %q", stdout, wantOut)
	}
	if got := readFile(t, filepath.Join(o, "summary-time.csv")); !strings.Contains(got, "workflow_wall_time,96.000000\r\n") {
		t.Errorf("summary-time.csv:\n%s", got)
	}
}

// TestBadInput checks the messages and exit codes for inputs that cannot
// be reported on.
func TestBadInput(t *testing.T) {
	loaded := sampledb.Load(t, "process_wf_success")
	db := filepath.Join(loaded.Dir, "process-0.stampede.duckdb")
	// A copy never loaded: no database, no monitord.done, and the
	// monitord named in monitord.started is gone.
	unloaded := sampledb.CopyTree(t, loaded.Dir)
	os.Remove(filepath.Join(unloaded, "process-0.stampede.duckdb"))
	os.Remove(filepath.Join(unloaded, "monitord.done"))
	if err := os.WriteFile(filepath.Join(unloaded, "monitord.started"), []byte("pid 2147483646\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	running := sampledb.CopyTree(t, loaded.Dir)
	os.Remove(filepath.Join(running, "monitord.done"))
	pid := fmt.Sprintf("pid %d\ntimestamp 2023-03-03T22:23:45-0800\n", os.Getpid())
	if err := os.WriteFile(filepath.Join(running, "monitord.started"), []byte(pid), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no database", []string{"-i", "-o", out, unloaded}, 1, "no Stampede database found"},
		{"not loaded", []string{"-o", out, unloaded}, 3, "Please run pegasus-monitord in replay mode"},
		{"monitord running", []string{"-o", out, running}, 3, "pegasus-monitord still running. Please wait for it to complete"},
		{"unknown uuid", []string{"--dest", db, "-u", "-o", out, "0000-nope"}, 1,
			"workflow '0000-nope' not found in database '" + db + "'"},
		{"unknown uuids", []string{"--dest", db, "-u", "-o", out, "0000-nope", "1111-nope"}, 1, "some workflows were not found"},
		{"missing database file", []string{"--dest", db + ".gone", "-u", "-o", out, "x"}, 1, "no such file or directory"},
		{"not a submit directory", []string{"-o", out, out}, 1, "not a workflow submit directory"},
		{"missing directory", []string{filepath.Join(out, "nope")}, 1, "no such directory"},
		{"bad format", []string{"-f", "xml", loaded.Dir}, 2, `invalid format "xml"`},
		{"bad time filter", []string{"-t", "week", loaded.Dir}, 2, `invalid time filter "week"`},
		{"bad zone", []string{"--time-zone", "Mars/Olympus", loaded.Dir}, 2, "--time-zone Mars/Olympus"},
		{"jobs of several workflows", []string{"-s", "jb_stats", "-o", out, loaded.Dir, loaded.Dir}, 2,
			"Job breakdown statistics cannot be computed over multiple workflows"},
		{"uuid without database", []string{"-u", "-o", out, "x"}, 2, "--dest or --conf is needed"},
		{"several without -o", []string{loaded.Dir, loaded.Dir}, 2, "the output directory (-o) is required"},
		{"bad flag", []string{"--bogus"}, 2, "unknown flag: --bogus"},
		{"bad --ai", []string{"--ai", "maybe", loaded.Dir}, 2, "--ai maybe: not a boolean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr %q does not say %q", stderr, tc.msg)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("error message is not one line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
	// --ai, Pegasus's option for its AI analysis, is accepted and ignored.
	if stdout, stderr, code := runCmd(t, zone, "--ai", "false", "-s", "summary", "-o", out, loaded.Dir); code != 0 ||
		!strings.Contains(stdout, "Summary") {
		t.Errorf("--ai false: exit %d, stderr %q", code, stderr)
	}
	// -i skips the check: the running run's database is read.
	if _, stderr, code := runCmd(t, zone, "-i", "-s", "summary", "-o", out, running); code != 0 {
		t.Errorf("-i: exit %d: %s", code, stderr)
	}
}

// TestRunningWorkflow reports on a run whose DAGMan log stops half-way: the
// workflow wall time is unknown and printed as Pegasus prints it ("-", an
// empty CSV cell), and unfinished jobs are Incomplete.
func TestRunningWorkflow(t *testing.T) {
	r := sampledb.Load(t, "process_wf_success")
	dir := sampledb.CopyTree(t, r.Dir)
	out := filepath.Join(dir, "process-0.dag.dagman.out")
	b := []byte(readFile(t, out))
	// Keep the log up to the end of the first job's POST script.
	i := bytes.Index(b, []byte("POST Script of node create_dir_process_0_local completed"))
	if i < 0 {
		t.Fatal("sample log changed: no create_dir completion")
	}
	i += bytes.IndexByte(b[i:], '\n') + 1
	if err := os.WriteFile(out, b[:i], 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "process-0.stampede.duckdb"))
	loc, _ := time.LoadLocation(sampledb.Zone)
	if _, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: out, Replay: true, Ingest: ingest.Options{Loc: loc}}); err != nil {
		t.Fatal(err)
	}
	o := t.TempDir()
	stdout, stderr, code := runCmd(t, zone, "-s", "summary", "-o", o, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`(?m)^Workflow wall time +: -$`).MatchString(stdout) {
		t.Errorf("wall time of a running workflow not printed as -:\n%s", stdout)
	}
	m := regexp.MustCompile(`(?m)^Jobs +(\d+) +(\d+) +(\d+) +(\d+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no Jobs row:\n%s", stdout)
	}
	if succeeded, incomplete, total := atoi(m[1]), atoi(m[3]), atoi(m[4]); succeeded < 1 || incomplete < 1 || total != 5 {
		t.Errorf("Jobs row %q: want at least one succeeded and one incomplete of 5", m[0])
	}
	if _, stderr, code := runCmd(t, zone, "-s", "summary", "-f", "csv", "-o", o, dir); code != 0 {
		t.Fatalf("csv: exit %d: %s", code, stderr)
	}
	if got := readFile(t, filepath.Join(o, "summary-time.csv")); !strings.Contains(got, "\nworkflow_wall_time,\r\n") {
		t.Errorf("summary-time.csv of a running workflow:\n%s", got)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestArchive reads a run from a Parquet archive and from its database: the
// files must be the same.
func TestArchive(t *testing.T) {
	r := sampledb.Load(t, "hierarchical_wf_success")
	dir := sampledb.CopyTree(t, r.Dir)
	archive := t.TempDir()
	loc, _ := time.LoadLocation(sampledb.Zone)
	dagman := filepath.Join(dir, "hierarchical-workflow-0.dag.dagman.out")
	if _, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: dagman, Replay: true, Archive: archive,
		Ingest: ingest.Options{Loc: loc}}); err != nil {
		t.Fatal(err)
	}
	uuid := "48f759a4-165f-47d6-8c32-571649ce311b"
	fromDB, fromArchive := t.TempDir(), t.TempDir()
	if _, stderr, code := runCmd(t, zone, "-o", fromDB, dir); code != 0 {
		t.Fatalf("database: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCmd(t, zone, "--dest", archive, "-u", "-o", fromArchive, uuid); code != 0 {
		t.Fatalf("archive: exit %d: %s", code, stderr)
	}
	for _, name := range []string{"summary.txt", "workflow.txt", "jobs.txt", "breakdown.txt", "integrity.txt", "time.txt"} {
		if a, b := readFile(t, filepath.Join(fromDB, name)), readFile(t, filepath.Join(fromArchive, name)); a != b {
			t.Errorf("%s differs between the database and the archive:\n%s\n---\n%s", name, a, b)
		}
	}
}

// summaryRows parses the count rows of a summary.txt.
func summaryRows(t *testing.T, s string) map[string][6]int {
	t.Helper()
	out := map[string][6]int{}
	for _, m := range regexp.MustCompile(`(?m)^(Tasks|Jobs|Sub-Workflows) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) *$`).FindAllStringSubmatch(s, -1) {
		var r [6]int
		for i := range r {
			r[i] = atoi(m[2+i])
		}
		out[m[1]] = r
	}
	if len(out) != 3 {
		t.Fatalf("summary rows not found in:\n%s", s)
	}
	return out
}

// TestMultipleWorkflows loads two runs into one database and reports on
// both: the counts are the sums of the two runs' counts (as the real tool
// printed them), the wall-time line is left out of summary.txt but the CSV
// has the sum of both wall times, and there is a block per workflow.
func TestMultipleWorkflows(t *testing.T) {
	loc, _ := time.LoadLocation(sampledb.Zone)
	db := filepath.Join(t.TempDir(), "all.duckdb")
	var dirs []string
	want := map[string][6]int{}
	for _, name := range []string{"process_wf_success", "process_wf_failure"} {
		r := sampledb.Load(t, name)
		dagman, _ := filepath.Glob(filepath.Join(r.Dir, "*.dag.dagman.out"))
		if _, err := monitord.Run(context.Background(), monitord.Config{DagmanOut: dagman[0], Replay: true, Dest: db,
			Ingest: ingest.Options{Loc: loc}}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, r.Dir)
		for k, row := range summaryRows(t, readFile(t, filepath.Join(r.Expect, "statistics", "summary.txt"))) {
			w := want[k]
			for i := range row {
				w[i] += row[i]
			}
			want[k] = w
		}
	}
	check := func(t *testing.T, args ...string) string {
		o := t.TempDir()
		stdout, stderr, code := runCmd(t, append([]string{zone, "--dest", db, "-o", o}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got := summaryRows(t, stdout); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("counts %v, want the sums %v", got, want)
		}
		if regexp.MustCompile(`(?m)^Workflow wall time`).MatchString(stdout) {
			t.Error("summary of several workflows shows a workflow wall time")
		}
		if _, err := os.Stat(filepath.Join(o, "jobs.txt")); !os.IsNotExist(err) {
			t.Error("jobs.txt written for several workflows")
		}
		wf := readFile(t, filepath.Join(o, "workflow.txt"))
		if n := strings.Count(wf, " (process) "); n != 2 || !strings.Contains(wf, "\nAll Workflows ") {
			t.Errorf("workflow.txt: %d blocks of the two runs:\n%s", n, wf)
		}
		// Our choice (docs/statistics.md): the breakdown of several
		// workflows is split by outcome, as for one workflow (Pegasus
		// mixes both outcomes in one row of arbitrary type).
		bd := readFile(t, filepath.Join(o, "breakdown.txt"))
		last := bd[strings.LastIndex(bd, "\n# "):]
		if !regexp.MustCompile(`(?m)^dagman::post +failed +2 `).MatchString(last) ||
			!regexp.MustCompile(`(?m)^dagman::post +successful +\d+ `).MatchString(last) {
			t.Errorf("breakdown of both runs not split by outcome:\n%s", last)
		}
		return o
	}
	t.Run("all roots", func(t *testing.T) { check(t, "-m") })
	t.Run("two uuids", func(t *testing.T) {
		check(t, "-u", "f00c0056-abd4-4e8e-b793-24eb760dda1f", "f84f05fc-a8d0-42b5-bac5-52d6f41a77e3")
	})
	t.Run("two directories", func(t *testing.T) {
		o := check(t, dirs...)
		if _, stderr, code := runCmd(t, zone, "--dest", db, "-o", o, "-f", "csv", "-s", "summary", dirs[0], dirs[1]); code != 0 {
			t.Fatalf("csv: exit %d: %s", code, stderr)
		}
		// 77 s (success) + 96 s (failure).
		if got := readFile(t, filepath.Join(o, "summary-time.csv")); !strings.Contains(got, "\nworkflow_wall_time,173.000000\r\n") {
			t.Errorf("summary-time.csv of both runs:\n%s", got)
		}
	})
}

// TestTimeZone checks that the dates of the time statistics are in the
// zone asked for, by hour.
func TestTimeZone(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	for _, tc := range []struct{ zone, want string }{
		{"America/Los_Angeles", "2023-03-03 : 23"}, {"UTC", "2023-03-04 : 07"}, {"Asia/Kolkata", "2023-03-04 : 12"},
	} {
		o := t.TempDir()
		if _, stderr, code := runCmd(t, "--time-zone", tc.zone, "-t", "hour", "-s", "ti_stats", "-o", o, r.Dir); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		got := readFile(t, filepath.Join(o, "time.txt"))
		if !strings.Contains(got, "\nDate[YYYY-MM-DD : HH]         Count") || !strings.Contains(got, "\n"+tc.want+"  ") {
			t.Errorf("%s: time.txt lacks hour %q:\n%s", tc.zone, tc.want, got)
		}
	}
}
