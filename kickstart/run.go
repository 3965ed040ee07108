package kickstart

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// IntegrityEnv is the environment variable naming the file where tools
// running under kickstart append integrity entries (IntegrityEntry) that
// kickstart copies into the record's files section.
const IntegrityEnv = "KICKSTART_INTEGRITY_DATA"

// Env is what Run takes from its surroundings.
type Env struct {
	Stdin   *os.File         // kickstart's own stdin, given to the job with -i -; nil means os.Stdin
	Environ []string         // the job's environment; nil means os.Environ()
	TempDir string           // where capture files go; "" means $TMPDIR or /tmp
	Signals <-chan os.Signal // signals to forward to the running job
}

// Run runs the job o describes and returns its invocation record. Whatever
// happens to the job (a non-zero exit, a signal, a missing executable) is
// in the record's Status; Run returns an error only when kickstart itself
// cannot work (it cannot create its capture files). When ctx is cancelled
// the job is sent SIGTERM.
func Run(ctx context.Context, o *Options, env Env) (*Invocation, error) {
	start := time.Now()
	inv := &Invocation{
		Start:          start,
		Transformation: o.Transformation,
		Derivation:     o.Derivation,
		Resource:       o.Resource,
		Label:          o.Label,
		Stamp:          o.Stamp,
		PID:            os.Getpid(),
		UID:            os.Getuid(),
		GID:            os.Getgid(),
	}
	ids := newIdentities()
	inv.User = ids.user(inv.UID)
	inv.Group = ids.group(inv.GID)
	inv.Umask = currentUmask()

	// The machine section is gathered while the job runs.
	machineDone := make(chan struct{})
	go func() {
		defer close(machineDone)
		inv.Machine = collectMachine(o.Full)
		inv.Interface, inv.Hostaddr = primaryAddress()
	}()

	environ := env.Environ
	if environ == nil {
		environ = os.Environ()
	}
	inv.JobIDs = jobIDs(environ)

	dir, err := workDir(o)
	if err != nil {
		<-machineDone
		return nil, err
	}
	inv.Cwd = dir

	tmp := env.TempDir
	if tmp == "" {
		tmp = os.TempDir()
	}
	c := &capture{ids: ids, limit: o.DataLimit}
	if c.limit <= 0 {
		c.limit = DefaultDataLimit
	}
	defer c.cleanup()

	if err := c.open(o, env, tmp, dir); err != nil {
		<-machineDone
		return nil, err
	}
	for _, s := range o.Initial {
		inv.Initial = append(inv.Initial, statFile(resolve(dir, s.Path), s.LFN, ids))
	}

	runMain(ctx, o, env, dir, append(withoutKey(environ, IntegrityEnv), IntegrityEnv+"="+c.meta.Name()), c, inv, ids)

	for _, s := range o.Final {
		si := statFile(resolve(dir, s.Path), s.LFN, ids)
		si.Output = true
		if si.Errno == 0 && si.Mode&syscall.S_IFMT == syscall.S_IFREG {
			t0 := time.Now()
			if sum, err := sha256File(si.Name); err == nil {
				si.SHA256 = sum
				si.ChecksumTiming = time.Since(t0).Seconds()
			}
		}
		inv.Final = append(inv.Final, si)
	}

	keepData := !(o.Quiet && inv.Main.Status.Exited() && inv.Main.Status.ExitCode() == 0)
	inv.Stdin = c.stdinInfo()
	inv.Stdout = c.finish(c.out, 3, keepData)
	inv.Stderr = c.finish(c.err, 4, keepData)
	if data, err := os.ReadFile(c.meta.Name()); err == nil && len(data) > 0 {
		inv.Integrity = ParseIntegrity(data)
	}
	inv.Metadata = c.finish(fileCapture{f: c.meta, temp: true}, 5, false)

	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		inv.Usage = usageOf(&ru)
	}
	<-machineDone
	if inv.Hostname = inv.Machine.Nodename; inv.Hostname == "" {
		inv.Hostname, _ = os.Hostname()
	}
	inv.Duration = time.Since(start)
	return inv, nil
}

// runMain starts the application, waits for it and fills inv.Main.
func runMain(ctx context.Context, o *Options, env Env, dir string, environ []string, c *capture, inv *Invocation, ids *identities) {
	job := &inv.Main
	job.Argv = o.Args[1:]
	path, findErr := findExecutable(o.Args[0], dir, lookupEnv(environ, "PATH"))
	if findErr == nil && o.MakeExecutable {
		makeExecutable(path)
	}
	job.Executable = statFile(path, "", ids)
	job.Start = time.Now()
	if findErr != nil {
		job.Status = failure(findErr, path)
		return
	}
	p, err := os.StartProcess(path, o.Args, &os.ProcAttr{
		Dir:   dir,
		Env:   environ,
		Files: []*os.File{c.in.f, c.out.f, c.err.f},
	})
	if err != nil {
		job.Status = failure(err, path)
		job.Duration = time.Since(job.Start)
		return
	}
	job.PID = p.Pid
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				_ = p.Signal(syscall.SIGTERM)
				ctx = context.Background() // once
			case s, ok := <-env.Signals:
				if !ok {
					env.Signals = nil
					continue
				}
				_ = p.Signal(s)
			}
		}
	}()
	st, err := p.Wait()
	job.Duration = time.Since(job.Start)
	close(done)
	if err != nil {
		job.Status = failure(err, path)
		return
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok {
		job.Status.Raw = int(ws)
	}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok && ru != nil {
		job.Usage = usageOf(ru)
	}
}

// failure turns an error starting the job into a failure status.
func failure(err error, path string) Status {
	s := Status{Raw: -1, Failed: true, Errno: int(syscall.ENOENT)}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s.Errno = int(errno)
	}
	s.Message = fmt.Sprintf("%s: %s", path, syscall.Errno(s.Errno).Error())
	return s
}

func usageOf(ru *syscall.Rusage) Usage {
	return Usage{
		Utime:    float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6,
		Stime:    float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6,
		MaxRSS:   int64(ru.Maxrss),
		Minflt:   int64(ru.Minflt),
		Majflt:   int64(ru.Majflt),
		Nswap:    int64(ru.Nswap),
		Inblock:  int64(ru.Inblock),
		Outblock: int64(ru.Oublock),
		Msgsnd:   int64(ru.Msgsnd),
		Msgrcv:   int64(ru.Msgrcv),
		Nsignals: int64(ru.Nsignals),
		Nvcsw:    int64(ru.Nvcsw),
		Nivcsw:   int64(ru.Nivcsw),
	}
}

// workDir returns the job's working directory (absolute), creating it for -W.
func workDir(o *Options) (string, error) {
	if o.WorkDir == "" {
		return os.Getwd()
	}
	if o.MakeWorkDir {
		if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
			return "", fmt.Errorf("create working directory: %w", err)
		}
	}
	dir, err := filepath.Abs(o.WorkDir)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("working directory %s: not a directory", dir)
	}
	return dir, nil
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// findExecutable finds the application as execvp would: a name with a slash
// is taken as is (relative to dir), any other is searched in PATH. A file
// that exists but is not executable is returned too, so that starting it
// reports "permission denied" (or -X fixes it).
func findExecutable(name, dir, path string) (string, error) {
	if name == "" {
		return "", syscall.ENOENT
	}
	if strings.Contains(name, "/") {
		p := resolve(dir, name)
		if _, err := os.Stat(p); err != nil {
			return p, err
		}
		return p, nil
	}
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	var candidate string
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := resolve(dir, filepath.Join(d, name))
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() {
			continue
		}
		if fi.Mode()&0o111 != 0 {
			return p, nil
		}
		if candidate == "" {
			candidate = p
		}
	}
	if candidate != "" {
		return candidate, nil
	}
	return name, syscall.ENOENT
}

// makeExecutable adds execute permission wherever read permission is set (-X).
func makeExecutable(path string) {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return
	}
	m := fi.Mode().Perm()
	if add := (m & 0o444) >> 2; m|add != m {
		_ = os.Chmod(path, m|add|(fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)))
	}
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func lookupEnv(environ []string, key string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(environ[i], key+"="); ok {
			return v
		}
	}
	return ""
}

func withoutKey(environ []string, key string) []string {
	out := make([]string, 0, len(environ)+1)
	for _, e := range environ {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

// jobIDs lists the batch-system job ids found in the environment.
func jobIDs(environ []string) []KV {
	var ids []KV
	if v := lookupEnv(environ, "CONDOR_JOBID"); v != "" {
		ids = append(ids, KV{"condor", v})
	}
	for _, l := range []struct{ env, typ string }{
		{"SLURM_JOB_ID", "slurm"}, {"PBS_JOBID", "pbs"}, {"LSB_JOBID", "lsf"}, {"JOB_ID", "sge"},
	} {
		if v := lookupEnv(environ, l.env); v != "" {
			ids = append(ids, KV{"lrm", v}, KV{"lrmtype", l.typ})
			break
		}
	}
	return ids
}

func currentUmask() uint32 {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return uint32(m)
}
