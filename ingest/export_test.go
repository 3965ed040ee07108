package ingest

// PooledEvents returns how many released events wait in p.
func PooledEvents(p *EventPool) int {
	n := 0
	for {
		select {
		case b := <-p.free:
			n += len(b)
		default:
			return n
		}
	}
}
