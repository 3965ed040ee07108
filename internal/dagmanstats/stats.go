// Package dagmanstats keeps the "DAGMan Runtime Statistics" DAGMan logs
// after its status tables (its cycle times as ClassAd statistics), for the
// executor, which measures them, and for pegasus-synth, which invents them.
package dagmanstats

import (
	"math"
	"strconv"
)

// Acc accumulates one runtime statistic.
type Acc struct {
	n, sum, sumsq, min, max float64
}

// Add records one value.
func (a *Acc) Add(v float64) {
	if a.n == 0 || v < a.min {
		a.min = v
	}
	if a.n == 0 || v > a.max {
		a.max = v
	}
	a.n++
	a.sum += v
	a.sumsq += v * v
}

// AppendTo appends "<name>Avg = ...; <name>Count = ...; ..." as DAGMan
// prints it: only Count and Sum while nothing was recorded.
func (a *Acc) AppendTo(b []byte, name string) []byte {
	kv := func(b []byte, key string, v float64) []byte {
		b = append(b, name...)
		b = append(b, key...)
		b = append(b, " = "...)
		b = AppendReal(b, v)
		return append(b, "; "...)
	}
	if a.n == 0 {
		b = kv(b, "Count", 0)
		return kv(b, "Sum", 0)
	}
	std := a.sum / a.n
	if a.n > 1 {
		std = math.Sqrt(math.Max(0, (a.sumsq-a.sum*a.sum/a.n)/(a.n-1)))
	}
	b = kv(b, "Avg", a.sum/a.n)
	b = kv(b, "Count", a.n)
	b = kv(b, "Max", a.max)
	b = kv(b, "Min", a.min)
	b = kv(b, "Std", std)
	return kv(b, "Sum", a.sum)
}

// Runtime is the set of statistics of DAGMan's event loop.
type Runtime struct {
	Event, LogProcess, Sleep, Submit Acc
}

// AppendTo appends the statistics in DAGMan's order.
func (r *Runtime) AppendTo(b []byte) []byte {
	b = r.Event.AppendTo(b, "EventCycleTime")
	b = r.LogProcess.AppendTo(b, "LogProcessCycleTime")
	b = r.Sleep.AppendTo(b, "SleepCycleTime")
	return r.Submit.AppendTo(b, "SubmitCycleTime")
}

// AppendReal formats v like a ClassAd real ("%.16G", always with a point
// or an exponent).
func AppendReal(b []byte, v float64) []byte {
	s := strconv.FormatFloat(v, 'G', 16, 64)
	b = append(b, s...)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == 'E' {
			return b
		}
	}
	return append(b, ".0"...)
}
