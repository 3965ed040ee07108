package stampede

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
)

// A job listing over dense ids is assembled in Go from plain scans of each
// table (the scope's jobs, their instances, the invocations, and jobstate
// once per state), in arrays indexed by id: DuckDB then neither pivots
// jobstate in a hash aggregate nor joins the four results, which costs
// about twice as much on a million jobs. Every value is computed as
// jobRowsSQL computes it, in the same DOUBLE arithmetic.

// scanStates are the jobstate scans of a listing: the states each reads,
// and whether it keeps the latest time of an instance (else the earliest).
var scanStates = [...]struct {
	states string
	latest bool
}{
	{"'SUBMIT'", false},
	{"'EXECUTE'", false},
	{"'GRID_SUBMIT', 'GLOBUS_SUBMIT'", false},
	{"'POST_SCRIPT_TERMINATED'", false},
	{"'JOB_TERMINATED', 'POST_SCRIPT_STARTED'", true},
}

// The times of scanStates, in order.
const (
	tSubmit = iota
	tExecute
	tGridSubmit
	tPostEnd
	tPostStart
	scanTimes
)

// scanInst is what the scans gather about one job instance.
type scanInst struct {
	job                int64 // 0: no such instance
	host               int64 // -1: none
	mult, exit         int64
	seq                int32
	site               int32 // index in sites, -1: none
	ks, ksMult         float64
	cpu                float64
	local, clust       float64
	valid              uint16 // validMult, validExit and 1<<vKickstart etc.
	hasLocal, hasClust bool
}

// jobListingScans fills l with the tries of the scope, whose job_id and
// job_instance_id lie in jobs and tries (dense ranges), as one part.
func (q *Scoped) jobListingScans(ctx context.Context, l *JobListing, jobs, tries [2]int64) error {
	insts := make([]scanInst, tries[1]-tries[0]+1)
	// times[k][i] is the time of scanStates[k] of instance i, NaN when it
	// has none (one array per scan: they run concurrently).
	var times [scanTimes][]float64
	for k := range times {
		times[k] = make([]float64, len(insts))
		for i := range times[k] {
			times[k][i] = math.NaN()
		}
	}
	jobPos := make([]int32, jobs[1]-jobs[0]+1) // position+1 in the scope, 0: not in scope
	jobName := make([][2]uint32, len(jobPos))  // offset and length in names
	var names []byte
	var sites []string
	posOf := make(map[int64]int32, len(q.scope))
	for i, id := range q.scope {
		posOf[id] = int32(i)
	}
	idx := rowIndex
	var wg sync.WaitGroup
	errs := make([]error, 3+len(scanStates))
	run := func(k int, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = f()
		}()
	}
	run(0, func() error {
		return q.scan(ctx, `SELECT CAST(job_id AS BIGINT), CAST(wf_id AS BIGINT), exec_job_id FROM job WHERE `+q.where("wf_id")+" AND "+between("job_id", jobs),
			[]colType{colInt64, colInt64, colString},
			func(v *scanRow) error {
				j, ok := idx(v, 0, jobs)
				wf, okW := v.i64(1)
				name, okN := v.str(2)
				if !ok || !okW || !okN {
					return errJobRow
				}
				p, in := posOf[wf]
				if !in {
					return nil
				}
				if len(names)+len(name) > math.MaxUint32 {
					return errors.New("job listing over 4 GB")
				}
				jobPos[j] = p + 1
				jobName[j] = [2]uint32{uint32(len(names)), uint32(len(name))}
				names = append(names, name...)
				return nil
			})
	})
	run(1, func() error {
		siteIdx := map[string]int32{}
		err := q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(job_id AS BIGINT), CAST(job_submit_seq AS INTEGER), site,
			CAST(multiplier_factor AS INTEGER), CAST(local_duration AS DOUBLE), CAST(cluster_duration AS DOUBLE),
			CAST(host_id AS BIGINT) FROM job_instance WHERE `+between("job_instance_id", tries),
			[]colType{colInt64, colInt64, colInt32, colString, colInt32, colFloat64, colFloat64, colInt64},
			func(v *scanRow) error {
				i, ok := idx(v, 0, tries)
				job, okJ := v.i64(1)
				seq, okS := v.i32(2)
				if !ok || !okJ || !okS || job == 0 {
					return errJobRow
				}
				in := &insts[i]
				in.job, in.seq, in.site, in.host = job, seq, -1, -1
				if s, ok := v.str(3); ok {
					k, seen := siteIdx[s]
					if !seen {
						k = int32(len(sites))
						s = strings.Clone(s) // s is DuckDB's memory
						sites = append(sites, s)
						siteIdx[s] = k
					}
					in.site = k
				}
				if m, ok := v.i32(4); ok {
					in.mult, in.valid = int64(m), in.valid|validMult
				}
				in.local, in.hasLocal = v.f64(5)
				in.clust, in.hasClust = v.f64(6)
				if h, ok := v.i64(7); ok {
					in.host = h
				}
				return nil
			})
		if err != nil {
			return err
		}
		// The invocations come after the instances: Kickstart-Mult needs
		// their multiplier factors. Sums run in the table's order.
		return q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(task_submit_seq AS INTEGER), CAST(remote_duration AS DOUBLE),
			CAST(remote_cpu_time AS DOUBLE), CAST(exitcode AS INTEGER) FROM invocation WHERE task_submit_seq >= -1 AND `+between("job_instance_id", tries),
			[]colType{colInt64, colInt32, colFloat64, colFloat64, colInt32},
			func(v *scanRow) error {
				i, ok := idx(v, 0, tries)
				seq, okS := v.i32(1)
				dur, okD := v.f64(2)
				exit, okE := v.i32(4)
				if !ok || !okS || !okD || !okE {
					return errJobRow
				}
				in := &insts[i]
				if in.valid&validExit == 0 || int64(exit) > in.exit {
					in.exit, in.valid = int64(exit), in.valid|validExit
				}
				if seq < 0 { // the PRE script's record: its exit code only
					return nil
				}
				in.ks += dur
				in.ksMult += dur * float64(in.mult)
				in.valid |= 1<<vKickstart | 1<<vKickstartMult
				if c, ok := v.f64(3); ok {
					in.cpu += c
					in.valid |= 1 << vCPUTime
				}
				return nil
			})
	})
	for k, s := range scanStates {
		run(2+k, func() error {
			return q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(timestamp AS DOUBLE) FROM jobstate WHERE state IN (`+s.states+`) AND `+
				between("job_instance_id", tries), []colType{colInt64, colFloat64},
				func(v *scanRow) error {
					i, ok := idx(v, 0, tries)
					ts, okT := v.f64(1)
					if !ok || !okT {
						return errJobRow
					}
					if t := times[k][i]; t != t || s.latest && ts > t || !s.latest && ts < t {
						times[k][i] = ts
					}
					return nil
				})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	// The rows, in id order (the order does not matter: they are sorted).
	n := 0
	for i := range insts {
		if j := insts[i].job - jobs[0]; insts[i].job != 0 && j >= 0 && j < int64(len(jobPos)) && jobPos[j] != 0 {
			n++
		}
	}
	p := jobPart{rows: make([]tryRow, 0, n), arena: make([]byte, 0, n*32)}
	l.order = make([]jobRow, 0, n)
	for i := range insts {
		in := &insts[i]
		j := in.job - jobs[0]
		if in.job == 0 || j < 0 || j >= int64(len(jobPos)) || jobPos[j] == 0 {
			continue
		}
		pos := jobPos[j] - 1
		r := tryRow{job: in.job, host: in.host, pos: pos, mult: in.mult, exit: in.exit, valid: in.valid}
		r.v[vKickstart], r.v[vCPUTime] = in.ks, in.cpu
		r.v[vKickstartMult] = in.ksMult
		if q.unitMult {
			r.v[vKickstartMult] = in.ks
		}
		var t [scanTimes]float64
		for k := range t {
			t[k] = times[k][i]
		}
		has := func(k int) bool { return t[k] == t[k] }
		if has(tPostEnd) && has(tPostStart) {
			r.v[vPost], r.valid = t[tPostEnd]-t[tPostStart], r.valid|1<<vPost
		}
		// least() of the two, ignoring a missing one, as DuckDB's does.
		if first, ok := t[tExecute], has(tExecute); has(tSubmit) && (ok || has(tGridSubmit)) {
			if has(tGridSubmit) && (!ok || t[tGridSubmit] < first) {
				first = t[tGridSubmit]
			}
			r.v[vCondorQTime], r.valid = first-t[tSubmit], r.valid|1<<vCondorQTime
		}
		if has(tExecute) && has(tGridSubmit) {
			r.v[vResource], r.valid = t[tExecute]-t[tGridSubmit], r.valid|1<<vResource
		}
		if in.hasLocal {
			r.v[vRuntime], r.valid = in.local, r.valid|1<<vRuntime
		}
		if in.hasClust {
			r.v[vSeqexec], r.valid = in.clust, r.valid|1<<vSeqexec
		}
		nm := jobName[j]
		name := names[nm[0] : nm[0]+nm[1]]
		var site string
		if in.site >= 0 {
			site = sites[in.site]
			r.valid |= validSite
		}
		if len(p.arena)+len(name)+len(site) > math.MaxUint32 {
			return errors.New("job listing over 4 GB")
		}
		r.off, r.jobLen, r.siteLn = uint32(len(p.arena)), uint32(len(name)), uint32(len(site))
		p.arena = append(append(p.arena, name...), site...)
		l.order = append(l.order, jobRow{key: uint64(pos)<<32 | uint64(uint32(in.seq)^1<<31), id: int64(i) + tries[0], idx: uint32(len(p.rows))})
		p.rows = append(p.rows, r)
	}
	l.parts = []jobPart{p}
	return nil
}

// scopeIDs are the ranges of the scope's job_ids and of their
// job_instance_ids, and how many of each there are.
type scopeIDs struct {
	jobs, tries   [2]int64
	nJobs, nTries int64
}

// denseScope returns the scope's id ranges, and whether both are dense
// enough to index arrays by id (a scope without jobs is).
func (q *Scoped) denseScope(ctx context.Context) (ids scopeIDs, dense bool, err error) {
	var n, lo, hi sql.NullInt64
	err = q.db.SQL.QueryRowContext(ctx, `SELECT count(*), min(job_id), max(job_id) FROM job WHERE `+q.where("wf_id")).
		Scan(&n, &lo, &hi)
	if err != nil || n.Int64 > 0 && !denseIDs(n.Int64, lo.Int64, hi.Int64) {
		return ids, false, err
	}
	ids.jobs, ids.nJobs = [2]int64{lo.Int64, hi.Int64}, n.Int64
	err = q.db.SQL.QueryRowContext(ctx, `SELECT count(*), min(job_instance_id), max(job_instance_id) FROM job_instance WHERE `+
		between("job_id", ids.jobs)).Scan(&n, &lo, &hi)
	if err != nil || n.Int64 > 0 && !denseIDs(n.Int64, lo.Int64, hi.Int64) {
		return ids, false, err
	}
	ids.tries, ids.nTries = [2]int64{lo.Int64, hi.Int64}, n.Int64
	return ids, true, nil
}

// between is the SQL condition col BETWEEN r[0] AND r[1].
func between(col string, r [2]int64) string {
	return fmt.Sprintf("%s BETWEEN %d AND %d", col, r[0], r[1])
}

// rowIndex returns the offset in r of the id in column col of the row, and
// whether it is there (not NULL, within r).
func rowIndex(v *scanRow, col int, r [2]int64) (int64, bool) {
	id, ok := v.i64(col)
	return id - r[0], ok && id >= r[0] && id <= r[1]
}
