package analyzer

import (
	"sort"
	"strings"
)

// Finish diagnoses every failed, failing, earlier and held job of the
// workflow and groups the failures by signature and by host. The readers
// call it; a workflow built by hand needs it before it is written.
func (w *Workflow) Finish() {
	m := newMatcher(signatures)
	for _, h := range w.Held {
		h.Cause = m.diagnoseHeld(h)
	}
	byKey := map[string]*Group{}
	var groups []*Group
	add := func(ji *JobInstance, earlier bool) {
		ji.Cause = m.diagnose(ji)
		c := &ji.Cause
		key := c.Kind + "\x00" + c.Transformation + "\x00" + c.Exit + "\x00" + maskDigits(c.FirstLine)
		g := byKey[key]
		if g == nil {
			g = &Group{Kind: c.Kind, Meaning: c.Meaning, Transformation: c.Transformation, Exit: c.Exit,
				FirstLine: c.FirstLine, Hosts: map[string]int{}, key: key}
			byKey[key] = g
			groups = append(groups, g)
		}
		if earlier {
			g.Earlier = append(g.Earlier, ji)
		} else {
			g.Jobs = append(g.Jobs, ji)
		}
		g.Hosts[ji.host()]++
	}
	for _, set := range [][]*JobInstance{w.Failed, w.Failing} {
		for _, ji := range set {
			add(ji, false)
		}
	}
	for _, ji := range w.Earlier {
		add(ji, true)
	}
	// Most failed jobs first, then most failed tries; ties keep the order
	// of first appearance.
	sort.SliceStable(groups, func(i, j int) bool {
		if len(groups[i].Jobs) != len(groups[j].Jobs) {
			return len(groups[i].Jobs) > len(groups[j].Jobs)
		}
		return len(groups[i].Earlier) > len(groups[j].Earlier)
	})
	hosts := map[string]*HostGroup{}
	var hostList []*HostGroup
	for i, g := range groups {
		g.N = i + 1
		for _, set := range [][]*JobInstance{g.Jobs, g.Earlier} {
			for _, ji := range set {
				ji.Group = g.N
				h := ji.host()
				hg := hosts[h]
				if hg == nil {
					hg = &HostGroup{Host: h}
					hosts[h] = hg
					hostList = append(hostList, hg)
				}
				if ji.Role == RoleEarlier {
					hg.Earlier++
				} else {
					hg.Jobs++
				}
				if n := len(hg.Groups); n == 0 || hg.Groups[n-1] != g.N {
					hg.Groups = append(hg.Groups, g.N)
				}
			}
		}
	}
	for _, hg := range hostList {
		sort.Ints(hg.Groups)
		hg.Groups = uniqInts(hg.Groups)
	}
	sort.SliceStable(hostList, func(i, j int) bool {
		if hostList[i].Jobs != hostList[j].Jobs {
			return hostList[i].Jobs > hostList[j].Jobs
		}
		if hostList[i].Earlier != hostList[j].Earlier {
			return hostList[i].Earlier > hostList[j].Earlier
		}
		return hostList[i].Host < hostList[j].Host
	})
	w.Groups, w.Hosts = groups, hostList
}

// host is the execution host of a try: the recorded one, else the one an
// HTCondor hold reason names ("Error from slot1_2@node8.example.org: ..."),
// else "-".
func (ji *JobInstance) host() string {
	if ji.Hostname != "" && ji.Hostname != "-" {
		return ji.Hostname
	}
	for _, t := range ji.Tasks {
		if t.Hostname != "" && t.Hostname != "-" {
			return t.Hostname
		}
	}
	for _, r := range ji.HoldReasons {
		if h := holdHost(r); h != "" {
			return h
		}
	}
	return "-"
}

// holdHost extracts the machine from "Error from slot1_2@host: ...".
func holdHost(reason string) string {
	const from = "Error from "
	i := strings.Index(reason, from)
	if i < 0 {
		return ""
	}
	s := reason[i+len(from):]
	end := strings.IndexAny(s, ": ")
	if end < 0 {
		return ""
	}
	s = s[:end]
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		s = s[at+1:]
	}
	return s
}

func uniqInts(a []int) []int {
	out := a[:0]
	for i, v := range a {
		if i == 0 || v != a[i-1] {
			out = append(out, v)
		}
	}
	return out
}
