package monitord

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/stampede"
)

// ErrRunning means another monitord follows the workflow (monitord.pid names
// a live process): exit code 43, as Pegasus.
var ErrRunning = errors.New("another pegasus-monitord is running on this workflow")

// runLive follows a running workflow until DAGMan exits. It always
// re-populates the run from the start of its logs (as Pegasus does in
// recovery mode), so a monitord that was killed, even with SIGKILL, and
// started again gives the same database as one that never stopped:
// the run's old rows are replaced in the first transaction, and hooks
// already fired for lines an earlier monitord processed are not fired again.
func runLive(ctx context.Context, cfg Config, abs, dir string, bd *ingest.Braindump, dest string) (*Result, error) {
	start := time.Now()
	res := &Result{}
	top := dir
	if cfg.OutputDir != "" {
		top = cfg.OutputDir
		if err := os.MkdirAll(top, 0o755); err != nil {
			return nil, err
		}
	}
	pidFile := filepath.Join(top, "monitord.pid")
	if err := takePidFile(pidFile, cfg.Force); err != nil {
		return nil, err
	}
	defer os.Remove(pidFile)

	// What an earlier monitord of this run saw: no hooks again for those lines.
	skip := previousLines(dir, cfg, bd.WfUUID())

	var live *stampede.Live
	var bp *ingest.BPWriter
	var bpFile *os.File
	switch {
	case cfg.NoEvents:
	case dest == "-" || strings.HasPrefix(dest, "file://"):
		w := cfg.Stdout
		if dest != "-" {
			res.BPPath = strings.TrimPrefix(dest, "file://")
			f, err := os.Create(res.BPPath)
			if err != nil {
				return nil, err
			}
			bpFile = f
			defer f.Close()
			w = f
		}
		if w == nil {
			w = os.Stdout
		}
		bp = ingest.NewBPWriter(w)
	default:
		res.DBPath = stampede.ParseDest(dest)
		live = stampede.NewLive(res.DBPath)
	}

	js := newLiveJobstates(cfg)
	defer js.close()

	notify := newNotifier(cfg.Notify)
	if cfg.NoNotifications {
		notify.sem = nil
	}
	notify.skip = skip

	// State files: started now; done removed; recover kept while running.
	var stMu sync.Mutex
	lines := map[string]int{}   // dagman.out -> last line whose events are committed
	dirs := map[string]string{} // dagman.out -> its workflow directory
	stateName := func(d, uuid, n string) string {
		if cfg.OutputDir != "" {
			return filepath.Join(cfg.OutputDir, uuid+"-"+n)
		}
		return filepath.Join(d, n)
	}
	started := func(d, uuid string) {
		writeFile(stateName(d, uuid, "monitord.started"), fmt.Sprintf("pid %d\ntimestamp %s\n", os.Getpid(), isoLocal(start)))
		os.Remove(stateName(d, uuid, "monitord.done"))
	}
	started(dir, bd.WfUUID())

	seen := map[string]int{}     // dagman.out -> last line whose events were added
	uuids := map[string]string{} // dagman.out -> workflow uuid
	commit := func(wait time.Duration) error {
		if live == nil {
			return nil
		}
		stMu.Lock()
		mark := map[string]int{}
		for k, v := range seen {
			mark[k] = v
		}
		stMu.Unlock()
		if err := live.Commit(ctx, wait); err != nil {
			return err
		}
		// Committed: record how far the logs are in the database.
		stMu.Lock()
		for out, n := range mark {
			lines[out] = n
			d := dirs[out]
			if d == "" {
				continue
			}
			writeFile(stateName(d, uuids[out], "monitord.recover"), "line_processed "+strconv.Itoa(n)+"\n")
		}
		stMu.Unlock()
		return nil
	}

	// Commit about once a second, or when much is waiting; a reader holding
	// the file only delays a commit.
	commitErr := make(chan error, 1)
	stopCommits := make(chan struct{})
	var commitWG sync.WaitGroup
	if live != nil {
		commitWG.Add(1)
		go func() {
			defer commitWG.Done()
			interval := cfg.CommitInterval
			if interval <= 0 {
				interval = time.Second
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-stopCommits:
					return
				case <-ctx.Done():
					return
				case <-t.C:
					if live.Pending() == 0 {
						continue
					}
					if err := commit(interval); err != nil && !errors.Is(err, stampede.ErrLocked) {
						select {
						case commitErr <- err:
						default:
						}
						return
					}
				}
			}
		}()
	}

	cfg.Ingest.JobstateInput = cfg.JobstateInput
	cfg.Ingest.Jobstate = js.add
	var sinkErr error
	r, err := ingest.Follow(ctx, abs, cfg.Ingest, func(batch []*ingest.Event) error {
		select {
		case err := <-commitErr:
			return err
		default:
		}
		if err := js.flush(); err != nil {
			return err
		}
		stMu.Lock()
		for _, e := range batch {
			if e.Kind == ingest.WfPlan && e.Src.File != "" {
				d := filepath.Dir(e.Src.File)
				out := dagmanOutOf(d, e)
				dirs[out], uuids[out] = d, e.Wf
				if d != dir {
					started(d, e.Wf)
				}
			}
			if e.Src.Line > 0 && strings.HasSuffix(e.Src.File, ".dagman.out") {
				if e.Src.Line > seen[e.Src.File] {
					seen[e.Src.File] = e.Src.Line
				}
			}
		}
		stMu.Unlock()
		for _, e := range batch {
			notify.event(e)
		}
		if bp != nil {
			for _, e := range batch {
				if err := bp.Write(e); err != nil {
					return err
				}
			}
			return bp.Flush()
		}
		if live != nil {
			live.Add(batch)
		}
		return nil
	})
	close(stopCommits)
	commitWG.Wait()
	res.Replay = r
	if err == nil {
		select {
		case err = <-commitErr:
		default:
		}
	}
	if err != nil {
		sinkErr = err
	}
	// Last commit: wait longer for a reader holding the file.
	if live != nil && sinkErr == nil {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			err := commit(5 * time.Second)
			if err == nil {
				break
			}
			if !errors.Is(err, stampede.ErrLocked) || time.Now().After(deadline) {
				sinkErr = err
				break
			}
		}
		res.Stats = live.Stats()
	}
	notify.wait()
	if bpFile != nil {
		if err := bp.Flush(); err != nil && sinkErr == nil {
			sinkErr = err
		}
	}
	if err := js.close(); err != nil && sinkErr == nil {
		sinkErr = err
	}
	if sinkErr != nil {
		// monitord.recover stays: the next start loads the run again.
		return res, sinkErr
	}
	res.Elapsed = time.Since(start)
	if cfg.Archive != "" && res.DBPath != "" && r != nil {
		db, err := stampede.Open(ctx, res.DBPath, stampede.OpenOptions{Wait: time.Minute})
		if err != nil {
			return res, err
		}
		files, err := db.Archive(ctx, cfg.Archive, r.Root)
		db.Close()
		res.Archived = files
		if err != nil {
			return res, err
		}
	}
	if err := writeStateFiles(cfg, res, start); err != nil {
		return res, err
	}
	return res, nil
}

// dagmanOutOf is the dagman.out path of a workflow directory whose plan event
// came from its braindump.
func dagmanOutOf(dir string, e *ingest.Event) string {
	if e.Plan != nil && e.Plan.DagFile != "" {
		return filepath.Join(dir, e.Plan.DagFile+".dagman.out")
	}
	return ""
}

// takePidFile refuses to start when monitord.pid names a live process
// (unless forced), then writes our own.
func takePidFile(p string, force bool) error {
	if b, err := os.ReadFile(p); err == nil && !force {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "pid" {
				if pid, err := strconv.Atoi(f[1]); err == nil && pid != os.Getpid() {
					if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
						return fmt.Errorf("%w (pid %d in %s; use --force to start anyway)", ErrRunning, pid, p)
					}
				}
			}
		}
	}
	return writeFile(p, fmt.Sprintf("pid %d\ntimestamp %s\n", os.Getpid(), isoLocal(time.Now())))
}

// previousLines reads how far an earlier monitord got in each workflow's
// dagman.out (monitord.recover if it died, monitord.info if it finished).
func previousLines(dir string, cfg Config, uuid string) map[string]int {
	out := map[string]int{}
	dirs := []string{dir}
	// Sub-workflow directories an earlier monitord followed.
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || p == dir {
			return nil
		}
		if fi.Name() == "monitord.recover" || fi.Name() == "monitord.info" {
			if d := filepath.Dir(p); d != dir {
				dirs = append(dirs, d)
			}
		}
		return nil
	})
	for _, d := range dirs {
		bd, err := ingest.ReadBraindumpDir(d)
		if err != nil {
			continue
		}
		log := filepath.Join(d, filepath.Base(bd.DagFile())+".dagman.out")
		n := 0
		for _, name := range []string{"monitord.recover", "monitord.info"} {
			p := filepath.Join(d, name)
			if cfg.OutputDir != "" {
				p = filepath.Join(cfg.OutputDir, bd.WfUUID()+"-"+name)
			}
			f, err := os.Open(p)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				fs := strings.Fields(sc.Text())
				if len(fs) == 2 && (fs[0] == "line_processed" || fs[0] == "monitord_dagman_out_sequence") {
					if v, err := strconv.Atoi(fs[1]); err == nil && v > n {
						n = v
					}
				}
			}
			f.Close()
		}
		if n > 0 {
			out[log] = n
		}
	}
	return out
}

// liveJobstates appends each workflow's jobstate.log as lines arrive (written
// out with each batch of events); the previous log is rotated once, when the
// run is loaded again from the start.
type liveJobstates struct {
	cfg   Config
	mu    sync.Mutex
	files map[string]*liveJS
	err   error // first write error
}

type liveJS struct {
	f *os.File
	w *bufio.Writer
}

func newLiveJobstates(cfg Config) *liveJobstates {
	return &liveJobstates{cfg: cfg, files: map[string]*liveJS{}}
}

// add buffers one line (called by the workflows' trackers, possibly at once).
func (j *liveJobstates) add(r ingest.JobstateRecord, wf string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	lf := j.files[r.Dir]
	if lf == nil {
		p := (&jobstates{cfg: j.cfg}).path(r.Dir, wf)
		if dagLog := dagJobstateLog(r.Dir); dagLog != "" && sameFile(dagLog, p) {
			p = strings.TrimSuffix(p, ".log") + ".monitord.log"
		}
		if _, err := os.Stat(p); err == nil {
			if _, err := Rotate(p); err != nil {
				j.err = err
				return
			}
		}
		f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			j.err = err
			return
		}
		lf = &liveJS{f: f, w: bufio.NewWriterSize(f, 64*1024)}
		j.files[r.Dir] = lf
	}
	if _, err := lf.w.WriteString(r.Text); err != nil {
		j.err = err
		return
	}
	j.err = lf.w.WriteByte('\n')
}

// flush writes the buffered lines out.
func (j *liveJobstates) flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	for _, lf := range j.files {
		if err := lf.w.Flush(); err != nil {
			j.err = err
			return err
		}
	}
	return nil
}

func (j *liveJobstates) close() error {
	first := j.flush()
	j.mu.Lock()
	defer j.mu.Unlock()
	for d, lf := range j.files {
		if err := lf.f.Close(); err != nil && first == nil {
			first = err
		}
		delete(j.files, d)
	}
	return first
}
