package ksrecord_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineOf returns the 1-based number of the first line of s containing sub.
func lineOf(t *testing.T, s, sub string) int {
	t.Helper()
	i := strings.Index(s, sub)
	if i < 0 {
		t.Fatalf("%q not in the input", sub)
	}
	return strings.Count(s[:i], "\n") + 1
}

func TestBadInput(t *testing.T) {
	yamlRec := readFixture(t, "yaml-signalled.out")
	xmlRec := readFixture(t, "xml-failed.out")
	cut := strings.Index(yamlRec, "    status:")
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}

	tests := []struct {
		name     string
		in       string
		wantErr  error
		wantLine int
	}{
		{"yaml record cut mid-line", yamlRec[:cut+9], ksrecord.ErrTruncated, lineOf(t, yamlRec, "    status:")},
		{"yaml record cut before its mainjob", yamlRec[:strings.Index(yamlRec, "  mainjob:")],
			ksrecord.ErrTruncated, lineOf(t, yamlRec, "  mainjob:") - 1},
		{"yaml flow cut at end of file", "- invocation: True\n  mainjob: {start: 2023-01-01T00:00:00Z,\n",
			ksrecord.ErrTruncated, 2},
		{"yaml quoted scalar cut", "- invocation: True\n  mainjob:\n    executable: {file_name: \"/bin/x\n",
			ksrecord.ErrTruncated, 3},
		{"yaml bad indentation", strings.Replace(yamlRec, "    duration: 29.400", "      duration: 29.400", 1),
			ksrecord.ErrSyntax, lineOf(t, yamlRec, "    duration: 29.400")},
		{"yaml key less indented", strings.Replace(yamlRec, "      utime: 25.000", "     utime: 25.000", 1),
			ksrecord.ErrSyntax, lineOf(t, yamlRec, "      utime: 25.000") + 1},
		{"yaml mapping in a value", strings.Replace(yamlRec, "  hostname: c004", "  hostname: c004: x", 1),
			ksrecord.ErrSyntax, lineOf(t, yamlRec, "  hostname: c004")},
		{"yaml stray text starting with l", yamlRec + "lost connection to the node\n",
			ksrecord.ErrSyntax, strings.Count(yamlRec, "\n") + 1},
		{"yaml not a list", "x - invocation: True\n  mainjob: 1\n", ksrecord.ErrSyntax, 2},
		{"NUL bytes in a yaml record", strings.Replace(yamlRec, "  user: heidi", "  user: hei\x00\x00di", 1),
			ksrecord.ErrGarbage, lineOf(t, yamlRec, "  user: heidi")},
		{"invalid UTF-8 in a yaml record", strings.Replace(yamlRec, "  user: heidi", "  user: h\xe9idi", 1),
			ksrecord.ErrGarbage, lineOf(t, yamlRec, "  user: heidi")},
		{"escape character in a yaml record", strings.Replace(yamlRec, "  user: heidi", "  user: \x1b[1mheidi", 1),
			ksrecord.ErrGarbage, lineOf(t, yamlRec, "  user: heidi")},
		{"garbage bytes", string(random), ksrecord.ErrGarbage, 1},
		{"binary NULs", "\x00\x00\x00\x00\n\x00\x00", ksrecord.ErrGarbage, 1},
		{"text then NULs", "hello\nworld\n\x00\x01\x02\n", ksrecord.ErrGarbage, 3},
		{"xml record missing </invocation>", "some text\n" + strings.Replace(xmlRec, "</invocation>", "", 1),
			ksrecord.ErrTruncated, 3},
		{"xml record cut", xmlRec[:strings.Index(xmlRec, "<cwd>")+3], ksrecord.ErrTruncated, 2},
		{"xml not well formed", strings.Replace(xmlRec, "</cwd>", "</cdw>", 1), ksrecord.ErrSyntax, lineOf(t, xmlRec, "<cwd>")},
		{"xml bad entity", strings.Replace(xmlRec, "/home/bob/run", "a &nbsp; b", 1), ksrecord.ErrSyntax, lineOf(t, xmlRec, "<cwd>")},
		{"xml wrong root", "<?xml version=\"1.0\"?>\n<invocations><invocation a=\"1\"/></invocation>\n", ksrecord.ErrSyntax, 2},
		{"xml control character", strings.Replace(xmlRec, "/home/bob/run", "a\x01b", 1), ksrecord.ErrGarbage, lineOf(t, xmlRec, "<cwd>")},
		{"cluster line cut", "[cluster-task id=1, start=\"2012-09-25T16:41:22.734-04:00\", dura", ksrecord.ErrTruncated, 1},
		{"cluster line without bracket", "x\n[cluster-summary stat=\"ok\", tasks=1\nmore\n", ksrecord.ErrSyntax, 2},
		{"cluster line without key=value", "[cluster-task id=1, oops, status=0]\n", ksrecord.ErrSyntax, 1},
		{"multipart malformed", yamlRec + "---------------pegasus-multipart\n- integrity_summary: {succeeded: 1\n- x: 1\n",
			ksrecord.ErrSyntax, strings.Count(yamlRec, "\n") + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ksrecord.Parse(strings.NewReader(tt.in), "job.out")
			var pe *ksrecord.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (file %v), want a *ParseError", err, f)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if pe.Line != tt.wantLine {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.wantLine, err)
			}
			if pe.File != "job.out" || !strings.HasPrefix(err.Error(), "job.out:") {
				t.Errorf("error %q does not name the file", err)
			}
			if f != nil {
				t.Errorf("a file was returned with the error")
			}
		})
	}
}

func TestNoRecord(t *testing.T) {
	for name, in := range map[string]string{
		"empty":                 "",
		"text":                  "Hello from a job that has no kickstart\nline 2\n",
		"xml declaration only":  "<?xml version=\"1.0\"?>\n",
		"form feed and escapes": "progress\r50%\r100%\f\x1b[0m\n",
	} {
		t.Run(name, func(t *testing.T) {
			f, err := ksrecord.Parse(strings.NewReader(in), "x.out")
			if err != nil {
				t.Fatal(err)
			}
			if f.Format != "" || len(f.Records) != 0 || f.Cluster != nil || len(f.Multipart) != 0 {
				t.Errorf("got %+v, want an empty File", f)
			}
		})
	}
}

// TestGarbageBesideRecords: binary data outside records is skipped, as
// monitord skips it (e.g. NUL padding left by a crash after the record).
func TestGarbageBesideRecords(t *testing.T) {
	for _, name := range []string{"yaml-signalled.out", "xml-failed.out"} {
		in := "\x00\x01\x02 junk\n" + readFixture(t, name) + "\x00\x00\x00\x00"
		f, err := ksrecord.Parse(strings.NewReader(in), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Records) != 1 {
			t.Errorf("%s: %d records", name, len(f.Records))
		}
	}
}

func TestLineEndings(t *testing.T) {
	in := readFixture(t, "yaml-clustered.out")
	want, err := ksrecord.Parse(strings.NewReader(in), "lf")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ksrecord.Parse(strings.NewReader(strings.ReplaceAll(in, "\n", "\r\n")), "crlf")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "CRLF file", got, want)
}

func TestParseErrorString(t *testing.T) {
	eq(t, "with line", (&ksrecord.ParseError{File: "a.out", Line: 3, Err: ksrecord.ErrSyntax}).Error(), "a.out:3: syntax error")
	eq(t, "without line", (&ksrecord.ParseError{File: "a.out", Err: ksrecord.ErrGarbage}).Error(), "a.out: binary data")
}

func TestParserReuse(t *testing.T) {
	p := ksrecord.NewParser()
	var first []*ksrecord.File
	names := []string{"yaml-clustered.out", "xml-success.out", "yaml-flow.out", "yaml-multipart.out"}
	for round := 0; round < 2; round++ {
		for i, n := range names {
			f, err := p.Parse(bytes.NewReader([]byte(readFixture(t, n))), n)
			if err != nil {
				t.Fatal(err)
			}
			if round == 0 {
				first = append(first, f)
				continue
			}
			eq(t, n, f, first[i])
		}
		// A failure in between must not leave state behind.
		if _, err := p.Parse(strings.NewReader("- invocation: True\n  a: [\n"), "bad"); err == nil {
			t.Fatal("want an error")
		}
	}
}

// TestWindowRefills parses files larger than the parser's window through
// readers that return little data at a time: the records that straddle
// refills must come out the same.
func TestWindowRefills(t *testing.T) {
	var buf bytes.Buffer
	for i := 0; i < 40; i++ {
		buf.Write(synthYAML(i))
		if i%3 == 0 {
			buf.WriteString("foreign text between records\r\n")
		}
	}
	long := strings.Repeat("x", 200000) // a line longer than the window
	buf.WriteString("- invocation: True\n  mainjob:\n    executable: {file_name: \"" + long + "\"}\n")
	in := buf.Bytes()
	want, err := ksrecord.Parse(bytes.NewReader(in), "big")
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Records) != 41 || want.Records[40].Executable != long || want.Records[39].Derivation != "ID0000039" {
		t.Fatalf("%d records", len(want.Records))
	}
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(in)),
		"half":     iotest.HalfReader(bytes.NewReader(in)),
		"data+EOF": iotest.DataErrReader(bytes.NewReader(in)),
	} {
		got, err := ksrecord.Parse(r, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: result differs", name)
		}
	}
	_, err = ksrecord.Parse(iotest.TimeoutReader(bytes.NewReader(in)), "timeout")
	if err == nil || !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("reader error: %v, want the reader's error", err)
	}
}
