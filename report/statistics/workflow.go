package statistics

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pegasus-go/pegasus/report"
	"github.com/pegasus-go/pegasus/stampede"
)

var (
	workflowWidths = []int{15, 11, 10, 12, 10, 10, 15, 10}
	workflowHeader = []string{"Type", "Succeeded", "Failed", "Incomplete", "Total", "Retries", "Total+Retries", "WF Retries"}
	workflowRule   = strings.Repeat("-", 93) + "\n"
	workflowCSVHdr = []string{"Workflow_Id", "Dax_Label", "Type", "Succeeded", "Failed", "Incomplete", "Total", "Retries", "Total+Retries", "WF_Retries"}
)

// wfBlock is one table of workflow.txt.
type wfBlock struct {
	uuid, label, title string
	counts             stampede.WorkflowCounts
	retries            *int64 // nil: the workflow has no workflowstate rows
}

// retriesText is the WF Retries cell: Pegasus prints None in text and an
// empty cell in CSV when unknown.
func (b wfBlock) retriesText(none string) string {
	if b.retries == nil {
		return none
	}
	return strconv.FormatInt(*b.retries, 10)
}

func (g *gen) workflowBlocks(ctx context.Context) ([]wfBlock, error) {
	per, err := g.counts()
	if err != nil {
		return nil, err
	}
	retries, err := g.q.WorkflowRetries(ctx)
	if err != nil {
		return nil, err
	}
	var blocks []wfBlock
	var all wfBlock
	all.title = "All Workflows"
	all.uuid = "ALL"
	for _, w := range g.wfs {
		b := wfBlock{uuid: w.UUID, label: w.Label, title: title(w), counts: per[w.ID]}
		if r, ok := retries[w.ID]; ok {
			b.retries = &r
			if all.retries == nil {
				all.retries = new(int64)
			}
			*all.retries += r
		}
		all.counts = all.counts.Add(b.counts)
		blocks = append(blocks, b)
	}
	return append(blocks, all), nil
}

func (g *gen) workflow(ctx context.Context) ([]File, error) {
	blocks, err := g.workflowBlocks(ctx)
	if err != nil {
		return nil, err
	}
	p := g.path("workflow" + g.ext())
	if g.opts.Format == CSV {
		err = writeFile(p, func(w *bufio.Writer) error { return workflowCSV(w, blocks) })
	} else {
		err = writeFile(p, func(w *bufio.Writer) error { return workflowText(w, blocks) })
	}
	if err != nil {
		return nil, err
	}
	return []File{{labelWorkflow, p}}, nil
}

func workflowText(w *bufio.Writer, blocks []wfBlock) error {
	b := []byte(legendWorkflow)
	b = report.AppendPadded(b, workflowHeader, workflowWidths)
	b = append(b, '\n')
	for i, blk := range blocks {
		b = append(b, workflowRule...)
		// The WF Retries value is right-aligned to end at column 84.
		r := blk.retriesText("None")
		b = append(b, blk.title...)
		for n := utf8.RuneCountInString(blk.title) + utf8.RuneCountInString(r); n < 84; n++ {
			b = append(b, ' ')
		}
		b = append(b, r...)
		b = append(b, '\n')
		for j, c := range rows3(blk.counts) {
			b = report.AppendPadded(b, append([]string{summaryRowName[j]}, countCells(c)...), workflowWidths)
			b = append(b, '\n')
		}
		if i < len(blocks)-1 {
			b = append(b, '\n')
		}
	}
	_, err := w.Write(b)
	return err
}

func workflowCSV(w *bufio.Writer, blocks []wfBlock) error {
	c := newCSV(w)
	if err := c.raw(legendWorkflow); err != nil {
		return err
	}
	if err := c.record(workflowCSVHdr...); err != nil {
		return err
	}
	for i, blk := range blocks {
		for j, n := range rows3(blk.counts) {
			row := append([]string{blk.uuid, blk.label, summaryRowName[j]}, countCells(n)...)
			if err := c.record(append(row, blk.retriesText(""))...); err != nil {
				return err
			}
		}
		if i < len(blocks)-1 {
			if err := c.raw("\n"); err != nil {
				return err
			}
		}
	}
	return c.flush()
}
