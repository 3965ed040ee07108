package refine

import (
	"fmt"
	"path"
	"strings"

	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

// workerLFN is the logical name of the Pegasus worker package transfer.
const workerLFN = "pegasus::worker"

// workerPackage adds, with pegasus.transfer.worker.package=true in the
// nonsharedfs and condorio configurations, one stage_worker job per staging
// site that fetches the Pegasus worker package (the tools PegasusLite runs on
// a worker node) as Pegasus 5.x does: into the submit directory for condorio
// (HTCondor then ships it with each job), into the staging site's work
// directory otherwise. The source is the pegasus::worker entry of the
// transformation catalog for the execution site (else for local), else the
// Pegasus download URL for the site's architecture and OS. Each compute job
// without a compute parent on the same staging site waits for the job; the
// PegasusLite script unpacks the package and puts its bin on PATH.
func (p *planner) workerPackage() error {
	if !p.pegasusLite() || !p.props.Bool("pegasus.transfer.worker.package", false) {
		return nil
	}
	order, _ := p.wf.TopoOrder()
	jobs := map[string]*ewf.Job{}
	for _, j := range order {
		if j.Type != ewf.Compute {
			continue
		}
		wj := jobs[j.Staging]
		if wj == nil {
			src := p.workerSource(j.Site)
			base := path.Base(src)
			var dst ewf.URL
			if p.cfg.DataConfig == CondorIO {
				dst = ewf.URL{Site: "local", URL: "file://" + path.Join(p.cfg.SubmitDir, base)}
			} else {
				u, err := p.workURL(j.Staging, base, "put")
				if err != nil {
					return err
				}
				dst = ewf.URL{Site: j.Staging, URL: u}
			}
			name := fmt.Sprintf("stage_worker_local_%s%s_%d_%s", p.cfg.JobPrefix, p.cfg.DAX.Name, p.cfg.DAX.Index, j.Staging)
			wj = &ewf.Job{Type: ewf.StageIn, Name: p.uniq(name), XForm: "pegasus::transfer", Site: "local", Staging: j.Staging,
				Transfers:     []ewf.Transfer{{LFN: workerLFN, Linkage: "input", Src: []ewf.URL{{Site: "pegasus", URL: src}}, Dst: dst}},
				WorkerPackage: base}
			p.auxProfiles(wj)
			p.wf.Add(wj)
			jobs[j.Staging] = wj
		}
		j.WorkerPackage = wj.WorkerPackage
		first := true
		for _, par := range p.wf.ParentsOf(j) {
			if par.Type == ewf.Compute && par.Staging == j.Staging {
				first = false
				break
			}
		}
		if first {
			p.wf.AddEdge(wj, j)
		}
	}
	return nil
}

// workerSource returns the URL of the worker package for execution site s.
func (p *planner) workerSource(s string) string {
	if p.cfg.TC != nil {
		for _, site := range []string{s, "local"} {
			for _, e := range p.cfg.TC.Lookup(workerLFN, site) {
				if e.Type == tc.Stageable || e.Type == tc.Installed {
					u := e.PFN
					if strings.HasPrefix(u, "/") {
						u = "file://" + u
					}
					return u
				}
			}
		}
	}
	arch, sys := "x86_64", "linux"
	if st := p.cfg.Sites.Site(s); st != nil {
		if st.Arch != "" {
			arch = strings.ToLower(st.Arch)
		}
		switch {
		case st.OSRelease != "" && st.OSVersion != "":
			sys = strings.ToLower(st.OSRelease) + "_" + st.OSVersion
		case st.OS != "":
			sys = strings.ToLower(st.OS)
		}
	}
	v := p.cfg.Version
	if v == "" {
		v = "5.0.5"
	}
	return fmt.Sprintf("http://download.pegasus.isi.edu/pegasus/%s/pegasus-worker-%s-%s_%s.tar.gz", v, v, arch, sys)
}
