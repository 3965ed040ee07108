package synth

import (
	"encoding/json"
	"sort"
)

// Truth describes what Generate wrote, for tests to compare statistics
// against. docs/synth.md documents every field.
type Truth struct {
	Generator       string         `json:"generator"`
	Seed            uint64         `json:"seed"`
	Options         TruthOptions   `json:"options"`
	WfUUID          string         `json:"wf_uuid"`
	RootWfUUID      string         `json:"root_wf_uuid"`
	Label           string         `json:"label"`
	DAGFile         string         `json:"dag_file"`
	SubmitDir       string         `json:"submit_dir"`
	DAGNodes        int            `json:"dag_nodes"`
	Edges           int            `json:"edges"`
	NodesByType     map[string]int `json:"nodes_by_type"`
	ComputeTasks    int            `json:"compute_tasks"`
	JobInstances    int            `json:"job_instances"`
	Retries         int            `json:"retries"`
	JobsSucceeded   int            `json:"jobs_succeeded"`
	JobsFailed      int            `json:"jobs_failed"`
	JobsNeverRun    int            `json:"jobs_never_submitted"`
	TasksSucceeded  int            `json:"tasks_succeeded"`
	TasksFailed     int            `json:"tasks_failed"`
	TasksIncomplete int            `json:"tasks_incomplete"`
	// As pegasus-statistics counts tasks: by the exit code of the invocation
	// of each task's last try (a post-script failure has exit code 0).
	StatsTasksSucceeded int    `json:"statistics_tasks_succeeded"`
	StatsTasksFailed    int    `json:"statistics_tasks_failed"`
	TaskRetries         int    `json:"task_retries"`
	HeldEvents          int    `json:"held_events"`
	ReleasedEvents      int    `json:"released_events"`
	AbortedEvents       int    `json:"aborted_events"`
	DAGManExitStatus    int    `json:"dagman_exit_status"`
	RescueDAG           string `json:"rescue_dag"`
	WorkflowStart       int64  `json:"workflow_start_epoch"`
	WorkflowEnd         int64  `json:"workflow_end_epoch"`
	WorkflowWall        int64  `json:"workflow_wall_seconds"`
	// Kickstart side: sums of mainjob durations over every try with a record.
	KickstartSeconds       float64 `json:"kickstart_seconds"`
	KickstartBadputSeconds float64 `json:"kickstart_badput_seconds"`
	KickstartRecords       int     `json:"kickstart_records"`
	// Submit side: sums of JOB_TERMINATED - EXECUTE (whole seconds) over tries.
	SubmitSideSeconds       int64 `json:"submit_side_seconds"`
	SubmitSideBadputSeconds int64 `json:"submit_side_badput_seconds"`
	// AbortedRunSeconds sums JOB_ABORTED - EXECUTE of removed tries (not in SubmitSideSeconds).
	AbortedRunSeconds int64                `json:"aborted_run_seconds"`
	Transformations   []TransformationStat `json:"transformations"`
	Failures          []Failure            `json:"failures"`
	Files             int64                `json:"files"`
	Bytes             int64                `json:"bytes"`
}

// TruthOptions records the resolved options.
type TruthOptions struct {
	Jobs     int     `json:"jobs"`
	Width    int     `json:"width"`
	Depth    int     `json:"depth"`
	FailRate float64 `json:"fail_rate"`
	HoldRate float64 `json:"hold_rate"`
	Slots    int     `json:"slots"`
	Retry    int     `json:"retry"`
	Start    string  `json:"start"`
	TimeZone string  `json:"time_zone"`
}

// TransformationStat summarises the kickstart mainjob durations of one
// transformation over every try that has a kickstart record.
type TransformationStat struct {
	Name      string  `json:"name"`
	Count     int     `json:"count"`
	Succeeded int     `json:"succeeded"`
	Failed    int     `json:"failed"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Total     float64 `json:"total"`
}

// Failure is one failed job try.
type Failure struct {
	Job             string `json:"job"`
	Try             int    `json:"try"`
	Cause           string `json:"cause"`
	RawStatus       int    `json:"raw_status"`
	ExitCode        int    `json:"exit_code"`
	PostStatus      int    `json:"post_status"`
	StderrFirstLine string `json:"stderr_first_line"`
	HoldReason      string `json:"hold_reason,omitempty"`
	Final           bool   `json:"final"`
}

// truthAcc accumulates the truth during the simulation.
type truthAcc struct {
	submits, held, released, aborted int
	records                          int
	ksMs, ksBadMs                    int64
	ssSec, ssBadSec, abortedSec      int64
	xf                               []xfAcc
	failures                         []Failure
}

type xfAcc struct {
	n, ok, bad      int
	min, max, total int64
}

func (a *truthAcc) addTry(s *sim, t *tryRec) {
	if a.xf == nil {
		a.xf = make([]xfAcc, len(s.p.xf))
	}
	nd := s.p.nodes[t.node]
	if s.c.hasRecord(s.p, t) {
		a.records++
		a.ksMs += t.mainDur
		if t.raw > 0 {
			a.ksBadMs += t.mainDur
		}
		x := &a.xf[nd.xf]
		if x.n == 0 || t.mainDur < x.min {
			x.min = t.mainDur
		}
		if x.n == 0 || t.mainDur > x.max {
			x.max = t.mainDur
		}
		x.n++
		x.total += t.mainDur
		if t.raw == 0 {
			x.ok++
		} else {
			x.bad++
		}
	}
	if t.ran() {
		d := floorDiv(t.term, 1000) - floorDiv(t.exec, 1000)
		a.ssSec += d
		if t.post != 0 {
			a.ssBadSec += d
		}
	} else {
		a.abortedSec += floorDiv(t.abort, 1000) - floorDiv(t.exec1, 1000)
	}
	if t.post != 0 {
		f := Failure{Job: nd.name, Try: int(t.attempt) + 1, Cause: causeName[t.cause], RawStatus: int(t.raw),
			ExitCode: int(t.jobExit), PostStatus: int(t.post), StderrFirstLine: firstLine(taskStderr(s.c, s.p, t)), Final: t.final}
		switch {
		case t.cause == causeHeldAborted:
			f.RawStatus, f.ExitCode = -1, -1
		case !s.c.hasRecord(s.p, t):
			f.RawStatus = -1
		}
		if t.hold != holdNone {
			f.HoldReason = holdReason(s, t)
		}
		a.failures = append(a.failures, f)
	}
}

func (a *truthAcc) truth(c *config, p *plan, l *layout, s *sim) *Truth {
	t := &Truth{
		Generator:  "pegasus-synth",
		Seed:       c.Seed,
		WfUUID:     l.uuid,
		RootWfUUID: l.uuid,
		Label:      c.Label,
		DAGFile:    l.dag,
		SubmitDir:  l.submit,
		DAGNodes:   len(p.nodes),
		Edges:      len(p.edges),
		Options: TruthOptions{Jobs: c.Jobs, Width: c.Width, Depth: c.Depth, FailRate: c.FailRate, HoldRate: c.HoldRate,
			Slots: c.Slots, Retry: c.retry, Start: c.Start.In(c.Location).Format("2006-01-02T15:04:05-07:00"), TimeZone: c.Location.String()},
		NodesByType:             map[string]int{},
		ComputeTasks:            p.ncomp,
		JobInstances:            a.submits,
		HeldEvents:              a.held,
		ReleasedEvents:          a.released,
		AbortedEvents:           a.aborted,
		DAGManExitStatus:        s.exitStatus,
		WorkflowStart:           l.start,
		WorkflowEnd:             s.end,
		WorkflowWall:            s.end - l.start,
		KickstartSeconds:        float64(a.ksMs) / 1000,
		KickstartBadputSeconds:  float64(a.ksBadMs) / 1000,
		KickstartRecords:        a.records,
		SubmitSideSeconds:       a.ssSec,
		SubmitSideBadputSeconds: a.ssBadSec,
		AbortedRunSeconds:       a.abortedSec,
		Failures:                a.failures,
	}
	if t.Failures == nil {
		t.Failures = []Failure{}
	}
	if s.exitStatus != 0 {
		t.RescueDAG = l.dag + ".rescue001"
	}
	tried, computeTries, computeTried := 0, 0, 0
	for i, n := range p.nodes {
		if n.typ == typeCompute && s.lastTry[i] != nil {
			computeTried++
			computeTries += int(s.lastTry[i].attempt) + 1
			if last := s.lastTry[i]; last.cause == causeNone || last.cause == causePostScript {
				t.StatsTasksSucceeded++
			} else {
				t.StatsTasksFailed++
			}
		}
		t.NodesByType[typeDesc[n.typ]]++
		if s.lastTry[i] != nil {
			tried++
		}
		switch s.state[i] {
		case stDone:
			t.JobsSucceeded++
			if n.typ == typeCompute {
				t.TasksSucceeded++
			}
		case stFailed:
			t.JobsFailed++
			if n.typ == typeCompute {
				t.TasksFailed++
			}
		default:
			if s.lastTry[i] == nil {
				t.JobsNeverRun++
			}
			if n.typ == typeCompute {
				t.TasksIncomplete++
			}
		}
	}
	t.Retries = a.submits - tried
	t.TaskRetries = computeTries - computeTried
	for k, x := range a.xf {
		if x.n == 0 {
			continue
		}
		t.Transformations = append(t.Transformations, TransformationStat{Name: p.xf[k].name, Count: x.n, Succeeded: x.ok, Failed: x.bad,
			Min: float64(x.min) / 1000, Max: float64(x.max) / 1000, Total: float64(x.total) / 1000})
	}
	sort.Slice(t.Transformations, func(i, j int) bool { return t.Transformations[i].Name < t.Transformations[j].Name })
	return t
}

// MarshalIndent renders the truth as written to truth.json.
func (t *Truth) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
