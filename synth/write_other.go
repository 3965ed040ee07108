//go:build !linux

package synth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// dirWriter creates files in one directory.
type dirWriter struct{ path string }

// makeDir creates directory path (it may exist already).
func makeDir(path string) (dirWriter, error) {
	if err := os.Mkdir(path, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return dirWriter{}, err
	}
	return dirWriter{path: path}, nil
}

// create creates file name (which must not exist) and writes data to it.
func (d *dirWriter) create(name string, data []byte) error {
	f, err := os.OpenFile(filepath.Join(d.path, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (d *dirWriter) close() error { return nil }
