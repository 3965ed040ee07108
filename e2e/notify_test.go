package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
)

// notifyHook appends one line per notification with every PEGASUS_*
// variable (unset ones as "-") to hooks.txt; the tag names the .notify
// line that ran it.
const notifyHook = `#!/bin/sh
printf '%s event=%s jobid=%s invid=%s status=%s wfid=%s submit=%s stdout=%s stderr=%s ts=%s iso=%s\n' "$1" "${PEGASUS_EVENT-}" "${PEGASUS_JOBID-}" "${PEGASUS_INVID--}" "${PEGASUS_STATUS--}" "${PEGASUS_WFID-}" "${PEGASUS_SUBMIT_DIR-}" "${PEGASUS_STDOUT--}" "${PEGASUS_STDERR--}" "${PEGASUS_EVENT_TIMESTAMP-}" "${PEGASUS_EVENT_TIMESTAMP_ISO-}" >> "$(dirname "$0")/hooks.txt"
`

// TestNotificationsEveryLevel runs a clustered workflow that succeeds with
// a .notify file written as the Pegasus 5 planner writes it (the short
// condition names success, error, end; FORMATS.md §7 and §11.5) for every
// level: the workflow, a job and the tasks of a clustered job. Each hook
// fires exactly when FORMATS.md §7.3 says, with its environment.
func TestNotificationsEveryLevel(t *testing.T) {
	work := fanWorkflow(t, 6, "0")
	submit := plan(t, work, "fan.dax", "--cluster", "horizontal", "--cleanup", "none")
	hook := filepath.Join(work, "hook.sh")
	if err := os.WriteFile(hook, []byte(notifyHook), 0o755); err != nil {
		t.Fatal(err)
	}
	bd, err := ingest.ReadBraindumpDir(submit)
	if err != nil {
		t.Fatal(err)
	}
	uuid, d := bd.WfUUID(), readDAG(t, submit)
	split, merge := "", ""
	for _, n := range d.Nodes {
		switch {
		case strings.HasSuffix(n.Name, "_ID0000001"):
			split = n.Name
		case strings.HasPrefix(n.Name, "merge_") && merge == "":
			merge = n.Name
		}
	}
	if split == "" || merge == "" {
		t.Fatalf("no split or clustered job in %v", d.Nodes)
	}
	var nf strings.Builder
	for _, c := range []string{"start", "success", "error", "end", "all", "never"} {
		fmt.Fprintf(&nf, "WORKFLOW %s %s %s wf-%s\n", uuid, c, hook, c)
	}
	fmt.Fprintf(&nf, "WORKFLOW 00000000-0000-0000-0000-000000000000 all %s other-wf\n\n", hook)
	for _, c := range []string{"start", "success", "error", "end", "all"} {
		fmt.Fprintf(&nf, "JOB %s %s %s job-%s\n", split, c, hook, c)
	}
	fmt.Fprintf(&nf, "\nINVOCATION %s 1 success %s inv1-success\nINVOCATION %s 2 error %s inv2-error\nINVOCATION %s 3 end %s inv3-end\nINVOCATION %s 2 all %s inv2-all\n",
		merge, hook, merge, hook, merge, hook, merge, hook)
	if err := os.WriteFile(filepath.Join(submit, "fan-0.notify"), []byte(nf.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	if code, out, errs := command(t, work, "pegasus-run", submit); code != 0 {
		t.Fatalf("pegasus-run: exit %d\n%s%s", code, out, errs)
	}
	raw := readFile(t, filepath.Join(work, "hooks.txt"))
	got := map[string]map[string]string{} // tag -> variables
	var tags []string
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		f := strings.Fields(l)
		if _, dup := got[f[0]]; dup && f[0] != "wf-all" && f[0] != "job-all" {
			t.Errorf("%s ran twice", f[0])
		}
		vars := map[string]string{}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
		got[f[0]] = vars
		tags = append(tags, f[0])
	}
	sort.Strings(tags)
	// tag -> PEGASUS_EVENT, PEGASUS_JOBID, PEGASUS_STATUS, PEGASUS_INVID
	want := map[string][4]string{
		"wf-start":     {"start", uuid, "-", "-"},
		"wf-success":   {"on_success", uuid, "0", "-"},
		"wf-end":       {"at_end", uuid, "0", "-"},
		"wf-all":       {"at_end", uuid, "0", "-"}, // and "start": see below
		"job-start":    {"start", split, "-", "-"},
		"job-success":  {"on_success", split, "0", "-"},
		"job-end":      {"at_end", split, "0", "-"},
		"job-all":      {"at_end", split, "0", "-"},
		"inv1-success": {"on_success", merge, "0", "1"},
		"inv3-end":     {"at_end", merge, "0", "3"},
		"inv2-all":     {"at_end", merge, "0", "2"},
	}
	// "all" fires twice (start and end) at the workflow and job levels:
	// the second line overwrote the first in got; count them in raw.
	for _, tag := range []string{"wf-all", "job-all"} {
		if n := strings.Count(raw, tag+" event=start "); n != 1 {
			t.Errorf("%s fired %d times at the start, want 1", tag, n)
		}
		if n := strings.Count(raw, tag+" event=at_end "); n != 1 {
			t.Errorf("%s fired %d times at the end, want 1", tag, n)
		}
		if strings.Count(raw, tag+" ") == 2 {
			delete(got, tag)
			delete(want, tag)
		}
	}
	for tag, w := range want {
		v, ok := got[tag]
		if !ok {
			t.Errorf("%s did not fire", tag)
			continue
		}
		if g := [4]string{v["event"], v["jobid"], v["status"], v["invid"]}; g != w {
			t.Errorf("%s: event, jobid, status, invid = %q, want %q", tag, g, w)
		}
	}
	for tag := range got {
		if _, ok := want[tag]; !ok {
			t.Errorf("%s fired and should not have", tag)
		}
	}
	jobs := filepath.Join(submit, "00", "00")
	for tag, v := range got {
		if v["wfid"] != "fan-0" || v["submit"] != submit {
			t.Errorf("%s: PEGASUS_WFID %q, PEGASUS_SUBMIT_DIR %q", tag, v["wfid"], v["submit"])
		}
		ts, err := strconv.ParseInt(v["ts"], 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)) > 10*time.Minute {
			t.Errorf("%s: PEGASUS_EVENT_TIMESTAMP %q", tag, v["ts"])
		} else if iso := time.Unix(ts, 0).Format("2006-01-02T15:04:05"); !strings.HasPrefix(v["iso"], iso) {
			t.Errorf("%s: PEGASUS_EVENT_TIMESTAMP_ISO %q for %d", tag, v["iso"], ts)
		}
		switch {
		case strings.HasPrefix(tag, "wf-"):
			if v["stdout"] != filepath.Join(submit, "fan-0.dag.dagman.out") {
				t.Errorf("%s: PEGASUS_STDOUT %q", tag, v["stdout"])
			}
		case tag == "job-start":
			if v["stdout"] != filepath.Join(jobs, split+".out") || v["stderr"] != filepath.Join(jobs, split+".err") {
				t.Errorf("%s: PEGASUS_STDOUT %q, PEGASUS_STDERR %q", tag, v["stdout"], v["stderr"])
			}
		case strings.HasPrefix(tag, "job-"):
			if v["stdout"] != filepath.Join(jobs, split+".out.000") || v["stderr"] != filepath.Join(jobs, split+".err.000") {
				t.Errorf("%s: PEGASUS_STDOUT %q, PEGASUS_STDERR %q", tag, v["stdout"], v["stderr"])
			}
		}
	}
	// FORMATS.md §7.3: invocation hooks get the clustered job's output
	// files too (PEGASUS_STDOUT/PEGASUS_STDERR, .NNN as for job ends).
	t.Run("invocation-output-files", func(t *testing.T) {
		for _, tag := range []string{"inv1-success", "inv2-all", "inv3-end"} {
			if v := got[tag]; v["stdout"] != filepath.Join(jobs, merge+".out.000") || v["stderr"] != filepath.Join(jobs, merge+".err.000") {
				t.Errorf("%s: PEGASUS_STDOUT %q, PEGASUS_STDERR %q", tag, v["stdout"], v["stderr"])
			}
		}
	})
	nlog := readFile(t, filepath.Join(submit, "monitord-notifications.log"))
	if n := len(regexp.MustCompile(`(?m) - `+regexp.QuoteMeta(hook)+` \S+ - 0$`).FindAllString(nlog, -1)); n != len(strings.Split(strings.TrimSpace(raw), "\n")) {
		t.Errorf("%d successful outcomes logged for %d hooks run:\n%s", n, len(strings.Split(strings.TrimSpace(raw), "\n")), nlog)
	}
	if t.Failed() {
		t.Logf("hooks run (%v):\n%s\nnotifications log:\n%s", tags, raw, nlog)
	}
}
