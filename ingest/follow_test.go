package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if strings.HasPrefix(rel, "expected") {
			return nil
		}
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// eventText renders the parts of an event that do not depend on when it was read.
func eventText(e *Event) string {
	if e.Kind == JobstateLine {
		if strings.Contains(e.Line.Text, "MONITORD_") {
			return ""
		}
		return "js " + e.Line.Text
	}
	s := fmt.Sprintf("%v %s %s/%d js%d %s %v %d", e.Kind, e.Wf, e.Job, e.Inst, e.JS, e.Sched, e.TS, e.ExitCode)
	if e.Inv != nil {
		s += fmt.Sprintf(" inv%d %s %v", e.Inv.TaskSeq, e.Inv.Transformation, e.Inv.Duration)
	}
	if e.End != nil {
		s += " " + e.End.StdoutFile + " " + e.End.StdoutText[:min(len(e.End.StdoutText), 40)]
	}
	return s
}

func TestFollowGrowingLog(t *testing.T) {
	dir := copyDir(t, testutil.Sample(t, "process_wf_failure"))
	out := filepath.Join(dir, "process-0.dag.dagman.out")
	full, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Loc: la(t)}

	var want []string
	if _, err := Replay(context.Background(), out, opts, func(b []*Event) error {
		for _, e := range b {
			if s := eventText(e); s != "" {
				want = append(want, s)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Write the log in pieces, cutting lines in the middle, while following it.
	cut1 := strings.Index(string(full), "Event: ULOG_EXECUTE for HTCondor Node ls_ID0000001") + 10
	cut2 := strings.Index(string(full), "POST Script of node ls_ID0000001 failed") + 5
	if err := os.WriteFile(out, full[:cut1], 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	sawRunning := make(chan struct{})
	var once sync.Once
	opts.Poll = 20 * time.Millisecond
	opts.Alive = func(int) bool { return true }
	done := make(chan error, 1)
	go func() {
		_, err := Follow(context.Background(), out, opts, func(b []*Event) error {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range b {
				if s := eventText(e); s != "" {
					got = append(got, s)
				}
				if e.Kind == SubmitEnd && e.Job == "ls_ID0000001" {
					once.Do(func() { close(sawRunning) })
				}
			}
			return nil
		})
		done <- err
	}()
	select {
	case <-sawRunning: // the running job was reported before the log was complete
	case <-time.After(10 * time.Second):
		t.Fatal("no event for the running job while the log grows")
	}
	appendTo := func(b []byte) {
		f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(b)
		f.Close()
	}
	appendTo(full[cut1:cut2])
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Follow returned before DAGMan's exit line: %v", err)
	default:
	}
	appendTo(full[cut2:])
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not end after DAGMan's exit line")
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("following a growing log gave other events than a replay:\n got %d events\nwant %d", len(got), len(want))
		for i := 0; i < len(got) && i < len(want); i++ {
			if got[i] != want[i] {
				t.Errorf("first difference at %d:\n got  %s\n want %s", i, got[i], want[i])
				break
			}
		}
	}
}

func TestFollowDAGManGone(t *testing.T) {
	dir := copyDir(t, testutil.Sample(t, "process_wf_failure"))
	out := filepath.Join(dir, "process-0.dag.dagman.out")
	full, _ := os.ReadFile(out)
	os.WriteFile(out, full[:len(full)/2], 0o644)
	var warns []string
	var mu sync.Mutex
	opts := Options{Loc: la(t), Poll: 10 * time.Millisecond, Alive: func(int) bool { return false },
		OnWarning: func(w Warning) { mu.Lock(); warns = append(warns, w.Text); mu.Unlock() }}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Follow(ctx, out, opts, func([]*Event) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(warns, "\n"), "DAGMan is gone") {
		t.Errorf("warnings: %v", warns)
	}
}
