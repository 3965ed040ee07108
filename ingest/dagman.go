package ingest

import (
	"bytes"
	"strconv"
	"time"

	"github.com/pegasus-go/pegasus/internal/decimal"
)

// LineKind classifies a dagman.out line (FORMATS.md §1.2).
type LineKind uint8

// The message kinds monitord acts on; everything else is LineOther.
const (
	LineOther         LineKind = iota
	LineULog                   // Event: ULOG_<Name> for HTCondor Node <Node> (<Sched>)
	LineSubmitting             // Submitting HTCondor Node <Node> job(s)...
	LineSubmitFailed           // ERROR: submit attempt failed
	LineScriptStart            // Running PRE|POST script of Node <Node>...
	LineScriptEnd              // PRE|POST Script of Node <Node> completed successfully. / failed with status N
	LineJobFailed              // Node <Node> job proc (<Sched>) failed with status|signal N.
	LineJobSuccess             // Node <Node> job proc (<Sched>) completed successfully.
	LineExiting                // ... (condor_DAGMAN) ... EXITING WITH STATUS N
	LineStartingUp             // ** condor_scheduniv_exec.<id> (CONDOR_DAGMAN) STARTING UP
	LinePID                    // ** PID = N
	LineParsing                // Parsing <dag> ...
	LineVersion                // ** $CondorVersion: X.Y.Z ...
	LineCondorLog              // Condor log will be written to <path>, or the path after "All DAG node user log files:"
	LineAllLogs                // All DAG node user log files:
	LineRecoveryStart          // Running in RECOVERY mode...
	LineRecoveryEnd            // ...done with RECOVERY mode
	LineSIGUSR1                // Received SIGUSR1
	LineHoldReason             // Hold reason: <text>
	LineDAGStatus              // DAG status: N (NAME)
	LineNodeCounts             // the count row of the progress table
)

// DagmanLine is one classified line of a dagman.out file.
type DagmanLine struct {
	Num    int     // 1-based line number
	TS     float64 // the line's time stamp (the last one on the line), epoch seconds
	HasTS  bool
	Kind   LineKind
	Node   string // node name (job lines)
	Name   string // ULOG event name without ULOG_ (LineULog)
	Sched  string // HTCondor id cluster.proc (sub-proc dropped)
	Pre    bool   // the script is a PRE script (LineScriptStart/End)
	OK     bool   // completed successfully (LineScriptEnd)
	Status int    // exit status / DAGMan exit code / PID / DAG status
	Signal bool   // "failed with signal" (LineJobFailed)
	Text   string // hold reason, dag file name, version, log path, DAGMan id
	Counts []int  // LineNodeCounts: Done, Pre, Queued, Post, Ready, Un-Ready, Failed[, Futile]

	dn *DAGNode // Node's entry in the classifier's DAG, if any
}

// Clock converts DAGMan's zone-less local time stamps to epoch seconds, in a
// given location (the process time zone, as Pegasus does), caching the
// conversion per hour so that a million-line log costs little.
type Clock struct {
	Loc *time.Location
	// Year is used for the old year-less stamps ("MM/DD HH:MM:SS"). Zero means
	// the current year. Call SetYearHint with the log's modification time to
	// place a finished log correctly.
	Year int
	// Adjust is added to every stamp (monitord --adjust).
	Adjust float64

	lastMonth int
	yearBump  int
	cacheKey  int64
	cacheBase float64

	// The last full stamp read (see stampAt) and its value.
	last   [17]byte
	lastTS float64
	lastOK bool
}

// SetYearHint sets the year of year-less stamps from the log's last
// modification time.
func (c *Clock) SetYearHint(mod time.Time) {
	c.Year = mod.In(c.loc()).Year()
}

func (c *Clock) loc() *time.Location {
	if c.Loc == nil {
		return time.Local
	}
	return c.Loc
}

// local converts a local date and time to epoch seconds.
func (c *Clock) local(year, month, day, hour, min, sec int) float64 {
	key := int64(year)<<24 | int64(month)<<16 | int64(day)<<8 | int64(hour)
	if key != c.cacheKey || c.cacheBase == 0 {
		t := time.Date(year, time.Month(month), day, hour, 0, 0, 0, c.loc())
		c.cacheKey = key
		c.cacheBase = float64(t.Unix())
	}
	return c.cacheBase + float64(min*60+sec) + c.Adjust
}

// stampAt tries to read "M[M]/D[D][/YY] H[H]:MM:SS" starting at line[i].
// It returns the epoch time and the index just past the stamp.
func (c *Clock) stampAt(line []byte, i int) (float64, int, bool) {
	// Most stamps are "MM/DD/YY HH:MM:SS", and runs of lines share one.
	const full = len("01/17/23 11:17:41")
	if c.lastOK && len(line)-i >= full && string(line[i:i+full]) == string(c.last[:]) {
		return c.lastTS, i + full, true
	}
	num := func(j, maxDigits int) (int, int) {
		n, k := 0, j
		for k < len(line) && k-j < maxDigits && line[k] >= '0' && line[k] <= '9' {
			n = n*10 + int(line[k]-'0')
			k++
		}
		return n, k
	}
	month, j := num(i, 2)
	if j == i || j >= len(line) || line[j] != '/' {
		return 0, 0, false
	}
	day, k := num(j+1, 2)
	if k == j+1 {
		return 0, 0, false
	}
	year := -1
	if k < len(line) && line[k] == '/' {
		y, m := num(k+1, 2)
		if m == k+1 {
			return 0, 0, false
		}
		year, k = y, m
	}
	// blanks
	b := k
	for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
		k++
	}
	if k == b {
		return 0, 0, false
	}
	hour, h := num(k, 2)
	if h == k || h >= len(line) || line[h] != ':' {
		return 0, 0, false
	}
	min, m := num(h+1, 2)
	if m != h+3 || m >= len(line) || line[m] != ':' {
		return 0, 0, false
	}
	sec, s := num(m+1, 2)
	if s != m+3 {
		return 0, 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 {
		return 0, 0, false
	}
	if year >= 0 {
		year += 2000
		if s-i == full {
			// A stamp with its year: its value depends on its text alone.
			c.lastTS = c.local(year, month, day, hour, min, sec)
			c.lastOK = copy(c.last[:], line[i:s]) == full
			return c.lastTS, s, true
		}
	} else {
		year = c.Year
		if year == 0 {
			year = time.Now().Year()
		}
		// A year-less log that crosses New Year: months go down.
		if c.lastMonth == 12 && month == 1 {
			c.yearBump++
		}
		c.lastMonth = month
		year += c.yearBump
	}
	return c.local(year, month, day, hour, min, sec), s, true
}

// Stamp finds the time stamp of a dagman.out line: the last "M/D[/YY] H:MM:SS"
// on the line (ULOG lines end with the event's own time in braces), else an
// ISO 8601 stamp at the start of the line. It returns the stamp, the index
// just past the first stamp (where the message starts), and whether one was found.
func (c *Clock) Stamp(line []byte) (ts float64, msg int, ok bool) {
	if len(line) > 0 && line[0] >= '0' && line[0] <= '9' {
		if t, end, good := c.stampAt(line, 0); good {
			ts, msg, ok = t, end, true
		} else if t, end, good := isoStampAt(line); good {
			return t + c.Adjust, end, true
		}
	}
	// Look for (further) stamps anywhere in the line; the last one wins.
	from := msg
	for {
		p := bytes.IndexByte(line[from:], '/')
		if p < 0 {
			break
		}
		slash := from + p
		st := slash
		for st > 0 && slash-st < 2 && line[st-1] >= '0' && line[st-1] <= '9' {
			st--
		}
		if st < slash && (st == 0 || line[st-1] < '0' || line[st-1] > '9') {
			if t, end, good := c.stampAt(line, st); good {
				if !ok {
					msg = end
				}
				ts, ok = t, true
				from = end
				continue
			}
		}
		from = slash + 1
	}
	return ts, msg, ok
}

// isoStampAt parses an ISO 8601 stamp with an explicit offset at line start.
func isoStampAt(line []byte) (float64, int, bool) {
	if len(line) < 15 || line[0] < '0' || line[0] > '9' {
		return 0, 0, false
	}
	end := 0
	for end < len(line) && line[end] != ' ' && line[end] != '\t' {
		end++
	}
	t, ok := ParseISOTime(string(line[:end]))
	if !ok {
		return 0, 0, false
	}
	return t, end, true
}

// ParseISOTime parses an ISO 8601 time in basic or extended form with an
// optional fraction and a "Z" or numeric offset ("2023-03-04T11:57:07.327-08:00",
// "20230304T010100-0800") and returns epoch seconds with the fraction.
// A time without an offset is read in UTC.
func ParseISOTime(s string) (float64, bool) {
	i := 0
	num := func(n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for k := 0; k < n; k++ {
			c := s[i+k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	skip := func(c byte) {
		if i < len(s) && s[i] == c {
			i++
		}
	}
	y, ok := num(4)
	if !ok {
		return 0, false
	}
	skip('-')
	mo, ok := num(2)
	if !ok {
		return 0, false
	}
	skip('-')
	d, ok := num(2)
	if !ok {
		return 0, false
	}
	if i >= len(s) || (s[i] != 'T' && s[i] != ' ' && s[i] != 't') {
		return 0, false
	}
	i++
	h, ok := num(2)
	if !ok {
		return 0, false
	}
	skip(':')
	mi, ok := num(2)
	if !ok {
		return 0, false
	}
	skip(':')
	sec, ok := num(2)
	if !ok {
		return 0, false
	}
	frac := 0.0
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		st := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = fraction(s[st:i])
	}
	off := 0
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			i++
			oh, ok := num(2)
			if !ok {
				return 0, false
			}
			skip(':')
			om := 0
			if i < len(s) {
				if v, ok2 := num(2); ok2 {
					om = v
				}
			}
			off = sign * (oh*3600 + om*60)
		default:
			return 0, false
		}
	}
	if i != len(s) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60 {
		return 0, false
	}
	t := daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60+sec) - int64(off)
	return float64(t) + frac, true
}

// daysFromCivil is the number of days from 1970-01-01 to the date y-m-d of
// the proleptic Gregorian calendar (m from 1 to 12). Days past the end of
// the month count on into the next, as with time.Date. (H. Hinnant's
// days_from_civil: a year from March, so that February's length does not
// matter until the year's end.)
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400                  // 0–399
	doy := (153*((m+9)%12)+2)/5 + d - 1 // from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// fraction is the value of the decimal fraction whose digits are ds (a
// time's fraction of a second), as strconv.ParseFloat("0."+ds) gives it.
func fraction(ds string) float64 {
	if ds == "" {
		return 0
	}
	if len(ds) <= 15 {
		v := uint64(0)
		for i := 0; i < len(ds); i++ {
			v = v*10 + uint64(ds[i]-'0')
		}
		if f, ok := decimal.Exact(v, len(ds)); ok {
			return f
		}
	}
	f, err := strconv.ParseFloat("0."+ds, 64)
	if err != nil {
		return 0
	}
	return f
}

// DagmanClassifier turns raw dagman.out lines into DagmanLines. It keeps the
// little state the format needs (the multi-line log-file list).
type DagmanClassifier struct {
	Clock     *Clock
	expectLog bool
	dag       *DAG // when set, node names are taken from it (read only)
}

var (
	bEvent        = []byte("Event: ULOG_")
	bSubmitting   = []byte("Submitting ")
	bSubmitFailed = []byte("ERROR: submit attempt failed")
	bExiting      = []byte("EXITING WITH STATUS ")
	bCondorDagman = []byte("(condor_DAGMAN)")
	bStartingUp   = []byte("(CONDOR_DAGMAN) STARTING UP")
	bSchedExec    = []byte("condor_scheduniv_exec.")
	bPID          = []byte("** PID = ")
	bParsing      = []byte("Parsing ")
	bVersion      = []byte("** $CondorVersion: ")
	bCondorLog    = []byte("Condor log will be written to ")
	bAllLogs      = []byte("All DAG node user log files:")
	bRecovery     = []byte("Running in RECOVERY mode...")
	bRecoveryDone = []byte("...done with RECOVERY mode")
	bSIGUSR1      = []byte("Received SIGUSR1")
	bHoldReason   = []byte("Hold reason: ")
	bDAGStatus    = []byte("DAG status: ")
)

// Classify classifies one line (without its newline). num is its line number.
func (dc *DagmanClassifier) Classify(line []byte, num int) DagmanLine {
	dl := DagmanLine{Num: num}
	ts, msgStart, ok := dc.Clock.Stamp(line)
	if !ok {
		return dl
	}
	dl.TS, dl.HasTS = ts, true
	// The message proper, after the stamp and an optional "(D_XXX) " tag.
	msg := line[msgStart:]
	if len(msg) > 0 && msg[0] == ' ' {
		msg = msg[1:]
	}
	direct := msg
	if len(direct) > 3 && direct[0] == '(' && direct[1] == 'D' && direct[2] == '_' {
		if p := bytes.IndexByte(direct, ')'); p > 0 && p+1 < len(direct) && direct[p+1] == ' ' {
			direct = direct[p+2:]
		}
	}

	wasExpecting := dc.expectLog
	dc.expectLog = false
	if !wasExpecting && plainLine(msg, direct) {
		return dl
	}

	// Rule 1: ULOG events.
	if p := bytes.Index(msg, bEvent); p >= 0 {
		rest := msg[p+len(bEvent):]
		sp := bytes.IndexByte(rest, ' ')
		if sp > 0 {
			name := rest[:sp]
			rest = rest[sp:]
			if bytes.HasPrefix(rest, []byte(" for ")) {
				rest = rest[5:]
				rest = trimPrefixes(rest, "HTCondor ", "Condor ")
				if r, ok := cutPrefix(rest, "Node "); ok {
					rest = r
				} else if r, ok := cutPrefix(rest, "Job "); ok {
					rest = r
				} else {
					return dl
				}
				sp = bytes.IndexByte(rest, ' ')
				if sp > 0 {
					node := rest[:sp]
					rest = bytes.TrimLeft(rest[sp:], " \t")
					if sched, ok := parseSchedID(rest); ok {
						dl.Kind, dl.Name, dl.Sched = LineULog, ulogName(name), sched
						dc.setNode(&dl, node)
						return dl
					}
				}
			}
		}
		return dl
	}
	// Rule 2: Submitting [HT]Condor Node <node> job
	if bytes.HasPrefix(direct, bSubmitting) || bytes.Contains(msg, bSubmitting) {
		p := bytes.Index(msg, bSubmitting)
		rest := msg[p+len(bSubmitting):]
		rest = trimPrefixes(rest, "HTCondor ", "Condor ")
		if r, ok := cutPrefix(rest, "Node "); ok {
			if q := bytes.LastIndex(r, []byte(" job")); q > 0 {
				dl.Kind = LineSubmitting
				dc.setNode(&dl, r[:q])
				return dl
			}
		}
	}
	// Rule 3.
	if bytes.Contains(msg, bSubmitFailed) {
		dl.Kind = LineSubmitFailed
		return dl
	}
	// Rule 4: Running PRE|POST script of Job|Node <node>...
	if r, ok := cutPrefix(direct, "Running "); ok {
		pre := false
		if r2, ok := cutPrefix(r, "PRE script of "); ok {
			pre, r = true, r2
		} else if r2, ok := cutPrefix(r, "POST script of "); ok {
			r = r2
		} else {
			goto rule5
		}
		if r2, ok := cutPrefix(r, "Job "); ok {
			r = r2
		} else if r2, ok := cutPrefix(r, "Node "); ok {
			r = r2
		} else {
			goto rule5
		}
		if q := bytes.Index(r, []byte("...")); q > 0 {
			dl.Kind, dl.Pre = LineScriptStart, pre
			dc.setNode(&dl, r[:q])
			return dl
		}
	}
rule5:
	// Rule 5: PRE|POST Script of Job|node|Node <node> ...
	if r, ok := cutPrefix(direct, "PRE Script of "); ok {
		return dc.scriptEnd(dl, true, r)
	}
	if r, ok := cutPrefix(direct, "POST Script of "); ok {
		return dc.scriptEnd(dl, false, r)
	}
	// Rules 6/7: Node <node> job proc (<id>) failed with status|signal <n>. / completed successfully.
	if r, ok := cutPrefix(direct, "Node "); ok {
		if sp := bytes.IndexByte(r, ' '); sp > 0 {
			node := r[:sp]
			if r2, ok := cutPrefix(r[sp:], " job proc "); ok {
				sched, okS := parseSchedID(r2)
				cl := bytes.IndexByte(r2, ')')
				if okS && cl > 0 {
					tail := r2[cl+1:]
					if r3, ok := cutPrefix(tail, " failed with "); ok {
						sig := false
						if r4, ok := cutPrefix(r3, "status "); ok {
							r3 = r4
						} else if r4, ok := cutPrefix(r3, "signal "); ok {
							r3, sig = r4, true
						} else {
							return dl
						}
						r3 = bytes.TrimRight(r3, ". \t")
						if n, err := strconv.Atoi(string(r3)); err == nil {
							dl.Kind, dl.Sched, dl.Status, dl.Signal = LineJobFailed, sched, n, sig
							dc.setNode(&dl, node)
						}
						return dl
					}
					if bytes.HasPrefix(tail, []byte(" completed successfully.")) {
						dl.Kind, dl.Sched = LineJobSuccess, sched
						dc.setNode(&dl, node)
						return dl
					}
				}
			}
		}
	}
	// Rule 8: (condor_DAGMAN) ... EXITING WITH STATUS <n>
	if p := bytes.Index(msg, bExiting); p >= 0 && bytes.Contains(msg[:p], bCondorDagman) {
		if n, err := strconv.Atoi(string(bytes.TrimSpace(msg[p+len(bExiting):]))); err == nil {
			dl.Kind, dl.Status = LineExiting, n
			return dl
		}
	}
	// Rule 9: ** condor_scheduniv_exec.<id> (CONDOR_DAGMAN) STARTING UP
	if bytes.Contains(msg, bStartingUp) {
		if p := bytes.Index(msg, bSchedExec); p >= 0 {
			rest := msg[p+len(bSchedExec):]
			if sp := bytes.IndexByte(rest, ' '); sp > 0 {
				dl.Kind, dl.Text = LineStartingUp, string(rest[:sp])
				return dl
			}
		}
	}
	// Rule 10.
	if p := bytes.Index(msg, bPID); p >= 0 {
		if n, err := strconv.Atoi(string(bytes.TrimSpace(msg[p+len(bPID):]))); err == nil {
			dl.Kind, dl.Status = LinePID, n
			return dl
		}
	}
	// Rule 11: Parsing <file> ...
	if p := bytes.Index(msg, bParsing); p >= 0 && bytes.HasSuffix(bytes.TrimRight(msg, " \t\r"), []byte(" ...")) {
		rest := bytes.TrimRight(msg[p+len(bParsing):], " \t\r")
		rest = rest[:len(rest)-4]
		if len(rest) > 0 {
			dl.Kind, dl.Text = LineParsing, string(rest)
			return dl
		}
	}
	// Rule 12.
	if p := bytes.Index(msg, bVersion); p >= 0 {
		rest := msg[p+len(bVersion):]
		if sp := bytes.IndexByte(rest, ' '); sp > 0 {
			rest = rest[:sp]
		}
		dl.Kind, dl.Text = LineVersion, string(rest)
		return dl
	}
	// Rules 13/14.
	if p := bytes.Index(msg, bCondorLog); p >= 0 {
		rest := msg[p+len(bCondorLog):]
		if c := bytes.IndexByte(rest, ','); c > 0 {
			dl.Kind, dl.Text = LineCondorLog, string(rest[:c])
			return dl
		}
	}
	if bytes.Contains(msg, bAllLogs) {
		dc.expectLog = true
		dl.Kind = LineAllLogs
		return dl
	}
	if wasExpecting {
		raw := line[msgStart:]
		if bytes.HasPrefix(raw, []byte("   ")) {
			dl.Kind, dl.Text = LineCondorLog, string(bytes.TrimSpace(raw))
			return dl
		}
	}
	// Rule 15.
	if bytes.Contains(msg, bRecovery) {
		dl.Kind = LineRecoveryStart
		return dl
	}
	if bytes.Contains(msg, bRecoveryDone) {
		dl.Kind = LineRecoveryEnd
		return dl
	}
	// Rule 16.
	if bytes.Contains(msg, bSIGUSR1) {
		dl.Kind = LineSIGUSR1
		return dl
	}
	// Rule 17.
	if t := bytes.TrimLeft(msg, " \t"); bytes.HasPrefix(t, bHoldReason) {
		dl.Kind, dl.Text = LineHoldReason, string(bytes.TrimRight(t[len(bHoldReason):], " \t\r"))
		return dl
	}
	// Progress table (read by status tools, not by the tracker).
	if r, ok := cutPrefix(direct, string(bDAGStatus)); ok {
		f := bytes.Fields(r)
		if len(f) > 0 {
			if n, err := strconv.Atoi(string(f[0])); err == nil {
				dl.Kind, dl.Status = LineDAGStatus, n
				if len(f) > 1 {
					dl.Text = string(bytes.Trim(f[1], "()"))
				}
			}
		}
		return dl
	}
	if counts := nodeCounts(direct); len(counts) >= 7 {
		dl.Kind, dl.Counts = LineNodeCounts, counts
	}
	return dl
}

// ruleBytes holds one byte of every text the rules of Classify look for
// anywhere in a message: "ULOG", "Submitting", "ERROR", "Running", "PRE",
// "POST", "STATUS", "STARTING", "** PID", "Parsing", "** $CondorVersion",
// "Condor log", "All DAG", "RECOVERY", "Received", "Hold reason", "DAG status".
var ruleBytes = func() (t [256]bool) {
	for _, c := range []byte("USRP*CAH") {
		t[c] = true
	}
	return t
}()

// plainLine reports whether no rule of Classify can match a message: it
// holds none of ruleBytes, does not start with "Node " and is not a row of
// numbers. Most of DAGMan's chatter ("Number of idle job procs: 3") is
// dismissed here without looking for each rule's text in turn.
func plainLine(msg, direct []byte) bool {
	for _, c := range msg {
		if ruleBytes[c] {
			return false
		}
	}
	for _, c := range direct {
		if (c < '0' || c > '9') && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return !bytes.HasPrefix(direct, []byte("Node "))
		}
	}
	return false // a row of numbers, or nothing
}

// nodeCounts reads a line of blank-separated numbers (the rows of DAGMan's
// node-count table); nil for any other line, without allocating.
func nodeCounts(b []byte) []int {
	n := 0
	inNum := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if !inNum {
				n++
				inNum = true
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			inNum = false
		default:
			return nil
		}
	}
	if n < 7 {
		return nil
	}
	counts := make([]int, 0, n)
	v, inNum := 0, false
	for _, c := range b {
		if c >= '0' && c <= '9' {
			v = v*10 + int(c-'0')
			inNum = true
		} else if inNum {
			counts = append(counts, v)
			v, inNum = 0, false
		}
	}
	if inNum {
		counts = append(counts, v)
	}
	return counts
}

func (dc *DagmanClassifier) scriptEnd(dl DagmanLine, pre bool, r []byte) DagmanLine {
	for _, p := range []string{"Job ", "node ", "Node "} {
		if r2, ok := cutPrefix(r, p); ok {
			r = r2
			break
		}
	}
	sp := bytes.IndexByte(r, ' ')
	if sp <= 0 {
		return dl
	}
	dc.setNode(&dl, r[:sp])
	dl.Pre = pre
	tail := bytes.TrimRight(r[sp:], " \t\r")
	if bytes.HasSuffix(tail, []byte("completed successfully.")) {
		dl.Kind, dl.OK = LineScriptEnd, true
		return dl
	}
	t := bytes.TrimSuffix(tail, []byte("."))
	if p := bytes.LastIndex(t, []byte("failed with status ")); p >= 0 {
		if n, err := strconv.Atoi(string(t[p+len("failed with status "):])); err == nil {
			dl.Kind, dl.Status = LineScriptEnd, n
			return dl
		}
	}
	// A script line monitord cannot interpret: ignored (with a warning in Pegasus).
	return DagmanLine{Num: dl.Num, TS: dl.TS, HasTS: dl.HasTS}
}

// parseSchedID reads "(<cluster>.<proc>[.<subproc>])" and returns "cluster.proc".
func parseSchedID(b []byte) (string, bool) {
	if len(b) < 4 || b[0] != '(' {
		return "", false
	}
	end := bytes.IndexByte(b, ')')
	if end < 0 {
		return "", false
	}
	id := b[1:end]
	keep := len(id) // cluster.proc: up to the second dot
	parts, start := 0, 0
	for i := 0; i <= len(id); i++ {
		if i < len(id) && id[i] != '.' {
			continue
		}
		q := id[start:i]
		if parts == 0 && len(q) > 0 && (q[0] == '-' || q[0] == '+') {
			q = q[1:]
		}
		if len(q) == 0 {
			return "", false
		}
		for _, c := range q {
			if c < '0' || c > '9' {
				return "", false
			}
		}
		parts++
		if parts == 2 {
			keep = i
		}
		start = i + 1
	}
	if parts < 2 || parts > 3 {
		return "", false
	}
	return string(id[:keep]), true
}

// ulogName returns a ULOG event name as a string, without allocating for
// the names DAGMan logs for every job.
func ulogName(b []byte) string {
	switch string(b) {
	case "SUBMIT":
		return "SUBMIT"
	case "EXECUTE":
		return "EXECUTE"
	case "JOB_TERMINATED":
		return "JOB_TERMINATED"
	case "POST_SCRIPT_TERMINATED":
		return "POST_SCRIPT_TERMINATED"
	case "IMAGE_SIZE":
		return "IMAGE_SIZE"
	case "JOB_HELD":
		return "JOB_HELD"
	case "JOB_RELEASED":
		return "JOB_RELEASED"
	case "JOB_EVICTED":
		return "JOB_EVICTED"
	case "JOB_ABORTED":
		return "JOB_ABORTED"
	}
	return string(b)
}

// setNode sets the line's node: the DAG's own name string and entry when
// the DAG defines the node (no allocation, one copy of the name in memory).
func (dc *DagmanClassifier) setNode(dl *DagmanLine, b []byte) {
	if dc.dag != nil {
		if n := dc.dag.byName[string(b)]; n != nil {
			dl.Node, dl.dn = n.Name, n
			return
		}
	}
	dl.Node = string(b)
}

func cutPrefix(b []byte, p string) ([]byte, bool) {
	if len(b) >= len(p) && string(b[:len(p)]) == p {
		return b[len(p):], true
	}
	return b, false
}

func trimPrefixes(b []byte, ps ...string) []byte {
	for _, p := range ps {
		if r, ok := cutPrefix(b, p); ok {
			return r
		}
	}
	return b
}
