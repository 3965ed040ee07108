package refine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

// cluster applies the --cluster styles in order (PLANNER.md §2.3).
func (p *planner) cluster() error {
	for _, style := range p.cfg.Cluster {
		// Members of a cluster are ordered by one topological order of the
		// workflow before the style runs (merging keeps it valid).
		order, _ := p.wf.TopoOrder()
		p.clusterPos = make([]int32, len(p.wf.Jobs))
		for i, j := range order {
			p.clusterPos[j.Index] = int32(i)
		}
		switch style {
		case "horizontal":
			if err := p.horizontal(); err != nil {
				return err
			}
		case "label":
			if err := p.labelCluster(); err != nil {
				return err
			}
		default:
			return &Error{Err: ErrCluster, Msg: fmt.Sprintf("clustering style %q (supported: horizontal, label)", style)}
		}
	}
	return nil
}

func clusterName(xform string) string {
	ns, name, ver := dax.SplitFQN(xform)
	parts := []string{}
	for _, s := range []string{ns, name, ver} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return sanitize(strings.Join(parts, "-"))
}

func (p *planner) horizontal() error {
	type key struct {
		level       int
		site, xform string
	}
	var keys []key
	groups := map[key][]*ewf.Job{}
	for _, j := range p.wf.Jobs {
		if j.Deleted || j.Type != ewf.Compute || j.Clustered() {
			continue
		}
		k := key{j.Level, j.Site, j.XForm}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], j)
	}
	for _, k := range keys {
		jobs := groups[k]
		n := len(jobs)
		if n < 2 {
			continue
		}
		first := jobs[0]
		var sizes []int
		if v, ok := first.Profiles.Pegasus.Get("clusters.num"); ok {
			num, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || num < 1 {
				return &Error{Err: ErrCluster, Msg: fmt.Sprintf("pegasus profile clusters.num %q", v)}
			}
			if num > n {
				num = n
			}
			for i := 0; i < num; i++ {
				s := n / num
				if i < n%num {
					s++
				}
				sizes = append(sizes, s)
			}
		} else {
			size := 1
			if v, ok := first.Profiles.Pegasus.Get("clusters.size"); ok {
				s, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || s < 1 {
					return &Error{Err: ErrCluster, Msg: fmt.Sprintf("pegasus profile clusters.size %q", v)}
				}
				size = s
			}
			if size == 1 {
				continue
			}
			for left := n; left > 0; left -= size {
				s := size
				if left < s {
					s = left
				}
				sizes = append(sizes, s)
			}
		}
		at := 0
		for i, s := range sizes {
			members := jobs[at : at+s]
			at += s
			if s < 2 {
				continue
			}
			name := fmt.Sprintf("merge_%s_PID%d_ID%d", clusterName(k.xform), k.level+1, i+1)
			if err := p.merge(members, name); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *planner) labelCluster() error {
	key := p.props.String("pegasus.clusterer.label.key", "label")
	type gk struct{ label, site string }
	var keys []gk
	groups := map[gk][]*ewf.Job{}
	order, _ := p.wf.TopoOrder()
	for _, j := range order {
		if j.Type != ewf.Compute || j.Clustered() {
			continue
		}
		v, ok := j.Profiles.Pegasus.Get(key)
		if !ok || v == "" {
			continue
		}
		k := gk{v, j.Site}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], j)
	}
	for _, k := range keys {
		members := groups[k]
		if len(members) < 2 {
			continue
		}
		if err := p.convex(members, k.label); err != nil {
			return err
		}
		name := fmt.Sprintf("merge_%s_%s", clusterName(members[0].XForm), sanitize(k.label))
		if err := p.merge(members, name); err != nil {
			return err
		}
	}
	return nil
}

// convex rejects a label cluster with a path that leaves and re-enters it.
func (p *planner) convex(members []*ewf.Job, label string) error {
	in := map[*ewf.Job]bool{}
	for _, m := range members {
		in[m] = true
	}
	seen := map[*ewf.Job]bool{}
	var stack []*ewf.Job
	for _, m := range members {
		for _, c := range p.wf.ChildrenOf(m) {
			if !in[c] && !seen[c] {
				seen[c] = true
				stack = append(stack, c)
			}
		}
	}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range p.wf.ChildrenOf(j) {
			if in[c] {
				return &Error{File: p.cfg.DAXFile, Line: c.Task.Line, Err: ErrCluster, Msg: fmt.Sprintf("label %s: the path through %s leaves the cluster and re-enters it at %s", label, j.Name, c.Name)}
			}
			if !seen[c] {
				seen[c] = true
				stack = append(stack, c)
			}
		}
	}
	return nil
}

// merge replaces members (in topological order) by one clustered job.
func (p *planner) merge(members []*ewf.Job, name string) error {
	sort.SliceStable(members, func(a, b int) bool { return p.clusterPos[members[a].Index] < p.clusterPos[members[b].Index] })
	first := members[0]
	c := &ewf.Job{Type: ewf.Compute, Name: p.uniq(name), XForm: "pegasus::seqexec", Site: first.Site, Staging: first.Staging,
		Level: first.Level, Members: members, Task: first.Task}
	c.Profiles = first.Profiles.Clone()
	runtime := 0
	in := map[*ewf.Job]bool{}
	produced := map[string]bool{}
	for _, m := range members {
		in[m] = true
		c.Tasks = append(c.Tasks, m.Task)
		c.TaskInvokes = append(c.TaskInvokes, m.Invokes)
		if v, err := strconv.Atoi(m.Profiles.Pegasus.Value("runtime")); err == nil {
			runtime += v
		}
		for _, f := range m.Outputs {
			produced[f.LFN] = true
		}
	}
	if runtime > 0 {
		c.Profiles.Pegasus.Set("runtime", strconv.Itoa(runtime))
	}
	seenIn, seenOut := map[string]bool{}, map[string]bool{}
	for _, m := range members {
		for _, f := range m.Inputs {
			if !produced[f.LFN] && !seenIn[f.LFN] {
				seenIn[f.LFN] = true
				c.Inputs = append(c.Inputs, f)
			}
		}
		for _, f := range m.Outputs {
			if !seenOut[f.LFN] {
				seenOut[f.LFN] = true
				c.Outputs = append(c.Outputs, f)
			}
		}
	}
	p.wf.Add(c)
	for _, m := range members {
		for _, par := range p.wf.ParentsOf(m) {
			if !in[par] {
				p.wf.AddEdge(par, c)
			}
		}
		for _, ch := range p.wf.ChildrenOf(m) {
			if !in[ch] {
				p.wf.AddEdge(c, ch)
			}
		}
	}
	for _, m := range members {
		m.Deleted = true
	}
	for _, m := range members {
		for _, f := range m.Outputs {
			if p.producer[f.LFN] == m {
				p.producer[f.LFN] = c
			}
		}
	}
	return nil
}
