package statistics

import (
	"bufio"
	"encoding/csv"
	"os"
)

// writeFile creates path and lets fill write it through a buffer; on any
// error the file is removed.
func writeFile(path string, fill func(w *bufio.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	w := bufio.NewWriterSize(f, 256*1024)
	if err := fill(w); err != nil {
		return err
	}
	return w.Flush()
}

// csvOut writes Pegasus's CSV files: records through encoding/csv, which
// ends them with CRLF (Python's csv "excel" dialect), and comment and empty
// lines written as they are, ending with LF.
type csvOut struct {
	w  *bufio.Writer
	cw *csv.Writer
}

func newCSV(w *bufio.Writer) *csvOut {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvOut{w: w, cw: cw}
}

// raw writes text (whole lines, each ending with "\n").
func (c *csvOut) raw(s string) error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	_, err := c.w.WriteString(s)
	return err
}

// record writes one CRLF-terminated record.
func (c *csvOut) record(cells ...string) error { return c.cw.Write(cells) }

// flush flushes the records into the underlying writer.
func (c *csvOut) flush() error {
	c.cw.Flush()
	return c.cw.Error()
}
