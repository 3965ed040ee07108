package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/properties"
	"github.com/pegasus-go/pegasus/stampede"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDatabase checks where the database of a submit directory is looked
// for: the properties first, then the directory as given (it may have been
// moved), then the submit_dir braindump records.
func TestDatabase(t *testing.T) {
	dir, orig := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(dir, "braindump.yml"), fmt.Sprintf(
		"wf_uuid: \"u-1\"\ndag: \"run-0.dag\"\nsubmit_dir: %q\nproperties: \"run.properties\"\nuses_pmc: \"true\"\n", orig))
	sd, err := OpenSubmitDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !sd.UsesPMC() {
		t.Error("uses_pmc true not seen")
	}

	_, err = sd.Database(nil)
	if !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("no database: got %v, want ErrNoDatabase", err)
	}
	for _, p := range []string{filepath.Join(dir, "run-0.stampede.duckdb"), filepath.Join(orig, "run-0.stampede.duckdb")} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not name %s", err, p)
		}
	}

	writeFile(t, filepath.Join(orig, "run-0.stampede.duckdb"), "")
	if got, _ := sd.Database(nil); got != filepath.Join(orig, "run-0.stampede.duckdb") {
		t.Errorf("database in submit_dir: got %q", got)
	}
	writeFile(t, filepath.Join(dir, "run-0.stampede.duckdb"), "")
	if got, _ := sd.Database(nil); got != filepath.Join(dir, "run-0.stampede.duckdb") {
		t.Errorf("database in the directory given: got %q", got)
	}

	// The run's properties name a database (relative to the directory);
	// an SQLAlchemy URL is ignored.
	writeFile(t, filepath.Join(dir, "run.properties"), "pegasus.catalog.workflow.url=sqlite:///x.db\npegasus.monitord.output=duckdb://other.duckdb\n")
	writeFile(t, filepath.Join(dir, "other.duckdb"), "")
	if got, err := sd.Database(nil); got != filepath.Join(dir, "other.duckdb") {
		t.Errorf("database from the run's properties: got %q, %v", got, err)
	}
	// --conf wins over the run's properties.
	conf := properties.New()
	conf.Set("pegasus.monitord.output", filepath.Join(orig, "missing.duckdb"))
	if _, err := sd.Database(conf); !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "missing.duckdb") {
		t.Errorf("database from --conf: got %v", err)
	}
	conf = properties.New()
	conf.Set("pegasus.monitord.output", "sqlite:///somewhere/x.db")
	conf.Set("pegasus.catalog.workflow.url", "mysql://host/db")
	if got := DatabaseFromProperties(conf, dir); got != "" {
		t.Errorf("SQLAlchemy URLs taken as a database: %q", got)
	}

	if _, err := OpenSubmitDir(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "no such directory") {
		t.Errorf("missing directory: %v", err)
	}
	if _, err := OpenSubmitDir(orig); err == nil || !strings.Contains(err.Error(), "not a workflow submit directory") {
		t.Errorf("directory without braindump: %v", err)
	}
}

func TestCheckLoaded(t *testing.T) {
	alive := fmt.Sprintf("pid %d\ntimestamp 2023-03-04T01:01:11-0800\n", os.Getpid())
	dead := "pid 2147483646\ntimestamp 2023-03-04T01:01:11-0800\n"
	tests := []struct {
		name  string
		files map[string]string
		want  error
	}{
		{"never loaded", nil, ErrNotLoaded},
		{"running", map[string]string{"monitord.started": alive}, ErrMonitordRunning},
		{"died", map[string]string{"monitord.started": dead}, ErrNotLoaded},
		{"done without started", map[string]string{"monitord.done": "x\n"}, ErrNotLoaded},
		{"done", map[string]string{"monitord.started": alive, "monitord.done": "x\n"}, nil},
		{"done with load errors", map[string]string{"monitord.started": dead, "monitord.done": "x\n",
			"monitord.log": "2023 ERROR ... KICKSTART-PARSE-ERROR --> bad record\n"}, ErrNotLoaded},
		{"done with a clean log", map[string]string{"monitord.started": dead, "monitord.done": "x\n",
			"monitord.log": "2023 INFO all fine\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, c := range tc.files {
				writeFile(t, filepath.Join(dir, n), c)
			}
			err := CheckLoaded(dir)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// twoRuns writes a database with two root workflows, the first with two
// sub-workflows.
func twoRuns(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.duckdb")
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range []stampede.SyntheticRun{
		{UUID: "aaaa0000-0000-4000-8000-000000000001", Jobs: 30, SubWorkflows: 2},
		{UUID: "bbbb0000-0000-4000-8000-000000000002", Jobs: 20, Start: 1700000000},
	} {
		if err := db.FillSynthetic(ctx, r); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenDatabase(t *testing.T) {
	ctx := context.Background()
	path := twoRuns(t)
	db, err := OpenDatabase(ctx, path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "archive")
	if _, err := db.Archive(ctx, archive, "bbbb0000-0000-4000-8000-000000000002"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	adb, err := OpenDatabase(ctx, archive, time.Second)
	if err != nil {
		t.Fatalf("archive: %v", err)
	}
	roots, err := adb.RootWorkflows(ctx)
	adb.Close()
	if err != nil || len(roots) != 1 || roots[0].UUID != "bbbb0000-0000-4000-8000-000000000002" {
		t.Errorf("archive roots %v, %v", roots, err)
	}

	dir := t.TempDir()
	other := filepath.Join(dir, "other.duckdb")
	sqldb, err := sql.Open("duckdb", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.Exec(`CREATE TABLE t (a INTEGER)`); err != nil {
		t.Fatal(err)
	}
	sqldb.Close()
	garbage := filepath.Join(dir, "garbage.duckdb")
	writeFile(t, garbage, "not a database\n")
	for _, tc := range []struct{ path, msg string }{
		{filepath.Join(dir, "missing.duckdb"), "no such file or directory"},
		{dir, "not a Parquet archive"},
		{other, "not a Stampede database"},
		{garbage, "open " + garbage},
	} {
		db, err := OpenDatabase(ctx, tc.path, time.Second)
		if err == nil {
			db.Close()
			t.Errorf("%s: opened", tc.path)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: error %q, want it to name the path and say %q", tc.path, err, tc.msg)
		}
	}
}

func TestSelectWorkflows(t *testing.T) {
	ctx := context.Background()
	db, err := OpenDatabase(ctx, twoRuns(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const a, b, sub = "aaaa0000-0000-4000-8000-000000000001", "bbbb0000-0000-4000-8000-000000000002", "aaaa0000-0000-4000-8000-000000000001-sub-1"
	uuids := func(ws []stampede.WorkflowInfo) string {
		var out []string
		for _, w := range ws {
			out = append(out, w.UUID)
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		name  string
		uuids []string
		multi bool
		want  string // the UUIDs selected
		err   string // or the error
	}{
		{name: "every root", multi: true, want: a + " " + b},
		{name: "one root wanted", err: "holds 2 root workflows: name one (a submit directory, or a UUID with -u), or use --multiple-wf for all"},
		{name: "a sub-workflow alone", uuids: []string{sub}, want: sub},
		{name: "a sub-workflow among several", uuids: []string{a, sub}, multi: true, err: "workflow " + sub + " is a sub-workflow"},
		{name: "named roots", uuids: []string{b, a}, multi: true, want: b + " " + a},
		{name: "one missing", uuids: []string{"nope"}, err: "workflow 'nope' not found in database '" + db.Path + "'"},
		{name: "some missing", uuids: []string{a, "nope", "nada"}, multi: true, err: "some workflows were not found in database '" + db.Path + "': nope, nada"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := SelectWorkflows(ctx, db, tc.uuids, tc.multi)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("got %q, %v; want the error %q", uuids(ws), err, tc.err)
			case tc.err == "" && (err != nil || uuids(ws) != tc.want):
				t.Errorf("got %q, %v; want %q", uuids(ws), err, tc.want)
			}
		})
	}
}

func TestDatabasePath(t *testing.T) {
	mk := func(db string) *SubmitDir {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "braindump.yml"), "wf_uuid: \"u\"\ndag: \"run-0.dag\"\n")
		if db != "" {
			writeFile(t, filepath.Join(dir, db), "")
		}
		sd, err := OpenSubmitDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return sd
	}
	a, b := mk("run-0.stampede.duckdb"), mk("run-0.stampede.duckdb")
	conf := properties.New()
	conf.Set("pegasus.monitord.output", "runs.duckdb")

	if got, err := DatabasePath("duckdb:///data/x.duckdb", conf, "/etc", []*SubmitDir{a, b}); got != "/data/x.duckdb" || err != nil {
		t.Errorf("--dest: %q, %v", got, err)
	}
	if got, err := DatabasePath("", conf, "/etc/pegasus", nil); got != "/etc/pegasus/runs.duckdb" || err != nil {
		t.Errorf("--conf: %q, %v", got, err)
	}
	if _, err := DatabasePath("", nil, "", nil); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("nothing named: %v", err)
	}
	if got, err := DatabasePath("", nil, "", []*SubmitDir{a, a}); got != filepath.Join(a.Dir, "run-0.stampede.duckdb") || err != nil {
		t.Errorf("one submit directory twice: %q, %v", got, err)
	}
	if _, err := DatabasePath("", nil, "", []*SubmitDir{a, b}); err == nil || !strings.Contains(err.Error(), "distributed across multiple databases") {
		t.Errorf("two databases: %v", err)
	}
	if _, err := DatabasePath("", nil, "", []*SubmitDir{a, mk("")}); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("a directory without database: %v", err)
	}
}
