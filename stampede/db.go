package stampede

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// DB is a Stampede database in a DuckDB file.
type DB struct {
	Path      string
	SQL       *sql.DB
	connector *duckdb.Connector
	readOnly  bool
}

// ErrLocked means another process holds the database open for writing.
var ErrLocked = errors.New("database is locked by another process")

// OpenOptions tune Open.
type OpenOptions struct {
	ReadOnly bool
	// Wait is how long to keep retrying while another process holds the file
	// (a live monitord writes in short bursts). Zero means no retry.
	Wait time.Duration
}

// ParseDest turns a --dest value into a DuckDB file path: a plain path or
// duckdb:///PATH (also duckdb://PATH).
func ParseDest(dest string) string {
	switch {
	case strings.HasPrefix(dest, "duckdb:///"):
		return "/" + strings.TrimPrefix(dest, "duckdb:///")
	case strings.HasPrefix(dest, "duckdb://"):
		return strings.TrimPrefix(dest, "duckdb://")
	}
	return dest
}

// Open opens (creating if needed, unless read-only) the database at path and
// makes sure the schema exists.
func Open(ctx context.Context, path string, o OpenOptions) (*DB, error) {
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(o.Wait)
	delay := 20 * time.Millisecond
	for {
		db, err := open(ctx, path, o.ReadOnly)
		if err == nil {
			return db, nil
		}
		if !isLockError(err) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		if delay < 500*time.Millisecond {
			delay *= 2
		}
	}
}

func isLockError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Could not set lock") || strings.Contains(s, "Conflicting lock")
}

func open(ctx context.Context, path string, readOnly bool) (*DB, error) {
	dsn := path
	if readOnly {
		dsn += "?access_mode=READ_ONLY"
	} else {
		dsn += "?storage_compatibility_version=" + storageVersion
	}
	c, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, err
	}
	db := &DB{Path: path, SQL: sql.OpenDB(c), connector: c, readOnly: readOnly}
	if !readOnly {
		if err := db.ensureSchema(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// storageVersion is the oldest DuckDB release whose storage format a new
// database file is written in. Since 1.2.0 DuckDB can store a column with
// zstd, which the jobs' stderr text, paths and argument lists are declared
// with (they checkpoint faster, and the stderr text takes a seventh of the
// space of FSST); such a file is readable by DuckDB 1.2.0 and later. A file
// created earlier keeps its format, and a schema created in it declares
// those columns FSST instead (hasZstd).
const storageVersion = "v1.2.0"

// smallDatabaseJobs is the size, in jobs, below which a database is
// written without DuckDB's FSST and dictionary string compression.
// Choosing them takes DuckDB about 0.1 s at every checkpoint of a small
// database (a third of loading a 1,000-job run) and saves little there: the
// file of a 1,000-job run is 7.1 MB instead of 6.0 MB. Bigger databases
// keep every method.
const smallDatabaseJobs = 20000

// smallDatabaseCompression is the setting a small database is checkpointed with.
const smallDatabaseCompression = "SET disabled_compression_methods = 'fsst,dictionary'"

// Close closes the database; a writable one is checkpointed.
func (db *DB) Close() error {
	if !db.readOnly {
		var n int64
		if err := db.SQL.QueryRow(`SELECT count(*) FROM job`).Scan(&n); err == nil && n < smallDatabaseJobs {
			// Best effort: the checkpoint is right without it.
			db.SQL.Exec(smallDatabaseCompression)
		}
	}
	err := db.SQL.Close()
	if cerr := db.connector.Close(); err == nil {
		err = cerr
	}
	return err
}

func (db *DB) ensureSchema(ctx context.Context) error {
	// A database we made already has everything: one catalog lookup.
	var n int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_views() WHERE view_name = 'workflow_run' AND NOT internal`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	schema := schemaSQL
	if !db.hasZstd(ctx) {
		// An older file: zstd would fall back to no compression at all.
		schema = strings.ReplaceAll(schema, "USING COMPRESSION zstd", "USING COMPRESSION fsst")
	}
	q := "BEGIN TRANSACTION;" + schema + viewsSQL +
		fmt.Sprintf("INSERT INTO dbversion SELECT 1, %d, '%d', %d WHERE NOT EXISTS (SELECT 1 FROM dbversion);", SchemaVersion, SchemaVersion, time.Now().Unix()) +
		"COMMIT;"
	if _, err := db.SQL.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return nil
}

// hasZstd reports whether the database's storage format can hold zstd
// columns (DuckDB 1.2.0's or later: a file created by this package, not
// one an older DuckDB made). When it cannot tell, it says yes: DuckDB then
// stores such a column without compression.
func (db *DB) hasZstd(ctx context.Context) bool {
	var v string
	if err := db.SQL.QueryRowContext(ctx, `SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()`).Scan(&v); err != nil {
		return true
	}
	var major, minor int
	if _, err := fmt.Sscanf(v, "v%d.%d", &major, &minor); err != nil {
		return true
	}
	return major > 1 || major == 1 && minor >= 2
}

// rawConn returns a driver-level connection of the database's own, for the
// loader (appenders need one).
func (db *DB) rawConn(ctx context.Context) (driver.Conn, error) {
	return db.connector.Connect(ctx)
}

// Checkpoint writes the write-ahead log into the database file.
func (db *DB) Checkpoint(ctx context.Context) error {
	_, err := db.SQL.ExecContext(ctx, "CHECKPOINT")
	return err
}
