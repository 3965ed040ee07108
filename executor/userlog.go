package executor

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"time"
)

// userLog writes an HTCondor job event log (the submit file's log =
// file), in the ISO-date format of HTCondor 9 and later: "000 (cluster.
// proc.subproc) YYYY-MM-DD HH:MM:SS Job submitted ...", events separated by
// "...". Buffered; flushed with dagman.out.
type userLog struct {
	f   *os.File
	w   *bufio.Writer
	err error
	b   []byte
}

func openUserLog(path string) (*userLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &userLog{f: f, w: bufio.NewWriterSize(f, 16<<10)}, nil
}

func pad3(b []byte, v int) []byte {
	if v < 0 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	if v < 100 {
		b = append(b, '0')
	}
	if v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(v), 10)
}

func (u *userLog) head(code int, cluster int, t time.Time, text string) []byte {
	b := pad3(u.b[:0], code)
	b = append(b, " ("...)
	b = pad3(b, cluster)
	b = append(b, ".000.000) "...)
	b = t.AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, ' ')
	return append(b, text...)
}

func (u *userLog) write(b []byte) {
	b = append(b, "...\n"...)
	u.b = b[:0]
	if u.err == nil {
		_, u.err = u.w.Write(b)
	}
}

func (u *userLog) submitted(cluster int, t time.Time, node string) {
	b := u.head(0, cluster, t, "Job submitted from host: <127.0.0.1:0?addrs=127.0.0.1-0&alias=localhost>\n")
	b = append(b, "    DAG Node: "...)
	b = append(b, node...)
	b = append(b, '\n')
	u.write(b)
}

func (u *userLog) executing(cluster int, t time.Time) {
	u.write(u.head(1, cluster, t, "Job executing on host: <127.0.0.1:0?addrs=127.0.0.1-0&alias=localhost>\n"))
}

func appendUsage(b []byte, d time.Duration) []byte {
	s := int64(d / time.Second)
	return fmt.Appendf(b, "%d %02d:%02d:%02d", s/86400, s/3600%24, s/60%60, s%60)
}

func (u *userLog) terminated(cluster int, t time.Time, e *exitInfo) {
	b := u.head(5, cluster, t, "Job terminated.\n")
	if e.signaled {
		b = fmt.Appendf(b, "\t(0) Abnormal termination (signal %d)\n\t(0) No core file\n", e.signal)
	} else {
		b = fmt.Appendf(b, "\t(1) Normal termination (return value %d)\n", e.code)
	}
	for _, what := range []string{"Run Remote Usage", "Run Local Usage", "Total Remote Usage", "Total Local Usage"} {
		b = append(b, "\t\tUsr "...)
		b = appendUsage(b, e.utime)
		b = append(b, ", Sys "...)
		b = appendUsage(b, e.stime)
		b = append(b, "  -  "...)
		b = append(b, what...)
		b = append(b, '\n')
	}
	b = append(b, "\t0  -  Run Bytes Sent By Job\n\t0  -  Run Bytes Received By Job\n\t0  -  Total Bytes Sent By Job\n\t0  -  Total Bytes Received By Job\n"...)
	u.write(b)
}

func (u *userLog) evicted(cluster int, t time.Time) {
	u.write(u.head(4, cluster, t, "Job was evicted.\n\t(0) Job was not checkpointed.\n\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Remote Usage\n\t\tUsr 0 00:00:00, Sys 0 00:00:00  -  Run Local Usage\n\t0  -  Run Bytes Sent By Job\n\t0  -  Run Bytes Received By Job\n"))
}

func (u *userLog) held(cluster int, t time.Time, reason string) {
	b := u.head(12, cluster, t, "Job was held.\n\t")
	b = append(b, reason...)
	b = append(b, "\n\tCode 6 Subcode 2\n"...)
	u.write(b)
}

func (u *userLog) aborted(cluster int, t time.Time, why string) {
	b := u.head(9, cluster, t, "Job was aborted.\n\t")
	b = append(b, why...)
	b = append(b, '\n')
	u.write(b)
}

func (u *userLog) postTerminated(cluster int, t time.Time, node string, e *exitInfo) {
	b := u.head(16, cluster, t, "POST Script terminated.\n")
	if e.signaled {
		b = fmt.Appendf(b, "\t(0) Abnormal termination (signal %d)\n", e.signal)
	} else {
		b = fmt.Appendf(b, "\t(1) Normal termination (return value %d)\n", e.code)
	}
	b = append(b, "    DAG Node: "...)
	b = append(b, node...)
	b = append(b, '\n')
	u.write(b)
}

func (u *userLog) flush() error {
	if u.err == nil {
		u.err = u.w.Flush()
	}
	return u.err
}

func (u *userLog) close() error {
	err := u.flush()
	if cerr := u.f.Close(); err == nil {
		err = cerr
	}
	return err
}
