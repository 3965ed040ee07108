package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/stampede"
)

// bin holds the commands a planned run needs, built once.
var bin string

var tools = []string{"pegasus-plan", "pegasus-run", "pegasus-dagman", "pegasus-monitord", "pegasus-kickstart",
	"pegasus-transfer", "pegasus-exitcode", "pegasus-rc-client", "pegasus-statistics", "pegasus-analyzer",
	"pegasus-notify-email", "pegasus-notify-report"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pegasus-run-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	args := []string{"build", "-o", dir + "/"}
	for _, t := range tools {
		args = append(args, "github.com/pegasus-go/pegasus/cmd/"+t)
	}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the commands: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bin = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("go.mod not found")
		}
		dir = up
	}
}

// command runs a built tool in dir and returns its exit code and output.
func command(t *testing.T, dir, tool string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, tool), args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return 0, out.String(), errb.String()
}

// example writes the black-diamond example into a new directory, with its
// analyze task held at a gate: it marks work/started, then waits until
// the test creates work/gate.
func example(t *testing.T, fail bool) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "work")
	args := []string{filepath.Join(repoRoot(t), "examples", "setup.sh"), work}
	if fail {
		args = append(args, "--fail")
	}
	if out, err := exec.Command("/bin/sh", args...).CombinedOutput(); err != nil {
		t.Fatalf("setup.sh: %v\n%s", err, out)
	}
	real := filepath.Join(repoRoot(t), "examples", "blackdiamond", "bin", "analyze")
	gated := filepath.Join(work, "analyze-gated")
	script := fmt.Sprintf("#!/bin/sh\ntouch %[1]s/started\nwhile [ ! -f %[1]s/gate ]; do sleep 0.05; done\nexec %[2]s \"$@\"\n", work, real)
	if err := os.WriteFile(gated, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tc := readFile(t, filepath.Join(work, "tc.txt"))
	os.WriteFile(filepath.Join(work, "tc.txt"), []byte(strings.Replace(tc, real, gated, 1)), 0o644)
	return work
}

var submitRE = regexp.MustCompile(`Submit directory: (\S+)`)

func plan(t *testing.T, work string) string {
	t.Helper()
	code, out, errs := command(t, work, "pegasus-plan", "--conf", filepath.Join(work, "pegasus.properties"),
		"--dax", filepath.Join(work, "blackdiamond.dax"), "--dir", filepath.Join(work, "submit"), "--sites", "local", "--output-site", "local")
	m := submitRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("pegasus-plan: exit %d\n%s%s", code, out, errs)
	}
	return m[1]
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor polls cond every 50 ms until it holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// running is a pegasus-run started in the background.
type running struct {
	cmd      *exec.Cmd
	out, err bytes.Buffer
	done     chan struct{}
	code     int
}

func start(t *testing.T, stderr *os.File, args ...string) *running {
	t.Helper()
	r := &running{done: make(chan struct{})}
	r.cmd = exec.Command(filepath.Join(bin, "pegasus-run"), args...)
	r.cmd.Stdout = &r.out
	if stderr != nil {
		r.cmd.Stderr = stderr
	} else {
		r.cmd.Stderr = &r.err
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func (r *running) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(3 * time.Minute):
		t.Fatalf("pegasus-run did not end\n%s%s", r.out.String(), r.err.String())
	}
	return -1
}

func (r *running) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// openPTY returns the master and slave ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skipf("unlockpt: %v", e)
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Skipf("ptsname: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	return m, s
}

func query(t *testing.T, db, sql string) string {
	t.Helper()
	d, err := stampede.Open(context.Background(), db, stampede.OpenOptions{ReadOnly: true, Wait: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.SQL.Query(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			t.Fatal(err)
		}
		for i, x := range v {
			if i > 0 {
				b.WriteByte('|')
			}
			fmt.Fprint(&b, x)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// dump returns every Stampede table's rows as text.
func dump(t *testing.T, db string) string {
	t.Helper()
	var b strings.Builder
	for _, tbl := range stampede.Tables {
		if tbl == "dbversion" {
			continue
		}
		for _, r := range strings.Split(strings.TrimSpace(query(t, db, `SELECT * FROM "`+tbl+`" ORDER BY ALL`)), "\n") {
			if r != "" {
				fmt.Fprintln(&b, tbl, r)
			}
		}
	}
	return b.String()
}

func monitordPid(submit string) int {
	b, _ := os.ReadFile(filepath.Join(submit, "monitord.started"))
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "pid" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func isMonitord(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && bytes.Contains(b, []byte("pegasus-monitord"))
}

// A run watched from a terminal: progress on stderr while it runs, the
// statistics and the analyzer read the live database, monitord killed
// with SIGKILL mid-run is started again and the final database equals a
// replay of the finished run. The run cannot end before the test lets
// its analyze task go, so every step happens while the workflow runs.
func TestLiveRun(t *testing.T) {
	work := example(t, false)
	submit := plan(t, work)
	master, slave := openPTY(t)
	defer master.Close()
	var term bytes.Buffer
	var termMu sync.Mutex
	termDone := make(chan struct{})
	go func() {
		defer close(termDone)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			termMu.Lock()
			term.Write(buf[:n])
			termMu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	r := start(t, slave, "-j", "2", submit)
	slave.Close()
	waitFor(t, "the analyze task to start", time.Minute, func() bool { return exists(filepath.Join(work, "started")) || r.ended() })
	if r.ended() {
		t.Fatalf("pegasus-run ended early: exit %d\n%s", r.code, r.out.String())
	}
	db := filepath.Join(submit, "blackdiamond-0.stampede.duckdb")
	waitFor(t, "monitord to load the jobs done so far", time.Minute, func() bool {
		if !exists(db) {
			return false
		}
		n, _ := strconv.Atoi(strings.TrimSpace(query(t, db, "SELECT count(*) FROM job_instance WHERE exitcode = 0")))
		return n >= 5
	})

	// The reports while the workflow runs.
	code, out, errs := command(t, work, "pegasus-statistics", "-i", "-s", "summary", "-o", filepath.Join(work, "live"), submit)
	if code != 0 {
		t.Fatalf("live pegasus-statistics: exit %d\n%s%s", code, out, errs)
	}
	m := regexp.MustCompile(`\n\s*Jobs\s+(\d+)\s+0\s+(\d+)\s+14\s`).FindStringSubmatch(readFile(t, filepath.Join(work, "live", "summary.txt")))
	if m == nil || m[1] == "14" || m[1] == "0" {
		t.Errorf("live statistics: %q, want some but not all of the 14 jobs succeeded:\n%s", m, readFile(t, filepath.Join(work, "live", "summary.txt")))
	}
	code, out, _ = command(t, work, "pegasus-analyzer", submit)
	if code > 1 || !regexp.MustCompile(`\*\*Total Jobs\*\*\s+\|\s+14\s`).MatchString(out) {
		t.Errorf("live pegasus-analyzer: exit %d\n%s", code, out)
	}

	// kill -9 of monitord: pegasus-dagman starts it again while the run goes on.
	pid := monitordPid(submit)
	if pid == 0 || !isMonitord(pid) {
		t.Fatalf("monitord.started names %d, not a running pegasus-monitord", pid)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new monitord", time.Minute, func() bool {
		p := monitordPid(submit)
		return p != pid && p != 0 && isMonitord(p)
	})
	if r.ended() {
		t.Fatal("the workflow ended before the gate opened")
	}
	os.WriteFile(filepath.Join(work, "gate"), nil, 0o644)
	if code := r.wait(t); code != 0 {
		t.Fatalf("pegasus-run: exit %d\n%s", code, r.out.String())
	}
	if !strings.Contains(r.out.String(), "Workflow succeeded: 14 of 14 jobs done") {
		t.Errorf("pegasus-run said:\n%s", r.out.String())
	}
	<-termDone
	shown := term.String()
	for _, want := range []string{"/14 done", "% ", "\r\x1b[K", "pegasus-monitord stopped (signal: killed); starting it again"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the terminal did not show %q:\n%q", want, shown)
		}
	}
	if got := readFile(t, filepath.Join(work, "outputs", "f.d")); got != "min=3 max=100 count=40\n" {
		t.Errorf("f.d = %q", got)
	}
	// The truth: 14 jobs, each tried once and succeeded.
	if got := query(t, db, "SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'), max(try) FROM job_try"); got != "14|14|1\n" {
		t.Errorf("job tries, succeeded, max try = %q", got)
	}

	// The same database as monitord --replay of the finished run.
	twin := filepath.Join(t.TempDir(), "twin")
	if o, err := exec.Command("cp", "-a", submit, twin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, o)
	}
	for _, f := range []string{"blackdiamond-0.stampede.duckdb", "monitord.info", "monitord.done", "monitord.started", "jobstate.log"} {
		os.Remove(filepath.Join(twin, f))
	}
	if code, o, e := command(t, twin, "pegasus-monitord", "-r", filepath.Join(twin, "blackdiamond-0.dag.dagman.out")); code != 0 {
		t.Fatalf("replay: %d %s %s", code, o, e)
	}
	norm := strings.NewReplacer(submit, "SUBMIT", twin, "SUBMIT")
	got, want := norm.Replace(dump(t, db)), norm.Replace(dump(t, filepath.Join(twin, "blackdiamond-0.stampede.duckdb")))
	if got != want {
		t.Errorf("the live database (monitord killed and restarted) differs from a replay:\n got\n%s\nwant\n%s", got, want)
	}
}

// Ctrl-C stops the workflow: exit 130, the running job is removed, a
// rescue DAG keeps what was done; the next pegasus-run resumes from it and
// runs only what is left.
func TestInterruptAndResume(t *testing.T) {
	work := example(t, false)
	submit := plan(t, work)
	r := start(t, nil, submit)
	waitFor(t, "the analyze task to start", time.Minute, func() bool { return exists(filepath.Join(work, "started")) || r.ended() })
	r.cmd.Process.Signal(syscall.SIGINT)
	if code := r.wait(t); code != 130 {
		t.Fatalf("interrupted pegasus-run: exit %d, want 130\n%s%s", code, r.out.String(), r.err.String())
	}
	rescue := filepath.Join(submit, "blackdiamond-0.dag.rescue001")
	for _, want := range []string{"stopping the workflow", "Workflow was stopped:", "Rescue DAG: " + rescue} {
		if !strings.Contains(r.err.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.err.String())
		}
	}
	text := readFile(t, rescue)
	if !strings.Contains(text, "DONE preprocess_ID0000001\n") || strings.Contains(text, "DONE analyze_ID0000004") {
		t.Errorf("rescue DAG:\n%s", text)
	}
	if !exists(filepath.Join(submit, "monitord.done")) {
		t.Error("pegasus-run returned before monitord was done")
	}

	os.WriteFile(filepath.Join(work, "gate"), nil, 0o644)
	code, out, errs := command(t, work, "pegasus-run", submit)
	if code != 0 {
		t.Fatalf("resumed pegasus-run: exit %d\n%s%s", code, out, errs)
	}
	db := filepath.Join(submit, "blackdiamond-0.stampede.duckdb")
	if got := query(t, db, "SELECT count(*) FROM job_try WHERE exec_job_id = 'preprocess_ID0000001'"); got != "1\n" {
		t.Errorf("preprocess ran %s times, want once", got)
	}
	if got := query(t, db, "SELECT count(*) FROM (SELECT DISTINCT ON (job_id) * FROM job_try ORDER BY job_id, try DESC) WHERE status = 'succeeded'"); got != "14\n" {
		t.Errorf("jobs succeeded at last: %q", got)
	}
	if got := query(t, db, "SELECT max(restart_count) FROM workflowstate"); got != "1\n" {
		t.Errorf("restart count %q", got)
	}
}

// Usage errors exit 2, a directory that is no submit directory 1.
func TestUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{nil, 2, "", "expected one SUBMITDIR"},
		{[]string{"a", "b"}, 2, "", "expected one SUBMITDIR"},
		{[]string{"--no-such-flag", dir}, 2, "", "unknown flag"},
		{[]string{"--help"}, 0, "", "pegasus-run - run a planned workflow"},
		{[]string{filepath.Join(dir, "missing")}, 1, "", "no such file or directory"},
		{[]string{dir}, 1, "", "not a submit directory"},
	} {
		code, out, errs := command(t, dir, "pegasus-run", tc.args...)
		if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
			t.Errorf("pegasus-run %q: exit %d\nstdout %q\nstderr %q\nwant exit %d, %q, %q", tc.args, code, out, errs, tc.code, tc.stdout, tc.stderr)
		}
	}
}

// hookScript records, for every notification, the PEGASUS_* variables, and
// when it started and ended (to see how many ran at once).
const hookScript = `#!/bin/sh
echo "event=$PEGASUS_EVENT jobid=$PEGASUS_JOBID status=${PEGASUS_STATUS-unset} wfid=$PEGASUS_WFID submit=$PEGASUS_SUBMIT_DIR stdout=$PEGASUS_STDOUT stderr=${PEGASUS_STDERR-unset} ts=$PEGASUS_EVENT_TIMESTAMP" >> @WORK@/hooks.txt
echo start >> @WORK@/overlap.txt
sleep 0.1
echo end >> @WORK@/overlap.txt
`

// slowHook never ends by itself: the time limit stops it.
const slowHook = `#!/bin/sh
trap 'echo end >> @WORK@/overlap.txt; exit 143' TERM
echo start >> @WORK@/overlap.txt
sleep 60 &
wait
`

// --conf and -D reach the executor (dagman.maxjobs) and monitord
// (notification limits). The failing example's hooks (<invoke> in the
// abstract workflow) run with Pegasus's environment, one at a time (max
// 1), the slow one stopped by the time limit, every outcome logged; the
// default hooks write the email (no sendmail) and the status report.
func TestConfAndNotifications(t *testing.T) {
	work := example(t, true)
	os.WriteFile(filepath.Join(work, "gate"), nil, 0o644)
	for name, text := range map[string]string{"hook.sh": hookScript, "slow.sh": slowHook} {
		os.WriteFile(filepath.Join(work, name), []byte(strings.ReplaceAll(text, "@WORK@", work)), 0o755)
	}
	hook, slow := filepath.Join(work, "hook.sh"), filepath.Join(work, "slow.sh")
	dax := readFile(t, filepath.Join(work, "blackdiamond.dax"))
	wfHooks := fmt.Sprintf(`<invoke when="start">%[1]s</invoke>
  <invoke when="on_success">%[1]s</invoke>
  <invoke when="on_error">%[1]s</invoke>
  <invoke when="at_end">pegasus-notify-email -t ops@example.org --sendmail none</invoke>
  <invoke when="all">pegasus-notify-report</invoke>
  <job id="ID0000001"`, hook)
	dax = strings.Replace(dax, `<job id="ID0000001"`, wfHooks, 1)
	dax = strings.Replace(dax, `<uses name="f.b2" link="output" transfer="false" register="false"/>
  </job>`, fmt.Sprintf(`<uses name="f.b2" link="output" transfer="false" register="false"/>
    <invoke when="start">%s</invoke>
    <invoke when="on_success">%s</invoke>
  </job>`, slow, hook), 1)
	dax = strings.Replace(dax, `<uses name="f.c2" link="output" transfer="false" register="false"/>
  </job>`, fmt.Sprintf(`<uses name="f.c2" link="output" transfer="false" register="false"/>
    <invoke when="on_error">%s</invoke>
  </job>`, hook), 1)
	os.WriteFile(filepath.Join(work, "blackdiamond.dax"), []byte(dax), 0o644)
	submit := plan(t, work)
	conf := filepath.Join(work, "run.properties")
	os.WriteFile(conf, []byte("dagman.maxjobs = 1\n"), 0o644)

	// A PATH without the Pegasus tools: the hooks still find them.
	cmd := exec.Command(filepath.Join(bin, "pegasus-run"), "--conf", conf,
		"-D", "pegasus.monitord.notifications.max=1", "-D", "pegasus.monitord.notifications.timeout=1", submit)
	cmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("pegasus-run: %v, want exit 1\n%s%s", err, out.String(), errb.String())
	}
	dagmanOut := readFile(t, filepath.Join(submit, "blackdiamond-0.dag.dagman.out"))
	if !strings.Contains(dagmanOut, "DAGMAN_MAX_JOBS_SUBMITTED setting: 1\n") {
		t.Error("dagman.maxjobs from --conf did not reach the executor")
	}

	bd, err := ingest.ReadBraindumpDir(submit)
	if err != nil {
		t.Fatal(err)
	}
	uuid := bd.WfUUID()
	count := map[string]int{}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(work, "hooks.txt"))), "\n") {
		f := strings.Fields(l)
		key := f[0] + " " + f[1] + " " + f[2] // event, jobid, status
		if f[1] == "jobid=findrange_ID0000003" && regexp.MustCompile(`^status=[1-9][0-9]*$`).MatchString(f[2]) {
			// A failed job's status: FORMATS.md §7.3 says the task's exit
			// code (3) when kickstart recorded it; monitord gives the POST
			// script's (1). Either is a failure status.
			key = f[0] + " " + f[1] + " status=failed"
		}
		count[key]++
		lines = append(lines, l)
	}
	jobs := filepath.Join(submit, "00", "00")
	want := map[string]int{
		"event=start jobid=" + uuid + " status=unset":            1,
		"event=on_error jobid=" + uuid + " status=1":             1,
		"event=on_success jobid=preprocess_ID0000001 status=0":   1,
		"event=on_error jobid=findrange_ID0000003 status=failed": 2, // the try and its retry
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("hook %q ran %d times, want %d", k, count[k], n)
		}
	}
	if len(lines) != 5 {
		t.Errorf("hook.sh ran %d times, want 5:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if t.Failed() {
		t.Logf("hooks:\n%s\nnotify file:\n%s\nnotifications log:\n%s", strings.Join(lines, "\n"), readFile(t, filepath.Join(submit, "blackdiamond-0.notify")), readFile(t, filepath.Join(submit, "monitord-notifications.log")))
	}
	for _, l := range lines {
		if !strings.Contains(l, "wfid=blackdiamond-0 submit="+submit+" ") || !regexp.MustCompile(` ts=\d{10}$`).MatchString(l) {
			t.Errorf("hook environment: %s", l)
		}
		switch {
		case strings.Contains(l, "jobid="+uuid):
			if !strings.Contains(l, "stdout="+filepath.Join(submit, "blackdiamond-0.dag.dagman.out")+" ") {
				t.Errorf("workflow hook PEGASUS_STDOUT: %s", l)
			}
		case strings.Contains(l, "jobid=preprocess_ID0000001"):
			if !strings.Contains(l, "stdout="+filepath.Join(jobs, "preprocess_ID0000001.out.000")+" stderr="+filepath.Join(jobs, "preprocess_ID0000001.err.000")) {
				t.Errorf("job hook PEGASUS_STDOUT/STDERR: %s", l)
			}
		}
	}
	// One at a time (max 1): starts and ends alternate.
	if ov := strings.Fields(readFile(t, filepath.Join(work, "overlap.txt"))); len(ov) != 12 || strings.Count(strings.Join(ov, " "), "start end") != 6 {
		t.Errorf("hooks overlapped with notifications.max = 1: %v", ov)
	}

	nlog := readFile(t, filepath.Join(submit, "monitord-notifications.log"))
	if n := strings.Count(nlog, " - "+hook+" - 0\n"); n != 5 {
		t.Errorf("%d successful hook.sh outcomes logged, want 5:\n%s", n, nlog)
	}
	if !regexp.MustCompile(` - preprocess_ID0000001 - start - ` + regexp.QuoteMeta(slow) + ` - timed out after 1s`).MatchString(nlog) {
		t.Errorf("the slow hook's time-out is not logged:\n%s", nlog)
	}
	for _, want := range []string{" - at_end - pegasus-notify-email -t ops@example.org --sendmail none - 0\n", " - start - pegasus-notify-report - 0\n", " - at_end - pegasus-notify-report - 0\n"} {
		if !strings.Contains(nlog, want) {
			t.Errorf("monitord-notifications.log lacks %q:\n%s", want, nlog)
		}
	}
	mails, _ := filepath.Glob(filepath.Join(submit, "notifications", "*.eml"))
	if len(mails) != 1 {
		t.Fatalf("messages written: %v", mails)
	}
	if mail := readFile(t, mails[0]); !strings.Contains(mail, "To: ops@example.org\n") || !strings.Contains(mail, "Subject: Pegasus notification: workflow blackdiamond-0 at_end (status 1)") {
		t.Errorf("message:\n%s", mail)
	}
	report := readFile(t, filepath.Join(submit, "notification-report.txt"))
	if strings.Count(report, "== ") != 2 || !strings.Contains(report, "failed: findrange_ID0000003 (try 2, exit code 1") {
		t.Errorf("status report:\n%s", report)
	}
}
