package synth

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// Fixed installation paths of the simulated submit host (an RPM install of
// Pegasus 5.0.5 and HTCondor 10.2.5).
const (
	binDir          = "/usr/bin"
	liteLocal       = "/usr/share/pegasus/sh/pegasus-lite-local.sh"
	pegasusVersion  = "5.0.5"
	pegasusBuild    = "20230217201750Z"
	condorVersion   = "10.2.5"
	condorVersionID = "$CondorVersion: 10.2.5 2023-02-27 BuildID: 631644 PackageID: 10.2.5-1 $"
	workerPackage   = "pegasus-worker-5.0.5-x86_64_rhel_8.tar.gz"
	submitHostName  = "submit.synth.example.org"
	submitHostIP    = "10.20.0.10"
	planUser        = "pegasus"
	planGroup       = "pegasus"
	planUID         = 2001
	planGID         = 2001
	execSite        = "condorpool"
	scratchExecDir  = "/var/lib/condor/execute"
	localExecDir    = "/var/lib/condor/spool/local_univ_execute"
)

// layout holds the names and paths of one generated workflow.
type layout struct {
	submit    string // absolute submit directory
	basedir   string
	rundir    string
	scratch   string // staging directory (condorio: HTCondor transfers to/from it)
	outputs   string // output site storage
	dax       string
	prefix    string // <label>-0
	dag       string // <label>-0.dag
	props     string // pegasus.<n>.properties
	uuid      string
	wfstamp   int64 // abstract workflow creation time (kickstart -T), epoch seconds
	planned   int64 // planner start, epoch milliseconds
	planEnd   int64 // planner end, epoch milliseconds
	start     int64 // DAGMan start, epoch seconds
	dagmanID  int64 // DAGMan's own HTCondor cluster id
	dagmanPID int64
	staticTS  int64 // first .static.bp ts, microseconds since the epoch (early 1970, as 5.x writes)
}

func newLayout(c *config, submit string) *layout {
	r := newRNG(c.Seed, streamPlan, 0, 0)
	l := &layout{submit: submit}
	l.basedir = filepath.Dir(submit)
	l.rundir = filepath.Base(submit)
	l.scratch = filepath.Join(l.basedir, "scratch", l.rundir)
	l.outputs = filepath.Join(l.basedir, "outputs")
	l.dax = filepath.Join(l.basedir, "workflow.yml")
	l.prefix = c.Label + "-0"
	l.dag = l.prefix + ".dag"
	l.props = fmt.Sprintf("pegasus.%d.properties", r.next()>>1)
	l.uuid = uuidFrom(&r)
	l.start = c.Start.Unix()
	planDur := r.between(3500, 6500)
	l.planEnd = l.start*1000 - r.between(6000, 12000)
	l.planned = l.planEnd - planDur
	l.wfstamp = l.planned/1000 - r.between(8, 40)
	l.dagmanID = r.between(1, 4000)
	l.dagmanPID = r.between(100000, 999999)
	l.staticTS = (r.between(2_800_000, 3_400_000))*1_000_000 + r.between(0, 999_999)
	return l
}

// uuidFrom returns a random (version 4) UUID.
func uuidFrom(r *rng) string {
	var b [16]byte
	a, c := r.next(), r.next()
	for i := 0; i < 8; i++ {
		b[i] = byte(a >> (8 * i))
		b[8+i] = byte(c >> (8 * i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// jobPath is the submit-relative path of a job file: "00/00/<job><ext>".
func (l *layout) jobPath(n *node, ext string) string { return n.dir + "/" + n.name + ext }

// absJob is the absolute path Pegasus writes in .sub files ("<submit>//00/00/x").
func (l *layout) absJob(n *node, ext string) string {
	return l.submit + "//" + n.dir + "/" + n.name + ext
}

func (l *layout) planStampISO(c *clock) string { return string(c.appendISO(nil, l.wfstamp)) }

func itoa(i int) string { return strconv.Itoa(i) }

// javaDouble formats a float the way Java's Double.toString does for the
// magnitudes the planner writes (e.g. 1.677913773994E9).
func javaDouble(v float64) string {
	if v >= 1e-3 && v < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !containsByte(s, '.') {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'E', -1, 64)
	mant, exp, _ := cutByte(s, 'E')
	if !containsByte(mant, '.') {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func cutByte(s string, c byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// javaDate formats like java.util.Date.toString: "Fri Mar 03 23:09:35 PST 2023".
func javaDate(t time.Time) string { return t.Format("Mon Jan 02 15:04:05 MST 2006") }
