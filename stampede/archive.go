package stampede

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
)

// ArchiveTables are the tables an archive holds, each under
// DIR/<table>/root_wf_uuid=<uuid>/data.parquet.
var ArchiveTables = Tables

// idColumns lists, per table, the surrogate-key columns that an archive
// namespaces per run (see Namespace).
var idColumns = map[string][]string{
	"workflow":         {"wf_id", "parent_wf_id", "root_wf_id"},
	"workflowstate":    {"wf_id"},
	"workflow_meta":    {"wf_id"},
	"workflow_metrics": {"wf_id"},
	"host":             {"host_id", "wf_id"},
	"job":              {"job_id", "wf_id"},
	"job_edge":         {"wf_id"},
	"job_instance":     {"job_instance_id", "job_id", "host_id", "subwf_id"},
	"jobstate":         {"job_instance_id"},
	"tag":              {"tag_id", "wf_id", "job_instance_id"},
	"task":             {"task_id", "wf_id", "job_id"},
	"task_edge":        {"wf_id"},
	"task_meta":        {"task_id"},
	"invocation":       {"invocation_id", "wf_id", "job_instance_id"},
	"integrity":        {"integrity_id", "wf_id", "job_instance_id"},
	"rc_lfn":           {"lfn_id"},
	"rc_pfn":           {"pfn_id", "lfn_id"},
	"rc_meta":          {"lfn_id"},
	"workflow_files":   {"wf_id", "task_id", "lfn_id"},
	"lfn_workflow":     {"lfn_id", "wf_id"},
}

// Namespace is the offset an archive adds to every surrogate key of a run, so
// that runs loaded into different databases (each numbering from 1) can share
// one archive: (crc32(root uuid) & 0x7fffffff) << 32.
func Namespace(rootUUID string) int64 {
	return int64(crc32.ChecksumIEEE([]byte(rootUUID))&0x7fffffff) << 32
}

// scope returns the WHERE clause selecting a table's rows of the run whose
// workflows are in the set named by the macro-free subquery tree.
func scope(table, tree string) string {
	insts := `(SELECT ji.job_instance_id FROM job_instance ji JOIN job j ON j.job_id = ji.job_id WHERE j.wf_id IN ` + tree + `)`
	lfns := `(SELECT lfn_id FROM lfn_workflow WHERE wf_id IN ` + tree + `)`
	switch table {
	case "workflow":
		return "wf_id IN " + tree
	case "job_instance":
		return "job_id IN (SELECT job_id FROM job WHERE wf_id IN " + tree + ")"
	case "jobstate":
		return "job_instance_id IN " + insts
	case "task_meta":
		return "task_id IN (SELECT task_id FROM task WHERE wf_id IN " + tree + ")"
	case "rc_lfn", "rc_pfn", "rc_meta":
		return "lfn_id IN " + lfns
	case "dbversion":
		return "true"
	case "master_workflow", "master_workflowstate", "ensemble", "ensemble_workflow", "trigger":
		return "false"
	}
	return "wf_id IN " + tree
}

// Archive writes every table's rows of the run rooted at rootUUID as Parquet
// under dir/<table>/root_wf_uuid=<uuid>/ (hive partitioning). Other runs'
// partitions are not touched; an earlier archive of the same run is replaced
// (each table's partition is written to a temporary directory, then renamed).
// Surrogate keys are offset by Namespace(rootUUID).
func (db *DB) Archive(ctx context.Context, dir, rootUUID string) ([]string, error) {
	var rootID int64
	err := db.SQL.QueryRowContext(ctx, `SELECT wf_id FROM workflow WHERE wf_uuid = ? AND wf_id = root_wf_id`, rootUUID).Scan(&rootID)
	if err != nil {
		return nil, fmt.Errorf("archive: root workflow %s not in %s: %w", rootUUID, db.Path, err)
	}
	tree := fmt.Sprintf("(SELECT wf_id FROM workflow WHERE root_wf_id = %d)", rootID)
	ns := Namespace(rootUUID)
	var written []string
	for _, t := range ArchiveTables {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		cols, err := db.columns(ctx, t)
		if err != nil {
			return written, err
		}
		sel := make([]string, len(cols))
		ids := map[string]bool{}
		for _, c := range idColumns[t] {
			ids[c] = true
		}
		for i, c := range cols {
			q := `"` + c + `"`
			if ids[c] {
				sel[i] = fmt.Sprintf("%s + %d AS %s", q, ns, q)
			} else {
				sel[i] = q
			}
		}
		part := filepath.Join(dir, t, "root_wf_uuid="+rootUUID)
		tmp := filepath.Join(dir, t, ".tmp-root_wf_uuid="+rootUUID)
		_ = os.RemoveAll(tmp)
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return written, err
		}
		out := filepath.Join(tmp, "data.parquet")
		q := fmt.Sprintf(`COPY (SELECT %s FROM "%s" WHERE %s) TO '%s' (FORMAT parquet, COMPRESSION zstd)`,
			strings.Join(sel, ", "), t, scope(t, tree), strings.ReplaceAll(out, "'", "''"))
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			_ = os.RemoveAll(tmp)
			return written, fmt.Errorf("archive %s: %w", t, err)
		}
		old := filepath.Join(dir, t, ".old-root_wf_uuid="+rootUUID)
		_ = os.RemoveAll(old)
		if _, err := os.Stat(part); err == nil {
			if err := os.Rename(part, old); err != nil {
				return written, err
			}
		}
		if err := os.Rename(tmp, part); err != nil {
			return written, err
		}
		_ = os.RemoveAll(old)
		written = append(written, filepath.Join(part, "data.parquet"))
	}
	return written, nil
}

func (db *DB) columns(ctx context.Context, table string) ([]string, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// IsArchive reports whether dir looks like a Parquet archive written by Archive.
func IsArchive(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "workflow"))
	return err == nil && fi.IsDir()
}

// OpenArchive opens a Parquet archive as an in-memory DuckDB database whose
// views carry the Stampede table names, so every query written for a
// database works on it. The root_wf_uuid partition column is kept as an
// extra column of each view.
func OpenArchive(ctx context.Context, dir string) (*DB, error) {
	db, err := open(ctx, "", false)
	if err != nil {
		return nil, err
	}
	db.Path = dir
	// The in-memory schema holds empty tables; replace them with views.
	for _, t := range Tables {
		glob := filepath.Join(dir, t, "*", "*.parquet")
		matches, _ := filepath.Glob(glob)
		if len(matches) == 0 {
			continue
		}
		q := fmt.Sprintf(`DROP TABLE IF EXISTS "%s"; CREATE VIEW "%s" AS SELECT * FROM read_parquet('%s', hive_partitioning = true, union_by_name = true)`,
			t, t, strings.ReplaceAll(glob, "'", "''"))
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("open archive %s: %w", dir, err)
		}
	}
	if _, err := db.SQL.ExecContext(ctx, viewsSQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("open archive %s: %w", dir, err)
	}
	db.readOnly = true
	return db, nil
}
