package analyzer

import "strconv"

// Exit is a decoded Unix wait status, as kickstart and monitord record them
// (raw: exit 1 is 256, a kill by signal 9 is 9).
type Exit struct {
	Raw    int
	Code   int // exit status, when the process exited
	Signal int // signal number, when it was killed (0 otherwise)
	// Launch means a negative raw status: the process could not be started
	// (kickstart's failure record), which Pegasus shows as -128.
	Launch bool
}

// DecodeRaw decodes a raw wait status.
func DecodeRaw(raw int) Exit {
	switch {
	case raw < 0:
		return Exit{Raw: raw, Launch: true}
	case raw&0x7f != 0:
		return Exit{Raw: raw, Signal: raw & 0x7f}
	}
	return Exit{Raw: raw, Code: raw >> 8}
}

// Regular is Pegasus's raw_to_regular: -128 for a launch failure, minus the
// signal for a kill, else the exit status. The JSON "exitcode" fields hold it.
func (e Exit) Regular() int {
	switch {
	case e.Launch:
		return -128
	case e.Signal != 0:
		return -e.Signal
	}
	return e.Code
}

// OK reports a clean exit 0.
func (e Exit) OK() bool { return !e.Launch && e.Signal == 0 && e.Code == 0 }

// String says what happened: "exited with status 2", "was killed by signal
// 9 (SIGKILL)", "could not be started".
func (e Exit) String() string {
	switch {
	case e.Launch:
		return "could not be started"
	case e.Signal != 0:
		return "was killed by signal " + SignalName(e.Signal)
	}
	return "exited with status " + strconv.Itoa(e.Code)
}

// Short is the exit in a table cell: "2", "signal 9", "launch".
func (e Exit) Short() string {
	switch {
	case e.Launch:
		return "launch"
	case e.Signal != 0:
		return "signal " + strconv.Itoa(e.Signal)
	}
	return strconv.Itoa(e.Code)
}

// signals names the Linux signals a job dies of, with what they usually mean.
var signals = map[int][2]string{
	1:  {"SIGHUP", "the controlling terminal or parent went away"},
	2:  {"SIGINT", "interrupted"},
	3:  {"SIGQUIT", "quit, with a core dump"},
	4:  {"SIGILL", "illegal instruction: a binary built for another CPU"},
	5:  {"SIGTRAP", "trace trap"},
	6:  {"SIGABRT", "aborted (a failed assertion or abort())"},
	7:  {"SIGBUS", "bus error (a truncated memory-mapped file, or bad alignment)"},
	8:  {"SIGFPE", "arithmetic error (division by zero)"},
	9:  {"SIGKILL", "killed outright: usually the out-of-memory killer, a batch-system limit, or the job was removed"},
	10: {"SIGUSR1", "user signal 1"},
	11: {"SIGSEGV", "segmentation fault: a bug in the program, or too little stack"},
	12: {"SIGUSR2", "user signal 2"},
	13: {"SIGPIPE", "wrote to a pipe nobody reads"},
	14: {"SIGALRM", "alarm clock"},
	15: {"SIGTERM", "terminated: the job was removed, pre-empted or timed out"},
	24: {"SIGXCPU", "CPU time limit exceeded"},
	25: {"SIGXFSZ", "file size limit exceeded"},
}

// SignalName renders a signal as "9 (SIGKILL)" (just the number when unknown).
func SignalName(sig int) string {
	if s, ok := signals[sig]; ok {
		return strconv.Itoa(sig) + " (" + s[0] + ")"
	}
	return strconv.Itoa(sig)
}

// signalMeaning is what a kill by sig usually means ("" when unknown).
func signalMeaning(sig int) string { return signals[sig][1] }
