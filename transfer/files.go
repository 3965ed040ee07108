package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// ErrPermanent marks failures that retrying cannot fix (a missing source,
// a missing bucket, refused access, an unsupported URL): the Mover does not
// retry them.
var ErrPermanent = errors.New("permanent failure")

func urlPathEscape(s string) string { return url.PathEscape(s) }

// hashWriter computes a sha256 and how long hashing took.
type hashWriter struct {
	h       hash.Hash
	elapsed time.Duration
}

func newHash() *hashWriter { return &hashWriter{h: sha256.New()} }

func (w *hashWriter) Write(p []byte) (int, error) {
	t := time.Now()
	n, err := w.h.Write(p)
	w.elapsed += time.Since(t)
	return n, err
}

// file hashes a whole file.
func (w *hashWriter) file(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return localError(err)
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func (w *hashWriter) sum() string { return hex.EncodeToString(w.h.Sum(nil)) }

// writeFileAtomic writes r to dst through a temporary file in dst's
// directory (created with its parents), renamed into place when complete:
// an interrupted transfer never leaves a partial file under the final name.
func writeFileAtomic(dst string, r io.Reader, perm os.FileMode, sum *hashWriter) (int64, error) {
	dir := cleanDir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, localError(err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".part-")
	if err != nil {
		return 0, localError(err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	if sum != nil {
		w = io.MultiWriter(tmp, sum)
	}
	var n int64
	if sum == nil {
		n, err = tmp.ReadFrom(r) // copy_file_range between files
	} else {
		n, err = io.Copy(w, r)
	}
	if err != nil {
		return n, err
	}
	if err := tmp.Chmod(perm); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return n, localError(err)
	}
	ok = true
	return n, nil
}

// copyFile copies a local file, keeping its permission bits (as cp does).
// Copying a file onto itself does nothing.
func copyFile(src, dst string, sum *hashWriter) (int64, error) {
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
	if di, err := os.Stat(dst); err == nil && os.SameFile(fi, di) {
		if sum != nil {
			if err := sum.file(src); err != nil {
				return 0, err
			}
		}
		return fi.Size(), nil
	}
	return writeFileAtomic(dst, f, fi.Mode().Perm(), sum)
}

// symlink makes dst a symbolic link to src, replacing what dst was.
func symlink(src, dst string, verify bool) error {
	if verify {
		if _, err := os.Stat(src); err != nil {
			return localError(err)
		}
	}
	if cur, err := os.Readlink(dst); err == nil && cur == src {
		return nil
	}
	dir := cleanDir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return localError(err)
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.link-%d", filepath.Base(dst), time.Now().UnixNano()))
	if err := os.Symlink(src, tmp); err != nil {
		return localError(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return localError(err)
	}
	return nil
}

// mkdirLocal is mkdir -p.
func mkdirLocal(path string) error {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return localError(err)
	}
	return nil
}

// removeLocal is rm -f (rm -rf when recursive): a missing path is fine.
func removeLocal(path string, recursive bool) error {
	var err error
	if recursive {
		err = os.RemoveAll(path)
	} else {
		err = os.Remove(path)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return localError(err)
	}
	return nil
}

// httpGet downloads an http(s) URL into a local file.
func httpGet(ctx context.Context, client *http.Client, src location, dst string, sum *hashWriter) (int64, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.raw, nil)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return 0, fmt.Errorf("get %s: %w: %s", src, ErrPermanent, resp.Status)
	default:
		return 0, fmt.Errorf("get %s: %s", src, resp.Status)
	}
	n, err := writeFileAtomic(dst, resp.Body, 0o644, sum)
	if err != nil {
		return n, fmt.Errorf("get %s: %w", src, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("get %s: got %d of %d bytes", src, n, resp.ContentLength)
	}
	return n, nil
}
