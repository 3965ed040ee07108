package statistics

import (
	"bufio"
	"context"
	"database/sql"
	"math"
	"sort"
	"strconv"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

var (
	breakdownWidths = []int{15, 5, 6, 14, 14, 21, 22, 10, 10, 11, 15, 15, 16}
	breakdownHeader = []string{"Transformation", "Type", "Count", "Min (runtime)", "Max (runtime)", "Mean (runtime)",
		"Total (runtime)", "Min (mem)", "Max (mem)", "Mean (mem)", "Min (avg. cpu)", "Max (avg. cpu)", "Mean (avg. cpu)"}
)

// memCell prints a maxrss value (KB) in MB; "-" when NULL or zero.
func memCell(v sql.NullFloat64) string {
	if !v.Valid || v.Float64 == 0 {
		return "-"
	}
	return report.Fstr(sql.NullFloat64{Float64: v.Float64 / 1024, Valid: true})
}

// cpuCell prints an avg_cpu fraction as a percentage; "-" when NULL or zero.
func cpuCell(v sql.NullFloat64) string {
	if !v.Valid || v.Float64 == 0 {
		return "-"
	}
	return report.Pstr(sql.NullFloat64{Float64: v.Float64 * 100, Valid: true})
}

func breakdownCells(t stampede.TransformationStat) []string {
	f := func(x float64) string { return string(report.AppendFstr(nil, x)) }
	return []string{t.Transformation, t.Type, strconv.FormatInt(t.Count, 10), f(t.Min), f(t.Max), f(t.Mean), f(t.Total),
		memCell(t.MinMem), memCell(t.MaxMem), memCell(t.MeanMem), cpuCell(t.MinCPU), cpuCell(t.MaxCPU), cpuCell(t.MeanCPU)}
}

// breakdownNearTie returns the transformations with a runtime total or
// mean, or a CPU mean, whose sums were added in any order and that is close
// enough to a rounding tie of its printed form that Pegasus's order of
// additions could print it otherwise.
func breakdownNearTie(stats []stampede.TransformationStat) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range stats {
		if t.Ordered || seen[t.Transformation] {
			continue
		}
		b := sumOrderBound(t.Count, t.RuntimeAbsSum)
		near := nearTie(t.Total, b, 3) || nearTie(t.Mean, b/float64(max(t.Count, 1)), 3)
		if t.MeanCPU.Valid && t.CPUCount > 0 {
			cb := sumOrderBound(t.CPUCount, t.CPUAbsSum) / float64(t.CPUCount)
			near = near || nearTie(t.MeanCPU.Float64*100, cb*100, 2)
		}
		if near {
			seen[t.Transformation] = true
			out = append(out, t.Transformation)
		}
	}
	return out
}

// replaceTransformations replaces the rows of the named transformations by
// those of exact, keeping the order by workflow, transformation and type.
func replaceTransformations(stats, exact []stampede.TransformationStat, names []string) []stampede.TransformationStat {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	var out []stampede.TransformationStat
	for _, t := range stats {
		if !drop[t.Transformation] {
			out = append(out, t)
		}
	}
	out = append(out, exact...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.WfID != b.WfID {
			return a.WfID < b.WfID
		}
		if a.Transformation != b.Transformation {
			return a.Transformation < b.Transformation
		}
		return a.Type < b.Type
	})
	return out
}

// sumOrderBound is how far a sum of n terms whose absolute values add up to
// absSum, added in some order, is taken to be from the same sum added in
// Pegasus's order: the rigorous bound (stampede.SumErrorBound) when it is
// below 10·√n·u·absSum (u = 2⁻⁵³), else that: ten times the typical size
// of the difference, as the rounding errors of the additions behave like
// independent ones. The rigorous bound grows as n·absSum and, for sums of
// hundreds of thousands of terms, would send every such sum to the slow
// ordered query although the difference never comes near it.
func sumOrderBound(n int64, absSum float64) float64 {
	return math.Min(stampede.SumErrorBound(n, absSum), 10*math.Sqrt(float64(n))*0x1p-53*absSum)
}

// nearTie reports whether v, known within ±bound, could round differently
// to d decimals than v itself does: whether a rounding tie (a half unit of
// the d-th decimal) is within bound of v, allowing for the rounding of the
// last operation and of the scaling.
func nearTie(v, bound float64, d int) bool {
	if bound == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	scale := math.Pow10(d)
	x := math.Abs(v) * scale
	dist := math.Abs(x-math.Floor(x)-0.5) / scale
	return dist <= bound+8*0x1p-53*math.Abs(v)
}

// block is one per-workflow (or overall) section of a file.
type block struct {
	uuid, label string // CSV columns ("ALL" and "" for the overall block)
	heading     string // text heading, without "# "
	rows        [][]string
}

// blocks splits rows keyed by workflow id (0 for the overall scope) into a
// block per individual workflow, in report order, and the overall block.
func (g *gen) blocks(rows map[int64][][]string) []block {
	var out []block
	for _, w := range g.wfs {
		out = append(out, block{uuid: w.UUID, label: w.Label, heading: title(w), rows: rows[w.ID]})
	}
	return append(out, block{uuid: "ALL", heading: "All (All)", rows: rows[0]})
}

func (g *gen) breakdown(ctx context.Context) ([]File, error) {
	stats, err := g.q.TransformationStats(ctx, true, nil)
	if err != nil {
		return nil, err
	}
	if near := breakdownNearTie(stats); len(near) > 0 {
		// Some printed values could depend on the order of additions:
		// add those transformations' values in Pegasus's order.
		exact, err := g.q.TransformationStats(ctx, true, near)
		if err != nil {
			return nil, err
		}
		stats = replaceTransformations(stats, exact, near)
	}
	rows := map[int64][][]string{}
	for _, t := range stats {
		rows[t.WfID] = append(rows[t.WfID], breakdownCells(t))
	}
	blocks := g.blocks(rows)
	p := g.path("breakdown" + g.ext())
	err = writeFile(p, func(w *bufio.Writer) error {
		if g.opts.Format == CSV {
			c := newCSV(w)
			if err := c.raw(legendBreakdown); err != nil {
				return err
			}
			for _, b := range blocks {
				if err := c.raw("\n"); err != nil {
					return err
				}
				if err := c.record(append([]string{"Workflow_Id", "Dax_Label"}, breakdownHeader...)...); err != nil {
					return err
				}
				for _, r := range b.rows {
					if err := c.record(append([]string{b.uuid, b.label}, r...)...); err != nil {
						return err
					}
				}
			}
			return c.flush()
		}
		out := []byte(legendBreakdown)
		for _, b := range blocks {
			out = append(out, "\n# "+b.heading+"\n"...)
			out = appendTable(out, breakdownHeader, b.rows, report.FitWidths(breakdownWidths, b.rows))
		}
		_, err := w.Write(out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return []File{{labelBreakdown, p}}, nil
}

// appendTable appends a header and rows, each padded to widths.
func appendTable(b []byte, header []string, rows [][]string, widths []int) []byte {
	b = report.AppendPadded(b, header, widths)
	b = append(b, '\n')
	for _, r := range rows {
		b = report.AppendPadded(b, r, widths)
		b = append(b, '\n')
	}
	return b
}
