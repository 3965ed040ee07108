package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedLines adds the lines of sample files matching glob as fuzz seeds (at
// most max of them).
func seedLines(f *testing.F, glob string, max int) {
	files, _ := filepath.Glob(glob)
	n := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() && n < max {
			f.Add(sc.Bytes())
			n++
		}
	}
}

func seedFiles(f *testing.F, globs ...string) {
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

func samplesGlob(rel string) string {
	dir := os.Getenv("PEGASUS_SAMPLES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "pegasus-samples")
	}
	return filepath.Join(dir, rel)
}

// checkErr asserts the parsers' error contract: a *ParseError with a file.
func checkErr(t *testing.T, err error) {
	if err == nil {
		return
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error is not a *ParseError: %T %v", err, err)
	}
	if pe.File == "" || pe.Line < 0 {
		t.Fatalf("bad position in %v", err)
	}
}

func FuzzClassify(f *testing.F) {
	seedLines(f, samplesGlob("*/*.dag.dagman.out"), 400)
	seedLines(f, samplesGlob("dagman-out/*.dagman.out"), 400)
	f.Add([]byte("03/04 11:56:38 Event: ULOG_EXECUTE for Condor Job ls_ID1 (100.0)"))
	f.Add([]byte("2023-03-04T11:56:38-08:00 Node a job proc (1.0.0) failed with signal 9."))
	f.Fuzz(func(t *testing.T, line []byte) {
		dc := DagmanClassifier{Clock: &Clock{Loc: time.UTC, Year: 2023}}
		dl := dc.Classify(line, 1)
		if dl.Kind != LineOther && !dl.HasTS {
			t.Fatalf("classified %v without a time stamp", dl.Kind)
		}
		if (dl.Kind == LineULog || dl.Kind == LineSubmitting || dl.Kind == LineJobFailed || dl.Kind == LineJobSuccess) && dl.Node == "" {
			t.Fatalf("%v without a node: %q", dl.Kind, line)
		}
	})
}

func FuzzLogStates(f *testing.F) {
	seedFiles(f, samplesGlob("dagman-out/*.dagman.out"), samplesGlob("process_wf_failure/*.dagman.out"))
	f.Fuzz(func(t *testing.T, log []byte) {
		sum, err := ReadLogStates(context.Background(), bytes.NewReader(log), "fuzz", time.UTC)
		checkErr(t, err)
		if err == nil {
			for _, n := range sum.Nodes {
				if n.Outcome == "" || n.Tries < 1 {
					t.Fatalf("node %+v", n)
				}
			}
		}
	})
}

func FuzzBPLine(f *testing.F) {
	seedLines(f, samplesGlob("*/*.static.bp"), 200)
	f.Add([]byte(`ts=2012-03-13T12:35:36.000000Z event=stampede.inv.end level=Info argv="-u \"x\" y"`))
	f.Fuzz(func(t *testing.T, line []byte) {
		attrs, err := ParseBPLine(line)
		if err != nil {
			return
		}
		// Writing the attributes back and reading them gives the same values.
		var b strings.Builder
		for i, kv := range attrs {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(kv.Key + `="` + strings.ReplaceAll(kv.Value, `"`, `\"`) + `"`)
		}
		again, err := ParseBPLine([]byte(b.String()))
		if err != nil {
			// A value ending in a backslash cannot be quoted back.
			for _, kv := range attrs {
				if strings.HasSuffix(kv.Value, `\`) {
					return
				}
			}
			t.Fatalf("re-reading %q: %v", b.String(), err)
		}
		if len(again) != len(attrs) {
			t.Fatalf("round trip: %v != %v", again, attrs)
		}
		for i := range attrs {
			if again[i] != attrs[i] {
				t.Fatalf("round trip: %v != %v", again[i], attrs[i])
			}
		}
	})
}

func FuzzStaticBP(f *testing.F) {
	seedFiles(f, samplesGlob("*/*.static.bp"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := NewBPScanner(bytes.NewReader(data), "fuzz.static.bp")
		for sc.Next() {
			e, err := StaticEvent(sc.Record(), "fuzz.static.bp")
			checkErr(t, err)
			if err == nil && e != nil && e.Kind == KindUnknown {
				t.Fatalf("unknown kind returned")
			}
		}
		checkErr(t, sc.Err())
	})
}

func FuzzJobstate(f *testing.F) {
	seedFiles(f, samplesGlob("*/jobstate.log"), samplesGlob("*/expected/jobstate.log"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := NewJobstateScanner(bytes.NewReader(data), "jobstate.log")
		for sc.Next() {
			e := sc.Entry()
			if e.Job == "" || e.State == "" {
				t.Fatalf("entry %+v", e)
			}
		}
		checkErr(t, sc.Err())
	})
}

func FuzzSubmit(f *testing.F) {
	seedFiles(f, samplesGlob("process_wf_failure/00/00/*.sub"), samplesGlob("hierarchical_wf_success/00/00/pegasus-plan*.sub"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadSubmit(bytes.NewReader(data), "x.sub")
		checkErr(t, err)
		if err == nil {
			s.Environment()
			if _, err := s.Arguments(); err != nil && !errors.Is(err, ErrSyntax) {
				t.Fatalf("arguments: %v", err)
			}
		}
	})
}

func FuzzDAG(f *testing.F) {
	seedFiles(f, samplesGlob("*/*.dag"), samplesGlob("*/*.dag.rescue*"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadDAG(bytes.NewReader(data), "x.dag")
		checkErr(t, err)
		if err == nil {
			for _, e := range d.Edges {
				if d.Node(e[0]) == nil || d.Node(e[1]) == nil {
					t.Fatalf("edge %v to an undefined node", e)
				}
			}
		}
	})
}

func FuzzBraindump(f *testing.F) {
	seedFiles(f, samplesGlob("*/braindump.yml"))
	f.Add([]byte("wf_uuid abc\ndag x.dag\nrun /tmp/x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := readBraindumpYAML(bytes.NewReader(data), "braindump.yml")
		checkErr(t, err)
		_, err = readBraindumpText(bytes.NewReader(data), "braindump.txt")
		checkErr(t, err)
	})
}

func FuzzNotify(f *testing.F) {
	seedFiles(f, samplesGlob("*/*.notify"))
	f.Add([]byte("WORKFLOW d2c4 on_error /bin/mail_me\n\nINVOCATION merge_1 1 on_success /bin/date\nJOB a at_end /x -t a@b.c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ns, err := ReadNotify(bytes.NewReader(data), "x.notify")
		checkErr(t, err)
		for _, n := range ns {
			if n.ID == "" || n.Condition == "" {
				t.Fatalf("notification %+v", n)
			}
		}
	})
}

func FuzzMetrics(f *testing.F) {
	seedFiles(f, samplesGlob("*/*-0.metrics"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ParsePlannerMetrics(data, "x.metrics")
		checkErr(t, err)
	})
}

func FuzzISOTime(f *testing.F) {
	f.Add("2023-03-04T11:57:07.327-08:00")
	f.Add("20230304T010100-0800")
	f.Fuzz(func(t *testing.T, s string) {
		ParseISOTime(s)
	})
}
