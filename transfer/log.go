package transfer

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Logger writes log lines in the shape of Pegasus's Python tools:
//
//	2023-03-04 01:01:31,389    INFO:  Reading URL pairs from stdin
//
// A nil *Logger or one with a nil writer discards everything.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	Debug bool // write DEBUG lines too
}

// NewLogger returns a logger writing to w, stamping lines with now (nil
// means time.Now).
func NewLogger(w io.Writer, now func() time.Time) *Logger {
	if now == nil {
		now = time.Now
	}
	return &Logger{w: w, now: now}
}

func (l *Logger) log(level, format string, args ...any) {
	if l == nil || l.w == nil {
		return
	}
	t := l.now()
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s,%03d %7s:  %s\n", t.Format("2006-01-02 15:04:05"), t.Nanosecond()/1e6, level, msg)
}

// Infof logs at INFO.
func (l *Logger) Infof(format string, args ...any) { l.log("INFO", format, args...) }

// Warnf logs at WARNING.
func (l *Logger) Warnf(format string, args ...any) { l.log("WARNING", format, args...) }

// Errorf logs at ERROR.
func (l *Logger) Errorf(format string, args ...any) { l.log("ERROR", format, args...) }

// Debugf logs at DEBUG when enabled.
func (l *Logger) Debugf(format string, args ...any) {
	if l != nil && l.Debug {
		l.log("DEBUG", format, args...)
	}
}
