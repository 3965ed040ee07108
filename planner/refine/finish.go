package refine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/planner/ewf"
)

// finish drops deleted jobs, orders the workflow, and sets priorities,
// categories, retries and the job file directories.
func (p *planner) finish() error {
	p.wf.Compact()
	order, cyc := p.wf.TopoOrder()
	if cyc != nil {
		return &Error{Err: ErrCycle, Msg: "executable workflow at job " + cyc.Name}
	}
	p.wf.ComputeDepths(order)
	p.res.Order = order
	assign := p.props.Bool("pegasus.job.priority.assign", true)
	retryDef := 1
	if v, ok := p.props.Get("dagman.retry"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			retryDef = n
		}
	} else if v, ok := p.props.Get("pegasus.dagman.retry"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			retryDef = n
		}
	}
	for _, j := range order {
		if assign {
			if v, ok := j.Profiles.Condor.Get("priority"); ok {
				j.Priority, _ = strconv.Atoi(v)
			} else {
				j.Priority = defaultPriority(j)
				j.Profiles.Condor.Set("priority", strconv.Itoa(j.Priority))
			}
		}
		if v, ok := j.Profiles.Dagman.Get("PRIORITY"); ok {
			j.Priority, _ = strconv.Atoi(v)
		}
		if v, ok := j.Profiles.Dagman.Get("CATEGORY"); ok {
			j.Category = v
		} else if !j.Recursive {
			// As Pegasus 5.0.5, the leaf cleanup job (removing the work
			// directory) has no category: only per-file cleanup is throttled.
			j.Category = defaultCategory(j.Type)
		}
		j.Retry = retryDef
		if v, ok := j.Profiles.Dagman.Get("RETRY"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				j.Retry = n
			} else {
				return &Error{File: p.cfg.DAXFile, Err: ErrConfig, Msg: fmt.Sprintf("job %s: dagman RETRY %q is not a number", j.Name, v)}
			}
		}
	}
	// MAXJOBS: 5.x defaults, overridden or extended by dagman.<category>.maxjobs.
	limits := map[string]string{"registration": "1", "stagein": "10", "cleanup": "4", "stageout": "10"}
	catOrder := []string{"registration", "stagein", "cleanup", "stageout"}
	var extra []string
	for _, k := range p.props.Keys() {
		if !strings.HasPrefix(k, "dagman.") {
			continue
		}
		rest := strings.TrimPrefix(k, "dagman.")
		i := strings.LastIndexByte(rest, '.')
		if i <= 0 || !strings.EqualFold(rest[i+1:], "maxjobs") {
			continue
		}
		cat := rest[:i]
		v, _ := p.props.Get(k)
		if _, ok := limits[cat]; !ok {
			extra = append(extra, cat)
		}
		limits[cat] = strings.TrimSpace(v)
	}
	sort.Strings(extra)
	for _, c := range append(catOrder, extra...) {
		p.res.MaxJobs = append(p.res.MaxJobs, [2]string{c, limits[c]})
	}
	// Job file directories.
	mapper := p.props.String("pegasus.dir.submit.mapper", "Hashed")
	switch mapper {
	case "Flat":
	case "Hashed":
		mult := p.props.Int("pegasus.dir.submit.mapper.hashed.multiplier", 5)
		if mult < 1 {
			mult = 1
		}
		per := 256 / mult
		if per < 1 {
			per = 1
		}
		dir := ""
		for i, j := range order {
			if i%per == 0 {
				leaf := i / per
				dir = fmt.Sprintf("%02x/%02x", (leaf/256)%256, leaf%256)
			}
			j.Dir = dir
		}
	default:
		return &Error{Err: ErrConfig, Msg: fmt.Sprintf("pegasus.dir.submit.mapper %q (supported: Hashed, Flat)", mapper)}
	}
	return nil
}

func defaultPriority(j *ewf.Job) int {
	switch j.Type {
	case ewf.CreateDir, ewf.Chmod:
		return 800
	case ewf.StageIn, ewf.InterSite:
		return 700
	case ewf.StageOut:
		return 900
	case ewf.Cleanup:
		return 1000
	}
	// Compute, DAX, DAG and registration jobs (the registration case keeps
	// the missing break of the reference planner, see docs/planner.md).
	return 10 * j.Depth
}

func defaultCategory(t ewf.Type) string {
	switch t {
	case ewf.DAXJob, ewf.DAGJob:
		return "subwf"
	case ewf.Cleanup:
		return "cleanup"
	case ewf.Registration:
		return "registration"
	case ewf.StageIn:
		return "stagein"
	case ewf.StageOut:
		return "stageout"
	case ewf.InterSite:
		return "stageinter"
	}
	return ""
}

// jobFile returns the absolute path of a file of job j with suffix ext.
func (p *planner) jobFile(j *ewf.Job, ext string) string {
	if j.Dir == "" {
		return p.cfg.SubmitDir + "/" + j.Name + ext
	}
	return p.cfg.SubmitDir + "/" + j.Dir + "/" + j.Name + ext
}

// relJobFile returns the submit-dir-relative path of a job file.
func relJobFile(j *ewf.Job, ext string) string {
	if j.Dir == "" {
		return j.Name + ext
	}
	return j.Dir + "/" + j.Name + ext
}
