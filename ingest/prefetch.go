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
type prefetcher struct {
	mu   sync.Mutex
	m    map[string]*subFuture // nil once taken: the node stays known
	work chan *subFuture
	wg   sync.WaitGroup
}

func newPrefetcher(w *workflow, workers int) *prefetcher {
	p := &prefetcher{m: map[string]*subFuture{}, work: make(chan *subFuture, 4096)}
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

// want queues a node's submit file unless it is queued already; dn is the
// node's DAG entry, if known.
func (p *prefetcher) want(node string, dn *DAGNode) {
	p.mu.Lock()
	if _, ok := p.m[node]; ok {
		p.mu.Unlock()
		return
	}
	f := &subFuture{node: node, dn: dn, done: make(chan struct{})}
	p.m[node] = f
	p.mu.Unlock()
	p.work <- f
}

// take returns the future of a node the first time it is asked for, or nil.
// The node stays known, so a later request does not read the file again,
// but its future is let go.
func (p *prefetcher) take(node string) *subFuture {
	p.mu.Lock()
	defer p.mu.Unlock()
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

// prefetched returns the read-ahead future of a node's submit file, if any.
func (w *workflow) prefetched(node string) *subFuture {
	if w.pf == nil {
		return nil
	}
	return w.pf.take(node)
}
