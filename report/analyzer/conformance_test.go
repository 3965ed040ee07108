package analyzer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/stampede"
)

// openSample replays a sample and analyses it from its database.
func analyseSample(t *testing.T, r *sampledb.Run, o Options) *Report {
	t.Helper()
	ctx := context.Background()
	bd, err := ingest.ReadBraindumpDir(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	db, err := stampede.Open(ctx, r.DB, stampede.OpenOptions{ReadOnly: true, Wait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o.Dir = r.Dir
	rep, err := FromDatabase(ctx, db, bd.WfUUID(), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func textOf(t *testing.T, r *Report, o TextOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteText(&b, r, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func jsonOf(t *testing.T, r *Report) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatalf("our JSON does not parse: %v\n%s", err, b.String())
	}
	return m
}

func readText(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestConformance compares, for every sample run, what we report with what
// the real pegasus-analyzer reported (expected/analyzer.json,
// expected/analyzer.txt in database mode, expected/analyzer-files.txt in
// files mode), field by field. Only the submit_directory of the JSON (the
// directory the real tool was run in) and, in files mode, absolute paths,
// retry numbers and task arguments (see compareFilesField) are compared
// loosely.
func TestConformance(t *testing.T) {
	for _, r := range sampledb.All(t) {
		t.Run(r.Name, func(t *testing.T) {
			rep := analyseSample(t, r, Options{})
			var want map[string]any
			if err := json.Unmarshal([]byte(readText(t, filepath.Join(r.Expect, "analyzer.json"))), &want); err != nil {
				t.Fatal(err)
			}
			got := jsonOf(t, rep)
			if got["submit_directory"] != r.Dir {
				t.Errorf("submit_directory %v, want %s", got["submit_directory"], r.Dir)
			}
			delete(want, "submit_directory")
			compareJSON(t, "", want, got)

			compareMD(t, "database mode", readText(t, filepath.Join(r.Expect, "analyzer.txt")),
				textOf(t, rep, TextOptions{Examples: DefaultExamples}), nil)

			frep, err := FromFiles(context.Background(), r.Dir, FilesOptions{Options: Options{Dir: r.Dir}})
			if err != nil {
				t.Fatal(err)
			}
			compareMD(t, "files mode", readText(t, filepath.Join(r.Expect, "analyzer-files.txt")),
				textOf(t, frep, TextOptions{Examples: DefaultExamples}), compareFilesField)
		})
	}
}

// compareJSON checks that got holds every key of want with the same value,
// recursively; got may have more keys (what this tool adds).
func compareJSON(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %T, want an object", path, got)
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s.%s: missing", path, k)
				continue
			}
			compareJSON(t, path+"."+k, wv, gv)
		}
		// The real tool's sub-maps of job_details are exactly those with jobs.
		if strings.HasSuffix(path, ".job_details") {
			for k := range g {
				if _, ok := w[k]; !ok {
					t.Errorf("%s.%s: not in the real tool's output", path, k)
				}
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %v", path, got, want)
			return
		}
		for i := range w {
			compareJSON(t, fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
		}
	default:
		if want != got {
			t.Errorf("%s: got %#v, want %#v", path, got, want)
		}
	}
}

// A fieldCompare decides whether got is an acceptable value for the
// field of a two-column table (nil means exact comparison).
type fieldCompare func(field, want, got string) bool

var rotatedSuffix = regexp.MustCompile(`^\.\d{3}$`)

// compareFilesField: in files mode the real tool printed paths under the
// directory it was run in ("./00/00/x.sub") and the .out/.err base names;
// we print them under the directory given, with the number of the failed
// try (x.out.001). It printed "-" for a task's arguments, which we read
// from the kickstart record.
func compareFilesField(field, want, got string) bool {
	switch field {
	case "**Submit File**", "**Output File**", "**Error File**":
		rel := strings.TrimPrefix(want, "./")
		i := strings.LastIndex(got, "/"+rel)
		if i < 0 {
			return false
		}
		rest := got[i+1+len(rel):]
		return rest == "" || (field != "**Submit File**" && rotatedSuffix.MatchString(rest))
	case "**arguments**":
		return want == "-" || want == got
	}
	return want == got
}

// compareMD checks that our report says everything the real one says:
// each of its sections (in order) is in ours, with the same tables (ours
// may have more rows), code blocks and lines. In files mode a code block
// may sit under another heading of the same job's section.
func compareMD(t *testing.T, mode, want, got string, cmp fieldCompare) {
	t.Helper()
	ws, gs := parseMD(want), parseMD(got)
	at := 0
	for _, w := range ws {
		gi := -1
		for i := at; i < len(gs); i++ {
			if gs[i].heading == w.heading {
				gi = i
				break
			}
		}
		if gi < 0 && cmp != nil && strings.HasPrefix(w.heading, "#### Job stderr - ") {
			// Ours shows the kickstart record's stderr under the task.
			for _, code := range w.code {
				if !jobHasCode(gs, at, code) {
					t.Errorf("%s: %q: code block %q is in no section of the job", mode, w.heading, code)
				}
			}
			continue
		}
		if gi < 0 {
			t.Errorf("%s: section %q missing; ours:\n%s", mode, w.heading, got)
			return
		}
		at = gi + 1
		g := gs[gi]
		for _, wt := range w.tables {
			compareTable(t, mode+": "+w.heading, wt, g.tables, cmp)
		}
		for _, code := range w.code {
			found := false
			for _, gc := range g.code {
				if gc == code {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %q: code block %q missing (ours: %q)", mode, w.heading, code, g.code)
			}
		}
		for _, l := range w.lines {
			found := false
			for _, gl := range g.lines {
				if gl == l {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %q: line %q missing (ours: %q)", mode, w.heading, l, g.lines)
			}
		}
	}
}

// jobHasCode looks for a code block, lines trimmed, in the sections of the
// job whose section ended before gs[at].
func jobHasCode(gs []*mdSection, at int, code string) bool {
	norm := func(s string) string {
		var b []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			b = append(b, strings.TrimSpace(l))
		}
		return strings.Join(b, "\n")
	}
	start := at - 1
	for start > 0 && !strings.HasPrefix(gs[start].heading, "### ") {
		start--
	}
	for i := start; i < len(gs); i++ {
		if i > start && strings.HasPrefix(gs[i].heading, "### ") || strings.HasPrefix(gs[i].heading, "## ") {
			break
		}
		for _, c := range gs[i].code {
			if norm(c) == norm(code) {
				return true
			}
		}
	}
	return false
}

func compareTable(t *testing.T, where string, want [][]string, got [][][]string, cmp fieldCompare) {
	t.Helper()
	var g [][]string
	for _, gt := range got {
		if strings.Join(gt[0], "|") == strings.Join(want[0], "|") {
			g = gt
			break
		}
	}
	if g == nil {
		t.Errorf("%s: no table with header %q", where, want[0])
		return
	}
	gf := fields(g)
	for _, row := range want[1:] {
		gv, ok := gf[row[0]]
		if !ok {
			t.Errorf("%s: row %q missing", where, row[0])
			continue
		}
		for i, wv := range row[1:] {
			if i >= len(gv) {
				t.Errorf("%s: row %q: column %d missing", where, row[0], i+2)
				continue
			}
			ok := gv[i] == wv
			if cmp != nil {
				ok = cmp(row[0], wv, gv[i])
			}
			if !ok {
				t.Errorf("%s: %s = %q, want %q", where, row[0], gv[i], wv)
			}
		}
	}
}

// TestFilesModeJSON checks the files-mode JSON of the failed sample against
// what the specification says the real tool gives (TOOLS.md §2.5.3): state
// POST_SCRIPT_FAILURE, no stdout text, the ls error as stderr text, task 1
// with exit code 2.
func TestFilesModeJSON(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	rep, err := FromFiles(context.Background(), r.Dir, FilesOptions{Options: Options{Dir: r.Dir}})
	if err != nil {
		t.Fatal(err)
	}
	m := jsonOf(t, rep)
	wf := m["workflows"].(map[string]any)["root"].(map[string]any)
	jobs := wf["jobs"].(map[string]any)
	for k, v := range map[string]float64{"total": 5, "success": 1, "failed": 1, "held": 0, "unsubmitted": 3, "unknown": 0} {
		if jobs[k] != v {
			t.Errorf("jobs.%s = %v, want %v", k, jobs[k], v)
		}
	}
	if wf["wf_status"] != "failure" {
		t.Errorf("wf_status %v", wf["wf_status"])
	}
	ls := jobs["job_details"].(map[string]any)["failed_jobs_details"].(map[string]any)["ls_ID0000001"].(map[string]any)
	for k, v := range map[string]string{
		"state":       "POST_SCRIPT_FAILURE",
		"stdout_text": "-",
		"stderr_text": "/bin/ls: invalid option -- 'z'\nTry '/bin/ls --help' for more information.",
		"site":        "condorpool",
		"hostname":    "workflow.isi.edu",
		"stdout_file": filepath.Join(r.Dir, "00/00/ls_ID0000001.out.001"),
	} {
		if ls[k] != v {
			t.Errorf("%s = %q, want %q", k, ls[k], v)
		}
	}
	task := ls["tasks"].(map[string]any)["1"].(map[string]any)
	if task["exitcode"] != 2.0 || task["executable"] != "/usr/bin/ls" || task["transformation"] != "ls" || task["arguments"] != "-z /" {
		t.Errorf("task 1: %v", task)
	}
	if rc := ls["root_cause"].(map[string]any); rc["kind"] != "bad-arguments" || rc["evidence"] != "/bin/ls: invalid option -- 'z'" {
		t.Errorf("root cause %v", rc)
	}
}
