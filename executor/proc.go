package executor

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a running job or script process, killable from the engine.
type proc struct {
	mu      sync.Mutex
	p       *os.Process
	killed  bool           // stop requested
	killSig syscall.Signal // last signal sent
}

// start records the process; if a stop was requested before it started,
// it is signalled at once.
func (pr *proc) start(p *os.Process) {
	pr.mu.Lock()
	pr.p = p
	killed := pr.killed
	pr.mu.Unlock()
	if killed {
		signalGroup(p.Pid, syscall.SIGTERM)
	}
}

// stop signals the process group.
func (pr *proc) stop(sig syscall.Signal) {
	pr.mu.Lock()
	pr.killed = true
	pr.killSig = sig
	p := pr.p
	pr.mu.Unlock()
	if p != nil {
		signalGroup(p.Pid, sig)
	}
}

func (pr *proc) stopped() bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.killed
}

func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		syscall.Kill(pid, sig)
	}
}

// exitInfo is how a process ended.
type exitInfo struct {
	code      int  // exit code when !signaled
	signal    int  // signal number when signaled
	signaled  bool //
	utime     time.Duration
	stime     time.Duration
	startErr  error // the process could not be started
	holdText  string
	aborted   bool // killed because the DAG is being removed
	execAt    time.Time
	endAt     time.Time
	startedOK bool
}

// dagReturn is DAGMan's $RETURN for a job: its exit code, or minus the
// signal.
func (e *exitInfo) dagReturn() int {
	if e.signaled {
		return -e.signal
	}
	return e.code
}

// runProcess starts argv in dir with env and files, waits for it, and
// reports how it ended. started is called once the process runs.
func runProcess(pr *proc, exe string, argv []string, dir string, env []string, files []*os.File, started func(time.Time)) exitInfo {
	var info exitInfo
	p, err := os.StartProcess(exe, argv, &os.ProcAttr{
		Dir: dir, Env: env, Files: files,
		Sys: &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		info.startErr = err
		return info
	}
	info.startedOK = true
	info.execAt = time.Now()
	pr.start(p)
	if started != nil {
		started(info.execAt)
	}
	st, err := p.Wait()
	info.endAt = time.Now()
	if err != nil {
		info.startErr = err
		return info
	}
	info.utime, info.stime = st.UserTime(), st.SystemTime()
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		info.signaled, info.signal = true, int(ws.Signal())
	} else {
		info.code = st.ExitCode()
	}
	info.aborted = pr.stopped()
	return info
}

// checkDir says why dir cannot be a working directory (nil if it can):
// the errno alone, for messages that name the directory themselves.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	if !fi.IsDir() {
		return syscall.ENOTDIR
	}
	return nil
}

// errnoText renders an exec error as HTCondor's hold reasons do:
// "(errno=2: 'No such file or directory')".
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Sprintf("(errno=%d: '%s')", int(errno), capitalize(errno.Error()))
	}
	return "(" + err.Error() + ")"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// openStd opens a job's stdin, stdout and stderr as the starter does:
// input read-only (or /dev/null), output and error created and truncated
// (or /dev/null); output and error may be one file.
func openStd(js *jobSpec) (files []*os.File, err error) {
	closeAll := func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}
	in := js.input
	if in == "" {
		in = os.DevNull
	}
	f, err := os.Open(in)
	if err != nil {
		return nil, fmt.Errorf("Failed to open '%s' as standard input: %s", in, errnoText(err))
	}
	files = append(files, f)
	out := js.output
	if out == "" {
		out = os.DevNull
	}
	if f, err = os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
		closeAll()
		return nil, fmt.Errorf("Failed to open '%s' as standard output: %s", out, errnoText(err))
	}
	files = append(files, f)
	errf := js.errorf
	if errf == "" {
		errf = os.DevNull
	}
	if errf == out && out != os.DevNull {
		files = append(files, f)
		return files, nil
	}
	if f, err = os.OpenFile(errf, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644); err != nil {
		closeAll()
		return nil, fmt.Errorf("Failed to open '%s' as standard error: %s", errf, errnoText(err))
	}
	files = append(files, f)
	return files, nil
}

func closeStd(files []*os.File) error {
	var first error
	for i, f := range files {
		if i == 2 && f == files[1] {
			continue
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// copyIn copies a transfer_input_files entry (a file or a directory,
// relative to the job's initialdir) into the scratch directory. A trailing
// slash on a directory copies its contents, as HTCondor does.
func copyIn(src, scratch string) error {
	if strings.Contains(src, "://") {
		return fmt.Errorf("URL %s: only local files can be transferred by this executor", src)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return copyFile(src, filepath.Join(scratch, filepath.Base(src)), fi.Mode())
	}
	dst := scratch
	if !strings.HasSuffix(src, "/") {
		dst = filepath.Join(scratch, filepath.Base(src))
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		t := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(t, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(p, t, info.Mode())
	})
}

// copyFile copies src to dst (replacing it), syncing nothing but checking
// every write: a full disk is an error, not a short file. Errors on the
// destination side are *DestError.
func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".pegasus-tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode.Perm()|0o200)
	if err != nil {
		return &destError{dst, err}
	}
	w := &destWriter{f: out}
	_, err = io.CopyBuffer(w, struct{ io.Reader }{in}, make([]byte, 256<<10))
	if w.err != nil {
		err = &destError{dst, w.err}
	}
	if err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return &destError{dst, err}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return &destError{dst, err}
	}
	return nil
}

// destError is a failure to write a copy's destination.
type destError struct {
	path string
	err  error
}

func (e *destError) Error() string { return "writing " + e.path + ": " + e.err.Error() }
func (e *destError) Unwrap() error { return e.err }

// destWriter remembers its write error, so a copy's failure can be told
// from a failure to read its source.
type destWriter struct {
	f   *os.File
	err error
}

func (w *destWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}
