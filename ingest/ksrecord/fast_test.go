package ksrecord_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// bothPaths parses in with the fast path of the YAML reader on and off, and
// fails the test unless the results (File or error) are the same. It returns
// the result and how many records the fast path read.
func bothPaths(t testing.TB, fast, general *ksrecord.Parser, in []byte) (*ksrecord.File, error, int) {
	t.Helper()
	ksrecord.SetFastPath(fast, true)
	ksrecord.SetFastPath(general, false)
	got, err := fast.Parse(bytes.NewReader(in), "job.out")
	nFast := ksrecord.FastRecords(fast)
	want, werr := general.Parse(bytes.NewReader(in), "job.out")
	if !reflect.DeepEqual(got, want) || !sameError(err, werr) {
		t.Fatalf("fast path: %+v, %v\ngeneral path: %+v, %v\ninput:\n%s", got, err, want, werr, in)
	}
	if nFast > 0 {
		// The fast path again, with the input coming a byte at a time.
		slow, serr := fast.Parse(iotest.OneByteReader(bytes.NewReader(in)), "job.out")
		if !reflect.DeepEqual(slow, want) || !sameError(serr, werr) {
			t.Fatalf("fast path, one byte at a time: %+v, %v\ngeneral path: %+v, %v\ninput:\n%s", slow, serr, want, werr, in)
		}
	}
	return got, err, nFast
}

// TestFastPathTakesRecords checks that the fast path reads the records
// kickstart writes (and gives what the general path gives).
func TestFastPathTakesRecords(t *testing.T) {
	fast, general := ksrecord.NewParser(), ksrecord.NewParser()
	var clustered bytes.Buffer
	for i := range 5 {
		clustered.Write(synthYAML(i))
		fmt.Fprintf(&clustered, "[cluster-task id=%d, start=\"2023-03-04T01:04:28.457-08:00\", duration=20.1, status=0, line=%d, pid=1, app=\"/bin/analyze\"]\n", i+1, i+1)
	}
	clustered.WriteString("[cluster-summary stat=\"ok\", lines=5, tasks=5, succeeded=5, failed=0, extra=0, duration=100.5, start=\"2023-03-04T01:04:28.457-08:00\", pid=1, app=\"seqexec\"]\n")
	inputs := map[string][]byte{
		"generated run's shape": realYAML(7),
		"with environment":      synthYAML(7),
		"clustered":             clustered.Bytes(),
	}
	names, _ := filepath.Glob("testdata/yaml-*.out")
	for _, n := range names {
		if strings.Contains(n, "flow") || strings.Contains(n, "multipart") {
			continue // flow collections over several lines; multipart blocks
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(n)] = b
	}
	for name, in := range inputs {
		f, err, n := bothPaths(t, fast, general, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n != len(f.Records) || n == 0 {
			t.Errorf("%s: the fast path read %d of %d records", name, n, len(f.Records))
		}
	}
}

// TestFastPathSamples compares both paths on every job output of the samples
// and checks that the fast path read all their records.
func TestFastPathSamples(t *testing.T) {
	root := testutil.SamplesDir(t)
	fast, general := ksrecord.NewParser(), ksrecord.NewParser()
	files := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".out") {
			return err
		}
		in, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, _, n := bothPaths(t, fast, general, in)
		if f != nil && n != len(f.Records) {
			t.Errorf("%s: the fast path read %d of %d records", path, n, len(f.Records))
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 30 {
		t.Errorf("found %d job output files, want the samples' 35 and more", files)
	}
}

// TestFastPathVariants compares both paths on variants of a record: the
// forms the fast path reads and those it leaves to the general path, valid
// or not.
func TestFastPathVariants(t *testing.T) {
	rec := string(realYAML(7))
	stdout := "      data: |\n        score: mean 0.0007 sd 0.3393\n\n"
	if !strings.Contains(rec, stdout) {
		t.Fatal("the record has no stdout data")
	}
	sub := func(old, new string) string {
		t.Helper()
		if !strings.Contains(rec, old) {
			t.Fatalf("%q not in the record", old)
		}
		return strings.Replace(rec, old, new, 1)
	}
	data := func(header string, lines ...string) string {
		return sub(stdout, "      data: "+header+"\n"+strings.Join(lines, "\n")+"\n")
	}
	variants := map[string]string{
		"comment after a value":         sub("  hostname: node", "  hostname: node007 # the node\n  x: node"),
		"comment lines":                 sub("  mainjob:\n", "  # a comment\n  mainjob:\n        # deeper\n#col0\n"),
		"comment after a key":           sub("  mainjob:\n", "  mainjob:   # the task\n"),
		"hash inside a value":           sub("  hostname: node", "  hostname: no#de"),
		"hash inside quotes":            sub(`  transformation: "score"`, `  transformation: "sc # ore"`),
		"quoted keys":                   sub("  hostname:", `  "hostname":`),
		"single-quoted key and value":   sub("  user: pegasus", "  'user': 'it''s'"),
		"escapes":                       sub(`  transformation: "score"`, `  transformation: "sc\tore\u00e9\x41\"\\"`),
		"bad escape":                    sub(`  transformation: "score"`, `  transformation: "sc\qore"`),
		"unterminated quote":            sub(`  transformation: "score"`, `  transformation: "score`),
		"flow mapping":                  sub("    status:\n      raw: 0\n      regular_exitcode: 0\n", "    status: {raw: 256, regular_exitcode: 1}\n"),
		"flow sequence":                 sub("    procs:\n", "    procs: [1, 2, {a: b}]\n"),
		"flow over two lines":           sub("    status:\n      raw: 0\n      regular_exitcode: 0\n", "    status: {raw: 256,\n      regular_exitcode: 1}\n"),
		"flow then text":                sub("    procs:\n", "    procs: [1] x\n"),
		"literal strip":                 data("|-", "        a", "        b", ""),
		"literal keep":                  data("|+", "        a", "", "", "    stderr:"),
		"literal keep at the end":       rec + "    stdout:\n      data: |+\n        x\n\n   \n",
		"blank keep block at the end":   rec + "    stdout:\n      data: |+\n\n      \n",
		"blank block at the end":        rec + "    stdout:\n      data: |\n   \n            \n",
		"blank block then a key":        rec + "    stdout:\n      data: |+\n   \n            \n    x: 1\n",
		"folded at the end":             rec + "    stderr:\n      data: >-\n        a\n        b\n",
		"block at the end of the file":  rec + "    stderr:\n      data: |\n        a",
		"literal with indicator":        data("|2", "          a", "         b", ""),
		"literal bad indicator":         data("|0", "        a"),
		"literal header text":           data("| x", "        a"),
		"literal header comment":        data("| # c", "        a"),
		"folded":                        data(">", "        a", "        b", "", "        c", "          d", "        e"),
		"folded keep":                   data(">+", "        a", "        b", "", ""),
		"leading blank lines":           data("|", "", "   ", "      ", "        a"),
		"blank lines deeper than text":  data("|", "            ", "        a"),
		"more indented lines":           data("|", "        a", "            b", "        c"),
		"comment in data":               data("|", "        # not a comment", "        a"),
		"data ended by a comment":       data("|", "        a", "    # comment", "    "),
		"empty data":                    data("|", ""),
		"data less indented":            data("|", "     a"),
		"data then bad line":            data("|", "        a", "       b: c"),
		"tabs in data":                  data("|", "        a\tb", "        \tc", "        d"),
		"non-ASCII data":                data("|", "        é ü €", "        \U0001F600"),
		"control character in data":     data("|", "        a\x01b"),
		"invalid UTF-8 in data":         data("|", "        a\xffb"),
		"tab ending data":               data("|", "        a", "\tb"),
		"tab in a key line":             sub("  hostname: node", "  hostname:\tnode"),
		"tab in a value":                sub("  hostname: node", "  hostname: no\tde"),
		"non-ASCII value":               sub("  user: pegasus", "  user: pégasus"),
		"CRLF":                          strings.ReplaceAll(rec, "\n", "\r\n"),
		"lone CR":                       sub("  user: pegasus\n", "  user: pegasus\r  uid: 5\n"),
		"CR in data":                    data("|", "        a\rb"),
		"foreign lines":                 sub("  mainjob:\n", "Some epilogue\n  mainjob:\n") + "job done\n",
		"foreign line in data":          data("|", "        a", "junk", "        b"),
		"foreign line with CR":          sub("  mainjob:\n", "junk\r  k: v\n  mainjob:\n"),
		"line starting with l":          sub("  mainjob:\n", "lost\n  mainjob:\n"),
		"dash line at column 0":         sub("  mainjob:\n", "- x: 1\n  mainjob:\n"),
		"document marker":               sub("  mainjob:\n", "---\n  mainjob:\n"),
		"no mainjob":                    strings.Replace(strings.Replace(rec, "  mainjob:\n", "  mainjobs:\n", 1), "invocation", "invocation", 1),
		"not a list":                    "x " + rec,
		"scalar record":                 "- invocation\n",
		"bad indentation":               sub("    duration: 22.266", "      duration: 22.266"),
		"key less indented":             sub("      utime: 17.926", "     utime: 17.926"),
		"mapping in a value":            sub("  hostname: node", "  hostname: a: node"),
		"colon at the end of a value":   sub("  hostname: node", "  hostname: node:"),
		"colon inside a value":          sub("  hostname: node", "  hostname: no:de"),
		"no key":                        sub("  hostname: node", "  hostname node"),
		"sequence at the key's column":  strings.ReplaceAll(rec, "\n      - ", "\n    - "),
		"sequence less indented":        sub("      - \"--output\"", "    - \"--output\""),
		"nested sequence":               sub("      - \"--input\"", "      - - a\n        - b"),
		"mapping in a sequence":         sub("      - \"--input\"", "      - a: 1\n        b: 2\n      - c:\n          d: 3"),
		"empty sequence entry":          sub("      - \"--input\"", "      -\n      - # c\n      -\n        x"),
		"sequence entry on next line":   sub("      - \"--input\"", "      -\n        \"--input\""),
		"sequence in the record":        sub("  mainjob:\n", "  procs:\n  - 1\n  -\n  - x\n  mainjob:\n"),
		"value on the next line":        sub("  hostname: node", "  hostname:\n    node"),
		"value on the next line, two":   sub("  hostname: node", "  hostname:\n    node\n    more"),
		"null values":                   sub("  hostname: node", "  hostname: ~\n  user: null\n  x:\n  y: node"),
		"empty value at the end":        rec + "  jobs:\n",
		"duplicate file":                sub("    stdin:\n", "    score_ID0000007.dat:\n      output: False\n      size: 3\n    stdin:\n"),
		"output variants":               sub("      output: True", "      output: yes\n      size: 010"),
		"anchor":                        sub("  hostname: node", "  hostname: &a node"),
		"alias":                         sub("  hostname: node", "  hostname: *a"),
		"tag":                           sub("  hostname: node", "  hostname: !!str node"),
		"complex key":                   sub("  hostname: node", "  ? hostname\n  : node"),
		"blank lines":                   sub("  mainjob:\n", "\n   \n  mainjob:\n\n"),
		"first line with a comment":     sub("- invocation: True", "- invocation: True # c"),
		"first line null":               sub("- invocation: True", "- invocation:"),
		"indented first line":           "  " + strings.ReplaceAll(rec[:len(rec)-1], "\n", "\n  ") + "\n",
		"first line only":               "- invocation: True\n",
		"first line without line break": "- invocation: True",
		"last line without line break":  rec[:len(rec)-1],
		"two records":                   rec + rec,
		"record then multipart":         rec + "---------------pegasus-multipart\n- integrity_summary: {succeeded: 1, failed: 0, duration: 0.1}\n",
		"record then cluster line":      rec + "[cluster-task id=1, start=\"2012-09-25T16:41:22.734-04:00\", duration=6.0, status=0]\n",
		"record then a long line":       rec + "  x: " + strings.Repeat("y", 200<<10) + "\n",
		"long data":                     data("|", "        "+strings.Repeat("z", 150<<10), "        b"),
		"deep nesting":                  sub("    procs:\n", "    procs:\n"+deep(80, 6)),
		"deep flow":                     sub("    procs:\n", "    procs: "+strings.Repeat("[", 500)+strings.Repeat("]", 500)+"\n"),
		"deep flow in deep blocks":      sub("    procs:\n", "    procs:\n"+deep(40, 6)+strings.Repeat(" ", 6+40*2)+"z: "+strings.Repeat("[", 440)+strings.Repeat("]", 440)+"\n"),
		"files in a flow":               sub("  files:\n", "  files: {a: {output: True, size: 3}}\n  files2:\n"),
		"many files":                    sub("  files:\n", "  files:\n"+manyFiles(40)),
	}
	// Valid records left to the general path; the fast path reads the others.
	slow := map[string]bool{
		"tab in a key line": true, "tab in a value": true, "non-ASCII value": true, "CRLF": true,
		"lone CR": true, "CR in data": true, "foreign line with CR": true, "flow over two lines": true,
		"nested sequence": true, "deep nesting": true, "deep flow in deep blocks": true,
		"dash line at column 0": true, "deep flow": true,
	}
	fast, general := ksrecord.NewParser(), ksrecord.NewParser()
	for name, in := range variants {
		t.Run(name, func(t *testing.T) {
			f, err, n := bothPaths(t, fast, general, []byte(in))
			if err == nil && !slow[name] && n != len(f.Records) {
				t.Errorf("the fast path read %d of %d records", n, len(f.Records))
			}
		})
	}
}

// deep nests n mappings from column ind.
func deep(n, ind int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat(" ", ind+2*i), i)
	}
	fmt.Fprintf(&b, "%sv: 1\n", strings.Repeat(" ", ind+2*n))
	return b.String()
}

func manyFiles(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "    f%d:\n      output: %v\n      size: %d\n", i%30, i%3 == 0, i)
	}
	return b.String()
}

// TestFastPathLineEdits compares both paths on a record with one line
// removed, indented, dedented, doubled, or preceded by a blank or comment
// line, for every line; and on every cut of it at a line break.
func TestFastPathLineEdits(t *testing.T) {
	fast, general := ksrecord.NewParser(), ksrecord.NewParser()
	for _, rec := range []string{string(realYAML(3)), string(testdataFile(t, "yaml-signalled.out"))} {
		lines := strings.SplitAfter(rec, "\n")
		edits := []func(string) string{
			func(string) string { return "" },
			func(l string) string { return " " + l },
			func(l string) string { return strings.TrimPrefix(l, " ") },
			func(l string) string { return l + l },
			func(l string) string { return "\n" + l },
			func(l string) string { return "   # c\n" + l },
			func(l string) string { return strings.Replace(l, ": ", ":  ", 1) },
			func(l string) string { return strings.TrimSuffix(l, "\n") + " \n" },
		}
		for i := range lines {
			for _, edit := range edits {
				edited := strings.Join(lines[:i], "") + edit(lines[i]) + strings.Join(lines[i+1:], "")
				bothPaths(t, fast, general, []byte(edited))
			}
			bothPaths(t, fast, general, []byte(strings.Join(lines[:i], "")))
		}
	}
}

func testdataFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzFastPath checks that the fast path of the YAML reader gives what the
// general path gives.
func FuzzFastPath(f *testing.F) {
	names, _ := filepath.Glob("testdata/yaml-*.out")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(realYAML(1))
	f.Add([]byte("- invocation: True\n  mainjob:\n    start: 2023-01-01T00:00:00Z\n  files:\n    a:\n      output: True\n      data: |\n        x\n\n    b: {size: 1}\n"))
	f.Add([]byte("- invocation: True\n  mainjob:\n    argument_vector:\n    - a\n    -\n      b\n    - c: d\n  cwd: x # y\n"))
	fast, general := ksrecord.NewParser(), ksrecord.NewParser()
	f.Fuzz(func(t *testing.T, in []byte) {
		bothPaths(t, fast, general, in)
	})
}
