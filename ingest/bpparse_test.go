package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// TestParseBPReference checks parseBP against bpRef on random lines of
// names, plain and quoted values, escapes and stray characters.
func TestParseBPReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	parts := []string{"ts", "=", "event", "job.id", `"`, `\"`, `\`, `\\"`, " ", "\t", "a b", "x", "-", "é", "=\"", `"=`, "ab\"cd", "1970-02-07T04:23:06Z"}
	for range 300000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		line := b.String()
		got, err := parseBP(line, nil)
		want, ok := bpRef(line)
		if (err == nil) != ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseBP(%q) = %q, %v; the grammar gives %q, %v", line, got, err, want, ok)
		}
	}
}

// bpRef reads a BP line as its grammar says, in another way than parseBP:
// name=value pairs, blanks between them; a name is letters, digits and
// "_.-"; a value is a run of non-blanks without quotes, or quoted, where a
// backslash before a quote makes it part of the value.
func bpRef(line string) ([]KV, bool) {
	var out []KV
	rest := line
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return out, true
		}
		name, after, found := strings.Cut(rest, "=")
		if !found || name == "" || strings.IndexFunc(name, func(c rune) bool { return !strings.ContainsRune(nameChars, c) }) >= 0 {
			return nil, false
		}
		if strings.HasPrefix(after, `"`) {
			body := after[1:]
			end := -1
			for j := 0; j < len(body); j++ {
				if body[j] == '"' && (j == 0 || body[j-1] != '\\') {
					end = j
					break
				}
			}
			if end < 0 {
				return nil, false
			}
			out = append(out, KV{name, strings.ReplaceAll(body[:end], `\"`, `"`)})
			rest = body[end+1:]
			continue
		}
		value, tail := after, ""
		if j := strings.IndexAny(after, " \t"); j >= 0 {
			value, tail = after[:j], after[j:]
		}
		if value == "" || strings.Contains(value, `"`) {
			return nil, false
		}
		out = append(out, KV{name, value})
		rest = tail
	}
}

const nameChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-"

// TestBPWriterRCMetaPairs checks that an rc.meta event carrying several
// pairs is written as one line per pair, which read back give the pairs.
func TestBPWriterRCMetaPairs(t *testing.T) {
	var buf bytes.Buffer
	bw := NewBPWriter(&buf)
	e := &Event{Kind: RCMeta, TS: 1700000000.5, Wf: "wf-1", LFN: "f.dat", Key: "size", Value: "42",
		Pairs: []KV{{"checksum.type", "sha256"}, {"checksum.value", "abc"}}}
	if err := bw.Write(e); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []KV
	sc := NewBPScanner(&buf, "test.bp")
	for sc.Next() {
		ev, err := StaticEvent(sc.Record(), "test.bp")
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != RCMeta || ev.LFN != "f.dat" || ev.Wf != "wf-1" || ev.Pairs != nil {
			t.Fatalf("read back %+v", ev)
		}
		got = append(got, KV{ev.Key, ev.Value})
	}
	want := []KV{{"size", "42"}, {"checksum.type", "sha256"}, {"checksum.value", "abc"}}
	if sc.Err() != nil || !slices.Equal(got, want) {
		t.Fatalf("pairs read back %v (%v), want %v", got, sc.Err(), want)
	}
}

// TestBPScannerBlocks reads lines of every length, some longer than a
// block, through readers that give a few bytes at a time, and checks every
// record, kept to the end, against the line it came from; and that an
// incomplete last line is read when it parses and reported when it does not.
func TestBPScannerBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var in bytes.Buffer
	var want []string
	for i := range 3000 {
		n := r.IntN(300)
		if i%1000 == 999 {
			n = bpBlock + r.IntN(bpBlock)
		}
		v := strings.Repeat(string(rune('a'+i%26)), n)
		fmt.Fprintf(&in, "ts=2023-01-17T10:00:00Z event=x.%d v=\"%s\"\n", i, v)
		if i%7 == 0 {
			in.WriteString("\n# comment\n")
		}
		want = append(want, v)
	}
	in.WriteString(`ts=2023-01-17T10:00:00Z event=last v="end"`)
	want = append(want, "end")
	for name, rd := range map[string]func([]byte) io.Reader{
		"whole": func(b []byte) io.Reader { return bytes.NewReader(b) },
		"half":  func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"odd":   func(b []byte) io.Reader { return iotest.DataErrReader(&chunks{b: b, r: r}) },
	} {
		sc := NewBPScanner(rd(in.Bytes()), "blocks.bp")
		var recs []BPRecord
		for sc.Next() {
			rec := *sc.Record()
			rec.Attrs = slices.Clone(rec.Attrs) // the strings themselves are not copied
			recs = append(recs, rec)
		}
		if sc.Err() != nil || len(recs) != len(want) {
			t.Fatalf("%s: %d records, err %v; want %d", name, len(recs), sc.Err(), len(want))
		}
		for i, rec := range recs {
			if v, _ := rec.Get("v"); v != want[i] {
				t.Fatalf("%s: record %d (line %d): v of %d bytes, want %d", name, i, rec.Line, len(v), len(want[i]))
			}
		}
	}
	sc := NewBPScanner(strings.NewReader("ts=1 event=a\nts=2 event=b v=\"cut"), "cut.bp")
	n := 0
	for sc.Next() {
		n++
	}
	if n != 1 || !errors.Is(sc.Err(), ErrTruncated) {
		t.Fatalf("truncated last line: %d records, err %v", n, sc.Err())
	}
}

// chunks reads its bytes in pieces of random sizes.
type chunks struct {
	b []byte
	r *rand.Rand
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1+c.r.IntN(5000))], c.b)
	c.b = c.b[n:]
	return n, nil
}
