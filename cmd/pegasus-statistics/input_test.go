package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// TestLevels runs every -s level alone, as text and CSV, by day and by
// hour: each writes exactly its files, with the content -s all writes,
// and the console lists them with Pegasus's labels (the per-host time
// file under its own path, not time.csv's as Pegasus HEAD prints it).
func TestLevels(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	type file struct{ label, name string }
	levels := []struct {
		level     string
		text, csv []file
	}{
		{"summary", []file{{"Summary", "summary.txt"}}, []file{{"Summary", "summary.csv"}, {"Summary Time", "summary-time.csv"}}},
		{"wf_stats", []file{{"Workflow execution statistics", "workflow.txt"}}, []file{{"Workflow execution statistics", "workflow.csv"}}},
		{"jb_stats", []file{{"Job instance statistics", "jobs.txt"}}, []file{{"Job instance statistics", "jobs.csv"}}},
		{"tf_stats", []file{{"Transformation statistics", "breakdown.txt"}}, []file{{"Transformation statistics", "breakdown.csv"}}},
		{"int_stats", []file{{"Integrity statistics", "integrity.txt"}}, []file{{"Integrity statistics", "integrity.csv"}}},
		{"ti_stats", []file{{"Time statistics", "time.txt"}}, []file{{"Time statistics", "time.csv"}, {"Time statistics (per host)", "time-per-host.csv"}}},
	}
	for _, format := range []string{"text", "csv"} {
		for _, filter := range []string{"day", "hour"} {
			all := t.TempDir()
			if _, stderr, code := runCmd(t, zone, "-f", format, "-t", filter, "-o", all, r.Dir); code != 0 {
				t.Fatalf("-s all: exit %d: %s", code, stderr)
			}
			var everything []string
			for _, l := range levels {
				files := l.text
				if format == "csv" {
					files = l.csv
				}
				o := t.TempDir()
				stdout, stderr, code := runCmd(t, zone, "-f", format, "-t", filter, "-s", l.level, "-o", o, r.Dir)
				if code != 0 {
					t.Fatalf("%s %s: exit %d: %s", format, l.level, code, stderr)
				}
				var want, names []string
				for _, f := range files {
					want = append(want, fmt.Sprintf("%-30s: %s", f.label, filepath.Join(o, f.name)))
					names = append(names, f.name)
					if a, b := readFile(t, filepath.Join(all, f.name)), readFile(t, filepath.Join(o, f.name)); a != b {
						t.Errorf("%s -s %s: %s differs from the one -s all writes", format, l.level, f.name)
					}
				}
				everything = append(everything, names...)
				sort.Strings(names)
				if got := strings.Join(testutil.ListDir(t, o), " "); got != strings.Join(names, " ") {
					t.Errorf("%s -s %s wrote %s, want %s", format, l.level, got, strings.Join(names, " "))
				}
				lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
				if format == "text" && l.level == "summary" {
					lines = lines[len(lines)-1:] // after the echoed summary
				}
				if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
					t.Errorf("%s -s %s console:\n%s\nwant:\n%s", format, l.level, got, strings.Join(want, "\n"))
				}
			}
			sort.Strings(everything)
			if got := strings.Join(testutil.ListDir(t, all), " "); got != strings.Join(everything, " ") {
				t.Errorf("%s -s all wrote %s, want %s", format, got, strings.Join(everything, " "))
			}
			if format == "csv" {
				b := readFile(t, filepath.Join(all, "time.csv"))
				for _, kind := range []string{"jobs/" + filter, "invocations/" + filter} {
					if !strings.Contains(b, "\r\n"+kind+",") {
						t.Errorf("time.csv -t %s has no %s rows:\n%s", filter, kind, b)
					}
				}
			}
		}
	}
}

// rewriteBraindump replaces the value of key in dir's braindump.yml.
func rewriteBraindump(t *testing.T, dir, key, value string) {
	t.Helper()
	p := filepath.Join(dir, "braindump.yml")
	var out []string
	for _, line := range strings.Split(readFile(t, p), "\n") {
		if strings.HasPrefix(line, key+":") {
			line = fmt.Sprintf("%s: %q", key, value)
		}
		out = append(out, line)
	}
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFindDatabase checks where the database of a submit directory is
// looked for: in the directory given (a moved directory, whose braindump
// still names the planner's path, as the samples' do), else in braindump's
// submit_dir, else where the properties (--conf first) name it; and that
// --conf alone names the database for workflows given by UUID or with -m.
func TestFindDatabase(t *testing.T) {
	r := sampledb.Load(t, "process_wf_success")
	const uuid = "f00c0056-abd4-4e8e-b793-24eb760dda1f"
	want := readFile(t, filepath.Join(r.Expect, "statistics", "summary.txt"))
	check := func(t *testing.T, args ...string) {
		t.Helper()
		o := t.TempDir()
		if _, stderr, code := runCmd(t, append([]string{zone, "-s", "summary", "-o", o}, args...)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got := summaryRows(t, readFile(t, filepath.Join(o, "summary.txt"))); fmt.Sprint(got) != fmt.Sprint(summaryRows(t, want)) {
			t.Errorf("counts %v, want the real tool's %v", got, summaryRows(t, want))
		}
	}

	// The samples were moved: braindump's submit_dir is the planner's
	// path, which does not exist here.
	t.Run("moved directory", func(t *testing.T) { check(t, r.Dir) })

	// The database left behind in submit_dir; the directory given has none.
	t.Run("database in submit_dir", func(t *testing.T) {
		moved := sampledb.CopyTree(t, r.Dir)
		os.Remove(filepath.Join(moved, "process-0.stampede.duckdb"))
		rewriteBraindump(t, moved, "submit_dir", r.Dir)
		check(t, moved)
	})

	// --conf names the database: with a submit directory, a relative path
	// is taken from the directory (as the run's own properties are);
	// without one, from the properties file's directory.
	elsewhere := t.TempDir()
	db := filepath.Join(elsewhere, "runs.duckdb")
	b, err := os.ReadFile(filepath.Join(r.Dir, "process-0.stampede.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, b, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(elsewhere, "stats.properties")
	if err := os.WriteFile(conf, []byte("pegasus.monitord.output = runs.duckdb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("conf names the database", func(t *testing.T) {
		dir := sampledb.CopyTree(t, r.Dir)
		os.Remove(filepath.Join(dir, "process-0.stampede.duckdb"))
		abs := filepath.Join(elsewhere, "abs.properties")
		if err := os.WriteFile(abs, []byte("pegasus.monitord.output = duckdb://"+db+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		check(t, "--conf", abs, dir)
	})
	t.Run("conf with a UUID", func(t *testing.T) { check(t, "--conf", conf, "-u", uuid) })
	t.Run("conf with -m", func(t *testing.T) {
		o := t.TempDir()
		stdout, stderr, code := runCmd(t, zone, "-m", "--conf", conf, "-s", "summary", "-o", o)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if got := summaryRows(t, stdout); fmt.Sprint(got) != fmt.Sprint(summaryRows(t, want)) {
			t.Errorf("counts %v, want %v", got, summaryRows(t, want))
		}
	})
	t.Run("conf naming no DuckDB database", func(t *testing.T) {
		sqlite := filepath.Join(elsewhere, "sqlite.properties")
		if err := os.WriteFile(sqlite, []byte("pegasus.monitord.output = sqlite:///tmp/x.db\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runCmd(t, "--conf", sqlite, "-u", "-o", t.TempDir(), uuid)
		if code != 1 || !strings.Contains(stderr, "no database named") {
			t.Errorf("exit %d, stderr %q; want 1 and a message naming the missing property", code, stderr)
		}
	})
}
