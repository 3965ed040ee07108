package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// JobstateEntry is one line of a jobstate.log (FORMATS.md §2), as monitord
// writes it or as HTCondor's DAGMan writes it with JOBSTATE_LOG.
type JobstateEntry struct {
	Line     int
	TS       int64
	Job      string // node name; "INTERNAL" for marker lines
	State    string // job state, or the marker (DAGMAN_STARTED, MONITORD_FINISHED, ...)
	Info     string // exit status, HTCondor id or "-"; the marker's value for INTERNAL lines
	Site     string // "-" when unknown
	Walltime string
	Seq      int // job_submit_seq; 0 when "-"
}

// Internal reports whether the entry is an INTERNAL marker line.
func (e *JobstateEntry) Internal() bool { return e.Job == "INTERNAL" }

// JobstateScanner reads jobstate.log entries. Lines that do not follow the
// grammar are errors; a truncated last line (no newline) is not reported
// until it is complete, so a growing file can be followed.
type JobstateScanner struct {
	r    *bufio.Reader
	name string
	line int
	e    JobstateEntry
	err  error
	// Partial holds an incomplete last line after Next returned false.
	Partial []byte
}

// NewJobstateScanner returns a scanner over r; name is used in errors.
func NewJobstateScanner(r io.Reader, name string) *JobstateScanner {
	return &JobstateScanner{r: bufio.NewReaderSize(r, 64*1024), name: name}
}

// Next advances to the next entry.
func (s *JobstateScanner) Next() bool {
	if s.err != nil {
		return false
	}
	for {
		raw, err := s.r.ReadBytes('\n')
		if err != nil {
			if err != io.EOF {
				s.err = &ParseError{File: s.name, Line: s.line + 1, Err: err}
			}
			s.Partial = raw
			return false
		}
		s.line++
		line := bytes.TrimSpace(raw)
		if len(line) == 0 {
			continue
		}
		e, perr := ParseJobstateLine(string(line))
		if perr != nil {
			s.err = &ParseError{File: s.name, Line: s.line, Err: perr}
			return false
		}
		e.Line = s.line
		s.e = e
		return true
	}
}

// Entry returns the current entry.
func (s *JobstateScanner) Entry() *JobstateEntry { return &s.e }

// Err returns the first error, nil at a clean end.
func (s *JobstateScanner) Err() error { return s.err }

// ParseJobstateLine parses one jobstate.log line.
func ParseJobstateLine(line string) (JobstateEntry, error) {
	f := strings.Fields(line)
	var e JobstateEntry
	if len(f) < 3 {
		return e, fmt.Errorf("%w: jobstate line has %d fields", ErrSyntax, len(f))
	}
	ts, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return e, fmt.Errorf("%w: time stamp %q", ErrSyntax, f[0])
	}
	e.TS = int64(ts)
	e.Job = f[1]
	if e.Job == "INTERNAL" {
		// <ts> INTERNAL *** MARKER [value] ***
		if len(f) < 4 || f[2] != "***" || f[len(f)-1] != "***" {
			return e, fmt.Errorf("%w: malformed INTERNAL line", ErrSyntax)
		}
		e.State = f[3]
		if len(f) > 5 {
			e.Info = strings.Join(f[4:len(f)-1], " ")
		}
		return e, nil
	}
	if len(f) < 6 {
		return e, fmt.Errorf("%w: jobstate line has %d fields, want 7", ErrSyntax, len(f))
	}
	e.State, e.Info, e.Site, e.Walltime = f[2], f[3], f[4], f[5]
	if len(f) >= 7 && f[6] != "-" {
		n, err := strconv.Atoi(f[6])
		if err != nil {
			return e, fmt.Errorf("%w: job submit sequence %q", ErrSyntax, f[6])
		}
		e.Seq = n
	}
	return e, nil
}

// FormatJobstateLine formats a job line as monitord writes it.
func FormatJobstateLine(ts int64, job, state, info, site, walltime string, seq int) string {
	// Room for the numbers, the blanks and a "-" per empty field: one
	// allocation, which the string then uses.
	b := make([]byte, 0, 48+len(job)+len(state)+len(info)+len(site)+len(walltime))
	b = AppendJobstateLine(b, ts, job, state, info, site, walltime, seq)
	return view(b) // b is not used again
}

// AppendJobstateLine appends the line FormatJobstateLine makes to dst.
func AppendJobstateLine(dst []byte, ts int64, job, state, info, site, walltime string, seq int) []byte {
	b := strconv.AppendInt(dst, ts, 10)
	for _, f := range [...]string{job, state, info, site, walltime} {
		b = append(b, ' ')
		if f == "" {
			f = "-"
		}
		b = append(b, f...)
	}
	b = append(b, ' ')
	if seq > 0 {
		return strconv.AppendInt(b, int64(seq), 10)
	}
	return append(b, '-')
}
