// Package s3test starts an in-process S3 server for the tests of the data
// movement tools, and writes the properties that point them at it.
package s3test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server starts gofakes3 on the loopback interface with the given buckets,
// stopped when the test ends. It returns the server's backend (to put and
// look at objects) and a pegasus.properties file in a temporary directory
// with the endpoint and test credentials, and one transfer attempt.
func Server(t testing.TB, buckets ...string) (backend *s3mem.Backend, props string) {
	t.Helper()
	backend = s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	props = filepath.Join(t.TempDir(), "pegasus.properties")
	text := "pegasus.transfer.s3.endpoint = " + ts.URL + "\npegasus.transfer.s3.access_key = AKIDTEST\n" +
		"pegasus.transfer.s3.secret_key = secret\npegasus.transfer.s3.region = us-east-1\npegasus.transfer.attempts = 1\n"
	if err := os.WriteFile(props, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return backend, props
}
