package executor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user+system) of this process and of its
// children that were waited for.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// writeNoopDAG writes n independent nodes whose jobs run exe with args
// (no-op jobs), with submit files in a hashed tree as the planner writes
// them, and returns the DAG path.
func writeNoopDAG(tb testing.TB, dir string, n int, exe string, args string, post string) string {
	tb.Helper()
	var dag strings.Builder
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("%02d/%02d", i/5100, i/51%100)
		if i%51 == 0 {
			os.MkdirAll(filepath.Join(dir, sub), 0o755)
		}
		name := fmt.Sprintf("noop_ID%07d", i)
		text := fmt.Sprintf("universe = local\nexecutable = %s\narguments = \"%s\"\noutput = %s/%s/%s.out\nerror = %s/%s/%s.err\nlog = %s/noop-0.log\nenvironment = \"CONDOR_JOBID=$(cluster).$(process)\"\nqueue\n",
			exe, args, dir, sub, name, dir, sub, name, dir)
		if err := os.WriteFile(filepath.Join(dir, sub, name+".sub"), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(&dag, "JOB %s %s/%s.sub\nRETRY %s 1\n", name, sub, name, name)
		if post != "" {
			fmt.Fprintf(&dag, "SCRIPT POST %s %s -r $RETURN %s/%s.out\n", name, post, sub, name)
		}
	}
	p := filepath.Join(dir, "noop-0.dag")
	if err := os.WriteFile(p, []byte(dag.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// buildTool builds one of the project's commands into dir.
func buildTool(tb testing.TB, dir, name string) string {
	tb.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, "../cmd/"+name)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", name, err, b)
	}
	return out
}

// BenchmarkNoopJobs runs 1,000 kickstart-wrapped /bin/true jobs at -maxjobs
// 2 per iteration and reports the wall time per job (executor and
// kickstart together), the figure the executor is held to, and the CPU
// time (user+system of the executor and the jobs) per job.
func BenchmarkNoopJobs(b *testing.B) {
	tools := b.TempDir()
	ks := buildTool(b, tools, "pegasus-kickstart")
	const jobs = 1000
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		dag := writeNoopDAG(b, dir, jobs, ks, "-n noop -N null -R local /bin/true", "")
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		res, err := Run(context.Background(), Config{DAG: dag, MaxJobs: 2})
		total, cpu = total+time.Since(t0), cpu+cpuTime()-c0
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("run: %v %+v", err, res)
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*jobs), "ns/job")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*jobs), "cpu-ns/job")
}

// BenchmarkNoopJobsBare is the same with /bin/true run directly: the
// executor's own cost per job.
func BenchmarkNoopJobsBare(b *testing.B) {
	const jobs = 1000
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		dag := writeNoopDAG(b, dir, jobs, "/bin/true", "", "")
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		res, err := Run(context.Background(), Config{DAG: dag, MaxJobs: 2})
		total, cpu = total+time.Since(t0), cpu+cpuTime()-c0
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("run: %v %+v", err, res)
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*jobs), "ns/job")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*jobs), "cpu-ns/job")
}

// BenchmarkNoopJobsCommand measures the whole command: pegasus-dagman
// --local --no-monitord (built for the benchmark) runs 2,000
// kickstart-wrapped /bin/true jobs at -MaxJobs 2 in its own process, as
// pegasus-run starts it. It reports wall and CPU time (user+system of
// pegasus-dagman, the kickstarts and /bin/true) per job.
func BenchmarkNoopJobsCommand(b *testing.B) {
	tools := b.TempDir()
	ks := buildTool(b, tools, "pegasus-kickstart")
	dagman := buildTool(b, tools, "pegasus-dagman")
	const jobs = 2000
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		writeNoopDAG(b, dir, jobs, ks, "-n noop -N null -R local /bin/true", "")
		cmd := exec.Command(dagman, "--local", "--no-monitord", "-Dag", "noop-0.dag", "-MaxJobs", "2")
		cmd.Dir = dir
		b.StartTimer()
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		total += time.Since(t0)
		if err != nil {
			b.Fatalf("pegasus-dagman: %v\n%s", err, out)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*jobs), "ns/job")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*jobs), "cpu-ns/job")
}
