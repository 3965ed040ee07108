package ksrecord

import (
	"errors"
	"fmt"
)

// Sentinel causes carried by ParseError; test them with errors.Is.
var (
	// ErrTruncated: a record ends before it is complete (end of file inside an
	// XML record, a flow collection or a quoted scalar; a last line cut
	// mid-way; a YAML record without its mainjob; a cluster line without "]").
	ErrTruncated = errors.New("record truncated")
	// ErrSyntax: a record is malformed (XML not well formed, YAML outside the
	// subset kickstart writes, bad indentation, bad escapes, ...).
	ErrSyntax = errors.New("syntax error")
	// ErrGarbage: binary data where text is expected (control characters or
	// invalid UTF-8 inside a record, or a file of binary bytes holding no record).
	ErrGarbage = errors.New("binary data")
	// ErrTooLong: a line or a record exceeds the parser's size limits.
	ErrTooLong = errors.New("record too long")
)

// ParseError is malformed input with its position; it prints "file:line: what".
type ParseError struct {
	File string
	Line int // 1-based; 0 when the error concerns the whole file
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the cause, which wraps one of the sentinels.
func (e *ParseError) Unwrap() error { return e.Err }

// causef builds a cause wrapping a sentinel with detail.
func causef(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
