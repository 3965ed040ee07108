package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/dax"
)

func tcRun(t *testing.T, args ...string) (string, int, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), cli.ExitCode("pegasus-tc-client", err, &stderr), err
}

const legacy = `# site  tr  pfn  type  sysinfo  profiles
local  diamond::preprocess:4.0  /usr/bin/pre  INSTALLED  x86_64::linux  env::A="1"
condorpool  diamond::preprocess:4.0  /opt/pre  INSTALLED  x86_64::linux  NULL
`

func TestAddQueryDelete(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "tc.data")
	os.WriteFile(cat, []byte(legacy), 0o644)
	conf := filepath.Join(dir, "p.properties")
	os.WriteFile(conf, []byte("pegasus.catalog.transformation.file = tc.data\n"), 0o644)

	// The catalog path in the properties is relative to --conf's directory.
	out, code, err := tcRun(t, "--conf", conf, "-q", "-l", "diamond::preprocess:4.0", "-r", "condorpool")
	if code != 0 || !strings.Contains(out, `pfn "/opt/pre"`) || strings.Contains(out, "/usr/bin/pre") {
		t.Fatalf("query: %d %v\n%s", code, err, out)
	}
	if _, code, err := tcRun(t, "--file", cat, "-a", "-l", "diamond::analyze:4.0", "-r", "condorpool", "-p", "/opt/analyze",
		"-t", "stageable", "-s", "x86_64::linux", "-e", "env::OMP_NUM_THREADS=1,condor::priority=10"); code != 0 {
		t.Fatal(err)
	}
	c, err := tc.ParseFile(cat)
	if err != nil {
		t.Fatal(err)
	}
	es := c.Lookup(dax.FQN("diamond", "analyze", "4.0"), "condorpool")
	if len(c.Entries) != 3 || len(es) != 1 || es[0].Type != tc.Stageable || es[0].Arch != "x86_64" || es[0].OS != "linux" ||
		len(es[0].Profiles) != 2 || es[0].Profiles[1] != (tc.Profile{Namespace: "condor", Key: "priority", Value: "10"}) {
		t.Fatalf("after add: %+v", es)
	}
	// The legacy entry kept its profile through the rewrite.
	if pre := c.Lookup("diamond::preprocess:4.0", "local"); len(pre) != 1 || len(pre[0].Profiles) != 1 || pre[0].Profiles[0].Value != "1" {
		t.Fatalf("preprocess on local: %+v", pre)
	}
	if _, code, _ := tcRun(t, "--file", cat, "-a", "-l", "diamond::analyze:4.0", "-r", "condorpool", "-p", "/opt/analyze"); code != 1 {
		t.Fatal("duplicate add should fail")
	}
	out, _, _ = tcRun(t, "--file", cat, "-q", "-t", "STAGEABLE")
	if strings.Count(out, "site ") != 1 || !strings.HasPrefix(out, "tr diamond::analyze:4.0 {") {
		t.Fatalf("query by type:\n%s", out)
	}
	if _, code, _ := tcRun(t, "--file", cat, "-d", "-l", "diamond::preprocess:4.0"); code != 0 {
		t.Fatal("delete")
	}
	if _, code, _ := tcRun(t, "--file", cat, "-d", "-l", "diamond::preprocess:4.0"); code != 1 {
		t.Fatal("delete of nothing should fail")
	}
	c, _ = tc.ParseFile(cat)
	if len(c.Entries) != 1 {
		t.Fatalf("after delete: %d entries", len(c.Entries))
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "tc.txt")
	os.WriteFile(bad, []byte("tr a {\n  site local {\n    pfn \"/x\"\n    bogus \"y\"\n  }\n}\n"), 0o644)
	_, code, err := tcRun(t, "--file", bad, "-q")
	if code != 1 || !strings.HasPrefix(err.Error(), bad+":4:") {
		t.Fatalf("bad catalog: %d %v", code, err)
	}
	for _, args := range [][]string{{"-q", "-a"}, {}, {"-a", "-l", "x"}, {"-d"}, {"-q", "-t", "WEIRD"}, {"-a", "-l", "x", "-p", "/x", "-e", "bogus"}, {"-q", "extra"}} {
		if _, code, err := tcRun(t, append([]string{"--file", filepath.Join(dir, "new.txt")}, args...)...); code != 2 {
			t.Errorf("%q: exit %d (%v), want 2", args, code, err)
		}
	}
}
