package analyzer

import (
	"regexp"
	"strings"
)

// mdSection is what a Markdown report says under one heading: its tables
// (rows of cells, header first, the alignment row left out), fenced code
// blocks and other lines.
type mdSection struct {
	heading string
	tables  [][][]string
	code    []string
	lines   []string
}

var alignRow = regexp.MustCompile(`^:?-+:?$`)

// parseMD splits a report into its sections, in order. The text before the
// first heading is a section with an empty heading.
func parseMD(s string) []*mdSection {
	cur := &mdSection{}
	out := []*mdSection{cur}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "#"):
			cur = &mdSection{heading: l}
			out = append(out, cur)
		case strings.HasPrefix(l, "```"):
			fence := strings.TrimRight(l, "abcdefghijklmnopqrstuvwxyz")
			var b []string
			for i++; i < len(lines) && lines[i] != fence; i++ {
				b = append(b, lines[i])
			}
			cur.code = append(cur.code, strings.Join(b, "\n"))
		case strings.HasPrefix(l, "|"):
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				cells := splitRow(lines[i])
				isAlign := true
				for _, c := range cells {
					if !alignRow.MatchString(c) {
						isAlign = false
					}
				}
				if !isAlign {
					rows = append(rows, cells)
				}
			}
			i--
			cur.tables = append(cur.tables, rows)
		case strings.TrimSpace(l) != "":
			cur.lines = append(cur.lines, l)
		}
	}
	return out
}

// splitRow splits "| a | b \| c |" into its cells, trimmed, with inline
// code marks and the \| escapes removed.
func splitRow(l string) []string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(strings.TrimSuffix(l, "|"), "|")
	var cells []string
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '\\' && i+1 < len(l) && l[i+1] == '|':
			b.WriteByte('|')
			i++
		case l[i] == '|':
			cells = append(cells, cleanCell(b.String()))
			b.Reset()
		default:
			b.WriteByte(l[i])
		}
	}
	return append(cells, cleanCell(b.String()))
}

func cleanCell(c string) string {
	c = strings.TrimSpace(c)
	if strings.HasPrefix(c, "`` ") && strings.HasSuffix(c, " ``") {
		return c[3 : len(c)-3]
	}
	if len(c) >= 2 && c[0] == '`' && c[len(c)-1] == '`' {
		return c[1 : len(c)-1]
	}
	return c
}

// fields turns a table into a map from its first column to the rest.
func fields(table [][]string) map[string][]string {
	m := map[string][]string{}
	for _, r := range table[1:] {
		m[r[0]] = r[1:]
	}
	return m
}

// sectionsNamed returns the sections with that heading, in order.
func sectionsNamed(ss []*mdSection, heading string) []*mdSection {
	var out []*mdSection
	for _, s := range ss {
		if s.heading == heading {
			out = append(out, s)
		}
	}
	return out
}
