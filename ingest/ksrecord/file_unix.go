//go:build unix

package ksrecord

import (
	"io"
	"io/fs"
	"syscall"
)

// fileReader reads a file through its descriptor. Unlike an *os.File it
// costs no allocation and no attempt to register a regular file with the
// network poller: ParseFile opens one file per job. Errors are the
// *fs.PathError that os.Open and (*os.File).Read give.
type fileReader struct {
	fd   int
	name string
}

func (r *fileReader) open(name string) error {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			r.fd, r.name = fd, name
			return nil
		}
		if err != syscall.EINTR {
			return &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

func (r *fileReader) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(r.fd, b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: r.name, Err: err}
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (r *fileReader) close() {
	syscall.Close(r.fd)
	r.fd, r.name = -1, ""
}
