package transfer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 configuration.
//
// Credentials and endpoint come, in increasing precedence, from the usual
// environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL), then the properties (pegasus.transfer.s3.*), and,
// for URLs naming an identity (s3://user@site/bucket/key), from the
// Pegasus s3cfg file: section [user@site] holds access_key and secret_key,
// section [site] holds endpoint (and optionally region).

// S3Profile is one set of S3 settings.
type S3Profile struct {
	Endpoint     string // e.g. https://s3.amazonaws.com or http://127.0.0.1:9000
	Region       string // default us-east-1
	AccessKey    string
	SecretKey    string
	SessionToken string
	// VirtualHost addresses buckets as <bucket>.<endpoint host> instead of
	// <endpoint>/<bucket> (path style, the default: it works with every
	// S3-compatible server).
	VirtualHost bool
}

// S3Config is the S3 settings of a Mover.
type S3Config struct {
	Default S3Profile
	// Sections of the s3cfg file, by name ("amazon", "user@amazon").
	Sections map[string]map[string]string
	// PartSize is the multipart upload part size; files larger than it are
	// uploaded in parts. 0 means 64 MiB. S3 requires at least 5 MiB.
	PartSize int64
	// HTTPClient is used for every request; nil means a default client.
	HTTPClient *http.Client
}

// S3ConfigFromEnv reads the environment variables (getenv is os.Getenv in
// commands, a map in tests).
func S3ConfigFromEnv(getenv func(string) string) S3Config {
	c := S3Config{}
	p := &c.Default
	p.AccessKey = getenv("AWS_ACCESS_KEY_ID")
	p.SecretKey = getenv("AWS_SECRET_ACCESS_KEY")
	p.SessionToken = getenv("AWS_SESSION_TOKEN")
	p.Region = firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	p.Endpoint = firstNonEmpty(getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"))
	return c
}

// ApplyProperties overrides the configuration with properties:
// pegasus.transfer.s3.endpoint, .region, .access_key, .secret_key,
// .session_token, .virtual_host (true/false), .part_size (bytes).
func (c *S3Config) ApplyProperties(get func(string) (string, bool)) error {
	p := &c.Default
	for key, dst := range map[string]*string{
		"endpoint": &p.Endpoint, "region": &p.Region, "access_key": &p.AccessKey,
		"secret_key": &p.SecretKey, "session_token": &p.SessionToken,
	} {
		if v, ok := get("pegasus.transfer.s3." + key); ok {
			*dst = v
		}
	}
	if v, ok := get("pegasus.transfer.s3.virtual_host"); ok {
		p.VirtualHost = strings.EqualFold(v, "true")
	}
	if v, ok := get("pegasus.transfer.s3.part_size"); ok {
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil || n < 5<<20 {
			return fmt.Errorf("pegasus.transfer.s3.part_size %q: want a number of bytes >= 5 MiB", v)
		}
		c.PartSize = n
	}
	return nil
}

// LoadS3Cfg reads a Pegasus s3cfg file (INI: [section] headers, key = value
// lines, # and ; comments) into c.Sections.
func (c *S3Config) LoadS3Cfg(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if c.Sections == nil {
		c.Sections = map[string]map[string]string{}
	}
	sc := bufio.NewScanner(f)
	section := ""
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if l[0] == '[' {
			if !strings.HasSuffix(l, "]") {
				return &ParseError{Name: path, Line: line, Msg: "unterminated section header"}
			}
			section = strings.TrimSpace(l[1 : len(l)-1])
			if c.Sections[section] == nil {
				c.Sections[section] = map[string]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			k, v, ok = strings.Cut(l, ":")
		}
		if !ok || section == "" {
			return &ParseError{Name: path, Line: line, Msg: fmt.Sprintf("%q: key = value in a section expected", l)}
		}
		c.Sections[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return sc.Err()
}

// profileFor returns the settings for an S3 location.
func (c *S3Config) profileFor(l location) (S3Profile, error) {
	p := c.Default
	if l.identity == "" {
		if p.Endpoint == "" && len(c.Sections) > 0 {
			// An s3cfg with a single site and identity serves plain URLs too.
			if id := c.onlyIdentity(); id != "" {
				return c.fromSections(id, p)
			}
		}
		return p, nil
	}
	return c.fromSections(l.identity, p)
}

func (c *S3Config) onlyIdentity() string {
	var ids []string
	for name := range c.Sections {
		if strings.Contains(name, "@") {
			ids = append(ids, name)
		}
	}
	if len(ids) == 1 {
		return ids[0]
	}
	return ""
}

func (c *S3Config) fromSections(identity string, p S3Profile) (S3Profile, error) {
	id, ok := c.Sections[identity]
	if !ok {
		return p, fmt.Errorf("%w: no section [%s] in the s3cfg file", ErrPermanent, identity)
	}
	_, site, _ := strings.Cut(identity, "@")
	sec := c.Sections[site]
	get := func(k string) string { return firstNonEmpty(id[k], sec[k]) }
	p.AccessKey, p.SecretKey = get("access_key"), get("secret_key")
	p.SessionToken = get("session_token")
	if e := get("endpoint"); e != "" {
		p.Endpoint = e
	}
	if r := get("region"); r != "" {
		p.Region = r
	}
	if p.Endpoint == "" {
		return p, fmt.Errorf("%w: no endpoint for site %q in the s3cfg file", ErrPermanent, site)
	}
	return p, nil
}

// s3Clients caches one client per profile.
type s3Clients struct {
	cfg *S3Config
	mu  sync.Mutex
	m   map[S3Profile]*s3.Client
}

func (cs *s3Clients) get(l location) (*s3.Client, error) {
	p, err := cs.cfg.profileFor(l)
	if err != nil {
		return nil, err
	}
	if l.secure && strings.HasPrefix(p.Endpoint, "http://") {
		p.Endpoint = "https://" + strings.TrimPrefix(p.Endpoint, "http://")
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.m[p]; ok {
		return c, nil
	}
	opts := s3.Options{
		Region:       firstNonEmpty(p.Region, "us-east-1"),
		UsePathStyle: !p.VirtualHost,
		// The Mover retries whole transfers with back-off and logs each
		// attempt; the SDK must not retry underneath it.
		Retryer:                    aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if p.Endpoint != "" {
		opts.BaseEndpoint = aws.String(strings.TrimRight(p.Endpoint, "/"))
	}
	if p.AccessKey != "" {
		opts.Credentials = credentials.NewStaticCredentialsProvider(p.AccessKey, p.SecretKey, p.SessionToken)
	} else {
		opts.Credentials = aws.AnonymousCredentials{}
	}
	if cs.cfg.HTTPClient != nil {
		opts.HTTPClient = cs.cfg.HTTPClient
	}
	c := s3.New(opts)
	if cs.m == nil {
		cs.m = map[S3Profile]*s3.Client{}
	}
	cs.m[p] = c
	return c, nil
}

func (cs *s3Clients) partSize() int64 {
	if cs.cfg.PartSize > 0 {
		return cs.cfg.PartSize
	}
	return 64 << 20
}

// s3Error classifies an SDK error: missing buckets and keys and refused
// access are permanent (no retry); everything else may be transient.
func s3Error(op string, l location, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket", "NoSuchKey", "NotFound", "AccessDenied", "InvalidAccessKeyId",
			"SignatureDoesNotMatch", "InvalidBucketName", "AllAccessDisabled", "AccountProblem":
			return fmt.Errorf("%s %s: %w: %s: %s", op, l, ErrPermanent, ae.ErrorCode(), ae.ErrorMessage())
		}
		return fmt.Errorf("%s %s: %s: %s", op, l, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("%s %s: %w", op, l, err)
}

// s3Upload uploads a local file, in parts when it is larger than the part
// size; a failed multipart upload is aborted.
func (cs *s3Clients) upload(ctx context.Context, src string, dst location, sum *hashWriter) (int64, error) {
	c, err := cs.get(dst)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(src)
	if err != nil {
		return 0, localError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, fmt.Errorf("%w: %s is a directory", ErrPermanent, src)
	}
	size := fi.Size()
	if sum != nil {
		if err := sum.file(src); err != nil {
			return 0, err
		}
	}
	part := cs.partSize()
	if size <= part {
		_, err = c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(dst.bucket), Key: aws.String(dst.key),
			Body: io.NewSectionReader(f, 0, size), ContentLength: aws.Int64(size),
		})
		if err != nil {
			return 0, s3Error("put", dst, err)
		}
		return size, nil
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(dst.bucket), Key: aws.String(dst.key)})
	if err != nil {
		return 0, s3Error("create multipart upload", dst, err)
	}
	abort := func() {
		// A fresh context: the upload's may be what failed.
		_, _ = c.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{
			Bucket: aws.String(dst.bucket), Key: aws.String(dst.key), UploadId: up.UploadId})
	}
	var parts []types.CompletedPart
	for off, n := int64(0), int32(1); off < size; off, n = off+part, n+1 {
		if err := ctx.Err(); err != nil {
			abort()
			return 0, err
		}
		l := min(part, size-off)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(dst.bucket), Key: aws.String(dst.key), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: io.NewSectionReader(f, off, l), ContentLength: aws.Int64(l),
		})
		if err != nil {
			abort()
			return 0, s3Error(fmt.Sprintf("upload part %d of", n), dst, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(dst.bucket), Key: aws.String(dst.key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		abort()
		return 0, s3Error("complete multipart upload", dst, err)
	}
	return size, nil
}

// download fetches an object into a local file (through a temporary file
// renamed into place once the whole object arrived).
func (cs *s3Clients) download(ctx context.Context, src location, dst string, sum *hashWriter) (int64, error) {
	c, err := cs.get(src)
	if err != nil {
		return 0, err
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(src.bucket), Key: aws.String(src.key)})
	if err != nil {
		return 0, s3Error("get", src, err)
	}
	defer out.Body.Close()
	n, err := writeFileAtomic(dst, out.Body, 0o644, sum)
	if err != nil {
		return n, fmt.Errorf("get %s: %w", src, err)
	}
	if out.ContentLength != nil && n != *out.ContentLength {
		return n, fmt.Errorf("get %s: got %d of %d bytes", src, n, *out.ContentLength)
	}
	return n, nil
}

// copyObject copies between two S3 locations of the same endpoint on the
// server side.
func (cs *s3Clients) copyObject(ctx context.Context, src, dst location) (int64, error) {
	c, err := cs.get(dst)
	if err != nil {
		return 0, err
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(src.bucket), Key: aws.String(src.key)})
	if err != nil {
		return 0, s3Error("head", src, err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(dst.bucket), Key: aws.String(dst.key),
		CopySource: aws.String(src.bucket + "/" + escapeKey(src.key)),
	})
	if err != nil {
		return 0, s3Error("copy to", dst, err)
	}
	return aws.ToInt64(head.ContentLength), nil
}

func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(urlPathEscape(p), "+", "%2B")
	}
	return strings.Join(parts, "/")
}

// mkdir makes sure the bucket exists, creating it when it does not.
// Prefixes ("directories") need nothing in S3.
func (cs *s3Clients) mkdir(ctx context.Context, l location) error {
	c, err := cs.get(l)
	if err != nil {
		return err
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(l.bucket)})
	if err == nil {
		return nil
	}
	var nf *types.NotFound
	var ae smithy.APIError
	if !errors.As(err, &nf) && !(errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchBucket")) {
		return s3Error("head bucket", l, err)
	}
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(l.bucket)})
	var owned *types.BucketAlreadyOwnedByYou
	if err != nil && !errors.As(err, &owned) {
		return s3Error("create bucket", l, err)
	}
	return nil
}

// remove deletes an object, or (recursive) every object under the key as a
// prefix. A missing object is not an error (rm -f).
func (cs *s3Clients) remove(ctx context.Context, l location, recursive bool) (int, error) {
	c, err := cs.get(l)
	if err != nil {
		return 0, err
	}
	if !recursive {
		if l.key == "" {
			return 0, fmt.Errorf("%w: remove %s: no key (use recursive removal for a bucket's content)", ErrPermanent, l)
		}
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(l.key)}); err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey" {
				return 0, nil
			}
			return 0, s3Error("delete", l, err)
		}
		return 1, nil
	}
	prefix := strings.TrimSuffix(l.key, "/")
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(l.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, s3Error("list", l, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if prefix == "" || k == prefix || strings.HasPrefix(k, prefix+"/") {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(k)}); err != nil {
			return 0, s3Error("delete", location{raw: "s3://" + l.bucket + "/" + k}, err)
		}
	}
	return len(keys), nil
}

// localError marks errors about local files that retrying cannot fix (a
// missing file, refused permission, a file where a directory should be, a
// non-empty directory, a read-only file system).
func localError(err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.ENOTDIR) ||
		errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) ||
		errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return err
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// cleanDir returns the parent directory of a local path.
func cleanDir(p string) string { return filepath.Dir(p) }
