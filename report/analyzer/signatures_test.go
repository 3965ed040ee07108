package analyzer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeRaw(t *testing.T) {
	for _, c := range []struct {
		raw     int
		regular int
		short   string
		text    string
	}{
		{0, 0, "0", "exited with status 0"},
		{256, 1, "1", "exited with status 1"},
		{512, 2, "2", "exited with status 2"},
		{9, -9, "signal 9", "was killed by signal 9 (SIGKILL)"},
		{11 | 0x80, -11, "signal 11", "was killed by signal 11 (SIGSEGV)"}, // with a core dump
		{-1, -128, "launch", "could not be started"},
		{127 << 8, 127, "127", "exited with status 127"},
		{40, -40, "signal 40", "was killed by signal 40"},
	} {
		e := DecodeRaw(c.raw)
		if e.Regular() != c.regular || e.Short() != c.short || e.String() != c.text {
			t.Errorf("DecodeRaw(%d) = %d %q %q, want %d %q %q", c.raw, e.Regular(), e.Short(), e.String(), c.regular, c.short, c.text)
		}
		if e.OK() != (c.raw == 0) {
			t.Errorf("DecodeRaw(%d).OK() = %v", c.raw, e.OK())
		}
	}
}

// signatureCases holds, for every row of the table, a message as the tools
// print it; TestSignatureTable checks that each row is covered and that the
// message gives that row.
var signatureCases = []struct {
	text, kind, evidence string
}{
	{"Error from slot1_2@node8.example.org: Failed to execute '/var/lib/condor/execute/dir_968154/condor_exec.exe': (errno=8: 'Exec format error')",
		"exec-format", ""},
	{"java.lang.OutOfMemoryError: Java heap space\n", "out-of-memory", "java.lang.OutOfMemoryError: Java heap space"},
	{"[12345.678] Memory cgroup out of memory: Killed process 4242 (align)", "out-of-memory", ""},
	{"kernel: align invoked oom-killer: gfp_mask=0x100cca", "out-of-memory", ""},
	{"Task in /slurm/uid_1000/job_42 killed as a result of limit: oom_kill", "out-of-memory", ""},
	{"Error from slot1_1@node003: Job has gone over cgroup memory limit of 2048 megabytes. Last measured usage: 2100 megabytes.",
		"out-of-memory", ""},
	{"mmap: Cannot allocate memory", "out-of-memory", ""},
	{"terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc", "out-of-memory", "terminate called after throwing an instance of 'std::bad_alloc'"},
	{"Traceback (most recent call last):\n  File \"x.py\", line 3, in <module>\nMemoryError\n", "out-of-memory", "MemoryError"},
	{"cp: error writing 'out.dat': No space left on device", "disk-full", ""},
	{"write failed: Disk quota exceeded", "disk-full", ""},
	{"Transfer input files failure at access point submit.example.org while sending files to the execution point. Details: reading from file /data/in.txt: (errno 2) No such file or directory",
		"transfer-input", ""},
	{"Error from slot1@node1: STARTER at 10.0.0.1 failed to receive file(s) from <10.0.0.2:9618>; SHADOW at 10.0.0.2 failed to send file(s) to <10.0.0.1:4000>: error reading from /data/in.txt: (errno 2) No such file or directory",
		"transfer-input", ""},
	{"Transfer output files failure at execution point slot1_1@node2 while sending files to access point submit. Details: reading from file /var/lib/condor/execute/dir_1/out.dat: (errno 2) No such file or directory",
		"transfer-output", ""},
	{"Error from slot1_4@node001: STARTER at 10.21.0.1 failed to send file(s) to <10.20.0.10:9618>: error reading from /x/out.dat: (errno 2) No such file or directory; SHADOW failed to receive file(s) from <10.21.0.1:53026>",
		"transfer-output", ""},
	{"/opt/bin/align: error while loading shared libraries: libhts.so.3: cannot open shared object file: No such file or directory",
		"shared-library", ""},
	{"./job.sh: line 12: samtools: command not found", "command-not-found", ""},
	{"/bin/ls: invalid option -- 'z'\nTry '/bin/ls --help' for more information.", "bad-arguments", "/bin/ls: invalid option -- 'z'"},
	{"gzip: unrecognized option '--fast2'", "bad-arguments", ""},
	{"usage: merge.py [-h] inputs\nmerge.py: error: unrecognized arguments: --bogus", "bad-arguments", "merge.py: error: unrecognized arguments: --bogus"},
	{"preprocess: cannot create 'out.dat': Permission denied", "permission-denied", ""},
	{"chown: changing ownership of 'x': Operation not permitted", "permission-denied", ""},
	{"findrange: cannot open 'in.dat': No such file or directory", "missing-file", ""},
	{"Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nFileNotFoundError: [Errno 2] No such file or directory: 'x'",
		"missing-file", "FileNotFoundError: [Errno 2] No such file or directory: 'x'"},
	{"FILENOTFOUNDERROR", "missing-file", ""},
	{"/var/lib/condor/execute/dir_1/job.sh: line 5: 4242 Segmentation fault      (core dumped) ./align", "segfault", ""},
	{"curl: (7) Failed to connect to data.example.org port 443: Connection refused", "network", ""},
	{"ssh: connect to host x port 22: Connection timed out", "network", ""},
	{"curl: (6) Could not resolve host: data.example.org", "network", ""},
	{"connect: Network is unreachable", "network", ""},
	{"slurmstepd: error: *** JOB 42 ON n1 CANCELLED AT 2023-01-01T00:00:00 DUE TO TIME LIMIT ***", "time-limit", ""},
	{"Traceback (most recent call last):\n  File \"a.py\", line 9, in <module>\n    main()\nValueError: bad value\n\n", "exception", "ValueError: bad value"},
}

// TestSignatureTable checks every row of the table against a real-looking
// message: the message gives the row's kind (rows are tried in order, so the
// message must not match an earlier row), and the evidence is its line.
func TestSignatureTable(t *testing.T) {
	covered := map[int]bool{}
	for _, c := range signatureCases {
		s, ev := match(c.text)
		if s == nil {
			t.Errorf("%q: no signature, want %s", c.text, c.kind)
			continue
		}
		if s.Kind != c.kind {
			t.Errorf("%q: kind %s (pattern %q), want %s", c.text, s.Kind, s.Pattern, c.kind)
		}
		want := c.evidence
		if want == "" {
			want = strings.TrimSpace(c.text)
		}
		if ev != want {
			t.Errorf("%q: evidence %q, want %q", c.text, ev, want)
		}
		for i := range signatures {
			if &signatures[i] == s {
				covered[i] = true
			}
		}
	}
	for i, s := range signatures {
		if !covered[i] {
			t.Errorf("signature %d (%s, %q) has no test message", i, s.Kind, s.Pattern)
		}
		if s.Pattern != strings.ToLower(s.Pattern) {
			t.Errorf("signature %d: pattern %q is not lower-case", i, s.Pattern)
		}
		if s.Meaning == "" {
			t.Errorf("signature %d: no meaning", i)
		}
	}
	if s, _ := match("all went well\n"); s != nil {
		t.Errorf("benign text matched %s", s.Kind)
	}
	// PegasusLite's usual chatter is no failure.
	if s, ev := match("2023-03-03 23:11:14: The job contained a Pegasus worker package\ntar: write error\nPegasusLite: exitcode 0\n"); s != nil {
		t.Errorf("PegasusLite log matched %s: %q", s.Kind, ev)
	}
}

func TestPatternOperators(t *testing.T) {
	for _, c := range []struct {
		text, pattern string
		at            int
	}{
		{"starter at 10.0.0.1 failed to send file(s)", "starter at * failed to send file", 0},
		{"x starter at  host failed to send file", "starter at * failed to send file", 2},
		{"starter at a b failed to send file", "starter at * failed to send file", -1}, // two words
		{"starter at failed to send file", "starter at * failed to send file", -1},     // no word
		{"starter at 1 failed to receive file; shadow failed to send file", "starter at * failed to send file", -1},
		{"error: bad thing here", "error … thing", 0},
		{"error: bad\nthing here", "error … thing", -1}, // not on the same line
		{"a error b error c thing", "error … thing", 2},
		{"plain text", "text", 6},
	} {
		if got := findPattern(c.text, c.pattern); got != c.at {
			t.Errorf("findPattern(%q, %q) = %d, want %d", c.text, c.pattern, got, c.at)
		}
	}
}

// TestMatcherAgreesWithTable checks the one-pass matcher against trying the
// signatures one by one, on every test message and on combinations (the
// earlier row must win wherever it is in the text).
func TestMatcherAgreesWithTable(t *testing.T) {
	m := newMatcher(signatures)
	var texts []string
	for _, c := range signatureCases {
		texts = append(texts, c.text, strings.ToUpper(c.text), "prefix line\n"+c.text+"\nsuffix")
	}
	for i := range signatureCases {
		for j := range signatureCases {
			if i != j && (i+j)%3 == 0 {
				texts = append(texts, signatureCases[i].text+"\n"+signatureCases[j].text)
			}
		}
	}
	texts = append(texts, "", "\n\n", "starter at", "no such file or director", "STARTER AT X FAILED TO RECEIVE FILES")
	for _, txt := range texts {
		s1, e1 := match(txt)
		s2, e2 := m.match(txt)
		if s1 != s2 || e1 != e2 {
			k1, k2 := "", ""
			if s1 != nil {
				k1 = s1.Kind
			}
			if s2 != nil {
				k2 = s2.Kind
			}
			t.Errorf("%q: table gives %s %q, matcher %s %q", txt, k1, e1, k2, e2)
		}
	}
}

func FuzzMatcher(f *testing.F) {
	for _, c := range signatureCases {
		f.Add(c.text)
	}
	m := newMatcher(signatures)
	f.Fuzz(func(t *testing.T, txt string) {
		s1, e1 := match(txt)
		s2, e2 := m.match(txt)
		if s1 != s2 || e1 != e2 {
			t.Errorf("%q: table and matcher disagree (%q vs %q)", txt, e1, e2)
		}
	})
}

func TestMaskDigits(t *testing.T) {
	for in, want := range map[string]string{
		"malformed record at line 2631 of x_ID0000001.dat": "malformed record at line # of x_ID#.dat",
		"no digits": "no digits",
		"42":        "#",
	} {
		if got := maskDigits(in); got != want {
			t.Errorf("maskDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHoldHost(t *testing.T) {
	for in, want := range map[string]string{
		"Error from slot1_2@node008.cluster.example.org: Failed to execute": "node008.cluster.example.org",
		"Error from node3.example.org: boom":                                "node3.example.org",
		"Job was held by the user":                                          "",
	} {
		if got := holdHost(in); got != want {
			t.Errorf("holdHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSignaturesDocumented: docs/analyzer.md lists every row of the table
// and every kind of cause.
func TestSignaturesDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "analyzer.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range signatures {
		if !strings.Contains(doc, "`"+s.Pattern+"`") || !strings.Contains(doc, "`"+s.Kind+"`") {
			t.Errorf("docs/analyzer.md does not list %s %q", s.Kind, s.Pattern)
		}
	}
	for _, k := range []string{KindExitStatus, KindSignal, KindNotExecutable, KindCommandNotFound, KindLaunch, KindHeld,
		KindPreScript, KindPostScript, KindSubmitFailed, KindNoRecord, KindSubWorkflow, KindRemoved} {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("docs/analyzer.md does not describe kind %s", k)
		}
	}
}
