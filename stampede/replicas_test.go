package stampede

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest"
)

// rcRun is a workflow whose static events name replicas: a key given twice
// (the later value wins), a PFN given twice (one row), a file mapped twice.
func rcRun(uuid, shared string) []*ingest.Event {
	plan := &ingest.PlanInfo{Label: "rc", Index: "0", Root: uuid, SubmitDir: "/tmp/" + uuid}
	return []*ingest.Event{
		{Kind: ingest.WfPlan, TS: 1, Wf: uuid, Plan: plan},
		{Kind: ingest.StaticStart, TS: 1, Wf: uuid},
		{Kind: ingest.TaskInfo, TS: 1, Wf: uuid, TaskID: "t1", Task: &ingest.TaskDef{TypeDesc: "compute", Transformation: "tr"}},
		{Kind: ingest.RCMeta, TS: 1, Wf: uuid, LFN: "own-" + uuid, Key: "size", Value: "1"},
		{Kind: ingest.RCMeta, TS: 1, Wf: uuid, LFN: shared, Key: "checksum", Value: "a-" + uuid},
		{Kind: ingest.RCMeta, TS: 1, Wf: uuid, LFN: "own-" + uuid, Key: "size", Value: "2"},
		{Kind: ingest.RCPFN, TS: 1, Wf: uuid, LFN: shared, PFN: "file:///data/" + shared, Site: "local"},
		{Kind: ingest.RCPFN, TS: 1, Wf: uuid, LFN: shared, PFN: "file:///data/" + shared, Site: "local"},
		{Kind: ingest.WfMapFile, TS: 1, Wf: uuid, TaskID: "t1", LFN: shared},
		{Kind: ingest.WfMapFile, TS: 1, Wf: uuid, TaskID: "t1", LFN: shared},
		{Kind: ingest.StaticEnd, TS: 1, Wf: uuid},
	}
}

func loadEvents(t *testing.T, db *DB, evs []*ingest.Event) {
	t.Helper()
	_, err := db.Load(context.Background(), func(sink func([]*ingest.Event) error) error { return sink(evs) })
	if err != nil {
		t.Fatal(err)
	}
}

func rows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	r, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out []string
	for r.Next() {
		v := make([]sql.NullString, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := r.Scan(p...); err != nil {
			t.Fatal(err)
		}
		s := make([]string, len(v))
		for i := range v {
			s[i] = v[i].String
			if !v[i].Valid {
				s[i] = "NULL"
			}
		}
		out = append(out, strings.Join(s, "|"))
	}
	return out
}

// TestReplicaRows loads a first run into an empty database (rows written
// directly), a second sharing an LFN (rows resolved against the existing
// LFNs), then the first again: merged metadata, one row per PFN and mapping,
// the LFN keys kept across a reload.
func TestReplicaRows(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	loadEvents(t, db, rcRun("wf-a", "shared.dat"))
	want := map[string][]string{
		"rc_lfn":         {"1|own-wf-a", "2|shared.dat"},
		"rc_meta":        {"1|size|2", "2|checksum|a-wf-a"},
		"rc_pfn":         {"1|2|file:///data/shared.dat|local"},
		"workflow_files": {"1|1|2|NULL"},
		"lfn_workflow":   {"1|1", "2|1"},
	}
	check := func(stage string) {
		t.Helper()
		for table, rs := range want {
			got := rows(t, db.SQL, "SELECT * FROM "+table+" ORDER BY ALL")
			if !reflect.DeepEqual(got, rs) {
				t.Errorf("%s: %s = %q, want %q", stage, table, got, rs)
			}
		}
	}
	check("first run")

	loadEvents(t, db, rcRun("wf-b", "shared.dat"))
	want = map[string][]string{
		"rc_lfn":         {"1|own-wf-a", "2|shared.dat", "3|own-wf-b"},
		"rc_meta":        {"1|size|2", "2|checksum|a-wf-b", "3|size|2"},
		"rc_pfn":         {"1|2|file:///data/shared.dat|local"},
		"workflow_files": {"1|1|2|NULL", "2|2|2|NULL"},
		"lfn_workflow":   {"1|1", "2|1", "2|2", "3|2"},
	}
	check("second run")

	// Reloaded, the first run gets new workflow and task keys (the second
	// run holds the larger ones); the LFNs keep theirs.
	loadEvents(t, db, rcRun("wf-a", "shared.dat"))
	want["rc_meta"] = []string{"1|size|2", "2|checksum|a-wf-a", "3|size|2"}
	want["workflow_files"] = []string{"2|2|2|NULL", "3|3|2|NULL"}
	want["lfn_workflow"] = []string{"1|3", "2|2", "2|3", "3|2"}
	check("first run again")
}

// TestLFNWorkflowsOneLoad loads two workflows in one load into an empty
// database (direct mode), interleaved, sharing an LFN: each (LFN, workflow)
// pair is one lfn_workflow row however often and in whatever order the
// workflows name the LFN.
func TestLFNWorkflowsOneLoad(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t, ctx)
	a, b := rcRun("wf-a", "shared.dat"), rcRun("wf-b", "shared.dat")
	// Both plans first, then a's and b's events alternately, then a's again.
	evs := []*ingest.Event{a[0], b[0]}
	for i := 1; i < len(a)-1; i++ {
		evs = append(evs, a[i], b[i])
	}
	for i := 3; i < len(a)-1; i++ {
		e := *a[i]
		evs = append(evs, &e)
	}
	evs = append(evs, a[len(a)-1], b[len(b)-1])
	loadEvents(t, db, evs)
	got := rows(t, db.SQL, "SELECT l.lfn, w.wf_uuid FROM lfn_workflow JOIN rc_lfn l USING (lfn_id) JOIN workflow w USING (wf_id) ORDER BY ALL")
	want := []string{"own-wf-a|wf-a", "own-wf-b|wf-b", "shared.dat|wf-a", "shared.dat|wf-b"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lfn_workflow = %q, want %q", got, want)
	}
}
