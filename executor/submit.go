package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/ingest"
)

// jobSpec is what a node's submit file asks for, with macros expanded and
// paths made absolute.
type jobSpec struct {
	universe     string
	executable   string
	args         []string
	env          []string // the submit file's environment entries, KEY=VALUE
	getenv       string   // "true", "false" or a list of names
	iwd          string   // initialdir (absolute)
	input        string   // "" = /dev/null
	output       string
	errorf       string
	log          string
	transfer     bool     // should_transfer_files: the job runs in a scratch directory
	transferExe  bool     // transfer_executable
	inputFiles   []string // transfer_input_files, as written
	outputFiles  []string // transfer_output_files, as written
	outputRemaps map[string]string
}

// macroExpander expands $(name) submit macros (HTCondor semantics: an
// unknown macro expands to nothing), $ENV(name) from the environment, and
// leaves $$(...) alone.
type macroExpander struct {
	vars   map[string]string // lower-cased names
	cmds   map[string]string // the submit file's own commands, also macros
	getenv func(string) string
}

func (m *macroExpander) expand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "$("):
			// $$(attr): matchmaking macro, kept as written.
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			b.WriteString(s[i : i+2+end])
			i += 1 + end
		case strings.HasPrefix(rest, "("):
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := strings.ToLower(rest[1:end])
			if v, ok := m.vars[name]; ok {
				b.WriteString(v)
			} else if v, ok := m.cmds[name]; ok && !strings.Contains(v, "$("+rest[1:end]+")") {
				b.WriteString(m.expand(v))
			}
			i += 1 + end
		case len(rest) >= 4 && strings.EqualFold(rest[:4], "ENV("):
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			if m.getenv != nil {
				b.WriteString(m.getenv(rest[4:end]))
			}
			i += 1 + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// readJobSpec reads a submit file for one try of a node. submitDir is the
// directory condor_submit would run in (the DAG's directory or the node's
// DIR); vars are the node's VARS and DAGMan's macros.
func readJobSpec(path, submitDir string, vars map[string]string, getenv func(string) string) (*jobSpec, error) {
	sf, err := ingest.ReadSubmitFile(path)
	if err != nil {
		return nil, err
	}
	if !sf.HasQueue {
		return nil, fmt.Errorf("%s: no queue statement", path)
	}
	if sf.Queue != 1 {
		return nil, fmt.Errorf("%s: queue %d: only one job per node is supported", path, sf.Queue)
	}
	m := &macroExpander{vars: vars, cmds: sf.Commands, getenv: getenv}
	get := func(k string) string {
		v, _ := sf.Get(k)
		return strings.TrimSpace(m.expand(v))
	}
	js := &jobSpec{universe: strings.ToLower(get("universe"))}
	if js.universe == "" {
		js.universe = "vanilla"
	}
	switch js.universe {
	case "vanilla", "local", "scheduler", "parallel", "java", "standard":
	default:
		return nil, fmt.Errorf("%s: universe %s cannot run on this machine", path, js.universe)
	}
	js.iwd = submitDir
	if d := get("initialdir"); d != "" {
		js.iwd = abs(submitDir, d)
	}
	if d := get("remote_initialdir"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			js.iwd = d
		}
	}
	// condor_submit refuses a job whose initial directory is missing.
	if err := checkDir(js.iwd); err != nil {
		return nil, fmt.Errorf("%s: No such directory: %s (%v)", path, js.iwd, err)
	}
	js.executable = get("executable")
	if js.executable == "" {
		return nil, fmt.Errorf("%s: no executable", path)
	}
	js.executable = abs(submitDir, js.executable)
	argv := ""
	if v, ok := sf.Get("arguments"); ok {
		argv = v
	} else if v, ok := sf.Get("args"); ok {
		argv = v
	}
	if argv != "" {
		if js.args, err = ingest.SplitCondorArgs(m.expand(argv)); err != nil {
			return nil, fmt.Errorf("%s: arguments: %w", path, err)
		}
	}
	if _, ok := sf.Get("environment"); ok {
		envSF := &ingest.SubmitFile{Commands: map[string]string{"environment": m.expand(sf.Commands["environment"])}}
		for _, kv := range envSF.Environment() {
			js.env = append(js.env, kv.Key+"="+kv.Value)
		}
	} else if v := get("env"); v != "" {
		for _, e := range strings.Split(v, ";") {
			if e = strings.TrimSpace(e); e != "" {
				js.env = append(js.env, e)
			}
		}
	}
	js.getenv = strings.ToLower(get("getenv"))
	for _, k := range []struct {
		key string
		dst *string
	}{{"input", &js.input}, {"output", &js.output}, {"error", &js.errorf}, {"log", &js.log}} {
		if v := get(k.key); v != "" {
			*k.dst = abs(js.iwd, v)
		}
	}
	js.transfer = isTrue(get("should_transfer_files")) && js.universe == "vanilla"
	js.transferExe = get("transfer_executable") == "" || isTrue(get("transfer_executable"))
	js.inputFiles = splitList(get("transfer_input_files"))
	js.outputFiles = splitList(get("transfer_output_files"))
	if r := get("transfer_output_remaps"); r != "" {
		js.outputRemaps = map[string]string{}
		for _, e := range strings.Split(ingest.Unquote(r), ";") {
			if k, v, ok := strings.Cut(e, "="); ok {
				js.outputRemaps[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return js, nil
}

func isTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "t", "y", "1":
		return true
	}
	return false
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

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// jobEnv builds a job's environment: the executor's (all of it with
// getenv = true, the named variables with getenv = a list), then the submit
// file's environment, then PATH with binDir first, and the HTCondor
// variables a job sees.
func jobEnv(js *jobSpec, base []string, binDir, scratch string, cluster int) []string {
	env := make([]string, 0, len(base)+len(js.env)+6)
	switch js.getenv {
	case "", "false", "no", "f", "n", "0":
	case "true", "yes", "t", "y", "1":
		env = append(env, base...)
	default:
		want := map[string]bool{}
		for _, n := range strings.FieldsFunc(js.getenv, func(r rune) bool { return r == ',' || r == ' ' }) {
			want[strings.ToUpper(n)] = true
		}
		for _, kv := range base {
			k, _, _ := strings.Cut(kv, "=")
			if want[strings.ToUpper(k)] || want["*"] {
				env = append(env, kv)
			}
		}
	}
	env = append(env, js.env...)
	path := "/usr/local/bin:/usr/bin:/bin"
	for i := len(env) - 1; i >= 0; i-- {
		if strings.HasPrefix(env[i], "PATH=") {
			path = env[i][5:]
			break
		}
	}
	if binDir != "" {
		path = binDir + ":" + path
	}
	env = append(env, "PATH="+path, "_CONDOR_SCRATCH_DIR="+scratch, "_CONDOR_SLOT=slot1",
		"_CONDOR_JOB_IWD="+js.iwd, "CONDOR_ID="+strconv.Itoa(cluster)+".0")
	if js.transfer {
		env = append(env, "TMPDIR="+scratch, "TMP="+scratch, "TEMP="+scratch)
	}
	return dedupEnv(env)
}

// dedupEnv keeps the last value of each variable, in first-seen order.
func dedupEnv(env []string) []string {
	idx := make(map[string]int, len(env))
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := idx[k]; ok {
			out[i] = kv
			continue
		}
		idx[k] = len(out)
		out = append(out, kv)
	}
	return out
}
