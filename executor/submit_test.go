package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
)

// show.sh prints what a job sees: its arguments, directory, environment
// and stdin, one "key:value" line each.
const showScript = `#!/bin/sh
for a in "$@"; do echo "arg:$a"; done
echo "pwd:$(pwd -P)"
for v in FOO SPACED WHO KEEP_ME DROP_ME ALSO X Y CONDOR_ID _CONDOR_JOB_IWD _CONDOR_SCRATCH_DIR; do
  eval "echo $v:\${$v-unset}"
done
echo "path:$PATH"
read line; echo "stdin:$line"
echo "to stderr" >&2
`

// seen parses show.sh's output into its lines per key.
func seen(out string) map[string][]string {
	m := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(l, ":")
		m[k] = append(m[k], v)
	}
	return m
}

// The submit-file commands the planner emits reach the job as HTCondor
// gives them: arguments (new and old syntax), initialdir, environment (new
// and old syntax), getenv (a list, true, false), input/output/error (one
// file for both outputs), VARS and DAGMan macros, $ENV(); a missing
// initialdir and a universe that cannot run here are submit failures.
func TestSubmitFileFeatures(t *testing.T) {
	w := newWF(t)
	os.WriteFile(filepath.Join(w.dir, "show.sh"), []byte(showScript), 0o755)
	work := filepath.Join(w.dir, "work")
	os.MkdirAll(work, 0o755)
	os.WriteFile(filepath.Join(work, "in.txt"), []byte("from stdin\n"), 0o644)
	sub := func(name, body string) {
		os.WriteFile(filepath.Join(w.dir, name+".sub"), []byte(body+"log = wf.log\nqueue\n"), 0o644)
		w.line("JOB " + name + " " + name + ".sub")
	}
	sub("newsyntax", `universe = local
executable = show.sh
arguments = "one 'two words' 'it''s' ""dq"" $(who) $(JOB) id=$(cluster).$(process) home=$ENV(KEEP_ME)"
initialdir = work
environment = "FOO=bar SPACED='a b' WHO=$(who)"
getenv = KEEP_ME, ALSO
input = in.txt
output = newsyntax.out
error = newsyntax.out
`)
	w.line(`VARS newsyntax who="world"`)
	sub("oldsyntax", `universe = vanilla
executable = show.sh
arguments = a\"b c
environment = X=1;Y=2
getenv = true
output = oldsyntax.out
error = oldsyntax.err
`)
	sub("noenv", `executable = show.sh
getenv = false
output = noenv.out
`)
	sub("nodir", `executable = show.sh
initialdir = does/not/exist
output = nodir.out
`)
	sub("griduniverse", `universe = grid
executable = show.sh
`)
	res := w.run(Config{Env: []string{"PATH=/usr/bin:/bin", "KEEP_ME=1", "DROP_ME=2", "ALSO=3"}, BinDir: "/opt/pegasus/bin"})
	if res.Done != 3 || res.Failed != 2 {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}

	got := seen(w.read("work/newsyntax.out"))
	wantArgs := []string{"one", "two words", "it's", `"dq"`, "world", "newsyntax", "id=" + got["CONDOR_ID"][0][:strings.IndexByte(got["CONDOR_ID"][0], '.')] + ".0", "home=1"}
	if strings.Join(got["arg"], "|") != strings.Join(wantArgs, "|") {
		t.Errorf("arguments %q, want %q", got["arg"], wantArgs)
	}
	realWork, _ := filepath.EvalSymlinks(work)
	for k, want := range map[string]string{
		"pwd": realWork, "FOO": "bar", "SPACED": "a b", "WHO": "world", "KEEP_ME": "1", "ALSO": "3", "DROP_ME": "unset",
		"_CONDOR_JOB_IWD": work, "stdin": "from stdin", "to stderr": "",
	} {
		if len(got[k]) != 1 || got[k][0] != want {
			t.Errorf("newsyntax: %s = %q, want %q", k, got[k], want)
		}
	}
	// No PATH from the environment: a default one, the Pegasus binaries first.
	if p := got["path"]; len(p) != 1 || p[0] != "/opt/pegasus/bin:/usr/local/bin:/usr/bin:/bin" {
		t.Errorf("PATH %q", p)
	}

	got = seen(w.read("oldsyntax.out"))
	if strings.Join(got["arg"], "|") != `a"b|c` {
		t.Errorf("old-syntax arguments %q", got["arg"])
	}
	for k, want := range map[string]string{"X": "1", "Y": "2", "KEEP_ME": "1", "DROP_ME": "2", "stdin": ""} {
		if len(got[k]) != 1 || got[k][0] != want {
			t.Errorf("oldsyntax: %s = %q, want %q", k, got[k], want)
		}
	}
	if p := got["path"]; len(p) != 1 || p[0] != "/opt/pegasus/bin:/usr/bin:/bin" {
		t.Errorf("getenv = true: PATH %q, want the Pegasus binaries first, then the executor's", p)
	}
	if w.read("oldsyntax.err") != "to stderr\n" {
		t.Errorf("oldsyntax.err = %q", w.read("oldsyntax.err"))
	}
	got = seen(w.read("noenv.out"))
	for _, k := range []string{"KEEP_ME", "DROP_ME", "ALSO"} {
		if got[k][0] != "unset" {
			t.Errorf("getenv = false: %s = %q", k, got[k])
		}
	}

	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	for _, n := range []string{"nodir", "griduniverse"} {
		if got := strings.Join(nodeEvents(lines, n), " "); got != "submitting submit-failed" {
			t.Errorf("%s: %s", n, got)
		}
	}
	out := w.read("wf.dag.dagman.out")
	for _, want := range []string{
		"Error from submit: " + filepath.Join(w.dir, "nodir.sub") + ": No such directory: " + filepath.Join(w.dir, "does/not/exist"),
		"Error from submit: " + filepath.Join(w.dir, "griduniverse.sub") + ": universe grid cannot run on this machine",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dagman.out lacks %q", want)
		}
	}
}

// A node whose DIR does not exist cannot run its scripts: the PRE script
// fails with a message naming the directory, as a missing directory (not
// a missing program).
func TestScriptInMissingDir(t *testing.T) {
	w := newWF(t)
	w.line("JOB sub x.sub DIR not/there")
	w.line("SCRIPT PRE sub /bin/true")
	res := w.run(Config{})
	if res.Failed != 1 {
		t.Fatalf("result %+v", res)
	}
	out := w.read("wf.dag.dagman.out")
	want := "Warning: PRE script of node sub could not be started: cannot change to the node's directory " + filepath.Join(w.dir, "not/there") + ": no such file or directory"
	if !strings.Contains(out, want) {
		t.Errorf("dagman.out lacks %q:\n%s", want, out)
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	if got := strings.Join(nodeEvents(lines, "sub"), " "); got != "pre-start pre-failed-1" {
		t.Errorf("sub: %s", got)
	}
	// The failure report (read back from dagman.out) gives the reason.
	sr := &StatusReader{Path: filepath.Join(w.dir, "wf.dag.dagman.out")}
	if err := sr.Update(); err != nil {
		t.Fatal(err)
	}
	wantReason := "PRE script failed with status 1: could not be started: cannot change to the node's directory " + filepath.Join(w.dir, "not/there") + ": no such file or directory"
	if f := sr.St.Failures; len(f) != 1 || f[0].Node != "sub" || f[0].Reason != wantReason {
		t.Errorf("failures %+v, want sub: %s", f, wantReason)
	}
}

// A job's output that cannot be brought back because the submit side's
// disk is full holds the job with a reason that says so; the node fails,
// the rescue DAG keeps what was done, and a second run on a disk with room
// completes the workflow.
func TestTransferBackDiskFull(t *testing.T) {
	w := newWF(t)
	w.job("first", "echo first > first.txt")
	w.job("xfer", "echo result > out.txt", "universe = vanilla", "should_transfer_files = YES", "transfer_output_files = out.txt")
	w.line("PARENT first CHILD xfer")
	// The copy goes through out.txt.pegasus-tmp: on /dev/full, the disk is full.
	tmp := filepath.Join(w.dir, "out.txt.pegasus-tmp")
	if err := os.Symlink("/dev/full", tmp); err != nil {
		t.Fatal(err)
	}
	res := w.run(Config{ScratchDir: t.TempDir()})
	if res.ExitCode != 1 || res.Done != 1 || res.Failed != 1 || res.Rescue == "" {
		t.Fatalf("result %+v\n%s", res, w.read("wf.dag.dagman.out"))
	}
	lines := classify(t, filepath.Join(w.dir, "wf.dag.dagman.out"))
	hr := kinds(lines, ingest.LineHoldReason)
	want := "SHADOW failed to receive file(s): failed to write to file " + filepath.Join(w.dir, "out.txt") + ": (errno=28: 'No space left on device')"
	if len(hr) != 1 || !strings.Contains(hr[0].Text, want) {
		t.Errorf("hold reasons %+v, want %q", hr, want)
	}
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Reason, "No space left on device") {
		t.Errorf("failures %+v", res.Failures)
	}
	if !strings.Contains(w.read("wf.dag.rescue001"), "DONE first\n") {
		t.Errorf("rescue DAG:\n%s", w.read("wf.dag.rescue001"))
	}
	// Room again: the second run does only what is left.
	os.Remove(tmp)
	os.Remove(filepath.Join(w.dir, "first.txt"))
	res = w.run(Config{ScratchDir: t.TempDir()})
	if res.ExitCode != 0 || w.read("out.txt") != "result\n" {
		t.Fatalf("second run %+v, out.txt %q", res, w.read("out.txt"))
	}
	if _, err := os.Stat(filepath.Join(w.dir, "first.txt")); err == nil {
		t.Error("the node done in the first run ran again")
	}
}
