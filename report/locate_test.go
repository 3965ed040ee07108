package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/properties"
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
