package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pegasus-go/pegasus/ingest/ksrecord"
)

// ErrJobFailed is the cause of every "the job failed" decision.
var ErrJobFailed = errors.New("job failed")

// Options say what to check.
type Options struct {
	Out      string   // the job's stdout file (JOB.out)
	Err      string   // the job's stderr file; "" means Out with .err
	Rename   bool     // rotate Out and Err to .NNN first
	Return   *int     // DAGMan's $RETURN, when given
	Failure  []string // the job failed if one appears in stdout or stderr
	Success  []string // the job failed unless each appears in stdout or stderr
	MetaFile string   // append output metadata here (the .cache.meta)
}

// Result is what Check looked at.
type Result struct {
	Out, Err string // the files read (after rotation)
	Records  int
	Outputs  []ksrecord.OutputFile
}

// failf returns a job failure with a reason.
func failf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrJobFailed, fmt.Sprintf(format, args...))
}

// Check rotates the job's files (when asked) and decides whether the job
// succeeded. A failed job gives an error wrapping ErrJobFailed; other
// errors are problems of the tool itself (a file that cannot be renamed).
func Check(o Options) (*Result, error) {
	errPath := o.Err
	if errPath == "" {
		errPath = strings.TrimSuffix(o.Out, ".out") + ".err"
	}
	res := &Result{Out: o.Out, Err: errPath}
	if o.Rename {
		out, errf, err := rotate(o.Out, errPath)
		if err != nil {
			return res, err
		}
		res.Out, res.Err = out, errf
	}
	if o.Return != nil && *o.Return != 0 {
		return res, failf("the job exited with status %d", *o.Return)
	}
	stdout, err := os.ReadFile(res.Out)
	if err != nil {
		if os.IsNotExist(err) {
			return res, failf("%s: no job output", res.Out)
		}
		return res, failf("%v", err)
	}
	stderr, err := os.ReadFile(res.Err)
	if err != nil && !os.IsNotExist(err) {
		return res, failf("%v", err)
	}
	f, err := ksrecord.Parse(bytes.NewReader(stdout), res.Out)
	if err != nil {
		return res, failf("%v", err)
	}
	res.Records = len(f.Records)
	if len(f.Records) == 0 {
		return res, failf("%s: no kickstart record", res.Out)
	}
	for i, r := range f.Records {
		if err := recordStatus(&r); err != nil {
			return res, failf("%s: task %d (%s %s): %v", res.Out, i+1, orNull(r.Transformation), orNull(r.Derivation), err)
		}
		res.Outputs = append(res.Outputs, r.Outputs...)
	}
	if c := f.Cluster; c != nil && (c.Failed > 0 || c.Stat != "" && c.Stat != "ok") {
		return res, failf("%s: cluster summary: %d of %d tasks failed", res.Out, c.Failed, c.Tasks)
	}
	if n, ok := liteExitcode(stderr); ok && n != 0 {
		return res, failf("%s: PegasusLite: exitcode %d", res.Err, n)
	}
	for _, m := range o.Failure {
		if m != "" && (bytes.Contains(stdout, []byte(m)) || bytes.Contains(stderr, []byte(m))) {
			return res, failf("failure message %q found in the job's output", m)
		}
	}
	for _, m := range o.Success {
		if m != "" && !bytes.Contains(stdout, []byte(m)) && !bytes.Contains(stderr, []byte(m)) {
			return res, failf("success message %q not found in the job's output", m)
		}
	}
	if err := writeMeta(res, o.MetaFile); err != nil {
		return res, err
	}
	return res, nil
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// recordStatus returns why a record's task failed, or nil.
func recordStatus(r *ksrecord.Record) error {
	switch {
	case r.HasFailure:
		if r.Failure != "" {
			return fmt.Errorf("could not start (error %d: %s)", r.FailureError, r.Failure)
		}
		return fmt.Errorf("could not start (error %d)", r.FailureError)
	case r.Signalled:
		name := r.SignalName
		if name == "" {
			name = "signal " + strconv.Itoa(r.Signal)
		}
		return fmt.Errorf("died on %s", name)
	case r.Suspended:
		return fmt.Errorf("stopped by signal %d", r.Signal)
	case r.HasRaw && r.Raw != 0:
		if r.Raw&0x7f == 0 {
			return fmt.Errorf("exited with code %d", r.Raw>>8)
		}
		return fmt.Errorf("raw status %d", r.Raw)
	case r.HasExit && r.ExitCode != 0:
		return fmt.Errorf("exited with code %d", r.ExitCode)
	case !r.HasRaw && !r.HasExit:
		return errors.New("the record has no exit status")
	}
	return nil
}

// liteExitcode finds the last "PegasusLite: exitcode N" line of stderr.
func liteExitcode(stderr []byte) (int, bool) {
	const marker = "PegasusLite: exitcode "
	i := bytes.LastIndex(stderr, []byte(marker))
	if i < 0 {
		return 0, false
	}
	rest := stderr[i+len(marker):]
	if k := bytes.IndexByte(rest, '\n'); k >= 0 {
		rest = rest[:k]
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(rest)))
	if err != nil {
		return 0, false
	}
	return n, true
}

// rotate renames out and errf to out.NNN and errf.NNN, with NNN the first
// number for which neither exists. Missing files are not an error (the
// job may not have written them); the rotated names are returned.
func rotate(out, errf string) (string, string, error) {
	for n := 0; n < 1000; n++ {
		sfx := fmt.Sprintf(".%03d", n)
		if exists(out+sfx) || exists(errf+sfx) {
			continue
		}
		if err := os.Rename(out, out+sfx); err != nil && !os.IsNotExist(err) {
			return out, errf, err
		}
		if err := os.Rename(errf, errf+sfx); err != nil && !os.IsNotExist(err) {
			return out + sfx, errf, err
		}
		return out + sfx, errf + sfx, nil
	}
	return out, errf, fmt.Errorf("%s: every rotation slot .000 to .999 is taken", out)
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// metaEntry is one element of <job>.meta.
type metaEntry struct {
	ID    string    `json:"_id"`
	Type  string    `json:"_type"`
	Attrs metaAttrs `json:"_attributes"`
}

type metaAttrs struct {
	User           string `json:"user,omitempty"`
	Size           string `json:"size,omitempty"`
	Ctime          string `json:"ctime,omitempty"`
	ChecksumType   string `json:"checksum.type,omitempty"`
	ChecksumValue  string `json:"checksum.value,omitempty"`
	ChecksumTiming string `json:"checksum.timing,omitempty"`
}

// writeMeta writes <job>.meta beside the job's files and appends the
// outputs to the workflow's .cache.meta (FORMATS.md §9.6).
func writeMeta(res *Result, cacheMeta string) error {
	entries := make([]metaEntry, 0, len(res.Outputs))
	for _, o := range res.Outputs {
		entries = append(entries, metaEntry{ID: o.LFN, Type: "file", Attrs: metaAttrs{
			User: o.User, Size: o.Size, Ctime: o.Ctime, ChecksumType: o.ChecksumType,
			ChecksumValue: o.ChecksumValue, ChecksumTiming: o.ChecksumTiming}})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(entries); err != nil {
		return err
	}
	if err := os.WriteFile(metaPath(res.Out), buf.Bytes(), 0o644); err != nil {
		return err
	}
	if cacheMeta == "" || len(res.Outputs) == 0 {
		return nil
	}
	var b []byte
	for _, o := range res.Outputs {
		b = append(b, quoteLFN(o.LFN)...)
		b = append(b, " @@PFN@@"...)
		for _, kv := range [][2]string{{"user", o.User}, {"size", o.Size}, {"ctime", o.Ctime},
			{"checksum.type", o.ChecksumType}, {"checksum.value", o.ChecksumValue}, {"checksum.timing", o.ChecksumTiming}} {
			if kv[1] == "" {
				continue
			}
			b = append(b, ' ')
			b = append(b, kv[0]...)
			b = append(b, '=')
			b = strconv.AppendQuote(b, kv[1])
		}
		b = append(b, '\n')
	}
	f, err := os.OpenFile(cacheMeta, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// metaPath returns <dir>/<job>.meta for <dir>/<job>.out[.NNN].
func metaPath(out string) string {
	dir, base := filepath.Split(out)
	if i := strings.Index(base, ".out"); i > 0 {
		base = base[:i]
	}
	return filepath.Join(dir, base+".meta")
}

// quoteLFN quotes an LFN as the replica file format does.
func quoteLFN(s string) string {
	if s != "" && s[0] != '#' && !strings.ContainsAny(s, " \t\"\\=") {
		return s
	}
	return strconv.Quote(s)
}

// unquote decodes a URL-encoded message ('+' is a space); a message that
// does not decode is used as given.
func unquote(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// propMessages returns the message of a property value, if any.
func propMessages(v string) []string {
	if v = strings.TrimSpace(v); v == "" {
		return nil
	}
	return []string{unquote(v)}
}
