package ingest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReadFileInto(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 3000) // 48,000 bytes: several reads and growths
	for _, c := range []struct {
		name  string
		data  []byte
		buf   []byte
		limit int
		want  []byte
	}{
		{"empty", nil, nil, 0, nil},
		{"small", []byte("x = 1\n"), nil, 0, []byte("x = 1\n")},
		{"big, no buffer", big, nil, 0, big},
		{"big, small buffer", big, make([]byte, 3, 10), 0, big},
		{"limit", big, nil, 5000, big[:5000]},
		{"limit above size", []byte("abc"), nil, 10, []byte("abc")},
		{"exactly the first read", big[:4096], nil, 0, big[:4096]},
		{"one byte more than the first read", big[:4097], nil, 0, big[:4097]},
	} {
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFileInto(p, c.buf, c.limit)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: got %d bytes, want %d", c.name, len(got), len(c.want))
		}
	}
	_, err := readFileInto(filepath.Join(dir, "missing"), nil, 0)
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Op != "open" {
		t.Errorf("missing file: %v, want an open *fs.PathError for a missing file", err)
	}
	if _, err := readFileInto(dir, nil, 0); err == nil {
		t.Errorf("reading a directory: no error")
	}
}
