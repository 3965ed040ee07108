package ingest

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/synthrun"
)

// TestIOGovernor checks that GOMAXPROCS is raised while file reads are slow,
// lowered when they are fast again, restored when the last monitor leaves,
// and never touched when the user set GOMAXPROCS.
func TestIOGovernor(t *testing.T) {
	t.Setenv("GOMAXPROCS", "") // an empty value is no setting
	var set []int
	g := &ioGovernor{setProcs: func(n int) { set = append(set, n) }}
	base := runtime.GOMAXPROCS(0)
	reads := func(n int, d time.Duration) {
		for i := 0; i < n; i++ {
			g.observe(d)
		}
	}
	const fast, slow = 5 * time.Microsecond, 200 * time.Microsecond

	reads(4*govWindow, slow) // no monitor yet
	if len(set) != 0 {
		t.Fatalf("governed with no monitor: %v", set)
	}
	leave1 := g.enter()
	leave2 := g.enter() // a second monitor (a live sub-workflow, a parallel test)
	reads(govWindow, fast)
	reads(govWindow-govRaiseAt+1, fast)
	reads(govRaiseAt-1, slow) // one slow read short of raising
	if len(set) != 0 {
		t.Fatalf("raised on fast reads: %v", set)
	}
	reads(govWindow-govRaiseAt, fast)
	reads(govRaiseAt, slow)
	if len(set) != 1 || set[0] != govFactor*base {
		t.Fatalf("after a slow window GOMAXPROCS was set to %v, want [%d]", set, govFactor*base)
	}
	reads(govWindow-govLowerAt, fast)
	reads(govLowerAt, slow) // still slow enough to stay raised
	if len(set) != 1 {
		t.Fatalf("lowered while reads were still slow: %v", set)
	}
	reads(govWindow, fast)
	if len(set) != 2 || set[1] != base {
		t.Fatalf("after a fast window GOMAXPROCS was set to %v, want a return to %d", set, base)
	}
	reads(govWindow, slow)
	leave1()
	if len(set) != 3 {
		t.Fatalf("one monitor left: %v", set)
	}
	leave2()
	if len(set) != 4 || set[3] != base {
		t.Fatalf("the last monitor left GOMAXPROCS at %v, want a return to %d", set, base)
	}
	reads(2*govWindow, slow)
	if len(set) != 4 {
		t.Fatalf("governed after the last monitor left: %v", set)
	}

	t.Setenv("GOMAXPROCS", "2")
	leave := g.enter()
	reads(4*govWindow, slow)
	leave()
	if len(set) != 4 {
		t.Fatalf("governed although GOMAXPROCS is set: %v", set)
	}
}

// TestIOGovernorReplay checks that a replay times its file reads for the
// governor and leaves GOMAXPROCS as it found it.
func TestIOGovernorReplay(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	out := synthrun.DagmanOut(t, 1000)
	before := runtime.GOMAXPROCS(0)
	var set []int
	g := &ioGovernor{setProcs: func(n int) {
		set = append(set, n)
		runtime.GOMAXPROCS(n)
	}}
	saved := ioGov
	ioGov = g
	defer func() { ioGov = saved; runtime.GOMAXPROCS(before) }()

	opts := Options{Jobstate: func(JobstateRecord, string) {}}
	if _, err := Replay(context.Background(), out, opts, func([]*Event) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// 1,013 submit files and a stderr file per try.
	if n := g.n.Load(); n < 2000 {
		t.Errorf("the governor saw %d file reads, want over 2,000", n)
	}
	if g.users != 0 || g.on.Load() {
		t.Errorf("the replay did not leave the governor: %d users, on %v", g.users, g.on.Load())
	}
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS is %d after the replay (set to %v on the way), want %d", got, set, before)
	}
}
