package plots

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pegasus-go/pegasus/stampede"
)

// Node colours of the graphs, by state.
var stateColors = map[string]string{
	"succeeded": "#b3de69", "failed": "#fb8072", "running": "#80b1d3", "not run": "#d9d9d9",
}

// graph writes the .dot file of a workflow's DAG or DAX and renders it
// with Graphviz when there is one.
func (g *gen) graph(ctx context.Context, s *Section, kind string) (*GraphData, error) {
	var gr stampede.Graph
	var err error
	what := "jobs"
	if kind == "dag" {
		gr, err = g.db.JobGraph(ctx, s.Workflow.ID, g.opts.MaxGraphNodes)
	} else {
		what = "tasks"
		gr, err = g.db.TaskGraph(ctx, s.Workflow.ID, g.opts.MaxGraphNodes)
	}
	if err != nil {
		return nil, err
	}
	gd := &GraphData{Kind: kind, Graph: gr}
	switch {
	case gr.Total == 0:
		gd.Skipped = "no " + what + " in the database"
		return gd, nil
	case gr.Total > g.opts.MaxGraphNodes:
		gd.Skipped = fmt.Sprintf("not drawn: %d %s, more than the limit of %d (-m, --max-graph-nodes)", gr.Total, what, g.opts.MaxGraphNodes)
		return gd, nil
	}
	dir := kind + "_graph"
	if err := os.MkdirAll(filepath.Join(g.opts.OutputDir, dir), 0o755); err != nil {
		return nil, err
	}
	gd.Dot = filepath.Join(dir, s.Workflow.UUID+".dot")
	dotPath := filepath.Join(g.opts.OutputDir, gd.Dot)
	if err := os.WriteFile(dotPath, DotText(gr, s.Workflow.Label+" ("+what+")"), 0o644); err != nil {
		return nil, err
	}
	if g.opts.Dot == "" {
		gd.Skipped = "Graphviz is not installed, so only the .dot file was written " +
			"(install it with 'apt-get install graphviz', 'dnf install graphviz' or 'brew install graphviz', then run pegasus-plots again)"
		return gd, nil
	}
	pngRel := filepath.Join(dir, s.Workflow.UUID+".png")
	pngPath := filepath.Join(g.opts.OutputDir, pngRel)
	dctx, cancel := context.WithTimeout(ctx, g.opts.DotTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(dctx, g.opts.Dot, "-Tpng", "-o"+pngPath, dotPath)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		g.warn("%s: %s: %v %s", dotPath, g.opts.Dot, err, msg)
		gd.Skipped = fmt.Sprintf("Graphviz could not render the graph: %v %s", err, msg)
		return gd, nil
	}
	if msg := strings.TrimSpace(stderr.String()); strings.Contains(msg, "Error") {
		// dot draws what it could and exits 0 on some errors.
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		g.warn("%s: %s: %s", dotPath, g.opts.Dot, msg)
	}
	b, err := os.ReadFile(pngPath)
	if errors.Is(err, os.ErrNotExist) {
		g.warn("%s: %s wrote no image", dotPath, g.opts.Dot)
		gd.Skipped = "Graphviz wrote no image"
		return gd, nil
	}
	if err != nil {
		return nil, err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		g.warn("%s: not a PNG image: %v", pngPath, err)
		gd.Skipped = "Graphviz wrote no valid PNG image"
		return gd, nil
	}
	gd.PNG, gd.png, gd.w, gd.h = pngRel, b, cfg.Width, cfg.Height
	return gd, nil
}

// stateOrder is the order of the states in a graph's legend.
var stateOrder = []string{"succeeded", "failed", "running", "not run"}

// DotText renders a workflow graph in Graphviz's language: one box per
// node labelled with its name and type, filled by state, parents above
// children; the title and a legend of the states present on top.
func DotText(gr stampede.Graph, title string) []byte {
	var b strings.Builder
	present := map[string]bool{}
	for _, n := range gr.Nodes {
		present[n.State] = true
	}
	var legend strings.Builder
	cells := 1
	for _, st := range stateOrder {
		if present[st] {
			fmt.Fprintf(&legend, `<td bgcolor="%s" border="1">%s</td>`, stateColors[st], st)
			cells++
		}
	}
	b.WriteString("digraph workflow {\n")
	fmt.Fprintf(&b, "  graph [label=<<table border=\"0\" cellspacing=\"6\"><tr><td colspan=\"%d\"><font point-size=\"20\">%s</font></td></tr>"+
		"<tr><td>state:</td>%s</tr></table>>, labelloc=t, rankdir=TB, size=\"14,14\", dpi=96, fontname=\"Helvetica\"];\n",
		cells, html.EscapeString(title), legend.String())
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [color=\"#555555\", arrowsize=0.7];\n")
	for i, n := range gr.Nodes {
		c := stateColors[n.State]
		if c == "" {
			c = "#ffffff"
		}
		fmt.Fprintf(&b, "  n%d [label=%s, fillcolor=\"%s\", tooltip=%s];\n", i, dotQuote(n.Name+"\n"+n.Type), c, dotQuote(n.State))
	}
	for _, e := range gr.Edges {
		fmt.Fprintf(&b, "  n%d -> n%d;\n", e[0], e[1])
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// dotQuote quotes s as a Graphviz string.
func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", "")
	return `"` + r.Replace(s) + `"`
}
