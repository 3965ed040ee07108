//go:build unix

package ingest

import (
	"io/fs"
	"slices"
	"syscall"
	"time"
)

// readFileInto reads the file at path into buf[:0] (growing it as needed)
// and returns the bytes read; limit > 0 bounds how many. It goes through the
// descriptor directly: an *os.File costs allocations, a cleanup and an
// attempt to register the file with the network poller, and the replay
// reads two or three small files per job. A short read is taken as the
// end of the file, which it is for a regular file: one read system call per
// small file instead of two. Errors are the *fs.PathError that
// os.Open and (*os.File).Read give.
func readFileInto(path string, buf []byte, limit int) ([]byte, error) {
	start := time.Now()
	defer func() { ioGov.observe(time.Since(start)) }()
	var fd int
	for {
		var err error
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			break
		}
		if err != syscall.EINTR {
			return buf[:0], &fs.PathError{Op: "open", Path: path, Err: err}
		}
	}
	defer syscall.Close(fd)
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(4096, cap(buf)))
		}
		space := buf[len(buf):cap(buf)]
		if limit > 0 && len(buf)+len(space) > limit {
			space = space[:limit-len(buf)]
			if len(space) == 0 {
				return buf, nil
			}
		}
		n, err := syscall.Read(fd, space)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return buf, &fs.PathError{Op: "read", Path: path, Err: err}
		case n <= 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if n < len(space) {
			// A regular file gives less than asked only at its end: no
			// second read to be told so (a file still growing is read as
			// it was a moment ago either way).
			return buf, nil
		}
	}
}
