package refine

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/pegasus-go/pegasus/planner/ewf"
)

// usesWorkDir reports whether job j reads or writes its staging directory.
func usesWorkDir(j *ewf.Job) bool {
	switch j.Type {
	case ewf.Compute, ewf.DAXJob, ewf.StageIn, ewf.InterSite, ewf.StageOut, ewf.Chmod:
		return true
	}
	return false
}

// stagingSites returns the staging sites the workflow uses, in order of first use.
func (p *planner) stagingSites() []string {
	var out []string
	seen := map[string]bool{}
	for _, j := range p.wf.Live() {
		if usesWorkDir(j) && j.Staging != "" && !seen[j.Staging] {
			seen[j.Staging] = true
			out = append(out, j.Staging)
		}
	}
	return out
}

// createDirs adds one create-dir job per staging site (PLANNER.md §2.5).
func (p *planner) createDirs() error {
	strategy := p.props.String("pegasus.dir.create.strategy", "Minimal")
	switch strategy {
	case "Minimal", "Tentacles", "HourGlass":
	default:
		return &Error{Err: ErrConfig, Msg: fmt.Sprintf("pegasus.dir.create.strategy %q (supported: Minimal, Tentacles, HourGlass)", strategy)}
	}
	live := p.wf.Live()
	sites := p.stagingSites()
	dirJobs := map[string]*ewf.Job{}
	for _, s := range sites {
		url, err := p.workURL(s, "", "put")
		if err != nil {
			return err
		}
		run := "local"
		if isFileURL(url) && s != "local" && !p.localReadable(s) {
			run = s
		}
		j := &ewf.Job{Type: ewf.CreateDir, Name: p.uniq(fmt.Sprintf("create_dir_%s%s_%d_%s", p.cfg.JobPrefix, p.cfg.DAX.Name, p.cfg.DAX.Index, s)),
			XForm: "pegasus::dirmanager", Site: run, Staging: s, CleanupURLs: []ewf.URL{{Site: s, URL: url}}}
		p.auxProfiles(j)
		dirJobs[s] = p.wf.Add(j)
	}
	switch strategy {
	case "HourGlass":
		if len(dirJobs) == 0 {
			return nil
		}
		var roots []*ewf.Job
		for _, j := range live {
			if len(p.wf.ParentsOf(j)) == 0 {
				roots = append(roots, j)
			}
		}
		noop := &ewf.Job{Type: ewf.CreateDir, Name: p.uniq(fmt.Sprintf("pegasus_concat_%s_%d", p.cfg.DAX.Name, p.cfg.DAX.Index)), XForm: "pegasus::noop", Site: "local", NoGrid: true}
		p.auxProfiles(noop)
		p.wf.Add(noop)
		for _, s := range sites {
			p.wf.AddEdge(dirJobs[s], noop)
		}
		for _, r := range roots {
			p.wf.AddEdge(noop, r)
		}
	default:
		for _, j := range live {
			if !usesWorkDir(j) || j.Type == ewf.StageOut {
				continue
			}
			d := dirJobs[j.Staging]
			if d == nil {
				continue
			}
			if strategy == "Minimal" {
				onSite := false
				for _, par := range p.wf.ParentsOf(j) {
					if par.Staging == j.Staging && usesWorkDir(par) {
						onSite = true
						break
					}
				}
				if onSite {
					continue
				}
			}
			p.wf.AddEdge(d, j)
		}
	}
	return nil
}

// cleanup adds in-place and leaf cleanup jobs (PLANNER.md §2.6).
func (p *planner) cleanup() error {
	mode := p.cfg.Cleanup
	if mode == CleanupNone {
		return nil
	}
	hier := false
	for _, j := range p.wf.Live() {
		if j.Type == ewf.DAXJob || j.Type == ewf.DAGJob {
			hier = true
		}
	}
	if mode == CleanupInPlace && !(hier && p.props.String("pegasus.file.cleanup.scope", "fullahead") != "deferred") {
		if err := p.inPlace(); err != nil {
			return err
		}
	}
	return p.leafCleanup()
}

// fileUsers gathers, per staging site and LFN, the jobs using the file there.
type fileKey struct{ site, lfn string }

func (p *planner) inPlace() error {
	order, _ := p.wf.TopoOrder()
	pos := make([]int32, len(p.wf.Jobs))
	for i, j := range order {
		pos[j.Index] = int32(i)
	}
	// One entry per (staging site, LFN), in order of first use.
	type fileUse struct {
		key   fileKey
		users []*ewf.Job
		keep  bool
	}
	var files []fileUse
	// One LFN index per staging site: hashing the LFN alone is cheaper
	// than a (site, LFN) key, and a workflow has few staging sites.
	index := map[string]map[string]int32{}
	siteIndex := func(site string) map[string]int32 {
		m := index[site]
		if m == nil {
			m = make(map[string]int32, len(p.producer)*2+16)
			index[site] = m
		}
		return m
	}
	addIn := func(m map[string]int32, site, lfn string, j *ewf.Job) *fileUse {
		i, ok := m[lfn]
		if !ok {
			i = int32(len(files))
			m[lfn] = i
			files = append(files, fileUse{key: fileKey{site, lfn}})
		}
		f := &files[i]
		// A job adds its files in one go: only the last user can repeat.
		if n := len(f.users); n == 0 || f.users[n-1] != j {
			f.users = append(f.users, j)
		}
		return f
	}
	add := func(k fileKey, j *ewf.Job) *fileUse { return addIn(siteIndex(k.site), k.site, k.lfn, j) }
	for _, j := range order {
		switch j.Type {
		case ewf.Compute, ewf.DAXJob:
			m := siteIndex(j.Staging)
			for _, f := range j.Inputs {
				if f.Bypass != "" {
					continue
				}
				addIn(m, j.Staging, f.LFN, j)
			}
			for _, f := range j.Outputs {
				if f.Bypass != "" {
					continue
				}
				u := addIn(m, j.Staging, f.LFN, j)
				if f.Transfer.Wanted() && p.cfg.OutputSite == "" {
					u.keep = true // the only copy of a wanted output
				}
			}
		case ewf.StageIn, ewf.InterSite:
			for _, t := range j.Transfers {
				if t.LFN == workerLFN || t.LFN == braindumpLFN {
					continue // removed with the work directory
				}
				add(fileKey{t.Dst.Site, t.LFN}, j)
				if j.Type == ewf.InterSite {
					add(fileKey{t.Src[0].Site, t.LFN}, j)
				}
			}
		case ewf.StageOut:
			for _, t := range j.Transfers {
				add(fileKey{t.Src[0].Site, t.LFN}, j)
			}
		}
	}
	// Files that were in the work directory before the run are not ours.
	for i := range files {
		f := &files[i]
		if p.producer[f.key.lfn] != nil {
			continue
		}
		staged := false
		for _, u := range f.users {
			if u.Type == ewf.StageIn || u.Type == ewf.InterSite {
				staged = true
				break
			}
		}
		if !staged {
			f.keep = true
		}
	}
	type group struct {
		users []*ewf.Job
		files []fileKey
	}
	groups := map[string]*group{}
	var gorder []string
	var sb []byte
	for i := range files {
		f := &files[i]
		if f.keep {
			continue
		}
		us := f.users
		slices.SortFunc(us, func(a, b *ewf.Job) int { return int(pos[a.Index]) - int(pos[b.Index]) })
		sb = append(sb[:0], f.key.site...)
		for _, u := range us {
			sb = append(sb, ',')
			sb = strconv.AppendInt(sb, int64(u.Index), 10)
		}
		g := groups[string(sb)]
		if g == nil {
			gk := string(sb)
			g = &group{users: us}
			groups[gk] = g
			gorder = append(gorder, gk)
		}
		g.files = append(g.files, f.key)
	}
	// Cleanup jobs are clustered per (staging site, level of the anchor):
	// at most pegasus.file.cleanup.clusters.num (default 2) jobs each.
	type bucketKey struct {
		site  string
		level int
	}
	per := p.props.Int("pegasus.file.cleanup.clusters.num", 2)
	var bkeys []bucketKey
	buckets := map[bucketKey][]*group{}
	for _, gk := range gorder {
		g := groups[gk]
		k := bucketKey{g.files[0].site, g.users[len(g.users)-1].Level}
		if _, ok := buckets[k]; !ok {
			bkeys = append(bkeys, k)
		}
		buckets[k] = append(buckets[k], g)
	}
	for _, bk := range bkeys {
		gs := buckets[bk]
		nb := len(gs)
		if per > 0 && per < nb {
			nb = per
		}
		jobs := make([]*ewf.Job, nb)
		for i, g := range gs {
			b := i % nb
			s := bk.site
			if jobs[b] == nil {
				anchor := g.users[len(g.users)-1]
				run := "local"
				if !p.localReadable(s) && s != "local" {
					if u, _ := p.workURL(s, "", "get"); isFileURL(u) {
						run = s
					}
				}
				cj := &ewf.Job{Type: ewf.Cleanup, Name: p.uniq("clean_up_" + anchor.Name), XForm: "pegasus::cleanup", Site: run, Staging: s, Level: anchor.Level}
				p.auxProfiles(cj)
				jobs[b] = p.wf.Add(cj)
			}
			cj := jobs[b]
			for _, f := range g.files {
				u, err := p.workURL(s, f.lfn, "put")
				if err != nil {
					return err
				}
				cj.CleanupURLs = append(cj.CleanupURLs, ewf.URL{Site: s, URL: u})
			}
			for _, u := range g.users {
				p.wf.AddEdge(u, cj)
			}
		}
	}
	return nil
}

// leafCleanup adds one job per staging site removing the work directory
// after every leaf (and every stage-out) of the workflow.
func (p *planner) leafCleanup() error {
	sites := p.stagingSites()
	if len(sites) == 0 {
		return nil
	}
	live := p.wf.Live()
	var parents []*ewf.Job
	for _, j := range live {
		switch j.Type {
		case ewf.Registration:
			continue
		case ewf.StageOut:
			parents = append(parents, j)
			continue
		}
		leaf := true
		for _, c := range p.wf.ChildrenOf(j) {
			if c.Type != ewf.Registration {
				leaf = false
				break
			}
		}
		if leaf {
			parents = append(parents, j)
		}
	}
	for _, s := range sites {
		url, err := p.workURL(s, "", "put")
		if err != nil {
			return err
		}
		run := "local"
		if isFileURL(url) && s != "local" && !p.localReadable(s) {
			run = s
		}
		j := &ewf.Job{Type: ewf.Cleanup, Name: p.uniq(fmt.Sprintf("cleanup_%s%s_%d_%s", p.cfg.JobPrefix, p.cfg.DAX.Name, p.cfg.DAX.Index, s)),
			XForm: "pegasus::cleanup", Site: run, Staging: s, Recursive: true, CleanupURLs: []ewf.URL{{Site: s, URL: url}}}
		p.auxProfiles(j)
		p.wf.Add(j)
		for _, par := range parents {
			p.wf.AddEdge(par, j)
		}
	}
	return nil
}
