package analyzer

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pegasus-go/pegasus/ingest"
)

// DebugOptions configure WriteDebugScript.
type DebugOptions struct {
	// Job is the job's name or the path of its submit file (".sub" is
	// added when missing).
	Job string
	// SubmitDir is the workflow's submit directory, where the submit file
	// is looked for when Job is not a path to it.
	SubmitDir string
	// DebugDir is where the job is re-run; created when missing. Empty
	// means a new temporary directory.
	DebugDir string
	// LocalExecutable replaces the user executable inside a PegasusLite
	// wrapper (the path after pegasus-kickstart).
	LocalExecutable string
}

// DebugScript is what WriteDebugScript wrote.
type DebugScript struct {
	Job    string // the job's name
	Dir    string // the debug directory
	Script string // the script's path: <Dir>/debug_<job>.sh
	// Wrapper is the stripped PegasusLite wrapper it runs, "" when the job
	// has none.
	Wrapper string
}

// Errors of WriteDebugScript.
var (
	ErrNoSubmitFile = errors.New("cannot access job submit file")
	ErrDebugDir     = errors.New("not able to write to temporary directory")
)

// WriteDebugScript writes a bash script that re-runs one job in a local
// directory, as pegasus-analyzer --debug-job does: it copies the job's
// input files (transfer_input_files) there, runs the job (its PegasusLite
// wrapper cut before the stage-out, or its executable), and checks that the
// output files (transfer_output_files) were created, exiting with the
// number missing. The script is not run.
func WriteDebugScript(o DebugOptions) (*DebugScript, error) {
	subPath := o.Job
	if !strings.HasSuffix(subPath, ".sub") {
		subPath += ".sub"
	}
	job := strings.TrimSuffix(filepath.Base(subPath), ".sub")
	if !fileExists(subPath) && o.SubmitDir != "" {
		subPath = findSubmitFile(o.SubmitDir, job, subPath)
	}
	sub, err := ingest.ReadSubmitFile(subPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoSubmitFile, subPath)
	}
	dir := o.DebugDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "pegasus-analyzer-debug-"); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDebugDir, err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrDebugDir, dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if probe, err := os.CreateTemp(dir, ".write-test-"); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrDebugDir, dir)
	} else {
		probe.Close()
		os.Remove(probe.Name())
	}

	// Where the run's files are: the submit directory the planner recorded,
	// moved to where it is now when it was moved.
	subDir, _ := filepath.Abs(filepath.Dir(subPath))
	local := func(p string) string { return p }
	recorded := ""
	if wd, ok := sub.Attr("wf_submit_dir"); ok {
		recorded = wd
	} else if v, ok := sub.Attr("pegasus_wf_submit_dir"); ok {
		recorded = v
	}
	top := o.SubmitDir
	if top == "" {
		top = findTop(subDir)
	}
	if top != "" {
		if bd, err := ingest.ReadBraindumpDir(top); err == nil && bd.SubmitDir() != "" {
			if recorded == "" {
				recorded = bd.SubmitDir()
			}
			absTop, _ := filepath.Abs(top)
			rc := filepath.Clean(bd.SubmitDir())
			if rc != absTop {
				local = func(p string) string {
					c := filepath.Clean(p)
					if c == rc {
						return absTop
					}
					if strings.HasPrefix(c, rc+string(filepath.Separator)) {
						return filepath.Join(absTop, c[len(rc)+1:])
					}
					return p
				}
			}
		}
	}
	initialDir, _ := sub.Get("initialdir")
	initialDir = local(ingest.Unquote(strings.TrimSpace(initialDir)))
	exe, _ := sub.Get("executable")
	exe = local(ingest.Unquote(strings.TrimSpace(exe)))
	args, _ := sub.Arguments()
	inputs := splitList(get(sub, "transfer_input_files"))
	outputs := splitList(get(sub, "transfer_output_files"))

	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# Re-runs job %s of a Pegasus workflow in this directory.\n", job)
	b.WriteString("# Written by pegasus-analyzer --debug-job; edit it at will.\n")
	b.WriteString("set -e\n\n")
	b.WriteString("check_file() {\n")
	b.WriteString("    if [ ! -e \"$1\" ]; then\n")
	b.WriteString("        echo \"ERROR: $1 does not exist\" >&2\n")
	b.WriteString("        return 1\n")
	b.WriteString("    fi\n")
	b.WriteString("}\n\n")
	if recorded != "" {
		fmt.Fprintf(&b, "wf_submit_dir=%s\n", shellQuote(local(recorded)))
	}
	fmt.Fprintf(&b, "export pegasus_lite_work_dir=%s\n", shellQuote(dir))
	fmt.Fprintf(&b, "cd %s\n\n", shellQuote(dir))
	if len(inputs) > 0 {
		b.WriteString("echo \"copying the input files...\"\n")
		for _, in := range inputs {
			src := in
			if !strings.HasPrefix(src, "$(wf_submit_dir)") {
				src = local(src)
				if !filepath.IsAbs(src) && initialDir != "" {
					src = filepath.Join(initialDir, src)
				}
			}
			q := dq(src)
			fmt.Fprintf(&b, "check_file %s\ncp -r %s .\n", q, q)
		}
		b.WriteString("\n")
	}

	res := &DebugScript{Job: job, Dir: dir, Script: filepath.Join(dir, "debug_"+job+".sh")}
	quotedArgs := make([]string, len(args))
	for i, a := range args {
		quotedArgs[i] = shellQuote(a)
	}
	argStr := strings.Join(quotedArgs, " ")
	if argStr != "" {
		argStr = " " + argStr
	}
	wrapper := filepath.Join(subDir, job+".sh")
	b.WriteString("set +e\n")
	if fileExists(wrapper) {
		stripped, err := stripWrapper(wrapper, o.LocalExecutable)
		if err != nil {
			return nil, err
		}
		res.Wrapper = filepath.Join(dir, "stripped_pl_"+job+".sh")
		if err := os.WriteFile(res.Wrapper, []byte(stripped), 0o755); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "echo \"running the PegasusLite wrapper of job %s (stderr in debug_%s.err)...\"\n", job, job)
		fmt.Fprintf(&b, "./%s%s 2> %s\n", shellQuote("stripped_pl_"+job+".sh"), argStr, shellQuote("debug_"+job+".err"))
	} else {
		base := filepath.Base(exe)
		fmt.Fprintf(&b, "check_file %s && cp %s .\n", shellQuote(exe), shellQuote(exe))
		fmt.Fprintf(&b, "chmod +x %s\n", shellQuote(base))
		fmt.Fprintf(&b, "echo \"running %s...\"\n", base)
		fmt.Fprintf(&b, "./%s%s\n", shellQuote(base), argStr)
	}
	b.WriteString("rc=$?\nset -e\n")
	b.WriteString("if [ $rc -ne 0 ]; then\n    echo \"ERROR: the executable exited with status $rc\" >&2\n    exit $rc\nfi\n")
	b.WriteString("echo \"executable ran successfully\"\n\n")
	b.WriteString("missing=0\n")
	for _, out := range outputs {
		fmt.Fprintf(&b, "check_file %s || missing=$((missing + 1))\n", shellQuote(filepath.Base(out)))
	}
	b.WriteString("if [ $missing -eq 0 ]; then\n    echo \"all output files were created\"\nelse\n    echo \"ERROR: Not all output files were created\" >&2\nfi\nexit $missing\n")
	if err := os.WriteFile(res.Script, []byte(b.String()), 0o755); err != nil {
		return nil, err
	}
	return res, nil
}

// findSubmitFile looks for <job>.sub under the submit directory: as named
// in the DAG, else anywhere below it.
func findSubmitFile(dir, job, fallback string) string {
	if dags, _ := filepath.Glob(filepath.Join(dir, "*.dag")); len(dags) > 0 {
		if d, err := ingest.ReadDAGFile(dags[0]); err == nil {
			if n := d.Node(job); n != nil {
				return filepath.Join(dir, n.SubmitFile)
			}
		}
	}
	if p := filepath.Join(dir, job+".sub"); fileExists(p) {
		return p
	}
	found := fallback
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() && d.Name() == job+".sub" {
			found = p
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// findTop walks up from a submit file's directory to the one holding the
// braindump.
func findTop(dir string) string {
	for i := 0; i < 4; i++ {
		if fileExists(filepath.Join(dir, "braindump.yml")) || fileExists(filepath.Join(dir, "braindump.txt")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return ""
}

// stripWrapper returns a PegasusLite wrapper up to (not including) its
// stage-out: the "# stage out" line (Pegasus 4) or the
// "pegasus_lite_section_start stage_out" line (Pegasus 5), with the user
// executable replaced when asked. The job's exit status is then the
// wrapper's.
func stripWrapper(path, localExe string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "# stage out") || strings.HasPrefix(t, "pegasus_lite_section_start stage_out") {
			b.WriteString("trap - EXIT\nexit $job_ec\n")
			break
		}
		if localExe != "" {
			if i := strings.Index(line, "pegasus-kickstart"); i >= 0 {
				f := strings.Fields(line[i:])
				// pegasus-kickstart [options] <executable> [args]: the
				// executable is the first word that is not an option or
				// an option's value.
				for k := 1; k < len(f); k++ {
					if strings.HasPrefix(f[k], "-") {
						if len(f[k]) == 2 && k+1 < len(f) {
							k++
						}
						continue
					}
					line = line[:i] + strings.Replace(line[i:], f[k], localExe, 1)
					break
				}
			}
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String(), sc.Err()
}

func get(s *ingest.SubmitFile, key string) string {
	v, _ := s.Get(key)
	return ingest.Unquote(strings.TrimSpace(v))
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '_' || r == '-' || r == '+' || r == ',' || r == ':' || r == '=' || r == '@' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dq double-quotes s for bash, turning HTCondor's $(wf_submit_dir) into the
// script's ${wf_submit_dir}.
func dq(s string) string {
	const macro = "$(wf_submit_dir)"
	parts := strings.Split(s, macro)
	for i, p := range parts {
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
		parts[i] = r.Replace(p)
	}
	return `"` + strings.Join(parts, "${wf_submit_dir}") + `"`
}
