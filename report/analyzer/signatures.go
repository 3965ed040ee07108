package analyzer

import (
	"strings"
)

// Signature is a known failure message: a piece of text that, found in a
// task's stderr or stdout, a job's .err file, an HTCondor hold reason or a
// PRE-script log, says why the job failed.
type Signature struct {
	// Kind identifies the cause in reports and in JSON (root_cause.kind).
	// Several signatures may share a kind.
	Kind string
	// Pattern is lower-case text a line must contain (the match ignores
	// ASCII case). In it, " … " stands for any text on the same line and
	// " * " for one word (a run of non-blank characters).
	Pattern string
	// Meaning is what the cause means, printed as the root cause.
	Meaning string
	// LastLine: the evidence shown is the last non-blank line of the text
	// rather than the matching line (a traceback ends with the error).
	LastLine bool
}

// signatures is the table of failure messages, tried in order: the first
// that matches a text wins, so the specific ones come first (an HTCondor
// transfer error that mentions "No such file or directory" is a transfer
// error). docs/analyzer.md lists it; signatures_test.go covers every row.
var signatures = []Signature{
	{Kind: "exec-format", Pattern: "exec format error",
		Meaning: "the executable is not a program for this machine (built for another CPU architecture, or a script without a #! line)"},
	{Kind: "out-of-memory", Pattern: "out of memory",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "out-of-memory", Pattern: "oom-kill",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "out-of-memory", Pattern: "oom_kill",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "out-of-memory", Pattern: "memory limit",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "out-of-memory", Pattern: "cannot allocate memory",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "out-of-memory", Pattern: "std::bad_alloc",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "out-of-memory", Pattern: "memoryerror",
		Meaning: "the job ran out of memory (ask for more with request_memory, or make it use less)"},
	{Kind: "disk-full", Pattern: "no space left on device",
		Meaning: "a disk filled up (the execution host's scratch space, or the output file system)"},
	{Kind: "disk-full", Pattern: "disk quota exceeded",
		Meaning: "a disk filled up (the execution host's scratch space, or the output file system)"},
	{Kind: "transfer-input", Pattern: "transfer input files failure",
		Meaning: "HTCondor could not transfer the job's input files to the execution host"},
	{Kind: "transfer-input", Pattern: "starter at * failed to receive file",
		Meaning: "HTCondor could not transfer the job's input files to the execution host"},
	{Kind: "transfer-output", Pattern: "transfer output files failure",
		Meaning: "HTCondor could not transfer the job's output files back (often: the job did not create an output file it declares)"},
	{Kind: "transfer-output", Pattern: "starter at * failed to send file",
		Meaning: "HTCondor could not transfer the job's output files back (often: the job did not create an output file it declares)"},
	{Kind: "shared-library", Pattern: "error while loading shared libraries",
		Meaning: "a shared library the executable needs is missing on the execution host"},
	{Kind: "command-not-found", Pattern: "command not found",
		Meaning: "a command the job runs is not installed, or not in PATH, on the execution host"},
	{Kind: "bad-arguments", Pattern: "invalid option",
		Meaning: "the command line is wrong (an invalid option or argument)"},
	{Kind: "bad-arguments", Pattern: "unrecognized option",
		Meaning: "the command line is wrong (an invalid option or argument)"},
	{Kind: "bad-arguments", Pattern: "unrecognized arguments",
		Meaning: "the command line is wrong (an invalid option or argument)"},
	{Kind: "permission-denied", Pattern: "permission denied",
		Meaning: "permission denied: the job could not read, write or run a file or directory"},
	{Kind: "permission-denied", Pattern: "operation not permitted",
		Meaning: "permission denied: the job could not read, write or run a file or directory"},
	{Kind: "missing-file", Pattern: "no such file or directory",
		Meaning: "a file or directory the job needs does not exist (a missing input, executable or directory)"},
	{Kind: "missing-file", Pattern: "filenotfounderror",
		Meaning: "a file or directory the job needs does not exist (a missing input, executable or directory)"},
	{Kind: "segfault", Pattern: "segmentation fault",
		Meaning: "the program crashed (segmentation fault)"},
	{Kind: "network", Pattern: "connection refused",
		Meaning: "a network connection failed"},
	{Kind: "network", Pattern: "connection timed out",
		Meaning: "a network connection failed"},
	{Kind: "network", Pattern: "could not resolve host",
		Meaning: "a network connection failed"},
	{Kind: "network", Pattern: "network is unreachable",
		Meaning: "a network connection failed"},
	{Kind: "time-limit", Pattern: "time limit",
		Meaning: "the job exceeded a time limit"},
	{Kind: "exception", Pattern: "traceback (most recent call last)", LastLine: true,
		Meaning: "the program (Python) raised an exception"},
}

// Signatures returns the table of failure messages, in the order they are
// tried.
func Signatures() []Signature { return append([]Signature(nil), signatures...) }

// Causes that come from exit statuses, scripts and DAGMan states rather than
// from a message. Together with the signature kinds they are every value of
// Cause.Kind; docs/analyzer.md describes them.
const (
	KindExitStatus      = "exit-status"       // a task exited non-zero, no known message
	KindSignal          = "signal"            // a task was killed by a signal
	KindNotExecutable   = "not-executable"    // exit 126
	KindCommandNotFound = "command-not-found" // exit 127 (also a signature)
	KindLaunch          = "launch-failure"    // kickstart could not start the task
	KindHeld            = "held"              // held by HTCondor (and removed), reason unknown to the table
	KindPreScript       = "pre-script"        // the PRE script failed (for a sub-workflow: the planner)
	KindPostScript      = "post-script"       // the POST script failed though every task exited 0
	KindSubmitFailed    = "submit-failed"     // HTCondor refused the submission
	KindNoRecord        = "no-record"         // failed without a kickstart record to say why
	KindSubWorkflow     = "sub-workflow"      // a sub-workflow failed
	KindRemoved         = "removed"           // removed from the queue without a hold (condor_rm, periodic_remove)
)

// match returns the first signature (in table order) that a line of text
// matches, and the evidence: the matching line, trimmed (or the text's last
// non-blank line, for LastLine signatures).
func match(text string) (*Signature, string) {
	if text == "" {
		return nil, ""
	}
	lower := asciiLower(text)
	for i := range signatures {
		s := &signatures[i]
		if at := findPattern(lower, s.Pattern); at >= 0 {
			if s.LastLine {
				return s, lastLine(text[at:])
			}
			return s, lineAt(text, at)
		}
	}
	return nil, ""
}

// findPattern returns the offset of the first match of pattern in lower
// (see Signature.Pattern: " … " is any text on the same line, "*" one
// word), or -1.
func findPattern(lower, pattern string) int {
	if !strings.Contains(pattern, "*") && !strings.Contains(pattern, "…") {
		return strings.Index(lower, pattern)
	}
	first, rest := nextLiteral(pattern)
	from := 0
	for {
		i := strings.Index(lower[from:], first)
		if i < 0 {
			return -1
		}
		at := from + i
		end := strings.IndexByte(lower[at:], '\n')
		if end < 0 {
			end = len(lower)
		} else {
			end += at
		}
		if matchRest(lower[at+len(first):end], rest) {
			return at
		}
		from = at + 1
	}
}

// nextLiteral splits a pattern into its leading literal and the rest
// (which starts with an operator, " * " or " … ", or is empty).
func nextLiteral(p string) (lit, rest string) {
	i := len(p)
	for _, op := range [...]string{" * ", " … "} {
		if j := strings.Index(p, op); j >= 0 && j < i {
			i = j
		}
	}
	return p[:i], p[i:]
}

// matchRest matches the rest of a pattern at the start of line.
func matchRest(line, rest string) bool {
	switch {
	case rest == "":
		return true
	case strings.HasPrefix(rest, " * "):
		// One word: blanks, a run of non-blanks, a blank.
		lit, more := nextLiteral(rest[len(" * "):])
		if !strings.HasPrefix(line, " ") {
			return false
		}
		w := strings.TrimLeft(line, " ")
		n := strings.IndexByte(w, ' ')
		if n <= 0 {
			return false
		}
		w = w[n+1:]
		return strings.HasPrefix(w, lit) && matchRest(w[len(lit):], more)
	case strings.HasPrefix(rest, " … "):
		lit, more := nextLiteral(rest[len(" … "):])
		for from := 0; ; {
			i := strings.Index(line[from:], lit)
			if i < 0 {
				return false
			}
			if matchRest(line[from+i+len(lit):], more) {
				return true
			}
			from += i + 1
		}
	}
	return false
}

// asciiLower lower-cases ASCII letters only, keeping byte offsets.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// lineAt returns the trimmed line of s holding offset at.
func lineAt(s string, at int) string {
	start := strings.LastIndexByte(s[:at], '\n') + 1
	end := strings.IndexByte(s[at:], '\n')
	if end < 0 {
		end = len(s)
	} else {
		end += at
	}
	return strings.TrimSpace(s[start:end])
}

// firstLine returns the first non-blank line of s, trimmed.
func firstLine(s string) string {
	for s != "" {
		var l string
		l, s, _ = strings.Cut(s, "\n")
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// lastLine returns the last non-blank line of s, trimmed.
func lastLine(s string) string {
	s = strings.TrimRight(s, " \t\r\n")
	return strings.TrimSpace(s[strings.LastIndexByte(s, '\n')+1:])
}

// maskDigits replaces every run of digits by '#', so that lines differing
// only in numbers (line numbers, job ids, ports, directories) group
// together.
func maskDigits(s string) string {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	digit := false
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			if !digit {
				b = append(b, '#')
			}
			digit = true
			continue
		}
		digit = false
		b = append(b, c)
	}
	return string(b)
}
