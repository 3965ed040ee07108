package statistics

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

var (
	summaryWidths  = []int{15, 10, 8, 12, 10, 10, 13}
	summaryHeader  = []string{"Type", "Succeeded", "Failed", "Incomplete", "Total", "Retries", "Total+Retries"}
	summaryRowName = []string{"Tasks", "Jobs", "Sub-Workflows"}
	summaryRule    = strings.Repeat("-", 78) + "\n"
)

// countCells renders a Counts as the six numeric columns.
func countCells(c stampede.Counts) []string {
	return []string{
		strconv.FormatInt(c.Succeeded, 10), strconv.FormatInt(c.Failed, 10), strconv.FormatInt(c.Incomplete(), 10),
		strconv.FormatInt(c.Total, 10), strconv.FormatInt(c.Retries, 10), strconv.FormatInt(c.TotalRetries(), 10),
	}
}

func rows3(c stampede.WorkflowCounts) []stampede.Counts {
	return []stampede.Counts{c.Tasks, c.Jobs, c.SubWorkflows}
}

// summaryTimes holds the five time lines.
type summaryTimes struct {
	wall  stampede.WallTime
	times stampede.CumulativeTimes
}

func (g *gen) summaryData(ctx context.Context) (stampede.WorkflowCounts, summaryTimes, error) {
	var st summaryTimes
	counts, err := g.totalCounts()
	if err != nil {
		return counts, st, err
	}
	// Single mode: the wall time of the workflow itself; multi mode: of
	// the roots together (only the CSV shows it).
	var ids []int64
	for _, w := range g.sel.Workflows {
		ids = append(ids, w.ID)
	}
	if st.wall, err = g.db.WorkflowWallTime(ctx, ids); err != nil {
		return counts, st, err
	}
	// The text prints the times in whole seconds (hundredths below a
	// minute): unless a sum added in any order is near a boundary of its
	// printed form, the sums in Pegasus's order (which sort the rows) are
	// not needed. The CSV prints every digit.
	ordered := g.opts.Format == CSV
	for {
		st.times, err = g.q.CumulativeTimes(ctx, true, ordered)
		if err != nil || ordered || printStable(st.times) {
			return counts, st, err
		}
		ordered = true
	}
}

// printStable reports whether every printed time of t prints the same
// anywhere within its error bound.
func printStable(t stampede.CumulativeTimes) bool {
	for _, v := range []struct {
		x sql.NullFloat64
		b float64
	}{{t.KickstartWall, t.KickstartBound}, {t.KickstartBadput, t.KickstartBound},
		{t.SubmitWall, t.SubmitBound}, {t.SubmitBadput, t.SubmitBound}} {
		if !v.x.Valid || v.b == 0 {
			continue
		}
		s := report.FormatSeconds(v.x)
		lo, hi := v.x, v.x
		lo.Float64 -= v.b
		hi.Float64 += v.b
		if report.FormatSeconds(lo) != s || report.FormatSeconds(hi) != s {
			return false
		}
	}
	return true
}

func wallSeconds(w stampede.WallTime) sql.NullFloat64 {
	return sql.NullFloat64{Float64: w.Seconds(), Valid: w.Valid}
}

// wallDecimal prints a wall time as Pegasus's CSV does: the exact decimal
// with 6 places (Pegasus stores timestamps as NUMERIC(16,6)).
func wallDecimal(w stampede.WallTime) string {
	if !w.Valid {
		return ""
	}
	m := w.Micros
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%06d", sign, m/1e6, m%1e6)
}

func (g *gen) summary(ctx context.Context) ([]File, error) {
	counts, st, err := g.summaryData(ctx)
	if err != nil {
		return nil, err
	}
	if g.opts.Format == CSV {
		return g.summaryCSV(counts, st)
	}
	var b []byte
	b = append(b, legendBanner+legendCounts+legendTimes...)
	b = append(b, summaryRule...)
	b = report.AppendPadded(b, summaryHeader, summaryWidths)
	b = append(b, '\n')
	for i, c := range rows3(counts) {
		b = report.AppendPadded(b, append([]string{summaryRowName[i]}, countCells(c)...), summaryWidths)
		b = append(b, '\n')
	}
	b = append(b, summaryRule...)
	b = append(b, '\n')
	line := func(label string, v sql.NullFloat64) {
		b = append(b, fmt.Sprintf("%-57s: %s\n", label, report.FormatSeconds(v))...)
	}
	if !g.sel.Multi {
		line("Workflow wall time", wallSeconds(st.wall))
	}
	t := st.times
	line("Cumulative job wall time", t.KickstartWall)
	line("Cumulative job wall time as seen from submit side", t.SubmitWall)
	line("Cumulative job badput wall time", t.KickstartBadput)
	line("Cumulative job badput wall time as seen from submit side", t.SubmitBadput)
	p := g.path("summary.txt")
	if err := writeFile(p, func(w *bufio.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return nil, err
	}
	g.summaryText = b
	return []File{{labelSummary, p}}, nil
}

// rawFloat prints a value as Python's str() does, "" for NULL (the CSV
// module writes None as an empty cell).
func rawFloat(v sql.NullFloat64) string {
	if !v.Valid {
		return ""
	}
	return report.PyFloat(v.Float64)
}

func (g *gen) summaryCSV(counts stampede.WorkflowCounts, st summaryTimes) ([]File, error) {
	p, pt := g.path("summary.csv"), g.path("summary-time.csv")
	err := writeFile(p, func(w *bufio.Writer) error {
		c := newCSV(w)
		if err := c.raw(legendBanner + legendCounts + "\n"); err != nil {
			return err
		}
		if err := c.record(summaryHeader...); err != nil {
			return err
		}
		for i, n := range rows3(counts) {
			if err := c.record(append([]string{summaryRowName[i]}, countCells(n)...)...); err != nil {
				return err
			}
		}
		return c.flush()
	})
	if err != nil {
		return nil, err
	}
	err = writeFile(pt, func(w *bufio.Writer) error {
		c := newCSV(w)
		if err := c.raw(legendTimes); err != nil {
			return err
		}
		t := st.times
		for _, r := range [][]string{
			{"stat_type", "time_seconds"},
			{"workflow_wall_time", wallDecimal(st.wall)},
			{"workflow_cumulative_job_wall_time", rawFloat(t.KickstartWall)},
			{"cumulative_job_walltime_from_submit_side", rawFloat(t.SubmitWall)},
			{"workflow_cumulative_badput_time", rawFloat(t.KickstartBadput)},
			{"cumulative_job_badput_walltime_from_submit_side", rawFloat(t.SubmitBadput)},
		} {
			if err := c.record(r...); err != nil {
				return err
			}
		}
		return c.flush()
	})
	if err != nil {
		removeAll(p)
		return nil, err
	}
	return []File{{labelSummary, p}, {labelSummaryTime, pt}}, nil
}
