package monitord

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Notification is what a hook run by monitord learns from its environment
// (FORMATS.md §7.3); the default hooks pegasus-notify-email and
// pegasus-notify-report read it with NotificationFromEnv.
type Notification struct {
	Event     string // start, on_success, on_error, at_end
	Time      string // PEGASUS_EVENT_TIMESTAMP_ISO
	SubmitDir string
	JobID     string // the workflow uuid for workflow hooks, else the job name
	WfID      string // <label>-<index>
	InvID     string
	Stdout    string
	Stderr    string
	Status    string // empty for start events
	Env       map[string]string
}

// NotificationFromEnv reads the PEGASUS_* variables of a hook's environment.
func NotificationFromEnv(getenv func(string) string) (*Notification, error) {
	n := &Notification{
		Event: getenv("PEGASUS_EVENT"), Time: getenv("PEGASUS_EVENT_TIMESTAMP_ISO"),
		SubmitDir: getenv("PEGASUS_SUBMIT_DIR"), JobID: getenv("PEGASUS_JOBID"), WfID: getenv("PEGASUS_WFID"),
		InvID: getenv("PEGASUS_INVID"), Stdout: getenv("PEGASUS_STDOUT"), Stderr: getenv("PEGASUS_STDERR"),
		Status: getenv("PEGASUS_STATUS"), Env: map[string]string{},
	}
	if n.Event == "" || n.JobID == "" {
		return nil, fmt.Errorf("PEGASUS_EVENT and PEGASUS_JOBID are not set: this program is run by pegasus-monitord as a notification hook")
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PEGASUS_") {
			k, v, _ := strings.Cut(kv, "=")
			n.Env[k] = v
		}
	}
	return n, nil
}

// Workflow reports whether the notification is about the whole workflow.
func (n *Notification) Workflow() bool {
	return n.InvID == "" && len(n.JobID) == 36 && strings.Count(n.JobID, "-") == 4
}

// Subject is a one-line summary of the notification.
func (n *Notification) Subject() string {
	what := "job " + n.JobID
	if n.Workflow() {
		what = "workflow " + n.WfID
	} else if n.InvID != "" {
		what = "task " + n.InvID + " of job " + n.JobID
	}
	s := fmt.Sprintf("Pegasus notification: %s %s", what, n.Event)
	if n.Status != "" {
		s += " (status " + n.Status + ")"
	}
	return s
}

// Body is a readable account of the notification.
func (n *Notification) Body() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", n.Subject())
	fmt.Fprintf(&b, "Time:       %s\nEvent:      %s\nWorkflow:   %s\nSubmit dir: %s\n", n.Time, n.Event, n.WfID, n.SubmitDir)
	if !n.Workflow() {
		fmt.Fprintf(&b, "Job:        %s\n", n.JobID)
	}
	if n.Status != "" {
		fmt.Fprintf(&b, "Status:     %s\n", n.Status)
	}
	if n.Stdout != "" {
		fmt.Fprintf(&b, "Output:     %s\n", n.Stdout)
	}
	if n.Stderr != "" {
		fmt.Fprintf(&b, "Errors:     %s\n", n.Stderr)
	}
	keys := make([]string, 0, len(n.Env))
	for k := range n.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteString("\nEnvironment:\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s=%s\n", k, n.Env[k])
	}
	return b.String()
}
