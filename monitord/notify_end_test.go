package monitord

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/ingest"
)

// At the end, monitord waits EndWait for the hooks: a hook that hangs is
// killed and a queued one is dropped, both logged, so the end is not held
// up; a quick hook still runs to completion.
func TestNotifyEndWait(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "monitord-notifications.log")
	n := newNotifier(NotifyConfig{Max: 1, EndWait: 500 * time.Millisecond, Log: logPath})
	env := map[string]string{"PEGASUS_JOBID": "job1"}
	n.run(ingest.Notification{Action: "/bin/sleep 60"}, "end", env)
	for len(n.sem) == 0 { // the sleep holds the only slot before the next is queued
		time.Sleep(time.Millisecond)
	}
	n.run(ingest.Notification{Action: "/bin/true"}, "end", env)
	start := time.Now()
	n.wait()
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("wait took %s", d)
	}
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	for _, want := range []string{"/bin/sleep 60 - killed: pegasus-monitord ended", "/bin/true - not run: pegasus-monitord ended"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}

	quick := newNotifier(NotifyConfig{Max: 2, EndWait: time.Minute, Log: logPath})
	quick.run(ingest.Notification{Action: "/bin/sh -c 'sleep 0.2'"}, "end", env)
	start = time.Now()
	quick.wait()
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("wait returned after %s, before the hook ended", d)
	}
}
