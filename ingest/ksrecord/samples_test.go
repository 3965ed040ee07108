package ksrecord_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// TestSamplesParse parses every *.out* file of the samples (job outputs of
// the three runs, the sub-workflow's included, and the DAGMan logs, which hold
// no record).
func TestSamplesParse(t *testing.T) {
	root := testutil.SamplesDir(t)
	var jobs int
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".out") {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		f, err := ksrecord.ParseFile(path)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if strings.HasSuffix(d.Name(), ".dagman.out") {
			if f.Format != "" || len(f.Records) != 0 {
				t.Errorf("%s: a DAGMan log gave format %q and %d records", rel, f.Format, len(f.Records))
			}
			return nil
		}
		jobs++
		if f.Format != "yaml" || len(f.Records) == 0 {
			t.Errorf("%s: format %q, %d records; want a YAML record", rel, f.Format, len(f.Records))
			return nil
		}
		for i, r := range f.Records {
			if !r.HasStart || !r.HasDuration || !r.HasRaw || !r.HasUsage || !r.HasMaxRSS || r.Executable == "" ||
				r.Transformation == "" || r.Hostname == "" || r.Cwd == "" || !r.HasUname {
				t.Errorf("%s: record %d lacks mainjob fields: %+v", rel, i+1, r)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if jobs < 30 {
		t.Errorf("found %d job output files, want the 35 of the samples", jobs)
	}
}

// table is a CSV dump of one Stampede table, rows keyed by column name.
type table []map[string]string

func readTable(t *testing.T, run, name string) table {
	t.Helper()
	fh, err := os.Open(filepath.Join(run, "expected", "stampede", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s.csv: %v", name, err)
	}
	var out table
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func (tb table) by(col string) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, r := range tb {
		m[r[col]] = r
	}
	return m
}

// quote is monitord's quoting of stored texts (FORMATS.md §5.6).
func quote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '%' || c == '\'' || c == '"' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// stdoutText builds job_instance.stdout_text from a job's records as monitord
// does for YAML records (no signal prefix), monitoring payloads removed.
func stdoutText(f *ksrecord.File) string {
	var b strings.Builder
	for k, r := range f.Records {
		if r.HasStdout {
			rest, _ := ksrecord.SplitPayloads(r.Stdout)
			fmt.Fprintf(&b, "#@ %d stdout\n%s\n", k+1, rest)
		}
		if r.HasStderr {
			rest, _ := ksrecord.SplitPayloads(r.Stderr)
			fmt.Fprintf(&b, "#@ %d stderr\n %s\n", k+1, rest)
		}
	}
	return quote(b.String())
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func parseF(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q in the expected tables", s)
	}
	return f
}

// integrityRow is one row of the integrity table.
type integrityRow struct {
	typ, fileType string
	count         int
	duration      float64
}

func (r integrityRow) String() string {
	return fmt.Sprintf("%s/%s count=%d duration=%g", r.typ, r.fileType, r.count, r.duration)
}

func sortRows(rows []integrityRow) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].String() < rows[j].String() })
}

// expectedIntegrity derives a job's integrity rows from its records as
// monitord does: compute/output from checksummed outputs, int.metric
// payloads in task output, and multipart integrity summaries (check/input).
func expectedIntegrity(t *testing.T, f *ksrecord.File) []integrityRow {
	var rows []integrityRow
	for _, r := range f.Records {
		n, dur := 0, 0.0
		for _, o := range r.Outputs {
			if o.ChecksumValue == "" {
				continue
			}
			n++
			if o.ChecksumTiming != "" {
				dur += parseF(t, o.ChecksumTiming)
			}
		}
		if n > 0 {
			rows = append(rows, integrityRow{"compute", "output", n, dur})
		}
		for _, text := range []string{r.Stdout, r.Stderr} {
			_, payloads := ksrecord.SplitPayloads(text)
			for _, js := range payloads {
				var ev struct {
					Event   string `json:"monitoring_event"`
					Payload []struct {
						Event     string  `json:"event"`
						FileType  string  `json:"file_type"`
						Succeeded int     `json:"succeeded"`
						Failed    int     `json:"failed"`
						Duration  float64 `json:"duration,string"`
					} `json:"payload"`
				}
				if err := json.Unmarshal([]byte(js), &ev); err != nil {
					t.Errorf("payload %q: %v", js, err)
					continue
				}
				if ev.Event != "int.metric" {
					continue
				}
				for _, it := range ev.Payload {
					rows = append(rows, integrityRow{it.Event, it.FileType, it.Succeeded + it.Failed, it.Duration})
				}
			}
		}
	}
	for _, m := range f.Multipart {
		if s := m.IntegritySummary; s != nil {
			rows = append(rows, integrityRow{"check", "input", s.Succeeded + s.Failed, s.Duration})
		}
	}
	sortRows(rows)
	return rows
}

// TestSamplesAgainstStampede compares the parsed records field by field with
// what the real monitord stored for the same files.
func TestSamplesAgainstStampede(t *testing.T) {
	for _, name := range testutil.SampleRuns(t) {
		t.Run(name, func(t *testing.T) {
			run := testutil.Sample(t, name)
			checkRun(t, run)
		})
	}
}

func checkRun(t *testing.T, run string) {
	workflows := readTable(t, run, "workflow")
	jobs := readTable(t, run, "job").by("job_id")
	instances := readTable(t, run, "job_instance")
	hosts := readTable(t, run, "host").by("host_id")
	lfns := readTable(t, run, "rc_lfn").by("lfn_id")

	// Each workflow's submit directory, relative to the root workflow's.
	var rootDir string
	for _, w := range workflows {
		if w["parent_wf_id"] == "" {
			rootDir = w["submit_dir"]
		}
	}
	wfDir := map[string]string{}
	for _, w := range workflows {
		rel, err := filepath.Rel(rootDir, w["submit_dir"])
		if err != nil {
			t.Fatal(err)
		}
		wfDir[w["wf_id"]] = filepath.Join(run, rel)
	}

	parsed := map[string]*ksrecord.File{} // by job_instance_id
	var ids []int
	for _, ji := range instances {
		job := jobs[ji["job_id"]]
		path := filepath.Join(wfDir[job["wf_id"]], ji["stdout_file"])
		if _, err := os.Stat(path); err != nil || ji["stdout_file"] == "" {
			continue // no output kept (e.g. a SUBDAG node)
		}
		f, err := ksrecord.ParseFile(path)
		if err != nil {
			t.Errorf("%s: %v", ji["stdout_file"], err)
			continue
		}
		id := ji["job_instance_id"]
		parsed[id] = f
		n, _ := strconv.Atoi(id)
		ids = append(ids, n)
		if len(f.Records) == 0 {
			t.Errorf("%s: no record", ji["stdout_file"])
			continue
		}
		r := f.Records[0]
		what := ji["stdout_file"]
		if got, want := stdoutText(f), ji["stdout_text"]; got != want {
			t.Errorf("%s: stdout_text\n got %q\nwant %q", what, got, want)
		}
		if r.Resource != ji["site"] || r.User != ji["user"] || r.Cwd != ji["work_dir"] {
			t.Errorf("%s: site/user/work_dir = %q/%q/%q, want %q/%q/%q", what,
				r.Resource, r.User, r.Cwd, ji["site"], ji["user"], ji["work_dir"])
		}
		if h, ok := hosts[ji["host_id"]]; ok {
			uname := r.System + "-" + r.Release + "-" + r.Machine
			if r.Hostname != h["hostname"] || r.Hostaddr != h["ip"] || uname != h["uname"] {
				t.Errorf("%s: host %s/%s/%s, want %s/%s/%s", what, r.Hostname, r.Hostaddr, uname,
					h["hostname"], h["ip"], h["uname"])
			}
		}
	}
	if len(parsed) == 0 {
		t.Fatal("no job output file matched the job_instance table")
	}

	// Invocations (tasks; PRE/POST script rows have negative numbers).
	checked := 0
	for _, inv := range readTable(t, run, "invocation") {
		seq, _ := strconv.Atoi(inv["task_submit_seq"])
		f := parsed[inv["job_instance_id"]]
		if seq < 1 || f == nil {
			continue
		}
		if seq > len(f.Records) {
			t.Errorf("invocation %s: task %d, but the file has %d records", inv["invocation_id"], seq, len(f.Records))
			continue
		}
		r := f.Records[seq-1]
		checked++
		what := "invocation " + inv["invocation_id"]
		if got, want := int64(r.Start), int64(parseF(t, inv["start_time"])); got != want {
			t.Errorf("%s: start %d, want %d", what, got, want)
		}
		if !near(r.Duration, parseF(t, inv["remote_duration"])) {
			t.Errorf("%s: duration %g, want %s", what, r.Duration, inv["remote_duration"])
		}
		if !near(r.Utime+r.Stime, parseF(t, inv["remote_cpu_time"])) {
			t.Errorf("%s: cpu %g, want %s", what, r.Utime+r.Stime, inv["remote_cpu_time"])
		}
		if got := strconv.FormatInt(r.MaxRSS, 10); got != inv["maxrss"] {
			t.Errorf("%s: maxrss %s, want %s", what, got, inv["maxrss"])
		}
		if got := strconv.Itoa(r.Raw); got != inv["exitcode"] {
			t.Errorf("%s: raw status %s, want %s", what, got, inv["exitcode"])
		}
		if r.Executable != inv["executable"] || r.Transformation != inv["transformation"] {
			t.Errorf("%s: executable/transformation %q/%q, want %q/%q", what,
				r.Executable, r.Transformation, inv["executable"], inv["transformation"])
		}
		task := r.Derivation
		if task == "null" {
			task = ""
		}
		if task != inv["abs_task_id"] {
			t.Errorf("%s: derivation %q, want abs_task_id %q", what, r.Derivation, inv["abs_task_id"])
		}
	}
	if checked == 0 {
		t.Error("no invocation row was checked")
	}

	// rc_meta: the attributes of output files, the last job writing an lfn winning.
	sort.Ints(ids)
	outputs := map[string]ksrecord.OutputFile{}
	for _, id := range ids {
		for _, r := range parsed[strconv.Itoa(id)].Records {
			for _, o := range r.Outputs {
				outputs[o.LFN] = o
			}
		}
	}
	meta := map[string]map[string]string{}
	for _, m := range readTable(t, run, "rc_meta") {
		lfn := lfns[m["lfn_id"]]["lfn"]
		if meta[lfn] == nil {
			meta[lfn] = map[string]string{}
		}
		meta[lfn][m["key"]] = m["value"]
	}
	for lfn, o := range outputs {
		got := map[string]string{}
		for k, v := range map[string]string{"size": o.Size, "ctime": o.Ctime, "user": o.User,
			"checksum.type": o.ChecksumType, "checksum.value": o.ChecksumValue, "checksum.timing": o.ChecksumTiming} {
			if v != "" {
				got[k] = v
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(meta[lfn]) {
			t.Errorf("rc_meta of %s:\n got %v\nwant %v", lfn, got, meta[lfn])
		}
	}
	for lfn := range meta {
		if _, ok := outputs[lfn]; !ok {
			t.Errorf("rc_meta has %s, which no parsed record declares as output", lfn)
		}
	}

	// Integrity metrics per job instance.
	want := map[string][]integrityRow{}
	for _, row := range readTable(t, run, "integrity") {
		n, _ := strconv.Atoi(row["count"])
		want[row["job_instance_id"]] = append(want[row["job_instance_id"]],
			integrityRow{row["type"], row["file_type"], n, parseF(t, row["duration"])})
	}
	for id, f := range parsed {
		got := expectedIntegrity(t, f)
		w := want[id]
		sortRows(w)
		if len(got) != len(w) {
			t.Errorf("job instance %s: integrity %v, want %v", id, got, w)
			continue
		}
		for i := range got {
			if got[i].typ != w[i].typ || got[i].fileType != w[i].fileType || got[i].count != w[i].count ||
				!near(got[i].duration, w[i].duration) {
				t.Errorf("job instance %s: integrity %v, want %v", id, got, w)
				break
			}
		}
	}
}
