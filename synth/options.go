package synth

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/pegasus-go/pegasus/internal/properties"
)

// Options configures Generate. The zero value of every field but Dir and Jobs
// selects a documented default.
type Options struct {
	// Dir is the directory to write; it is created and must be absent or empty.
	Dir string
	// SubmitDir is the absolute submit directory recorded inside the files
	// (braindump, .sub paths, kickstart records). Empty means the absolute
	// path of Dir. Set it to compare directories written to different places.
	SubmitDir string
	// Jobs is the number of compute jobs (tasks); at least 1.
	Jobs int
	// Seed selects the workflow: same options and seed, same bytes.
	Seed uint64
	// FailRate is the probability that a compute job try fails (exit code,
	// signal, missing input, permission denied or POST script failure).
	// Zero means none; must be below 1.
	FailRate float64
	// HoldRate is the probability that a compute job try is held (and then
	// released, or removed, which fails the try). Zero means none; below 1.
	HoldRate float64
	// Width is the fan-out width of each group of compute jobs; 0 means 10.
	Width int
	// Depth is the number of fan-out levels per group, each closed by a
	// fan-in (merge) job; 0 means 3.
	Depth int
	// Label is the workflow label (job names, file names); "" means "synth".
	Label string
	// Start is when DAGMan starts; the zero time means 2023-01-17 10:00:00 in
	// Location, far from daylight-saving changes.
	Start time.Time
	// Location is the time zone DAGMan, kickstart and PegasusLite write local
	// times in (DAGMan uses the process's TZ); nil means time.Local.
	Location *time.Location
	// Slots is the number of execution slots in the simulated HTCondor pool;
	// 0 means Jobs/100 clamped to [32, 1000].
	Slots int
	// Properties are Pegasus properties (a --conf file). Keys used:
	// dagman.retry (RETRY, default 1), dagman.<category>.maxjobs (MAXJOBS;
	// defaults registration 1, stagein 10, cleanup 4, stageout 10),
	// pegasus.stagein.clusters and pegasus.stageout.clusters (transfer jobs
	// per level, default 2). All are copied into the submit directory's
	// properties file. Nil means none.
	Properties *properties.Properties
	// NoKickstart runs compute tasks without kickstart (PegasusLite calls the
	// executable directly): their .out.NNN hold the task's stdout and their
	// .err.NNN its stderr after PegasusLite's log, as with pegasus.gridstart=None.
	// Auxiliary jobs keep kickstart.
	NoKickstart bool
	// Full also writes the files no monitoring tool reads: the PegasusLite
	// <job>.sh scripts of compute jobs and the <job>.meta files
	// pegasus-exitcode leaves after successful jobs (two more files per job).
	Full bool
	// Workers bounds the goroutines writing job files; 0 means 2×GOMAXPROCS, at least 4.
	Workers int
	// Progress, if not nil, is called with the number of DAG nodes whose files
	// are all written and the total number of nodes. Calls are serialized and
	// done == total on the last one.
	Progress func(done, total int64)
}

// Sentinel errors returned by Generate.
var (
	ErrBadOptions  = errors.New("invalid options")
	ErrDirNotEmpty = errors.New("output directory is not empty")
)

// config is Options with defaults applied and properties resolved.
type config struct {
	Options
	retry          int
	maxJobs        []catLimit
	stageinBundle  int
	stageoutBundle int
	props          *properties.Properties
}

type catLimit struct {
	cat   string
	limit int
}

func (o Options) resolve() (*config, error) {
	c := &config{Options: o}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadOptions, fmt.Sprintf(format, a...))
	}
	switch {
	case c.Dir == "":
		return nil, bad("no output directory")
	case c.Jobs < 1:
		return nil, bad("jobs must be at least 1, not %d", c.Jobs)
	case c.FailRate < 0 || c.FailRate >= 1:
		return nil, bad("fail rate must be in [0, 1), not %g", c.FailRate)
	case c.HoldRate < 0 || c.HoldRate >= 1:
		return nil, bad("hold rate must be in [0, 1), not %g", c.HoldRate)
	case c.Width < 0 || c.Depth < 0 || c.Slots < 0 || c.Workers < 0:
		return nil, bad("width, depth, slots and workers cannot be negative")
	}
	if c.Width == 0 {
		c.Width = 10
	}
	if c.Depth == 0 {
		c.Depth = 3
	}
	if c.Label == "" {
		c.Label = "synth"
	}
	for _, r := range c.Label {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return nil, bad("label %q: only letters, digits, '-', '_' and '.' are allowed", c.Label)
		}
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2023, time.January, 17, 10, 0, 0, 0, c.Location)
	}
	if c.Slots == 0 {
		c.Slots = min(max(c.Jobs/100, 32), 1000)
	}
	if c.Workers == 0 {
		c.Workers = max(4, 2*runtime.GOMAXPROCS(0))
	}
	c.props = properties.New()
	if o.Properties != nil {
		c.props.Merge(o.Properties)
	}
	c.retry = c.props.Int("dagman.retry", 1)
	if c.retry < 0 {
		return nil, bad("dagman.retry must not be negative")
	}
	for _, d := range []catLimit{{"registration", 1}, {"stagein", 10}, {"cleanup", 4}, {"stageout", 10}} {
		n := c.props.Int("dagman."+d.cat+".maxjobs", d.limit)
		if n < 0 {
			return nil, bad("dagman.%s.maxjobs must not be negative", d.cat)
		}
		c.maxJobs = append(c.maxJobs, catLimit{d.cat, n})
	}
	c.stageinBundle = c.props.Int("pegasus.stagein.clusters", 2)
	c.stageoutBundle = c.props.Int("pegasus.stageout.clusters", 2)
	if c.stageinBundle < 1 || c.stageoutBundle < 1 {
		return nil, bad("pegasus.stagein.clusters and pegasus.stageout.clusters must be at least 1")
	}
	return c, nil
}
