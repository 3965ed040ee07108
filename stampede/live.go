package stampede

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
)

// Live loads a running workflow's events in short transactions. DuckDB lets
// one process write a database file at a time, and a writer locks readers
// out: Live opens the file only for each commit (milliseconds) and closes it
// again, so pegasus-statistics, pegasus-analyzer or an analyst's duckdb shell
// can read between commits. Events wait in memory while the file is busy.
//
// Job instances still running are written at each commit and rewritten when
// they change, so readers see running jobs with a NULL exit code.
type Live struct {
	path    string
	mu      sync.Mutex
	l       *loader
	pending []*ingest.Event
	stats   LoadStats
	commits int
}

// NewLive returns a live loader writing to the database file at path.
func NewLive(path string) *Live {
	return &Live{path: path, l: &loader{wfs: map[string]*wfState{}, hosts: map[hostKey]int64{}}}
}

// Add queues a batch of events for the next commit. It may be called from
// any goroutine.
func (lv *Live) Add(batch []*ingest.Event) {
	lv.mu.Lock()
	lv.pending = append(lv.pending, batch...)
	lv.mu.Unlock()
}

// Pending is the number of events waiting for a commit.
func (lv *Live) Pending() int {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	return len(lv.pending)
}

// Stats returns what has been committed so far.
func (lv *Live) Stats() LoadStats {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	return lv.stats
}

// Commit writes the queued events in one transaction. If another process
// holds the file, it waits up to wait and then returns ErrLocked with the
// events still queued. Any other error leaves the database as it was before
// the commit, but the loader's memory of the run is then unreliable: the
// caller should stop and load the run again from its logs (what monitord
// does when it restarts after a failure).
func (lv *Live) Commit(ctx context.Context, wait time.Duration) error {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	if len(lv.pending) == 0 && lv.commits > 0 {
		return nil
	}
	db, err := Open(ctx, lv.path, OpenOptions{Wait: wait})
	if err != nil {
		return err
	}
	defer db.Close()
	dc, err := db.rawConn(ctx)
	if err != nil {
		return err
	}
	defer dc.Close()
	l := lv.l
	l.ctx, l.dc = ctx, dc
	if err := l.begin(); err != nil {
		return err
	}
	if err := l.add(lv.pending); err != nil {
		l.rollback()
		return err
	}
	if err := l.commit(); err != nil {
		l.rollback()
		return fmt.Errorf("commit %s: %w", lv.path, err)
	}
	lv.pending = lv.pending[:0]
	lv.stats = l.stats
	lv.commits++
	return nil
}
