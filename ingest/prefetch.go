package ingest

import "sync"

// subFuture is a submit file being read ahead of the tracker.
type subFuture struct {
	node string
	dn   *DAGNode // the node's DAG entry, if known
	si   *submitInfo
	done chan struct{}
}

// prefetcher reads submit files ahead of the tracker: the log reader asks for
// a node's submit file as soon as it sees the node being submitted, a few
// thousand lines before the tracker needs it.
//
// A node of the DAG has its future in a slot indexed by its place in the DAG
// (a hundred thousand string-keyed map operations less per 100,000-job
// replay); other nodes have theirs in a map.
type prefetcher struct {
	mu    sync.Mutex
	m     map[string]*subFuture // nodes outside the DAG; nil once taken: the node stays known
	nodes []*DAGNode            // the DAG's nodes, if any
	slots []*subFuture          // by DAG index; taken once handed out
	work  chan *subFuture
	wg    sync.WaitGroup
}

// taken marks a DAG node's slot whose future was handed out.
var taken = &subFuture{}

func newPrefetcher(w *workflow, workers int) *prefetcher {
	p := &prefetcher{m: map[string]*subFuture{}, work: make(chan *subFuture, 4096)}
	if w.dag != nil {
		p.nodes = w.dag.Nodes
		p.slots = make([]*subFuture, len(p.nodes))
	}
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for f := range p.work {
				f.si = w.loadSubmit(f.node, f.dn)
				close(f.done)
			}
		}()
	}
	return p
}

// slot returns the index of a node's slot, if it has one.
func (p *prefetcher) slot(dn *DAGNode) (int, bool) {
	if dn == nil || dn.idx >= len(p.nodes) || p.nodes[dn.idx] != dn {
		return 0, false
	}
	return dn.idx, true
}

// want queues a node's submit file unless it is queued already; dn is the
// node's DAG entry, if known.
func (p *prefetcher) want(node string, dn *DAGNode) {
	p.mu.Lock()
	i, inDAG := p.slot(dn)
	if inDAG && p.slots[i] != nil {
		p.mu.Unlock()
		return
	}
	if !inDAG {
		if _, ok := p.m[node]; ok {
			p.mu.Unlock()
			return
		}
	}
	f := &subFuture{node: node, dn: dn, done: make(chan struct{})}
	if inDAG {
		p.slots[i] = f
	} else {
		p.m[node] = f
	}
	p.mu.Unlock()
	p.work <- f
}

// take returns the future of a node the first time it is asked for, or nil;
// dn is the node's DAG entry, if known. The node stays known, so a later
// request does not read the file again, but its future is let go.
func (p *prefetcher) take(node string, dn *DAGNode) *subFuture {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i, ok := p.slot(dn); ok {
		if f := p.slots[i]; f != nil {
			p.slots[i] = taken
			if f == taken {
				return nil
			}
			return f
		}
	}
	f := p.m[node]
	if f != nil {
		p.m[node] = nil
	}
	return f
}

func (p *prefetcher) close() {
	close(p.work)
	p.wg.Wait()
}

// prefetched returns the read-ahead future of a node's submit file, if any;
// dn is the node's DAG entry, if known.
func (w *workflow) prefetched(node string, dn *DAGNode) *subFuture {
	if w.pf == nil {
		return nil
	}
	return w.pf.take(node, dn)
}
