//go:build linux

package synth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/pegasus-go/pegasus/internal/rawfile"
)

// dirWriter creates files in one directory. On Linux it holds the directory
// open and creates files relative to it with the raw system calls: no path
// walk from the root per file, and none of the runtime poller registration
// os.OpenFile does, costs that show with hundreds of thousands of files.
type dirWriter struct {
	path string
	fd   int
}

// makeDir creates directory path (it may exist already) and opens it.
func makeDir(path string) (dirWriter, error) {
	if err := os.Mkdir(path, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return dirWriter{}, err
	}
	fd, err := rawfile.RetryEINTR(func() (int, error) {
		return syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	})
	if err != nil {
		return dirWriter{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return dirWriter{path: path, fd: fd}, nil
}

// create creates file name (which must not exist) and writes data to it
// with one write.
func (d *dirWriter) create(name string, data []byte) error {
	fd, err := rawfile.RetryEINTR(func() (int, error) {
		return syscall.Openat(d.fd, name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_CLOEXEC, 0o644)
	})
	if err != nil {
		return &os.PathError{Op: "open", Path: filepath.Join(d.path, name), Err: err}
	}
	return rawfile.WriteClose(fd, data, d.path, name)
}

func (d *dirWriter) close() error {
	if err := syscall.Close(d.fd); err != nil {
		return &os.PathError{Op: "close", Path: d.path, Err: err}
	}
	return nil
}
