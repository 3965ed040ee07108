package executor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// rescueFile is a partial rescue DAG as DAGMan writes it: DONE and RETRY
// lines for the nodes of the original DAG.
type rescueFile struct {
	path  string
	num   int
	done  []string
	retry map[string]int
}

// lastRescue returns the number of the newest <dag>.rescueNNN, 0 if none.
func lastRescue(dag string) int {
	matches, _ := filepath.Glob(dag + ".rescue[0-9][0-9][0-9]")
	best := 0
	for _, m := range matches {
		if n, err := strconv.Atoi(m[len(m)-3:]); err == nil && n > best {
			best = n
		}
	}
	return best
}

// RescuePath is the name of rescue DAG number n of dag.
func RescuePath(dag string, n int) string { return fmt.Sprintf("%s.rescue%03d", dag, n) }

// readRescue reads a rescue DAG. Only the partial format (DONE and RETRY
// lines) is accepted: a full rescue DAG of old DAGMan is an error.
func readRescue(path string) (*rescueFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &rescueFile{path: path, retry: map[string]int{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	partial := false
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" {
			continue
		}
		if t[0] == '#' {
			if strings.HasPrefix(t, "# Rescue DAG version:") && strings.Contains(t, "partial") {
				partial = true
			}
			continue
		}
		fl := strings.Fields(t)
		switch strings.ToUpper(fl[0]) {
		case "DONE":
			if len(fl) != 2 {
				return nil, fmt.Errorf("%s:%d: DONE needs one node", path, line)
			}
			r.done = append(r.done, fl[1])
		case "RETRY":
			if len(fl) < 3 {
				return nil, fmt.Errorf("%s:%d: RETRY needs a node and a count", path, line)
			}
			n, err := strconv.Atoi(fl[2])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: RETRY %s: %q is not a number", path, line, fl[1], fl[2])
			}
			r.retry[fl[1]] = n
		default:
			return nil, fmt.Errorf("%s:%d: %s: only partial rescue DAGs (DONE and RETRY lines) are supported", path, line, fl[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !partial && len(r.done) == 0 && len(r.retry) == 0 {
		return nil, fmt.Errorf("%s: not a rescue DAG", path)
	}
	return r, nil
}

// writeRescue writes the partial rescue DAG after a failed or removed run,
// atomically.
func (e *engine) writeRescue(path string) error {
	var b bytes.Buffer
	now := time.Now().UTC()
	fmt.Fprintf(&b, "# Rescue DAG file, created after running\n#   the %s DAG file\n", e.dagName)
	fmt.Fprintf(&b, "# Created %d/%d/%d %02d:%02d:%02d UTC\n", int(now.Month()), now.Day(), now.Year(), now.Hour(), now.Minute(), now.Second())
	b.WriteString("# Rescue DAG version: 2.0.1 (partial)\n#\n")
	done, failed := 0, []string{}
	for _, n := range e.nodes {
		if n.state == stDone {
			done++
		}
		if n.state == stError {
			failed = append(failed, n.name)
		}
	}
	fmt.Fprintf(&b, "# Total number of Nodes: %d\n# Nodes premarked DONE: %d\n# Nodes that failed: %d\n", len(e.nodes), done, len(failed))
	b.WriteString("#   ")
	for _, f := range failed {
		b.WriteString(f)
		b.WriteByte(',')
	}
	b.WriteString("<ENDLIST>\n\n")
	for _, n := range e.nodes {
		if n.state == stDone {
			fmt.Fprintf(&b, "DONE %s\n", n.name)
		}
	}
	for _, n := range e.nodes {
		if n.dn.Retry > 0 {
			fmt.Fprintf(&b, "RETRY %s %d", n.name, n.dn.Retry)
			if n.dn.RetryUnless != nil {
				fmt.Fprintf(&b, " UNLESS-EXIT %d", *n.dn.RetryUnless)
			}
			b.WriteByte('\n')
		}
	}
	return writeAtomic(path, b.Bytes())
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// writeMetrics writes <dag>.metrics (FORMATS.md §8.2) as DAGMan does at exit.
func (e *engine) writeMetrics(path string, exit int, dagStatus int) error {
	jobs, failed, succeeded, dagJobs, dagFailed, dagSucceeded := 0, 0, 0, 0, 0, 0
	for _, n := range e.nodes {
		if n.dn.Kind == "SUBDAG" {
			dagJobs++
			switch n.state {
			case stDone:
				dagSucceeded++
			case stError:
				dagFailed++
			}
			continue
		}
		jobs++
		switch n.state {
		case stDone:
			succeeded++
		case stError:
			failed++
		}
	}
	end := time.Now()
	parent := ""
	if e.cfg.parentID > 0 {
		parent = strconv.Itoa(e.cfg.parentID)
	}
	m := []kv{
		{"client", "condor_dagman"}, {"version", condorVersion}, {"planner", ""}, {"planner_version", ""},
		{"type", "metrics"}, {"wf_uuid", ""}, {"root_wf_uuid", ""},
		{"start_time", json.Number(fmt.Sprintf("%.3f", float64(e.start.UnixMilli())/1000))},
		{"end_time", json.Number(fmt.Sprintf("%.3f", float64(end.UnixMilli())/1000))},
		{"duration", json.Number(fmt.Sprintf("%.3f", end.Sub(e.start).Seconds()))},
		{"exitcode", exit}, {"dagman_id", strconv.Itoa(e.dagmanID)}, {"parent_dagman_id", parent},
		{"rescue_dag_number", e.rescueNum}, {"jobs", jobs}, {"jobs_failed", failed}, {"jobs_succeeded", succeeded},
		{"dag_jobs", dagJobs}, {"dag_jobs_failed", dagFailed}, {"dag_jobs_succeeded", dagSucceeded},
		{"total_jobs", jobs + dagJobs}, {"total_jobs_run", e.jobsRun}, {"DagStatus", dagStatus},
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, p := range m {
		v, _ := json.Marshal(p.v)
		fmt.Fprintf(&b, "    %q:%s", p.k, v)
		if i < len(m)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return writeAtomic(path, b.Bytes())
}

type kv struct {
	k string
	v any
}

// ErrLocked is returned when another executor runs the same DAG.
var ErrLocked = errors.New("the workflow is already running")

// lock takes <dag>.lock, holding this process's pid. A lock whose process
// is gone is taken over.
func lock(path string) error {
	for i := 0; i < 2; i++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := fmt.Fprintf(f, "%d\n", os.Getpid())
			cerr := f.Close()
			if werr != nil {
				return werr
			}
			return cerr
		}
		if !os.IsExist(err) {
			return err
		}
		if pid := LockHolder(path); pid > 0 {
			return fmt.Errorf("%w (process %d holds %s)", ErrLocked, pid, path)
		}
		os.Remove(path)
	}
	return fmt.Errorf("%s: cannot take the lock", path)
}

// LockHolder returns the pid of the live process holding a DAG lock file,
// 0 if none.
func LockHolder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0
	}
	return pid
}
