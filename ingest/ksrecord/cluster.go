package ksrecord

import (
	"bytes"
	"strconv"
)

// Cluster line tags, in the order monitord looks for them.
var clusterTags = [...]string{"[cluster-task", "[cluster-summary", "[seqexec-task", "[seqexec-summary"}

// findClusterTag returns the position and tag of a cluster record in line.
func findClusterTag(line []byte) (int, string) {
	if bytes.IndexByte(line, '[') < 0 {
		return -1, ""
	}
	for _, t := range clusterTags {
		if i := bytes.Index(line, []byte(t)); i >= 0 {
			return i, t
		}
	}
	return -1, ""
}

// parseClusterLine parses "[cluster-task id=1, start="...", duration=6.0,
// status=0, ...]" (b runs from "[" to the first "]") into f. Unknown keys are
// ignored, as are values that do not parse as the number or time they should
// be; a part without "=" is a syntax error.
func (p *Parser) parseClusterLine(f *File, b []byte, tag string) error {
	b = b[len(tag) : len(b)-1]
	task := tag == "[cluster-task" || tag == "[seqexec-task"
	var t ClusterTask
	var s ClusterSummary // the last summary line of a file wins
	for len(b) > 0 {
		for len(b) > 0 && (b[0] == ' ' || b[0] == ',' || b[0] == '\t') {
			b = b[1:]
		}
		if len(b) == 0 {
			break
		}
		eq := bytes.IndexByte(b, '=')
		if eq <= 0 || bytes.IndexAny(b[:eq], " ,\t\"") >= 0 {
			return &ParseError{File: p.name, Line: p.lineNo, Err: causef(ErrSyntax, "cluster record: expected key=value")}
		}
		key := string(b[:eq])
		b = b[eq+1:]
		var val []byte
		if len(b) > 0 && b[0] == '"' {
			q := bytes.IndexByte(b[1:], '"')
			if q < 0 {
				val, b = b[1:], nil
			} else {
				val, b = b[1:1+q], b[2+q:]
			}
		} else {
			c := bytes.IndexByte(b, ',')
			if c < 0 {
				c = len(b)
			}
			val, b = bytes.TrimSpace(b[:c]), b[c:]
		}
		if task {
			switch key {
			case "id":
				if v, err := strconv.Atoi(string(val)); err == nil {
					t.ID = v
				}
			case "start":
				t.Start, t.HasStart = parseISO8601(val)
			case "duration":
				if v, err := strconv.ParseFloat(string(val), 64); err == nil {
					t.Duration = v
				}
			case "status":
				if v, err := strconv.Atoi(string(val)); err == nil {
					t.Status = v
				}
			case "app":
				t.App = string(val)
			}
			continue
		}
		switch key {
		case "stat":
			s.Stat = string(val)
		case "tasks":
			if v, err := strconv.Atoi(string(val)); err == nil {
				s.Tasks = v
			}
		case "succeeded":
			if v, err := strconv.Atoi(string(val)); err == nil {
				s.Succeeded = v
			}
		case "failed":
			if v, err := strconv.Atoi(string(val)); err == nil {
				s.Failed = v
			}
		case "duration":
			if v, err := strconv.ParseFloat(string(val), 64); err == nil {
				s.Duration = v
			}
		case "start":
			s.Start, s.HasStart = parseISO8601(val)
		}
	}
	if task {
		f.ClusterTasks = append(f.ClusterTasks, t)
	} else {
		f.Cluster = &s
	}
	return nil
}
