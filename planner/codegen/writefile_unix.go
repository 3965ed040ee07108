//go:build unix

package codegen

import (
	"os"
	"syscall"

	"github.com/pegasus-go/pegasus/internal/rawfile"
)

// writeFile creates the file at path and writes data with plain system
// calls: open, write, close. An *os.File would add a poller registration
// and fcntl calls per file, which add up over 100,000 job files.
func writeFile(path []byte, data []byte, perm os.FileMode) error {
	p := string(path)
	var fd int
	var err error
	for {
		fd, err = syscall.Open(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	return rawfile.WriteClose(fd, data, p, "")
}
