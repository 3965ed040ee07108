package statistics

import (
	"bufio"
	"context"
	"strconv"

	"github.com/pegasus-go/pegasus/report"
)

var (
	integrityWidths = []int{10, 15, 10, 25}
	integrityHeader = []string{"Type", "File Type", "Count", "Total Duration"}
)

// integrity writes integrity.txt/.csv. The duration is Pegasus's
// NUMERIC(10,3) sum, printed with exactly three decimals.
func (g *gen) integrity(ctx context.Context) ([]File, error) {
	stats, err := g.q.IntegrityStats(ctx)
	if err != nil {
		return nil, err
	}
	rows := map[int64][][]string{}
	for _, t := range stats {
		ft := t.FileType.String
		if !t.FileType.Valid && g.opts.Format == Text {
			ft = "None" // Python's str(None); the CSV module writes ""
		}
		rows[t.WfID] = append(rows[t.WfID], []string{t.Type, ft, strconv.FormatInt(t.Count, 10),
			strconv.FormatFloat(t.Duration, 'f', 3, 64)})
	}
	blocks := g.blocks(rows)
	p := g.path("integrity" + g.ext())
	err = writeFile(p, func(w *bufio.Writer) error {
		if g.opts.Format == CSV {
			// Blocks without rows are left out entirely.
			c := newCSV(w)
			if err := c.raw(legendIntegrity); err != nil {
				return err
			}
			for _, b := range blocks {
				if len(b.rows) == 0 {
					continue
				}
				if err := c.record(append([]string{"Workflow_Id", "Dax_Label"}, integrityHeader...)...); err != nil {
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
		// A block without rows is only its heading.
		out := []byte(legendIntegrity)
		for _, b := range blocks {
			out = append(out, "\n# "+b.heading+"\n"...)
			if len(b.rows) > 0 {
				out = appendTable(out, integrityHeader, b.rows, report.FitWidths(integrityWidths, b.rows))
			}
		}
		_, err := w.Write(out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return []File{{labelIntegrity, p}}, nil
}
