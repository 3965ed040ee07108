// Command pegasus-tc-client queries, adds and deletes entries of the text
// transformation catalog the planner reads (PLANNER.md §1.5).
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/planner/catalog/tc"
	"github.com/pegasus-go/pegasus/planner/dax"
)

const help = `
pegasus-tc-client - query and edit the transformation catalog

Usage:
  pegasus-tc-client [--conf FILE] [--file TC] -q [-l TR] [-r SITE] [-t TYPE]
  pegasus-tc-client [--conf FILE] [--file TC] -a -l TR -p PFN [-r SITE] [-t TYPE] [-s ARCH::OS] [-e PROFILES]
  pegasus-tc-client [--conf FILE] [--file TC] -d -l TR [-r SITE] [-p PFN]

The catalog is the file named by --file, else by the property
pegasus.catalog.transformation.file of --conf (or -D), else ./tc.txt. It is
read in the text format or the legacy six-column format; it is written back
in the text format (comments are not kept), atomically.

TR is [namespace::]name[:version]. PROFILES is a comma-separated list of
ns::key=value (for example env::JAVA_HOME=/opt/java,condor::priority=10).
--query prints the matching entries in the text format.

Examples:
  pegasus-tc-client --conf pegasus.properties -q
  pegasus-tc-client --file tc.txt -q -l diamond::preprocess:4.0 -r condorpool
  pegasus-tc-client --file tc.txt -a -l diamond::analyze:4.0 -r condorpool \
      -p /usr/bin/analyze -t INSTALLED -s x86_64::linux -e env::OMP_NUM_THREADS=1
  pegasus-tc-client --file tc.txt -d -l diamond::analyze:4.0 -r condorpool

Exit status:
  0  done (a query that matches nothing prints nothing)
  1  the catalog cannot be read or written, or nothing matched a delete
  2  usage error
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-tc-client", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-tc-client", help, stderr)
	query := fs.BoolP("query", "q", false, "print entries")
	add := fs.BoolP("add", "a", false, "add an entry")
	del := fs.BoolP("delete", "d", false, "delete entries")
	tr := fs.StringP("lfn", "l", "", "transformation `ns::name:version`")
	pfn := fs.StringP("pfn", "p", "", "`path` or URL of the executable")
	site := fs.StringP("resource", "r", "", "`site` (default for --add: local)")
	typ := fs.StringP("type", "t", "", "INSTALLED or STAGEABLE (default for --add: INSTALLED)")
	sysinfo := fs.StringP("system", "s", "", "`arch::os[:osrelease[:osversion[:glibc]]]` of the entry")
	profiles := fs.StringP("profile", "e", "", "`profiles` ns::key=value,... of the entry")
	file := fs.String("file", "", "catalog `file` (overrides the properties)")
	conf := fs.String("conf", "", "properties `file`")
	defines := fs.StringArrayP("define", "D", nil, "set property `key=value`")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	n := 0
	for _, b := range []bool{*query, *add, *del} {
		if b {
			n++
		}
	}
	if n != 1 {
		return cli.Usagef("give exactly one of --query, --add, --delete")
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected arguments %q", strings.Join(fs.Args(), " "))
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	path := *file
	if path == "" {
		path = props.String("pegasus.catalog.transformation.file", "tc.txt")
		if !filepath.IsAbs(path) && *conf != "" {
			if _, err := os.Stat(path); err != nil {
				path = filepath.Join(filepath.Dir(*conf), path)
			}
		}
	}
	if *typ != "" {
		switch t := strings.ToUpper(*typ); t {
		case tc.Installed, tc.Stageable:
			*typ = t
		default:
			return cli.Usagef("--type %q: want INSTALLED or STAGEABLE", *typ)
		}
	}
	if *add && (*tr == "" || *pfn == "") {
		return cli.Usagef("--add needs --lfn and --pfn")
	}
	if *del && *tr == "" {
		return cli.Usagef("--delete needs --lfn")
	}
	cat, err := load(path, *add)
	if err != nil {
		return err
	}
	fqn := ""
	if *tr != "" {
		ns, name, ver := dax.SplitFQN(*tr)
		if name == "" {
			return cli.Usagef("--lfn %q names no transformation", *tr)
		}
		fqn = dax.FQN(ns, name, ver)
	}
	switch {
	case *query:
		out := &tc.Catalog{}
		for _, e := range cat.Entries {
			if (fqn == "" || e.FQN() == fqn) && (*site == "" || e.Site == *site) && (*typ == "" || e.Type == *typ) {
				out.Add(e)
			}
		}
		return out.Write(stdout)
	case *add:
		if fqn == "" || *pfn == "" {
			return cli.Usagef("--add needs --lfn and --pfn")
		}
		ns, name, ver := dax.SplitFQN(*tr)
		e := &tc.Entry{Namespace: ns, Name: name, Version: ver, Site: *site, PFN: *pfn, Type: *typ}
		if e.Site == "" {
			e.Site = "local"
		}
		if e.Type == "" {
			e.Type = tc.Installed
		}
		if *sysinfo != "" {
			parts := strings.Split(*sysinfo, ":")
			var f []string
			for _, p := range parts {
				if p != "" {
					f = append(f, p)
				}
			}
			vals := []*string{&e.Arch, &e.OS, &e.OSRelease, &e.OSVersion, &e.Glibc}
			for i, v := range f {
				if i < len(vals) {
					*vals[i] = v
				}
			}
		}
		if *profiles != "" {
			ps, err := parseProfiles(*profiles)
			if err != nil {
				return cli.Usage(err)
			}
			e.Profiles = ps
		}
		for _, o := range cat.Lookup(fqn, e.Site) {
			if o.PFN == e.PFN {
				return cli.Exit(cli.ExitFailure, fmt.Errorf("%s: %s on site %s with pfn %s is already in the catalog", path, fqn, e.Site, e.PFN))
			}
		}
		cat.Add(e)
	case *del:
		if fqn == "" {
			return cli.Usagef("--delete needs --lfn")
		}
		kept := cat.Entries[:0]
		removed := 0
		for _, e := range cat.Entries {
			if e.FQN() == fqn && (*site == "" || e.Site == *site) && (*pfn == "" || e.PFN == *pfn) {
				removed++
				continue
			}
			kept = append(kept, e)
		}
		if removed == 0 {
			return cli.Exit(cli.ExitFailure, fmt.Errorf("%s: no entry of %s matches", path, fqn))
		}
		cat = &tc.Catalog{}
		for _, e := range kept {
			cat.Add(e)
		}
	}
	return save(path, cat)
}

// load reads the catalog; a missing file is an empty catalog when adding.
func load(path string, create bool) (*tc.Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if create && errors.Is(err, os.ErrNotExist) {
			return &tc.Catalog{}, nil
		}
		return nil, err
	}
	return tc.ParseBytes(data, path)
}

// save writes the catalog to a temporary file beside path and renames it.
func save(path string, cat *tc.Catalog) error {
	var b bytes.Buffer
	if err := cat.Write(&b); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	_ = os.Chmod(tmp.Name(), mode)
	return os.Rename(tmp.Name(), path)
}

// parseProfiles reads ns::key=value[,ns::key=value...].
func parseProfiles(s string) ([]tc.Profile, error) {
	var out []tc.Profile
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		ns, kv, ok := strings.Cut(item, "::")
		k, v, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 || ns == "" || k == "" {
			return nil, fmt.Errorf("profile %q: want ns::key=value", item)
		}
		switch ns = strings.ToLower(ns); ns {
		case "env", "condor", "globus", "dagman", "pegasus", "hints", "selector", "stat":
		default:
			return nil, fmt.Errorf("profile %q: unknown namespace %s", item, ns)
		}
		out = append(out, tc.Profile{Namespace: ns, Key: k, Value: strings.Trim(v, `"`)})
	}
	return out, nil
}
