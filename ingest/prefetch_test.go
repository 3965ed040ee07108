package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPrefetcher checks the read-ahead of submit files: a node asked for
// twice is read once, its future is handed out once (the tracker then keeps
// the parsed file), and nodes outside the DAG work the same way.
func TestPrefetcher(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("w.dag", "JOB a a.sub\nJOB b b.sub\n")
	write("a.sub", "executable = /bin/a\n+pegasus_site = \"siteA\"\nqueue\n")
	write("b.sub", "executable = /bin/b\n+pegasus_site = \"siteB\"\nqueue\n")
	write("x.sub", "executable = /bin/x\n+pegasus_site = \"siteX\"\nqueue\n")
	dag, err := ReadDAGFile(filepath.Join(dir, "w.dag"))
	if err != nil {
		t.Fatal(err)
	}
	w := &workflow{m: &Monitor{}, dir: dir, dag: dag}
	p := newPrefetcher(w, 2)
	defer p.close()

	a, b := dag.Node("a"), dag.Node("b")
	p.want("a", a)
	p.want("x", nil)
	p.mu.Lock()
	fa, fx := p.slots[a.idx], p.m["x"]
	p.mu.Unlock()
	p.want("a", a) // already queued: no second read
	p.want("x", nil)
	p.mu.Lock()
	if p.slots[a.idx] != fa || p.m["x"] != fx || fa == nil || fx == nil {
		t.Errorf("a node asked for twice got a second read")
	}
	p.mu.Unlock()
	for _, c := range []struct {
		node string
		dn   *DAGNode
		site string
	}{{"a", a, "siteA"}, {"x", nil, "siteX"}} {
		f := p.take(c.node, c.dn)
		if f == nil {
			t.Fatalf("%s: no future", c.node)
		}
		<-f.done
		if f.si == nil || f.si.site != c.site || !f.si.exists {
			t.Errorf("%s: submit info %+v, want site %s", c.node, f.si, c.site)
		}
		if again := p.take(c.node, c.dn); again != nil {
			t.Errorf("%s: future handed out twice", c.node)
		}
		p.want(c.node, c.dn) // known: not read again
		if again := p.take(c.node, c.dn); again != nil {
			t.Errorf("%s: read again after it was taken", c.node)
		}
	}
	if f := p.take("b", b); f != nil {
		t.Errorf("b: a future for a node never asked for")
	}
	if n := len(p.work); n != 0 {
		t.Errorf("%d reads still queued", n)
	}
}
