package stampede

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// countsScan computes WorkflowCounts as countsSQL does, from plain scans of
// job, job_instance and invocation assembled in arrays indexed by id, when
// the scope's ids are dense (ok false otherwise): the query groups every
// try by job in a hash table and joins the invocations with the result,
// which costs about twice as much on a million jobs.
func (q *Scoped) countsScan(ctx context.Context, pmc bool) (out map[int64]WorkflowCounts, ok bool, err error) {
	ids, dense, err := q.denseScope(ctx)
	if err != nil || !dense || ids.nJobs == 0 {
		return nil, false, err
	}
	jobs, tries, nTries := ids.jobs, ids.tries, ids.nTries
	idx := rowIndex
	posOf := make(map[int64]int32, len(q.scope))
	for i, id := range q.scope {
		posOf[id] = int32(i)
	}

	// Per job of the scope: its workflow's position+1 (0: not in the
	// scope), whether it is a sub-workflow job, and its tries: how many,
	// and the highest job_submit_seq with its exitcode and instance.
	type jobTries struct {
		pos      int32
		sub      bool
		hasExit  bool
		n        int32
		lastSeq  int32
		lastExit int32
		lastID   int64
	}
	perJob := make([]jobTries, jobs[1]-jobs[0]+1)
	err = q.scan(ctx, `SELECT CAST(job_id AS BIGINT), CAST(wf_id AS BIGINT), type_desc IN ('dax', 'dag') FROM job WHERE `+
		q.where("wf_id")+" AND "+between("job_id", jobs), []colType{colInt64, colInt64, colBool},
		func(v *scanRow) error {
			j, ok := idx(v, 0, jobs)
			wf, okW := v.i64(1)
			sub, okS := v.boolean(2)
			p, in := posOf[wf]
			if !ok || !okW || !okS || !in {
				return errCountsRow
			}
			perJob[j] = jobTries{pos: p + 1, sub: sub}
			return nil
		})
	if err != nil {
		return nil, false, err
	}

	// Per instance: its job's index+1 (0: not a job of the scope).
	instJob := make([]int32, max(tries[1]-tries[0]+1, 0))
	// The tasks of each workflow, by abs_task_id.
	type taskRuns struct {
		ok, okAny, bad bool
		n              int64
	}
	taskIdx := make([]map[string]int32, len(q.scope))
	taskAgg := make([][]taskRuns, len(q.scope))
	taskTotal := make([]int64, len(q.scope))
	hasTaskTotal := make([]bool, len(q.scope))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if nTries > 0 {
			errs[0] = q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(job_id AS BIGINT), CAST(job_submit_seq AS INTEGER),
				CAST(exitcode AS INTEGER) FROM job_instance WHERE `+between("job_id", jobs), []colType{colInt64, colInt64, colInt32, colInt32},
				func(v *scanRow) error {
					i, okI := idx(v, 0, tries)
					j, okJ := idx(v, 1, jobs)
					seq, okS := v.i32(2)
					if !okI || !okJ || !okS {
						return errCountsRow
					}
					t := &perJob[j]
					if t.pos == 0 {
						return nil
					}
					instJob[i] = int32(j) + 1
					if t.n == 0 || seq > t.lastSeq {
						t.lastSeq, t.lastID = seq, i+tries[0]
						t.lastExit, t.hasExit = v.i32(3)
					}
					t.n++
					return nil
				})
			if errs[0] != nil {
				return
			}
		}
		// The invocations once the last tries are known. Those of
		// sub-workflow jobs' instances count for nothing. Each workflow's
		// task map is made at its full size (growing it costs more).
		rows, err := q.db.SQL.QueryContext(ctx, `SELECT wf_id, count(*) FROM invocation WHERE `+q.where("wf_id")+
			` AND abs_task_id IS NOT NULL GROUP BY wf_id`)
		if err != nil {
			errs[0] = err
			return
		}
		for rows.Next() {
			var wf, n int64
			if errs[0] = rows.Scan(&wf, &n); errs[0] != nil {
				rows.Close()
				return
			}
			if p, in := posOf[wf]; in {
				taskIdx[p] = make(map[string]int32, n)
			}
		}
		rows.Close()
		if errs[0] = rows.Err(); errs[0] != nil {
			return
		}
		errs[0] = q.scan(ctx, `SELECT CAST(job_instance_id AS BIGINT), CAST(wf_id AS BIGINT), CAST(abs_task_id AS VARCHAR),
			CAST(exitcode AS INTEGER) FROM invocation WHERE `+q.where("wf_id")+` AND abs_task_id IS NOT NULL`,
			[]colType{colInt64, colInt64, colString, colInt32},
			func(v *scanRow) error {
				id, okI := v.i64(0)
				wf, okW := v.i64(1)
				task, okT := v.str(2)
				exit, okE := v.i32(3)
				p, in := posOf[wf]
				if !okI || !okW || !okT || !okE || !in {
					return errCountsRow
				}
				last := false
				if i := id - tries[0]; nTries > 0 && i >= 0 && id <= tries[1] && instJob[i] != 0 {
					t := &perJob[instJob[i]-1]
					if t.sub {
						return nil
					}
					last = t.lastID == id
				}
				m := taskIdx[p]
				if m == nil {
					m = map[string]int32{}
					taskIdx[p] = m
				}
				k, seen := m[task]
				if !seen {
					k = int32(len(taskAgg[p]))
					m[strings.Clone(task)] = k // task is DuckDB's memory
					taskAgg[p] = append(taskAgg[p], taskRuns{})
				}
				r := &taskAgg[p][k]
				r.ok = r.ok || last && exit == 0
				r.okAny = r.okAny || exit == 0
				r.bad = r.bad || last && exit != 0
				r.n++
				return nil
			})
	}()
	go func() {
		defer wg.Done()
		rows, err := q.db.SQL.QueryContext(ctx, `SELECT wf_id, count(*) FROM task t WHERE `+q.where("t.wf_id")+
			` AND t.type_desc NOT IN ('dax', 'dag') AND t.job_id IN (SELECT job_id FROM job) GROUP BY t.wf_id`)
		if err != nil {
			errs[1] = err
			return
		}
		defer rows.Close()
		for rows.Next() {
			var wf, n int64
			if err := rows.Scan(&wf, &n); err != nil {
				errs[1] = err
				return
			}
			if p, in := posOf[wf]; in {
				taskTotal[p], hasTaskTotal[p] = n, true
			}
		}
		errs[1] = rows.Err()
	}()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}

	// The job and sub-workflow counts of each workflow; [0] jobs, [1]
	// sub-workflows.
	type kindCounts struct {
		c    Counts
		seen bool
	}
	jobCounts := make([][2]kindCounts, len(q.scope))
	for j := range perJob {
		t := &perJob[j]
		if t.pos == 0 {
			continue
		}
		k := 0
		if t.sub {
			k = 1
		}
		c := &jobCounts[t.pos-1][k]
		c.seen = true
		c.c.Total++
		if t.n == 0 {
			continue
		}
		c.c.Retries += int64(t.n) - 1
		switch {
		case t.hasExit && t.lastExit == 0:
			c.c.Succeeded++
		case t.hasExit:
			c.c.Failed++
		}
	}
	out = map[int64]WorkflowCounts{}
	for p, wf := range q.scope {
		jc := jobCounts[p]
		if !jc[0].seen && !jc[1].seen && taskAgg[p] == nil && !hasTaskTotal[p] {
			continue
		}
		wc := WorkflowCounts{Jobs: jc[0].c, SubWorkflows: jc[1].c}
		var succeededAny int64
		for _, r := range taskAgg[p] {
			if r.ok {
				wc.Tasks.Succeeded++
			}
			if r.bad {
				wc.Tasks.Failed++
			}
			if r.okAny {
				succeededAny++
			}
			wc.Tasks.Retries += r.n - 1
		}
		if pmc {
			wc.Tasks.Succeeded = succeededAny
		}
		wc.Tasks.Total = taskTotal[p]
		out[wf] = wc
	}
	return out, true, nil
}

var errCountsRow = errors.New("unexpected row in the job counts")
