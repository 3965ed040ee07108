package stampede

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"sync"
)

// hourAcc accumulates one HourStat.
type hourAcc struct {
	count, terms int64
	sum, abs     float64
}

func (a *hourAcc) add(x float64, has bool) {
	if has {
		a.sum += x
		a.abs += math.Abs(x)
		a.terms++
	}
}

// timeStatsScan computes TimeStats (unordered) as jobsPerHourSQL and
// invocationsPerHourSQL do, from plain scans assembled in arrays indexed by
// id, when the scope's ids are dense (ok false otherwise): it saves the
// queries' joins of jobstate and invocation with job_instance. The sums are
// added in scan order.
func (q *Scoped) timeStatsScan(ctx context.Context) (t TimeStats, ok bool, err error) {
	ids, dense, err := q.denseScope(ctx)
	if err != nil || !dense {
		return t, false, err
	}
	jobs, tries, nJobs, nTries := ids.jobs, ids.tries, ids.nJobs, ids.nTries
	hosts, err := q.hostNames(ctx)
	if err != nil {
		return t, false, err
	}
	idx := rowIndex

	// Per job of the scope: 1, or 2 for a sub-workflow job (0: not in the
	// scope).
	kind := make([]int8, max(jobs[1]-jobs[0]+1, 0))
	// Per instance of the scope's jobs: its job's kind, host_id (-1: none)
	// and local_duration (NaN: NULL).
	type inst struct {
		kind  int8
		host  int32 // index in names, -1: none
		local float64
	}
	// The host names, and the index of each host_id's.
	var names []string
	nameOf := map[int64]int32{}
	nameIdx := map[string]int32{}
	for id, name := range hosts {
		k, seen := nameIdx[name]
		if !seen {
			k = int32(len(names))
			names = append(names, name)
			nameIdx[name] = k
		}
		nameOf[id] = k
	}
	if len(names) > maxHourHosts {
		return t, false, nil
	}
	insts := make([]inst, max(tries[1]-tries[0]+1, 0))
	if nJobs > 0 {
		err = q.scan(ctx, `SELECT CAST(job_id AS BIGINT), type_desc IN ('dax', 'dag') FROM job WHERE `+q.where("wf_id")+
			" AND "+between("job_id", jobs), []colType{colInt64, colBool},
			func(v *scanRow) error {
				j, ok := idx(v, 0, jobs)
				sub, okS := v.boolean(1)
				if !ok || !okS {
					return errTimeRow
				}
				kind[j] = 1
				if sub {
					kind[j] = 2
				}
				return nil
			})
	}
	if err == nil && nTries > 0 {
		err = q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(job_id AS BIGINT), CAST(host_id AS BIGINT),
			CAST(local_duration AS DOUBLE) FROM job_instance WHERE `+between("job_id", jobs),
			[]colType{colInt64, colInt64, colInt64, colFloat64},
			func(v *scanRow) error {
				i, okI := idx(v, 0, tries)
				j, okJ := idx(v, 1, jobs)
				if !okI || !okJ {
					return errTimeRow
				}
				in := inst{kind: kind[j], host: -1, local: math.NaN()}
				if h, ok := v.i64(2); ok {
					if k, named := nameOf[h]; named {
						in.host = k
					}
				}
				if d, ok := v.f64(3); ok {
					in.local = d
				}
				insts[i] = in
				return nil
			})
	}
	if err != nil {
		return t, false, err
	}
	// hostOf returns the host name index of instance id, -1 when it has
	// none.
	hostOf := func(id int64) int32 {
		if i := id - tries[0]; nTries > 0 && i >= 0 && id <= tries[1] && insts[i].kind != 0 {
			return insts[i].host
		}
		return -1
	}
	jobAcc, invAcc := newHourAccs(len(names)), newHourAccs(len(names))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if nTries == 0 {
			return
		}
		errs[0] = q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(timestamp AS DOUBLE) FROM jobstate
			WHERE state = 'EXECUTE' AND `+between("job_instance_id", tries), []colType{colInt64, colFloat64},
			func(v *scanRow) error {
				i, ok := idx(v, 0, tries)
				ts, okT := v.f64(1)
				if !ok || !okT {
					return errTimeRow
				}
				in := &insts[i]
				if in.kind != 1 {
					return nil
				}
				hr := jobAcc.hour(int64(math.Trunc(ts / 3600)))
				has := in.local == in.local
				hr.plain.add(in.local, has)
				if has {
					hr.plain.count++
				}
				if in.host >= 0 {
					a := &hr.byHost[in.host]
					a.add(in.local, has)
					a.count++
				}
				return nil
			})
	}()
	go func() {
		defer wg.Done()
		errs[1] = q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(start_time AS DOUBLE), CAST(remote_duration AS DOUBLE)
			FROM invocation WHERE `+q.where("wf_id")+` AND transformation <> 'condor::dagman'`,
			[]colType{colInt64, colFloat64, colFloat64},
			func(v *scanRow) error {
				id, okI := v.i64(0)
				start, okS := v.f64(1)
				dur, okD := v.f64(2)
				if !okI || !okS || !okD {
					return errTimeRow
				}
				hr := invAcc.hour(int64(math.Trunc(start / 3600)))
				hr.plain.add(dur, true)
				hr.plain.count++
				if h := hostOf(id); h >= 0 {
					a := &hr.byHost[h]
					a.add(dur, true)
					a.count++
				}
				return nil
			})
	}()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return t, false, err
	}
	t.Jobs, t.JobsByHost = jobAcc.stats(names)
	t.Invocations, t.InvocationsByHost = invAcc.stats(names)
	return t, true, nil
}

var errTimeRow = errors.New("unexpected row in the time statistics")

// maxHourHosts is the most host names timeStatsScan handles (it keeps an
// accumulator per hour and host name); the queries handle more.
const maxHourHosts = 1024

// hourAccs accumulates the rows of an hourly table, per hour and per hour
// and host name.
type hourAccs struct {
	hosts int
	hours map[int64]*hourSlot
	last  *hourSlot // the hour of the previous row: rows come mostly in time order
}

type hourSlot struct {
	hour   int64
	plain  hourAcc
	byHost []hourAcc // by host name index
}

func newHourAccs(hosts int) *hourAccs { return &hourAccs{hosts: hosts, hours: map[int64]*hourSlot{}} }

// hour returns the slot of hour hr.
func (h *hourAccs) hour(hr int64) *hourSlot {
	if h.last != nil && h.last.hour == hr {
		return h.last
	}
	s := h.hours[hr]
	if s == nil {
		s = &hourSlot{hour: hr, byHost: make([]hourAcc, h.hosts)}
		h.hours[hr] = s
	}
	h.last = s
	return s
}

// stats returns the plain table, by hour, and the per-host one, by hour
// and host name.
func (h *hourAccs) stats(names []string) (plain, byHost []HourStat) {
	stat := func(hr int64, host string, a *hourAcc) HourStat {
		s := HourStat{Hour: hr, Host: host, Count: a.count, AbsSum: a.abs, Terms: a.terms}
		if a.terms > 0 {
			s.Runtime = sql.NullFloat64{Float64: a.sum, Valid: true}
		}
		return s
	}
	for hr, s := range h.hours {
		plain = append(plain, stat(hr, "", &s.plain))
		for k := range s.byHost {
			if a := &s.byHost[k]; a.count > 0 {
				byHost = append(byHost, stat(hr, names[k], a))
			}
		}
	}
	slices.SortFunc(plain, func(a, b HourStat) int { return cmp.Compare(a.Hour, b.Hour) })
	slices.SortFunc(byHost, func(a, b HourStat) int { return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Host, b.Host)) })
	return plain, byHost
}
