package stampede

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// JobColumns are the columns of Pegasus's job-instance listing (jobs.txt,
// TOOLS.md §1.11.6), in order.
var JobColumns = []string{"Job", "Try", "Site", "Kickstart", "Mult", "Kickstart-Mult", "CPU-Time", "Post",
	"CondorQTime", "Resource", "Runtime", "Seqexec", "Seqexec-Delay", "Exitcode", "Hostname"}

// A job listing has one row per try of every job and can have millions of
// rows, so its cells are formatted by DuckDB, in parallel, rather than
// fetched as numbers and formatted in Go: fetching one packed string per row
// is several times cheaper than fetching fifteen values. The formatting is
// Pegasus's (Python's) and must stay equal to package report's: fstr is
// Python's repr(round(x, 3)) — DuckDB's DOUBLE to VARCHAR cast prints
// exactly Python's repr, and printf('%.3f') rounds the exact binary value,
// ties to even, as Python's round does (tested against report.Fstr).

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

// jobRowsSQL lists the formatted cells of every try of the scope, packed
// into one string per row, in no particular order (sorting, numbering the
// tries and naming the hosts is cheaper in Go than in the query). The
// times come from jobstate (the earliest row of a state when it occurs more
// than once); Kickstart, Kickstart-Mult and CPU-Time sum the try's task
// invocations (no PRE or POST script record); Exitcode is the highest raw
// status among its invocations, PRE script included.
const jobRowsSQL = `
WITH scope(wf_id, pos) AS (SELECT * FROM (VALUES %[1]s)),
ji AS (
	SELECT s.pos, j.exec_job_id, ji.job_id, ji.job_instance_id, ji.job_submit_seq, ji.site, ji.multiplier_factor,
		ji.local_duration, ji.cluster_duration, ji.host_id
	FROM job j JOIN scope s ON s.wf_id = j.wf_id JOIN job_instance ji ON ji.job_id = j.job_id
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
), v AS (
	SELECT ji.pos, ji.job_submit_seq AS seq, ji.job_instance_id, ji.job_id, ji.host_id, ji.exec_job_id, ji.site,
		ji.multiplier_factor AS mult, inv.exitcode,
		inv.ks AS v1, inv.ks_mult AS v2, inv.cpu AS v3, st.post_end - st.post_start AS v4,
		least(st.grid_submit, st.execute) - st.submit AS v5, st.execute - st.grid_submit AS v6,
		ji.local_duration AS v7, ji.cluster_duration AS v8, ji.cluster_duration - inv.ks AS v9
	FROM ji LEFT JOIN inv ON inv.job_instance_id = ji.job_instance_id
		LEFT JOIN st ON st.job_instance_id = ji.job_instance_id
)
SELECT concat_ws(chr(31), pos, seq, job_instance_id, job_id, coalesce(CAST(host_id AS VARCHAR), ''),
	exec_job_id, coalesce(site, '-'), %[6]s, coalesce(CAST(mult AS VARCHAR), 'None'), %[7]s, %[8]s, %[9]s, %[10]s,
	%[11]s, %[12]s, %[13]s, %[14]s, %[15]s)
FROM v`

// JobListing is the job-instance listing of a scope (jobs.txt): one row per
// try of every job of each workflow (sub-workflow and auxiliary jobs
// included), each cell printed as Pegasus prints it (times with fstr, "-"
// for none; Exitcode the regular exit code, "None" without invocations;
// Hostname "None" when unknown). It is held in memory, about 200 bytes a
// row.
type JobListing struct {
	arena []byte
	rows  []jobRow
	hosts map[int64]string
	// MaxLen holds, per workflow of the scope (in scope order), the length
	// in characters of the widest cell of each column.
	MaxLen [][]int
}

type jobRow struct {
	key           uint64 // workflow position and job_submit_seq, the sort order
	id, job, host int64  // host -1: none
	try           int64
	pos           int32
	off, n        uint32 // the packed cells in arena: Job, Site, Kickstart ... Exitcode
	// ends holds the end of each packed cell but the last, relative to off;
	// ascii tells that the cells have only ASCII characters.
	ends  [packedCells - 1]uint16
	ascii bool
}

// packedCells is the number of cells the query packs: all columns but Try
// and Hostname.
const packedCells = 13

// JobListing reads the scope's job-instance listing.
func (q *Scoped) JobListing(ctx context.Context) (*JobListing, error) {
	l := &JobListing{MaxLen: make([][]int, len(q.scope))}
	for i := range l.MaxLen {
		l.MaxLen[i] = make([]int, len(JobColumns))
	}
	if len(q.scope) == 0 {
		return l, nil
	}
	hosts, err := q.hostNames(ctx)
	if err != nil {
		return nil, err
	}
	var pos []string
	for i, id := range q.scope {
		pos = append(pos, fmt.Sprintf("(%d, %d)", id, i))
	}
	f := func(i int) string { return fstrSQL(fmt.Sprintf("v%d", i)) }
	durMult, join, jsWhere := "i.remote_duration", "", ""
	ksMult := f(1) // Kickstart-Mult is Kickstart when every factor is 1
	if !q.unitMult {
		durMult = "i.remote_duration * m.multiplier_factor"
		join = "JOIN job_instance m ON m.job_instance_id = i.job_instance_id"
		ksMult = f(2)
	}
	if !q.all {
		jsWhere = "WHERE js.job_instance_id IN (SELECT job_instance_id FROM ji)"
	}
	stmt := fmt.Sprintf(jobRowsSQL, strings.Join(pos, ", "), durMult, join, q.where("i.wf_id"), jsWhere,
		f(1), ksMult, f(3), f(4), f(5), f(6), f(7), f(8), f(9), exitcodeSQL("exitcode"))
	var count, minJob, maxJob sql.NullInt64
	err = q.db.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM `+q.instances()+`), min(job_id), max(job_id)
		FROM job WHERE `+q.where("wf_id")).Scan(&count, &minJob, &maxJob)
	if err != nil {
		return nil, fmt.Errorf("%s: job instance statistics: %w", q.db.Path, err)
	}
	l.rows = make([]jobRow, 0, count.Int64)
	l.arena = make([]byte, 0, count.Int64*96)
	rows, err := q.db.SQL.QueryContext(ctx, stmt)
	if err != nil {
		return nil, fmt.Errorf("%s: job instance statistics: %w", q.db.Path, err)
	}
	defer rows.Close()
	var s string
	var head [5]int64
	n := 0
	for rows.Next() {
		if n++; n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		// pos, seq, id, job, host, then the cells.
		for i := range head {
			j := strings.IndexByte(s, 0x1f)
			if j < 0 {
				return nil, ErrPackedRow
			}
			head[i] = -1
			if j > 0 {
				v, err := strconv.ParseInt(s[:j], 10, 64)
				if err != nil {
					return nil, ErrPackedRow
				}
				head[i] = v
			}
			s = s[j+1:]
		}
		if head[0] < 0 || head[0] >= int64(len(q.scope)) || head[1] < math.MinInt32 || head[1] > math.MaxInt32 {
			return nil, ErrPackedRow
		}
		if len(l.arena)+len(s) > math.MaxUint32 {
			return nil, fmt.Errorf("%s: job listing over 4 GB", q.db.Path)
		}
		r := jobRow{key: uint64(head[0])<<32 | uint64(uint32(int32(head[1]))^1<<31), id: head[2],
			job: head[3], host: head[4], pos: int32(head[0]), off: uint32(len(l.arena)), n: uint32(len(s))}
		if !r.split(s) {
			return nil, ErrPackedRow
		}
		l.rows = append(l.rows, r)
		l.arena = append(l.arena, s...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Order by workflow and job_submit_seq, then number each job's tries
	// (counted in an array when the job ids are dense, as they are when
	// one load numbered them).
	sortJobRows(l.rows)
	var dense []int32
	var sparse map[int64]int64
	if span := maxJob.Int64 - minJob.Int64 + 1; minJob.Valid && span <= 4*int64(len(l.rows))+1024 {
		dense = make([]int32, span)
	} else {
		sparse = make(map[int64]int64, len(l.rows))
	}
	hostLen := make(map[int64]int, len(hosts))
	for id, h := range hosts {
		hostLen[id] = runeLen(h)
	}
	for i := range l.rows {
		r := &l.rows[i]
		if j := r.job - minJob.Int64; dense != nil && j >= 0 && j < int64(len(dense)) {
			dense[j]++
			r.try = int64(dense[j])
		} else {
			if sparse == nil {
				sparse = map[int64]int64{}
			}
			sparse[r.job]++
			r.try = sparse[r.job]
		}
		m := l.MaxLen[r.pos]
		start := 0
		for k := 0; k < packedCells; k++ {
			end := int(r.n)
			if k < packedCells-1 {
				end = int(r.ends[k])
			}
			n := end - start
			if !r.ascii {
				n = utf8.RuneCount(l.arena[int(r.off)+start : int(r.off)+end])
			}
			col := k + 1 // packed cell k is column k+1, but Job (column 0)
			if k == 0 {
				col = 0
			}
			if n > m[col] {
				m[col] = n
			}
			start = end + 1
		}
		if n := len(strconv.FormatInt(r.try, 10)); n > m[1] {
			m[1] = n
		}
		hl, ok := hostLen[r.host]
		if !ok {
			hl = len("None")
		}
		if hl > m[len(m)-1] {
			m[len(m)-1] = hl
		}
	}
	l.hosts = hosts
	return l, nil
}

// split records where the packed cells of s end; false when s does not
// hold packedCells cells or is too long to index.
func (r *jobRow) split(s string) bool {
	if len(s) > math.MaxUint16 {
		return false
	}
	k := 0
	var high byte
	for j := 0; j < len(s); j++ {
		c := s[j]
		high |= c
		if c == 0x1f {
			if k == packedCells-1 {
				return false
			}
			r.ends[k] = uint16(j)
			k++
		}
	}
	r.ascii = high < utf8.RuneSelf
	return k == packedCells-1
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

// tryText is the Try cell of the common numbers.
var tryText = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// cells fills the cells of a row (valid until the arena changes).
func (l *JobListing) cells(r *jobRow, cells []string) {
	s := unsafe.String(unsafe.SliceData(l.arena[r.off:]), int(r.n))
	start := 0
	for k := 0; k < packedCells; k++ {
		end := len(s)
		if k < packedCells-1 {
			end = int(r.ends[k])
		}
		col := k + 1 // packed cell k is column k+1, but Job (column 0)
		if k == 0 {
			col = 0
		}
		cells[col] = s[start:end]
		start = end + 1
	}
	if r.try >= 0 && r.try < int64(len(tryText)) {
		cells[1] = tryText[r.try]
	} else {
		cells[1] = strconv.FormatInt(r.try, 10)
	}
	h, ok := l.hosts[r.host]
	if !ok {
		h = "None"
	}
	cells[len(cells)-1] = h
}

// Each calls fn for every row, in scope order then job_submit_seq order,
// with the workflow's position in the scope and the row's cells in
// JobColumns order (valid only during the call).
func (l *JobListing) Each(fn func(pos int, cells []string) error) error {
	cells := make([]string, len(JobColumns))
	for i := range l.rows {
		r := &l.rows[i]
		l.cells(r, cells)
		if err := fn(int(r.pos), cells); err != nil {
			return err
		}
	}
	return nil
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

// runeLen is the length of s in characters (as Python's len counts).
func runeLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}

// ErrPackedRow means a row of the job listing could not be split: a job,
// site or host name holds the separator, an ASCII control character
// (U+001F) that HTCondor and DNS names never contain.
var ErrPackedRow = errors.New("malformed job row (a name holds the control character U+001F)")
