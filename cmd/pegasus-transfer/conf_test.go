package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// --conf carries the S3 settings (an in-process S3 server on loopback): a
// local file goes up to s3:// and comes back down intact.
func TestConfS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("data"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	defer ts.Close()
	dir := t.TempDir()
	props := filepath.Join(dir, "pegasus.properties")
	os.WriteFile(props, []byte("pegasus.transfer.s3.endpoint = "+ts.URL+"\npegasus.transfer.s3.access_key = AKIDTEST\npegasus.transfer.s3.secret_key = secret\npegasus.transfer.s3.region = us-east-1\n"), 0o644)
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
