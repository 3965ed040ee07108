//go:build unix

// Package rawfile writes files with plain system calls, for the tools that
// write hundreds of thousands of them: an *os.File adds a poller
// registration and fcntl calls per file.
package rawfile

import (
	"os"
	"path/filepath"
	"syscall"
)

// RetryEINTR calls f again as long as it fails with EINTR.
func RetryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// WriteClose writes all of data to the open file descriptor fd and closes
// it. Errors are *os.PathError naming the file dir/name (dir alone when name
// is empty), joined only on error.
func WriteClose(fd int, data []byte, dir, name string) error {
	path := func() string {
		if name == "" {
			return dir
		}
		return filepath.Join(dir, name)
	}
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return &os.PathError{Op: "write", Path: path(), Err: err}
		}
		data = data[n:]
	}
	if err := syscall.Close(fd); err != nil {
		return &os.PathError{Op: "close", Path: path(), Err: err}
	}
	return nil
}
