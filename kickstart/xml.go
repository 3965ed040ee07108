package kickstart

import (
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// xmlStampLayout is xs:dateTime with milliseconds and a zone.
const xmlStampLayout = "2006-01-02T15:04:05.000-07:00"

// AppendXML appends the record as an iv-2.3 invocation document (FORMATS.md
// §5.2, schemas/iv-2.3.xsd). The output is pure ASCII: other characters are
// character references, so the ISO-8859-1 declaration Pegasus used is
// true. Characters XML 1.0 cannot carry (control characters, invalid
// UTF-8) become U+FFFD. iv-2.3 has no checksum element: output files are
// written as "final" statcalls without their sha256.
func AppendXML(dst []byte, inv *Invocation, header bool) []byte {
	b := dst
	if header {
		b = append(b, `<?xml version="1.0" encoding="ISO-8859-1"?>`+"\n"...)
	}
	b = append(b, `<invocation xmlns="http://pegasus.isi.edu/schema/invocation" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://pegasus.isi.edu/schema/invocation http://pegasus.isi.edu/schema/iv-2.3.xsd" version="2.3"`...)
	b = attrTime(b, "start", inv.Start)
	b = attrF(b, "duration", inv.Duration.Seconds(), 3)
	b = attrS(b, "transformation", inv.Transformation)
	b = attrS(b, "derivation", inv.Derivation)
	b = attrS(b, "resource", inv.Resource)
	b = attrS(b, "wf-label", inv.Label)
	if validDateTime(inv.Stamp) {
		b = attrS(b, "wf-stamp", inv.Stamp)
	}
	b = attrS(b, "interface", nmtoken(inv.Interface))
	b = attrS(b, "hostaddr", inv.Hostaddr)
	b = attrS(b, "hostname", inv.Hostname)
	b = attrI(b, "pid", int64(inv.PID))
	b = attrI(b, "uid", int64(inv.UID))
	b = attrS(b, "user", inv.User)
	b = attrI(b, "gid", int64(inv.GID))
	b = attrS(b, "group", inv.Group)
	b = append(b, ` umask="0`...)
	b = appendOctal(b, uint64(inv.Umask), 3)
	b = append(b, "\">\n"...)

	b = appendJobXML(b, "mainjob", &inv.Main)
	if len(inv.JobIDs) > 0 {
		b = append(b, "  <jobids"...)
		for _, kv := range inv.JobIDs {
			b = attrS(b, kv.Key, kv.Value)
		}
		b = append(b, "/>\n"...)
	}
	b = append(b, "  <cwd>"...)
	b = appendText(b, inv.Cwd)
	b = append(b, "</cwd>\n  "...)
	b = appendUsageXML(b, &inv.Usage)
	b = append(b, '\n')
	b = appendMachineXML(b, &inv.Machine, inv.Start)
	for i := range inv.Initial {
		b = appendStatcallXML(b, "initial", &inv.Initial[i])
	}
	b = appendStatcallXML(b, "stdin", &inv.Stdin)
	b = appendStatcallXML(b, "stdout", &inv.Stdout)
	b = appendStatcallXML(b, "stderr", &inv.Stderr)
	for i := range inv.Final {
		b = appendStatcallXML(b, "final", &inv.Final[i])
	}
	return append(b, "</invocation>\n"...)
}

// WriteXML writes the XML record to w in one write.
func WriteXML(w io.Writer, inv *Invocation, header bool) error {
	_, err := w.Write(AppendXML(make([]byte, 0, 4096+len(inv.Stdout.Data)+len(inv.Stderr.Data)), inv, header))
	return err
}

func appendJobXML(b []byte, tag string, j *Job) []byte {
	b = append(b, "  <"...)
	b = append(b, tag...)
	b = attrTime(b, "start", j.Start)
	b = attrF(b, "duration", j.Duration.Seconds(), 3)
	if j.PID != 0 {
		b = attrI(b, "pid", int64(j.PID))
	}
	b = append(b, ">\n    "...)
	b = appendUsageXML(b, &j.Usage)
	b = append(b, "\n    <status"...)
	b = attrI(b, "raw", int64(j.Status.Raw))
	b = append(b, '>')
	s := j.Status
	switch {
	case s.Failed:
		b = append(b, "<failure"...)
		b = attrI(b, "error", int64(s.Errno))
		b = append(b, '>')
		b = appendEscaped(b, s.Message)
		b = append(b, "</failure>"...)
	case s.Exited():
		b = append(b, "<regular"...)
		b = attrI(b, "exitcode", int64(s.ExitCode()))
		b = append(b, "/>"...)
	case s.Signalled():
		b = append(b, "<signalled"...)
		b = attrI(b, "signal", int64(s.Signal()))
		b = attrS(b, "corefile", strconv.FormatBool(s.Core()))
		b = append(b, '>')
		b = append(b, SignalName(s.Signal())...)
		b = append(b, "</signalled>"...)
	default:
		sig := (s.Raw >> 8) & 0xff
		b = append(b, "<suspended"...)
		b = attrI(b, "signal", int64(sig))
		b = append(b, '>')
		b = append(b, SignalName(sig)...)
		b = append(b, "</suspended>"...)
	}
	b = append(b, "</status>\n    "...)
	b = appendStatcallBody(b, "", &j.Executable)
	if len(j.Argv) == 0 {
		b = append(b, "    <argument-vector/>\n"...)
	} else {
		b = append(b, "    <argument-vector>"...)
		for i, a := range j.Argv {
			b = append(b, `<arg nr="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `">`...)
			b = appendText(b, a)
			b = append(b, "</arg>"...)
		}
		b = append(b, "</argument-vector>\n"...)
	}
	b = append(b, "  </"...)
	b = append(b, tag...)
	return append(b, ">\n"...)
}

func appendUsageXML(b []byte, u *Usage) []byte {
	b = append(b, "<usage"...)
	b = attrF(b, "utime", u.Utime, 3)
	b = attrF(b, "stime", u.Stime, 3)
	b = attrI(b, "maxrss", u.MaxRSS)
	b = attrI(b, "minflt", u.Minflt)
	b = attrI(b, "majflt", u.Majflt)
	b = attrI(b, "nswap", u.Nswap)
	b = attrI(b, "inblock", u.Inblock)
	b = attrI(b, "outblock", u.Outblock)
	b = attrI(b, "msgsnd", u.Msgsnd)
	b = attrI(b, "msgrcv", u.Msgrcv)
	b = attrI(b, "nsignals", u.Nsignals)
	b = attrI(b, "nvcsw", u.Nvcsw)
	b = attrI(b, "nivcsw", u.Nivcsw)
	return append(b, "/>"...)
}

func appendMachineXML(b []byte, m *Machine, stamp time.Time) []byte {
	b = append(b, "  <machine"...)
	b = attrI(b, "page-size", int64(m.PageSize))
	b = append(b, ">\n    <stamp>"...)
	b = stamp.AppendFormat(b, xmlStampLayout)
	b = append(b, "</stamp>\n    <uname"...)
	b = attrS(b, "system", nmtokenOr(m.Sysname, "unknown"))
	b = attrS(b, "nodename", nmtokenOr(m.Nodename, "unknown"))
	b = attrS(b, "release", nmtokenOr(m.Release, "unknown"))
	b = attrS(b, "machine", nmtokenOr(m.Arch, "unknown"))
	b = append(b, '>')
	b = appendEscaped(b, m.Version)
	b = append(b, "</uname>\n    <linux>\n      <ram"...)
	b = attrU(b, "total", m.RAMTotal)
	b = attrU(b, "free", m.RAMFree)
	b = attrU(b, "shared", m.RAMShared)
	b = attrU(b, "buffer", m.RAMBuffer)
	b = append(b, "/>\n      <swap"...)
	b = attrU(b, "total", m.SwapTotal)
	b = attrU(b, "free", m.SwapFree)
	b = append(b, "/>\n      <boot>"...)
	boot := m.Boot
	if boot.IsZero() {
		boot = stamp
	}
	b = boot.AppendFormat(b, xmlStampLayout)
	b = append(b, "</boot>\n      <cpu"...)
	b = attrI(b, "count", int64(m.CPUCount))
	b = attrI(b, "speed", int64(m.CPUSpeed))
	b = attrS(b, "vendor", m.CPUVendor)
	b = append(b, '>')
	b = appendEscaped(b, m.CPUModel)
	b = append(b, "</cpu>\n      <load"...)
	b = attrF(b, "min1", m.Load1, 2)
	b = attrF(b, "min5", m.Load5, 2)
	b = attrF(b, "min15", m.Load15, 2)
	b = append(b, "/>\n"...)
	if m.HasProcs {
		b = append(b, "      <procs"...)
		b = attrI(b, "total", int64(m.ProcsTotal))
		b = attrI(b, "running", int64(m.ProcsRunning))
		b = attrI(b, "sleeping", int64(m.ProcsSleeping))
		b = attrI(b, "other", int64(m.ProcsOther))
		b = attrU(b, "vmsize", m.ProcsVMSize)
		b = attrU(b, "rss", m.ProcsRSS)
		b = append(b, "/>\n"...)
	}
	if m.HasTasks {
		b = append(b, "      <task"...)
		b = attrI(b, "total", int64(m.TaskTotal))
		b = attrI(b, "running", int64(m.TaskRunning))
		if m.HasProcs {
			b = attrI(b, "sleeping", int64(m.TaskSleeping))
			b = attrI(b, "other", int64(m.TaskOther))
		}
		b = append(b, "/>\n"...)
	}
	return append(b, "    </linux>\n  </machine>\n"...)
}

func appendStatcallXML(b []byte, id string, si *StatInfo) []byte {
	b = append(b, "  "...)
	return appendStatcallBody(b, id, si)
}

// appendStatcallBody appends <statcall ...>...</statcall> and a newline.
func appendStatcallBody(b []byte, id string, si *StatInfo) []byte {
	b = append(b, "<statcall"...)
	b = attrI(b, "error", int64(si.Errno))
	if id != "" {
		b = attrS(b, "id", id)
		if si.LFN != "" {
			b = attrS(b, "lfn", si.LFN)
		}
	}
	b = append(b, '>')
	switch {
	case si.Temporary:
		b = append(b, "<temporary"...)
		b = attrS(b, "name", si.Name)
		b = attrI(b, "descriptor", int64(si.Descriptor))
		b = append(b, "/>"...)
	case si.Name == "" && si.Descriptor >= 0:
		b = append(b, "<descriptor"...)
		b = attrI(b, "number", int64(si.Descriptor))
		b = append(b, "/>"...)
	default:
		b = append(b, "<file"...)
		b = attrS(b, "name", si.Name)
		b = append(b, "/>"...)
	}
	if si.Errno == 0 {
		b = append(b, "<statinfo"...)
		b = append(b, ` mode="0`...)
		b = appendOctal(b, uint64(si.Mode), 1)
		b = append(b, '"')
		b = attrI(b, "size", si.Size)
		b = attrU(b, "inode", si.Inode)
		b = attrU(b, "nlink", si.Nlink)
		b = attrI(b, "blksize", si.Blksize)
		b = attrI(b, "blocks", si.Blocks)
		b = attrTime(b, "mtime", si.Mtime)
		b = attrTime(b, "atime", si.Atime)
		b = attrTime(b, "ctime", si.Ctime)
		b = attrI(b, "uid", int64(si.UID))
		b = attrS(b, "user", si.User)
		b = attrI(b, "gid", int64(si.GID))
		b = attrS(b, "group", si.Group)
		b = append(b, "/>"...)
	}
	if si.HasData {
		b = append(b, "<data"...)
		if si.Truncated {
			b = append(b, ` truncated="true"`...)
		}
		b = append(b, '>')
		b = appendText(b, string(si.Data))
		b = append(b, "</data>"...)
	}
	return append(b, "</statcall>\n"...)
}

func attrS(b []byte, k, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, `="`...)
	b = appendEscaped(b, v)
	return append(b, '"')
}

func attrI(b []byte, k string, v int64) []byte {
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, `="`...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, '"')
}

func attrU(b []byte, k string, v uint64) []byte {
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, `="`...)
	b = strconv.AppendUint(b, v, 10)
	return append(b, '"')
}

func attrF(b []byte, k string, v float64, prec int) []byte {
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, `="`...)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	return append(b, '"')
}

func attrTime(b []byte, k string, t time.Time) []byte {
	b = append(b, ' ')
	b = append(b, k...)
	b = append(b, `="`...)
	b = t.AppendFormat(b, xmlStampLayout)
	return append(b, '"')
}

// appendEscaped appends s as XML character data or attribute text, in
// ASCII: markup characters and line breaks in attributes are escaped,
// other non-ASCII characters become character references, and characters
// XML 1.0 forbids become U+FFFD.
func appendEscaped(b []byte, s string) []byte { return escapeXML(b, s, true) }

// appendText is appendEscaped for element content, where line breaks and
// tabs stay as they are.
func appendText(b []byte, s string) []byte { return escapeXML(b, s, false) }

func escapeXML(b []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '<':
				b = append(b, "&lt;"...)
			case '>':
				b = append(b, "&gt;"...)
			case '&':
				b = append(b, "&amp;"...)
			case '"':
				b = append(b, "&quot;"...)
			case '\'':
				b = append(b, "&apos;"...)
			case '\n', '\t':
				if attr {
					b = append(b, "&#"...)
					b = strconv.AppendInt(b, int64(c), 10)
					b = append(b, ';')
				} else {
					b = append(b, c)
				}
			case '\r':
				b = append(b, "&#13;"...)
			default:
				if c < 0x20 || c == 0x7f {
					b = append(b, "&#xFFFD;"...)
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r <= 0x9f) || r == 0xfffe || r == 0xffff {
			r = 0xfffd
		}
		b = append(b, "&#x"...)
		b = strconv.AppendInt(b, int64(r), 16)
		b = append(b, ';')
		i += n
	}
	return b
}

// nmtoken makes s an xs:NMTOKEN by replacing other characters with "_".
func nmtoken(s string) string {
	out := []byte(nil)
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':'
		if !ok && out == nil {
			out = []byte(s[:i])
		}
		if out != nil {
			if ok {
				out = append(out, c)
			} else {
				out = append(out, '_')
			}
		}
	}
	if out == nil {
		return s
	}
	return string(out)
}

func nmtokenOr(s, def string) string {
	if s == "" {
		return def
	}
	return nmtoken(s)
}

// validDateTime is a loose check that s looks like an xs:dateTime.
func validDateTime(s string) bool {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}
