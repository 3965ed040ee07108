package ksrecord_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
	"github.com/pegasus-go/pegasus/internal/testutil"
)

// synthYAML builds a full-size kickstart 5.x record for task n, shaped like
// real ones: mainjob with usage, status and executable, machine, files with
// outputs and stdin/stdout/stderr/metadata, environment and limits.
func synthYAML(n int) []byte {
	var b strings.Builder
	stamp := func(s int) string { return fmt.Sprintf("2023-03-04T01:%02d:%02d-08:00", (s/60)%60, s%60) }
	fmt.Fprintf(&b, `- invocation: True
  version: 3.0
  start: 2023-03-04T01:04:%02d.457-08:00
  duration: 20.106
  transformation: "analyze"
  derivation: "ID%07d"
  resource: "condorpool"
  wf-label: "synthetic"
  wf-stamp: "2023-03-04T01:00:54-08:00"
  interface: enp129s0
  hostaddr: 10.0.%d.%d
  hostname: node%d.cluster.example.org
  pid: %d
  uid: 8073
  user: alice
  gid: 1018
  group: staff
  umask: 0o0022
  mainjob:
    start: 2023-03-04T01:04:%02d.557-08:00
    duration: 20.005
    pid: %d
    usage:
      utime: 19.950
      stime: 0.004
      maxrss: %d
      minflt: 186
      majflt: 0
      nswap: 0
      inblock: 0
      outblock: 16
      msgsnd: 0
      msgrcv: 0
      nsignals: 0
      nvcsw: 2
      nivcsw: 62
    status:
      raw: 0
      regular_exitcode: 0
    executable:
      file_name: /scratch/condor/execute/dir_%d/analyze
      mode: 0o100755
      size: 27880
      inode: 201439861
      nlink: 1
      blksize: 4096
      blocks: 56
      mtime: %s
      atime: %s
      ctime: %s
      uid: 8073
      user: alice
      gid: 1018
      group: staff
    argument_vector:
      - "-a"
      - "analyze"
      - "-T"
      - "20"
      - "-i"
      - "f.c1"
      - "f.c2"
      - "-o"
      - "f.d"
    procs:
  jobids:
    condor: %d.0
  cwd: /scratch/condor/execute/dir_%d
  usage:
    utime: 0.011
    stime: 0.077
    maxrss: 2544
    minflt: 132
    majflt: 0
    nswap: 0
    inblock: 0
    outblock: 0
    msgsnd: 0
    msgrcv: 0
    nsignals: 0
    nvcsw: 2
    nivcsw: 4
  machine:
    page-size: 4096
    uname_system: linux
    uname_nodename: node%d.cluster.example.org
    uname_release: 4.18.0-425.10.1.el8_7.x86_64
    uname_machine: x86_64
    ram_total: 65653728
    ram_free: 20620576
    ram_shared: 230276
    ram_buffer: 10616
    swap_total: 20971516
    swap_free: 18878896
    cpu_count: 24
    cpu_speed: 2500
    cpu_vendor: GenuineIntel
    cpu_model: Intel(R) Xeon(R) CPU E5-2620 0 @ 2.00GHz
    load_min1: 0.81
    load_min5: 0.57
    load_min15: 0.41
    procs_total: 475
    procs_running: 1
    procs_sleeping: 295
    procs_other: 179
    procs_vmsize: 87364400
    procs_rss: 9372720
    task_total: 1440
    task_running: 4
    task_sleeping: 1257
    task_other: 179
  files:
`, n%60, n, n/250%250, n%250, n%100, 100000+n, n%60, 100001+n, 3000+n%500, n,
		stamp(n), stamp(n+1), stamp(n+2), n, n, n%100)
	for k, lfn := range []string{"f.d", "f.d.log", "summary.json"} {
		fmt.Fprintf(&b, `    %s:
      lfn: "%s"
      file_name: /scratch/condor/execute/dir_%d/%s
      mode: 0o100644
      size: %d
      inode: %d
      nlink: 1
      blksize: 4096
      blocks: 8
      mtime: %s
      atime: %s
      ctime: %s
      uid: 8073
      user: alice
      gid: 1018
      group: staff
      output: True
      sha256: %064x
      checksum_timing: 0.0%d
`, lfn, lfn, n, lfn, 1000+k*37+n%91, 204771456+k, stamp(n), stamp(n+1), stamp(n), uint64(n)*2654435761+uint64(k), k)
	}
	for _, s := range []string{"stdin", "stdout", "stderr", "metadata"} {
		fmt.Fprintf(&b, `    %s:
      temporary_name: /scratch/condor/execute/dir_%d/ks.%s.5H7LoI
      descriptor: 3
      mode: 0o100600
      size: 35
      inode: 204449788
      nlink: 1
      blksize: 4096
      blocks: 8
      mtime: %s
      atime: %s
      ctime: %s
      uid: 8073
      user: alice
      gid: 1018
      group: staff
`, s, n, s, stamp(n), stamp(n), stamp(n))
		if s == "stdout" {
			b.WriteString("      data_truncated: false\n      data: |\n")
			for l := 0; l < 20; l++ {
				fmt.Fprintf(&b, "        2023-03-04 01:02:%02d,291    INFO:  step %d of task %d: processing chunk %d of the input\n", l, l, n, l*7)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("  environment:\n")
	for e := 0; e < 30; e++ {
		fmt.Fprintf(&b, "    \"VAR_%02d\": \"/scratch/condor/execute/dir_%d/value/%d:/usr/local/bin:/usr/bin\"\n", e, n, e)
	}
	b.WriteString("  limits:\n")
	for _, l := range []string{"CPU", "FSIZE", "DATA", "STACK", "CORE", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS",
		"SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME", "RSS"} {
		fmt.Fprintf(&b, "    RLIMIT_%s_soft: unlimited\n    RLIMIT_%s_hard: unlimited\n", l, l)
	}
	return []byte(b.String())
}

// realYAML builds a record shaped like those of a generated or real 5.x run
// (about 4.5 KB): one output file, stdin/stdout/stderr/metadata entries, a
// one-line stdout, no environment or limits.
func realYAML(n int) []byte {
	var b strings.Builder
	stamp := func(s int) string { return fmt.Sprintf("2023-01-17T10:%02d:%02d+00:00", (s/60)%60, s%60) }
	fmt.Fprintf(&b, `- invocation: True
  version: 3.0
  start: 2023-01-17T10:24:%02d.610+00:00
  duration: 22.364
  transformation: "score"
  derivation: "ID%07d"
  resource: "condorpool"
  wf-label: "synth"
  wf-stamp: "2023-01-17T09:59:27+00:00"
  interface: eth0
  hostaddr: 10.21.0.%d
  hostname: node%03d.cluster.synth.example.org
  pid: %d
  uid: 2001
  user: pegasus
  gid: 2001
  group: pegasus
  umask: 0o0022
  mainjob:
    start: 2023-01-17T10:24:%02d.703+00:00
    duration: 22.266
    pid: %d
    usage:
      utime: 17.926
      stime: 3.672
      maxrss: %d
      minflt: 50833
      majflt: 0
      nswap: 0
      inblock: 0
      outblock: 3129
      msgsnd: 0
      msgrcv: 0
      nsignals: 0
      nvcsw: 4913
      nivcsw: 8
    status:
      raw: 0
      regular_exitcode: 0
    executable:
      file_name: /opt/synth/bin/score
      mode: 0o100755
      size: 160852
      inode: 209459002
      nlink: 1
      blksize: 4096
      blocks: 320
      mtime: 2022-12-08T01:12:04+00:00
      atime: 2023-01-17T05:00:00+00:00
      ctime: 2022-12-11T01:12:04+00:00
      uid: 0
      user: root
      gid: 0
      group: root
    argument_vector:
      - "--input"
      - "preprocess_ID%07d.dat"
      - "--output"
      - "score_ID%07d.dat"
      - "--seed"
      - "%d"
    procs:
  jobids:
    condor: %d.0
  cwd: /var/lib/condor/execute/dir_%d
  usage:
    utime: 0.019
    stime: 0.066
    maxrss: 2500
    minflt: 141
    majflt: 0
    nswap: 0
    inblock: 0
    outblock: 0
    msgsnd: 0
    msgrcv: 0
    nsignals: 0
    nvcsw: 1
    nivcsw: 3
  machine:
    page-size: 4096
    uname_system: linux
    uname_nodename: node%03d.cluster.synth.example.org
    uname_release: 5.14.0-162.6.1.el9_1.x86_64
    uname_machine: x86_64
    ram_total: 131533373
    ram_free: 43406013
    ram_shared: 217081
    ram_buffer: 10616
    swap_total: 4194304
    swap_free: 4194304
    cpu_count: 32
    cpu_speed: 1599
    cpu_vendor: GenuineIntel
    cpu_model: Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz
    load_min1: 25.65
    load_min5: 25.90
    load_min15: 15.90
    procs_total: 495
    procs_running: 4
    procs_sleeping: 302
    procs_other: 189
    procs_vmsize: 104579198
    procs_rss: 9499926
    task_total: 1469
    task_running: 4
    task_sleeping: 1276
    task_other: 189
  files:
    score_ID%07d.dat:
      lfn: "score_ID%07d.dat"
      file_name: /var/lib/condor/execute/dir_%d/score_ID%07d.dat
      mode: 0o100644
      size: %d
      inode: 154209569
      nlink: 1
      blksize: 4096
      blocks: 19520
      mtime: %s
      atime: %s
      ctime: %s
      uid: 2001
      user: pegasus
      gid: 2001
      group: pegasus
      output: True
      sha256: %064x
      checksum_timing: 0.%d
`, n%60, n, n%250, n%200, 100000+n, n%60, 100007+n, 600000+n%5000, n-8, n, n, 900+n, 100000+n-17,
		n%200, n, n, 100000+n-17, n, 9000000+n*13%1000000, stamp(n), stamp(n), stamp(n), uint64(n)*2654435761, n%90+10)
	for _, s := range []string{"stdin", "stdout", "stderr", "metadata"} {
		fmt.Fprintf(&b, `    %s:
      temporary_name: /var/lib/condor/execute/dir_%d/ks.%s.s2r6Bq
      descriptor: 3
      mode: 0o100600
      size: 29
      inode: 227063460
      nlink: 1
      blksize: 4096
      blocks: 8
      mtime: %s
      atime: %s
      ctime: %s
      uid: 2001
      user: pegasus
      gid: 2001
      group: pegasus
`, s, 100000+n-17, s, stamp(n), stamp(n), stamp(n))
		if s == "stdout" {
			fmt.Fprintf(&b, "      data_truncated: false\n      data: |\n        score: mean 0.%04d sd 0.3393\n\n", n%10000)
		}
	}
	return []byte(b.String())
}

func BenchmarkParseYAML(b *testing.B) {
	rec := synthYAML(4242)
	f, err := ksrecord.Parse(bytes.NewReader(rec), "bench")
	if err != nil || len(f.Records) != 1 || len(f.Records[0].Outputs) != 3 || !f.Records[0].HasStdout {
		b.Fatalf("synthetic record does not parse as expected: %v", err)
	}
	p := ksrecord.NewParser()
	rd := bytes.NewReader(rec)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rd.Reset(rec)
		if _, err := p.Parse(rd, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseYAMLClustered parses one file holding 100 records and cluster lines.
func BenchmarkParseYAMLClustered(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 100; i++ {
		buf.Write(synthYAML(i))
		fmt.Fprintf(&buf, "[cluster-task id=%d, start=\"2023-03-04T01:04:28.457-08:00\", duration=20.1, status=0, line=%d, pid=1, app=\"/bin/analyze\"]\n", i+1, i+1)
	}
	in := buf.Bytes()
	p := ksrecord.NewParser()
	rd := bytes.NewReader(in)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(in)
		f, err := p.Parse(rd, "bench")
		if err != nil || len(f.Records) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseXML(b *testing.B) {
	rec := synthXML(4242)
	if f, err := ksrecord.Parse(bytes.NewReader(rec), "bench"); err != nil || len(f.Records[0].Outputs) != 3 {
		b.Fatalf("synthetic record does not parse as expected: %v", err)
	}
	p := ksrecord.NewParser()
	rd := bytes.NewReader(rec)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(rec)
		if _, err := p.Parse(rd, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// synthXML builds an iv-2.3 record for task n, shaped like 4.x records.
func synthXML(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="ISO-8859-1"?>
<invocation xmlns="http://pegasus.isi.edu/schema/invocation" version="2.3" start="2014-06-10T09:15:01.250-07:00" duration="12.480" transformation="diamond::analyze:4.0" derivation="ID%07d" resource="condorpool" wf-label="diamond" wf-stamp="2014-06-10T09:10:00-07:00" interface="eth0" hostaddr="10.1.2.3" hostname="node%d.example.org" pid="4242" uid="501" user="alice" gid="100" group="users" umask="0022">
  <mainjob start="2014-06-10T09:15:01.300-07:00" duration="12.402" pid="4243">
    <usage utime="10.250" stime="1.125" maxrss="20480" minflt="1000" majflt="0" nswap="0" nsignals="0" nvcsw="12" nivcsw="3"/>
    <status raw="0"><regular exitcode="0"/></status>
    <statcall error="0"><file name="/opt/diamond/bin/analyze">7F454C46020101000000000000000000</file><statinfo mode="0100755" size="53120" inode="1234" nlink="1" blksize="4096" blocks="112" mtime="2014-01-02T03:04:05-07:00" atime="2014-06-10T09:15:01-07:00" ctime="2014-01-02T03:04:05-07:00" uid="0" user="root" gid="0" group="root"/></statcall>
    <argument-vector><arg nr="1">-a</arg><arg nr="2">analyze</arg><arg nr="3">-i</arg><arg nr="4">f.c1</arg><arg nr="5">-o</arg><arg nr="6">f.d</arg></argument-vector>
  </mainjob>
  <cwd>/scratch/condor/execute/dir_%d</cwd>
  <usage utime="0.020" stime="0.030" maxrss="1800" minflt="300" majflt="0" nswap="0" nsignals="0" nvcsw="4" nivcsw="1"/>
  <machine page-size="4096"><stamp>2014-06-10T09:15:01.250-07:00</stamp><uname system="linux" nodename="node7" release="2.6.32-431.el6.x86_64" machine="x86_64">#1 SMP</uname><linux><ram total="16728055808" free="9000000000" shared="0" buffer="200000000"/><swap total="4294963200" free="4294963200"/><boot idle="123456.780">2014-05-01T00:00:00.000-07:00</boot><cpu count="8" speed="2400" vendor="GenuineIntel">Intel(R) Xeon(R) CPU E5620 @ 2.40GHz</cpu><load min1="0.50" min5="0.40" min15="0.30"/><procs total="300" running="2" sleeping="298" vmsize="1000000" rss="500000"/><task total="400" running="2" sleeping="398"/></linux></machine>
  <statcall error="0" id="stdin"><file name="/dev/null"/><statinfo mode="020666" size="0" inode="3075" nlink="1" blksize="4096" blocks="0" uid="0" user="root" gid="0" group="root"/></statcall>
  <statcall error="0" id="stdout"><temporary name="/tmp/gs.out.Xa12" descriptor="3"/><statinfo mode="0100600" size="1400" inode="99" nlink="1" blksize="4096" blocks="8" uid="501" user="alice" gid="100" group="users"/><data>`, n, n%100, n)
	for l := 0; l < 20; l++ {
		fmt.Fprintf(&b, "2014-06-10 09:15:%02d INFO: step %d of task %d: processing chunk &lt;%d&gt;\n", l, l, n, l*7)
	}
	b.WriteString(`</data></statcall>
  <statcall error="0" id="stderr"><temporary name="/tmp/gs.err.Yb34" descriptor="4"/><statinfo mode="0100600" size="0" inode="100" nlink="1" blksize="4096" blocks="0" uid="501" user="alice" gid="100" group="users"/></statcall>
`)
	for k, lfn := range []string{"f.d", "f.d.log", "summary.json"} {
		fmt.Fprintf(&b, `  <statcall error="0" id="final" lfn="%s"><file name="/scratch/dir/%s"/><statinfo mode="0100644" size="%d" inode="102" nlink="1" blksize="4096" blocks="8" mtime="2014-06-10T09:15:13-07:00" atime="2014-06-10T09:15:13-07:00" ctime="2014-06-10T09:15:13-07:00" uid="501" user="alice" gid="100" group="users"/><checksum type="sha256" value="%064x" timing="0.144"/></statcall>
`, lfn, lfn, 600+k, uint64(n)*2654435761+uint64(k))
	}
	b.WriteString("  <environment>\n")
	for e := 0; e < 30; e++ {
		fmt.Fprintf(&b, "    <env key=\"VAR_%02d\">/scratch/condor/execute/dir_%d/value/%d:/usr/local/bin:/usr/bin</env>\n", e, n, e)
	}
	b.WriteString("  </environment>\n</invocation>\n")
	return []byte(b.String())
}

// BenchmarkParseYAMLReal parses records of the size and shape of a generated
// run's, in memory.
func BenchmarkParseYAMLReal(b *testing.B) {
	recs := make([][]byte, 64)
	for i := range recs {
		recs[i] = realYAML(1000 + i)
	}
	f, err := ksrecord.Parse(bytes.NewReader(recs[0]), "bench")
	if err != nil || len(f.Records) != 1 || len(f.Records[0].Outputs) != 1 || !f.Records[0].HasStdout {
		b.Fatalf("synthetic record does not parse as expected: %v", err)
	}
	p := ksrecord.NewParser()
	var rd bytes.Reader
	b.SetBytes(int64(len(recs[0])))
	b.ReportAllocs()
	defer testutil.CPUPerOp(b)()
	i := 0
	for b.Loop() {
		rd.Reset(recs[i%len(recs)])
		if _, err := p.Parse(&rd, "bench"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkParseFile parses job output files of the shape of a generated
// run's with ParseFile, as pegasus-monitord does (open and read included).
func BenchmarkParseFile(b *testing.B) {
	dir := b.TempDir()
	paths := make([]string, 256)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("score_ID%07d.out.000", i))
		if err := os.WriteFile(paths[i], realYAML(1000+i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	benchFiles(b, paths)
}

// BenchmarkParseFilesDir parses the *.out* files found under
// $KSRECORD_BENCH_DIR (at most 2000), e.g. a run written by
// "pegasus-synth --jobs 2000 --out DIR"; skipped when it is not set.
func BenchmarkParseFilesDir(b *testing.B) {
	dir := os.Getenv("KSRECORD_BENCH_DIR")
	if dir == "" {
		b.Skip("KSRECORD_BENCH_DIR is not set")
	}
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(d.Name(), ".out.") && len(paths) < 2000 {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil || len(paths) == 0 {
		b.Fatalf("no job output file under %s: %v", dir, err)
	}
	benchFiles(b, paths)
}

func benchFiles(b *testing.B, paths []string) {
	p := ksrecord.NewParser()
	for _, path := range paths {
		if _, err := p.ParseFile(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	defer testutil.CPUPerOp(b)()
	i := 0
	for b.Loop() {
		if _, err := p.ParseFile(paths[i%len(paths)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
