package stampede

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/pegasus-go/pegasus/ingest"
)

// stderrTextRows fills job_instance with n rows whose stderr_text is a
// PegasusLite-style log of its own and checkpoints.
func stderrTextRows(t *testing.T, ctx context.Context, db *sql.DB, n int) {
	t.Helper()
	if _, err := db.ExecContext(ctx, `INSERT INTO job_instance (job_instance_id, job_id, job_submit_seq, stderr_text)
		SELECT i, i, i, '2026-11-22 10:' || (i % 60) || ':00: PegasusLite: version 5.0.6' || chr(10) ||
			'host node' || (i % 97) || '.example.org, job ' || i || ' started at ' || (1700000000 + i * 7) || chr(10) ||
			'Executing ID' || lpad(i::VARCHAR, 7, '0') || ' exited with status ' || (i % 3)
		FROM range($1) r(i)`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
}

// columnCompression returns the compression methods of a column's string segments.
func columnCompression(t *testing.T, ctx context.Context, db *sql.DB, table, col string) string {
	t.Helper()
	var methods string
	err := db.QueryRowContext(ctx, `SELECT string_agg(DISTINCT compression, ',' ORDER BY compression)
		FROM pragma_storage_info(?) WHERE column_name = ? AND segment_type = 'VARCHAR'`, table, col).Scan(&methods)
	if err != nil {
		t.Fatal(err)
	}
	return methods
}

// databaseStorage returns the storage version tag DuckDB reports for the
// attached database named name.
func databaseStorage(t *testing.T, ctx context.Context, db *sql.DB, name string) string {
	t.Helper()
	var tags string
	if err := db.QueryRowContext(ctx, `SELECT tags::VARCHAR FROM duckdb_databases() WHERE database_name = ?`, name).Scan(&tags); err != nil {
		t.Fatal(err)
	}
	return tags
}

// TestNewDatabaseStorage checks that a new database is written in the
// storage format of DuckDB 1.2.0, so that the jobs' stderr text is stored
// with zstd, and that it reads back unchanged, read-only too.
func TestNewDatabaseStorage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.duckdb")
	db, err := Open(ctx, path, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stderrTextRows(t, ctx, db.SQL, 100000)
	if got := databaseStorage(t, ctx, db.SQL, "new"); !strings.Contains(got, storageVersion) {
		t.Errorf("new database's storage %q, want %s", got, storageVersion)
	}
	if got := columnCompression(t, ctx, db.SQL, "job_instance", "stderr_text"); got != "ZSTD" {
		t.Errorf("job_instance.stderr_text stored as %q, want ZSTD", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(ctx, path, OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var text string
	if err := ro.SQL.QueryRowContext(ctx, `SELECT stderr_text FROM job_instance WHERE job_instance_id = 4321`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	want := "2026-11-22 10:1:00: PegasusLite: version 5.0.6\nhost node53.example.org, job 4321 started at 1700030247\nExecuting ID0004321 exited with status 1"
	if text != want {
		t.Errorf("stderr_text read back as %q, want %q", text, want)
	}
}

// TestOlderDatabaseStorage checks that a database file created in DuckDB's
// default (older) storage format keeps it when opened for writing: the
// schema is created in it with FSST where a new file has zstd, and the
// data load and read back.
func TestOlderDatabaseStorage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	raw, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE notes (s VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	before := databaseStorage(t, ctx, raw, "old")
	if strings.Contains(before, storageVersion) {
		t.Fatalf("DuckDB's default storage is already %q: the test needs an older one", before)
	}
	raw.Close()

	db, err := Open(ctx, path, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stderrTextRows(t, ctx, db.SQL, 100000)
	if got := databaseStorage(t, ctx, db.SQL, "old"); got != before {
		t.Errorf("older database's storage became %q, want %q", got, before)
	}
	// The columns declared zstd in a new file are FSST in an older one,
	// which cannot hold zstd.
	if got := columnCompression(t, ctx, db.SQL, "job_instance", "stderr_text"); got != "FSST" {
		t.Errorf("job_instance.stderr_text stored as %q in an older file, want FSST", got)
	}
	var n int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM job_instance WHERE stderr_text LIKE '%exited with status 2'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 33333 {
		t.Errorf("%d rows with status 2, want 33333", n)
	}
}

// TestDeclaredCompression loads a generated run big enough to be written
// with every compression method (smallDatabaseJobs) and checks that each
// column the schema declares a compression for is stored with it.
func TestDeclaredCompression(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	evs := chunkRun("declared", smallDatabaseJobs)
	if _, err := db.Load(ctx, func(sink func([]*ingest.Event) error) error { return sink(evs) }); err != nil {
		t.Fatal(err)
	}
	table := regexp.MustCompile(`CREATE TABLE IF NOT EXISTS "?(\w+)"? \(([^;]*)\);`)
	column := regexp.MustCompile(`"?(\w+)"? VARCHAR (?:NOT NULL )?USING COMPRESSION (\w+)`)
	checked := 0
	for _, tm := range table.FindAllStringSubmatch(schemaSQL, -1) {
		for _, cm := range column.FindAllStringSubmatch(tm[2], -1) {
			var n int
			if err := db.SQL.QueryRowContext(ctx, `SELECT count("`+cm[1]+`") FROM "`+tm[1]+`"`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				continue // no values in this run
			}
			checked++
			if got, want := columnCompression(t, ctx, db.SQL, tm[1], cm[1]), cm[2]; !strings.EqualFold(got, want) {
				t.Errorf("%s.%s stored as %q, want %s as declared", tm[1], cm[1], got, want)
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d declared columns had values to check", checked)
	}
}
