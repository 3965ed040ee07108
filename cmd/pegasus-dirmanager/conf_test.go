package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// --conf carries the S3 settings (an in-process S3 server on loopback):
// the bucket of an s3:// directory is created there; a bad setting in the
// file is reported.
func TestConfS3(t *testing.T) {
	backend := s3mem.New()
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	defer ts.Close()
	dir := t.TempDir()
	props := filepath.Join(dir, "pegasus.properties")
	os.WriteFile(props, []byte("pegasus.transfer.s3.endpoint = "+ts.URL+"\npegasus.transfer.s3.access_key = AKIDTEST\npegasus.transfer.s3.secret_key = secret\npegasus.transfer.s3.region = us-east-1\npegasus.transfer.attempts = 1\n"), 0o644)
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
