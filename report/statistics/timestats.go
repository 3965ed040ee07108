package statistics

import (
	"bufio"
	"context"
	"database/sql"
	"math"
	"strconv"
	"time"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

// timeRow is one line of a time table: a date (day or hour), an optional
// host, a count and a summed runtime; bound is how far the runtime may be
// from Pegasus's when the hourly sums were added in any order.
type timeRow struct {
	date, host string
	count      int64
	runtime    sql.NullFloat64
	bound      float64
}

// bucket converts hourly rows (epoch hours) to local dates of the filter
// (Pegasus uses the local time of the machine it runs on) and merges the
// rows that fall on the same date (and host), in first-seen order, adding
// the runtimes in that order as Pegasus does.
func (g *gen) bucket(hours []stampede.HourStat) []timeRow {
	layout := "2006-01-02"
	if g.opts.TimeFilter == Hour {
		layout = "2006-01-02 : 15"
	}
	type key struct{ date, host string }
	index := map[key]int{}
	var out []timeRow
	for _, h := range hours {
		k := key{time.Unix(h.Hour*3600, 0).In(g.opts.Location).Format(layout), h.Host}
		b := sumOrderBound(h.Terms, h.AbsSum)
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, timeRow{date: k.date, host: k.host, count: h.Count, runtime: h.Runtime, bound: b})
			continue
		}
		r := &out[i]
		r.count += h.Count
		r.bound += b
		if h.Runtime.Valid {
			r.runtime.Float64 += h.Runtime.Float64
			r.runtime.Valid = true
			// The additions of the merge can round differently too.
			if h.Terms > 0 {
				r.bound += 0x1p-52 * math.Abs(r.runtime.Float64)
			}
		}
	}
	return out
}

// timeTables are the four tables of the time statistics.
type timeTables struct {
	jobs, invocations, jobsHost, invocationsHost []timeRow
}

func (g *gen) timeData(ctx context.Context) (timeTables, error) {
	var t timeTables
	for _, ordered := range []bool{false, true} {
		h, err := g.q.TimeStats(ctx, ordered)
		if err != nil {
			return t, err
		}
		t = timeTables{g.bucket(h.Jobs), g.bucket(h.Invocations), g.bucket(h.JobsByHost), g.bucket(h.InvocationsByHost)}
		if !t.nearTie() {
			break
		}
		// A printed runtime could depend on the order of additions: add
		// in Pegasus's order.
	}
	return t, nil
}

func (t timeTables) nearTie() bool {
	for _, tab := range [][]timeRow{t.jobs, t.invocations, t.jobsHost, t.invocationsHost} {
		for _, r := range tab {
			if r.runtime.Valid && nearTie(r.runtime.Float64, r.bound, 3) {
				return true
			}
		}
	}
	return false
}

func (g *gen) timeStats(ctx context.Context) ([]File, error) {
	t, err := g.timeData(ctx)
	if err != nil {
		return nil, err
	}
	f := g.opts.TimeFilter.String()
	dateHdr := "[YYYY-MM-DD]"
	if g.opts.TimeFilter == Hour {
		dateHdr = "[YYYY-MM-DD : HH]"
	}
	titles := []string{
		"# Job instances statistics per " + f + "\n",
		"# Invocation statistics run per " + f + "\n",
		"# Job instances statistics on host per " + f + "\n",
		"# Invocation statistics on host per " + f + "\n",
	}
	cells := func(r timeRow, host bool) []string {
		c := []string{r.date}
		if host {
			c = append(c, r.host)
		}
		return append(c, strconv.FormatInt(r.count, 10), report.Fstr(r.runtime))
	}
	if g.opts.Format == Text {
		p := g.path("time.txt")
		b := []byte("\n" + legendTime(f, true, true) + "\n")
		for i, tab := range [][]timeRow{t.jobs, t.invocations, t.jobsHost, t.invocationsHost} {
			host := i >= 2
			header, widths := []string{"Date" + dateHdr, "Count", "Runtime (sec)"}, []int{30, 20, 20}
			if host {
				header, widths = []string{"Date" + dateHdr, "Host", "Count", "Runtime (sec)"}, []int{23, 30, 10, 20}
			}
			if i > 0 {
				b = append(b, '\n')
			}
			b = append(b, titles[i]...)
			var rows [][]string
			for _, r := range tab {
				rows = append(rows, cells(r, host))
			}
			b = appendTable(b, header, rows, widths)
		}
		if err := writeFile(p, func(w *bufio.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return nil, err
		}
		return []File{{labelTime, p}}, nil
	}

	write := func(p, legend string, tabs [][]timeRow, kinds []string, offset int, host bool) error {
		return writeFile(p, func(w *bufio.Writer) error {
			c := newCSV(w)
			header := []string{"stat_type", "date" + dateHdr, "count", "runtime (sec)"}
			if host {
				header = []string{"stat_type", "date" + dateHdr, "host", "count", "runtime (sec)"}
			}
			if err := c.raw(legend); err != nil {
				return err
			}
			for i, tab := range tabs {
				if err := c.raw("\n" + titles[offset+i]); err != nil {
					return err
				}
				if err := c.record(header...); err != nil {
					return err
				}
				for _, r := range tab {
					if err := c.record(append([]string{kinds[i]}, cells(r, host)...)...); err != nil {
						return err
					}
				}
			}
			return c.flush()
		})
	}
	p, ph := g.path("time.csv"), g.path("time-per-host.csv")
	if err := write(p, legendTime(f, true, false), [][]timeRow{t.jobs, t.invocations},
		[]string{"jobs/" + f, "invocations/" + f}, 0, false); err != nil {
		return nil, err
	}
	if err := write(ph, legendTime(f, false, true), [][]timeRow{t.jobsHost, t.invocationsHost},
		[]string{"jobs/host/" + f, "invocations/host/" + f}, 2, true); err != nil {
		removeAll(p)
		return nil, err
	}
	return []File{{labelTime, p}, {labelTimeHost, ph}}, nil
}
