package synth

import "fmt"

// host is an execution (or the submit) machine, as kickstart describes it.
type host struct {
	name    string
	ip      string
	iface   string
	cpus    int
	speed   int
	vendor  string
	model   string
	release string
	ram     int64 // KiB
	swap    int64 // KiB
	pidBase int64
}

// hosts is the simulated pool: slotsPerHost slots on each execution host.
type hosts struct {
	exec   []host
	submit host
}

const slotsPerHost = 4

var cpuModels = []struct {
	vendor, model string
	speed         int
}{
	{"GenuineIntel", "Intel(R) Xeon(R) CPU E5-2620 0 @ 2.00GHz", 2000},
	{"GenuineIntel", "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 2100},
	{"GenuineIntel", "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", 2200},
	{"AuthenticAMD", "AMD EPYC 7302 16-Core Processor", 3000},
	{"AuthenticAMD", "AMD EPYC 7543 32-Core Processor", 2800},
}

var kernels = []string{"4.18.0-425.10.1.el8_7.x86_64", "4.18.0-372.32.1.el8_6.x86_64", "5.14.0-162.6.1.el9_1.x86_64"}

func newHosts(c *config) *hosts {
	r := newRNG(c.Seed, streamPlan, 1, 0)
	n := (c.Slots + slotsPerHost - 1) / slotsPerHost
	hs := &hosts{}
	for i := 0; i < n; i++ {
		m := cpuModels[r.intn(len(cpuModels))]
		cpus := []int{8, 16, 24, 32, 48}[r.intn(5)]
		hs.exec = append(hs.exec, host{
			name:    fmt.Sprintf("node%03d.cluster.synth.example.org", i+1),
			ip:      fmt.Sprintf("10.21.%d.%d", i/250, i%250+1),
			iface:   []string{"eth0", "ens3", "enp129s0"}[r.intn(3)],
			cpus:    cpus,
			speed:   m.speed + int(r.between(-150, 500)),
			vendor:  m.vendor,
			model:   m.model,
			release: kernels[r.intn(len(kernels))],
			ram:     int64(cpus) * 4 * 1024 * 1024 * (95 + r.between(0, 4)) / 100,
			swap:    4 * 1024 * 1024,
			pidBase: r.between(20000, 900000),
		})
	}
	hs.submit = host{
		name: submitHostName, ip: submitHostIP, iface: "enp129s0", cpus: 24, speed: 2500,
		vendor: "GenuineIntel", model: "Intel(R) Xeon(R) CPU E5-2620 0 @ 2.00GHz",
		release: kernels[0], ram: 65653728, swap: 20971516, pidBase: r.between(20000, 900000),
	}
	return hs
}

// of returns the host a try ran on: the execution host of its slot, or the
// submit host for local-universe jobs.
func (hs *hosts) of(slot int32) *host {
	if slot < 0 {
		return &hs.submit
	}
	return &hs.exec[int(slot)/slotsPerHost]
}
