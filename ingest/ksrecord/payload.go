package ksrecord

import "strings"

// Markers around a monitoring payload in task output (FORMATS.md §5.7).
const (
	PayloadStart = "@@@MONITORING_PAYLOAD - START@@@"
	PayloadEnd   = "@@@MONITORING_PAYLOAD - END@@@"
)

// SplitPayloads removes the monitoring payloads from task output (a record's
// Stdout or Stderr, or a job's .err file) and returns the remaining text, as
// monitord stores it, and the payloads' JSON texts in order, undecoded. A
// start marker without an end marker is left in the text.
func SplitPayloads(text string) (rest string, payloads []string) {
	i := strings.Index(text, PayloadStart)
	if i < 0 {
		return text, nil
	}
	var b strings.Builder
	b.Grow(len(text))
	for i >= 0 {
		j := strings.Index(text[i+len(PayloadStart):], PayloadEnd)
		if j < 0 {
			break
		}
		b.WriteString(text[:i])
		payloads = append(payloads, text[i+len(PayloadStart):i+len(PayloadStart)+j])
		text = text[i+len(PayloadStart)+j+len(PayloadEnd):]
		i = strings.Index(text, PayloadStart)
	}
	b.WriteString(text)
	return b.String(), payloads
}
