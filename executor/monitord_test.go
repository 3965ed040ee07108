package executor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A monitord that fails at once every time (a permanent error) is started
// QuickFailures times, not MaxRestarts times; one that is killed is started
// again, and one that ends well after the workflow ended is done.
func TestMonitordSupervision(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\necho run >> "+filepath.Join(dir, name+".runs")+"\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	runs := func(name string) int {
		b, _ := os.ReadFile(filepath.Join(dir, name+".runs"))
		return strings.Count(string(b), "run\n")
	}

	t.Run("fails-at-once", func(t *testing.T) {
		var logged []string
		m := &Monitord{Path: script("failing", "echo 'not a workflow submit directory' >&2\nexit 1\n"), DagmanOut: "x.dagman.out", Dir: dir,
			LogFile: filepath.Join(dir, "monitord.log"), Logf: func(f string, a ...any) { logged = append(logged, f) }}
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-m.done:
		case <-time.After(30 * time.Second):
			t.Fatal("the supervisor did not give up")
		}
		err := m.Finish(context.Background())
		if err == nil || !strings.Contains(err.Error(), "failed as soon as it started, 3 times in a row") || !strings.Contains(err.Error(), "monitord.log") {
			t.Errorf("err = %v", err)
		}
		if n := runs("failing"); n != 3 {
			t.Errorf("started %d times, want 3", n)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "monitord.log")); !strings.Contains(string(b), "not a workflow submit directory") {
			t.Errorf("monitord.log: %q", b)
		}
	})

	t.Run("killed-then-done", func(t *testing.T) {
		// The first run kills itself with SIGKILL; the second waits for
		// the workflow's end (a file) and exits 0.
		flag := filepath.Join(dir, "ended")
		body := "if [ ! -f " + flag + ".first ]; then : > " + flag + ".first; kill -KILL $$; fi\nwhile [ ! -f " + flag + " ]; do sleep 0.05; done\nexit 0\n"
		m := &Monitord{Path: script("crashing", body), DagmanOut: "x.dagman.out", Dir: dir}
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for m.Restarts() < 1 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		os.WriteFile(flag, nil, 0o644)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := m.Finish(ctx); err != nil {
			t.Errorf("Finish: %v", err)
		}
		if n := runs("crashing"); n != 2 {
			t.Errorf("started %d times, want 2", n)
		}
	})
}
