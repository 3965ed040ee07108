package transfer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// faults wraps the in-process S3 server and injects failures.
type faults struct {
	mu          sync.Mutex
	denyBucket  string // every request to this bucket: 403 AccessDenied
	failGets    int    // the next N object GETs: 503 SlowDown
	failPuts    int    // the next N object PUTs (and part uploads): 500 InternalError
	cutPutKey   string // the first PUT of this key is cut off half-way through its body
	cut         bool
	methods     []string
	putAttempts int
}

func (f *faults) ServeHTTPWith(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.methods = append(f.methods, r.Method+" "+r.URL.Path)
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
		bucket, key := parts[0], ""
		if len(parts) == 2 {
			key = parts[1]
		}
		isObject := key != ""
		if r.Method == http.MethodPut && isObject {
			f.putAttempts++
		}
		switch {
		case bucket == f.denyBucket && f.denyBucket != "":
			f.mu.Unlock()
			s3ErrorResponse(w, http.StatusForbidden, "AccessDenied", "Access Denied")
			return
		case r.Method == http.MethodGet && isObject && f.failGets > 0:
			f.failGets--
			f.mu.Unlock()
			s3ErrorResponse(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
			return
		case r.Method == http.MethodPut && isObject && r.Header.Get("X-Amz-Copy-Source") == "" && f.failPuts > 0:
			f.failPuts--
			f.mu.Unlock()
			io.Copy(io.Discard, r.Body)
			s3ErrorResponse(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error.")
			return
		case r.Method == http.MethodPut && key == f.cutPutKey && !f.cut:
			f.cut = true
			f.mu.Unlock()
			// Read half of the body, then drop the connection: the
			// upload is interrupted mid-way.
			io.CopyN(io.Discard, r.Body, r.ContentLength/2)
			hj, ok := w.(http.Hijacker)
			if !ok {
				panic("no hijacker")
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		f.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func s3ErrorResponse(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>1</RequestId></Error>`, code, msg)
}

// s3Server starts gofakes3 on the loopback interface with a bucket "data".
func s3Server(t *testing.T) (*faults, S3Config, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("data"); err != nil {
		t.Fatal(err)
	}
	f := &faults{}
	ts := httptest.NewServer(f.ServeHTTPWith(gofakes3.New(backend).Server()))
	t.Cleanup(ts.Close)
	cfg := S3Config{Default: S3Profile{Endpoint: ts.URL, AccessKey: "AKIDTEST", SecretKey: "secret", Region: "us-east-1"}}
	return f, cfg, backend
}

func object(t *testing.T, b *s3mem.Backend, bucket, key string) string {
	t.Helper()
	o, err := b.GetObject(bucket, key, nil)
	if err != nil {
		t.Fatalf("object %s/%s: %v", bucket, key, err)
	}
	defer o.Contents.Close()
	data, _ := io.ReadAll(o.Contents)
	return string(data)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

func TestS3RoundTrip(t *testing.T) {
	_, cfg, backend := s3Server(t)
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	write(t, small, "hello s3\n", 0o644)
	big := filepath.Join(dir, "big.bin")
	bigData := randomBytes(11<<20 + 12345)
	if err := os.WriteFile(big, bigData, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.PartSize = 5 << 20
	var log bytes.Buffer
	m := mover(Config{S3: cfg, Threads: 2}, &log)
	st, err := m.Run(context.Background(), []Request{
		xfer(1, "small.txt", Endpoint{"local", small, 0}, Endpoint{"s3", "s3://data/run1/small.txt", 0}),
		xfer(2, "big.bin", Endpoint{"local", "file://" + big, 0}, Endpoint{"s3", "s3://data/run1/big.bin", 0}),
	})
	if err != nil {
		t.Fatalf("upload: %v\n%s", err, log.String())
	}
	if object(t, backend, "data", "run1/small.txt") != "hello s3\n" {
		t.Error("small object differs")
	}
	if object(t, backend, "data", "run1/big.bin") != string(bigData) {
		t.Error("multipart object differs")
	}
	if st.Bytes != int64(9+len(bigData)) {
		t.Errorf("bytes = %d", st.Bytes)
	}

	// Download both, copy one on the server side, and checksum a download.
	back := filepath.Join(dir, "back")
	reqs := []Request{
		xfer(1, "small.txt", Endpoint{"s3", "s3://data/run1/small.txt", 0}, Endpoint{"local", "file://" + back + "/small.txt", 0}),
		xfer(2, "big.bin", Endpoint{"s3", "s3://data/run1/big.bin", 0}, Endpoint{"local", back + "/big.bin", 0}),
		xfer(3, "copy", Endpoint{"s3", "s3://data/run1/small.txt", 0}, Endpoint{"s3", "s3://data/archive/small.txt", 0}),
	}
	reqs[0].GenerateChecksum = true
	st, err = mover(Config{S3: cfg}, &log).Run(context.Background(), reqs)
	if err != nil {
		t.Fatalf("download: %v\n%s", err, log.String())
	}
	if read(t, back+"/small.txt") != "hello s3\n" || read(t, back+"/big.bin") != string(bigData) {
		t.Error("downloads differ")
	}
	if object(t, backend, "data", "archive/small.txt") != "hello s3\n" {
		t.Error("server-side copy differs")
	}
	if sum := sha256.Sum256([]byte("hello s3\n")); st.Checksums["small.txt"] != hex.EncodeToString(sum[:]) {
		t.Errorf("checksum = %q", st.Checksums["small.txt"])
	}
	checkLog(t, log.String(), "s3 put '", "s3 get 's3://data/run1/big.bin'", "s3 cp 's3://data/run1/small.txt' 's3://data/archive/small.txt'")
}

func TestS3MkdirAndRemove(t *testing.T) {
	_, cfg, backend := s3Server(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	write(t, f, "x", 0o644)
	var log bytes.Buffer
	reqs := []Request{
		{ID: 1, Kind: KindMkdir, Target: Endpoint{"s3", "s3://newbucket/some/prefix", 0}},
		{ID: 2, Kind: KindMkdir, Target: Endpoint{"s3", "s3://data/exists", 0}},
	}
	if _, err := mover(Config{S3: cfg}, &log).Run(context.Background(), reqs); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if ok, _ := backend.BucketExists("newbucket"); !ok {
		t.Fatal("bucket not created")
	}
	var up []Request
	for i, k := range []string{"run/a", "run/sub/b", "run/c", "running/keep", "other"} {
		up = append(up, xfer(i+1, k, Endpoint{"l", f, 0}, Endpoint{"s3", "s3://newbucket/" + k, 0}))
	}
	if _, err := mover(Config{S3: cfg}, &log).Run(context.Background(), up); err != nil {
		t.Fatal(err)
	}
	rm := []Request{
		{ID: 1, Kind: KindRemove, Target: Endpoint{"s3", "s3://newbucket/other", 0}},
		{ID: 2, Kind: KindRemove, Target: Endpoint{"s3", "s3://newbucket/run", 0}, Recursive: true},
		{ID: 3, Kind: KindRemove, Target: Endpoint{"s3", "s3://newbucket/never-existed", 0}},
	}
	if _, err := mover(Config{S3: cfg, Threads: 1}, &log).Run(context.Background(), rm); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	list, err := backend.ListBucket("newbucket", nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, c := range list.Contents {
		left = append(left, c.Key)
	}
	if strings.Join(left, ",") != "running/keep" {
		t.Errorf("objects left: %v", left)
	}
}

func TestS3Failures(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "payload")
	payload := randomBytes(256 << 10)
	if err := os.WriteFile(src, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		setup     func(*faults)
		req       Request
		attempts  int
		wantErr   string // substring; "" for success
		permanent bool
		wantTries int // attempts made
		check     func(t *testing.T, b *s3mem.Backend, f *faults)
	}{
		{
			name:      "missing-bucket",
			req:       xfer(1, "p", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://nosuchbucket/p", 0}),
			attempts:  3,
			wantErr:   "NoSuchBucket",
			permanent: true,
			wantTries: 1,
		},
		{
			name:      "missing-key",
			req:       xfer(1, "p", Endpoint{"s3", "s3://data/absent", 0}, Endpoint{"l", dir + "/absent", 0}),
			attempts:  3,
			wantErr:   "NoSuchKey",
			permanent: true,
			wantTries: 1,
		},
		{
			name:      "access-denied",
			setup:     func(f *faults) { f.denyBucket = "data" },
			req:       xfer(1, "p", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://data/p", 0}),
			attempts:  3,
			wantErr:   "AccessDenied",
			permanent: true,
			wantTries: 1,
		},
		{
			name:      "upload-interrupted-then-retried",
			setup:     func(f *faults) { f.cutPutKey = "cut/p" },
			req:       xfer(1, "p", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://data/cut/p", 0}),
			attempts:  3,
			wantTries: 2,
			check: func(t *testing.T, b *s3mem.Backend, f *faults) {
				if object(t, b, "data", "cut/p") != string(payload) {
					t.Error("object differs after the retried upload")
				}
				if !f.cut || f.putAttempts != 2 {
					t.Errorf("cut %v, %d PUTs", f.cut, f.putAttempts)
				}
			},
		},
		{
			name:      "transient-errors-then-success",
			setup:     func(f *faults) { f.failGets = 2 },
			req:       xfer(1, "p", Endpoint{"s3", "s3://data/seed", 0}, Endpoint{"l", dir + "/got", 0}),
			attempts:  3,
			wantTries: 3,
			check: func(t *testing.T, b *s3mem.Backend, f *faults) {
				if read(t, dir+"/got") != "seed data" {
					t.Error("download differs")
				}
			},
		},
		{
			name:      "transient-errors-outlast-attempts",
			setup:     func(f *faults) { f.failPuts = 5 },
			req:       xfer(1, "p", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://data/p2", 0}),
			attempts:  2,
			wantErr:   "InternalError",
			wantTries: 2,
			check: func(t *testing.T, b *s3mem.Backend, f *faults) {
				if _, err := b.HeadObject("data", "p2"); err == nil {
					t.Error("object exists after failed uploads")
				}
			},
		},
		{
			name:      "unknown-identity",
			req:       xfer(1, "p", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://nobody@nowhere/data/p", 0}),
			attempts:  3,
			wantErr:   "no section [nobody@nowhere]",
			permanent: true,
			wantTries: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, cfg, backend := s3Server(t)
			if _, err := backend.PutObject("data", "seed", nil, strings.NewReader("seed data"), 9, nil); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(f)
			}
			var log bytes.Buffer
			st, err := mover(Config{S3: cfg, Attempts: tc.attempts}, &log).Run(context.Background(), []Request{tc.req})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v\n%s", err, log.String())
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q\n%s", err, tc.wantErr, log.String())
				}
				if errors.Is(err, ErrPermanent) != tc.permanent {
					t.Errorf("permanent = %v, want %v (%v)", errors.Is(err, ErrPermanent), tc.permanent, err)
				}
			}
			if st.Attempts != tc.wantTries {
				t.Errorf("attempts = %d, want %d\n%s", st.Attempts, tc.wantTries, log.String())
			}
			if tc.check != nil {
				tc.check(t, backend, f)
			}
		})
	}
}

func TestS3Configuration(t *testing.T) {
	f, cfg, backend := s3Server(t)
	_ = f
	endpoint := cfg.Default.Endpoint
	dir := t.TempDir()
	s3cfg := filepath.Join(dir, "s3cfg")
	write(t, s3cfg, "# Pegasus s3cfg\n[fake]\nendpoint = "+endpoint+"\n\n[alice@fake]\naccess_key = AK\nsecret_key = SK\n", 0o600)
	t.Run("s3cfg-identity", func(t *testing.T) {
		var c S3Config
		if err := c.LoadS3Cfg(s3cfg); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(dir, "x")
		write(t, src, "via s3cfg", 0o644)
		var log bytes.Buffer
		_, err := mover(Config{S3: c}, &log).Run(context.Background(), []Request{
			xfer(1, "x", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://alice@fake/data/x", 0}),
			xfer(2, "y", Endpoint{"l", src, 0}, Endpoint{"s3", "s3://data/y", 0}), // the only identity serves plain URLs
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, log.String())
		}
		if object(t, backend, "data", "x") != "via s3cfg" || object(t, backend, "data", "y") != "via s3cfg" {
			t.Error("objects differ")
		}
	})
	t.Run("environment-and-properties", func(t *testing.T) {
		env := map[string]string{"AWS_ACCESS_KEY_ID": "envkey", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://env.invalid"}
		c := S3ConfigFromEnv(func(k string) string { return env[k] })
		if c.Default.AccessKey != "envkey" || c.Default.Region != "eu-west-1" || c.Default.Endpoint != "http://env.invalid" {
			t.Errorf("from env: %+v", c.Default)
		}
		props := map[string]string{"pegasus.transfer.s3.endpoint": endpoint, "pegasus.transfer.s3.part_size": "6291456"}
		if err := c.ApplyProperties(func(k string) (string, bool) { v, ok := props[k]; return v, ok }); err != nil {
			t.Fatal(err)
		}
		if c.Default.Endpoint != endpoint || c.PartSize != 6<<20 || c.Default.AccessKey != "envkey" {
			t.Errorf("after properties: %+v", c)
		}
		bad := map[string]string{"pegasus.transfer.s3.part_size": "1024"}
		if err := c.ApplyProperties(func(k string) (string, bool) { v, ok := bad[k]; return v, ok }); err == nil {
			t.Error("accepted a part size below 5 MiB")
		}
	})
	t.Run("bad-s3cfg", func(t *testing.T) {
		p := filepath.Join(dir, "bad")
		write(t, p, "[ok]\nkey = v\nno equals sign\n", 0o600)
		var c S3Config
		var pe *ParseError
		if err := c.LoadS3Cfg(p); !errors.As(err, &pe) || pe.Line != 3 {
			t.Errorf("err = %v, want line 3", err)
		}
	})
}
