package ingest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Notification is one line of a <label>-<index>.notify file (FORMATS.md §7.2).
type Notification struct {
	Level     string // WORKFLOW, JOB, DAXJOB, DAGJOB or INVOCATION
	ID        string // workflow uuid or job name
	Task      int    // INVOCATION: 1-based task number
	Condition string // normalised: start, on_success, on_error, at_end, all, never
	Action    string // executable and arguments, unsplit
	Line      int
}

// NormalizeCondition maps the 5.x spellings (success, error, end) to the
// names monitord matches (on_success, on_error, at_end) — the fix for the
// condition-name mismatch of FORMATS.md §11.5.
func NormalizeCondition(c string) string {
	switch strings.ToLower(c) {
	case "success", "on_success":
		return "on_success"
	case "error", "on_error":
		return "on_error"
	case "end", "at_end":
		return "at_end"
	case "start":
		return "start"
	case "all":
		return "all"
	case "never":
		return "never"
	}
	return strings.ToLower(c)
}

// ReadNotifyFile reads a notify file. A missing file yields no notifications.
func ReadNotifyFile(path string) ([]Notification, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	return ReadNotify(f, path)
}

// ReadNotify parses notify lines: "WORKFLOW|JOB|DAXJOB|DAGJOB <id> <cond>
// <action...>" or "INVOCATION <job> <task> <cond> <action...>".
func ReadNotify(r io.Reader, name string) ([]Notification, error) {
	var out []Notification
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(line)
		lvl := strings.ToUpper(fields[0])
		want := 4
		if lvl == "INVOCATION" {
			want = 5
		}
		switch lvl {
		case "WORKFLOW", "JOB", "DAXJOB", "DAGJOB", "INVOCATION":
		default:
			return nil, &ParseError{File: name, Line: n, Err: fmt.Errorf("%w: unknown notification type %q", ErrSyntax, fields[0])}
		}
		if len(fields) < want {
			return nil, &ParseError{File: name, Line: n, Err: fmt.Errorf("%w: %s notification needs %d fields", ErrSyntax, lvl, want)}
		}
		nt := Notification{Level: lvl, ID: fields[1], Line: n}
		ci := 2
		if lvl == "INVOCATION" {
			t, err := strconv.Atoi(fields[2])
			if err != nil || t < 1 {
				return nil, &ParseError{File: name, Line: n, Err: fmt.Errorf("%w: task number %q", ErrSyntax, fields[2])}
			}
			nt.Task, ci = t, 3
		}
		nt.Condition = NormalizeCondition(fields[ci])
		// The action is the rest of the line after the condition.
		rest := line
		for k := 0; k <= ci; k++ {
			rest = strings.TrimLeft(rest, " \t")
			rest = rest[len(fields[k]):]
		}
		nt.Action = strings.TrimSpace(rest)
		out = append(out, nt)
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: name, Line: n + 1, Err: err}
	}
	return out, nil
}
