package analyzer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
)

// TestJSONString: strings are written as Python's json.dumps writes them
// (ensure_ascii), e.g. json.dumps(["é😀\x01\x7f\"\\\n\t\b\f/<>&"]).
func TestJSONString(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	writeJSONString(w, "é😀\x01\x7f\"\\\n\t\b\f/<>&")
	w.Flush()
	if want := `"\u00e9\ud83d\ude00\u0001\u007f\"\\\n\t\b\f/<>&"`; b.String() != want {
		t.Errorf("got %s, want %s", b.String(), want)
	}
	b.Reset()
	writeJSONString(w, "bad \xff byte")
	w.Flush()
	var s string
	if err := json.Unmarshal(b.Bytes(), &s); err != nil || s != "bad \ufffd byte" {
		t.Errorf("invalid UTF-8: %s -> %q %v", b.String(), s, err)
	}
}

// TestJSONLayout: Python's indent=2 layout, empty containers as {} and [].
func TestJSONLayout(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	j := &jsonWriter{w: w}
	j.open('{')
	j.key("a").int(1)
	j.key("b").open('{').close('}')
	j.key("c").strs([]string{"x", "y"})
	j.key("d").open('[').close(']')
	j.close('}')
	w.Flush()
	want := "{\n  \"a\": 1,\n  \"b\": {},\n  \"c\": [\n    \"x\",\n    \"y\"\n  ],\n  \"d\": []\n}"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func FuzzJSONString(f *testing.F) {
	f.Add("é😀\x01\x7f\"\\\n")
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeJSONString(w, s)
		w.Flush()
		var got string
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("%q -> %s: %v", s, b.String(), err)
		}
		if want := string([]rune(s)); got != want {
			t.Errorf("%q -> %q", s, got)
		}
		for _, c := range b.Bytes() {
			if c < 0x20 || c >= 0x7f {
				t.Fatalf("%q -> %s: not ASCII", s, b.String())
			}
		}
	})
}
