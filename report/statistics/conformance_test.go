package statistics_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
	"github.com/pegasus-go/pegasus/internal/sampledb"
	"github.com/pegasus-go/pegasus/internal/testutil"
	"github.com/pegasus-go/pegasus/report/statistics"
	"github.com/pegasus-go/pegasus/stampede"
)

// TestConformance replays every sample run and checks that every file of
// pegasus-statistics -s all, text and CSV, matches what the real tool
// wrote: every line byte for byte, except the explanatory comment block at
// the top of each file, which must explain the same terms in the same order.
func TestConformance(t *testing.T) {
	loc, err := time.LoadLocation(sampledb.Zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range sampledb.All(t) {
		t.Run(run.Name, func(t *testing.T) {
			ctx := context.Background()
			bd, err := ingest.ReadBraindumpDir(run.Dir)
			if err != nil {
				t.Fatal(err)
			}
			db, err := stampede.Open(ctx, run.DB, stampede.OpenOptions{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			wf, err := db.WorkflowByUUID(ctx, bd.WfUUID())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				format   statistics.Format
				expected string
			}{{statistics.Text, "statistics"}, {statistics.CSV, "statistics-csv"}} {
				out := t.TempDir()
				res, err := statistics.Generate(ctx, db, statistics.Selection{Workflows: []stampede.WorkflowInfo{wf}},
					statistics.Options{Levels: statistics.All, Format: f.format, Location: loc, OutputDir: out})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Failures) > 0 {
					t.Fatalf("failures: %v", res.Failures)
				}
				compareDirs(t, filepath.Join(run.Expect, f.expected), out)
			}
		})
	}
}

// compareDirs checks that got holds the same files as want, with the same
// content (see compareFile).
func compareDirs(t *testing.T, want, got string) {
	t.Helper()
	list := func(dir string) []string { return testutil.ListDir(t, dir) }
	if w, g := strings.Join(list(want), " "), strings.Join(list(got), " "); w != g {
		t.Errorf("files differ:\nwant %s\ngot  %s", w, g)
	}
	for _, name := range list(want) {
		w, err := os.ReadFile(filepath.Join(want, name))
		if err != nil {
			t.Fatal(err)
		}
		g, err := os.ReadFile(filepath.Join(got, name))
		if err != nil {
			t.Error(err)
			continue
		}
		compareFile(t, name, string(w), string(g))
	}
}

// blockTitle matches the comment lines that are part of a file's data: a
// block heading ("# <uuid> (<label>)", "# All (All)") or a time table title.
var blockTitle = regexp.MustCompile(`^# ([0-9a-f]{8}-[0-9a-f-]{27} \(|All \(All\)\n$|(Job instances statistics|Invocation statistics run|Job instances statistics on host|Invocation statistics on host) per (day|hour)\n$)`)

// splitLegend splits a file into its leading empty lines, its explanatory
// comment block (lines starting with "#" or, in Pegasus's integrity legend,
// with spaces) and the rest.
func splitLegend(s string) (prefix, legend, rest string) {
	lines := strings.SplitAfter(s, "\n")
	i := 0
	for i < len(lines) && lines[i] == "\n" {
		i++
	}
	j := i
	for j < len(lines) && (strings.HasPrefix(lines[j], "#") || strings.HasPrefix(lines[j], " ")) && !blockTitle.MatchString(lines[j]) {
		j++
	}
	return strings.Join(lines[:i], ""), strings.Join(lines[i:j], ""), strings.Join(lines[j:], "")
}

// legendTerm matches the lines of a legend that name a term: "# Name  - ...",
// "#   * Name - ..." or "# Name:".
var legendTerm = regexp.MustCompile(`(?m)^#\s*(?:\* )?([A-Z][A-Za-z0-9 .()+/-]*?)(?:\s+- |:$)`)

func terms(legend string) []string {
	var out []string
	for _, m := range legendTerm.FindAllStringSubmatch(legend, -1) {
		out = append(out, m[1])
	}
	return out
}

func compareFile(t *testing.T, name, want, got string) {
	t.Helper()
	wp, wl, wr := splitLegend(want)
	gp, gl, gr := splitLegend(got)
	if wp != gp {
		t.Errorf("%s: leading empty lines: want %q, got %q", name, wp, gp)
	}
	if w, g := strings.Join(terms(wl), " | "), strings.Join(terms(gl), " | "); w != g || w == "" {
		t.Errorf("%s: legend terms differ:\nwant %s\ngot  %s", name, w, g)
	}
	if wr == gr {
		return
	}
	wls, gls := strings.SplitAfter(wr, "\n"), strings.SplitAfter(gr, "\n")
	for i := 0; i < len(wls) || i < len(gls); i++ {
		var w, g string
		if i < len(wls) {
			w = wls[i]
		}
		if i < len(gls) {
			g = gls[i]
		}
		if w != g {
			t.Errorf("%s: first difference after the legend, line %d:\nwant %q\ngot  %q", name, i+1, w, g)
			return
		}
	}
}
