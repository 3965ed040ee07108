package synth

import (
	"strconv"
	"strings"
)

// inputSize is the size of a split job's external input (stable per job).
func (g *fileGen) inputSize(i int32) int64 {
	r := newRNG(g.c.Seed, streamNode, uint64(i), 4)
	return r.between(500, 20_000_000)
}

func (g *fileGen) inputSrc(i int32) string { return g.l.basedir + "/inputs/" + g.p.inLFN(i) }

// humanSize formats like pegasus-transfer's statistics ("1.3 KB", "313.0 B").
func humanSize(n float64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	u := 0
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	return strconv.FormatFloat(n, 'f', 1, 64) + " " + units[u]
}

// pyLog collects pegasus-transfer's log lines at increasing times.
type pyLog struct {
	g   *fileGen
	sb  strings.Builder
	ms  int64
	end int64
}

func (p *pyLog) add(step int64, msg string) {
	p.ms += step
	if p.ms > p.end {
		p.ms = p.end
	}
	var b [32]byte
	p.sb.Write(p.g.clk.appendPyLog(b[:0], p.ms))
	p.sb.WriteString("    INFO:  ")
	p.sb.WriteString(msg)
	p.sb.WriteByte('\n')
}

const sep80 = "--------------------------------------------------------------------------------"

// transferLog renders pegasus-transfer's stdout for an auxiliary job try.
func (g *fileGen) transferLog(t *tryRec) string {
	nd := g.p.nodes[t.node]
	mainStart := t.ksStart + t.mainOff
	mainEnd := mainStart + t.mainDur
	lg := &pyLog{g: g, ms: mainStart, end: mainEnd - 3}
	r := &g.r
	ntx := 1
	switch nd.typ {
	case typeStageIn, typeStageOut:
		if !nd.worker {
			ntx = len(nd.members)
		}
	case typeRegister:
		var b [40]byte
		return string(g.clk.appendRCClient(b[:0], mainEnd-r.between(100, 600))) + ":   Database version: '" + pegasusVersion +
			"' (sqlite:///" + g.l.submit + "/" + g.l.prefix + ".replicas.db)\n"
	}
	lg.add(r.between(220, 260), "Reading URL pairs from stdin")
	lg.add(r.between(0, 2), strconv.Itoa(ntx)+" transfers loaded")
	lg.add(r.between(0, 1), "PATH="+binDir+":/usr/local/bin:/usr/bin:/usr/local/sbin:/usr/sbin:/bin:/usr/bin:/usr/local/bin:/opt/local/bin")
	lg.add(0, "LD_LIBRARY_PATH=")
	lg.add(r.between(45, 55), sep80)
	lg.add(0, "Starting transfers - attempt 1")
	var total int64
	switch {
	case nd.typ == typeCreateDir:
		lg.add(2000, "/bin/mkdir -p '"+g.l.scratch+"'")
	case nd.typ == typeCleanup:
		lg.add(2000, "/bin/rm -f -r  '"+g.l.scratch+"'")
	case nd.worker:
		url := "http://download.pegasus.isi.edu/pegasus/" + pegasusVersion + "/" + workerPackage
		dest := "/" + g.l.submit + "/" + workerPackage
		lg.add(2000, "Tool found: wget   Version: 1.19   Path: /usr/bin/wget")
		lg.add(1, "/usr/bin/wget -nv --no-cookies --no-check-certificate --timeout=300 --tries=1 -O '"+dest+"' '"+url+"'")
		total = 8803457
		var b [32]byte
		ts := string(g.clk.appendSpaced(b[:0], floorDiv(lg.ms+150, 1000)))
		lg.add(150, ts+" URL:"+url+" [8803457/8803457] -> \""+dest+"\" [1]")
	case nd.typ == typeStageIn:
		lg.add(2000, "Tool found: pegasus-integrity   Version: N/A   Path: "+binDir+"/pegasus-integrity")
		for _, j := range nd.members {
			lfn := g.p.inLFN(j)
			src := g.inputSrc(j)
			total += g.inputSize(j)
			lg.add(r.between(0, 3), binDir+"/pegasus-integrity --generate-fullstat-yaml=\""+lfn+"="+src+"\"")
			lg.add(r.between(100, 160), "/bin/cp -f -R -L '"+src+"' '"+g.l.scratch+"/./"+lfn+"'")
		}
	case nd.typ == typeStageOut:
		for _, j := range nd.members {
			lfn := g.p.outLFN(j)
			total += g.outputSize(j)
			lg.add(r.between(5, 2000), "/bin/cp -f -R -L '"+g.l.scratch+"/./"+lfn+"' '"+g.l.outputs+"/"+lfn+"'")
		}
		lg.add(r.between(5, 15), "Tool found: pegasus-integrity   Version: N/A   Path: "+binDir+"/pegasus-integrity")
		for _, j := range nd.members {
			lfn := g.p.outLFN(j)
			lg.add(r.between(100, 160), binDir+"/pegasus-integrity --verify=\""+lfn+"="+g.l.outputs+"/"+lfn+"\"")
		}
	}
	lg.add(r.between(10, 150), sep80)
	secs := max(1, (mainEnd-mainStart)/1000)
	if nd.typ == typeStageOut {
		dur := float64(len(nd.members)) * 0.146
		lg.add(0, "@@@MONITORING_PAYLOAD - START@@@{\"ts\": "+strconv.FormatInt(mainEnd/1000, 10)+
			", \"monitoring_event\": \"int.metric\", \"payload\": [{\"event\": \"check\", \"file_type\": \"output\", \"succeeded\": "+
			strconv.Itoa(len(nd.members))+", \"failed\": 0, \"duration\": \""+strconv.FormatFloat(dur, 'f', 3, 64)+"\"}]}@@@MONITORING_PAYLOAD - END@@@")
	}
	if total == 0 {
		lg.add(1, "Stats: no local files in the transfer set")
	} else {
		rate := float64(total) / float64(secs)
		between := "local->local"
		if nd.worker {
			between = "pegasus->local"
		}
		tail := strconv.Itoa(ntx) + " transfers, " + humanSize(float64(total)) + " transferred in " + strconv.FormatInt(secs, 10) +
			" seconds. Rate: " + humanSize(rate) + "/s (" + strings.Replace(humanSize(rate*8), "B", "b", 1) + "/s)"
		lg.add(1, "Stats: Total "+tail)
		lg.add(0, "       Between sites "+between+" : "+tail)
	}
	lg.add(1, "All transfers completed successfully.")
	return lg.sb.String()
}

func (g *fileGen) stdinDescriptor(start int64) {
	r := &g.r
	g.key(4, "stdin")
	g.b = append(g.b, '\n')
	g.kvi(6, "descriptor_number", 0)
	g.stat(6, "0o10600", 0, r.between(400_000_000, 440_000_000), start, start, start, userOwner)
}

// auxFiles writes the "files" entries of an auxiliary job's record.
func (g *fileGen) auxFiles(t *tryRec, cwd string, start, end int64) {
	nd := g.p.nodes[t.node]
	r := &g.r
	if nd.typ == typeStageIn && !nd.worker {
		// pegasus-integrity entries for the staged files, sorted by name as kickstart writes them.
		members := append([]int32(nil), nd.members...)
		sortByLFN(members, g.p)
		for _, j := range members {
			lfn := g.p.inLFN(j)
			g.b = append(g.b, "    \""...)
			g.b = append(g.b, lfn...)
			g.b = append(g.b, "\":\n"...)
			g.kv(6, "comment", "entry generated by pegasus-integrity")
			g.kvq(6, "file_name", g.inputSrc(j))
			g.kv(6, "mode", "0o100644")
			g.kvi(6, "size", g.inputSize(j))
			g.kvi(6, "inode", r.between(15_000_000, 16_000_000))
			g.kvi(6, "nlink", 1)
			us := (g.l.planned/1000-r.between(3600, 86400*3))*1_000_000 + r.between(0, 999_999)
			g.key(6, "mtime")
			g.b = append(g.b, ' ')
			g.b = appendNaiveUTCus(g.b, us)
			g.b = append(g.b, '\n')
			g.key(6, "atime")
			g.b = append(g.b, ' ')
			g.b = appendNaiveUTCus(g.b, t.ksStart*1000+r.between(100_000, 2_000_000))
			g.b = append(g.b, '\n')
			g.key(6, "ctime")
			g.b = append(g.b, ' ')
			g.b = appendNaiveUTCus(g.b, us)
			g.b = append(g.b, '\n')
			g.owner(6, userOwner)
			g.kv(6, "output", "True")
			g.key(6, "sha256")
			g.b = append(g.b, ' ')
			g.b = r.hex(g.b, 64)
			g.b = append(g.b, '\n')
			g.key(6, "checksum_timing")
			g.b = append(g.b, " 0.0"...)
			g.b = app2(g.b, int(r.between(15, 40)))
			g.b = append(g.b, '\n')
		}
	}
	if nd.typ == typeRegister {
		g.devNull()
	} else {
		g.stdinDescriptor(start)
	}
	stdout := g.transferLog(t)
	g.tempEntry("stdout", cwd, 3, int64(len(stdout)), start, end, r)
	g.data(6, stdout)
	stderr := ""
	if nd.typ == typeRegister {
		n := strconv.Itoa(len(nd.members))
		stderr = "#Successfully worked on    : " + n + " lines.\n#Worked on total number of : " + n + " lines.\n"
	}
	g.tempEntry("stderr", cwd, 4, int64(len(stderr)), start, end, r)
	if stderr != "" {
		g.data(6, stderr)
	}
	g.tempEntry("metadata", cwd, 5, 0, start, start, r)
}

func sortByLFN(a []int32, p *plan) {
	// Split jobs are created in task order, so their input names are already
	// sorted unless the task numbers have different widths (never: %07d).
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && p.inLFN(a[j]) < p.inLFN(a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
