package refine

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/ewf"
)

// tcTool returns the installed path of the first of tcNames the
// transformation catalog has on site s.
func (p *planner) tcTool(s string, tcNames ...string) (string, bool) {
	if p.cfg.TC == nil {
		return "", false
	}
	for _, n := range tcNames {
		for _, e := range p.cfg.TC.Lookup(n, s) {
			if e.Type == tc.Installed {
				return strings.TrimPrefix(e.PFN, "file://"), true
			}
		}
	}
	return "", false
}

// tool returns the path of a Pegasus tool on site s: from the transformation
// catalog, else $PEGASUS_HOME/bin of the site, else the planner's directory.
func (p *planner) tool(s, bin string, tcNames ...string) string {
	if pth, ok := p.tcTool(s, tcNames...); ok {
		return pth
	}
	if st := p.cfg.Sites.Site(s); st != nil {
		if ph, ok := st.Env("PEGASUS_HOME"); ok && ph != "" {
			return path.Join(ph, "bin", bin)
		}
	}
	return filepath.Join(p.cfg.BinDir, bin)
}

func (p *planner) kickstart(s string) string {
	for i := len(p.cfg.Sites.Site(s).Profiles) - 1; i >= 0; i-- {
		pr := p.cfg.Sites.Site(s).Profiles[i]
		if pr.Namespace == "pegasus" && pr.Key == "gridstart.path" {
			return pr.Value
		}
	}
	return p.tool(s, "pegasus-kickstart", "pegasus::kickstart")
}

func (p *planner) planTime() string { return p.cfg.PlanTime.Format("2006-01-02T15:04:05-07:00") }

func (p *planner) label() string {
	return p.props.String("pegasus.gridstart.label", p.cfg.DAX.Name)
}

// ksArgs builds the kickstart arguments in the order of PLANNER.md §3.4.
func (p *planner) ksArgs(j *ewf.Job, taskID, stdin string, app string, appArgs string) string {
	var b strings.Builder
	b.WriteString("-n ")
	b.WriteString(j.XForm)
	b.WriteString(" -N ")
	if taskID == "" {
		b.WriteString("null")
	} else {
		b.WriteString(taskID)
	}
	if stdin != "" {
		b.WriteString(" -i ")
		b.WriteString(stdin)
	}
	if j.Stdout != "" && j.Type == ewf.Compute && !j.Clustered() {
		b.WriteString(" -o " + j.Stdout)
	}
	if j.Stderr != "" && j.Type == ewf.Compute && !j.Clustered() {
		b.WriteString(" -e " + j.Stderr)
	}
	b.WriteString(" -R ")
	b.WriteString(j.Site)
	if j.Stageable {
		b.WriteString(" -X")
	}
	if v, ok := j.Profiles.Pegasus.Get("gridstart.arguments"); ok && v != "" {
		b.WriteString(" " + v)
	}
	b.WriteString(" -L ")
	b.WriteString(p.label())
	b.WriteString(" -T ")
	b.WriteString(p.planTime())
	b.WriteString(" ")
	b.WriteString(app)
	if appArgs != "" {
		b.WriteString(" ")
		b.WriteString(appArgs)
	}
	return b.String()
}

func (p *planner) pegasusLite() bool { return p.cfg.DataConfig != SharedFS }

// wrap decides executables, arguments, submit keys, .in and .sh contents.
// Jobs are wrapped independently, so the work is shared by a few
// goroutines; the caches they read (work directories, the transformation
// catalog index) are filled first.
func (p *planner) wrap() error {
	w := &wrapper{
		exitcode: p.tool("local", "pegasus-exitcode", "pegasus::exitcode", "pegasus::pegasus-exitcode"),
		scope:    strings.ToLower(p.props.String("dagman.post.scope", "all")),
		log:      path.Join(p.cfg.SubmitDir, p.cfg.Basename+".log"),
	}
	for _, j := range p.res.Order {
		if j.Staging != "" {
			if _, err := p.workDir(j.Staging); err != nil && j.Type == ewf.Compute {
				return err
			}
		}
	}
	if p.cfg.TC != nil {
		p.cfg.TC.Lookup("", "") // builds the index before the goroutines read it
	}
	jobs := p.res.Order
	const chunk = 256
	workers := min(runtime.GOMAXPROCS(0), (len(jobs)+chunk-1)/chunk, 4)
	if workers <= 1 {
		for _, j := range jobs {
			if err := p.wrapOne(w, j); err != nil {
				return err
			}
		}
		return p.ctx.Err()
	}
	var next atomic.Int64
	errs := make([]error, len(jobs)/chunk+1)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				lo := c * chunk
				if lo >= len(jobs) || p.ctx.Err() != nil {
					return
				}
				for _, j := range jobs[lo:min(lo+chunk, len(jobs))] {
					if err := p.wrapOne(w, j); err != nil {
						errs[c] = err
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := p.ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err // the first in job order
		}
	}
	return nil
}

// wrapper holds what every job's wrapping shares.
type wrapper struct {
	exitcode, scope, log string
}

// wrapOne wraps job j; it only changes j.
func (p *planner) wrapOne(w *wrapper, j *ewf.Job) error {
	basename := p.cfg.Basename
	c := &j.Profiles.Condor
	for _, k := range []string{"arguments", "environment", "executable"} {
		c.Delete(k)
	}
	c.Grow(20) // the keys wrapping sets, in one allocation
	switch j.Type {
	case ewf.DAXJob, ewf.DAGJob:
		return p.wrapSub(j)
	case ewf.Compute:
		if err := p.wrapCompute(j); err != nil {
			return err
		}
	default:
		p.wrapAux(j)
	}
	c.SetDefault("notification", "NEVER")
	c.SetDefault("periodic_release", "False")
	c.SetDefault("periodic_remove", "(JobStatus == 5) && ((CurrentTime - EnteredCurrentStatus) > 1800)")
	c.Set("submit_event_user_notes", "pool:"+j.Site)
	c.SetDefault("transfer_executable", "false")
	c.Set("output", p.jobFile(j, ".out"))
	c.Set("error", p.jobFile(j, ".err"))
	c.Set("log", w.log)
	// POST script.
	post := true
	switch {
	case w.scope == "none", j.NoGrid && j.Type != ewf.Compute:
		post = false
	case w.scope == "essential" && j.Type == ewf.Registration:
		post = false
	}
	if v, ok := j.Profiles.Dagman.Get("POST"); ok {
		if strings.EqualFold(v, "none") {
			post = false
		} else if pth := p.props.String("dagman.post.path."+v, j.Profiles.Dagman.Value("POST.PATH."+strings.ToUpper(v))); pth != "" {
			j.PostScript = pth + " " + j.Profiles.Dagman.Value("POST.ARGUMENTS") + " .//" + relJobFile(j, ".out")
			return nil
		}
	}
	if post {
		// As Pegasus 5.x: PegasusLite jobs must report their exit code, and
		// output metadata goes to the workflow's .cache.meta.
		// The spacing is the 5.0.5 planner's: "<exitcode>  <args>   .//<out>".
		args := "-r $RETURN"
		if j.Type == ewf.Compute && p.pegasusLite() {
			args += " -s PegasusLite:+exitcode+0"
		}
		args += " -l " + basename + ".exitcode.log -M " + basename + ".cache.meta"
		if a := j.Profiles.Dagman.Value("POST.ARGUMENTS"); a != "" {
			args += " " + a
		}
		j.PostScript = w.exitcode + "  " + args + "   .//" + relJobFile(j, ".out")
	}
	if v, ok := j.Profiles.Dagman.Get("PRE"); ok && v != "" {
		j.PreScript = strings.TrimSpace(v + " " + j.Profiles.Dagman.Value("PRE.ARGUMENTS"))
	}
	return nil
}

// dirTool returns the tool of a create-dir or cleanup job on site s: the
// transformation catalog's entry for tcNames, else pegasus-transfer.
func (p *planner) dirTool(s string, tcNames ...string) string {
	if pth, ok := p.tcTool(s, tcNames...); ok {
		return pth
	}
	return p.tool(s, "pegasus-transfer", "pegasus::transfer", "pegasus::pegasus-transfer")
}

func (p *planner) setUniverse(j *ewf.Job, def string) {
	if v, ok := j.Profiles.Condor.Get("universe"); ok && v != "" {
		return
	}
	j.Profiles.Condor.Set("universe", def)
}

func universeFor(s string) string {
	if s == "local" {
		return "local"
	}
	return "vanilla"
}

// wrapAux wraps a transfer, registration, create-dir or cleanup job in kickstart.
func (p *planner) wrapAux(j *ewf.Job) {
	c := &j.Profiles.Condor
	p.setUniverse(j, universeFor(j.Site))
	var app, appArgs string
	stdin := false
	switch j.Type {
	case ewf.StageIn, ewf.StageOut, ewf.InterSite:
		app = p.tool(j.Site, "pegasus-transfer", "pegasus::transfer", "pegasus::pegasus-transfer")
		stdin = true
		j.InBody = transferJSON(j.Transfers)
	case ewf.Registration:
		app = p.tool(j.Site, "pegasus-rc-client", "pegasus::rc-client", "pegasus::pegasus-rc-client")
		appArgs = "--conf " + p.cfg.PropsFile + " --insert " + p.jobFile(j, ".in")
		var b bytes.Buffer
		for _, l := range j.RegLines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		j.InBody = b.Bytes()
	case ewf.CreateDir:
		if j.NoGrid {
			// HourGlass dummy: a no-op DAGMan node.
			app = "/bin/true"
			break
		}
		// As Pegasus 5.x: pegasus-transfer makes the directory from a
		// "mkdir" entry on stdin, unless the transformation catalog names
		// a dirmanager (pegasus-dirmanager reads the same entries).
		app = p.dirTool(j.Site, "pegasus::dirmanager", "pegasus::pegasus-dirmanager")
		stdin = true
		j.InBody = dirJSON("mkdir", j.CleanupURLs, false)
	case ewf.Cleanup:
		// pegasus-transfer removes the files ("remove" entries), or the
		// whole work directory for the leaf cleanup job, unless the
		// transformation catalog names a cleanup tool (pegasus-cleanup).
		app = p.dirTool(j.Site, "pegasus::cleanup", "pegasus::pegasus-cleanup")
		stdin = true
		j.InBody = dirJSON("remove", j.CleanupURLs, j.Recursive)
	}
	if j.NoGrid {
		c.Set("executable", app)
		c.Set("arguments", appArgs)
		return
	}
	in := ""
	if stdin {
		in = "-"
		c.Set("input", p.jobFile(j, ".in"))
	}
	c.Set("executable", p.kickstart(j.Site))
	c.Set("arguments", p.ksArgs(j, "", in, app, appArgs))
	if j.Site != "local" {
		c.SetDefault("should_transfer_files", "YES")
		c.SetDefault("when_to_transfer_output", "ON_EXIT")
	}
}

// wrapCompute wraps a compute (or clustered) job: kickstart in sharedfs,
// a PegasusLite script otherwise.
func (p *planner) wrapCompute(j *ewf.Job) error {
	c := &j.Profiles.Condor
	wd, err := p.workDir(j.Staging)
	if err != nil {
		return err
	}
	exe := j.Executable
	if j.Stageable {
		if p.pegasusLite() {
			exe = "./" + j.Executable
		} else {
			exe = path.Join(wd, j.Executable)
		}
	}
	var app, appArgs, taskID, stdin string
	if j.Clustered() {
		app = p.tool(j.Site, "pegasus-cluster", "pegasus::pegasus-cluster", "pegasus::seqexec")
		if p.props.Bool("pegasus.clusterer.job.aggregator.seqexec.firstjobfail", true) {
			appArgs = "-f"
		}
		stdin = "-"
	} else {
		app, appArgs, taskID, stdin = exe, j.Arguments, j.TaskID(), j.Stdin
	}
	ks := p.kickstart(j.Site)
	var cmd string
	if j.Clustered() {
		// The aggregator is not wrapped: each task line carries kickstart.
		cmd = strings.TrimSpace(app + " " + appArgs)
		j.InBody = p.clusterBody(j, ks)
	} else {
		cmd = ks + " " + p.ksArgs(j, taskID, stdin, app, appArgs)
	}
	if !p.pegasusLite() {
		p.setUniverse(j, universeFor(j.Site))
		exeField, args, _ := strings.Cut(cmd, " ")
		c.Set("executable", exeField)
		c.Set("arguments", args)
		if j.Clustered() {
			c.Set("input", p.jobFile(j, ".in"))
		}
		if v := c.Value("universe"); v == "local" || v == "scheduler" {
			c.Set("initialdir", wd)
		} else {
			c.Set("remote_initialdir", wd)
		}
		return nil
	}
	// PegasusLite.
	p.setUniverse(j, "vanilla")
	c.Set("executable", p.jobFile(j, ".sh"))
	c.Set("transfer_executable", "true")
	c.SetDefault("should_transfer_files", "YES")
	c.SetDefault("when_to_transfer_output", "ON_EXIT")
	if j.Clustered() {
		c.Set("input", p.jobFile(j, ".in"))
	}
	script, err := p.liteScript(j, cmd)
	if err != nil {
		return err
	}
	j.Script = script
	if p.cfg.DataConfig == CondorIO {
		c.Set("initialdir", wd)
		var ins, outs, remaps []string
		for _, f := range j.Inputs {
			if f.Bypass != "" {
				ins = append(ins, strings.TrimPrefix(f.Bypass, "file://"))
			} else {
				ins = append(ins, f.LFN)
			}
		}
		if j.WorkerPackage != "" {
			ins = append(ins, path.Join(p.cfg.SubmitDir, j.WorkerPackage))
		}
		ins = append(ins, path.Join(p.cfg.SubmitDir, "braindump.yml"))
		for _, f := range j.Outputs {
			outs = append(outs, f.LFN)
			if f.Bypass != "" {
				remaps = append(remaps, f.LFN+" = "+strings.TrimPrefix(f.Bypass, "file://"))
			}
		}
		if len(ins) > 0 {
			c.Set("transfer_input_files", strings.Join(ins, ","))
		}
		if len(outs) > 0 {
			c.Set("transfer_output_files", strings.Join(outs, ","))
		}
		if len(remaps) > 0 {
			c.Set("transfer_output_remaps", `"`+strings.Join(remaps, ";")+`"`)
		}
	}
	return nil
}

// clusterBody renders the task lines of a clustered job for pegasus-cluster.
func (p *planner) clusterBody(j *ewf.Job, ks string) []byte {
	var b bytes.Buffer
	wd, _ := p.workDir(j.Staging)
	for _, m := range j.Members {
		exe := m.Executable
		if m.Stageable {
			if p.pegasusLite() {
				exe = "./" + m.Executable
			} else {
				exe = path.Join(wd, m.Executable)
			}
		}
		fmt.Fprintf(&b, "#@ %s %s %s\n", m.TaskID(), m.XForm, m.TaskID())
		b.WriteString(ks)
		b.WriteByte(' ')
		b.WriteString(p.ksArgs(m, m.TaskID(), m.Stdin, exe, m.Arguments))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// transferJSON renders transfers in the pegasus-transfer 5.x JSON format.
func transferJSON(ts []ewf.Transfer) []byte {
	b := make([]byte, 0, 64+len(ts)*320)
	b = append(b, "[\n"...)
	for i, t := range ts {
		if i > 0 {
			b = append(b, " ,\n"...)
		}
		b = append(b, " { \"type\": \"transfer\",\n   \"linkage\": "...)
		b = appendJSONString(b, t.Linkage)
		b = append(b, ",\n   \"lfn\": "...)
		b = appendJSONString(b, t.LFN)
		b = append(b, ",\n   \"id\": "...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, ",\n   \"src_urls\": [\n"...)
		for k, src := range t.Src {
			b = append(b, "     { \"site_label\": "...)
			b = appendJSONString(b, src.Site)
			b = append(b, ", \"url\": "...)
			b = appendJSONString(b, src.URL)
			b = append(b, ", \"priority\": "...)
			b = strconv.AppendInt(b, int64(100-k), 10)
			b = append(b, " }"...)
			if k < len(t.Src)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "   ],\n   \"dest_urls\": [\n     { \"site_label\": "...)
		b = appendJSONString(b, t.Dst.Site)
		b = append(b, ", \"url\": "...)
		b = appendJSONString(b, t.Dst.URL)
		b = append(b, " }\n   ] }\n"...)
	}
	return append(b, "]\n"...)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// dirJSON renders mkdir or remove entries for pegasus-transfer, in the
// layout of Pegasus 5.x create-dir and cleanup jobs.
func dirJSON(typ string, urls []ewf.URL, recursive bool) []byte {
	b := make([]byte, 0, 16+len(urls)*160)
	b = append(b, "[\n"...)
	for i, u := range urls {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, "  {\n    \"id\": "...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, ",\n    \"type\": "...)
		b = appendJSONString(b, typ)
		b = append(b, ",\n    \"target\": { \"site_label\": "...)
		b = appendJSONString(b, u.Site)
		b = append(b, ", \"url\": "...)
		b = appendJSONString(b, u.URL)
		if recursive {
			b = append(b, `, "recursive": "True"`...)
		}
		b = append(b, " } }"...)
	}
	return append(b, "\n]\n"...)
}

// shQuote quotes s for bash.
func shQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r == '=' || r == ',' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// liteScript renders the PegasusLite wrapper of job j: make a work directory
// on the worker, pull the inputs, run the task, push the outputs, clean up.
func (p *planner) liteScript(j *ewf.Job, cmd string) ([]byte, error) {
	var b bytes.Buffer
	transfer := p.tool(j.Site, "pegasus-transfer", "pegasus::transfer", "pegasus::pegasus-transfer")
	condorio := p.cfg.DataConfig == CondorIO
	b.WriteString("#!/bin/bash\n")
	b.WriteString("# PEGASUS WMS GENERATED PEGASUSLITE WRAPPER\n")
	fmt.Fprintf(&b, "# job %s, workflow %s-%d, data configuration %s\n", j.Name, p.cfg.DAX.Name, p.cfg.DAX.Index, p.cfg.DataConfig)
	b.WriteString("set -e\n\n")
	b.WriteString("pegasus_lite_log() { printf '%s [PegasusLite] %s\\n' \"$(date +%Y-%m-%dT%H:%M:%S)\" \"$*\" 1>&2; }\n\n")
	if condorio {
		b.WriteString("# HTCondor transferred the inputs into the job's scratch directory.\n")
		b.WriteString("pegasus_lite_work_dir=\"$PWD\"\n")
		b.WriteString("pegasus_lite_cleanup() { :; }\n")
	} else {
		b.WriteString("# work directory on the worker node\n")
		b.WriteString("pegasus_lite_start_dir=\"$PWD\"\n")
		b.WriteString("pegasus_lite_work_dir=$(mktemp -d \"${_CONDOR_SCRATCH_DIR:-${TMPDIR:-/tmp}}/pegasus.XXXXXXXXXX\")\n")
		b.WriteString("pegasus_lite_cleanup() { cd \"$pegasus_lite_start_dir\" && rm -rf \"$pegasus_lite_work_dir\"; }\n")
	}
	b.WriteString("trap pegasus_lite_cleanup EXIT\n")
	b.WriteString("trap 'exit 130' INT\ntrap 'exit 143' TERM\n")
	b.WriteString("cd \"$pegasus_lite_work_dir\"\n")
	b.WriteString("pegasus_lite_log \"work directory $pegasus_lite_work_dir on $(hostname)\"\n\n")
	if !condorio {
		var ins []ewf.Transfer
		if j.WorkerPackage != "" {
			u, err := p.workURL(j.Staging, j.WorkerPackage, "get")
			if err != nil {
				return nil, err
			}
			ins = append(ins, ewf.Transfer{LFN: workerLFN, Linkage: "input", Src: []ewf.URL{{Site: j.Staging, URL: u}}, Dst: ewf.URL{Site: j.Site, URL: "file://$pegasus_lite_work_dir/" + j.WorkerPackage}})
		}
		for _, f := range j.Inputs {
			src := f.Bypass
			site := j.Site
			if src == "" {
				u, err := p.workURL(j.Staging, f.LFN, "get")
				if err != nil {
					return nil, err
				}
				src, site = u, j.Staging
			}
			ins = append(ins, ewf.Transfer{LFN: f.LFN, Linkage: "input", Src: []ewf.URL{{Site: site, URL: src}}, Dst: ewf.URL{Site: j.Site, URL: "file://$pegasus_lite_work_dir/" + f.LFN}})
		}
		if len(ins) > 0 {
			b.WriteString("pegasus_lite_log 'staging in input data'\n")
			fmt.Fprintf(&b, "%s 1>&2 << 'PEGASUS_LITE_EOF'\n", shQuote(transfer))
			b.Write(bytes.ReplaceAll(transferJSON(ins), []byte("$pegasus_lite_work_dir"), []byte("@WORKDIR@")))
			b.WriteString("PEGASUS_LITE_EOF\n\n")
		}
	}
	if j.WorkerPackage != "" {
		b.WriteString("# the Pegasus worker package: its tools come first on PATH\n")
		fmt.Fprintf(&b, "tar xzf %s\n", shQuote(j.WorkerPackage))
		b.WriteString("for d in \"$pegasus_lite_work_dir\"/pegasus-*/bin; do [ -d \"$d\" ] && PATH=\"$d:$PATH\"; done\nexport PATH\n\n")
	}
	var exes []string
	for _, f := range j.Inputs {
		if f.Executable {
			exes = append(exes, f.LFN)
		}
	}
	if len(exes) > 0 {
		b.WriteString("# set the x bit of staged executables\n")
		for _, e := range exes {
			fmt.Fprintf(&b, "chmod +x %s\n", shQuote(e))
		}
		b.WriteString("\n")
	}
	b.WriteString("pegasus_lite_log 'running the task'\n")
	b.WriteString("set +e\n")
	b.WriteString(cmd)
	b.WriteString("\njob_ec=$?\nset -e\n")
	b.WriteString("pegasus_lite_log \"task exited with $job_ec\"\n\n")
	if !condorio {
		var outs []ewf.Transfer
		for _, f := range j.Outputs {
			dst := f.Bypass
			site := p.cfg.OutputSite
			if dst == "" {
				u, err := p.workURL(j.Staging, f.LFN, "put")
				if err != nil {
					return nil, err
				}
				dst, site = u, j.Staging
			}
			outs = append(outs, ewf.Transfer{LFN: f.LFN, Linkage: "output", Src: []ewf.URL{{Site: j.Site, URL: "file://@WORKDIR@/" + f.LFN}}, Dst: ewf.URL{Site: site, URL: dst}})
		}
		if len(outs) > 0 {
			b.WriteString("if [ $job_ec -eq 0 ]; then\n")
			b.WriteString("    pegasus_lite_log 'staging out output data'\n")
			fmt.Fprintf(&b, "    %s 1>&2 << 'PEGASUS_LITE_EOF'\n", shQuote(transfer))
			b.Write(transferJSON(outs))
			b.WriteString("PEGASUS_LITE_EOF\nfi\n\n")
		}
	}
	// As PegasusLite: the last stderr line gives the task's exit code, which
	// pegasus-exitcode checks (-s PegasusLite:+exitcode+0).
	b.WriteString("echo \"PegasusLite: exitcode $job_ec\" 1>&2\n")
	b.WriteString("exit $job_ec\n")
	return p.expandWorkdir(b.Bytes()), nil
}

// expandWorkdir turns the quoted here-documents that mention @WORKDIR@ into
// unquoted ones where $pegasus_lite_work_dir expands.
func (p *planner) expandWorkdir(s []byte) []byte {
	if !bytes.Contains(s, []byte("@WORKDIR@")) {
		return s
	}
	lines := bytes.Split(s, []byte("\n"))
	for i, l := range lines {
		if bytes.HasSuffix(l, []byte("<< 'PEGASUS_LITE_EOF'")) {
			// Look ahead: does this document mention the work dir?
			for k := i + 1; k < len(lines) && !bytes.Equal(lines[k], []byte("PEGASUS_LITE_EOF")); k++ {
				if bytes.Contains(lines[k], []byte("@WORKDIR@")) {
					lines[i] = bytes.Replace(l, []byte("<< 'PEGASUS_LITE_EOF'"), []byte("<< PEGASUS_LITE_EOF"), 1)
					break
				}
			}
		}
		lines[i] = bytes.ReplaceAll(lines[i], []byte("@WORKDIR@"), []byte("${pegasus_lite_work_dir}"))
	}
	return bytes.Join(lines, []byte("\n"))
}

// wrapSub prepares a DAX job (PRE script planning the sub-workflow, SUBDAG
// node) or a DAG job (SUBDAG node).
func (p *planner) wrapSub(j *ewf.Job) error {
	t := j.Task
	file, err := p.resolveSubFile(j)
	if err != nil {
		return err
	}
	if j.Type == ewf.DAGJob {
		dir := j.Profiles.Dagman.Value("DIR")
		j.Sub = &ewf.SubWorkflow{File: file, DAGFile: file, SubmitDir: dir}
		return nil
	}
	sub := sanitize(baseNoExt(t.File) + "_" + t.ID)
	relSubmit := path.Join(j.Dir, sub)
	submitDir := path.Join(p.cfg.SubmitDir, relSubmit)
	userArgs := strings.Fields(t.Argument)
	basename := ""
	has := map[string]bool{}
	for i, a := range userArgs {
		name, val, _ := strings.Cut(a, "=")
		has[name] = true
		if (name == "--basename" || name == "-b") && val == "" && i+1 < len(userArgs) {
			basename = userArgs[i+1]
		} else if name == "--basename" {
			basename = val
		}
	}
	if basename == "" {
		basename = sanitize(baseNoExt(t.File))
	}
	var args []string
	args = append(args, "-Dpegasus.log.*="+p.jobFile(j, ".pre.log"), "-Dpegasus.workflow.root.uuid="+p.cfg.RootUUID,
		"-Dpegasus.register=false")
	if !has["--conf"] {
		args = append(args, "--conf", p.cfg.PropsFile)
	}
	args = append(args, userArgs...)
	args = append(args, "--dir", p.cfg.BaseDir,
		"--relative-submit-dir", path.Join(p.cfg.RelSubmit, relSubmit),
		"--relative-dir", path.Join(p.cfg.RemoteRel, sub))
	if !has["--basename"] && !has["-b"] {
		args = append(args, "--basename", basename)
	}
	if !has["--sites"] && !has["-s"] && len(p.cfg.ExecSites) > 0 {
		args = append(args, "--sites", strings.Join(p.cfg.ExecSites, ","))
	}
	// The sub-workflow's outputs land in this workflow's work directory.
	wd, err := p.workDir(j.Staging)
	if err != nil {
		return err
	}
	args = append(args, "--output-site", j.Staging, "--output-dir", wd)
	args = append(args, "--cache", path.Join(p.cfg.SubmitDir, p.cfg.Basename+".cache"))
	if len(p.cfg.DAX.Files) > 0 {
		args = append(args, "--inherited-rc-files", path.Join(p.cfg.SubmitDir, p.cfg.Basename+".replica.store"))
	}
	if !has["--cleanup"] {
		args = append(args, "--cleanup", "none")
	}
	args = append(args, p.cfg.PlanArgs...)
	args = append(args, "--deferred", "--dax", file)
	j.Sub = &ewf.SubWorkflow{File: file, SubmitDir: submitDir, RelSubmit: relSubmit, Basename: basename,
		DAGFile: path.Join(relSubmit, basename+".dag"), PlanArgs: args}
	plan := p.tool("local", "pegasus-plan", "pegasus::pegasus-plan")
	j.PreScript = plan + " " + strings.Join(args, " ")
	j.Profiles.Condor.Set("executable", p.tool("local", "condor_dagman", "condor::dagman"))
	return nil
}

// resolveSubFile finds the DAX or DAG file of a sub-workflow job: a file://
// replica on local, the work directory when a job of this workflow makes
// it, or a path relative to the abstract workflow's directory.
func (p *planner) resolveSubFile(j *ewf.Job) (string, error) {
	lfn := j.Task.File
	for _, r := range p.cfg.Replicas.Lookup(lfn) {
		if r.Site() == "local" && isFileURL(r.PFN) {
			return strings.TrimPrefix(fileURL(r.PFN), "file://"), nil
		}
	}
	if prod := p.producer[lfn]; prod != nil {
		wd, err := p.workDir(prod.Staging)
		if err != nil {
			return "", err
		}
		return path.Join(wd, lfn), nil
	}
	cand := lfn
	if !filepath.IsAbs(cand) {
		cand = filepath.Join(filepath.Dir(p.cfg.DAXFile), lfn)
	}
	if abs, err := filepath.Abs(cand); err == nil {
		if _, err := os.Stat(abs); err == nil {
			return abs, nil
		}
	}
	return "", p.errAt(j.Task.Line, ErrNoReplica, "%s %s: file %s has no file:// replica on site local, no job makes it, and it is not beside the DAX", j.Task.Kind, j.Task.ID, lfn)
}

var _ = sort.Strings
