package analyzer

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebugScriptRuns writes the debug scripts of the jobs of
// testdata/analyzer/debugjob (a run planned elsewhere, so every path in its
// submit files is moved) and runs them with bash: the first job creates
// its output, the second misses one.
func TestDebugScriptRuns(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "analyzer", "debugjob"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		job, out string
		code     int
	}{
		{"wc_ID0000001", "all output files were created", 0},
		{"wc_ID0000002", "ERROR: Not all output files were created", 1},
	} {
		t.Run(c.job, func(t *testing.T) {
			dbg := filepath.Join(t.TempDir(), "debug") // created by the writer
			ds, err := WriteDebugScript(DebugOptions{Job: c.job, SubmitDir: dir, DebugDir: dbg})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Script != filepath.Join(dbg, "debug_"+c.job+".sh") || ds.Wrapper != "" {
				t.Errorf("script %s, wrapper %q", ds.Script, ds.Wrapper)
			}
			if fi, err := os.Stat(ds.Script); err != nil || fi.Mode().Perm() != 0o755 {
				t.Fatalf("script: %v %v", fi, err)
			}
			cmd := exec.Command("bash", ds.Script)
			out, err := cmd.CombinedOutput()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.code || !strings.Contains(string(out), c.out) || !strings.Contains(string(out), "executable ran successfully") {
				t.Errorf("exit %d, output:\n%s\nwant exit %d and %q", code, out, c.code, c.out)
			}
			b, err := os.ReadFile(filepath.Join(dbg, "counts.txt"))
			if err != nil || strings.TrimSpace(string(b)) != "3" {
				t.Errorf("counts.txt: %q %v", b, err)
			}
		})
	}
}

// TestDebugScriptPegasusLite: a PegasusLite job is re-run through its
// wrapper, cut before the stage-out, with the user executable replaced on
// request; the input files come from where the run is now.
func TestDebugScriptPegasusLite(t *testing.T) {
	dir := sampleCopy(t, "process_wf_failure")
	dbg := t.TempDir()
	ds, err := WriteDebugScript(DebugOptions{Job: "ls_ID0000001", SubmitDir: dir, DebugDir: dbg, LocalExecutable: "/opt/mine/ls"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := os.ReadFile(ds.Wrapper)
	if err != nil {
		t.Fatal(err)
	}
	wrapper := string(w)
	if !strings.Contains(wrapper, "pegasus-kickstart  -n ls -N ID0000001 -o listing.txt -R condorpool  -s listing.txt=listing.txt -L process -T 2023-03-03T23:09:21-08:00 /opt/mine/ls -z /") {
		t.Errorf("the executable is not replaced:\n%s", wrapper)
	}
	if strings.Contains(wrapper, "stage_out") || !strings.HasSuffix(wrapper, "exit $job_ec\n") {
		t.Errorf("the wrapper is not cut before the stage-out:\n%s", wrapper)
	}
	s, err := os.ReadFile(ds.Script)
	if err != nil {
		t.Fatal(err)
	}
	script := string(s)
	for _, want := range []string{
		"wf_submit_dir=" + dir + "\n",
		"export pegasus_lite_work_dir=" + dbg,
		`cp -r "` + dir + `/pegasus-lite-common.sh" .`,
		"./stripped_pl_ls_ID0000001.sh 2> debug_ls_ID0000001.err",
		"check_file listing.txt || missing=$((missing + 1))",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	if out, err := exec.Command("bash", "-n", ds.Script).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
	}
}

func TestDebugScriptErrors(t *testing.T) {
	if _, err := WriteDebugScript(DebugOptions{Job: "nope", SubmitDir: t.TempDir()}); !errors.Is(err, ErrNoSubmitFile) {
		t.Errorf("err %v, want ErrNoSubmitFile", err)
	}
	dir, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "analyzer", "debugjob"))
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDebugScript(DebugOptions{Job: "wc_ID0000001", SubmitDir: dir, DebugDir: filepath.Join(file, "sub")}); !errors.Is(err, ErrDebugDir) {
		t.Errorf("err %v, want ErrDebugDir", err)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path-1.txt": "plain/path-1.txt",
		"":                 "''",
		"a b":              "'a b'",
		"it's":             `'it'\''s'`,
		"$HOME":            "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := dq(`$(wf_submit_dir)/a "b" $x`); got != `"${wf_submit_dir}/a \"b\" \$x"` {
		t.Errorf("dq: %s", got)
	}
}
