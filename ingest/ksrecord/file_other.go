//go:build !unix

package ksrecord

import "os"

// fileReader reads a file through an *os.File.
type fileReader struct{ *os.File }

func (r *fileReader) open(name string) error {
	f, err := os.Open(name)
	r.File = f
	return err
}

func (r *fileReader) close() {
	r.File.Close()
	r.File = nil
}
