// Package monitord is pegasus-monitord's engine: it replays a workflow's logs
// through ingest and sends the events to their destination (a Stampede DuckDB
// database, or a NetLogger BP file), writes each workflow's jobstate.log and
// monitord's state files (monitord.started, monitord.done, monitord.info),
// and can archive the loaded run as Parquet.
//
// It sits between ingest and stampede in the data flow and imports both;
// nothing of the project imports it but the commands.
package monitord

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/stampede"
)

// Config is one monitord run.
type Config struct {
	DagmanOut    string // <label>-<index>.dag.dagman.out (positional argument)
	Replay       bool   // -r/--replay
	Dest         string // --dest: "" (default DB), a path or duckdb:///PATH, file://PATH.bp, or "-" (BP on Stdout)
	NoEvents     bool   // --no-events: only jobstate.log
	JobstateName string // -j/--job: jobstate file name (default jobstate.log)
	OutputDir    string // -o/--output-dir: write monitord files there, prefixed with <wf_uuid>-
	Archive      string // --archive DIR: also write the run as Parquet there
	Props        *properties.Properties
	Ingest       ingest.Options
	Stdout       io.Writer
	// JobstateInput replays from a jobstate log written by HTCondor's DAGMan.
	JobstateInput string

	// Live monitoring (without Replay).
	Force           bool          // -f: start even if monitord.pid names a live monitord
	NoNotifications bool          // --no-notifications
	Notify          NotifyConfig  // hooks of .notify files
	CommitInterval  time.Duration // how often events are committed (default 1 s)
}

// Result reports what a run did.
type Result struct {
	Replay   *ingest.Result
	DBPath   string // the database written, if any
	BPPath   string
	Stats    stampede.LoadStats
	Archived []string
	Elapsed  time.Duration
}

// DefaultDB returns the default database path of a workflow:
// <submit dir>/<dag basename without .dag>.stampede.duckdb.
func DefaultDB(dir, dagFile string) string {
	base := strings.TrimSuffix(filepath.Base(dagFile), ".dag")
	return filepath.Join(dir, base+".stampede.duckdb")
}

// Run replays the workflow and writes its events.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	start := time.Now()
	if !strings.HasSuffix(cfg.DagmanOut, ".dagman.out") {
		return nil, fmt.Errorf("%s: %w", cfg.DagmanOut, ingest.ErrNotDagmanOut)
	}
	abs, err := filepath.Abs(cfg.DagmanOut)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	if cfg.JobstateInput == "" && cfg.Replay {
		if _, err := os.Stat(abs); err != nil {
			return nil, err
		}
	}
	bd, err := ingest.ReadBraindumpDir(dir)
	if err != nil {
		return nil, err
	}
	props := cfg.Props
	if props == nil {
		props = properties.New()
	}
	if pf := bd.Get("properties"); pf != "" {
		// The run's own properties, under the ones given with --conf.
		if p, err := properties.Load(filepath.Join(dir, filepath.Base(pf))); err == nil {
			p.Merge(props)
			props = p
		}
	}
	if cfg.JobstateName == "" {
		cfg.JobstateName = props.String("pegasus.monitord.jobstate", "jobstate.log")
	}
	if props.Bool("pegasus.monitord.stdout.disable.parsing", false) {
		cfg.Ingest.SkipStdout = true
	}
	if !props.Bool("pegasus.monitord.events", true) {
		cfg.NoEvents = true
	}
	if cfg.NoEvents && cfg.Dest != "" {
		return nil, errors.New("--no-events conflicts with --dest")
	}
	dest := cfg.Dest
	if dest == "" && !cfg.NoEvents {
		for _, k := range []string{"pegasus.monitord.output", "pegasus.catalog.workflow.url"} {
			v, ok := props.Get(k)
			if !ok || v == "" {
				continue
			}
			// Only destinations we write; an SQLAlchemy URL (sqlite://, mysql://) is ignored.
			if strings.HasPrefix(v, "duckdb:") || strings.HasPrefix(v, "file:") || !strings.Contains(v, "://") {
				dest = v
				break
			}
		}
		if dest == "" {
			dest = DefaultDB(dir, bd.DagFile())
		}
	}
	if !cfg.Replay {
		if cfg.Notify.Max == 0 && !cfg.NoNotifications {
			cfg.Notify.Max = props.Int("pegasus.monitord.notifications.max", 10)
		}
		if !props.Bool("pegasus.monitord.notifications", true) {
			cfg.NoNotifications = true
		}
		if cfg.Notify.Timeout == 0 {
			cfg.Notify.Timeout = time.Duration(props.Int("pegasus.monitord.notifications.timeout", 0)) * time.Second
		}
		if cfg.Notify.EndWait == 0 {
			cfg.Notify.EndWait = time.Duration(props.Int("pegasus.monitord.notifications.endwait", 0)) * time.Second
		}
		if cfg.Notify.Log == "" {
			cfg.Notify.Log = filepath.Join(dir, "monitord-notifications.log")
		}
		return runLive(ctx, cfg, abs, dir, bd, dest)
	}
	cfg.Ingest.JobstateInput = cfg.JobstateInput
	res := &Result{}

	js := newJobstates(cfg, dir)
	js.single = true // a replay's trackers run one at a time
	defer js.abort()
	cfg.Ingest.Jobstate = js.add

	var replayErr error
	produce := func(sink func([]*ingest.Event) error) error {
		r, err := ingest.Replay(ctx, abs, cfg.Ingest, func(batch []*ingest.Event) error {
			if err := js.error(); err != nil {
				return err
			}
			if sink != nil {
				return sink(batch)
			}
			return nil
		})
		res.Replay = r
		replayErr = err
		return err
	}

	switch {
	case cfg.NoEvents:
		if err := produce(nil); err != nil {
			return nil, err
		}
	case dest == "-" || strings.HasPrefix(dest, "file://"):
		if err := runBP(dest, cfg, produce, res); err != nil {
			return nil, err
		}
	default:
		path := stampede.ParseDest(dest)
		res.DBPath = path
		// The loader keeps no event once it has taken a batch: its events
		// are handed back for the replay to reuse.
		pool := ingest.NewEventPool()
		cfg.Ingest.Events = pool
		cfg.Ingest.NoInvStart = true // no row comes of them
		db, stats, err := openAndLoad(ctx, path, produce, pool)
		res.Stats = stats
		if db == nil {
			return nil, err
		}
		if err != nil {
			db.Close()
			// The replay's own error, unless it only stopped because the
			// load failed.
			if replayErr != nil && (ctx.Err() != nil || !errors.Is(replayErr, context.Canceled)) {
				return nil, replayErr
			}
			return nil, fmt.Errorf("load %s: %w", path, err)
		}
		if cfg.Archive != "" {
			files, err := db.Archive(ctx, cfg.Archive, res.Replay.Root)
			res.Archived = files
			if err != nil {
				db.Close()
				return nil, err
			}
		}
		if err := db.Close(); err != nil {
			return nil, err
		}
	}
	if err := js.commit(); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	if err := writeStateFiles(cfg, res, start); err != nil {
		return nil, err
	}
	return res, nil
}

// openAndLoad opens the database at path and loads what produce gives
// into it. The replay starts at once, while the database opens (creating
// its schema takes as long as replaying a small run): its first batches
// wait in a queue. db is nil when the database could not be opened.
//
// Each batch is released to pool (which may be nil) once loaded.
func openAndLoad(ctx context.Context, path string, produce func(func([]*ingest.Event) error) error, pool *ingest.EventPool) (*stampede.DB, stampede.LoadStats, error) {
	type opened struct {
		db  *stampede.DB
		err error
	}
	dbc := make(chan opened, 1)
	go func() {
		db, err := stampede.Open(ctx, path, stampede.OpenOptions{Wait: 30 * time.Second})
		dbc <- opened{db, err}
	}()
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []*ingest.Event, 64)
	var prodErr error
	prodDone := make(chan struct{})
	go func() {
		defer close(prodDone)
		defer close(batches)
		prodErr = produce(func(b []*ingest.Event) error {
			select {
			case batches <- b:
				return nil
			case <-pctx.Done():
				return pctx.Err()
			}
		})
	}()
	// stop ends the replay early and waits for it.
	stop := func() {
		cancel()
		for range batches {
		}
		<-prodDone
	}
	o := <-dbc
	if o.err != nil {
		stop()
		return nil, stampede.LoadStats{}, o.err
	}
	stats, err := o.db.Load(ctx, func(sink func([]*ingest.Event) error) error {
		for b := range batches {
			if err := sink(b); err != nil {
				stop()
				return err
			}
			pool.Release(b)
		}
		<-prodDone
		return prodErr
	})
	if err != nil {
		stop()
	}
	return o.db, stats, err
}

func runBP(dest string, cfg Config, produce func(func([]*ingest.Event) error) error, res *Result) error {
	var w io.Writer
	var f *os.File
	var tmp string
	if dest == "-" {
		w = cfg.Stdout
		if w == nil {
			w = os.Stdout
		}
	} else {
		p := strings.TrimPrefix(dest, "file://")
		res.BPPath = p
		tmp = p + ".tmp"
		var err error
		if f, err = os.Create(tmp); err != nil {
			return err
		}
		w = f
	}
	bw := ingest.NewBPWriter(w)
	err := produce(func(batch []*ingest.Event) error {
		for _, e := range batch {
			if err := bw.Write(e); err != nil {
				return err
			}
		}
		return nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(tmp)
			return err
		}
		return os.Rename(tmp, res.BPPath)
	}
	return err
}

// jobstates writes each workflow directory's jobstate.log to a temporary file
// and, once the run succeeded, rotates the old file to jobstate.log.NNN and
// moves the new one in place.
type jobstates struct {
	cfg   Config
	root  string
	mu    sync.Mutex
	files map[string]*jsFile
	order []string
	err   error // first write error

	// The file of the last line: a workflow's lines come in runs, and its
	// tracker passes the same directory string each time.
	lastDir  string
	lastFile *jsFile

	// single: the lines come from one goroutine at a time (a replay
	// follows its workflows one after the other), so add takes the lock
	// only to record an error; failed says one was.
	single bool
	failed atomic.Bool
}

type jsFile struct {
	final, tmp string
	f          *os.File
	w          *bufio.Writer
}

func newJobstates(cfg Config, root string) *jobstates {
	return &jobstates{cfg: cfg, root: root, files: map[string]*jsFile{}}
}

func (j *jobstates) path(dir, uuid string) string {
	if j.cfg.OutputDir != "" {
		return filepath.Join(j.cfg.OutputDir, uuid+"-"+j.cfg.JobstateName)
	}
	if filepath.IsAbs(j.cfg.JobstateName) {
		return j.cfg.JobstateName
	}
	return filepath.Join(dir, j.cfg.JobstateName)
}

// add writes one line (called by the workflows' trackers, possibly at once
// unless single).
func (j *jobstates) add(r ingest.JobstateRecord, wf string) {
	if j.single {
		if j.failed.Load() {
			return
		}
		if err := j.addLocked(r, wf); err != nil {
			j.mu.Lock()
			j.err = err
			j.mu.Unlock()
			j.failed.Store(true)
		}
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	j.err = j.addLocked(r, wf)
}

func (j *jobstates) addLocked(r ingest.JobstateRecord, wf string) error {
	jf := j.lastFile
	if jf == nil || r.Dir != j.lastDir {
		jf = j.files[r.Dir]
	}
	if jf == nil {
		final := j.path(r.Dir, wf)
		if dagLog := dagJobstateLog(r.Dir); dagLog != "" && sameFile(dagLog, final) {
			// DAGMan writes its own jobstate log there: do not clobber it.
			final = strings.TrimSuffix(final, ".log") + ".monitord.log"
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			return err
		}
		f, err := os.CreateTemp(filepath.Dir(final), ".jobstate-*.tmp")
		if err != nil {
			return err
		}
		jf = &jsFile{final: final, tmp: f.Name(), f: f, w: bufio.NewWriterSize(f, 64*1024)}
		j.files[r.Dir] = jf
		j.order = append(j.order, r.Dir)
	}
	j.lastDir, j.lastFile = r.Dir, jf
	if _, err := jf.w.WriteString(r.Text); err != nil {
		return err
	}
	return jf.w.WriteByte('\n')
}

// error returns the first write error.
func (j *jobstates) error() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// dagJobstateLog returns the JOBSTATE_LOG file named by the DAG in dir, if any.
func dagJobstateLog(dir string) string {
	bd, err := ingest.ReadBraindumpDir(dir)
	if err != nil || bd.DagFile() == "" {
		return ""
	}
	jl, err := ingest.DAGJobstateLog(filepath.Join(dir, filepath.Base(bd.DagFile())))
	if err != nil || jl == "" {
		return ""
	}
	if filepath.IsAbs(jl) {
		return jl
	}
	return filepath.Join(dir, jl)
}

func sameFile(a, b string) bool {
	aa, _ := filepath.Abs(a)
	bb, _ := filepath.Abs(b)
	return aa == bb
}

func (j *jobstates) commit() error {
	if err := j.error(); err != nil {
		return err
	}
	for _, d := range j.order {
		jf := j.files[d]
		if err := jf.w.Flush(); err != nil {
			return err
		}
		if err := jf.f.Close(); err != nil {
			return err
		}
		if _, err := os.Stat(jf.final); err == nil {
			if _, err := Rotate(jf.final); err != nil {
				return err
			}
		}
		if err := os.Rename(jf.tmp, jf.final); err != nil {
			return err
		}
		jf.f = nil
	}
	j.files = map[string]*jsFile{}
	j.order = nil
	j.lastDir, j.lastFile = "", nil
	return nil
}

func (j *jobstates) abort() {
	for _, jf := range j.files {
		if jf.f != nil {
			jf.f.Close()
			os.Remove(jf.tmp)
		}
	}
}

// Rotate renames path to path.NNN, the first free NNN from 000 to 999.
func Rotate(path string) (string, error) {
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("%s.%03d", path, i)
		if _, err := os.Lstat(p); os.IsNotExist(err) {
			return p, os.Rename(path, p)
		}
	}
	return "", fmt.Errorf("%s: too many rotated copies (999)", path)
}

// writeStateFiles writes monitord.started, monitord.done and monitord.info in
// every workflow directory, and removes a stale monitord.recover
// (FORMATS.md §10.6), so that reporting tools see a finished load.
func writeStateFiles(cfg Config, res *Result, start time.Time) error {
	if res.Replay == nil {
		return nil
	}
	end := start.Add(res.Elapsed)
	for _, st := range res.Replay.Workflows {
		name := func(n string) string {
			if cfg.OutputDir != "" {
				return filepath.Join(cfg.OutputDir, st.UUID+"-"+n)
			}
			return filepath.Join(st.Dir, n)
		}
		started := fmt.Sprintf("pid %d\ntimestamp %s\n", os.Getpid(), isoLocal(start))
		if err := writeFile(name("monitord.started"), started); err != nil {
			return err
		}
		var info strings.Builder
		fmt.Fprintf(&info, "monitord_job_sequence %d\n", st.JobSequence)
		fmt.Fprintf(&info, "monitord_dagman_out_sequence %d\n", st.LinesRead)
		fmt.Fprintf(&info, "monitord_workflow_restart_count %d\n", st.RestartCount)
		counters := st.Counters()
		n := 0
		for _, kv := range counters {
			n += len(kv.Key) + len(kv.Value) + 2
		}
		info.Grow(n)
		for _, kv := range counters { // a line per node: Fprintf would take most of the write
			info.WriteString(kv.Key)
			info.WriteByte(' ')
			info.WriteString(kv.Value)
			info.WriteByte('\n')
		}
		if err := writeFile(name("monitord.info"), info.String()); err != nil {
			return err
		}
		os.Remove(name("monitord.recover"))
		done := fmt.Sprintf("%s %.3f\n", isoLocal(end), res.Elapsed.Seconds())
		if err := writeFile(name("monitord.done"), done); err != nil {
			return err
		}
	}
	return nil
}

func isoLocal(t time.Time) string { return t.Format("2006-01-02T15:04:05-0700") }

func writeFile(p, s string) error {
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}
