package ewf

import (
	"fmt"
	"testing"
)

// TestAddEdgeDedup checks duplicate detection below and above the out-degree
// where edges move into the set, and Compact's renumbering.
func TestAddEdgeDedup(t *testing.T) {
	w := New("w", 0)
	hub := w.Add(&Job{Name: "hub"})
	var kids []*Job
	for i := 0; i < 3*scanLimit; i++ {
		kids = append(kids, w.Add(&Job{Name: fmt.Sprint("k", i)}))
	}
	for round := 0; round < 2; round++ {
		for i, k := range kids {
			added := w.AddEdge(hub, k)
			if added != (round == 0) {
				t.Fatalf("round %d child %d: added = %v", round, i, added)
			}
			if !w.HasEdge(hub, k) || w.HasEdge(k, hub) {
				t.Fatalf("HasEdge wrong for child %d", i)
			}
		}
	}
	if w.AddEdge(hub, hub) {
		t.Fatal("self edge added")
	}
	if n := w.NumEdges(); n != len(kids) {
		t.Fatalf("%d edges, want %d", n, len(kids))
	}
	// Delete a few children; Compact renumbers and keeps the rest.
	kids[0].Deleted, kids[40].Deleted = true, true
	w.Compact()
	if len(w.Jobs) != len(kids)+1-2 || w.NumEdges() != len(kids)-2 {
		t.Fatalf("after compact: %d jobs, %d edges", len(w.Jobs), w.NumEdges())
	}
	for i, j := range w.Jobs {
		if j.Index != i {
			t.Fatalf("job %s index %d at %d", j.Name, j.Index, i)
		}
	}
	for _, k := range w.Jobs[1:] {
		if !w.HasEdge(hub, k) || w.AddEdge(hub, k) {
			t.Fatalf("edge to %s lost or duplicated after compact", k.Name)
		}
	}
	order, cyc := w.TopoOrder()
	if cyc != nil || len(order) != len(w.Jobs) || order[0] != hub {
		t.Fatalf("topo order %d jobs, cycle %v", len(order), cyc)
	}
}

func TestProfiles(t *testing.T) {
	var p Profiles
	p.Set("b", "1")
	p.Set("a", "2")
	p.SetDefault("b", "x")
	p.Set("b", "3")
	if v, ok := p.Get("b"); !ok || v != "3" || p.Value("zz") != "" {
		t.Fatalf("get b = %q %v", v, ok)
	}
	c := p.Clone()
	c.Set("a", "changed")
	if p.Value("a") != "2" {
		t.Fatal("clone shares storage")
	}
	p.Delete("b")
	if fmt.Sprint(p.Keys()) != "[a]" || fmt.Sprint(c.SortedKeys()) != "[a b]" || p.Len() != 1 {
		t.Fatalf("keys %v / %v", p.Keys(), c.SortedKeys())
	}
}
