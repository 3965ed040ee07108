package kickstart

import (
	"io"
	"strconv"
	"time"
)

// Time layouts of the YAML record, as Pegasus 5 writes them.
const (
	stampLayout = "2006-01-02T15:04:05.000-07:00" // start times
	statLayout  = "2006-01-02T15:04:05-07:00"     // stat times
)

// AppendYAML appends the record as Pegasus 5.x's kickstart writes it: a
// one-element YAML list whose item is the invocation mapping, version 3.0
// (FORMATS.md §5.3).
func AppendYAML(dst []byte, inv *Invocation) []byte {
	b := dst
	b = append(b, "- invocation: True\n  version: 3.0\n  start: "...)
	b = inv.Start.AppendFormat(b, stampLayout)
	b = append(b, "\n  duration: "...)
	b = appendSeconds(b, inv.Duration)
	b = append(b, '\n')
	b = quotedKey(b, 2, "transformation", inv.Transformation)
	b = quotedKey(b, 2, "derivation", inv.Derivation)
	b = quotedKey(b, 2, "resource", inv.Resource)
	b = quotedKey(b, 2, "wf-label", inv.Label)
	b = quotedKey(b, 2, "wf-stamp", inv.Stamp)
	b = scalarKey(b, 2, "interface", inv.Interface)
	b = scalarKey(b, 2, "hostaddr", inv.Hostaddr)
	b = scalarKey(b, 2, "hostname", inv.Hostname)
	b = intKey(b, 2, "pid", int64(inv.PID))
	b = intKey(b, 2, "uid", int64(inv.UID))
	b = scalarKey(b, 2, "user", inv.User)
	b = intKey(b, 2, "gid", int64(inv.GID))
	b = scalarKey(b, 2, "group", inv.Group)
	b = append(b, "  umask: 0o"...)
	b = appendOctal(b, uint64(inv.Umask), 4)
	b = append(b, '\n')

	b = appendJobYAML(b, "mainjob", &inv.Main)

	if len(inv.JobIDs) > 0 {
		b = append(b, "  jobids:\n"...)
		for _, kv := range inv.JobIDs {
			b = scalarKey(b, 4, kv.Key, kv.Value)
		}
	}
	b = scalarKey(b, 2, "cwd", inv.Cwd)
	b = append(b, "  usage:\n"...)
	b = appendUsageYAML(b, 4, &inv.Usage)
	b = appendMachineYAML(b, &inv.Machine)

	b = append(b, "  files:\n"...)
	for i := range inv.Initial {
		b = appendFileYAML(b, inv.Initial[i].LFN, &inv.Initial[i])
	}
	for i := range inv.Final {
		b = appendFileYAML(b, inv.Final[i].LFN, &inv.Final[i])
	}
	for _, e := range inv.Integrity {
		b = appendIndent(b, 4)
		b = appendQuoted(b, e.LFN)
		b = append(b, ":\n"...)
		for _, kv := range e.Attrs {
			b = appendIndent(b, 6)
			b = append(b, kv.Key...)
			b = append(b, ": "...)
			b = append(b, kv.Value...)
			b = append(b, '\n')
		}
	}
	b = appendFileYAML(b, "stdin", &inv.Stdin)
	b = appendFileYAML(b, "stdout", &inv.Stdout)
	b = appendFileYAML(b, "stderr", &inv.Stderr)
	b = appendFileYAML(b, "metadata", &inv.Metadata)
	return b
}

// WriteYAML writes the YAML record to w in one write.
func WriteYAML(w io.Writer, inv *Invocation) error {
	_, err := w.Write(AppendYAML(make([]byte, 0, 4096+len(inv.Stdout.Data)+len(inv.Stderr.Data)), inv))
	return err
}

func appendJobYAML(b []byte, tag string, j *Job) []byte {
	b = appendIndent(b, 2)
	b = append(b, tag...)
	b = append(b, ":\n    start: "...)
	b = j.Start.AppendFormat(b, stampLayout)
	b = append(b, "\n    duration: "...)
	b = appendSeconds(b, j.Duration)
	b = append(b, '\n')
	if j.PID != 0 {
		b = intKey(b, 4, "pid", int64(j.PID))
	}
	b = append(b, "    usage:\n"...)
	b = appendUsageYAML(b, 6, &j.Usage)
	b = append(b, "    status:\n"...)
	b = intKey(b, 6, "raw", int64(j.Status.Raw))
	s := j.Status
	switch {
	case s.Failed:
		b = intKey(b, 6, "failure_error", int64(s.Errno))
		b = quotedKey(b, 6, "failure_message", s.Message)
	case s.Exited():
		b = intKey(b, 6, "regular_exitcode", int64(s.ExitCode()))
	case s.Signalled():
		b = intKey(b, 6, "signalled_signal", int64(s.Signal()))
		b = scalarKey(b, 6, "signalled_name", SignalName(s.Signal()))
		if s.Core() {
			b = append(b, "      corefile: true\n"...)
		} else {
			b = append(b, "      corefile: false\n"...)
		}
	default:
		sig := (s.Raw >> 8) & 0xff
		b = intKey(b, 6, "suspended_signal", int64(sig))
		b = scalarKey(b, 6, "suspended_name", SignalName(sig))
	}
	b = append(b, "    executable:\n"...)
	b = appendStatYAML(b, 6, &j.Executable, true)
	b = append(b, "    argument_vector:\n"...)
	for _, a := range j.Argv {
		b = append(b, "      - "...)
		b = appendQuoted(b, a)
		b = append(b, '\n')
	}
	return append(b, "    procs:\n"...)
}

func appendUsageYAML(b []byte, ind int, u *Usage) []byte {
	b = floatKey(b, ind, "utime", u.Utime, 3)
	b = floatKey(b, ind, "stime", u.Stime, 3)
	b = intKey(b, ind, "maxrss", u.MaxRSS)
	b = intKey(b, ind, "minflt", u.Minflt)
	b = intKey(b, ind, "majflt", u.Majflt)
	b = intKey(b, ind, "nswap", u.Nswap)
	b = intKey(b, ind, "inblock", u.Inblock)
	b = intKey(b, ind, "outblock", u.Outblock)
	b = intKey(b, ind, "msgsnd", u.Msgsnd)
	b = intKey(b, ind, "msgrcv", u.Msgrcv)
	b = intKey(b, ind, "nsignals", u.Nsignals)
	b = intKey(b, ind, "nvcsw", u.Nvcsw)
	return intKey(b, ind, "nivcsw", u.Nivcsw)
}

func appendMachineYAML(b []byte, m *Machine) []byte {
	b = append(b, "  machine:\n"...)
	b = intKey(b, 4, "page-size", int64(m.PageSize))
	b = scalarKey(b, 4, "uname_system", m.Sysname)
	b = scalarKey(b, 4, "uname_nodename", m.Nodename)
	b = scalarKey(b, 4, "uname_release", m.Release)
	b = scalarKey(b, 4, "uname_machine", m.Arch)
	b = intKey(b, 4, "ram_total", int64(m.RAMTotal/1024))
	b = intKey(b, 4, "ram_free", int64(m.RAMFree/1024))
	b = intKey(b, 4, "ram_shared", int64(m.RAMShared/1024))
	b = intKey(b, 4, "ram_buffer", int64(m.RAMBuffer/1024))
	b = intKey(b, 4, "swap_total", int64(m.SwapTotal/1024))
	b = intKey(b, 4, "swap_free", int64(m.SwapFree/1024))
	b = intKey(b, 4, "cpu_count", int64(m.CPUCount))
	b = intKey(b, 4, "cpu_speed", int64(m.CPUSpeed))
	b = scalarKey(b, 4, "cpu_vendor", m.CPUVendor)
	b = scalarKey(b, 4, "cpu_model", m.CPUModel)
	b = floatKey(b, 4, "load_min1", m.Load1, 2)
	b = floatKey(b, 4, "load_min5", m.Load5, 2)
	b = floatKey(b, 4, "load_min15", m.Load15, 2)
	if m.HasProcs {
		b = intKey(b, 4, "procs_total", int64(m.ProcsTotal))
		b = intKey(b, 4, "procs_running", int64(m.ProcsRunning))
		b = intKey(b, 4, "procs_sleeping", int64(m.ProcsSleeping))
		b = intKey(b, 4, "procs_other", int64(m.ProcsOther))
		b = intKey(b, 4, "procs_vmsize", int64(m.ProcsVMSize))
		b = intKey(b, 4, "procs_rss", int64(m.ProcsRSS))
	}
	if m.HasTasks {
		b = intKey(b, 4, "task_total", int64(m.TaskTotal))
		b = intKey(b, 4, "task_running", int64(m.TaskRunning))
		if m.HasProcs {
			b = intKey(b, 4, "task_sleeping", int64(m.TaskSleeping))
			b = intKey(b, 4, "task_other", int64(m.TaskOther))
		}
	}
	return b
}

// appendFileYAML appends one entry of the files section.
func appendFileYAML(b []byte, key string, si *StatInfo) []byte {
	b = appendIndent(b, 4)
	if key == "stdin" || key == "stdout" || key == "stderr" || key == "metadata" {
		b = append(b, key...)
	} else {
		b = appendQuoted(b, key)
	}
	b = append(b, ":\n"...)
	if si.LFN != "" {
		b = quotedKey(b, 6, "lfn", si.LFN)
	}
	b = appendStatYAML(b, 6, si, false)
	if si.Output {
		b = append(b, "      output: True\n"...)
		if si.SHA256 != "" {
			b = scalarKey(b, 6, "sha256", si.SHA256)
			b = floatKey(b, 6, "checksum_timing", si.ChecksumTiming, 3)
		}
	}
	if si.HasData {
		if si.Truncated {
			b = append(b, "      data_truncated: true\n"...)
		} else {
			b = append(b, "      data_truncated: false\n"...)
		}
		b = appendData(b, 6, si.Data)
	}
	return b
}

// appendStatYAML appends the stat fields of si. exec marks the mainjob's
// executable (no blksize/blocks omitted: Pegasus writes them there too).
func appendStatYAML(b []byte, ind int, si *StatInfo, exec bool) []byte {
	switch {
	case si.Temporary:
		b = scalarKey(b, ind, "temporary_name", si.Name)
		b = intKey(b, ind, "descriptor", int64(si.Descriptor))
	case si.Name == "" && si.Descriptor >= 0:
		b = intKey(b, ind, "descriptor_number", int64(si.Descriptor))
	default:
		b = scalarKey(b, ind, "file_name", si.Name)
	}
	if si.Errno != 0 {
		b = intKey(b, ind, "error", int64(si.Errno))
		return b
	}
	b = appendIndent(b, ind)
	b = append(b, "mode: 0o"...)
	b = appendOctal(b, uint64(si.Mode), 1)
	b = append(b, '\n')
	b = intKey(b, ind, "size", si.Size)
	b = intKey(b, ind, "inode", int64(si.Inode))
	b = intKey(b, ind, "nlink", int64(si.Nlink))
	b = intKey(b, ind, "blksize", si.Blksize)
	b = intKey(b, ind, "blocks", si.Blocks)
	b = timeKey(b, ind, "mtime", si.Mtime)
	b = timeKey(b, ind, "atime", si.Atime)
	b = timeKey(b, ind, "ctime", si.Ctime)
	b = intKey(b, ind, "uid", int64(si.UID))
	b = scalarKey(b, ind, "user", si.User)
	b = intKey(b, ind, "gid", int64(si.GID))
	b = scalarKey(b, ind, "group", si.Group)
	return b
}

func quotedKey(b []byte, ind int, k, v string) []byte {
	if v == "" {
		return b
	}
	b = appendIndent(b, ind)
	b = append(b, k...)
	b = append(b, ": "...)
	b = appendQuoted(b, v)
	return append(b, '\n')
}

func scalarKey(b []byte, ind int, k, v string) []byte {
	if v == "" {
		return b
	}
	b = appendIndent(b, ind)
	b = append(b, k...)
	b = append(b, ": "...)
	b = appendScalar(b, v)
	return append(b, '\n')
}

func intKey(b []byte, ind int, k string, v int64) []byte {
	b = appendIndent(b, ind)
	b = append(b, k...)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, '\n')
}

func floatKey(b []byte, ind int, k string, v float64, prec int) []byte {
	b = appendIndent(b, ind)
	b = append(b, k...)
	b = append(b, ": "...)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	return append(b, '\n')
}

func timeKey(b []byte, ind int, k string, t time.Time) []byte {
	b = appendIndent(b, ind)
	b = append(b, k...)
	b = append(b, ": "...)
	b = t.AppendFormat(b, statLayout)
	return append(b, '\n')
}

// appendSeconds appends d in seconds with millisecond precision.
func appendSeconds(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, d.Seconds(), 'f', 3, 64)
}

// appendOctal appends v in octal, zero-padded to at least width digits.
func appendOctal(b []byte, v uint64, width int) []byte {
	s := strconv.FormatUint(v, 8)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
