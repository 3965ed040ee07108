package planner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/planner"
	"github.com/pegasus-go/pegasus/planner/dax"
	"github.com/pegasus-go/pegasus/planner/internal/fixture"
)

// CheckPlan verifies a planned submit directory against its DAX: every
// submit file exists, the graph is acyclic, DAX dependencies survive,
// create-dir precedes every compute job, every raw input is staged in and
// every wanted output staged out and registered.
func CheckPlan(t *testing.T, wf *dax.Workflow, fx *fixture.Dir, out *planner.Outcome, nodes []string, edges [][2]string, submit map[string]string) {
	t.Helper()
	byTask := map[string]string{}
	isNode := map[string]bool{}
	for _, n := range nodes {
		isNode[n] = true
		if p := submit[n]; strings.HasSuffix(p, ".sub") {
			if _, err := os.Stat(filepath.Join(out.SubmitDir, p)); err != nil {
				t.Errorf("node %s: %v", n, err)
			}
		}
	}
	for _, j := range wf.Jobs {
		name := j.Name + "_" + j.ID
		if !isNode[name] {
			t.Errorf("task %s has no node %s", j.ID, name)
		}
		byTask[j.ID] = name
	}
	children := map[string][]string{}
	parents := map[string][]string{}
	has := map[[2]string]bool{}
	for _, e := range edges {
		if !isNode[e[0]] || !isNode[e[1]] {
			t.Errorf("edge %v names an unknown node", e)
		}
		children[e[0]] = append(children[e[0]], e[1])
		parents[e[1]] = append(parents[e[1]], e[0])
		has[e] = true
	}
	// Acyclic (Kahn).
	indeg := map[string]int{}
	for _, e := range edges {
		indeg[e[1]]++
	}
	var q []string
	for _, n := range nodes {
		if indeg[n] == 0 {
			q = append(q, n)
		}
	}
	seen := 0
	for len(q) > 0 {
		n := q[0]
		q = q[1:]
		seen++
		for _, c := range children[n] {
			if indeg[c]--; indeg[c] == 0 {
				q = append(q, c)
			}
		}
	}
	if seen != len(nodes) {
		t.Errorf("the DAG has a cycle (%d of %d nodes sorted)", seen, len(nodes))
	}
	for _, e := range wf.Edges {
		if !has[[2]string{byTask[e.Parent], byTask[e.Child]}] {
			t.Errorf("DAX edge %s -> %s lost", e.Parent, e.Child)
		}
	}
	ancestors := func(n string) map[string]bool {
		m := map[string]bool{}
		st := []string{n}
		for len(st) > 0 {
			x := st[len(st)-1]
			st = st[:len(st)-1]
			for _, p := range parents[x] {
				if !m[p] {
					m[p] = true
					st = append(st, p)
				}
			}
		}
		return m
	}
	in := func(n, ext string) string {
		p := submit[n]
		b, err := os.ReadFile(filepath.Join(out.SubmitDir, strings.TrimSuffix(p, ".sub")+ext))
		if err != nil {
			t.Errorf("%s%s: %v", n, ext, err)
		}
		return string(b)
	}
	for _, j := range wf.Jobs {
		anc := ancestors(byTask[j.ID])
		found := false
		for a := range anc {
			if strings.HasPrefix(a, "create_dir_") {
				found = true
			}
		}
		if !found {
			t.Errorf("no create-dir job precedes %s", byTask[j.ID])
		}
		for _, u := range j.Uses {
			if u.Link.IsInput() && contains(fx.Inputs, u.Name) {
				ok := false
				for a := range anc {
					if strings.HasPrefix(a, "stage_in_") && strings.Contains(in(a, ".in"), `"lfn": "`+u.Name+`"`) {
						ok = true
					}
				}
				if !ok {
					t.Errorf("input %s of %s is not staged in by an ancestor", u.Name, j.ID)
				}
			}
			if u.Link.IsOutput() && u.Transfer.Wanted() {
				ok, reg := false, false
				for _, c := range children[byTask[j.ID]] {
					if strings.HasPrefix(c, "stage_out_") && strings.Contains(in(c, ".in"), `"lfn": "`+u.Name+`"`) {
						ok = true
						for _, r := range children[c] {
							if strings.HasPrefix(r, "register_") && strings.HasPrefix(in(r, ".in"), "") && strings.Contains(in(r, ".in"), u.Name+" file://"+fx.Storage+"/"+u.Name) {
								reg = true
							}
						}
					}
				}
				if !ok {
					t.Errorf("output %s of %s is not staged out", u.Name, j.ID)
				}
				if u.Register && !reg {
					t.Errorf("output %s of %s is not registered", u.Name, j.ID)
				}
			}
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
