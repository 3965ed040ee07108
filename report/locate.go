package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/stampede"
)

// Errors of the submit-directory checks.
var (
	// ErrNoDatabase means no Stampede database was found for a submit directory.
	ErrNoDatabase = errors.New("no Stampede database found")
	// ErrMonitordRunning means pegasus-monitord is still loading the run.
	ErrMonitordRunning = errors.New("pegasus-monitord still running. Please wait for it to complete")
	// ErrNotLoaded means pegasus-monitord did not finish loading the run (or
	// logged errors while loading it).
	ErrNotLoaded = errors.New("the run was not completely loaded. Please run pegasus-monitord in replay mode")
)

// SubmitDir is a workflow's submit directory and what its braindump says.
type SubmitDir struct {
	Dir       string // as given
	Braindump *ingest.Braindump
}

// OpenSubmitDir reads the braindump of a submit directory; an error names
// the directory (it wraps ingest.ErrNoBraindump when there is none).
func OpenSubmitDir(dir string) (*SubmitDir, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such directory", dir)
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	bd, err := ingest.ReadBraindumpDir(dir)
	if err != nil {
		return nil, err
	}
	return &SubmitDir{Dir: dir, Braindump: bd}, nil
}

// Properties returns the run's properties (the file braindump names, looked
// for in the directory, then in braindump's submit_dir) under conf, which
// wins; conf may be nil.
func (s *SubmitDir) Properties(conf *properties.Properties) *properties.Properties {
	p := properties.New()
	if pf := s.Braindump.Get("properties"); pf != "" {
		for _, d := range s.dirs() {
			if run, err := properties.Load(filepath.Join(d, filepath.Base(pf))); err == nil {
				p = run
				break
			}
		}
	}
	if conf != nil {
		p.Merge(conf)
	}
	return p
}

// dirs are the places the run's files may be: the directory given (submit
// directories get moved), then the one recorded by the planner.
func (s *SubmitDir) dirs() []string {
	out := []string{s.Dir}
	if sd := s.Braindump.SubmitDir(); sd != "" && filepath.Clean(sd) != filepath.Clean(s.Dir) {
		out = append(out, sd)
	}
	return out
}

// DatabaseFromProperties returns the Stampede database a run's properties
// name (pegasus.monitord.output, else pegasus.catalog.workflow.url), as
// pegasus-monitord reads them: a DuckDB path or duckdb:// URL. SQLAlchemy
// URLs (sqlite://, mysql://, ...) and BP files are not databases this
// project writes, and are ignored. Relative paths are taken from base.
func DatabaseFromProperties(p *properties.Properties, base string) string {
	for _, k := range []string{"pegasus.monitord.output", "pegasus.catalog.workflow.url"} {
		v, ok := p.Get(k)
		if !ok || v == "" {
			continue
		}
		if strings.HasPrefix(v, "duckdb:") || !strings.Contains(v, "://") {
			path := stampede.ParseDest(v)
			if !filepath.IsAbs(path) && base != "" {
				path = filepath.Join(base, path)
			}
			return path
		}
	}
	return ""
}

// Database finds the run's Stampede database: the one its properties name
// (see DatabaseFromProperties), else <dag base>.stampede.duckdb in the
// directory, else in braindump's submit_dir. The error wraps ErrNoDatabase
// and says where it looked.
func (s *SubmitDir) Database(conf *properties.Properties) (string, error) {
	if p := DatabaseFromProperties(s.Properties(conf), s.Dir); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s: %w (the properties name %s)", s.Dir, ErrNoDatabase, p)
		}
		return p, nil
	}
	dag := s.Braindump.DagFile()
	if dag == "" {
		dag = s.Braindump.Get("pegasus_wf_name") + ".dag"
	}
	name := strings.TrimSuffix(filepath.Base(dag), ".dag") + ".stampede.duckdb"
	var tried []string
	for _, d := range s.dirs() {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("%s: %w (looked for %s); load the run with pegasus-monitord --replay first",
		s.Dir, ErrNoDatabase, strings.Join(tried, " and "))
}

// UsesPMC reports whether the planner clustered the workflow with
// pegasus-mpi-cluster (braindump uses_pmc).
func (s *SubmitDir) UsesPMC() bool {
	v := strings.ToLower(strings.TrimSpace(s.Braindump.Get("uses_pmc")))
	return v == "true" || v == "1" || v == "yes"
}

// monitordLogErrors are the lines pegasus-monitord writes to monitord.log
// when it could not load part of a run.
var monitordLogErrors = []string{
	"NL-LOAD-ERROR -->", "KICKSTART-PARSE-ERROR -->", "cannot create events output... disabling event output",
}

// CheckLoaded reports whether pegasus-monitord finished loading the run of
// dir (Pegasus's loading_completed): nil when monitord.started and
// monitord.done both exist, no monitord is running, and monitord.log has
// no loading errors. Otherwise the error wraps ErrMonitordRunning (the
// process named in monitord.started is alive and monitord.done is absent)
// or ErrNotLoaded.
func CheckLoaded(dir string) error {
	started := filepath.Join(dir, "monitord.started")
	done := filepath.Join(dir, "monitord.done")
	_, errDone := os.Stat(done)
	b, errStarted := os.ReadFile(started)
	if errDone != nil && errStarted == nil {
		if pid := startedPID(b); pid > 0 && processAlive(pid) {
			return fmt.Errorf("%s: %w", dir, ErrMonitordRunning)
		}
	}
	if errStarted != nil || errDone != nil {
		missing := "monitord.done"
		if errStarted != nil {
			missing = "monitord.started"
		}
		return fmt.Errorf("%s: %w (no %s)", dir, ErrNotLoaded, missing)
	}
	if log, err := os.ReadFile(filepath.Join(dir, "monitord.log")); err == nil {
		for _, e := range monitordLogErrors {
			if strings.Contains(string(log), e) {
				return fmt.Errorf("%s: %w (monitord.log reports %q)", dir, ErrNotLoaded, strings.TrimSuffix(e, " -->"))
			}
		}
	}
	return nil
}

// startedPID reads the "pid N" line of monitord.started.
func startedPID(b []byte) int {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "pid" {
			if n, err := strconv.Atoi(f[1]); err == nil {
				return n
			}
		}
	}
	return 0
}

// DatabasePath picks the database of a command's selection: dest (the
// --dest value) when given; else, without submit directories, the one conf
// names (confDir is the directory of the properties file, for relative
// paths); else the database of each submit directory, which must all be
// the same.
func DatabasePath(dest string, conf *properties.Properties, confDir string, dirs []*SubmitDir) (string, error) {
	if dest != "" {
		return stampede.ParseDest(dest), nil
	}
	if len(dirs) == 0 {
		if conf != nil {
			if p := DatabaseFromProperties(conf, confDir); p != "" {
				return p, nil
			}
		}
		return "", fmt.Errorf("%w: no database named: set pegasus.monitord.output (a DuckDB file) in the properties, or use --dest", ErrNoDatabase)
	}
	path := ""
	for _, d := range dirs {
		p, err := d.Database(conf)
		if err != nil {
			return "", err
		}
		if path != "" && !samePath(p, path) {
			return "", fmt.Errorf("workflows are distributed across multiple databases (%s, %s), which is not supported", path, p)
		}
		path = p
	}
	return path, nil
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// OpenDatabase opens a Stampede database for reading: a DuckDB file,
// read-only, waiting up to wait while a loading pegasus-monitord holds it
// (then the error wraps stampede.ErrLocked), or a Parquet archive
// directory. Errors name the path.
func OpenDatabase(ctx context.Context, path string, wait time.Duration) (*stampede.DB, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("database %s: no such file or directory", path)
	}
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	if fi.IsDir() {
		if !stampede.IsArchive(path) {
			return nil, fmt.Errorf("%s: a directory, but not a Parquet archive of Stampede tables", path)
		}
		return stampede.OpenArchive(ctx, path)
	}
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true, Wait: wait})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var n int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM workflow`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: not a Stampede database: %w", path, err)
	}
	return db, nil
}

// SelectWorkflows looks up the workflows a command reports on. With no
// uuids (nil) it returns every root workflow of the database, which must
// hold one unless multi. With multi, the workflows named must be roots.
func SelectWorkflows(ctx context.Context, db *stampede.DB, uuids []string, multi bool) ([]stampede.WorkflowInfo, error) {
	if uuids == nil {
		roots, err := db.RootWorkflows(ctx)
		if err != nil {
			return nil, err
		}
		if len(roots) == 0 {
			return nil, fmt.Errorf("%s: no workflow in the database", db.Path)
		}
		if !multi && len(roots) > 1 {
			return nil, fmt.Errorf("%s holds %d root workflows: name one (a submit directory, or a UUID with -u), or use --multiple-wf for all", db.Path, len(roots))
		}
		return roots, nil
	}
	var out []stampede.WorkflowInfo
	var missing []string
	for _, u := range uuids {
		w, err := db.WorkflowByUUID(ctx, u)
		if errors.Is(err, stampede.ErrWorkflowNotFound) {
			missing = append(missing, u)
			continue
		}
		if err != nil {
			return nil, err
		}
		if multi && !w.IsRoot() {
			return nil, fmt.Errorf("workflow %s is a sub-workflow: only root level workflows are supported with several workflows", u)
		}
		out = append(out, w)
	}
	switch {
	case len(missing) == 1 && len(uuids) == 1:
		return nil, fmt.Errorf("workflow '%s' not found in database '%s'", missing[0], db.Path)
	case len(missing) > 0:
		return nil, fmt.Errorf("some workflows were not found in database '%s': %s", db.Path, strings.Join(missing, ", "))
	}
	return out, nil
}
