package ingest

// PooledEvents returns how many released events wait in p.
func PooledEvents(p *EventPool) int {
	n := 0
	for b := p.take(); b != nil; b = p.take() {
		n += len(b)
	}
	return n
}
