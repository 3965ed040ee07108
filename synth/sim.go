package synth

import (
	"bufio"
	"container/heap"
	"context"
	"math"
	"strconv"
)

// Failure causes injected into compute job tries.
const (
	causeNone = iota
	causeExit1
	causeExit2
	causeSignal9
	causeMissingInput
	causePermission
	causePostScript
	causeHeldAborted
)

var causeName = [...]string{"", "exit:1", "exit:2", "signal:9", "missing-input", "permission-denied", "post-script", "held-aborted"}

// Hold outcomes and kinds.
const (
	holdNone = iota
	holdReleased
	holdAborted
)

const (
	holdTransferOutput = iota
	holdMemory
	holdExecFormat
	numHoldKinds
)

// DAGMan settings written in the banner and obeyed by the simulation.
const (
	cycleMs          = 5000
	maxSubmitsPerCyc = 100
	maxIdle          = 1000
	maxPost          = 20
)

// tryRec is one job try (one HTCondor job, one .out.NNN/.err.NNN pair).
type tryRec struct {
	node     int32
	attempt  int32 // 0-based, the rotation suffix
	cause    uint8
	hold     uint8
	holdKind uint8
	final    bool // the node's last try
	idle     bool // DAGMan considers the job idle
	jobExit  int32
	raw      int32 // kickstart raw status
	post     int32 // POST script exit status
	cluster  int64
	slot     int32 // execution slot of the (last) run; -1 for local universe
	slot1    int32 // slot of the first run of a held job
	// Milliseconds since the epoch; zero when the event did not happen.
	submit, exec1, held, release, exec, term, abort int64
	ksStart                                         int64 // kickstart start
	mainOff                                         int64 // mainjob start - kickstart start
	mainDur                                         int64 // mainjob duration
	ksTail                                          int64 // kickstart end - mainjob end
	postStart                                       int64
	postEnd                                         int64
}

// ran reports whether the try's task ran (all but removed jobs).
func (t *tryRec) ran() bool { return t.cause != causeHeldAborted }

// hasRecord reports whether the try's .out.NNN holds a kickstart record.
func (c *config) hasRecord(p *plan, t *tryRec) bool {
	return t.ran() && !(c.NoKickstart && p.nodes[t.node].typ == typeCompute)
}

// ksEnd is when kickstart finished.
func (t *tryRec) ksEnd() int64 { return t.ksStart + t.mainOff + t.mainDur + t.ksTail }

// trySlab allocates tryRecs whose addresses never change, so writers can hold
// pointers while the simulation keeps allocating.
type trySlab struct{ chunks [][]tryRec }

func (s *trySlab) alloc() *tryRec {
	if len(s.chunks) == 0 || len(s.chunks[len(s.chunks)-1]) == cap(s.chunks[len(s.chunks)-1]) {
		s.chunks = append(s.chunks, make([]tryRec, 0, 4096))
	}
	c := &s.chunks[len(s.chunks)-1]
	*c = append(*c, tryRec{})
	return &(*c)[len(*c)-1]
}

// Node states.
const (
	stUnready = iota
	stReady
	stQueued
	stPost
	stDone
	stFailed
	stFutile
)

// ULOG event kinds.
const (
	evSubmit = iota
	evExecute
	evShadow
	evHeld
	evReleased
	evTerminated
	evAborted
	evPostTerm
)

type event struct {
	at   int64
	seq  int64
	kind uint8
	try  *tryRec
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type readyItem struct {
	node  int32
	retry bool
	prio  int
	seq   int64
}

type readyHeap []readyItem

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	if h[i].retry != h[j].retry {
		return h[i].retry
	}
	if h[i].prio != h[j].prio {
		return h[i].prio > h[j].prio
	}
	return h[i].seq < h[j].seq
}
func (h readyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)   { *h = append(*h, x.(readyItem)) }
func (h *readyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type slotFree struct {
	at   int64
	slot int32
}

type slotHeap []slotFree

func (h slotHeap) Len() int { return len(h) }
func (h slotHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].slot < h[j].slot
}
func (h slotHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *slotHeap) Push(x any)   { *h = append(*h, x.(slotFree)) }
func (h *slotHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sim runs DAGMan over the plan, writing dagman.out as it goes.
type sim struct {
	c    *config
	p    *plan
	l    *layout
	hs   *hosts
	out  *bufio.Writer
	clk  *clock
	line []byte
	// Cached "MM/DD/YY HH:MM:SS " prefix.
	prefSec int64
	pref    []byte

	state      []uint8
	parentsIn  []int32
	lastTry    []*tryRec
	ready      readyHeap
	readySeq   int64
	ulog       eventHeap
	async      eventHeap // POST ends and releases, handled between cycles
	seq        int64
	slots      slotHeap
	postQ      []*tryRec
	postRun    int
	inCat      [4]int
	catLimit   [4]int
	nextClust  int64
	idle       int
	heldNow    int
	counts     [stFutile + 1]int
	deferIdle  int
	deferCat   int
	deferPost  int
	stats      runtimeStats
	cycleRNG   rng
	slab       trySlab
	emit       func(*tryRec) error // hands a finished try to the writers
	truth      *truthAcc
	end        int64 // DAGMan exit, epoch seconds
	exitStatus int
}

func newSim(c *config, p *plan, l *layout, hs *hosts, out *bufio.Writer, t *truthAcc, emit func(*tryRec) error) *sim {
	s := &sim{c: c, p: p, l: l, hs: hs, out: out, clk: newClock(c.Location), truth: t, emit: emit, prefSec: math.MinInt64}
	n := len(p.nodes)
	s.state = make([]uint8, n)
	s.parentsIn = make([]int32, n)
	s.lastTry = make([]*tryRec, n)
	for i, nd := range p.nodes {
		s.parentsIn[i] = int32(len(nd.parents))
	}
	for _, m := range c.maxJobs {
		for k, name := range catName {
			if name == m.cat {
				s.catLimit[k] = m.limit
			}
		}
	}
	for i := 0; i < c.Slots; i++ {
		s.slots = append(s.slots, slotFree{at: 0, slot: int32(i)})
	}
	heap.Init(&s.slots)
	s.cycleRNG = newRNG(c.Seed, streamCycle, 0, 0)
	s.nextClust = l.dagmanID + 1
	s.counts[stUnready] = n
	return s
}

func (s *sim) setState(i int32, st uint8) {
	s.counts[s.state[i]]--
	s.state[i] = st
	s.counts[st]++
}

// logf-free line writers: every line starts with the DAGMan timestamp.
func (s *sim) begin(sec int64) {
	if sec != s.prefSec {
		s.prefSec = sec
		s.pref = s.clk.appendDagman(s.pref[:0], sec)
		s.pref = append(s.pref, ' ')
	}
	s.line = append(s.line[:0], s.pref...)
}

func (s *sim) flush() {
	s.line = append(s.line, '\n')
	s.out.Write(s.line)
}

func (s *sim) say(sec int64, parts ...string) {
	s.begin(sec)
	for _, p := range parts {
		s.line = append(s.line, p...)
	}
	s.flush()
}

func (s *sim) appendID(b []byte, cluster int64) []byte {
	b = append(b, '(')
	b = strconv.AppendInt(b, cluster, 10)
	return append(b, ".0.0)"...)
}

// ulogLine writes "Event: ULOG_X for HTCondor Node n (c.0.0) {MM/DD/YY HH:MM:SS}".
func (s *sim) ulogLine(sec int64, name string, t *tryRec, at int64) {
	s.begin(sec)
	s.line = append(s.line, "Event: ULOG_"...)
	s.line = append(s.line, name...)
	s.line = append(s.line, " for HTCondor Node "...)
	s.line = append(s.line, s.p.nodes[t.node].name...)
	s.line = append(s.line, ' ')
	s.line = s.appendID(s.line, t.cluster)
	s.line = append(s.line, " {"...)
	s.line = s.clk.appendDagman(s.line, floorDiv(at, 1000))
	s.line = append(s.line, '}')
	s.flush()
}

func (s *sim) idleLine(sec int64) {
	s.begin(sec)
	s.line = append(s.line, "Number of idle job procs: "...)
	s.line = strconv.AppendInt(s.line, int64(s.idle), 10)
	s.flush()
}

func (s *sim) push(h *eventHeap, at int64, kind uint8, t *tryRec) {
	s.seq++
	heap.Push(h, event{at: at, seq: s.seq, kind: kind, try: t})
}

func (s *sim) makeReady(i int32, retry bool) {
	s.readySeq++
	heap.Push(&s.ready, readyItem{node: i, retry: retry, prio: s.p.nodes[i].priority, seq: s.readySeq})
	s.setState(i, stReady)
}

// run simulates DAGMan from start-up to exit.
func (s *sim) run(ctx context.Context) error {
	t0 := s.l.start
	s.banner(t0)
	for i := range s.p.nodes {
		if s.parentsIn[i] == 0 {
			s.makeReady(int32(i), false)
		}
	}
	s.status(t0)
	s.say(t0, "Registering condor_event_timer...")
	cyc := (t0 + 1) * 1000
	for k := 1; ; k++ {
		if k%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// Between cycles: POST scripts end (and deferred ones start), held jobs are released.
		for s.async.Len() > 0 && s.async[0].at < cyc {
			ev := heap.Pop(&s.async).(event)
			if err := s.asyncEvent(ev); err != nil {
				return err
			}
		}
		sec := cyc / 1000
		s.stats.cycle(&s.cycleRNG, k)
		submitted := s.submitPhase(cyc)
		events, err := s.eventPhase(cyc)
		if err != nil {
			return err
		}
		s.stats.logCycle(&s.cycleRNG, events)
		if submitted > 0 || events > 0 {
			s.status(sec)
		}
		if s.ready.Len() == 0 && s.counts[stQueued] == 0 && s.counts[stPost] == 0 && s.async.Len() == 0 && s.ulog.Len() == 0 {
			s.finish(sec)
			return nil
		}
		cyc += cycleMs
	}
}

func (s *sim) submitPhase(cyc int64) int {
	sec := cyc / 1000
	var held []readyItem
	n := 0
	for n < maxSubmitsPerCyc && s.ready.Len() > 0 {
		if s.idle >= maxIdle {
			s.deferIdle++ // DAGMan counts one deferral per cycle that hits -MaxIdle
			break
		}
		it := heap.Pop(&s.ready).(readyItem)
		nd := s.p.nodes[it.node]
		if lim := s.catLimit[nd.category]; nd.category != catNone && lim > 0 && s.inCat[nd.category] >= lim {
			s.deferCat++
			held = append(held, it)
			continue
		}
		s.submit(it.node, cyc+int64(n)*11+3, sec)
		n++
	}
	for _, it := range held {
		heap.Push(&s.ready, it)
	}
	if n > 0 {
		s.begin(sec)
		s.line = append(s.line, "Just submitted "...)
		s.line = strconv.AppendInt(s.line, int64(n), 10)
		if n == 1 {
			s.line = append(s.line, " job this cycle..."...)
		} else {
			s.line = append(s.line, " jobs this cycle..."...)
		}
		s.flush()
	}
	return n
}

// submit submits one try of node i at time at (ms) and schedules its
// HTCondor events.
func (s *sim) submit(i int32, at, sec int64) {
	nd := s.p.nodes[i]
	prev := s.lastTry[i]
	t := s.slab.alloc()
	t.node = i
	t.cluster = s.nextClust
	s.nextClust++
	if prev != nil {
		t.attempt = prev.attempt + 1
		s.begin(sec)
		s.line = append(s.line, "Reassigning the id of job "...)
		s.line = append(s.line, nd.name...)
		s.line = append(s.line, " from "...)
		s.line = s.appendID(s.line, prev.cluster)
		s.line = append(s.line, " to (-1.-1.-1)"...)
		s.flush()
	}
	s.lastTry[i] = t
	s.say(sec, "Submitting HTCondor Node ", nd.name, " job(s)...")
	s.say(sec, "Submitting node ", nd.name, " from file ", nd.dir, "/", nd.name, ".sub using direct job submission")
	s.begin(sec)
	s.line = append(s.line, "\tassigned HTCondor ID "...)
	s.line = s.appendID(s.line, t.cluster)
	s.flush()
	s.setState(i, stQueued)
	s.inCat[nd.category]++
	t.submit = at
	s.push(&s.ulog, at, evSubmit, t)
	s.decide(t)
	s.schedule(t)
}

// decide draws the try's fate: duration, failure cause, hold.
func (s *sim) decide(t *tryRec) {
	nd := s.p.nodes[t.node]
	r := newRNG(s.c.Seed, streamTry, uint64(t.node), uint64(t.attempt))
	xf := s.p.xf[nd.xf]
	median := xf.median
	if nd.typ == typeStageIn || nd.typ == typeStageOut {
		median += 0.02 * float64(len(nd.members))
	}
	t.mainDur = r.lognormMs(median, xf.sigma, 40, 6*3600*1000)
	t.mainOff = r.between(78, 104)
	t.ksTail = r.between(1, 6)
	t.slot, t.slot1 = -1, -1
	if nd.typ != typeCompute {
		return
	}
	if r.float() < s.c.HoldRate {
		t.holdKind = uint8(r.intn(numHoldKinds))
		if r.float() < 0.35 {
			t.hold = holdAborted
			t.cause = causeHeldAborted
		} else {
			t.hold = holdReleased
		}
	}
	if r.float() < s.c.FailRate && t.cause == causeNone {
		x := r.float()
		switch {
		case x < 0.22:
			t.cause = causeExit1
		case x < 0.38:
			t.cause = causeExit2
		case x < 0.54:
			t.cause = causeSignal9
		case x < 0.70:
			t.cause = causeMissingInput
		case x < 0.84:
			t.cause = causePermission
		default:
			t.cause = causePostScript
		}
	}
	switch t.cause {
	case causeExit1, causeExit2, causeMissingInput, causePermission:
		t.mainDur = max(15, int64(float64(t.mainDur)*(0.005+0.3*r.float())))
	case causeSignal9:
		t.mainDur = max(200, int64(float64(t.mainDur)*(0.3+0.6*r.float())))
	}
	t.jobExit, t.raw, t.post = 0, 0, 0
	switch t.cause {
	case causeExit1, causeMissingInput, causePermission:
		t.jobExit, t.raw = 1, 1<<8
	case causeExit2:
		t.jobExit, t.raw = 2, 2<<8
	case causeSignal9:
		t.jobExit, t.raw = 128+9, 9
	}
	if t.cause != causeNone {
		t.post = 1
	}
}

// runFrom fills in the kickstart timing of a run starting (EXECUTE) at exec.
func (s *sim) runFrom(t *tryRec, exec int64, local bool) {
	r := newRNG(s.c.Seed, streamTry, uint64(t.node), uint64(t.attempt)|1<<40)
	t.exec = exec
	if local {
		t.ksStart = exec + r.between(90, 700)
		t.term = t.ksEnd() + r.between(60, 700)
	} else {
		t.ksStart = exec + r.between(350, 1800)
		t.term = t.ksEnd() + r.between(150, 1400)
	}
}

// grabSlot assigns the earliest free execution slot to a job that becomes
// idle at ready and returns the slot and the execution start.
func (s *sim) grabSlot(ready int64, r *rng) (int32, int64) {
	f := heap.Pop(&s.slots).(slotFree)
	start := ready + r.between(1500, 14000)
	if g := f.at + r.between(150, 2500); g > start {
		start = g
	}
	return f.slot, start
}

func (s *sim) schedule(t *tryRec) {
	nd := s.p.nodes[t.node]
	r := newRNG(s.c.Seed, streamTry, uint64(t.node), uint64(t.attempt)|2<<40)
	if nd.typ != typeCompute {
		s.runFrom(t, t.submit+r.between(700, 4200), true)
		s.push(&s.ulog, t.exec, evExecute, t)
		s.push(&s.ulog, t.term, evTerminated, t)
		return
	}
	slot, exec := s.grabSlot(t.submit, &r)
	t.slot = slot
	if t.hold == holdNone {
		s.runFrom(t, exec, false)
		heap.Push(&s.slots, slotFree{at: t.term, slot: slot})
		s.push(&s.ulog, t.exec, evExecute, t)
		s.push(&s.ulog, t.term, evTerminated, t)
		return
	}
	// Held: the first run ends in a hold.
	t.exec1, t.slot1 = exec, slot
	s.push(&s.ulog, exec, evExecute, t)
	switch t.holdKind {
	case holdTransferOutput:
		s.runFrom(t, exec, false) // the task ran to the end, then the output transfer failed
		t.held = t.ksEnd() + r.between(100, 900)
		s.push(&s.ulog, t.held, evShadow, t)
	case holdMemory:
		t.held = exec + max(2000, int64(float64(t.mainDur)*(0.2+0.6*r.float())))
	default:
		t.held = exec + r.between(40, 600)
	}
	heap.Push(&s.slots, slotFree{at: t.held, slot: slot})
	s.push(&s.ulog, t.held, evHeld, t)
	if t.hold == holdAborted {
		t.abort = t.held + r.between(20000, 60000)
		t.exec, t.ksStart, t.term = 0, 0, 0
		s.push(&s.ulog, t.abort, evAborted, t)
		return
	}
	t.release = t.held + r.between(60000, 900000)
	s.push(&s.ulog, t.release, evReleased, t)
	s.push(&s.async, t.release, evReleased, t) // the second run needs a slot at release time
}

// asyncEvent handles things that happen between DAGMan cycles.
func (s *sim) asyncEvent(ev event) error {
	t := ev.try
	switch ev.kind {
	case evReleased:
		r := newRNG(s.c.Seed, streamTry, uint64(t.node), uint64(t.attempt)|3<<40)
		slot, exec := s.grabSlot(t.release, &r)
		t.slot = slot
		s.runFrom(t, exec, false)
		heap.Push(&s.slots, slotFree{at: t.term, slot: slot})
		s.push(&s.ulog, t.exec, evExecute, t)
		s.push(&s.ulog, t.term, evTerminated, t)
	case evPostTerm:
		sec := floorDiv(ev.at, 1000)
		s.begin(sec)
		s.line = append(s.line, "Initializing user log writer for "...)
		s.line = append(s.line, s.l.submit...)
		s.line = append(s.line, "/./"...)
		s.line = append(s.line, s.l.dag...)
		s.line = append(s.line, ".nodes.log, "...)
		s.line = s.appendID(s.line, t.cluster)
		s.flush()
		s.push(&s.ulog, ev.at, evPostTerm, t)
		s.postRun--
		if len(s.postQ) > 0 {
			next := s.postQ[0]
			s.postQ = s.postQ[1:]
			s.startPost(next, ev.at+7)
		}
	}
	return nil
}

func (s *sim) startPost(t *tryRec, at int64) {
	sec := floorDiv(at, 1000)
	name := s.p.nodes[t.node].name
	s.say(sec, "Running POST script of Node ", name, "...")
	s.say(sec, "Warning: mysin has length 0 (ignore if produced by DAGMan; see gittrac #4987, #5031)")
	r := newRNG(s.c.Seed, streamTry, uint64(t.node), uint64(t.attempt)|4<<40)
	t.postStart = at
	t.postEnd = at + r.lognormMs(0.6, 0.6, 50, 5000) // pegasus-exitcode: mostly well under a second
	s.postRun++
	s.push(&s.async, t.postEnd, evPostTerm, t)
}

// jobDone moves a node whose job left the queue to the POST state.
func (s *sim) jobDone(t *tryRec, at int64) {
	s.setState(t.node, stPost)
	if s.postRun < maxPost {
		s.startPost(t, at)
		return
	}
	s.deferPost++
	s.postQ = append(s.postQ, t)
}

func (s *sim) eventPhase(cyc int64) (int, error) {
	sec := cyc / 1000
	n := 0
	for s.ulog.Len() > 0 && s.ulog[0].at < cyc {
		ev := heap.Pop(&s.ulog).(event)
		if n == 0 {
			s.say(sec, "Currently monitoring 1 HTCondor log file(s)")
		}
		n++
		t := ev.try
		name := s.p.nodes[t.node].name
		switch ev.kind {
		case evSubmit:
			s.begin(sec)
			s.line = append(s.line, "Reassigning the id of job "...)
			s.line = append(s.line, name...)
			s.line = append(s.line, " from "...)
			s.line = s.appendID(s.line, t.cluster)
			s.line = append(s.line, " to "...)
			s.line = s.appendID(s.line, t.cluster)
			s.flush()
			s.ulogLine(sec, "SUBMIT", t, ev.at)
			s.idle++
			t.idle = true
			s.truth.submits++
			s.idleLine(sec)
		case evExecute:
			s.ulogLine(sec, "EXECUTE", t, ev.at)
			if t.idle {
				s.idle--
				t.idle = false
			}
			s.idleLine(sec)
		case evShadow:
			s.ulogLine(sec, "SHADOW_EXCEPTION", t, ev.at)
			s.idle++
			t.idle = true
			s.idleLine(sec)
		case evHeld:
			s.ulogLine(sec, "JOB_HELD", t, ev.at)
			s.say(sec, "  Hold reason: ", holdReason(s, t))
			if !t.idle {
				s.idle++
				t.idle = true
			}
			s.heldNow++
			s.truth.held++
			s.idleLine(sec)
		case evReleased:
			s.ulogLine(sec, "JOB_RELEASED", t, ev.at)
			s.heldNow--
			s.truth.released++
			s.idleLine(sec)
		case evTerminated:
			s.ulogLine(sec, "JOB_TERMINATED", t, ev.at)
			s.idleLine(sec)
			s.begin(sec)
			s.line = append(s.line, "Node "...)
			s.line = append(s.line, name...)
			s.line = append(s.line, " job proc "...)
			s.line = s.appendID(s.line, t.cluster)
			if t.jobExit == 0 {
				s.line = append(s.line, " completed successfully."...)
			} else {
				s.line = append(s.line, " failed with status "...)
				s.line = strconv.AppendInt(s.line, int64(t.jobExit), 10)
				s.line = append(s.line, '.')
			}
			s.flush()
			s.say(sec, "Node ", name, " job completed")
			s.jobDone(t, cyc+int64(n)*3)
		case evAborted:
			s.ulogLine(sec, "JOB_ABORTED", t, ev.at)
			if t.idle {
				s.idle--
				t.idle = false
			}
			s.truth.aborted++
			s.idleLine(sec)
			s.say(sec, "Warning for node ", name, ": unexpected _gotEvents value for proc 0: 11!")
			s.say(sec, "Node ", name, " job completed")
			s.jobDone(t, cyc+int64(n)*3)
		case evPostTerm:
			s.ulogLine(sec, "POST_SCRIPT_TERMINATED", t, ev.at)
			if err := s.postDone(t, sec); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// postDone decides the node's fate once its POST script has finished.
func (s *sim) postDone(t *tryRec, sec int64) error {
	i := t.node
	nd := s.p.nodes[i]
	s.inCat[nd.category]--
	if t.post == 0 {
		s.say(sec, "POST Script of node ", nd.name, " completed successfully.")
		s.setState(i, stDone)
		t.final = true
		for _, ch := range nd.children {
			if s.parentsIn[ch]--; s.parentsIn[ch] == 0 && s.state[ch] == stUnready {
				s.makeReady(ch, false)
			}
		}
	} else {
		st := strconv.Itoa(int(t.post))
		s.say(sec, "POST Script of node ", nd.name, " failed with status ", st)
		s.say(sec, "POST for Node ", nd.name, " returned ", st)
		if int(t.attempt) < s.c.retry {
			s.say(sec, "Retrying node ", nd.name, " (retry #", itoa(int(t.attempt)+1), " of ", itoa(s.c.retry), ")...")
			s.makeReady(i, true)
		} else {
			s.setState(i, stFailed)
			t.final = true
			s.markFutile(i)
		}
	}
	s.truth.addTry(s, t)
	return s.emit(t)
}

func (s *sim) markFutile(i int32) {
	stack := append([]int32(nil), s.p.nodes[i].children...)
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.state[j] != stUnready {
			continue
		}
		s.setState(j, stFutile)
		stack = append(stack, s.p.nodes[j].children...)
	}
}

func (s *sim) status(sec int64) {
	dagStatus := "0 (DAG_STATUS_OK)"
	if s.counts[stFailed] > 0 {
		dagStatus = "2 (DAG_STATUS_NODE_FAILED)"
	}
	s.say(sec, "DAG status: ", dagStatus)
	s.say(sec, "Of ", itoa(len(s.p.nodes)), " nodes total:")
	s.say(sec, " Done     Pre   Queued    Post   Ready   Un-Ready   Failed   Futile")
	s.say(sec, "  ===     ===      ===     ===     ===        ===      ===      ===")
	s.begin(sec)
	for k, v := range []int{s.counts[stDone], 0, s.counts[stQueued], s.counts[stPost], s.counts[stReady], s.counts[stUnready], s.counts[stFailed], s.counts[stFutile]} {
		w := [...]int{5, 8, 9, 8, 8, 11, 9, 9}[k]
		str := strconv.Itoa(v)
		for p := len(str); p < w; p++ {
			s.line = append(s.line, ' ')
		}
		s.line = append(s.line, str...)
	}
	s.flush()
	s.say(sec, itoa(s.heldNow), " job proc(s) currently held")
	s.runtimeLine(sec)
}

func (s *sim) runtimeLine(sec int64) {
	s.begin(sec)
	s.line = append(s.line, "DAGMan Runtime Statistics: [ "...)
	s.line = s.stats.AppendTo(s.line)
	s.line = append(s.line, ']')
	s.flush()
}

func (s *sim) notes(sec int64) {
	s.say(sec, "Note: 0 total job deferrals because of -MaxJobs limit (0)")
	s.say(sec, "Note: ", itoa(s.deferIdle), " total job deferrals because of -MaxIdle limit (", itoa(maxIdle), ")")
	s.say(sec, "Note: ", itoa(s.deferCat), " total job deferrals because of node category throttles")
	s.say(sec, "Note: 0 total PRE script deferrals because of -MaxPre limit (20) or DEFER")
	s.say(sec, "Note: ", itoa(s.deferPost), " total POST script deferrals because of -MaxPost limit (", itoa(maxPost), ") or DEFER")
	s.say(sec, "Note: 0 total HOLD script deferrals because of -MaxHold limit (20) or DEFER")
}

func (s *sim) finish(sec int64) {
	failed := s.counts[stFailed] > 0
	if !failed {
		s.say(sec, "All jobs Completed!")
	} else {
		s.say(sec, "ERROR: the following job(s) failed:")
		for i, nd := range s.p.nodes {
			if s.state[i] != stFailed {
				continue
			}
			t := s.lastTry[i]
			s.say(sec, "---------------------- Job ----------------------")
			s.say(sec, "      Node Name: ", nd.name)
			s.say(sec, "           Noop: false")
			s.say(sec, "         NodeID: ", itoa(i))
			s.say(sec, "    Node Status: STATUS_ERROR")
			s.say(sec, "Node return val: ", itoa(int(t.post)))
			s.say(sec, "          Error: ", failureText(t))
			s.say(sec, "Job Submit File: ", nd.dir, "/", nd.name, ".sub")
			s.say(sec, "    POST Script: ", postScript(s.l, nd))
			s.say(sec, "          Retry: ", itoa(s.c.retry))
			s.begin(sec)
			s.line = append(s.line, " HTCondor Job ID: "...)
			s.line = s.appendID(s.line, t.cluster)
			s.flush()
			s.begin(sec)
			s.line = append(s.line, "PARENTS:"...)
			for _, q := range nd.parents {
				s.line = append(s.line, ' ')
				s.line = append(s.line, s.p.nodes[q].name...)
			}
			s.line = append(s.line, " WAITING: 0 CHILDREN:"...)
			for _, q := range nd.children {
				s.line = append(s.line, ' ')
				s.line = append(s.line, s.p.nodes[q].name...)
			}
			s.flush()
		}
		s.say(sec, "---------------------------------------\t<END>")
		s.say(sec, "Aborting DAG...")
		s.say(sec, "Writing Rescue DAG to ", s.l.dag, ".rescue001...")
		s.say(sec, "Removing submitted jobs...")
		s.say(sec, "Removing any/all submitted HTCondor jobs...")
		s.say(sec, "Running: ", binDir, "/condor_rm -const DAGManJobId==", strconv.FormatInt(s.l.dagmanID, 10))
	}
	s.notes(sec)
	s.status(sec)
	s.say(sec, "Wrote metrics file ", s.l.dag, ".metrics.")
	s.runtimeLine(sec)
	s.exitStatus = 0
	if failed {
		s.exitStatus = 1
	}
	s.say(sec, "**** condor_scheduniv_exec.", strconv.FormatInt(s.l.dagmanID, 10), ".0 (condor_DAGMAN) pid ",
		strconv.FormatInt(s.l.dagmanPID, 10), " EXITING WITH STATUS ", itoa(s.exitStatus))
	s.end = sec
}

// failureText is the "Error:" line of DAGMan's failed-node summary.
func failureText(t *tryRec) string {
	tail := "POST Script failed with status " + itoa(int(t.post)) + " (after " + itoa(int(t.attempt)) + " node retries)"
	switch {
	case t.cause == causeHeldAborted:
		return "Job failed due to DAGMAN error -1002 and " + tail
	case t.jobExit != 0:
		return "Job exited with status " + itoa(int(t.jobExit)) + " and " + tail
	}
	return tail
}
