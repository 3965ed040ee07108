package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
	"github.com/pegasus-go/pegasus/internal/cli"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "/bin/echo a  b", want: []string{"/bin/echo", "a", "b"}},
		{in: `x 'a b' "c \"d\" \$e" f\ g ''`, want: []string{"x", "a b", `c "d" $e`, "f g", ""}},
		{in: `x 'open`, err: true},
		{in: `x "open`, err: true},
	}
	for _, tc := range tests {
		got, err := splitWords(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("%q: no error", tc.in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestReadTasks(t *testing.T) {
	in := "#@ ID1 ns::a:1.0 ID1\n/bin/echo one\n\n# other comment\n/bin/echo two\n#@ ID3 b ID3\n/bin/true\n"
	tasks, lines, err := ReadTasks(strings.NewReader(in), "x.in")
	if err != nil {
		t.Fatal(err)
	}
	if lines != 7 || len(tasks) != 3 {
		t.Fatalf("lines %d tasks %d", lines, len(tasks))
	}
	if tasks[0].ID != "ID1" || tasks[0].TR != "ns::a:1.0" || tasks[0].Line != 2 || tasks[1].ID != "" || tasks[1].Line != 5 || tasks[2].ID != "ID3" {
		t.Fatalf("tasks %+v", tasks)
	}
	_, _, err = ReadTasks(strings.NewReader("/bin/true\n/bin/echo 'x\n"), "bad.in")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.HasPrefix(err.Error(), "bad.in:2: ") {
		t.Fatalf("err = %v, want bad.in:2", err)
	}
}

func runCluster(t *testing.T, input string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(input), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// parseCluster reads the cluster lines of out with the monitoring parser.
func parseCluster(t *testing.T, out string) *ksrecord.File {
	t.Helper()
	f, err := ksrecord.Parse(strings.NewReader(out), "job.out")
	if err != nil {
		t.Fatalf("ksrecord: %v\n%s", err, out)
	}
	if f.Cluster == nil {
		t.Fatalf("no cluster summary in\n%s", out)
	}
	return f
}

func TestRunAll(t *testing.T) {
	in := "#@ ID1 a ID1\n/bin/echo one\n/bin/sh -c 'exit 3'\n/bin/echo 'three'\n"
	out, _, err := runCluster(t, in)
	if code := cli.ExitCode("pegasus-cluster", err, &bytes.Buffer{}); code != 1 || !strings.Contains(err.Error(), "1 of 3 tasks failed") {
		t.Fatalf("exit %d, err %v", code, err)
	}
	if !strings.HasPrefix(out, "one\n[cluster-task id=1,") || !strings.Contains(out, "three\n[cluster-task id=3,") {
		t.Fatalf("output:\n%s", out)
	}
	f := parseCluster(t, out)
	if c := f.Cluster; c.Tasks != 3 || c.Succeeded != 2 || c.Failed != 1 || c.Stat != "fail" || !c.HasStart {
		t.Fatalf("summary %+v", c)
	}
	var st []int
	for _, ct := range f.ClusterTasks {
		st = append(st, ct.Status)
	}
	if !reflect.DeepEqual(st, []int{0, 3 << 8, 0}) {
		t.Fatalf("task statuses %v", st)
	}
}

func TestFailFast(t *testing.T) {
	in := "/bin/true\n/bin/false\n/bin/echo never\n"
	out, _, err := runCluster(t, in, "-f")
	if err == nil || !strings.Contains(err.Error(), "1 not run") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(out, "never") {
		t.Fatalf("ran a task after the failure:\n%s", out)
	}
	f := parseCluster(t, out)
	if len(f.ClusterTasks) != 2 || f.Cluster.Failed != 1 || f.Cluster.Succeeded != 1 {
		t.Fatalf("tasks %+v summary %+v", f.ClusterTasks, f.Cluster)
	}
	if !strings.Contains(out, "extra=1,") || !strings.Contains(out, "lines=3,") {
		t.Fatalf("summary line:\n%s", out)
	}
	// The property gives the default.
	conf := filepath.Join(t.TempDir(), "p.properties")
	os.WriteFile(conf, []byte("pegasus.clusterer.job.aggregator.seqexec.firstjobfail = true\n"), 0o644)
	out, _, _ = runCluster(t, in, "--conf", conf)
	if strings.Contains(out, "never") {
		t.Fatalf("--conf did not turn on fail-hard:\n%s", out)
	}
}

func TestSuccessCodesSignalsAndMissing(t *testing.T) {
	in := "/bin/sh -c 'exit 4'\n/bin/sh -c 'kill -9 $$'\n/no/such/program\n"
	out, stderr, err := runCluster(t, in, "-S", "4")
	if err == nil {
		t.Fatal("want a failure")
	}
	f := parseCluster(t, out)
	var st []int
	for _, ct := range f.ClusterTasks {
		st = append(st, ct.Status)
	}
	if !reflect.DeepEqual(st, []int{4 << 8, 9, 127 << 8}) {
		t.Fatalf("statuses %v", st)
	}
	if f.Cluster.Succeeded != 1 || f.Cluster.Failed != 2 {
		t.Fatalf("summary %+v", f.Cluster)
	}
	if !strings.Contains(stderr, "line 3:") {
		t.Fatalf("stderr %q", stderr)
	}
}

func TestReportAndFile(t *testing.T) {
	dir := t.TempDir()
	inFile := filepath.Join(dir, "job.in")
	os.WriteFile(inFile, []byte("/bin/true\n/bin/true\n"), 0o644)
	report := filepath.Join(dir, "progress")
	out, _, err := runCluster(t, "", "-R", report, inFile)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := os.ReadFile(report)
	if strings.Count(string(rep), "[cluster-task ") != 2 || !strings.Contains(out, `stat="ok", lines=2, tasks=2, succeeded=2, failed=0, extra=0`) {
		t.Fatalf("report %q\nout %s", rep, out)
	}
	if _, _, err := runCluster(t, "", filepath.Join(dir, "missing.in")); err == nil {
		t.Fatal("missing input: no error")
	}
	if _, _, err := runCluster(t, "", "a", "b"); cli.ExitCode("x", err, &bytes.Buffer{}) != 2 {
		t.Fatalf("two inputs: %v", err)
	}
}
