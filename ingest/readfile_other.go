//go:build !unix

package ingest

import (
	"bytes"
	"io"
	"os"
	"time"
)

// readFileInto reads the file at path into buf[:0] (growing it as needed)
// and returns the bytes read; limit > 0 bounds how many.
func readFileInto(path string, buf []byte, limit int) ([]byte, error) {
	start := time.Now()
	defer func() { ioGov.observe(time.Since(start)) }()
	f, err := os.Open(path)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, int64(limit))
	}
	b := bytes.NewBuffer(buf[:0])
	_, err = b.ReadFrom(r)
	return b.Bytes(), err
}
