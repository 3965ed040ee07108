package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/planner/catalog/rc"
)

func rcRun(t *testing.T, args ...string) (string, int, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), cli.ExitCode("pegasus-rc-client", err, &stderr), err
}

// body returns the catalog without its header line.
func body(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasPrefix(s, "# file-based replica catalog: ") {
		t.Fatalf("no header in %q", s)
	}
	return s[strings.IndexByte(s, '\n')+1:]
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "rc.txt")
	conf := filepath.Join(dir, "p.properties")
	os.WriteFile(conf, []byte("pegasus.catalog.replica = File\npegasus.catalog.replica.file = "+cat+"\n"), 0o644)

	if _, code, err := rcRun(t, "--conf", conf, "insert", "f.a", "file:///d/f.a", "site=local"); code != 0 {
		t.Fatal(err)
	}
	if _, code, err := rcRun(t, "--file", cat, "insert", "f b", "gsiftp://h/x y", "site=remote", "checksum.type=sha256"); code != 0 {
		t.Fatal(err)
	}
	want := "f.a file:///d/f.a site=\"local\"\n\"f b\" \"gsiftp://h/x y\" site=\"remote\" checksum.type=\"sha256\"\n"
	if got := body(t, cat); got != want {
		t.Fatalf("catalog:\n%s\nwant\n%s", got, want)
	}
	// A duplicate is refused; the catalog reads back with the planner's parser.
	if _, code, _ := rcRun(t, "--file", cat, "insert", "f.a", "file:///d/f.a", "site=local"); code != 1 {
		t.Fatalf("duplicate insert: exit %d", code)
	}
	c, err := rc.ParseFile(cat)
	if err != nil || c.Len() != 2 || c.Lookup("f b")[0].Site() != "remote" {
		t.Fatalf("parse back: %v %+v", err, c)
	}
	out, code, _ := rcRun(t, "--file", cat, "lookup", "f b")
	if code != 0 || out != "\"f b\" \"gsiftp://h/x y\" site=\"remote\" checksum.type=\"sha256\"\n" {
		t.Fatalf("lookup: %d %q", code, out)
	}
	if _, code, err := rcRun(t, "--file", cat, "lookup", "f.a", "nope"); code != 1 || !strings.Contains(err.Error(), "no replica of nope") {
		t.Fatalf("lookup missing: %d %v", code, err)
	}
	out, _, _ = rcRun(t, "--file", cat, "list")
	if out != want {
		t.Fatalf("list %q", out)
	}
	if _, code, _ := rcRun(t, "--file", cat, "delete", "f.a"); code != 0 {
		t.Fatal("delete")
	}
	if _, code, _ := rcRun(t, "--file", cat, "delete", "f.a"); code != 1 {
		t.Fatal("second delete should fail")
	}
	if got := body(t, cat); got != "\"f b\" \"gsiftp://h/x y\" site=\"remote\" checksum.type=\"sha256\"\n" {
		t.Fatalf("after delete: %q", got)
	}
}

// TestBulkInsert is the registration job's command line: the .in file the
// planner writes, with the properties copy naming the catalog.
func TestBulkInsert(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "rc.txt")
	conf := filepath.Join(dir, "pegasus.1.properties")
	os.WriteFile(conf, []byte("pegasus.catalog.replica.file = "+cat+"\n"), 0o644)
	in := filepath.Join(dir, "register_local_2_0.in")
	os.WriteFile(in, []byte("f.d file:///out/f.d site=\"local\"\nf.c file:///out/f.c site=\"local\"\n"), 0o644)
	// Registration jobs of several workflows may run at once.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, code, err := rcRun(t, "--conf", conf, "--insert", in); code != 0 {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := body(t, cat); got != "f.d file:///out/f.d site=\"local\"\nf.c file:///out/f.c site=\"local\"\n" {
		t.Fatalf("catalog %q", got)
	}
	lf := filepath.Join(dir, "lfns")
	os.WriteFile(lf, []byte("# c\nf.c\nf.d file:///out/f.d\n"), 0o644)
	out, code, _ := rcRun(t, "--file", cat, "--lookup", lf)
	if code != 0 || out != "f.c file:///out/f.c site=\"local\"\nf.d file:///out/f.d site=\"local\"\n" {
		t.Fatalf("bulk lookup %d %q", code, out)
	}
	if _, code, _ := rcRun(t, "--file", cat, "--delete", lf); code != 0 || body(t, cat) != "" {
		t.Fatalf("bulk delete %d %q", code, body(t, cat))
	}
	bad := filepath.Join(dir, "bad.in")
	os.WriteFile(bad, []byte("ok file:///x site=\"a\"\nf.x file:///x site=\"unclosed\n"), 0o644)
	_, code, err := rcRun(t, "--file", cat, "--insert", bad)
	var pe *rc.ParseError
	if code != 1 || !errors.As(err, &pe) || pe.Line != 2 || !strings.HasPrefix(err.Error(), bad+":2:") {
		t.Fatalf("bad input: %d %v", code, err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"frob"}, {"insert", "a"}, {"--insert", "a", "--delete", "b"}, {"--insert", "a", "list"}, {"insert", "a", "b", "novalue"}} {
		if _, code, err := rcRun(t, append([]string{"--file", filepath.Join(t.TempDir(), "rc")}, args...)...); code != 2 {
			t.Errorf("%q: exit %d (%v), want 2", args, code, err)
		}
	}
	if _, code, _ := rcRun(t, "-Dpegasus.catalog.replica=JDBCRC", "list"); code != 1 {
		t.Errorf("JDBCRC: exit %d, want 1", code)
	}
}
