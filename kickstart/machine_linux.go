//go:build linux

package kickstart

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// collectMachine reads the machine section. It is cheap by design: one
// uname and one sysinfo call, /proc/loadavg, the CPU list and the first page
// of /proc/cpuinfo. Only full (-f) walks /proc for per-process states, which
// costs milliseconds on a busy host.
func collectMachine(full bool) Machine {
	m := Machine{PageSize: os.Getpagesize()}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Sysname = strings.ToLower(utsString(u.Sysname[:]))
		m.Nodename = utsString(u.Nodename[:])
		m.Release = utsString(u.Release[:])
		m.Version = utsString(u.Version[:])
		m.Arch = utsString(u.Machine[:])
	}
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		unit := uint64(si.Unit)
		if unit == 0 {
			unit = 1
		}
		m.RAMTotal = uint64(si.Totalram) * unit
		m.RAMFree = uint64(si.Freeram) * unit
		m.RAMShared = uint64(si.Sharedram) * unit
		m.RAMBuffer = uint64(si.Bufferram) * unit
		m.SwapTotal = uint64(si.Totalswap) * unit
		m.SwapFree = uint64(si.Freeswap) * unit
		m.Boot = time.Now().Add(-time.Duration(si.Uptime) * time.Second).Truncate(time.Second)
		m.Load1 = float64(si.Loads[0]) / 65536
		m.Load5 = float64(si.Loads[1]) / 65536
		m.Load15 = float64(si.Loads[2]) / 65536
	}
	if b, err := readSmall("/proc/loadavg"); err == nil {
		// "0.54 0.37 0.32 1/1435 187048"
		f := strings.Fields(string(b))
		if len(f) >= 4 {
			m.Load1, _ = strconv.ParseFloat(f[0], 64)
			m.Load5, _ = strconv.ParseFloat(f[1], 64)
			m.Load15, _ = strconv.ParseFloat(f[2], 64)
			if r, t, ok := strings.Cut(f[3], "/"); ok {
				m.TaskRunning, _ = strconv.Atoi(r)
				m.TaskTotal, _ = strconv.Atoi(t)
				m.HasTasks = true
			}
		}
	}
	m.CPUCount = onlineCPUs()
	cpuInfo(&m)
	if full {
		scanProcs(&m)
	}
	return m
}

func utsString(b []int8) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	out := make([]byte, n)
	for i := range n {
		out[i] = byte(b[i])
	}
	return string(out)
}

// readSmall reads the first page of a /proc or /sys file.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := f.Read(buf)
	if n > 0 {
		return buf[:n], nil
	}
	return nil, err
}

// onlineCPUs counts the CPUs in /sys/devices/system/cpu/online ("0-3,8").
func onlineCPUs() int {
	b, err := readSmall("/sys/devices/system/cpu/online")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for _, r := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		a, err1 := strconv.Atoi(lo)
		if !isRange {
			if err1 == nil {
				n++
			}
			continue
		}
		b, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && b >= a {
			n += b - a + 1
		}
	}
	if n == 0 {
		return runtime.NumCPU()
	}
	return n
}

// cpuInfo takes vendor, model and speed from the first processor entry of
// /proc/cpuinfo (one page is read: the kernel formats no more).
func cpuInfo(m *Machine) {
	b, err := readSmall("/proc/cpuinfo")
	if err != nil {
		return
	}
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) == 0 {
			break // end of the first processor
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		val := string(bytes.TrimSpace(v))
		switch string(bytes.TrimSpace(k)) {
		case "vendor_id":
			m.CPUVendor = val
		case "model name":
			m.CPUModel = val
		case "cpu MHz":
			if f, err := strconv.ParseFloat(val, 64); err == nil {
				m.CPUSpeed = int(f + 0.5)
			}
		case "CPU implementer": // arm64
			if m.CPUVendor == "" {
				m.CPUVendor = val
			}
		}
	}
}

// scanProcs counts processes and threads by state, summing sizes (-f).
func scanProcs(m *Machine) {
	d, err := os.Open("/proc")
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	page := uint64(os.Getpagesize())
	m.TaskTotal, m.TaskRunning = 0, 0
	for _, n := range names {
		if n[0] < '0' || n[0] > '9' {
			continue
		}
		state, vsize, rss, ok := procStat("/proc/" + n + "/stat")
		if !ok {
			continue
		}
		m.ProcsTotal++
		switch state {
		case 'R':
			m.ProcsRunning++
		case 'S':
			m.ProcsSleeping++
		default:
			m.ProcsOther++
		}
		m.ProcsVMSize += vsize / 1024
		m.ProcsRSS += rss * page / 1024
		td, err := os.Open("/proc/" + n + "/task")
		if err != nil {
			continue
		}
		tids, _ := td.Readdirnames(-1)
		td.Close()
		for _, t := range tids {
			st, _, _, ok := procStat("/proc/" + n + "/task/" + t + "/stat")
			if !ok {
				continue
			}
			m.TaskTotal++
			switch st {
			case 'R':
				m.TaskRunning++
			case 'S':
				m.TaskSleeping++
			default:
				m.TaskOther++
			}
		}
	}
	m.HasProcs, m.HasTasks = true, true
}

// procStat reads the state, vsize (bytes) and rss (pages) of /proc/<pid>/stat.
func procStat(path string) (state byte, vsize, rss uint64, ok bool) {
	b, err := readSmall(path)
	if err != nil {
		return 0, 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')') // the command may hold spaces and parens
	if i < 0 || i+2 >= len(b) {
		return 0, 0, 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	// f[0] is field 3 (state); vsize is field 23, rss field 24.
	if len(f) < 22 {
		return 0, 0, 0, false
	}
	vsize, _ = strconv.ParseUint(f[20], 10, 64)
	rss, _ = strconv.ParseUint(f[21], 10, 64)
	return f[0][0], vsize, rss, true
}

// primaryAddress returns the first global IPv4 address and its interface,
// asking the kernel over netlink; the loopback address when there is no
// other.
func primaryAddress() (iface, addr string) {
	b, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_INET)
	if err != nil {
		return "", ""
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return "", ""
	}
	var loIface, loAddr string
	for i := range msgs {
		msg := &msgs[i]
		if msg.Header.Type != syscall.RTM_NEWADDR || len(msg.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		ifa := (*syscall.IfAddrmsg)(unsafe.Pointer(&msg.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(msg)
		if err != nil {
			continue
		}
		var ip []byte
		var label string
		for _, a := range attrs {
			switch a.Attr.Type {
			case syscall.IFA_LOCAL:
				ip = a.Value
			case syscall.IFA_ADDRESS:
				if ip == nil {
					ip = a.Value
				}
			case syscall.IFA_LABEL:
				label = strings.TrimRight(string(a.Value), "\x00")
			}
		}
		if len(ip) != 4 {
			continue
		}
		s := strconv.Itoa(int(ip[0])) + "." + strconv.Itoa(int(ip[1])) + "." + strconv.Itoa(int(ip[2])) + "." + strconv.Itoa(int(ip[3]))
		if ip[0] == 127 || ifa.Scope == syscall.RT_SCOPE_HOST {
			if loAddr == "" {
				loIface, loAddr = label, s
			}
			continue
		}
		return label, s
	}
	return loIface, loAddr
}
