package plots_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/report/plots"
	"github.com/pegasus-go/pegasus/stampede"
)

func zone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(sampledb.Zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func openDB(t testing.TB, path string) *stampede.DB {
	t.Helper()
	db, err := stampede.Open(context.Background(), path, stampede.OpenOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// generate draws every root workflow of the database.
func generate(t testing.TB, db *stampede.DB, opts plots.Options) *plots.Result {
	t.Helper()
	ctx := context.Background()
	roots, err := db.RootWorkflows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if opts.OutputDir == "" {
		opts.OutputDir = t.TempDir()
	}
	if opts.Location == nil {
		opts.Location = zone(t)
	}
	res, err := plots.Generate(ctx, db, plots.Selection{Workflows: roots, Multi: len(roots) > 1}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkPNG decodes a chart and checks that it has a screen size and is
// not blank: enough non-white pixels in several colours.
func checkPNG(t testing.TB, name string, b []byte) image.Image {
	t.Helper()
	return checkImage(t, name, b, 600, 150)
}

// checkImage is checkPNG with a smaller least size (Graphviz sizes its
// images to the graph).
func checkImage(t testing.TB, name string, b []byte, minW, minH int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w < minW || w > 4000 || h < minH || h > 4000 {
		t.Errorf("%s: size %dx%d is not a screen size", name, w, h)
	}
	colors := map[color.RGBA]bool{}
	ink := 0
	for y := 0; y < h; y += 2 {
		for x := 0; x < w; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
			colors[c] = true
			if c != (color.RGBA{255, 255, 255, 255}) {
				ink++
			}
		}
	}
	if frac := float64(ink) / float64((w/2)*(h/2)); frac < 0.01 || len(colors) < 4 {
		t.Errorf("%s looks blank: %.2f%% non-white pixels, %d colours", name, 100*frac, len(colors))
	}
	return img
}

// checkCharts checks every chart of the result and its file.
func checkCharts(t *testing.T, res *plots.Result, dir string) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	for _, c := range res.Charts() {
		if c.PNG == nil {
			if c.Kind != "dag" && c.Kind != "dax" {
				t.Errorf("%s: no image (%v)", c.Title, c.Err)
			}
			continue
		}
		kinds[c.Kind]++
		checkPNG(t, c.Path, c.PNG)
		onDisk, err := os.ReadFile(filepath.Join(dir, c.Path))
		if err != nil || !bytes.Equal(onDisk, c.PNG) {
			t.Errorf("%s: file differs from the chart (%v)", c.Path, err)
		}
	}
	return kinds
}

// breakdownTables parses the tables of a breakdown.txt, by their heading
// ("All", or a workflow's uuid): transformation and type → count and total
// runtime as printed.
func breakdownTables(t *testing.T, path string) map[string]map[[2]string][2]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[[2]string][2]string{}
	var table map[[2]string][2]string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "#" && strings.HasPrefix(f[2], "("):
			table = map[[2]string][2]string{}
			out[f[1]] = table
		case table == nil || strings.HasPrefix(line, "Transformation") || len(f) < 7:
		default:
			table[[2]string{f[0], f[1]}] = [2]string{f[2], f[6]}
		}
	}
	return out
}

// breakdownRows prints a breakdown's rows as breakdown.txt does.
func breakdownRows(bd *plots.BreakdownData) map[[2]string][2]string {
	got := map[[2]string][2]string{}
	for _, row := range bd.Rows {
		if row.SucceededPresent {
			got[[2]string{row.Transformation, "successful"}] = [2]string{strconv.FormatInt(row.Succeeded, 10), fstr(row.SucceededRuntime)}
		}
		if row.FailedPresent {
			got[[2]string{row.Transformation, "failed"}] = [2]string{strconv.FormatInt(row.Failed, 10), fstr(row.FailedRuntime)}
		}
	}
	return got
}

func sameRows(t *testing.T, what string, got, want map[[2]string][2]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, breakdown.txt %d", what, len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s %v: count and total %v, breakdown.txt %v", what, k, got[k], w)
		}
	}
}

// jobsTable parses the table of workflow uuid in a jobs.txt: one row per
// try, keyed by job and try number, with its Kickstart, CondorQTime and
// Hostname columns.
func jobsTable(t *testing.T, path, uuid string) map[[2]string][3]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]string][3]string{}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "# "):
			in = len(f) > 1 && f[1] == uuid
		case !in || len(f) != 15 || f[0] == "Job":
		default:
			out[[2]string{f[0], f[1]}] = [3]string{f[3], f[8], f[14]}
		}
	}
	return out
}

// timeTables parses the first two tables of a time.txt (job instances
// and invocations per day): date → count and runtime as printed.
func timeTables(t *testing.T, path string) [2]map[string][2]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [2]map[string][2]string
	table := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Date[") && strings.Contains(line, "Host"):
			table = 2 // the tables per host follow: done
		case strings.HasPrefix(line, "Date["):
			table++
			if table < 2 {
				out[table] = map[string][2]string{}
			}
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case table >= 0 && table < 2:
			fs := strings.Fields(line)
			if len(fs) == 3 {
				out[table][fs[0]] = [2]string{fs[1], fs[2]}
			}
		}
	}
	return out
}

func fstr(x float64) string { return string(report.AppendFstr(nil, x)) }

// checkCritical checks the critical path of a section: it follows
// job_edge from parent to child, each job's predecessor is its parent
// that ended last, and its segments cover [Start, End] back to back.
func checkCritical(t *testing.T, db *stampede.DB, s *plots.Section) {
	t.Helper()
	cd := s.Critical
	if cd == nil || len(cd.Jobs) == 0 {
		t.Fatalf("%s: no critical path", s.Workflow.UUID)
	}
	ctx := context.Background()
	// Every job's last event and every edge of the workflow.
	ends := map[string]float64{}
	rows, err := db.SQL.QueryContext(ctx, `SELECT j.exec_job_id, max(js.timestamp) FROM job j
		JOIN job_instance ji ON ji.job_id = j.job_id JOIN jobstate js ON js.job_instance_id = ji.job_instance_id
		WHERE j.wf_id = ? GROUP BY 1`, s.Workflow.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var j string
		var e float64
		if err := rows.Scan(&j, &e); err != nil {
			t.Fatal(err)
		}
		ends[j] = e
	}
	rows.Close()
	parents := map[string][]string{}
	rows, err = db.SQL.QueryContext(ctx, `SELECT parent_exec_job_id, child_exec_job_id FROM job_edge WHERE wf_id = ?`, s.Workflow.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p, c string
		if err := rows.Scan(&p, &c); err != nil {
			t.Fatal(err)
		}
		parents[c] = append(parents[c], p)
	}
	rows.Close()
	for i, j := range cd.Jobs {
		var latest string
		for _, p := range parents[j] {
			if _, ran := ends[p]; ran && (latest == "" || ends[p] > ends[latest] || ends[p] == ends[latest] && p > latest) {
				latest = p
			}
		}
		switch {
		case i == 0 && latest != "":
			t.Errorf("the critical path starts at %s, which has a parent that ran (%s)", j, latest)
		case i > 0 && !contains(parents[j], cd.Jobs[i-1]):
			t.Errorf("critical path step %s -> %s is no job_edge", cd.Jobs[i-1], j)
		case i > 0 && ends[latest] > ends[cd.Jobs[i-1]]:
			t.Errorf("%s: parent %s ended after %s, the path's choice", j, latest, cd.Jobs[i-1])
		}
	}
	var last string
	for j, e := range ends {
		if last == "" || e > ends[last] {
			last = j
		}
	}
	if ends[last] > ends[cd.Jobs[len(cd.Jobs)-1]] {
		t.Errorf("the critical path ends with %s, but %s ended later", cd.Jobs[len(cd.Jobs)-1], last)
	}
	at, sum := cd.Start, 0.0
	for _, seg := range cd.Segments {
		if math.Abs(seg.Start-at) > 1e-6 || seg.End < seg.Start {
			t.Fatalf("segment %+v does not follow the previous one (at %v)", seg, at)
		}
		at = seg.End
		sum += seg.Duration()
	}
	if math.Abs(at-cd.End) > 1e-6 || math.Abs(sum-cd.Makespan()) > 1e-6 {
		t.Errorf("segments end at %v and add up to %v; the makespan is %v (end %v)", at, sum, cd.Makespan(), cd.End)
	}
	var tot float64
	for _, v := range cd.PhaseTotals() {
		tot += v
	}
	if math.Abs(tot-cd.Makespan()) > 1e-6 {
		t.Errorf("phase totals add up to %v, makespan %v", tot, cd.Makespan())
	}
}

var wallTimeRE = regexp.MustCompile(`(?m)^Workflow wall time\s+: (.+)$`)

// TestSamples draws every sample run and checks each chart's data against
// the real pegasus-statistics' output for that run.
func TestSamples(t *testing.T) {
	for _, r := range sampledb.All(t) {
		t.Run(r.Name, func(t *testing.T) {
			db := openDB(t, r.DB)
			out := t.TempDir()
			res := generate(t, db, plots.Options{OutputDir: out}) // no Graphviz
			kinds := checkCharts(t, res, out)
			root := res.Sections[0]
			for _, k := range []string{"gantt", "host", "time", "breakdown", "critical"} {
				if kinds[k] == 0 {
					t.Errorf("no %s chart", k)
				}
			}
			if n := len(res.Charts()); n < 5 {
				t.Errorf("%d charts without Graphviz, want at least 5", n)
			}

			// Breakdown: the "All" table of breakdown.txt, and each
			// workflow's own table in hierarchies.
			tables := breakdownTables(t, filepath.Join(r.Expect, "statistics", "breakdown.txt"))
			sameRows(t, "breakdown", breakdownRows(root.Tree.Breakdown), tables["All"])
			if len(res.Sections) > 1 {
				for _, s := range res.Sections {
					want := tables[s.Workflow.UUID]
					if want == nil {
						t.Fatalf("breakdown.txt has no table for %s", s.Workflow.UUID)
					}
					got := map[[2]string][2]string{}
					if s.Breakdown != nil {
						got = breakdownRows(s.Breakdown)
					}
					sameRows(t, "breakdown of "+s.Workflow.UUID, got, want)
				}
			}

			// Time chart by day: the per-day tables of time.txt.
			res2 := generate(t, db, plots.Options{Level: plots.Time, TimeFilter: plots.Day})
			td := res2.Sections[0].Tree.Time
			days := timeTables(t, filepath.Join(r.Expect, "statistics", "time.txt"))
			gotJobs, gotInv := map[string][2]string{}, map[string][2]string{}
			for _, b := range td.Buckets {
				if b.Jobs > 0 {
					gotJobs[b.Label] = [2]string{strconv.FormatInt(b.Jobs, 10), fstr(b.JobRuntime)}
				}
				if b.Invocations > 0 {
					gotInv[b.Label] = [2]string{strconv.FormatInt(b.Invocations, 10), fstr(b.InvRuntime)}
				}
			}
			for i, got := range []map[string][2]string{gotJobs, gotInv} {
				if len(got) != len(days[i]) {
					t.Errorf("time table %d: %v, time.txt %v", i, got, days[i])
				}
				for day, w := range days[i] {
					if got[day] != w {
						t.Errorf("time table %d, %s: %v, time.txt %v", i, day, got[day], w)
					}
				}
			}

			// Gantt: one bar per try of the root workflow's table in
			// jobs.txt, with its kickstart and HTCondor queue times.
			want := jobsTable(t, filepath.Join(r.Expect, "statistics", "jobs.txt"), root.Workflow.UUID)
			if root.Gantt == nil || len(root.Gantt.Tries) == 0 {
				t.Fatal("no Gantt tries")
			}
			if len(root.Gantt.Tries) != len(want) {
				t.Errorf("Gantt has %d tries; jobs.txt lists %d", len(root.Gantt.Tries), len(want))
			}
			tryNo := map[int64]int{}
			for _, tr := range root.Gantt.Tries {
				tryNo[tr.JobID]++
				w, ok := want[[2]string{tr.Job, strconv.Itoa(tryNo[tr.JobID])}]
				if !ok {
					t.Errorf("Gantt try %s #%d is not in jobs.txt", tr.Job, tryNo[tr.JobID])
					continue
				}
				ks := report.Fstr(tr.KickstartDuration)
				host := tr.Host
				if host == "" {
					host = "None"
				}
				if ks != w[0] || (w[1] != "-" && fstr(tr.Execute-tr.Submit) != w[1]) || host != w[2] {
					t.Errorf("Gantt try %s #%d: kickstart %s, queue %s, host %s; jobs.txt %v",
						tr.Job, tryNo[tr.JobID], ks, fstr(tr.Execute-tr.Submit), host, w)
				}
			}

			// Critical path: DAG edges, and the makespan is the workflow
			// wall time of summary.txt.
			checkCritical(t, db, root)
			sum, err := os.ReadFile(filepath.Join(r.Expect, "statistics", "summary.txt"))
			if err != nil {
				t.Fatal(err)
			}
			m := wallTimeRE.FindSubmatch(sum)
			if m == nil {
				t.Fatal("summary.txt has no wall time")
			}
			if got := report.FormatSeconds(sql.NullFloat64{Float64: root.Critical.Makespan(), Valid: true}); got != string(m[1]) {
				t.Errorf("critical path makespan %s, summary.txt's workflow wall time %s", got, m[1])
			}

			// The page: the statistics summary, every chart embedded.
			page, err := os.ReadFile(res.Index)
			if err != nil {
				t.Fatal(err)
			}
			// The summary is summary.txt without its comments.
			var lines []string
			for _, line := range strings.Split(string(sum), "\n") {
				if !strings.HasPrefix(line, "#") {
					lines = append(lines, strings.TrimRight(line, " "))
				}
			}
			if want := "<pre>" + html.EscapeString(strings.Trim(strings.Join(lines, "\n"), "\n")) + "</pre>"; !strings.Contains(string(page), want) {
				t.Errorf("index.html lacks summary.txt:\n%s", want)
			}
			if got, want := strings.Count(string(page), `src="data:image/png;base64,`), kinds["gantt"]+kinds["host"]+kinds["time"]+kinds["breakdown"]+kinds["critical"]; got != want {
				t.Errorf("index.html embeds %d images, want %d", got, want)
			}
			for _, s := range res.Sections[1:] {
				if !strings.Contains(string(page), `id="wf-`+s.Workflow.UUID+`"`) {
					t.Errorf("no section for sub-workflow %s", s.Workflow.UUID)
				}
				if s.Span.Tries == 0 && !strings.Contains(string(page), plots.NoJobData) {
					t.Errorf("sub-workflow %s without jobs: the page does not say so", s.Workflow.UUID)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestGraphviz renders the graphs with Graphviz's dot (skipped when it is
// not installed), and leaves out graphs above the node limit.
func TestGraphviz(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz is not installed (apt-get install graphviz): graphs were not rendered")
	}
	r := sampledb.Load(t, "process_wf_failure")
	db := openDB(t, r.DB)
	out := t.TempDir()
	res := generate(t, db, plots.Options{OutputDir: out, Dot: dot, Level: plots.AllGraphs})
	if len(res.Warnings) > 0 {
		t.Errorf("Graphviz warnings: %v", res.Warnings)
	}
	s := res.Sections[0]
	if s.DAG == nil || s.DAG.PNG == "" || len(s.DAG.Graph.Nodes) != 5 || len(s.DAG.Graph.Edges) != 4 {
		t.Fatalf("DAG graph: %+v", s.DAG)
	}
	if s.DAX == nil || s.DAX.PNG == "" || len(s.DAX.Graph.Nodes) != 1 {
		t.Fatalf("DAX graph: %+v", s.DAX)
	}
	// The legend names the states of the graph's nodes, and only those.
	dotText, err := os.ReadFile(filepath.Join(out, s.DAG.Dot))
	if err != nil {
		t.Fatal(err)
	}
	for state, want := range map[string]bool{"succeeded": true, "failed": true, "not run": true, "running": false} {
		if got := strings.Contains(string(dotText), ">"+state+"</td>"); got != want {
			t.Errorf("DAG legend shows %q: %v, want %v", state, got, want)
		}
	}
	n := 0
	for _, c := range res.Charts() {
		if c.PNG != nil {
			checkImage(t, c.Path, c.PNG, 60, 60)
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d graph images, want 2", n)
	}
	res = generate(t, db, plots.Options{Dot: dot, Level: plots.DAGGraph, MaxGraphNodes: 4})
	if gd := res.Sections[0].DAG; gd.PNG != "" || gd.Dot != "" || !strings.Contains(gd.Skipped, "5 jobs, more than the limit of 4") {
		t.Errorf("DAG of 5 jobs with -m 4: %+v", gd)
	}
}

// fakeDot writes a shell script standing for Graphviz's dot, called as
// "dot -Tpng -oOUT IN": it runs body with $out set.
func fakeDot(t *testing.T, body string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run a stand-in for dot")
	}
	p := filepath.Join(t.TempDir(), "dot")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nout=${2#-o}\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDotFailures checks what the page says when Graphviz fails, writes
// no image, or reports an error while writing one; the .dot file is there
// in every case.
func TestDotFailures(t *testing.T) {
	r := sampledb.Load(t, "process_wf_failure")
	db := openDB(t, r.DB)
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good.png")
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, body    string
		note, warning string
		image         bool
	}{
		{"fails", `echo "Error: bad graph" >&2; exit 1`, "Graphviz could not render the graph: exit status 1 Error: bad graph", "Error: bad graph", false},
		{"no image", `exit 0`, "Graphviz wrote no image", "wrote no image", false},
		{"not an image", `echo garbage > "$out"`, "Graphviz wrote no valid PNG image", "not a PNG image", false},
		{"error but an image", `cp ` + good + ` "$out"; echo "Error: syntax error in line 1" >&2`, "", "Error: syntax error in line 1", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			res := generate(t, db, plots.Options{OutputDir: out, Dot: fakeDot(t, tc.body), Level: plots.DAGGraph})
			gd := res.Sections[0].DAG
			if gd.Skipped != tc.note || (gd.PNG != "") != tc.image {
				t.Errorf("graph: note %q, image %q; want %q, image %v", gd.Skipped, gd.PNG, tc.note, tc.image)
			}
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tc.warning) {
				t.Errorf("warnings %q, want one saying %q", res.Warnings, tc.warning)
			}
			if _, err := os.Stat(filepath.Join(out, gd.Dot)); err != nil {
				t.Error(err)
			}
			page, err := os.ReadFile(res.Index)
			if err != nil {
				t.Fatal(err)
			}
			if tc.note != "" && !strings.Contains(string(page), html.EscapeString(tc.note)) {
				t.Errorf("the page does not say %q", tc.note)
			}
			if got := strings.Count(string(page), "data:image/png;base64,"); (got == 1) != tc.image {
				t.Errorf("%d images on the page", got)
			}
		})
	}
}

// redPixels counts the pixels of a chart in the colours of failed tries.
func redPixels(t *testing.T, b []byte) int {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			switch [3]uint32{r >> 8, g >> 8, b >> 8} {
			case [3]uint32{0xe3, 0x1a, 0x1c}, [3]uint32{0xfb, 0x80, 0x72}:
				n++
			}
		}
	}
	return n
}

// TestFailedTriesMarked compares the charts of the failed sample (its
// compute job failed twice) with those of the successful one: the same
// legend, but the failed tries' bars add red to the Gantt, host and
// critical path charts.
func TestFailedTriesMarked(t *testing.T) {
	red := map[string]map[string]int{}
	for _, name := range []string{"process_wf_failure", "process_wf_success"} {
		r := sampledb.Load(t, name)
		res := generate(t, openDB(t, r.DB), plots.Options{Level: plots.Gantt | plots.Host | plots.CriticalPath})
		red[name] = map[string]int{}
		for _, c := range res.Charts() {
			red[name][c.Kind] = redPixels(t, c.PNG)
		}
		failed := 0
		for _, tr := range res.Sections[0].Gantt.Tries {
			if tr.Failed() {
				failed++
			}
		}
		if want := map[string]int{"process_wf_failure": 2, "process_wf_success": 0}[name]; failed != want {
			t.Errorf("%s: %d failed tries in the Gantt chart, want %d", name, failed, want)
		}
	}
	for _, kind := range []string{"gantt", "host", "critical"} {
		if f, s := red["process_wf_failure"][kind], red["process_wf_success"][kind]; f < s+200 {
			t.Errorf("%s chart: %d red pixels with failed tries, %d without", kind, f, s)
		}
	}
}
