package refine

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/planner/catalog/rc"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

func isFileURL(u string) bool { return strings.HasPrefix(u, "file:") || strings.HasPrefix(u, "/") }

func fileURL(u string) string {
	if strings.HasPrefix(u, "/") {
		return "file://" + u
	}
	return u
}

// selectReplicas orders the replicas of a file for a transfer that runs on
// runSite for a job on execSite, per pegasus.selector.replica (§1.7).
func (p *planner) selectReplicas(reps []*rc.Replica, runSite, execSite string) ([]ewf.URL, error) {
	sel := p.props.String("pegasus.selector.replica", "Default")
	usable := make([]*rc.Replica, 0, len(reps))
	for _, r := range reps {
		if isFileURL(r.PFN) && r.Site() != runSite {
			continue
		}
		usable = append(usable, r)
	}
	var out []*rc.Replica
	switch sel {
	case "Default":
		var a, b, c []*rc.Replica
		for _, r := range usable {
			switch {
			case isFileURL(r.PFN):
				a = append(a, r)
			case r.Site() == execSite:
				b = append(b, r)
			default:
				c = append(c, r)
			}
		}
		out = append(append(a, b...), c...)
	case "Regex":
		type rk struct {
			n  int
			re *regexp.Regexp
		}
		var ranks []rk
		for _, k := range p.props.WithPrefix("pegasus.selector.replica.regex.rank.") {
			n, err := strconv.Atoi(strings.TrimPrefix(k, "pegasus.selector.replica.regex.rank."))
			if err != nil {
				return nil, &Error{Err: ErrConfig, Msg: fmt.Sprintf("property %s: rank is not an integer", k)}
			}
			v, _ := p.props.Get(k)
			re, err := regexp.Compile(v)
			if err != nil {
				return nil, &Error{Err: ErrConfig, Msg: fmt.Sprintf("property %s: %v", k, err)}
			}
			ranks = append(ranks, rk{n, re})
		}
		sort.SliceStable(ranks, func(i, k int) bool { return ranks[i].n < ranks[k].n })
		rankOf := func(r *rc.Replica) int {
			for _, x := range ranks {
				if x.re.MatchString(r.PFN) {
					return x.n
				}
			}
			return int(^uint(0) >> 1)
		}
		out = append(out, usable...)
		sort.SliceStable(out, func(i, k int) bool { return rankOf(out[i]) < rankOf(out[k]) })
	case "Restricted":
		prefer := p.siteList("pegasus.selector.replica." + execSite + ".prefer.stagein.sites")
		if len(prefer) == 0 {
			prefer = p.siteList("pegasus.selector.replica.*.prefer.stagein.sites")
		}
		ignore := p.siteList("pegasus.selector.replica." + execSite + ".ignore.stagein.sites")
		if len(ignore) == 0 {
			ignore = p.siteList("pegasus.selector.replica.*.ignore.stagein.sites")
		}
		var pref, rest []*rc.Replica
		for _, r := range usable {
			switch {
			case prefer[r.Site()]:
				pref = append(pref, r)
			case ignore[r.Site()]:
			default:
				rest = append(rest, r)
			}
		}
		if len(pref) > 1 {
			k := p.rng.IntN(len(pref))
			pref[0], pref[k] = pref[k], pref[0]
		}
		out = append(pref, rest...)
	case "Local":
		for _, r := range reps {
			if r.Site() == "local" && isFileURL(r.PFN) {
				out = append(out, r)
			}
		}
	default:
		return nil, &Error{Err: ErrConfig, Msg: fmt.Sprintf("pegasus.selector.replica %q (supported: Default, Regex, Restricted, Local)", sel)}
	}
	urls := make([]ewf.URL, 0, len(out))
	for _, r := range out {
		urls = append(urls, ewf.URL{Site: r.Site(), URL: fileURL(r.PFN)})
	}
	return urls, nil
}

func (p *planner) siteList(key string) map[string]bool {
	v := p.props.String(key, "")
	if v == "" {
		return nil
	}
	m := map[string]bool{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}
