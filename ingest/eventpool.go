package ingest

import "sync"

// EventPool recycles the Events of batches a consumer is done with, so that
// a long replay allocates its events once instead of once per event (they
// were about half of what a 100,000-job replay allocated, and so half of its
// garbage collections). Set it in Options.Events and hand every batch back
// with Release once nothing points to its events any more; batches never
// released are simply left to the garbage collector. It is safe for
// concurrent use.
type EventPool struct {
	mu   sync.Mutex
	free [][]*Event // a stack: the batch released last is reused first (still in cache)
}

// eventPoolBatches bounds how many released batches wait for reuse.
const eventPoolBatches = 1024

// NewEventPool returns an empty pool.
func NewEventPool() *EventPool {
	return &EventPool{}
}

// Release hands a batch's events back for reuse. The caller must keep no
// pointer to them (the payloads they point to, such as *JobEnd, may be kept)
// and must not use the batch afterwards. A nil pool does nothing.
func (p *EventPool) Release(batch []*Event) {
	if p == nil || len(batch) == 0 {
		return
	}
	for _, e := range batch {
		e.reset() // no payload stays reachable through the pool
	}
	p.mu.Lock()
	if len(p.free) < eventPoolBatches {
		p.free = append(p.free, batch)
	}
	p.mu.Unlock()
}

// take returns a released batch, or nil.
func (p *EventPool) take() []*Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if n == 0 {
		return nil
	}
	b := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	return b
}

// eventAlloc hands out zeroed Events to one producing goroutine: released
// ones from its pool first, then new ones allocated a block at a time.
type eventAlloc struct {
	pool *EventPool
	free []*Event
	slab []Event
}

// eventSlab is how many events eventAlloc allocates at once.
const eventSlab = 32

func (a *eventAlloc) new() *Event {
	if n := len(a.free); n > 0 {
		e := a.free[n-1]
		a.free = a.free[:n-1]
		return e
	}
	if a.pool != nil {
		if b := a.pool.take(); b != nil {
			e := b[len(b)-1]
			a.free = b[:len(b)-1]
			return e
		}
	}
	if len(a.slab) == 0 {
		a.slab = make([]Event, eventSlab)
	}
	e := &a.slab[0]
	a.slab = a.slab[1:]
	return e
}

// unget gives back an Event new returned and that was not used.
func (a *eventAlloc) unget(e *Event) {
	*e = Event{}
	a.free = append(a.free, e)
}

// reset zeroes e, writing only the fields that are not zero already: an
// event uses a few of its fields, and the cache lines of the others, left
// untouched, need not be fetched for writing (a third of the cost of
// recycling events). TestEventReset checks that it zeroes every field.
func (e *Event) reset() {
	e.Kind, e.HasStatus, e.HasExit, e.HasSite, e.Last, e.TS, e.Src = 0, false, false, false, false, 0, Pos{}
	clearString(&e.Wf)
	clearString(&e.Job)
	clearIfSet(&e.Inst)
	clearIfSet(&e.JS)
	clearString(&e.Sched)
	clearIfSet(&e.Status)
	clearIfSet(&e.ExitCode)
	clearString(&e.Site)
	clearString(&e.Reason)
	clearString(&e.State)
	clearIfSet(&e.RestartCount)
	clearString(&e.SubWf)
	clearString(&e.TaskID)
	clearString(&e.ParentID)
	clearString(&e.ChildID)
	clearString(&e.LFN)
	clearString(&e.Key)
	clearString(&e.Value)
	clearString(&e.Name)
	clearIfSet(&e.Count)
	clearString(&e.PFN)
	clearIfSet(&e.Plan)
	clearIfSet(&e.Task)
	clearIfSet(&e.JobDef)
	clearIfSet(&e.Files)
	clearIfSet(&e.End)
	clearIfSet(&e.Inv)
	clearIfSet(&e.Host)
	clearIfSet(&e.Metric)
	if e.Pairs != nil {
		e.Pairs = nil
	}
	clearIfSet(&e.Metrics)
	clearIfSet(&e.Line)
}

// clearString empties *s unless it is empty already.
func clearString(s *string) {
	if len(*s) != 0 {
		*s = ""
	}
}

// clearIfSet zeroes *p unless it is zero already.
func clearIfSet[T comparable](p *T) {
	var zero T
	if *p != zero {
		*p = zero
	}
}
