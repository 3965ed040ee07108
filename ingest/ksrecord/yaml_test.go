package ksrecord_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

type entry struct {
	key   string
	items []ksrecord.KV
}

// parseDoc parses doc as the YAML document of a multipart block, whose
// entries are flattened to Python's str() of each scalar. Every line is
// indented by one space (the same YAML) so that the line filter keeps it.
func parseDoc(doc string) ([]entry, error) {
	if !strings.HasSuffix(doc, "\n") {
		doc += "\n"
	}
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if l != "" && !strings.HasPrefix(l, "[cluster-") {
			lines[i] = " " + l
		}
	}
	in := "---------------pegasus-multipart\n" + strings.Join(lines, "\n")
	f, err := ksrecord.Parse(strings.NewReader(in), "doc")
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, m := range f.Multipart {
		out = append(out, entry{m.Key, m.Items})
	}
	return out, nil
}

// TestYAMLSubset checks the YAML reader against what PyYAML's safe loader
// (timestamps kept as strings) gives for the same documents, printed with
// Python's str().
func TestYAMLSubset(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []entry
	}{
		{"literal clip", "a: |\n  x\n \n  y\n\n\n", []entry{{"a", []ksrecord.KV{{"", "x\n\ny\n"}}}}},
		{"literal keep", "a: |+\n  x\n\n", []entry{{"a", []ksrecord.KV{{"", "x\n\n"}}}}},
		{"literal strip", "a: |-\n  x\n  y\n\n", []entry{{"a", []ksrecord.KV{{"", "x\ny"}}}}},
		{"literal indent indicator", "a: |2-\n   x\n  y\n", []entry{{"a", []ksrecord.KV{{"", " x\ny"}}}}},
		{"literal more indented lines", "a: |\n  base\n      deep\n\n  end\n", []entry{{"a", []ksrecord.KV{{"", "base\n    deep\n\nend\n"}}}}},
		{"literal empty", "a: |\nb: 1\n", []entry{{"a", []ksrecord.KV{{"", ""}}}, {"b", []ksrecord.KV{{"", "1"}}}}},
		{"literal leading blank", "a: |\n\n  x\n", []entry{{"a", []ksrecord.KV{{"", "\nx\n"}}}}},
		{"folded", "a: >\n  x\n  y\n\n  z\n   w\n  v\n", []entry{{"a", []ksrecord.KV{{"", "x y\nz\n w\nv\n"}}}}},
		{"folded strip", "a: >-\n  one\n  two\n", []entry{{"a", []ksrecord.KV{{"", "one two"}}}}},
		{"literal in list", "- a: |\n    x\n  b: 2\n", []entry{{"a", []ksrecord.KV{{"", "x\n"}}}, {"b", []ksrecord.KV{{"", "2"}}}}},
		{"scalars", "a: {i: 010, o: 0o10, h: 0x1F, b: 0b11, s: 1:30, f: 0.00, g: 1.0e+3, e: 1e3, n: ~, t: yes, u: Off, d: 2023-01-02, v: .5, w: -.5, x: 1_000.5, y: 12345678901234567890, z: .NaN, c: 1:30.5}", []entry{{"a", []ksrecord.KV{{"i", "8"}, {"o", "0o10"}, {"h", "31"}, {"b", "3"}, {"s", "90"}, {"f", "0.0"}, {"g", "1000.0"}, {"e", "1e3"}, {"n", "None"}, {"t", "True"}, {"u", "False"}, {"d", "2023-01-02"}, {"v", "0.5"}, {"w", "-.5"}, {"x", "1000.5"}, {"y", "12345678901234567890"}, {"z", "nan"}, {"c", "90.5"}}}}},
		{"quoted", "a: {d: \"tab\\there \\\"q\\\" \\x41\\u00e9\\U0001F600 \\\\ \\/ \\N\\_\", s: 'it''s', e: \"\", k: ''}", []entry{{"a", []ksrecord.KV{{"d", "tab\there \"q\" Aé\U0001f600 \\ / \u0085 "}, {"s", "it's"}, {"e", ""}, {"k", ""}}}}},
		{"quoted keys", "\"a b\": {\"c:d\": 1, 'e''f': 2}", []entry{{"a b", []ksrecord.KV{{"c:d", "1"}, {"e'f", "2"}}}}},
		{"nested flow", "a: {x: [1, [2, 3], {y: z}], w: {}, v: [], u: , t}", []entry{{"a", []ksrecord.KV{{"x.0", "1"}, {"x.1.0", "2"}, {"x.1.1", "3"}, {"x.2.y", "z"}, {"u", "None"}, {"t", "None"}}}}},
		{"multiline flow", "a: {x: 1,\n     y: [2,\n   3]  # c\n   }\n", []entry{{"a", []ksrecord.KV{{"x", "1"}, {"y.0", "2"}, {"y.1", "3"}}}}},
		{"compact nested", "- a:\n  - b: 1\n    c: 2\n  - - x\n    - y\n  -\n    d: 3\n  -\n", []entry{{"a", []ksrecord.KV{{"0.b", "1"}, {"0.c", "2"}, {"1.0", "x"}, {"1.1", "y"}, {"2.d", "3"}, {"3", "None"}}}}},
		{"indentless sequence", "a:\n- 1\n- 2\nb: 3\n", []entry{{"a", []ksrecord.KV{{"0", "1"}, {"1", "2"}}}, {"b", []ksrecord.KV{{"", "3"}}}}},
		{"comments", "# top\na: 1 # c\n# mid\n\nb:   # after key\n  c: 2\n", []entry{{"a", []ksrecord.KV{{"", "1"}}}, {"b", []ksrecord.KV{{"c", "2"}}}}},
		{"plain specials", "a: {p: http://x.org/a#b, q: a:b, r: -5, s: 'x' , t: a b  c}", []entry{{"a", []ksrecord.KV{{"p", "http://x.org/a#b"}, {"q", "a:b"}, {"r", "-5"}, {"s", "x"}, {"t", "a b  c"}}}}},
		{"empty values", "a:\nb: \nc:\n  d:\n", []entry{{"a", []ksrecord.KV{{"", "None"}}}, {"b", []ksrecord.KV{{"", "None"}}}, {"c", []ksrecord.KV{{"d", "None"}}}}},
		{"colon in block value", "a: x:y\nb: \"c: d\"\n", []entry{{"a", []ksrecord.KV{{"", "x:y"}}}, {"b", []ksrecord.KV{{"", "c: d"}}}}},
		{"unicode", "a: héllo 世界\n", []entry{{"a", []ksrecord.KV{{"", "héllo 世界"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDoc(tt.doc)
			if err != nil {
				t.Fatalf("%q: %v", tt.doc, err)
			}
			eq(t, "entries", got, tt.want)
		})
	}
}

// TestYAMLRejected lists documents PyYAML rejects: they must be syntax errors
// on the right line (counting the multipart marker as line 1).
func TestYAMLRejected(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		line int
	}{
		{"mapping value in a plain scalar", "a: b: c\n", 2},
		{"continuation line with a colon", "a: 1\n  b: 2\n", 3},
		{"tab as separator", "a:\tb\n", 2},
		{"tab in indentation", "a:\n\tb: 1\n", 3},
		{"trailing tab", "a: b\t\n", 2},
		{"unknown escape", "a: \"bad \\q escape\"\n", 2},
		{"short hex escape", "a: \"\\x4\"\n", 2},
		{"sequence entry in a mapping", "a: 1\n- b\n", 3},
		{"mapping after a sequence", "- a\nb: 1\n", 3},
		{"key in a sequence", "a:\n  - 1\n  b: 2\n", 4},
		{"content after a quoted scalar", "a: 'x' y\n", 2},
		{"comment without space in a block header", "a: |#c\n  x\n", 2},
		{"second document", "a: 1\n---\nb: 2\n", 3},
		{"bad indentation", "a:\n    b: 1\n   c: 2\n", 4},
		{"flow mapping without comma", "a: {x: 1 y: 2}\n", 2},
		{"flow sequence closed by brace", "a: [1, 2}\n", 2},
		{"unterminated flow followed by a record", "a: {x: 1,\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDoc(tt.doc + "[cluster-summary stat=\"ok\"]\n")
			var pe *ksrecord.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ksrecord.ErrSyntax) {
				t.Fatalf("%q: err = %v, want a syntax error", tt.doc, err)
			}
			if pe.Line != tt.line {
				t.Errorf("%q: line %d, want %d (%v)", tt.doc, pe.Line, tt.line, err)
			}
		})
	}
}

// TestYAMLUnsupported lists valid YAML that kickstart never writes and that
// this reader rejects (documented in the package).
func TestYAMLUnsupported(t *testing.T) {
	for _, doc := range []string{
		"a: &x 1\n",
		"a: *x\n",
		"a: !!str 1\n",
		"? a\n: 1\n",
		"a: \"two\n  lines\"\n",
		"a: two\n  lines\n",
		"a: {x: two\n  lines}\n",
	} {
		if _, err := parseDoc(doc); !errors.Is(err, ksrecord.ErrSyntax) {
			t.Errorf("%q: err = %v, want ErrSyntax", doc, err)
		}
	}
}

// TestHugeValues: huge numbers and deep nesting are handled in linear time;
// decimal integers of any length print as Python prints them, longer
// non-decimal ones (which Python refuses to print) are kept as written.
func TestHugeValues(t *testing.T) {
	digits := strings.Repeat("7", 200000)
	deep := strings.Repeat("[", 500) + strings.Repeat("1,", 1000) + strings.Repeat("]", 500)
	for _, tt := range []struct {
		name, doc, want string
		items           int
	}{
		{"decimal", "a: +1_" + digits, "1" + digits, 1},
		{"octal", "a: 0" + digits, "0" + digits, 1},
		{"base 60", "a: 1" + strings.Repeat(":5", 100000), "1" + strings.Repeat(":5", 100000), 1},
		{"float", "a: 1" + digits + ".5", "inf", 1},
		{"deep", "a: " + deep, "", 0},
	} {
		got, err := parseDoc(tt.doc)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(got) != 1 || len(got[0].items) != tt.items {
			t.Fatalf("%s: %d entries", tt.name, len(got))
		}
		if tt.items > 0 && got[0].items[0].Value != tt.want {
			t.Errorf("%s: value %.40q..., want %.40q...", tt.name, got[0].items[0].Value, tt.want)
		}
	}
}
