package stampede

import (
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/pegasus-go/pegasus/ingest"
)

// chunkRun is a workflow of n jobs whose rows cross several data chunks and
// carry every kind of value the loader writes: NULLs, strings of 0, 12, 13
// and thousands of bytes, invalid and valid non-ASCII UTF-8, ENUMs, booleans, integers and
// doubles.
func chunkRun(uuid string, n int) []*ingest.Event {
	long := strings.Repeat("0123456789", 500)
	plan := &ingest.PlanInfo{Label: "chunks", Index: "0", Root: uuid, SubmitDir: "/tmp/" + uuid, User: "u"}
	evs := []*ingest.Event{
		{Kind: ingest.WfPlan, TS: 1, Wf: uuid, Plan: plan},
		{Kind: ingest.StaticStart, TS: 1, Wf: uuid},
	}
	for i := range n {
		job := fmt.Sprintf("job_%d", i)
		task := fmt.Sprintf("ID%07d", i)
		td := &ingest.TaskDef{TypeDesc: "compute", Transformation: "tr" + strings.Repeat("x", i%20)}
		if i%3 == 0 {
			td.Argv, td.HasArgv = "-a "+long[:i%40], true
		}
		jd := &ingest.JobDef{SubmitFile: job + ".sub", TypeDesc: []string{"compute", "stage-in-tx", "cleanup", "bogus"}[i%4],
			Clustered: i%5 == 0, MaxRetries: i % 3, Executable: "/bin/" + strings.Repeat("e", i%15), TaskCount: 1}
		if i%2 == 0 {
			jd.Argv, jd.HasArgv = long[:i%3000], true
		}
		evs = append(evs,
			&ingest.Event{Kind: ingest.TaskInfo, TS: 1, Wf: uuid, TaskID: task, Task: td},
			&ingest.Event{Kind: ingest.JobInfo, TS: 1, Wf: uuid, Job: job, JobDef: jd},
			&ingest.Event{Kind: ingest.WfMapTaskJob, TS: 1, Wf: uuid, TaskID: task, Job: job},
			&ingest.Event{Kind: ingest.RCMeta, TS: 1, Wf: uuid, LFN: "f.a" + task, Key: "checksum.value", Value: long[:64]})
		if i > 0 {
			evs = append(evs, &ingest.Event{Kind: ingest.JobEdge, TS: 1, Wf: uuid, ParentID: fmt.Sprintf("job_%d", i-1), ChildID: job})
		}
	}
	evs = append(evs, &ingest.Event{Kind: ingest.StaticEnd, TS: 1, Wf: uuid},
		&ingest.Event{Kind: ingest.XwfStart, TS: 2, Wf: uuid})
	for i := range n {
		job := fmt.Sprintf("job_%d", i)
		ts := float64(100 + i)
		ev := func(k ingest.Kind) *ingest.Event {
			return &ingest.Event{Kind: k, TS: ts, Wf: uuid, Job: job, Inst: 1, JS: 1, Sched: fmt.Sprintf("%d.0", 1000+i)}
		}
		sub := ev(ingest.SubmitStart)
		sub.Site, sub.HasSite = "condorpool", true
		held := ev(ingest.HeldStart)
		switch i % 4 {
		case 0:
			held.Reason = "reason of exactly 13"[:13]
		case 1:
			held.Reason = "bad \xff\xfe utf-8"
		case 2:
			held.Reason = long
		case 3:
			held.Reason = []string{"naïve résumé, not short", "café", "ok ascii"}[i%3] // valid UTF-8, long and short
		}
		end := ev(ingest.MainEnd)
		end.HasExit, end.ExitCode = true, (i%7)*256
		end.HasStatus, end.Status = true, -(i % 7 % 2)
		end.End = &ingest.JobEnd{User: "user", HasUser: true, LocalDuration: float64(i) / 3, HasLocalDuration: i%2 == 0,
			StdoutFile: job + ".out", StderrFile: job + ".err", WorkDir: "/scratch/" + job, HasWorkDir: true,
			StdoutText: long[:i%5000], HasStdoutText: i%2 == 1, StderrText: "\xc3\x28", HasStderrText: i%9 == 0, Multiplier: i % 3}
		inv := ev(ingest.InvEnd)
		inv.ExitCode = end.ExitCode
		inv.Inv = &ingest.InvocationEnd{TaskSeq: 1, StartTime: ts + 0.25, Duration: 1.5, CPUTime: 0.5, HasCPUTime: i%2 == 0,
			Transformation: "tr", Executable: "/bin/e", Argv: `it's a \ test`, HasArgv: i%3 == 1, TaskID: fmt.Sprintf("ID%07d", i), HasTaskID: true,
			MaxRSS: int64(i) * 1024, HasMaxRSS: i%4 == 0}
		post := ev(ingest.PostEnd)
		post.HasExit, post.ExitCode, post.Last = true, end.ExitCode, i%11 != 0 // some stay open until commit
		host := ev(ingest.HostInfo)
		host.Host = &ingest.Host{Site: "condorpool", Hostname: fmt.Sprintf("node%d", i%7), IP: "10.0.0.1", TotalMemory: 1 << 30, HasMemory: i%2 == 0}
		evs = append(evs, sub, ev(ingest.SubmitEnd), held, ev(ingest.HeldEnd), ev(ingest.MainStart), host, end, inv, post)
	}
	return append(evs, &ingest.Event{Kind: ingest.XwfEnd, TS: float64(200 + n), Wf: uuid, Status: 0})
}

func dumpTables(t *testing.T, db *DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, tb := range Tables {
		if tb == "dbversion" {
			continue
		}
		out[tb] = rows(t, db.SQL, `SELECT * FROM "`+tb+`" ORDER BY ALL`)
	}
	return out
}

// TestChunkWriterMatchesAppender loads the same run writing data chunks
// directly and through duckdb-go's Appender: every table must be the same,
// invalid UTF-8 must be NULL, long strings intact.
func TestChunkWriterMatchesAppender(t *testing.T) {
	ctx := context.Background()
	const n = 5000
	var dumps []map[string][]string
	for _, appenderOnly := range []bool{false, true} {
		db, err := Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"), OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		evs := chunkRun("u1", n)
		st, err := db.load(ctx, func(sink func([]*ingest.Event) error) error { return sink(evs) }, appenderOnly)
		if err != nil {
			t.Fatal(err)
		}
		if st.Jobs != n || st.JobInstances != n || st.Invocations != n {
			t.Errorf("stats %+v", st)
		}
		dumps = append(dumps, dumpTables(t, db))
		db.Close()
	}
	for _, tb := range Tables {
		a, b := dumps[0][tb], dumps[1][tb]
		if !reflect.DeepEqual(a, b) {
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Errorf("%s row %d:\n direct   %.200s\n appender %.200s", tb, i, a[i], b[i])
					break
				}
			}
			t.Errorf("%s: %d rows direct, %d through the appender", tb, len(a), len(b))
		}
	}
	d := dumps[0]
	if len(d["jobstate"]) != 6*n || len(d["job_instance"]) != n || len(d["rc_meta"]) != n {
		t.Errorf("rows: %d jobstate, %d job_instance, %d rc_meta", len(d["jobstate"]), len(d["job_instance"]), len(d["rc_meta"]))
	}
	long := strings.Repeat("0123456789", 500)
	var nulls, longs, thirteen, valid int
	for _, r := range d["jobstate"] {
		if !strings.Contains(r, "|JOB_HELD|") {
			continue
		}
		switch reason := r[strings.LastIndexByte(r, '|')+1:]; reason {
		case "NULL":
			nulls++
		case long:
			longs++
		case "reason of ex":
			t.Errorf("reason cut: %q", r)
		case "reason of exa":
			thirteen++
		case "naïve résumé, not short", "café", "ok ascii":
			valid++
		}
	}
	if nulls != n/4 || longs != n/4 || thirteen != n/4 || valid != n/4 {
		t.Errorf("hold reasons: %d NULL, %d long, %d of 13 bytes, %d valid non-ASCII or short (want %d each)", nulls, longs, thirteen, valid, n/4)
	}
}

// tempDB opens a new database in a temporary directory, closed when the
// test ends.
func tempDB(t *testing.T, ctx context.Context) *DB {
	t.Helper()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.duckdb"), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tempConn returns a new temporary database and a driver connection of its
// own to it (as the loader takes one), both closed when the test ends.
func tempConn(t *testing.T, ctx context.Context) (*DB, driver.Conn) {
	t.Helper()
	db := tempDB(t, ctx)
	dc, err := db.rawConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.Close() })
	return db, dc
}

// TestDirectChunks checks that the loader reaches duckdb-go's connection
// handle: when a new duckdb-go changes its layout the loader still works,
// through the Appender, but several times slower.
func TestDirectChunks(t *testing.T) {
	ctx := context.Background()
	_, dc := tempConn(t, ctx)
	if _, ok := cConnection(dc); !ok {
		t.Fatal("no C connection handle in this duckdb-go: the loader falls back to the slower Appender")
	}
}

// BenchmarkLoad loads a generated run of 20,000 jobs (about 390,000 rows)
// into a new database, commit and checkpoint included.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	evs := chunkRun("bench", 20000)
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "s.duckdb"), OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := db.Load(ctx, func(sink func([]*ingest.Event) error) error {
			for i := 0; i < len(evs); i += 1024 {
				if err := sink(evs[i:min(i+1024, len(evs))]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// TestWriterError checks that a chunk DuckDB refuses (NULL in a NOT NULL
// column, found when the writer goroutine flushes it) fails the load, and
// that the rollback leaves the table empty.
func TestWriterError(t *testing.T) {
	ctx := context.Background()
	db, dc := tempConn(t, ctx)
	var err error
	l := &loader{ctx: ctx, dc: dc, wfs: map[string]*wfState{}, hosts: map[hostKey]int64{}}
	if err := l.begin(); err != nil {
		t.Fatal(err)
	}
	for i := range 20 * chunkRows {
		r := l.row(tJobstate).I(int64(i))
		if i == 3*chunkRows+5 {
			r.N() // state is NOT NULL
		} else {
			r.S("SUBMIT")
		}
		if err = r.F(1).I(1).N().end(); err != nil {
			break
		}
	}
	if err == nil {
		err = l.commit()
	}
	l.rollback()
	if err == nil || !strings.Contains(err.Error(), "jobstate") || !strings.Contains(err.Error(), "NOT NULL") {
		t.Fatalf("load error %v, want jobstate's NOT NULL constraint", err)
	}
	t.Log(err)
	if n := rows(t, db.SQL, "SELECT count(*) FROM jobstate"); n[0] != "0" {
		t.Errorf("%s jobstate rows after the rollback", n[0])
	}
}

// TestLoadCheckpointsAtCommit checks that a load's COMMIT leaves its rows
// in the database file (no WAL for the close to read back), small
// databases without FSST and dictionary compression, that DuckDB works on one
// thread during the load and writes each full row group at once, and the
// settings the load needed as they were.
func TestLoadCheckpointsAtCommit(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	path := db.Path
	settings := func() string {
		var s string
		err := db.SQL.QueryRowContext(ctx, `SELECT current_setting('checkpoint_threshold') || '|' ||
			current_setting('disabled_compression_methods') || '|' || current_setting('threads') || '|' ||
			current_setting('write_buffer_row_group_count')`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := settings()
	var threads, buffered int
	evs := chunkRun("u1", 1000)
	if _, err := db.Load(ctx, func(sink func([]*ingest.Event) error) error {
		// DuckDB's settings are the database's: another connection sees them.
		err := db.SQL.QueryRowContext(ctx, `SELECT current_setting('threads'), current_setting('write_buffer_row_group_count')`).Scan(&threads, &buffered)
		if err != nil {
			return err
		}
		return sink(evs)
	}); err != nil {
		t.Fatal(err)
	}
	if threads != 1 || buffered != 1 {
		t.Errorf("during the load DuckDB had %d threads and buffered %d row groups, want 1 and 1", threads, buffered)
	}
	if fi, err := os.Stat(path + ".wal"); err == nil && fi.Size() > 0 {
		t.Errorf("the load left a WAL of %d bytes: its COMMIT did not checkpoint", fi.Size())
	}
	if after := settings(); after != before {
		t.Errorf("settings after the load %q, before %q", after, before)
	}
	var jobs, packed int
	err := db.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM job), (SELECT count(*) FROM (SELECT compression FROM pragma_storage_info('job')
		UNION ALL SELECT compression FROM pragma_storage_info('jobstate')) WHERE compression IN ('FSST', 'Dictionary', 'DictFSST'))`).Scan(&jobs, &packed)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != 1000 || packed != 0 {
		t.Errorf("%d jobs in the file, %d segments with FSST or dictionary compression", jobs, packed)
	}
}

// TestInstRowRelease checks that a written instance row keeps copies of its
// short strings (not views of the event's buffer) and drops its texts.
func TestInstRowRelease(t *testing.T) {
	buf := []byte("pegasus/var/lib/condor/execute/dir_1condorpool59940.0")
	s := unsafe.String(unsafe.SliceData(buf), len(buf)) // a view, as of an event's text
	ir := &instRow{user: some(s[:7]), workDir: some(s[7:36]), site: some(s[36:46]), sched: opt[string]{},
		stdoutText: some("out"), stderrText: some("err")}
	ir.release()
	for i := range buf {
		buf[i] = 'x'
	}
	if ir.user != some("pegasus") || ir.workDir != some("/var/lib/condor/execute/dir_1") || ir.site != some("condorpool") || ir.sched.ok {
		t.Errorf("after release and a change of the buffer: user %v, work dir %v, site %v, sched %v", ir.user, ir.workDir, ir.site, ir.sched)
	}
	if ir.stdoutText.ok || ir.stderrText.ok {
		t.Errorf("texts kept: %v, %v", ir.stdoutText, ir.stderrText)
	}
}
