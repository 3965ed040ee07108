package stampede_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/monitord"
	"github.com/pegasus-go/pegasus/stampede"
)

var ctx = context.Background()

func loc(t testing.TB) *time.Location {
	l, err := time.LoadLocation(sampledb.Zone)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// replayInto replays a sample copy into the database at db.
func replayInto(t *testing.T, name, db string) (dir string, res *monitord.Result) {
	t.Helper()
	dir = sampledb.CopyTree(t, testutil.Sample(t, name))
	outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	res, err := monitord.Run(ctx, monitord.Config{DagmanOut: outs[0], Replay: true, Dest: db, Ingest: ingest.Options{Loc: loc(t)}})
	if err != nil {
		t.Fatalf("replay %s: %v", name, err)
	}
	return dir, res
}

// snapshot returns every table's rows as sorted text, to compare databases.
func snapshot(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := stampede.Open(ctx, path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for _, tbl := range stampede.Tables {
		rows, err := db.SQL.Query(`SELECT * FROM "` + tbl + `"`)
		if err != nil {
			t.Fatalf("%s: %v", tbl, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[tbl] = append(out[tbl], fmt.Sprint(vals...))
		}
		rows.Close()
		sort.Strings(out[tbl])
	}
	return out
}

func counts(s map[string][]string) map[string]int {
	c := map[string]int{}
	for k, v := range s {
		c[k] = len(v)
	}
	return c
}

func TestReloadReplacesRows(t *testing.T) {
	db := filepath.Join(t.TempDir(), "all.duckdb")
	replayInto(t, "process_wf_failure", db)
	firstRows := snapshot(t, db)
	first := counts(firstRows)
	if first["job_instance"] != 3 || first["invocation"] != 6 {
		t.Fatalf("first load: %v", first)
	}
	replayInto(t, "process_wf_failure", db)
	// The same rows, surrogate keys included.
	if again := snapshot(t, db); fmt.Sprint(again) != fmt.Sprint(firstRows) {
		t.Fatalf("reloading the same run changed the database:\n first %v\n again %v", first, counts(again))
	}
	// A second run goes beside the first.
	replayInto(t, "hierarchical_wf_success", db)
	both := counts(snapshot(t, db))
	if both["workflow"] != 3 || both["job_instance"] != 3+13 {
		t.Fatalf("two runs: %v", both)
	}
	// The shared replica catalog is merged, not duplicated.
	replayInto(t, "hierarchical_wf_success", db)
	if again := counts(snapshot(t, db)); fmt.Sprint(again) != fmt.Sprint(both) {
		t.Fatalf("reloading the second run changed row counts:\n before %v\n after  %v", both, again)
	}
}

func TestFailedLoadLeavesDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.duckdb")
	dir, _ := replayInto(t, "process_wf_failure", db)
	before := snapshot(t, db)

	// A load that fails half-way through the events.
	d, err := stampede.Open(ctx, db, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	outs, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	sent := 0
	_, err = d.Load(ctx, func(sink func([]*ingest.Event) error) error {
		_, err := ingest.Replay(ctx, outs[0], ingest.Options{Loc: loc(t), BatchSize: 8}, func(b []*ingest.Event) error {
			if sent += len(b); sent > 40 {
				return boom
			}
			return sink(b)
		})
		return err
	})
	d.Close()
	if !errors.Is(err, boom) {
		t.Fatalf("Load error = %v, want the producer's", err)
	}
	after := snapshot(t, db)
	for tbl, rows := range before {
		if strings.Join(rows, "\n") != strings.Join(after[tbl], "\n") {
			t.Errorf("%s changed after a failed load", tbl)
		}
	}

	// A cancelled load too.
	c, cancel := context.WithCancel(ctx)
	d, err = stampede.Open(ctx, db, stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Load(c, func(sink func([]*ingest.Event) error) error {
		_, err := ingest.Replay(c, outs[0], ingest.Options{Loc: loc(t), BatchSize: 8}, func(b []*ingest.Event) error {
			cancel()
			return sink(b)
		})
		return err
	})
	d.Close()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Load error = %v", err)
	}
	if got := snapshot(t, db); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("database changed after a cancelled load")
	}
}

type fileID struct {
	size  int64
	mtime time.Time
	ino   uint64
}

func stat(t *testing.T, root string) map[string]fileID {
	t.Helper()
	out := map[string]fileID{}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		out[p] = fileID{fi.Size(), fi.ModTime(), inode(fi)}
		return nil
	})
	return out
}

func TestArchiveAppendAndReplace(t *testing.T) {
	tmp := t.TempDir()
	arch := filepath.Join(tmp, "archive")
	runs := []string{"process_wf_success", "process_wf_failure", "hierarchical_wf_success"}
	var roots []string
	dbs := map[string]string{}
	for _, r := range runs {
		// Each run in its own database, as a cron job archiving runs would see them
		// (so surrogate keys collide between runs unless the archive namespaces them).
		db := filepath.Join(tmp, r+".duckdb")
		_, res := replayInto(t, r, db)
		d, err := stampede.Open(ctx, db, stampede.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		files, err := d.Archive(ctx, arch, res.Replay.Root)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != len(stampede.ArchiveTables) {
			t.Fatalf("archived %d files, want one per table (%d)", len(files), len(stampede.ArchiveTables))
		}
		roots = append(roots, res.Replay.Root)
		dbs[res.Replay.Root] = db
	}
	before := stat(t, arch)
	time.Sleep(20 * time.Millisecond)

	// Re-archive the second run: only its partitions change.
	d, err := stampede.Open(ctx, dbs[roots[1]], stampede.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Archive(ctx, arch, roots[1]); err != nil {
		t.Fatal(err)
	}
	d.Close()
	after := stat(t, arch)
	if len(after) != len(before) {
		t.Fatalf("archive has %d files after re-archiving, %d before", len(after), len(before))
	}
	for p, b := range before {
		a, ok := after[p]
		if !ok {
			t.Errorf("%s disappeared", p)
			continue
		}
		mine := strings.Contains(p, "root_wf_uuid="+roots[1])
		if !mine && a != b {
			t.Errorf("%s of another run was rewritten", p)
		}
		if mine && a.ino == b.ino && a.mtime.Equal(b.mtime) {
			t.Errorf("%s was not replaced", p)
		}
	}

	// The archive answers the same questions as the databases.
	a, err := stampede.OpenArchive(ctx, arch)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, root := range roots {
		src, err := stampede.Open(ctx, dbs[root], stampede.OpenOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		q := `SELECT count(*), coalesce(sum(inv.remote_duration), 0), count(DISTINCT ji.job_instance_id)
			FROM invocation inv JOIN job_instance ji ON ji.job_instance_id = inv.job_instance_id
			JOIN job j ON j.job_id = ji.job_id JOIN workflow w ON w.wf_id = j.wf_id
			WHERE w.root_wf_id = (SELECT wf_id FROM workflow WHERE wf_uuid = ?)`
		var n1, n2, i1, i2 int
		var s1, s2 float64
		if err := src.SQL.QueryRow(q, root).Scan(&n1, &s1, &i1); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := a.SQL.QueryRow(q, root).Scan(&n2, &s2, &i2); err != nil {
			t.Fatal(err)
		}
		if n1 != n2 || i1 != i2 || math.Abs(s1-s2) > 1e-9 || n1 == 0 {
			t.Errorf("run %s: database says %d invocations (%v s, %d instances), archive %d (%v s, %d)", root, n1, s1, i1, n2, s2, i2)
		}
	}
	var nwf int
	if err := a.SQL.QueryRow(`SELECT count(*) FROM workflow`).Scan(&nwf); err != nil || nwf != 4 {
		t.Errorf("archive workflows = %d, %v; want 4", nwf, err)
	}
}
