package refine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/catalog/site"
	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

// Sentinel causes of planning errors.
var (
	ErrNoTransformation = errors.New("transformation not in the transformation catalog or the DAX")
	ErrNoSite           = errors.New("site not in the site catalog")
	ErrNoReplica        = errors.New("no replica for input file")
	ErrReplicaSite      = errors.New("replica has no usable site")
	ErrCycle            = errors.New("dependency cycle")
	ErrConfig           = errors.New("invalid configuration")
	ErrNoCandidate      = errors.New("no candidate site can run the job")
	ErrCluster          = errors.New("invalid clustering")
)

// Error is a planning error, located in an input file when known.
type Error struct {
	File string
	Line int
	Err  error
	Msg  string
}

func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Msg != "" {
		s = e.Msg + ": " + s
	}
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, s)
	case e.File != "":
		return fmt.Sprintf("%s: %s", e.File, s)
	}
	return s
}

// Unwrap returns the sentinel cause.
func (e *Error) Unwrap() error { return e.Err }

// Data configurations.
const (
	SharedFS    = "sharedfs"
	NonSharedFS = "nonsharedfs"
	CondorIO    = "condorio"
)

// Cleanup modes.
const (
	CleanupNone    = "none"
	CleanupLeaf    = "leaf"
	CleanupInPlace = "inplace"
)

// Replicas is the ordered set of replica sources: the first source that
// knows an LFN answers for it (cache files, DAX file entries, inherited RC
// files, the replica catalog).
type Replicas struct {
	Sources []*rc.Catalog
	Names   []string
}

// Add appends a source of lower priority than the ones already added.
func (r *Replicas) Add(name string, c *rc.Catalog) {
	if c == nil {
		return
	}
	r.Sources = append(r.Sources, c)
	r.Names = append(r.Names, name)
}

// Lookup returns the replicas of lfn from the first source that has any.
func (r *Replicas) Lookup(lfn string) []*rc.Replica {
	if r == nil {
		return nil
	}
	for _, s := range r.Sources {
		if reps := s.Lookup(lfn); len(reps) > 0 {
			return reps
		}
	}
	return nil
}

// Config is everything the refinement needs.
type Config struct {
	DAX        *dax.Workflow
	DAXFile    string // path of the abstract workflow, for errors and relative sub-workflow files
	Props      *properties.Properties
	Sites      *site.Catalog
	SitesFile  string
	TC         *tc.Catalog
	TCFile     string
	Replicas   *Replicas
	RegisterRC bool // a replica catalog is configured: add registration jobs

	ExecSites  []string          // --sites; empty: every site of the catalog
	StagingMap map[string]string // --staging-site
	OutputSite string
	OutputDir  string // --output-dir: overrides the output site's storage directory
	DataConfig string
	Force      bool
	Cleanup    string
	Cluster    []string
	JobPrefix  string

	RemoteRel string // relative work directory under each staging site's scratch
	SubmitDir string // final absolute submit directory
	RelSubmit string // submit directory relative to BaseDir
	BaseDir   string // --dir
	Basename  string // prefix of the workflow files
	BinDir    string // directory of the running pegasus-plan
	PropsFile string // absolute path of the properties copy in the submit dir
	PlanTime  time.Time
	WfUUID    string
	RootUUID  string
	PlanArgs  []string // options to pass on to sub-workflow planners (verbosity...)
	Version   string   // Pegasus release the plan is for (worker package name)
	Deferred  bool
	Progress  func(stage string, done, total int)
}

// Result is the executable workflow and what the output files need.
type Result struct {
	WF        *ewf.Workflow
	Order     []*ewf.Job // topological order for the .dag
	Deleted   int        // tasks removed by data reuse
	Transient []*rc.Replica
	Files     FileCounts
	MaxJobs   [][2]string // category, limit
	Empty     bool        // every task was removed by data reuse
}

// FileCounts counts the distinct LFNs of the abstract workflow.
type FileCounts struct{ Input, Inter, Output, Total int }

// planner holds the state of one refinement.
type planner struct {
	ctx   context.Context
	cfg   *Config
	props *properties.Properties
	wf    *ewf.Workflow
	tasks map[string]*ewf.Job // task id -> job
	rng   *rand.Rand
	res   *Result

	propProfiles ewf.ProfileSet
	daxExe       map[string][]*dax.Executable
	compounds    map[string][]*dax.Transformation  // fqn -> DAX compound transformations, built on first use
	tcBySite     map[string]map[string][]*tc.Entry // fqn -> site -> entries
	producer     map[string]*ewf.Job               // lfn -> producing job
	staged       map[string]*ewf.Job               // staging site + lfn -> stage-in job carrying it
	workDirs     map[string]string
	candidates   []string
	rr           int
	suffix       map[string]int
	clusterPos   []int32 // topological position by job index, while clustering
}

// Run refines cfg.DAX into an executable workflow.
func Run(ctx context.Context, cfg *Config) (*Result, error) {
	if cfg.Props == nil {
		cfg.Props = properties.New()
	}
	if cfg.Replicas == nil {
		cfg.Replicas = &Replicas{}
	}
	if cfg.DataConfig == "" {
		cfg.DataConfig = SharedFS
	}
	if cfg.Cleanup == "" {
		cfg.Cleanup = CleanupInPlace
	}
	seed := uint64(cfg.Props.Int("pegasus.selector.site.seed", 1))
	p := &planner{
		ctx: ctx, cfg: cfg, props: cfg.Props,
		wf:       ewf.New(cfg.DAX.Name, cfg.DAX.Index),
		tasks:    map[string]*ewf.Job{},
		rng:      rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		res:      &Result{},
		producer: map[string]*ewf.Job{},
		staged:   map[string]*ewf.Job{},
		workDirs: map[string]string{},
	}
	p.wf.Count = cfg.DAX.Count
	p.res.WF = p.wf
	stages := []struct {
		name string
		fn   func() error
	}{
		{"validate", p.validate},
		{"build", p.build},
		{"data reuse", p.reuse},
		{"site selection", p.selectSites},
		{"clustering", p.cluster},
		{"transfers", p.transfers},
		{"worker package", p.workerPackage},
		{"create-dir", p.createDirs},
		{"cleanup", p.cleanup},
		{"finish", p.finish},
		{"wrap", p.wrap},
	}
	for i, s := range stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if cfg.Progress != nil {
			cfg.Progress(s.name, i, len(stages))
		}
		if err := s.fn(); err != nil {
			return nil, err
		}
		if p.res.Empty {
			break
		}
	}
	return p.res, nil
}

func (p *planner) errAt(line int, cause error, format string, args ...any) error {
	return &Error{File: p.cfg.DAXFile, Line: line, Err: cause, Msg: fmt.Sprintf(format, args...)}
}

// validate checks sites, options and the DAG shape before any work.
func (p *planner) validate() error {
	cfg := p.cfg
	if cfg.Sites == nil || cfg.Sites.Site("local") == nil {
		return &Error{File: cfg.SitesFile, Err: ErrNoSite, Msg: "site local (the submit host)"}
	}
	switch cfg.DataConfig {
	case SharedFS, NonSharedFS, CondorIO:
	default:
		return &Error{Err: ErrConfig, Msg: fmt.Sprintf("pegasus.data.configuration %q (want sharedfs, nonsharedfs or condorio)", cfg.DataConfig)}
	}
	switch cfg.Cleanup {
	case CleanupNone, CleanupLeaf, CleanupInPlace:
	default:
		return &Error{Err: ErrConfig, Msg: fmt.Sprintf("cleanup strategy %q (want none, leaf or inplace)", cfg.Cleanup)}
	}
	if len(cfg.ExecSites) == 0 {
		for _, s := range cfg.Sites.Sites {
			p.candidates = append(p.candidates, s.Handle)
		}
	} else {
		for _, s := range cfg.ExecSites {
			if cfg.Sites.Site(s) == nil {
				return &Error{File: cfg.SitesFile, Err: ErrNoSite, Msg: fmt.Sprintf("execution site %s (from --sites)", s)}
			}
			p.candidates = append(p.candidates, s)
		}
	}
	if cfg.OutputSite != "" && cfg.Sites.Site(cfg.OutputSite) == nil {
		return &Error{File: cfg.SitesFile, Err: ErrNoSite, Msg: fmt.Sprintf("output site %s", cfg.OutputSite)}
	}
	if cfg.OutputSite != "" && cfg.OutputDir == "" && cfg.Sites.Site(cfg.OutputSite).Storage() == nil {
		return &Error{File: cfg.SitesFile, Err: ErrConfig, Msg: fmt.Sprintf("output site %s has no shared-storage or local-storage directory", cfg.OutputSite)}
	}
	for e, s := range cfg.StagingMap {
		if cfg.Sites.Site(e) == nil {
			return &Error{File: cfg.SitesFile, Err: ErrNoSite, Msg: fmt.Sprintf("execution site %s (from --staging-site)", e)}
		}
		if cfg.Sites.Site(s) == nil {
			return &Error{File: cfg.SitesFile, Err: ErrNoSite, Msg: fmt.Sprintf("staging site %s (from --staging-site)", s)}
		}
		if cfg.DataConfig == CondorIO && s != "local" {
			return &Error{Err: ErrConfig, Msg: fmt.Sprintf("condorio stages through the submit host: staging site of %s must be local, not %s", e, s)}
		}
		if cfg.DataConfig == SharedFS && s != e {
			return &Error{Err: ErrConfig, Msg: fmt.Sprintf("sharedfs runs jobs in the staging directory: staging site of %s must be %s (use nonsharedfs for a separate staging site)", e, e)}
		}
	}
	if err := cfg.DAX.Check(cfg.DAXFile); err != nil {
		return err
	}
	// Replica sources: every replica needs a site.
	for i, src := range cfg.Replicas.Sources {
		for _, r := range src.Replicas {
			s := r.Site()
			if s == "" {
				return &Error{File: r.File, Line: r.Line, Err: ErrReplicaSite, Msg: fmt.Sprintf("replica %s -> %s (%s) names no site (site=\"...\" or pool=\"...\")", r.LFN, r.PFN, cfg.Replicas.Names[i])}
			}
		}
	}
	p.propProfiles = profilesFromProps(cfg.Props)
	return nil
}

// profilesFromProps collects namespace.key properties as lowest-priority profiles.
func profilesFromProps(pr *properties.Properties) ewf.ProfileSet {
	var set ewf.ProfileSet
	for _, k := range pr.Keys() {
		ns, key, ok := strings.Cut(k, ".")
		if !ok {
			continue
		}
		switch ns {
		case "condor", "env", "globus":
			v, _ := pr.Get(k)
			set.Add(ns, key, v)
		case "dagman":
			up := strings.ToUpper(key)
			if up == "RETRY" || up == "PRIORITY" || up == "POST.SCOPE" || up == "CATEGORY" {
				v, _ := pr.Get(k)
				set.Add(ns, key, v)
			}
		case "pegasus":
			// Only the keys that are job profiles (PLANNER.md §4.1).
			switch key {
			case "clusters.size", "clusters.num", "runtime", "gridstart", "gridstart.path", "gridstart.arguments",
				"stagein.clusters", "stagein.local.clusters", "stagein.remote.clusters",
				"stageout.clusters", "stageout.local.clusters", "stageout.remote.clusters",
				"change.dir", "create.dir", "style", "cores", "transfer.arguments", "label":
				v, _ := pr.Get(k)
				set.Add(ns, key, v)
			}
		}
	}
	return set
}

// workDir returns the absolute work directory of staging site s.
func (p *planner) workDir(s string) (string, error) {
	if d, ok := p.workDirs[s]; ok {
		return d, nil
	}
	st := p.cfg.Sites.Site(s)
	if st == nil {
		return "", &Error{File: p.cfg.SitesFile, Err: ErrNoSite, Msg: "staging site " + s}
	}
	sc := st.Scratch()
	if sc == nil || sc.Path == "" {
		return "", &Error{File: p.cfg.SitesFile, Line: st.Line, Err: ErrConfig, Msg: fmt.Sprintf("site %s has no shared-scratch directory", s)}
	}
	base := sc.Path
	if x := p.props.String("pegasus.dir.exec", ""); x != "" {
		if path.IsAbs(x) {
			base = x
		} else {
			base = path.Join(base, x)
		}
	}
	d := path.Join(base, p.cfg.RemoteRel)
	p.workDirs[s] = d
	return d, nil
}

// workURL returns the URL of lfn in the work directory of site s for op
// ("get" or "put"); a plain file:// URL when no file server allows op.
func (p *planner) workURL(s, lfn, op string) (string, error) {
	d, err := p.workDir(s)
	if err != nil {
		return "", err
	}
	full := d
	if lfn != "" {
		full = d + "/" + lfn
	}
	st := p.cfg.Sites.Site(s)
	if sc := st.Scratch(); sc != nil {
		if u, ok := sc.URL(full, op); ok {
			return u, nil
		}
	}
	return "file://" + full, nil
}

// storageURL returns where lfn goes on the output site.
func (p *planner) storageURL(lfn string) (string, string) {
	st := p.cfg.Sites.Site(p.cfg.OutputSite)
	var base string
	dir := st.Storage()
	if p.cfg.OutputDir != "" {
		base = p.cfg.OutputDir
	} else {
		base = dir.Path
		if x := p.props.String("pegasus.dir.storage", ""); x != "" {
			base = path.Join(base, x)
		}
		if p.props.Bool("pegasus.dir.storage.deep", false) {
			base = path.Join(base, p.cfg.RelSubmit)
		}
	}
	full := path.Join(base, lfn)
	if dir != nil && p.cfg.OutputDir == "" {
		if u, ok := dir.URL(full, "put"); ok {
			return u, full
		}
	}
	return "file://" + full, full
}

// stagingSite returns the staging site of execution site e.
func (p *planner) stagingSite(e string) string {
	if s, ok := p.cfg.StagingMap[e]; ok {
		return s
	}
	if p.cfg.DataConfig == CondorIO {
		return "local"
	}
	return e
}

// sortedKeys returns the keys of m sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
