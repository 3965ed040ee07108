package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/s3test"
)

// --conf carries the S3 settings (an in-process S3 server on loopback): the
// s3:// file is removed there and its neighbour kept; a bad setting in the
// file is reported.
func TestConfS3(t *testing.T) {
	backend, props := s3test.Server(t, "data")
	for _, k := range []string{"run0001/f.a", "run0001/f.b"} {
		if _, err := backend.PutObject("data", k, map[string]string{}, strings.NewReader("x"), 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"--conf", props, "-u", "s3://data/run0001/f.a"}, strings.NewReader(""), &out, &errb, noenv); err != nil {
		t.Fatalf("run: %v\n%s%s", err, out.String(), errb.String())
	}
	if _, err := backend.HeadObject("data", "run0001/f.a"); err == nil {
		t.Error("s3://data/run0001/f.a is still there")
	}
	if _, err := backend.HeadObject("data", "run0001/f.b"); err != nil {
		t.Errorf("s3://data/run0001/f.b: %v", err)
	}
	bad := filepath.Join(dir, "bad.properties")
	os.WriteFile(bad, []byte("pegasus.transfer.s3.part_size = 12\n"), 0o644)
	err := run(context.Background(), []string{"--conf", bad, "-u", "s3://data/run0001/f.b"}, strings.NewReader(""), &out, &errb, noenv)
	if err == nil || !strings.Contains(err.Error(), "pegasus.transfer.s3.part_size") {
		t.Errorf("bad --conf: %v", err)
	}
}
