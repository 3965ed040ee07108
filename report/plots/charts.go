package plots

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"

	"github.com/pegasus-go/pegasus/stampede"
)

const (
	chartWidth = 1280
	// maxLabelledRows is the most rows that get a name on the Y axis.
	maxLabelledRows = 50
)

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

// rightMargin leaves room on the right of the plots.
func rightMargin(c draw.Canvas) draw.Canvas { return draw.Crop(c, px(6), -px(16), px(6), 0) }

// tryLabels names the tries: the job, and "(try k)" for retries.
func tryLabels(tries []stampede.Try) []string {
	seen := map[int64]int{}
	out := make([]string, len(tries))
	for i, t := range tries {
		seen[t.JobID]++
		l := shorten(t.Job, 40)
		if k := seen[t.JobID]; k > 1 {
			l += " (try " + strconv.Itoa(k) + ")"
		}
		out[i] = l
	}
	return out
}

// reversed returns labels bottom-up (row 0 of a chart is at the bottom).
func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func fmtTime(t float64, loc *time.Location) string {
	sec, frac := math.Modf(t)
	return time.Unix(int64(sec), int64(frac*1e9)).In(loc).Format("2006-01-02 15:04:05 MST")
}

var phaseEntries = []legendEntry{
	{name: "DAGMan (waiting, PRE script)", fill: colDAGMan},
	{name: "HTCondor queue", fill: colQueue},
	{name: "remote run", fill: colRun},
	{name: "run as kickstart saw it", fill: colKick},
	{name: "POST script", fill: colPost},
	{name: "failed try", fill: colFailRun, stroke: colFailed},
}

// drawGantt draws one bar per try split into its phases, or, for a binned
// workflow, the tries per phase and the tries ended over time.
func drawGantt(gd *GanttData, loc *time.Location) ([]byte, int, int, error) {
	if gd.Bins != nil {
		return drawGanttBinned(gd, loc)
	}
	n := len(gd.Tries)
	u := unitFor(gd.End - gd.Start)
	x := func(t float64) float64 { return (t - gd.Start) / u.secs }
	r := &rects{xmin: 0, xmax: pad(x(gd.End)), ymin: -0.6, ymax: float64(n) - 0.4}
	failed := 0
	jobs := map[int64]bool{}
	for i, t := range gd.Tries {
		jobs[t.JobID] = true
		y := float64(n - 1 - i)
		run, kick := colRun, colKick
		var stroke color.Color
		if t.Failed() {
			failed++
			run, kick, stroke = colFailRun, colFailed, colFailed
		}
		for _, s := range []struct {
			a, b float64
			c    color.Color
		}{{t.First, t.Submit, colDAGMan}, {t.Submit, t.Execute, colQueue}, {t.Execute, t.Terminate, run},
			{t.Terminate, t.PostStart, colDAGMan}, {t.PostStart, t.End, colPost}} {
			if s.b > s.a {
				r.rs = append(r.rs, rect{x0: x(s.a), x1: x(s.b), y0: y - 0.4, y1: y + 0.4, fill: s.c})
			}
		}
		if stroke != nil && n <= 200 {
			r.rs = append(r.rs, rect{x0: x(t.First), x1: x(t.End), y0: y - 0.4, y1: y + 0.4, stroke: stroke})
		}
		if t.KickstartStart.Valid {
			ks := t.KickstartStart.Float64
			r.rs = append(r.rs, rect{x0: x(ks), x1: x(ks + t.KickstartDuration.Float64), y0: y - 0.18, y1: y + 0.18, fill: kick})
		}
	}
	p := newPlot("time since the workflow started ("+u.name+")", "job tries, in submit order")
	p.Add(lightGrid(true, false), r)
	var lbls []string
	if n <= maxLabelledRows {
		lbls = reversed(tryLabels(gd.Tries))
		p.Title.Text = ""
	}
	p.Y.Tick.Marker = rowTicks{labels: lbls, n: n}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, r.xmax, r.ymin, r.ymax
	h := 190 + 24*n
	if n > maxLabelledRows {
		h = clampInt(190+n/2, 700, 1200)
	}
	sub := fmt.Sprintf("%s of %s, %d failed · started %s · ran %s", count(n, "try", "tries"), count(len(jobs), "job", "jobs"), failed,
		fmtTime(gd.Start, loc), fmtDuration(gd.End-gd.Start))
	return render(chartWidth, h, func(c draw.Canvas) {
		p.Draw(rightMargin(frame(c, "Workflow execution Gantt chart", sub, phaseEntries)))
	})
}

// drawGanttBinned draws the tries per phase (stacked, average per bin) and
// the tries that ended per bin.
func drawGanttBinned(gd *GanttData, loc *time.Location) ([]byte, int, int, error) {
	b := gd.Bins
	u := unitFor(gd.End - gd.Start)
	x := func(t float64) float64 { return (t - gd.Start) / u.secs }
	nb := len(b.Running)
	top := &rects{xmin: 0, xmax: pad(x(gd.End))}
	bottom := &rects{xmin: 0, xmax: top.xmax}
	var failed int64
	for i := 0; i < nb; i++ {
		x0, x1 := x(b.Start+float64(i)*b.Width), x(b.Start+float64(i+1)*b.Width)
		y := 0.0
		for _, s := range []struct {
			v float64
			c color.Color
		}{{b.Running[i], colRun}, {b.Queued[i], colQueue}, {b.Post[i], colPost}, {b.DAGMan[i], colDAGMan}} {
			if s.v > 0 {
				top.rs = append(top.rs, rect{x0: x0, x1: x1, y0: y, y1: y + s.v, fill: s.c})
				y += s.v
			}
		}
		top.ymax = math.Max(top.ymax, y)
		ok, bad := float64(b.Succeeded[i]), float64(b.Failed[i])
		failed += b.Failed[i]
		if ok > 0 {
			bottom.rs = append(bottom.rs, rect{x0: x0, x1: x1, y0: 0, y1: ok, fill: colOK})
		}
		if bad > 0 {
			bottom.rs = append(bottom.rs, rect{x0: x0, x1: x1, y0: ok, y1: ok + bad, fill: colFailed})
		}
		bottom.ymax = math.Max(bottom.ymax, ok+bad)
	}
	top.ymax, bottom.ymax = pad(top.ymax), pad(bottom.ymax)
	p1 := newPlot("", "tries in each phase (average over "+fmtDuration(b.Width)+")")
	p1.Add(lightGrid(true, true), top)
	p1.X.Min, p1.X.Max, p1.Y.Min, p1.Y.Max = 0, top.xmax, 0, top.ymax
	p2 := newPlot("time since the workflow started ("+u.name+")", "tries ended per "+fmtDuration(b.Width))
	p2.Add(lightGrid(true, true), bottom)
	p2.X.Min, p2.X.Max, p2.Y.Min, p2.Y.Max = 0, top.xmax, 0, bottom.ymax
	entries := []legendEntry{
		{name: "remote run", fill: colRun}, {name: "HTCondor queue", fill: colQueue}, {name: "POST script", fill: colPost},
		{name: "DAGMan (waiting, PRE script)", fill: colDAGMan}, {name: "tries ended: succeeded", fill: colOK},
		{name: "failed", fill: colFailed},
	}
	sub := fmt.Sprintf("%d tries (too many for one bar each: binned over %d intervals of %s), %d failed · started %s · ran %s",
		gd.Total, nb, fmtDuration(b.Width), failed, fmtTime(gd.Start, loc), fmtDuration(gd.End-gd.Start))
	return render(chartWidth, 900, func(c draw.Canvas) {
		pc := rightMargin(frame(c, "Workflow execution Gantt chart", sub, entries))
		cs := plot.Align([][]*plot.Plot{{p1}, {p2}}, draw.Tiles{Rows: 2, Cols: 1, PadY: px(16)}, pc)
		p1.Draw(cs[0][0])
		p2.Draw(cs[1][0])
	})
}

// xfColors assigns the palette to the first transformations seen.
func xfColors(tries []stampede.Try) (map[string]color.Color, []legendEntry) {
	cols := map[string]color.Color{}
	var entries []legendEntry
	other := false
	for _, t := range tries {
		name := t.Transformation
		if name == "" {
			name = "(none)"
		}
		if _, ok := cols[name]; ok {
			continue
		}
		if len(entries) < len(palette) {
			cols[name] = palette[len(entries)]
			entries = append(entries, legendEntry{name: shorten(name, 30), fill: cols[name]})
		} else {
			cols[name] = colOther
			other = true
		}
	}
	if other {
		entries = append(entries, legendEntry{name: "other", fill: colOther})
	}
	return cols, entries
}

// drawHost draws the remote runs of the tries on their hosts (one lane per
// concurrent try), or the binned host use.
func drawHost(hd *HostData, loc *time.Location) ([]byte, int, int, error) {
	if hd.Bins != nil {
		return drawHostBinned(hd, loc)
	}
	u := unitFor(hd.End - hd.Start)
	x := func(t float64) float64 { return (t - hd.Start) / u.secs }
	byHost := map[string][]stampede.Try{}
	for _, t := range hd.Tries {
		h := t.Host
		if h == "" {
			h = "Unknown"
		}
		byHost[h] = append(byHost[h], t)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		if h != "Unknown" {
			hosts = append(hosts, h)
		}
	}
	sort.Strings(hosts)
	if byHost["Unknown"] != nil {
		hosts = append(hosts, "Unknown")
	}
	cols, entries := xfColors(hd.Tries)
	entries = append(entries, legendEntry{name: "failed try", stroke: colFailed})
	r := &rects{xmin: 0, xmax: pad(x(hd.End))}
	var ticks []plot.Tick
	y := 0.0
	every := max(1, len(hosts)/maxLabelledRows+1)
	for hi := len(hosts) - 1; hi >= 0; hi-- { // first host at the top
		ts := byHost[hosts[hi]]
		sort.Slice(ts, func(i, j int) bool { return ts[i].Execute < ts[j].Execute })
		var laneEnd []float64
		lane := make([]int, len(ts))
		for i, t := range ts {
			k := 0
			for k < len(laneEnd) && laneEnd[k] > t.Execute {
				k++
			}
			if k == len(laneEnd) {
				laneEnd = append(laneEnd, 0)
			}
			laneEnd[k] = t.Terminate
			lane[i] = k
		}
		band := math.Max(float64(len(laneEnd)), 1)
		for i, t := range ts {
			y0 := y + float64(lane[i]) + 0.1
			name := t.Transformation
			if name == "" {
				name = "(none)"
			}
			var stroke color.Color
			if t.Failed() {
				stroke = colFailed
			}
			r.rs = append(r.rs, rect{x0: x(t.Execute), x1: x(t.Terminate), y0: y0, y1: y0 + 0.8, fill: cols[name], stroke: stroke})
		}
		if hi%every == 0 {
			ticks = append(ticks, plot.Tick{Value: y + band/2, Label: shorten(hosts[hi], 36)})
		}
		y += band + 0.5
	}
	r.ymin, r.ymax = -0.3, y
	p := newPlot("time since the workflow started ("+u.name+")", "")
	p.Add(lightGrid(true, false), r)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, r.xmax, r.ymin, r.ymax
	h := clampInt(200+int(y*9), 420, 1400)
	sub := fmt.Sprintf("%s on %s; each bar is a remote run (EXECUTE to JOB_TERMINATED), coloured by transformation",
		count(len(hd.Tries), "try", "tries"), count(len(hosts), "host", "hosts"))
	return render(chartWidth, h, func(c draw.Canvas) {
		p.Draw(rightMargin(frame(c, "Host over time chart", sub, entries)))
	})
}

// heat interpolates from white to the heat colour.
func heat(v float64) color.Color {
	v = math.Max(0, math.Min(1, v))
	m := colHeatMax.(color.RGBA)
	f := func(c uint8) uint8 { return uint8(255 - v*(255-float64(c))) }
	return color.RGBA{R: f(m.R), G: f(m.G), B: f(m.B), A: 255}
}

// drawHostBinned draws how busy the busiest hosts were over time.
func drawHostBinned(hd *HostData, loc *time.Location) ([]byte, int, int, error) {
	b := hd.Bins
	u := unitFor(hd.End - hd.Start)
	x := func(t float64) float64 { return (t - hd.Start) / u.secs }
	nh := len(b.Hosts)
	peak := 0.0
	for _, row := range b.Busy {
		for _, v := range row {
			peak = math.Max(peak, v)
		}
	}
	if peak == 0 {
		peak = 1
	}
	r := &rects{xmin: 0, xmax: pad(x(hd.End)), ymin: -0.5, ymax: float64(nh) - 0.5}
	var ticks []plot.Tick
	for hi, row := range b.Busy {
		y := float64(nh - 1 - hi)
		for i, v := range row {
			if v <= 0 {
				continue
			}
			r.rs = append(r.rs, rect{x0: x(b.Start + float64(i)*b.Width), x1: x(b.Start + float64(i+1)*b.Width),
				y0: y - 0.45, y1: y + 0.45, fill: heat(v / peak)})
		}
		ticks = append(ticks, plot.Tick{Value: y, Label: shorten(b.Hosts[hi], 36)})
	}
	p := newPlot("time since the workflow started ("+u.name+")", "")
	p.Add(lightGrid(true, false), r)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, r.xmax, r.ymin, r.ymax
	var entries []legendEntry
	for _, f := range []float64{0.2, 0.4, 0.6, 0.8, 1} {
		entries = append(entries, legendEntry{name: fmtNum(f*peak) + " running", fill: heat(f)})
	}
	shown := fmt.Sprintf("the %d busiest of %d hosts", nh, b.Total)
	if nh == b.Total {
		shown = fmt.Sprintf("all %d hosts", nh)
	}
	sub := fmt.Sprintf("%s; colour: average number of tries running on the host over each %s", shown, fmtDuration(b.Width))
	h := clampInt(220+22*nh, 420, 1200)
	return render(chartWidth, h, func(c draw.Canvas) {
		p.Draw(rightMargin(frame(c, "Host over time chart", sub, entries)))
	})
}

// runtimeUnit picks the unit of runtime totals.
func runtimeUnit(max float64) timeUnit {
	switch {
	case max >= 3*86400:
		return timeUnit{"days", 86400}
	case max >= 3*3600:
		return timeUnit{"h", 3600}
	case max >= 180:
		return timeUnit{"min", 60}
	}
	return timeUnit{"s", 1}
}

// drawTime draws the job instances and invocations per bucket, and their
// runtime.
func drawTime(td *TimeData, loc *time.Location) ([]byte, int, int, error) {
	n := len(td.Buckets)
	// At least 8 slots, so that a short run's bars are not a wall of colour.
	slots := float64(max(n, 8))
	counts := &rects{xmin: -0.6, xmax: slots - 0.4}
	runs := &rects{xmin: -0.6, xmax: slots - 0.4}
	maxRun := 0.0
	for _, b := range td.Buckets {
		maxRun = math.Max(maxRun, math.Max(b.JobRuntime, b.InvRuntime))
	}
	ru := runtimeUnit(maxRun)
	colJobs, colInv := rgb(0x1f78b4), rgb(0xff7f00)
	var jobs, invs int64
	for i, b := range td.Buckets {
		x := float64(i)
		jobs += b.Jobs
		invs += b.Invocations
		counts.rs = append(counts.rs, rect{x0: x - 0.4, x1: x, y0: 0, y1: float64(b.Jobs), fill: colJobs},
			rect{x0: x, x1: x + 0.4, y0: 0, y1: float64(b.Invocations), fill: colInv})
		runs.rs = append(runs.rs, rect{x0: x - 0.4, x1: x, y0: 0, y1: b.JobRuntime / ru.secs, fill: colJobs},
			rect{x0: x, x1: x + 0.4, y0: 0, y1: b.InvRuntime / ru.secs, fill: colInv})
		counts.ymax = math.Max(counts.ymax, float64(max(b.Jobs, b.Invocations)))
	}
	counts.ymax, runs.ymax = pad(counts.ymax), pad(maxRun/ru.secs)
	unit := map[TimeFilter]string{Hour: "hour", Day: "day"}[td.Filter]
	every := max(1, (n+9)/10)
	var ticks []plot.Tick
	for i, b := range td.Buckets {
		t := plot.Tick{Value: float64(i)}
		if i%every == 0 {
			t.Label = b.Label
		}
		ticks = append(ticks, t)
	}
	p1 := newPlot("", "count per "+unit)
	p1.Add(lightGrid(false, true), counts)
	p2 := newPlot(unit+" ("+td.Buckets[0].Start.Format("MST")+")", "runtime per "+unit+" ("+ru.name+")")
	p2.Add(lightGrid(false, true), runs)
	for _, p := range []*plot.Plot{p1, p2} {
		p.X.Min, p.X.Max, p.Y.Min = -0.6, slots-0.4, 0
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	p1.Y.Max, p2.Y.Max = counts.ymax, runs.ymax
	p1.X.Tick.Marker = plot.ConstantTicks(nil)
	entries := []legendEntry{{name: "job instances (started that " + unit + ")", fill: colJobs}, {name: "invocations", fill: colInv}}
	units := unit
	if n != 1 {
		units += "s"
	}
	sub := fmt.Sprintf("%s and %s over %d %s (pegasus-statistics time statistics; sub-workflow jobs left out)",
		count(jobs, "job instance", "job instances"), count(invs, "invocation", "invocations"), n, units)
	return render(chartWidth, 760, func(c draw.Canvas) {
		pc := rightMargin(frame(c, "Jobs and invocations per "+unit, sub, entries))
		cs := plot.Align([][]*plot.Plot{{p1}, {p2}}, draw.Tiles{Rows: 2, Cols: 1, PadY: px(14)}, pc)
		p1.Draw(cs[0][0])
		p2.Draw(cs[1][0])
	})
}

// maxBreakdownRows is the most transformations drawn; the rest are summed
// into one row.
const maxBreakdownRows = 20

// drawBreakdown draws the invocations and runtime of each transformation.
func drawBreakdown(bd *BreakdownData, title string) ([]byte, int, int, error) {
	rows := bd.Rows
	if len(rows) > maxBreakdownRows {
		rest := BreakdownRow{Transformation: fmt.Sprintf("%d others", len(rows)-maxBreakdownRows+1)}
		for _, r := range rows[maxBreakdownRows-1:] {
			rest.Succeeded += r.Succeeded
			rest.Failed += r.Failed
			rest.SucceededRuntime += r.SucceededRuntime
			rest.FailedRuntime += r.FailedRuntime
		}
		rows = append(append([]BreakdownRow(nil), rows[:maxBreakdownRows-1]...), rest)
	}
	n := len(rows)
	maxRun := 0.0
	for _, r := range rows {
		maxRun = math.Max(maxRun, r.Runtime())
	}
	ru := runtimeUnit(maxRun)
	cnt := &rects{ymin: -0.6, ymax: float64(n) - 0.4}
	run := &rects{ymin: -0.6, ymax: float64(n) - 0.4}
	cl := &labels{sty: textStyle(10, colText)}
	rl := &labels{sty: textStyle(10, colText)}
	cl.sty.YAlign, rl.sty.YAlign = draw.YCenter, draw.YCenter
	names := make([]string, n)
	var total int64
	for i, r := range rows {
		y := float64(n - 1 - i)
		names[n-1-i] = shorten(r.Transformation, 32)
		total += r.Count()
		ok, bad := float64(r.Succeeded), float64(r.Failed)
		cnt.rs = append(cnt.rs, rect{x0: 0, x1: ok, y0: y - 0.35, y1: y + 0.35, fill: colOK})
		if bad > 0 {
			cnt.rs = append(cnt.rs, rect{x0: ok, x1: ok + bad, y0: y - 0.35, y1: y + 0.35, fill: colFailed})
		}
		cnt.xmax = math.Max(cnt.xmax, ok+bad)
		label := strconv.FormatInt(r.Count(), 10)
		if r.Failed > 0 {
			label += fmt.Sprintf(" (%d failed)", r.Failed)
		}
		cl.add(ok+bad, y, label)
		s, f := r.SucceededRuntime/ru.secs, r.FailedRuntime/ru.secs
		run.rs = append(run.rs, rect{x0: 0, x1: s, y0: y - 0.35, y1: y + 0.35, fill: colOK})
		if f > 0 {
			run.rs = append(run.rs, rect{x0: s, x1: s + f, y0: y - 0.35, y1: y + 0.35, fill: colFailed})
		}
		run.xmax = math.Max(run.xmax, s+f)
		rl.add(s+f, y, fmtDuration(r.Runtime()))
	}
	// Room for the value labels.
	cnt.xmax, run.xmax = math.Max(cnt.xmax*1.35, 1), math.Max(run.xmax*1.35, 1)
	p1 := newPlot("invocations", "")
	p1.Add(lightGrid(true, false), cnt, cl)
	p1.Y.Tick.Marker = rowTicks{labels: names, n: n}
	p2 := newPlot("total runtime ("+ru.name+")", "")
	p2.Add(lightGrid(true, false), run, rl)
	p2.Y.Tick.Marker = plot.ConstantTicks(nil)
	for _, p := range []*plot.Plot{p1, p2} {
		p.Y.Min, p.Y.Max, p.X.Min = -0.6, float64(n)-0.4, 0
	}
	p1.X.Max, p2.X.Max = cnt.xmax, run.xmax
	entries := []legendEntry{{name: "succeeded (exit code 0)", fill: colOK}, {name: "failed", fill: colFailed}}
	sub := fmt.Sprintf("%s of %s (PRE and POST scripts and retries included, as pegasus-statistics counts them)",
		count(total, "invocation", "invocations"), count(len(bd.Rows), "transformation", "transformations"))
	h := clampInt(200+30*n, 360, 1000)
	return render(chartWidth, h, func(c draw.Canvas) {
		pc := rightMargin(frame(c, title, sub, entries))
		cs := plot.Align([][]*plot.Plot{{p1, p2}}, draw.Tiles{Rows: 1, Cols: 2, PadX: px(24)}, pc)
		p1.Draw(cs[0][0])
		p2.Draw(cs[0][1])
	})
}

// drawCritical draws the critical path: one row per job, its segments on
// the time axis coloured by phase.
func drawCritical(cd *CriticalData, loc *time.Location) ([]byte, int, int, error) {
	n := len(cd.Jobs)
	u := unitFor(cd.End - cd.Start)
	x := func(t float64) float64 { return (t - cd.Start) / u.secs }
	r := &rects{xmin: 0, xmax: pad(x(cd.End)), ymin: -0.6, ymax: float64(n) - 0.4}
	for _, s := range cd.Segments {
		y := float64(n - 1 - s.Row)
		fill := phaseColors[s.Phase]
		var stroke color.Color
		if s.Failed && s.Phase != PhaseDAGMan {
			stroke = colFailed
			if s.Phase == PhaseRun {
				fill = colFailRun
			}
		}
		r.rs = append(r.rs, rect{x0: x(s.Start), x1: x(s.End), y0: y - 0.35, y1: y + 0.35, fill: fill, stroke: stroke})
	}
	p := newPlot("time since the workflow started ("+u.name+")", "jobs on the critical path")
	p.Add(lightGrid(true, false), r)
	var lbls []string
	if n <= maxLabelledRows {
		lbls = make([]string, n)
		for i, j := range cd.Jobs {
			lbls[n-1-i] = shorten(j, 40)
		}
		p.Title.Text = ""
	}
	p.Y.Tick.Marker = rowTicks{labels: lbls, n: n}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, r.xmax, r.ymin, r.ymax
	tot := cd.PhaseTotals()
	ms := cd.Makespan()
	pct := func(v float64) string {
		if ms <= 0 {
			return "0%"
		}
		return trimF(100*v/ms, 1) + "%"
	}
	sub := fmt.Sprintf("makespan %s over %s (%s): remote run %s (%s), HTCondor queue %s (%s), POST script %s (%s), DAGMan %s (%s)",
		fmtDuration(ms), count(n, "job", "jobs"), count(len(cd.Tries), "try", "tries"), fmtDuration(tot[PhaseRun]), pct(tot[PhaseRun]), fmtDuration(tot[PhaseQueue]), pct(tot[PhaseQueue]),
		fmtDuration(tot[PhasePost]), pct(tot[PhasePost]), fmtDuration(tot[PhaseDAGMan]), pct(tot[PhaseDAGMan]))
	entries := []legendEntry{
		{name: "DAGMan (waiting, PRE script)", fill: colDAGMan}, {name: "HTCondor queue", fill: colQueue},
		{name: "remote run", fill: colRun}, {name: "POST script", fill: colPost}, {name: "failed try", fill: colFailRun, stroke: colFailed},
	}
	if n <= maxLabelledRows {
		return render(chartWidth, 200+30*n, func(c draw.Canvas) {
			p.Draw(rightMargin(frame(c, "Critical path", sub, entries)))
		})
	}
	// A long chain: the path as one band over time, and the time per phase.
	band := &rects{xmin: 0, xmax: r.xmax, ymin: -0.6, ymax: 0.6}
	for _, s := range cd.Segments {
		fill := phaseColors[s.Phase]
		if s.Failed && s.Phase == PhaseRun {
			fill = colFailRun
		}
		band.rs = append(band.rs, rect{x0: x(s.Start), x1: x(s.End), y0: -0.4, y1: 0.4, fill: fill})
	}
	p1 := newPlot("time since the workflow started ("+u.name+")", fmt.Sprintf("the %d jobs of the path, one after the other", n))
	p1.Add(lightGrid(true, false), band)
	p1.Y.Tick.Marker = plot.ConstantTicks(nil)
	p1.X.Min, p1.X.Max, p1.Y.Min, p1.Y.Max = 0, r.xmax, -0.6, 0.6
	order := []Phase{PhaseRun, PhaseQueue, PhasePost, PhaseDAGMan}
	tu := unitFor(ms)
	tb := &rects{xmin: 0, ymin: -0.6, ymax: float64(len(order)) - 0.4}
	tl := &labels{sty: textStyle(10, colText)}
	tl.sty.YAlign = draw.YCenter
	names := make([]string, len(order))
	for i, ph := range order {
		y := float64(len(order) - 1 - i)
		names[len(order)-1-i] = ph.String()
		tb.rs = append(tb.rs, rect{x0: 0, x1: tot[ph] / tu.secs, y0: y - 0.35, y1: y + 0.35, fill: phaseColors[ph]})
		tl.add(tot[ph]/tu.secs, y, fmtDuration(tot[ph])+" ("+pct(tot[ph])+")")
	}
	tb.xmax = math.Max(ms/tu.secs*1.15, 1)
	p2 := newPlot("time on the critical path ("+tu.name+")", "time per phase")
	p2.Add(lightGrid(true, false), tb, tl)
	p2.Y.Tick.Marker = rowTicks{labels: names, n: len(order)}
	p2.X.Min, p2.X.Max, p2.Y.Min, p2.Y.Max = 0, tb.xmax, tb.ymin, tb.ymax
	return render(chartWidth, 560, func(c draw.Canvas) {
		pc := rightMargin(frame(c, "Critical path", sub, entries))
		cs := plot.Align([][]*plot.Plot{{p1}, {p2}}, draw.Tiles{Rows: 2, Cols: 1, PadY: px(16)}, pc)
		p1.Draw(cs[0][0])
		p2.Draw(cs[1][0])
	})
}
