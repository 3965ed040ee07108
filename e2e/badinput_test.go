package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput runs the example with faults put into its planned submit
// directory, two at a time in the two independent findrange jobs: a task
// whose executable is missing and a job killed by a signal; a job whose
// output goes to a full disk (/dev/full: its retry writes a rotated, fresh
// file) and a POST script that fails. Each time pegasus-run reports every
// failed node with its cause, writes a rescue DAG, and the database and
// pegasus-analyzer tell what happened; after the fault is removed a second
// pegasus-run resumes and succeeds, and the database keeps every try.
func TestBadInput(t *testing.T) {
	type fault struct {
		node  string
		apply func(t *testing.T, work, submit string) (undo func())
	}
	// edit replaces old by new in a file and returns the function that
	// puts the file back.
	edit := func(t *testing.T, path, old, new string) func() {
		t.Helper()
		orig := readFile(t, path)
		if !strings.Contains(orig, old) {
			t.Fatalf("%s lacks %q", path, old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(orig, old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return func() { os.WriteFile(path, []byte(orig), 0o644) }
	}
	script := func(t *testing.T, path, text string) string {
		t.Helper()
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+text), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	sub := func(submit, node string) string { return filepath.Join(submit, "00", "00", node+".sub") }
	findrange := filepath.Join(root(t), "examples", "blackdiamond", "bin", "findrange")

	for _, tc := range []struct {
		name   string
		faults []fault
		report []string // in pegasus-run's stderr
		tries  string   // node|try|status of the two findrange jobs
		causes []string // in pegasus-analyzer's report
		after  string   // tries once resumed
	}{
		{
			name: "missing-executable-and-signal",
			faults: []fault{
				{"findrange_ID0000002", func(t *testing.T, work, submit string) func() {
					return edit(t, sub(submit, "findrange_ID0000002"), findrange+" -i f.b1", filepath.Join(work, "no-such-program")+" -i f.b1")
				}},
				{"findrange_ID0000003", func(t *testing.T, work, submit string) func() {
					killed := script(t, filepath.Join(work, "killed"), "kill -KILL $$\n")
					return edit(t, sub(submit, "findrange_ID0000003"), "executable = "+filepath.Join(bin, "pegasus-kickstart")+"\n", "executable = "+killed+"\n")
				}},
			},
			report: []string{
				"findrange_ID0000002: Job exited with status 127 and POST Script failed with status 1 (after 1 node retries)",
				"findrange_ID0000003: Job failed due to signal 9 and POST Script failed with status 1 (after 1 node retries)",
			},
			tries:  "findrange_ID0000002|1|failed\nfindrange_ID0000002|2|failed\nfindrange_ID0000003|1|failed\nfindrange_ID0000003|2|failed\n",
			causes: []string{"`missing-file`", "no-such-program: no such file or directory", "`signal`", "`signal 9`"},
			after:  "findrange_ID0000002|1|failed\nfindrange_ID0000002|2|failed\nfindrange_ID0000002|3|succeeded\nfindrange_ID0000003|1|failed\nfindrange_ID0000003|2|failed\nfindrange_ID0000003|3|succeeded\n",
		},
		{
			// The job's own executable is missing: HTCondor holds the job.
			name: "held-job",
			faults: []fault{
				{"findrange_ID0000003", func(t *testing.T, work, submit string) func() {
					return edit(t, sub(submit, "findrange_ID0000003"), "executable = "+filepath.Join(bin, "pegasus-kickstart")+"\n", "executable = "+filepath.Join(work, "no-such-kickstart")+"\n")
				}},
			},
			report: []string{"findrange_ID0000003: Job was held: Failed to execute '", "/no-such-kickstart' with arguments -n diamond::findrange:4.0"},
			tries:  "findrange_ID0000002|1|succeeded\nfindrange_ID0000003|1|failed\nfindrange_ID0000003|2|failed\n",
			causes: []string{"Held jobs' details", "`missing-file`", "(errno=2: 'No such file or directory')"},
			after:  "findrange_ID0000002|1|succeeded\nfindrange_ID0000003|1|failed\nfindrange_ID0000003|2|failed\nfindrange_ID0000003|3|succeeded\n",
		},
		{
			name: "full-disk-and-failing-post",
			faults: []fault{
				{"findrange_ID0000002", func(t *testing.T, work, submit string) func() {
					out := filepath.Join(submit, "00", "00", "findrange_ID0000002.out")
					if err := os.Symlink("/dev/full", out); err != nil {
						t.Fatal(err)
					}
					return func() {}
				}},
				{"findrange_ID0000003", func(t *testing.T, work, submit string) func() {
					post := script(t, filepath.Join(work, "post-fails"), "echo 'post: cannot check the output' >&2\nexit 7\n")
					dag := filepath.Join(submit, "blackdiamond-0.dag")
					line := "SCRIPT POST findrange_ID0000003 "
					d := readFile(t, dag)
					i := strings.Index(d, line)
					if i < 0 {
						t.Fatalf("no POST script for findrange_ID0000003 in\n%s", d)
					}
					exe := strings.Fields(d[i+len(line):])[0]
					return edit(t, dag, line+exe, line+post)
				}},
			},
			report: []string{"findrange_ID0000003: Job exited with status 0 and POST Script failed with status 7 (after 1 node retries)"},
			// The full disk fails the first try; the POST script rotated
			// the symlink away, so the retry succeeds.
			tries:  "findrange_ID0000002|1|failed\nfindrange_ID0000002|2|succeeded\nfindrange_ID0000003|1|failed\nfindrange_ID0000003|2|failed\n",
			causes: []string{"`disk-full`", "no space left on device", "`post-script`", "`post 7`"},
			after:  "findrange_ID0000002|1|failed\nfindrange_ID0000002|2|succeeded\nfindrange_ID0000003|1|failed\nfindrange_ID0000003|2|failed\nfindrange_ID0000003|3|succeeded\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := example(t, false)
			submit := plan(t, work, "blackdiamond.dax")
			var undo []func()
			for _, f := range tc.faults {
				undo = append(undo, f.apply(t, work, submit))
			}
			code, out, errs := command(t, work, "pegasus-run", submit)
			if code != 1 {
				t.Fatalf("pegasus-run: exit %d, want 1\n%s%s", code, out, errs)
			}
			rescue := filepath.Join(submit, "blackdiamond-0.dag.rescue001")
			for _, want := range append(tc.report, "Rescue DAG: "+rescue, "To resume, fix the cause and run: pegasus-run "+submit) {
				if !strings.Contains(errs, want) {
					t.Errorf("pegasus-run's report lacks %q:\n%s", want, errs)
				}
			}
			if r := readFile(t, rescue); !strings.Contains(r, "DONE preprocess_ID0000001\n") || strings.Contains(r, "DONE findrange_ID0000003\n") || strings.Contains(r, "DONE analyze_ID0000004\n") {
				t.Errorf("rescue DAG:\n%s", r)
			}
			db := dbPath(t, submit)
			const tries = "SELECT exec_job_id, try, status FROM job_try WHERE exec_job_id LIKE 'findrange%' ORDER BY ALL"
			if got := query(t, db, tries); got != tc.tries {
				t.Errorf("tries:\n%swant\n%s", got, tc.tries)
			}
			if got := query(t, db, "SELECT count(*) FROM job_try WHERE exec_job_id = 'analyze_ID0000004'"); got != "0\n" {
				t.Errorf("analyze ran below a failed node: %s", got)
			}
			_, report, _ := command(t, work, "pegasus-analyzer", submit)
			for _, want := range tc.causes {
				if !strings.Contains(report, want) {
					t.Errorf("pegasus-analyzer's report lacks %q:\n%s", want, report)
				}
			}

			// Remove the faults and resume.
			for _, u := range undo {
				u()
			}
			if code, out, errs := command(t, work, "pegasus-run", submit); code != 0 {
				t.Fatalf("resumed pegasus-run: exit %d\n%s%s", code, out, errs)
			}
			if got := readFile(t, filepath.Join(work, "outputs", "f.d")); got != diamondResult {
				t.Errorf("f.d = %q", got)
			}
			if got := query(t, db, tries); got != tc.after {
				t.Errorf("tries after the resumed run:\n%swant\n%s", got, tc.after)
			}
			if got := query(t, db, "SELECT count(*) FROM job_try WHERE exec_job_id = 'preprocess_ID0000001'"); got != "1\n" {
				t.Errorf("preprocess ran %s times, want once", got)
			}
			if got := query(t, db, "SELECT count(*) FILTER (WHERE status <> 'succeeded') FROM (SELECT DISTINCT ON (job_id) * FROM job_try ORDER BY job_id, try DESC)"); got != "0\n" {
				t.Errorf("jobs whose last try did not succeed: %s", got)
			}
		})
	}
}
