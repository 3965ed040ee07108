package statistics

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

// jobsWidths are Pegasus's default column widths of jobs.txt.
var jobsWidths = []int{35, 4, 12, 12, 6, 16, 12, 6, 12, 12, 12, 12, 15, 10, 30}

// jobColumns is the number of columns of jobs.txt.
const jobColumns = 15

// appendJobCells appends the cells of a try, as Pegasus prints them, to b
// and records in ends where each cell ends.
func appendJobCells(b []byte, t *stampede.JobTry, ends []uint32) []byte {
	mark := func(i int) { ends[i] = uint32(len(b)) }
	str := func(s string, ok bool, none string) {
		if ok {
			b = append(b, s...)
		} else {
			b = append(b, none...)
		}
	}
	str(t.Job, true, "")
	mark(0)
	b = strconv.AppendInt(b, t.Try, 10)
	mark(1)
	str(t.Site.String, t.Site.Valid, "-")
	mark(2)
	b = appendFstr(b, t.Kickstart)
	mark(3)
	if t.Mult.Valid {
		b = strconv.AppendInt(b, t.Mult.Int64, 10)
	} else {
		b = append(b, "None"...)
	}
	mark(4)
	b = appendFstr(b, t.KickstartMult)
	mark(5)
	b = appendFstr(b, t.CPUTime)
	mark(6)
	b = appendFstr(b, t.Post)
	mark(7)
	b = appendFstr(b, t.CondorQTime)
	mark(8)
	b = appendFstr(b, t.Resource)
	mark(9)
	b = appendFstr(b, t.Runtime)
	mark(10)
	b = appendFstr(b, t.Seqexec)
	mark(11)
	b = appendFstr(b, t.SeqexecDelay)
	mark(12)
	if t.Exitcode.Valid {
		b = strconv.AppendInt(b, report.RawToRegular(t.Exitcode.Int64), 10)
	} else {
		b = append(b, "None"...)
	}
	mark(13)
	str(t.Host.String, t.Host.Valid, "None")
	mark(14)
	return b
}

// bytesString returns b as a string without copying it: b must not change
// while the string is in use.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// chunkRows is how many rows of a job listing a goroutine formats at a time.
const chunkRows = 16384

// inParallel runs work(c) for every chunk c of n rows, on as many
// goroutines as there are CPUs, and returns the first error.
func inParallel(ctx context.Context, chunks int, work func(c int) error) error {
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), chunks) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				err := ctx.Err()
				if err == nil {
					err = work(c)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					next.Store(int64(chunks))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// inOrder produces the bytes of each chunk in parallel and writes them in
// chunk order, while the next chunks are being produced: at most twice as
// many chunks as there are CPUs are held at a time, in recycled buffers.
func inOrder(ctx context.Context, chunks int, w *bufio.Writer, produce func(c int, b []byte) ([]byte, error)) error {
	if chunks == 0 {
		return nil
	}
	type result struct {
		b   []byte
		err error
	}
	workers := min(runtime.GOMAXPROCS(0), chunks)
	window := 2 * workers
	free := make(chan []byte, window)
	for range window {
		free <- nil
	}
	ready := make([]chan result, chunks)
	for c := range ready {
		ready[c] = make(chan result, 1)
	}
	var next atomic.Int64
	var stop atomic.Bool
	for range workers {
		go func() {
			for {
				// A buffer is taken before a chunk: the chunks being
				// produced are then always the next ones to write.
				b := <-free
				c := int(next.Add(1) - 1)
				if c >= chunks {
					free <- b
					return
				}
				var r result
				if stop.Load() {
					r.b = b
				} else if r.err = ctx.Err(); r.err == nil {
					r.b, r.err = produce(c, b[:0])
				}
				ready[c] <- r
			}
		}()
	}
	var first error
	for c := range chunks {
		r := <-ready[c]
		if first == nil {
			first = r.err
			if first == nil {
				_, first = w.Write(r.b)
			}
			if first != nil {
				stop.Store(true)
			}
		}
		free <- r.b
	}
	return first
}

// jobs writes jobs.txt/.csv: one line per try of every job of each
// individual workflow (never for the overall scope).
func (g *gen) jobs(ctx context.Context) ([]File, error) {
	l, err := g.q.JobListing(ctx)
	if err != nil {
		return nil, err
	}
	p := g.path("jobs" + g.ext())
	if g.opts.Format == CSV {
		err = writeFile(p, func(w *bufio.Writer) error { return g.jobsCSV(ctx, l, w) })
	} else {
		err = writeFile(p, func(w *bufio.Writer) error { return g.jobsText(ctx, l, w) })
	}
	if err != nil {
		return nil, err
	}
	return []File{{labelJobs, p}}, nil
}

// formattedChunk holds the cells of a chunk of rows: row r's cells are
// text[ends[r·jobColumns−1]:ends[r·jobColumns+jobColumns−1]], split at ends.
type formattedChunk struct {
	text []byte
	ends []uint32
	// widths holds, per workflow position met in the chunk, the length in
	// characters of the widest cell of each column.
	widths map[int]*[jobColumns]int
}

// jobsText writes each workflow's block: "# <uuid> (<label>)", the header
// and the rows, every column as wide as Pegasus makes it (the widest cell
// of the block or the default width, plus one). The rows are formatted
// once, in parallel, and padded when the widths are known.
func (g *gen) jobsText(ctx context.Context, l *stampede.JobListing, w *bufio.Writer) error {
	n := l.Len()
	chunks := (n + chunkRows - 1) / chunkRows
	cells := make([]formattedChunk, chunks)
	err := inParallel(ctx, chunks, func(c int) error {
		lo, hi := c*chunkRows, min((c+1)*chunkRows, n)
		f := formattedChunk{text: make([]byte, 0, (hi-lo)*112), ends: make([]uint32, (hi-lo)*jobColumns),
			widths: map[int]*[jobColumns]int{}}
		var t stampede.JobTry
		var m *[jobColumns]int
		last := -1
		for i := lo; i < hi; i++ {
			pos := l.Row(i, &t)
			start := len(f.text)
			ends := f.ends[(i-lo)*jobColumns : (i-lo+1)*jobColumns]
			f.text = appendJobCells(f.text, &t, ends)
			if pos != last {
				if m = f.widths[pos]; m == nil {
					m = new([jobColumns]int)
					f.widths[pos] = m
				}
				last = pos
			}
			ascii := true
			for _, c := range f.text[start:] {
				if c >= utf8.RuneSelf {
					ascii = false
					break
				}
			}
			s := start
			for k, e := range ends {
				cl := int(e) - s
				if !ascii {
					cl = utf8.RuneCount(f.text[s:e])
				}
				if cl > m[k] {
					m[k] = cl
				}
				s = int(e)
			}
		}
		cells[c] = f
		return nil
	})
	if err != nil {
		return err
	}
	widths := make([][]int, len(g.wfs))
	for i := range widths {
		widths[i] = make([]int, jobColumns)
		for k, d := range jobsWidths {
			widths[i][k] = d
		}
	}
	for _, f := range cells {
		for pos, m := range f.widths {
			for k, v := range m {
				widths[pos][k] = max(widths[pos][k], v)
			}
		}
	}
	for _, wd := range widths {
		for k := range wd {
			wd[k]++
		}
	}
	heading := func(b []byte, pos int) []byte {
		b = append(b, "# "+title(g.wfs[pos])+"\n"...)
		b = report.AppendPadded(b, stampede.JobColumns, widths[pos])
		return append(b, '\n')
	}
	if _, err := w.WriteString(legendJobs); err != nil {
		return err
	}
	err = inOrder(ctx, chunks, w, func(c int, b []byte) ([]byte, error) {
		f := &cells[c]
		lo, hi := c*chunkRows, min((c+1)*chunkRows, n)
		var cellv [jobColumns]string
		s := 0
		for i := lo; i < hi; i++ {
			pos := l.Pos(i)
			prev := -1
			if i > 0 {
				prev = l.Pos(i - 1)
			}
			for p := prev + 1; p <= pos; p++ {
				b = heading(b, p)
			}
			ends := f.ends[(i-lo)*jobColumns : (i-lo+1)*jobColumns]
			for k, e := range ends {
				cellv[k] = bytesString(f.text[s:e])
				s = int(e)
			}
			b = report.AppendPadded(b, cellv[:], widths[pos])
			b = append(b, '\n')
		}
		return b, nil
	})
	if err != nil {
		return err
	}
	last := -1
	if n > 0 {
		last = l.Pos(n - 1)
	}
	var b []byte
	for p := last + 1; p < len(g.wfs); p++ {
		b = heading(b, p)
	}
	_, err = w.Write(b)
	return err
}

// jobsCSV writes, per workflow, the header and its rows, in chunks
// formatted in parallel.
func (g *gen) jobsCSV(ctx context.Context, l *stampede.JobListing, w *bufio.Writer) error {
	out := newCSV(w)
	if err := out.raw(legendJobs); err != nil {
		return err
	}
	if err := out.flush(); err != nil {
		return err
	}
	header := append([]string{"Workflow_Id", "Dax_Label"}, stampede.JobColumns...)
	n := l.Len()
	chunks := (n + chunkRows - 1) / chunkRows
	err := inOrder(ctx, chunks, w, func(c int, b []byte) ([]byte, error) {
		buf := bytes.NewBuffer(b)
		cw := csv.NewWriter(buf)
		cw.UseCRLF = true
		lo, hi := c*chunkRows, min((c+1)*chunkRows, n)
		var t stampede.JobTry
		var text []byte
		var ends [jobColumns]uint32
		rec := make([]string, 2+jobColumns)
		for i := lo; i < hi; i++ {
			pos := l.Row(i, &t)
			prev := -1
			if i > 0 {
				prev = l.Pos(i - 1)
			}
			for p := prev + 1; p <= pos; p++ {
				if err := cw.Write(header); err != nil {
					return nil, err
				}
			}
			text = appendJobCells(text[:0], &t, ends[:])
			rec[0], rec[1] = g.wfs[pos].UUID, g.wfs[pos].Label
			s := 0
			for k, e := range ends {
				rec[2+k] = bytesString(text[s:e])
				s = int(e)
			}
			if err := cw.Write(rec); err != nil {
				return nil, err
			}
		}
		cw.Flush()
		return buf.Bytes(), cw.Error()
	})
	if err != nil {
		return err
	}
	last := -1
	if n > 0 {
		last = l.Pos(n - 1)
	}
	for p := last + 1; p < len(g.wfs); p++ {
		if err := out.record(header...); err != nil {
			return err
		}
	}
	return out.flush()
}
