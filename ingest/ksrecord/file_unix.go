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
	end  bool // a read gave less than asked: the end of a regular file
}

func (r *fileReader) open(name string) error {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == nil {
			r.fd, r.name, r.end = fd, name, false
			return nil
		}
		if err != syscall.EINTR {
			return &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
}

// Read reads from the file. A read that gives less than asked is taken as
// the end of the file, as it is for a regular file, so the next Read
// returns io.EOF without a system call (one read per small file, not two).
func (r *fileReader) Read(b []byte) (int, error) {
	if r.end && len(b) > 0 {
		return 0, io.EOF
	}
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
		r.end = n < len(b)
		return n, nil
	}
}

func (r *fileReader) close() {
	syscall.Close(r.fd)
	r.fd, r.name = -1, ""
}
