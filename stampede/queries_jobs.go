package stampede

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// JobColumns are the columns of Pegasus's job-instance listing (jobs.txt,
// TOOLS.md §1.11.6), in order.
var JobColumns = []string{"Job", "Try", "Site", "Kickstart", "Mult", "Kickstart-Mult", "CPU-Time", "Post",
	"CondorQTime", "Resource", "Runtime", "Seqexec", "Seqexec-Delay", "Exitcode", "Hostname"}

// A job listing has one row per try of every job and can have millions of
// rows. The query returns raw values, which are read from the driver
// directly (no database/sql conversion) and formatted by the caller, in
// parallel: that is cheaper than formatting fifteen cells per row in SQL.
//
// The SQL forms of Pegasus's formatting below print exactly what package
// report prints (fstr is Python's repr(round(x, 3)): DuckDB's DOUBLE to
// VARCHAR cast prints exactly Python's repr, and printf('%.3f') rounds the
// exact binary value, ties to even, as Python's round does; tested against
// report.Fstr), for queries that print values themselves.

// fstrSQL is report.Fstr in SQL, of a DOUBLE expression v. A whole number
// (the usual case: DAGMan's times are whole seconds) prints as its integer
// and ".0". Otherwise, when v equals round(v·1000)/1000, v is the double
// nearest a number with at most three decimals and its VARCHAR cast already
// is repr(round(v, 3)); else printf rounds the exact value.
func fstrSQL(v string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN '-'
		WHEN %[1]s = trunc(%[1]s) AND abs(%[1]s) < 1e15 AND %[1]s <> 0 THEN CAST(CAST(%[1]s AS BIGINT) AS VARCHAR) || '.0'
		WHEN %[1]s = round(%[1]s * 1000) / 1000 THEN CAST(%[1]s AS VARCHAR)
		ELSE CAST(CAST(printf('%%.3f', %[1]s) AS DOUBLE) AS VARCHAR) END`, v)
}

// exitcodeSQL is report.RawToRegular in SQL, "None" for NULL.
func exitcodeSQL(e string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN 'None' WHEN %[1]s < 0 THEN '-128'
		WHEN %[1]s %% 128 <> 0 THEN CAST(-(%[1]s %% 128) AS VARCHAR) ELSE CAST(%[1]s // 256 AS VARCHAR) END`, e)
}

// jobRowsSQL lists every try of the scope with the raw values of its
// cells, in no particular order (sorting, numbering the tries and naming
// the hosts is cheaper in Go than in the query). The times come from
// jobstate (the earliest row of a state when it occurs more than once);
// Kickstart, Kickstart-Mult and CPU-Time sum the try's task invocations (no
// PRE or POST script record); Exitcode is the highest raw status among its
// invocations, PRE script included.
const jobRowsSQL = `
WITH scope(wf_id, pos) AS (SELECT * FROM (VALUES %[1]s)),
ji AS (
	SELECT s.pos, j.exec_job_id, ji.job_id, ji.job_instance_id, ji.job_submit_seq, ji.site, ji.multiplier_factor,
		ji.local_duration, ji.cluster_duration, ji.host_id
	FROM job j JOIN scope s ON s.wf_id = j.wf_id JOIN job_instance ji ON ji.job_id = j.job_id
	WHERE %[7]s
), inv AS (
	SELECT i.job_instance_id,
		sum(CASE WHEN i.task_submit_seq >= 0 THEN i.remote_duration END) AS ks,
		sum(CASE WHEN i.task_submit_seq >= 0 THEN %[2]s END) AS ks_mult,
		sum(CASE WHEN i.task_submit_seq >= 0 THEN i.remote_cpu_time END) AS cpu,
		max(CASE WHEN i.task_submit_seq >= -1 THEN i.exitcode END) AS exitcode
	FROM invocation i %[3]s
	WHERE %[4]s AND i.task_submit_seq >= -1 -- POST script records count for nothing here
	GROUP BY i.job_instance_id
), st AS (
	-- One string comparison chain per row; the aggregates compare codes.
	SELECT job_instance_id,
		min(CASE WHEN c = 1 THEN timestamp END) AS submit,
		min(CASE WHEN c = 2 THEN timestamp END) AS execute,
		min(CASE WHEN c = 3 THEN timestamp END) AS grid_submit,
		min(CASE WHEN c = 4 THEN timestamp END) AS post_end,
		max(CASE WHEN c = 5 THEN timestamp END) AS post_start
	FROM (SELECT job_instance_id, timestamp,
			CASE state WHEN 'EXECUTE' THEN 2 WHEN 'SUBMIT' THEN 1 WHEN 'JOB_TERMINATED' THEN 5
				WHEN 'POST_SCRIPT_TERMINATED' THEN 4 WHEN 'POST_SCRIPT_STARTED' THEN 5
				WHEN 'GRID_SUBMIT' THEN 3 WHEN 'GLOBUS_SUBMIT' THEN 3 END AS c
		FROM jobstate js %[5]s)
	WHERE c IS NOT NULL
	GROUP BY job_instance_id
)
SELECT CAST(ji.pos AS BIGINT), CAST(ji.job_submit_seq AS BIGINT), CAST(ji.job_instance_id AS BIGINT),
	CAST(ji.job_id AS BIGINT), CAST(ji.host_id AS BIGINT), CAST(ji.exec_job_id AS VARCHAR), CAST(ji.site AS VARCHAR), CAST(ji.multiplier_factor AS BIGINT), CAST(inv.exitcode AS BIGINT),
	CAST(inv.ks AS DOUBLE), CAST(%[6]s AS DOUBLE), CAST(inv.cpu AS DOUBLE), CAST(st.post_end - st.post_start AS DOUBLE),
	CAST(least(st.grid_submit, st.execute) - st.submit AS DOUBLE), CAST(st.execute - st.grid_submit AS DOUBLE),
	CAST(ji.local_duration AS DOUBLE), CAST(ji.cluster_duration AS DOUBLE)
FROM ji LEFT JOIN inv ON inv.job_instance_id = ji.job_instance_id
	LEFT JOIN st ON st.job_instance_id = ji.job_instance_id`

// The values of a try, in the order of the query's DOUBLE columns.
const (
	vKickstart = iota
	vKickstartMult
	vCPUTime
	vPost
	vCondorQTime
	vResource
	vRuntime
	vSeqexec
	jobValues
)

// Bits of jobRow.valid beyond the values' (bit i: v[i] is not NULL).
const (
	validMult = 1 << (jobValues + iota)
	validExit
	validSite
)

// JobListing is the job-instance listing of a scope (jobs.txt): one row
// per try of every job of each workflow (sub-workflow and auxiliary jobs
// included), ordered by workflow (in scope order) then job_submit_seq. The
// values are raw, as the database has them; package report formats them.
// It is held in memory, about 170 bytes a row.
type JobListing struct {
	parts []jobPart // the rows, as the queries returned them
	order []jobRow  // the listing's order: row(order[i].idx) is row i
	hosts map[int64]string
}

// jobPart holds the rows one query of the listing returned.
type jobPart struct {
	arena []byte   // exec_job_id and site of each row
	rows  []tryRow // in the order the query returned them
}

// A jobRow's idx is the part in its top bits and the index of the row in
// the part below partShift.
const (
	partShift = 29
	maxParts  = 1 << (32 - partShift)
)

// row returns the row at idx.
func (l *JobListing) row(idx uint32) *tryRow {
	return &l.parts[idx>>partShift].rows[idx&(1<<partShift-1)]
}

// arenaOf returns the arena of the row at idx.
func (l *JobListing) arenaOf(idx uint32) []byte { return l.parts[idx>>partShift].arena }

// jobRow is the sort key of a row: sorting these small records and
// reading the rows through them is cheaper than moving the rows.
type jobRow struct {
	key uint64 // workflow position and job_submit_seq, the sort order
	id  int64  // job_instance_id, for ties
	idx uint32 // index in rows
}

type tryRow struct {
	job, host      int64 // host -1: none
	try            int64
	mult, exit     int64
	v              [jobValues]float64
	off            uint32 // exec_job_id, then site, in arena
	jobLen, siteLn uint32
	pos            int32
	valid          uint16
}

// JobTry is one row of the job-instance listing (TOOLS.md §1.11.6), with
// NULL where Pegasus prints "-" or "None".
type JobTry struct {
	Job  string // exec_job_id
	Try  int64  // 1 for the job's first try (in job_submit_seq order), ...
	Site sql.NullString
	// Kickstart and CPUTime sum remote_duration and remote_cpu_time over
	// the try's task invocations (no PRE or POST script record);
	// KickstartMult sums remote_duration × multiplier_factor.
	Kickstart     sql.NullFloat64
	Mult          sql.NullInt64
	KickstartMult sql.NullFloat64
	CPUTime       sql.NullFloat64
	// Post is POST_SCRIPT_TERMINATED − the later of POST_SCRIPT_STARTED and
	// JOB_TERMINATED; CondorQTime the first of GRID_SUBMIT, GLOBUS_SUBMIT
	// and EXECUTE − SUBMIT; Resource EXECUTE − the first GRID_SUBMIT or
	// GLOBUS_SUBMIT.
	Post, CondorQTime, Resource sql.NullFloat64
	Runtime                     sql.NullFloat64 // local_duration
	Seqexec                     sql.NullFloat64 // cluster_duration
	SeqexecDelay                sql.NullFloat64 // Seqexec − Kickstart
	// Exitcode is the raw status: the highest of the try's invocations,
	// PRE script included, POST script not.
	Exitcode sql.NullInt64
	Host     sql.NullString
}

// JobListing reads the scope's job-instance listing.
func (q *Scoped) JobListing(ctx context.Context) (*JobListing, error) {
	return q.jobListing(ctx, listingAuto, jobListingRows, runtime.GOMAXPROCS(0))
}

// How a job listing is read.
type listingMethod int

const (
	// listingAuto: by scans when the scope's ids are dense, else by query.
	listingAuto listingMethod = iota
	// listingQuery: by jobRowsSQL, in at most parts ranges of at least
	// about minRows tries each.
	listingQuery
	// listingScans: by scanning each table and assembling the rows in Go
	// (jobListingScans).
	listingScans
)

// jobListing reads the listing by method how.
func (q *Scoped) jobListing(ctx context.Context, how listingMethod, minRows int64, parts int) (*JobListing, error) {
	l := &JobListing{}
	if len(q.scope) == 0 {
		return l, nil
	}
	hosts, err := q.hostNames(ctx)
	if err != nil {
		return nil, err
	}
	l.hosts = hosts
	var pos []string
	for i, id := range q.scope {
		pos = append(pos, fmt.Sprintf("(%d, %d)", id, i))
	}
	// With every multiplier 1, Kickstart-Mult is Kickstart: the query
	// leaves it NULL and the row copies it.
	durMult, join, ksMult := "i.remote_duration", "", "NULL"
	if !q.unitMult {
		durMult = "i.remote_duration * m.multiplier_factor"
		join = "JOIN job_instance m ON m.job_instance_id = i.job_instance_id"
		ksMult = "inv.ks_mult"
	}
	var count, minJob, maxJob, minTry, maxTry sql.NullInt64
	err = q.db.SQL.QueryRowContext(ctx, `SELECT count(*), min(job_id), max(job_id), min(job_instance_id), max(job_instance_id)
		FROM `+q.instances()).Scan(&count, &minJob, &maxJob, &minTry, &maxTry)
	if err != nil {
		return nil, fmt.Errorf("%s: job instance statistics: %w", q.db.Path, err)
	}
	if count.Int64 == 0 {
		return l, nil
	}
	if how == listingAuto && denseIDs(count.Int64, minTry.Int64, maxTry.Int64) && denseIDs(count.Int64, minJob.Int64, maxJob.Int64) {
		how = listingScans
	}
	if how == listingScans {
		if err := q.jobListingScans(ctx, l, [2]int64{minJob.Int64, maxJob.Int64}, [2]int64{minTry.Int64, maxTry.Int64}); err != nil {
			return nil, fmt.Errorf("%s: job instance statistics: %w", q.db.Path, err)
		}
		l.numberTries(minJob.Int64, maxJob.Int64)
		return l, nil
	}
	// A long listing is read in ranges of job_instance_id, one per CPU,
	// each by its own query on its own connection: converting the rows from
	// the driver's vectors, which takes longer than the query, then runs
	// on every CPU.
	ranges := jobListingRanges(count.Int64, minTry.Int64, maxTry.Int64, minRows, parts)
	l.parts = make([]jobPart, len(ranges))
	orders := make([][]jobRow, len(ranges))
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	for k, r := range ranges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := fmt.Sprintf("BETWEEN %d AND %d", r[0], r[1])
			jsWhere := "WHERE js.job_instance_id " + ids
			if !q.all {
				jsWhere += " AND js.job_instance_id IN (SELECT job_instance_id FROM ji)"
			}
			stmt := fmt.Sprintf(jobRowsSQL, strings.Join(pos, ", "), durMult, join,
				q.where("i.wf_id")+" AND i.job_instance_id "+ids, jsWhere, ksMult, "ji.job_instance_id "+ids)
			n := count.Int64/int64(len(ranges)) + 1
			if len(ranges) > 1 {
				n += n / 8 // the ids may not spread evenly
			}
			p := &l.parts[k]
			p.rows = make([]tryRow, 0, n)
			p.arena = make([]byte, 0, n*32)
			orders[k] = make([]jobRow, 0, n)
			errs[k] = q.fetchJobRows(ctx, stmt, uint32(k), p, &orders[k])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: job instance statistics: %w", q.db.Path, err)
	}
	if len(orders) == 1 {
		l.order = orders[0]
	} else {
		l.order = slices.Concat(orders...)
	}
	l.numberTries(minJob.Int64, maxJob.Int64)
	return l, nil
}

// numberTries orders the rows by workflow and job_submit_seq, then numbers
// each job's tries (counted in an array when the job ids, from minJob to
// maxJob, are dense, as they are when one load numbered them).
func (l *JobListing) numberTries(minJob, maxJob int64) {
	sortJobRows(l.order)
	var dense []int32
	var sparse map[int64]int64
	if denseIDs(int64(len(l.order)), minJob, maxJob) {
		dense = make([]int32, maxJob-minJob+1)
	} else {
		sparse = make(map[int64]int64, len(l.order))
	}
	for _, o := range l.order {
		r := l.row(o.idx)
		if j := r.job - minJob; dense != nil && j >= 0 && j < int64(len(dense)) {
			dense[j]++
			r.try = int64(dense[j])
		} else {
			if sparse == nil {
				sparse = map[int64]int64{}
			}
			sparse[r.job]++
			r.try = sparse[r.job]
		}
	}
}

// denseIDs reports whether n ids from lo to hi are dense enough to index
// arrays by id.
func denseIDs(n, lo, hi int64) bool { return hi >= lo && hi-lo+1 <= 4*n+1024 }

// fetchJobRows runs a listing query and appends its rows to l, part k of
// the listing, and their sort keys to order.
func (q *Scoped) fetchJobRows(ctx context.Context, stmt string, k uint32, l *jobPart, order *[]jobRow) error {
	types := []colType{colInt64, colInt64, colInt64, colInt64, colInt64, colString, colString, colInt64, colInt64}
	for range jobValues {
		types = append(types, colFloat64)
	}
	return q.scan(ctx, stmt, types, func(v *scanRow) error {
		p, okP := v.i64(0)
		seq, okS := v.i64(1)
		id, okI := v.i64(2)
		job, okJ := v.i64(3)
		name, okN := v.str(5)
		if !okP || !okS || !okI || !okJ || !okN || p < 0 || p >= int64(len(q.scope)) || seq < math.MinInt32 || seq > math.MaxInt32 {
			return errJobRow
		}
		if len(l.rows) >= 1<<partShift {
			return errors.New("job listing over 500 million rows in one range")
		}
		*order = append(*order, jobRow{key: uint64(p)<<32 | uint64(uint32(int32(seq))^1<<31), id: id, idx: k<<partShift | uint32(len(l.rows))})
		r := tryRow{job: job, host: -1, pos: int32(p)}
		if h, ok := v.i64(4); ok {
			r.host = h
		}
		site, hasSite := v.str(6)
		if hasSite {
			r.valid |= validSite
		}
		if m, ok := v.i64(7); ok {
			r.mult, r.valid = m, r.valid|validMult
		}
		if e, ok := v.i64(8); ok {
			r.exit, r.valid = e, r.valid|validExit
		}
		for k := range jobValues {
			if f, ok := v.f64(9 + k); ok {
				r.v[k], r.valid = f, r.valid|1<<k
			}
		}
		if q.unitMult {
			r.v[vKickstartMult] = r.v[vKickstart]
			r.valid = r.valid&^(1<<vKickstartMult) | (r.valid>>vKickstart&1)<<vKickstartMult
		}
		if len(l.arena)+len(name)+len(site) > math.MaxUint32 {
			return errors.New("job listing over 4 GB")
		}
		r.off, r.jobLen, r.siteLn = uint32(len(l.arena)), uint32(len(name)), uint32(len(site))
		l.arena = append(append(l.arena, name...), site...)
		l.rows = append(l.rows, r)
		return nil
	})
}

var errJobRow = errors.New("unexpected row in the job listing")

// jobListingRows is the fewest tries one query of a job listing reads
// when the listing is read by several.
const jobListingRows = 100000

// jobListingRanges splits the job_instance_id range [lo, hi] of n tries
// into at most parts ranges (and maxParts), each of at least about minRows
// tries when the ids spread evenly.
func jobListingRanges(n, lo, hi, minRows int64, parts int) [][2]int64 {
	k := min(max(n/max(minRows, 1), 1), int64(parts), maxParts, max(hi-lo+1, 1))
	out := make([][2]int64, 0, k)
	start := lo
	for i := int64(1); i <= k; i++ {
		end := lo + (hi-lo+1)*i/k - 1
		if i == k {
			end = hi
		}
		out = append(out, [2]int64{start, end})
		start = end + 1
	}
	return out
}

// Len is the number of rows (tries).
func (l *JobListing) Len() int { return len(l.order) }

// Row fills t with row i and returns the position in the scope of the
// row's workflow. t's strings stay valid as long as l.
func (l *JobListing) Row(i int, t *JobTry) int {
	idx := l.order[i].idx
	r, arena := l.row(idx), l.arenaOf(idx)
	t.Job = unsafe.String(unsafe.SliceData(arena[r.off:]), int(r.jobLen))
	t.Try = r.try
	t.Site = sql.NullString{Valid: r.valid&validSite != 0}
	if t.Site.Valid {
		t.Site.String = unsafe.String(unsafe.SliceData(arena[r.off+r.jobLen:]), int(r.siteLn))
	}
	t.Mult = sql.NullInt64{Int64: r.mult, Valid: r.valid&validMult != 0}
	t.Exitcode = sql.NullInt64{Int64: r.exit, Valid: r.valid&validExit != 0}
	f := func(k int) sql.NullFloat64 { return sql.NullFloat64{Float64: r.v[k], Valid: r.valid&(1<<k) != 0} }
	t.Kickstart, t.KickstartMult, t.CPUTime = f(vKickstart), f(vKickstartMult), f(vCPUTime)
	t.Post, t.CondorQTime, t.Resource = f(vPost), f(vCondorQTime), f(vResource)
	t.Runtime, t.Seqexec = f(vRuntime), f(vSeqexec)
	t.SeqexecDelay = sql.NullFloat64{}
	if t.Seqexec.Valid && t.Kickstart.Valid {
		t.SeqexecDelay = sql.NullFloat64{Float64: t.Seqexec.Float64 - t.Kickstart.Float64, Valid: true}
	}
	h, ok := l.hosts[r.host]
	t.Host = sql.NullString{String: h, Valid: ok}
	return int(r.pos)
}

// Pos returns the position in the scope of the workflow of row i.
func (l *JobListing) Pos(i int) int { return int(l.row(l.order[i].idx).pos) }

// Each calls fn for every row in order, with the position in the scope of
// the row's workflow.
func (l *JobListing) Each(fn func(pos int, t *JobTry) error) error {
	var t JobTry
	for i := range l.order {
		if err := fn(l.Row(i, &t), &t); err != nil {
			return err
		}
	}
	return nil
}

// sortJobRows orders rows by key, then id: a least-significant-digit radix
// sort on the key (16-bit digits, skipping the digits where every row
// agrees), then the rare runs of equal keys by id.
func sortJobRows(rows []jobRow) {
	byID := func(a, b jobRow) int { return cmp.Compare(a.id, b.id) }
	if len(rows) < 4096 {
		slices.SortFunc(rows, func(a, b jobRow) int { return cmp.Or(cmp.Compare(a.key, b.key), byID(a, b)) })
		return
	}
	src, dst := rows, make([]jobRow, len(rows))
	count := make([]int, 1<<16)
	for shift := 0; shift < 64; shift += 16 {
		clear(count)
		for i := range src {
			count[(src[i].key>>shift)&0xffff]++
		}
		if count[(src[0].key>>shift)&0xffff] == len(src) {
			continue
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range src {
			d := (src[i].key >> shift) & 0xffff
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &rows[0] {
		copy(rows, src)
	}
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].key == rows[i].key {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(rows[i:j], byID)
		}
		i = j
	}
}

// hostNames maps the host_id of the scope's hosts to their names.
func (q *Scoped) hostNames(ctx context.Context) (map[int64]string, error) {
	rows, err := q.db.SQL.QueryContext(ctx, `SELECT host_id, hostname FROM host`)
	if err != nil {
		return nil, fmt.Errorf("%s: hosts: %w", q.db.Path, err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}
