package ksrecord

// RegularExitCode decodes the record's raw wait status as Pegasus does
// (FORMATS.md Appendix A): the exit code 0-255 of a task that exited, minus
// the signal number for a task killed by a signal, -128 when the task could
// not be run (a negative raw status).
func (r *Record) RegularExitCode() int {
	switch {
	case r.Raw < 0:
		return -128
	case r.Raw&0x7f != 0:
		return -(r.Raw & 0x7f)
	}
	return r.Raw >> 8
}
