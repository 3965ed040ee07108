package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Monitord keeps a pegasus-monitord process following a workflow's
// dagman.out while the workflow runs: it starts it, starts it again when
// it dies (monitord resumes from its own state and gives the same
// database), and after the workflow ended waits for it to finish.
type Monitord struct {
	Path        string   // the pegasus-monitord executable
	Args        []string // extra arguments before the dagman.out path
	DagmanOut   string
	Dir         string   // working directory
	Env         []string // default os.Environ()
	LogFile     string   // monitord's output goes there (appended); "" discards it
	MaxRestarts int      // default 20
	// QuickFailures: after this many failures in a row, each within
	// 2 s of its start with an exit code (not a signal), monitord is not
	// started again (a permanent error such as a directory that is not a
	// workflow's); default 3.
	QuickFailures int
	// Logf reports restarts; may be nil.
	Logf func(format string, args ...any)

	mu       sync.Mutex
	cmd      *exec.Cmd
	restarts int
	done     chan struct{}
	ended    chan struct{} // closed by Finish: the workflow ended
	result   error
}

// ErrOtherMonitord is reported when another monitord follows the workflow
// (monitord exit code 43).
var ErrOtherMonitord = errors.New("another pegasus-monitord follows this workflow")

// Start starts monitord and its supervision.
func (m *Monitord) Start() error {
	if m.MaxRestarts == 0 {
		m.MaxRestarts = 20
	}
	if m.QuickFailures == 0 {
		m.QuickFailures = 3
	}
	m.done = make(chan struct{})
	m.ended = make(chan struct{})
	cmd, err := m.spawn()
	if err != nil {
		return err
	}
	go m.supervise(cmd)
	return nil
}

func (m *Monitord) spawn() (*exec.Cmd, error) {
	cmd := exec.Command(m.Path, append(append([]string(nil), m.Args...), m.DagmanOut)...)
	cmd.Dir = m.Dir
	cmd.Env = m.Env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if m.LogFile != "" {
		f, err := os.OpenFile(m.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.cmd = cmd
	m.mu.Unlock()
	return cmd, nil
}

func (m *Monitord) logf(format string, args ...any) {
	if m.Logf != nil {
		m.Logf(format, args...)
	}
}

func (m *Monitord) supervise(cmd *exec.Cmd) {
	defer close(m.done)
	delay := 200 * time.Millisecond
	started, quick := time.Now(), 0
	for {
		err := cmd.Wait()
		code := -1
		if cmd.ProcessState != nil {
			code = cmd.ProcessState.ExitCode()
		}
		ended := false
		select {
		case <-m.ended:
			ended = true
		default:
		}
		switch {
		case code == 0 && ended:
			m.result = nil
			return
		case code == 43:
			m.result = ErrOtherMonitord
			return
		}
		if code > 0 && time.Since(started) < 2*time.Second {
			quick++
		} else {
			quick = 0
		}
		m.mu.Lock()
		restarts := m.restarts
		m.mu.Unlock()
		if quick >= m.QuickFailures {
			where := ""
			if m.LogFile != "" {
				where = "; see " + m.LogFile
			}
			m.result = fmt.Errorf("pegasus-monitord failed as soon as it started, %d times in a row (last: %v)%s", quick, err, where)
			m.logf("%v; not starting it again", m.result)
			return
		}
		if restarts >= m.MaxRestarts {
			m.result = fmt.Errorf("pegasus-monitord failed %d times, last: %v", restarts+1, err)
			return
		}
		if code == 0 {
			// It stopped before the workflow ended: wait for the end, or a
			// while, and follow again.
			select {
			case <-m.ended:
			case <-time.After(time.Second):
			}
		} else {
			m.logf("pegasus-monitord stopped (%v); starting it again", err)
			time.Sleep(delay)
			if delay < 5*time.Second {
				delay *= 2
			}
		}
		m.mu.Lock()
		m.restarts++
		m.mu.Unlock()
		var serr error
		started = time.Now()
		cmd, serr = m.spawn()
		if serr != nil {
			m.result = serr
			return
		}
	}
}

// Pid is the running monitord's process id (0 if none).
func (m *Monitord) Pid() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd == nil || m.cmd.Process == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// Restarts is how many times monitord was started again.
func (m *Monitord) Restarts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.restarts
}

// Finish tells the supervisor that the workflow ended and waits until
// monitord has read the log to its end (or ctx is done, when monitord is
// stopped).
func (m *Monitord) Finish(ctx context.Context) error {
	close(m.ended)
	select {
	case <-m.done:
		return m.result
	case <-ctx.Done():
		m.mu.Lock()
		if m.cmd != nil && m.cmd.Process != nil {
			m.cmd.Process.Signal(syscall.SIGTERM)
		}
		m.mu.Unlock()
		<-m.done
		return ctx.Err()
	}
}
