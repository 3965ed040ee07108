package ingest

import (
	"context"
	"sync"
)

// pipeline carries events from the tracker to the sink in tracker order,
// while job output files (the expensive part) are parsed by a pool of
// workers: the tracker enqueues a future at the place its events belong.
type pipeline struct {
	mu      sync.Mutex // several trackers may produce (live sub-workflows)
	single  bool       // one goroutine produces (a replay): no locking
	batch   int
	cur     []*Event
	items   chan item
	work    chan *future
	wg      sync.WaitGroup
	stop    chan struct{}
	stopped sync.Once
}

// item is a run of ready events, then (optionally) a job end's events.
type item struct {
	evs []*Event
	fut *future
}

type future struct {
	job  *jobEnd
	evs  []*Event
	done chan struct{}
}

func newPipeline(workers, batch int, pool *EventPool) *pipeline {
	p := &pipeline{
		batch: batch,
		// Queues deep enough to keep the workers and the sink busy, and no
		// deeper: every queued job holds its parsed records until loaded,
		// and while the static events are read (faster than they are
		// loaded) every item is a full batch: 512 items held 200 MB of
		// events at 100,000 jobs, 64 hold 30 MB and load as fast.
		items: make(chan item, 64),
		work:  make(chan *future, 256),
		stop:  make(chan struct{}),
	}
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			alloc := eventAlloc{pool: pool}
			for f := range p.work {
				f.evs = f.job.events(&alloc)
				close(f.done)
			}
		}()
	}
	return p
}

func (p *pipeline) send(it item) {
	select {
	case p.items <- it:
	case <-p.stop:
	}
}

// event queues one ready event.
func (p *pipeline) event(e *Event) {
	// A replay's tracker is the only producer: no lock for each of its
	// million events.
	if !p.single {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	p.cur = append(p.cur, e)
	if len(p.cur) >= p.batch {
		p.flushLocked()
	}
}

// flush sends the events queued so far (a live monitor flushes when idle).
func (p *pipeline) flush() {
	p.mu.Lock()
	p.flushLocked()
	p.mu.Unlock()
}

func (p *pipeline) flushLocked() {
	if len(p.cur) == 0 {
		return
	}
	p.send(item{evs: p.cur})
	p.cur = p.newBatch(len(p.cur))
}

// newBatch returns an empty batch sized after the last one: job ends cut
// batches short, and a full-size batch per job end would be mostly waste.
func (p *pipeline) newBatch(last int) []*Event {
	n := 2 * last
	if n < 32 {
		n = 32
	}
	if n > p.batch {
		n = p.batch
	}
	return make([]*Event, 0, n)
}

// future queues the events of a finished job, computed by a worker, after
// the events queued so far.
func (p *pipeline) future(j *jobEnd) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := &future{job: j, done: make(chan struct{})}
	select {
	case p.work <- f:
	case <-p.stop:
		return
	}
	evs := p.cur
	p.cur = p.newBatch(len(evs))
	p.send(item{evs: evs, fut: f})
}

// discard drops the queued events (ReadLogStates keeps none).
func (p *pipeline) discard() {
	p.mu.Lock()
	p.cur = p.cur[:0]
	p.mu.Unlock()
}

// close ends the stream (called by the producer when done).
func (p *pipeline) close() {
	p.flush()
	close(p.work)
	close(p.items)
}

// abort makes a blocked producer return and discards the rest.
func (p *pipeline) abort() {
	p.stopped.Do(func() { close(p.stop) })
	for range p.items {
	}
	p.wg.Wait()
}

// drain hands batches to sink in order until the producer closes the stream.
func (p *pipeline) drain(ctx context.Context, sink func([]*Event) error) error {
	for it := range p.items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(it.evs) > 0 {
			if err := sink(it.evs); err != nil {
				return err
			}
		}
		if it.fut != nil {
			<-it.fut.done
			if len(it.fut.evs) > 0 {
				if err := sink(it.fut.evs); err != nil {
					return err
				}
			}
		}
	}
	p.wg.Wait()
	return nil
}
