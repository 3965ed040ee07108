package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/s3test"
)

// --conf carries the S3 settings (an in-process S3 server on loopback): a
// local file goes up to s3:// and comes back down intact.
func TestConfS3(t *testing.T) {
	backend, props := s3test.Server(t, "data")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.a"), []byte("payload\n"), 0o644)
	noenv := func(string) string { return "" }
	var out, errb bytes.Buffer
	up := "file://" + dir + "/f.a\ns3://data/run0001/f.a\n"
	if err := run(context.Background(), []string{"--conf", props}, strings.NewReader(up), &out, &errb, noenv); err != nil {
		t.Fatalf("upload: %v\n%s%s", err, out.String(), errb.String())
	}
	o, err := backend.GetObject("data", "run0001/f.a", nil)
	if err != nil {
		t.Fatalf("object: %v\n%s", err, out.String())
	}
	body, _ := io.ReadAll(o.Contents)
	o.Contents.Close()
	if string(body) != "payload\n" {
		t.Errorf("object = %q", body)
	}
	down := "s3://data/run0001/f.a\nfile://" + dir + "/back/f.a\n"
	if err := run(context.Background(), []string{"--conf", props}, strings.NewReader(down), &out, &errb, noenv); err != nil {
		t.Fatalf("download: %v\n%s%s", err, out.String(), errb.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "back", "f.a")); string(b) != "payload\n" {
		t.Errorf("downloaded %q", b)
	}
}
