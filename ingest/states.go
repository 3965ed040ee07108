package ingest

import (
	"bufio"
	"context"
	"io"
	"sort"
	"time"
)

// NodeState is the final state of one DAG node, as read from a dagman.out.
type NodeState struct {
	Node      string
	State     string // the last jobstate.log state of its latest try
	Tries     int    // job instances (PRE script runs and submissions)
	Sched     string // HTCondor id of the latest try
	Held      bool   // held and not released
	HoldWhy   string // the hold reason, if logged
	Outcome   string // "success", "failure", "held" or "running"
	ExitCode  int    // regular exit code of the deciding job/script status
	HasStatus bool
}

// LogSummary is what a lone dagman.out says about a DAG.
type LogSummary struct {
	Nodes      []NodeState // sorted by node name
	Finished   bool        // DAGMan's exit line was seen
	ExitStatus int
	Restarts   int
	// Counts is the last progress-table row DAGMan printed (Done, Pre, Queued,
	// Post, Ready, Un-Ready, Failed[, Futile]), and Held the last
	// "N job proc(s) currently held", so callers can cross-check.
	Counts []int
	Held   int
}

// ReadLogStates replays a dagman.out on its own (no submit directory) and
// returns each node's final state. Time stamps are read in loc (nil: TZ).
func ReadLogStates(ctx context.Context, r io.Reader, name string, loc *time.Location) (*LogSummary, error) {
	m := &Monitor{opts: Options{Loc: loc, Now: time.Now}, byDir: map[string]*workflow{}, ctx: ctx}
	m.out = newPipeline(0, 1<<30, nil) // events are kept in one growing batch and dropped
	w := &workflow{m: m, uuid: "log", outPath: name, nodes: map[string]*nodeInfo{},
		subDirs: map[string]string{}, bare: true}
	w.clock = &Clock{Loc: loc}
	w.classifier = DagmanClassifier{Clock: w.clock}
	sum := &LogSummary{}
	held := map[string]string{}
	br := bufio.NewReaderSize(r, 256*1024)
	num := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			num++
			l := line[:len(line)-1]
			if len(l) > 0 && l[len(l)-1] == '\r' {
				l = l[:len(l)-1]
			}
			dl := w.classifier.Classify(l, num)
			switch dl.Kind {
			case LineNodeCounts:
				sum.Counts = dl.Counts
			case LineOther:
				if dl.HasTS {
					if n, ok := heldCount(l); ok {
						sum.Held = n
					}
				}
			case LineULog:
				switch dl.Name {
				case "JOB_HELD":
					held[dl.Node] = ""
				case "JOB_RELEASED", "JOB_ABORTED", "JOB_TERMINATED", "EXECUTE":
					delete(held, dl.Node)
				}
			case LineHoldReason:
				if w.lastChanged != nil {
					held[w.lastChanged.node] = dl.Text
				}
			}
			w.lineNo = num
			if dl.HasTS {
				if w.recovery {
					if dl.Kind == LineRecoveryEnd {
						w.recovery = false
					}
				} else {
					w.handle(&dl)
				}
			}
			m.out.discard()
			if num&4095 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
		}
		if err != nil {
			if err != io.EOF {
				return nil, &ParseError{File: name, Line: num + 1, Err: err}
			}
			break
		}
	}
	sum.Finished, sum.ExitStatus, sum.Restarts = w.finished, w.exitStatus, w.restarts
	for _, n := range w.sortedNodes() {
		ni := w.nodes[n]
		inst := ni.latest
		if inst == nil {
			continue
		}
		ns := NodeState{Node: n, State: inst.state, Sched: inst.sched, Tries: ni.tries}
		switch inst.state {
		case stPostSuccess, stPostFailure:
			ns.ExitCode, ns.HasStatus = inst.postExit>>8, true
		case stPreSuccess, stPreFailure:
			ns.ExitCode, ns.HasStatus = inst.preExit>>8, true
		case stJobSuccess, stJobFailure:
			if inst.hasMainExit {
				ns.ExitCode, ns.HasStatus = RegularExit(inst.mainExit), true
			}
		}
		reason, isHeld := held[n]
		ns.Held, ns.HoldWhy = isHeld, reason
		switch inst.state {
		case stPostSuccess, stJobSuccess:
			ns.Outcome = "success"
		case stPostFailure, stJobFailure, stPreFailure, stSubmitFailed, stAborted:
			ns.Outcome = "failure"
		default:
			ns.Outcome = "running"
		}
		if ns.Held && ns.Outcome == "running" {
			ns.Outcome = "held"
		}
		sum.Nodes = append(sum.Nodes, ns)
	}
	sort.Slice(sum.Nodes, func(i, j int) bool { return sum.Nodes[i].Node < sum.Nodes[j].Node })
	return sum, nil
}

// heldCount reads "<n> job proc(s) currently held".
func heldCount(line []byte) (int, bool) {
	const suffix = " job proc(s) currently held"
	s := string(line)
	if len(s) < len(suffix) || s[len(s)-len(suffix):] != suffix {
		return 0, false
	}
	s = s[:len(s)-len(suffix)]
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	n := 0
	for _, c := range s[i:] {
		n = n*10 + int(c-'0')
	}
	return n, i < len(s)
}

// RegularExit converts a raw wait status to Pegasus's regular exit code:
// negative raw -> -128, a signal -> -signal, else the exit code.
func RegularExit(raw int) int {
	switch {
	case raw < 0:
		return -128
	case raw&0x7f != 0:
		return -(raw & 0x7f)
	}
	return raw >> 8
}
