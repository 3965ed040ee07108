package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pegasus-go/pegasus/kickstart"
)

// mover returns a Mover logging into buf, with a short back-off.
func mover(cfg Config, buf *bytes.Buffer) *Mover {
	cfg.Log = NewLogger(buf, nil)
	if cfg.Backoff == 0 {
		cfg.Backoff = 10 * time.Millisecond
	}
	return New(cfg)
}

func write(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func xfer(id int, lfn string, src, dst Endpoint) Request {
	return Request{ID: id, Kind: KindTransfer, LFN: lfn, Sources: []Endpoint{src}, Dests: []Endpoint{dst}, VerifySymlinkSource: true}
}

var logLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} +(INFO|WARNING|ERROR|DEBUG):  `)

func checkLog(t *testing.T, log string, want ...string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if !logLine.MatchString(l) {
			t.Errorf("log line not in Pegasus shape: %q", l)
		}
	}
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
}

func TestMoverLocal(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "in", "f.a")
	write(t, src, "content of f.a\n", 0o750)
	integrity := filepath.Join(dir, "ks.meta")
	var log bytes.Buffer
	m := mover(Config{Threads: 2, IntegrityFile: integrity}, &log)
	reqs := []Request{
		xfer(1, "f.a", Endpoint{"local", src, 0}, Endpoint{"local", "file://" + filepath.Join(dir, "scratch", "deep", "f.a"), 0}),
		{ID: 2, Kind: KindMkdir, Target: Endpoint{"local", "file://" + filepath.Join(dir, "made", "a", "b"), 0}},
		{ID: 3, Kind: KindMkdir, Target: Endpoint{"local", "file://" + filepath.Join(dir, "in"), 0}}, // exists: fine
	}
	reqs[0].GenerateChecksum = true
	st, err := m.Run(context.Background(), reqs)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, log.String())
	}
	dst := filepath.Join(dir, "scratch", "deep", "f.a")
	if got := read(t, dst); got != "content of f.a\n" {
		t.Errorf("copy holds %q", got)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o750 {
		t.Errorf("copy mode %v, want 0750", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(dir, "made", "a", "b")); err != nil || !fi.IsDir() {
		t.Errorf("mkdir -p: %v", err)
	}
	if st.Transfers != 1 || st.Bytes != 15 || st.Attempts != 1 || st.Sites["local->local"].Transfers != 1 {
		t.Errorf("stats = %+v", st)
	}
	sum := sha256.Sum256([]byte("content of f.a\n"))
	if st.Checksums["f.a"] != hex.EncodeToString(sum[:]) {
		t.Errorf("checksum = %q", st.Checksums["f.a"])
	}
	entries := kickstart.ParseIntegrity([]byte(read(t, integrity)))
	if len(entries) != 1 || entries[0].LFN != "f.a" {
		t.Fatalf("integrity entries = %+v", entries)
	}
	attrs := map[string]string{}
	for _, kv := range entries[0].Attrs {
		attrs[kv.Key] = kv.Value
	}
	if attrs["sha256"] != hex.EncodeToString(sum[:]) || attrs["size"] != "15" || attrs["output"] != "True" || attrs["file_name"] != `"`+src+`"` {
		t.Errorf("integrity attrs = %v", attrs)
	}
	checkLog(t, log.String(), "Starting transfers - attempt 1", "Stats: Total 1 transfers", "Between sites local->local",
		"All transfers completed successfully.", "mkdir -p '"+filepath.Join(dir, "made", "a", "b")+"'")
	if strings.Contains(log.String(), "attempt 2") {
		t.Error("retried a successful transfer")
	}
}

func TestMoverSymlinks(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "f")
	write(t, src, "x", 0o644)
	tests := []struct {
		name     string
		symlink  bool
		src, dst Endpoint
		link     bool
	}{
		{name: "same-site-allowed", symlink: true, src: Endpoint{"local", src, 0}, dst: Endpoint{"local", "file://" + dir + "/a/f", 0}, link: true},
		{name: "same-site-not-allowed", symlink: false, src: Endpoint{"local", src, 0}, dst: Endpoint{"local", "file://" + dir + "/b/f", 0}, link: false},
		{name: "other-site", symlink: true, src: Endpoint{"local", src, 0}, dst: Endpoint{"condorpool", "file://" + dir + "/c/f", 0}, link: false},
		{name: "symlink-url", symlink: false, src: Endpoint{"local", "file://" + src, 0}, dst: Endpoint{"condorpool", "symlink://" + dir + "/d/f", 0}, link: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			m := mover(Config{Symlink: tc.symlink}, &log)
			if _, err := m.Run(context.Background(), []Request{xfer(1, "f", tc.src, tc.dst)}); err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			l, _ := parseLocation(tc.dst.URL)
			target, err := os.Readlink(l.path)
			if tc.link != (err == nil) {
				t.Fatalf("link = %v (%q), want %v", err == nil, target, tc.link)
			}
			if tc.link && target != src {
				t.Errorf("link points to %q", target)
			}
			if read(t, l.path) != "x" {
				t.Error("content differs")
			}
		})
	}
	t.Run("missing-source", func(t *testing.T) {
		var log bytes.Buffer
		m := mover(Config{Attempts: 3}, &log)
		st, err := m.Run(context.Background(), []Request{xfer(1, "f", Endpoint{"local", dir + "/nope", 0}, Endpoint{"local", "symlink://" + dir + "/e/f", 0})})
		var te *Error
		if !errors.As(err, &te) || te.Failed != 1 || !errors.Is(err, ErrPermanent) || !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
		if st.Attempts != 1 {
			t.Errorf("a permanent failure was retried: %d attempts", st.Attempts)
		}
		if _, err := os.Lstat(dir + "/e/f"); err == nil {
			t.Error("dangling link created")
		}
	})
}

func TestMoverSourcesAndFailures(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	write(t, good, "good", 0o644)
	t.Run("falls-back-to-next-source", func(t *testing.T) {
		var log bytes.Buffer
		r := Request{ID: 1, Kind: KindTransfer, LFN: "f", Sources: []Endpoint{{"a", dir + "/missing", 90}, {"b", good, 10}},
			Dests: []Endpoint{{"local", dir + "/out1", 0}, {"local", dir + "/out2", 0}}}
		st, err := mover(Config{}, &log).Run(context.Background(), []Request{r})
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		if read(t, dir+"/out1") != "good" || read(t, dir+"/out2") != "good" || st.Transfers != 2 {
			t.Errorf("transfers = %d", st.Transfers)
		}
		checkLog(t, log.String(), "source "+dir+"/missing failed")
	})
	t.Run("one-of-several-fails", func(t *testing.T) {
		var log bytes.Buffer
		reqs := []Request{
			xfer(1, "ok", Endpoint{"l", good, 0}, Endpoint{"l", dir + "/ok", 0}),
			xfer(2, "bad", Endpoint{"l", dir + "/absent", 0}, Endpoint{"l", dir + "/bad", 0}),
			xfer(3, "scheme", Endpoint{"l", "gsiftp://h/x", 0}, Endpoint{"l", dir + "/x", 0}),
		}
		st, err := mover(Config{}, &log).Run(context.Background(), reqs)
		var te *Error
		if !errors.As(err, &te) || te.Failed != 2 || te.Total != 3 {
			t.Fatalf("err = %v", err)
		}
		if st.Transfers != 1 || read(t, dir+"/ok") != "good" {
			t.Errorf("stats %+v", st)
		}
		checkLog(t, log.String(), "2 of 3 transfers failed")
	})
	t.Run("copy-onto-itself", func(t *testing.T) {
		var log bytes.Buffer
		if _, err := mover(Config{}, &log).Run(context.Background(), []Request{xfer(1, "g", Endpoint{"l", good, 0}, Endpoint{"l", "file://" + good, 0})}); err != nil {
			t.Fatal(err)
		}
		if read(t, good) != "good" {
			t.Error("file damaged")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var log bytes.Buffer
		_, err := mover(Config{}, &log).Run(ctx, []Request{xfer(1, "g", Endpoint{"l", good, 0}, Endpoint{"l", dir + "/c", 0})})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestMoverRemove(t *testing.T) {
	dir := t.TempDir()
	write(t, dir+"/work/a/f1", "1", 0o644)
	write(t, dir+"/work/f2", "2", 0o644)
	write(t, dir+"/keep", "k", 0o644)
	var log bytes.Buffer
	reqs := []Request{
		{ID: 1, Kind: KindRemove, Target: Endpoint{"l", "file://" + dir + "/keep-not-there", 0}},
		{ID: 2, Kind: KindRemove, Target: Endpoint{"l", "file://" + dir + "/work/f2", 0}},
		{ID: 3, Kind: KindRemove, Target: Endpoint{"l", "file://" + dir + "/work", 0}, Recursive: true},
	}
	st, err := mover(Config{Threads: 1}, &log).Run(context.Background(), reqs)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if _, err := os.Stat(dir + "/work"); !os.IsNotExist(err) {
		t.Errorf("work dir still there: %v", err)
	}
	if read(t, dir+"/keep") != "k" {
		t.Error("removed too much")
	}
	checkLog(t, log.String(), "rm -rf '"+dir+"/work'", "rm -f '"+dir+"/work/f2'", "Stats: no local files in the transfer set")
	if st.Requests != 3 {
		t.Errorf("stats %+v", st)
	}
	// Removing a non-empty directory without recursion fails.
	write(t, dir+"/full/x", "x", 0o644)
	_, err = mover(Config{}, &log).Run(context.Background(), []Request{{ID: 1, Kind: KindRemove, Target: Endpoint{"l", dir + "/full", 0}}})
	if err == nil {
		t.Error("removed a non-empty directory without -r")
	}
}

func TestMoverHTTP(t *testing.T) {
	flaky := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if flaky++; flaky < 3 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("finally"))
		case "/f":
			w.Write([]byte("served"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	dir := t.TempDir()
	var log bytes.Buffer
	st, err := mover(Config{Attempts: 3}, &log).Run(context.Background(), []Request{
		xfer(1, "f", Endpoint{"web", ts.URL + "/f", 0}, Endpoint{"local", dir + "/f", 0}),
		xfer(2, "flaky", Endpoint{"web", ts.URL + "/flaky", 0}, Endpoint{"local", dir + "/flaky", 0}),
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if read(t, dir+"/f") != "served" || read(t, dir+"/flaky") != "finally" || st.Attempts != 3 {
		t.Errorf("attempts %d", st.Attempts)
	}
	checkLog(t, log.String(), "Starting transfers - attempt 3", "503 Service Unavailable")
	_, err = mover(Config{Attempts: 3}, &log).Run(context.Background(), []Request{xfer(1, "nf", Endpoint{"web", ts.URL + "/missing", 0}, Endpoint{"local", dir + "/m", 0})})
	if !errors.Is(err, ErrPermanent) {
		t.Errorf("404: err = %v, want permanent", err)
	}
}
