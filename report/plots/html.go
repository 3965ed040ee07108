package plots

import (
	"database/sql"
	"encoding/base64"
	"fmt"
	"html"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

// NoJobData is what the page says for a workflow without job tries.
const NoJobData = "No job data: no job of this workflow has run according to the database " +
	"(it has not started yet, or pegasus-monitord has not loaded its jobs)."

const pageStyle = `
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; margin: 0 auto; max-width: 1320px; padding: 0 16px 40px; }
h1 { margin: 20px 0 4px; }
h2 { margin-top: 36px; border-bottom: 2px solid #1f78b4; padding-bottom: 4px; }
h3 { margin-top: 28px; border-bottom: 1px solid #bbb; padding-bottom: 3px; }
.muted, figcaption { color: #666; font-size: 90%; }
pre { background: #f5f5f5; padding: 10px; overflow-x: auto; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
td.n { text-align: right; }
figure { margin: 18px 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }
.empty { background: #fff3cd; border: 1px solid #e0c36c; padding: 10px; }
.warn { background: #fdecea; border: 1px solid #e6a19a; padding: 10px; }
nav li { margin: 2px 0; }
`

// html renders index.html: the statistics summary, then each workflow with
// its charts embedded as data: URLs, so the page needs nothing else.
func (g *gen) html() ([]byte, error) {
	var b strings.Builder
	esc := html.EscapeString
	title := "Pegasus plots"
	if len(g.sel.Workflows) == 1 {
		title += " — " + g.sel.Workflows[0].Label
	}
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), pageStyle)
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p class=\"muted\">Charts of the run from its Stampede database <code>%s</code>, by pegasus-plots.</p>\n",
		esc(title), esc(g.db.Path))

	// Contents.
	b.WriteString("<nav><ul>\n<li><a href=\"#summary\">Summary</a></li>\n")
	for _, s := range g.res.Sections {
		fmt.Fprintf(&b, "<li style=\"margin-left:%dem\"><a href=\"#wf-%s\">%s</a> <span class=\"muted\">%s</span></li>\n",
			2*s.Depth, esc(s.Workflow.UUID), esc(labelOf(s.Workflow)), esc(s.Workflow.UUID))
	}
	b.WriteString("</ul></nav>\n")

	if len(g.res.Warnings) > 0 {
		b.WriteString("<div class=\"warn\"><strong>Some charts could not be made:</strong><ul>\n")
		for _, w := range g.res.Warnings {
			fmt.Fprintf(&b, "<li>%s</li>\n", esc(w))
		}
		b.WriteString("</ul></div>\n")
	}

	b.WriteString("<section id=\"summary\">\n<h2>Summary</h2>\n")
	what := "the workflow and its sub-workflows"
	if g.sel.Multi {
		what = "the selected workflows and their sub-workflows"
	}
	fmt.Fprintf(&b, "<p class=\"muted\">pegasus-statistics' summary of %s.</p>\n<pre>%s</pre>\n", what, esc(summaryText(g.res.Summary)))
	b.WriteString("</section>\n")

	for _, s := range g.res.Sections {
		g.htmlSection(&b, s)
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String()), nil
}

func labelOf(w stampede.WorkflowInfo) string {
	if w.Label != "" {
		return w.Label
	}
	return w.UUID
}

// summaryText is summary.txt without its comment lines.
func summaryText(b []byte) string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.TrimRight(line, " "))
	}
	return strings.Trim(strings.Join(out, "\n"), "\n")
}

func (g *gen) htmlSection(b *strings.Builder, s *Section) {
	esc := html.EscapeString
	h := "h2"
	if s.Depth > 0 {
		h = "h3"
	}
	kind := "Workflow"
	if s.Depth > 0 {
		kind = "Sub-workflow"
	}
	fmt.Fprintf(b, "<section id=\"wf-%s\">\n<%s>%s %s</%s>\n", esc(s.Workflow.UUID), h, kind, esc(labelOf(s.Workflow)), h)
	b.WriteString("<table>\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "<tr><th>%s</th><td>%s</td></tr>\n", esc(k), esc(v))
		}
	}
	row("wf_uuid", s.Workflow.UUID)
	row("dax_label", s.Workflow.Label)
	row("dag_file_name", s.Workflow.DagFile)
	row("submit_dir", s.Workflow.SubmitDir)
	for _, p := range g.res.Sections {
		if s.Workflow.ParentID.Valid && p.Workflow.ID == s.Workflow.ParentID.Int64 {
			fmt.Fprintf(b, "<tr><th>parent workflow</th><td><a href=\"#wf-%s\">%s</a> (%s)</td></tr>\n",
				esc(p.Workflow.UUID), esc(labelOf(p.Workflow)), esc(p.Workflow.UUID))
		}
	}
	row("workflow wall time", report.FormatSeconds(sql.NullFloat64{Float64: s.WallTime.Seconds(), Valid: s.WallTime.Valid}))
	row("jobs", strconv.FormatInt(s.Span.Jobs, 10))
	row("job tries", fmt.Sprintf("%d (%d failed)", s.Span.Tries, s.Span.FailedTries))
	b.WriteString("</table>\n")

	if s.Tree != nil {
		for _, c := range s.Tree.Charts {
			figure(b, c)
		}
		if s.Tree.Time != nil && len(s.Tree.Time.Buckets) == 0 {
			b.WriteString("<p class=\"muted\">Time chart: no job instance or invocation has a time to chart.</p>\n")
		}
		if s.Tree.Breakdown != nil && len(s.Tree.Breakdown.Rows) == 0 {
			b.WriteString("<p class=\"muted\">Breakdown chart: no invocation in the database.</p>\n")
		}
	}
	switch {
	case !s.Drawn:
		fmt.Fprintf(b, "<p class=\"muted\">Not drawn: the page draws the first %d workflows only.</p>\n", MaxSections)
	case s.Span.Tries == 0:
		fmt.Fprintf(b, "<p class=\"empty\">%s</p>\n", esc(NoJobData))
	}
	for _, c := range s.Charts {
		figure(b, c)
	}
	b.WriteString("</section>\n")
}

// figure embeds a chart, or says why there is none.
func figure(b *strings.Builder, c *Chart) {
	esc := html.EscapeString
	var links []string
	if c.Path != "" && c.PNG != nil {
		links = append(links, fmt.Sprintf("<a href=\"%s\">%s</a>", esc(filepath.ToSlash(c.Path)), esc(filepath.ToSlash(c.Path))))
	}
	if c.Dot != "" {
		links = append(links, fmt.Sprintf("<a href=\"%s\">%s</a>", esc(filepath.ToSlash(c.Dot)), esc(filepath.ToSlash(c.Dot))))
	}
	if c.PNG == nil {
		msg := c.Note
		if c.Err != nil {
			msg = "could not be drawn: " + c.Err.Error()
		}
		fmt.Fprintf(b, "<p class=\"muted\"><strong>%s</strong>: %s %s</p>\n", esc(c.Title), esc(msg), strings.Join(links, " "))
		return
	}
	fmt.Fprintf(b, "<figure>\n<img alt=\"%s\" width=\"%d\" height=\"%d\" src=\"data:image/png;base64,", esc(c.Title), c.Width, c.Height)
	b.WriteString(base64.StdEncoding.EncodeToString(c.PNG))
	fmt.Fprintf(b, "\">\n<figcaption>%s · %s", esc(c.Title), strings.Join(links, " · "))
	if c.Note != "" {
		fmt.Fprintf(b, " · %s", esc(c.Note))
	}
	b.WriteString("</figcaption>\n</figure>\n")
}
