package statistics

import (
	"bufio"
	"context"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

// jobsWidths are Pegasus's default column widths of jobs.txt.
var jobsWidths = []int{35, 4, 12, 12, 6, 16, 12, 6, 12, 12, 12, 12, 15, 10, 30}

// jobs writes jobs.txt/.csv: one line per try of every job of each
// individual workflow (never for the overall scope). The listing comes
// formatted from stampede.Scoped.JobListing, as it can have millions of
// lines.
func (g *gen) jobs(ctx context.Context) ([]File, error) {
	l, err := g.q.JobListing(ctx)
	if err != nil {
		return nil, err
	}
	p := g.path("jobs" + g.ext())
	if g.opts.Format == CSV {
		err = writeFile(p, func(w *bufio.Writer) error { return g.jobsCSV(l, w) })
	} else {
		err = writeFile(p, func(w *bufio.Writer) error { return g.jobsText(l, w) })
	}
	if err != nil {
		return nil, err
	}
	return []File{{labelJobs, p}}, nil
}

// jobsText writes each workflow's block: "# <uuid> (<label>)", the header
// and the rows, every column as wide as Pegasus makes it (the widest cell
// of the block or the default width, plus one).
func (g *gen) jobsText(l *stampede.JobListing, w *bufio.Writer) error {
	widths := make([][]int, len(g.wfs))
	for i := range widths {
		widths[i] = make([]int, len(jobsWidths))
		for k, d := range jobsWidths {
			widths[i][k] = max(d, l.MaxLen[i][k]) + 1
		}
	}
	if _, err := w.WriteString(legendJobs); err != nil {
		return err
	}
	next := 0 // the next block whose heading is due
	var line []byte
	heading := func(upTo int) error {
		for ; next <= upTo; next++ {
			line = append(line[:0], "# "+title(g.wfs[next])+"\n"...)
			line = report.AppendPadded(line, stampede.JobColumns, widths[next])
			if _, err := w.Write(append(line, '\n')); err != nil {
				return err
			}
		}
		return nil
	}
	err := l.Each(func(pos int, cells []string) error {
		if pos >= next {
			if err := heading(pos); err != nil {
				return err
			}
		}
		line = report.AppendPadded(line[:0], cells, widths[pos])
		_, err := w.Write(append(line, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	return heading(len(g.wfs) - 1)
}

// jobsCSV writes, per workflow, the header and its rows.
func (g *gen) jobsCSV(l *stampede.JobListing, w *bufio.Writer) error {
	c := newCSV(w)
	if err := c.raw(legendJobs); err != nil {
		return err
	}
	header := append([]string{"Workflow_Id", "Dax_Label"}, stampede.JobColumns...)
	next := 0 // the next workflow whose header is due
	headers := func(upTo int) error {
		for ; next <= upTo; next++ {
			if err := c.record(header...); err != nil {
				return err
			}
		}
		return nil
	}
	rec := make([]string, 2+len(stampede.JobColumns))
	err := l.Each(func(pos int, cells []string) error {
		if pos >= next {
			if err := headers(pos); err != nil {
				return err
			}
		}
		rec[0], rec[1] = g.wfs[pos].UUID, g.wfs[pos].Label
		copy(rec[2:], cells)
		return c.record(rec...)
	})
	if err != nil {
		return err
	}
	if err := headers(len(g.wfs) - 1); err != nil {
		return err
	}
	return c.flush()
}
