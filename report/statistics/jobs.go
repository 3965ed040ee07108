package statistics

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

var (
	jobsWidths = []int{35, 4, 12, 12, 6, 16, 12, 6, 12, 12, 12, 12, 15, 10, 30}
	jobsHeader = []string{"Job", "Try", "Site", "Kickstart", "Mult", "Kickstart-Mult", "CPU-Time", "Post",
		"CondorQTime", "Resource", "Runtime", "Seqexec", "Seqexec-Delay", "Exitcode", "Hostname"}
)

const jobsCols = 15

// jobRow holds the formatted cells of one job instance in one buffer.
type jobRow struct {
	buf  []byte
	ends [jobsCols]int // end offset of each cell in buf
}

func (r *jobRow) cell(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

// format renders a job instance as Pegasus prints it: times with fstr
// ("-" for NULL), Exitcode as the regular exit code ("None" without
// invocations), Hostname "None" when unknown.
func (r *jobRow) format(j *stampede.JobInstanceStat) {
	b := r.buf[:0]
	n := 0
	end := func() { r.ends[n] = len(b); n++ }
	f := func(v sql.NullFloat64) {
		if v.Valid {
			b = report.AppendFstr(b, v.Float64)
		} else {
			b = append(b, '-')
		}
		end()
	}
	b = append(b, j.Job...)
	end()
	b = strconv.AppendInt(b, j.Try, 10)
	end()
	if j.Site.Valid {
		b = append(b, j.Site.String...)
	} else {
		b = append(b, '-')
	}
	end()
	f(j.Kickstart)
	b = strconv.AppendInt(b, j.Mult, 10)
	end()
	f(j.KickstartMult)
	f(j.CPUTime)
	f(j.Post)
	f(j.CondorQTime)
	f(j.Resource)
	f(j.Runtime)
	f(j.Seqexec)
	f(sql.NullFloat64{Float64: j.Seqexec.Float64 - j.Kickstart.Float64, Valid: j.Seqexec.Valid && j.Kickstart.Valid})
	if j.ExitCode.Valid {
		b = strconv.AppendInt(b, report.RawToRegular(j.ExitCode.Int64), 10)
	} else {
		b = append(b, "None"...)
	}
	end()
	if j.Hostname.Valid {
		b = append(b, j.Hostname.String...)
	} else {
		b = append(b, "None"...)
	}
	end()
	r.buf = b
}

// str returns a cell as a string sharing the row's buffer (valid until the
// next format).
func (r *jobRow) str(i int) string {
	c := r.cell(i)
	if len(c) == 0 {
		return ""
	}
	return unsafe.String(&c[0], len(c))
}

func (g *gen) jobs(ctx context.Context) ([]File, error) {
	p := g.path("jobs" + g.ext())
	var err error
	if g.opts.Format == CSV {
		err = writeFile(p, func(w *bufio.Writer) error { return g.jobsCSV(ctx, w) })
	} else {
		err = writeFile(p, func(w *bufio.Writer) error { return g.jobsText(ctx, w) })
	}
	if err != nil {
		return nil, err
	}
	return []File{{labelJobs, p}}, nil
}

func (g *gen) jobsCSV(ctx context.Context, w *bufio.Writer) error {
	c := newCSV(w)
	if err := c.raw(legendJobs); err != nil {
		return err
	}
	header := append([]string{"Workflow_Id", "Dax_Label"}, jobsHeader...)
	next := 0 // index in g.wfs of the next workflow whose header is due
	var row jobRow
	cells := make([]string, 2+jobsCols)
	headersUpTo := func(i int) error {
		for ; next <= i; next++ {
			if err := c.record(header...); err != nil {
				return err
			}
		}
		return nil
	}
	pos := g.positions()
	n := 0
	err := g.db.JobInstanceStats(ctx, g.scope, func(j *stampede.JobInstanceStat) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		i := pos[j.WfID]
		if err := headersUpTo(i); err != nil {
			return err
		}
		row.format(j)
		cells[0], cells[1] = g.wfs[i].UUID, g.wfs[i].Label
		for k := 0; k < jobsCols; k++ {
			cells[2+k] = row.str(k)
		}
		return c.record(cells...)
	})
	if err != nil {
		return err
	}
	if err := headersUpTo(len(g.wfs) - 1); err != nil {
		return err
	}
	return c.flush()
}

// positions maps each individual workflow's id to its index in g.wfs.
func (g *gen) positions() map[int64]int {
	pos := make(map[int64]int, len(g.wfs))
	for i, w := range g.wfs {
		pos[w.ID] = i
	}
	return pos
}

// jobsText writes jobs.txt. Its column widths depend on the widest cell of
// each workflow's block, so the rows are formatted once into a spill file
// (length-prefixed cells) while the widths are measured, then padded from
// it: memory stays flat however many job instances there are.
func (g *gen) jobsText(ctx context.Context, w *bufio.Writer) error {
	spill, err := os.CreateTemp(g.opts.OutputDir, ".jobs-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		spill.Close()
		os.Remove(spill.Name())
	}()
	sw := bufio.NewWriterSize(spill, 1<<20)
	type blockInfo struct {
		rows   int
		widths [jobsCols]int
	}
	blocks := make([]blockInfo, len(g.wfs))
	for i := range blocks {
		copy(blocks[i].widths[:], jobsWidths)
	}
	pos := g.positions()
	var row jobRow
	var lenBuf [binary.MaxVarintLen64]byte
	n := 0
	err = g.db.JobInstanceStats(ctx, g.scope, func(j *stampede.JobInstanceStat) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		bi := &blocks[pos[j.WfID]]
		bi.rows++
		row.format(j)
		for k := 0; k < jobsCols; k++ {
			c := row.cell(k)
			if l := utf8.RuneCount(c); l > bi.widths[k] {
				bi.widths[k] = l
			}
			sw.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(c)))])
			sw.Write(c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := spill.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sr := bufio.NewReaderSize(spill, 1<<20)
	if _, err := w.WriteString(legendJobs); err != nil {
		return err
	}
	var line []byte
	var cell []byte
	for i, wf := range g.wfs {
		bi := &blocks[i]
		widths := make([]int, jobsCols)
		for k := range widths {
			widths[k] = bi.widths[k] + 1
		}
		line = append(line[:0], "# "+title(wf)+"\n"...)
		line = report.AppendPadded(line, jobsHeader, widths)
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
		for r := 0; r < bi.rows; r++ {
			line = line[:0]
			for k := 0; k < jobsCols; k++ {
				l, err := binary.ReadUvarint(sr)
				if err != nil {
					return fmt.Errorf("read back job rows: %w", err)
				}
				if cap(cell) < int(l) {
					cell = make([]byte, l)
				}
				cell = cell[:l]
				if _, err := io.ReadFull(sr, cell); err != nil {
					return fmt.Errorf("read back job rows: %w", err)
				}
				line = append(line, cell...)
				for pad := widths[k] - utf8.RuneCount(cell); pad > 0; pad-- {
					line = append(line, ' ')
				}
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
	}
	return nil
}
