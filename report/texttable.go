package report

import "unicode/utf8"

// Text tables in Pegasus's reports are fixed-width columns without borders:
// each cell is left-justified (Python's str.ljust) to its column's width and
// the cells are concatenated with no separator, the last one padded too. A
// cell wider than its column is not cut and pushes the rest of its row to
// the right, while the other rows keep their alignment. tablewriter always
// sizes a column to its widest cell (and wraps or trims cells), so it cannot
// reproduce this layout; these two helpers do the padding.

// AppendPadded appends the cells of one row, each left-justified to the
// width of its column (widths counted in characters, as Python's len does).
// Cells beyond len(widths) are appended without padding.
func AppendPadded(b []byte, cells []string, widths []int) []byte {
	for i, c := range cells {
		b = append(b, c...)
		if i >= len(widths) {
			continue
		}
		n := len(c)
		for k := 0; k < len(c); k++ {
			if c[k] >= utf8.RuneSelf {
				n = utf8.RuneCountInString(c)
				break
			}
		}
		for pad := widths[i] - n; pad > 0; pad -= len(spaces) {
			b = append(b, spaces[:min(pad, len(spaces))]...)
		}
	}
	return b
}

const spaces = "                                                                "

// FitWidths returns the column widths Pegasus uses for its variable-width
// tables (jobs, breakdown, integrity): per column, the larger of the default
// width and the widest cell of the rows (the header is not measured), plus
// one space.
func FitWidths(defaults []int, rows [][]string) []int {
	w := append([]int(nil), defaults...)
	for _, r := range rows {
		for i, c := range r {
			if i < len(w) {
				if n := utf8.RuneCountInString(c); n > w[i] {
					w[i] = n
				}
			}
		}
	}
	for i := range w {
		w[i]++
	}
	return w
}
