package planner

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	osuser "os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/catalog/site"
	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/codegen"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/refine"
)

// Version is the Pegasus release whose file formats the planner writes.
const Version = "5.0.5"

// Build identifies this implementation in braindump.
const Build = "pegasus-go"

// Sentinel errors of the planner.
var (
	ErrUsage     = errors.New("usage")
	ErrSubmitDir = errors.New("submit directory exists and is not empty")
	ErrCatalog   = errors.New("catalog not configured")
)

// Options are the pegasus-plan options (PLANNER.md §1.1).
type Options struct {
	DAX               string
	Conf              string
	Defines           []string // -Dkey=value, in order
	Sites             []string
	StagingSites      []string // exec=staging
	OutputSite        string
	OutputDir         string
	Dir               string
	RelativeDir       string
	RelativeSubmitDir string
	RandomDir         string
	Basename          string
	Cache             []string
	InheritedRC       []string
	Cluster           []string
	Cleanup           string
	Force             bool
	JobPrefix         string
	Group             string
	Deferred          bool
	Verbose           int
	Args              string // the command line as given, for braindump and metrics

	BinDir      string              // directory of the running pegasus-plan
	PlannerPath string              // absolute path of the running pegasus-plan
	Getenv      func(string) string // environment (os.Getenv when nil)
	Now         func() time.Time    // clock (time.Now when nil)
	Progress    func(stage string, done, total int)
	Log         func(format string, args ...any) // verbose messages (nil: none)
}

// Outcome describes a successful plan.
type Outcome struct {
	SubmitDir string
	Basename  string
	WfUUID    string
	Jobs      int
	Tasks     int
	Empty     bool // every task's outputs existed: nothing to run, no DAG written
}

// Plan plans the workflow of opts and writes its submit directory.
func Plan(ctx context.Context, opts Options) (_ *Outcome, err error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	start := time.Now()
	if opts.Now != nil {
		start = opts.Now()
	}
	planTime := start
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("SOURCE_DATE_EPOCH %q is not a number of seconds", s)
		}
		planTime = time.Unix(n, 0)
	}
	if opts.DAX == "" {
		return nil, fmt.Errorf("%w: no abstract workflow given (--dax FILE)", ErrUsage)
	}

	// Properties: --conf (or ./pegasus.properties), then -D.
	props := properties.New()
	conf := opts.Conf
	if conf == "" {
		if _, err := os.Stat("pegasus.properties"); err == nil {
			conf = "pegasus.properties"
		}
	}
	if conf != "" {
		p, err := properties.Load(conf)
		if err != nil {
			return nil, fmt.Errorf("properties: %w", err)
		}
		props.Merge(p)
	}
	for _, d := range opts.Defines {
		if err := props.SetDefine(d); err != nil {
			return nil, fmt.Errorf("%w: -D%s", ErrUsage, err)
		}
	}
	confDir := "."
	if conf != "" {
		confDir = filepath.Dir(conf)
	}
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if alt := filepath.Join(confDir, p); fileExists(alt) {
			return alt
		}
		return p
	}

	dataConfig := props.String("pegasus.data.configuration", refine.SharedFS)
	switch strings.ToLower(dataConfig) {
	case "s3", "nonsharedfs":
		dataConfig = refine.NonSharedFS
	case "condor", "condorio":
		dataConfig = refine.CondorIO
	case "sharedfs":
		dataConfig = refine.SharedFS
	}

	// The abstract workflow.
	t0 := time.Now()
	wf, daxFile, err := readWorkflow(opts.DAX)
	if err != nil {
		return nil, err
	}
	logf("read %s (%d tasks, %d dependencies) in %.3f s", daxFile, len(wf.Jobs), len(wf.Edges), time.Since(t0).Seconds())
	embedded := wf.embedded

	// Submit directory.
	base := opts.Dir
	if base == "" {
		base = "."
	}
	if base, err = filepath.Abs(base); err != nil {
		return nil, err
	}
	user := getenv("USER")
	if user == "" {
		if u, err := osuser.Current(); err == nil && u.Username != "" {
			user = u.Username
		} else {
			user = "pegasus"
		}
	}
	group := opts.Group
	if group == "" {
		group = "pegasus"
	}
	relSubmit := opts.RelativeSubmitDir
	if relSubmit == "" {
		relSubmit = opts.RelativeDir
	}
	if relSubmit == "" {
		parent := filepath.Join(base, user, group, wf.Name)
		if props.Bool("pegasus.dir.useTimestamp", false) {
			relSubmit = filepath.Join(user, group, wf.Name, planTime.Format("20060102T150405-0700"))
		} else {
			relSubmit = filepath.Join(user, group, wf.Name, nextRun(parent))
		}
	}
	remoteRel := opts.RandomDir
	if remoteRel == "" {
		remoteRel = opts.RelativeDir
	}
	if remoteRel == "" {
		remoteRel = relSubmit
	}
	submitDir := filepath.Join(base, relSubmit)
	basename := opts.Basename
	if basename == "" {
		basename = fmt.Sprintf("%s-%d", wf.Name, wf.Index)
	}

	uuid := getenv("PEGASUS_WF_UUID")
	if uuid == "" {
		uuid = newUUID()
	}
	root := props.String("pegasus.workflow.root.uuid", uuid)
	propsName := fmt.Sprintf("pegasus.%d.properties", hash63(uuid))
	bin := opts.BinDir
	if bin == "" {
		bin = "."
	}

	// From here on a failed plan leaves a metrics file of type "error" in
	// the submit directory (FORMATS.md §8.1).
	defer func() {
		if err != nil && !errors.Is(err, context.Canceled) {
			writeErrorMetrics(submitDir, basename, uuid, root, dataConfig, wf, opts, start, err)
		}
	}()

	// Catalogs.
	var sites *site.Catalog
	sitesFile := resolve(props.String("pegasus.catalog.site.file", ""))
	if sitesFile == "" {
		for _, c := range []string{"sites.xml", "sites.yml"} {
			if fileExists(c) {
				sitesFile = c
				break
			}
		}
	}
	switch {
	case embedded != nil && embedded.sites != nil:
		sites = embedded.sites
		sitesFile = daxFile
	case sitesFile == "":
		return nil, fmt.Errorf("%w: no site catalog (set pegasus.catalog.site.file, or put sites.xml in the working directory)", ErrCatalog)
	default:
		if sites, err = readSites(sitesFile, getenv); err != nil {
			return nil, err
		}
	}
	var tcat *tc.Catalog
	tcFile := resolve(props.String("pegasus.catalog.transformation.file", ""))
	if tcFile == "" {
		for _, c := range []string{"tc.txt", "transformations.yml"} {
			if fileExists(c) {
				tcFile = c
				break
			}
		}
	}
	if tcFile != "" {
		if tcat, err = readTC(tcFile, getenv); err != nil {
			return nil, err
		}
	}
	if embedded != nil && embedded.tc != nil {
		if tcat == nil {
			tcat = &tc.Catalog{}
		}
		for _, e := range embedded.tc.Entries {
			tcat.Add(e)
		}
		if tcFile == "" {
			tcFile = daxFile
		}
	}
	reps := &refine.Replicas{}
	for _, c := range opts.Cache {
		cat, err := readRC(c, nil)
		if err != nil {
			return nil, fmt.Errorf("cache file: %w", err)
		}
		reps.Add("cache "+c, cat)
	}
	if len(wf.Files) > 0 {
		cat := rc.New()
		for _, f := range wf.Files {
			for _, p := range f.PFNs {
				cat.Add(&rc.Replica{LFN: f.Name, PFN: p.URL, Attrs: []rc.Attr{{Key: "site", Value: p.Site}}, File: daxFile, Line: f.Line})
			}
		}
		reps.Add("DAX "+daxFile, cat)
	}
	if embedded != nil && embedded.rc != nil {
		reps.Add("workflow replica catalog "+daxFile, embedded.rc)
	}
	for _, c := range opts.InheritedRC {
		cat, err := readRC(c, nil)
		if err != nil {
			return nil, fmt.Errorf("inherited replica file: %w", err)
		}
		reps.Add("inherited "+c, cat)
	}
	rcType := props.String("pegasus.catalog.replica", "File")
	rcFile := resolve(props.String("pegasus.catalog.replica.file", ""))
	if rcFile == "" && props.String("pegasus.catalog.replica", "") == "" {
		for _, c := range []string{"rc.txt", "replicas.yml"} {
			if fileExists(c) {
				rcFile = c
				break
			}
		}
	}
	registerRC := false
	if rcFile != "" {
		switch strings.ToLower(rcType) {
		case "file", "simplefile", "yaml":
		default:
			return nil, fmt.Errorf("%w: pegasus.catalog.replica %q (supported: File, YAML)", ErrCatalog, rcType)
		}
		cat, err := readRC(rcFile, getenv)
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		if err == nil {
			reps.Add("replica catalog "+rcFile, cat)
		}
		abs, _ := filepath.Abs(rcFile)
		if data, rerr := os.ReadFile(rcFile); rerr == nil && isYAML(data) {
			// pegasus-rc-client writes the file format only: outputs of a
			// workflow with a YAML replica catalog are not registered.
			logf("replica catalog %s is YAML: no registration jobs", rcFile)
			props.Set("pegasus.catalog.replica", "YAML")
		} else {
			registerRC = true
			props.Set("pegasus.catalog.replica", "File")
		}
		props.Set("pegasus.catalog.replica.file", abs)
	}
	// Make catalog paths in the properties copy absolute, for sub-workflows.
	if embedded == nil || embedded.sites == nil {
		if abs, err := filepath.Abs(sitesFile); err == nil {
			props.Set("pegasus.catalog.site.file", abs)
		}
	}
	if tcFile != "" && (embedded == nil || embedded.tc == nil) {
		if abs, err := filepath.Abs(tcFile); err == nil {
			props.Set("pegasus.catalog.transformation.file", abs)
		}
	}
	props.Set("pegasus.data.configuration", dataConfig)

	var planArgs []string
	for i := 0; i < opts.Verbose; i++ {
		planArgs = append(planArgs, "-v")
	}
	staging := map[string]string{}
	for _, s := range opts.StagingSites {
		for _, kv := range strings.Split(s, ",") {
			e, st, ok := strings.Cut(kv, "=")
			if !ok {
				// A bare site stages every execution site there.
				for _, x := range opts.Sites {
					staging[x] = kv
				}
				continue
			}
			staging[strings.TrimSpace(e)] = strings.TrimSpace(st)
		}
	}
	cleanup := opts.Cleanup
	if cleanup == "" {
		cleanup = strings.ToLower(props.String("pegasus.file.cleanup.strategy", refine.CleanupInPlace))
		if cleanup == "inplace" || cleanup == "in-place" {
			cleanup = refine.CleanupInPlace
		}
	}

	cfg := &refine.Config{
		DAX: &wf.Workflow, DAXFile: daxFile, Props: props, Sites: sites, SitesFile: sitesFile, TC: tcat, TCFile: tcFile,
		Replicas: reps, RegisterRC: registerRC,
		ExecSites: opts.Sites, StagingMap: staging, OutputSite: opts.OutputSite, OutputDir: opts.OutputDir,
		DataConfig: dataConfig, Force: opts.Force, Cleanup: cleanup, Cluster: opts.Cluster, JobPrefix: opts.JobPrefix,
		RemoteRel: filepath.ToSlash(remoteRel), SubmitDir: submitDir, RelSubmit: filepath.ToSlash(relSubmit), BaseDir: base,
		Basename: basename, BinDir: bin, PropsFile: filepath.Join(submitDir, propsName), PlanTime: planTime,
		WfUUID: uuid, RootUUID: root, PlanArgs: planArgs, Deferred: opts.Deferred, Progress: opts.Progress, Version: Version,
	}
	logf("planning %s (%d tasks) with data configuration %s", daxFile, len(wf.Jobs), dataConfig)
	// The submit directory is written under a temporary name beside it.
	// The first part of the static events only needs the abstract
	// workflow: it is written while the workflow is refined.
	tmp, err := prepareTemp(submitDir, opts.Deferred)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(tmp)
		}
	}()
	meta := &codegen.Meta{
		Label: wf.Name, Count: wf.Count, Index: wf.Index, Basename: basename, SubmitDir: submitDir, BaseDir: base,
		WfUUID: uuid, RootUUID: root, DAXVersion: wf.Version, PlanTime: planTime,
		Version: Version, Build: Build, Planner: opts.PlannerPath, BinDir: bin, PlannerArgs: opts.Args,
		PropsName: propsName, User: user, VOGroup: group, DataConfig: dataConfig, WfAPI: wf.api,
	}
	static := codegen.StartStatic(tmp, meta, &wf.Workflow)
	t0 = time.Now()
	res, err := refine.Run(ctx, cfg)
	if err != nil {
		static.Abort()
		return nil, err
	}
	logf("refined into %d jobs in %.3f s", len(res.Order), time.Since(t0).Seconds())
	out := &Outcome{SubmitDir: submitDir, Basename: basename, WfUUID: uuid, Tasks: len(wf.Jobs)}
	if res.Empty {
		static.Abort()
		logf("the outputs of every task exist already: nothing to plan")
		out.Empty = true
		return out, nil
	}
	out.Jobs = len(res.Order)
	end := time.Now()
	if opts.Now != nil {
		end = opts.Now()
	}
	if getenv("SOURCE_DATE_EPOCH") != "" {
		start, end = planTime, planTime
	}
	meta.Start, meta.End = start, end
	meta.Host, _ = os.Hostname()
	meta.DAX, _ = filepath.Abs(daxFile)
	t0 = time.Now()
	if err := codegen.Write(ctx, tmp, meta, &wf.Workflow, res, props, static); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := commitTemp(tmp, submitDir); err != nil {
		return nil, err
	}
	committed = true
	logf("wrote submit directory %s (%d jobs) in %.3f s", submitDir, out.Jobs, time.Since(t0).Seconds())
	return out, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

var runRE = regexp.MustCompile(`^run(\d{4,})$`)

// nextRun returns runNNNN, one more than the largest existing run directory.
func nextRun(parent string) string {
	max := 0
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if m := runRE.FindStringSubmatch(e.Name()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > max {
				max = n
			}
		}
	}
	return fmt.Sprintf("run%04d", max+1)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func hash63(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64() >> 1
}

// prepareTemp checks the submit directory final and makes the temporary
// directory beside it that the plan is written into. An existing empty
// final directory (or one holding only the metrics of a failed plan) is
// replaced; a non-empty one is an error, except for deferred (sub-workflow)
// plans, where commitTemp moves the previous plan aside to final.NNN.
func prepareTemp(final string, rotate bool) (string, error) {
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	if entries, err := os.ReadDir(final); err == nil && len(entries) > 0 && !onlyErrorMetrics(entries) && !rotate {
		return "", fmt.Errorf("%w: %s", ErrSubmitDir, final)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(final)+".tmp-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// commitTemp renames the filled temporary directory to final.
func commitTemp(tmp, final string) error {
	if entries, err := os.ReadDir(final); err == nil {
		switch {
		case len(entries) == 0:
			os.Remove(final)
		case onlyErrorMetrics(entries):
			// A failed plan left its metrics: this plan replaces them.
			os.RemoveAll(final)
		default:
			for n := 0; ; n++ {
				cand := fmt.Sprintf("%s.%03d", final, n)
				if !fileExists(cand) {
					if err := os.Rename(final, cand); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	return os.Rename(tmp, final)
}

// writeErrorMetrics leaves the metrics file of a failed plan, type "error",
// in the submit directory (created for it when needed). Failures to write
// it are ignored: the planning error is what the user needs.
func writeErrorMetrics(submitDir, basename, uuid, root, dataConfig string, wf *workflow, opts Options, start time.Time, planErr error) {
	if submitDir == "" || basename == "" || errors.Is(planErr, ErrSubmitDir) {
		return
	}
	if entries, err := os.ReadDir(submitDir); err == nil && len(entries) > 0 && !onlyErrorMetrics(entries) {
		return // never over a previous plan
	}
	if err := os.MkdirAll(submitDir, 0o755); err != nil {
		return
	}
	end := time.Now()
	if opts.Now != nil {
		end = opts.Now()
	}
	m := &codegen.Meta{Label: wf.Name, Index: wf.Index, Basename: basename, SubmitDir: submitDir, WfUUID: uuid, RootUUID: root,
		Start: start, End: end, Version: Version, PlannerArgs: opts.Args, DataConfig: dataConfig, WfAPI: wf.api}
	var ct, dt, gt int
	for _, t := range wf.Jobs {
		switch t.Kind {
		case dax.DAXTask:
			dt++
		case dax.DAGTask:
			gt++
		default:
			ct++
		}
	}
	counts := [][2]any{{"compute_tasks", ct}, {"dax_tasks", dt}, {"dag_tasks", gt}, {"total_tasks", ct + dt + gt}}
	for _, k := range []string{"deleted_tasks", "dax_input_files", "dax_inter_files", "dax_output_files", "dax_total_files",
		"compute_jobs", "clustered_jobs", "si_tx_jobs", "so_tx_jobs", "inter_tx_jobs", "reg_jobs", "cleanup_jobs",
		"create_dir_jobs", "dax_jobs", "dag_jobs", "chmod_jobs", "total_jobs"} {
		counts = append(counts, [2]any{k, 0})
	}
	_ = codegen.WriteMetrics(filepath.Join(submitDir, basename+".metrics"), m, counts, 1, planErr.Error())
}

// onlyErrorMetrics reports whether the entries of a directory are the
// metrics files a failed plan left.
func onlyErrorMetrics(entries []os.DirEntry) bool {
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".metrics") {
			return false
		}
	}
	return true
}
