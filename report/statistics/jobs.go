package statistics

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
	"unsafe"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

// jobsWidths are Pegasus's default column widths of jobs.txt.
var jobsWidths = []int{35, 4, 12, 12, 6, 16, 12, 6, 12, 12, 12, 12, 15, 10, 30}

// jobs writes jobs.txt/.csv: one line per try of every job of each
// individual workflow (never for the overall scope). The cells come
// formatted from the database (stampede.Scoped.JobRows), as a listing can
// have millions of lines.
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

// jobsText writes each workflow's block: "# <uuid> (<label>)", the header
// and the rows, every column as wide as Pegasus makes it (the widest cell
// of the block or the default width, plus one). The widths are known only
// once every row is read, so the rows go to a spill file first and are
// padded from it: memory stays flat however many rows there are.
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
	ncol := len(stampede.JobColumns)
	widths := make([][]int, len(g.wfs))
	rows := make([]int64, len(g.wfs))
	for i := range widths {
		widths[i] = append([]int(nil), jobsWidths...)
	}
	cells := make([]string, ncol)
	var lenBuf [binary.MaxVarintLen64]byte
	err = g.q.JobRows(ctx, func(pos int, packed string) error {
		if err := stampede.UnpackCells(packed, cells); err != nil {
			return err
		}
		wd := widths[pos]
		for k, c := range cells {
			if n := runeLen(c); n > wd[k] {
				wd[k] = n
			}
		}
		rows[pos]++
		sw.Write(lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(packed)))])
		_, err := sw.WriteString(packed)
		return err
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
	var line, buf []byte
	for pos, wf := range g.wfs {
		wd := widths[pos]
		for k := range wd {
			wd[k]++
		}
		line = append(line[:0], "# "+title(wf)+"\n"...)
		line = report.AppendPadded(line, stampede.JobColumns, wd)
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
		for r := int64(0); r < rows[pos]; r++ {
			n, err := binary.ReadUvarint(sr)
			if err != nil {
				return fmt.Errorf("read back job rows: %w", err)
			}
			if uint64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			buf = buf[:n]
			if _, err := io.ReadFull(sr, buf); err != nil {
				return fmt.Errorf("read back job rows: %w", err)
			}
			if err := stampede.UnpackCells(unsafe.String(unsafe.SliceData(buf), len(buf)), cells); err != nil {
				return err
			}
			line = report.AppendPadded(line[:0], cells, wd)
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// runeLen is the length of s in characters (as Python's len counts).
func runeLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}

// jobsCSV writes, per workflow, the header and its rows.
func (g *gen) jobsCSV(ctx context.Context, w *bufio.Writer) error {
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
	err := g.q.JobRows(ctx, func(pos int, packed string) error {
		if err := stampede.UnpackCells(packed, rec[2:]); err != nil {
			return err
		}
		if pos >= next {
			if err := headers(pos); err != nil {
				return err
			}
		}
		rec[0], rec[1] = g.wfs[pos].UUID, g.wfs[pos].Label
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
