package monitord

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/stampede"
)

// sampleLoc is the zone the sample runs happened in (DAGMan writes local
// times without a zone).
func sampleLoc(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}
	return loc
}

// copyTree copies a sample submit directory (read-only) into a temporary one.
func copyTree(t testing.TB, src string) string { return testutil.CopyTree(t, src) }

func dagmanOut(t testing.TB, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.dag.dagman.out"))
	if len(m) != 1 {
		t.Fatalf("%s: want one *.dag.dagman.out, found %v", dir, m)
	}
	return m[0]
}

type table struct {
	cols []string
	rows []map[string]string
}

func readCSV(t *testing.T, p string) table {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	tb := table{cols: recs[0]}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		tb.rows = append(tb.rows, m)
	}
	return tb
}

func readDB(t *testing.T, db *sql.DB, name string) table {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + name + `"`)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	tb := table{cols: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			m[c] = dbString(vals[i])
		}
		tb.rows = append(tb.rows, m)
	}
	return tb
}

func dbString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// same compares two cell values: NULL and "" are the same (the CSV dump
// cannot tell them apart) and numbers compare numerically.
func same(a, b string) bool {
	if a == b {
		return true
	}
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		d := math.Abs(fa - fb)
		return d <= 1e-9 || d <= 1e-9*math.Max(math.Abs(fa), math.Abs(fb))
	}
	return false
}

// conformance compares our database with the real monitord's tables.
type conformance struct {
	t       *testing.T
	exp     map[string]table
	got     map[string]table
	expKeys map[string]map[string]string // table -> expected id -> natural key
	gotKeys map[string]map[string]string
}

// keyOf computes a row's natural key from the columns given, mapping id
// columns through the key maps of other tables.
func (c *conformance) key(side string, tbl string, row map[string]string, parts []string) string {
	var b []string
	for _, p := range parts {
		if ref, col, ok := strings.Cut(p, "->"); ok {
			keys := c.expKeys
			if side == "got" {
				keys = c.gotKeys
			}
			v := row[col]
			if v == "" {
				b = append(b, "")
				continue
			}
			k, found := keys[ref][v]
			if !found {
				c.t.Errorf("%s %s: %s=%s refers to a missing %s row", side, tbl, col, v, ref)
			}
			b = append(b, k)
			continue
		}
		b = append(b, row[p])
	}
	return strings.Join(b, "|")
}

// compare matches rows of one table by natural key and checks every other column.
func (c *conformance) compare(tbl, idCol string, keyParts []string, skip map[string]string) {
	t := c.t
	exp, got := c.exp[tbl], c.got[tbl]
	if c.expKeys[tbl] == nil {
		c.expKeys[tbl], c.gotKeys[tbl] = map[string]string{}, map[string]string{}
	}
	index := func(side string, tb table, ids map[string]string) map[string]map[string]string {
		m := map[string]map[string]string{}
		for _, r := range tb.rows {
			k := c.key(side, tbl, r, keyParts)
			if _, dup := m[k]; dup {
				t.Errorf("%s %s: duplicate natural key %q", side, tbl, k)
			}
			m[k] = r
			if idCol != "" {
				ids[r[idCol]] = k
			}
		}
		return m
	}
	em := index("expected", exp, c.expKeys[tbl])
	gm := index("got", got, c.gotKeys[tbl])
	for k, er := range em {
		gr, ok := gm[k]
		if !ok {
			t.Errorf("%s: missing row %q", tbl, k)
			continue
		}
		for _, col := range exp.cols {
			if col == idCol {
				continue
			}
			if _, deliberately := skip[col]; deliberately {
				continue
			}
			ev, gv := er[col], gr[col]
			// Foreign keys compare through natural keys.
			if ref, ok := foreignKeys[tbl+"."+col]; ok {
				if ev == "" && gv == "" {
					continue
				}
				ev, gv = c.expKeys[ref][ev], c.gotKeys[ref][gv]
			}
			if !same(ev, gv) {
				t.Errorf("%s %q column %s:\n  want %.300q\n  got  %.300q", tbl, k, col, ev, gv)
			}
		}
	}
	for k := range gm {
		if _, ok := em[k]; !ok {
			t.Errorf("%s: unexpected row %q", tbl, k)
		}
	}
}

var foreignKeys = map[string]string{
	"workflow.parent_wf_id":      "workflow",
	"workflow.root_wf_id":        "workflow",
	"workflowstate.wf_id":        "workflow",
	"job_instance.host_id":       "host",
	"job_instance.subwf_id":      "workflow",
	"job_instance.job_id":        "job",
	"task.job_id":                "job",
	"task.wf_id":                 "workflow",
	"invocation.wf_id":           "workflow",
	"invocation.job_instance_id": "job_instance",
	"integrity.wf_id":            "workflow",
	"integrity.job_instance_id":  "job_instance",
	"tag.wf_id":                  "workflow",
	"tag.job_instance_id":        "job_instance",
	"host.wf_id":                 "workflow",
	"job.wf_id":                  "workflow",
	"job_edge.wf_id":             "workflow",
	"task_edge.wf_id":            "workflow",
	"workflow_meta.wf_id":        "workflow",
	"jobstate.job_instance_id":   "job_instance",
	"rc_meta.lfn_id":             "rc_lfn",
	"rc_pfn.lfn_id":              "rc_lfn",
	"task_meta.task_id":          "task",
	"workflow_files.wf_id":       "workflow",
	"workflow_files.task_id":     "task",
	"workflow_files.lfn_id":      "rc_lfn",
}

// Deliberate differences from the real monitord's database, with reasons.
var deliberate = map[string]map[string]string{
	"dbversion": {"version_timestamp": "the time the database was created"},
}

func replaySample(t *testing.T, name string) (string, *monitordResult) {
	t.Helper()
	dir := copyTree(t, testutil.Sample(t, name))
	var warns []string
	res, err := Run(context.Background(), Config{
		DagmanOut: dagmanOut(t, dir), Replay: true,
		Ingest: ingest.Options{Loc: sampleLoc(t), OnWarning: func(w ingest.Warning) { warns = append(warns, w.String()) }},
	})
	if err != nil {
		t.Fatalf("replay %s: %v", name, err)
	}
	for _, w := range warns {
		t.Logf("warning: %s", w)
	}
	return dir, &monitordResult{res}
}

type monitordResult struct{ *Result }

func TestConformanceSamples(t *testing.T) {
	for _, name := range testutil.SampleRuns(t) {
		t.Run(name, func(t *testing.T) {
			expDir := filepath.Join(testutil.Sample(t, name), "expected")
			_, res := replaySample(t, name)
			db, err := stampede.Open(context.Background(), res.DBPath, stampede.OpenOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c := &conformance{t: t, exp: map[string]table{}, got: map[string]table{},
				expKeys: map[string]map[string]string{}, gotKeys: map[string]map[string]string{}}
			csvs, _ := filepath.Glob(filepath.Join(expDir, "stampede", "*.csv"))
			if len(csvs) == 0 {
				t.Fatalf("no expected tables in %s", expDir)
			}
			for _, p := range csvs {
				tbl := strings.TrimSuffix(filepath.Base(p), ".csv")
				c.exp[tbl] = readCSV(t, p)
				c.got[tbl] = readDB(t, db.SQL, tbl)
			}
			c.compare("workflow", "wf_id", []string{"wf_uuid"}, nil)
			c.compare("host", "host_id", []string{"workflow->wf_id", "site", "hostname", "ip"}, nil)
			c.compare("job", "job_id", []string{"workflow->wf_id", "exec_job_id"}, nil)
			c.compare("job_instance", "job_instance_id", []string{"job->job_id", "job_submit_seq"}, nil)
			c.compare("task", "task_id", []string{"workflow->wf_id", "abs_task_id"}, nil)
			c.compare("rc_lfn", "lfn_id", []string{"lfn"}, nil)
			c.compare("workflowstate", "", []string{"workflow->wf_id", "state", "timestamp"}, nil)
			c.compare("workflow_meta", "", []string{"workflow->wf_id", "key"}, nil)
			c.compare("job_edge", "", []string{"workflow->wf_id", "parent_exec_job_id", "child_exec_job_id"}, nil)
			c.compare("jobstate", "", []string{"job_instance->job_instance_id", "state", "timestamp", "jobstate_submit_seq"}, nil)
			c.compare("tag", "tag_id", []string{"job_instance->job_instance_id", "name"}, nil)
			c.compare("task_edge", "", []string{"workflow->wf_id", "parent_abs_task_id", "child_abs_task_id"}, nil)
			c.compare("task_meta", "", []string{"task->task_id", "key"}, nil)
			c.compare("invocation", "invocation_id", []string{"job_instance->job_instance_id", "task_submit_seq"}, nil)
			c.compare("integrity", "integrity_id", []string{"job_instance->job_instance_id", "type", "file_type"}, nil)
			c.compare("rc_pfn", "pfn_id", []string{"rc_lfn->lfn_id", "pfn", "site"}, nil)
			c.compare("rc_meta", "", []string{"rc_lfn->lfn_id", "key"}, nil)
			c.compare("workflow_files", "", []string{"workflow->wf_id", "task->task_id", "rc_lfn->lfn_id"}, nil)
			c.compare("dbversion", "id", []string{"version_number"}, deliberate["dbversion"])
			for _, tbl := range []string{"ensemble", "ensemble_workflow", "master_workflow", "master_workflowstate", "trigger"} {
				if n := len(c.got[tbl].rows); n != len(c.exp[tbl].rows) {
					t.Errorf("%s: %d rows, want %d", tbl, n, len(c.exp[tbl].rows))
				}
			}
			// Surrogate keys: we assign them in the real monitord's order.
			for _, tbl := range []string{"workflow", "host", "job", "job_instance", "task", "invocation", "integrity", "rc_lfn", "rc_pfn"} {
				ids := func(m map[string]string) []string {
					var out []string
					for id, k := range m {
						out = append(out, k+"="+id)
					}
					sort.Strings(out)
					return out
				}
				if e, g := ids(c.expKeys[tbl]), ids(c.gotKeys[tbl]); strings.Join(e, ",") != strings.Join(g, ",") {
					t.Errorf("%s: surrogate keys differ from the real monitord's:\n  want %v\n  got  %v", tbl, e, g)
				}
			}
		})
	}
}

func TestConformanceJobstateLog(t *testing.T) {
	for _, name := range testutil.SampleRuns(t) {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(testutil.Sample(t, name), "expected", "jobstate.log"))
			if err != nil {
				t.Fatal(err)
			}
			dir, _ := replaySample(t, name)
			got, err := os.ReadFile(filepath.Join(dir, "jobstate.log"))
			if err != nil {
				t.Fatal(err)
			}
			norm := func(b []byte) []string {
				var out []string
				for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
					if f := strings.Fields(l); len(f) > 3 && f[1] == "INTERNAL" && strings.HasPrefix(f[3], "MONITORD_") {
						l = "<now> " + strings.Join(f[1:], " ")
					}
					out = append(out, l)
				}
				return out
			}
			w, g := norm(want), norm(got)
			for i := 0; i < len(w) || i < len(g); i++ {
				var wl, gl string
				if i < len(w) {
					wl = w[i]
				}
				if i < len(g) {
					gl = g[i]
				}
				if wl != gl {
					t.Errorf("jobstate.log line %d:\n  want %q\n  got  %q", i+1, wl, gl)
				}
			}
		})
	}
}
