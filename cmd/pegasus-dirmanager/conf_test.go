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

// --conf carries the S3 settings (an in-process S3 server on loopback):
// the bucket of an s3:// directory is created there; a bad setting in the
// file is reported.
func TestConfS3(t *testing.T) {
	backend, props := s3test.Server(t)
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"--conf", props, "-u", "s3://newbucket/run0001"}, strings.NewReader(""), &out, &errb, noenv); err != nil {
		t.Fatalf("run: %v\n%s%s", err, out.String(), errb.String())
	}
	if ok, err := backend.BucketExists("newbucket"); err != nil || !ok {
		t.Errorf("bucket not created: %v %v\n%s", ok, err, out.String())
	}
	bad := filepath.Join(dir, "bad.properties")
	os.WriteFile(bad, []byte("pegasus.transfer.s3.part_size = 12\n"), 0o644)
	err := run(context.Background(), []string{"--conf", bad, "-u", "s3://newbucket/x"}, strings.NewReader(""), &out, &errb, noenv)
	if err == nil || !strings.Contains(err.Error(), "pegasus.transfer.s3.part_size") {
		t.Errorf("bad --conf: %v", err)
	}
}
