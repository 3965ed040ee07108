package refine

import (
	"fmt"
	"path"
	"strings"

	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

// sanitize replaces characters DAGMan does not accept in node names.
func sanitize(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if !nameChar(s[i]) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if !nameChar(c) {
			b[i] = '_'
		}
	}
	return string(b)
}

func nameChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func baseNoExt(f string) string {
	b := path.Base(f)
	if i := strings.LastIndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}

// build creates one job per task, the task edges and the abstract levels.
func (p *planner) build() error {
	d := p.cfg.DAX
	pfx := p.cfg.JobPrefix
	// Executables of the DAX, by transformation name.
	p.daxExe = map[string][]*dax.Executable{}
	for i := range d.Executables {
		e := &d.Executables[i]
		p.daxExe[e.FQN()] = append(p.daxExe[e.FQN()], e)
	}
	p.tcBySite = map[string]map[string][]*tc.Entry{}
	if p.cfg.TC != nil {
		for _, e := range p.cfg.TC.Entries {
			m := p.tcBySite[e.FQN()]
			if m == nil {
				m = map[string][]*tc.Entry{}
				p.tcBySite[e.FQN()] = m
			}
			m[e.Site] = append(m[e.Site], e)
		}
	}
	p.tasks = make(map[string]*ewf.Job, len(d.Jobs))
	p.wf.Reserve(len(d.Jobs)+64, len(d.Edges)*3+64)
	for _, t := range d.Jobs {
		j := &ewf.Job{Task: t}
		switch t.Kind {
		case dax.Compute:
			j.Type = ewf.Compute
			j.Name = sanitize(pfx + t.Name + "_" + t.ID)
			j.XForm = t.Transformation()
			fqn := j.XForm
			if _, ok := p.daxExe[fqn]; !ok {
				if _, ok := p.tcBySite[fqn]; !ok {
					return p.errAt(t.Line, ErrNoTransformation, "job %s uses transformation %s", t.ID, fqn)
				}
			}
		case dax.DAXTask:
			j.Type = ewf.DAXJob
			j.Name = sanitize(pfx + "pegasus-plan_" + t.ID)
			j.XForm = "pegasus::pegasus-plan"
		case dax.DAGTask:
			j.Type = ewf.DAGJob
			j.Name = sanitize(pfx + "subdag_" + baseNoExt(t.File) + "_" + t.ID)
			j.XForm = "condor::dagman"
		}
		if p.wf.HasName(j.Name) {
			return p.errAt(t.Line, dax.ErrDuplicateID, "job name %s", j.Name)
		}
		j.Arguments = t.Argument
		j.Stdin, j.Stdout, j.Stderr = t.Stdin, t.Stdout, t.Stderr
		// Deduplicate the uses: linear for the usual handful, a map for
		// jobs with many files.
		var seen map[string]bool
		if len(t.Uses) > 16 {
			seen = make(map[string]bool, len(t.Uses)+2)
		}
		has := func(list []ewf.FileUse, dir byte, lfn string) bool {
			if seen != nil {
				return seen[string(dir)+lfn]
			}
			for i := range list {
				if list[i].LFN == lfn {
					return true
				}
			}
			return false
		}
		mark := func(dir byte, lfn string) {
			if seen != nil {
				seen[string(dir)+lfn] = true
			}
		}
		for _, u := range t.Uses {
			fu := ewf.FileUse{LFN: u.Name, Transfer: u.Transfer, Register: u.Register, Optional: u.Optional, Executable: u.Executable}
			if u.Executable && u.Namespace != "" || u.Version != "" && u.Executable {
				fu.LFN = dax.FQN(u.Namespace, u.Name, u.Version)
			}
			if u.Link.IsInput() && !has(j.Inputs, 'i', fu.LFN) {
				mark('i', fu.LFN)
				j.Inputs = append(j.Inputs, fu)
			}
			if u.Link.IsOutput() && !has(j.Outputs, 'o', fu.LFN) {
				mark('o', fu.LFN)
				j.Outputs = append(j.Outputs, fu)
			}
		}
		// Streams bound to files are inputs/outputs too.
		if t.Stdin != "" && !has(j.Inputs, 'i', t.Stdin) {
			j.Inputs = append(j.Inputs, ewf.FileUse{LFN: t.Stdin, Transfer: dax.TransferTrue, Register: false})
		}
		for _, s := range []string{t.Stdout, t.Stderr} {
			if s != "" && !has(j.Outputs, 'o', s) {
				mark('o', s)
				j.Outputs = append(j.Outputs, ewf.FileUse{LFN: s, Transfer: dax.TransferFalse, Register: false})
			}
		}
		j.Invokes = t.Invokes
		if t.Kind == dax.Compute {
			// Notifications of the executable and transformation entries apply too.
			for _, e := range p.daxExe[j.XForm] {
				j.Invokes = append(j.Invokes, e.Invokes...)
			}
			for i := range d.Transformations {
				tr := &d.Transformations[i]
				if tr.FQN() == j.XForm {
					j.Invokes = append(j.Invokes, tr.Invokes...)
				}
			}
		}
		p.wf.Add(j)
		p.tasks[t.ID] = j
	}
	for _, e := range d.Edges {
		p.wf.AddEdge(p.tasks[e.Parent], p.tasks[e.Child])
	}
	order, cyc := p.wf.TopoOrder()
	if cyc != nil {
		return p.errAt(cyc.Task.Line, ErrCycle, "job %s", cyc.Task.ID)
	}
	p.wf.ComputeDepths(order)
	for _, j := range p.wf.Jobs {
		j.Level = j.Depth
	}
	// File counts of the abstract workflow, and the first producer of each
	// file: one map of flags (1 read, 2 written).
	uses := make(map[string]uint8, len(d.Jobs)*2)
	p.producer = make(map[string]*ewf.Job, len(d.Jobs)*2)
	for _, j := range p.wf.Jobs {
		for _, f := range j.Inputs {
			uses[f.LFN] |= 1
		}
		for _, f := range j.Outputs {
			v := uses[f.LFN]
			if v&2 == 0 {
				p.producer[f.LFN] = j
			}
			uses[f.LFN] = v | 2
		}
	}
	fc := &p.res.Files
	for _, v := range uses {
		switch v {
		case 1:
			fc.Input++
		case 2:
			fc.Output++
		case 3:
			fc.Inter++
		}
	}
	fc.Total = fc.Input + fc.Inter + fc.Output
	return nil
}

// reuse removes tasks whose outputs all exist already (PLANNER.md §2.1).
func (p *planner) reuse() error {
	if p.cfg.Force {
		return nil
	}
	exists := func(lfn string) bool { return len(p.cfg.Replicas.Lookup(lfn)) > 0 }
	order, _ := p.wf.TopoOrder()
	deleted := 0
	// Jobs whose outputs all exist.
	for _, j := range order {
		if j.Type != ewf.Compute || len(j.Outputs) == 0 {
			continue
		}
		all := true
		for _, f := range j.Outputs {
			if !exists(f.LFN) {
				all = false
				break
			}
		}
		if all {
			j.Deleted = true
			deleted++
		}
	}
	if deleted == 0 {
		return nil
	}
	// Cascade bottom-up: a job whose children are all deleted and whose
	// wanted outputs exist (or that has none) is not needed either.
	for i := len(order) - 1; i >= 0; i-- {
		j := order[i]
		if j.Deleted || j.Type != ewf.Compute || len(j.Children) == 0 {
			continue
		}
		all := true
		for _, c := range j.Children {
			if !p.wf.Jobs[c].Deleted {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		needed := false
		for _, f := range j.Outputs {
			if f.Transfer.Wanted() && !exists(f.LFN) {
				needed = true
				break
			}
		}
		if !needed {
			j.Deleted = true
			deleted++
		}
	}
	p.res.Deleted = deleted
	// Producers of deleted jobs no longer make their files: they come from replicas.
	for l, j := range p.producer {
		if j.Deleted {
			delete(p.producer, l)
		}
	}
	if len(p.wf.Live()) == 0 {
		p.res.Empty = true
		return nil
	}
	return nil
}

// exeChoice is the executable chosen for a job on a site.
type exeChoice struct {
	pfn       string
	pfnSite   string
	stageable bool
	profiles  []tc.Profile
}

// entriesOn returns the executable entries for fqn on site, DAX first.
func (p *planner) entriesOn(fqn, s string) []exeChoice {
	var out []exeChoice
	for _, e := range p.daxExe[fqn] {
		for _, pf := range e.PFNs {
			if pf.Site != s && !(!e.Installed) {
				continue
			}
			c := exeChoice{pfn: pf.URL, pfnSite: pf.Site, stageable: !e.Installed}
			for _, pr := range e.Profiles {
				c.profiles = append(c.profiles, tc.Profile{Namespace: pr.Namespace, Key: pr.Key, Value: pr.Value})
			}
			for _, pr := range pf.Profiles {
				c.profiles = append(c.profiles, tc.Profile{Namespace: pr.Namespace, Key: pr.Key, Value: pr.Value})
			}
			if c.stageable || pf.Site == s {
				out = append(out, c)
			}
		}
	}
	for site, es := range p.tcBySite[fqn] {
		for _, e := range es {
			if e.Type == tc.Stageable || site == s {
				out = append(out, exeChoice{pfn: e.PFN, pfnSite: e.Site, stageable: e.Type == tc.Stageable, profiles: e.Profiles})
			}
		}
	}
	// Installed entries first, each group in catalog order (map iteration
	// above is made stable by sorting on pfn site).
	sortChoices(out, s)
	return out
}

func sortChoices(cs []exeChoice, s string) {
	rank := func(c exeChoice) int {
		switch {
		case !c.stageable && c.pfnSite == s:
			return 0
		case c.stageable && c.pfnSite == s:
			return 1
		}
		return 2
	}
	// insertion sort keeps the stable order within a rank
	for i := 1; i < len(cs); i++ {
		for k := i; k > 0; k-- {
			a, b := cs[k-1], cs[k]
			if rank(a) < rank(b) || rank(a) == rank(b) && a.pfnSite <= b.pfnSite {
				break
			}
			cs[k-1], cs[k] = b, a
		}
	}
}

// canRun reports whether fqn can run on site s (installed there, or stageable).
func (p *planner) canRun(fqn, s string) bool {
	for _, e := range p.daxExe[fqn] {
		if !e.Installed && len(e.PFNs) > 0 {
			return true
		}
		for _, pf := range e.PFNs {
			if pf.Site == s {
				return true
			}
		}
	}
	for site, es := range p.tcBySite[fqn] {
		if site == s {
			return true
		}
		for _, e := range es {
			if e.Type == tc.Stageable {
				return true
			}
		}
	}
	return false
}

// selectSites binds every job to a site and resolves its executable and profiles.
func (p *planner) selectSites() error {
	selector := p.props.String("pegasus.selector.site", "Random")
	switch selector {
	case "Random", "RoundRobin":
	default:
		return &Error{Err: ErrConfig, Msg: fmt.Sprintf("pegasus.selector.site %q (supported: Random, RoundRobin)", selector)}
	}
	for _, j := range p.wf.Jobs {
		if j.Deleted {
			continue
		}
		t := j.Task
		j.Profiles = p.propProfiles.Clone()
		for _, pr := range t.Profiles {
			j.Profiles.Add(pr.Namespace, pr.Key, pr.Value)
		}
		if j.Type != ewf.Compute {
			j.Site = "local"
			j.Staging = p.stagingSite("local")
			p.applySite(j)
			continue
		}
		fqn := j.XForm
		pin := ""
		if v, ok := j.Profiles.Hints.Get("executionPool"); ok {
			pin = v
		}
		if v, ok := j.Profiles.Hints.Get("execution.site"); ok {
			pin = v
		}
		if v, ok := j.Profiles.Pegasus.Get("execution.site"); ok {
			pin = v
		}
		var chosen string
		if pin != "" {
			if p.cfg.Sites.Site(pin) == nil {
				return p.errAt(t.Line, ErrNoSite, "job %s is pinned to site %s", t.ID, pin)
			}
			if !p.canRun(fqn, pin) {
				return p.errAt(t.Line, ErrNoCandidate, "job %s is pinned to site %s where %s is not installed", t.ID, pin, fqn)
			}
			chosen = pin
		} else {
			var cands []string
			for _, s := range p.candidates {
				if p.canRun(fqn, s) {
					cands = append(cands, s)
				}
			}
			if len(cands) == 0 {
				return p.errAt(t.Line, ErrNoCandidate, "job %s: %s is not available on any of the sites %s", t.ID, fqn, strings.Join(p.candidates, ","))
			}
			if selector == "RoundRobin" {
				chosen = cands[p.rr%len(cands)]
				p.rr++
			} else if len(cands) == 1 {
				chosen = cands[0]
			} else {
				chosen = cands[p.rng.IntN(len(cands))]
			}
		}
		j.Site = chosen
		j.Staging = p.stagingSite(chosen)
		choices := p.entriesOn(fqn, chosen)
		if len(choices) == 0 {
			return p.errAt(t.Line, ErrNoTransformation, "job %s: %s on site %s", t.ID, fqn, chosen)
		}
		c := choices[0]
		p.applySite(j)
		for _, pr := range c.profiles {
			j.Profiles.Add(pr.Namespace, pr.Key, pr.Value)
		}
		if c.stageable {
			j.Stageable = true
			lfn := exeLFN(fqn)
			j.Executable = lfn
			j.Inputs = append(j.Inputs, ewf.FileUse{LFN: lfn, Transfer: dax.TransferTrue, Executable: true, ExeSrc: &ewf.URL{Site: c.pfnSite, URL: asURL(c.pfn)}})
		} else {
			j.Executable = strings.TrimPrefix(c.pfn, "file://")
		}
		if err := p.compound(j); err != nil {
			return err
		}
	}
	return nil
}

// exeLFN is the file name a staged executable gets in the work directory.
func exeLFN(fqn string) string { return sanitize(strings.ReplaceAll(fqn, "::", "_")) }

func asURL(pfn string) string {
	if !strings.Contains(pfn, "://") {
		return "file://" + pfn
	}
	return pfn
}

// compound adds to job j the files of its compound transformation (a DAX
// <transformation> of the same name): data files are staged in like
// inputs, executables are staged when they are not installed on the job's
// site (PLANNER.md §1.3).
func (p *planner) compound(j *ewf.Job) error {
	if p.compounds == nil {
		p.compounds = map[string][]*dax.Transformation{}
		for i := range p.cfg.DAX.Transformations {
			tr := &p.cfg.DAX.Transformations[i]
			p.compounds[tr.FQN()] = append(p.compounds[tr.FQN()], tr)
		}
	}
	for _, tr := range p.compounds[j.XForm] {
		for _, u := range tr.Uses {
			if !u.Executable {
				if !hasInput(j, u.Name) {
					j.Inputs = append(j.Inputs, ewf.FileUse{LFN: u.Name, Transfer: dax.TransferTrue})
				}
				continue
			}
			fqn := dax.FQN(u.Namespace, u.Name, u.Version)
			choices := p.entriesOn(fqn, j.Site)
			if len(choices) == 0 {
				return p.errAt(tr.Line, ErrNoTransformation, "transformation %s uses executable %s, which is not available on site %s", tr.FQN(), fqn, j.Site)
			}
			c := choices[0]
			if !c.stageable {
				continue // installed where the job runs
			}
			if lfn := exeLFN(fqn); !hasInput(j, lfn) {
				j.Inputs = append(j.Inputs, ewf.FileUse{LFN: lfn, Transfer: dax.TransferTrue, Executable: true, ExeSrc: &ewf.URL{Site: c.pfnSite, URL: asURL(c.pfn)}})
			}
		}
	}
	return nil
}

func hasInput(j *ewf.Job, lfn string) bool {
	for i := range j.Inputs {
		if j.Inputs[i].LFN == lfn {
			return true
		}
	}
	return false
}

// applySite adds the profiles of the job's site (they win over DAX and properties).
func (p *planner) applySite(j *ewf.Job) {
	st := p.cfg.Sites.Site(j.Site)
	if st == nil {
		return
	}
	for _, pr := range st.Profiles {
		j.Profiles.Add(pr.Namespace, pr.Key, pr.Value)
	}
}
