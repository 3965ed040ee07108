package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// ErrSyntax is the cause of an input line that cannot be split into words.
var ErrSyntax = errors.New("bad task line")

// ParseError is an error at a line of the input.
type ParseError struct {
	File string
	Line int
	Err  error
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %v: %s", e.File, e.Line, e.Err, e.Msg)
}

// Unwrap returns the sentinel cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Task is one command line of the input.
type Task struct {
	Line int      // input line number
	Argv []string // the command and its arguments
	ID   string   // from the preceding "#@ id tr derivation" comment, if any
	TR   string
}

// ReadTasks reads the task lines of a clustered job's input; lines is the
// number of input lines.
func ReadTasks(r io.Reader, name string) (tasks []Task, lines int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var id, tr string
	for sc.Scan() {
		lines++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "#") {
			if f := strings.Fields(strings.TrimPrefix(s, "#@")); strings.HasPrefix(s, "#@") && len(f) >= 1 {
				id = f[0]
				if len(f) >= 2 {
					tr = f[1]
				}
			}
			continue
		}
		argv, err := splitWords(s)
		if err != nil {
			return nil, lines, &ParseError{File: name, Line: lines, Err: ErrSyntax, Msg: err.Error()}
		}
		tasks = append(tasks, Task{Line: lines, Argv: argv, ID: id, TR: tr})
		id, tr = "", ""
	}
	if err := sc.Err(); err != nil {
		return nil, lines, fmt.Errorf("%s: %w", name, err)
	}
	return tasks, lines, nil
}

// splitWords splits a command line like a POSIX shell splits words:
// quotes and backslashes, nothing else.
func splitWords(s string) ([]string, error) {
	var out []string
	var w strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		case c == '\'':
			in = true
			k := strings.IndexByte(s[i+1:], '\'')
			if k < 0 {
				return nil, errors.New("unterminated single quote")
			}
			w.WriteString(s[i+1 : i+1+k])
			i += k + 1
		case c == '"':
			in = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
		case c == '\\':
			in = true
			if i+1 < len(s) {
				i++
				w.WriteByte(s[i])
			}
		default:
			in = true
			w.WriteByte(c)
		}
	}
	if in {
		out = append(out, w.String())
	}
	if len(out) == 0 {
		return nil, errors.New("empty command")
	}
	return out, nil
}

// Runner runs tasks in sequence.
type Runner struct {
	Stdout, Stderr io.Writer
	Report         io.Writer // optional copy of the [cluster-task] lines
	FailFast       bool
	OK             []int  // exit codes besides 0 that count as success
	App            string // name in the summary line
	Now            func() time.Time
}

// Summary is the outcome of a run.
type Summary struct {
	Tasks, Succeeded, Failed, Extra int
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func isoTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-07:00") }

// Run runs the tasks and prints the task and summary lines. It returns an
// error only for interruption or a failed write.
func (r *Runner) Run(ctx context.Context, tasks []Task, lines int) (Summary, error) {
	sum := Summary{Tasks: len(tasks)}
	start := r.now()
	for i, t := range tasks {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		tstart := r.now()
		raw, pid := r.runOne(ctx, t)
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		dur := r.now().Sub(tstart).Seconds()
		line := fmt.Sprintf("[cluster-task id=%d, start=%q, duration=%.3f, status=%d, line=%d, pid=%d, app=%q]\n",
			i+1, isoTime(tstart), dur, raw, t.Line, pid, t.Argv[0])
		if _, err := io.WriteString(r.Stdout, line); err != nil {
			return sum, err
		}
		if r.Report != nil {
			if _, err := io.WriteString(r.Report, line); err != nil {
				return sum, err
			}
		}
		if raw == 0 || raw&0x7f == 0 && slices.Contains(r.OK, raw>>8) {
			sum.Succeeded++
			continue
		}
		sum.Failed++
		if r.FailFast {
			sum.Extra = len(tasks) - i - 1
			break
		}
	}
	stat := "ok"
	if sum.Failed > 0 || sum.Extra > 0 {
		stat = "fail"
	}
	_, err := fmt.Fprintf(r.Stdout, "[cluster-summary stat=%q, lines=%d, tasks=%d, succeeded=%d, failed=%d, extra=%d, duration=%.3f, start=%q, pid=%d, app=%q]\n",
		stat, lines, sum.Tasks, sum.Succeeded, sum.Failed, sum.Extra, r.now().Sub(start).Seconds(), isoTime(start), os.Getpid(), r.App)
	return sum, err
}

// runOne runs one task and returns its raw wait status and pid. A task
// that cannot start gets status 127<<8 (as a shell reports it) and a
// message on stderr.
func (r *Runner) runOne(ctx context.Context, t Task) (raw, pid int) {
	cmd := exec.CommandContext(ctx, t.Argv[0], t.Argv[1:]...)
	cmd.Stdout, cmd.Stderr = r.Stdout, r.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(r.Stderr, "pegasus-cluster: line %d: %v\n", t.Line, err)
		return 127 << 8, 0
	}
	pid = cmd.Process.Pid
	_ = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		return int(ws), pid
	}
	return cmd.ProcessState.ExitCode() << 8, pid
}
