package refine

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

// need is one file a job needs in its staging directory.
type need struct {
	job     *ewf.Job
	lfn     string
	src     []ewf.URL
	dst     ewf.URL
	loc     string // "local" or "remote"
	runSite string
}

// bundleFactor returns the number of transfer jobs allowed per bundle key.
func (p *planner) bundleFactor(dir, loc, stagingSite string) int {
	keys := []string{dir + "." + loc + ".clusters", dir + ".clusters"}
	st := p.cfg.Sites.Site(stagingSite)
	for _, k := range keys {
		if st != nil {
			for i := len(st.Profiles) - 1; i >= 0; i-- {
				pr := st.Profiles[i]
				if pr.Namespace == "pegasus" && pr.Key == k {
					if n, err := strconv.Atoi(pr.Value); err == nil && n > 0 {
						return n
					}
				}
			}
		}
		if n := p.props.Int("pegasus."+k, 0); n > 0 {
			return n
		}
	}
	return 4
}

func (p *planner) bypassIn() bool {
	return p.cfg.DataConfig != SharedFS && p.props.Bool("pegasus.transfer.bypass.input.staging", false)
}

func (p *planner) bypassOut() bool {
	return p.cfg.DataConfig != SharedFS && p.props.Bool("pegasus.transfer.bypass.output.staging", false)
}

// transfers adds stage-in, inter-site, stage-out and registration jobs.
func (p *planner) transfers() error {
	order, _ := p.wf.TopoOrder()
	var needs []need
	inter := map[*ewf.Job][]*ewf.Job{} // consumer -> producers needing inter-site copies
	interFiles := map[*ewf.Job][]ewf.Transfer{}
	var interOrder []*ewf.Job
	for _, j := range order {
		if j.Type == ewf.DAGJob {
			continue
		}
		for k := range j.Inputs {
			f := &j.Inputs[k]
			if prod := p.producer[f.LFN]; prod != nil && prod != j && !prod.Deleted && f.ExeSrc == nil {
				if prod.Staging != j.Staging {
					src, err := p.workURL(prod.Staging, f.LFN, "get")
					if err != nil {
						return err
					}
					dst, err := p.workURL(j.Staging, f.LFN, "put")
					if err != nil {
						return err
					}
					if _, ok := interFiles[j]; !ok {
						interOrder = append(interOrder, j)
					}
					inter[j] = append(inter[j], prod)
					interFiles[j] = append(interFiles[j], ewf.Transfer{LFN: f.LFN, Linkage: "input", Src: []ewf.URL{{Site: prod.Staging, URL: src}}, Dst: ewf.URL{Site: j.Staging, URL: dst}})
				}
				continue
			}
			dstURL, err := p.workURL(j.Staging, f.LFN, "put")
			if err != nil {
				return err
			}
			var reps []*rc.Replica
			if f.ExeSrc != nil {
				reps = []*rc.Replica{{LFN: f.LFN, PFN: f.ExeSrc.URL, Attrs: []rc.Attr{{Key: "site", Value: f.ExeSrc.Site}}}}
			} else {
				reps = p.cfg.Replicas.Lookup(f.LFN)
			}
			if len(reps) == 0 {
				if f.Optional {
					continue
				}
				return p.errAt(j.Task.Line, ErrNoReplica, "job %s needs %s, which no job produces and no replica source (%s) lists", j.Task.ID, f.LFN, p.sourceNames())
			}
			for _, r := range reps {
				if isFileURL(r.PFN) && p.cfg.Sites.Site(r.Site()) == nil {
					return &Error{File: r.File, Line: r.Line, Err: ErrReplicaSite, Msg: fmt.Sprintf("replica %s -> %s is on site %s, which is not in the site catalog", r.LFN, r.PFN, r.Site())}
				}
			}
			// Already in place?
			inPlace := false
			for _, r := range reps {
				if fileURL(r.PFN) == dstURL {
					inPlace = true
				}
			}
			if inPlace {
				continue
			}
			if p.bypassIn() && f.ExeSrc == nil {
				if u := p.bypassSource(reps, j); u != "" {
					f.Bypass = u
					continue
				}
			}
			loc, runSite := "local", "local"
			var src []ewf.URL
			if !isFileURL(dstURL) || j.Staging == "local" || p.localReadable(j.Staging) {
				if src, err = p.selectReplicas(reps, "local", j.Site); err != nil {
					return err
				}
			}
			if len(src) == 0 {
				// No replica is readable from the submit host: copy on the staging site.
				if src, err = p.selectReplicas(reps, j.Staging, j.Site); err != nil {
					return err
				}
				loc, runSite = "remote", j.Staging
			}
			if len(src) == 0 {
				sites := make([]string, 0, len(reps))
				for _, r := range reps {
					sites = append(sites, r.Site()+":"+r.PFN)
				}
				return p.errAt(j.Task.Line, ErrReplicaSite, "job %s needs %s but no replica is reachable (%s)", j.Task.ID, f.LFN, strings.Join(sites, ", "))
			}
			needs = append(needs, need{job: j, lfn: f.LFN, src: src, dst: ewf.URL{Site: j.Staging, URL: dstURL}, loc: loc, runSite: runSite})
		}
	}
	if err := p.stageIn(needs); err != nil {
		return err
	}
	if err := p.stageBraindump(); err != nil {
		return err
	}
	// Inter-site transfers: one job per consumer.
	for _, j := range interOrder {
		t := &ewf.Job{Type: ewf.InterSite, Name: p.uniq("stage_inter_local_" + j.Name + "_0"), XForm: "pegasus::transfer",
			Site: "local", Staging: j.Staging, Level: j.Level, Transfers: interFiles[j]}
		p.auxProfiles(t)
		p.wf.Add(t)
		for _, prod := range inter[j] {
			p.wf.AddEdge(prod, t)
		}
		p.wf.AddEdge(t, j)
	}
	return p.stageOut(order)
}

// braindumpLFN is the name of the braindump file staged to the work
// directories.
const braindumpLFN = "braindump.yml"

// stageBraindump copies braindump.yml into the work directory of each
// staging site (the 3.1 plan's "transfer braindump to remote directories"):
// as an extra transfer of the first local stage-in job of the site, or by a
// stage-in job of its own when the site has none. In condorio, HTCondor
// also ships it with every compute job (see wrapCompute).
// pegasus.transfer.braindump=false turns this off.
func (p *planner) stageBraindump() error {
	if !p.props.Bool("pegasus.transfer.braindump", true) {
		return nil
	}
	order, _ := p.wf.TopoOrder()
	first := map[string]*ewf.Job{}
	var sites []string
	seen := map[string]bool{}
	for _, j := range order {
		switch {
		case j.Type == ewf.StageIn && j.Site == "local":
			if first[j.Staging] == nil {
				first[j.Staging] = j
			}
		case (j.Type == ewf.Compute || j.Type == ewf.DAXJob) && !j.Deleted && j.Staging != "" && !seen[j.Staging]:
			seen[j.Staging] = true
			sites = append(sites, j.Staging)
		}
	}
	for _, s := range sites {
		dst, err := p.workURL(s, braindumpLFN, "put")
		if err != nil {
			return err
		}
		t := ewf.Transfer{LFN: braindumpLFN, Linkage: "input",
			Src: []ewf.URL{{Site: "local", URL: "file://" + path.Join(p.cfg.SubmitDir, braindumpLFN)}}, Dst: ewf.URL{Site: s, URL: dst}}
		j := first[s]
		if j == nil {
			if p.cfg.DataConfig == CondorIO || isFileURL(dst) && s != "local" && !p.localReadable(s) {
				continue // shipped with the jobs, or not writable from the submit host
			}
			j = &ewf.Job{Type: ewf.StageIn, Name: p.uniq(fmt.Sprintf("stage_in_local_%s_0_0", s)), XForm: "pegasus::transfer", Site: "local", Staging: s}
			p.auxProfiles(j)
			p.wf.Add(j)
		}
		j.Transfers = append(j.Transfers, t)
	}
	return nil
}

func (p *planner) sourceNames() string {
	if len(p.cfg.Replicas.Names) == 0 {
		return "none configured"
	}
	return strings.Join(p.cfg.Replicas.Names, ", ")
}

// bypassSource returns a URL the worker of job j can read directly, or "".
func (p *planner) bypassSource(reps []*rc.Replica, j *ewf.Job) string {
	for _, r := range reps {
		u := fileURL(r.PFN)
		switch p.cfg.DataConfig {
		case CondorIO:
			// HTCondor reads submit-host paths and http(s) URLs itself.
			if isFileURL(u) && r.Site() == "local" {
				return u
			}
			if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
				return u
			}
		case NonSharedFS:
			if !isFileURL(u) || r.Site() == j.Site {
				return u
			}
		}
	}
	return ""
}

// uniq returns name, or name with a numeric suffix when it is taken.
func (p *planner) uniq(name string) string {
	if !p.wf.HasName(name) {
		return name
	}
	if p.suffix == nil {
		p.suffix = map[string]int{}
	}
	for i := p.suffix[name] + 1; ; i++ {
		n := name + "_" + strconv.Itoa(i)
		if !p.wf.HasName(n) {
			p.suffix[name] = i
			return n
		}
	}
}

// auxProfiles gives an auxiliary job the profiles of properties and its site.
func (p *planner) auxProfiles(j *ewf.Job) {
	j.Profiles = p.propProfiles.Clone()
	p.applySite(j)
}

type groupKey struct {
	site, loc, run string
	level          int
}

// stageIn bundles the needs into stage-in jobs (Bundle refiner, 5.x names).
func (p *planner) stageIn(needs []need) error {
	var keys []groupKey
	jobsOf := map[groupKey][]*ewf.Job{}
	needsOf := map[*ewf.Job][]need{}
	for _, n := range needs {
		k := groupKey{n.dst.Site, n.loc, n.runSite, n.job.Level}
		if _, ok := needsOf[n.job]; !ok || !containsJob(jobsOf[k], n.job) {
			if _, ok := jobsOf[k]; !ok {
				keys = append(keys, k)
			}
			if !containsJob(jobsOf[k], n.job) {
				jobsOf[k] = append(jobsOf[k], n.job)
			}
		}
		needsOf[n.job] = append(needsOf[n.job], n)
	}
	counters := map[string]int{}
	for _, k := range keys {
		jobs := jobsOf[k]
		nb := p.bundleFactor("stagein", k.loc, k.site)
		if nb > len(jobs) {
			nb = len(jobs)
		}
		bundles := make([]*ewf.Job, nb)
		for i, j := range jobs {
			b := i % nb
			for _, n := range needsOf[j] {
				if n.loc != k.loc || n.runSite != k.run {
					continue
				}
				sk := n.dst.Site + "\x00" + n.lfn
				if prev := p.staged[sk]; prev != nil {
					p.wf.AddEdge(prev, j)
					continue
				}
				if bundles[b] == nil {
					prefix := fmt.Sprintf("stage_in_%s_%s_%d_", k.loc, k.site, k.level)
					name := p.uniq(prefix + strconv.Itoa(counters[prefix]))
					counters[prefix]++
					bj := &ewf.Job{Type: ewf.StageIn, Name: name, XForm: "pegasus::transfer", Site: k.run, Staging: k.site, Level: k.level}
					p.auxProfiles(bj)
					bundles[b] = p.wf.Add(bj)
				}
				bj := bundles[b]
				bj.Transfers = append(bj.Transfers, ewf.Transfer{LFN: n.lfn, Linkage: "input", Src: n.src, Dst: n.dst})
				p.staged[sk] = bj
				p.wf.AddEdge(bj, j)
			}
		}
	}
	return nil
}

func containsJob(js []*ewf.Job, j *ewf.Job) bool {
	// Jobs are appended in order, so the last element is the only candidate.
	return len(js) > 0 && js[len(js)-1] == j
}

type outNeed struct {
	job    *ewf.Job
	f      ewf.FileUse
	src    ewf.URL
	dst    ewf.URL
	bypass bool
	reg    bool
}

// stageOut adds stage-out and registration jobs and fills the transient RC.
func (p *planner) stageOut(order []*ewf.Job) error {
	out := p.cfg.OutputSite
	register := p.cfg.RegisterRC && p.props.Bool("pegasus.register", true)
	var keys []groupKey
	jobsOf := map[groupKey][]*ewf.Job{}
	needsOf := map[*ewf.Job][]outNeed{}
	for _, j := range order {
		if j.Type != ewf.Compute && j.Type != ewf.DAXJob {
			continue
		}
		for k := range j.Outputs {
			f := &j.Outputs[k]
			srcURL, err := p.workURL(j.Staging, f.LFN, "get")
			if err != nil {
				return err
			}
			if out == "" || !f.Transfer.Wanted() {
				p.res.Transient = append(p.res.Transient, &rc.Replica{LFN: f.LFN, PFN: srcURL, Attrs: []rc.Attr{{Key: "site", Value: j.Staging}}})
				continue
			}
			dstURL, _ := p.storageURL(f.LFN)
			n := outNeed{job: j, f: *f, src: ewf.URL{Site: j.Staging, URL: srcURL}, dst: ewf.URL{Site: out, URL: dstURL}, reg: register && f.Register}
			if p.bypassOut() && j.Type == ewf.Compute {
				if p.cfg.DataConfig == NonSharedFS && !(isFileURL(dstURL) && out != j.Site) ||
					p.cfg.DataConfig == CondorIO && isFileURL(dstURL) && out == "local" {
					f.Bypass = dstURL
					n.bypass = true
				}
			}
			if n.bypass {
				p.res.Transient = append(p.res.Transient, &rc.Replica{LFN: f.LFN, PFN: dstURL, Attrs: []rc.Attr{{Key: "site", Value: out}}})
			} else {
				p.res.Transient = append(p.res.Transient, &rc.Replica{LFN: f.LFN, PFN: srcURL, Attrs: []rc.Attr{{Key: "site", Value: j.Staging}}})
			}
			loc, run := "local", "local"
			if isFileURL(srcURL) && j.Staging != "local" && !p.localReadable(j.Staging) {
				loc, run = "remote", j.Staging
			}
			gk := groupKey{j.Staging, loc, run, j.Level}
			if _, ok := jobsOf[gk]; !ok {
				keys = append(keys, gk)
			}
			if !containsJob(jobsOf[gk], j) {
				jobsOf[gk] = append(jobsOf[gk], j)
			}
			needsOf[j] = append(needsOf[j], n)
		}
	}
	counters := map[string]int{}
	for _, k := range keys {
		jobs := jobsOf[k]
		nb := p.bundleFactor("stageout", k.loc, k.site)
		if nb > len(jobs) {
			nb = len(jobs)
		}
		bundles := make([]*ewf.Job, nb)
		regs := make([]*ewf.Job, nb)
		names := make([]string, nb)
		for i, j := range jobs {
			b := i % nb
			for _, n := range needsOf[j] {
				if names[b] == "" {
					prefix := fmt.Sprintf("%s_%s_%d_", k.loc, k.site, k.level)
					names[b] = prefix + strconv.Itoa(counters[prefix])
					counters[prefix]++
				}
				var parent *ewf.Job = j
				if !n.bypass {
					if bundles[b] == nil {
						sj := &ewf.Job{Type: ewf.StageOut, Name: p.uniq("stage_out_" + names[b]), XForm: "pegasus::transfer", Site: k.run, Staging: k.site, Level: k.level}
						p.auxProfiles(sj)
						bundles[b] = p.wf.Add(sj)
					}
					sj := bundles[b]
					sj.Transfers = append(sj.Transfers, ewf.Transfer{LFN: n.f.LFN, Linkage: "output", Src: []ewf.URL{n.src}, Dst: n.dst})
					p.wf.AddEdge(j, sj)
					parent = sj
				}
				if n.reg {
					if regs[b] == nil {
						rname := strings.TrimPrefix(strings.TrimPrefix(names[b], "local_"), "remote_")
						rj := &ewf.Job{Type: ewf.Registration, Name: p.uniq("register_" + rname), XForm: "pegasus::rc-client", Site: "local", Staging: k.site, Level: k.level}
						p.auxProfiles(rj)
						regs[b] = p.wf.Add(rj)
					}
					rj := regs[b]
					rj.RegLines = append(rj.RegLines, string(rc.AppendLine(nil, &rc.Replica{LFN: n.f.LFN, PFN: n.dst.URL, Attrs: []rc.Attr{{Key: "site", Value: n.dst.Site}}})))
					p.wf.AddEdge(parent, rj)
				}
			}
		}
	}
	return nil
}

// localReadable reports whether the scratch of site s is reachable from the
// submit host: its file server is not a bare file:// URL, or s shares the
// submit host's file system (profile pegasus.auxillary.local=true).
func (p *planner) localReadable(s string) bool {
	st := p.cfg.Sites.Site(s)
	if st == nil {
		return false
	}
	for _, pr := range st.Profiles {
		if pr.Namespace == "pegasus" && pr.Key == "auxillary.local" && strings.EqualFold(pr.Value, "true") {
			return true
		}
	}
	if sc := st.Scratch(); sc != nil {
		for _, fs := range sc.FileServers {
			if !isFileURL(fs.URL) {
				return true
			}
		}
	}
	return false
}

var _ = dax.TransferTrue
