package executor

import (
	"bufio"
	"io"
	"strconv"
	"time"

	"github.com/pegasus-go/pegasus/internal/dagmanstats"
)

// dagmanLog writes <dag>.dagman.out in HTCondor DAGMan's line formats
// (FORMATS.md §1): every line starts with "MM/DD/YY HH:MM:SS " in the
// process time zone. Writes are buffered; the engine flushes at the end of
// busy cycles and whenever it is about to wait, so a live monitord sees
// every line soon after it is written. The first write error sticks: later
// writes are dropped and Err reports it.
type dagmanLog struct {
	w      *bufio.Writer
	c      io.Closer
	line   []byte
	stamp  []byte // cached "MM/DD/YY HH:MM:SS " for stampSec
	sec    int64
	err    error
	loc    *time.Location
	dirty  bool
	lastFl time.Time
}

func newDagmanLog(w io.WriteCloser, loc *time.Location) *dagmanLog {
	return &dagmanLog{w: bufio.NewWriterSize(w, 64<<10), c: w, loc: loc, sec: -1}
}

// appendDagmanTime appends t as MM/DD/YY HH:MM:SS.
func appendDagmanTime(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = app2(b, int(mo))
	b = append(b, '/')
	b = app2(b, d)
	b = append(b, '/')
	b = app2(b, y%100)
	b = append(b, ' ')
	b = app2(b, h)
	b = append(b, ':')
	b = app2(b, mi)
	b = append(b, ':')
	return app2(b, s)
}

func app2(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }

// begin starts a line stamped t.
func (l *dagmanLog) begin(t time.Time) []byte {
	if sec := t.Unix(); sec != l.sec {
		l.sec = sec
		l.stamp = appendDagmanTime(l.stamp[:0], t.In(l.loc))
		l.stamp = append(l.stamp, ' ')
	}
	return append(l.line[:0], l.stamp...)
}

// end writes the line built from begin.
func (l *dagmanLog) end(b []byte) {
	b = append(b, '\n')
	l.line = b[:0]
	if l.err != nil {
		return
	}
	if _, err := l.w.Write(b); err != nil {
		l.err = err
	}
	l.dirty = true
}

// say writes one line made of parts.
func (l *dagmanLog) say(t time.Time, parts ...string) {
	b := l.begin(t)
	for _, p := range parts {
		b = append(b, p...)
	}
	l.end(b)
}

// flush writes out buffered lines.
func (l *dagmanLog) flush(now time.Time) {
	l.lastFl = now
	if !l.dirty || l.err != nil {
		return
	}
	l.dirty = false
	if err := l.w.Flush(); err != nil {
		l.err = err
	}
}

func (l *dagmanLog) close() error {
	l.flush(time.Now())
	err := l.c.Close()
	if l.err != nil {
		return l.err
	}
	return err
}

// appendID appends "(cluster.0.0)".
func appendID(b []byte, cluster int) []byte {
	b = append(b, '(')
	b = strconv.AppendInt(b, int64(cluster), 10)
	return append(b, ".0.0)"...)
}

// ulog writes "Event: ULOG_<name> for HTCondor Node <node> (c.0.0) {stamp}".
func (l *dagmanLog) ulog(now time.Time, name, node string, cluster int, at time.Time) {
	b := l.begin(now)
	b = append(b, "Event: ULOG_"...)
	b = append(b, name...)
	b = append(b, " for HTCondor Node "...)
	b = append(b, node...)
	b = append(b, ' ')
	b = appendID(b, cluster)
	b = append(b, " {"...)
	b = appendDagmanTime(b, at.In(l.loc))
	b = append(b, '}')
	l.end(b)
}

// counts is the node-state table DAGMan prints after each busy cycle.
type counts struct {
	done, pre, queued, post, ready, unready, failed, futile int
	held                                                    int
}

// status writes the "DAG status" block: status line, node table, held
// count and the runtime statistics line.
func (l *dagmanLog) status(now time.Time, dagStatus int, total int, c counts, st *dagmanstats.Runtime) {
	l.say(now, "DAG status: ", strconv.Itoa(dagStatus), " (", dagStatusName(dagStatus), ")")
	l.say(now, "Of ", strconv.Itoa(total), " nodes total:")
	l.say(now, " Done     Pre   Queued    Post   Ready   Un-Ready   Failed   Futile")
	l.say(now, "  ===     ===      ===     ===     ===        ===      ===      ===")
	b := l.begin(now)
	for i, v := range []int{c.done, c.pre, c.queued, c.post, c.ready, c.unready, c.failed, c.futile} {
		width := []int{5, 8, 9, 8, 8, 11, 9, 9}[i]
		s := strconv.Itoa(v)
		for k := len(s); k < width; k++ {
			b = append(b, ' ')
		}
		b = append(b, s...)
	}
	l.end(b)
	l.say(now, strconv.Itoa(c.held), " job proc(s) currently held")
	l.stats(now, st)
}

func (l *dagmanLog) stats(now time.Time, st *dagmanstats.Runtime) {
	b := l.begin(now)
	b = append(b, "DAGMan Runtime Statistics: [ "...)
	b = st.AppendTo(b)
	b = append(b, ']')
	l.end(b)
}

// DAG status codes (FORMATS.md §1.3).
const (
	dagStatusOK         = 0
	dagStatusError      = 1
	dagStatusNodeFailed = 2
	dagStatusAbort      = 3
	dagStatusRM         = 4
)

func dagStatusName(s int) string {
	switch s {
	case dagStatusOK:
		return "DAG_STATUS_OK"
	case dagStatusError:
		return "DAG_STATUS_ERROR"
	case dagStatusNodeFailed:
		return "DAG_STATUS_NODE_FAILED"
	case dagStatusAbort:
		return "DAG_STATUS_ABORT"
	case dagStatusRM:
		return "DAG_STATUS_RM"
	case 5:
		return "DAG_STATUS_CYCLE"
	case 6:
		return "DAG_STATUS_HALTED"
	}
	return "DAG_STATUS_UNKNOWN"
}
