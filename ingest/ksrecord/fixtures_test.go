package ksrecord_test

import (
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

func parseFixture(t *testing.T, name string) *ksrecord.File {
	t.Helper()
	f, err := ksrecord.ParseFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

func epoch(t *testing.T, iso string) float64 {
	t.Helper()
	f, err := ksrecord.Parse(strings.NewReader("[cluster-task id=1, start=\""+iso+"\"]\n"), "time")
	if err != nil || len(f.ClusterTasks) != 1 || !f.ClusterTasks[0].HasStart {
		t.Fatalf("cannot convert %s", iso)
	}
	return f.ClusterTasks[0].Start
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestXMLSuccess(t *testing.T) {
	f := parseFixture(t, "xml-success.out")
	eq(t, "format", f.Format, "xml")
	if len(f.Records) != 1 {
		t.Fatalf("%d records", len(f.Records))
	}
	r := f.Records[0]
	eq(t, "hostname", r.Hostname, "node7.example.org")
	eq(t, "hostaddr", r.Hostaddr, "10.1.2.3")
	eq(t, "resource", r.Resource, "condorpool")
	eq(t, "user", r.User, "alice")
	eq(t, "transformation", r.Transformation, "diamond::preprocess:4.0")
	eq(t, "derivation", r.Derivation, "ID0000001")
	eq(t, "start text", r.StartText, "2014-06-10T09:15:01.300-07:00")
	eq(t, "start", r.Start, 1402416901.3)
	eq(t, "duration", r.Duration, 12.402)
	// The mainjob usage, not kickstart's own.
	eq(t, "utime", r.Utime, 10.25)
	eq(t, "stime", r.Stime, 1.125)
	eq(t, "maxrss", r.MaxRSS, int64(20480))
	eq(t, "raw", r.Raw, 0)
	eq(t, "exit", r.ExitCode, 0)
	eq(t, "has exit", r.HasExit, true)
	eq(t, "signalled", r.Signalled, false)
	eq(t, "executable", r.Executable, "/opt/diamond/bin/preprocess")
	eq(t, "argv", r.Argv, []string{"-a", "preprocess", "-i", "f.a", "-o", "f.b1 & f.b2"})
	eq(t, "cwd", r.Cwd, "/scratch/condor/execute/dir_4240")
	eq(t, "uname", []string{r.System, r.Release, r.Machine}, []string{"linux", "2.6.32-431.el6.x86_64", "x86_64"})
	eq(t, "ram", r.RAMTotal, int64(16728055808))
	eq(t, "cpu", []any{r.CPUCount, r.CPUSpeed, r.CPUVendor, r.CPUModel},
		[]any{8, 2400, "GenuineIntel", "Intel(R) Xeon(R) CPU E5620 @ 2.40GHz"})
	eq(t, "stdout", r.Stdout, "reading f.a <3 lines> & writing \"f.b1\"\nraw <markup> & stuff\n")
	eq(t, "has stderr", r.HasStderr, false)
	eq(t, "outputs", r.Outputs, []ksrecord.OutputFile{
		{LFN: "f.b1", Size: "600", Ctime: "2014-06-10T09:15:13-07:00", User: "alice", ChecksumType: "sha256",
			ChecksumValue: "1f3870be274f6c49b3e31a0c6728957f6e2b4a1c0e6b5a4c3d2e1f0a9b8c7d6e", ChecksumTiming: "0.144"},
		{LFN: "f.b2", Size: "602", Ctime: "2014-06-10T09:15:14-07:00", User: "alice"},
	})
	eq(t, "input bytes", r.InputBytes, int64(1200))
	eq(t, "output bytes", r.OutputBytes, int64(1202))
}

func TestXMLFailed(t *testing.T) {
	r := parseFixture(t, "xml-failed.out").Records[0]
	eq(t, "raw", r.Raw, 256)
	eq(t, "exit", r.ExitCode, 1)
	eq(t, "start", r.Start, 1359709200.1)
	eq(t, "stderr", r.Stderr, "/bin/ls: cannot access /no/such/dir: No such file or directory\n")
	eq(t, "has stdout", r.HasStdout, false)
	eq(t, "argv", r.Argv, []string{"/no/such/dir"})
	eq(t, "cpu model", r.CPUModel, "AMD Athlon(tm) II X2")
	eq(t, "outputs", len(r.Outputs), 0)
}

func TestXMLSignalled(t *testing.T) {
	r := parseFixture(t, "xml-signalled.out").Records[0]
	eq(t, "raw", r.Raw, 139)
	eq(t, "signalled", r.Signalled, true)
	eq(t, "signal", r.Signal, 11)
	eq(t, "name", r.SignalName, "SIGSEGV")
	eq(t, "core", r.Corefile, true)
	eq(t, "has exit", r.HasExit, false)
	eq(t, "argv", []any{r.HasArgv, len(r.Argv)}, []any{true, 0})
	eq(t, "stdout", r.Stdout, "step 1 of 3\n")
	eq(t, "ram", r.RAMTotal, int64(521076736))
}

func TestXMLFailure(t *testing.T) {
	r := parseFixture(t, "xml-failure.out").Records[0]
	eq(t, "raw", r.Raw, -1)
	eq(t, "failure", []any{r.HasFailure, r.FailureError, r.Failure},
		[]any{true, 2, "No such file or directory: /opt/missing/bin/tool"})
	eq(t, "start", r.Start, 1425351783.001)
	eq(t, "system", r.System, "darwin")
	eq(t, "darwin ram", r.RAMTotal, int64(8589934592))
	eq(t, "cpu", r.CPUCount, 4)
}

func TestXMLClustered(t *testing.T) {
	f := parseFixture(t, "xml-clustered.out")
	if len(f.Records) != 3 || len(f.ClusterTasks) != 3 || f.Cluster == nil {
		t.Fatalf("%d records, %d tasks, summary %v", len(f.Records), len(f.ClusterTasks), f.Cluster)
	}
	for i, r := range f.Records {
		eq(t, "executable", r.Executable, "/bin/task"+string(rune('1'+i)))
		eq(t, "stdout", r.Stdout, "task "+string(rune('1'+i))+"\n")
	}
	eq(t, "raw of task 3", f.Records[2].Raw, 256)
	eq(t, "tasks", f.ClusterTasks, []ksrecord.ClusterTask{
		{ID: 1, Start: epoch(t, "2012-09-25T16:41:22.734-04:00"), HasStart: true, Duration: 6.01, Status: 0, App: "/bin/task1"},
		{ID: 2, Start: epoch(t, "2012-09-25T16:41:28.744-04:00"), HasStart: true, Duration: 6.02, Status: 0, App: "/bin/task2"},
		{ID: 3, Start: epoch(t, "2012-09-25T16:41:34.764-04:00"), HasStart: true, Duration: 6.03, Status: 256, App: "/bin/task3, with comma"},
	})
	eq(t, "summary", *f.Cluster, ksrecord.ClusterSummary{Start: 1348605682.734, HasStart: true, Duration: 18.2,
		Tasks: 3, Succeeded: 2, Failed: 1, Stat: "fail"})
}

func TestXMLSeqexec(t *testing.T) {
	f := parseFixture(t, "xml-seqexec.out")
	eq(t, "records", len(f.Records), 1)
	eq(t, "tasks", f.ClusterTasks, []ksrecord.ClusterTask{{ID: 1, Start: 1262304000, HasStart: true, Duration: 1.5, App: "/bin/a"}})
	eq(t, "summary", *f.Cluster, ksrecord.ClusterSummary{Start: 1262304000, HasStart: true, Duration: 1.6,
		Tasks: 1, Succeeded: 1, Stat: "ok"})
}

func TestXMLOldLayout(t *testing.T) {
	r := parseFixture(t, "xml-iv20.out").Records[0]
	// monitord reads uname and ram only inside <machine>: absent here.
	eq(t, "uname", r.HasUname, false)
	eq(t, "ram", r.HasRAMTotal, false)
	// The mainjob, not the setup job.
	eq(t, "executable", r.Executable, "/usr/bin/oldjob")
	eq(t, "utime", r.Utime, 2.0)
	eq(t, "start", r.Start, 1210075689.2)
	eq(t, "argv", r.HasArgv, false)
	eq(t, "derivation", r.Derivation, "dv1")
	// ISO-8859-1, as monitord reads records.
	eq(t, "stderr", r.Stderr, "café ok\n")
}

func TestYAMLClustered(t *testing.T) {
	f := parseFixture(t, "yaml-clustered.out")
	eq(t, "format", f.Format, "yaml")
	if len(f.Records) != 3 || len(f.ClusterTasks) != 3 || f.Cluster == nil {
		t.Fatalf("%d records, %d tasks, summary %v", len(f.Records), len(f.ClusterTasks), f.Cluster)
	}
	for i, r := range f.Records {
		n := string(rune('1' + i))
		eq(t, "hostname", r.Hostname, "exec"+n+".example.org")
		eq(t, "derivation", r.Derivation, "ID000000"+n)
		eq(t, "start", r.Start, epoch(t, "2023-05-06T10:00:0"+n+".100-07:00"))
		dur, _ := strconv.ParseFloat("1.40"+n, 64)
		eq(t, "duration", r.Duration, dur)
		eq(t, "argv", r.Argv, []string{"-n", n})
		eq(t, "stdout", r.Stdout, "task "+n+" done\n")
		eq(t, "outputs", r.Outputs, []ksrecord.OutputFile{{LFN: "out_" + n + ".txt", Size: "1" + n,
			Ctime: "2023-05-06T10:00:0" + n + "-07:00", User: "grace", ChecksumType: "sha256",
			ChecksumValue: "abcdef0" + n, ChecksumTiming: "0.01" + n}})
		eq(t, "sizes", []int64{r.InputBytes, r.OutputBytes}, []int64{0, int64(10 + i + 1)})
		eq(t, "machine", []any{r.Machine, r.CPUVendor, r.CPUModel, r.RAMTotal}, []any{"aarch64", "ARM", "Neoverse-N1", int64(8000000)})
	}
	eq(t, "raw 3", []int{f.Records[2].Raw, f.Records[2].ExitCode}, []int{256, 1})
	eq(t, "task 3", f.ClusterTasks[2].Status, 256)
	eq(t, "summary", f.Cluster.Stat, "fail")
}

func TestYAMLMultipart(t *testing.T) {
	f := parseFixture(t, "yaml-multipart.out")
	eq(t, "records", len(f.Records), 1)
	want := []ksrecord.MultipartEntry{
		{Key: "integrity_verification_attempts", Items: []ksrecord.KV{
			{Key: "0.lfn", Value: "f.in1"}, {Key: "0.pfn", Value: "f.in1"}, {Key: "0.sha256", Value: "1111"},
			{Key: "0.success", Value: "True"},
			{Key: "1.lfn", Value: "f.in2"}, {Key: "1.pfn", Value: "f.in2"}, {Key: "1.sha256", Value: "2222"},
			{Key: "1.success", Value: "False"}}},
		{Key: "integrity_summary", IntegritySummary: &ksrecord.IntegritySummary{Succeeded: 1, Failed: 1, Duration: 0.182, HasDuration: true},
			Items: []ksrecord.KV{{Key: "succeeded", Value: "1"}, {Key: "failed", Value: "1"}, {Key: "duration", Value: "0.182"}}},
		{Key: "location", Items: []ksrecord.KV{{Key: "site", Value: "aws-batch"}, {Key: "region", Value: "us-west-2"},
			{Key: "attempts.0", Value: "1"}, {Key: "attempts.1", Value: "2"}}},
	}
	eq(t, "multipart", f.Multipart, want)
}

func TestYAMLSignalled(t *testing.T) {
	r := parseFixture(t, "yaml-signalled.out").Records[0]
	eq(t, "raw", r.Raw, 9)
	eq(t, "signal", []any{r.Signalled, r.Signal, r.SignalName, r.Corefile}, []any{true, 9, "SIGKILL", false})
	eq(t, "has exit", r.HasExit, false)
	eq(t, "stderr", r.Stderr, "slurmstepd: error: *** KILLED ***") // "|-" strips the final line break
	eq(t, "has stdout", r.HasStdout, false)
	eq(t, "argv", []any{r.HasArgv, len(r.Argv)}, []any{true, 0})
	eq(t, "maxrss", r.MaxRSS, int64(4194304))
	eq(t, "start", r.Start, epoch(t, "2023-07-01T10:00:00.5Z"))
}

func TestYAMLFlow(t *testing.T) {
	r := parseFixture(t, "yaml-flow.out").Records[0]
	eq(t, "start (basic form)", r.Start, epoch(t, "2023-03-04T11:57:07.427-08:00"))
	eq(t, "usage", []float64{r.Utime, r.Stime}, []float64{0.006, 0.008})
	eq(t, "maxrss", r.MaxRSS, int64(8888))
	eq(t, "raw", []any{r.Raw, r.HasExit, r.ExitCode}, []any{0, true, 0})
	eq(t, "executable", r.Executable, "/usr/bin/curl")
	eq(t, "argv", r.Argv, []string{"-o", "pegasus.html", "http://pegasus.isi.edu", "-L"})
	eq(t, "cwd", r.Cwd, "/var/lib/condor/execute/dir 382044")
	eq(t, "machine", []any{r.System, r.Release, r.RAMTotal, r.CPUCount, r.CPUModel},
		[]any{"linux", "4.18.0", int64(65653728), 24, "Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz"})
	eq(t, "stderr", r.Stderr, "  % Total\n100  313\n")
	// Python's str() of what PyYAML loads: 0.00 -> 0.0, 010 -> 8 (octal),
	// 1_000 -> 1000, 1.0e+3 -> 1000.0, ~ -> None; "yes" is true.
	eq(t, "outputs", r.Outputs, []ksrecord.OutputFile{
		{LFN: "pegasus.html", Size: "313", Ctime: "2023-03-04T11:57:07-08:00", User: "ivan", ChecksumType: "sha256",
			ChecksumValue: "802d", ChecksumTiming: "0.0"},
		{LFN: "weird name.dat", Size: "8", Ctime: "None", User: "1000", ChecksumType: "sha256",
			ChecksumValue: "a\tb", ChecksumTiming: "1000.0"},
	})
	eq(t, "sizes", []int64{r.InputBytes, r.OutputBytes}, []int64{16, 321})
}

func TestYAMLEpilogue(t *testing.T) {
	f := parseFixture(t, "yaml-epilogue.out")
	if len(f.Records) != 1 {
		t.Fatalf("%d records", len(f.Records))
	}
	r := f.Records[0]
	eq(t, "transformation", r.Transformation, "wc")
	eq(t, "outputs", len(r.Outputs), 1)
	eq(t, "stdout", r.Stdout, "task 1 done\n")
}

// TestFixturesAreOurs guards against fixtures that parse to nothing.
func TestFixturesAreOurs(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.out")
	if len(names) < 12 {
		t.Fatalf("only %d fixtures", len(names))
	}
	for _, n := range names {
		f, err := ksrecord.ParseFile(n)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(f.Records) == 0 {
			t.Errorf("%s: no record", n)
		}
	}
}

func TestRegularExitCode(t *testing.T) {
	for _, tt := range []struct{ raw, want int }{
		{0, 0}, {256, 1}, {512, 2}, {255 << 8, 255}, {9, -9}, {139, -11}, {-1, -128},
	} {
		r := ksrecord.Record{Raw: tt.raw}
		if got := r.RegularExitCode(); got != tt.want {
			t.Errorf("raw %d: %d, want %d", tt.raw, got, tt.want)
		}
	}
	// The fixtures agree with their own regular_exitcode / signal.
	for _, n := range []string{"xml-failed.out", "xml-signalled.out", "yaml-clustered.out", "yaml-signalled.out"} {
		for _, r := range parseFixture(t, n).Records {
			want := r.ExitCode
			if r.Signalled {
				want = -r.Signal
			}
			if got := r.RegularExitCode(); got != want {
				t.Errorf("%s: raw %d gives %d, want %d", n, r.Raw, got, want)
			}
		}
	}
}
