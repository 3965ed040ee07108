package ingest

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Go's scheduler gives a processor (a P, of GOMAXPROCS) held by a goroutine
// in a system call to another goroutine only once the call has lasted a
// while, and not while a P sits idle elsewhere. A replay of files that are
// not in the page cache waits in most of its reads with its P held: a
// 100,000-job run that replays in 3-4 s from the cache took 18-19 s from
// the disk, on about one core of two. With four Ps per core (and as many
// workers) the other goroutines parse and load meanwhile, and it takes
// 9-13 s; from the cache, though, more Ps than cores cost 3-10%. So the
// governor watches how long file reads take, and raises GOMAXPROCS only
// while many of them are slow.

const (
	govWindow   = 256                   // reads per decision
	govSlowRead = 40 * time.Microsecond // a read that found its file on the disk (from the cache: ~5 µs)
	govRaiseAt  = govWindow / 16        // slow reads in a window that raise GOMAXPROCS (from the cache: 0-2 in most)
	govLowerAt  = govWindow / 64        // and fewer than this lower it again
	govFactor   = 4                     // Ps per core while reads are slow
)

// ioGovernor raises GOMAXPROCS while the files being read come from the
// disk. It is process-wide, as GOMAXPROCS is; monitors enter and leave it,
// and it governs only while one is in and GOMAXPROCS is not set in the
// environment.
type ioGovernor struct {
	mu       sync.Mutex
	users    int
	base     int  // GOMAXPROCS when the first monitor entered
	raised   bool // GOMAXPROCS is base*govFactor
	on       atomic.Bool
	n        atomic.Int32 // reads in this window
	slow     atomic.Int32 // slow reads in this window
	setProcs func(int)    // sets GOMAXPROCS (tests replace it)
}

var ioGov = &ioGovernor{setProcs: func(n int) { runtime.GOMAXPROCS(n) }}

// enter starts governing for one more monitor and returns the function
// that ends it, restoring GOMAXPROCS after the last monitor.
func (g *ioGovernor) enter() (leave func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.users++
	if g.users == 1 {
		g.base = runtime.GOMAXPROCS(0)
		g.n.Store(0)
		g.slow.Store(0)
		g.on.Store(true)
	}
	return g.leave
}

func (g *ioGovernor) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.users--
	if g.users == 0 {
		g.on.Store(false)
		if g.raised {
			g.raised = false
			g.setProcs(g.base)
		}
	}
}

// observe records how long one file took to open and read.
func (g *ioGovernor) observe(d time.Duration) {
	if !g.on.Load() {
		return
	}
	if d >= govSlowRead {
		g.slow.Add(1)
	}
	if g.n.Add(1)%govWindow != 0 {
		return
	}
	slow := int(g.slow.Swap(0))
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.users == 0:
	case !g.raised && slow >= govRaiseAt:
		g.raised = true
		g.setProcs(g.base * govFactor)
	case g.raised && slow < govLowerAt:
		g.raised = false
		g.setProcs(g.base)
	}
}
