// Command pegasus-rc-client inserts, deletes and looks up entries of the
// file replica catalog (PLANNER.md §1.6). Registration jobs of planned
// workflows run it as pegasus-rc-client --conf <props> --insert <job>.in.
package main

import (
	"bufio"
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
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/planner/catalog/rc"
)

const help = `
pegasus-rc-client - query and edit the file replica catalog

Usage:
  pegasus-rc-client [--conf FILE] [--file RC] insert LFN PFN [key=value ...]
  pegasus-rc-client [--conf FILE] [--file RC] delete LFN [PFN]
  pegasus-rc-client [--conf FILE] [--file RC] lookup LFN ...
  pegasus-rc-client [--conf FILE] [--file RC] list
  pegasus-rc-client [--conf FILE] [--file RC] --insert FILE | --delete FILE | --lookup FILE

The catalog is the file named by --file, else by pegasus.catalog.replica.file
of --conf (or -D; pegasus.catalog.replica must be File or unset), else
./rc.txt. Its format is one replica per line, 'LFN PFN key="value" ...'
(site="..." names the site). Changes are made under a lock (RC.lock) and
written atomically, with a '# file-based replica catalog: <time>' header.

The bulk options read a file of lines in the same format: --insert adds
each replica (an identical LFN, PFN and site is not added twice), --delete
removes the replicas of each 'LFN [PFN]' line, --lookup prints the replicas
of each LFN. Bad lines are reported as FILE:LINE.

Examples:
  pegasus-rc-client --conf pegasus.properties insert f.a file:///data/f.a site=local
  pegasus-rc-client --file rc.txt lookup f.a f.b
  pegasus-rc-client --conf run0001/pegasus.123.properties --insert 00/00/register_local_2_0.in

Exit status:
  0  done
  1  the catalog or input cannot be read or written; a lookup found nothing;
     a delete matched nothing
  2  usage error
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-rc-client", err, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-rc-client", help, stderr)
	insertFile := fs.String("insert", "", "insert the replicas listed in `file`")
	deleteFile := fs.String("delete", "", "delete the replicas listed in `file` (LFN [PFN] per line)")
	lookupFile := fs.String("lookup", "", "look up the LFNs listed in `file`")
	file := fs.String("file", "", "catalog `file` (overrides the properties)")
	conf := fs.StringP("conf", "c", "", "properties `file`")
	defines := fs.StringArrayP("define", "D", nil, "set property `key=value`")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	props, err := cli.LoadProperties(*conf, *defines)
	if err != nil {
		return err
	}
	if t := props.String("pegasus.catalog.replica", "File"); !strings.EqualFold(t, "File") && !strings.EqualFold(t, "SimpleFile") {
		return fmt.Errorf("pegasus.catalog.replica %q: only File is supported", t)
	}
	path := *file
	if path == "" {
		path = props.String("pegasus.catalog.replica.file", "rc.txt")
	}
	bulk := 0
	for _, s := range []string{*insertFile, *deleteFile, *lookupFile} {
		if s != "" {
			bulk++
		}
	}
	rest := fs.Args()
	switch {
	case bulk > 1:
		return cli.Usagef("give one of --insert, --delete, --lookup")
	case bulk == 1 && len(rest) > 0:
		return cli.Usagef("unexpected arguments %q after a bulk option", strings.Join(rest, " "))
	case bulk == 0 && len(rest) == 0:
		return cli.Usagef("no command (insert, delete, lookup, list)")
	}
	switch {
	case *insertFile != "":
		reps, err := readReplicas(*insertFile)
		if err != nil {
			return err
		}
		return update(path, func(c *rc.Catalog) error {
			for _, r := range reps {
				c.Add(r)
			}
			return nil
		})
	case *deleteFile != "":
		pairs, err := readLFNs(*deleteFile)
		if err != nil {
			return err
		}
		return update(path, func(c *rc.Catalog) error {
			n := 0
			for _, p := range pairs {
				pfn := ""
				if len(p) > 1 {
					pfn = p[1]
				}
				n += c.Delete(p[0], pfn)
			}
			if n == 0 {
				return fmt.Errorf("%s: nothing to delete", path)
			}
			return nil
		})
	case *lookupFile != "":
		pairs, err := readLFNs(*lookupFile)
		if err != nil {
			return err
		}
		var lfns []string
		for _, p := range pairs {
			lfns = append(lfns, p[0])
		}
		return lookup(path, lfns, stdout)
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "insert":
		if len(rest) < 2 {
			return cli.Usagef("insert LFN PFN [key=value ...]")
		}
		r := &rc.Replica{LFN: rest[0], PFN: rest[1]}
		for _, kv := range rest[2:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return cli.Usagef("attribute %q: want key=value", kv)
			}
			r.Attrs = append(r.Attrs, rc.Attr{Key: k, Value: strings.Trim(v, `"`)})
		}
		return update(path, func(c *rc.Catalog) error {
			if !c.Add(r) {
				return fmt.Errorf("%s: %s %s is already in the catalog", path, r.LFN, r.PFN)
			}
			return nil
		})
	case "delete":
		if len(rest) < 1 || len(rest) > 2 {
			return cli.Usagef("delete LFN [PFN]")
		}
		pfn := ""
		if len(rest) == 2 {
			pfn = rest[1]
		}
		return update(path, func(c *rc.Catalog) error {
			if c.Delete(rest[0], pfn) == 0 {
				return fmt.Errorf("%s: no replica of %s to delete", path, rest[0])
			}
			return nil
		})
	case "lookup":
		if len(rest) == 0 {
			return cli.Usagef("lookup LFN ...")
		}
		return lookup(path, rest, stdout)
	case "list":
		c, err := rc.ParseFile(path)
		if err != nil {
			return err
		}
		return c.Write(stdout, false, time.Time{})
	}
	return cli.Usagef("unknown command %q (insert, delete, lookup, list)", cmd)
}

func lookup(path string, lfns []string, w io.Writer) error {
	c, err := rc.ParseFile(path)
	if err != nil {
		return err
	}
	out := rc.New()
	var missing []string
	for _, l := range lfns {
		reps := c.Lookup(l)
		if len(reps) == 0 {
			missing = append(missing, l)
		}
		for _, r := range reps {
			out.Add(r)
		}
	}
	if err := out.Write(w, false, time.Time{}); err != nil {
		return err
	}
	if len(missing) > 0 {
		return cli.Exit(cli.ExitFailure, fmt.Errorf("%s: no replica of %s", path, strings.Join(missing, ", ")))
	}
	return nil
}

// readReplicas reads replica lines (errors name the file and line).
func readReplicas(path string) ([]*rc.Replica, error) {
	c, err := rc.ParseFile(path)
	if err != nil {
		return nil, err
	}
	return c.Replicas, nil
}

// readLFNs reads "LFN [PFN]" lines, skipping blanks and comments.
func readLFNs(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	ln := 0
	for sc.Scan() {
		ln++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		r, err := rc.ParseLine(s)
		if err != nil {
			// A line with the LFN alone.
			if r1, err1 := rc.ParseLine(s + " -"); err1 == nil && r1.PFN == "-" && len(r1.Attrs) == 0 {
				out = append(out, []string{r1.LFN})
				continue
			}
			return nil, &rc.ParseError{File: path, Line: ln, Err: rc.ErrSyntax, Msg: err.Error()}
		}
		out = append(out, []string{r.LFN, r.PFN})
	}
	return out, sc.Err()
}

// update changes the catalog at path under an exclusive lock on path.lock
// and replaces it atomically. A missing catalog starts empty.
func update(path string, change func(*rc.Catalog) error) error {
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", path+".lock", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	c, err := rc.ParseFile(path)
	if errors.Is(err, os.ErrNotExist) {
		c, err = rc.New(), nil
	}
	if err != nil {
		return err
	}
	if err := change(c); err != nil {
		return cli.Exit(cli.ExitFailure, err)
	}
	var b bytes.Buffer
	if err := c.Write(&b, true, time.Now()); err != nil {
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
	_ = os.Chmod(tmp.Name(), 0o644)
	return os.Rename(tmp.Name(), path)
}
