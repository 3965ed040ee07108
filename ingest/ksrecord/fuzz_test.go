package ksrecord_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

// FuzzParse checks that Parse never panics, that every failure is a
// *ParseError with a sensible line, and that the result does not depend on
// how the input is delivered (one byte at a time exercises the window
// refills) or on a Parser's earlier use.
func FuzzParse(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.out")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	for _, s := range []string{
		"",
		"\x00\x01\x02",
		"- invocation: True\n  mainjob: {start: 2023-01-01T00:00:00Z, duration: 1}\n",
		"- invocation: True\n  mainjob:\n    status: {raw: 0}\n  files:\n    a: {output: True, size: 010}\n",
		"---------------pegasus-multipart\n- integrity_summary: {succeeded: 1, failed: 0, duration: 0.1}\n",
		"<?xml version=\"1.0\"?>\n<invocation><mainjob start=\"2020-01-01T00:00:00Z\" duration=\"1\"/></invocation>\n",
		"[cluster-task id=1, start=\"2012-09-25T16:41:22.734-04:00\", duration=6.0, status=0]\n",
		"- invocation: True\n  a: |\n    x\r\n  b: [1, {c: \"\\u00e9\"}]\n",
	} {
		f.Add([]byte(s))
	}
	reused := ksrecord.NewParser()
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ksrecord.Parse(bytes.NewReader(in), "fuzz")
		if err != nil {
			var pe *ksrecord.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line < 0 || pe.Line > bytes.Count(in, []byte{'\n'})+1 {
				t.Fatalf("error line %d outside the input: %v", pe.Line, err)
			}
			if !errors.Is(err, ksrecord.ErrTruncated) && !errors.Is(err, ksrecord.ErrSyntax) &&
				!errors.Is(err, ksrecord.ErrGarbage) && !errors.Is(err, ksrecord.ErrTooLong) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if got != nil {
				t.Fatal("a File came with the error")
			}
		} else {
			switch got.Format {
			case "":
				if len(got.Records) != 0 {
					t.Fatal("records without a format")
				}
			case "yaml", "xml":
				if len(got.Records) == 0 {
					t.Fatal("a format without records")
				}
			default:
				t.Fatalf("format %q", got.Format)
			}
		}
		slow, err2 := ksrecord.Parse(iotest.OneByteReader(bytes.NewReader(in)), "fuzz")
		if !reflect.DeepEqual(got, slow) || !sameError(err, err2) {
			t.Fatalf("one byte at a time: %v, %v; at once: %v, %v", slow, err2, got, err)
		}
		again, err3 := reused.Parse(bytes.NewReader(in), "fuzz")
		if !reflect.DeepEqual(got, again) || !sameError(err, err3) {
			t.Fatalf("reused parser: %v, %v; new parser: %v, %v", again, err3, got, err)
		}
	})
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}
